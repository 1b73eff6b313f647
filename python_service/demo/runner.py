"""Runs the demo: the service, both workloads, the comparisons and the timing table."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import onnxruntime

from python_service.client import connect
from python_service.demo import model as tiny_model
from python_service.demo import network
from python_service.demo.report import Comparison, Timings, compare, timing_table
from python_service.generated.interfaces import NPUBufferUsage
from python_service.host import ServiceHost

TIMEOUT = 30.0  # seconds any one promise may take
DEFAULT_RUNS = 50
ERROR_FILTERS = ("validation", "out-of-memory", "internal")


class ServiceGraph:
    """A graph on the service with its input and output buffers made once, as a page would."""

    def __init__(self, device: Any, graph: Any) -> None:
        self.device, self.graph, self.queue = device, graph, device.queue
        self.inputs = {
            info.name: self._buffer(info, NPUBufferUsage.INPUT | NPUBufferUsage.COPY_DST)
            for info in graph.inputs
        }
        self.outputs = {
            info.name: self._buffer(info, NPUBufferUsage.OUTPUT | NPUBufferUsage.COPY_SRC)
            for info in graph.outputs
        }

    def _buffer(self, info: Any, usage: int) -> Any:
        size = int(np.prod(info.shape, dtype=np.int64)) * np.dtype(info.data_type).itemsize
        tensor = {"data_type": info.data_type, "shape": list(info.shape)}
        return self.device.create_buffer({"size": size, "usage": usage, "tensor": tensor})

    def run(self, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """One run: write every input, dispatch, submit, read every output back."""
        for name, array in inputs.items():
            self.queue.write_buffer(self.inputs[name], 0, np.ascontiguousarray(array))
        encoder = self.device.create_command_encoder()
        encoder.dispatch(self.graph, self.inputs, self.outputs)
        self.queue.submit([encoder.finish()])
        pending = {
            info.name: self.queue.read_buffer(self.outputs[info.name])
            for info in self.graph.outputs
        }
        return {
            info.name: np.frombuffer(pending[info.name].result(TIMEOUT), info.data_type).reshape(
                info.shape
            )
            for info in self.graph.outputs
        }

    def destroy(self) -> None:
        for buffer in [*self.inputs.values(), *self.outputs.values()]:
            buffer.destroy()
        self.graph.destroy()


def local_session(model_bytes: bytes) -> onnxruntime.InferenceSession:
    """In-process onnxruntime with the service's thread settings (one intra-op thread)."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def measure(run: Callable[[], np.ndarray], prepare: float, runs: int) -> tuple[np.ndarray, Timings]:
    """The first run's output, and the timings of it and of `runs` more."""
    output, first = timed(run)
    times = [timed(run)[1] for _ in range(runs)]
    return output, Timings(prepare, first, times)


def describe_adapter(adapter: Any) -> list[str]:
    info, limits = adapter.info, adapter.limits
    features = ", ".join(sorted(adapter.features)) or "none"
    return [
        f"adapter: vendor={info.vendor!r} architecture={info.architecture!r} "
        f"description={info.description!r}",
        f"  limits: maxBufferSize={limits.max_buffer_size} "
        f"maxTensorByteLength={limits.max_tensor_byte_length} "
        f"maxTensorRank={limits.max_tensor_rank}",
        f"          maxGraphOperands={limits.max_graph_operands} "
        f"maxModelByteLength={limits.max_model_byte_length}; features: {features}",
    ]


def run_convnet(device: Any, runs: int) -> tuple[Comparison, Timings, Timings]:
    weights = network.make_weights()
    image = network.digit_image()

    def build() -> Any:
        builder = device.create_graph_builder()
        output = network.build_network(builder, weights)
        return builder.build({network.OUTPUT_NAME: output}).result(TIMEOUT)

    graph, build_time = timed(build)
    service_graph = ServiceGraph(device, graph)
    feeds = {network.INPUT_NAME: image}
    service_out, service_times = measure(
        lambda: service_graph.run(feeds)[network.OUTPUT_NAME], build_time, runs
    )
    service_graph.destroy()

    reference_bytes = network.reference_model(weights).SerializeToString()
    session, session_time = timed(lambda: local_session(reference_bytes))
    local_out, local_times = measure(lambda: session.run(None, feeds)[0], session_time, runs)
    comparison = compare("conv net (graph builder) vs independent ONNX", service_out, local_out)
    return comparison, service_times, local_times


def run_loaded_model(device: Any, runs: int) -> tuple[Comparison, Timings, Timings, int]:
    onnx_bytes = tiny_model.model_bytes()
    tokens = tiny_model.token_input()
    graph, load_time = timed(lambda: device.load_model(onnx_bytes).result(TIMEOUT))
    service_graph = ServiceGraph(device, graph)
    feeds = {tiny_model.INPUT_NAME: tokens}
    service_out, service_times = measure(
        lambda: service_graph.run(feeds)[tiny_model.OUTPUT_NAME], load_time, runs
    )
    service_graph.destroy()

    session, session_time = timed(lambda: local_session(onnx_bytes))
    local_out, local_times = measure(lambda: session.run(None, feeds)[0], session_time, runs)
    comparison = compare("ONNX model (loadModel) vs in-process", service_out, local_out)
    return comparison, service_times, local_times, len(onnx_bytes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m python_service.demo",
        description="Run a conv net (graph builder) and an ONNX model (loadModel) through the "
        "WebNPU service and compare with in-process onnxruntime.",
    )
    parser.add_argument(
        "--runs", type=int, default=DEFAULT_RUNS, help="timed runs per workload (default 50)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    started = time.perf_counter()
    ok = True
    with ServiceHost() as host:
        host.start()
        assert host.process is not None
        npu = connect(host)
        adapter = npu.request_adapter().result(TIMEOUT)
        ready = time.perf_counter() - started
        print(f"service: pid {host.process.pid}, answering after {ready * 1e3:.0f} ms")
        if adapter is None:
            print("FAIL: the service offers no adapter")
            return 1
        for line in describe_adapter(adapter):
            print(line)
        device = adapter.request_device({"label": "demo"}).result(TIMEOUT)
        for error_filter in ERROR_FILTERS:
            device.push_error_scope(error_filter)

        print()
        print("1. conv net built with the graph builder (seeded random weights: arbitrary classes)")
        print(
            f"   float32{list(network.INPUT_SHAPE)} (a drawn '7') -> conv relu maxPool"
            " -> conv batchNorm relu avgPool -> gemm softmax"
        )
        convnet, convnet_service, convnet_local = run_convnet(device, args.runs)
        for line in convnet.lines():
            print(line)

        print()
        model_comparison, model_service, model_local, size = run_loaded_model(device, args.runs)
        print(f"2. ONNX model made locally with onnx, loaded with loadModel() ({size} bytes)")
        print(
            f"   float32{list(tiny_model.INPUT_SHAPE)} tokens -> attention, feed-forward"
            " (each + layerNorm) -> mean -> gemm softmax"
        )
        for line in model_comparison.lines():
            print(line)
        ok = convnet.passed and model_comparison.passed

        print()
        errors = {}
        for error_filter in reversed(ERROR_FILTERS):
            errors[error_filter] = device.pop_error_scope().result(TIMEOUT)
        for error_filter in ERROR_FILTERS:
            error = errors[error_filter]
            if error is None:
                print(f"PASS: no {error_filter} error (popErrorScope() returned null)")
            else:
                ok = False
                print(f"FAIL: {error_filter} error: {type(error).__name__}: {error.message}")

        print()
        for line in timing_table(
            [
                ("conv net", "graph builder", convnet_service, convnet_local),
                ("ONNX model", "loadModel", model_service, model_local),
            ]
        ):
            print(line)

        device.destroy()
        npu.close()
        status = host.shutdown()
    print()
    print(f"service: shut down, exit status {status}")
    if status != 0:
        ok = False
    print(f"{'PASS' if ok else 'FAIL'}: demo finished in {time.perf_counter() - started:.1f} s")
    return 0 if ok else 1
