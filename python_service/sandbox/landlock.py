"""Layer `landlock`: no file system access at all, no TCP, nothing outside the sandbox reached
through abstract Unix sockets or signals.

A ruleset that *handles* every access right the running kernel's Landlock ABI knows and adds
*no rule* denies all of them everywhere: after this the service cannot open, create, list,
execute or truncate any path. Descriptors it already holds (the control socket, client sockets,
memfds received or created) are not paths and keep working; memfd_create is not a path either.
Per ABI (Documentation/userspace-api/landlock.rst):

    1  the 13 original file system rights      4  TCP bind and connect
    2  REFER (link/rename across directories)  5  IOCTL_DEV (ioctl on device files)
    3  TRUNCATE                                6  scopes: abstract Unix sockets, signals
                                               7  audit logging flags (no new rights)

The scopes matter even with seccomp refusing socket() and kill(): they are the second wall.

Landlock binds the calling thread and the threads it creates afterwards, never existing ones.
So this must run while the process is single threaded (checked from /proc/self/task, and
refused otherwise: a thread left out would keep full file system access) and before the
executor starts its workers. Everything the service will ever read from disk (Python modules,
onnxruntime's libraries, locale data) is read before this: see `warmup.py`.
"""

from __future__ import annotations

import ctypes
import errno
import os

from python_service.sandbox import libc

_CREATE_RULESET_VERSION = 1 << 0

# LANDLOCK_ACCESS_FS_* by the ABI that introduced them.
_FS_ABI1 = (1 << 13) - 1  # EXECUTE .. MAKE_SYM
_FS_REFER = 1 << 13
_FS_TRUNCATE = 1 << 14
_FS_IOCTL_DEV = 1 << 15
_NET_BIND_TCP = 1 << 0
_NET_CONNECT_TCP = 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
_SCOPE_SIGNAL = 1 << 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


def abi_version() -> int:
    """The kernel's Landlock ABI version; OSError if Landlock is not built in or disabled."""
    return libc.syscall(
        libc.SYS_LANDLOCK_CREATE_RULESET,
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(_CREATE_RULESET_VERSION),
    )


def ruleset_for(abi: int) -> _RulesetAttr:
    fs = _FS_ABI1
    if abi >= 2:
        fs |= _FS_REFER
    if abi >= 3:
        fs |= _FS_TRUNCATE
    if abi >= 5:
        fs |= _FS_IOCTL_DEV
    net = _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0
    scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0
    return _RulesetAttr(fs, net, scoped)


def apply() -> None:
    try:
        abi = abi_version()
    except OSError as e:
        raise RuntimeError(
            f"the kernel offers no Landlock ({e.strerror}); needs Linux 5.13+ "
            "with landlock in the lsm= boot list"
        ) from e
    threads = libc.thread_count()
    if threads != 1:
        raise RuntimeError(f"the process has {threads} threads; Landlock would bind only one")
    attr = ruleset_for(abi)
    ruleset = libc.syscall(
        libc.SYS_LANDLOCK_CREATE_RULESET,
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
        ctypes.c_uint32(0),
    )
    try:
        # No landlock_add_rule: nothing is granted.
        libc.syscall(libc.SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


def probe() -> bool:
    """A real denied access: listing "/" and reading this very file must fail with EACCES."""
    for path, flags in (("/", os.O_RDONLY | os.O_DIRECTORY), (__file__, os.O_RDONLY)):
        try:
            fd = os.open(path, flags | os.O_CLOEXEC)
        except OSError as e:
            if e.errno != errno.EACCES:
                return False
        else:
            os.close(fd)
            return False
    return True
