"""Device loss when the service dies or hangs mid-dispatch (issue 4, "Host lifecycle").

Acceptance: "Kill the service with SIGKILL in the middle of a dispatch: every pending call on
every client fails with device lost within 200 ms, a new device works afterwards, no shared
memory or processes leak (checked, not assumed). Same for a service that hangs."

Each test runs its own real service (`ServiceHost`) and two pages (`connect(host)`) with a long
dispatch running and more work queued behind it, plus shared memory the pages hold (a mapped
range, a large read result). The 200 ms bound is the issue's own acceptance criterion, so it
is asserted. The path it measures is the kernel tearing the killed process down (it closes
the sockets last), an EOF wake-up and a waitpid (sub-millisecond each), and the pages
detaching their memory: about 15 ms on the 2-core test machine, so >10x headroom, and none of
it waits on a timer.
"""

from __future__ import annotations

import os
import signal
import time

import numpy as np

from python_service.client import connect
from python_service.host import ServiceHost
from python_service.service_monitor import LossCause
from tests.lifecycle.support import (
    TIMEOUT,
    assert_fds_back_to,
    assert_gone,
    assert_lost,
    assert_memory_released,
    last_settled,
    memfds,
    open_device,
    open_fds,
    page_with_work_in_flight,
    run_relu,
    wait_until,
)

LOSS_BOUND = 0.2  # seconds: the acceptance criterion (see the module docstring)
# Long enough for the pages' queued work to be surely in the service before the kill.
SETTLE = 0.3


def _lose_and_check(host: ServiceHost, kill: str) -> None:
    baseline = open_fds()
    before = memfds()  # other tests' memory in this process is not this loss's to release
    pages = [page_with_work_in_flight(connect(host), seed) for seed in (1, 2)]
    held = memfds() - before
    wrapper, real = host.process.pid, host.service_pid
    time.sleep(SETTLE)  # the long dispatches are running, the rest is queued behind them
    assert not any(p.done() for page in pages for p in page.pending.values())

    if kill == "crash":
        started = time.monotonic()
        os.kill(real, signal.SIGKILL)
        because = "the NPU service crashed (killed by signal SIGKILL)"
    else:
        os.kill(real, signal.SIGSTOP)
        stopped = time.monotonic()
        because = "the NPU service hung"
    for page in pages:
        for name, promise in page.pending.items():
            promise.exception(TIMEOUT) if name != "lost" else promise.result(TIMEOUT)
    loss = host.wait_reaped(TIMEOUT)
    assert loss is not None
    if kill == "hang":
        assert loss.cause is LossCause.HUNG
        # Declared no earlier than the heartbeat timeout after the stop: a hang, detected.
        assert loss.declared_at - stopped >= host._heartbeat.timeout
        started = loss.declared_at
    else:
        assert loss.cause is LossCause.CRASHED and loss.status == -signal.SIGKILL
    elapsed = last_settled(pages) - started
    print(
        f"{kill}: last of {sum(map(len, (p.pending for p in pages)))} settled "
        f"{elapsed * 1e3:.1f} ms after the {'kill' if kill == 'crash' else 'hang was declared'}"
    )
    assert elapsed <= LOSS_BOUND, f"the last rejection came {elapsed * 1e3:.0f} ms after"

    for page in pages:
        assert_lost(page, because)
        assert_memory_released(page, held)
    # The service and its wrapper are gone and reaped; the host holds nothing of them, and
    # the pages' channels are closed: this process is back to its descriptors of before.
    assert_gone(real, own_child=real == wrapper)
    assert_gone(wrapper, own_child=True)
    assert_fds_back_to(baseline)
    assert not memfds() & held

    # A new device on a new connection works: a real graph, its result checked.
    fresh = connect(host)
    try:
        values = np.linspace(-2, 2, 64, dtype=np.float32)
        np.testing.assert_array_equal(run_relu(open_device(fresh), values), np.maximum(values, 0))
        assert host.launches == 2 and host.service_pid != real
    finally:
        fresh.close()
    for page in pages:  # a page lost stays lost; close() is harmless
        page.npu.close()


def test_sigkill_mid_dispatch_loses_every_device_at_once_and_leaks_nothing():
    with ServiceHost() as host:
        _lose_and_check(host, "crash")


def test_a_hung_service_is_killed_and_every_device_is_lost():
    # Short enough to keep the test quick, long enough that a loaded machine (or a long
    # GIL hold while onnxruntime builds a session) is not mistaken for a hang.
    with ServiceHost(heartbeat_interval=0.05, heartbeat_timeout=1.0) as host:
        host.start()
        wait_until(lambda: host.heartbeats_answered > 0, "the service's first heartbeat")
        _lose_and_check(host, "hang")
