// The JS side of tests/js/test_codec.py: the polyfill's wire codec answering the requests the
// C++ driver answers (tests/native/harness.py), one per stdin line, one answer per line:
//   E <i>                             encode vector i      -> ok <hex> <attachment indices> | fail <why>
//   D <context> <fds> <pending> <hex> decode a frame as a receiver in <context>, re-encode it
//                                     -> ok <hex> <indices> | bad <KIND>
//   J <i>                             decode what E <i> encoded and print it as vector JSON
// The vectors (argv[2]) are tests/native/vectors.py's JSON, with integers beyond 2^53 - 1 as
// {"$int": "decimal"} so that JSON.parse keeps them exact. Attachments are the numbers 0..fds-1.

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { BadMessage, MessageReader, MessageWriter, SCHEMA, WireCodec } from "../../generated/js/webnpu.js";

const codec = new WireCodec(SCHEMA);
const vectors = JSON.parse(readFileSync(process.argv[2], "utf8"), (key, value) =>
  value && typeof value === "object" && "$int" in value ? BigInt(value.$int) : value);
const byName = new Map([...SCHEMA.control, ...SCHEMA.messages, ...SCHEMA.commands].map((m) => [m.name, m]));
const events = new Map(SCHEMA.events.map((e) => [e.name, e]));

// --- float.hex() <-> number --------------------------------------------------------------------

function fromFloatHex(text) {
  if (text === "inf") return Infinity;
  if (text === "-inf") return -Infinity;
  if (text === "nan") return NaN;
  const m = /^(-?)0x([01])\.([0-9a-f]+)p([+-]\d+)$/.exec(text);
  const sign = m[1] ? -1 : 1;
  const mantissa = BigInt("0x" + m[2] + m[3]);
  const shift = Number(m[4]) - 4 * m[3].length;
  return sign * Number(mantissa) * 2 ** shift;
}

function toFloatHex(x) {
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Number.isNaN(x)) return "nan";
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const bits = dv.getBigUint64(0);
  const sign = bits >> 63n ? "-" : "";
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = (bits & ((1n << 52n) - 1n)).toString(16).padStart(13, "0");
  if (exponent === 0 && fraction === "0000000000000") return `${sign}0x0.0p+0`;
  const e = exponent === 0 ? -1022 : exponent - 1023;
  return `${sign}0x${exponent === 0 ? 0 : 1}.${fraction}p${e >= 0 ? "+" : ""}${e}`;
}

// --- vector JSON <-> codec values ---------------------------------------------------------------

function hex(bytes) {
  return Buffer.from(bytes).toString("hex");
}

function fromJson(t, v) {
  if (v === null) return null;
  switch (t.kind) {
    case "scalar":
      if (t.name === "f64" || t.name === "f32") return fromFloatHex(v);
      if (t.name === "i128") return BigInt(v);
      return v;
    case "handle": return { id: v[0], generation: v[1] };
    case "shared_memory": return { attachment: v.fd, size: v.size };
    case "bytes":
      if ("inline" in v) return new Uint8Array(Buffer.from(v.inline, "hex"));
      return { attachment: v.shared.fd, size: v.shared.size };
    case "array": return v.map((e) => fromJson(t.element, e));
    case "record": {
      const entry = SCHEMA.structs[t.entry];
      const [key, value] = entry.fields;
      return new Map(v.map(([k, x]) => [fromJson(key.type, k), fromJson(value.type, x)]));
    }
    case "union": {
      const u = SCHEMA.unions[t.name];
      const arm = u.arms.find((a) => a.tag === v.tag);
      if (u.fixed) return fromJson(arm.type, v.value);
      return { tag: v.tag, value: structFromJson(SCHEMA.structs[arm.type.name], v.value) };
    }
    case "struct": return structFromJson(SCHEMA.structs[t.name], v);
    default: return v;
  }
}

function structFromJson(s, v) {
  const out = {};
  for (const f of s.fields) out[f.name] = fromJson(f.type, v[f.name]);
  return out;
}

function toJson(t, v) {
  if (v === null) return null;
  switch (t.kind) {
    case "scalar":
      if (t.name === "f64" || t.name === "f32") return toFloatHex(v);
      if (t.name === "i128") return v.toString();
      return v;
    case "handle": return [v.id, v.generation];
    case "shared_memory": return { fd: v.attachment, size: v.size };
    case "bytes":
      if (v instanceof Uint8Array) return { inline: hex(v) };
      return { shared: { fd: v.attachment, size: v.size } };
    case "array": return v.map((e) => toJson(t.element, e));
    case "record": {
      const entry = SCHEMA.structs[t.entry];
      const [key, value] = entry.fields;
      return [...v].map(([k, x]) => [toJson(key.type, k), toJson(value.type, x)]);
    }
    case "union": {
      const u = SCHEMA.unions[t.name];
      if (u.fixed) {
        const arm = u.arms.find((a) => (typeof v === "bigint") === (a.type.code === "Qq"));
        return { tag: arm.tag, value: toJson(arm.type, v) };
      }
      const arm = u.arms.find((a) => a.tag === v.tag);
      return { tag: v.tag, value: structToJson(SCHEMA.structs[arm.type.name], v.value) };
    }
    case "struct": return structToJson(SCHEMA.structs[t.name], v);
    default: return v;
  }
}

function structToJson(s, v) {
  const out = {};
  for (const f of s.fields) out[f.name] = toJson(f.type, v[f.name]);
  return out;
}

// --- encode / decode -----------------------------------------------------------------------------

function replyFromJson(m, value) {
  if ("resolved" in value) return { resolved: structFromJson(m.reply, value.resolved) };
  return { rejected: structFromJson(SCHEMA.structs.Rejection, value.rejected) };
}

function encodeVector(w, v) {
  if (v.category === "reply") {
    const m = byName.get(v.type);
    codec.encodeReply(w, v.type, replyFromJson(m, v.value), v.request_id);
  } else if (v.category === "event") {
    codec.encodeEvent(w, v.type, structFromJson(events.get(v.type).struct, v.value));
  } else {
    codec.encodeMessage(w, v.type, structFromJson(byName.get(v.type).request, v.value), v.request_id);
  }
}

function answer(w) {
  const [payload, attachments] = w.finish();
  return `ok ${hex(payload) || "-"} ${attachments.join(",") || "-"}`;
}

function decodeAll(context, fds, pending, frame) {
  const attachments = Array.from({ length: fds }, (_, i) => i);
  const r = new MessageReader(frame, attachments);
  const found = [];
  if (context === "hello") found.push(codec.readHello(r));
  if (context === "hello" || context === "message") {
    let item;
    while ((item = codec.readMessage(r)) !== null) found.push(item);
  } else if (context === "command") {
    let item;
    while ((item = codec.readCommand(r)) !== null) found.push(item);
  } else if (context === "service") {
    const waiting = new Set(pending ? [pending] : []);
    let item;
    while ((item = codec.readServiceMessage(r, waiting)) !== null) found.push(item);
  }
  r.finish();
  return found;
}

function reencode(found) {
  const w = new MessageWriter();
  for (const item of found) {
    if (item.kind === "reply") codec.encodeReply(w, item.name, item.value, item.header.requestId);
    else if (item.kind === "event") codec.encodeEvent(w, item.name, item.value);
    else codec.encodeMessage(w, item.name, item.value, item.header ? item.header.requestId : 0);
  }
  return answer(w);
}

function handle(line) {
  const parts = line.split(" ");
  if (parts[0] === "E" || parts[0] === "J") {
    const v = vectors[Number(parts[1])];
    const w = new MessageWriter();
    try {
      encodeVector(w, v);
    } catch (error) {
      if (error instanceof BadMessage) throw error;
      return `fail ${error.message}`;
    }
    if (parts[0] === "E") return answer(w);
    const [payload] = w.finish();
    const [item] = decodeAll(v.context, v.fds, v.request_id, payload);
    let value;
    if (v.category === "reply") {
      const m = byName.get(v.type);
      value = item.value.resolved
        ? { resolved: structToJson(m.reply, item.value.resolved) }
        : { rejected: structToJson(SCHEMA.structs.Rejection, item.value.rejected) };
    } else if (v.category === "event") {
      value = structToJson(events.get(v.type).struct, item.value);
    } else {
      value = structToJson(byName.get(v.type).request, item.value);
    }
    return JSON.stringify(value, (key, x) => (typeof x === "bigint" ? { $int: x.toString() } : x));
  }
  const [, context, fds, pending, data] = parts;
  const frame = new Uint8Array(data === "-" ? [] : Buffer.from(data, "hex"));
  let found;
  try {
    found = decodeAll(context, Number(fds), Number(pending), frame);
  } catch (error) {
    if (error instanceof BadMessage) return `bad ${error.kind}`;
    throw error;
  }
  return reencode(found);
}

const lines = [];
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => lines.push(handle(line)));
rl.on("close", () => process.stdout.write(lines.map((l) => l + "\n").join("")));
