"""The client's wire behaviour, observed from the other end of a real channel.

The peer end of a `Channel.pair()` plays the service: it decodes what the client sends with the
generated codec (the service's own decoder) and answers with encoded replies and events, so
these tests see exactly the frames, handles and request ids the bindings produce. Tests that
need the service's behaviour (device loss on a crash) use a real service process.
"""

from __future__ import annotations

import gc
import os
import select
import signal
import threading

import numpy as np
import pytest

from python_service.client import DOMException, WebIDLTypeError, connect
from python_service.client.base import create
from python_service.client.connection import Connection, HandleAllocator
from python_service.generated import interfaces as api
from python_service.generated import wire as gen
from python_service.host import ServiceHost
from python_service.ipc.channel import Channel, ChannelClosed
from python_service.wire import runtime as rt

U = api.NPUBufferUsage
TIMEOUT = 10.0
LIMITS = gen.NPUSupportedLimits(1 << 30, 8, 1 << 30, 1000, 1 << 20, 8, 8, 100, 100)


class Peer:
    """The service's end: decodes client frames, sends replies and events. As the service
    does, it reads the `hello` that starts the first frame (docs/wire.md §2.4) on its own."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.adapter = None
        self.hello: gen.ConnectionHello | None = None

    def frame(self) -> list[tuple[rt.MessageHeader, object]]:
        ready, _, _ = select.select([self.channel], [], [], TIMEOUT)
        assert ready, "the client sent nothing"
        with self.channel.receive() as message:
            reader = rt.MessageReader(message.payload, message.fds)
            if self.hello is None:
                self.hello = gen.read_hello(reader)
            found = []
            while (item := gen.read_message(reader)) is not None:
                found.append(item)
            reader.finish()
            return found

    def nothing_pending(self) -> bool:
        ready, _, _ = select.select([self.channel], [], [], 0.05)
        return not ready

    def reply(self, header: rt.MessageHeader, result: object) -> None:
        w = rt.MessageWriter()
        gen.REPLIES[header.ordinal](result).encode(w, header.request_id)
        self.channel.send(*w.finish())

    def event(self, event: object) -> None:
        w = rt.MessageWriter()
        event.encode(w)
        self.channel.send(*w.finish())


@pytest.fixture
def pair():
    client_end, service_end = Channel.pair()
    connection = Connection(client_end)
    peer = Peer(service_end)
    yield connection, peer
    connection.close()
    service_end.close()


def open_device(connection: Connection, peer: Peer, limits: gen.NPUSupportedLimits = LIMITS):
    """An adapter and a device (with `limits`), answered by the peer as the service would."""
    npu = create("NPU", connection)
    promise = npu.request_adapter()
    [(header, message)] = peer.frame()
    assert isinstance(message, gen.NPURequestAdapter) and header.request_id == 1
    info = gen.NPUAdapterInfo("v", "a", "d", "x")
    peer.reply(header, gen.NPURequestAdapterResolved(gen.NPUSupportedFeatures(()), LIMITS, info))
    adapter = promise.result(TIMEOUT)
    promise = adapter.request_device({"label": "dev", "default_queue": {"label": "q"}})
    [(header, message)] = peer.frame()
    assert (message.result, message.result_1) == (rt.Handle(1, 1), rt.Handle(1, 1))
    peer.reply(header, gen.NPUAdapterRequestDeviceResolved(gen.NPUSupportedFeatures(()), limits))
    device = promise.result(TIMEOUT)
    assert (device.label, device.queue.label) == ("dev", "q")
    peer.adapter = adapter  # alive, or its release would join the tests' frames
    return device


def test_handles_are_reused_with_a_new_generation():
    allocator = HandleAllocator()
    a, b = allocator.allocate(), allocator.allocate()
    assert (a, b) == (rt.Handle(1, 1), rt.Handle(2, 1))
    allocator.free(a)
    assert allocator.allocate() == rt.Handle(1, 2)
    assert HandleAllocator(reserved=1).allocate() == rt.Handle(2, 1)  # the root's id is taken


def test_the_first_frame_starts_with_hello_and_costs_no_round_trip(pair):
    connection, peer = pair
    assert connection.frames_sent == 0  # the hello waits for the first batch
    npu = create("NPU", connection)
    npu.request_adapter()
    assert connection.frames_sent == 1
    select.select([peer.channel], [], [], TIMEOUT)
    with peer.channel.receive() as frame:
        payload = frame.payload
    header = rt.MESSAGE_HEADER.unpack_from(payload, 0)
    assert header == (32, 0x00000001, 0, 0)  # hello: 16-byte header, {u64 hash, u64 0}
    reader = rt.MessageReader(payload)
    assert gen.read_hello(reader) == gen.ConnectionHello(gen.SCHEMA_HASH, 0)
    _, message = gen.read_message(reader)
    assert isinstance(message, gen.NPURequestAdapter)  # in the same frame
    assert gen.read_message(reader) is None
    # Only the first frame carries it.
    connection.flush()
    npu.request_adapter()
    peer.hello = gen.ConnectionHello(gen.SCHEMA_HASH)
    [(_, message)] = peer.frame()
    assert isinstance(message, gen.NPURequestAdapter)


def test_creations_batch_into_one_frame_with_the_submit(pair):
    connection, peer = pair
    device = open_device(connection, peer)
    sent = connection.frames_sent
    buffer = device.create_buffer({"size": 16, "usage": U.COPY_DST | U.INPUT})
    device.queue.write_buffer(buffer, 0, np.arange(4, dtype=np.float32))
    encoder = device.create_command_encoder({"label": "e"})
    device.queue.submit([encoder.finish()])
    assert connection.frames_sent == sent + 1  # nothing went out before the submit
    kinds = [type(m).__name__ for _, m in peer.frame()]
    assert kinds == [
        "NPUDeviceCreateBuffer",
        "NPUQueueWriteBuffer",
        "NPUDeviceCreateCommandEncoder",
        "NPUCommandEncoderFinish",
        "NPUQueueSubmit",
    ]


def test_a_conversion_error_sends_nothing_and_allocates_nothing(pair):
    connection, peer = pair
    device = open_device(connection, peer)
    with pytest.raises(WebIDLTypeError, match="'usage' property"):
        device.create_buffer({"size": 16})
    first = device.create_buffer({"size": 16, "usage": U.COPY_DST})
    connection.flush()
    [(_, message)] = peer.frame()
    assert message.result == rt.Handle(1, 1) and first._handle == rt.Handle(1, 1)


def test_write_buffer_counts_typed_array_elements_and_sends_only_the_range(pair):
    connection, peer = pair
    device = open_device(connection, peer)
    buffer = device.create_buffer({"size": 64, "usage": U.COPY_DST})
    data = np.arange(10, dtype=np.float32)
    device.queue.write_buffer(buffer, 8, data, 2, 3)
    with pytest.raises(DOMException, match="exceeds the 10 elements") as info:
        device.queue.write_buffer(buffer, 0, data, 8, 3)
    assert info.value.name == "OperationError"
    connection.flush()
    write = peer.frame()[-1][1]
    assert (write.buffer_offset, write.data_offset, write.size) == (8, 0, None)
    assert write.data == data[2:5].tobytes()


def test_dead_objects_are_released_before_the_next_message(pair):
    connection, peer = pair
    device = open_device(connection, peer)
    buffer = device.create_buffer({"size": 8, "usage": U.COPY_DST})
    handle = buffer._handle
    del buffer
    gc.collect()
    again = device.create_buffer({"size": 8, "usage": U.COPY_DST})
    connection.flush()
    messages = [m for _, m in peer.frame()]
    assert [type(m).__name__ for m in messages] == [
        "NPUDeviceCreateBuffer",
        "NPUBufferRelease",
        "NPUDeviceCreateBuffer",
    ]
    assert messages[1].self_ == handle
    assert again._handle == rt.Handle(handle.id + 1, 1)  # allocated before the release went
    reused = device.create_buffer({"size": 8, "usage": U.COPY_DST})
    assert reused._handle == rt.Handle(handle.id, handle.generation + 1)


def test_objects_an_unsubmitted_command_buffer_uses_stay_alive(pair):
    connection, peer = pair
    device = open_device(connection, peer)
    encoder = device.create_command_encoder()
    encoder.copy_buffer_to_buffer(
        device.create_buffer({"size": 8, "usage": U.COPY_SRC}),
        0,
        device.create_buffer({"size": 8, "usage": U.COPY_DST}),
        0,
        8,
    )
    commands = encoder.finish()
    del encoder
    gc.collect()
    device.queue.submit([commands])
    names = [type(m).__name__ for _, m in peer.frame()]
    # A release before the finish would be a bad message, before the submit a failed submit.
    assert "NPUBufferRelease" not in names[: names.index("NPUQueueSubmit")], names


def test_a_finished_encoder_refuses_more_commands(pair):
    connection, peer = pair
    device = open_device(connection, peer)
    encoder = device.create_command_encoder()
    encoder.finish()
    buffer = device.create_buffer({"size": 8, "usage": U.COPY_SRC | U.COPY_DST})
    with pytest.raises(DOMException, match="the encoder is finished") as info:
        encoder.copy_buffer_to_buffer(buffer, 0, buffer, 4, 4)
    assert info.value.name == "InvalidStateError"


def test_replies_settle_by_request_id_in_any_order(pair):
    connection, peer = pair
    device = open_device(connection, peer)
    first, second = device.pop_error_scope(), device.pop_error_scope()
    (h1, _), (h2, _) = peer.frame()[0], peer.frame()[0]
    assert h1.request_id != h2.request_id
    peer.reply(h2, gen.NPUDevicePopErrorScopeResolved(gen.ErrorReport("internal", "late")))
    peer.reply(h1, gen.Rejection("OperationError", "the error scope stack is empty"))
    error = second.result(TIMEOUT)
    assert isinstance(error, api.NPUInternalError) and error.message == "late"
    with pytest.raises(DOMException, match="stack is empty"):
        first.result(TIMEOUT)


def test_events_reach_the_device(pair):
    connection, peer = pair
    device = open_device(connection, peer)
    seen = threading.Event()
    events = []

    def listener(event):
        events.append(event)
        seen.set()

    device.onuncapturederror = listener
    peer.event(
        gen.NPUDeviceUncapturederrorEvent(device._handle, gen.ErrorReport("validation", "x"))
    )
    assert seen.wait(TIMEOUT)
    assert (
        isinstance(events[0].error, api.NPUValidationError) and events[0].type == "uncapturederror"
    )
    peer.event(gen.NPUDeviceLostEvent(device._handle, gen.NPUDeviceLostInfo("destroyed", "bye")))
    info = device.lost.result(TIMEOUT)
    assert (info.reason, info.message) == ("destroyed", "bye")


def test_a_bad_message_from_the_service_loses_every_device(pair):
    connection, peer = pair
    device = open_device(connection, peer)
    pending = device.pop_error_scope()
    peer.frame()
    peer.channel.send(b"\x10\x00\x00\x00garbage!")  # a header that claims 16 bytes, then junk
    info = device.lost.result(TIMEOUT)
    assert info.reason == "unknown" and "bad message" in info.message
    with pytest.raises(DOMException) as rejected:
        pending.result(TIMEOUT)
    assert rejected.value.name == "AbortError"
    # Afterwards calls do nothing, and promise-returning ones reject at once.
    device.create_buffer({"size": 8, "usage": U.COPY_DST})
    with pytest.raises(DOMException, match="lost"):
        device.pop_error_scope().result(TIMEOUT)
    assert connection.lost


def test_a_killed_service_rejects_pending_calls_and_loses_devices_quickly():
    with ServiceHost() as host:
        npu = connect(host)
        device = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
        other = connect(host).request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
        builder = device.create_graph_builder()
        x = builder.input("x", {"data_type": "float32", "shape": [1]})
        graph = builder.build({"y": builder.relu(x)}).result(TIMEOUT)
        assert graph.outputs[0].name == "y"
        pid = host.service_pid  # the real service, inside its namespace wrapper
        os.kill(pid, signal.SIGSTOP)  # so the next request is surely in flight at the kill
        pending = device.queue.read_buffer(device.create_buffer({"size": 8, "usage": U.COPY_SRC}))
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(DOMException) as aborted:
            pending.result(TIMEOUT)
        info = device.lost.result(TIMEOUT)
        assert aborted.value.name == "AbortError"
        assert info.reason == "unknown"  # within TIMEOUT: loss is reported, not waited out
        assert other.lost.result(TIMEOUT).reason == "unknown"
        with pytest.raises(DOMException) as rejected:
            device.queue.on_submitted_work_done().result(TIMEOUT)
        assert rejected.value.name == "AbortError"
        # A new connection gets a new service, and it works.
        fresh = connect(host).request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
        scope = fresh.pop_error_scope()
        with pytest.raises(DOMException, match="empty"):
            scope.result(TIMEOUT)
        assert host.process.pid != pid and host.launches == 2


def test_closing_the_channel_wakes_the_reader(pair):
    connection, peer = pair
    device = open_device(connection, peer)
    connection.close()
    assert device.lost.result(TIMEOUT).reason == "unknown"
    with pytest.raises(ChannelClosed):  # after what close() flushed: EOF
        while True:
            peer.channel.receive().close()
