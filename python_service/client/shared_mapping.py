"""The client's mappings of service memory (mapAsync, readBuffer), detachable at any moment.

A page can hold on to memory it was handed (a `getMappedRange` view, a readBuffer result, a
numpy array over either) for as long as it likes. When the buffer is unmapped or the device is
lost, the memfd behind that memory must stop being mapped in this process: it is the service's
memory, and after a loss it is a dead process's memory that should not outlive it. But memory
the page still references cannot simply be unmapped: its arrays would point at nothing and the
next touch would crash the page.

So a `SharedMapping` separates the *address range* from *what is mapped there*:
- the range belongs to a Python `mmap` of anonymous memory, whose buffer protocol gives out the
  views (read-only ones for a read-only mapping: Python's mmap refuses writes itself) and which
  unmaps the range when its last view goes;
- the memfd is mapped over that range (MAP_FIXED, libc's mmap through ctypes). No descriptor
  is kept: the mapping holds the memfd alive by itself, and Python's own mmap would keep a dup.

`detach()` ends the memfd mapping: if no view is left the whole range is unmapped; otherwise the
range is atomically replaced by private memory, either zero-filled (`keep_contents=False`: a
detached range, as WebGPU detaches a mapped ArrayBuffer) or holding a copy of the contents
(`keep_contents=True`: a readBuffer result already resolved is the page's data, so it keeps
it). Either way the memfd is gone from /proc/self/maps at once, and every view stays safe.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import os
import threading

import numpy as np

_MAP_FIXED = 0x10  # <sys/mman.h>; the mmap module does not export it
_MREMAP_MAYMOVE, _MREMAP_FIXED = 1, 2
_MAP_FAILED = ctypes.c_void_p(-1).value

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.argtypes = [
    ctypes.c_void_p,
    ctypes.c_size_t,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_long,
]
_libc.mmap.restype = ctypes.c_void_p
_libc.mremap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_int]
_libc.mremap.argtypes += [ctypes.c_void_p]
_libc.mremap.restype = ctypes.c_void_p
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]


def _checked(result: int | None, call: str) -> int:
    if result is None or result == _MAP_FAILED:
        error = ctypes.get_errno()
        raise OSError(error, f"{call}: {os.strerror(error)}")
    return result


class SharedMapping(mmap.mmap):
    """`size` bytes of the memfd `fd` (borrowed: not kept), mapped shared.

    It is itself the `mmap` that views export from, so every view keeps it alive and it
    unmaps its range when the last view goes; a connection can therefore hold it weakly and
    detach it on loss without keeping it alive."""

    size: int
    writable: bool
    keep_contents_on_loss: bool

    def __new__(cls, fd: int, size: int, *, writable: bool, keep_contents_on_loss: bool = False):
        prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
        self = super().__new__(
            cls, -1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, prot=prot
        )
        self.size, self.writable, self._prot = size, writable, prot
        self.keep_contents_on_loss = keep_contents_on_loss
        probe = np.frombuffer(self, np.uint8)
        self._address: int = probe.ctypes.data
        del probe  # an export: the range could not be closed while it lived
        result = _libc.mmap(
            self._address, size, prot, mmap.MAP_SHARED | _MAP_FIXED | mmap.MAP_POPULATE, fd, 0
        )
        if result is None or result == _MAP_FAILED:
            error = ctypes.get_errno()
            mmap.mmap.close(self)
            raise OSError(error, f"mmap: {os.strerror(error)}")
        self._lock = threading.Lock()
        self._attached = True
        return self

    @property
    def attached(self) -> bool:
        """Whether the memfd is still mapped (False once detached)."""
        return self._attached

    def view(self) -> memoryview:
        """A view of the whole mapping (read-only unless writable); valid even after detach."""
        return memoryview(self)

    def detach(self, *, keep_contents: bool) -> None:
        """Stop mapping the memfd (idempotent); see the module docstring."""
        with self._lock:
            if not self._attached:
                return
            self._attached = False
            try:
                mmap.mmap.close(self)  # nobody holds a view: unmap the whole range
                return
            except BufferError:
                pass
            if keep_contents:
                self._replace_with_copy()
            else:
                flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_FIXED
                _checked(_libc.mmap(self._address, self.size, self._prot, flags, -1, 0), "mmap")

    def _replace_with_copy(self) -> None:
        rw = mmap.PROT_READ | mmap.PROT_WRITE
        private = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
        copy = _checked(_libc.mmap(None, self.size, rw, private, -1, 0), "mmap")
        try:
            ctypes.memmove(copy, self._address, self.size)
            if self._prot != rw and _libc.mprotect(copy, self.size, self._prot) != 0:
                _checked(None, "mprotect")
            # One step, so a thread reading the range sees old or new pages, never a hole.
            moved = _libc.mremap(
                copy, self.size, self.size, _MREMAP_MAYMOVE | _MREMAP_FIXED, self._address
            )
            _checked(moved, "mremap")
        except BaseException:
            with contextlib.suppress(Exception):
                _libc.munmap(copy, self.size)
            raise

    def _connection_lost(self, message: str) -> None:
        """The connection's loss hook (`Connection.watch_loss`)."""
        self.detach(keep_contents=self.keep_contents_on_loss)

    def __repr__(self) -> str:
        state = "attached" if self._attached else "detached"
        return f"SharedMapping({self.size} bytes, {'rw' if self.writable else 'ro'}, {state})"


__all__ = ["SharedMapping"]
