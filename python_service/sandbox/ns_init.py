"""Run a command as pid 1 of new user, PID and network namespaces: `ns_init.py -- COMMAND...`.

The host starts the service through this (python_service/sandbox/launch.py), by path with
`python -I -S`, so it imports nothing but the standard library and starts in ~20 ms. It does
what `unshare --user --map-root-user --pid --net --fork --kill-child` does, with one
difference that made it worth writing: it reports the command's end faithfully. util-linux
2.38's unshare turns a child killed by SIGKILL into its own exit status 1 (it cannot unblock
SIGKILL to re-raise it), and the host must tell a killed service from one that exited 1.

1. unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET); map our uid and gid to 0 inside
   (setgroups denied first, as the kernel requires for an unprivileged gid_map);
2. fork: the child is pid 1 of the new PID namespace; it asks for SIGKILL when we die
   (PR_SET_PDEATHSIG) and execs COMMAND with our environment and descriptors;
3. we close every descriptor we hold (the control socket stays the service's alone, so the
   host sees EOF the moment the service dies), ignore SIGINT (the host's Ctrl-C is the host's
   to handle), wait, and end the way the child ended: the same exit status, or the same
   signal (re-raised with core dumps off). Any signal that kills us kills the service too
   (PR_SET_PDEATHSIG). Nothing is forwarded: as pid 1 of its namespace the service receives
   from outside only SIGKILL and SIGSTOP (and signals it has a handler for), which is what
   the host uses.

Exit status 125: the namespaces could not be created (the message on stderr says why).
The host runs `ns_init.py -- python -c ""` once to learn whether this machine allows it.
"""

from __future__ import annotations

import ctypes
import os
import resource
import select
import signal
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
CANNOT_UNSHARE = 125

_libc = ctypes.CDLL(None, use_errno=True)


def _unshare() -> None:
    uid, gid = os.geteuid(), os.getegid()
    if _libc.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(user, pid, net): {os.strerror(errno)}")
    for path, text in (
        ("/proc/self/setgroups", "deny"),
        ("/proc/self/uid_map", f"0 {uid} 1"),
        ("/proc/self/gid_map", f"0 {gid} 1"),
    ):
        with open(path, "w") as f:
            f.write(text)


def _child(command: list[str], parent_alive: int) -> None:
    """In the fork: die with the parent, then become COMMAND. Never returns."""
    try:
        if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(CANNOT_UNSHARE)
        # The parent may have died before prctl took effect: its end of the pipe then reads
        # EOF (readable) at once.
        if select.select([parent_alive], [], [], 0)[0]:
            os._exit(CANNOT_UNSHARE)
        os.close(parent_alive)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execv(command[0], command)
    except BaseException as e:
        print(f"ns_init: cannot run {command[0]}: {e}", file=sys.stderr)
    os._exit(CANNOT_UNSHARE)


def _end_like(status: int) -> int:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        # Re-raise it on ourselves, without a core dump of this small process.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
        return 128 + sig  # only if the signal does not end a process
    return os.waitstatus_to_exitcode(status)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: ns_init.py -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _unshare()
    except OSError as e:
        print(f"ns_init: {e.strerror or e}", file=sys.stderr)
        return CANNOT_UNSHARE
    parent_alive, keep_open = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(keep_open)
        _child(argv, parent_alive)
    os.close(parent_alive)
    # Hold nothing of the service's: the pipe end is all we keep.
    os.closerange(3, keep_open)
    os.closerange(keep_open + 1, os.sysconf("SC_OPEN_MAX"))
    _, status = os.waitpid(pid, 0)
    return _end_like(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
