"""What the service process's exit status means, for the service that sets it and the host
that reports it (python_service/service_monitor.py puts it in every device's `lost` message).

One place so the two cannot drift: the service exits with one of these, or dies by a signal.
Imports nothing, so the host can read it without importing the service.
"""

from __future__ import annotations

import enum


class ServiceExit(enum.IntEnum):
    OK = 0  # graceful shutdown: the host closed the control channel
    SLOW_SHUTDOWN = 1  # shut down, but something ignored its cancellation past the bound
    BAD_CONTROL = 2  # a bad --control-fd or a malformed control channel
    SANDBOX_REFUSED = 3  # a required sandbox layer could not be applied (start-up only)
    WATCHDOG = 4  # a kernel ignored the watchdog's terminate; exiting was the only way out


_MEANINGS = {
    ServiceExit.SLOW_SHUTDOWN: "its shutdown overran its time limit",
    ServiceExit.BAD_CONTROL: "its control channel was malformed",
    ServiceExit.SANDBOX_REFUSED: "a required sandbox layer could not be applied",
    ServiceExit.WATCHDOG: "a dispatch ignored the watchdog's cancellation, so the service exited",
}


def meaning(status: int) -> str | None:
    """Why the service exited with `status` (a non-negative exit code), if it is one of ours."""
    try:
        return _MEANINGS.get(ServiceExit(status))
    except ValueError:
        return None


__all__ = ["ServiceExit", "meaning"]
