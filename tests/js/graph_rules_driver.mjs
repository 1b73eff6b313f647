// The JS side of tests/js/test_graph_rules.py: replays builder calls on the polyfill's
// NPUGraphBuilder (through the generated bindings, so WebIDL conversion runs first) and reports
// what each call gave. The devices come from the test's stand-in service over stdin/stdout
// (each bridge message behind a u32 length, as tests/js/e2e_client.mjs), one per limit set.
// argv[2]: JSON {limits: count, cases: [{limits, calls: [{builder, method, args}]}]}.
// argv[3]: where the answers go (stdout is the transport): per case, per call until the first
// error, {dataType, shape} of the returned operand, null for a non-operand result, or
// [error type, message]. In `args`, {"$operand": i} is the case's i-th operand, {"$bytes": n}
// n zero bytes, {"$bigint": "n"} a BigInt, {"$double": "NaN"} a non-finite number.

import { readFileSync, writeFileSync } from "node:fs";
import { connect } from "../../generated/js/webnpu.js";
import { stdioTransport } from "./stdio_transport.mjs";
import { connectionOf } from "../../polyfill/runtime/client.js";

function describe(error) {
  return [error instanceof DOMException ? error.name : error.constructor.name, error.message];
}

function value(arg, operands) {
  if (Array.isArray(arg)) return arg.map((a) => value(a, operands));
  if (arg === null || typeof arg !== "object") return arg;
  if ("$operand" in arg) return operands[arg.$operand];
  if ("$bytes" in arg) return new Uint8Array(arg.$bytes);
  if ("$bigint" in arg) return BigInt(arg.$bigint);
  if ("$double" in arg) return Number(arg.$double);
  return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, value(v, operands)]));
}

function run(device, calls) {
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

async function main() {
  const { limits, cases } = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const npu = connect(stdioTransport());
  const devices = [];
  for (let i = 0; i < limits; i++) {
    const adapter = await npu.requestAdapter();
    devices.push(await adapter.requestDevice({ label: `limits-${i}` }));
  }
  const answers = cases.map((c) => run(devices[c.limits], c.calls));
  writeFileSync(process.argv[3], JSON.stringify(answers));
  connectionOf(npu).close();
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
