"""The generated wire codec (`python_service/generated/wire.py`, target `python`).

Every generated message and command round-trips with values sampled from its wire types (taken
from the wire model, so a new message is covered without touching this file); docs/wire.md §6's
worked examples encode to exactly the document's bytes; and malformed input raises
`BadMessage` of the right kind and nothing else.
"""

from __future__ import annotations

import re
import struct

import pytest

from codegen.model import wire as w
from codegen.pipeline import load
from codegen.targets.python import class_name, py_name
from python_service.bad_message import BadMessage, BadMessageKind
from python_service.generated import wire as gen
from python_service.wire import runtime as rt
from tests.conftest import ROOT

K = BadMessageKind
WIRE = load([ROOT / "idl/webnpu.idl"]).wire
STRUCTS = {s.name: s for s in WIRE.structs}
ROOTS = {i.name for i in WIRE.interfaces if i.root}
GENERATED = [
    (m, getattr(gen, class_name(m.name)))
    for m in WIRE.messages + WIRE.commands
    if hasattr(gen, class_name(m.name))
]
# Releasing the root is an unknown method (tested below), so it has no decoder.
DECODABLE = [(m, cls) for m, cls in GENERATED if not (m.kind == "release" and m.interface in ROOTS)]
FAKE_FD = 7  # descriptors are only carried, never used, by the codec


# --- a generic sampler over wire types ------------------------------------------------------


def sample(t: w.WireType, seed: int, present: bool):
    """A valid value of `t`; `present` says whether optional members are filled in."""
    if isinstance(t, w.Scalar):
        if t.name == "bool":
            return seed % 2 == 1
        if t.name.startswith("f"):
            return 1.5 + seed
        if t.name == "i128":
            return -(2**70) - seed
        bits = int(t.name[1:])
        return (1 << (bits - 1 if t.name.startswith("i") else min(bits, 53) - 1)) - 1 - seed
    if isinstance(t, w.Enum):
        return t.values[seed % len(t.values)]
    if isinstance(t, w.Handle):
        return None if t.nullable and not present else rt.Handle(seed + 1, seed + 2)
    if isinstance(t, w.SharedMemoryRef):
        return rt.SharedMemoryClaim(FAKE_FD, 4096 + seed)
    if isinstance(t, w.String):
        return f"s{seed}é"
    if isinstance(t, w.Bytes):
        if seed % 3 == 2:
            return rt.SharedMemoryClaim(FAKE_FD, rt.MAX_INLINE_BYTES + 1 + seed)
        return bytes(range(seed % 13))
    if isinstance(t, w.Array):
        return tuple(sample(t.element, seed + i, present) for i in range(min(3, t.max_count)))
    if isinstance(t, w.Record):
        return {f"key{i}": sample(t.value, seed + i, present) for i in range(2)}
    assert isinstance(t, w.StructRef) and t.derived, t
    return sample_struct(STRUCTS[t.name], getattr(gen, class_name(t.name)), seed, present)


def sample_struct(s: w.WireStruct, cls: type, seed: int, present: bool):
    values = {}
    for f in s.fields:
        absent = f.optional and not present
        values[py_name(f.name)] = None if absent else sample(f.type, seed + f.index, present)
    return cls(**values)


def encode(message) -> tuple[bytes, list[int]]:
    writer = rt.MessageWriter()
    if getattr(message, "EXPECTS_REPLY", False):
        message.encode(writer, request_id=9)
    else:
        message.encode(writer)
    return writer.finish()


def decode(payload: bytes, fds=(), *, command: bool = False):
    reader = rt.MessageReader(payload, fds)
    if command:
        found = gen.read_command(reader)
        assert gen.read_command(reader) is None
        return found
    header, message = gen.read_message(reader)
    assert gen.read_message(reader) is None
    reader.finish()
    return message


def is_command(m: w.WireMessage) -> bool:
    return m.kind == "command"


# --- round trips ------------------------------------------------------------------------------


def test_every_message_and_command_is_generated_except_the_pending_ones():
    missing = {m.name for m in WIRE.messages + WIRE.commands} - {m.name for m, _ in GENERATED}
    assert missing == {"NPUGraphBuilder.build"}  # GraphDescription: docs/wire.md §5, not yet


@pytest.mark.parametrize("present", [True, False], ids=["optionals-present", "optionals-absent"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("m", "cls"), DECODABLE, ids=[m.name for m, _ in DECODABLE])
def test_round_trip(m, cls, seed, present):
    message = sample_struct(m.request, cls, seed, present)
    payload, fds = encode(message)
    decoded = decode(payload, fds, command=is_command(m))
    assert decoded == message
    again, again_fds = encode(decoded)
    assert again == payload and again_fds == fds


# --- docs/wire.md §6 --------------------------------------------------------------------------


def doc_bytes(marker: str) -> bytes:
    """The hex dump in docs/wire.md's code block after `marker`, without the frame line."""
    doc = (ROOT / "docs/wire.md").read_text()
    block = doc[doc.index(marker) :].split("```")[1]
    data = bytearray()
    for line in block.splitlines():
        found = re.match(r"\s*(?:msg|cmd)?\s*([0-9a-f]{2}): ((?:[0-9a-f]{2} +){1,8})", line + " ")
        if not found or line.lstrip().startswith("frame"):
            continue
        assert int(found[1], 16) == len(data), line
        data += bytes.fromhex(found[2])
    return bytes(data)


def test_create_buffer_example_encodes_to_the_documented_bytes():
    message = gen.NPUDeviceCreateBuffer(
        self_=rt.Handle(1, 1),
        result=rt.Handle(1, 1),
        descriptor=gen.NPUBufferDescriptor(
            label="",
            size=1024,
            tensor=gen.NPUTensorDescriptor(data_type="float32", shape=(16, 16)),
            usage=0x18,
        ),
    )
    expected = doc_bytes("**`device.createBuffer(")
    assert len(expected) == 80
    assert encode(message) == (expected, [])
    assert decode(expected) == message


def test_dispatch_example_encodes_to_the_documented_bytes():
    command = gen.NPUCommandEncoderDispatch(
        graph=rt.Handle(1, 1), inputs={"x": rt.Handle(1, 1)}, outputs={"y": rt.Handle(2, 1)}
    )
    expected = doc_bytes("**`encoder.dispatch(")
    assert len(expected) == 64
    assert encode(command) == (expected, [])
    assert decode(expected, command=True) == command


# --- bad messages -----------------------------------------------------------------------------


def kind_of(payload: bytes, *, command: bool = False) -> BadMessageKind:
    with pytest.raises(BadMessage) as caught:
        decode(payload, command=command)
    return caught.value.kind


def header(ordinal: int, payload: bytes = b"", flags: int = 0, request_id: int = 0) -> bytes:
    return rt.MESSAGE_HEADER.pack(16 + len(payload), ordinal, flags, request_id) + payload


def test_unknown_ordinal_is_unknown_method():
    handle = struct.pack("<II", 1, 1)
    assert kind_of(header(0x00030063, handle)) == K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD
    assert kind_of(header(0x00630001, handle)) == K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD


def test_releasing_the_root_is_unknown_method():
    payload = header(0x00010000, struct.pack("<II", 1, 1))
    assert kind_of(payload) == K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD


def test_a_command_ordinal_at_top_level_and_a_message_in_a_stream_are_unknown():
    dispatch = doc_bytes("**`encoder.dispatch(")
    top = header(0x00080002, dispatch[8:])
    assert kind_of(top) == K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD
    destroy = rt.COMMAND_HEADER.pack(16, 0x00030002) + struct.pack("<II", 1, 1)
    assert kind_of(destroy, command=True) == K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD


def test_reply_flags_must_match_the_method_kind():
    destroy = header(
        0x00030002, struct.pack("<II", 1, 1), flags=rt.FLAG_EXPECTS_REPLY, request_id=3
    )
    assert kind_of(destroy) == K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS
    pop = header(0x00030008, struct.pack("<II", 1, 1))
    assert kind_of(pop) == K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS


def test_out_of_range_enum_is_unknown_enum_value():
    data = bytearray(doc_bytes("**`device.createBuffer("))
    assert data[0x38] == 0  # tensor.dataType
    data[0x38] = len(gen.NPU_DATA_TYPE)
    assert kind_of(bytes(data)) == K.VALIDATION_ERROR_UNKNOWN_ENUM_VALUE


def test_presence_bits_beyond_the_optional_members_are_rejected():
    data = bytearray(doc_bytes("**`device.createBuffer("))
    data[0x28] = 0b11
    assert kind_of(bytes(data)) == K.VALIDATION_ERROR_DESERIALIZATION_FAILED


def test_duplicate_record_keys_are_rejected():
    stream = bytearray(doc_bytes("**`encoder.dispatch("))
    stream[0x3C] = ord("x")  # outputs' key "y" -> "x" is fine on its own...
    assert decode(bytes(stream), command=True).outputs == {"x": rt.Handle(2, 1)}
    entry = stream[0x18:0x28]  # ...but two "x" entries in one record are not
    doubled = stream[:0x10] + struct.pack("<II", 2, 0) + entry + entry + stream[0x28:]
    doubled[0:4] = struct.pack("<I", len(doubled))
    assert kind_of(bytes(doubled), command=True) == K.VALIDATION_ERROR_DESERIALIZATION_FAILED


@pytest.mark.parametrize(("m", "cls"), DECODABLE, ids=[m.name for m, _ in DECODABLE])
def test_truncations_raise_bad_message_only(m, cls):
    command = is_command(m)
    head = rt.COMMAND_HEADER_SIZE if command else rt.MESSAGE_HEADER_SIZE
    for present in (True, False):
        payload, fds = encode(sample_struct(m.request, cls, 1, present))
        for cut in range(len(payload)):
            # As sent (num_bytes now runs past the end), and with num_bytes patched to the cut
            # (8-aligned), so the payload's own reads run out.
            candidates = [payload[:cut]]
            if cut >= head and cut % 8 == 0:
                candidates.append(struct.pack("<I", cut) + payload[4:cut])
            for candidate in candidates:
                if command and not candidate:
                    continue  # an empty command stream is valid
                with pytest.raises(BadMessage):
                    decode(candidate, fds, command=command)
