// An interface check in the spirit of WPT's idlharness.js (resources/idlharness.js), over
// expectations the browser test derives from the IDL model (tests/browser/idl_expectations.py):
// the WebIDL ECMAScript binding's shape of each interface object, prototype, attribute,
// operation, constant, namespace and setlike. Returns how many checks ran and which failed;
// a failure about enumerability is prefixed "[enumerable] ", one about a partial interface's
// member "[partial] " (its own check: JavaScript classes
// make methods and accessors non-enumerable, WebIDL wants them enumerable).

export function checkInterfaces(entries, global = globalThis) {
  const failures = [];
  let checks = 0;
  const check = (ok, what) => {
    checks++;
    if (!ok) failures.push(what);
  };
  const describe = (object, key) => Object.getOwnPropertyDescriptor(object, key);

  const checkAttribute = (target, owner, attribute) => {
    const d = describe(target, attribute.name);
    check(
      d !== undefined && typeof d.get === "function" && d.configurable &&
        (attribute.readonly ? d.set === undefined : typeof d.set === "function"),
      `${owner}.${attribute.name}: an accessor (getter${attribute.readonly ? " only" : " and setter"}),` +
        ` configurable; got ${d ? `get ${typeof d.get}, set ${typeof d.set}` : "nothing"}`);
    check(d?.enumerable === true, `[enumerable] ${owner}.${attribute.name} (WebIDL §3.7.6)`);
  };
  const checkOperation = (target, owner, operation) => {
    const d = describe(target, operation.name);
    check(
      d !== undefined && typeof d.value === "function" && d.writable && d.configurable &&
        d.value.length === operation.length && d.value.name === operation.name,
      `${owner}.${operation.name}(): a writable, configurable method of length ` +
        `${operation.length}; got ${d ? `length ${d.value?.length}` : "nothing"}`);
    check(d?.enumerable === true, `[enumerable] ${owner}.${operation.name}() (WebIDL §3.7.7)`);
  };
  const checkConstant = (target, owner, constant) => {
    const d = describe(target, constant.name);
    check(
      d !== undefined && d.value === constant.value && !d.writable && d.enumerable && !d.configurable,
      `${owner}.${constant.name}: a read-only, enumerable, non-configurable ${constant.value}; ` +
        `got ${JSON.stringify(d)}`);
  };

  for (const entry of entries) {
    const { name } = entry;
    if (entry.kind === "namespace") {
      const d = describe(global, name);
      check(d !== undefined && typeof d.value === "object" && d.value !== null,
        `${name}: a namespace object on the global`);
      for (const constant of entry.constants) checkConstant(global[name] ?? {}, name, constant);
      continue;
    }
    if (entry.kind === "partial") {
      // Members of a partial interface of the platform's (navigator.npu) belong on its
      // prototype, like the platform's own; failures here are prefixed "[partial] ".
      const proto = global[name]?.prototype ?? {};
      const before = failures.length;
      for (const attribute of entry.attributes) checkAttribute(proto, `${name}.prototype`, attribute);
      for (const operation of entry.operations) checkOperation(proto, `${name}.prototype`, operation);
      for (let i = before; i < failures.length; i++) {
        if (!failures[i].startsWith("[")) failures[i] = `[partial] ${failures[i]}`;
      }
      continue;
    }
    const d = describe(global, name);
    const object = d?.value;
    check(typeof object === "function" && d.writable && !d.enumerable && d.configurable,
      `${name}: an interface object, a writable, non-enumerable, configurable property of the global`);
    if (typeof object !== "function") {
      checks += 5; // the checks below cannot run without it; count them as failed
      failures.push(`${name}: (5 checks skipped: no interface object)`);
      continue;
    }
    check(object.length === entry.constructorLength,
      `${name}.length is ${entry.constructorLength}; got ${object.length}`);
    check(object.name === name, `${name}.name is "${name}"; got "${object.name}"`);
    const parent = entry.parent ? global[entry.parent] : null;
    check(Object.getPrototypeOf(object) === (parent ?? Function.prototype),
      `${name}'s [[Prototype]] is ${entry.parent ?? "Function.prototype"}`);
    check(Object.getPrototypeOf(object.prototype) === (parent ? parent.prototype : Object.prototype),
      `${name}.prototype's [[Prototype]] is ${entry.parent ?? "Object"}.prototype`);
    check(object.prototype.constructor === object, `${name}.prototype.constructor is ${name}`);
    for (const attribute of entry.attributes) {
      checkAttribute(attribute.static ? object : object.prototype,
        attribute.static ? name : `${name}.prototype`, attribute);
    }
    for (const operation of entry.operations) {
      checkOperation(operation.static ? object : object.prototype,
        operation.static ? name : `${name}.prototype`, operation);
    }
    for (const constant of entry.constants) {
      checkConstant(object, name, constant);
      checkConstant(object.prototype, `${name}.prototype`, constant);
    }
    if (entry.setlike) {
      const proto = object.prototype;
      const sizeOf = describe(proto, "size");
      check(typeof sizeOf?.get === "function" && sizeOf.set === undefined,
        `${name}.prototype.size: a getter (setlike)`);
      for (const [method, length] of [["has", 1], ["forEach", 1], ["entries", 0], ["keys", 0], ["values", 0]]) {
        check(typeof proto[method] === "function" && proto[method].length === length,
          `${name}.prototype.${method}() of length ${length} (readonly setlike)`);
      }
    }
  }
  return { checks, failures };
}
