"""The wire runtime (python_service/wire/runtime.py) against docs/wire.md §3.

The generated codec does not exist yet, so these tests drive the runtime through a tiny schema
interpreter defined here (`Struct`, `Array`, `Union`, ...), laid out by the same rules the
generator will apply (§3.3: fixed part sorted by alignment with the presence word first among
4-byte fields, then the variable part in declaration order).
"""

from __future__ import annotations

import math
import random
import struct
import time
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.ipc.channel import HEADER as FRAME_HEADER
from python_service.wire import (
    FLAG_EXPECTS_REPLY,
    FLAG_IS_REPLY,
    MAX_DEPTH,
    Fixed,
    Handle,
    MessageReader,
    MessageWriter,
    SharedMemoryClaim,
    check_absent_zero,
    check_bool,
    check_enforce_range_u64,
    check_enum,
    check_finite,
    check_flags,
    check_handle,
    check_presence,
    check_zero,
    join_i128,
    split_i128,
    usv_bytes,
)
from python_service.wire import runtime as _rt

K = BadMessageKind

# --- A small schema language -----------------------------------------------------------------


@dataclass(frozen=True)
class Scalar:
    code: str  # struct code: B (bool), I, i, Q, q, d
    enum_count: int = 0  # > 0: a u32 enum with this many values

    @property
    def align(self) -> int:
        return struct.calcsize("<" + self.code)


@dataclass(frozen=True)
class HandleT:
    nullable: bool = False
    align = 4
    code = "II"


@dataclass(frozen=True)
class FdT:  # a SharedMemoryRef in the fixed part
    required: bool = True
    align = 8
    code = "IIQ"


@dataclass(frozen=True)
class Str:
    cap: int = 65_536


@dataclass(frozen=True)
class Array:
    elem: object
    cap: int = 16


@dataclass(frozen=True)
class Union:
    arms: tuple


@dataclass(frozen=True)
class Struct:
    fields: tuple  # of (type, optional)
    layout: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def plan(self):
        """(Fixed, fixed field indexes in layout order, variable field indexes, optional bits)."""
        if "plan" not in self.layout:
            optional = [i for i, (_, opt) in enumerate(self.fields) if opt]
            bit = {i: b for b, i in enumerate(optional)}
            fixed = [i for i, (t, _) in enumerate(self.fields) if _is_fixed(t)]
            # §3.3 rule 1: alignment descending; presence word first among 4-byte fields.
            fixed.sort(key=lambda i: (-self.fields[i][0].align, i))
            fmt = "<"
            entries = [(self.fields[i][0].align, 1, i) for i in fixed]
            if optional:
                entries.append((4, 0, -1))
            entries.sort(key=lambda e: (-e[0], e[1], e[2]))
            order = [e[2] for e in entries]
            for i in order:
                fmt += "I" if i == -1 else self.fields[i][0].code
            variable = [i for i, (t, _) in enumerate(self.fields) if not _is_fixed(t)]
            self.layout["plan"] = (Fixed(fmt), order, variable, bit, len(optional))
        return self.layout["plan"]


def _is_fixed(t) -> bool:
    return isinstance(t, Scalar | HandleT | FdT)


# --- The interpreter: encode ------------------------------------------------------------------


def encode_value(w: MessageWriter, t, v) -> None:
    if isinstance(t, Struct):
        encode_struct(w, t, v)
    elif isinstance(t, Str):
        w.string(v, t.cap)
    elif isinstance(t, Array):
        e = t.elem
        if isinstance(e, Scalar) and not e.enum_count and e.code != "B":
            w.scalar_array(e.code, v, t.cap)
        else:
            w.count(len(v), align8=True, cap=t.cap)
            for item in v:
                encode_value(w, e, item)
            w.pad()
    elif isinstance(t, Union):
        tag, inner = v
        w.union_tag(tag)
        arm = t.arms[tag]
        if _is_fixed(arm):
            w.fixed(Fixed("<" + arm.code), *_fixed_values(w, arm, inner))
        else:
            encode_value(w, arm, inner)
        w.pad()
    else:
        raise AssertionError(t)


def _fixed_values(w: MessageWriter, t, v) -> list:
    if isinstance(t, Scalar):
        return [int(v)] if t.code == "B" else [v]
    if isinstance(t, HandleT):
        return [0, 0] if v is None else list(v)
    if isinstance(t, FdT):
        if v is None:
            return [0xFFFFFFFF, 0, 0]
        return [w.claim_fd(v.fd), 0, v.size]
    raise AssertionError(t)


def _zero_values(t) -> list:
    return [0.0 if t.code == "d" else 0] if isinstance(t, Scalar) else [0] * len(t.code)


def encode_struct(w: MessageWriter, t: Struct, v: tuple) -> None:
    layout, order, variable, bit, _ = t.plan()
    values = []
    for i in order:
        if i == -1:
            values.append(sum(1 << b for j, b in bit.items() if v[j] is not None))
        elif t.fields[i][1] and v[i] is None:
            values.extend(_zero_values(t.fields[i][0]))
        else:
            values.extend(_fixed_values(w, t.fields[i][0], v[i]))
    w.fixed(layout, *values)
    for i in variable:
        if t.fields[i][1] and v[i] is None:
            continue
        encode_value(w, t.fields[i][0], v[i])


# --- The interpreter: decode ------------------------------------------------------------------


def decode_value(r: MessageReader, t):
    if isinstance(t, Struct):
        return decode_struct(r, t)
    if isinstance(t, Str):
        return r.string(t.cap)
    if isinstance(t, Array):
        e = t.elem
        if isinstance(e, Scalar) and not e.enum_count and e.code != "B":
            return list(r.scalar_array(e.code, t.cap))
        n = r.count(_min_size(e), align8=True, cap=t.cap)
        items = [decode_value(r, e) for _ in range(n)]
        r.pad()
        return items
    if isinstance(t, Union):
        tag = r.union_tag(range(len(t.arms)))
        arm = t.arms[tag]
        if _is_fixed(arm):
            inner = _check_fixed(r, arm, r.fixed(Fixed("<" + arm.code)))
        else:
            inner = decode_value(r, arm)
        r.pad()
        return (tag, inner)
    raise AssertionError(t)


def _min_size(t) -> int:
    return 8 if isinstance(t, Str | Union) else t.plan()[0].size


def _check_fixed(r: MessageReader, t, vals):
    if isinstance(t, Scalar):
        (v,) = vals
        if t.code == "B":
            return check_bool(v)
        if t.enum_count:
            return check_enum(v, t.enum_count)
        return v
    if isinstance(t, HandleT):
        return check_handle(*vals, nullable=t.nullable)
    if isinstance(t, FdT):
        return r.check_shared_memory_ref(*vals, required=t.required)
    raise AssertionError(t)


def _width(t) -> int:
    return 1 if isinstance(t, Scalar) else len(t.code)


def decode_struct(r: MessageReader, t: Struct) -> tuple:
    layout, order, variable, bit, optional_count = t.plan()
    r.enter()
    raw = r.fixed(layout)
    out: list = [None] * len(t.fields)
    presence = 0
    k = 0
    for i in order:
        if i == -1:
            presence = check_presence(raw[k], optional_count)
            break
        k += _width(t.fields[i][0])
    k = 0
    for i in order:
        if i == -1:
            k += 1
            continue
        ft, opt = t.fields[i]
        n = _width(ft)
        vals = raw[k : k + n]
        k += n
        if opt and not presence >> bit[i] & 1:
            check_absent_zero(vals, f"field {i}")
        else:
            out[i] = _check_fixed(r, ft, vals)
    for i in variable:
        ft, opt = t.fields[i]
        if opt and not presence >> bit[i] & 1:
            continue
        out[i] = decode_value(r, ft)
    r.leave()
    return tuple(out)


# --- Frames ---------------------------------------------------------------------------------


def encode_frame(messages) -> tuple[bytes, list[int]]:
    """messages: [(ordinal, flags, request_id, schema, value)]."""
    w = MessageWriter()
    for ordinal, flags, request_id, schema, value in messages:
        w.begin_message(ordinal, flags, request_id)
        encode_struct(w, schema, value)
        w.end_message()
    return w.finish()


def decode_frame(payload: bytes, fds, schemas: dict) -> list:
    r = MessageReader(payload, fds)
    out = []
    while (h := r.next_message()) is not None:
        if h.ordinal not in schemas:
            raise BadMessage(K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD, hex(h.ordinal))
        schema = schemas[h.ordinal]
        out.append((h.ordinal, h.flags, h.request_id, schema, decode_struct(r, schema)))
        r.end_message()
    r.finish()
    return out


def assert_kind(kind: BadMessageKind, fn, *args) -> BadMessage:
    with pytest.raises(BadMessage) as info:
        fn(*args)
    assert info.value.kind is kind, info.value
    return info.value


# --- Hypothesis: schemas and their values ------------------------------------------------------

_SCALARS = st.sampled_from(
    [Scalar("B"), Scalar("I"), Scalar("i"), Scalar("Q"), Scalar("q"), Scalar("d"), Scalar("I", 3)]
)
_FIXED = st.one_of(_SCALARS, st.builds(HandleT, st.booleans()), st.builds(FdT, st.booleans()))


def _structs(children):
    return st.lists(
        st.tuples(st.one_of(_FIXED, children), st.booleans()), min_size=0, max_size=5
    ).map(lambda fs: Struct(tuple(fs)))


_ARRAY_SCALARS = st.sampled_from([Scalar(c) for c in "IiQqd"])  # bools/enums: struct elements
_NON_FD = st.one_of(
    _SCALARS, st.builds(HandleT, st.booleans())
)  # union arms and array elements stay fd-free to keep claims simple

SCHEMAS = st.recursive(
    st.one_of(_FIXED, st.just(Str())),
    lambda children: st.one_of(
        _structs(children),
        st.builds(Array, st.one_of(_ARRAY_SCALARS, st.just(Str()), _structs(children))),
        st.lists(st.one_of(_NON_FD, st.just(Str()), children), min_size=1, max_size=3).map(
            lambda arms: Union(tuple(arms))
        ),
    ),
    max_leaves=12,
).map(lambda t: t if isinstance(t, Struct) else Struct(((t, False),)))


def values_for(t, draw, fds: list[int]):
    if isinstance(t, Scalar):
        if t.code == "B":
            return draw(st.booleans())
        if t.enum_count:
            return draw(st.integers(0, t.enum_count - 1))
        if t.code == "d":
            return draw(st.floats(allow_nan=False))
        bits = struct.calcsize("<" + t.code) * 8
        if t.code.isupper():
            return draw(st.integers(0, 2**bits - 1))
        return draw(st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1))
    if isinstance(t, HandleT):
        if t.nullable and draw(st.booleans()):
            return None
        return Handle(draw(st.integers(1, 2**32 - 1)), draw(st.integers(0, 2**32 - 1)))
    if isinstance(t, FdT):
        if not t.required and draw(st.booleans()):
            return None
        fd = 100 + len(fds)
        fds.append(fd)
        return SharedMemoryClaim(fd, draw(st.integers(0, 2**64 - 1)))
    if isinstance(t, Str):
        return draw(st.text(max_size=12))
    if isinstance(t, Array):
        n = draw(st.integers(0, 3))
        return [values_for(t.elem, draw, fds) for _ in range(n)]
    if isinstance(t, Union):
        tag = draw(st.integers(0, len(t.arms) - 1))
        return (tag, values_for(t.arms[tag], draw, fds))
    if isinstance(t, Struct):
        out = []
        for ft, opt in t.fields:
            if opt and draw(st.booleans()):
                out.append(None)
            else:
                out.append(values_for(ft, draw, fds))
        return tuple(out)
    raise AssertionError(t)


def _depth(t) -> int:
    if isinstance(t, Struct):
        return 1 + max((_depth(ft) for ft, _ in t.fields), default=0)
    if isinstance(t, Array):
        return _depth(t.elem)
    if isinstance(t, Union):
        return max(_depth(a) for a in t.arms)
    return 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_canonical_round_trip(data) -> None:
    """encode(v) decodes to v, and re-encoding the decoded value gives the same bytes."""
    frame = []
    fds: list[int] = []
    schemas = {}
    for k in range(data.draw(st.integers(1, 3))):
        schema = data.draw(SCHEMAS)
        if _depth(schema) > MAX_DEPTH:
            continue
        value = values_for(schema, data.draw, fds)
        flags = data.draw(st.sampled_from([0, FLAG_EXPECTS_REPLY, FLAG_IS_REPLY]))
        request_id = data.draw(st.integers(1, 2**32 - 1)) if flags else 0
        schemas[k + 1] = schema
        frame.append((k + 1, flags, request_id, schema, value))
    if not frame:
        return
    payload, sent_fds = encode_frame(frame)
    # Claims follow layout order (fixed part first), not declaration order.
    assert sorted(sent_fds) == fds
    decoded = decode_frame(payload, sent_fds, schemas)
    assert decoded == frame
    assert encode_frame(decoded) == (payload, sent_fds)


# --- Round trips of each encoding --------------------------------------------------------------

EVERYTHING = Struct(
    (
        (Scalar("B"), False),
        (Scalar("I"), False),
        (Scalar("i"), True),
        (Scalar("Q"), False),
        (Scalar("d"), True),
        (Scalar("I", 4), False),
        (HandleT(), False),
        (HandleT(nullable=True), False),
        (FdT(), False),
        (FdT(required=False), True),
        (Str(), False),
        (Str(), True),
        (Array(Scalar("I")), False),
        (Array(Scalar("Q")), False),
        (Array(Scalar("d")), False),
        (Array(Str()), False),
        (Array(Struct(((Scalar("I"), False), (Str(), False)))), False),
        (Union((Scalar("Q"), Scalar("d"), Str())), False),
        (Struct(((Scalar("B"), True), (Array(Scalar("i")), True))), False),
    )
)
EVERYTHING_VALUE = (
    True,
    7,
    -3,
    2**64 - 1,
    -0.0,
    3,
    Handle(5, 2),
    None,
    SharedMemoryClaim(41, 4096),
    SharedMemoryClaim(42, 70_000),
    "héllo ✓ 𝄞",
    None,
    [1, 2, 3],
    [2**63],
    [1.5, math.inf],
    ["", "a", "abcdefgh"],
    [(1, "x"), (2, "yz")],
    (2, "arm"),
    (None, [-1, 0, 1]),
)


def test_every_encoding_round_trips() -> None:
    frame = [(0x00030003, 0, 0, EVERYTHING, EVERYTHING_VALUE)]
    payload, fds = encode_frame(frame)
    assert fds == [41, 42]
    assert len(payload) % 8 == 0
    assert decode_frame(payload, fds, {0x00030003: EVERYTHING}) == frame
    assert encode_frame(decode_frame(payload, fds, {0x00030003: EVERYTHING}))[0] == payload


def test_batch_of_messages_in_one_frame() -> None:
    s = Struct(((HandleT(), False), (Str(), False)))
    frame = [
        (0x00050000, 0, 0, s, (Handle(1, 1), "a")),
        (0x00030005, FLAG_EXPECTS_REPLY, 7, s, (Handle(2, 1), "bc")),
        (0x00030005, FLAG_IS_REPLY, 7, s, (Handle(3, 9), "")),
    ]
    payload, _ = encode_frame(frame)
    assert decode_frame(payload, [], {0x00050000: s, 0x00030005: s}) == frame


def test_scalars_and_helpers() -> None:
    for v in (0, 1, -1, 2**127 - 1, -(2**127)):
        assert join_i128(*split_i128(v)) == v
        lo, hi = split_i128(v)
        assert struct.pack("<Qq", lo, hi) == v.to_bytes(16, "little", signed=True)
    assert usv_bytes("a\ud800b") == "a\ufffdb".encode()
    assert usv_bytes("\ud834\udd1e") == "𝄞".encode()
    w = MessageWriter()
    w.begin_message(1)
    w.string("x\udc00")
    w.end_message()
    r = MessageReader(w.finish()[0])
    r.next_message()
    assert r.string() == "x\ufffd"


def test_bytes_arms_round_trip() -> None:
    w = MessageWriter()
    w.begin_message(1)
    w.bytes_inline(b"abc")
    w.bytes_inline(b"")
    w.bytes_shared(9, 65_537)
    w.end_message()
    payload, fds = w.finish()
    assert fds == [9]
    r = MessageReader(payload, fds)
    r.next_message()
    assert r.bytes_value() == b"abc"
    assert r.bytes_value() == b""
    assert r.bytes_value() == SharedMemoryClaim(9, 65_537)
    r.end_message()
    r.finish()
    with pytest.raises(ValueError):
        MessageWriter().bytes_inline(bytes(65_537))
    with pytest.raises(ValueError):
        MessageWriter().bytes_shared(3, 65_536)


# --- docs/wire.md §6, reproduced with the runtime alone ----------------------------------------
# Hex copied from docs/wire.md §6 (the doc-parsing drift test belongs to §7.1's vectors).

CREATE_BUFFER_HEX = """
50 00 00 00 03 00 03 00 00 00 00 00 00 00 00 00
01 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00
00 04 00 00 00 00 00 00 01 00 00 00 18 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
02 00 00 00 10 00 00 00 10 00 00 00 00 00 00 00
"""
DISPATCH_HEX = """
40 00 00 00 02 00 08 00 01 00 00 00 01 00 00 00
01 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00
01 00 00 00 78 00 00 00 01 00 00 00 00 00 00 00
02 00 00 00 01 00 00 00 01 00 00 00 79 00 00 00
"""


def test_worked_example_create_buffer() -> None:
    handles = Fixed("<IIII")  # self device, result buffer
    descriptor = Fixed("<QII")  # size, presence (tensor = bit 0), usage
    tensor = Fixed("<I")  # dataType, pad
    w = MessageWriter()
    w.begin_message(0x00030003)
    w.fixed(handles, 1, 1, 1, 1)
    w.fixed(descriptor, 1024, 0b1, 0x18)
    w.string("")  # label
    w.fixed(tensor, 0)
    w.scalar_array("I", [16, 16])
    w.end_message()
    payload, fds = w.finish()
    assert payload == bytes.fromhex(CREATE_BUFFER_HEX)
    assert FRAME_HEADER.pack(len(payload), len(fds), 0) == bytes.fromhex("5000000000000000")

    r = MessageReader(payload)
    h = r.next_message()
    assert (h.ordinal, h.flags, h.request_id) == (0x00030003, 0, 0)
    assert r.fixed(handles) == (1, 1, 1, 1)
    size, presence, usage = r.fixed(descriptor)
    assert (size, check_presence(presence, 1), usage) == (1024, 1, 0x18)
    assert r.string() == ""
    assert r.fixed(tensor) == (0,)
    assert r.scalar_array("I", cap=8) == (16, 16)
    r.end_message()
    r.finish()


def test_worked_example_dispatch_command() -> None:
    handle = Fixed("<II")
    w = MessageWriter()
    w.begin_command(0x00080002)
    w.fixed(handle, 1, 1)
    for buffer_id, key in ((1, "x"), (2, "y")):
        w.count(1, align8=True)
        w.fixed(handle, buffer_id, 1)
        w.string(key)
        w.pad()
    w.end_command()
    stream, _ = w.finish()
    assert stream == bytes.fromhex(DISPATCH_HEX)

    r = MessageReader(stream)
    assert r.next_command() == (64, 0x00080002)
    assert check_handle(*r.fixed(handle)) == Handle(1, 1)
    records = []
    for _ in range(2):  # inputs, outputs: each entry is {value handle (fixed), key (variable)}
        entries = []
        for _ in range(r.count(16, align8=True)):
            value = check_handle(*r.fixed(handle))
            entries.append((r.string(), value))
        r.pad()
        records.append(entries)
    r.end_command()
    assert r.next_command() is None
    assert records == [[("x", Handle(1, 1))], [("y", Handle(2, 1))]]


# --- One test per decode check -----------------------------------------------------------------

SIMPLE = Struct(((Scalar("I", 3), False), (HandleT(), False), (Str(cap=16), False)))
SIMPLE_SCHEMAS = {1: SIMPLE}


SIMPLE_VALUE = (1, Handle(1, 1), "ok")


def simple_frame(value=SIMPLE_VALUE, flags=0, request_id=0) -> bytearray:
    return bytearray(encode_frame([(1, flags, request_id, SIMPLE, value)])[0])


def decode_simple(payload, fds=()) -> list:
    return decode_frame(bytes(payload), list(fds), SIMPLE_SCHEMAS)


def test_empty_frame() -> None:
    assert_kind(K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER, decode_simple, b"")


def test_truncated_header() -> None:
    frame = simple_frame()
    assert_kind(K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE, decode_simple, frame[:8])
    # A second message with too few bytes for its header.
    assert_kind(K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE, decode_simple, frame + bytes(8))


def test_size_beyond_frame() -> None:
    frame = simple_frame()
    struct.pack_into("<I", frame, 0, len(frame) + 8)
    assert_kind(K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE, decode_simple, frame)


def test_size_smaller_than_header() -> None:
    frame = simple_frame()
    struct.pack_into("<I", frame, 0, 8)
    assert_kind(K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER, decode_simple, frame)


def test_bytes_left_after_payload() -> None:
    frame = simple_frame()
    struct.pack_into("<I", frame, 0, len(frame) + 8)
    assert_kind(K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER, decode_simple, frame + bytes(8))


def test_read_past_payload_end() -> None:
    frame = simple_frame()
    struct.pack_into("<I", frame, 0, len(frame) - 8)  # cut the string's bytes off the message
    assert_kind(K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE, decode_simple, frame)


def test_misaligned_size() -> None:
    frame = simple_frame()
    struct.pack_into("<I", frame, 0, len(frame) - 4)
    assert_kind(K.VALIDATION_ERROR_MISALIGNED_OBJECT, decode_simple, frame)


def test_command_header_checks() -> None:
    r = MessageReader(struct.pack("<II", 12, 1) + bytes(4))
    assert_kind(K.VALIDATION_ERROR_MISALIGNED_OBJECT, r.next_command)
    r = MessageReader(struct.pack("<II", 0, 1))
    assert_kind(K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER, r.next_command)
    r = MessageReader(struct.pack("<II", 16, 1))
    assert_kind(K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE, r.next_command)
    r = MessageReader(struct.pack("<I", 8))
    assert_kind(K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE, r.next_command)


def test_flags() -> None:
    frame = simple_frame()
    struct.pack_into("<I", frame, 8, 4)
    assert_kind(K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS, decode_simple, frame)
    struct.pack_into("<II", frame, 8, 3, 1)
    assert_kind(K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS, decode_simple, frame)
    struct.pack_into("<II", frame, 8, 0, 5)
    assert_kind(K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS, decode_simple, frame)
    struct.pack_into("<II", frame, 8, FLAG_EXPECTS_REPLY, 0)
    assert_kind(K.VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID, decode_simple, frame)
    struct.pack_into("<II", frame, 8, FLAG_IS_REPLY, 0)
    assert_kind(K.VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID, decode_simple, frame)
    r = MessageReader(bytes(simple_frame(flags=FLAG_EXPECTS_REPLY, request_id=3)))
    h = r.next_message()
    check_flags(h, expects_reply=True)
    assert_kind(
        K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
        lambda: check_flags(h, expects_reply=False),
    )


def test_non_zero_padding() -> None:
    frame = simple_frame()  # string "ok" at 40: length, 'o', 'k', 2 pad bytes
    frame[-1] = 1
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, decode_simple, frame)
    frame = simple_frame()
    frame[16 + 12] = 1  # fixed part "<III" (enum, handle) + 4 tail pad bytes
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, decode_simple, frame)
    u = Struct(((Union((Scalar("I"),)), False),))
    payload = bytearray(encode_frame([(1, 0, 0, u, ((0, 5),))])[0])
    payload[20] = 1  # the u32 0 after the tag
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, decode_frame, bytes(payload), [], {1: u})


def test_bad_utf8() -> None:
    frame = simple_frame(value=(1, Handle(1, 1), "ok"))
    frame[36:38] = b"\xc3\x28"
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, decode_simple, frame)


def test_string_over_cap() -> None:
    frame = simple_frame()
    struct.pack_into("<I", frame, 32, 17)
    assert_kind(K.VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER, decode_simple, frame)


def test_count_over_limit() -> None:
    a = Struct(((Array(Scalar("I"), cap=4), False),))
    payload = bytearray(encode_frame([(1, 0, 0, a, ([1, 2],))])[0])
    struct.pack_into("<I", payload, 16, 5)
    assert_kind(
        K.VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER, decode_frame, bytes(payload), [], {1: a}
    )
    # Under the cap but more than the bytes left could hold (Dawn's GetSpace).
    big = Struct(((Array(Str(), cap=1_000_000), False),))
    payload = bytearray(encode_frame([(1, 0, 0, big, ([],))])[0])
    struct.pack_into("<I", payload, 16, 900_000)
    assert_kind(
        K.VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER, decode_frame, bytes(payload), [], {1: big}
    )


def test_nesting_over_limit() -> None:
    t = Struct(((Scalar("I"), False),))
    for _ in range(MAX_DEPTH):
        t = Struct(((t, False),))
    value: tuple = (1,)
    for _ in range(MAX_DEPTH):
        value = (value,)
    payload, _ = encode_frame([(1, 0, 0, t, value)])
    assert_kind(K.VALIDATION_ERROR_MAX_RECURSION_DEPTH, decode_frame, payload, [], {1: t})
    # One level less is within the limit.
    inner, _ = encode_frame([(1, 0, 0, t.fields[0][0], value[0])])
    assert decode_frame(inner, [], {1: t.fields[0][0]})[0][4] == value[0]


def test_unknown_enum_value() -> None:
    frame = simple_frame()
    struct.pack_into("<I", frame, 16, 3)  # the enum has 3 values
    assert_kind(K.VALIDATION_ERROR_UNKNOWN_ENUM_VALUE, decode_simple, frame)


def test_unknown_union_tag() -> None:
    u = Struct(((Union((Scalar("I"), Str())), False),))
    payload = bytearray(encode_frame([(1, 0, 0, u, ((1, "s"),))])[0])
    struct.pack_into("<I", payload, 16, 2)
    assert_kind(K.VALIDATION_ERROR_UNKNOWN_UNION_TAG, decode_frame, bytes(payload), [], {1: u})


def test_bad_handle() -> None:
    frame = simple_frame()
    struct.pack_into("<II", frame, 20, 0, 0)
    assert_kind(K.VALIDATION_ERROR_UNEXPECTED_NULL_POINTER, decode_simple, frame)
    assert_kind(
        K.VALIDATION_ERROR_DESERIALIZATION_FAILED, lambda: check_handle(0, 1, nullable=True)
    )
    assert check_handle(0, 0, nullable=True) is None
    # Object-table lookups (live id, generation) are the service's ObjectTable; the kind exists.
    assert K.WEBNPU_ERROR_ILLEGAL_OBJECT_ID.value == "WEBNPU_ERROR_ILLEGAL_OBJECT_ID"


FD2 = Struct(((FdT(), False), (FdT(required=False), False)))


def fd_frame() -> bytearray:
    v = (SharedMemoryClaim(10, 8), SharedMemoryClaim(11, 16))
    return bytearray(encode_frame([(1, 0, 0, FD2, v)])[0])


def test_fd_index_out_of_range() -> None:
    frame = fd_frame()
    struct.pack_into("<I", frame, 32, 2)
    assert_kind(K.VALIDATION_ERROR_ILLEGAL_HANDLE, decode_frame, bytes(frame), [10, 11], {1: FD2})


def test_fd_duplicate_use() -> None:
    frame = fd_frame()
    struct.pack_into("<I", frame, 32, 0)
    assert_kind(K.VALIDATION_ERROR_ILLEGAL_HANDLE, decode_frame, bytes(frame), [10, 11], {1: FD2})


def test_fd_required_but_none() -> None:
    frame = fd_frame()
    struct.pack_into("<I", frame, 16, 0xFFFFFFFF)
    assert_kind(
        K.VALIDATION_ERROR_UNEXPECTED_INVALID_HANDLE, decode_frame, bytes(frame), [10, 11], {1: FD2}
    )
    # Optional: "none" decodes, but then its size must be 0.
    frame = bytearray(encode_frame([(1, 0, 0, FD2, (SharedMemoryClaim(10, 8), None))])[0])
    assert decode_frame(bytes(frame), [10], {1: FD2})[0][4] == (SharedMemoryClaim(10, 8), None)
    struct.pack_into("<Q", frame, 40, 1)
    assert_kind(
        K.VALIDATION_ERROR_DESERIALIZATION_FAILED, decode_frame, bytes(frame), [10], {1: FD2}
    )


def test_unused_fds() -> None:
    assert_kind(
        K.VALIDATION_ERROR_ILLEGAL_HANDLE, decode_frame, bytes(fd_frame()), [10, 11, 12], {1: FD2}
    )
    assert_kind(K.VALIDATION_ERROR_ILLEGAL_HANDLE, decode_simple, simple_frame(), [5])


def test_non_canonical_scalars() -> None:
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, check_bool, 2)
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, check_presence, 0b100, 2)
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, check_zero, 1)
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, check_finite, math.nan)
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, check_enforce_range_u64, 2**53)
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, check_absent_zero, (-0.0,), "x")
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, check_absent_zero, (0, 3), "x")


def test_bytes_arm_must_match_size() -> None:
    w = MessageWriter()
    w.begin_message(1)
    w.union_tag(1)
    w.fixed(Fixed("<IIQ"), 0, 0, 100)  # shared, but small enough to go inline
    w.end_message()
    payload, _ = w.finish()
    r = MessageReader(payload, [7])
    r.next_message()
    assert_kind(K.VALIDATION_ERROR_DESERIALIZATION_FAILED, r.bytes_value)


# --- Mutation fuzz ------------------------------------------------------------------------------


def test_random_mutations_only_raise_bad_message() -> None:
    """Flip, overwrite and truncate valid frames: decoding succeeds and re-encodes to the same
    bytes, or raises BadMessage. Nothing else (§7.1)."""
    corpus = [
        (encode_frame([(1, 0, 0, EVERYTHING, EVERYTHING_VALUE)]), {1: EVERYTHING}),
        ((bytes(simple_frame()), []), SIMPLE_SCHEMAS),
        ((bytes(fd_frame()), [10, 11]), {1: FD2}),
    ]
    rng = random.Random(1234)
    deadline = time.monotonic() + 2.0
    runs = successes = 0
    while time.monotonic() < deadline:
        (payload, fds), schemas = rng.choice(corpus)
        data = bytearray(payload)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.5:
                data[i] ^= 1 << rng.randrange(8)
            elif choice < 0.8:
                data[i] = rng.choice((0, 1, 0x7F, 0x80, 0xFF))
            else:
                del data[rng.randrange(len(data)) :]
                if not data:
                    break
        runs += 1
        try:
            decoded = decode_frame(bytes(data), fds, schemas)
        except BadMessage:
            continue
        successes += 1
        assert encode_frame(decoded)[0] == bytes(data)
    assert runs > 1000
    assert successes > 0  # some mutations (e.g. in integer fields) are valid messages


# --- Speed ----------------------------------------------------------------------------------------

COPY = Fixed("<IIIIQQQ")  # copyBufferToBuffer: source, destination, offsets, size


def _encode_batch(n: int) -> bytes:
    w = MessageWriter()
    for i in range(n):
        w.begin_command(0x00080003)
        w.fixed(COPY, 1, 1, 2, 1, i * 8, 0, 64)
        w.end_command()
    return w.finish()[0]


def _decode_batch(stream: bytes) -> int:
    r = MessageReader(stream)
    n = 0
    while (header := r.next_command()) is not None:
        if header[1] != 0x00080003:
            raise AssertionError
        src_id, src_gen, dst_id, dst_gen, src_off, dst_off, size = r.fixed(COPY)
        check_handle(src_id, src_gen)
        check_handle(dst_id, dst_gen)
        r.end_command()
        n += 1
    return n


def measure_us_per_command(n: int = 1000, repeat: int = 20) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        stream = _encode_batch(n)
        assert _decode_batch(stream) == n
        best = min(best, time.perf_counter() - t0)
    return best / n * 1e6


# Speed is measured, not asserted (this machine is shared and noisy): run this file directly
# for the encode + decode cost per command of a 1,000-command batch.
if __name__ == "__main__":
    print(f"{measure_us_per_command():.2f} us/command")


# --- array, record and reply helpers the generated codec calls ---------------------------------


@dataclass(frozen=True)
class _Entry:
    """A record entry shaped as the generator makes them: {value handle; key string}."""

    MIN_SIZE = 16
    key: str
    value: Handle

    def encode(self, w: MessageWriter) -> None:
        w.fixed(_rt._HANDLE, *self.value)
        w.string(self.key)

    @classmethod
    def decode(cls, r: MessageReader) -> _Entry:
        value = check_handle(*r.fixed(_rt._HANDLE))
        return cls(r.string(), value)


def _round(write, read):
    w = MessageWriter()
    write(w)
    payload, _ = w.finish()
    assert len(payload) % 8 == 0
    r = MessageReader(payload)
    value = read(r)
    assert r.pos == len(payload)
    return payload, value


def test_handle_strings_enums_and_items_arrays_round_trip():
    handles = (Handle(1, 2), Handle(3, 4), Handle(5, 6))
    payload, back = _round(lambda w: _rt.write_handles(w, handles), _rt.read_handles)
    assert back == handles and payload[:4] == struct.pack("<I", 3) and len(payload) == 32
    texts = ("a", "", "héllo")
    assert _round(lambda w: _rt.write_strings(w, texts), _rt.read_strings)[1] == texts
    values = ("x", "y", "z")
    index = {v: i for i, v in enumerate(values)}
    got = _round(
        lambda w: _rt.write_enums(w, index, ("z", "x")), lambda r: _rt.read_enums(r, values, "E")
    )
    assert got[1] == ("z", "x")
    entries = (_Entry("a", Handle(1, 1)), _Entry("b", Handle(2, 1)))
    got = _round(
        lambda w: _rt.write_items(w, entries, 4, lambda w, e: e.encode(w)),
        lambda r: _rt.read_items(r, _Entry.MIN_SIZE, 4, _Entry.decode),
    )
    assert got[1] == entries
    assert _rt.optional_index(index, None) == 0 and _rt.optional_index(index, "y") == 1


def test_array_helpers_check_caps_nulls_and_enum_ranges():
    with pytest.raises(ValueError):
        _rt.write_handles(MessageWriter(), (Handle(1, 1),) * 3, cap=2)
    w = MessageWriter()
    _rt.write_handles(w, (Handle(0, 0),))
    with pytest.raises(BadMessage) as caught:
        _rt.read_handles(MessageReader(w.finish()[0]))
    assert caught.value.kind == BadMessageKind.VALIDATION_ERROR_UNEXPECTED_NULL_POINTER
    w = MessageWriter()
    w.scalar_array("I", [3])
    with pytest.raises(BadMessage) as caught:
        _rt.read_enums(MessageReader(w.finish()[0]), ("a", "b", "c"), "E")
    assert caught.value.kind == BadMessageKind.VALIDATION_ERROR_UNKNOWN_ENUM_VALUE
    w = MessageWriter()
    w.count(1000, align8=True)
    with pytest.raises(BadMessage) as caught:  # 1000 items cannot fit in 0 bytes
        _rt.read_items(MessageReader(w.finish()[0]), 16, 65536, _Entry.decode)
    assert caught.value.kind == BadMessageKind.VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER


def test_records_keep_order_and_refuse_duplicate_keys():
    items = {"b": Handle(2, 1), "a": Handle(1, 1)}
    payload, back = _round(
        lambda w: _rt.write_record(w, _Entry, items), lambda r: _rt.read_record(r, _Entry)
    )
    assert back == items and list(back) == ["b", "a"]
    w = MessageWriter()
    w.count(2, align8=True)
    _Entry("a", Handle(1, 1)).encode(w)
    _Entry("a", Handle(2, 1)).encode(w)
    with pytest.raises(BadMessage) as caught:
        _rt.read_record(MessageReader(w.finish()[0]), _Entry)
    assert caught.value.kind == BadMessageKind.VALIDATION_ERROR_DESERIALIZATION_FAILED
    _rt.check_unique_keys({"a": 1, "b": 2}, 2)
    with pytest.raises(BadMessage):
        _rt.check_unique_keys({"a": 1}, 2)


def test_check_reply_needs_is_reply_and_a_pending_request_id():
    reply = _rt.MessageHeader(24, 0x00030008, FLAG_IS_REPLY, 7)
    _rt.check_reply(reply, {7})
    with pytest.raises(BadMessage) as caught:
        _rt.check_reply(reply, {8})
    assert caught.value.kind == BadMessageKind.VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID
    with pytest.raises(BadMessage) as caught:
        _rt.check_reply(reply._replace(flags=FLAG_EXPECTS_REPLY), {7})
    assert caught.value.kind == BadMessageKind.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS
