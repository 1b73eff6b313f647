"""The other process in transport tests: `python -m tests.service.peer SCENARIO FD [ARG]`.

FD is the peer's end of a socketpair, inherited with `pass_fds`. Well-behaved scenarios use
`Channel`; hostile ones write raw bytes and control messages the way a compromised renderer
could, then exit. Kept free of pytest and numpy so the process starts fast.
"""

from __future__ import annotations

import array
import hashlib
import os
import socket
import struct
import sys
from collections.abc import Callable

from python_service.ipc import Channel, ChannelClosed, SharedMemory
from python_service.ipc.channel import HEADER

SIZE = struct.Struct("<Q")


def pattern(size: int) -> bytes:
    """Deterministic, non-repeating-at-small-periods content both sides can recompute."""
    block = hashlib.sha256(b"webnpu").digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


def echo(sock: socket.socket, _: str) -> None:
    with Channel.from_socket(sock) as channel:
        while True:
            try:
                message = channel.receive()
            except ChannelClosed:
                return
            with message:
                channel.send(message.payload, message.fds)


def shm_write(sock: socket.socket, arg: str) -> None:
    size = int(arg)
    with Channel.from_socket(sock) as channel, SharedMemory.create(size) as shm:
        view = shm.view()
        view[:] = pattern(size)
        view.release()
        channel.send(SIZE.pack(size), [shm.fd])
        channel.receive().close()  # wait for the reader's ack before unmapping


def shm_read(sock: socket.socket, _: str) -> None:
    with Channel.from_socket(sock) as channel:
        with channel.receive() as message:
            (size,) = SIZE.unpack(message.payload)
            (fd,) = message.take_fds()
        with SharedMemory.from_fd(fd, size, readonly=True) as shm:
            view = shm.view()
            digest = hashlib.sha256(view).digest()
            view.release()
        channel.send(digest)


def try_truncate(sock: socket.socket, _: str) -> None:
    """Attempt to resize a received memfd; report the errno of each attempt (0 = allowed)."""
    with Channel.from_socket(sock) as channel:
        with channel.receive() as message:
            fd = message.fds[0]
            results = []
            for new_size in (0, 1 << 30):
                try:
                    os.ftruncate(fd, new_size)
                    results.append(0)
                except OSError as e:
                    results.append(e.errno)
        channel.send(struct.pack("<ii", *results))


# --- hostile peers: raw frames -----------------------------------------------------------


def _devnulls(n: int) -> array.array[int]:
    return array.array("i", [os.open(os.devnull, os.O_RDONLY) for _ in range(n)])


def _send_raw(sock: socket.socket, data: bytes, nfds: int = 0) -> None:
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, _devnulls(nfds))] if nfds else []
    sock.sendmsg([data], anc)


def eof(sock: socket.socket, _: str) -> None:
    sock.close()


def truncated_header(sock: socket.socket, _: str) -> None:
    _send_raw(sock, HEADER.pack(16, 0, 0)[:3])


def too_large(sock: socket.socket, arg: str) -> None:
    _send_raw(sock, HEADER.pack(int(arg) + 1, 0, 0))


def short_payload(sock: socket.socket, _: str) -> None:
    _send_raw(sock, HEADER.pack(100, 1, 0) + b"x" * 10, nfds=1)


def bad_flags(sock: socket.socket, _: str) -> None:
    _send_raw(sock, HEADER.pack(4, 0, 0x8000) + b"abcd")


def too_many_fds(sock: socket.socket, arg: str) -> None:
    n = int(arg) + 1
    _send_raw(sock, HEADER.pack(4, n, 0) + b"abcd", nfds=n)


def unannounced_fds(sock: socket.socket, _: str) -> None:
    _send_raw(sock, HEADER.pack(4, 0, 0) + b"abcd", nfds=2)


def fds_on_payload(sock: socket.socket, _: str) -> None:
    """Descriptors riding on a payload byte rather than the header's first byte."""
    _send_raw(sock, HEADER.pack(8, 0, 0))
    _send_raw(sock, b"12345678", nfds=1)


def missing_fds(sock: socket.socket, _: str) -> None:
    _send_raw(sock, HEADER.pack(4, 2, 0) + b"abcd", nfds=1)


def control_truncated(sock: socket.socket, _: str) -> None:
    _send_raw(sock, HEADER.pack(4, 0, 0) + b"abcd", nfds=40)


SCENARIOS: dict[str, Callable[[socket.socket, str], None]] = {
    f.__name__: f
    for f in (
        echo,
        shm_write,
        shm_read,
        try_truncate,
        eof,
        truncated_header,
        too_large,
        short_payload,
        bad_flags,
        too_many_fds,
        unannounced_fds,
        fds_on_payload,
        missing_fds,
        control_truncated,
    )
}


def main(argv: list[str]) -> None:
    scenario, fd = argv[0], int(argv[1])
    arg = argv[2] if len(argv) > 2 else ""
    sock = socket.socket(fileno=fd)
    SCENARIOS[scenario](sock, arg)


if __name__ == "__main__":
    main(sys.argv[1:])
