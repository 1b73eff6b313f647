"""Fair scheduling and message-rate limits (deliverable 5), in process: real sessions, a real
executor and real socket pairs, with the service's classes and no process around them.

- A client with a long serial work list holds a worker for one turn (TURN_ITEMS operations
  at most), not for the whole list: another client's work runs before the long list is done.
- A client over its message rate is throttled (its socket left unread), loses nothing, and
  the other clients are served meanwhile.
"""

from __future__ import annotations

import threading

import pytest

from python_service.client import connect
from python_service.ipc import Channel
from python_service.service import client_session as cs
from python_service.service.executor import Executor
from python_service.service.rate_limit import (
    ClientRateLimiter,
    FairShare,
    RateLimits,
    TokenBucket,
)
from tests.e2e.validation_support import assert_serves

from .conftest import TIMEOUT


class PairHost:
    """`connect()` hands back one end of a channel pair served by an in-process session."""

    def __init__(self, executor: Executor, **session_options) -> None:
        self.executor = executor
        self.options = session_options
        self.sessions: list[cs.ClientSession] = []
        self.threads: list[threading.Thread] = []

    def connect(self) -> Channel:
        service_end, client_end = Channel.pair()
        session = cs.ClientSession(service_end, self.executor, **self.options)
        thread = threading.Thread(target=session.serve, daemon=True)
        thread.start()
        self.sessions.append(session)
        self.threads.append(thread)
        return client_end


def test_a_long_work_list_holds_the_worker_for_one_turn_only():
    with Executor(workers=1) as executor:
        long = cs.ClientSession(Channel.pair()[0], executor)
        short = cs.ClientSession(Channel.pair()[0], executor)
        gate = threading.Event()
        order: list[str] = []
        done = threading.Event()

        def first(_token) -> None:
            gate.wait(TIMEOUT)  # holds the only worker until the short client has queued
            order.append("long")

        long._enqueue(first)
        for _ in range(10 * cs.TURN_ITEMS):
            long._enqueue(lambda _token: order.append("long"))
        long._enqueue(lambda _token: done.set())
        short._enqueue(lambda _token: order.append("short"))
        gate.set()
        assert done.wait(TIMEOUT)
        # The short client's one operation ran after at most one turn of the long list, not
        # after all 161 of its operations.
        assert "short" in order
        assert order.index("short") <= cs.TURN_ITEMS
        assert order.count("long") == 10 * cs.TURN_ITEMS + 1
        long.close()
        short.close()


def test_token_bucket_charges_into_debt_and_refills_at_its_rate():
    now = [0.0]
    bucket = TokenBucket(rate=100.0, depth=10.0, clock=lambda: now[0])
    assert bucket.charge(10) == 0.0  # the burst
    assert bucket.charge(5) == pytest.approx(0.05)  # 5 tokens of debt at 100/s
    now[0] += 0.05
    assert bucket.charge(0) == 0.0  # repaid
    now[0] += 10.0
    assert bucket.charge(10) == 0.0  # refilled, but only up to the depth
    assert bucket.charge(1) == pytest.approx(0.01)
    # A client's buckets start empty (reconnecting buys no burst) and fill to 0.1 s of rate.
    limiter = ClientRateLimiter(RateLimits(100.0, 1000.0, 0.1, 1.0), clock=lambda: now[0])
    assert limiter.charge(5, 50) == pytest.approx(0.05)  # messages: 5 at 100/s
    now[0] += 1.0
    assert limiter.charge(5, 50) == 0.0  # within the refilled burst (10 messages)
    assert limiter.charge(1, 500) == pytest.approx(0.45)  # the byte bucket is the binding one
    now[0] += 1.0
    assert limiter.charge(1, 1, cpu_seconds=0.3) == pytest.approx(0.2)  # 0.1 s of 1 core
    with pytest.raises(ValueError):
        RateLimits(messages_per_second=0)


def test_fair_share_divides_the_capacity_among_clients_sending_now():
    now = [0.0]
    share = FairShare(capacity=1.0, window=1.0, clock=lambda: now[0])
    assert share.share("a") == 1.0  # alone: all of it
    assert share.share("b") == 0.5
    assert share.share("c") == pytest.approx(1 / 3)
    now[0] += 0.6
    assert share.share("a") == pytest.approx(1 / 3)  # b and c sent within the window
    now[0] += 0.6
    assert share.share("a") == 1.0  # b and c went quiet: a has it all again
    share.forget("a")
    assert share.share("b") == 1.0


def test_a_flooding_client_is_throttled_without_loss_and_others_are_served():
    # 200 messages a second: one frame of 400 messages puts the flooder ~2 s in debt whatever
    # the machine's speed (buckets start empty), so its socket goes unread meanwhile.
    limits = RateLimits(messages_per_second=200.0, bytes_per_second=1e9, burst_seconds=0.1)
    with Executor(workers=2) as executor:
        host = PairHost(executor, rate_limits=limits)
        flood_npu = connect(host)
        flood = flood_npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
        calm_npu = connect(host)
        calm = calm_npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
        flooder = host.sessions[0]
        try:
            for _ in range(400):  # one frame: pushes are batched until a reply is awaited
                flood.push_error_scope("validation")
            popped = flood.pop_error_scope()  # in the next frame, behind the debt
            # The calm client (with its own buckets) is served meanwhile.
            assert_serves(calm)
            assert popped.result(TIMEOUT) is None  # nothing of the flood was lost
            assert flooder.rate.throttled_seconds > 1.0
            assert not flooder.closed
            assert_serves(flood)
        finally:
            flood_npu.close()
            calm_npu.close()
            for thread in host.threads:
                thread.join(TIMEOUT)
