"""Layer `seccomp`: a system-call allow-list for every thread, anything else kills the process.

The filter (libseccomp through pyseccomp, loaded with TSYNC so every existing thread gets it
too, and inherited by threads created later):

- `syscalls.ALLOWED`: what the service was seen to call after this point (derived with
  strace; `python -m python_service.sandbox.trace` re-derives and diffs it);
- argument rules for calls the service needs in one form only (`conditional_rules`): clone for
  threads only, kill/tgkill to ourselves, prlimit64 to read limits, prctl to read state;
- ERRNO(EPERM) for the calls an escape would try (`DENIED`): the attempt fails and is
  recorded by its caller, instead of killing the process, which would hide what was tried;
- clone3 gets ENOSYS, so glibc's pthread_create falls back to clone, whose flags seccomp can
  read (clone3 passes them in memory, out of a filter's reach);
- the default: SECCOMP_RET_KILL_PROCESS, the whole process dies with SIGSYS.

This is the last layer: it comes after the executor's worker threads exist, so the filter's
thread creation rule only serves the per-client session threads.
"""

from __future__ import annotations

import contextlib
import errno
import os

import pyseccomp

from python_service.sandbox import libc
from python_service.sandbox.syscalls import ALLOWED, DENIED, RUNTIME_EXTRAS

CLONE_THREAD = 0x00010000

# Start-up marker for `trace`: a path no one has, opened where the filter would be loaded, so
# the strace output shows where the sandbox point is.
TRACE_MARKER = "/webnpu-sandbox-point"

# The prctl options the probes (and nothing else) use: reading state only.
_PRCTL_READS = (
    libc.PR_GET_DUMPABLE,
    libc.PR_GET_SECCOMP,
    libc.PR_CAPBSET_READ,
    libc.PR_GET_NO_NEW_PRIVS,
)

_PRCTL_ESCAPES = (
    libc.PR_SET_DUMPABLE,
    22,  # PR_SET_SECCOMP
    35,  # PR_SET_MM
    0x59616D61,  # PR_SET_PTRACER
    libc.PR_SET_PDEATHSIG,
)

# Names covered by `conditional_rules` (argument filters), not by ALLOWED.
CONDITIONAL = frozenset(
    {"clone", "clone3", "kill", "tgkill", "tkill", "prlimit64", "prctl", "setrlimit", "ioctl"}
)

# The one ioctl request the service makes: FIONBIO (socket.setblocking). Any other request
# fails with ENOTTY, the answer for "not this kind of file", so a library probing for a
# terminal (isatty: TCGETS) carries on instead of being killed. (libseccomp cannot compare one
# argument twice in a rule, hence one allowed value and the two ranges around it.)
_FIONBIO = 0x5421


def conditional_rules(own_pid: int) -> list[tuple[int, str, tuple[pyseccomp.Arg, ...]]]:
    """(action, syscall, argument comparisons) for the calls allowed in one form only."""
    allow, eperm = pyseccomp.ALLOW, pyseccomp.ERRNO(errno.EPERM)
    arg, eq, ne, masked = pyseccomp.Arg, pyseccomp.EQ, pyseccomp.NE, pyseccomp.MASKED_EQ
    rules = [
        # Threads yes, processes no (fork, vfork-like clones).
        (allow, "clone", (arg(0, masked, CLONE_THREAD, CLONE_THREAD),)),
        (eperm, "clone", (arg(0, masked, CLONE_THREAD, 0),)),
        (pyseccomp.ERRNO(errno.ENOSYS), "clone3", ()),
        # Signals to ourselves only (raise(), abort(), Python's signal handling).
        (allow, "kill", (arg(0, eq, own_pid),)),
        (eperm, "kill", (arg(0, ne, own_pid),)),
        (allow, "tgkill", (arg(0, eq, own_pid),)),
        (eperm, "tgkill", (arg(0, ne, own_pid),)),
        (eperm, "tkill", ()),
        # Reading our own limits, never setting any.
        (allow, "prlimit64", (arg(0, eq, 0), arg(2, eq, 0))),
        (eperm, "prlimit64", (arg(2, ne, 0),)),
        (eperm, "prlimit64", (arg(0, ne, 0),)),
        (eperm, "setrlimit", ()),
        (allow, "ioctl", (arg(1, eq, _FIONBIO),)),
        (pyseccomp.ERRNO(errno.ENOTTY), "ioctl", (arg(1, pyseccomp.LT, _FIONBIO),)),
        (pyseccomp.ERRNO(errno.ENOTTY), "ioctl", (arg(1, pyseccomp.GT, _FIONBIO),)),
        # Ambient capabilities: PR_CAP_AMBIENT_IS_SET only.
        (
            allow,
            "prctl",
            (arg(0, eq, libc.PR_CAP_AMBIENT), arg(1, eq, libc.PR_CAP_AMBIENT_IS_SET)),
        ),
    ]
    rules += [(allow, "prctl", (arg(0, eq, option),)) for option in _PRCTL_READS]
    # The prctl settings an escape would reach for are refused and recorded; any other
    # option is not on the list at all (the default: kill).
    rules += [(eperm, "prctl", (arg(0, eq, option),)) for option in _PRCTL_ESCAPES]
    return rules


def _known(name: str) -> bool:
    return pyseccomp.resolve_syscall(pyseccomp.system_arch(), name) >= 0


def build_filter(own_pid: int) -> pyseccomp.SyscallFilter:
    fil = pyseccomp.SyscallFilter(defaction=pyseccomp.KILL_PROCESS)
    fil.set_attr(pyseccomp.Attr.CTL_TSYNC, 1)
    for name in sorted(ALLOWED | RUNTIME_EXTRAS):
        if _known(name):  # a name this architecture lacks cannot be called here either
            fil.add_rule(pyseccomp.ALLOW, name)
    for name in sorted(DENIED):
        if _known(name):
            fil.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
    for action, name, args in conditional_rules(own_pid):
        if _known(name):
            fil.add_rule(action, name, *args)
    return fil


def apply(trace_marker: bool = False) -> None:
    """Load the filter on every thread; with `trace_marker` (re-deriving the list under
    strace), mark the point instead and load nothing."""
    if trace_marker:
        with contextlib.suppress(OSError):
            os.stat(TRACE_MARKER)
        raise RuntimeError("not loaded: tracing the system calls the service makes (--trace)")
    build_filter(os.getpid()).load()


def probe() -> bool:
    """The kernel says this thread is in filter mode, and a call the filter refuses with EPERM
    (unshare(0), a no-op otherwise) is refused."""
    if libc.prctl(libc.PR_GET_SECCOMP) != 2:
        return False
    try:
        libc.syscall(pyseccomp.resolve_syscall(pyseccomp.system_arch(), "unshare"), 0)
    except OSError as e:
        return e.errno == errno.EPERM
    return False
