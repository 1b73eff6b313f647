"""The seccomp lists (seccomp.py applies them; `python -m python_service.sandbox.trace`
re-derives ALLOWED and diffs it against this file).

ALLOWED was derived, not guessed: the service ran under `strace -f` with the seccomp layer
replaced by a marker (trace.py), through the demo and the end-to-end, service and client
tests, and every system call any service thread made after the marker is here, except those
with argument rules (seccomp.CONDITIONAL). x86_64, Debian 12 (glibc 2.36), Python 3.11,
onnxruntime and numpy as pinned by pyproject.toml.
"""

from __future__ import annotations

# BEGIN DERIVED (trace.py rewrites this block with --write)
ALLOWED = frozenset(
    {
        "brk",
        "capget",
        "close",
        "exit",
        "exit_group",
        "fcntl",
        "ftruncate",
        "futex",
        "getpid",
        "getsockname",
        "getsockopt",
        "gettid",
        "madvise",
        "memfd_create",
        "mmap",
        "mprotect",
        "munmap",
        "newfstatat",
        "openat",
        "poll",
        "recvmsg",
        "rseq",
        "rt_sigprocmask",
        "sched_getaffinity",
        "sendmsg",
        "set_robust_list",
        "shutdown",
        "write",
    }
)
# END DERIVED

# Reviewed additions, not derived: calls the kernel or glibc make on paths a trace rarely sees,
# none of which reaches anything outside the process.
RUNTIME_EXTRAS = frozenset(
    {
        "restart_syscall",  # a blocking call resumed after SIGSTOP/SIGCONT (the host may stop us)
        "rt_sigreturn",  # return from any signal handler
        "mremap",  # glibc realloc growing a large block (numpy, bytes)
        "sched_yield",  # lock back-off in glibc and onnxruntime
        "clock_gettime",  # the vDSO's fallback
        "clock_nanosleep",  # time.sleep
        "nanosleep",
        "getrandom",  # os.urandom, random seeding
        "getpeername",  # repr() of a socket, as in an "unclosed socket" ResourceWarning
    }
)

# Refused with EPERM rather than killing the process: what an escape tries first. The
# attempt fails and can be recorded (tests/sandbox/test_escape.py) instead of ending the
# process with nothing to show for it. Landlock, the namespaces and the dropped capabilities
# would refuse most of these too; seccomp refuses them first.
DENIED = frozenset(
    {
        # network and local sockets: the service only uses the sockets it was handed
        "socket",
        "socketpair",
        "connect",
        "bind",
        "listen",
        "accept",
        "accept4",
        # new programs and processes
        "execve",
        "execveat",
        "fork",
        "vfork",
        # other processes
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "pidfd_open",
        "pidfd_getfd",
        "pidfd_send_signal",
        # privileges, namespaces, mounts
        "capset",
        "unshare",
        "setns",
        "mount",
        "umount2",
        "pivot_root",
        "chroot",
        "setuid",
        "setgid",
        "setreuid",
        "setregid",
        "setresuid",
        "setresgid",
        "setgroups",
    }
)
