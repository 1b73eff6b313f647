// The graph builder's rules, as the Python bindings apply them at each call: descriptor limits
// (python_service/shared/tensors.py), the input/constant/operation checks of
// python_service/shared/graph.py (`validate_input`, `validate_constant`, `validate_operation`)
// and every operation's shape and type inference after WebNN's rules
// (python_service/shared/operations.py). The Python modules are the reference: every message
// below is theirs word for word, since a page must meet the same TypeError for the same
// mistake whichever client it runs on. tests/js/test_graph_rules.py checks both sides case by
// case, and this module's tables (OPERATIONS, DATA_TYPES) against the Python ones.
//
// The module holds no state and knows nothing of the wire: client.js's NPUGraphBuilderImpl
// calls it with the descriptors of the operands recorded so far.

const MAX_DIMENSION = 2 ** 31 - 1;
const MAX_TENSOR_RANK = 8;
const UINT32_MAX = 2 ** 32 - 1;

/** NPUDataType values in the Python enum's order (a rule's "allowed:" list follows it). */
export const DATA_TYPES = Object.freeze({
  float32: 4,
  float16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  int8: 1,
  uint8: 1,
});

const FLOAT_TYPES = new Set(["float32", "float16"]);

/** A descriptor breaks a size rule (tensors.py TensorError). */
export class TensorError extends Error {}

/** A graph breaks a rule; the message names the operation and operand (graph.py GraphError). */
export class GraphError extends Error {}

/** One broken operation rule; `slot` names its operand, or null (operations.py RuleViolation). */
class RuleViolation extends Error {
  constructor(rule, slot = null) {
    super(rule);
    this.rule = rule;
    this.slot = slot;
  }
}

/** The limits the rules use: WebNPU's defaults, or a device's NPUSupportedLimits. */
export const DEFAULT_LIMITS = Object.freeze({ maxTensorRank: MAX_TENSOR_RANK, maxTensorByteLength: 2 ** 31 - 1 });

export function limitsOf(supported) {
  // u64 members arrive as numbers up to 2^53 - 1 and as BigInts above (wire.js).
  return Object.freeze({
    maxTensorRank: Number(supported.maxTensorRank),
    maxTensorByteLength: BigInt(supported.maxTensorByteLength),
  });
}

// --- Python's spelling of values in messages ----------------------------------------------

const list = (values) => `[${values.map((v) => pyRepr(v)).join(", ")}]`;

/** repr() of a Python float: shortest round-trip digits, exponent form outside 1e-4..1e16. */
function pyFloat(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exponentText] = x.toExponential().split("e");
  const sign = x < 0 ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
    const fraction = digits.slice(exponent + 1) || "0";
    return `${sign}${whole}.${fraction}`;
  }
  const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const magnitude = String(Math.abs(exponent)).padStart(2, "0");
  return `${sign}${head}e${exponent < 0 ? "-" : "+"}${magnitude}`;
}

/**
 * A value as Python's repr() spells it. A JS number is an IDL double, so a Python float (what
 * the Python bindings hold for one), except dimensions and unsigned longs, which are ints.
 */
function pyRepr(value, asFloat = false) {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return asFloat || !Number.isInteger(value) ? pyFloat(value) : String(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`);
    return `${quote}${body}${quote}`;
  }
  if (value === null || value === undefined) return "None";
  if (Array.isArray(value)) return list(value);
  return String(value);
}

const describe = (d) => `${d.dataType}${list(d.shape)}`;

// --- descriptors (tensors.py) --------------------------------------------------------------

/** `check_shape`: WebNN's rank and "valid dimension" rules; the shape as a frozen array. */
export function checkShape(shape, limits = DEFAULT_LIMITS) {
  if (shape.length > limits.maxTensorRank) {
    throw new TensorError(`rank ${shape.length} exceeds maxTensorRank ${limits.maxTensorRank}`);
  }
  shape.forEach((dim, index) => {
    if (!Number.isInteger(dim)) throw new TensorError(`dimension ${index} is not an integer: ${pyRepr(dim)}`);
    if (dim < 1 || dim > MAX_DIMENSION) throw new TensorError(`dimension ${index} is ${dim}, outside 1..${MAX_DIMENSION}`);
  });
  return Object.freeze([...shape]);
}

/** `checked_element_count`: the product, refused as soon as a step exceeds `limit` (BigInt). */
function checkedElementCount(shape, limit) {
  let count = 1n;
  for (const dim of shape) {
    count *= BigInt(dim);
    if (count > limit) throw new TensorError(`element count of shape ${list(shape)} exceeds ${limit}`);
  }
  return count;
}

const elementCount = (shape) => checkedElementCount(shape, 2n ** 64n);

/** An `OperandDescriptor`: a data type and a shape within WebNPU's absolute caps. */
export function descriptor(dataType, shape) {
  if (!(dataType in DATA_TYPES)) throw new TensorError(`${pyRepr(dataType)} is not a valid NPUDataType`);
  return Object.freeze({ dataType, shape: checkShape(shape) });
}

/** `check_descriptor`: the descriptor, if its rank and byte length are within `limits`. */
export function checkDescriptor(d, limits) {
  checkShape(d.shape, limits);
  const maxElements = BigInt(limits.maxTensorByteLength) / BigInt(DATA_TYPES[d.dataType]);
  try {
    checkedElementCount(d.shape, maxElements);
  } catch (error) {
    if (!(error instanceof TensorError)) throw error;
    throw new TensorError(`byte length of ${describe(d)} exceeds maxTensorByteLength ${limits.maxTensorByteLength}`);
  }
  return d;
}

export const byteLength = (d) => elementCount(d.shape) * BigInt(DATA_TYPES[d.dataType]);

// --- inputs and constants (graph.py) ---------------------------------------------------------

function checked(d, where, limits) {
  try {
    return checkDescriptor(d, limits);
  } catch (error) {
    if (error instanceof TensorError) throw new GraphError(`${where}: ${error.message}`);
    throw error;
  }
}

/** `validate_input`: a non-empty name not in `names`, a descriptor within `limits`. */
export function validateInput(id, name, d, names, limits) {
  const where = `input '${name}' (operand ${id})`;
  if (!name) throw new GraphError(`input (operand ${id}): the name must not be empty`);
  if (names.has(name)) throw new GraphError(`${where}: the name is already used`);
  return checked(d, where, limits);
}

/** `validate_constant`: a descriptor within `limits` whose byte length the data matches. */
export function validateConstant(id, d, dataLength, limits) {
  const where = `constant (operand ${id})`;
  checked(d, where, limits);
  const expected = byteLength(d);
  if (BigInt(dataLength) !== expected) {
    throw new GraphError(`${where}: ${dataLength} bytes do not match ${describe(d)} (${expected} bytes)`);
  }
  return d;
}

// --- attributes (operations.py check_attributes) ---------------------------------------------

const attribute = (kind, fallback = null, { required = false, choices = [] } = {}) =>
  Object.freeze({ kind, default: fallback, required, choices: Object.freeze(choices) });

const isInt = (v) => (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";

function checkAttribute(name, spec, value) {
  switch (spec.kind) {
    case "uint":
      if (!isInt(value) || value < 0 || value > UINT32_MAX) throw new RuleViolation(`attribute '${name}' must be an unsigned long, got ${pyRepr(value)}`);
      return Number(value);
    case "uints":
      if (!Array.isArray(value) || !value.every((v) => isInt(v) && v >= 0 && v <= UINT32_MAX)) {
        throw new RuleViolation(`attribute '${name}' must be a sequence of unsigned long, got ${pyRepr(value)}`);
      }
      return Object.freeze(value.map(Number));
    case "double":
      if (typeof value !== "number" || !Number.isFinite(value)) throw new RuleViolation(`attribute '${name}' must be a finite double, got ${pyRepr(value, true)}`);
      return value;
    case "number":
      if ((typeof value !== "number" && typeof value !== "bigint") || Number.isNaN(value)) {
        throw new RuleViolation(`attribute '${name}' must be a number, got ${pyRepr(value, true)}`);
      }
      return value;
    case "bool":
      if (typeof value !== "boolean") throw new RuleViolation(`attribute '${name}' must be a boolean, got ${pyRepr(value)}`);
      return value;
    case "datatype":
      if (!(value in DATA_TYPES)) throw new RuleViolation(`attribute '${name}' must be an NPUDataType, got ${pyRepr(value)}`);
      return value;
    case "enum":
      if (!spec.choices.includes(value)) throw new RuleViolation(`attribute '${name}' must be one of ${list(spec.choices)}, got ${pyRepr(value)}`);
      return value;
    default:
      throw new Error(`unknown attribute kind ${spec.kind}`);
  }
}

function checkAttributes(spec, given) {
  for (const name of Object.keys(given).sort()) {
    if (!(name in spec.attributes)) throw new RuleViolation(`unknown attribute '${name}'`);
  }
  const result = {};
  for (const [name, a] of Object.entries(spec.attributes)) {
    if (given[name] !== undefined && given[name] !== null) result[name] = checkAttribute(name, a, given[name]);
    else if (a.required) throw new RuleViolation(`attribute '${name}' is required`);
    else result[name] = a.default;
  }
  return result;
}

// --- shared rules ----------------------------------------------------------------------------

const rank = (d) => d.shape.length;
const sameShape = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

function requireTypes(slot, d, allowed) {
  if (!allowed.has(d.dataType)) {
    const names = Object.keys(DATA_TYPES).filter((t) => allowed.has(t)).join(", ");
    throw new RuleViolation(`data type ${d.dataType} is not supported (allowed: ${names})`, slot);
  }
}

function requireSameType(slot, d, ref, other) {
  if (d.dataType !== other.dataType) {
    throw new RuleViolation(`data type ${d.dataType} does not match '${ref}' (${other.dataType})`, slot);
  }
}

function requireRank(slot, d, expected) {
  if (rank(d) !== expected) throw new RuleViolation(`must be a ${expected}-D tensor, got rank ${rank(d)}`, slot);
}

function requireLength(name, values, length) {
  if (values.length !== length) throw new RuleViolation(`'${name}' must have ${length} values, got ${values.length}`);
}

function requirePositive(name, values) {
  if (values.some((v) => v < 1)) throw new RuleViolation(`'${name}' values must be at least 1, got ${list(values)}`);
}

function result(dataType, shape) {
  if (shape.some((d) => d > MAX_DIMENSION)) throw new RuleViolation(`result dimension exceeds ${MAX_DIMENSION} in ${list(shape)}`);
  return descriptor(dataType, shape);
}

/** WebNN "bidirectionally broadcast the shapes"; null if incompatible. */
export function broadcastShapes(a, b) {
  const n = Math.max(a.length, b.length);
  const pa = [...Array(n - a.length).fill(1), ...a];
  const pb = [...Array(n - b.length).fill(1), ...b];
  const out = [];
  for (let i = 0; i < n; i++) {
    if (pa[i] !== pb[i] && pa[i] !== 1 && pb[i] !== 1) return null;
    out.push(Math.max(pa[i], pb[i]));
  }
  return out;
}

/** WebNN "unidirectionally broadcastable": source stretches to target, never the reverse. */
function unidirectionallyBroadcastable(source, target) {
  if (source.length > target.length) return false;
  const padded = [...Array(target.length - source.length).fill(1), ...source];
  return padded.every((s, i) => s === target[i] || s === 1);
}

// --- inference, one function per operations.py `_infer_*` ------------------------------------

function broadcastResult(a, b) {
  const shape = broadcastShapes(a.shape, b.shape);
  if (shape === null) throw new RuleViolation(`shapes ${list(a.shape)} and ${list(b.shape)} are not broadcastable`);
  return result(a.dataType, shape);
}

function inferBinary(o) {
  requireSameType("b", o.b, "a", o.a);
  return broadcastResult(o.a, o.b);
}

const POW_TYPES = new Set([...FLOAT_TYPES, "int32", "int64"]);

function inferPow(o) {
  requireTypes("a", o.a, POW_TYPES);
  requireSameType("b", o.b, "a", o.a);
  return broadcastResult(o.a, o.b);
}

function inferMatmul(o) {
  const { a, b } = o;
  requireTypes("a", a, FLOAT_TYPES);
  requireSameType("b", b, "a", a);
  for (const [slot, d] of [["a", a], ["b", b]]) {
    if (rank(d) < 2) throw new RuleViolation(`must have rank at least 2, got rank ${rank(d)}`, slot);
  }
  if (a.shape.at(-1) !== b.shape.at(-2)) {
    throw new RuleViolation(`inner dimensions do not match: a is ${list(a.shape)}, b is ${list(b.shape)}`);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (batch === null) {
    throw new RuleViolation(`batch dimensions ${list(a.shape.slice(0, -2))} and ${list(b.shape.slice(0, -2))} are not broadcastable`);
  }
  return result(a.dataType, [...batch, a.shape.at(-2), b.shape.at(-1)]);
}

function inferGemm(o, attrs) {
  const { a, b } = o;
  requireTypes("a", a, FLOAT_TYPES);
  requireSameType("b", b, "a", a);
  requireRank("a", a, 2);
  requireRank("b", b, 2);
  const [m, k] = attrs.aTranspose ? [...a.shape].reverse() : a.shape;
  const [kB, n] = attrs.bTranspose ? [...b.shape].reverse() : b.shape;
  if (k !== kB) throw new RuleViolation(`inner dimensions do not match: a gives ${k}, b gives ${kB} (after transposes)`);
  if (o.c) {
    requireSameType("c", o.c, "a", a);
    if (!unidirectionallyBroadcastable(o.c.shape, [m, n])) {
      throw new RuleViolation(`shape ${list(o.c.shape)} does not broadcast to [${m}, ${n}]`, "c");
    }
  }
  return result(a.dataType, [m, n]);
}

function spatialOutput(size, window, dilation, stride, pad, ceil) {
  const effective = (window - 1) * dilation + 1;
  const padded = size + pad[0] + pad[1];
  if (padded < effective) throw new RuleViolation(`the dilated window (${effective}) is larger than the padded input (${padded})`);
  const span = padded - effective;
  const steps = ceil ? Math.ceil(span / stride) : Math.floor(span / stride);
  if (ceil && steps * stride >= size + pad[0]) {
    // The window that would lie wholly in the ending padding: see operations.py (webnn#935).
    throw new RuleViolation(
      `with roundingType 'ceil' the last window would cover only padding (it starts at ${steps * stride}, the input ends at ${size + pad[0]})`,
    );
  }
  return steps + 1;
}

function spatialAttributes(attrs) {
  attrs.padding ??= [0, 0, 0, 0];
  attrs.strides ??= [1, 1];
  attrs.dilations ??= [1, 1];
  requireLength("padding", attrs.padding, 4);
  requireLength("strides", attrs.strides, 2);
  requireLength("dilations", attrs.dilations, 2);
  requirePositive("strides", attrs.strides);
  requirePositive("dilations", attrs.dilations);
}

// Layouts name their dimensions by letter, as operations.py's INPUT_LAYOUTS / FILTER_LAYOUTS:
// n batches, c channels, h height, w width; for a filter, o output channels, i input channels
// per group, h and w the kernel's height and width.
const INPUT_LAYOUTS = ["nchw", "nhwc"];
const FILTER_LAYOUTS = ["oihw", "hwio", "ohwi", "ihwo"];

/** Each of a 4-D shape's dimensions by its layout letter (operations.py `dimensions`). */
const dimensions = (shape, layout) => Object.fromEntries([...layout].map((letter, i) => [letter, shape[i]]));

const inLayout = (layout, sizes) => [...layout].map((letter) => sizes[letter]);

function inferConv2d(o, attrs) {
  const x = o.input;
  const w = o.filter;
  requireTypes("input", x, FLOAT_TYPES);
  requireSameType("filter", w, "input", x);
  requireRank("input", x, 4);
  requireRank("filter", w, 4);
  spatialAttributes(attrs);
  const groups = attrs.groups;
  if (groups < 1) throw new RuleViolation(`'groups' must be at least 1, got ${groups}`);
  const image = dimensions(x.shape, attrs.inputLayout);
  const kernel = dimensions(w.shape, attrs.filterLayout);
  const { c: channels } = image;
  const { o: outChannels, i: filterChannels } = kernel;
  if (channels % groups !== 0) throw new RuleViolation(`input channels (${channels}) are not divisible by groups (${groups})`);
  const perGroup = Math.floor(channels / groups);
  if (filterChannels !== perGroup) {
    throw new RuleViolation(`filter input channels (${filterChannels}) must equal input channels / groups (${perGroup})`, "filter");
  }
  if (outChannels % groups !== 0) {
    throw new RuleViolation(`filter output channels (${outChannels}) are not divisible by groups (${groups})`, "filter");
  }
  if (o.bias) {
    requireSameType("bias", o.bias, "input", x);
    if (!sameShape(o.bias.shape, [outChannels])) throw new RuleViolation(`must have shape [${outChannels}], got ${list(o.bias.shape)}`, "bias");
  }
  const { padding: pad, strides, dilations } = attrs;
  const outH = spatialOutput(image.h, kernel.h, dilations[0], strides[0], pad.slice(0, 2), false);
  const outW = spatialOutput(image.w, kernel.w, dilations[1], strides[1], pad.slice(2, 4), false);
  return result(x.dataType, inLayout(attrs.inputLayout, { n: image.n, c: outChannels, h: outH, w: outW }));
}

function pool(allowed) {
  return (o, attrs) => {
    const x = o.input;
    requireTypes("input", x, allowed);
    requireRank("input", x, 4);
    spatialAttributes(attrs);
    const image = dimensions(x.shape, attrs.layout);
    attrs.windowDimensions ??= [image.h, image.w]; // global pooling
    const window = attrs.windowDimensions;
    requireLength("windowDimensions", window, 2);
    requirePositive("windowDimensions", window);
    const { padding: pad, strides, dilations } = attrs;
    const ceil = attrs.roundingType === "ceil";
    const outH = spatialOutput(image.h, window[0], dilations[0], strides[0], pad.slice(0, 2), ceil);
    const outW = spatialOutput(image.w, window[1], dilations[1], strides[1], pad.slice(2, 4), ceil);
    return result(x.dataType, inLayout(attrs.layout, { n: image.n, c: image.c, h: outH, w: outW }));
  };
}

function unary(allowed) {
  return (o) => {
    if (allowed) requireTypes("input", o.input, allowed);
    return o.input;
  };
}

function inferSoftmax(o, attrs) {
  const x = o.input;
  requireTypes("input", x, FLOAT_TYPES);
  if (attrs.axis >= rank(x)) throw new RuleViolation(`'axis' (${attrs.axis}) must be less than the rank (${rank(x)})`);
  return x;
}

function inferClamp(o, attrs) {
  const low = attrs.minValue ?? -Infinity;
  const high = attrs.maxValue ?? Infinity;
  if (low > high) throw new RuleViolation(`'minValue' (${pyRepr(low, true)}) is greater than 'maxValue' (${pyRepr(high, true)})`);
  return o.input;
}

const inferCast = (o, attrs) => descriptor(attrs.dataType, o.input.shape);

function inferReshape(o, attrs, limits) {
  const x = o.input;
  let shape;
  try {
    shape = checkShape(attrs.newShape, limits);
  } catch (error) {
    if (error instanceof TensorError) throw new RuleViolation(`'newShape' is invalid: ${error.message}`);
    throw error;
  }
  const count = elementCount(shape);
  const expected = elementCount(x.shape);
  if (count !== expected) {
    throw new RuleViolation(`'newShape' ${list(shape)} has ${count} elements, the input ${list(x.shape)} has ${expected}`);
  }
  return descriptor(x.dataType, shape);
}

function inferTranspose(o, attrs) {
  const x = o.input;
  attrs.permutation ??= [...x.shape.keys()].reverse();
  const permutation = attrs.permutation;
  const sorted = [...permutation].sort((p, q) => p - q);
  if (!sameShape(sorted, [...x.shape.keys()])) {
    throw new RuleViolation(`'permutation' ${list(permutation)} is not a permutation of the input's ${rank(x)} dimensions`);
  }
  return descriptor(x.dataType, permutation.map((p) => x.shape[p]));
}

function inferConcat(o, attrs) {
  const first = o["inputs[0]"];
  const axis = attrs.axis;
  if (axis >= rank(first)) throw new RuleViolation(`'axis' (${axis}) must be less than the rank (${rank(first)})`);
  let total = 0;
  for (const [slot, d] of Object.entries(o)) {
    requireSameType(slot, d, "inputs[0]", first);
    if (rank(d) !== rank(first)) throw new RuleViolation(`rank ${rank(d)} does not match inputs[0] (${rank(first)})`, slot);
    for (let dim = 0; dim < rank(first); dim++) {
      if (dim !== axis && d.shape[dim] !== first.shape[dim]) {
        throw new RuleViolation(`dimension ${dim} is ${d.shape[dim]}, inputs[0] has ${first.shape[dim]}`, slot);
      }
    }
    total += d.shape[axis];
  }
  return result(first.dataType, [...first.shape.slice(0, axis), total, ...first.shape.slice(axis + 1)]);
}

function inferSlice(o, attrs) {
  const x = o.input;
  const { starts, sizes } = attrs;
  requireLength("starts", starts, rank(x));
  requireLength("sizes", sizes, rank(x));
  requirePositive("sizes", sizes);
  x.shape.forEach((extent, dim) => {
    if (starts[dim] + sizes[dim] > extent) {
      throw new RuleViolation(`dimension ${dim}: start ${starts[dim]} + size ${sizes[dim]} exceeds the input's ${extent}`);
    }
  });
  return descriptor(x.dataType, sizes);
}

function inferBatchNormalization(o, attrs) {
  const x = o.input;
  requireTypes("input", x, FLOAT_TYPES);
  const axis = attrs.axis;
  if (axis >= rank(x)) throw new RuleViolation(`'axis' (${axis}) must be less than the rank (${rank(x)})`);
  const channels = x.shape[axis];
  for (const slot of ["mean", "variance", "scale", "bias"]) {
    if (!o[slot]) continue;
    requireSameType(slot, o[slot], "input", x);
    if (!sameShape(o[slot].shape, [channels])) throw new RuleViolation(`must have shape [${channels}], got ${list(o[slot].shape)}`, slot);
  }
  return x;
}

function inferLayerNormalization(o, attrs) {
  const x = o.input;
  requireTypes("input", x, FLOAT_TYPES);
  attrs.axes ??= [...x.shape.keys()].slice(1);
  const axes = attrs.axes;
  if (axes.some((a) => a >= rank(x)) || new Set(axes).size !== axes.length) {
    throw new RuleViolation(`'axes' ${list(axes)} must be distinct dimensions less than the rank (${rank(x)})`);
  }
  const expected = axes.map((a) => x.shape[a]);
  for (const slot of ["scale", "bias"]) {
    if (!o[slot]) continue;
    requireSameType(slot, o[slot], "input", x);
    if (!sameShape(o[slot].shape, expected)) throw new RuleViolation(`must have shape ${list(expected)}, got ${list(o[slot].shape)}`, slot);
  }
  return x;
}

// --- the operation table (operations.py OPERATIONS; a test compares the two) -----------------

const SPATIAL = { padding: attribute("uints"), strides: attribute("uints"), dilations: attribute("uints") };

const spec = (name, inputs, infer, { optionalInputs = [], variadic = false, attributes = {} } = {}) =>
  Object.freeze({ name, inputs, infer, optionalInputs, variadic, attributes: Object.freeze(attributes) });

const poolAttributes = () => ({
  ...SPATIAL,
  windowDimensions: attribute("uints"),
  layout: attribute("enum", "nchw", { choices: INPUT_LAYOUTS }),
  roundingType: attribute("enum", "floor", { choices: ["floor", "ceil"] }),
});

export const OPERATIONS = Object.freeze(
  Object.fromEntries(
    [
      ...["add", "sub", "mul", "div", "max", "min"].map((op) => spec(op, ["a", "b"], inferBinary)),
      spec("pow", ["a", "b"], inferPow),
      spec("matmul", ["a", "b"], inferMatmul),
      spec("gemm", ["a", "b"], inferGemm, {
        optionalInputs: ["c"],
        attributes: {
          alpha: attribute("double", 1.0),
          beta: attribute("double", 1.0),
          aTranspose: attribute("bool", false),
          bTranspose: attribute("bool", false),
        },
      }),
      spec("conv2d", ["input", "filter"], inferConv2d, {
        optionalInputs: ["bias"],
        attributes: {
          ...SPATIAL,
          groups: attribute("uint", 1),
          inputLayout: attribute("enum", "nchw", { choices: INPUT_LAYOUTS }),
          filterLayout: attribute("enum", "oihw", { choices: FILTER_LAYOUTS }),
        },
      }),
      spec("averagePool2d", ["input"], pool(FLOAT_TYPES), { attributes: poolAttributes() }),
      spec("maxPool2d", ["input"], pool(new Set([...FLOAT_TYPES, "int8", "uint8"])), { attributes: poolAttributes() }),
      spec("relu", ["input"], unary(new Set([...FLOAT_TYPES, "int32", "int8"]))),
      spec("sigmoid", ["input"], unary(FLOAT_TYPES)),
      spec("tanh", ["input"], unary(FLOAT_TYPES)),
      spec("gelu", ["input"], unary(FLOAT_TYPES)),
      spec("softmax", ["input"], inferSoftmax, { attributes: { axis: attribute("uint", null, { required: true }) } }),
      spec("clamp", ["input"], inferClamp, { attributes: { minValue: attribute("number"), maxValue: attribute("number") } }),
      spec("reshape", ["input"], inferReshape, { attributes: { newShape: attribute("uints", null, { required: true }) } }),
      spec("transpose", ["input"], inferTranspose, { attributes: { permutation: attribute("uints") } }),
      spec("concat", [], inferConcat, { variadic: true, attributes: { axis: attribute("uint", null, { required: true }) } }),
      spec("slice", ["input"], inferSlice, {
        attributes: { starts: attribute("uints", null, { required: true }), sizes: attribute("uints", null, { required: true }) },
      }),
      spec("batchNormalization", ["input", "mean", "variance"], inferBatchNormalization, {
        optionalInputs: ["scale", "bias"],
        attributes: { axis: attribute("uint", 1), epsilon: attribute("double", 1e-5) },
      }),
      spec("layerNormalization", ["input"], inferLayerNormalization, {
        optionalInputs: ["scale", "bias"],
        attributes: { axes: attribute("uints"), epsilon: attribute("double", 1e-5) },
      }),
      spec("cast", ["input"], inferCast, { attributes: { dataType: attribute("datatype", null, { required: true }) } }),
    ].map((s) => [s.name, s]),
  ),
);

// --- one operation (graph.py validate_operation) ---------------------------------------------

/**
 * The result descriptor of one builder call, or GraphError with graph.py's words.
 * `operands` is [{slot, id, descriptor}] in slot order, absent optional operands left out;
 * `attributes` maps attribute names to the given values (null/undefined: not given).
 */
export function validateOperation(index, op, label, operands, attributes, limits) {
  const where = `${op} (operation ${index}${label ? ` '${label}'` : ""})`;
  const s = OPERATIONS[op];
  if (!s) throw new GraphError(`${where}: unknown operation`);
  const bySlot = {};
  const ids = {};
  for (const { slot, id, descriptor: d } of operands) {
    bySlot[slot] = d;
    ids[slot] = id;
  }
  const given = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== null && v !== undefined));
  try {
    const attrs = checkAttributes(s, given);
    const d = s.infer(bySlot, attrs, limits);
    try {
      checkDescriptor(d, limits);
    } catch (error) {
      if (error instanceof TensorError) throw new RuleViolation(`result ${error.message}`);
      throw error;
    }
    return d;
  } catch (error) {
    if (!(error instanceof RuleViolation)) throw error;
    if (error.slot === null) throw new GraphError(`${where}: ${error.rule}`);
    throw new GraphError(`${where}: operand '${error.slot}' (${ids[error.slot]}): ${error.rule}`);
  }
}
