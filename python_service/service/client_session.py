"""One client's connection to the service: decode a frame, check it, run it (docs/wire.md §3-§5).

A `ClientSession` owns what belongs to one connection: its `ObjectTable`, each device's error
scopes, and the queue of work it has handed to the shared `Executor`. `handle_frame` is the
whole life of one frame:

1. *decode* every message of the frame with the generated codec, including what travels inside
   a message (a `finish`'s command stream, a `build`'s constant arena, shared-memory `Bytes`);
   the connection's first frame must start with `hello`, whose schema hash must be this
   build's (docs/wire.md §2.4);
2. *preflight* every object handle of the frame against the table, as the frame's own creations
   and releases would change it (docs/wire.md §2.2);
3. *run* the messages in order, each through the handler its class maps to in `_HANDLERS`.

A `BadMessage` in stage 1 or 2 drops the client (channel closed, objects released, queued work
cancelled) before anything of the frame ran: this is stricter than the "a bad id runs nothing from
that message onwards" of §3.1, because the preflight sees every handle up front. Validation
errors are values (`NPUError`) routed to the innermost matching error scope of the device, or
sent as the uncaptured-error event; a promise method's own failure is its rejected reply.

Queue work (writeBuffer, submit, readBuffer, onSubmittedWorkDone) is validated when its message
runs, so errors land in the error scope current at that moment, and then appended to the
session's serial work list, which one executor work item at a time drains in order: one client's
work stays in order, and other clients' work runs on the other workers meanwhile.

Fairness and faults (docs/fairness.md):
- a drain runs one *turn* (at most TURN_ITEMS operations or TURN_SECONDS), then queues the rest
  as a new executor item, which goes to the back of the executor's round-robin line;
- each submit runs under the executor's watchdog with a token of its own: past the dispatch
  time limit it is cancelled and its device is lost (NPUDeviceLostEvent, reason "unknown"); the
  device's later work fails as on a destroyed device, the connection and other devices carry
  on. The device's objects are freed by the frame thread at the client's next frame, because
  only that thread changes the object table;
- quotas: the object table's (objects, buffers, graphs, memory), the service-wide
  `MemoryBudget` shared by every session, `ClientQuotas.max_queued_operations`, and the
  message-rate limits of rate_limit.py, applied by not reading the socket while in debt.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import os
import select
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.generated import wire as gen
from python_service.ipc.channel import Channel, ChannelClosed, Message
from python_service.ipc.shared_memory import REQUIRED_SEALS, SharedMemory
from python_service.service import command_validator as cv
from python_service.service.adapters import Adapter, available_adapters, order_for
from python_service.service.executor import (
    CancellationToken,
    CompiledGraph,
    Executor,
    PreparedRun,
)
from python_service.service.model_loader import (
    DEFAULT_MODEL_LIMITS,
    ModelError,
    check_model_size,
    load_model,
)
from python_service.service.objects import (
    BufferState,
    BufferUsage,
    ClientQuotas,
    CommandBufferState,
    CommandEncoderState,
    GraphState,
    InvalidObject,
    MapMode,
    MemoryBudget,
    NPUError,
    ObjectKind,
    ObjectTable,
    QueueState,
    describe,
)
from python_service.service.rate_limit import ClientRateLimiter, FairShare, RateLimits
from python_service.shared.graph import GraphError, validate_graph
from python_service.shared.tensors import OperandDescriptor, TensorError, make_descriptor
from python_service.wire import graph as wire_graph
from python_service.wire import runtime as rt

log = logging.getLogger(__name__)

_K = BadMessageKind
_ALL_USAGES = int(
    BufferUsage.MAP_READ
    | BufferUsage.MAP_WRITE
    | BufferUsage.COPY_SRC
    | BufferUsage.COPY_DST
    | BufferUsage.INPUT
    | BufferUsage.OUTPUT
)
_session_ids = itertools.count(1)

# One turn of a client's serial work list on an executor worker: at most this many operations
# or this long (checked between operations), then the rest waits behind the other clients.
# Small enough that a client with a long list cannot hold a worker from the others for long;
# large enough that requeueing (one lock, one Future) stays a small fraction of the turn.
TURN_ITEMS = 16
TURN_SECONDS = 0.005
# The longest one wait of the rate limiter (it repeats while the debt lasts): bounds how late
# the session notices a shutdown while throttling.
MAX_THROTTLE_WAIT = 0.25


# --- service-side state the shared objects module does not define ----------------------------


@dataclass
class ErrorScope:
    filter: str
    error: NPUError | None = None


@dataclass
class DeviceState:
    """NPUDevice: its adapter, its error-scope stack, and whether it is lost."""

    adapter: Adapter
    queue: rt.Handle
    scopes: list[ErrorScope] = field(default_factory=list)
    lost: bool = False
    label: str = ""


@dataclass
class GraphBuilderState:
    device: rt.Handle
    built: bool = False
    label: str = ""


# --- decoded frames -----------------------------------------------------------------------


@dataclass(frozen=True)
class _OverBudget:
    """Client data that was not mapped: it did not fit in the service's memory budget."""

    size: int


@dataclass
class _Item:
    """One decoded message and what decoding found inside it."""

    header: rt.MessageHeader
    message: Any
    commands: tuple = ()  # finish: the decoded command stream
    graph: Any = None  # build: shared.graph.GraphDescription, or the GraphError it raised
    data: Any = None  # Bytes: `bytes`, or a read-only SharedMemory mapping


def _bad(kind: BadMessageKind, detail: str) -> BadMessage:
    return BadMessage(kind, detail)


class _Preflight:
    """The table as this frame's creations and releases would leave it (lookups only)."""

    def __init__(self, table: ObjectTable) -> None:
        self.table = table
        self.created: dict[tuple[ObjectKind, int], int] = {}
        self.released: dict[tuple[ObjectKind, int], int] = {}

    def use(self, kind: ObjectKind, handle: rt.Handle) -> None:
        key = (kind, handle.id)
        if key in self.created:
            if self.created[key] != handle.generation:
                raise _bad(_K.WEBNPU_ERROR_ILLEGAL_OBJECT_ID, f"{kind.name} {describe(handle)}")
        elif key in self.released:
            raise _bad(
                _K.WEBNPU_ERROR_ILLEGAL_OBJECT_ID,
                f"{kind.name} {describe(handle)} is used after its release",
            )
        else:
            self.table.get(kind, handle)

    def create(self, kind: ObjectKind, handle: rt.Handle) -> None:
        key = (kind, handle.id)
        if key in self.created:
            raise _bad(
                _K.WEBNPU_ERROR_ILLEGAL_OBJECT_ID,
                f"creating {kind.name} {describe(handle)} over a live id",
            )
        if key in self.released:
            if handle.generation <= self.released.pop(key):
                raise _bad(
                    _K.WEBNPU_ERROR_ILLEGAL_OBJECT_ID,
                    f"creating {kind.name} {describe(handle)} with a stale generation",
                )
        else:
            self.table.check_new(kind, handle)
        self.created[key] = handle.generation

    def release(self, kind: ObjectKind, handle: rt.Handle) -> None:
        self.use(kind, handle)
        key = (kind, handle.id)
        self.created.pop(key, None)
        self.released[key] = handle.generation


def _kind(cls: type) -> ObjectKind:
    return ObjectKind(cls.ORDINAL >> 16)


# Message class -> the handles it creates, as (field, kind). Every message's `self_` is a use of
# its own interface; `_EXTRA_USES` lists the other handles a message names.
_CREATES: dict[type, tuple[tuple[str, ObjectKind], ...]] = {
    gen.NPURequestAdapter: (("result", ObjectKind.ADAPTER),),
    gen.NPUAdapterRequestDevice: (("result", ObjectKind.DEVICE), ("result_1", ObjectKind.QUEUE)),
    gen.NPUDeviceCreateBuffer: (("result", ObjectKind.BUFFER),),
    gen.NPUDeviceCreateGraphBuilder: (("result", ObjectKind.GRAPH_BUILDER),),
    gen.NPUDeviceLoadModel: (("result", ObjectKind.GRAPH),),
    gen.NPUDeviceCreateCommandEncoder: (("result", ObjectKind.COMMAND_ENCODER),),
    gen.NPUGraphBuilderBuild: (("result", ObjectKind.GRAPH),),
    gen.NPUCommandEncoderFinish: (("result", ObjectKind.COMMAND_BUFFER),),
}


def _extra_uses(item: _Item) -> list[tuple[ObjectKind, rt.Handle]]:
    message = item.message
    if isinstance(message, gen.NPUQueueWriteBuffer | gen.NPUQueueReadBuffer):
        return [(ObjectKind.BUFFER, message.buffer)]
    if isinstance(message, gen.NPUQueueSubmit):
        return [(ObjectKind.COMMAND_BUFFER, h) for h in message.command_buffers]
    uses = []
    for command in item.commands:
        if isinstance(command, gen.NPUCommandEncoderDispatch):
            uses.append((ObjectKind.GRAPH, command.graph))
            handles = [*command.inputs.values(), *command.outputs.values()]
        else:
            handles = [command.source, command.destination]
        uses.extend((ObjectKind.BUFFER, h) for h in handles)
    return uses


def _is_release(message: Any) -> bool:
    return message.ORDINAL & 0xFFFF == 0


def _is_label(message: Any) -> bool:
    return type(message).__name__.endswith("Label")


# --- the session --------------------------------------------------------------------------


class ClientSession:
    """One client connection: decode, check and run its frames; reply on its channel."""

    def __init__(
        self,
        channel: Channel,
        executor: Executor,
        *,
        adapters: tuple[Adapter, ...] | None = None,
        quotas: ClientQuotas | None = None,
        limits: cv.CommandLimits | None = None,
        budget: MemoryBudget | None = None,
        rate_limits: RateLimits | None = None,
        fair_share: FairShare | None = None,
    ) -> None:
        self.channel = channel
        self.executor = executor
        self.client_id = f"client-{next(_session_ids)}"
        self.adapters = adapters if adapters is not None else available_adapters()
        self.budget = budget
        self.table = ObjectTable(quotas or ClientQuotas(), budget)
        self.limits = limits or cv.CommandLimits()
        self.rate = ClientRateLimiter(rate_limits, fair_share)
        self.closed = False
        self.close_reason: BadMessage | None = None
        self.greeted = False  # the client's `hello` arrived (docs/wire.md §2.4)
        # Serial queue work: drained by at most one executor work item at a time.
        self._lock = threading.Lock()
        self._work: collections.deque[Callable[[CancellationToken], None]] = collections.deque()
        self._draining = False
        self._pending_submits = 0
        self._queued_operations = 0  # counted queue work waiting (ClientQuotas)
        # Every buffer whose memory is not freed yet, by id(): closed with the session.
        self._buffers: dict[int, BufferState] = {}
        self._mappings: list[SharedMemory] = []  # peer memory mapped but not yet consumed
        self._budgeted: set[SharedMemory] = set()  # those of them charged to the budget
        # Devices the watchdog lost whose objects the frame thread has yet to free.
        self._lost_devices: list[rt.Handle] = []
        self._frame_messages = 0  # messages in the frame just handled (for the rate limit)

    # --- the frame loop -------------------------------------------------------------------

    def serve(self) -> None:
        """Receive and handle frames until the peer goes away or misbehaves."""
        while not self.closed:
            try:
                message = self.channel.receive()
            except ChannelClosed:
                self.close()
                return
            except BadMessage as error:  # framing: the channel already closed itself
                self.close(error)
                return
            size = len(message.payload)
            self._frame_messages = 0
            # This thread's CPU time (not wall time: waiting for the interpreter lock is
            # other clients' time) is what handling the frame cost the service.
            cpu = time.thread_time()
            self.handle_frame(message)
            cpu = time.thread_time() - cpu
            self._throttle(self.rate.charge(max(1, self._frame_messages), size, cpu))

    def _throttle(self, wait: float) -> None:
        """Leave the socket unread for `wait` seconds (rate_limit.py: backpressure), waking
        early if the connection is shut down (a service shutdown shuts every socket)."""
        if wait <= 0 or self.closed:
            return
        poller = select.poll()
        try:
            poller.register(self.channel.fileno(), select.POLLRDHUP)
        except (OSError, ValueError):  # closed meanwhile
            return
        end = time.monotonic() + wait
        while (left := end - time.monotonic()) > 0:
            # POLLHUP (always reported) or POLLRDHUP: shut down or the peer hung up.
            if poller.poll(min(left, MAX_THROTTLE_WAIT) * 1000):
                return

    def handle_frame(self, message: Message) -> bool:
        """Decode, check and run one frame. False if it was bad (the session is then closed)."""
        if self.closed:
            message.close()
            return False
        self._free_lost_devices()
        with message:
            mapped: list[SharedMemory] = []
            try:
                items = self._decode(message, mapped)
                self._preflight(items)
            except BadMessage as error:
                for memory in mapped:
                    self._unmap_peer(memory)
                self.close(error)
                return False
            with self._lock:
                self._mappings.extend(mapped)
        self._frame_messages = len(items)
        try:
            for item in items:
                self._run(item)
        except BadMessage as error:  # a lookup the preflight could not foresee
            self.close(error)
            return False
        return True

    def close(self, error: BadMessage | None = None) -> None:
        """Drop the client: channel closed, queued work cancelled, objects and memory freed."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = error
        if error is not None:
            log.warning("dropping %s: %s", self.client_id, error)
        self.channel.close()
        self.rate.close()
        self.executor.cancel_client(self.client_id)
        with self._lock:
            self._work.clear()
            buffers, self._buffers = list(self._buffers.values()), {}
            mappings, self._mappings = self._mappings, []
        for buffer in buffers:
            self._free_memory(buffer)
        for memory in mappings:
            self._unmap_peer(memory)
        for _handle, graph in self.table.live(ObjectKind.GRAPH):
            if isinstance(graph, GraphState):
                self._release_budget(graph.memory_bytes)
        self.table = ObjectTable(self.table.quotas, self.budget)

    # --- stage 1: decode ------------------------------------------------------------------

    def _decode(self, message: Message, mapped: list[SharedMemory]) -> list[_Item]:
        reader = rt.MessageReader(message.payload, message.fds)
        if not self.greeted:
            self._hello(gen.read_hello(reader))
        items = []
        while (found := gen.read_message(reader)) is not None:
            header, decoded = found
            item = _Item(header, decoded)
            self._decode_inner(item, mapped)
            items.append(item)
        reader.finish()
        return items

    def _hello(self, hello: gen.ConnectionHello) -> None:
        """The first message (§2.4): a different schema hash means a different build, whose
        messages this service could decode as the wrong types, so the client is dropped."""
        if hello.schema_hash != gen.SCHEMA_HASH:
            log.error(
                "%s: schema hash mismatch: the client's is %#018x, this service's is %#018x "
                "(client and service are different builds)",
                self.client_id,
                hello.schema_hash,
                gen.SCHEMA_HASH,
            )
            raise _bad(
                _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
                f"hello: schema hash {hello.schema_hash:#018x}, "
                f"this service's is {gen.SCHEMA_HASH:#018x}",
            )
        self.greeted = True

    def _bytes(
        self,
        value: bytes | rt.SharedMemoryClaim,
        mapped: list[SharedMemory],
        *,
        budgeted: bool = False,
    ) -> Any:
        """Inline bytes as they are, or the client's shared memory mapped read-only.

        `budgeted`: the mapping may wait in the queue (writeBuffer data), and every page of
        it is resident in the service while mapped, so it is charged to the memory budget
        until consumed; if it does not fit, nothing is mapped and `_OverBudget` stands in.
        Mappings used within the frame (command streams, constant arenas, models) are
        copied and unmapped at once instead.
        """
        if isinstance(value, rt.SharedMemoryClaim):
            if budgeted and self.budget is not None and not self.budget.try_charge(value.size):
                return _OverBudget(value.size)
            # A duplicate: the frame's Message keeps (and closes) the original descriptor.
            try:
                memory = SharedMemory.from_fd(os.dup(value.fd), value.size, readonly=True)
            except BaseException:
                if budgeted:
                    self._release_budget(value.size)
                raise
            if budgeted:
                with self._lock:
                    self._budgeted.add(memory)
            mapped.append(memory)
            return memory
        return value

    def _unmap_peer(self, memory: SharedMemory) -> None:
        """Forget and unmap a client mapping (any thread); its budget charge, if it had one,
        is returned exactly once."""
        with self._lock:
            if memory in self._mappings:
                self._mappings.remove(memory)
            charged = memory in self._budgeted
            self._budgeted.discard(memory)
        with contextlib.suppress(BufferError):  # a cancelled copy may still hold a view
            memory.close()
        if charged:
            self._release_budget(memory.size)

    def _budget_error(self, what: str, size: int) -> NPUError:
        budget = self.budget
        left = "?" if budget is None else f"{budget.available} of {budget.capacity}"
        return NPUError(
            "out-of-memory",
            f"{what}: {size} bytes of data do not fit in the service's memory budget "
            f"({left} bytes left for all clients)",
        )

    def _release_budget(self, size: int) -> None:
        if self.budget is not None:
            self.budget.release(size)

    def _decode_inner(self, item: _Item, mapped: list[SharedMemory]) -> None:
        message = item.message
        if isinstance(message, gen.NPUCommandEncoderFinish):
            stream = self._bytes(message.commands, mapped)
            if isinstance(stream, SharedMemory):
                if stream.size > gen.WIRE_MAX_COMMAND_STREAM_BYTES:
                    raise _bad(_K.WEBNPU_ERROR_MESSAGE_TOO_LARGE, f"{stream.size}-byte stream")
                stream = self._copy_out(stream, mapped)  # copied before it is checked (§3.3)
            reader = rt.MessageReader(stream)
            commands = []
            while (command := gen.read_command(reader)) is not None:
                commands.append(command)
                if len(commands) > gen.WIRE_MAX_COMMANDS:
                    raise _bad(_K.VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER, "too many commands")
            if len(commands) != message.command_count:
                raise _bad(
                    _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
                    f"command_count {message.command_count}, the stream holds {len(commands)}",
                )
            item.commands = tuple(commands)
        elif isinstance(message, gen.NPUGraphBuilderBuild):
            arena = None
            data = self._bytes(message.graph.constant_data, mapped)
            if isinstance(data, SharedMemory):
                arena = self._copy_out(data, mapped)
            try:
                item.graph = wire_graph.from_wire(message.graph, arena)
            except GraphError as error:  # semantic: build rejects, the client stays
                item.graph = error
        elif isinstance(message, gen.NPUDeviceLoadModel):
            item.data = self._bytes(message.onnx_bytes, mapped)
        elif isinstance(message, gen.NPUQueueWriteBuffer):
            item.data = self._bytes(message.data, mapped, budgeted=True)

    @staticmethod
    def _copy_out(memory: SharedMemory, mapped: list[SharedMemory]) -> bytes:
        """Copy a mapping used within the frame and unmap it now: kept until the session
        closed, every such mapping would stay resident and hold a descriptor."""
        with memory.view() as view:
            data = bytes(view)
        mapped.remove(memory)
        memory.close()
        return data

    # --- stage 2: handles -----------------------------------------------------------------

    def _preflight(self, items: list[_Item]) -> None:
        check = _Preflight(self.table)
        for item in items:
            message = item.message
            kind = _kind(type(message))
            if _is_release(message):
                check.release(kind, message.self_)
                continue
            check.use(kind, message.self_)
            for kind_, handle in _extra_uses(item):
                check.use(kind_, handle)
            for name, created in _CREATES.get(type(message), ()):
                check.create(created, getattr(message, name))

    # --- stage 3: run ---------------------------------------------------------------------

    def _run(self, item: _Item) -> None:
        message = item.message
        if _is_release(message):
            self._release(message)
        elif _is_label(message):
            obj = self.table.get(_kind(type(message)), message.self_)
            if hasattr(obj, "label"):
                obj.label = message.value
        else:
            handler = _HANDLERS.get(type(message))
            if handler is None:
                self._not_supported(item)
            else:
                handler(self, item)

    def _not_supported(self, item: _Item) -> None:
        message = item.message
        self.table.get(_kind(type(message)), message.self_)
        text = f"{type(message).__name__} is not supported by this service yet"
        if item.header.request_id:
            self._reject(item, "OperationError", text)

    # --- sending --------------------------------------------------------------------------

    def _send(self, message: Any, request_id: int = 0) -> None:
        w = rt.MessageWriter()
        if request_id:
            message.encode(w, request_id)
        else:
            message.encode(w)
        payload, fds = w.finish()
        with contextlib.suppress(ChannelClosed, OSError):
            self.channel.send(payload, fds)

    def _reply(self, item: _Item, result: Any) -> None:
        cls = gen.REPLIES[item.header.ordinal]
        self._send(cls(result), item.header.request_id)

    def _reject(self, item: _Item, exception: str, text: str) -> None:
        self._reply(item, gen.Rejection(exception=exception, message=text))

    # --- errors ---------------------------------------------------------------------------

    def _report(self, device_handle: rt.Handle, error: NPUError | None) -> None:
        """To the innermost scope whose filter matches, else the uncaptured-error event."""
        if error is None:
            return
        with self._lock:
            device = self._device_or_none(device_handle)
            if device is None or device.lost:
                return  # errors on a lost (or unknown) device are not reported (WebGPU)
            for scope in reversed(device.scopes):
                if scope.filter == error.filter:
                    if scope.error is None:
                        scope.error = error
                    return
        event = gen.NPUDeviceUncapturederrorEvent(
            self_=device_handle, error=gen.ErrorReport(type=error.filter, message=error.message)
        )
        self._send(event)

    def _report_on(self, obj: Any, error: NPUError | None) -> None:
        """Report an error of a use of `obj` (valid or an error object) to its device."""
        device = getattr(obj, "device", None)
        if device is not None:
            self._report(device, error)

    def _device_or_none(self, handle: rt.Handle) -> DeviceState | None:
        try:
            device = self.table.get(ObjectKind.DEVICE, handle)
        except BadMessage:
            return None
        return device if isinstance(device, DeviceState) else None

    def _create(self, kind: ObjectKind, handle: rt.Handle, device: rt.Handle, obj: Any) -> None:
        """Enter `obj`; a quota error (and the error object it leaves) goes to `device`."""
        self._report(device, self.table.create(kind, handle, obj))

    def _invalid(self, kind: ObjectKind, handle: rt.Handle, device: rt.Handle, text: str) -> None:
        """A creation that failed validation: an error object and a validation error."""
        self.table.create(kind, handle, InvalidObject(kind, text, device))
        self._report(device, NPUError("validation", text))

    # --- NPU and adapters -----------------------------------------------------------------

    def _request_adapter(self, item: _Item) -> None:
        message: gen.NPURequestAdapter = item.message
        preference = message.options.power_preference or "default"
        ordered = order_for(self.adapters, preference)
        if not ordered:
            self._reply(item, gen.NPURequestAdapterResolved(None, None, None))
            return
        adapter = ordered[0]
        self.table.create(ObjectKind.ADAPTER, message.result, adapter)
        info = adapter.info
        self._reply(
            item,
            gen.NPURequestAdapterResolved(
                features=_features(adapter),
                limits=_limits(adapter, self.table.quotas, self.limits),
                info=gen.NPUAdapterInfo(
                    info.vendor, info.architecture, info.device, info.description
                ),
            ),
        )

    def _request_device(self, item: _Item) -> None:
        message: gen.NPUAdapterRequestDevice = item.message
        adapter = self.table.get(ObjectKind.ADAPTER, message.self_)
        descriptor = message.descriptor
        offered = set(_features(adapter).values)
        missing = [f for f in descriptor.required_features if f not in offered]
        if missing:
            self._reject(item, "TypeError", f"requestDevice: features {missing} not supported")
            return
        supported = _limits(adapter, self.table.quotas, self.limits)
        for name, value in (descriptor.required_limits or {}).items():
            field_name = _LIMIT_FIELDS.get(name)
            if field_name is None:
                self._reject(item, "OperationError", f"requestDevice: unknown limit {name!r}")
                return
            if value > getattr(supported, field_name):
                self._reject(
                    item,
                    "OperationError",
                    f"requestDevice: {name} {value} exceeds the adapter's "
                    f"{getattr(supported, field_name)}",
                )
                return
        device = DeviceState(adapter, message.result_1, label=descriptor.label)
        self.table.create(ObjectKind.DEVICE, message.result, device)
        self.table.create(ObjectKind.QUEUE, message.result_1, QueueState(message.result))
        self._reply(item, gen.NPUAdapterRequestDeviceResolved(_features(adapter), supported))

    # --- the device -----------------------------------------------------------------------

    def _destroy_device(self, item: _Item) -> None:
        handle = item.message.self_
        device = self.table.get(ObjectKind.DEVICE, handle)
        if device.lost:
            return
        with self._lock:
            device.lost = True
        self._destroy_device_objects(handle)
        info = gen.NPUDeviceLostInfo(reason="destroyed", message="destroy() was called")
        self._send(gen.NPUDeviceLostEvent(self_=item.message.self_, info=info))

    def _destroy_device_objects(self, handle: rt.Handle) -> None:
        """The IDL: destroy() "destroys its buffers and graphs" (a lost device's go the same
        way). Their memory goes after the work already submitted, as for NPUBuffer.destroy();
        later submits name destroyed objects and fail validation (not reported: the device is
        lost)."""
        for buffer_handle, buffer in self.table.live(ObjectKind.BUFFER):
            if isinstance(buffer, BufferState) and buffer.device == handle:
                self._destroy_buffer_state(buffer_handle, buffer)
        for _graph_handle, graph in self.table.live(ObjectKind.GRAPH):
            if isinstance(graph, GraphState) and graph.device == handle:
                graph.destroyed = True

    def _push_error_scope(self, item: _Item) -> None:
        device = self.table.get(ObjectKind.DEVICE, item.message.self_)
        with self._lock:
            device.scopes.append(ErrorScope(item.message.filter))

    def _pop_error_scope(self, item: _Item) -> None:
        device = self.table.get(ObjectKind.DEVICE, item.message.self_)
        with self._lock:
            scope = device.scopes.pop() if device.scopes else None
        if scope is None:
            self._reject(item, "OperationError", "popErrorScope: the error scope stack is empty")
            return
        error = scope.error
        report = None if error is None else gen.ErrorReport(error.filter, error.message)
        self._reply(item, gen.NPUDevicePopErrorScopeResolved(report))

    def _create_buffer(self, item: _Item) -> None:
        message: gen.NPUDeviceCreateBuffer = item.message
        device_handle = message.self_
        device = self.table.get(ObjectKind.DEVICE, device_handle)
        name = f"createBuffer {describe(message.result)}"
        problem, tensor = _check_buffer_descriptor(message.descriptor, device.adapter)
        if problem is not None:
            self._invalid(ObjectKind.BUFFER, message.result, device_handle, f"{name}: {problem}")
            return
        descriptor = message.descriptor
        state = BufferState(
            device_handle, descriptor.size, descriptor.usage, tensor, label=descriptor.label
        )
        # Charges the client's quota and the service's budget (ObjectTable.create).
        error = self.table.create(ObjectKind.BUFFER, message.result, state)
        if error is None and descriptor.size:
            try:
                state.memory = SharedMemory.create(descriptor.size, "webnpu-buffer")
            except OSError as failure:  # the machine ran out before the budget did
                # A destroyed buffer from now on: uncharged, and every use an error.
                self.table.destroy_buffer(message.result)
                self._release_budget(descriptor.size)
                error = NPUError("out-of-memory", f"{name}: allocation failed: {failure}")
            else:
                with self._lock:
                    self._buffers[id(state)] = state
        self._report(device_handle, error)

    def _create_graph_builder(self, item: _Item) -> None:
        message = item.message
        self.table.get(ObjectKind.DEVICE, message.self_)
        self._create(
            ObjectKind.GRAPH_BUILDER,
            message.result,
            message.self_,
            GraphBuilderState(message.self_),
        )

    def _create_command_encoder(self, item: _Item) -> None:
        message = item.message
        self.table.get(ObjectKind.DEVICE, message.self_)
        state = CommandEncoderState(message.self_, label=message.descriptor.label)
        self._create(ObjectKind.COMMAND_ENCODER, message.result, message.self_, state)

    def _load_model(self, item: _Item) -> None:
        message: gen.NPUDeviceLoadModel = item.message
        device = self.table.get(ObjectKind.DEVICE, message.self_)
        data = item.data
        try:
            if isinstance(data, SharedMemory):
                check_model_size(data.size, DEFAULT_MODEL_LIMITS)  # before the copy
                data = self._consume(data)
            loaded = load_model(data)
            inputs = {n.name: n.descriptor for n in loaded.inputs}
            outputs = {n.name: n.descriptor for n in loaded.outputs}
            compiled = CompiledGraph(
                loaded.model_bytes, inputs, outputs, providers=device.adapter.providers
            )
        except ModelError as error:
            self._reject(item, "OperationError", f"loadModel: {error}")
            return
        except Exception as error:  # onnxruntime refused what the loader accepted
            self._reject(item, "OperationError", f"loadModel: compilation failed: {error}")
            return
        finally:
            if isinstance(item.data, SharedMemory):
                self._consume(item.data)
        self._graph_created(
            item, message.self_, inputs, outputs, compiled, gen.NPUDeviceLoadModelResolved
        )

    def _consume(self, memory: SharedMemory) -> bytes:
        """Copy a peer mapping out and unmap it."""
        data = b""
        if not memory.closed:
            with memory.view() as view:
                data = bytes(view)
        self._unmap_peer(memory)
        return data

    def _graph_created(self, item, device, inputs, outputs, compiled, resolved_cls) -> None:
        state = GraphState(device, dict(inputs), dict(outputs), executable=compiled)
        state.memory_bytes = compiled.model_byte_length + sum(
            d.byte_length for d in [*inputs.values(), *outputs.values()]
        )
        error = self.table.create(ObjectKind.GRAPH, item.message.result, state)
        if error is not None:  # a rejected creation leaves no entry (§2.2)
            self.table.release(ObjectKind.GRAPH, item.message.result)
            self._reject(item, "OperationError", error.message)
            return
        self._reply(
            item,
            resolved_cls(
                inputs=tuple(_tensor_info(n, d) for n, d in inputs.items()),
                outputs=tuple(_tensor_info(n, d) for n, d in outputs.items()),
            ),
        )

    # --- graphs ---------------------------------------------------------------------------

    def _build(self, item: _Item) -> None:
        message: gen.NPUGraphBuilderBuild = item.message
        builder = self.table.get(ObjectKind.GRAPH_BUILDER, message.self_)
        if isinstance(builder, InvalidObject):
            self._reject(item, "TypeError", f"build: the builder is invalid ({builder.reason})")
            return
        if builder.built:
            self._reject(item, "TypeError", "build: the builder has already built a graph")
            return
        builder.built = True
        # The builder names its device, the message does not: a client may have released the
        # device's handle since (nothing a correct client cannot do), so this is no bad message.
        device = self._device_or_none(builder.device)
        if device is None or device.lost:
            self._reject(item, "OperationError", "build: the builder's device is gone or lost")
            return
        if isinstance(item.graph, GraphError):
            self._reject(item, "TypeError", f"build: {item.graph}")
            return
        try:
            validated = validate_graph(item.graph, device.adapter.limits.graph)
        except GraphError as error:
            self._reject(item, "TypeError", f"build: {error}")
            return
        try:
            compiled = CompiledGraph.from_validated(validated, providers=device.adapter.providers)
        except Exception as error:
            self._reject(item, "OperationError", f"build: compilation failed: {error}")
            return
        self._graph_created(
            item, builder.device, compiled.inputs, compiled.outputs, compiled,
            gen.NPUGraphBuilderBuildResolved,
        )  # fmt: skip

    def _destroy_graph(self, item: _Item) -> None:
        graph = self.table.get(ObjectKind.GRAPH, item.message.self_)
        if isinstance(graph, GraphState):
            graph.destroyed = True

    # --- command encoders -----------------------------------------------------------------

    def _finish(self, item: _Item) -> None:
        message: gen.NPUCommandEncoderFinish = item.message
        encoder = self.table.get(ObjectKind.COMMAND_ENCODER, message.self_)
        error = cv.finish(self.table, message, item.commands, self.limits)
        device = encoder.device if isinstance(encoder, CommandEncoderState) else None
        if device is not None:
            self._report(device, error)

    # --- buffers --------------------------------------------------------------------------

    def _destroy_buffer(self, item: _Item) -> None:
        handle = item.message.self_
        self._destroy_buffer_state(handle, self.table.get(ObjectKind.BUFFER, handle))

    def _destroy_buffer_state(self, handle: rt.Handle, buffer: Any) -> None:
        already = isinstance(buffer, BufferState) and buffer.destroyed
        self.table.destroy_buffer(handle)
        if isinstance(buffer, BufferState) and not already:
            self._end_mapping(buffer)  # destroy() unmaps; a pending map then aborts
            # After the work already submitted.
            self._enqueue(lambda _token: self._free_memory(buffer))

    def _release(self, message: Any) -> None:
        kind = _kind(type(message))
        obj = self.table.release(kind, message.self_)
        if isinstance(obj, BufferState) and not obj.destroyed:
            # The handle is gone; the memory goes once earlier work is done. A command buffer
            # finished but not yet submitted that names it then fails submit validation.
            obj.destroyed = True
            self._end_mapping(obj)
            self._enqueue(lambda _token: self._free_memory(obj))
        elif isinstance(obj, GraphState):
            # onnxruntime's session goes with the last reference (a command buffer may still
            # hold one for a moment); the budget is returned with the handle.
            self._release_budget(obj.memory_bytes)

    def _free_memory(self, buffer: BufferState) -> None:
        """Free a buffer's memfd and return its bytes to the budget (exactly once: whoever
        takes `memory` from the buffer does it, under the lock)."""
        with self._lock:
            memory, buffer.memory = buffer.memory, None
            self._buffers.pop(id(buffer), None)
        if memory is not None:
            with contextlib.suppress(BufferError):  # a cancelled run may still hold a view
                memory.close()
            self._release_budget(buffer.size)

    # --- mapping (docs/wire.md §4.1): the client maps the buffer's own memfd ---------------

    def _map_async(self, item: _Item) -> None:
        message: gen.NPUBufferMapAsync = item.message
        buffer = self.table.get(ObjectKind.BUFFER, message.self_)
        problem = self._map_problem(buffer, message)
        if problem is not None:  # the promise rejects; no state changes
            self._reject(item, "OperationError", f"mapAsync {describe(message.self_)}: {problem}")
            return
        full = self._queue_full_problem()
        if full is not None:
            self._reject(item, "OperationError", f"mapAsync {describe(message.self_)}: {full}")
            return
        request = object()
        with self._lock:  # "pending" at once: a submit naming the buffer now fails validation
            buffer.map_state = "pending"
            buffer.pending_map = request

        def resolve(_token: CancellationToken) -> None:
            # Runs after all work this client queued before the mapAsync.
            fd = self._share_mapping(buffer, request)
            if isinstance(fd, gen.Rejection):
                self._reject(
                    item, fd.exception, f"mapAsync {describe(message.self_)}: {fd.message}"
                )
                return
            try:
                claim = rt.SharedMemoryClaim(fd, buffer.size)
                self._reply(item, gen.NPUBufferMapAsyncResolved(claim))
            finally:
                os.close(fd)

        self._enqueue(resolve, counted=True)

    def _map_problem(self, buffer: Any, message: gen.NPUBufferMapAsync) -> str | None:
        """mapAsync's rules (WebGPU's, adapted): the first one broken, or None."""
        if isinstance(buffer, InvalidObject):
            return f"the buffer is invalid ({buffer.reason})"
        device = self._device_or_none(buffer.device)
        if device is None or device.lost:
            return "the buffer's device is lost"
        if buffer.destroyed:
            return "the buffer is destroyed"
        if buffer.map_state != "unmapped":
            return f"the buffer's mapState is {buffer.map_state!r}, not 'unmapped'"
        mode = message.mode
        if mode not in (MapMode.READ, MapMode.WRITE):
            return f"mode {mode:#x} is not exactly one of READ (0x1) and WRITE (0x2)"
        needed = BufferUsage.MAP_READ if mode == MapMode.READ else BufferUsage.MAP_WRITE
        if not buffer.usage & needed:
            return f"mode {MapMode(mode).name} needs the {needed.name} usage"
        offset = message.offset
        if offset % 8:
            return f"offset {offset} is not a multiple of 8"
        if message.size is None and offset > buffer.size:
            return f"offset {offset} exceeds the buffer's size {buffer.size}"
        size = buffer.size - offset if message.size is None else message.size
        if size % 4:
            return f"size {size} is not a multiple of 4"
        if offset + size > buffer.size:  # Python ints: no u64 wrap
            return f"range [{offset}, {offset + size}) exceeds the buffer's size {buffer.size}"
        if buffer.memory is None:  # a zero-size buffer has no memfd to hand out
            return "a zero-size buffer has no memory to map"
        return None

    def _share_mapping(self, buffer: BufferState, request: object) -> int | gen.Rejection:
        """Settle a pending map: a duplicate of the buffer's memfd, or why the promise rejects.

        Under the lock, so unmap/destroy on the frame thread and close() cannot interleave:
        if the session is not closed here, close() has not reached the memory yet, and the
        duplicate keeps the descriptor number ours until the reply has gone out.
        """
        with self._lock:
            if buffer.pending_map is not request:
                verb = "destroy()" if buffer.destroyed else "unmap()"
                return gen.Rejection("AbortError", f"{verb} was called before the mapping resolved")
            buffer.pending_map = None
            device = self._device_or_none(buffer.device)
            memory = buffer.memory
            if self.closed or device is None or device.lost or memory is None or memory.closed:
                buffer.map_state = "unmapped"
                return gen.Rejection(
                    "AbortError", "the device was lost before the mapping resolved"
                )
            if memory.seals & REQUIRED_SEALS != REQUIRED_SEALS:  # never share a resizable fd
                buffer.map_state = "unmapped"
                return gen.Rejection("OperationError", "the buffer's memory is not sealed")
            buffer.map_state = "mapped"
            return os.dup(memory.fd)

    def _unmap(self, item: _Item) -> None:
        buffer = self.table.get(ObjectKind.BUFFER, item.message.self_)
        if isinstance(buffer, BufferState):  # unmapped (or an error object): a no-op
            self._end_mapping(buffer)

    def _end_mapping(self, buffer: BufferState) -> None:
        """Back to "unmapped"; a pending map's reply then rejects with AbortError. The client's
        bindings must unmap their side and detach every ArrayBuffer; the service does not
        depend on it (docs/wire.md §4.1)."""
        with self._lock:
            buffer.map_state = "unmapped"
            buffer.pending_map = None

    # --- the queue ------------------------------------------------------------------------

    def _queue(self, handle: rt.Handle) -> QueueState | InvalidObject:
        return self.table.get(ObjectKind.QUEUE, handle)

    def _write_buffer(self, item: _Item) -> None:
        message: gen.NPUQueueWriteBuffer = item.message
        queue = self._queue(message.self_)
        buffer = self.table.get(ObjectKind.BUFFER, message.buffer)
        data = item.data
        what = f"writeBuffer to buffer {describe(message.buffer)}"
        if isinstance(data, _OverBudget):
            self._report_on(queue, self._budget_error(what, data.size))
            return
        data_size = data.size if isinstance(data, SharedMemory) else len(data)
        size = data_size - message.data_offset if message.size is None else message.size
        problem = _check_buffer_use(buffer, queue, BufferUsage.COPY_DST)
        if problem is None:
            problem = self._queue_full_problem()
        if problem is None and (size < 0 or message.data_offset + size > data_size):
            problem = (
                f"data range [{message.data_offset}, {message.data_offset + max(size, 0)}) "
                f"exceeds the {data_size} bytes of data"
            )
        if problem is None and message.buffer_offset + size > buffer.size:
            problem = (
                f"range [{message.buffer_offset}, {message.buffer_offset + size}) exceeds the "
                f"buffer's size {buffer.size}"
            )
        if problem is not None:
            if isinstance(data, SharedMemory):
                self._unmap_peer(data)
            self._report_on(queue, NPUError("validation", f"{what}: {problem}"))
            return
        start, offset = message.data_offset, message.buffer_offset
        device = queue.device

        def write(_token: CancellationToken) -> None:
            try:
                if size and not self._is_lost(device):
                    source = data.view() if isinstance(data, SharedMemory) else memoryview(data)
                    target = buffer.memory.view()
                    target[offset : offset + size] = source[start : start + size]
                    del source, target
            finally:
                if isinstance(data, SharedMemory):
                    self._unmap_peer(data)

        self._enqueue(write, counted=True)

    def _read_buffer(self, item: _Item) -> None:
        message: gen.NPUQueueReadBuffer = item.message
        queue = self._queue(message.self_)
        buffer = self.table.get(ObjectKind.BUFFER, message.buffer)
        problem = _check_buffer_use(buffer, queue, BufferUsage.COPY_SRC)
        size = 0
        if problem is None:
            size = buffer.size - message.offset if message.size is None else message.size
            if size < 0 or message.offset + size > buffer.size:
                problem = (
                    f"range [{message.offset}, {message.offset + max(size, 0)}) exceeds the "
                    f"buffer's size {buffer.size}"
                )
        if problem is None:
            problem = self._queue_full_problem()
        if problem is not None:
            self._reject(
                item, "OperationError", f"readBuffer {describe(message.buffer)}: {problem}"
            )
            return
        offset = message.offset
        device = queue.device

        def read(_token: CancellationToken) -> None:
            if self._is_lost(device):
                self._reject(item, "AbortError", "readBuffer: the device was lost")
                return
            if size <= rt.MAX_INLINE_BYTES:
                data = b""
                if size:
                    with buffer.memory.view() as source:
                        data = source[offset : offset + size].tobytes()
                self._reply(item, gen.NPUQueueReadBufferResolved(data))
                return
            # One copy, from the buffer straight into the reply's memory.
            with SharedMemory.create(size, "webnpu-read") as memory:
                with memory.view() as target, buffer.memory.view() as source:
                    target[:] = source[offset : offset + size]
                claim = rt.SharedMemoryClaim(memory.fd, size)
                self._reply(item, gen.NPUQueueReadBufferResolved(claim))

        self._enqueue(read, counted=True)

    def _submit(self, item: _Item) -> None:
        message: gen.NPUQueueSubmit = item.message
        queue = self._queue(message.self_)
        with self._lock:
            pending = self._pending_submits
        buffers, error = cv.submit(self.table, message, pending, self.limits)
        if error is None and buffers and (full := self._queue_full_problem()) is not None:
            buffers, error = (), NPUError("validation", f"submit: {full}")
        self._report_on(queue, error)
        if not buffers:
            return
        device = queue.device
        with self._lock:
            self._pending_submits += 1
        what = f"{self.client_id}: a submit on device {describe(device)}"

        def run(token: CancellationToken) -> None:
            watch = None
            try:
                if self._is_lost(device):
                    return  # a lost device runs nothing more (as a destroyed one)
                with self.executor.watchdog.watch(token, what) as watch:
                    _run_submit(self.executor, buffers, token)
            except Exception as failure:
                if watch is not None and watch.expired:
                    limit = self.executor.watchdog.limit
                    self._lose_device(
                        device, f"a dispatch exceeded the {limit:g} s time limit and was cancelled"
                    )
                elif not token.cancelled:
                    self._report(device, NPUError("internal", f"submit: {failure}"))
            finally:
                with self._lock:
                    self._pending_submits -= 1

        self._enqueue(run, counted=True)

    def _on_submitted_work_done(self, item: _Item) -> None:
        queue = self._queue(item.message.self_)
        problem = self._queue_full_problem()
        if isinstance(queue, InvalidObject):
            problem = f"the queue is invalid ({queue.reason})"
        if problem is not None:
            self._reject(item, "OperationError", f"onSubmittedWorkDone: {problem}")
            return
        device = queue.device

        def done(_token: CancellationToken) -> None:
            if self._is_lost(device):
                self._reject(item, "AbortError", "onSubmittedWorkDone: the device was lost")
            else:
                self._reply(item, gen.NPUQueueOnSubmittedWorkDoneResolved())

        self._enqueue(done, counted=True)

    # --- device loss (the watchdog) -------------------------------------------------------

    def _is_lost(self, handle: rt.Handle) -> bool:
        device = self._device_or_none(handle)
        return device is None or device.lost

    def _lose_device(self, handle: rt.Handle, text: str) -> None:
        """Lose one device (any thread): its later work fails as on a destroyed device, the
        client hears why, and the frame thread frees its objects at the next frame."""
        with self._lock:
            device = self._device_or_none(handle)
            if device is None or device.lost:
                return
            device.lost = True
            self._lost_devices.append(handle)
        log.warning("%s: device %s lost: %s", self.client_id, describe(handle), text)
        info = gen.NPUDeviceLostInfo(reason="unknown", message=text)
        self._send(gen.NPUDeviceLostEvent(self_=handle, info=info))

    def _free_lost_devices(self) -> None:
        with self._lock:
            lost, self._lost_devices = self._lost_devices, []
        for handle in lost:
            self._destroy_device_objects(handle)

    # --- the serial work list -------------------------------------------------------------

    def _queue_full_problem(self) -> str | None:
        """ClientQuotas.max_queued_operations: queue work waiting in the service at once."""
        limit = self.table.quotas.max_queued_operations
        with self._lock:
            queued = self._queued_operations
        if queued >= limit:
            return f"{queued} queue operations are already waiting (limit {limit})"
        return None

    def _enqueue(self, work: Callable[[CancellationToken], None], *, counted: bool = False) -> None:
        """Append to the serial work list. `counted` work is a client's queue operation
        (quota'd); uncounted work is the service's own (freeing memory), which must not be
        refused."""
        with self._lock:
            if self.closed:
                return
            if counted:
                self._queued_operations += 1
            self._work.append((work, counted))
            if self._draining:
                return
            self._draining = True
        self.executor.submit(self.client_id, self._drain)

    def _drain(self, token: CancellationToken) -> None:
        """One turn: up to TURN_ITEMS operations or TURN_SECONDS, then the rest is queued as
        a new executor item, behind every other client with work (the fair share)."""
        end = time.monotonic() + TURN_SECONDS
        for _ in range(TURN_ITEMS):
            with self._lock:
                if not self._work or self.closed or token.cancelled:
                    self._draining = False
                    return
                work, counted = self._work.popleft()
            try:
                # A token per operation: the watchdog cancels one submit, never the turn.
                with token.linked() as own:
                    work(own)
            except Exception:
                log.exception("%s: queue work failed", self.client_id)
            finally:
                if counted:
                    with self._lock:
                        self._queued_operations -= 1
            if time.monotonic() >= end:
                break
        with self._lock:
            if not self._work or self.closed or token.cancelled:
                self._draining = False
                return
        try:
            self.executor.submit(self.client_id, self._drain)
        except Exception:  # shut down meanwhile: nothing will run the rest
            with self._lock:
                self._draining = False


_HANDLERS: dict[type, Callable[[ClientSession, _Item], None]] = {
    gen.NPURequestAdapter: ClientSession._request_adapter,
    gen.NPUAdapterRequestDevice: ClientSession._request_device,
    gen.NPUDeviceDestroy: ClientSession._destroy_device,
    gen.NPUDeviceCreateBuffer: ClientSession._create_buffer,
    gen.NPUDeviceCreateGraphBuilder: ClientSession._create_graph_builder,
    gen.NPUDeviceLoadModel: ClientSession._load_model,
    gen.NPUDeviceCreateCommandEncoder: ClientSession._create_command_encoder,
    gen.NPUDevicePushErrorScope: ClientSession._push_error_scope,
    gen.NPUDevicePopErrorScope: ClientSession._pop_error_scope,
    gen.NPUQueueSubmit: ClientSession._submit,
    gen.NPUQueueOnSubmittedWorkDone: ClientSession._on_submitted_work_done,
    gen.NPUQueueWriteBuffer: ClientSession._write_buffer,
    gen.NPUQueueReadBuffer: ClientSession._read_buffer,
    gen.NPUBufferMapAsync: ClientSession._map_async,
    gen.NPUBufferUnmap: ClientSession._unmap,
    gen.NPUBufferDestroy: ClientSession._destroy_buffer,
    gen.NPUGraphBuilderBuild: ClientSession._build,
    gen.NPUGraphDestroy: ClientSession._destroy_graph,
    gen.NPUCommandEncoderFinish: ClientSession._finish,
}


# --- helpers ------------------------------------------------------------------------------

_LIMIT_FIELDS = {
    "maxBufferSize": "max_buffer_size",
    "maxTensorRank": "max_tensor_rank",
    "maxTensorByteLength": "max_tensor_byte_length",
    "maxGraphOperands": "max_graph_operands",
    "maxModelByteLength": "max_model_byte_length",
    "maxDispatchInputs": "max_dispatch_inputs",
    "maxDispatchOutputs": "max_dispatch_outputs",
    "maxBuffersPerClient": "max_buffers_per_client",
    "maxGraphsPerClient": "max_graphs_per_client",
}


def _features(adapter: Adapter) -> gen.NPUSupportedFeatures:
    # adapters.py uses the IDL's NPUFeatureName values; a test keeps them in the enum.
    return gen.NPUSupportedFeatures(tuple(sorted(adapter.features)))


def _limits(
    adapter: Adapter, quotas: ClientQuotas, commands: cv.CommandLimits
) -> gen.NPUSupportedLimits:
    """What the page is told: the adapter's limits and the quotas this session enforces."""
    limits = adapter.limits
    return gen.NPUSupportedLimits(
        max_buffer_size=limits.max_buffer_size,
        max_tensor_rank=limits.max_tensor_rank,
        max_tensor_byte_length=limits.max_tensor_byte_length,
        max_graph_operands=limits.max_graph_operands,
        max_model_byte_length=DEFAULT_MODEL_LIMITS.max_model_byte_length,
        max_dispatch_inputs=commands.max_dispatch_inputs,
        max_dispatch_outputs=commands.max_dispatch_outputs,
        max_buffers_per_client=quotas.max_buffers,
        max_graphs_per_client=quotas.max_graphs,
    )


def _tensor_info(name: str, descriptor: OperandDescriptor) -> gen.NPUTensorInfo:
    return gen.NPUTensorInfo(descriptor.data_type.value, descriptor.shape, name)


def _check_buffer_descriptor(
    descriptor: gen.NPUBufferDescriptor, adapter: Adapter
) -> tuple[str | None, OperandDescriptor | None]:
    """createBuffer's rules (idl/webnpu.idl NPUBufferDescriptor and NPUBufferUsage)."""
    usage, size = descriptor.usage, descriptor.size
    if size > adapter.limits.max_buffer_size:
        return f"size {size} exceeds maxBufferSize {adapter.limits.max_buffer_size}", None
    if usage == 0:
        return "usage is empty", None
    if usage & ~_ALL_USAGES:
        return f"usage {usage:#x} has unknown bits", None
    if usage & BufferUsage.MAP_READ and usage & ~(BufferUsage.MAP_READ | BufferUsage.COPY_DST):
        return "MAP_READ may only be combined with COPY_DST", None
    if usage & BufferUsage.MAP_WRITE and usage & ~(BufferUsage.MAP_WRITE | BufferUsage.COPY_SRC):
        return "MAP_WRITE may only be combined with COPY_SRC", None
    tensor = None
    if descriptor.tensor is not None:
        try:
            tensor = make_descriptor(
                descriptor.tensor.data_type, descriptor.tensor.shape, adapter.limits.graph
            )
        except TensorError as error:
            return f"tensor: {error}", None
        if tensor.byte_length != size:
            return (
                f"tensor {tensor.describe()} is {tensor.byte_length} bytes, but size is {size}",
                None,
            )
    return None, tensor


def _check_buffer_use(buffer: Any, queue: Any, usage: BufferUsage) -> str | None:
    if isinstance(queue, InvalidObject):
        return f"the queue is invalid ({queue.reason})"
    if isinstance(buffer, InvalidObject):
        return f"the buffer is invalid ({buffer.reason})"
    if buffer.device != queue.device:
        return "the buffer belongs to another device than the queue"
    if buffer.destroyed:
        return "the buffer is destroyed"
    if not buffer.usage & usage:
        return f"the buffer lacks the {usage.name} usage"
    if buffer.map_state != "unmapped":
        return f"the buffer is {buffer.map_state}"
    return None


def _array(buffer: BufferState, descriptor: OperandDescriptor) -> np.ndarray:
    dtype = descriptor.data_type.numpy_dtype
    return np.frombuffer(buffer.memory.view(), dtype).reshape(descriptor.shape)


def _run_submit(
    executor: Executor, buffers: Sequence[CommandBufferState], token: CancellationToken
) -> None:
    """Run a validated submit's commands in order, with one RunOptions registered with `token`.

    A dispatch's arrays are made and checked (`Executor.prepare`) once per submit: the validator
    hands identical dispatches of a command buffer out as one object, so a batch of the same
    dispatch binds once. The arrays are valid for the whole submit: memory is freed only by
    queue work behind it (destroy and release enqueue `_free`), and the prepared runs are
    dropped before this returns, so `_free` finds no exported view.
    """
    prepared: dict[int, PreparedRun] = {}
    try:
        with token.run_options() as options:
            for buffer in buffers:
                for command in buffer.commands:
                    if isinstance(command, cv.ResolvedDispatch):
                        run = prepared.get(id(command))
                        if run is None:
                            run = prepared[id(command)] = _prepare(executor, command)
                        executor.run_prepared(run, options, token)
                    else:
                        _copy(command)
    finally:
        prepared.clear()


def _prepare(executor: Executor, dispatch: cv.ResolvedDispatch) -> PreparedRun:
    graph = dispatch.graph
    inputs = {b.name: _array(b.buffer, graph.inputs[b.name]) for b in dispatch.inputs}
    outputs = {b.name: _array(b.buffer, graph.outputs[b.name]) for b in dispatch.outputs}
    return executor.prepare(graph.executable, inputs, outputs)


def _copy(command: cv.ResolvedCopy) -> None:
    if command.size:
        source = command.source.buffer.memory.view()
        target = command.destination.buffer.memory.view()
        so, do, n = command.source_offset, command.destination_offset, command.size
        target[do : do + n] = source[so : so + n]
        del source, target
