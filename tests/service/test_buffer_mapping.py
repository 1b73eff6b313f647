"""NPUBuffer.mapAsync / unmap in the service, in process over a real `Channel.pair()`.

The reply to mapAsync carries the buffer's own memfd (docs/wire.md §4.1): the test maps it the
way the client bindings do (`SharedMemory.from_fd`, which checks the seals and the size) and
checks that its pages are the service's buffer pages, that it cannot be resized, that every
rule rejects with OperationError, and that unmap/destroy race a pending map correctly.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading

import numpy as np
import pytest

from python_service.generated import wire as gen
from python_service.ipc import Channel, SharedMemory
from python_service.ipc.shared_memory import REQUIRED_SEALS
from python_service.service.executor import Executor
from python_service.service.objects import BufferUsage, MapMode, ObjectKind
from python_service.wire import runtime as rt
from tests.service import session_support
from tests.service.session_support import (
    COMMANDS,
    DEVICE,
    ENCODER,
    QUEUE,
    TIMEOUT,
    A,
    B,
    Client,
    H,
    open_device,
    stream,
)

READ, WRITE = int(MapMode.READ), int(MapMode.WRITE)
READABLE = BufferUsage.MAP_READ | BufferUsage.COPY_DST
WRITABLE = BufferUsage.MAP_WRITE | BufferUsage.COPY_SRC


class MapClient(Client):
    """`Client`, plus: a mapAsync reply's descriptor is duplicated before its frame closes."""

    def __init__(self, channel: Channel) -> None:
        super().__init__(channel)
        self.mappings: dict[int, int] = {}  # request id -> our duplicate of the reply's fd

    def _keep_descriptors(self, request_id: int, message: object) -> None:
        mapping = getattr(message.result, "mapping", None)
        if isinstance(mapping, rt.SharedMemoryClaim):
            self.mappings[request_id] = os.dup(mapping.fd)

    def map(self, request_id: int) -> SharedMemory:
        """Resolve a mapAsync and map the whole buffer as the bindings would."""
        resolved = self.reply(request_id)
        assert isinstance(resolved, gen.NPUBufferMapAsyncResolved), resolved
        return SharedMemory.from_fd(self.mappings.pop(request_id), resolved.mapping.size)

    def sync(self) -> None:
        """Returns once the service has run every frame sent so far (popErrorScope replies
        from the frame thread, not the queue)."""
        (pop_id,) = self.send(
            gen.NPUDevicePushErrorScope(DEVICE, "internal"), gen.NPUDevicePopErrorScope(DEVICE)
        )
        assert self.reply(pop_id).error is None

    def close_mappings(self) -> None:
        for fd in self.mappings.values():
            os.close(fd)
        self.mappings.clear()


@pytest.fixture(scope="module")
def executor():
    with Executor(workers=2) as pool:
        yield pool


class Served(session_support.Served):
    def __init__(self, executor: Executor) -> None:
        super().__init__(executor, MapClient)

    def buffer(self, handle: rt.Handle):
        return self.session.table.get(ObjectKind.BUFFER, handle)

    def gate(self) -> threading.Event:
        """Hold this client's queue until the event is set: maps stay "pending" meanwhile."""
        opened = threading.Event()
        self.session._enqueue(lambda _token: opened.wait(TIMEOUT))
        return opened

    def stop(self) -> None:
        self.client.close_mappings()
        super().stop()


@pytest.fixture
def served(executor):
    s = Served(executor)
    open_device(s.client)
    yield s
    s.stop()


def buffer(handle: rt.Handle, usage: int, size: int = 16) -> gen.NPUDeviceCreateBuffer:
    """A plain byte buffer (no tensor descriptor, so size 0 is allowed too)."""
    return gen.NPUDeviceCreateBuffer(DEVICE, handle, gen.NPUBufferDescriptor("", size, None, usage))


def map_async(handle: rt.Handle, mode: int, offset: int = 0, size: int | None = None):
    return gen.NPUBufferMapAsync(handle, mode, offset, size)


def write(handle: rt.Handle, data: bytes) -> gen.NPUQueueWriteBuffer:
    return gen.NPUQueueWriteBuffer(QUEUE, handle, 0, data, 0, None)


def copy_then_submit(source: rt.Handle, destination: rt.Handle, size: int) -> list[object]:
    copy = gen.NPUCommandEncoderCopyBufferToBuffer(source, 0, destination, 0, size)
    return [
        gen.NPUDeviceCreateCommandEncoder(DEVICE, ENCODER, gen.NPUCommandEncoderDescriptor("")),
        gen.NPUCommandEncoderFinish(
            ENCODER, COMMANDS, gen.NPUCommandBufferDescriptor(""), 1, stream(copy)
        ),
        gen.NPUQueueSubmit(QUEUE, (COMMANDS,)),
    ]


def assert_rejected(result: object, exception: str, fragment: str) -> None:
    assert isinstance(result, gen.Rejection), result
    assert result.exception == exception
    assert fragment in result.message, result.message


# --- mapping works, without copies -----------------------------------------------------


def test_map_read_returns_the_written_bytes_through_the_fd(served):
    client = served.client
    values = np.arange(4, dtype=np.float32)
    (map_id,) = client.send(buffer(A, READABLE), write(A, values.tobytes()), map_async(A, READ))
    with client.map(map_id) as memory:
        view = memory.view()
        np.testing.assert_array_equal(np.frombuffer(view, np.float32), values)
        view.release()
    assert served.buffer(A).map_state == "mapped"


def test_the_reply_is_the_buffers_own_memfd_and_the_client_applies_the_range(served):
    client = served.client
    data = bytes(range(32))
    (map_id,) = client.send(buffer(A, READABLE, 32), write(A, data), map_async(A, READ, 8, 16))
    with client.map(map_id) as memory:
        assert memory.size == 32  # the whole buffer, whatever range was asked for
        service_fd = served.buffer(A).memory.fd
        assert os.fstat(memory.fd).st_ino == os.fstat(service_fd).st_ino  # zero copy
        view = memory.view()
        assert bytes(view[8:24]) == data[8:24]
        view.release()


def test_write_map_then_copy_then_read_map(served):
    client = served.client
    values = np.array([1.5, -2.0, 3.25, 8.0], np.float32)
    (map_id,) = client.send(buffer(A, WRITABLE), buffer(B, READABLE), map_async(A, WRITE))
    with client.map(map_id) as memory:
        view = memory.view()
        view[:] = values.tobytes()
        view.release()
    (read_id,) = client.send(gen.NPUBufferUnmap(A), *copy_then_submit(A, B, 16), map_async(B, READ))
    with client.map(read_id) as memory:
        view = memory.view()
        np.testing.assert_array_equal(np.frombuffer(view, np.float32), values)
        view.release()
    assert served.buffer(A).map_state == "unmapped"
    assert not client.events


def test_map_resolves_after_earlier_work_of_the_client(served):
    client = served.client
    opened = served.gate()
    (map_id,) = client.send(buffer(A, READABLE), write(A, b"\x07" * 16), map_async(A, READ))
    client.sync()
    assert served.buffer(A).map_state == "pending"
    opened.set()
    with client.map(map_id) as memory:
        view = memory.view()
        assert bytes(view) == b"\x07" * 16  # the write queued before the map has run
        view.release()
    assert served.buffer(A).map_state == "mapped"


# --- the shared descriptor cannot hurt the service -------------------------------------


def test_ftruncate_of_the_shared_fd_is_refused(served):
    client = served.client
    (map_id,) = client.send(buffer(A, WRITABLE), map_async(A, WRITE))
    client.reply(map_id)
    fd = client.mappings.pop(map_id)
    try:
        assert fcntl.fcntl(fd, fcntl.F_GET_SEALS) & REQUIRED_SEALS == REQUIRED_SEALS
        for new_size in (0, 8, 1 << 30):
            with pytest.raises(OSError) as refused:
                os.ftruncate(fd, new_size)
            assert refused.value.errno == errno.EPERM
        with pytest.raises(OSError) as refused:  # F_SEAL_SEAL: no new seals either
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_WRITE)
        assert refused.value.errno == errno.EPERM
        assert os.fstat(fd).st_size == 16
    finally:
        os.close(fd)


# --- each rule rejects with OperationError and changes nothing -------------------------

_RULES = {
    "invalid buffer": (
        [buffer(A, BufferUsage.MAP_READ | BufferUsage.INPUT)],
        map_async(A, READ),
        "the buffer is invalid",
    ),
    "destroyed": ([buffer(A, READABLE), gen.NPUBufferDestroy(A)], map_async(A, READ), "destroyed"),
    "device lost": (
        [buffer(A, READABLE), gen.NPUDeviceDestroy(DEVICE)],
        map_async(A, READ),
        "the buffer's device is lost",
    ),
    "mode 0": ([buffer(A, READABLE)], map_async(A, 0), "mode 0x0 is not exactly one of"),
    "mode READ|WRITE": ([buffer(A, READABLE)], map_async(A, 3), "mode 0x3 is not exactly one"),
    "mode unknown bit": ([buffer(A, READABLE)], map_async(A, 4), "mode 0x4 is not exactly one"),
    "READ without MAP_READ": (
        [buffer(A, WRITABLE)],
        map_async(A, READ),
        "mode READ needs the MAP_READ usage",
    ),
    "WRITE without MAP_WRITE": (
        [buffer(A, READABLE)],
        map_async(A, WRITE),
        "mode WRITE needs the MAP_WRITE usage",
    ),
    "offset alignment": ([buffer(A, READABLE)], map_async(A, READ, 4), "not a multiple of 8"),
    "size alignment": ([buffer(A, READABLE)], map_async(A, READ, 0, 6), "size 6 is not a mult"),
    "range": ([buffer(A, READABLE)], map_async(A, READ, 8, 16), "[8, 24) exceeds"),
    "range overflow": (
        [buffer(A, READABLE)],
        # The largest [EnforceRange] size: offset + size would wrap in 53-bit arithmetic;
        # beyond 2^53 - 1 the codec already drops the client (a bad message).
        map_async(A, READ, 8, (1 << 53) - 8),
        "exceeds the buffer's size 16",
    ),
    "offset past the end": ([buffer(A, READABLE)], map_async(A, READ, 24), "offset 24 exceeds"),
    "zero-size buffer": ([buffer(A, READABLE, 0)], map_async(A, READ), "zero-size buffer"),
}


@pytest.mark.parametrize("rule", list(_RULES))
def test_a_broken_rule_rejects_with_operation_error(served, rule):
    client = served.client
    setup, request, fragment = _RULES[rule]
    client.send(*setup)
    (map_id,) = client.send(request)
    assert_rejected(client.reply(map_id), "OperationError", fragment)
    state = served.buffer(A)
    if hasattr(state, "map_state"):
        assert state.map_state == "unmapped" and state.pending_map is None
    assert not client.mappings
    assert not served.session.closed


def test_map_while_mapped_rejects_and_keeps_the_mapping(served):
    client = served.client
    (first,) = client.send(buffer(A, READABLE), map_async(A, READ))
    client.reply(first)
    (second,) = client.send(map_async(A, READ))
    assert_rejected(client.reply(second), "OperationError", "mapState is 'mapped'")
    assert served.buffer(A).map_state == "mapped"


def test_map_while_pending_rejects_and_the_first_map_still_resolves(served):
    client = served.client
    opened = served.gate()
    first, second = client.send(buffer(A, READABLE), map_async(A, READ), map_async(A, READ))
    assert_rejected(client.reply(second), "OperationError", "mapState is 'pending'")
    opened.set()
    client.map(first).close()


# --- unmap and destroy -----------------------------------------------------------------


def test_unmap_of_a_pending_map_aborts_it(served):
    client = served.client
    opened = served.gate()
    (map_id,) = client.send(buffer(A, READABLE), map_async(A, READ))
    (again,) = client.send(gen.NPUBufferUnmap(A), map_async(A, READ))  # a new map may start
    client.sync()
    assert served.buffer(A).map_state == "pending"
    opened.set()
    assert_rejected(
        client.reply(map_id), "AbortError", "unmap() was called before the mapping resolved"
    )
    client.map(again).close()  # the second map is the live one
    assert served.buffer(A).map_state == "mapped"


def test_destroy_of_a_pending_map_aborts_it(served):
    client = served.client
    opened = served.gate()
    (map_id,) = client.send(buffer(A, READABLE), map_async(A, READ))
    client.send(gen.NPUBufferDestroy(A))
    client.sync()
    opened.set()
    assert_rejected(client.reply(map_id), "AbortError", "destroy() was called before")
    assert served.buffer(A).map_state == "unmapped"


def test_destroy_of_a_mapped_buffer_unmaps_it(served):
    client = served.client
    (map_id,) = client.send(buffer(A, READABLE), map_async(A, READ))
    client.map(map_id).close()
    client.send(gen.NPUBufferDestroy(A))
    client.sync()
    state = served.buffer(A)
    assert state.destroyed and state.map_state == "unmapped"


def test_unmap_of_an_unmapped_or_invalid_buffer_is_a_no_op(served):
    client = served.client
    (pop_id,) = client.send(
        buffer(A, READABLE),
        buffer(B, BufferUsage.MAP_READ | BufferUsage.OUTPUT),  # an error object
        gen.NPUDevicePushErrorScope(DEVICE, "validation"),
        gen.NPUBufferUnmap(A),
        gen.NPUBufferUnmap(A),
        gen.NPUBufferUnmap(B),
        gen.NPUDevicePopErrorScope(DEVICE),
    )
    assert client.reply(pop_id).error is None
    assert served.buffer(A).map_state == "unmapped"
    client.event()  # B's createBuffer error, uncaptured (no scope was open then)
    assert not client.events and not served.session.closed


# --- the device may not use a mapped or pending buffer ---------------------------------


@pytest.mark.parametrize("state", ["mapped", "pending"])
def test_submit_using_a_mapped_buffer_is_a_validation_error(served, state):
    client = served.client
    opened = served.gate() if state == "pending" else None
    (map_id,) = client.send(buffer(A, WRITABLE), buffer(B, READABLE), map_async(A, WRITE))
    if opened is None:
        client.reply(map_id)
    (pop_id,) = client.send(
        gen.NPUDevicePushErrorScope(DEVICE, "validation"),
        *copy_then_submit(A, B, 16),
        gen.NPUDevicePopErrorScope(DEVICE),
    )
    error = client.reply(pop_id).error
    assert error is not None and error.type == "validation"
    assert f"(source) is {state}" in error.message, error.message
    if opened is not None:
        opened.set()
        client.reply(map_id)


def test_write_buffer_to_a_mapped_buffer_is_a_validation_error(served):
    client = served.client
    (map_id,) = client.send(buffer(A, READABLE), map_async(A, READ))
    client.reply(map_id)
    (pop_id,) = client.send(
        gen.NPUDevicePushErrorScope(DEVICE, "validation"),
        write(A, bytes(16)),
        gen.NPUDevicePopErrorScope(DEVICE),
    )
    assert "the buffer is mapped" in client.reply(pop_id).error.message


def test_read_buffer_of_a_mapped_buffer_rejects(served):
    client = served.client
    (map_id,) = client.send(buffer(A, WRITABLE), map_async(A, WRITE))
    client.reply(map_id)
    (read_id,) = client.send(gen.NPUQueueReadBuffer(QUEUE, A, 0, None))
    assert_rejected(client.reply(read_id), "OperationError", "the buffer is mapped")


# --- nothing leaks ---------------------------------------------------------------------


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_every_memfd_is_closed_with_the_session(executor):
    before = _open_fds()
    served = Served(executor)
    try:
        client = served.client
        open_device(client)
        opened = None
        for i in range(1, 5):
            client.send(buffer(H(i, 1), READABLE, 64), write(H(i, 1), bytes([i]) * 64))
        (mapped,) = client.send(map_async(H(1, 1), READ))
        client.map(mapped).close()
        (unmapped,) = client.send(map_async(H(2, 1), READ))
        client.map(unmapped).close()
        client.send(gen.NPUBufferUnmap(H(2, 1)), gen.NPUBufferDestroy(H(3, 1)))
        opened = served.gate()
        (pending,) = client.send(map_async(H(4, 1), READ))
        client.sync()
        assert _open_fds() > before
    finally:
        served.stop()
        if opened is not None:
            opened.set()
    assert served.session.closed and not served.thread.is_alive()
    assert all(b.memory is None or b.memory.closed for b in served.session._buffers)
    assert _open_fds() == before
