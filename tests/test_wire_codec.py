"""The generated wire codec (`python_service/generated/wire.py`, target `python`).

Every generated message and command round-trips with values sampled from its wire types (taken
from the wire model, so a new message is covered without touching this file); docs/wire.md §6's
worked examples encode to exactly the document's bytes; and malformed input raises
`BadMessage` of the right kind and nothing else.
"""

from __future__ import annotations

import math
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
    if isinstance(t, w.Union):
        arm = t.arms[seed % len(t.arms)]
        if arm.type.fixed:
            return (
                float("-inf")
                if arm.type.name == "f64" and seed % 4 == 3
                else sample(arm.type, seed, present)
            )
        return sample(arm.type, seed, present)
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


def test_every_message_and_command_is_generated():
    missing = {m.name for m in WIRE.messages + WIRE.commands} - {m.name for m, _ in GENERATED}
    assert missing == set()


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


def hello_kind(payload: bytes) -> BadMessageKind:
    with pytest.raises(BadMessage) as caught:
        gen.read_hello(rt.MessageReader(payload))
    return caught.value.kind


def test_hello_bytes_and_checks():
    """docs/wire.md §2.4: `hello` is 0x00000001 with {u64 schema_hash, u64 reserved = 0}; only
    `read_hello` (a connection's first message) accepts it."""
    hello = gen.ConnectionHello(gen.SCHEMA_HASH)
    payload, fds = encode(hello)
    assert payload == header(0x00000001, struct.pack("<QQ", gen.SCHEMA_HASH, 0)) and fds == []
    reader = rt.MessageReader(payload)
    assert gen.read_hello(reader) == hello and gen.read_message(reader) is None
    assert dict(gen.CONTROL) == {0x00000001: gen.ConnectionHello}
    assert 0x00000001 not in gen.MESSAGES
    # Anywhere but first, and anything else first, is an unknown method (§3.5).
    assert kind_of(payload) == K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD
    other = encode(gen.NPUDevicePushErrorScope(rt.Handle(1, 1), "validation"))[0]
    assert hello_kind(other + payload) == K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD
    reserved = header(0x00000001, struct.pack("<QQ", gen.SCHEMA_HASH, 1))
    assert hello_kind(reserved) == K.VALIDATION_ERROR_DESERIALIZATION_FAILED
    flagged = header(0x00000001, payload[16:], rt.FLAG_EXPECTS_REPLY, 1)
    assert hello_kind(flagged) == K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS
    assert hello_kind(header(0x00000001, payload[16:24])) == K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE
    assert hello_kind(b"") == K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER


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


# --- graph op structs and unions (docs/wire.md §3.3, §5) ---------------------------------------

GRAPH_OPS = [(op, gen.GRAPH_OPS[op.name]) for op in WIRE.graph_ops]
STRUCTS_BY_NAME = {s.name: s for s in WIRE.structs}


def build_message(operations) -> gen.NPUGraphBuilderBuild:
    graph = gen.GraphDescription((), (), tuple(operations), (), b"")
    return gen.NPUGraphBuilderBuild(self_=rt.Handle(1, 1), result=rt.Handle(1, 1), graph=graph)


@pytest.mark.parametrize("present", [True, False], ids=["optionals-present", "optionals-absent"])
@pytest.mark.parametrize(("op", "cls"), GRAPH_OPS, ids=[op.name for op, _ in GRAPH_OPS])
def test_every_graph_op_round_trips_inside_build(op, cls, present):
    assert op.number == cls.TAG and op.name == cls.OP
    message = build_message([sample_struct(op.struct, cls, seed, present) for seed in range(3)])
    payload, fds = encode(message)
    assert decode(payload, fds) == message
    assert encode(decode(payload, fds)) == (payload, fds)


def npu_number_payload(value) -> bytes:
    """A clamp op with `minValue` set, encoded; returns the build message bytes."""
    op = gen.GraphOpClamp(output_id=2, label="", input=1, max_value=None, min_value=value)
    return encode(build_message([op]))[0]


@pytest.mark.parametrize("value", [0, -(2**127), 2**127 - 1, 1.5, -math.inf, math.inf, -0.0])
def test_npu_number_round_trips_both_arms(value):
    decoded = decode(npu_number_payload(value)).graph.operations[0].min_value
    assert decoded == value and type(decoded) is type(value)
    if isinstance(value, float):
        assert math.copysign(1.0, decoded) == math.copysign(1.0, value)


def test_npu_number_union_tag_unknown_is_unknown_union_tag():
    payload = bytearray(npu_number_payload(2.5))
    arm = struct.pack("<d", 2.5)
    at = payload.index(arm) - 8  # the union's tag word precedes the double
    assert payload[at : at + 8] == struct.pack("<II", 1, 0)
    payload[at] = 2
    assert kind_of(bytes(payload)) == K.VALIDATION_ERROR_UNKNOWN_UNION_TAG
    payload[at : at + 8] = struct.pack("<II", 1, 1)  # the reserved word after the tag
    assert kind_of(bytes(payload)) == K.VALIDATION_ERROR_DESERIALIZATION_FAILED


def test_graph_operation_tag_unknown_is_unknown_union_tag():
    relu = gen.GraphOpRelu(output_id=2, label="", input=1)
    payload = bytearray(encode(build_message([relu]))[0])
    tag = struct.pack("<II", relu.TAG, 0)
    at = payload.index(tag)
    payload[at : at + 4] = struct.pack("<I", max(gen.GRAPH_OPS[o].TAG for o in gen.GRAPH_OPS) + 1)
    assert kind_of(bytes(payload)) == K.VALIDATION_ERROR_UNKNOWN_UNION_TAG
    payload[at : at + 4] = struct.pack("<I", 0)
    assert kind_of(bytes(payload)) == K.VALIDATION_ERROR_UNKNOWN_UNION_TAG


def test_the_build_message_is_graph_builder_ordinal_2_expecting_a_reply():
    assert gen.NPUGraphBuilderBuild.ORDINAL == 0x00060002
    assert gen.NPUGraphBuilderBuild.EXPECTS_REPLY


# --- replies and events (service to client, docs/wire.md §2.3, §3.1) --------------------------

REPLIES = [m for m in WIRE.messages if m.reply is not None]
EVENTS = list(WIRE.events)
PENDING = frozenset({9})


def reply_class(m: w.WireMessage) -> tuple[type, type]:
    return getattr(gen, class_name(m.name) + "Reply"), getattr(gen, class_name(m.name) + "Resolved")


def encode_reply(reply, request_id: int = 9) -> tuple[bytes, list[int]]:
    writer = rt.MessageWriter()
    reply.encode(writer, request_id)
    return writer.finish()


def decode_service(payload: bytes, fds=(), pending=PENDING):
    reader = rt.MessageReader(payload, fds)
    header, message = gen.read_service_message(reader, pending)
    assert gen.read_service_message(reader, pending) is None
    reader.finish()
    return header, message


def service_kind(payload: bytes, pending=PENDING) -> BadMessageKind:
    with pytest.raises(BadMessage) as caught:
        decode_service(payload, pending=pending)
    return caught.value.kind


def sample_replies(m: w.WireMessage, seed: int, present: bool):
    reply_cls, resolved_cls = reply_class(m)
    yield reply_cls(sample_struct(m.reply, resolved_cls, seed, present))
    yield reply_cls(gen.Rejection(exception=gen.REJECTION_EXCEPTION[seed % 4], message=f"no{seed}"))


def test_every_reply_and_event_is_generated_and_in_the_tables():
    assert set(gen.REPLIES) == {m.ordinal for m in REPLIES}
    assert set(gen.EVENTS) == {e.ordinal for e in EVENTS} == {0x00038001, 0x00038002}
    assert gen.EVENTS[0x00038001] is gen.NPUDeviceLostEvent
    assert gen.EVENTS[0x00038002] is gen.NPUDeviceUncapturederrorEvent
    for m in REPLIES:
        assert gen.REPLIES[m.ordinal] is reply_class(m)[0]


@pytest.mark.parametrize("present", [True, False], ids=["optionals-present", "optionals-absent"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("m", REPLIES, ids=[m.name for m in REPLIES])
def test_reply_round_trip(m, seed, present):
    for reply in sample_replies(m, seed, present):
        payload, fds = encode_reply(reply)
        header, decoded = decode_service(payload, fds)
        assert header.ordinal == m.ordinal and header.flags == rt.FLAG_IS_REPLY
        assert header.request_id == 9
        assert decoded == reply
        assert encode_reply(decoded) == (payload, fds)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("e", EVENTS, ids=[e.name for e in EVENTS])
def test_event_round_trip(e, seed):
    cls = gen.EVENTS[e.ordinal]
    event = sample_struct(e.struct, cls, seed, True)
    payload, fds = encode(event)
    header, decoded = decode_service(payload, fds, pending=frozenset())
    assert header == rt.MessageHeader(len(payload), e.ordinal, 0, 0)
    assert decoded == event


def test_value_structs_of_the_adapter_reply():
    resolved = gen.NPURequestAdapterResolved(
        features=gen.NPUSupportedFeatures(values=("tensor-int64",)),
        limits=gen.NPUSupportedLimits(*range(1, 10)),
        info=gen.NPUAdapterInfo(vendor="v", architecture="a", device="d", description="cpu"),
    )
    reply = gen.NPURequestAdapterReply(resolved)
    assert decode_service(encode_reply(reply)[0])[1] == reply
    no_adapter = gen.NPURequestAdapterReply(gen.NPURequestAdapterResolved(None, None, None))
    assert decode_service(encode_reply(no_adapter)[0])[1] == no_adapter


def lost_payload() -> bytes:
    lost = gen.NPUDeviceLostEvent(
        self_=rt.Handle(1, 1), info=gen.NPUDeviceLostInfo(reason="destroyed", message="")
    )
    return encode(lost)[0]


def pop_reply(request_id: int = 9) -> bytes:
    reply = gen.NPUDevicePopErrorScopeReply(gen.NPUDevicePopErrorScopeResolved(error=None))
    return encode_reply(reply, request_id)[0]


def test_a_reply_to_a_request_id_not_pending_is_missing_request_id():
    assert service_kind(pop_reply(8)) == K.VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID
    assert service_kind(pop_reply(9), frozenset()) == (
        K.VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID
    )


def test_a_reply_without_a_request_id_is_missing_request_id():
    data = bytearray(pop_reply())
    data[12:16] = bytes(4)
    assert service_kind(bytes(data)) == K.VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID


def test_reply_and_event_flags():
    data = bytearray(pop_reply())
    data[8] = rt.FLAG_EXPECTS_REPLY  # the service never expects a reply
    assert service_kind(bytes(data)) == K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS
    event = bytearray(lost_payload())
    event[8], event[12] = rt.FLAG_EXPECTS_REPLY, 9
    assert service_kind(bytes(event)) == K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS
    event[8] = rt.FLAG_IS_REPLY  # an event ordinal is no reply
    assert service_kind(bytes(event)) == K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD


def test_a_reply_to_a_send_method_and_an_unknown_event_are_unknown_method():
    destroy = header(0x00030002, struct.pack("<II", 0, 0), flags=rt.FLAG_IS_REPLY, request_id=9)
    assert service_kind(destroy) == K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD
    data = bytearray(lost_payload())
    data[4:8] = struct.pack("<I", 0x00038003)
    assert service_kind(bytes(data)) == K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD


def test_settled_tag_unknown_is_unknown_union_tag():
    data = bytearray(pop_reply())
    assert data[16:24] == struct.pack("<II", 0, 0)
    data[16] = 2
    assert service_kind(bytes(data)) == K.VALIDATION_ERROR_UNKNOWN_UNION_TAG


def test_rejection_exception_out_of_range_is_unknown_enum_value():
    rejected = gen.NPUDevicePopErrorScopeReply(gen.Rejection("OperationError", "empty"))
    data = bytearray(encode_reply(rejected)[0])
    assert data[24:28] == struct.pack("<I", 2)
    data[24] = 4
    assert service_kind(bytes(data)) == K.VALIDATION_ERROR_UNKNOWN_ENUM_VALUE


def _truncations(payload: bytes):
    for cut in range(len(payload)):
        yield payload[:cut]
        if cut >= rt.MESSAGE_HEADER_SIZE and cut % 8 == 0:
            yield struct.pack("<I", cut) + payload[4:cut]


@pytest.mark.parametrize("m", REPLIES, ids=[m.name for m in REPLIES])
def test_reply_truncations_raise_bad_message_only(m):
    for reply in sample_replies(m, 1, True):
        payload, fds = encode_reply(reply)
        for candidate in _truncations(payload):
            with pytest.raises(BadMessage):
                decode_service(candidate, fds)


@pytest.mark.parametrize("e", EVENTS, ids=[e.name for e in EVENTS])
def test_event_truncations_raise_bad_message_only(e):
    payload, _ = encode(sample_struct(e.struct, gen.EVENTS[e.ordinal], 1, True))
    for candidate in _truncations(payload):
        with pytest.raises(BadMessage):
            decode_service(candidate)
