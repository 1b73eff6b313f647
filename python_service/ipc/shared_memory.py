"""Sealed memfd shared memory: tensor bytes cross processes as a descriptor, never as bytes.

The creator makes a memfd, sizes it once and seals it (F_SEAL_SHRINK | F_SEAL_GROW |
F_SEAL_SEAL). Why sealing matters: if a hostile peer could shrink the file after we mapped it,
touching the mapping past the new end would raise SIGBUS and kill the service. A sealed size
cannot change, for anyone, ever, and F_SEAL_SEAL stops the peer removing or adding seals.

The receiver trusts nothing it is handed: `from_fd` checks, before mapping, that the descriptor
is a regular file carrying those seals (a pipe, socket or ordinary file fails F_GET_SEALS or the
check) and exactly the size the message announced. Failures are `BadMessage` with
VALIDATION_ERROR_ILLEGAL_HANDLE, Mojo's kind for an encoded handle that is not acceptable
(`mojo/public/cpp/bindings/lib/validation_errors.h`).

Sealing fixes the size, not the contents: the peer can keep writing while we read. Code that
validates values read from shared memory must copy them out first and check the copy.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import stat
from types import TracebackType

from python_service.bad_message import BadMessage, BadMessageKind

REQUIRED_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL


def _illegal(detail: str) -> BadMessage:
    return BadMessage(BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE, detail)


class SharedMemory:
    """A fixed-size, sealed memfd and its mapping. Owns the descriptor and the mapping."""

    def __init__(self, fd: int, size: int, *, readonly: bool) -> None:
        # Private: use create() or from_fd(), which establish the invariants first.
        prot = mmap.PROT_READ if readonly else mmap.PROT_READ | mmap.PROT_WRITE
        # MAP_POPULATE: tensors are read or written whole, and prefaulting the pages in one
        # call is several times faster than taking a page fault per 4 KiB on first touch.
        self._mmap = mmap.mmap(fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=prot)
        self._fd = fd
        self.size = size
        self.readonly = readonly

    @classmethod
    def create(cls, size: int, name: str = "webnpu-tensor") -> SharedMemory:
        """A new zero-filled region of `size` bytes, sealed before anyone else can see it."""
        if size <= 0:
            raise ValueError(f"shared memory size must be positive: {size}")
        fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            os.ftruncate(fd, size)
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, REQUIRED_SEALS)
            return cls(fd, size, readonly=False)
        except BaseException:
            os.close(fd)
            raise

    @classmethod
    def from_fd(cls, fd: int, expected_size: int, *, readonly: bool = False) -> SharedMemory:
        """Adopt a descriptor received from a peer, after checking it; takes ownership.

        On any failure the descriptor is closed and BadMessage is raised, so a rejected
        handle never leaks.
        """
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise _illegal(f"handle is not a memfd (mode {stat.filemode(st.st_mode)})")
            try:
                seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
            except OSError as e:
                # EINVAL: the file system does not support seals, so it is not a memfd.
                raise _illegal(f"handle does not support seals: {e.strerror}") from e
            if seals & REQUIRED_SEALS != REQUIRED_SEALS:
                raise _illegal(
                    f"shared memory is not sealed against resizing (seals {seals:#x}, "
                    f"need {REQUIRED_SEALS:#x})"
                )
            if expected_size <= 0 or st.st_size != expected_size:
                raise _illegal(
                    f"shared memory is {st.st_size} bytes, message announces {expected_size}"
                )
            try:
                return cls(fd, expected_size, readonly=readonly)
            except OSError as e:
                # E.g. F_SEAL_WRITE set by the peer makes a writable shared mapping fail.
                raise _illegal(f"cannot map shared memory: {e.strerror}") from e
        except BaseException:
            os.close(fd)
            raise

    @property
    def fd(self) -> int:
        """The descriptor, borrowed: pass it to `Channel.send`, which duplicates it."""
        if self._fd < 0:
            raise ValueError("shared memory is closed")
        return self._fd

    @property
    def seals(self) -> int:
        """The descriptor's seals (F_GET_SEALS). Every region `create` makes carries
        REQUIRED_SEALS from birth, so its descriptor may be handed to a peer as it is (a
        buffer's memory is, by mapAsync): the peer can write but never resize it."""
        return fcntl.fcntl(self.fd, fcntl.F_GET_SEALS)

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def view(self) -> memoryview:
        """A memoryview over the whole mapping (read-only if mapped read-only).

        numpy can wrap it without copying: `np.frombuffer(shm.view(), dtype)`. Release every
        view (and array) before `close()`; an exported buffer keeps the mapping alive.
        """
        if self.closed:
            raise ValueError("shared memory is closed")
        return memoryview(self._mmap)

    def close(self) -> None:
        """Unmap and close the descriptor. Idempotent.

        Raises BufferError if a view is still exported: unmapping under a live view would let
        it touch freed memory.
        """
        if self.closed:
            return
        self._mmap.close()
        os.close(self._fd)
        self._fd = -1

    def __enter__(self) -> SharedMemory:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "ro" if self.readonly else "rw"
        return f"SharedMemory(fd={self._fd}, size={self.size}, {mode})"
