// WebIDL's value conversions for the polyfill (https://webidl.spec.whatwg.org/#es-type-mapping),
// the JavaScript twin of python_service/client/conversions.py: the same converter kinds, the
// same conversion order and the same messages (Chromium's sentence shapes), so the generated
// bindings of both targets throw the same TypeError for the same mistake. Where JavaScript
// has a value Python has no meaning for (a string passed as a number), WebIDL's own rule
// applies (ToNumber). The generated module (generated/js/webnpu.js) builds one converter per
// type of the API from these factories.

export const INTERNAL = Symbol("webnpu.internal");
const IMPLS = new WeakMap();
let DICTIONARIES = {};

/** The generated module's dictionary member tables (set once, at its load). */
export function setDictionaries(table) {
  DICTIONARIES = table;
}

// --- contexts: the "Failed to ..." prefix of a message ---------------------------------------

class Context {
  constructor(prefix = "", parameter = null) {
    this.prefix = prefix;
    this.parameter = parameter;
  }

  message(detail) {
    return this.prefix ? `${this.prefix}: ${detail}` : detail;
  }

  typeError(detail) {
    return new TypeError(this.message(detail));
  }

  notOfType(name) {
    if (this.parameter !== null) return this.typeError(`parameter ${this.parameter} is not of type '${name}'.`);
    return this.typeError(`The provided value is not of type '${name}'.`);
  }

  argument(index) {
    return new Context(this.prefix, index + 1);
  }

  member(dictionary, member) {
    return new Context(this.message(`Failed to read the '${member}' property from '${dictionary}'`));
  }

  element() {
    return new Context(this.prefix);
  }
}

const NO_CONTEXT = new Context();

export function illegalConstructor(name) {
  return new TypeError(`Failed to construct '${name}': Illegal constructor`);
}

/** A constructor without an IDL `constructor(...)`: only the implementation may call it. */
export function internalOnly(token, name) {
  if (token !== INTERNAL) throw illegalConstructor(name);
}

/** `new X(...)` of an interface with an IDL constructor: its arguments, converted; null when
 * the implementation creates the object (it attaches its own state). */
export function constructing(newTarget, operation, args) {
  if (args[0] === INTERNAL) return null;
  if (newTarget === undefined) throw new TypeError(`Failed to construct '${operation.interface}': Please use the 'new' operator.`);
  return operation.convert(args);
}

// --- implementation objects ------------------------------------------------------------------

/** Attach `impl` (the hand-written state and behaviour) to binding object `obj`. */
export function attach(obj, impl) {
  IMPLS.set(obj, impl);
  return obj;
}

/** `obj`'s implementation, if `obj` is a `cls` the implementation made ("Illegal invocation"
 * otherwise, as a browser says for a getter called on the wrong object). */
export function impl(obj, cls) {
  const found = IMPLS.get(obj);
  if (found === undefined || !(obj instanceof cls)) throw new TypeError("Illegal invocation");
  return found;
}

export function implOrNull(obj) {
  return IMPLS.get(obj) ?? null;
}

// --- converters ------------------------------------------------------------------------------

const INTEGER_TYPES = {
  byte: [8, true],
  octet: [8, false],
  short: [16, true],
  "unsigned short": [16, false],
  long: [32, true],
  "unsigned long": [32, false],
  "long long": [64, true],
  "unsigned long long": [64, false],
};

function toNumber(value, context, name) {
  if (typeof value === "bigint" || typeof value === "symbol") throw context.typeError(`Value is not of type '${name}'.`);
  return Number(value);
}

/** ConvertToInt (§3.2.4.9): modulo by default, [EnforceRange] checks, [Clamp] clamps. */
export function integer(name, options = {}) {
  const [bits, signed] = INTEGER_TYPES[name];
  let lower;
  let upper;
  if (bits === 64) {
    lower = signed ? -(2 ** 53) + 1 : 0;
    upper = 2 ** 53 - 1;
  } else {
    lower = signed ? -(2 ** (bits - 1)) : 0;
    upper = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  }
  return {
    kind: "numeric",
    name,
    convert(value, context = NO_CONTEXT) {
      const x = toNumber(value, context, name);
      if (options.enforceRange) {
        if (Number.isNaN(x)) throw context.typeError(`Value is not of type '${name}'.`);
        if (!Number.isFinite(x)) throw context.typeError(`Value is infinite and not of type '${name}'.`);
        const n = Math.trunc(x);
        if (n < lower || n > upper) throw context.typeError(`Value is outside the '${name}' value range.`);
        return n + 0; // -0 -> 0
      }
      if (Number.isNaN(x)) return 0;
      if (options.clamp) {
        if (x <= lower) return lower;
        if (x >= upper) return upper;
        const f = Math.floor(x);
        const r = x - f;
        return (r > 0.5 || (r === 0.5 && f % 2 !== 0) ? f + 1 : f) + 0; // half to even
      }
      if (!Number.isFinite(x)) return 0;
      if (bits === 64) {
        const m = BigInt.asUintN(64, BigInt(Math.trunc(x)));
        return Number(signed ? BigInt.asIntN(64, m) : m);
      }
      const n = Math.trunc(x);
      const m = ((n % 2 ** bits) + 2 ** bits) % 2 ** bits;
      return signed && m >= 2 ** (bits - 1) ? m - 2 ** bits : m;
    },
  };
}

export function float(name) {
  const unrestricted = name.startsWith("unrestricted ");
  const single = name.endsWith("float");
  return {
    kind: "numeric",
    name,
    convert(value, context = NO_CONTEXT) {
      let x = toNumber(value, context, name);
      if (!unrestricted && !Number.isFinite(x)) throw context.typeError(`The provided ${name} value is non-finite.`);
      if (single) {
        x = Math.fround(x);
        if (!unrestricted && !Number.isFinite(x)) throw context.typeError(`The provided ${name} value is non-finite.`);
      }
      return x;
    },
  };
}

function shown(value) {
  if (typeof value === "string") return `'${value}'`;
  if (value === undefined) return "undefined";
  if (value === null) return "None";
  return String(value);
}

export function bigint() {
  return {
    kind: "bigint",
    name: "bigint",
    convert(value, context = NO_CONTEXT) {
      if (typeof value === "bigint") return value;
      if (typeof value === "boolean") return BigInt(value);
      // Python's message quotes Python's repr; the same for the values both languages share.
      throw context.typeError(`Cannot convert ${shown(value)} to a BigInt.`);
    },
  };
}

export function boolean() {
  return { kind: "boolean", name: "boolean", convert: (value) => Boolean(value) };
}

/** Lone surrogates become U+FFFD (USVString). */
function usvString(value) {
  return typeof value.toWellFormed === "function" ? value.toWellFormed() : value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

export function string(name = "DOMString") {
  return {
    kind: "string",
    name,
    convert(value, context = NO_CONTEXT) {
      if (typeof value === "symbol") throw context.typeError(`Value is not of type '${name}'.`);
      // Python accepts only str; JavaScript's ToString is WebIDL's rule for anything else,
      // except undefined/null, which stand for Python's None (absent) and fail there too.
      if (typeof value !== "string") {
        if (value === undefined || value === null || typeof value === "object" || typeof value === "function") {
          throw context.typeError(`Value is not of type '${name}'.`);
        }
        value = String(value);
      }
      if (name === "USVString") return usvString(value);
      if (name === "ByteString" && /[^\u0000-\u00ff]/.test(value)) throw context.typeError("Value is not a valid ByteString.");
      return value;
    },
  };
}

export function enumeration(name, values) {
  const allowed = new Set(values);
  return {
    kind: "string",
    name,
    values,
    convert(value, context = NO_CONTEXT) {
      if (typeof value !== "string" || !allowed.has(value)) {
        const text = typeof value === "string" ? value : value === undefined ? "undefined" : String(value);
        throw context.typeError(`The provided value '${text}' is not a valid enum value of type ${name}.`);
      }
      return value;
    },
  };
}

function isObject(value) {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

/** A dictionary: its members from the generated table, inherited first, each by name. */
export function dictionary(name) {
  return {
    kind: "dictionary",
    name,
    convert(value, context = NO_CONTEXT) {
      if (value === undefined || value === null) value = {};
      else if (!isObject(value)) throw context.notOfType(name);
      const out = {};
      for (const [member, declaredIn, converter, required, defaultValue] of DICTIONARIES[name]) {
        let v = value[member];
        const inner = context.member(declaredIn, member);
        if (v === undefined) {
          if (required) throw inner.typeError("Required member is undefined.");
          if (defaultValue === undefined) continue;
          v = Array.isArray(defaultValue) ? [...defaultValue] : defaultValue;
        }
        out[member] = converter.convert(v, inner);
      }
      return out;
    },
  };
}

function isIterable(value) {
  return isObject(value) && typeof value[Symbol.iterator] === "function";
}

export function sequence(element, name = "sequence") {
  return {
    kind: "sequence",
    name,
    convert(value, context = NO_CONTEXT) {
      if (!isIterable(value) || typeof value === "string") {
        if (context.parameter !== null) {
          throw context.typeError(`parameter ${context.parameter} is not iterable or does not have a callable Symbol.iterator.`);
        }
        throw context.typeError(value === undefined || value === null
          ? "The provided value cannot be converted to a sequence."
          : "The object must have a callable @@iterator property.");
      }
      const inner = context.element();
      return Array.from(value, (item) => element.convert(item, inner));
    },
  };
}

/** record<K, V>: an object's own enumerable string keys, in order; a Map is taken as is. */
export function record(key, valueConverter, name = "record") {
  return {
    kind: "record",
    name,
    convert(value, context = NO_CONTEXT) {
      if (!isObject(value) || Array.isArray(value)) throw context.notOfType(name);
      const inner = context.element();
      const out = new Map();
      const entries = value instanceof Map ? [...value] : Object.entries(value);
      for (const [k, v] of entries) out.set(key.convert(k, inner), valueConverter.convert(v, inner));
      return out;
    },
  };
}

// Interface types: the binding classes by name (registered by client.js from the module).
const CLASSES = new Map();

export function registerInterfaces(interfaces) {
  for (const [name, cls] of Object.entries(interfaces)) CLASSES.set(name, cls);
}

function implementsInterface(value, name) {
  const cls = CLASSES.get(name);
  return cls !== undefined && typeof cls === "function" && value instanceof cls && IMPLS.has(value);
}

export function interfaceType(name) {
  return {
    kind: "interface",
    name,
    convert(value, context = NO_CONTEXT) {
      if (!implementsInterface(value, name)) throw context.notOfType(name);
      return value;
    },
  };
}

export function callback(name) {
  return {
    kind: "callback",
    name,
    convert(value, context = NO_CONTEXT) {
      if (typeof value !== "function") throw context.typeError(`The provided callback is not a function (${name}).`);
      return value;
    },
  };
}

/** ArrayBuffer, SharedArrayBuffer and views: a Uint8Array over the same bytes (no copy). */
export function bufferSource(name = "BufferSource") {
  return {
    kind: "buffer",
    name,
    convert(value, context = NO_CONTEXT) {
      const bytes = asBytes(value);
      if (bytes === null) throw context.notOfType(name);
      return bytes;
    },
  };
}

function asBytes(value) {
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer) return new Uint8Array(value);
  return null;
}

export function nullable(inner) {
  return {
    kind: inner.kind,
    name: inner.name + "?",
    nullable: true,
    convert(value, context = NO_CONTEXT) {
      return value === null || value === undefined ? null : inner.convert(value, context);
    },
  };
}

export function any(name = "any") {
  return { kind: "any", name, convert: (value) => value };
}

/** A union, in WebIDL's conversion order reduced to the member kinds the API uses. */
export function union(name, members) {
  const first = (...kinds) => {
    for (const kind of kinds) for (const m of members) if (m.kind === kind) return m;
    return null;
  };
  const isNullable = members.some((m) => m.nullable);
  return {
    kind: "union",
    name,
    nullable: isNullable,
    convert(value, context = NO_CONTEXT) {
      if ((value === null || value === undefined) && isNullable) return null;
      for (const m of members) if (m.kind === "interface" && implementsInterface(value, m.name)) return value;
      const buffer = first("buffer");
      if (buffer && asBytes(value) !== null) return buffer.convert(value, context);
      if (isObject(value)) {
        const sequenceMember = first("sequence");
        if (sequenceMember && isIterable(value)) return sequenceMember.convert(value, context);
        const member = first("dictionary", "record");
        if (member) return member.convert(value, context);
        const cb = first("callback");
        if (cb && typeof value === "function") return cb.convert(value, context);
      }
      if (typeof value === "boolean" && first("boolean")) return first("boolean").convert(value, context);
      if (typeof value === "bigint") {
        const member = first("bigint", "numeric");
        if (member) return member.convert(value, context);
      }
      if (typeof value === "number") {
        const member = first("numeric", "bigint");
        if (member) return member.convert(value, context);
      }
      if (typeof value === "string" && first("string")) return first("string").convert(value, context);
      throw context.notOfType(name);
    },
  };
}

// --- operations ------------------------------------------------------------------------------

/** An operation's (or constructor's) arguments: [converter, optional, default, variadic]. */
export function operation(interfaceName, name, required, args) {
  const prefix = name === "constructor"
    ? `Failed to construct '${interfaceName}'`
    : `Failed to execute '${name}' on '${interfaceName}'`;
  const context = new Context(prefix);
  return {
    interface: interfaceName,
    name,
    convert(values) {
      if (values.length < required) {
        throw context.typeError(`${required} argument${required !== 1 ? "s" : ""} required, but only ${values.length} present.`);
      }
      const out = [];
      args.forEach(([converter, optional, defaultValue, variadic], index) => {
        const inner = context.argument(index);
        if (variadic) {
          for (let i = index; i < values.length; i++) out.push(converter.convert(values[i], context.argument(i)));
          return;
        }
        let value = values[index];
        if (optional && value === undefined) {
          if (defaultValue === undefined) {
            out.push(undefined);
            return;
          }
          value = Array.isArray(defaultValue) ? [...defaultValue] : defaultValue;
        }
        out.push(converter.convert(value, inner));
      });
      return out;
    },
  };
}

/** A writable attribute's new value. */
export function setter(interfaceName, name, converter) {
  const context = new Context(`Failed to set the '${name}' property on '${interfaceName}'`);
  return { convert: (value) => converter.convert(value, context) };
}

/** setlike has(value): its one argument, as a DOMString. */
export function setEntry(values, name, interfaceName) {
  if (values.length < 1) throw new TypeError(`Failed to execute '${name}' on '${interfaceName}': 1 argument required, but only 0 present.`);
  return String(values[0]);
}
