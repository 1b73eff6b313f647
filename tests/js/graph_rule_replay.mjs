// One graph-rule case's builder calls on a device's NPUGraphBuilders, and what each call gave:
// {dataType, shape} of the returned operand, null for a non-operand result, or [error type,
// message], up to the first error. In `args`, {"$operand": i} is the case's i-th operand,
// {"$bytes": n} n zero bytes, {"$bigint": "n"} a BigInt, {"$double": "NaN"} a non-finite
// number (tests/js/graph_rule_cases.py to_json). Shared by the node driver
// (graph_rules_driver.mjs) and the page check (tests/browser/test_graph_rules_page.py), which
// evaluates this file's text in the page: so it imports nothing.

export function replayCalls(device, calls) {
  const describe = (error) => [
    error instanceof DOMException ? error.name : error.constructor.name,
    error.message,
  ];
  const value = (arg, operands) => {
    if (Array.isArray(arg)) return arg.map((a) => value(a, operands));
    if (arg === null || typeof arg !== "object") return arg;
    if ("$operand" in arg) return operands[arg.$operand];
    if ("$bytes" in arg) return new Uint8Array(arg.$bytes);
    if ("$bigint" in arg) return BigInt(arg.$bigint);
    if ("$double" in arg) return Number(arg.$double);
    return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, value(v, operands)]));
  };
  const builders = [];
  const operands = [];
  const answers = [];
  for (const { builder, method, args } of calls) {
    builders[builder] ??= device.createGraphBuilder();
    try {
      const result = builders[builder][method](...value(args, operands));
      if (result && typeof result === "object" && "shape" in result) {
        operands.push(result);
        answers.push({ dataType: result.dataType, shape: [...result.shape] });
      } else {
        answers.push(null);
      }
    } catch (error) {
      answers.push(describe(error));
      break;
    }
  }
  return answers;
}
