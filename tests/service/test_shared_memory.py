"""SharedMemory: sealed memfds across a real process; hostile handles rejected."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import struct
import tempfile

import numpy as np
import pytest

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.ipc import ChannelClosed, SharedMemory
from python_service.ipc.channel import HEADER
from tests.service.peer import SIZE, pattern
from tests.service.transport_support import no_fd_leak, peer_processes


@pytest.fixture
def peer():
    """Start peer processes (tests/service/peer.py) for one test."""
    with peer_processes() as start:
        yield start


MiB = 1 << 20


def test_16_mib_written_by_peer_read_here_with_only_the_fd_on_the_socket(peer):
    size = 16 * MiB
    with no_fd_leak():
        channel, _ = peer("shm_write", str(size))
        with channel:
            with channel.receive() as message:
                # The whole of the socket traffic for 16 MiB: one 8-byte header, 8-byte payload.
                assert HEADER.size + len(message.payload) == 16
                (announced,) = SIZE.unpack(message.payload)
                (fd,) = message.take_fds()
            with SharedMemory.from_fd(fd, announced, readonly=True) as shm:
                view = shm.view()
                assert view.readonly
                assert hashlib.sha256(view).digest() == hashlib.sha256(pattern(size)).digest()
                view.release()
            channel.send(b"ack")
            with pytest.raises(ChannelClosed):  # and nothing else was ever sent
                channel.receive()


def test_16_mib_written_here_read_by_peer(peer):
    size = 16 * MiB
    with no_fd_leak():
        channel, _ = peer("shm_read")
        with channel, SharedMemory.create(size) as shm:
            array = np.frombuffer(shm.view(), dtype=np.uint8)
            array[:] = np.frombuffer(pattern(size), dtype=np.uint8)
            del array
            channel.send(SIZE.pack(size), [shm.fd])
            assert channel.receive().payload == hashlib.sha256(pattern(size)).digest()


def test_peer_cannot_resize_a_sealed_region(peer):
    channel, _ = peer("try_truncate")
    with channel, SharedMemory.create(MiB) as shm:
        channel.send(b"", [shm.fd])
        shrink, grow = struct.unpack("<ii", channel.receive().payload)
        assert (shrink, grow) == (errno.EPERM, errno.EPERM)
        assert os.fstat(shm.fd).st_size == MiB
        with pytest.raises(PermissionError):
            os.ftruncate(shm.fd, 0)


def unsealed_memfd(size: int) -> int:
    fd = os.memfd_create("unsealed", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, size)
    return fd


def memfd_with_seals(size: int, seals: int) -> int:
    fd = unsealed_memfd(size)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    return fd


def pipe_read_end() -> int:
    r, w = os.pipe()
    os.close(w)
    return r


def regular_file() -> int:
    fd, path = tempfile.mkstemp()
    os.unlink(path)
    os.ftruncate(fd, 4096)
    return fd


REJECTED = {
    "unsealed": (lambda: unsealed_memfd(4096), "not sealed"),
    "shrink_only": (lambda: memfd_with_seals(4096, fcntl.F_SEAL_SHRINK), "not sealed"),
    "wrong_size": (
        lambda: memfd_with_seals(8192, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL),
        "8192 bytes",
    ),
    "pipe": (pipe_read_end, "not a memfd"),
    "regular_file": (regular_file, "seals"),
    "write_sealed": (
        lambda: memfd_with_seals(
            4096, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL
        ),
        "cannot map",
    ),
}


@pytest.mark.parametrize("case", REJECTED)
def test_from_fd_rejects_and_closes_bad_handles(case):
    make, message = REJECTED[case]
    with no_fd_leak():
        fd = make()
        with pytest.raises(BadMessage, match=message) as raised:
            SharedMemory.from_fd(fd, 4096)
        assert raised.value.kind is BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE
        with pytest.raises(OSError) as closed:
            os.fstat(fd)
        assert closed.value.errno == errno.EBADF


def test_write_sealed_region_can_still_be_mapped_read_only():
    fd = memfd_with_seals(
        4096, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL
    )
    with SharedMemory.from_fd(fd, 4096, readonly=True) as shm:
        assert shm.view().readonly


def test_views_are_numpy_compatible_and_shared_between_mappings():
    with (
        no_fd_leak(),
        SharedMemory.create(4096) as writer,
        SharedMemory.from_fd(os.dup(writer.fd), 4096, readonly=True) as reader,
    ):
        floats = np.frombuffer(writer.view(), dtype=np.float32)
        floats[:] = np.arange(1024, dtype=np.float32)
        seen = np.frombuffer(reader.view(), dtype=np.float32)
        assert not seen.flags.writeable
        np.testing.assert_array_equal(seen, np.arange(1024, dtype=np.float32))
        del floats, seen  # release the exported buffers before the mappings close


def test_close_refuses_while_a_view_is_exported():
    shm = SharedMemory.create(4096)
    view = shm.view()
    with pytest.raises(BufferError):
        shm.close()
    view.release()
    shm.close()
    assert shm.closed
    shm.close()  # idempotent


def test_size_must_be_positive():
    with pytest.raises(ValueError):
        SharedMemory.create(0)
