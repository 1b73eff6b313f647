"""The service's sandbox: one module per layer, each with `apply(...)` and `probe()`.

Layers, by the names `python -m python_service --sandbox-report` prints:

    clean_environment  a from-scratch environment, stdin /dev/null, no inherited descriptors
    namespaces         new user, PID and network namespaces (entered through `ns_init.py`)
    rlimits            address space, open files, no core dumps
    no_new_privs       PR_SET_NO_NEW_PRIVS, not dumpable, every capability dropped
    landlock           no file system access at all, no TCP, no abstract sockets or signals
                       outside the sandbox
    seccomp            a system-call allow-list derived from strace, default kill, all threads

`apply` does the work; `probe` reads the state back from the kernel (prctl, getrlimit, a denied
open, /proc read before Landlock closes it...) so the report says what *is*, not what was asked
for. The order they are applied in, and why, is in `python_service/service/__main__.py` and
docs/sandbox.md. `policy.Sandbox` applies them and fails closed.

This module imports nothing: the service's command-line parser (service/config.py) reads the
layer names from it before the environment is clean.
"""

from __future__ import annotations

# In the order they are applied.
LAYERS = (
    "clean_environment",
    "namespaces",
    "rlimits",
    "no_new_privs",
    "landlock",
    "seccomp",
)

# Comma-separated layer names the host lets the service run without (the weaker mode).
ALLOW_MISSING_ENV = "WEBNPU_SANDBOX_ALLOW_MISSING"


class LayerUnavailable(Exception):
    """A layer could not be applied (or applied but its probe says it is not in force)."""

    def __init__(self, layer: str, reason: str) -> None:
        super().__init__(f"sandbox layer {layer!r} unavailable: {reason}")
        self.layer = layer
        self.reason = reason


__all__ = ["ALLOW_MISSING_ENV", "LAYERS", "LayerUnavailable"]
