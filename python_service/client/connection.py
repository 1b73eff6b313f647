"""The client's end of one service connection (docs/wire.md §2.2, §3.1): the renderer's wire client.

One `Connection` per `NPU` object (one page): it allocates object handles (so creating an object
costs no round trip), batches messages into frames, matches replies to requests by id, delivers
events, and turns the end of the connection into device loss.

Batching (§3.1): messages accumulate in one `MessageWriter` and go out as one frame when a
message needs a reply (the caller is about to wait), on `flush()` (submit and destroy call it),
or when the batch nears the frame limits (64 KiB of messages, 60 descriptors). A page's
`createBuffer`, `writeBuffer`, `finish` and `submit` therefore cost one `sendmsg` together.

Threads: any thread may call in (one lock guards the writer, the allocators and the request
table). A daemon *reader thread* receives frames, decodes each whole frame before acting on
any of it, settles promises and dispatches events. Reply handlers run on the reader thread
while the frame's descriptors are still open, so they can map shared memory.

Handshake (§2.4): `hello` with this build's schema hash is encoded into the first batch when
the connection is made, so it rides at the start of the first frame without a round trip; a
service of a different build drops the connection, which this side sees as loss.

Releases: an object's `release` (method 0) is queued by a `weakref.finalize` when the Python
object dies. The garbage collector can run a finalizer on any thread at any allocation, even
inside `send` while this connection's lock is held and a message is half encoded, so a
finalizer only appends to a lock-free deque; the next send drains it *between* messages.

Loss (docs/lifecycle.md): when the service closes the connection (it died, hung and was
killed, was shut down, or dropped us for a bad message) or sends something this side cannot
decode, the connection is lost, in this order:
1. every shared-memory mapping it handed out is detached (`watch_loss`: mapped buffers go back
   to "unmapped" and their ranges are detached; readBuffer results keep their bytes but move
   to private memory; python_service/client/shared_mapping.py says how views stay safe), and
   the memfds of unsent uploads are closed, so no memfd of this connection is left mapped or
   open in this process;
2. every pending promise rejects with an "AbortError" DOMException, "The device was lost: WHY";
3. every device resolves `lost` with reason "unknown" and WHY as its message.
WHY comes from the host when the connection came through one (`explain_loss`, given by
`connect(host)`): "the NPU service crashed (killed by signal SIGKILL)", "... hung ... and was
killed", "... was shut down". The host knows within milliseconds of the EOF (it reaps the
process); the reader waits at most `LOSS_REASON_WAIT` for it, so a client dropped alone (the
service still runs) pays that once. Calls made afterwards are dropped, and calls that return a
promise reject at once, as on a lost WebGPU device.

A connection made while the host refuses to launch the service (a crash loop) starts out
unavailable: it has no channel, and `npu.request_adapter()` resolves null (`unavailable`).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from python_service.bad_message import BadMessage
from python_service.client.promise import DOMException, Promise, exception_for
from python_service.generated import wire as gen
from python_service.ipc import wire_trace
from python_service.ipc.channel import Channel, ChannelClosed
from python_service.wire import runtime as rt

log = logging.getLogger(__name__)

ROOT_HANDLE = rt.Handle(1, 1)
FLUSH_BYTES = 64 * 1024  # a batch this large goes out without waiting for a reply (§3.1)
FLUSH_FDS = 60  # below the channel's 64 descriptors per frame, with room for one message
# How long the reader waits for the host to say why the service went away. The host knows
# within milliseconds (EOF wakes its monitor, which reaps the process); this bounds the wait
# when the service is alive and dropped this client alone. It is part of the time from a
# crash to the last rejection, which docs/lifecycle.md bounds at 200 ms.
LOSS_REASON_WAIT = 0.1


class EventSink(Protocol):
    """What an object that receives service events implements (NPUDevice)."""

    def _service_event(self, event: Any) -> None: ...

    def _connection_lost(self, message: str) -> None: ...


class LossListener(Protocol):
    """What must let go of connection resources on loss (a mapping, a mapped buffer)."""

    def _connection_lost(self, message: str) -> None: ...


class HandleAllocator:
    """Client-allocated ids for one interface (§2.2): a free list, a new generation per reuse."""

    def __init__(self, reserved: int = 0) -> None:
        self._next_id = reserved + 1
        self._free: list[rt.Handle] = []

    def allocate(self) -> rt.Handle:
        if self._free:
            old = self._free.pop()
            return rt.Handle(old.id, old.generation + 1)
        handle = rt.Handle(self._next_id, 1)
        self._next_id += 1
        return handle

    def free(self, handle: rt.Handle) -> None:
        self._free.append(handle)


@dataclass
class _Request:
    promise: Promise
    on_resolved: Callable[[Any], Any]
    on_rejected: Callable[[], None] | None = None


class Connection:
    """One service connection: handles, batching, requests, events, loss."""

    def __init__(
        self,
        channel: Channel | None,
        *,
        explain_loss: Callable[[], str | None] | None = None,
        unavailable: str | None = None,
    ) -> None:
        """`channel` to the service, or None with `unavailable` saying why there is none;
        `explain_loss()` says why the service went away (None: it did not)."""
        if (channel is None) == (unavailable is None):
            raise ValueError("a connection needs exactly one of a channel and `unavailable`")
        self._channel = channel
        self._explain_loss = explain_loss
        self.unavailable = unavailable
        self._lock = threading.Lock()
        self._writer = rt.MessageWriter()
        gen.ConnectionHello(gen.SCHEMA_HASH).encode(self._writer)  # first of the first frame
        self._keep: list[Any] = []  # shared memory whose descriptors ride in the batch
        self._requests: dict[int, _Request] = {}
        self._next_request = 1
        self._allocators: dict[int, HandleAllocator] = {1: HandleAllocator(reserved=1)}
        self._releases: collections.deque[tuple[int, rt.Handle]] = collections.deque()
        self._sinks: dict[rt.Handle, weakref.ref[EventSink]] = {}
        self._loss_listeners: weakref.WeakSet[LossListener] = weakref.WeakSet()
        self.lost_message: str | None = unavailable
        self.frames_sent = 0
        # Records what this connection sends when wire tracing is on (fuzz seeds, replays).
        self._trace = wire_trace.recorder() if channel is not None else None
        if channel is not None:
            self._reader = threading.Thread(
                target=self._read_loop, name="webnpu-reader", daemon=True
            )
            self._reader.start()

    # --- state ----------------------------------------------------------------------------

    @property
    def lost(self) -> bool:
        return self.lost_message is not None

    def allocate(self, interface: int) -> rt.Handle:
        """A fresh handle of interface ordinal `interface` (1 = NPU, 2 = NPUAdapter, ...)."""
        with self._lock:
            allocator = self._allocators.get(interface)
            if allocator is None:
                allocator = self._allocators[interface] = HandleAllocator()
            return allocator.allocate()

    def free(self, interface: int, handle: rt.Handle) -> None:
        """Give back a handle the service never entered (a rejected creation, §2.2)."""
        with self._lock:
            self._allocators[interface].free(handle)

    def watch(self, handle: rt.Handle, sink: EventSink) -> None:
        """Deliver the service's events about device `handle` to `sink` (held weakly)."""
        with self._lock:
            lost = self.lost_message
            if lost is None:
                self._sinks[handle] = weakref.ref(sink)
        if lost is not None:
            sink._connection_lost(lost)

    def watch_loss(self, listener: LossListener) -> None:
        """Call `listener._connection_lost(message)` when the connection is lost (at once if
        it is already), before any promise rejects. Held weakly: what the page dropped needs
        no cleaning."""
        with self._lock:
            lost = self.lost_message
            if lost is None:
                self._loss_listeners.add(listener)
        if lost is not None:
            listener._connection_lost(lost)

    def release_later(self, interface: int, handle: rt.Handle) -> None:
        """Queue `release` for an object that died (safe from a finalizer on any thread)."""
        self._releases.append((interface, handle))

    # --- sending --------------------------------------------------------------------------

    def send(self, message: Any, *, keep: Iterable[Any] = (), flush: bool = False) -> None:
        """Append a message that expects no reply; `keep` stays open until the frame is sent
        (shared memory whose descriptor the message claimed)."""
        with self._lock:
            if self.lost_message is not None:
                _close_all(keep)
                return
            self._drain_releases()
            message.encode(self._writer)
            self._keep.extend(keep)
            if flush or self._batch_full():
                self._flush_locked()

    def request(
        self,
        message: Any,
        on_resolved: Callable[[Any], Any],
        *,
        on_rejected: Callable[[], None] | None = None,
        keep: Iterable[Any] = (),
    ) -> Promise:
        """Send a reply-expecting message now; the promise settles with `on_resolved(resolved
        value)` (run on the reader thread, the reply's descriptors still open), or rejects
        with the exception the service named (after `on_rejected()`)."""
        promise: Promise = Promise()
        with self._lock:
            if self.lost_message is not None:
                _close_all(keep)
                if on_rejected is not None:
                    on_rejected()
                promise.set_exception(_aborted(self.lost_message))
                return promise
            self._drain_releases()
            request_id = self._new_request_id()
            self._requests[request_id] = _Request(promise, on_resolved, on_rejected)
            message.encode(self._writer, request_id)
            self._keep.extend(keep)
            self._flush_locked()
        return promise

    def flush(self) -> None:
        """Send whatever is batched (queued releases included)."""
        with self._lock:
            if self.lost_message is None:
                self._drain_releases()
                self._flush_locked()

    def close(self) -> None:
        """End the connection from this side: the devices are lost, as when a page goes away."""
        self.flush()
        self._lose("the connection was closed by the client")

    # --- internals (lock held) ------------------------------------------------------------

    def _new_request_id(self) -> int:
        # Count from 1, skip 0 and any id still pending, wrap at 2**32 (§2.2).
        while True:
            request_id = self._next_request
            self._next_request = request_id % 0xFFFFFFFF + 1
            if request_id not in self._requests:
                return request_id

    def _drain_releases(self) -> None:
        while self._releases:
            interface, handle = self._releases.popleft()
            gen.MESSAGES[interface << 16](handle).encode(self._writer)
            self._allocators[interface].free(handle)

    def _batch_full(self) -> bool:
        return len(self._writer) >= FLUSH_BYTES or len(self._writer.fds) >= FLUSH_FDS

    def _flush_locked(self) -> None:
        if not len(self._writer):
            return
        payload, fds = self._writer.finish()
        keep, self._keep = self._keep, []
        self._writer = rt.MessageWriter()
        assert self._channel is not None  # an unavailable connection is lost from the start
        try:
            self._channel.send(payload, fds)
            self.frames_sent += 1
            if self._trace is not None:  # after the send: the trace holds what went out
                self._trace.record(payload, fds)
        except (ChannelClosed, OSError) as error:
            # The reader thread sees the same end and reports the loss; nothing to add here.
            log.debug("send failed: %s", error)
        finally:
            _close_all(keep)

    # --- receiving ------------------------------------------------------------------------

    def _read_loop(self) -> None:
        reason = "the NPU service connection closed"
        assert self._channel is not None
        try:
            while True:
                frame = self._channel.receive()
                with frame:
                    self._handle_frame(frame)
        except ChannelClosed:
            if self._explain_loss is not None:
                try:
                    reason = self._explain_loss() or reason
                except Exception:  # the explanation is a nicety; the loss must go on
                    log.exception("could not learn why the service went away")
        except BadMessage as error:
            reason = f"the NPU service sent a bad message ({error})"
            log.error("%s", reason)
        except OSError as error:
            if self.lost_message is not None:
                # close() (or a loss) closed the channel under this thread's receive: EBADF
                # is how that ends the receive, not a failure; the loss is already reported.
                return
            reason = f"the NPU service connection failed ({error})"
            log.warning("%s", reason)
        except Exception as error:  # a bug here must not leave promises pending forever
            reason = f"the client failed to handle a service message ({error!r})"
            log.exception("%s", reason)
        self._lose(reason)

    def _handle_frame(self, frame: Any) -> None:
        reader = rt.MessageReader(frame.payload, frame.fds)
        decoded = []
        with self._lock:
            pending = set(self._requests)
        # The whole frame is decoded before anything in it is acted on (§3.1).
        while (found := gen.read_service_message(reader, pending)) is not None:
            header, message = found
            if header.flags & rt.FLAG_IS_REPLY:
                pending.discard(header.request_id)  # a second reply to it is a bad message
            decoded.append(found)
        reader.finish()
        for header, message in decoded:
            if header.flags & rt.FLAG_IS_REPLY:
                self._settle(header.request_id, message.result)
            else:
                self._deliver(message)

    def _settle(self, request_id: int, result: Any) -> None:
        with self._lock:
            request = self._requests.pop(request_id)
        if isinstance(result, gen.Rejection):
            if request.on_rejected is not None:
                request.on_rejected()
            request.promise.set_exception(exception_for(result.exception, result.message))
            return
        try:
            value = request.on_resolved(result)
        except BaseException as error:
            request.promise.set_exception(error)
        else:
            request.promise.set_result(value)

    def _deliver(self, event: Any) -> None:
        with self._lock:
            ref = self._sinks.get(event.self_)
        sink = ref() if ref is not None else None
        if sink is not None:
            sink._service_event(event)

    def _lose(self, message: str) -> None:
        with self._lock:
            if self.lost_message is not None:
                return
            self.lost_message = message
            requests, self._requests = self._requests, {}
            sinks, self._sinks = self._sinks, {}
            keep, self._keep = self._keep, []
            listeners = list(self._loss_listeners)
            self._loss_listeners = weakref.WeakSet()
            self._releases.clear()
        _close_all(keep)
        if self._channel is not None:
            with contextlib.suppress(OSError):
                self._channel.close()
        # Memory first: by the time a page sees a rejection or `lost`, nothing of this
        # connection is mapped any more.
        for listener in listeners:
            try:
                listener._connection_lost(message)
            except Exception:
                log.exception("releasing %r on connection loss failed", listener)
        for request in requests.values():
            if request.on_rejected is not None:
                request.on_rejected()
            request.promise.set_exception(_aborted(message))
        for ref in sinks.values():
            sink = ref()
            if sink is not None:
                sink._connection_lost(message)


def _aborted(message: str) -> DOMException:
    return DOMException(f"The device was lost: {message}", "AbortError")


def _close_all(objects: Iterable[Any]) -> None:
    for obj in objects:
        with contextlib.suppress(BufferError, OSError):
            obj.close()
