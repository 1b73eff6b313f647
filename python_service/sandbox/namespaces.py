"""Layer `namespaces`: the service runs in new user, PID and network namespaces.

The namespaces are entered before the service starts: the host launches it through
`ns_init.py` (which unshares them and runs the service as pid 1 of the new PID namespace),
because a process cannot move itself into a new PID namespace. This layer checks the result
from inside, reading the kernel's view:

- PID: we are pid 1 (only the first process of a fresh PID namespace is); the host and every
  other process are invisible, so there is nobody to signal or ptrace by pid;
- user: /proc/self/uid_map is not the initial namespace's identity map
  (`0 0 4294967295`), so root inside is nobody outside, and the capabilities we held were the
  namespace's, never the machine's (`no_new_privs` then drops even those);
- network: the only interface is the loopback, down: no route to anything.

The user and network checks read /proc, which Landlock closes, so `apply` records them and
`probe` reports the record together with the live PID check. Membership cannot change after
`apply`: setns and unshare are refused by seccomp and need capabilities that are gone.
"""

from __future__ import annotations

import os

_INITIAL_UID_MAP = ["0", "0", "4294967295"]

_checked: dict[str, bool] = {}


def _in_new_user_namespace() -> bool:
    with open("/proc/self/uid_map") as f:
        return f.read().split() != _INITIAL_UID_MAP


def _interfaces() -> list[str]:
    with open("/proc/self/net/dev") as f:
        return [line.split(":", 1)[0].strip() for line in f.readlines()[2:]]


def state() -> dict[str, bool]:
    return {
        "pid": os.getpid() == 1,
        "user": _in_new_user_namespace(),
        "network": _interfaces() == ["lo"],
    }


def apply() -> None:
    _checked.clear()
    _checked.update(state())
    missing = [name for name, new in _checked.items() if not new]
    if missing:
        raise RuntimeError(
            f"not in new {'/'.join(missing)} namespace(s) (pid {os.getpid()}, interfaces "
            f"{_interfaces()}): the host launches the service through "
            "python_service/sandbox/ns_init.py when the machine allows user namespaces"
        )


def probe() -> bool:
    return bool(_checked) and all(_checked.values()) and os.getpid() == 1
