"""Implementations of the service objects: NPU, adapters, devices, queues, buffers, graphs,
command encoders and command buffers (the graph builder is `graph_builder.py`).

Each method receives arguments the generated bindings already converted, encodes the
generated wire message for it (docs/wire.md §1.3 lists which), and returns what the IDL says.
Creating an object allocates its handle here and returns at once: the service enters it
when the batched message arrives (§2.2). A creation the service finds invalid becomes an
error object there, and its validation error reaches the device's error scopes.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from typing import Any

from python_service.client.base import WireObjectImpl, bytes_value, create, to_wire
from python_service.client.connection import ROOT_HANDLE, Connection
from python_service.client.events import EventTarget
from python_service.client.graph_builder import NPUGraphBuilderImpl
from python_service.client.promise import DOMException, Promise, rejected, resolved
from python_service.client.shared_mapping import SharedMapping
from python_service.client.values import error_from_report, lost_info, uncaptured_error_event
from python_service.generated import conversions as conv
from python_service.generated import wire as gen
from python_service.shared.tensors import Limits
from python_service.wire import runtime as rt

MAP_READ, MAP_WRITE = 0x1, 0x2  # NPUMapMode


def _tensor_infos(infos: tuple[gen.NPUTensorInfo, ...]) -> tuple[Any, ...]:
    return tuple(
        conv.NPUTensorInfo(data_type=i.data_type, shape=i.shape, name=i.name) for i in infos
    )


def _map_shared(
    connection: Connection, claim: rt.SharedMemoryClaim, *, writable: bool, keep_on_loss: bool
) -> SharedMapping:
    """Map a descriptor from a reply (the mapping keeps no descriptor), detached when the
    connection is lost: zero-filled, or with its contents kept (`keep_on_loss`)."""
    mapping = SharedMapping(
        claim.fd, claim.size, writable=writable, keep_contents_on_loss=keep_on_loss
    )
    connection.watch_loss(mapping)
    return mapping


# --- NPU and adapters ---------------------------------------------------------------------


class NPUImpl:
    """The entry point: one per connection (one per page, as `navigator.npu`)."""

    INTERFACE = gen.NPURelease.ORDINAL >> 16

    def _setup(self, connection: Connection) -> None:
        self._connection = connection

    def _request_adapter(self, options: Any) -> Promise:
        connection = self._connection
        if connection.unavailable is not None:
            # The host refuses to launch the service (a crash loop): no adapter, as WebGPU's
            # requestAdapter resolves null when none is available.
            return resolved(None)
        handle = connection.allocate(NPUAdapterImpl.INTERFACE)
        message = gen.NPURequestAdapter(self_=ROOT_HANDLE, result=handle, options=to_wire(options))

        def resolved_(value: gen.NPURequestAdapterResolved) -> Any:
            if value.features is None:  # no adapter: the service entered nothing
                connection.free(NPUAdapterImpl.INTERFACE, handle)
                return None
            return create("NPUAdapter", connection, handle, value)

        return connection.request(
            message,
            resolved_,
            on_rejected=lambda: connection.free(NPUAdapterImpl.INTERFACE, handle),
        )

    # Two Python-only members (not in the IDL): a browser does both at task and page ends.

    def flush(self) -> None:
        """Sends the batched messages now (a browser flushes at the end of each task)."""
        self._connection.flush()

    def close(self) -> None:
        """Ends this connection, as closing the page would: every device is lost."""
        self._connection.close()


class NPUAdapterImpl(WireObjectImpl):
    INTERFACE = gen.NPUAdapterRelease.ORDINAL >> 16

    def _setup(
        self, connection: Connection, handle: rt.Handle, value: gen.NPURequestAdapterResolved
    ) -> None:
        self._init_object(connection, handle)
        self._features = create("NPUSupportedFeatures", value.features)
        self._limits = create("NPUSupportedLimits", value.limits)
        self._info = create("NPUAdapterInfo", value.info)

    def _request_device(self, descriptor: Any) -> Promise:
        connection = self._connection
        device = connection.allocate(NPUDeviceImpl.INTERFACE)
        queue = connection.allocate(NPUQueueImpl.INTERFACE)
        message = gen.NPUAdapterRequestDevice(
            self_=self._handle, result=device, result_1=queue, descriptor=to_wire(descriptor)
        )

        def failed() -> None:
            connection.free(NPUDeviceImpl.INTERFACE, device)
            connection.free(NPUQueueImpl.INTERFACE, queue)

        return connection.request(
            message,
            lambda value: create("NPUDevice", connection, device, queue, value, descriptor),
            on_rejected=failed,
        )


# --- devices ------------------------------------------------------------------------------


class NPUDeviceImpl(WireObjectImpl, EventTarget):
    INTERFACE = gen.NPUDeviceRelease.ORDINAL >> 16

    def _setup(
        self,
        connection: Connection,
        handle: rt.Handle,
        queue: rt.Handle,
        value: gen.NPUAdapterRequestDeviceResolved,
        descriptor: Any,
    ) -> None:
        self._init_object(connection, handle, descriptor.label)
        self._init_event_target()
        self._features = create("NPUSupportedFeatures", value.features)
        self._limits = create("NPUSupportedLimits", value.limits)
        self._graph_limits = Limits(
            max_tensor_rank=value.limits.max_tensor_rank,
            max_tensor_byte_length=value.limits.max_tensor_byte_length,
            max_graph_operands=value.limits.max_graph_operands,
        )
        self._queue = create("NPUQueue", self, queue, descriptor.default_queue.label)
        self._lost: Promise = Promise()
        self._onuncapturederror = None
        connection.watch(handle, self)

    # events

    def _set_onuncapturederror(self, handler: Any) -> None:
        self._onuncapturederror = handler

    def _service_event(self, event: Any) -> None:
        if isinstance(event, gen.NPUDeviceLostEvent):
            self._resolve_lost(event.info.reason, event.info.message)
        elif isinstance(event, gen.NPUDeviceUncapturederrorEvent):
            self.dispatch_event(uncaptured_error_event(event.error))

    def _connection_lost(self, message: str) -> None:
        self._resolve_lost("unknown", message)

    def _resolve_lost(self, reason: str, message: str) -> None:
        with contextlib.suppress(concurrent.futures.InvalidStateError):
            self._lost.set_result(lost_info(reason, message))

    # methods

    def _destroy(self) -> None:
        self._connection.send(gen.NPUDeviceDestroy(self._handle), flush=True)

    def _create_buffer(self, descriptor: Any) -> Any:
        handle = self._connection.allocate(NPUBufferImpl.INTERFACE)
        message = gen.NPUDeviceCreateBuffer(self._handle, handle, to_wire(descriptor))
        self._connection.send(message)
        return create("NPUBuffer", self, handle, descriptor)

    def _create_graph_builder(self) -> Any:
        handle = self._connection.allocate(NPUGraphBuilderImpl.INTERFACE)
        self._connection.send(gen.NPUDeviceCreateGraphBuilder(self._handle, handle))
        return create("NPUGraphBuilder", self, handle)

    def _load_model(self, onnx_bytes: memoryview) -> Promise:
        connection = self._connection
        handle = connection.allocate(NPUGraphImpl.INTERFACE)
        data, keep = bytes_value(onnx_bytes)
        return connection.request(
            gen.NPUDeviceLoadModel(self._handle, handle, data),
            lambda value: create("NPUGraph", self, handle, value),
            on_rejected=lambda: connection.free(NPUGraphImpl.INTERFACE, handle),
            keep=keep,
        )

    def _create_command_encoder(self, descriptor: Any) -> Any:
        handle = self._connection.allocate(NPUCommandEncoderImpl.INTERFACE)
        message = gen.NPUDeviceCreateCommandEncoder(self._handle, handle, to_wire(descriptor))
        self._connection.send(message)
        return create("NPUCommandEncoder", self, handle, descriptor.label)

    def _push_error_scope(self, filter_: str) -> None:
        self._connection.send(gen.NPUDevicePushErrorScope(self._handle, filter_))

    def _pop_error_scope(self) -> Promise:
        def resolved_(value: gen.NPUDevicePopErrorScopeResolved) -> Any:
            return None if value.error is None else error_from_report(value.error)

        return self._connection.request(gen.NPUDevicePopErrorScope(self._handle), resolved_)


class _DeviceChild(WireObjectImpl):
    """An object a device created: it shares the device's connection."""

    _device: NPUDeviceImpl

    def _init_child(self, device: NPUDeviceImpl, handle: rt.Handle, label: str = "") -> None:
        self._device = device
        self._init_object(device._connection, handle, label)


# --- queues -------------------------------------------------------------------------------


class NPUQueueImpl(_DeviceChild):
    INTERFACE = gen.NPUQueueRelease.ORDINAL >> 16

    def _setup(self, device: NPUDeviceImpl, handle: rt.Handle, label: str) -> None:
        # The queue is created with its device and goes with it: no release of its own.
        self._device = device
        self._connection = device._connection
        self._handle = handle
        self._label = label

    def _submit(self, command_buffers: tuple[Any, ...]) -> None:
        handles = tuple(b._handle for b in command_buffers)
        self._connection.send(gen.NPUQueueSubmit(self._handle, handles), flush=True)
        # Only now may what they use be released: a release that overtook the submit would
        # destroy a buffer the submit names, and fail its validation.
        for command_buffer in command_buffers:
            command_buffer._submitted()

    def _on_submitted_work_done(self) -> Promise:
        message = gen.NPUQueueOnSubmittedWorkDone(self._handle)
        return self._connection.request(message, lambda _value: None)

    def _write_buffer(
        self,
        buffer: Any,
        buffer_offset: int,
        data: memoryview,
        data_offset: int,
        size: int | None,
    ) -> None:
        # `dataOffset` and `size` count elements of a typed array (here: of the buffer
        # protocol's item size), as WebGPU's writeBuffer does; only the range travels.
        item = data.itemsize
        available = data.nbytes // item
        count = available - data_offset if size is None else size
        if data_offset > available or count < 0 or data_offset + count > available:
            raise DOMException(
                f"Failed to execute 'writeBuffer' on 'NPUQueue': the data range "
                f"[{data_offset}, {data_offset + max(count, 0)}) exceeds the {available} "
                f"elements of data.",
                "OperationError",
            )
        raw = data.cast("B")[data_offset * item : (data_offset + count) * item]
        value, keep = bytes_value(raw)
        message = gen.NPUQueueWriteBuffer(
            self._handle, buffer._handle, buffer_offset, value, 0, None
        )
        self._connection.send(message, keep=keep)

    def _read_buffer(self, buffer: Any, offset: int, size: int | None) -> Promise:
        def resolved_(value: gen.NPUQueueReadBufferResolved) -> memoryview:
            data = value.data
            if isinstance(data, rt.SharedMemoryClaim):
                # The page's data once resolved: on loss it keeps its bytes, in private memory.
                mapping = _map_shared(self._connection, data, writable=False, keep_on_loss=True)
                return memoryview(mapping)
            return memoryview(data)

        message = gen.NPUQueueReadBuffer(self._handle, buffer._handle, offset, size)
        return self._connection.request(message, resolved_)


# --- buffers ------------------------------------------------------------------------------


class NPUBufferImpl(_DeviceChild):
    INTERFACE = gen.NPUBufferRelease.ORDINAL >> 16

    def _setup(self, device: NPUDeviceImpl, handle: rt.Handle, descriptor: Any) -> None:
        self._init_child(device, handle, descriptor.label)
        self._size = descriptor.size
        self._usage = descriptor.usage
        self._map_state = "unmapped"
        self._map_lock = threading.Lock()
        self._mapping: SharedMapping | None = None
        self._mapped_range = (0, 0)
        self._mapped_mode = 0
        self._views: list[tuple[int, int, memoryview]] = []
        self._map_generation = 0  # which mapAsync a reply answers, across unmap()

    def _map_async(self, mode: int, offset: int, size: int | None) -> Promise:
        with self._map_lock:
            if self._map_state != "unmapped":
                return rejected(
                    DOMException(
                        f"Failed to execute 'mapAsync' on 'NPUBuffer': the buffer is "
                        f"{self._map_state}.",
                        "OperationError",
                    )
                )
            self._map_state = "pending"
            self._map_generation += 1
            generation = self._map_generation
        end = self._size if size is None else offset + size

        def mapped(value: gen.NPUBufferMapAsyncResolved) -> None:
            with self._map_lock:
                if self._map_generation != generation or self._map_state != "pending":
                    raise DOMException(
                        "unmap() was called before the mapping resolved", "AbortError"
                    )
                self._mapping = _map_shared(
                    self._connection,
                    value.mapping,
                    writable=bool(mode & MAP_WRITE),
                    keep_on_loss=False,
                )
                self._mapped_range = (offset, end)
                self._mapped_mode = mode
                self._map_state = "mapped"
            self._connection.watch_loss(self)  # loss unmaps it, as in WebGPU

        def failed() -> None:
            with self._map_lock:
                if self._map_generation == generation:
                    self._map_state = "unmapped"

        message = gen.NPUBufferMapAsync(self._handle, mode, offset, size)
        return self._connection.request(message, mapped, on_rejected=failed)

    def _get_mapped_range(self, offset: int, size: int | None) -> memoryview:
        def fail(detail: str) -> DOMException:
            return DOMException(
                f"Failed to execute 'getMappedRange' on 'NPUBuffer': {detail}", "OperationError"
            )

        with self._map_lock:
            if self._map_state != "mapped" or self._mapping is None:
                raise fail(f"the buffer is {self._map_state}, not mapped.")
            start, end = self._mapped_range
            stop = end if size is None else offset + size
            if offset < start or stop > end or stop < offset:
                raise fail(f"[{offset}, {stop}) is outside the mapped range [{start}, {end}).")
            for other_start, other_stop, _view in self._views:
                if offset < other_stop and other_start < stop:
                    raise fail(f"[{offset}, {stop}) overlaps a range already returned.")
            view = memoryview(self._mapping)[offset:stop]
            if not self._mapped_mode & MAP_WRITE:
                view = view.toreadonly()
            self._views.append((offset, stop, view))
            return view

    def _unmap_locally(self) -> bool:
        """Detach every range handed out and drop the mapping; whether anything was mapped."""
        with self._map_lock:
            if self._map_state == "unmapped":
                return False
            self._map_state = "unmapped"
            self._map_generation += 1
            views, self._views = self._views, []
            mapping, self._mapping = self._mapping, None
        for _start, _stop, view in views:
            # "Detached": later use raises ValueError. A view something else still exports
            # (a numpy array over it) cannot be released; the detach below leaves it reading
            # zeros from private memory instead of the buffer's.
            with contextlib.suppress(BufferError):
                view.release()
        if mapping is not None:
            mapping.detach(keep_contents=False)
        return True

    def _connection_lost(self, message: str) -> None:
        """Device loss unmaps the buffer (the mapping itself detaches on its own hook)."""
        self._unmap_locally()

    def _unmap(self) -> None:
        if self._unmap_locally():
            self._connection.send(gen.NPUBufferUnmap(self._handle))

    def _destroy(self) -> None:
        self._unmap_locally()
        self._connection.send(gen.NPUBufferDestroy(self._handle), flush=True)


# --- graphs -------------------------------------------------------------------------------


class NPUGraphImpl(_DeviceChild):
    INTERFACE = gen.NPUGraphRelease.ORDINAL >> 16

    def _setup(self, device: NPUDeviceImpl, handle: rt.Handle, value: Any) -> None:
        self._init_child(device, handle)
        self._inputs = _tensor_infos(value.inputs)
        self._outputs = _tensor_infos(value.outputs)

    def _destroy(self) -> None:
        self._connection.send(gen.NPUGraphDestroy(self._handle))


# --- command encoders and buffers ---------------------------------------------------------


class NPUCommandEncoderImpl(_DeviceChild):
    INTERFACE = gen.NPUCommandEncoderRelease.ORDINAL >> 16

    def _setup(self, device: NPUDeviceImpl, handle: rt.Handle, label: str) -> None:
        self._init_child(device, handle, label)
        self._stream = rt.MessageWriter()
        self._count = 0
        self._uses: list[Any] = []  # kept alive until submit, so no release overtakes a use
        self._finished = False

    def _check_open(self, method: str) -> None:
        if self._finished:
            raise DOMException(
                f"Failed to execute '{method}' on 'NPUCommandEncoder': the encoder is finished.",
                "InvalidStateError",
            )

    def _dispatch(self, graph: Any, inputs: dict[str, Any], outputs: dict[str, Any]) -> None:
        self._check_open("dispatch")
        command = gen.NPUCommandEncoderDispatch(
            graph._handle,
            {name: b._handle for name, b in inputs.items()},
            {name: b._handle for name, b in outputs.items()},
        )
        command.encode(self._stream)
        self._count += 1
        self._uses.extend([graph, *inputs.values(), *outputs.values()])

    def _copy_buffer_to_buffer(
        self, source: Any, source_offset: int, destination: Any, destination_offset: int, size: int
    ) -> None:
        self._check_open("copyBufferToBuffer")
        gen.NPUCommandEncoderCopyBufferToBuffer(
            source._handle, source_offset, destination._handle, destination_offset, size
        ).encode(self._stream)
        self._count += 1
        self._uses.extend([source, destination])

    def _finish(self, descriptor: Any) -> Any:
        # A second finish() is sent too (with an empty stream): the service reports it as a
        # validation error and makes the command buffer invalid, as WebGPU does.
        stream, _fds = self._stream.finish()
        count, uses = self._count, self._uses
        self._stream, self._count, self._uses, self._finished = rt.MessageWriter(), 0, [], True
        value, keep = bytes_value(memoryview(stream))
        handle = self._connection.allocate(NPUCommandBufferImpl.INTERFACE)
        message = gen.NPUCommandEncoderFinish(
            self._handle, handle, to_wire(descriptor), count, value
        )
        self._connection.send(message, keep=keep)
        return create("NPUCommandBuffer", self._device, handle, descriptor.label, uses)


class NPUCommandBufferImpl(_DeviceChild):
    INTERFACE = gen.NPUCommandBufferRelease.ORDINAL >> 16

    def _setup(self, device: NPUDeviceImpl, handle: rt.Handle, label: str, uses: list) -> None:
        self._init_child(device, handle, label)
        self._uses = uses

    def _submitted(self) -> None:
        self._uses = []  # the service resolved the handles at finish; ours can go


__all__ = [
    "NPUAdapterImpl",
    "NPUBufferImpl",
    "NPUCommandBufferImpl",
    "NPUCommandEncoderImpl",
    "NPUDeviceImpl",
    "NPUGraphImpl",
    "NPUImpl",
    "NPUQueueImpl",
]
