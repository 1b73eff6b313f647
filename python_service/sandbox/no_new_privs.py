"""Layer `no_new_privs`: no privilege can be gained, none is held, and no one can read us.

- PR_SET_NO_NEW_PRIVS: execve can never grant privileges again (setuid bits, file
  capabilities); Landlock and an unprivileged seccomp filter require it.
- PR_SET_DUMPABLE 0: no core dump of other pages' tensors, and /proc/<pid>/mem, environ and
  ptrace attach are closed to processes of the same uid that lack CAP_SYS_PTRACE.
- Capabilities: this layer (not `namespaces`) drops them, so they are gone whether or not the
  machine allows user namespaces. The service runs as root in its user namespace (and as real
  root in CI without one): the bounding set is cleared first (it needs CAP_SETPCAP), then the
  ambient set, then the effective, permitted and inheritable sets.

All of these are per thread (dumpable is per process), so the process must still be single
threaded here: threads created later inherit them.
"""

from __future__ import annotations

from python_service.sandbox import libc

# Whether the bounding set could be cleared: it needs CAP_SETPCAP, which an unprivileged user
# outside a user namespace never had. Without it the bounding set cannot matter (it only
# limits what execve grants, and execve is refused), so the probe does not ask for it.
_could_clear_bounding_set = False


def apply() -> None:
    global _could_clear_bounding_set
    threads = libc.thread_count()
    if threads != 1:
        raise RuntimeError(f"the process has {threads} threads; these settings are per thread")
    libc.prctl(libc.PR_SET_NO_NEW_PRIVS, 1)
    libc.prctl(libc.PR_SET_DUMPABLE, 0)
    effective, _, _ = libc.capget()
    _could_clear_bounding_set = bool(effective & (1 << 8))  # CAP_SETPCAP
    if _could_clear_bounding_set:
        for cap in libc.bounding_set():
            libc.prctl(libc.PR_CAPBSET_DROP, cap)
    libc.prctl(libc.PR_CAP_AMBIENT, libc.PR_CAP_AMBIENT_CLEAR_ALL)
    libc.capset_empty()


def probe() -> bool:
    if libc.prctl(libc.PR_GET_NO_NEW_PRIVS) != 1 or libc.prctl(libc.PR_GET_DUMPABLE) != 0:
        return False
    if any(libc.capget()) or libc.ambient_set():
        return False
    return not (_could_clear_bounding_set and libc.bounding_set())
