"""Raw bytes → the generated wire decoder and the command-buffer validator's decode stage.

The first byte picks what the rest is: a client frame (a connection's first, starting with
`hello`, or a later one), a `finish`'s command stream, or a frame from the service (the client's
decoder). Its next bits say how many descriptors ride with the frame (never mapped: only
claimed). Expected: `BadMessage` (and a `GraphError` from a `build`'s graph). Invariants:

- canonical encoding (docs/wire.md §0.3): whatever decodes re-encodes to the same bytes, and
  claims the same descriptors in the same order;
- a decoded command stream resolves against an object table and passes through the
  validator's finish stage (`command_validator.resolve` / `validate_commands`) raising nothing
  but `BadMessage`.

Fast on purpose: no onnxruntime, no sockets, no shared memory. Coverage feedback comes from
the decode path only (`COVERAGE`): the reader, the generated `decode` methods and `read_*`
entry points, the validator's finish stage and `wire.graph.from_wire`. The encoder behind the
canonical check is an oracle and this module is plumbing: tracing them (as whole-package
instrumentation did) was 30% of the atheris callbacks per input and guided nothing.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script (libFuzzer, OSS-Fuzz): the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.harness import Finding, fuzz, instrument, is_fuzzer  # noqa: E402
from python_service.bad_message import BadMessage  # noqa: E402
from python_service.generated import wire as gen  # noqa: E402
from python_service.service import command_validator as cv  # noqa: E402
from python_service.service.objects import (  # noqa: E402
    BufferState,
    BufferUsage,
    GraphState,
    ObjectKind,
    ObjectTable,
)
from python_service.shared.graph import GraphError  # noqa: E402
from python_service.shared.tensors import OperandDescriptor  # noqa: E402
from python_service.wire import graph as wire_graph  # noqa: E402
from python_service.wire import runtime as rt  # noqa: E402

# What libFuzzer's coverage comes from (`fuzz.harness.instrument`): the code under test.
# Not traced: the writer and the generated `encode` methods (the canonical check's oracle),
# this module, error constructors (`rt.unknown_method`), the object table it builds once.
COVERAGE: tuple[object, ...] = (
    rt.MessageReader,
    # the runtime's checks and array readers the generated decoders call
    rt.check_bool,
    rt.check_enum,
    rt.check_enum_in,
    rt.check_finite,
    rt.check_enforce_range_u64,
    rt.check_zero,
    rt.check_presence,
    rt.check_absent_zero,
    rt.check_handle,
    rt.check_flags,
    rt.check_reply,
    rt.check_unique_keys,
    rt.read_handles,
    rt.read_enums,
    rt.read_strings,
    rt.read_items,
    rt.read_record,
    # the generated decoder: entry points, union readers, one `decode` per message and struct
    gen.read_hello,
    gen.read_message,
    gen.decode_message,
    gen.read_command,
    gen.read_service_message,
    gen.decode_service_message,
    gen._read_graph_operation,
    gen._read_npu_number,
    *(cls.decode for cls in vars(gen).values() if isinstance(cls, type) and hasattr(cls, "decode")),
    # what a session runs on a decoded message before anything executes
    cv.resolve,
    cv.validate_commands,
    *(f for name, f in vars(cv).items() if name.startswith("_check_")),
    cv._buffer,
    cv._bindings,
    ObjectTable.get,
    wire_graph.from_wire,
    wire_graph._constants,
    wire_graph._operation,
    wire_graph._descriptor,
    OperandDescriptor,
)
if is_fuzzer():
    instrument(COVERAGE)

MODES = ("first_frame", "frame", "command_stream", "service_frame")
# Stand-in descriptors: the decoder only claims them (by index), it never maps them.
_FDS = tuple(os.open(os.devnull, os.O_RDONLY) for _ in range(3))
# Request ids the client side has outstanding when it decodes a service frame.
_PENDING = frozenset(range(1, 9))
_DEVICE = rt.Handle(1, 1)


def _table() -> ObjectTable:
    """A client's table with a few objects for command streams to name: two buffers of
    16 bytes, one graph taking and giving float32 [4]."""
    table = ObjectTable()
    io = BufferUsage.INPUT | BufferUsage.OUTPUT | BufferUsage.COPY_SRC | BufferUsage.COPY_DST
    tensor = OperandDescriptor("float32", (4,))
    for object_id in (1, 2):
        table.create(ObjectKind.BUFFER, rt.Handle(object_id, 1), BufferState(_DEVICE, 16, io))
    graph = GraphState(_DEVICE, {"a": tensor}, {"y": tensor})
    table.create(ObjectKind.GRAPH, rt.Handle(1, 1), graph)
    return table


_TABLE = _table()


def _check_canonical(payload: bytes, fds: tuple[int, ...], decoded: list) -> None:
    w = rt.MessageWriter()
    for header, message in decoded:
        if header.request_id:
            message.encode(w, header.request_id)
        else:
            message.encode(w)
    again, claimed = w.finish()
    if again != payload or tuple(claimed) != fds:
        raise Finding(
            f"not canonical: {len(payload)} bytes decoded to {decoded!r}, which encode to "
            f"{len(again)} different bytes (docs/wire.md §0.3)"
        )


def _command_stream(stream: bytes) -> None:
    reader = rt.MessageReader(stream)
    commands = []
    while (command := gen.read_command(reader)) is not None:
        commands.append(command)
    reader.finish()
    w = rt.MessageWriter()
    for command in commands:
        command.encode(w)
    if w.finish()[0] != stream:
        raise Finding(f"command stream not canonical: {commands!r}")
    resolved = cv.resolve(_TABLE, commands)
    problem = cv.validate_commands(_DEVICE, resolved, cv.CommandLimits())
    if problem is not None and not isinstance(problem, str):
        raise Finding(f"validate_commands returned {problem!r}, not a message")


def _inner(message: object) -> None:
    """What the session decodes inside a message before anything runs."""
    if isinstance(message, gen.NPUCommandEncoderFinish) and isinstance(message.commands, bytes):
        _command_stream(message.commands)
    elif isinstance(message, gen.NPUGraphBuilderBuild):
        data = message.graph.constant_data
        if isinstance(data, bytes):
            with contextlib.suppress(GraphError):
                wire_graph.from_wire(message.graph, None)


def encode_input(mode: str, payload: bytes, descriptors: int = 0) -> bytes:
    """The input `decode` reads as `payload` in `mode` with `descriptors` stand-ins (the
    wire-trace corpus is written with it: fuzz/corpus_from_traces.py)."""
    if descriptors > len(_FDS):
        raise ValueError(f"{descriptors} descriptors: this target stands in for {len(_FDS)}")
    return bytes((MODES.index(mode), descriptors)) + payload


def decode(data: bytes) -> list:
    """Decode `data` as the fuzzer does; the decoded messages (for the replay CLI)."""
    if len(data) < 2:
        return []
    mode = MODES[data[0] % len(MODES)]
    fds = _FDS[: data[1] % (len(_FDS) + 1)]
    payload = data[2:]
    if mode == "command_stream":
        _command_stream(payload)
        return []
    reader = rt.MessageReader(payload, fds)
    decoded: list = []
    if mode == "service_frame":
        while (found := gen.read_service_message(reader, _PENDING)) is not None:
            decoded.append(found)
    else:
        if mode == "first_frame":
            hello = gen.read_hello(reader)
            decoded.append((rt.MessageHeader(32, hello.ORDINAL, 0, 0), hello))
        while (found := gen.read_message(reader)) is not None:
            decoded.append(found)
            _inner(found[1])
    reader.finish()
    _check_canonical(payload, fds, decoded)
    return decoded


def test_one_input(data: bytes) -> None:
    try:  # noqa: SIM105 (the hot path: a bare try costs less than contextlib.suppress)
        decode(data)
    except BadMessage:
        pass


def main() -> None:
    fuzz(test_one_input)


if __name__ == "__main__":
    main()
