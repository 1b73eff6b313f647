"""Layer `clean_environment`: the service starts from nothing it did not ask for.

- Environment: exactly `environment(...)`, built from scratch by the host (launch.py) and
  enforced again here, so a variable the host's caller had set (LD_PRELOAD, PYTHON*, HOME,
  proxies, credentials) never reaches the service. The fixed values matter:
  ORT_DISABLE_TELEMETRY=1 (the onnxruntime wheel otherwise writes under ~/.cache), and
  OMP_NUM_THREADS=1 / OPENBLAS_NUM_THREADS=1 so importing numpy and onnxruntime starts no
  thread pool: Landlock needs a single-threaded process (landlock.py).
- Descriptors: every one but stdio and the control socket is closed (whatever launched us may
  have leaked some, and the sandbox must not inherit them); stdin is /dev/null.

This runs first, before anything imports onnxruntime (which reads its variables at import).
"""

from __future__ import annotations

import fcntl
import os
import resource
import stat

# name -> required value; PYTHONPATH is the package root the host chose, checked for presence.
FIXED = {
    "ORT_DISABLE_TELEMETRY": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
    "LC_ALL": "C.UTF-8",
}
PASSED = ("PYTHONPATH",)

_DEV_NULL = os.makedev(1, 3)
_kept: set[int] = set()


def environment(package_root: str) -> dict[str, str]:
    """The service's whole environment, as the host passes it to execve."""
    return {**FIXED, "PYTHONPATH": package_root}


def open_descriptors() -> set[int]:
    """Every open descriptor, found with fcntl (so it works after Landlock closes /proc)."""
    limit, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    found = set()
    for fd in range(min(limit, 65536)):
        try:
            fcntl.fcntl(fd, fcntl.F_GETFD)
        except OSError:
            continue
        found.add(fd)
    return found


def _stdin_is_dev_null() -> bool:
    st = os.fstat(0)
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == _DEV_NULL


def _close_all_but(keep: set[int]) -> None:
    # Up to the hard limit: a descriptor above a lowered soft limit stays open.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    end = max(os.sysconf("SC_OPEN_MAX"), min(hard, 1 << 20) if hard > 0 else 0)
    low = 3
    for fd in sorted(fd for fd in keep if fd >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, end)


def apply(keep_fds: tuple[int, ...] = ()) -> None:
    _kept.clear()
    _kept.update({0, 1, 2, *keep_fds})
    _close_all_but(_kept)
    if not _stdin_is_dev_null():
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
    for name in set(os.environ) - set(FIXED) - set(PASSED):
        del os.environ[name]
    os.environ.update(FIXED)


def probe() -> bool:
    """The environment is exactly the clean one, stdin is /dev/null, and no descriptor is
    open but the ones `apply` kept (so call it before serving any client)."""
    env = dict(os.environ)
    passed = {name: env.pop(name, None) for name in PASSED}
    if env != FIXED or None in passed.values():
        return False
    return bool(_kept) and _stdin_is_dev_null() and open_descriptors() <= _kept
