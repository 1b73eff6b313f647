"""Shared test vectors for the Python and C++ wire codecs, made from the wire model.

A vector is a value of one top-level wire type (request message, `hello`, command, reply or
event) written as JSON, independent of either codec: handles as `[id, generation]`, bigints as
decimal strings, doubles as `float.hex()` strings (so -0.0 and infinities survive), enums as
their IDL strings, `Bytes` as `{"inline": hex}` or `{"shared": {"fd", "size"}}`, records as
`[key, value]` pairs, unions as `{"tag", "value"}`, replies as `{"resolved": ...}` or
`{"rejected": ...}`, absent optional members as null. Shared-memory references name the
frame's descriptors by position (`fd` 0, 1, ...), and the frame carries that many.

`make_vectors(wire)` walks every type with edge values (all optional members absent and the
smallest values; every member present and the largest values, every union arm, strings whose
UTF-8 ends on each padding boundary) and seeded random values. From the same JSON this module
builds the Python codec's objects (`to_python`), reads them back (`from_python`), and writes
the C++ initializer expressions the test driver compiles in (`cpp_vectors_source`); no
expected bytes come from either encoder.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass

from codegen.model import wire as w
from codegen.targets import cpp
from codegen.targets.python import class_name, event_class, py_name
from python_service.generated import wire as gen
from python_service.wire import runtime as rt

U32_MAX = 0xFFFF_FFFF
U64_MAX = 2**64 - 1
MAX_FINITE = 1.7976931348623157e308
# Strings whose UTF-8 lengths end on every padding remainder, with 2-, 3- and 4-byte forms.
STRINGS = ("", "a", "é", "漢", "🙂", "abcdefg", "abcdefgh", "é漢🙂ab", "name:0")


@dataclass(frozen=True)
class Vector:
    name: str
    category: str  # "control", "message", "command", "reply" or "event"
    type: str  # the wire name: "NPUDevice.createBuffer", "NPUDevice.lost"
    context: str  # how a receiver reads it: "hello", "message", "command" or "service"
    request_id: int
    fds: int
    value: object  # JSON

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "category": self.category,
            "type": self.type,
            "context": self.context,
            "request_id": self.request_id,
            "fds": self.fds,
            "value": self.value,
        }


class Sampler:
    """Values of wire types as JSON: `mode` "min", "max" or "random"."""

    def __init__(self, wire: w.WireModel, mode: str, seed: int) -> None:
        self.structs = {s.name: s for s in wire.structs}
        self.mode = mode
        self.rng = random.Random(seed)
        self.fds = 0
        self.arm_turn = seed  # rotates single union values through their arms

    def pick(self, low, high, randomly):
        if self.mode == "random":
            return randomly()
        return low if self.mode == "min" else high

    def scalar(self, t: w.Scalar):
        r = self.rng
        if t.name == "bool":
            return self.pick(False, True, lambda: r.random() < 0.5)
        if t.name == "f64" or t.name == "f32":
            if t.restricted:
                value = self.pick(-0.0, MAX_FINITE, lambda: r.uniform(-1e6, 1e6))
            else:
                value = self.pick(-math.inf, math.inf, lambda: r.choice([r.uniform(-9, 9), 0.5]))
            return float(value).hex()
        if t.name == "i128":
            value = self.pick(-(2**127), 2**127 - 1, lambda: r.randrange(-(2**127), 2**127))
            return str(value)
        bits = int(t.name[1:])
        signed = t.name.startswith("i")
        high = 2 ** (bits - 1) - 1 if signed else 2**bits - 1
        low = -(2 ** (bits - 1)) if signed else 0
        if t.enforce_range:
            high = rt.ENFORCE_RANGE_U64_MAX
        return self.pick(low, high, lambda: r.choice([low, high, r.randint(low, high), 1]))

    def string(self) -> str:
        return self.pick("", STRINGS[7], lambda: self.rng.choice(STRINGS))

    def shared(self, size: int) -> dict:
        ref = {"fd": self.fds, "size": size}
        self.fds += 1
        return ref

    def count(self, cap: int) -> int:
        if self.mode == "min":
            return 0
        if self.mode == "max":
            return cap if cap <= 8 else 3  # a shape at its cap; other arrays a few
        return self.rng.randint(0, min(cap, 4))

    def value(self, t: w.WireType):
        r = self.rng
        if isinstance(t, w.Scalar):
            return self.scalar(t)
        if isinstance(t, w.Reserved):
            return 0
        if isinstance(t, w.Enum):
            last = t.values[-1]
            return self.pick(t.values[0], last, lambda: r.choice(t.values))
        if isinstance(t, w.Handle):
            if t.nullable and self.mode == "min":
                return None
            return self.pick(
                [1, 0], [U32_MAX, U32_MAX], lambda: [r.randint(1, 99), r.randint(0, 9)]
            )
        if isinstance(t, w.SharedMemoryRef):
            return self.shared(self.pick(0, U64_MAX, lambda: r.randint(1, 2**40)))
        if isinstance(t, w.String):
            return self.string()
        if isinstance(t, w.Bytes):
            if self.mode == "min":
                return {"inline": ""}
            if self.mode == "max" or r.random() < 0.3:
                size = self.pick(0, rt.MAX_INLINE_BYTES + 1, lambda: r.randint(65537, 2**33))
                return {"shared": self.shared(size)}
            return {"inline": bytes(r.randrange(256) for _ in range(r.randint(0, 17))).hex()}
        if isinstance(t, w.Array):
            if isinstance(t.element, w.Union) and self.mode == "max":
                return [self.union(t.element, arm) for arm in t.element.arms]
            return [self.value(t.element) for _ in range(self.count(t.max_count))]
        if isinstance(t, w.Record):
            keys = ["x", "é", "key:漢"][: self.count(t.max_count)]
            return [[key, self.value(t.value)] for key in keys]
        if isinstance(t, w.Union):
            self.arm_turn += 1
            return self.union(t, t.arms[self.arm_turn % len(t.arms)])
        assert isinstance(t, w.StructRef), t
        return self.struct(self.structs[t.name])

    def union(self, u: w.Union, arm: w.UnionArm) -> dict:
        return {"tag": arm.tag, "value": self.value(arm.type)}

    def struct(self, s: w.WireStruct) -> dict:
        out = {}
        for f in s.fields:
            absent = f.optional and (
                self.mode == "min" or self.mode == "random" and self.rng.random() < 0.4
            )
            out[f.name] = None if absent else self.value(f.type)
        return out


def _top_level(wire: w.WireModel):
    """(category, wire name, struct, context, expects a request id) of every type a receiver
    decodes at the top level. The root's `release` is left out: it never decodes (§3.5)."""
    roots = {i.name for i in wire.interfaces if i.root}
    for m in wire.control:
        yield "control", m.name, m.request, "hello", False
    for m in wire.messages:
        if m.kind == "release" and m.interface in roots:
            continue
        yield "message", m.name, m.request, "message", m.kind in ("reply", "build")
    for m in wire.commands:
        yield "command", m.name, m.request, "command", False
    for m in wire.messages:
        if m.reply is not None:
            yield "reply", m.name, m.reply, "service", True
    for e in wire.events:
        yield "event", e.name, e.struct, "service", False


def make_vectors(wire: w.WireModel, random_seeds: int = 2) -> list[Vector]:
    vectors = []
    rejection = next(s for s in wire.structs if s.name == "Rejection")
    for category, name, struct, context, with_id in _top_level(wire):
        modes = [("min", 0), ("max", 0)] + [("random", seed) for seed in range(random_seeds)]
        if category == "reply":
            modes.append(("rejected", 0))
        for mode, seed in modes:
            sampler = Sampler(wire, "random" if mode == "rejected" else mode, seed)
            if mode == "rejected":
                value = {"rejected": sampler.struct(rejection)}
            elif category == "reply":
                value = {"resolved": sampler.struct(struct)}
            else:
                value = sampler.struct(struct)
            request_id = 0
            if with_id:
                request_id = {"min": 1, "max": U32_MAX}.get(mode, 7 + seed)
            label = mode if mode != "random" else f"random{seed}"
            vectors.append(
                Vector(
                    f"{category} {name} {label}",
                    category,
                    name,
                    context,
                    request_id,
                    sampler.fds,
                    value,
                )
            )
    # The largest inline `Bytes` (64 KiB exactly); one byte more takes the shared-memory arm.
    for v in vectors:
        if v.type == "NPUQueue.writeBuffer" and v.name.endswith(" min"):
            big = dict(v.value, data={"inline": "ab" * rt.MAX_INLINE_BYTES})
            vectors.append(
                Vector(
                    f"message {v.type} inline at cap",
                    v.category,
                    v.type,
                    v.context,
                    v.request_id,
                    v.fds,
                    big,
                )
            )
            break
    return vectors


# --- JSON <-> the Python codec's objects --------------------------------------------------------


class PythonValues:
    def __init__(self, wire: w.WireModel) -> None:
        self.structs = {s.name: s for s in wire.structs}
        self.wire = wire
        self.replies = {m.name: m for m in wire.messages if m.reply is not None}
        self.events = {e.name: e for e in wire.events}
        self.requests = {m.name: m for m in wire.control + wire.messages + wire.commands}

    def top_level(self, v: Vector):
        if v.category == "reply":
            m = self.replies[v.type]
            reply_cls = getattr(gen, class_name(m.name) + "Reply")
            ((arm, value),) = v.value.items()
            if arm == "resolved":
                resolved_cls = getattr(gen, class_name(m.name) + "Resolved")
                return reply_cls(self.struct(m.reply, resolved_cls, value))
            return reply_cls(self.struct(self.structs["Rejection"], gen.Rejection, value))
        if v.category == "event":
            e = self.events[v.type]
            return self.struct(e.struct, getattr(gen, event_class(e)), v.value)
        m = self.requests[v.type]
        return self.struct(m.request, getattr(gen, class_name(m.name)), v.value)

    def struct(self, s: w.WireStruct, cls: type, value: dict):
        return cls(
            **{
                py_name(f.name): None
                if value[f.name] is None
                else self.value(f.type, value[f.name])
                for f in s.fields
            }
        )

    def value(self, t: w.WireType, v):
        if isinstance(t, w.Scalar):
            if t.name in ("f64", "f32"):
                return float.fromhex(v)
            if t.name == "i128":
                return int(v)
            return v
        if isinstance(t, w.Handle):
            return None if v is None else rt.Handle(*v)
        if isinstance(t, w.SharedMemoryRef):
            return rt.SharedMemoryClaim(v["fd"], v["size"])
        if isinstance(t, w.Bytes):
            if "inline" in v:
                return bytes.fromhex(v["inline"])
            return rt.SharedMemoryClaim(v["shared"]["fd"], v["shared"]["size"])
        if isinstance(t, w.Array):
            return tuple(self.value(t.element, e) for e in v)
        if isinstance(t, w.Record):
            return {self.value(t.key, k): self.value(t.value, x) for k, x in v}
        if isinstance(t, w.Union):
            arm = next(a for a in t.arms if a.tag == v["tag"])
            return self.value(arm.type, v["value"])
        if isinstance(t, w.StructRef):
            s = self.structs[t.name]
            return self.struct(s, getattr(gen, class_name(s.name)), v)
        return v  # reserved, enum, string

    def to_json(self, t: w.WireType, v):
        """The inverse of `value`, for comparing what a codec decoded with the vector."""
        if isinstance(t, w.Scalar):
            if t.name in ("f64", "f32"):
                return float(v).hex()
            if t.name == "i128":
                return str(v)
            return v
        if isinstance(t, w.Handle):
            return None if v is None else [v.id, v.generation]
        if isinstance(t, w.SharedMemoryRef):
            return {"fd": v.fd, "size": v.size}
        if isinstance(t, w.Bytes):
            if isinstance(v, rt.SharedMemoryClaim):
                return {"shared": {"fd": v.fd, "size": v.size}}
            return {"inline": bytes(v).hex()}
        if isinstance(t, w.Array):
            return [self.to_json(t.element, e) for e in v]
        if isinstance(t, w.Record):
            return [[self.to_json(t.key, k), self.to_json(t.value, x)] for k, x in v.items()]
        if isinstance(t, w.Union):
            if t.arms[0].type.fixed:  # NPUNumber: the Python type picks the arm
                arm = t.arms[0] if isinstance(v, int) else t.arms[1]
            else:
                arm = next(a for a in t.arms if a.tag == v.TAG)
            return {"tag": arm.tag, "value": self.to_json(arm.type, v)}
        if isinstance(t, w.StructRef):
            return self.struct_json(self.structs[t.name], v)
        return v

    def struct_json(self, s: w.WireStruct, v) -> dict:
        out = {}
        for f in s.fields:
            x = getattr(v, py_name(f.name))
            out[f.name] = None if x is None and f.optional else self.to_json(f.type, x)
        return out

    def top_level_json(self, v: Vector, decoded) -> object:
        if v.category == "reply":
            m = self.replies[v.type]
            if isinstance(decoded.result, gen.Rejection):
                return {"rejected": self.struct_json(self.structs["Rejection"], decoded.result)}
            return {"resolved": self.struct_json(m.reply, decoded.result)}
        if v.category == "event":
            return self.struct_json(self.events[v.type].struct, decoded)
        return self.struct_json(self.requests[v.type].request, decoded)


# --- JSON -> C++ initializers (the driver's vectors.inc) ----------------------------------------


def _cpp_string(data: bytes) -> str:
    """A C++ string literal: octal escapes outside [A-Za-z0-9 ] (no trigraphs, no ambiguity)."""
    return "".join(
        chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) == " ") else f"\\{b:03o}"
        for b in data
    )


class CppValues:
    def __init__(self, wire: w.WireModel) -> None:
        self.py = PythonValues(wire)
        self.structs = self.py.structs

    def top_level(self, v: Vector) -> str:
        if v.category == "reply":
            m = self.py.replies[v.type]
            ((arm, value),) = v.value.items()
            if arm == "resolved":
                inner = self.struct(m.reply, cpp.resolved_name(m), value)
                index = 0
            else:
                inner = self.struct(self.structs["Rejection"], "Rejection", value)
                index = 1
            name = cpp.reply_name(m)
            result = f"std::variant<{cpp.resolved_name(m)}, Rejection>"
            return f"{name}{{{result}(std::in_place_index<{index}>, {inner})}}"
        if v.category == "event":
            e = self.py.events[v.type]
            return self.struct(e.struct, cpp.event_name(e), v.value)
        m = self.py.requests[v.type]
        return self.struct(m.request, cpp.type_name(m.name), v.value)

    def struct(self, s: w.WireStruct, name: str, value: dict) -> str:
        fields = [
            "std::nullopt"
            if f.optional and value[f.name] is None
            else self.value(f.type, value[f.name])
            for f in s.fields
        ]
        return f"{name}{{{', '.join(fields)}}}"

    def value(self, t: w.WireType, v) -> str:
        if isinstance(t, w.Scalar):
            if t.name == "bool":
                return "true" if v else "false"
            if t.name in ("f64", "f32"):
                x = float.fromhex(v)
                if math.isinf(x):
                    return ("-" if x < 0 else "") + "std::numeric_limits<double>::infinity()"
                return x.hex()
            if t.name == "i128":
                low, high = rt.split_i128(int(v))
                return f"BigInt{{0x{low:x}ull, static_cast<int64_t>(0x{high % 2**64:x}ull)}}"
            return f"static_cast<{cpp.cpp_type(t)}>({v}ull)"
        if isinstance(t, w.Reserved):
            return f"{v}ull"
        if isinstance(t, w.Enum):
            return f"{t.name}::{cpp.enumerator(v)}"
        if isinstance(t, w.Handle):
            return "Handle{}" if v is None else f"Handle{{{v[0]}u, {v[1]}u}}"
        if isinstance(t, w.SharedMemoryRef):
            return f"SharedMemoryRef{{{v['fd']}, {v['size']}ull}}"
        if isinstance(t, w.String):
            data = v.encode("utf-8")
            return f'std::string("{_cpp_string(data)}", {len(data)})'
        if isinstance(t, w.Bytes):
            if "inline" in v:
                return f'Bytes(std::in_place_index<0>, Unhex("{v["inline"]}"))'
            ref = v["shared"]
            return (
                f"Bytes(std::in_place_index<1>, SharedMemoryRef{{{ref['fd']}, {ref['size']}ull}})"
            )
        if isinstance(t, w.Array):
            items = ", ".join(self.value(t.element, e) for e in v)
            return f"{cpp.cpp_type(t)}{{{items}}}"
        if isinstance(t, w.Record):
            entry = cpp.type_name(t.entry.name)
            items = ", ".join(
                f"{entry}{{{self.value(t.key, k)}, {self.value(t.value, x)}}}" for k, x in v
            )
            return f"{cpp.cpp_type(t)}{{{items}}}"
        if isinstance(t, w.Union):
            index, arm = next((i, a) for i, a in enumerate(t.arms) if a.tag == v["tag"])
            name = cpp.type_name(t.name)
            inner = self.value(arm.type, v["value"])
            return f"{name}{{{name}::Value(std::in_place_index<{index}>, {inner})}}"
        assert isinstance(t, w.StructRef), t
        return self.struct(self.structs[t.name], cpp.type_name(t.name), v)


def encode_call(v: Vector, expression: str) -> str:
    """The driver's statement that encodes vector `v` into writer `w`."""
    if v.category == "command":
        return f"EncodeCommand(w, {expression});"
    return f"EncodeMessage(w, {expression}, {v.request_id}u);"


def cpp_vectors_source(wire: w.WireModel, vectors: list[Vector]) -> str:
    """`vectors.inc`: one encoder per vector, `kEncoders[i]` for vector i."""
    values = CppValues(wire)
    lines = ["// Written by tests/native/vectors.py: one encoder per test vector.", ""]
    lines.append("constexpr Encoder kEncoders[] = {")
    for v in vectors:
        lines.append(f"    // {json.dumps(v.name, ensure_ascii=True)}")
        lines.append(f"    [](MessageWriter& w) {{ {encode_call(v, values.top_level(v))} }},")
    lines.append("};")
    return "\n".join(lines) + "\n"
