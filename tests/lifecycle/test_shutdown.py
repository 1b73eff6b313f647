"""Graceful shutdown with work in flight (issue 4, deliverable 6): "in-flight work finishes or
is cancelled within a bound; nothing is leaked (shared memory, processes, sockets)".

The bound is the service's `--shutdown-timeout`: within it the service cancels queued work,
interrupts running dispatches (onnxruntime's RunOptions.terminate, between kernels) and exits
0; past it, it exits 1 anyway, and past the host's own timeout the host kills it. So an exit
status of 0 is the proof that the work was cancelled within the bound, without timing it.
"""

from __future__ import annotations

import time

import pytest

from python_service.client import connect
from python_service.host import ServiceHost, ServiceUnavailable
from python_service.service_monitor import LossCause
from tests.lifecycle.support import (
    TIMEOUT,
    assert_fds_back_to,
    assert_gone,
    assert_lost,
    assert_memory_released,
    memfds,
    open_fds,
    page_with_work_in_flight,
)

SERVICE_BOUND = 3.0  # the service's --shutdown-timeout, seconds
HOST_BOUND = 20.0  # the host's: far above, so only a broken shutdown reaches it


def test_shutdown_with_work_in_flight_cancels_it_and_leaks_nothing():
    baseline = open_fds()
    before = memfds()  # other tests' memory in this process is not this shutdown's to release
    host = ServiceHost(service_args=["--shutdown-timeout", str(SERVICE_BOUND)])
    pages = [page_with_work_in_flight(connect(host), seed) for seed in (3, 4)]
    held = memfds() - before
    wrapper, real = host.process.pid, host.service_pid
    time.sleep(0.3)  # the long dispatches are running, the rest is queued behind them
    assert not any(p.done() for page in pages for p in page.pending.values())

    status = host.shutdown(timeout=HOST_BOUND)

    assert status == 0, "the service should cancel its work and exit 0 within its bound"
    loss = host.losses[-1]
    assert loss.cause is LossCause.SHUTDOWN and host.crash_loop.recent_crashes() == 0
    for page in pages:
        for name, promise in page.pending.items():
            promise.exception(TIMEOUT) if name != "lost" else promise.result(TIMEOUT)
        assert_lost(page, "the NPU service was shut down")
        assert_memory_released(page, held)
        page.npu.close()
    assert_gone(real, own_child=real == wrapper)
    assert_gone(wrapper, own_child=True)
    assert_fds_back_to(baseline)  # control channel, client sockets, memfds: all closed
    assert not memfds() & held
    with pytest.raises(ServiceUnavailable, match="shut down"):
        host.connect()
