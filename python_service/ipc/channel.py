"""A framed message channel over a Unix-domain socket, with descriptor passing.

Why SOCK_STREAM with our own header, not SOCK_SEQPACKET: Mojo does the same on Linux
(`mojo/core/channel_posix.cc` reads a byte stream and cuts it into `Channel::Message`s by their
header). A stream has no per-message size ceiling tied to the socket buffer (SEQPACKET fails
with EMSGSIZE once a record exceeds the send buffer, which a large command buffer could), and
every framing rule is then ours to check and test explicitly rather than implied by the kernel.

The cost of a stream is that descriptors are not bound to a message by the kernel: SCM_RIGHTS
data rides on a byte of the stream. We keep attribution exact by never reading ahead: the header
is read alone, then exactly the payload it announces, so every descriptor received while reading
a frame belongs to that frame. The sender attaches all of a frame's descriptors to its first
byte in one `sendmsg`, so a correct peer's descriptors always arrive with the header.

Wire format of one frame (little endian, 8 bytes, so the payload starts 8-byte aligned as the
codec's structs expect):

    u32 num_bytes    payload length, at most `max_message_bytes`
    u16 num_handles  descriptors attached to this frame, at most `max_handles`
    u16 flags        reserved; must be zero (VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS)

Hostile peers: everything a peer can put on the socket is checked, and every descriptor it sends
is closed unless it ends up owned by a `Message` the caller accepted. Any violation raises
`BadMessage` and closes the channel (once framing is in doubt the stream cannot be resynchronised;
the service drops the client anyway). A clean EOF between frames raises `ChannelClosed`.
"""

from __future__ import annotations

import array
import contextlib
import os
import socket
import struct
import threading
from collections.abc import Sequence
from types import TracebackType

from python_service.bad_message import BadMessage, BadMessageKind

HEADER = struct.Struct("<IHH")

# Defaults: payloads are commands and ids (tensor bytes travel in shared memory), so 4 MiB is
# generous; Mojo likewise caps handles per message (`mojo/core/channel.cc`), and Linux refuses
# more than 253 per sendmsg (SCM_MAX_FD).
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_HANDLES = 64
_SCM_MAX_FD = 253

_FD_SIZE = array.array("i").itemsize

# Plain ints: the socket module's flags are IntFlag enums, whose operators cost more than the
# syscall on this path. MSG_CMSG_CLOEXEC so a received descriptor never leaks into a process
# we spawn.
_RECV_BLOCKING = int(socket.MSG_CMSG_CLOEXEC)
_RECV_NONBLOCKING = int(socket.MSG_CMSG_CLOEXEC | socket.MSG_DONTWAIT)
_MSG_CTRUNC = int(socket.MSG_CTRUNC)
_MSG_NOSIGNAL = int(socket.MSG_NOSIGNAL)


class ChannelClosed(Exception):
    """The peer closed the connection cleanly, between frames (or we closed the channel)."""


def _close_all(fds: Sequence[int]) -> None:
    for fd in fds:
        # Already closed (e.g. a descriptor the peer sent twice) is not worth failing over.
        with contextlib.suppress(OSError):
            os.close(fd)


class Message:
    """One received frame: its payload and the descriptors that came with it.

    The message owns its descriptors: `close()` (or leaving the `with` block, or garbage
    collection as a last resort) closes every one not taken with `take_fds()`. A consumer that
    keeps a descriptor (say, to map shared memory) takes it, and owns it from then on.
    """

    __slots__ = ("payload", "_fds")

    def __init__(self, payload: bytes, fds: Sequence[int] = ()) -> None:
        self.payload = payload
        self._fds: list[int] = list(fds)

    @property
    def fds(self) -> tuple[int, ...]:
        """The descriptors still owned by this message (borrowed: do not close them)."""
        return tuple(self._fds)

    def take_fds(self) -> list[int]:
        """Transfer ownership of every descriptor to the caller."""
        fds, self._fds = self._fds, []
        return fds

    def close(self) -> None:
        fds, self._fds = self._fds, []
        _close_all(fds)

    def __enter__(self) -> Message:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # A last resort so a forgotten message cannot leak descriptors forever.
        self.close()

    def __repr__(self) -> str:
        return f"Message({len(self.payload)} bytes, fds={self._fds})"


class _PartialFrame:
    """Receive state of the frame being read, so a non-blocking read can resume later."""

    def __init__(self) -> None:
        self.header = bytearray(HEADER.size)
        self.header_got = 0
        self.payload: bytearray | None = None
        self.payload_got = 0
        self.num_handles = 0
        self.fds: list[int] = []

    @property
    def started(self) -> bool:
        return self.header_got > 0 or bool(self.fds)


class Channel:
    """One end of a framed, descriptor-passing connection.

    `send` and `receive` are each safe to call from several threads (one lock per direction).
    `fileno()` lets a selector watch the channel; `try_receive()` then reads without blocking and
    returns None until a whole frame has arrived.
    """

    def __init__(
        self,
        sock: socket.socket,
        *,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_handles: int = DEFAULT_MAX_HANDLES,
    ) -> None:
        if sock.family != socket.AF_UNIX or sock.type != socket.SOCK_STREAM:
            raise ValueError("a Channel needs an AF_UNIX SOCK_STREAM socket")
        if not 0 < max_message_bytes < 2**32:
            raise ValueError(f"max_message_bytes must be in (0, 2**32): {max_message_bytes}")
        if not 0 <= max_handles <= _SCM_MAX_FD:
            raise ValueError(f"max_handles must be in [0, {_SCM_MAX_FD}]: {max_handles}")
        # Blocking mode; try_receive uses MSG_DONTWAIT per call instead of a socket-wide flag,
        # so one thread's non-blocking poll does not change another's blocking receive.
        sock.setblocking(True)
        self._sock = sock
        self.max_message_bytes = max_message_bytes
        self.max_handles = max_handles
        # Room for one descriptor more than allowed: receiving max_handles + 1 is reported as
        # "too many handles"; anything beyond makes the kernel set MSG_CTRUNC.
        self._ancbufsize = socket.CMSG_SPACE((max_handles + 1) * _FD_SIZE)
        self._send_lock = threading.Lock()
        self._receive_lock = threading.Lock()
        self._frame = _PartialFrame()
        self._closed = False

    # --- construction -------------------------------------------------------------------

    @classmethod
    def pair(cls, **limits: int) -> tuple[Channel, Channel]:
        """Two connected channels (for tests and for the host handing a client its end)."""
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        return cls(a, **limits), cls(b, **limits)

    @classmethod
    def from_socket(cls, sock: socket.socket, **limits: int) -> Channel:
        """Wrap an already connected socket (e.g. one inherited by the service process)."""
        return cls(sock, **limits)

    def fileno(self) -> int:
        return self._sock.fileno()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close the socket and any descriptors of a half-read frame. Idempotent."""
        if self._closed:
            return
        self._closed = True
        # shutdown() first: it wakes a thread blocked in receive() on this socket (close()
        # alone would leave it blocked), and the peer sees EOF at once.
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        _close_all(self._frame.fds)
        self._frame = _PartialFrame()
        self._sock.close()

    def __enter__(self) -> Channel:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- sending ------------------------------------------------------------------------

    def send(self, payload: bytes | bytearray | memoryview, fds: Sequence[int] = ()) -> None:
        """Send one frame. The descriptors are duplicated into the peer; we keep ours.

        Exceeding our own limits is a bug on this side, so it raises ValueError rather than
        BadMessage: the peer would reject the frame and drop us.
        """
        size = memoryview(payload).nbytes
        if size > self.max_message_bytes:
            raise ValueError(f"payload of {size} bytes exceeds {self.max_message_bytes}")
        if len(fds) > self.max_handles:
            raise ValueError(f"{len(fds)} descriptors exceed {self.max_handles} per message")
        header = HEADER.pack(size, len(fds), 0)
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        with self._send_lock:
            if self._closed:
                raise ChannelClosed("channel is closed")
            try:
                sent = self._sock.sendmsg([header, payload], ancillary, _MSG_NOSIGNAL)
                # A stream may accept part of a large frame; the descriptors went with the
                # first part, so the rest is plain bytes.
                total = HEADER.size + size
                if sent < total:
                    rest = memoryview(header + bytes(payload))[sent:]
                    self._sock.sendall(rest, _MSG_NOSIGNAL)
            except (BrokenPipeError, ConnectionResetError) as e:
                raise ChannelClosed(f"peer closed the connection: {e}") from e

    # --- receiving ----------------------------------------------------------------------

    def receive(self) -> Message:
        """Block until a whole frame has arrived and return it.

        Raises BadMessage (and closes the channel) for a malformed frame, ChannelClosed on EOF.
        """
        with self._receive_lock:
            message = self._pump(blocking=True)
            assert message is not None
            return message

    def try_receive(self) -> Message | None:
        """Read what is available without blocking; a Message once a frame is complete.

        For use with a selector on `fileno()`. A frame can arrive over several calls.
        """
        with self._receive_lock:
            return self._pump(blocking=False)

    def _pump(self, *, blocking: bool) -> Message | None:
        if self._closed:
            raise ChannelClosed("channel is closed")
        try:
            return self._read_frame(blocking)
        except BadMessage:
            # The stream can no longer be trusted to be in sync; drop everything we hold.
            self.close()
            raise
        except ChannelClosed:
            self.close()
            raise

    def _read_frame(self, blocking: bool) -> Message | None:
        frame = self._frame
        while frame.header_got < HEADER.size:
            n = self._read_into(memoryview(frame.header)[frame.header_got :], blocking)
            if n is None:
                return None
            if n == 0:
                if frame.started:
                    raise BadMessage(
                        BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED,
                        f"peer closed after {frame.header_got} of {HEADER.size} header bytes",
                    )
                raise ChannelClosed("peer closed the connection")
            frame.header_got += n
            if frame.header_got == HEADER.size:
                self._check_header(frame)
        assert frame.payload is not None
        while frame.payload_got < len(frame.payload):
            view = memoryview(frame.payload)[frame.payload_got :]
            n = self._read_into(view, blocking)
            if n is None:
                return None
            if n == 0:
                raise BadMessage(
                    BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED,
                    f"peer closed after {frame.payload_got} of {len(frame.payload)} payload bytes",
                )
            frame.payload_got += n
        if len(frame.fds) < frame.num_handles:
            raise BadMessage(
                BadMessageKind.VALIDATION_ERROR_UNEXPECTED_INVALID_HANDLE,
                f"frame announces {frame.num_handles} handles but carries {len(frame.fds)}",
            )
        message = Message(bytes(frame.payload), frame.fds)
        self._frame = _PartialFrame()
        return message

    def _check_header(self, frame: _PartialFrame) -> None:
        num_bytes, num_handles, flags = HEADER.unpack(frame.header)
        if flags != 0:
            raise BadMessage(
                BadMessageKind.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
                f"frame header flags {flags:#06x}, expected 0",
            )
        if num_bytes > self.max_message_bytes:
            raise BadMessage(
                BadMessageKind.WEBNPU_ERROR_MESSAGE_TOO_LARGE,
                f"frame announces {num_bytes} payload bytes, limit {self.max_message_bytes}",
            )
        if num_handles > self.max_handles:
            raise BadMessage(
                BadMessageKind.WEBNPU_ERROR_TOO_MANY_HANDLES,
                f"frame announces {num_handles} handles, limit {self.max_handles}",
            )
        frame.num_handles = num_handles
        self._check_handle_count(frame)
        # Allocated only now that the size is known to be within the limit.
        frame.payload = bytearray(num_bytes)

    def _check_handle_count(self, frame: _PartialFrame) -> None:
        if len(frame.fds) > self.max_handles:
            raise BadMessage(
                BadMessageKind.WEBNPU_ERROR_TOO_MANY_HANDLES,
                f"{len(frame.fds)} handles attached, limit {self.max_handles}",
            )
        if frame.header_got == HEADER.size and len(frame.fds) > frame.num_handles:
            raise BadMessage(
                BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE,
                f"{len(frame.fds)} handles attached to a frame that announces {frame.num_handles}",
            )

    def _read_into(self, view: memoryview, blocking: bool) -> int | None:
        """One recvmsg into `view`; collects descriptors into the current frame.

        Returns the byte count (0 at EOF), or None if non-blocking and nothing is there.
        """
        flags = _RECV_BLOCKING if blocking else _RECV_NONBLOCKING
        while True:
            try:
                n, ancdata, msg_flags, _ = self._sock.recvmsg_into([view], self._ancbufsize, flags)
                break
            except InterruptedError:
                continue
            except BlockingIOError:
                return None
            except ConnectionResetError:
                n, ancdata, msg_flags = 0, [], 0
                break
        frame = self._frame
        unexpected: str | None = None
        for level, kind, data in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                usable = len(data) - len(data) % _FD_SIZE
                frame.fds.extend(array.array("i", data[:usable]))
            else:
                unexpected = f"unexpected control message level={level} type={kind}"
        if msg_flags & _MSG_CTRUNC:
            raise BadMessage(
                BadMessageKind.WEBNPU_ERROR_CONTROL_DATA_TRUNCATED,
                "control data truncated (MSG_CTRUNC): the peer sent more handles than "
                f"{self.max_handles} or other ancillary data",
            )
        if unexpected is not None:
            raise BadMessage(BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE, unexpected)
        self._check_handle_count(frame)
        return n


__all__ = [
    "DEFAULT_MAX_HANDLES",
    "DEFAULT_MAX_MESSAGE_BYTES",
    "HEADER",
    "Channel",
    "ChannelClosed",
    "Message",
]
