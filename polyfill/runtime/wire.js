// The hand-written byte-level runtime under the generated wire schema (docs/wire.md §3), the
// JavaScript twin of python_service/wire/runtime.py and native/runtime/.
//
// The generated module (generated/js/webnpu.js, target `js`) carries the schema as data: every
// struct's fields, fixed layout and presence bits, enums, unions, message/command/reply/event
// ordinals, all computed once by codegen/model/wire.py. `WireCodec` walks that data; this file
// knows the bytes: the 16-byte header, frames of several messages, 8-byte alignment and zero
// padding, strings, counted arrays, union tags, presence words, handles and descriptor claims.
// Why data and not one function per struct (as the Python and C++ targets emit): a page loads
// this file, and one small interpreter over a table is a fraction of the size of unrolled code;
// what must agree is the bytes, which the shared vectors check (tests/js/test_codec.py).
//
// Every decode failure throws a `BadMessage` whose `kind` is the Python `BadMessageKind` name,
// and the checks run in the Python reader's order, so both name the same kind for the same
// malformed frame. Canonical encoding (§0.3): one encoding per value; the reader rejects others.
//
// Values: scalars are numbers (u64/i64 decode to a BigInt only above 2^53 - 1; the writer takes
// either), bigint (i128) is a BigInt, enums are their strings, handles `{id, generation}`,
// `Bytes` is a Uint8Array inline or `{attachment, size}` in shared memory (the attachment is
// whatever token the frame's attachment list holds), records are Maps (order kept), a union of
// scalars is the scalar (BigInt picks the bigint arm), other unions `{tag, value}`, replies
// `{resolved: ...}` or `{rejected: {exception, message}}`, absent optional members null.

export const FLAG_EXPECTS_REPLY = 1;
export const FLAG_IS_REPLY = 2;
const KNOWN_FLAGS = FLAG_EXPECTS_REPLY | FLAG_IS_REPLY;
export const NO_HANDLE_INDEX = 0xffffffff;
const ENFORCE_RANGE_U64_MAX = 2n ** 53n - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
export const MAX_INLINE_BYTES = 65536;
export const MAX_ATTACHMENTS = 64;
const BYTES_INLINE = 0;
const BYTES_SHARED = 1;
export const SETTLED_RESOLVED = 0;
export const SETTLED_REJECTED = 1;
const SIZES = { B: 1, b: 1, H: 2, h: 2, I: 4, i: 4, Q: 8, q: 8, f: 4, d: 8 };

const UTF8 = new TextEncoder();
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** A malformed message (python_service/bad_message.py): `kind` is the BadMessageKind name. */
export class BadMessage extends Error {
  constructor(kind, detail) {
    super(`${kind}: ${detail}`);
    this.name = "BadMessage";
    this.kind = kind;
    this.detail = detail;
  }
}

const V = "VALIDATION_ERROR_";
const bad = (kind, detail) => new BadMessage(V + kind, detail);

function hex32(n) {
  return "0x" + (n >>> 0).toString(16).padStart(8, "0");
}

export function unknownMethod(ordinal, context = "top level") {
  return bad("MESSAGE_HEADER_UNKNOWN_METHOD", `unknown ordinal ${hex32(ordinal)} at ${context}`);
}

// --- writing ------------------------------------------------------------------------------

/** Builds one frame payload: messages back to back (§3.1), plus the frame's attachments. A
 * value the schema forbids (a count over its cap) is a bug on this side: an Error, not a send. */
export class MessageWriter {
  constructor() {
    this.buf = new Uint8Array(256);
    this.dv = new DataView(this.buf.buffer);
    this.length = 0;
    this.attachments = [];
    this.starts = [];
  }

  reserve(n) {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
    this.dv = new DataView(bigger.buffer);
  }

  u8(v) { this.reserve(1); this.dv.setUint8(this.length, v); this.length += 1; }
  i8(v) { this.reserve(1); this.dv.setInt8(this.length, v); this.length += 1; }
  u16(v) { this.reserve(2); this.dv.setUint16(this.length, v, true); this.length += 2; }
  i16(v) { this.reserve(2); this.dv.setInt16(this.length, v, true); this.length += 2; }
  u32(v) { this.reserve(4); this.dv.setUint32(this.length, v, true); this.length += 4; }
  i32(v) { this.reserve(4); this.dv.setInt32(this.length, v, true); this.length += 4; }
  u64(v) { this.reserve(8); this.dv.setBigUint64(this.length, BigInt(v), true); this.length += 8; }
  i64(v) { this.reserve(8); this.dv.setBigInt64(this.length, BigInt(v), true); this.length += 8; }
  f32(v) { this.reserve(4); this.dv.setFloat32(this.length, v, true); this.length += 4; }
  f64(v) { this.reserve(8); this.dv.setFloat64(this.length, v, true); this.length += 8; }

  raw(bytes) {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  pad() {
    const n = -this.length & 7;
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }

  scalar(code, v) {
    switch (code) {
      case "B": return this.u8(v === true ? 1 : v === false ? 0 : v);
      case "b": return this.i8(v);
      case "H": return this.u16(v);
      case "h": return this.i16(v);
      case "I": return this.u32(v);
      case "i": return this.i32(v);
      case "Q": return this.u64(v);
      case "q": return this.i64(v);
      case "f": return this.f32(v);
      case "d": return this.f64(v);
      default: throw new Error(`unknown scalar code ${code}`);
    }
  }

  beginMessage(ordinal, flags = 0, requestId = 0) {
    if (this.length % 8) throw new Error("message does not start 8-aligned");
    this.starts.push(this.length);
    this.u32(0); this.u32(ordinal); this.u32(flags); this.u32(requestId);
  }

  beginCommand(ordinal) {
    if (this.length % 8) throw new Error("command does not start 8-aligned");
    this.starts.push(this.length);
    this.u32(0); this.u32(ordinal);
  }

  end() {
    const start = this.starts.pop();
    const size = this.length - start;
    if (size % 8) throw new Error(`block of ${size} bytes is not a multiple of 8`);
    this.dv.setUint32(start, size, true);
  }

  /** Attach `token` (a Uint8Array in the polyfill) to the frame; its index. */
  claim(token) {
    if (this.attachments.length >= MAX_ATTACHMENTS) {
      throw new Error(`more than ${MAX_ATTACHMENTS} attachments in one frame`);
    }
    this.attachments.push(token);
    return this.attachments.length - 1;
  }

  string(text, cap) {
    const data = UTF8.encode(text); // lone surrogates become U+FFFD, as the wire requires (§3.3)
    if (data.length > cap) throw new Error(`string of ${data.length} bytes exceeds ${cap}`);
    this.u32(data.length);
    this.raw(data);
    this.pad();
  }

  count(n, align8, cap) {
    if (n > cap) throw new Error(`count ${n} exceeds ${cap}`);
    this.u32(n);
    if (align8) this.u32(0);
  }

  unionTag(tag) { this.u32(tag); this.u32(0); }

  bytesInline(data) {
    if (data.length > MAX_INLINE_BYTES) {
      throw new Error(`${data.length} bytes inline exceeds ${MAX_INLINE_BYTES}; use shared memory`);
    }
    this.u32(BYTES_INLINE); this.u32(0); this.u32(data.length);
    this.raw(data);
    this.pad();
  }

  bytesShared(token, size) {
    if (size <= MAX_INLINE_BYTES) throw new Error(`${size} bytes must travel inline (canonical arm)`);
    this.unionTag(BYTES_SHARED);
    this.u32(this.claim(token)); this.u32(0); this.u64(size);
  }

  /** The frame payload (a copy) and its attachments, in claim order. */
  finish() {
    if (this.starts.length) throw new Error("finish() inside an open message or command");
    return [this.buf.slice(0, this.length), this.attachments];
  }
}

// --- reading ------------------------------------------------------------------------------

/** A strict decoder over one frame payload (or a command stream) and its attachments. */
export class MessageReader {
  constructor(payload, attachments = []) {
    this.buf = payload;
    this.dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    this.pos = 0;
    this.limit = payload.length;
    this.end = this.limit;
    this.attachments = attachments;
    this.nextAttachment = 0;
    this.blockEnd = -1;
  }

  nextMessage() {
    const pos = this.pos;
    const left = this.limit - pos;
    if (left === 0) {
      if (pos === 0) throw bad("UNEXPECTED_STRUCT_HEADER", "empty frame");
      return null;
    }
    if (left < 16) throw bad("ILLEGAL_MEMORY_RANGE", `${left} bytes left at ${pos}, a header needs 16`);
    const dv = this.dv;
    const header = {
      numBytes: dv.getUint32(pos, true),
      ordinal: dv.getUint32(pos + 4, true),
      flags: dv.getUint32(pos + 8, true),
      requestId: dv.getUint32(pos + 12, true),
    };
    this.openBlock(header.numBytes, 16, left, "message");
    const flags = header.flags;
    if ((flags & ~KNOWN_FLAGS) || flags === KNOWN_FLAGS) {
      throw bad("MESSAGE_HEADER_INVALID_FLAGS", `message at ${pos}: flags ${flags}`);
    }
    if (flags && !header.requestId) {
      throw bad("MESSAGE_HEADER_MISSING_REQUEST_ID", `message at ${pos}: request id 0`);
    }
    if (!flags && header.requestId) {
      throw bad("MESSAGE_HEADER_INVALID_FLAGS", `message at ${pos}: request id without a flag`);
    }
    return header;
  }

  nextCommand() {
    const pos = this.pos;
    const left = this.limit - pos;
    if (left === 0) return null;
    if (left < 8) throw bad("ILLEGAL_MEMORY_RANGE", `${left} bytes left at ${pos}, a command header needs 8`);
    const numBytes = this.dv.getUint32(pos, true);
    const ordinal = this.dv.getUint32(pos + 4, true);
    this.openBlock(numBytes, 8, left, "command");
    return { numBytes, ordinal };
  }

  openBlock(numBytes, headerSize, left, what) {
    const pos = this.pos;
    // Mojo's order (validation_util.cc): alignment, then range, then header size.
    if (numBytes % 8) throw bad("MISALIGNED_OBJECT", `${what} at ${pos}: num_bytes ${numBytes}`);
    if (numBytes > left) throw bad("ILLEGAL_MEMORY_RANGE", `${what} at ${pos}: num_bytes ${numBytes}, ${left} left`);
    if (numBytes < headerSize) throw bad("UNEXPECTED_STRUCT_HEADER", `${what} at ${pos}: num_bytes ${numBytes}`);
    this.end = this.blockEnd = pos + numBytes;
    this.pos = pos + headerSize;
  }

  closeBlock(what) {
    if (this.pos !== this.blockEnd) {
      throw bad("UNEXPECTED_STRUCT_HEADER", `${what} ends at ${this.blockEnd}, its payload at ${this.pos}`);
    }
    this.blockEnd = -1;
    this.end = this.limit;
  }

  /** At frame end: every attachment claimed (§3.3). */
  finish() {
    if (this.nextAttachment !== this.attachments.length) {
      throw bad("ILLEGAL_HANDLE", `${this.attachments.length - this.nextAttachment} attachments left unclaimed`);
    }
  }

  need(n) {
    const pos = this.pos;
    if (pos + n > this.end) throw bad("ILLEGAL_MEMORY_RANGE", `read of ${n} bytes at ${pos} past ${this.end}`);
    return pos;
  }

  scalarAt(code, pos) {
    const dv = this.dv;
    switch (code) {
      case "B": return dv.getUint8(pos);
      case "b": return dv.getInt8(pos);
      case "H": return dv.getUint16(pos, true);
      case "h": return dv.getInt16(pos, true);
      case "I": return dv.getUint32(pos, true);
      case "i": return dv.getInt32(pos, true);
      case "Q": return dv.getBigUint64(pos, true);
      case "q": return dv.getBigInt64(pos, true);
      case "f": return dv.getFloat32(pos, true);
      case "d": return dv.getFloat64(pos, true);
      default: throw new Error(`unknown scalar code ${code}`);
    }
  }

  /** A fixed part of `size` bytes whose values have `codes` (one char each); tail checked zero. */
  fixed(codes, size) {
    const pos = this.pos;
    if (pos + size > this.end) {
      throw bad("ILLEGAL_MEMORY_RANGE", `fixed part of ${size} bytes at ${pos} past ${this.end}`);
    }
    const values = [];
    let at = pos;
    for (const code of codes) {
      values.push(this.scalarAt(code, at));
      at += SIZES[code];
    }
    for (; at < pos + size; at++) {
      if (this.buf[at]) throw bad("DESERIALIZATION_FAILED", `non-zero padding after the fixed part at ${pos}`);
    }
    this.pos = pos + size;
    return values;
  }

  pad() {
    const pos = this.pos;
    const n = -pos & 7;
    if (!n) return;
    if (pos + n > this.end) throw bad("ILLEGAL_MEMORY_RANGE", `padding at ${pos} past ${this.end}`);
    for (let i = pos; i < pos + n; i++) {
      if (this.buf[i]) throw bad("DESERIALIZATION_FAILED", `non-zero padding at ${pos}`);
    }
    this.pos = pos + n;
  }

  u32() {
    const pos = this.need(4);
    this.pos = pos + 4;
    return this.dv.getUint32(pos, true);
  }

  tagWord(what) {
    const pos = this.need(8);
    const value = this.dv.getUint32(pos, true);
    if (this.dv.getUint32(pos + 4, true)) throw bad("DESERIALIZATION_FAILED", `non-zero padding after ${what} at ${pos}`);
    this.pos = pos + 8;
    return value;
  }

  string(cap) {
    const n = this.u32();
    if (n > cap) throw bad("UNEXPECTED_ARRAY_HEADER", `string of ${n} bytes exceeds ${cap}`);
    const start = this.need(n);
    this.pos = start + n;
    this.pad();
    try {
      return STRICT_UTF8.decode(this.buf.subarray(start, start + n));
    } catch {
      throw bad("DESERIALIZATION_FAILED", `invalid UTF-8 in the string at ${start}`);
    }
  }

  count(minElementSize, align8, cap) {
    const pos = this.pos;
    const n = align8 ? this.tagWord("the count") : this.u32();
    if (n > cap) throw bad("UNEXPECTED_ARRAY_HEADER", `count ${n} at ${pos} exceeds ${cap}`);
    if (n * minElementSize > this.end - this.pos) {
      throw bad("UNEXPECTED_ARRAY_HEADER", `count ${n} at ${pos} needs ${n * minElementSize} bytes`);
    }
    return n;
  }

  scalarArray(code, cap) {
    const size = SIZES[code];
    const n = this.count(size, size === 8, cap);
    const values = new Array(n);
    let pos = this.pos;
    for (let i = 0; i < n; i++, pos += size) values[i] = this.scalarAt(code, pos);
    this.pos = pos;
    this.pad();
    return values;
  }

  unionTag(known) {
    const pos = this.pos;
    const tag = this.tagWord("the union tag");
    if (!known.includes(tag)) throw bad("UNKNOWN_UNION_TAG", `union tag ${tag} at ${pos}`);
    return tag;
  }

  claim(index, required = true) {
    if (index === NO_HANDLE_INDEX) {
      if (required) throw bad("UNEXPECTED_INVALID_HANDLE", `attachment required at ${this.pos}`);
      return null;
    }
    const count = this.attachments.length;
    if (index >= count) throw bad("ILLEGAL_HANDLE", `attachment index ${index} but the frame carries ${count}`);
    if (index < this.nextAttachment) throw bad("ILLEGAL_HANDLE", `attachment index ${index} claimed out of order`);
    if (index !== this.nextAttachment) throw bad("ILLEGAL_HANDLE", `attachment index ${index} skips one`);
    this.nextAttachment = index + 1;
    return this.attachments[index];
  }

  sharedMemoryRef(index, reserved, size, required = true) {
    checkZero(reserved, "SharedMemoryRef.reserved");
    const token = this.claim(index, required);
    if (token === null) {
      if (size) throw bad("DESERIALIZATION_FAILED", `no attachment but size ${size}`);
      return null;
    }
    return { attachment: token, size: toNumber(size) };
  }

  bytesValue() {
    const tag = this.unionTag([BYTES_INLINE, BYTES_SHARED]);
    if (tag === BYTES_INLINE) {
      const n = this.count(1, false, MAX_INLINE_BYTES);
      const start = this.pos;
      this.pos = start + n;
      this.pad();
      return this.buf.slice(start, start + n);
    }
    const [index, reserved, size] = this.fixed("IIQ", 16);
    const ref = this.sharedMemoryRef(index, reserved, size);
    if (ref.size <= MAX_INLINE_BYTES) {
      throw bad("DESERIALIZATION_FAILED", `${ref.size} bytes in shared memory must travel inline`);
    }
    return ref;
  }
}

// --- value checks (the Python runtime's check_* in the same order) ------------------------

function checkZero(value, name) {
  if (value !== 0 && value !== 0n) throw bad("DESERIALIZATION_FAILED", `${name} is not 0`);
  return 0;
}

/** A u64/i64 as a number when it is exact, else a BigInt. */
function toNumber(v) {
  if (typeof v !== "bigint") return v;
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
}

function isNegativeZero(v) {
  return v === 0 && 1 / v < 0;
}

function checkScalar(t, v, name) {
  if (t.name === "bool") {
    if (v > 1) throw bad("DESERIALIZATION_FAILED", `boolean byte ${v}, not 0 or 1`);
    return v === 1;
  }
  if (t.restricted && !Number.isFinite(v)) throw bad("DESERIALIZATION_FAILED", `${name} is ${v}, not finite`);
  if (t.enforce_range && v > ENFORCE_RANGE_U64_MAX) throw bad("DESERIALIZATION_FAILED", `${name} ${v} > 2^53-1`);
  return toNumber(v);
}

function checkEnum(index, values, name) {
  if (index >= values.length) throw bad("UNKNOWN_ENUM_VALUE", `${name} index ${index} >= ${values.length}`);
  return values[index];
}

function checkHandle(id, generation, nullable) {
  if (id === 0) {
    if (!nullable) throw bad("UNEXPECTED_NULL_POINTER", "null handle (id 0)");
    if (generation) throw bad("DESERIALIZATION_FAILED", `null handle with generation ${generation}`);
    return null;
  }
  return { id, generation };
}

function splitI128(value) {
  const v = BigInt(value);
  if (v < -(2n ** 127n) || v >= 2n ** 127n) throw new Error(`bigint ${v} does not fit in 128 bits`);
  return [BigInt.asUintN(64, v), v >> 64n];
}

// --- the schema interpreter ---------------------------------------------------------------

/** Encodes and decodes every wire type of one schema (the generated module's `SCHEMA`). */
export class WireCodec {
  constructor(schema) {
    this.schema = schema;
    this.structs = schema.structs;
    this.enums = schema.enums;
    this.unions = schema.unions;
    this.messages = new Map(schema.messages.map((m) => [m.ordinal, m]));
    this.byName = new Map([...schema.control, ...schema.messages, ...schema.commands].map((m) => [m.name, m]));
    this.commands = new Map(schema.commands.map((m) => [m.ordinal, m]));
    this.control = new Map(schema.control.map((m) => [m.ordinal, m]));
    this.replies = new Map(schema.messages.filter((m) => m.reply).map((m) => [m.ordinal, m]));
    this.events = new Map(schema.events.map((e) => [e.ordinal, e]));
    this.eventsByName = new Map(schema.events.map((e) => [e.name, e]));
    this.rootRelease = new Set(schema.messages.filter((m) => m.root_release).map((m) => m.ordinal));
    // Every struct's codes for `MessageReader.fixed`, computed once.
    for (const s of Object.values(this.structs)) s.codes = s.fixed.map((slot) => slot.code).join("");
    for (const m of [...schema.control, ...schema.messages, ...schema.commands]) {
      m.request.codes = m.request.fixed.map((slot) => slot.code).join("");
      if (m.reply) m.reply.codes = m.reply.fixed.map((slot) => slot.code).join("");
    }
    for (const e of schema.events) e.struct.codes = e.struct.fixed.map((slot) => slot.code).join("");
  }

  // --- encoding

  /** `name` ("NPUDevice.createBuffer") with `value` (its request fields) as one message. */
  encodeMessage(w, name, value, requestId = 0) {
    const m = this.byName.get(name);
    if (m.kind === "command") {
      w.beginCommand(m.ordinal);
    } else if (m.expects_reply) {
      w.beginMessage(m.ordinal, FLAG_EXPECTS_REPLY, requestId);
    } else {
      w.beginMessage(m.ordinal);
    }
    this.writeStruct(w, m.request, value);
    w.end();
  }

  /** A reply as the service writes it: `{resolved}` or `{rejected}` (tests and tools). */
  encodeReply(w, name, value, requestId) {
    const m = this.byName.get(name);
    w.beginMessage(m.ordinal, FLAG_IS_REPLY, requestId);
    if (value.rejected !== undefined && value.rejected !== null) {
      w.unionTag(SETTLED_REJECTED);
      this.writeStruct(w, this.structs.Rejection, value.rejected);
    } else {
      w.unionTag(SETTLED_RESOLVED);
      this.writeStruct(w, m.reply, value.resolved);
    }
    w.end();
  }

  encodeEvent(w, name, value) {
    const e = this.eventsByName.get(name);
    w.beginMessage(e.ordinal);
    this.writeStruct(w, e.struct, value);
    w.end();
  }

  writeStruct(w, s, value) {
    const present = (f) => value[f.name] !== undefined && value[f.name] !== null;
    for (const slot of s.fixed) {
      if (slot.index < 0) {
        let presence = 0;
        for (const f of s.fields) if (f.optional && present(f)) presence |= 1 << f.bit;
        w.u32(presence >>> 0);
        continue;
      }
      const f = s.fields[slot.index];
      const t = f.type;
      const v = value[f.name];
      const absent = v === undefined || v === null;
      switch (t.kind) {
        case "scalar":
          if (t.code === "Qq") {
            const [low, high] = splitI128(absent ? 0n : v);
            w.u64(low); w.i64(high);
          } else {
            w.scalar(t.code, absent ? 0 : v);
          }
          break;
        case "reserved":
          w.scalar(t.code, 0);
          break;
        case "enum": {
          if (absent) { w.u32(0); break; }
          const index = this.enums[t.name].indexOf(v);
          if (index < 0) throw new Error(`${v} is not a value of ${t.name}`);
          w.u32(index);
          break;
        }
        case "handle":
          if (absent) { w.u32(0); w.u32(0); } else { w.u32(v.id); w.u32(v.generation); }
          break;
        case "shared_memory":
          w.u32(w.claim(v.attachment)); w.u32(0); w.u64(v.size);
          break;
        default:
          throw new Error(`${t.kind} in a fixed part`);
      }
    }
    w.pad();
    for (const f of s.variable) {
      if (f.optional && !present(f)) continue;
      this.writeVariable(w, f.type, value[f.name]);
    }
  }

  writeVariable(w, t, v) {
    switch (t.kind) {
      case "string":
        return w.string(v, t.max_bytes);
      case "bytes":
        if (v instanceof Uint8Array) return w.bytesInline(v);
        return w.bytesShared(v.attachment, v.size);
      case "array":
        return this.writeArray(w, t, v);
      case "record": {
        const entries = v instanceof Map ? [...v] : Array.isArray(v) ? v : Object.entries(v);
        w.count(entries.length, true, t.max_count);
        const entry = this.structs[t.entry];
        for (const [key, value] of entries) this.writeStruct(w, entry, { key, value });
        return;
      }
      case "struct":
        return this.writeStruct(w, this.structs[t.name], v);
      case "union":
        return this.writeUnion(w, this.unions[t.name], v);
      default:
        throw new Error(`cannot write a ${t.kind} in a variable part`);
    }
  }

  writeArray(w, t, items) {
    const e = t.element;
    switch (e.kind) {
      case "scalar": {
        const size = SIZES[e.code];
        w.count(items.length, size === 8, t.max_count);
        for (const x of items) w.scalar(e.code, x);
        return w.pad();
      }
      case "enum": {
        const values = this.enums[e.name];
        w.count(items.length, false, t.max_count);
        for (const x of items) {
          const index = values.indexOf(x);
          if (index < 0) throw new Error(`${x} is not a value of ${e.name}`);
          w.u32(index);
        }
        return w.pad();
      }
      case "handle":
        w.count(items.length, false, t.max_count);
        for (const h of items) { w.u32(h.id); w.u32(h.generation); }
        return w.pad();
      case "string":
        w.count(items.length, true, t.max_count);
        for (const x of items) w.string(x, e.max_bytes);
        return;
      case "struct":
        w.count(items.length, true, t.max_count);
        for (const x of items) this.writeStruct(w, this.structs[e.name], x);
        return;
      case "union":
        w.count(items.length, true, t.max_count);
        for (const x of items) this.writeUnion(w, this.unions[e.name], x);
        return;
      default:
        throw new Error(`array of ${e.kind}`);
    }
  }

  writeUnion(w, u, v) {
    if (u.fixed) {
      // A union of scalars (NPUNumber): a BigInt takes the bigint arm, a number the double's.
      const arm = u.arms.find((a) => (typeof v === "bigint") === (a.type.code === "Qq"));
      if (!arm) throw new TypeError(`${u.name}: ${v} matches no member type`);
      w.unionTag(arm.tag);
      if (arm.type.code === "Qq") {
        const [low, high] = splitI128(v);
        w.u64(low); w.i64(high);
      } else {
        w.scalar(arm.type.code, v);
      }
      return w.pad();
    }
    const arm = u.arms.find((a) => a.tag === v.tag);
    if (!arm) throw new Error(`${u.name}: unknown tag ${v.tag}`);
    w.unionTag(arm.tag);
    this.writeStruct(w, this.structs[arm.type.name], v.value);
  }

  // --- decoding (the Python reader's order of checks, so both name the same kind)

  readStruct(r, s) {
    const raw = r.fixed(s.codes, s.size);
    const out = {};
    let presence = 0;
    let k = 0;
    const slotValues = [];
    for (const slot of s.fixed) {
      const n = slot.code.length;
      slotValues.push(raw.slice(k, k + n));
      k += n;
    }
    s.fixed.forEach((slot, i) => {
      if (slot.index < 0) {
        presence = slotValues[i][0];
        if (s.optional_count < 32 && presence >>> s.optional_count) {
          throw bad("DESERIALIZATION_FAILED", `presence word ${presence} has bits beyond ${s.optional_count}`);
        }
      }
    });
    s.fixed.forEach((slot, i) => {
      if (slot.index < 0) return;
      const f = s.fields[slot.index];
      const values = slotValues[i];
      if (f.optional && !(presence & (1 << f.bit))) {
        for (const v of values) {
          if ((v !== 0 && v !== 0n) || isNegativeZero(v)) {
            throw bad("DESERIALIZATION_FAILED", `absent ${f.name} is not zero`);
          }
        }
        out[f.name] = null;
        return;
      }
      out[f.name] = this.fixedValue(r, f, values);
    });
    for (const f of s.variable) {
      if (f.optional && !(presence & (1 << f.bit))) {
        out[f.name] = null;
        continue;
      }
      out[f.name] = this.readVariable(r, f.type);
    }
    // Field order as declared (the fixed part was read in layout order).
    const ordered = {};
    for (const f of s.fields) ordered[f.name] = out[f.name];
    return ordered;
  }

  fixedValue(r, f, values) {
    const t = f.type;
    switch (t.kind) {
      case "scalar":
        if (t.code === "Qq") return BigInt.asIntN(128, (values[1] << 64n) | values[0]);
        return checkScalar(t, values[0], f.name);
      case "reserved":
        return checkZero(values[0], f.name);
      case "enum":
        return checkEnum(values[0], this.enums[t.name], t.name);
      case "handle":
        return checkHandle(values[0], values[1], t.nullable);
      case "shared_memory":
        return r.sharedMemoryRef(values[0], values[1], values[2]);
      default:
        throw new Error(`${t.kind} in a fixed part`);
    }
  }

  readVariable(r, t) {
    switch (t.kind) {
      case "string":
        return r.string(t.max_bytes);
      case "bytes":
        return r.bytesValue();
      case "array":
        return this.readArray(r, t);
      case "record": {
        const entry = this.structs[t.entry];
        const n = r.count(entry.min_size, true, t.max_count);
        const items = new Map();
        for (let i = 0; i < n; i++) {
          const item = this.readStruct(r, entry);
          items.set(item.key, item.value);
        }
        if (items.size !== n) {
          throw bad("DESERIALIZATION_FAILED", `duplicate record key: ${n} entries, ${items.size} keys`);
        }
        return items;
      }
      case "struct":
        return this.readStruct(r, this.structs[t.name]);
      case "union":
        return this.readUnion(r, this.unions[t.name]);
      default:
        throw new Error(`cannot read a ${t.kind}`);
    }
  }

  readArray(r, t) {
    const e = t.element;
    switch (e.kind) {
      case "scalar":
        return r.scalarArray(e.code, t.max_count).map((v) => checkScalar(e, v, "element"));
      case "enum": {
        const values = this.enums[e.name];
        return r.scalarArray("I", t.max_count).map((i) => checkEnum(i, values, e.name));
      }
      case "handle": {
        const n = r.count(8, false, t.max_count);
        const out = [];
        for (let i = 0; i < n; i++) {
          const [id, generation] = r.fixed("II", 8);
          out.push(checkHandle(id, generation, false));
        }
        r.pad();
        return out;
      }
      case "string": {
        const n = r.count(8, true, t.max_count);
        const out = [];
        for (let i = 0; i < n; i++) out.push(r.string(e.max_bytes));
        return out;
      }
      case "struct": {
        const n = r.count(e.min_size, true, t.max_count);
        const s = this.structs[e.name];
        const out = [];
        for (let i = 0; i < n; i++) out.push(this.readStruct(r, s));
        return out;
      }
      case "union": {
        const u = this.unions[e.name];
        const n = r.count(u.min_size, true, t.max_count);
        const out = [];
        for (let i = 0; i < n; i++) out.push(this.readUnion(r, u));
        return out;
      }
      default:
        throw new Error(`array of ${e.kind}`);
    }
  }

  readUnion(r, u) {
    const tag = r.unionTag(u.arms.map((a) => a.tag));
    const arm = u.arms.find((a) => a.tag === tag);
    if (u.fixed) {
      const code = arm.type.code;
      const size = code.split("").reduce((n, c) => n + SIZES[c], 0);
      const values = r.fixed(code, size + (-size & 7));
      if (code === "Qq") return BigInt.asIntN(128, (values[1] << 64n) | values[0]);
      return checkScalar(arm.type, values[0], u.name);
    }
    return { tag, value: this.readStruct(r, this.structs[arm.type.name]) };
  }

  // --- top level (python_service/generated/wire.py's read_* functions)

  checkFlags(header, want) {
    if (header.flags !== want) {
      throw bad("MESSAGE_HEADER_INVALID_FLAGS", `ordinal ${hex32(header.ordinal)}: flags ${header.flags}, expected ${want}`);
    }
  }

  /** The next client-to-service message, or null at the frame's end: {header, name, value}. */
  readMessage(r) {
    const header = r.nextMessage();
    if (header === null) return null;
    const m = this.messages.get(header.ordinal);
    if (m === undefined || this.rootRelease.has(header.ordinal)) {
      if (this.control.has(header.ordinal)) throw unknownMethod(header.ordinal, "top level after the first message");
      throw unknownMethod(header.ordinal);
    }
    this.checkFlags(header, m.expects_reply ? FLAG_EXPECTS_REPLY : 0);
    const value = this.readStruct(r, m.request);
    r.closeBlock("message");
    return { header, name: m.name, value };
  }

  readHello(r) {
    const header = r.nextMessage();
    const hello = this.schema.control[0];
    if (header === null || header.ordinal !== hello.ordinal) {
      throw unknownMethod(header === null ? 0 : header.ordinal, "the start of the connection (the first must be hello)");
    }
    this.checkFlags(header, 0);
    const value = this.readStruct(r, hello.request);
    r.closeBlock("message");
    return { header, name: hello.name, value };
  }

  readCommand(r) {
    const found = r.nextCommand();
    if (found === null) return null;
    const m = this.commands.get(found.ordinal);
    if (m === undefined) throw unknownMethod(found.ordinal, "command stream");
    const value = this.readStruct(r, m.request);
    r.closeBlock("command");
    return { header: null, name: m.name, value };
  }

  /** The next reply or event from the service, or null: {header, name, kind, value}. A reply
   * must answer a pending request id (`pending.has(id)`). */
  readServiceMessage(r, pending) {
    const header = r.nextMessage();
    if (header === null) return null;
    if (header.flags & FLAG_EXPECTS_REPLY) this.checkFlags(header, FLAG_IS_REPLY);
    let out;
    if (header.flags & FLAG_IS_REPLY) {
      const m = this.replies.get(header.ordinal);
      if (m === undefined) throw unknownMethod(header.ordinal, "reply");
      this.checkFlags(header, FLAG_IS_REPLY);
      if (!pending.has(header.requestId)) {
        throw bad("MESSAGE_HEADER_MISSING_REQUEST_ID", `reply to request id ${header.requestId}, which is not pending`);
      }
      const tag = r.unionTag([SETTLED_RESOLVED, SETTLED_REJECTED]);
      const value = tag === SETTLED_RESOLVED
        ? { resolved: this.readStruct(r, m.reply) }
        : { rejected: this.readStruct(r, this.structs.Rejection) };
      out = { header, name: m.name, kind: "reply", value };
    } else {
      const e = this.events.get(header.ordinal);
      if (e === undefined) throw unknownMethod(header.ordinal, "service message");
      this.checkFlags(header, 0);
      out = { header, name: e.name, kind: "event", value: this.readStruct(r, e.struct) };
    }
    r.closeBlock("message");
    return out;
  }
}

// --- the bridge's framing (python_service/bridge/framing.py is the other end) -------------
//
// One binary WebSocket message: u32 count; count x (u64 length, bytes); then the wire frame's
// payload. A frame's descriptors travel as their contents, in claim order.

/** One bridge message carrying `payload` and `attachments` (Uint8Arrays). */
export function encodeBridgeMessage(payload, attachments) {
  let size = 4 + payload.length;
  for (const a of attachments) size += 8 + a.length;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, attachments.length, true);
  let at = 4;
  for (const a of attachments) {
    dv.setBigUint64(at, BigInt(a.length), true);
    out.set(a, at + 8);
    at += 8 + a.length;
  }
  out.set(payload, at);
  return out;
}

/** Splits a bridge message into `{payload, attachments}` (views, no copies); a malformed one
 * throws a BadMessage with the kind framing.py names. */
export function decodeBridgeMessage(message, maxAttachments = MAX_ATTACHMENTS) {
  const view = message instanceof Uint8Array ? message : new Uint8Array(message);
  const dv = new DataView(view.buffer, view.byteOffset, view.byteLength);
  if (view.length < 4) throw new BadMessage("WEBNPU_ERROR_MESSAGE_TRUNCATED", "shorter than its count");
  const count = dv.getUint32(0, true);
  if (count > maxAttachments) throw new BadMessage("WEBNPU_ERROR_TOO_MANY_HANDLES", `${count} attachments`);
  let at = 4;
  const attachments = [];
  for (let i = 0; i < count; i++) {
    if (view.length - at < 8) throw new BadMessage("WEBNPU_ERROR_MESSAGE_TRUNCATED", `attachment ${i}: length cut off`);
    const length = dv.getBigUint64(at, true);
    at += 8;
    if (length === 0n) throw new BadMessage(V + "ILLEGAL_HANDLE", `attachment ${i} is empty`);
    if (length > BigInt(view.length - at)) throw new BadMessage("WEBNPU_ERROR_MESSAGE_TRUNCATED", `attachment ${i} cut off`);
    const n = Number(length);
    attachments.push(view.subarray(at, at + n));
    at += n;
  }
  return { payload: view.subarray(at), attachments };
}
