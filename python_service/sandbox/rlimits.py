"""Layer `rlimits`: a ceiling on address space and open files, and no core dumps.

Soft and hard limits are set to the same value: lowering a hard limit cannot be undone without
CAP_SYS_RESOURCE (dropped by `no_new_privs`, right after), and seccomp refuses setrlimit and
prlimit64 with a new limit anyway, so a compromised service cannot raise them back.

Why these limits:
- RLIMIT_AS bounds the memory a runaway or hostile model can make the service reserve. It
  counts *reserved* address space, not resident memory: every thread stack (8 MiB), every
  glibc malloc arena (64 MiB reservations) and onnxruntime's arenas count, so the default is
  far above what the service touches (docs/sandbox.md has the measured VmPeak).
- RLIMIT_NOFILE bounds descriptors: each client is a socket plus one memfd per mapped buffer,
  and the per-client quotas are the finer bound; this one caps the process.
- RLIMIT_CORE = 0: a crash must not write the process's memory (other pages' tensors and
  models) to disk. `no_new_privs` also makes the process not dumpable, which covers a
  core_pattern that pipes to a program (where the kernel ignores RLIMIT_CORE 0).
"""

from __future__ import annotations

import resource

DEFAULT_ADDRESS_SPACE = 8 << 30
DEFAULT_OPEN_FILES = 4096


def _set(which: int, limit: int) -> int:
    """Set soft = hard = min(limit, current hard) and return what was set: a limit we cannot
    raise (hard already lower) is already at least as strict."""
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(which, (limit, limit))
    return limit


_expected: dict[int, int] = {}


def apply(address_space: int = DEFAULT_ADDRESS_SPACE, open_files: int = DEFAULT_OPEN_FILES) -> None:
    _expected[resource.RLIMIT_AS] = _set(resource.RLIMIT_AS, address_space)
    _expected[resource.RLIMIT_NOFILE] = _set(resource.RLIMIT_NOFILE, open_files)
    _expected[resource.RLIMIT_CORE] = _set(resource.RLIMIT_CORE, 0)


def probe() -> bool:
    """Each limit read back with getrlimit: finite, soft == hard, core 0, and no higher than
    what `apply` set."""
    if not _expected:
        return False
    for which, limit in _expected.items():
        soft, hard = resource.getrlimit(which)
        if soft != hard or soft == resource.RLIM_INFINITY or soft > limit:
            return False
    return resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)
