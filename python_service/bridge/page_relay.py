"""One page's connection: its WebSocket on one side, its own service `Channel` on the other.

Page → service: each message is decoded (framing.py); every attachment becomes a new sealed
memfd (python_service/ipc/shared_memory.py), and the payload goes out as one channel frame
with those descriptors, in order. The memfds are ours: we close them once the frame is sent
(the service holds its own duplicates).

Service → page: each frame's descriptors are read (fstat for the size, mmap, copy) into
attachments, in order, and the frame goes out as one WebSocket message. The service is
sandboxed and treated as possibly compromised too: a descriptor that is not a regular file, or
more bytes than the page may be sent at once, ends this page's connection, as the Python client
treats a service message it cannot decode as device loss.

Threads: everything but channel sends runs on the bridge's event loop. Channel receives are
non-blocking reads woken by the loop watching the channel's descriptor (no thread hop on the
way back to the page, which is most of a round trip's cost). A frame goes to the page's
socket from that same callback when nothing is queued there (the usual case: no task, no
epoll_ctl per frame); otherwise a task sends it and the channel is not watched until the
page's socket has taken it (backpressure: the bridge holds at most one service frame per page
beyond websockets' own write buffer).

A small frame without attachments (a page's usual batch: writeBuffer + submit + readBuffer of
small tensors) is sent on the loop when the channel's socket polls writable: a
Unix stream socket polls writable only while at most a quarter of its send buffer is in use,
so `sendmsg` of a few KiB cannot block, and the page saves two thread hops per message.
Anything else (attachments: memfds to create and fill; a large payload; a socket that does not
poll writable) goes to a single-worker executor per page, so a service slow to read one page's
frames (a full socket buffer blocks `sendmsg`) never stalls the loop that serves every other
page. Order holds either way: the next page message is not read until this one is sent.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import mmap
import os
import select
import stat
from collections.abc import Callable, Sequence

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.bridge import framing
from python_service.bridge.held_descriptors import HeldDescriptors
from python_service.ipc.channel import Channel, ChannelClosed
from python_service.ipc.shared_memory import SharedMemory

log = logging.getLogger(__name__)

# WebSocket close codes (RFC 6455 §7.4.1) the page's runtime sees.
CLOSE_POLICY_VIOLATION = 1008  # the page sent a malformed bridge message
CLOSE_UNSUPPORTED_DATA = 1003  # a text message: the bridge speaks binary only
CLOSE_SERVICE_GONE = 1011  # the service ended this connection (crash, shutdown, bad message)
CLOSE_TRY_AGAIN_LATER = 1013  # no service connection could be made (a crash loop, shutdown)
MAX_REASON_BYTES = 123  # a close frame's reason must fit in 125 bytes with the code
# The largest attachment-free frame sent on the loop when the socket polls writable: far
# below the quarter of a default Unix send buffer (~208 KiB) that writable guarantees free.
MAX_LOOP_SEND_BYTES = 16 * 1024


def close_reason(text: str) -> str:
    """`text` cut to what a close frame can carry (UTF-8, whole characters)."""
    data = text.encode()[:MAX_REASON_BYTES]
    return data.decode(errors="ignore")


def memfds_for(attachments: Sequence[memoryview]) -> list[SharedMemory]:
    """A sealed memfd holding each attachment (the caller closes them)."""
    regions: list[SharedMemory] = []
    try:
        for attachment in attachments:
            region = SharedMemory.create(len(attachment), "webnpu-bridge")
            regions.append(region)
            with region.view() as view:
                view[:] = attachment
    except BaseException:
        for region in regions:
            region.close()
        raise
    return regions


def read_attachments(fds: Sequence[int], max_bytes: int) -> list[bytes]:
    """The contents of each descriptor, in order: what the page gets instead of the fds."""
    attachments: list[bytes] = []
    total = 0
    for index, fd in enumerate(fds):
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BadMessage(
                BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE,
                f"service descriptor {index} is not a memfd ({stat.filemode(st.st_mode)})",
            )
        total += st.st_size
        if total > max_bytes:
            raise BadMessage(
                BadMessageKind.WEBNPU_ERROR_MESSAGE_TOO_LARGE,
                f"service frame carries over {max_bytes} attachment bytes",
            )
        if st.st_size == 0:
            attachments.append(b"")
            continue
        with mmap.mmap(fd, st.st_size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ) as mapping:
            attachments.append(bytes(mapping))  # a copy: the page never shares our mapping
    return attachments


def write_at(fd: int, data: memoryview, offset: int) -> None:
    """All of `data` into `fd` at `offset` (a page's write-back into a service memfd)."""
    while data:
        written = os.pwrite(fd, data, offset)
        data, offset = data[written:], offset + written


class PageRelay:
    """Forwards one page's frames both ways until either side ends."""

    def __init__(
        self,
        websocket: ServerConnection,
        channel: Channel,
        limits: framing.Limits,
        explain_loss: Callable[[], str | None],
    ) -> None:
        self.websocket = websocket
        self.channel = channel
        self.limits = limits
        self._explain_loss = explain_loss
        self._sender = concurrent.futures.ThreadPoolExecutor(1, "webnpu-bridge-send")
        self._page_gone = False
        self._reading = True
        self._writable: select.poll | None = None  # the channel's POLLOUT, registered once
        # Descriptors this page may write back into (write mappings): held_descriptors.py.
        self.held = HeldDescriptors(max_recent_bytes=4 * limits.max_attachment_bytes)
        self.frames_to_service = 0
        self.frames_to_page = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._fd = self.channel.fileno()
        loop.add_reader(self._fd, self._service_readable)
        try:
            await self._page_to_service(loop)
        except ConnectionClosed:
            pass  # either side closed the socket (a close with an error code raises)
        finally:
            # Closing the channel tells the service this page is gone: it releases the
            # page's objects.
            self._page_gone = True
            self._stop_reading()
            self.channel.close()
            self._sender.shutdown(wait=False, cancel_futures=True)
            self.held.close()

    async def _page_to_service(self, loop: asyncio.AbstractEventLoop) -> None:
        async for message in self.websocket:
            if isinstance(message, str):
                await self.websocket.close(CLOSE_UNSUPPORTED_DATA, "binary messages only")
                return
            try:
                decoded = framing.decode(message, self.limits)
                if decoded.is_control:
                    await self._control(loop, framing.decode_control(decoded))
                    continue
            except BadMessage as error:
                log.warning("page %s: %s; closing its socket", self._peer(), error)
                await self.websocket.close(CLOSE_POLICY_VIOLATION, close_reason(str(error)))
                return
            try:
                if self._can_send_on_loop(decoded):
                    self._send(decoded)
                else:
                    await loop.run_in_executor(self._sender, self._send, decoded)
            except (ChannelClosed, OSError):
                return  # the reader sees the same end and closes the socket with the reason

    async def _control(self, loop: asyncio.AbstractEventLoop, control: framing.Control) -> None:
        """A request to the bridge itself (framing.py, "Control messages"). Handled before the
        page's next message is read, so a WRITE lands before a later frame's `unmap`."""
        if control.kind == framing.ControlKind.PIN:
            self.held.pin(control.token)
        elif control.kind == framing.ControlKind.RELEASE:
            self.held.release(control.token)
        else:
            assert control.data is not None
            held = self.held.writable_range(control.token, control.offset, len(control.data))
            if len(control.data) <= MAX_LOOP_SEND_BYTES:
                write_at(held.fd, control.data, control.offset)  # page cache: no waiting
            else:
                # Megabytes of copying: on the page's sender thread, with our own duplicate
                # (eviction on the loop must not hand its number to another file meanwhile).
                fd = os.dup(held.fd)
                try:
                    await loop.run_in_executor(
                        self._sender, write_at, fd, control.data, control.offset
                    )
                finally:
                    os.close(fd)

    def _can_send_on_loop(self, message: framing.BridgeMessage) -> bool:
        """Whether sending `message` now cannot block: small, no memfds to make, room in the
        socket's send buffer."""
        if message.attachments or len(message.payload) > MAX_LOOP_SEND_BYTES:
            return False
        if self.channel.closed:
            return True  # send() raises ChannelClosed at once
        if self._writable is None:
            self._writable = select.poll()
            self._writable.register(self.channel.fileno(), select.POLLOUT)
        return bool(self._writable.poll(0))

    def _send(self, message: framing.BridgeMessage) -> None:
        regions = memfds_for(message.attachments)
        try:
            self.channel.send(message.payload, [region.fd for region in regions])
            self.frames_to_service += 1
        finally:
            for region in regions:
                region.close()

    # --- service -> page: on the loop, woken by the channel's descriptor ----------------------

    def _stop_reading(self) -> None:
        if self._reading:
            # The number taken at the start: a channel closes itself on EOF or a bad frame
            # (fileno() is then -1), and we unregister in that same callback, before the
            # number can be reused.
            self._loop.remove_reader(self._fd)
            self._reading = False

    def _service_readable(self) -> None:
        """The channel has bytes: read what is there; a whole frame goes to the page, and the
        channel is not watched again until the page's socket has taken it (backpressure: at
        most one service frame per page is held here)."""
        try:
            frame = self.channel.try_receive()
            if frame is None:
                return  # part of a frame; the rest wakes us again
            with frame:
                attachments = read_attachments(frame.fds, self.limits.max_attachment_bytes)
                if frame.fds:
                    self.held.hold_frame(frame.fds, [len(a) for a in attachments])
                data = framing.encode(frame.payload, attachments)
        except ChannelClosed:
            self._stop_reading()
            if not self._page_gone:
                self._loop.create_task(self._service_ended())
            return
        except (BadMessage, OSError) as error:
            self._stop_reading()
            log.error("page %s: the service sent a bad message: %s", self._peer(), error)
            kind = error.kind.value if isinstance(error, BadMessage) else "OSError"
            reason = f"the NPU service sent a bad message ({kind})"
            self._loop.create_task(self._close(CLOSE_SERVICE_GONE, reason))
            return
        if self._send_now(data):
            return  # the channel stays watched: no epoll_ctl, no task, per frame
        self._stop_reading()
        self._loop.create_task(self._forward(data))

    def _send_now(self, data: bytes) -> bool:
        """Hand `data` to the page's socket from this callback if nothing is queued there:
        what `websocket.send` does, minus its task and its drain (nothing to wait for when the
        buffer was empty). Otherwise False, and `_forward` sends it and waits for the drain
        with the channel unwatched, so what the bridge holds per page is unchanged: at most
        one frame beyond what websockets' own write buffer holds (its `write_limit`)."""
        websocket = self.websocket
        if (
            websocket.send_in_progress is not None  # a fragmented send (we make none)
            or websocket.protocol.state is not State.OPEN
            or websocket.transport.get_write_buffer_size() > 0
        ):
            return False
        websocket.protocol.send_binary(data)
        websocket.send_data()
        self.frames_to_page += 1
        if websocket.paused:
            # Over websockets' write limit, as `websocket.send` would then wait: this frame
            # is the one held, and the channel is not read until the socket drains.
            self._stop_reading()
            self._loop.create_task(self._resume_when_drained())
        return True

    async def _resume_when_drained(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.websocket.drain()
        self._resume_reading()

    async def _forward(self, data: bytes) -> None:
        try:
            await self.websocket.send(data)
        except ConnectionClosed:
            return
        self.frames_to_page += 1
        self._resume_reading()

    def _resume_reading(self) -> None:
        if not self._page_gone and not self.channel.closed and not self._reading:
            self._loop.add_reader(self._fd, self._service_readable)
            self._reading = True

    async def _service_ended(self) -> None:
        # Why the service ended the connection: the host knows within milliseconds of a crash
        # (it reaps the process); None means the service dropped this page alone.
        reason = await asyncio.to_thread(self._explain_loss)
        await self._close(CLOSE_SERVICE_GONE, reason or "the NPU service closed the connection")

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.websocket.close(code, close_reason(reason))

    def _peer(self) -> str:
        address = self.websocket.remote_address
        return f"{address[0]}:{address[1]}" if address else "?"
