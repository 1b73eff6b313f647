"""The crash-loop policy: repeated crashes disable the adapter until the window passes.

`CrashLoopPolicy` alone with a fake clock (the arithmetic), then a real host whose service is
killed three times: the fourth page gets no adapter (`request_adapter()` resolves null, as
WebGPU's does when none is available) and `connect()` says why; once the (fake) clock has
moved past the window, launches resume and a real graph runs.
"""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from python_service.client import connect
from python_service.crash_loop import CrashLoopPolicy
from python_service.host import AdapterUnavailable, ServiceHost
from python_service.service_monitor import LossCause
from tests.lifecycle.support import TIMEOUT, open_device, run_relu


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_policy_disables_after_k_crashes_in_the_window_and_forgives_old_ones():
    clock = FakeClock()
    policy = CrashLoopPolicy(limit=3, window=60.0, clock=clock)
    for _ in range(2):
        policy.record_crash()
        clock.now += 10
    assert policy.disabled_for() == 0.0  # two crashes: still allowed
    policy.record_crash()  # crashes at 1000, 1010, 1020
    assert policy.disabled_for() == pytest.approx(60.0 - 20.0)  # until the first is 60 s old
    clock.now = 1060.0  # the first crash leaves the window: two remain
    assert policy.disabled_for() == 0.0 and policy.recent_crashes() == 2
    policy.record_crash()  # 1010, 1020, 1060: disabled until 1010 + 60
    assert policy.disabled_for() == pytest.approx(10.0)
    clock.now += 100
    assert policy.recent_crashes() == 0


@pytest.mark.parametrize("limit, window", [(0, 60.0), (3, 0.0)])
def test_the_policy_refuses_meaningless_settings(limit, window):
    with pytest.raises(ValueError):
        CrashLoopPolicy(limit=limit, window=window)


def test_repeated_crashes_disable_the_adapter_until_the_window_passes():
    clock = FakeClock()
    with ServiceHost(crash_limit=3, crash_window=60.0, clock=clock) as host:
        for _ in range(3):
            npu = connect(host)
            device = open_device(npu)
            os.kill(host.service_pid, signal.SIGKILL)
            assert "crashed" in device.lost.result(TIMEOUT).message
            assert host.wait_reaped(TIMEOUT).cause is LossCause.CRASHED
            clock.now += 1  # three crashes within three (fake) seconds
        assert host.launches == 3

        # Disabled: the page still gets its entry point, but no adapter; the host says why.
        npu = connect(host)
        assert npu.request_adapter().result(TIMEOUT) is None
        with pytest.raises(AdapterUnavailable, match=r"crashed 3 times within 60 s") as error:
            host.connect()
        assert error.value.retry_after == pytest.approx(57.0)  # the first crash at 1000, now 1003
        assert "killed by signal SIGKILL" in str(error.value)
        assert host.launches == 3, "a disabled adapter must not relaunch the service"

        # Past the window, launches resume and the new service works.
        clock.now += 57.5
        fresh = connect(host)
        try:
            values = np.float32([-1, 0, 2.5])
            np.testing.assert_array_equal(run_relu(open_device(fresh), values), [0, 0, 2.5])
        finally:
            fresh.close()
        assert host.launches == 4


def test_a_graceful_shutdown_is_not_a_crash():
    with ServiceHost(crash_limit=1) as host:
        host.start()
        assert host.shutdown() == 0
        assert host.losses[-1].cause is LossCause.SHUTDOWN
        assert host.crash_loop.recent_crashes() == 0
