"""Every bad-message kind, end to end through a real service process (docs/wire.md §3.5, §7.1).

For each kind one case: a *victim* client opens a device over the real service and sends ONE
frame that starts with valid messages, among them a reply-expecting `popErrorScope` and a
`writeBuffer`, followed by the malformed part. The service decodes (and preflights) the whole
frame before it runs any of it (§3.1), so the victim must see EOF and nothing else: no reply to
the `popErrorScope` is the proof that nothing of the frame ran. A *bystander* connected before the
attack then completes a full add+relu dispatch, the client connected first of all still answers,
the service is the same process (no relaunch), and its stderr names the victim and the kind.

The handshake (docs/wire.md §2.4) has its own cases: a connection whose first frame does not
start with a good `hello` is dropped before anything of that frame runs, and `hello` after the
first message is an unknown method like any other misplaced ordinal.

One service process for the module; a fresh victim and bystander per case. Kinds that cannot
occur are in `UNREACHABLE`, with the reason, and a test checks that every `BadMessageKind` is
either exercised here or listed there, so a new kind cannot go untested silently.
"""

from __future__ import annotations

import array
import os
import select
import socket
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from python_service.bad_message import BadMessageKind
from python_service.generated import wire as gen
from python_service.host import ServiceHost
from python_service.ipc import ChannelClosed, SharedMemory
from python_service.ipc.channel import HEADER
from python_service.service.objects import BufferUsage
from python_service.wire import runtime as rt
from tests.service.session_support import (
    DEVICE,
    ENCODER,
    GRAPH,
    QUEUE,
    Client,
    create_buffer,
    open_device,
    run_add_relu,
    stream,
)

K = BadMessageKind
H = rt.Handle
MARKER = H(1, 1)  # the victim's buffer, which the attack frame's writeBuffer would overwrite
REQUEST_ID = 1000  # the attack frame's popErrorScope; open_device used 1 and 2
EOF_WITHIN = 5.0  # generous: the bound fails a hang, it does not measure
LOG_WITHIN = 5.0

# Kinds no client can provoke, and why (docs/wire.md §3.5 and the codec).
UNREACHABLE: dict[BadMessageKind, str] = {
    K.VALIDATION_ERROR_ILLEGAL_POINTER: "the format has no pointers (docs/wire.md §3.2)",
    K.VALIDATION_ERROR_DIFFERENT_SIZED_ARRAYS_IN_MAP: (
        "a record is one array of {key, value} pairs, not two arrays (§3.3)"
    ),
    K.VALIDATION_ERROR_MAX_RECURSION_DEPTH: (
        "no recursive types; the generator bounds nesting statically at 8 (§3.4), and the "
        "generated decoders never call MessageReader.enter()"
    ),
}


# --- frames ---------------------------------------------------------------------------------


def encoded(message: object, request_id: int = 0) -> bytearray:
    """One message's bytes as the generated codec writes them (descriptors dropped)."""
    w = rt.MessageWriter()
    if request_id:
        message.encode(w, request_id)
    else:
        message.encode(w)
    return bytearray(w.finish()[0])


def patched(message: object, offset: int, fmt: str, *values: int, request_id: int = 0) -> bytes:
    data = encoded(message, request_id)
    struct.pack_into(fmt, data, offset, *values)
    return bytes(data)


def header(num_bytes: int, ordinal: int, flags: int = 0, request_id: int = 0) -> bytes:
    return rt.MESSAGE_HEADER.pack(num_bytes, ordinal, flags, request_id)


def prefix() -> bytes:
    """The valid start of every attack frame: a reply-expecting message and a write."""
    return bytes(
        encoded(gen.NPUDevicePushErrorScope(DEVICE, "validation"))
        + encoded(gen.NPUDevicePopErrorScope(DEVICE), REQUEST_ID)
        + encoded(gen.NPUQueueWriteBuffer(QUEUE, MARKER, 0, bytes(8), 0, None))
    )


# Field offsets inside a message (header 16 bytes, then the fixed part; §3.3), checked by
# test_offsets_match_the_codec.
PUSH_FILTER = 24  # NPUDevicePushErrorScope: self 16..24, filter 24..28, pad 28..32
PUSH_PAD = 28
POP_SELF = 16  # NPUDevicePopErrorScope: self 16..24
WRITE_PRESENCE = 40  # NPUQueueWriteBuffer fixed: offsets 16..40, presence, self, buffer, pad
WRITE_BYTES_TAG = 64  # then Bytes: u32 tag, u32 0, ...
WRITE_BYTES_COUNT = 72  # inline arm: u32 count, data
WRITE_SHM_INDEX = 72  # shared arm: SharedMemoryRef {u32 handle_index, u32 0, u64 size}

HELLO = gen.ConnectionHello(gen.SCHEMA_HASH)
PUSH = gen.NPUDevicePushErrorScope(DEVICE, "validation")
POP = gen.NPUDevicePopErrorScope(DEVICE)
WRITE = gen.NPUQueueWriteBuffer(QUEUE, MARKER, 0, bytes(8), 0, None)
BIG = rt.MAX_INLINE_BYTES + 8  # the smallest size (8-aligned) that must travel in shared memory
WRITE_SHARED = gen.NPUQueueWriteBuffer(
    QUEUE, MARKER, 0, rt.SharedMemoryClaim(-1, BIG), 0, None
)  # handle_index 0: the frame's first descriptor (the prefix carries none)


def _devnulls(n: int) -> list[int]:
    return [os.open(os.devnull, os.O_RDONLY) for _ in range(n)]


def _raw_socket(client: Client) -> socket.socket:
    """The victim's socket for raw writes (a duplicate descriptor: closing it closes only it)."""
    return socket.socket(fileno=os.dup(client.channel.fileno()))


def send_raw(client: Client, *chunks: tuple[bytes, int]) -> None:
    """Each chunk in its own sendmsg, with that many /dev/null descriptors attached."""
    with _raw_socket(client) as sock:
        for data, nfds in chunks:
            fds = _devnulls(nfds)
            try:
                anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
                sock.sendmsg([data], anc)
            finally:
                for fd in fds:
                    os.close(fd)


def send_frame(client: Client, payload: bytes, fds: list[int] | tuple[int, ...] = ()) -> None:
    """A well-framed channel frame (the Channel's own header) with this payload."""
    client.channel.send(payload, list(fds))


# --- the attacks: each sends one frame on the victim's connection -------------------------------


def frame_flags(client: Client) -> None:
    body = prefix()
    send_raw(client, (HEADER.pack(len(body), 0, 1) + body, 0))


def frame_too_large(client: Client) -> None:
    body = prefix()
    send_raw(client, (HEADER.pack(gen.WIRE_MAX_MESSAGE_BYTES + 8, 0, 0) + body, 0))


def frame_announces_too_many_handles(client: Client) -> None:
    body = prefix()
    send_raw(client, (HEADER.pack(len(body), gen.WIRE_MAX_HANDLES + 1, 0) + body, 0))


def frame_carries_too_many_handles(client: Client) -> None:
    body = prefix()
    n = gen.WIRE_MAX_HANDLES + 1  # the receiver has room for one more than allowed
    send_raw(client, (HEADER.pack(len(body), 0, 0) + body, n))


def frame_control_data_truncated(client: Client) -> None:
    body = prefix()  # more descriptors than the receive buffer holds: the kernel truncates
    send_raw(client, (HEADER.pack(len(body), 0, 0) + body, gen.WIRE_MAX_HANDLES + 10))


def frame_truncated(client: Client) -> None:
    body = prefix()
    send_raw(client, (HEADER.pack(len(body) + 8, 0, 0) + body, 0))
    with _raw_socket(client) as sock:
        sock.shutdown(socket.SHUT_WR)  # EOF 8 bytes short of the announced payload


def frame_fewer_fds_than_announced(client: Client) -> None:
    body = prefix()
    send_raw(client, (HEADER.pack(len(body), 1, 0) + body, 0))


def frame_fds_on_a_payload_byte(client: Client) -> None:
    body = prefix()  # the header alone, then the payload carrying an unannounced descriptor
    send_raw(client, (HEADER.pack(len(body), 0, 0), 0), (body, 1))


def after_prefix(bad: bytes | Callable[[], bytes], fds: int = 0) -> Callable[[Client], None]:
    """An attack whose frame is well framed: the valid prefix, then `bad`."""

    def attack(client: Client) -> None:
        tail = bad() if callable(bad) else bad
        held = _devnulls(fds)
        try:
            send_frame(client, prefix() + tail, held)
        finally:
            for fd in held:
                os.close(fd)

    return attack


def with_descriptor(tail: bytes, make: Callable[[], int]) -> Callable[[Client], None]:
    """The prefix, then `tail`, with the descriptor `make()` returns attached."""

    def attack(client: Client) -> None:
        fd = make()
        try:
            send_frame(client, prefix() + tail, [fd])
        finally:
            os.close(fd)

    return attack


def unsealed_memfd() -> int:
    fd = os.memfd_create("not-sealed", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, BIG)
    return fd


def sealed_memfd() -> int:
    memory = SharedMemory.create(BIG)
    fd = os.dup(memory.fd)
    memory.close()
    return fd


def command_stream_over_the_limit(client: Client) -> None:
    """A `finish` whose command stream (shared memory, sparse) exceeds 16 MiB."""
    size = gen.WIRE_MAX_COMMAND_STREAM_BYTES + 8
    with SharedMemory.create(size) as memory:
        finish = gen.NPUCommandEncoderFinish(
            ENCODER,
            H(1, 1),
            gen.NPUCommandBufferDescriptor(""),
            1,
            rt.SharedMemoryClaim(memory.fd, size),
        )
        w = rt.MessageWriter()
        w.buf += prefix()
        finish.encode(w)
        payload, fds = w.finish()
        send_frame(client, payload, fds)


def command_count_mismatch() -> bytes:
    dispatch = gen.NPUCommandEncoderDispatch(GRAPH, {"a": MARKER}, {"y": H(7, 1)})
    return bytes(
        encoded(
            gen.NPUDeviceCreateCommandEncoder(DEVICE, ENCODER, gen.NPUCommandEncoderDescriptor(""))
        )
        + encoded(
            gen.NPUCommandEncoderFinish(
                ENCODER, H(1, 1), gen.NPUCommandBufferDescriptor(""), 2, stream(dispatch)
            )
        )
    )


@dataclass(frozen=True)
class Case:
    name: str
    kind: BadMessageKind
    attack: Callable[[Client], None]


CASES: tuple[Case, ...] = (
    # --- the channel layer (raw socket writes)
    Case("frame header flags", K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS, frame_flags),
    Case("frame over 4 MiB", K.WEBNPU_ERROR_MESSAGE_TOO_LARGE, frame_too_large),
    Case(
        "frame announces 65 handles",
        K.WEBNPU_ERROR_TOO_MANY_HANDLES,
        frame_announces_too_many_handles,
    ),
    Case(
        "frame carries 65 handles", K.WEBNPU_ERROR_TOO_MANY_HANDLES, frame_carries_too_many_handles
    ),
    Case("EOF mid-payload", K.WEBNPU_ERROR_MESSAGE_TRUNCATED, frame_truncated),
    Case(
        "74 handles: MSG_CTRUNC",
        K.WEBNPU_ERROR_CONTROL_DATA_TRUNCATED,
        frame_control_data_truncated,
    ),
    Case(
        "fewer handles than announced",
        K.VALIDATION_ERROR_UNEXPECTED_INVALID_HANDLE,
        frame_fewer_fds_than_announced,
    ),
    Case(
        "handle on a payload byte", K.VALIDATION_ERROR_ILLEGAL_HANDLE, frame_fds_on_a_payload_byte
    ),
    # --- message headers
    Case(
        "num_bytes below the header",
        K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER,
        after_prefix(header(8, POP.ORDINAL) + bytes(8)),
    ),
    Case(
        "bytes left after the payload",
        K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER,
        after_prefix(patched(POP, 0, "<I", 32, request_id=7) + bytes(8)),
    ),
    Case(
        "num_bytes not a multiple of 8",
        K.VALIDATION_ERROR_MISALIGNED_OBJECT,
        after_prefix(patched(POP, 0, "<I", 28, request_id=7) + bytes(8)),
    ),
    Case(
        "num_bytes beyond the frame",
        K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
        after_prefix(patched(POP, 0, "<I", 64, request_id=7)),
    ),
    Case(
        "half a header at the end",
        K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
        after_prefix(bytes(8)),
    ),
    Case(
        "unknown ordinal",
        K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD,
        after_prefix(header(16, 0x00FF0001)),
    ),
    Case(
        "command ordinal at top level",
        K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD,
        after_prefix(header(16, 0x00080002)),
    ),
    Case(
        "release of the root",
        K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD,
        after_prefix(header(24, 0x00010000) + struct.pack("<II", 1, 1)),
    ),
    Case(
        "hello after the first message",
        K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD,
        after_prefix(encoded(HELLO)),
    ),
    Case(
        "EXPECTS_REPLY on a send message",
        K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
        after_prefix(patched(PUSH, 8, "<II", rt.FLAG_EXPECTS_REPLY, 7)),
    ),
    Case(
        "IS_REPLY from the client",
        K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
        after_prefix(patched(POP, 8, "<I", rt.FLAG_IS_REPLY, request_id=7)),
    ),
    Case(
        "EXPECTS_REPLY with request id 0",
        K.VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID,
        after_prefix(patched(POP, 12, "<I", 0, request_id=7)),
    ),
    # --- payloads
    Case(
        "inline Bytes count over 64 KiB",
        K.VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER,
        after_prefix(patched(WRITE, WRITE_BYTES_COUNT, "<I", rt.MAX_INLINE_BYTES + 1)),
    ),
    Case(
        "Bytes union tag 2",
        K.VALIDATION_ERROR_UNKNOWN_UNION_TAG,
        after_prefix(patched(WRITE, WRITE_BYTES_TAG, "<I", 2)),
    ),
    Case(
        "NPUErrorFilter index 3",
        K.VALIDATION_ERROR_UNKNOWN_ENUM_VALUE,
        after_prefix(patched(PUSH, PUSH_FILTER, "<I", len(gen.NPU_ERROR_FILTER))),
    ),
    Case(
        "non-zero padding",
        K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
        after_prefix(patched(PUSH, PUSH_PAD, "<I", 1)),
    ),
    Case(
        "presence bit beyond the optional members",
        K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
        after_prefix(patched(WRITE, WRITE_PRESENCE, "<I", 2)),
    ),
    Case(
        "finish: command_count disagrees with the stream",
        K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
        after_prefix(command_count_mismatch),
    ),
    Case(
        "null device handle",
        K.VALIDATION_ERROR_UNEXPECTED_NULL_POINTER,
        after_prefix(patched(POP, POP_SELF, "<II", 0, 0, request_id=7)),
    ),
    # --- descriptors claimed by messages
    Case(
        "handle index 0xFFFFFFFF where required",
        K.VALIDATION_ERROR_UNEXPECTED_INVALID_HANDLE,
        after_prefix(patched(WRITE_SHARED, WRITE_SHM_INDEX, "<I", rt.NO_HANDLE_INDEX)),
    ),
    Case(
        "handle index beyond the frame's descriptors",
        K.VALIDATION_ERROR_ILLEGAL_HANDLE,
        after_prefix(bytes(encoded(WRITE_SHARED))),
    ),
    Case(
        "a descriptor no message claims",
        K.VALIDATION_ERROR_ILLEGAL_HANDLE,
        after_prefix(b"", fds=1),
    ),
    Case(
        "shared Bytes that is not a memfd",
        K.VALIDATION_ERROR_ILLEGAL_HANDLE,
        after_prefix(bytes(encoded(WRITE_SHARED)), fds=1),
    ),
    Case(
        "shared Bytes in an unsealed memfd",
        K.VALIDATION_ERROR_ILLEGAL_HANDLE,
        with_descriptor(bytes(encoded(WRITE_SHARED)), unsealed_memfd),
    ),
    Case(
        "shared Bytes smaller than announced",
        K.VALIDATION_ERROR_ILLEGAL_HANDLE,
        with_descriptor(patched(WRITE_SHARED, WRITE_SHM_INDEX + 8, "<Q", BIG + 8), sealed_memfd),
    ),
    Case(
        "finish: command stream over 16 MiB",
        K.WEBNPU_ERROR_MESSAGE_TOO_LARGE,
        command_stream_over_the_limit,
    ),
    # --- object ids (the preflight)
    Case(
        "a device never created",
        K.WEBNPU_ERROR_ILLEGAL_OBJECT_ID,
        after_prefix(encoded(gen.NPUDevicePopErrorScope(H(9, 1)), 7)),
    ),
    Case(
        "the bystander's buffer",  # ids are per connection: B exists only in another client
        K.WEBNPU_ERROR_ILLEGAL_OBJECT_ID,
        after_prefix(encoded(gen.NPUQueueWriteBuffer(QUEUE, H(2, 1), 0, bytes(8), 0, None))),
    ),
    Case(
        "creating over a live id",
        K.WEBNPU_ERROR_ILLEGAL_OBJECT_ID,
        after_prefix(encoded(create_buffer(MARKER, (2,), BufferUsage.COPY_DST))),
    ),
)


# --- the service ------------------------------------------------------------------------------


@dataclass
class Service:
    host: ServiceHost
    log: Path
    pid: int
    elder: Client  # connected first, before every attack, and kept to the end
    sessions: int = 0  # connections made, so the n-th is the service's `client-n`
    baseline_fds: int = 0  # the service's open descriptors with only the elder connected

    def connect(self) -> tuple[Client, str]:
        self.sessions += 1
        return Client(self.host.connect()), f"client-{self.sessions}"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    log = tmp_path_factory.mktemp("service") / "stderr.log"
    with open(log, "wb") as stderr, ServiceHost(stderr=stderr.fileno()) as host:
        host.start()
        # The real service, not the namespace wrapper: its descriptors are what leaks would show.
        assert host.service_pid is not None and host.service_pid != host.process.pid
        it = Service(host, log, host.service_pid, elder=None)  # type: ignore[arg-type]
        it.elder, _ = it.connect()
        try:
            open_device(it.elder)
            run_add_relu(it.elder, (2, 3), seed=7)  # buffers A, B, Y now live in *its* table
            it.baseline_fds = service_fds(it.pid)
            yield it
        finally:
            it.elder.channel.close()


def service_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def open_victim(service: Service) -> tuple[Client, str]:
    victim, client_id = service.connect()
    open_device(victim)
    (done,) = victim.send(
        create_buffer(MARKER, (2,), BufferUsage.COPY_DST | BufferUsage.COPY_SRC),
        gen.NPUQueueWriteBuffer(QUEUE, MARKER, 0, np.ones(2, np.float32).tobytes(), 0, None),
        gen.NPUQueueOnSubmittedWorkDone(QUEUE),
    )
    assert isinstance(victim.reply(done), gen.NPUQueueOnSubmittedWorkDoneResolved)
    return victim, client_id


def frames_until_eof(client: Client, seconds: float) -> list[bytes]:
    """Every frame the service sends until it closes the connection (fails after `seconds`)."""
    frames = []
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([client.channel], [], [], max(left, 0))
        assert ready, f"the service did not drop the client within {seconds} s"
        try:
            with client.channel.receive() as frame:
                frames.append(frame.payload)
        except ChannelClosed:
            return frames


def describe(frames: list[bytes]) -> str:
    found = []
    for payload in frames:
        reader = rt.MessageReader(payload)
        while (message := gen.read_service_message(reader, {REQUEST_ID})) is not None:
            found.append(repr(message[1]))
    return "; ".join(found)


def wait_for_log(service: Service, needle: str) -> str:
    """The service's stderr once it contains `needle` (a framing error is logged just after
    the channel closed itself, so the line can trail the EOF a little)."""
    deadline = time.monotonic() + LOG_WITHIN
    while True:
        text = service.log.read_text(errors="replace")
        if needle in text or time.monotonic() > deadline:
            return text
        time.sleep(0.01)


def assert_dropped_and_nothing_ran(service: Service, victim: Client, client_id: str, kind) -> None:
    frames = frames_until_eof(victim, EOF_WITHIN)
    # The frame's popErrorScope would have been answered had anything of the frame run.
    assert not frames, f"the victim got {describe(frames)} before EOF"
    needle = f"dropping {client_id}: {kind.value}"
    log = wait_for_log(service, needle)
    assert needle in log, f"{needle!r} not in the service log:\n{log[-2000:]}"


def assert_same_service(service: Service) -> None:
    """The client connected first still gets answers, from the same, never relaunched process."""
    (popped,) = service.elder.send(
        gen.NPUDevicePushErrorScope(DEVICE, "validation"), gen.NPUDevicePopErrorScope(DEVICE)
    )
    assert service.elder.reply(popped) == gen.NPUDevicePopErrorScopeResolved(None)
    host = service.host
    assert host.alive() and host.launches == 1
    assert host.service_pid == service.pid


def assert_service_unaffected(service: Service, bystander: Client) -> None:
    run_add_relu(bystander, (4, 5), seed=3)
    assert_same_service(service)


# --- tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_message_drops_only_that_client_and_runs_nothing(service: Service, case: Case):
    victim, client_id = open_victim(service)
    bystander, _ = service.connect()
    try:
        open_device(bystander)
        case.attack(victim)
        assert_dropped_and_nothing_ran(service, victim, client_id, case.kind)
        assert_service_unaffected(service, bystander)
    finally:
        victim.channel.close()
        bystander.channel.close()


@pytest.mark.parametrize(
    "unknown",
    [H(42, 1), H(1, 2), H(2, 1)],
    ids=["never created", "wrong generation", "another client's id"],
)
def test_a_bad_id_in_the_second_message_runs_neither(service: Service, unknown: rt.Handle):
    """First a popErrorScope that would be answered, then a writeBuffer to a buffer this client
    never created: the preflight sees the bad id before anything runs, so no reply either."""
    victim, client_id = open_victim(service)
    bystander, _ = service.connect()
    try:
        open_device(bystander)
        victim.send(PUSH)  # a scope for the attack frame's pop to answer from
        victim.send(
            gen.NPUDevicePopErrorScope(DEVICE),
            gen.NPUQueueWriteBuffer(QUEUE, unknown, 0, bytes(8), 0, None),
        )
        assert_dropped_and_nothing_ran(service, victim, client_id, K.WEBNPU_ERROR_ILLEGAL_OBJECT_ID)
        assert_service_unaffected(service, bystander)
    finally:
        victim.channel.close()
        bystander.channel.close()


OTHER_HASH = gen.SCHEMA_HASH ^ 0x0123_4567_89AB_CDEF  # another build's
ADAPTER_REQUEST = gen.NPURequestAdapter(H(1, 1), H(1, 1), gen.NPURequestAdapterOptions(None))
HELLO_CASES = {  # the first frame of a fresh connection; each ends with a requestAdapter
    "no hello": (K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD, b""),
    "hello second": (K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD, None),
    "another build's schema hash": (
        K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
        bytes(encoded(gen.ConnectionHello(OTHER_HASH))),
    ),
    "hello reserved not 0": (
        K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
        patched(HELLO, 24, "<Q", 1),
    ),
    "hello with EXPECTS_REPLY": (
        K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
        patched(HELLO, 8, "<II", rt.FLAG_EXPECTS_REPLY, 7),
    ),
}


@pytest.mark.parametrize("name", HELLO_CASES)
def test_a_connection_without_a_good_hello_is_dropped(service: Service, name: str):
    """docs/wire.md §2.4: the first message of the first frame must be `hello` with this build's
    schema hash; the requestAdapter after it in the same frame is never answered."""
    kind, start = HELLO_CASES[name]
    victim, client_id = service.connect()
    bystander, _ = service.connect()
    try:
        open_device(bystander)
        request = bytes(encoded(ADAPTER_REQUEST, REQUEST_ID))
        # `start` None: a valid hello, but not first.
        payload = request + bytes(encoded(HELLO)) if start is None else start + request
        send_frame(victim, payload)
        assert_dropped_and_nothing_ran(service, victim, client_id, kind)
        if name == "another build's schema hash":
            log = wait_for_log(service, f"{OTHER_HASH:#018x}")
            assert f"{OTHER_HASH:#018x}" in log and f"{gen.SCHEMA_HASH:#018x}" in log
        assert_service_unaffected(service, bystander)
    finally:
        victim.channel.close()
        bystander.channel.close()


def test_every_kind_is_covered_or_unreachable():
    covered = {case.kind for case in CASES}
    assert not covered & UNREACHABLE.keys(), "a kind listed as unreachable has a case"
    missing = set(BadMessageKind) - covered - UNREACHABLE.keys()
    assert not missing, f"kinds with no end-to-end case: {sorted(k.value for k in missing)}"
    assert len({case.name for case in CASES}) == len(CASES)


def test_unreachable_recursion_depth_is_really_unreachable():
    """The generated decoders never enter a nesting level, so the depth check cannot fire."""
    source = Path(gen.__file__).read_text()
    assert ".enter()" not in source


def test_offsets_match_the_codec():
    push = encoded(PUSH)
    assert struct.unpack_from("<I", push, PUSH_FILTER)[0] == gen.NPU_ERROR_FILTER.index(
        "validation"
    )
    assert len(push) == PUSH_PAD + 4 and push[PUSH_PAD:] == bytes(4)
    assert struct.unpack_from("<II", encoded(POP, 7), POP_SELF) == tuple(DEVICE)
    write = encoded(gen.NPUQueueWriteBuffer(QUEUE, MARKER, 0, bytes(8), 0, 8))
    assert struct.unpack_from("<I", write, WRITE_PRESENCE)[0] == 1
    assert struct.unpack_from("<II", write, WRITE_BYTES_TAG) == (rt.BYTES_INLINE, 0)
    assert struct.unpack_from("<I", write, WRITE_BYTES_COUNT)[0] == 8
    shared = encoded(WRITE_SHARED)
    assert struct.unpack_from("<II", shared, WRITE_BYTES_TAG) == (rt.BYTES_SHARED, 0)
    assert struct.unpack_from("<IIQ", shared, WRITE_SHM_INDEX) == (0, 0, BIG)
    # And the prefix itself is a valid frame: it decodes and leaves no descriptor unclaimed.
    reader = rt.MessageReader(prefix())
    decoded = []
    while (found := gen.read_message(reader)) is not None:
        decoded.append(found[1])
    reader.finish()
    assert decoded == [PUSH, POP, WRITE]


def test_dropped_clients_leave_no_descriptors_in_the_service(service: Service):
    """Runs after the attacks (file order): every victim's socket, every descriptor it sent and
    every memfd the service mapped for it is closed again once the sessions have ended."""
    deadline = time.monotonic() + 5
    while (count := service_fds(service.pid)) != service.baseline_fds:
        if time.monotonic() > deadline:
            listing = {
                fd: os.readlink(f"/proc/{service.pid}/fd/{fd}")
                for fd in os.listdir(f"/proc/{service.pid}/fd")
            }
            pytest.fail(f"{count} descriptors, {service.baseline_fds} before: {listing}")
        time.sleep(0.02)
    assert_same_service(service)
