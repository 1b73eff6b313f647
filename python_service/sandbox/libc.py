"""ctypes access to the few libc calls the sandbox needs and Python's `os` lacks.

prctl, capget/capset and raw `syscall` (Landlock has no libc wrapper in Debian 12's glibc).
Every call returns the raw result and raises `OSError` with the real errno on failure, so
callers and probes see exactly what the kernel said.
"""

from __future__ import annotations

import ctypes
import os

_libc = ctypes.CDLL(None, use_errno=True)

_libc.prctl.argtypes = (
    ctypes.c_int,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
)
_libc.prctl.restype = ctypes.c_int
_libc.syscall.restype = ctypes.c_long

PR_SET_PDEATHSIG = 1
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
PR_GET_SECCOMP = 21
PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_GET_NO_NEW_PRIVS = 39
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_IS_SET = 1
PR_CAP_AMBIENT_CLEAR_ALL = 4

# Syscall numbers the sandbox calls directly. Landlock's are the same on every architecture
# (allocated after the tables were unified); unshare's is not, so it comes from libseccomp.
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446


def _check(result: int) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    return _check(_libc.prctl(option, arg2, arg3, arg4, arg5))


def syscall(number: int, *args: object) -> int:
    return _check(_libc.syscall(ctypes.c_long(number), *args))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def capget() -> tuple[int, int, int]:
    """This thread's (effective, permitted, inheritable) capability sets, 64 bits each."""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capget(ctypes.byref(header), data))
    return tuple(  # type: ignore[return-value]
        getattr(data[0], name) | getattr(data[1], name) << 32
        for name in ("effective", "permitted", "inheritable")
    )


def capset_empty() -> None:
    """Clear the effective, permitted and inheritable sets of this thread."""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data))


def bounding_set() -> list[int]:
    """The capabilities still in the bounding set (PR_CAPBSET_READ until the kernel's last)."""
    held = []
    for cap in range(64):
        try:
            if prctl(PR_CAPBSET_READ, cap):
                held.append(cap)
        except OSError:  # EINVAL: past the last capability this kernel knows
            break
    return held


def ambient_set() -> list[int]:
    held = []
    for cap in range(64):
        try:
            if prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap):
                held.append(cap)
        except OSError:
            break
    return held


def thread_count() -> int:
    """Threads in this process, from /proc (so only before Landlock)."""
    return len(os.listdir("/proc/self/task"))
