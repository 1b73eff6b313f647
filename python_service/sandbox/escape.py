"""Escape attempts, run inside the fully sandboxed service (tests only).

Reached only through the service's `--escape-probe` command-line flag, which the host's
caller sets; no client message can get here. `__main__` calls `run` at the very point where
it would start serving, so the attempts face exactly the sandbox the clients' code does.

`run("attempts", host_pid)` tries each escape below in-process and prints one JSON line per
attempt: {"attempt", "succeeded", "errno", "expected_errno", "blocked_by", "seccomp"}.
`blocked_by` is the layer whose refusal the observed errno is, or null if the attempt
succeeded or failed some other way. Each attempt names the layer that answers first with the
whole sandbox (seccomp runs at system-call entry, so it answers before Landlock, namespaces or
capabilities would), and the one that answers when the service runs with the seccomp layer
off (`--test-fail-layer seccomp --allow-missing-layer seccomp`): that second run shows what
the inner layers stop on their own, defence in depth, and where seccomp is the only wall.
Attempts are written to be harmless if they succeed: signal 0, PTRACE_SEIZE (does not stop
the tracee), files named for this probe, a forked child that exits at once.

`run("forbidden-syscall")` makes a system call outside the allow-list (keyctl), which must
kill the process with SIGSYS; if it returns, that is printed and the exit status is 1.
"""

from __future__ import annotations

import ctypes
import errno
import json
import mmap
import os
import resource
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pyseccomp

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CLONE_NEWUSER = 0x10000000
PTRACE_SEIZE = 0x4206
PR_SET_DUMPABLE = 4
PR_GET_SECCOMP = 21


def _nr(name: str) -> int:
    return pyseccomp.resolve_syscall(pyseccomp.system_arch(), name)


def _raw(name: str, *args: object) -> None:
    """A raw system call; OSError with its errno if it fails."""
    if _libc.syscall(ctypes.c_long(_nr(name)), *args) < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _open(path: str, flags: int) -> None:
    fd = os.open(path, flags | os.O_CLOEXEC, 0o600)
    os.close(fd)


class _SockaddrUn(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("path", ctypes.c_char * 108)]


def _connect_abstract(fd: int, name: bytes) -> None:
    address = _SockaddrUn(socket.AF_UNIX, b"\0" + name)
    length = ctypes.sizeof(ctypes.c_ushort) + 1 + len(name)
    _raw("connect", ctypes.c_int(fd), ctypes.byref(address), ctypes.c_uint(length))


def _socket(family: int, kind: int) -> None:
    socket.socket(family, kind).close()


def _fork() -> None:
    pid = os.fork()
    if pid == 0:  # the sandbox failed: leave at once, without running anything of ours
        os._exit(0)
    os.waitpid(pid, 0)


def _raise_limit(which: int) -> None:
    _, hard = resource.getrlimit(which)
    wanted = (ctypes.c_uint64 * 2)(hard + 1, hard + 1)
    _raw("prlimit64", ctypes.c_int(0), ctypes.c_int(which), ctypes.byref(wanted), None)


@dataclass(frozen=True)
class Attempt:
    name: str
    action: Callable[[], None]
    # (errno, layer) expected with the whole sandbox: the layer that answers first.
    expected: tuple[int, str]
    # The same with the seccomp layer off: what the inner layers do on their own, or None
    # where seccomp is the only wall (recorded, not expected to fail).
    without_seccomp: tuple[int, str] | None


def _tcp_connect() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.connect(("127.0.0.1", 9))


def _udp_send() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"escape", ("127.0.0.1", 9))


def _abstract_connect() -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        _connect_abstract(s.fileno(), b"webnpu-escape-probe")


def _exhaust_address_space() -> None:
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    mmap.mmap(-1, limit).close()


def _exhaust_descriptors() -> None:
    opened = []
    try:
        for _ in range(resource.getrlimit(resource.RLIMIT_NOFILE)[0] + 1):
            opened.append(os.memfd_create("escape-probe", os.MFD_CLOEXEC))
    finally:
        for fd in opened:
            os.close(fd)


def attempts(host_pid: int) -> list[Attempt]:
    eperm, eacces, esrch = errno.EPERM, errno.EACCES, errno.ESRCH
    seccomp = (eperm, "seccomp")
    landlock = (eacces, "landlock")
    service_source = os.path.join(_PACKAGE_ROOT, "python_service", "service", "server.py")
    return [
        Attempt("read /etc/passwd", lambda: _open("/etc/passwd", os.O_RDONLY), landlock, landlock),
        Attempt("read own source", lambda: _open(service_source, os.O_RDONLY), landlock, landlock),
        Attempt(
            "write /tmp",
            lambda: _open("/tmp/webnpu-escape-probe", os.O_WRONLY | os.O_CREAT),
            landlock,
            landlock,
        ),
        Attempt(
            "write the repository",
            lambda: _open(os.path.join(_PACKAGE_ROOT, "escape-probe"), os.O_WRONLY | os.O_CREAT),
            landlock,
            landlock,
        ),
        Attempt(
            f"open /proc/{host_pid}/mem",
            lambda: _open(f"/proc/{host_pid}/mem", os.O_RDONLY),
            landlock,
            landlock,
        ),
        Attempt("TCP connect", _tcp_connect, seccomp, landlock),
        # Landlock does not cover UDP; the network namespace has no route (lo is down).
        Attempt("UDP send", _udp_send, seccomp, (errno.ENETUNREACH, "namespaces")),
        # A named Unix socket (the X server's, D-Bus's) is reachable without seccomp:
        # Landlock does not check connect() to a socket path.
        Attempt("Unix socket", lambda: _socket(socket.AF_UNIX, socket.SOCK_STREAM), seccomp, None),
        # Abstract Unix sockets belong to a network namespace: the host's are not in ours, so
        # the name finds no listener (Landlock's scope would refuse one that did exist).
        Attempt(
            "connect to an abstract Unix socket",
            _abstract_connect,
            seccomp,
            (errno.ECONNREFUSED, "namespaces"),
        ),
        Attempt("fork", _fork, seccomp, None),
        Attempt("exec /bin/true", lambda: os.execv("/bin/true", ["true"]), seccomp, landlock),
        # The host is not in our PID namespace: there is no pid to aim at.
        Attempt("signal the host", lambda: os.kill(host_pid, 0), seccomp, (esrch, "namespaces")),
        Attempt(
            "ptrace the host",
            lambda: _raw(
                "ptrace", ctypes.c_long(PTRACE_SEIZE), ctypes.c_long(host_pid), None, None
            ),
            seccomp,
            (esrch, "namespaces"),
        ),
        # Raising a hard limit needs CAP_SYS_RESOURCE, which no_new_privs dropped.
        Attempt(
            "raise RLIMIT_NOFILE",
            lambda: _raise_limit(resource.RLIMIT_NOFILE),
            seccomp,
            (eperm, "no_new_privs"),
        ),
        Attempt(
            "raise RLIMIT_AS",
            lambda: _raise_limit(resource.RLIMIT_AS),
            seccomp,
            (eperm, "no_new_privs"),
        ),
        Attempt(
            "map more than RLIMIT_AS",
            _exhaust_address_space,
            (errno.ENOMEM, "rlimits"),
            (errno.ENOMEM, "rlimits"),
        ),
        Attempt(
            "open more than RLIMIT_NOFILE",
            _exhaust_descriptors,
            (errno.EMFILE, "rlimits"),
            (errno.EMFILE, "rlimits"),
        ),
        Attempt(
            "unshare a user namespace",
            lambda: _raw("unshare", ctypes.c_int(CLONE_NEWUSER)),
            seccomp,
            None,
        ),
        Attempt(
            "mount a tmpfs",
            lambda: _raw("mount", b"none", b"/tmp", b"tmpfs", ctypes.c_ulong(0), None),
            seccomp,
            (eperm, "no_new_privs"),
        ),
        Attempt(
            "become dumpable again",
            lambda: _raw("prctl", ctypes.c_int(PR_SET_DUMPABLE), ctypes.c_ulong(1)),
            seccomp,
            None,
        ),
    ]


def _try(attempt: Attempt, expected: tuple[int, str] | None) -> dict[str, object]:
    observed: int | None = None
    try:
        attempt.action()
    except OSError as e:
        observed = e.errno
    blocked = expected is not None and observed == expected[0]
    return {
        "attempt": attempt.name,
        "succeeded": observed is None,
        "errno": errno.errorcode.get(observed) if observed is not None else None,
        "expected_errno": errno.errorcode[expected[0]] if expected else None,
        "blocked_by": expected[1] if blocked and expected else None,
    }


def run(probe: str, host_pid: int | None) -> int:
    if probe == "forbidden-syscall":
        print(json.dumps({"calling": "keyctl"}), flush=True)
        # keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0): not on the list.
        result = _libc.syscall(ctypes.c_long(_nr("keyctl")), 0, -3, 0)
        print(json.dumps({"returned": result, "errno": ctypes.get_errno()}), flush=True)
        return 1
    if host_pid is None:
        print("--escape-probe attempts needs --host-pid", file=sys.stderr)
        return 2
    seccomp_on = _libc.prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2
    for attempt in attempts(host_pid):
        expected = attempt.expected if seccomp_on else attempt.without_seccomp
        print(json.dumps({**_try(attempt, expected), "seccomp": seccomp_on}), flush=True)
    return 0
