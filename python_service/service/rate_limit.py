"""Per-client message-rate limits: token buckets on messages and bytes, enforced by backpressure.

Every client has its own session thread decoding its frames, and all of them share the
service's one interpreter lock: a client that sends frames as fast as it can would keep its
thread runnable all the time and take a share of the lock (and of the machine's cores) that
grows with its sending rate, at the expense of every other client's decoding and replies.

The session charges each frame it handled to its client's buckets (one token per message,
and one per payload byte) and, when a bucket is in debt, stops reading that client's socket
until the debt is repaid. It does not drop anything: the client's frames wait in the kernel's
socket buffer, and once that is full the client's own `sendmsg` blocks. A well-behaved page
never notices (the defaults are far above what a page does; bench/load.py measures one), and a
flooding one is slowed to the configured rate at no cost to the others. Malformed traffic is
not rate-limited but cut off: the first bad frame drops the client (DESIGN.md).

This is how a kernel throttles a sender (the receive window), rather than Mojo's approach of
unbounded queues plus a kill on excessive queue length; the latter needs the queue to grow
first, which is the very memory a flood should not get.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_MESSAGES_PER_SECOND = 20_000.0
DEFAULT_BYTES_PER_SECOND = float(256 << 20)
# Bucket depth in seconds of rate: a burst this long goes through at full speed.
DEFAULT_BURST_SECONDS = 0.5


@dataclass(frozen=True)
class RateLimits:
    """What one client may send per second, and how long a burst may run at full speed."""

    messages_per_second: float = DEFAULT_MESSAGES_PER_SECOND
    bytes_per_second: float = DEFAULT_BYTES_PER_SECOND
    burst_seconds: float = DEFAULT_BURST_SECONDS

    def __post_init__(self) -> None:
        if min(self.messages_per_second, self.bytes_per_second, self.burst_seconds) <= 0:
            raise ValueError(f"rate limits must be positive: {self}")


class TokenBucket:
    """`rate` tokens a second, at most `depth` saved up; charges may run it into debt."""

    def __init__(
        self, rate: float, depth: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.depth = depth
        self._clock = clock
        self._tokens = depth
        self._stamp = clock()

    def charge(self, amount: float) -> float:
        """Take `amount` tokens; returns the seconds until the balance is back at zero (0.0
        if it never went below)."""
        now = self._clock()
        self._tokens = min(self.depth, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        self._tokens -= amount
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


class ClientRateLimiter:
    """One client's two buckets (messages, bytes)."""

    def __init__(
        self, limits: RateLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or RateLimits()
        burst = self.limits.burst_seconds
        self.messages = TokenBucket(
            self.limits.messages_per_second, self.limits.messages_per_second * burst, clock
        )
        self.bytes = TokenBucket(
            self.limits.bytes_per_second, self.limits.bytes_per_second * burst, clock
        )
        self.throttled_seconds = 0.0  # how long this client was made to wait, in all

    def charge(self, messages: int, nbytes: int) -> float:
        """Charge one frame; the seconds the client's socket must now go unread."""
        wait = max(self.messages.charge(messages), self.bytes.charge(nbytes))
        self.throttled_seconds += wait
        return wait


__all__ = ["ClientRateLimiter", "RateLimits", "TokenBucket"]
