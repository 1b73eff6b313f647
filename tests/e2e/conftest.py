"""End-to-end fixtures: a real service process, and pages (clients) talking to it through the
generated bindings exactly as a user of `python_service.client` does.

One service process serves the whole test session (launching one costs ~1 s of onnxruntime
import); each test gets its own connection, so its objects, error scopes and any bad message it
sends concern it alone. `service_log` is the service's stderr, for tests that check what the
service logged.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from python_service.client import connect
from python_service.generated.interfaces import NPUBufferUsage
from python_service.host import ServiceHost
from tests.service_hosts import service_with

TIMEOUT = 30.0  # seconds any one promise may take before a test fails


@pytest.fixture(scope="session")
def service_log() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory) / "service.log"


@pytest.fixture(scope="session")
def host(service_log: Path) -> Iterator[ServiceHost]:
    with service_with((), service_log) as service_host:
        yield service_host


@pytest.fixture
def npu(host: ServiceHost) -> Iterator[Any]:
    entry = connect(host)
    yield entry
    entry.close()


@pytest.fixture
def adapter(npu: Any) -> Any:
    found = npu.request_adapter().result(TIMEOUT)
    assert found is not None, "the service offers no adapter"
    return found


@pytest.fixture
def device(adapter: Any) -> Any:
    return adapter.request_device().result(TIMEOUT)


def tensor_buffer(device: Any, array_or_info: Any, usage: int) -> Any:
    """A buffer sized (and tensor-typed) for an array, or for an NPUTensorInfo."""
    if isinstance(array_or_info, np.ndarray):
        data_type, shape = str(array_or_info.dtype), array_or_info.shape
    else:
        data_type, shape = array_or_info.data_type, array_or_info.shape
    size = int(np.prod(shape, dtype=np.int64)) * np.dtype(data_type).itemsize
    return device.create_buffer(
        {"size": size, "usage": usage, "tensor": {"data_type": data_type, "shape": list(shape)}}
    )


def run_graph(device: Any, graph: Any, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One dispatch of `graph` on `inputs` (write, dispatch, submit, read back), by output name."""
    queue = device.queue
    bound_inputs = {}
    for name, array in inputs.items():
        buffer = tensor_buffer(device, array, NPUBufferUsage.INPUT | NPUBufferUsage.COPY_DST)
        queue.write_buffer(buffer, 0, np.ascontiguousarray(array))
        bound_inputs[name] = buffer
    bound_outputs = {
        info.name: tensor_buffer(device, info, NPUBufferUsage.OUTPUT | NPUBufferUsage.COPY_SRC)
        for info in graph.outputs
    }
    encoder = device.create_command_encoder()
    encoder.dispatch(graph, bound_inputs, bound_outputs)
    queue.submit([encoder.finish()])
    results = {}
    for info in graph.outputs:
        data = queue.read_buffer(bound_outputs[info.name]).result(TIMEOUT)
        results[info.name] = np.frombuffer(data, np.dtype(info.data_type)).reshape(info.shape)
    return results


def descriptor(data_type: str, shape: tuple[int, ...] | list[int]) -> dict[str, Any]:
    return {"data_type": data_type, "shape": list(shape)}
