"""Per-client rate limits (CPU share, messages, bytes), enforced by backpressure.

Every client has its own session thread decoding its frames, and all of them share the
service's one interpreter lock: a client that sends frames as fast as it can keeps its thread
runnable all the time and takes a share of the lock (and of the machine's cores) that grows
with its sending rate, at the expense of every other client's decoding and replies.

The session charges each frame it handled to its client's buckets and, when a bucket is in
debt, stops reading that client's socket until the debt is repaid. Three buckets:

- *CPU*: the thread CPU time the frame cost the service (decode, validation, replies sent),
  refilled at the client's fair share of `cpu_capacity` (core-seconds per second): the
  capacity divided by the number of clients that sent anything in the last second
  (`FairShare`). Alone, a client may use all of it; with eight others, a ninth. This is the
  bucket that holds a flooder back whatever its messages cost: a quota error, an error scope
  and a 4 MiB frame of tiny messages are each charged what they really took;
- *messages* and *bytes*: fixed ceilings far above what a page sends, a second line.

Buckets start empty: a connection earns its burst, so reconnecting buys a flooder nothing.

Throttling drops nothing: the client's frames wait in the kernel's socket buffer, and once
that is full the client's own `sendmsg` blocks (the receive window, as TCP throttles a
sender). A page that sends less than its share never waits; bench/load.py measures the
effect on well-behaved clients next to a flooder. Malformed traffic is not rate-limited but
cut off: the first bad frame drops the client (DESIGN.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_MESSAGES_PER_SECOND = 50_000.0
DEFAULT_BYTES_PER_SECOND = float(64 << 20)
# The service's frame handling is Python under one interpreter lock: about one core in all.
DEFAULT_CPU_CAPACITY = 1.0
# Bucket depth in seconds of rate: a burst this long goes through at full speed.
DEFAULT_BURST_SECONDS = 0.1
# A client counts as sending (for its share) for this long after its last frame.
ACTIVE_WINDOW = 1.0


@dataclass(frozen=True)
class RateLimits:
    """What one client may send per second, and how long a burst may run at full speed."""

    messages_per_second: float = DEFAULT_MESSAGES_PER_SECOND
    bytes_per_second: float = DEFAULT_BYTES_PER_SECOND
    burst_seconds: float = DEFAULT_BURST_SECONDS
    cpu_capacity: float = DEFAULT_CPU_CAPACITY

    def __post_init__(self) -> None:
        values = (self.messages_per_second, self.bytes_per_second, self.burst_seconds)
        if min(*values, self.cpu_capacity) <= 0:
            raise ValueError(f"rate limits must be positive: {self}")


class FairShare:
    """Service-wide: which clients are sending now, and so each one's share of the CPU
    capacity (thread-safe; one per service, shared by every session's limiter)."""

    def __init__(
        self,
        capacity: float = DEFAULT_CPU_CAPACITY,
        window: float = ACTIVE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._last_seen: dict[object, float] = {}

    def share(self, client: object) -> float:
        """Mark `client` as sending now; its share of the capacity (capacity / senders)."""
        now = self._clock()
        with self._lock:
            self._last_seen[client] = now
            horizon = now - self.window
            stale = [c for c, seen in self._last_seen.items() if seen < horizon]
            for c in stale:
                del self._last_seen[c]
            return self.capacity / len(self._last_seen)

    def forget(self, client: object) -> None:
        with self._lock:
            self._last_seen.pop(client, None)


class TokenBucket:
    """`rate` tokens a second, at most `depth` saved up; charges may run it into debt."""

    def __init__(
        self,
        rate: float,
        depth: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        full: bool = True,
    ) -> None:
        self.rate = rate
        self.depth = depth
        self._clock = clock
        self._tokens = depth if full else 0.0
        self._stamp = clock()

    def charge(self, amount: float, rate: float | None = None) -> float:
        """Take `amount` tokens; returns the seconds until the balance is back at zero (0.0
        if it never went below). `rate` changes the refill rate (and the depth with it, in
        proportion) from now on: a fair share moves as clients come and go."""
        now = self._clock()
        self._tokens = min(self.depth, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if rate is not None and rate != self.rate:
            self.depth *= rate / self.rate
            self.rate = rate
            self._tokens = min(self._tokens, self.depth)
        self._tokens -= amount
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


class ClientRateLimiter:
    """One client's three buckets (CPU at its fair share, messages, bytes), all starting
    empty."""

    def __init__(
        self,
        limits: RateLimits | None = None,
        share: FairShare | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or RateLimits()
        self.fair_share = share or FairShare(self.limits.cpu_capacity, clock=clock)
        burst = self.limits.burst_seconds

        def bucket(rate: float) -> TokenBucket:
            return TokenBucket(rate, rate * burst, clock, full=False)

        self.cpu = bucket(self.limits.cpu_capacity)
        self.messages = bucket(self.limits.messages_per_second)
        self.bytes = bucket(self.limits.bytes_per_second)
        self.throttled_seconds = 0.0  # the waits asked of this client, in all

    def charge(self, messages: int, nbytes: int, cpu_seconds: float = 0.0) -> float:
        """Charge one frame; the seconds the client's socket must now go unread."""
        share = self.fair_share.share(self)
        wait = max(
            self.cpu.charge(cpu_seconds, share),
            self.messages.charge(messages),
            self.bytes.charge(nbytes),
        )
        self.throttled_seconds += wait
        return wait

    def close(self) -> None:
        self.fair_share.forget(self)


__all__ = ["ClientRateLimiter", "FairShare", "RateLimits", "TokenBucket"]
