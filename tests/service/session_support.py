"""The client side of the service tests: frames of generated messages out, replies in.

Shared by the in-process session tests (test_client_session.py) and the tests through a real
service process (test_host.py): a `Client` over any `Channel`, and the add+relu vertical slice.
"""

from __future__ import annotations

import os
import select
import threading

import numpy as np
import pytest

from python_service.generated import wire as gen
from python_service.ipc import Channel, ChannelClosed, SharedMemory
from python_service.service.client_session import ClientSession
from python_service.service.executor import Executor
from python_service.service.objects import BufferUsage
from python_service.shared import graph as g
from python_service.shared.tensors import OperandDescriptor
from python_service.wire import graph as wire_graph
from python_service.wire import runtime as rt

H = rt.Handle
ROOT = H(1, 1)
ADAPTER = DEVICE = QUEUE = BUILDER = GRAPH = ENCODER = COMMANDS = H(1, 1)
A, B, Y = H(1, 1), H(2, 1), H(3, 1)
TIMEOUT = 20.0


class Client:
    """The renderer's end: frames of generated messages out, replies and events in.

    The first frame `send` writes starts with `hello` (docs/wire.md §2.4), as the real client's
    does; frames written straight to `channel` go out as they are."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.greeted = False
        self.next_id = 1
        self.pending: set[int] = set()
        self.replies: dict[int, object] = {}
        self.events: list[object] = []
        self.shared: dict[int, bytes] = {}  # request id -> bytes of a shared-memory reply

    def send(self, *messages: object) -> list[int]:
        w = rt.MessageWriter()
        if not self.greeted:
            gen.ConnectionHello(gen.SCHEMA_HASH).encode(w)
            self.greeted = True
        ids = []
        for message in messages:
            if getattr(message, "EXPECTS_REPLY", False):
                request_id = self.next_id
                self.next_id += 1
                self.pending.add(request_id)
                ids.append(request_id)
                message.encode(w, request_id)
            else:
                message.encode(w)
        payload, fds = w.finish()
        self.channel.send(payload, fds)
        return ids

    def _receive_frame(self) -> None:
        ready, _, _ = select.select([self.channel], [], [], TIMEOUT)
        assert ready, "no frame from the service"
        with self.channel.receive() as frame:
            reader = rt.MessageReader(frame.payload, frame.fds)
            while (found := gen.read_service_message(reader, self.pending)) is not None:
                header, message = found
                if header.flags & rt.FLAG_IS_REPLY:
                    self.pending.discard(header.request_id)
                    self.replies[header.request_id] = message
                    self._keep_descriptors(header.request_id, message)
                else:
                    self.events.append(message)
            reader.finish()

    def _keep_descriptors(self, request_id: int, message: object) -> None:
        """Take what a reply's descriptors hold before its frame (and they) close."""
        data = getattr(message.result, "data", None)
        if isinstance(data, rt.SharedMemoryClaim):
            with SharedMemory.from_fd(os.dup(data.fd), data.size) as memory:
                self.shared[request_id] = bytes(memory.view())

    def reply(self, request_id: int) -> object:
        while request_id not in self.replies:
            self._receive_frame()
        return self.replies.pop(request_id).result

    def event(self) -> object:
        while not self.events:
            self._receive_frame()
        return self.events.pop(0)

    def assert_dropped(self) -> None:
        with pytest.raises(ChannelClosed):
            while True:
                self._receive_frame()


def open_device(client: Client) -> None:
    (adapter_id,) = client.send(
        gen.NPURequestAdapter(ROOT, ADAPTER, gen.NPURequestAdapterOptions(None))
    )
    resolved = client.reply(adapter_id)
    assert isinstance(resolved, gen.NPURequestAdapterResolved)
    assert resolved.info.vendor == "onnxruntime"
    descriptor = gen.NPUDeviceDescriptor("", gen.NPUQueueDescriptor(""), (), None)
    (device_id,) = client.send(gen.NPUAdapterRequestDevice(ADAPTER, DEVICE, QUEUE, descriptor))
    assert isinstance(client.reply(device_id), gen.NPUAdapterRequestDeviceResolved)


def tensor(shape: tuple[int, ...]) -> gen.NPUTensorDescriptor:
    return gen.NPUTensorDescriptor("float32", shape)


def create_buffer(handle: rt.Handle, shape, usage: int, size: int | None = None):
    nbytes = int(np.prod(shape)) * 4 if size is None else size
    return gen.NPUDeviceCreateBuffer(
        DEVICE, handle, gen.NPUBufferDescriptor("", nbytes, tensor(shape), usage)
    )


def add_relu(shape: tuple[int, ...]) -> gen.GraphDescription:
    """y = relu(a + b)."""
    d = OperandDescriptor("float32", shape)
    description = g.GraphDescription(
        inputs=(g.GraphInput(1, "a", d), g.GraphInput(2, "b", d)),
        constants=(),
        operations=(g.Operation("add", (1, 2), (3,)), g.Operation("relu", (3,), (4,))),
        outputs=(g.GraphOutput("y", 4),),
    )
    return wire_graph.to_wire(description)


def stream(*commands: object) -> bytes:
    w = rt.MessageWriter()
    for command in commands:
        command.encode(w)
    return w.finish()[0]


def data_arg(array: np.ndarray, keep: list[SharedMemory]) -> bytes | rt.SharedMemoryClaim:
    """`Bytes` as the bindings send it: inline up to 64 KiB, a sealed memfd beyond."""
    data = array.tobytes()
    if len(data) <= rt.MAX_INLINE_BYTES:
        return data
    memory = SharedMemory.create(len(data))
    memory.view()[:] = data
    keep.append(memory)
    return rt.SharedMemoryClaim(memory.fd, len(data))


def run_add_relu(client: Client, shape: tuple[int, ...], seed: int = 0, a_gen: int = 1) -> None:
    """The whole slice: buffers, writes, build, encode, submit, read back, compare."""
    A = H(1, a_gen)  # noqa: N806 (a buffer handle, as the module's constants)
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)
    keep: list[SharedMemory] = []
    io = BufferUsage.COPY_DST | BufferUsage.INPUT
    (build_id,) = client.send(
        create_buffer(A, shape, io),
        create_buffer(B, shape, io),
        create_buffer(Y, shape, BufferUsage.OUTPUT | BufferUsage.COPY_SRC),
        gen.NPUQueueWriteBuffer(QUEUE, A, 0, data_arg(a, keep), 0, None),
        gen.NPUQueueWriteBuffer(QUEUE, B, 0, data_arg(b, keep), 0, None),
        gen.NPUDeviceCreateGraphBuilder(DEVICE, BUILDER),
        gen.NPUGraphBuilderBuild(BUILDER, GRAPH, add_relu(shape)),
    )
    for memory in keep:
        memory.close()
    built = client.reply(build_id)
    assert isinstance(built, gen.NPUGraphBuilderBuildResolved), built
    assert [(i.name, i.data_type, i.shape) for i in built.inputs] == [
        ("a", "float32", shape),
        ("b", "float32", shape),
    ]
    assert [(o.name, o.shape) for o in built.outputs] == [("y", shape)]

    dispatch = gen.NPUCommandEncoderDispatch(GRAPH, {"a": A, "b": B}, {"y": Y})
    read_id, done_id = client.send(
        gen.NPUDeviceCreateCommandEncoder(DEVICE, ENCODER, gen.NPUCommandEncoderDescriptor("")),
        gen.NPUCommandEncoderFinish(
            ENCODER, COMMANDS, gen.NPUCommandBufferDescriptor(""), 1, stream(dispatch)
        ),
        gen.NPUQueueSubmit(QUEUE, (COMMANDS,)),
        gen.NPUQueueReadBuffer(QUEUE, Y, 0, None),
        gen.NPUQueueOnSubmittedWorkDone(QUEUE),
    )
    read = client.reply(read_id)
    assert isinstance(read, gen.NPUQueueReadBufferResolved), read
    data = client.shared.pop(read_id) if isinstance(read.data, rt.SharedMemoryClaim) else read.data
    result = np.frombuffer(data, np.float32).reshape(shape)
    np.testing.assert_allclose(result, np.maximum(a + b, 0), rtol=0, atol=1e-5)
    assert isinstance(client.reply(done_id), gen.NPUQueueOnSubmittedWorkDoneResolved)
    assert not client.events


class Served:
    """A session serving the service end of a fresh channel pair on a thread, in process."""

    def __init__(self, executor: Executor, client_class: type[Client] = Client) -> None:
        service_end, client_end = Channel.pair()
        self.session = ClientSession(service_end, executor)
        self.client = client_class(client_end)
        self.thread = threading.Thread(target=self.session.serve, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.client.channel.close()
        self.thread.join(TIMEOUT)
