"""The crash-loop policy: after too many service crashes in a short window, stop relaunching.

Chrome does the same for the GPU process: `GpuProcessHost::RecordProcessCrash`
(content/browser/gpu/gpu_process_host.cc) counts recent crashes and, past a small limit
(3 in Chromium's docs/gpu "GPU Process Fallback"), falls back and stops offering hardware
acceleration; old crashes are forgiven as time passes. A service that crashes on every launch
would otherwise be relaunched in a loop by every page that asks for an adapter, each launch
costing a second of CPU and each crash losing every device again.

Here: a crash is any end of the service the host did not ask for (a signal, an unexpected
exit, a hang the heartbeat caught, a broken control protocol); a graceful shutdown is not
one. After `limit` crashes within `window` seconds the adapter is unavailable until the
oldest of those crashes is `window` seconds old; then launches resume (a sliding window, so
one crash now and then never disables anything).

The clock is injectable so a test can move time without sleeping.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable

DEFAULT_CRASH_LIMIT = 3
DEFAULT_CRASH_WINDOW = 60.0  # seconds


class CrashLoopPolicy:
    """Counts recent crashes; `disabled_for()` says how long launches stay refused."""

    def __init__(
        self,
        limit: int = DEFAULT_CRASH_LIMIT,
        window: float = DEFAULT_CRASH_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError(f"crash limit must be at least 1: {limit}")
        if window <= 0:
            raise ValueError(f"crash window must be positive: {window}")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()  # crashes are recorded on monitor threads
        self._crashes: collections.deque[float] = collections.deque()

    def record_crash(self) -> None:
        with self._lock:
            now = self._clock()
            self._crashes.append(now)
            self._forget_old(now)

    def recent_crashes(self) -> int:
        with self._lock:
            self._forget_old(self._clock())
            return len(self._crashes)

    def disabled_for(self) -> float:
        """Seconds until a launch is allowed again; 0.0 if it is allowed now."""
        with self._lock:
            now = self._clock()
            self._forget_old(now)
            if len(self._crashes) < self.limit:
                return 0.0
            # The window must slide past enough crashes to leave fewer than `limit`; every
            # crash still held is younger than the window, so this is positive.
            oldest_that_counts = self._crashes[len(self._crashes) - self.limit]
            return oldest_that_counts + self.window - now

    def _forget_old(self, now: float) -> None:
        while self._crashes and self._crashes[0] + self.window <= now:
            self._crashes.popleft()


__all__ = ["DEFAULT_CRASH_LIMIT", "DEFAULT_CRASH_WINDOW", "CrashLoopPolicy"]
