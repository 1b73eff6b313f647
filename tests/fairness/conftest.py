"""Fairness fixtures: a real service process launched with the knobs a test needs, and graphs
that keep a worker busy for seconds.

Each test module starts its own service (`service_with`), because the watchdog, the memory
budget and the rate limits are per-process settings; the service's stderr goes to a file the
test can read (what the watchdog and the budget logged).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from python_service.client import connect
from python_service.host import ServiceHost
from tests.e2e.conftest import TIMEOUT, descriptor
from tests.service_hosts import service_with

__all__ = ["TIMEOUT", "descriptor", "matmul_chain", "new_device", "service_with"]


def new_device(host: ServiceHost) -> tuple[Any, Any]:
    """A fresh connection (a page) and a device on it: (npu, device)."""
    npu = connect(host)
    adapter = npu.request_adapter().result(TIMEOUT)
    assert adapter is not None, "the service offers no adapter"
    return npu, adapter.request_device().result(TIMEOUT)


def matmul_chain(device: Any, size: int = 1024, length: int = 150) -> Any:
    """x @ I @ I ...: seconds of work in `length` kernels of ~2 GFLOP each (onnxruntime
    checks its terminate flag between kernels, so a cancel lands within one of them); the
    identity keeps the values finite and checkable."""
    builder = device.create_graph_builder()
    x = builder.input("x", descriptor("float32", [size, size]))
    identity = builder.constant(descriptor("float32", [size, size]), np.eye(size, dtype=np.float32))
    y = x
    for _ in range(length):
        y = builder.matmul(y, identity)
    return builder.build({"y": y}).result(TIMEOUT)
