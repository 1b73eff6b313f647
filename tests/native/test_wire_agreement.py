"""The C++ wire library (`native/`) and the Python codec agree byte for byte (docs/wire.md §7.1).

Shared vectors (tests/native/vectors.py, made from the wire model: every top-level type with
edge and seeded random values, every struct and union arm) are encoded by both codecs, which
must produce the same bytes; each decodes the other's bytes back to the vector's value and
encodes them again unchanged. Malformed frames (the table below, one or more per row of
docs/wire.md §3.5, with the kind that table names) are rejected by both with that kind, and
seeded mutations of every vector get the same answer from both: the same re-encoded bytes, or
the same bad-message kind.
"""

from __future__ import annotations

import json
import random
import re
import struct
from dataclasses import dataclass, replace

import pytest

from codegen.model import wire as w
from codegen.pipeline import load
from python_service.bad_message import BadMessageKind
from python_service.generated import wire as gen
from python_service.wire import runtime as rt
from tests.conftest import ROOT
from tests.native.harness import CppCodec, PythonCodec, build_driver, encode_top_level
from tests.native.vectors import PythonValues, Vector, cpp_vectors_source, make_vectors

WIRE = load([ROOT / "idl/webnpu.idl"]).wire
H = rt.Handle
K = BadMessageKind

# docs/wire.md §6, as values: the document's hex dumps are the expected bytes.
DOC_EXAMPLES = [
    Vector(
        "doc device.createBuffer",
        "message",
        "NPUDevice.createBuffer",
        "message",
        0,
        0,
        {
            "self": [1, 1],
            "result": [1, 1],
            "descriptor": {
                "label": "",
                "size": 1024,
                "tensor": {"dataType": "float32", "shape": [16, 16]},
                "usage": 0x18,
            },
        },
    ),
    Vector(
        "doc encoder.dispatch",
        "command",
        "NPUCommandEncoder.dispatch",
        "command",
        0,
        0,
        {"graph": [1, 1], "inputs": [["x", [1, 1]]], "outputs": [["y", [2, 1]]]},
    ),
]
VECTORS = make_vectors(WIRE) + DOC_EXAMPLES
VALUES = PythonValues(WIRE)
PY = PythonCodec(VALUES)


@pytest.fixture(scope="module")
def cpp() -> CppCodec:
    return CppCodec(build_driver(cpp_vectors_source(WIRE, VECTORS)))


@pytest.fixture(scope="module")
def cpp_encoded(cpp) -> list[str]:
    return cpp.encode(list(range(len(VECTORS))))


def hex_of(answer: str) -> bytes:
    status, data, _ = answer.split(" ")
    assert status == "ok", answer
    return b"" if data == "-" else bytes.fromhex(data)


# --- coverage of the vectors ------------------------------------------------------------------


def _types_in(t: w.WireType, value, seen: set[str], structs) -> None:
    if value is None:
        return
    if isinstance(t, w.StructRef):
        _struct_in(structs[t.name], value, seen, structs)
    elif isinstance(t, w.Array):
        for item in value:
            _types_in(t.element, item, seen, structs)
    elif isinstance(t, w.Record):
        for _key, item in value:
            _types_in(t.value, item, seen, structs)
    elif isinstance(t, w.Union):
        seen.add(f"{t.name} arm {value['tag']}")
        arm = next(a for a in t.arms if a.tag == value["tag"])
        _types_in(arm.type, value["value"], seen, structs)
    elif isinstance(t, w.Bytes):
        seen.add("Bytes " + next(iter(value)))


def _struct_in(s: w.WireStruct, value, seen: set[str], structs) -> None:
    seen.add(s.name)
    for f in s.fields:
        if value[f.name] is not None and f.optional:
            seen.add(f"{s.name}.{f.name} present")
        _types_in(f.type, value[f.name], seen, structs)


def test_the_vectors_cover_every_type_struct_union_arm_and_optional_member():
    structs = {s.name: s for s in WIRE.structs}
    seen: set[str] = set()
    for v in VECTORS:
        seen.add(f"{v.category} {v.type}")
        if v.category == "reply":
            ((arm, value),) = v.value.items()
            seen.add(f"Settled {arm}")
            m = VALUES.replies[v.type]
            _struct_in(m.reply if arm == "resolved" else structs["Rejection"], value, seen, structs)
        elif v.category == "event":
            _struct_in(VALUES.events[v.type].struct, v.value, seen, structs)
        else:
            _struct_in(VALUES.requests[v.type].request, v.value, seen, structs)
    roots = {i.name for i in WIRE.interfaces if i.root}
    wanted = {f"control {m.name}" for m in WIRE.control}
    wanted |= {
        f"message {m.name}"
        for m in WIRE.messages
        if not (m.kind == "release" and m.interface in roots)
    }
    wanted |= {f"command {m.name}" for m in WIRE.commands}
    wanted |= {f"reply {m.name}" for m in WIRE.messages if m.reply is not None}
    wanted |= {f"event {e.name}" for e in WIRE.events}
    wanted |= {"Settled resolved", "Settled rejected", "Bytes inline", "Bytes shared"}
    wanted |= {s.name for s in WIRE.structs}
    for s in structs.values():
        for f in s.fields:
            if f.optional:
                wanted.add(f"{s.name}.{f.name} present")
            if isinstance(f.type, w.Union):
                wanted |= {f"{f.type.name} arm {a.tag}" for a in f.type.arms}
            if isinstance(f.type, w.Array) and isinstance(f.type.element, w.Union):
                wanted |= {f"{f.type.element.name} arm {a.tag}" for a in f.type.element.arms}
    assert wanted - seen == set()


def test_the_vectors_are_json():
    """They are plain JSON, readable by any other implementation."""
    text = json.dumps([v.as_json() for v in VECTORS], ensure_ascii=False)
    assert [Vector(**v) for v in json.loads(text)] == VECTORS


# --- byte-for-byte agreement ------------------------------------------------------------------


def test_cpp_and_python_encode_every_vector_to_the_same_bytes(cpp_encoded):
    mismatched = [
        (v.name, mine, theirs)
        for v, mine, theirs in zip(VECTORS, cpp_encoded, map(PY.encode, VECTORS), strict=True)
        if mine != theirs or not mine.startswith("ok ")
    ]
    assert mismatched == []


def test_the_documented_examples_encode_to_the_documented_bytes(cpp_encoded):
    def doc_bytes(marker: str) -> bytes:
        doc = (ROOT / "docs/wire.md").read_text()
        block = doc[doc.index(marker) :].split("```")[1]
        data = bytearray()
        for line in block.splitlines():
            found = re.match(
                r"\s*(?:msg|cmd)?\s*([0-9a-f]{2}): ((?:[0-9a-f]{2} +){1,8})", line + " "
            )
            if found and not line.lstrip().startswith("frame"):
                data += bytes.fromhex(found[2])
        return bytes(data)

    index = {v.name: i for i, v in enumerate(VECTORS)}
    create = cpp_encoded[index["doc device.createBuffer"]]
    dispatch = cpp_encoded[index["doc encoder.dispatch"]]
    assert hex_of(create) == doc_bytes("**`device.createBuffer(")
    assert hex_of(dispatch) == doc_bytes("**`encoder.dispatch(")


def assert_python_reads_and_rewrites(encoded: list) -> None:
    """Another codec's encoding of every vector (`encoded`, in VECTORS order) decodes in Python
    to the vector's value and re-encodes to the same bytes (the JS agreement test uses it too)."""
    for v, answer in zip(VECTORS, encoded, strict=True):
        frame = hex_of(answer)
        found = PY.decode_objects(v.context, v.fds, v.request_id, frame)
        assert len(found) == 1, v.name
        assert VALUES.top_level_json(v, found[0][1]) == v.value, v.name
        assert PY.decode(v.context, v.fds, v.request_id, frame) == answer, v.name


def test_python_decodes_the_cpp_bytes_to_the_vector_and_reencodes_them(cpp_encoded):
    assert_python_reads_and_rewrites(cpp_encoded)


def test_cpp_decodes_the_python_bytes_and_reencodes_them_identically(cpp):
    python_answers = [PY.encode(v) for v in VECTORS]
    frames = [
        (v.context, v.fds, v.request_id, hex_of(a))
        for v, a in zip(VECTORS, python_answers, strict=True)
    ]
    assert cpp.decode(frames) == python_answers


def test_several_messages_in_one_frame_share_its_descriptors(cpp):
    """A frame batches messages (§3.1); descriptor indices run on across all of them."""
    batch = [v for v in VECTORS if v.context == "message" and v.fds]
    assert len(batch) >= 3
    writer = rt.MessageWriter()
    for v in batch:
        # Each vector numbers its descriptors from 0; in the batch they follow the ones before.
        shifted = _shift_descriptors(v.value, len(writer.fds))
        encode_top_level(writer, VALUES.top_level(replace(v, value=shifted)), v.request_id)
    frame, fds = writer.finish()
    (answer,) = cpp.decode([("message", len(fds), 0, frame)])
    assert answer == PY.decode("message", len(fds), 0, frame)
    assert hex_of(answer) == frame


def _shift_descriptors(node, first: int):
    if isinstance(node, dict):
        if set(node) == {"fd", "size"}:
            return {"fd": node["fd"] + first, "size": node["size"]}
        return {k: _shift_descriptors(x, first) for k, x in node.items()}
    if isinstance(node, list):
        return [_shift_descriptors(x, first) for x in node]
    return node


# --- bad messages -----------------------------------------------------------------------------


def _encode(message, request_id: int = 0) -> bytes:
    writer = rt.MessageWriter()
    encode_top_level(writer, message, request_id)
    return writer.finish()[0]


def _put(data: bytes, offset: int, fmt: str, *values) -> bytes:
    out = bytearray(data)
    struct.pack_into("<" + fmt, out, offset, *values)
    return bytes(out)


PUSH = _encode(gen.NPUDevicePushErrorScope(self_=H(1, 1), filter="validation"))  # 32 bytes
POP = _encode(gen.NPUDevicePopErrorScope(self_=H(1, 1)), request_id=5)
LABEL = _encode(gen.NPUDeviceLabel(self_=H(1, 1), value="abc"))  # string at 24
SUBMIT = _encode(gen.NPUQueueSubmit(self_=H(1, 1), command_buffers=(H(1, 1),)))
WRITE = _encode(  # fixed part "<QQQIIIII" at 16: bufferOffset, dataOffset, size, presence...
    gen.NPUQueueWriteBuffer(
        self_=H(1, 1), buffer=H(2, 1), buffer_offset=0, data=b"", data_offset=0, size=None
    )
)
WRITE_SHARED = _encode(
    gen.NPUQueueWriteBuffer(
        self_=H(1, 1),
        buffer=H(2, 1),
        buffer_offset=0,
        data=rt.SharedMemoryClaim(0, rt.MAX_INLINE_BYTES + 1),
        data_offset=0,
        size=None,
    )
)  # Bytes at 64: tag, then {index @72, reserved @76, size @80}
CREATE = _encode(  # docs/wire.md §6: tensor.shape's count at 0x40
    gen.NPUDeviceCreateBuffer(
        self_=H(1, 1),
        result=H(1, 1),
        descriptor=gen.NPUBufferDescriptor(
            label="",
            size=1024,
            tensor=gen.NPUTensorDescriptor(data_type="float32", shape=(16, 16)),
            usage=0x18,
        ),
    )
)
DISPATCH = _encode(
    gen.NPUCommandEncoderDispatch(
        graph=H(1, 1), inputs={"x": H(1, 1), "y": H(2, 1)}, outputs={"z": H(3, 1)}
    )
)  # inputs: count @16, pad @20, entries of 16 bytes from @24 (value, key); "y" @52
HELLO = _encode(gen.ConnectionHello(schema_hash=gen.SCHEMA_HASH))


def _build(op) -> bytes:
    """`build` with one operation and no inputs or constants: the op's tag is at 56, its
    struct at 64."""
    graph = gen.GraphDescription(
        inputs=(), constants=(), operations=(op,), outputs=(), constant_data=b""
    )
    message = gen.NPUGraphBuilderBuild(self_=H(1, 1), result=H(1, 1), graph=graph)
    return _encode(message, request_id=3)


GEMM = _build(  # fixed "<ddIIIIBB": alpha @64, aTranspose @96
    gen.GraphOpGemm(
        output_id=4,
        label="",
        a=1,
        b=2,
        a_transpose=False,
        alpha=1.0,
        b_transpose=False,
        beta=1.0,
        c=0,
    )
)
CLAMP = _build(  # fixed part 16 bytes @64, label @80, maxValue's tag @88
    gen.GraphOpClamp(output_id=2, label="", input=1, max_value=6.0, min_value=None)
)
POP_REPLY = _encode(gen.NPUDevicePopErrorScopeReply(gen.NPUDevicePopErrorScopeResolved(None)), 9)
REJECTED = _encode(
    gen.NPUDevicePopErrorScopeReply(gen.Rejection(exception="OperationError", message="")), 9
)  # Settled tag @16, Rejection.exception @24
MAP_REPLY = _encode(
    gen.NPUBufferMapAsyncReply(gen.NPUBufferMapAsyncResolved(rt.SharedMemoryClaim(0, 4096))), 9
)
LOST = _encode(
    gen.NPUDeviceLostEvent(
        self_=H(1, 1), info=gen.NPUDeviceLostInfo(reason="destroyed", message="")
    )
)


@dataclass(frozen=True)
class Bad:
    name: str
    frame: bytes
    kind_name: str  # a VALIDATION_ERROR_ kind, without the prefix
    context: str = "message"
    fds: int = 0
    pending: int = 0

    @property
    def kind(self) -> BadMessageKind:
        return K["VALIDATION_ERROR_" + self.kind_name]


BAD = [
    # framing and headers
    Bad("empty frame", b"", "UNEXPECTED_STRUCT_HEADER"),
    Bad("half a header", PUSH[:8], "ILLEGAL_MEMORY_RANGE"),
    Bad("num_bytes not a multiple of 8", _put(PUSH, 0, "I", 28), "MISALIGNED_OBJECT"),
    Bad("num_bytes past the frame", _put(PUSH, 0, "I", 40), "ILLEGAL_MEMORY_RANGE"),
    Bad("num_bytes below the header", _put(PUSH, 0, "I", 8), "UNEXPECTED_STRUCT_HEADER"),
    Bad("payload cut short", _put(LABEL, 0, "I", 24)[:24], "ILLEGAL_MEMORY_RANGE"),
    Bad("bytes left over", _put(PUSH + bytes(8), 0, "I", 40), "UNEXPECTED_STRUCT_HEADER"),
    Bad("second header cut short", PUSH + PUSH[:12], "ILLEGAL_MEMORY_RANGE"),
    # ordinals
    Bad("unknown method", _put(PUSH, 4, "I", 0x00030063), "MESSAGE_HEADER_UNKNOWN_METHOD"),
    Bad("unknown interface", _put(PUSH, 4, "I", 0x00630001), "MESSAGE_HEADER_UNKNOWN_METHOD"),
    Bad("a command at top level", _put(PUSH, 4, "I", 0x00080002), "MESSAGE_HEADER_UNKNOWN_METHOD"),
    Bad(
        "a message in a command stream",
        _put(DISPATCH, 4, "I", 0x00030002),
        "MESSAGE_HEADER_UNKNOWN_METHOD",
        "command",
    ),
    Bad("hello after the first message", PUSH + HELLO, "MESSAGE_HEADER_UNKNOWN_METHOD"),
    Bad("hello not first", PUSH + HELLO, "MESSAGE_HEADER_UNKNOWN_METHOD", "hello"),
    Bad(
        "release of the root",
        _put(PUSH[:24], 0, "II", 24, 0x00010000),
        "MESSAGE_HEADER_UNKNOWN_METHOD",
    ),
    # flags and request ids
    Bad("unknown flag bit", _put(PUSH, 8, "II", 4, 0), "MESSAGE_HEADER_INVALID_FLAGS"),
    Bad("both reply flags", _put(PUSH, 8, "II", 3, 1), "MESSAGE_HEADER_INVALID_FLAGS"),
    Bad("EXPECTS_REPLY on a send", _put(PUSH, 8, "II", 1, 5), "MESSAGE_HEADER_INVALID_FLAGS"),
    Bad(
        "a reply method without EXPECTS_REPLY",
        _put(POP, 8, "II", 0, 0),
        "MESSAGE_HEADER_INVALID_FLAGS",
    ),
    Bad("IS_REPLY from the client", _put(PUSH, 8, "II", 2, 5), "MESSAGE_HEADER_INVALID_FLAGS"),
    Bad("a request id without a flag", _put(PUSH, 8, "II", 0, 5), "MESSAGE_HEADER_INVALID_FLAGS"),
    Bad(
        "EXPECTS_REPLY with request id 0",
        _put(POP, 12, "I", 0),
        "MESSAGE_HEADER_MISSING_REQUEST_ID",
    ),
    # values
    Bad("enum index out of range", _put(PUSH, 24, "I", 3), "UNKNOWN_ENUM_VALUE"),
    Bad("non-zero tail padding of a fixed part", _put(PUSH, 28, "B", 1), "DESERIALIZATION_FAILED"),
    Bad("non-zero string padding", _put(LABEL, 31, "B", 1), "DESERIALIZATION_FAILED"),
    Bad("invalid UTF-8", _put(LABEL, 28, "B", 0xFF), "DESERIALIZATION_FAILED"),
    Bad("a UTF-8 surrogate", _put(LABEL, 28, "BBB", 0xED, 0xA0, 0x80), "DESERIALIZATION_FAILED"),
    Bad("an overlong UTF-8 form", _put(LABEL, 28, "BB", 0xC0, 0xAF), "DESERIALIZATION_FAILED"),
    Bad(
        "UTF-8 above U+10FFFF",
        _put(_put(LABEL, 24, "I", 4), 28, "BBBB", 0xF4, 0x90, 0x80, 0x80),
        "DESERIALIZATION_FAILED",
    ),
    Bad("string over its cap", _put(LABEL, 24, "I", 65537), "UNEXPECTED_ARRAY_HEADER"),
    Bad("string past the message", _put(LABEL, 24, "I", 100), "ILLEGAL_MEMORY_RANGE"),
    Bad(
        "presence bit beyond the optional members",
        _put(WRITE, 40, "I", 2),
        "DESERIALIZATION_FAILED",
    ),
    Bad("absent optional field not zero", _put(WRITE, 32, "Q", 5), "DESERIALIZATION_FAILED"),
    Bad("[EnforceRange] above 2^53 - 1", _put(WRITE, 16, "Q", 2**53), "DESERIALIZATION_FAILED"),
    Bad("bool not 0 or 1", _put(GEMM, 96, "B", 2), "DESERIALIZATION_FAILED"),
    Bad(
        "restricted double not finite", _put(GEMM, 64, "d", float("inf")), "DESERIALIZATION_FAILED"
    ),
    Bad("restricted double NaN", _put(GEMM, 64, "d", float("nan")), "DESERIALIZATION_FAILED"),
    Bad("hello's reserved field", _put(HELLO, 24, "Q", 1), "DESERIALIZATION_FAILED", "hello"),
    # handles
    Bad("null handle", _put(PUSH, 16, "II", 0, 1), "UNEXPECTED_NULL_POINTER"),
    Bad("null handle in an array", _put(SUBMIT, 28, "II", 0, 0), "UNEXPECTED_NULL_POINTER"),
    # arrays, records, unions
    Bad("count over its cap", _put(CREATE, 64, "I", 9), "UNEXPECTED_ARRAY_HEADER"),
    Bad("count beyond the bytes left", _put(CREATE, 64, "I", 8), "UNEXPECTED_ARRAY_HEADER"),
    Bad(
        "non-zero padding after a count",
        _put(DISPATCH, 20, "I", 1),
        "DESERIALIZATION_FAILED",
        "command",
    ),
    Bad(
        "duplicate record key",
        _put(DISPATCH, 52, "B", ord("x")),
        "DESERIALIZATION_FAILED",
        "command",
    ),
    Bad("unknown Bytes arm", _put(WRITE, 64, "I", 2), "UNKNOWN_UNION_TAG"),
    Bad("inline Bytes over 64 KiB", _put(WRITE, 72, "I", 65537), "UNEXPECTED_ARRAY_HEADER"),
    Bad("unknown graph operation", _put(GEMM, 56, "I", 99), "UNKNOWN_UNION_TAG"),
    Bad("unknown NPUNumber arm", _put(CLAMP, 88, "I", 2), "UNKNOWN_UNION_TAG"),
    Bad("non-zero padding after a union tag", _put(CLAMP, 92, "I", 1), "DESERIALIZATION_FAILED"),
    # descriptors
    Bad(
        "small data in shared memory",
        _put(WRITE_SHARED, 80, "Q", 100),
        "DESERIALIZATION_FAILED",
        fds=1,
    ),
    Bad(
        "no descriptor where one is required",
        _put(WRITE_SHARED, 72, "I", 0xFFFFFFFF),
        "UNEXPECTED_INVALID_HANDLE",
        fds=1,
    ),
    Bad(
        "descriptor index beyond the frame's",
        _put(WRITE_SHARED, 72, "I", 1),
        "ILLEGAL_HANDLE",
        fds=1,
    ),
    Bad("descriptor skipped", _put(WRITE_SHARED, 72, "I", 1), "ILLEGAL_HANDLE", fds=2),
    Bad("descriptor claimed twice", WRITE_SHARED + WRITE_SHARED, "ILLEGAL_HANDLE", fds=2),
    Bad("descriptor left unclaimed", PUSH, "ILLEGAL_HANDLE", fds=1),
    Bad(
        "SharedMemoryRef.reserved not zero",
        _put(WRITE_SHARED, 76, "I", 1),
        "DESERIALIZATION_FAILED",
        fds=1,
    ),
    # commands
    Bad(
        "command num_bytes below its header",
        _put(DISPATCH, 0, "I", 0),
        "UNEXPECTED_STRUCT_HEADER",
        "command",
    ),
    Bad("half a command header", DISPATCH + bytes(4), "ILLEGAL_MEMORY_RANGE", "command"),
    # the service's messages, as the renderer reads them
    Bad(
        "reply to a request id not pending",
        POP_REPLY,
        "MESSAGE_HEADER_MISSING_REQUEST_ID",
        "service",
        pending=5,
    ),
    Bad(
        "reply with request id 0",
        _put(POP_REPLY, 12, "I", 0),
        "MESSAGE_HEADER_MISSING_REQUEST_ID",
        "service",
        pending=9,
    ),
    Bad(
        "reply to a method without one",
        _put(POP_REPLY, 4, "I", 0x00030003),
        "MESSAGE_HEADER_UNKNOWN_METHOD",
        "service",
        pending=9,
    ),
    Bad(
        "the service expecting a reply",
        _put(LOST, 8, "II", 1, 9),
        "MESSAGE_HEADER_INVALID_FLAGS",
        "service",
    ),
    Bad(
        "unknown event", _put(LOST, 4, "I", 0x00038009), "MESSAGE_HEADER_UNKNOWN_METHOD", "service"
    ),
    Bad(
        "unknown Settled arm",
        _put(POP_REPLY, 16, "I", 2),
        "UNKNOWN_UNION_TAG",
        "service",
        pending=9,
    ),
    Bad(
        "rejection exception out of range",
        _put(REJECTED, 24, "I", 4),
        "UNKNOWN_ENUM_VALUE",
        "service",
        pending=9,
    ),
    Bad("mapping without its descriptor", MAP_REPLY, "ILLEGAL_HANDLE", "service", pending=9),
]
# Kinds no decoder raises: the channel's (frame size, descriptor count, EOF, MSG_CTRUNC), the
# service's object tables, and the Mojo kinds with nothing to check here (docs/wire.md §3.5).
NOT_DECODE_ERRORS = {
    K.WEBNPU_ERROR_MESSAGE_TOO_LARGE,
    K.WEBNPU_ERROR_TOO_MANY_HANDLES,
    K.WEBNPU_ERROR_MESSAGE_TRUNCATED,
    K.WEBNPU_ERROR_CONTROL_DATA_TRUNCATED,
    K.WEBNPU_ERROR_ILLEGAL_OBJECT_ID,
    K.VALIDATION_ERROR_ILLEGAL_POINTER,
    K.VALIDATION_ERROR_DIFFERENT_SIZED_ARRAYS_IN_MAP,
    K.VALIDATION_ERROR_MAX_RECURSION_DEPTH,
}


def test_the_bad_message_table_covers_every_decode_error_kind():
    assert set(K) - NOT_DECODE_ERRORS - {b.kind for b in BAD} == set()


def test_the_cpp_kinds_are_the_python_kinds():
    header = (ROOT / "native/runtime/bad_message.h").read_text()
    body = header[header.index("enum class BadMessageKind") :].split("};")[0]
    names = re.findall(r"^\s+([A-Z_]+),", body, re.M)
    assert names == ["VALIDATION_ERROR_NONE"] + [k.name for k in K]


def test_both_decoders_reject_each_bad_message_with_its_kind(cpp):
    cpp_answers = cpp.decode([(b.context, b.fds, b.pending, b.frame) for b in BAD])
    results = [
        (b.name, mine, PY.decode(b.context, b.fds, b.pending, b.frame), f"bad {b.kind.name}")
        for b, mine in zip(BAD, cpp_answers, strict=True)
    ]
    assert [r for r in results if not r[1] == r[2] == r[3]] == []


# --- mutations ------------------------------------------------------------------------------

INTERESTING_U32 = (0, 1, 2, 3, 7, 8, 9, 0xFF, 0x8000, 0x10000, 0x10001, 0x7FFFFFFF, 0xFFFFFFFF)


def mutations(v: Vector, frame: bytes, rng: random.Random, count: int):
    """Seeded malformations of a valid frame: flipped bytes, interesting u32 values at aligned
    offsets, truncations (with and without a matching num_bytes), extra bytes, a descriptor
    count off by one, and a reply nobody waits for."""
    for _ in range(count):
        data = bytearray(frame)
        fds, pending = v.fds, v.request_id
        choice = rng.randrange(7)
        if choice == 0 and data:
            data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
        elif choice == 1 and len(data) >= 4:
            struct.pack_into(
                "<I", data, 4 * rng.randrange(len(data) // 4), rng.choice(INTERESTING_U32)
            )
        elif choice == 2:
            data = data[: 8 * rng.randrange(len(data) // 8 + 1)]
        elif choice == 3 and len(data) > 16:
            data = data[: 8 * rng.randrange(2, len(data) // 8)]
            struct.pack_into("<I", data, 0, len(data))
        elif choice == 4:
            data += bytes(8)
            struct.pack_into("<I", data, 0, len(data))
        elif choice == 5:
            fds = max(0, fds + rng.choice((-1, 1)))
        else:
            pending = 0
        yield v.context, fds, pending, bytes(data)


def test_both_decoders_give_the_same_answer_for_every_mutated_vector(cpp, cpp_encoded):
    rng = random.Random(20260521)
    frames = []
    for v, answer in zip(VECTORS, cpp_encoded, strict=True):
        frames += mutations(v, hex_of(answer), rng, 24)
    cpp_answers = cpp.decode(frames)
    differing = []
    accepted = 0
    for frame, mine in zip(frames, cpp_answers, strict=True):
        theirs = PY.decode(*frame)
        if mine != theirs:
            differing.append((frame[0], frame[1], frame[2], frame[3].hex(), mine, theirs))
        elif mine.startswith("ok "):
            accepted += 1
            assert hex_of(mine) == frame[3], "a decoded frame must encode back to itself"
    assert differing == []
    # The mutations must mostly be caught, or the test compares nothing but accepted frames.
    assert accepted < len(frames) // 2
