"""Shared by the sandbox tests: a sandboxed service to look at from outside, a client workload,
and the service's escape probe run the way the host launches it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Sequence
from typing import Any

import numpy as np

from python_service.client import connect
from python_service.host import ServiceHost
from python_service.sandbox import launch
from tests.e2e.conftest import run_graph
from tests.e2e.test_models import conv_net, reference

TIMEOUT = 60.0


def proc_status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def proc_limits(pid: int) -> dict[str, tuple[str, str]]:
    """/proc/<pid>/limits: name -> (soft, hard)."""
    with open(f"/proc/{pid}/limits") as f:
        lines = f.read().splitlines()[1:]
    return {line[:26].strip(): (line[26:47].strip(), line[47:68].strip()) for line in lines}


def proc_environ(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/environ", "rb") as f:
        entries = [e.decode() for e in f.read().split(b"\0") if e]
    return dict(e.split("=", 1) for e in entries)


def proc_fds(pid: int) -> dict[int, str]:
    found = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            found[int(name)] = os.readlink(f"/proc/{pid}/fd/{name}")
        except FileNotFoundError:  # closed meanwhile
            continue
    return found


def run_workload(host: ServiceHost) -> tuple[Any, Any]:
    """A graph built and run, and an ONNX model loaded and run, both checked: the paths a page
    uses. Returns (npu, device), still open, so callers can look at the service meanwhile."""
    npu = connect(host)
    device = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
    builder = device.create_graph_builder()
    x = builder.input("x", {"data_type": "float32", "shape": [2, 3]})
    graph = builder.build({"y": builder.relu(builder.add(x, x))}).result(TIMEOUT)
    feed = np.arange(-3, 3, dtype=np.float32).reshape(2, 3)
    assert np.array_equal(run_graph(device, graph, {"x": feed})["y"], np.maximum(2 * feed, 0))
    model = conv_net(np.random.default_rng(1))
    loaded = device.load_model(model).result(TIMEOUT)
    inputs = {
        info.name: np.random.default_rng(2).standard_normal(info.shape).astype(info.data_type)
        for info in loaded.inputs
    }
    got = run_graph(device, loaded, inputs)
    for name, expected in reference(model, inputs).items():
        np.testing.assert_allclose(got[name], expected, rtol=1e-4, atol=1e-5)
    return npu, device


def run_service(
    service_args: Sequence[str], allow_missing: Sequence[str] = ()
) -> tuple[subprocess.CompletedProcess[str], str | None]:
    """Launch the service exactly as the host does, with `service_args`; wait for it to end.
    Returns its completed process (stdout captured) and the start-up failure, if any."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours:
        with theirs:
            plan = launch.plan(theirs.fileno(), service_args, allow_missing)
            process = launch.start(plan, theirs.fileno(), stdout=subprocess.PIPE)
        failure = None
        try:
            launch.await_startup(ours.fileno(), process, TIMEOUT)
        except launch.StartupFailed as e:
            failure = str(e)
        try:
            out, _ = process.communicate(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                launch.stop(process)
    return subprocess.CompletedProcess(plan.command, process.returncode, out.decode()), failure


def escape_records(allow_missing: Sequence[str] = (), extra: Sequence[str] = ()) -> list[dict]:
    result, failure = run_service(
        ["--escape-probe", "attempts", "--host-pid", str(os.getpid()), *extra], allow_missing
    )
    assert failure is None, failure
    assert result.returncode == 0, result.stdout
    return [json.loads(line) for line in result.stdout.splitlines()]
