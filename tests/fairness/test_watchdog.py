"""The watchdog (deliverable 4): a dispatch over the time limit is cancelled through
onnxruntime's RunOptions.terminate, its device is lost with a reason, and everything else
carries on; a kernel that ignores terminate makes the service exit so the host recovers.

The service runs with `--dispatch-timeout 0.3`. The runaway graph is 150 chained 1024x1024
matmuls (seconds of work on any machine this runs on, ~2 GFLOP per kernel), so it is always
well past the limit when the watchdog fires; nothing here asserts how fast anything is.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from python_service.client import DOMException
from python_service.generated.interfaces import NPUBufferUsage as U
from python_service.service.limits import WATCHDOG_EXIT_STATUS
from tests.e2e.conftest import run_graph, tensor_buffer
from tests.e2e.validation_support import add_graph

from .conftest import TIMEOUT, descriptor, matmul_chain, new_device, service_with

LIMIT = 0.3


@pytest.fixture(scope="module")
def service_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("watchdog") / "service.log"


@pytest.fixture(scope="module")
def host(service_log):
    with service_with(["--dispatch-timeout", str(LIMIT)], service_log) as host:
        yield host


def start_runaway(device, graph):
    """Submit one run of the long graph; returns the pending readBuffer of its output."""
    x = np.ones((1024, 1024), np.float32)
    source = tensor_buffer(device, x, U.INPUT | U.COPY_DST)
    out = tensor_buffer(device, graph.outputs[0], U.OUTPUT | U.COPY_SRC)
    device.queue.write_buffer(source, 0, x)
    encoder = device.create_command_encoder()
    encoder.dispatch(graph, {"x": source}, {"y": out})
    device.queue.submit([encoder.finish()])
    return device.queue.read_buffer(out)


def correct_runs(device, count: int, failures: list[str]) -> None:
    """`count` dispatches of a + b with distinct inputs, every result checked."""
    graph = add_graph(device, (64,))
    for i in range(count):
        a = np.arange(64, dtype=np.float32) + i
        b = np.full(64, 0.5 * i, np.float32)
        try:
            out = run_graph(device, graph, {"a": a, "b": b})["y"]
        except Exception as error:  # noqa: BLE001 (recorded, then asserted on)
            failures.append(f"dispatch {i}: {error!r}")
            continue
        if not np.array_equal(out, a + b):
            failures.append(f"dispatch {i}: wrong result")


def test_runaway_dispatch_loses_its_device_only(host, service_log):
    pid = host.service_pid
    npu, device = new_device(host)
    sibling = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
    other_npu, other = new_device(host)
    try:
        graph = matmul_chain(device)
        # Another client keeps dispatching while the runaway runs and is cancelled.
        failures: list[str] = []
        worker = threading.Thread(target=correct_runs, args=(other, 40, failures))
        pending = start_runaway(device, graph)
        worker.start()

        info = device.lost.result(TIMEOUT)
        assert info.reason == "unknown"
        assert f"exceeded the {LIMIT:g} s time limit" in info.message
        # The device's pending promise is rejected, not left hanging.
        with pytest.raises(DOMException) as rejected:
            pending.result(TIMEOUT)
        assert rejected.value.name == "AbortError"

        worker.join(TIMEOUT)
        assert not worker.is_alive()
        assert failures == []
        # The other device of the same connection carries on, as does the connection: a
        # new device made now works, and the service process is the one we started with.
        correct_runs(sibling, 5, failures)
        fresh = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
        correct_runs(fresh, 5, failures)
        assert failures == []
        assert not sibling.lost.done() and not other.lost.done()
        assert host.service_pid == pid and host.alive()
    finally:
        npu.close()
        other_npu.close()
    log = service_log.read_text()
    assert "ran past 0.3 s; cancelling it" in log


def test_lost_device_fails_later_work_like_a_destroyed_one(host):
    npu, device = new_device(host)
    try:
        graph = matmul_chain(device, length=100)
        start_runaway(device, graph)
        assert device.lost.result(TIMEOUT).reason == "unknown"
        # Later work on the lost device runs nothing and reports nothing (WebGPU: errors on a
        # lost device are not reported); promises reject.
        small = tensor_buffer(device, np.ones(4, np.float32), U.COPY_SRC | U.COPY_DST)
        device.push_error_scope("validation")
        device.queue.write_buffer(small, 0, np.ones(4, np.float32))
        assert device.pop_error_scope().result(TIMEOUT) is None
        with pytest.raises(DOMException):
            device.queue.read_buffer(small).result(TIMEOUT)
        with pytest.raises(DOMException):
            device.queue.on_submitted_work_done().result(TIMEOUT)
    finally:
        npu.close()


def test_a_kernel_that_ignores_terminate_exits_the_service(tmp_path):
    """One 4096x4096 matmul is a single kernel of ~137 GFLOP (seconds on one thread), which
    onnxruntime cannot stop at `terminate`: past the grace period the service exits with
    WATCHDOG_EXIT_STATUS, the client sees device loss, and the host relaunches."""
    log = tmp_path / "service.log"
    args = ["--dispatch-timeout", str(LIMIT), "--watchdog-grace", "0.3"]
    with service_with(args, log) as host:
        npu, device = new_device(host)
        try:
            builder = device.create_graph_builder()
            a = builder.input("a", descriptor("float32", [4096, 4096]))
            b = builder.input("b", descriptor("float32", [4096, 4096]))
            graph = builder.build({"y": builder.matmul(a, b)}).result(TIMEOUT)
            usage = U.INPUT | U.COPY_DST
            inputs = {i.name: tensor_buffer(device, i, usage) for i in graph.inputs}
            out = tensor_buffer(device, graph.outputs[0], U.OUTPUT | U.COPY_SRC)
            encoder = device.create_command_encoder()
            encoder.dispatch(graph, inputs, {"y": out})
            device.queue.submit([encoder.finish()])
            info = device.lost.result(TIMEOUT)
            assert info.reason == "unknown"
            # The host knows what exit status 4 means and says so (python_service/exit_status.py).
            assert "ignored the watchdog's cancellation" in info.message
            first = host.process
            assert first.wait(TIMEOUT) == WATCHDOG_EXIT_STATUS
        finally:
            npu.close()
        # The host's crash path relaunches the service on the next connection.
        again, device = new_device(host)
        try:
            failures: list[str] = []
            correct_runs(device, 3, failures)
            assert failures == []
            assert host.process is not first
        finally:
            again.close()
    assert "still runs 0.3 s after it was cancelled" in log.read_text()
