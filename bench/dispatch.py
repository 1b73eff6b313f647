"""Dispatch overhead: the service against onnxruntime and memcpy in this process.

    python bench/dispatch.py [--quick] [--json FILE]

One service is started (`ServiceHost`, as the end-to-end tests do) and one client connects
to it. Every figure is a ratio against a baseline measured in the same run, the rounds of
the two sides interleaved so that noise on the (shared) machine hits both alike; each side
is warmed up first and its median over the rounds is used. Nothing is asserted on timings.

- `tiny_roundtrip_ratio` (goal <= 1.3): relu of float32[16], one writeBuffer + dispatch
  (encoder, finish, submit) + readBuffer round trip through the service, divided by (a 16-byte
  ping-pong over a socketpair to another process, as bench/transport.py measures it + an
  in-process `InferenceSession.run` of the same graph).
- `batched_throughput_fraction` (goal >= 0.70): 1,000 dispatches of that graph in one command
  buffer, per second from `submit` to the readBuffer after them resolving, divided by 1,000
  plain `InferenceSession.run` calls per second in process (no io binding: the service uses
  plain `run` + one copy for outputs under 2 MiB).
- `transfer_bandwidth_fraction` (goal >= 0.70): 2 x 64 MiB (upload + read-back) per second
  through the service, divided by two in-process 64 MiB `np.copyto`s per second; the better
  of two paths: `queue` (writeBuffer + readBuffer) and `mapped` (MAP_WRITE buffer filled in
  place, copyBufferToBuffer, MAP_READ buffer copied out).
- `convnet_overhead_fraction` (goal <= 0.03): a 224x224 convolutional network, one dispatch
  with write + read-back through the service, divided by an in-process run of the same model
  minus 1. The in-process model is the one the service compiles (the builder's graph,
  validated and lowered by the service's own code, with the service's session options).

The in-process baselines use `CompiledGraph` from python_service/service/executor.py, so the
ONNX bytes and SessionOptions (1 intra-op and 1 inter-op thread) are exactly the service's.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # before anything imports onnxruntime

import transport  # noqa: E402  (bench/transport.py: its raw ping-pong child)

from python_service.client import connect  # noqa: E402
from python_service.generated.interfaces import NPUBufferUsage, NPUMapMode  # noqa: E402
from python_service.host import ServiceHost  # noqa: E402
from python_service.service.executor import CompiledGraph, SessionConfig  # noqa: E402
from python_service.shared import graph as g  # noqa: E402
from python_service.shared.graph import validate_graph  # noqa: E402

MiB = 1 << 20
TIMEOUT = 120.0
U = NPUBufferUsage
TINY_SHAPE = [16]
BATCH = 1_000

GOALS = {
    "tiny_roundtrip_ratio": ("<=", 1.3),
    "batched_throughput_fraction": (">=", 0.70),
    "transfer_bandwidth_fraction": (">=", 0.70),
    "convnet_overhead_fraction": ("<=", 0.03),
}


def met(key: str, value: float) -> bool:
    op, goal = GOALS[key]
    return value <= goal if op == "<=" else value >= goal


def median(values: list[float]) -> float:
    return statistics.median(values)


# --- graphs -------------------------------------------------------------------------------


def in_process(builder: Any, outputs: dict[str, Any], device: Any) -> CompiledGraph:
    """The graph `builder` recorded, compiled in this process exactly as the service does it
    (validate_graph, lower_to_onnx, SessionConfig()). Call before `build`, which hands the
    recording over to the service and clears it."""
    description = g.GraphDescription(
        tuple(builder._inputs),
        tuple(builder._constants),
        tuple(builder._operations),
        tuple(g.GraphOutput(name, operand._id) for name, operand in outputs.items()),
    )
    validated = validate_graph(description, device._graph_limits)
    return CompiledGraph.from_validated(validated, config=SessionConfig())


def tiny_graph(device: Any) -> tuple[Any, CompiledGraph]:
    builder = device.create_graph_builder()
    x = builder.input("x", {"data_type": "float32", "shape": TINY_SHAPE})
    outputs = {"y": builder.relu(x)}
    local = in_process(builder, outputs, device)
    return builder.build(outputs).result(TIMEOUT), local


def convnet_graph(device: Any, seed: int = 0) -> tuple[Any, CompiledGraph, int]:
    """A small VGG/ResNet-ish classifier on float32[1, 3, 224, 224]: five 3x3 conv + relu
    stages (the first with stride 2, three followed by a 2x2 max pool), a global average
    pool, gemm to 1,000 classes, softmax. About 0.8 GMAC. Returns the MAC count too."""
    rng = np.random.default_rng(seed)
    builder = device.create_graph_builder()

    def constant(array: np.ndarray) -> Any:
        array = np.ascontiguousarray(array, dtype=np.float32)
        return builder.constant({"data_type": "float32", "shape": list(array.shape)}, array)

    x = builder.input("input", {"data_type": "float32", "shape": [1, 3, 224, 224]})
    size, channels, macs = 224, 3, 0
    # (output channels, stride, max pool after)
    for out_channels, stride, pool in [
        (32, 2, False),
        (64, 1, True),
        (128, 1, True),
        (256, 1, True),
        (256, 1, False),
    ]:
        fan_in = channels * 9
        weight = rng.standard_normal((out_channels, channels, 3, 3)) * np.sqrt(2.0 / fan_in)
        bias = rng.standard_normal(out_channels) * 0.01
        x = builder.conv2d(
            x,
            constant(weight),
            {"padding": [1, 1, 1, 1], "strides": [stride, stride], "bias": constant(bias)},
        )
        size //= stride
        macs += size * size * out_channels * fan_in
        x = builder.relu(x)
        if pool:
            x = builder.max_pool2d(x, {"window_dimensions": [2, 2], "strides": [2, 2]})
            size //= 2
        channels = out_channels
    x = builder.average_pool2d(x, {"window_dimensions": [size, size]})
    x = builder.reshape(x, [1, channels])
    weight = rng.standard_normal((channels, 1000)) * np.sqrt(1.0 / channels)
    bias = rng.standard_normal(1000) * 0.01
    x = builder.gemm(x, constant(weight), {"c": constant(bias)})
    macs += channels * 1000
    outputs = {"probabilities": builder.softmax(x, 1)}
    local = in_process(builder, outputs, device)
    return builder.build(outputs).result(TIMEOUT), local, macs


def tensor_buffer(device: Any, shape: list[int], usage: int) -> Any:
    size = int(np.prod(shape)) * 4
    return device.create_buffer(
        {"size": size, "usage": usage, "tensor": {"data_type": "float32", "shape": shape}}
    )


# --- the service side ---------------------------------------------------------------------


class Service:
    """One service process, one client connection, one device."""

    def __init__(self) -> None:
        self.host = ServiceHost()
        self.host.start()
        self.npu = connect(self.host)
        adapter = self.npu.request_adapter().result(TIMEOUT)
        if adapter is None:
            raise SystemExit("the service offers no adapter")
        self.device = adapter.request_device().result(TIMEOUT)
        self.queue = self.device.queue

    def close(self) -> None:
        self.npu.close()
        self.host.shutdown()


class OneDispatch:
    """write_buffer, dispatch (encoder, finish, submit), read_buffer: run_graph of
    tests/e2e/conftest.py with the buffers created once."""

    def __init__(self, service: Service, graph: Any, input_name: str, output_name: str):
        self.service, self.graph = service, graph
        self.input_name, self.output_name = input_name, output_name
        (info,) = [i for i in graph.inputs if i.name == input_name]
        (out,) = [o for o in graph.outputs if o.name == output_name]
        device = service.device
        self.input = tensor_buffer(device, list(info.shape), U.INPUT | U.COPY_DST)
        self.output = tensor_buffer(device, list(out.shape), U.OUTPUT | U.COPY_SRC)
        self.output_shape = tuple(out.shape)
        self.phases: list[tuple[int, int, int, int]] = []  # ns: write, encode+submit, wait

    def __call__(self, array: np.ndarray, *, record: bool = False) -> memoryview:
        device, queue = self.service.device, self.service.queue
        t0 = time.perf_counter_ns()
        queue.write_buffer(self.input, 0, array)
        t1 = time.perf_counter_ns()
        encoder = device.create_command_encoder()
        encoder.dispatch(self.graph, {self.input_name: self.input}, {self.output_name: self.output})
        queue.submit([encoder.finish()])
        t2 = time.perf_counter_ns()
        data = queue.read_buffer(self.output).result(TIMEOUT)
        t3 = time.perf_counter_ns()
        if record:
            self.phases.append((t1 - t0, t2 - t1, t3 - t2, t3 - t0))
        return data

    def result(self, data: memoryview) -> np.ndarray:
        return np.frombuffer(data, np.float32).reshape(self.output_shape)


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter_ns()
    function()
    return (time.perf_counter_ns() - start) / 1e9


# --- measurements -------------------------------------------------------------------------


def measure_tiny(service: Service, rounds: int, per_round: int) -> dict[str, Any]:
    graph, local = tiny_graph(service.device)
    dispatch = OneDispatch(service, graph, "x", "y")
    x = np.linspace(-1, 1, int(np.prod(TINY_SHAPE)), dtype=np.float32).reshape(TINY_SHAPE)
    expected = np.maximum(x, 0)
    got = dispatch.result(dispatch(x))
    if not np.array_equal(got, expected):
        raise SystemExit(f"tiny graph: the service computed {got}, expected {expected}")

    sock, child = transport.start_child("raw")
    ping = transport.PING
    feeds = {"x": x}
    session = local.session

    def ping_pong() -> None:
        sock.sendall(ping)
        got = 0
        while got < len(ping):
            got += len(sock.recv(64))

    def ort_run() -> None:
        session.run(None, feeds)

    service_s, raw_s, ort_s = [], [], []
    try:
        for _ in range(max(per_round // 2, 50)):  # warm-up, untimed
            dispatch(x)
            ping_pong()
            ort_run()
        for _ in range(rounds):
            for _ in range(per_round):
                service_s.append(timed(lambda: dispatch(x, record=True)))
            for _ in range(per_round):
                raw_s.append(timed(ping_pong))
            for _ in range(per_round):
                ort_s.append(timed(ort_run))
    finally:
        sock.close()
        child.wait()
    phases = np.array(dispatch.phases, dtype=np.float64) / 1e3
    service_med, raw_med, ort_med = median(service_s), median(raw_s), median(ort_s)
    return {
        "tiny_roundtrip_ratio": service_med / (raw_med + ort_med),
        "tiny_roundtrip_us": service_med * 1e6,
        "tiny_raw_socket_roundtrip_us": raw_med * 1e6,
        "tiny_ort_run_us": ort_med * 1e6,
        "tiny_client_phases_us": {
            "write_buffer_call": float(np.median(phases[:, 0])),
            "encode_finish_submit_calls": float(np.median(phases[:, 1])),
            "read_buffer_until_resolved": float(np.median(phases[:, 2])),
        },
        "tiny_samples": len(service_s),
    }


def measure_batched(service: Service, rounds: int) -> dict[str, Any]:
    graph, local = tiny_graph(service.device)
    dispatch = OneDispatch(service, graph, "x", "y")
    device, queue = service.device, service.queue
    x = np.linspace(-1, 1, int(np.prod(TINY_SHAPE)), dtype=np.float32).reshape(TINY_SHAPE)
    feeds = {"x": x}
    session = local.session
    bindings = ({"x": dispatch.input}, {"y": dispatch.output})

    def encode() -> Any:
        encoder = device.create_command_encoder()
        for _ in range(BATCH):
            encoder.dispatch(graph, *bindings)
        return encoder.finish()

    def service_batch() -> tuple[float, float]:
        start = time.perf_counter_ns()
        command_buffer = encode()
        encoded = time.perf_counter_ns()
        queue.submit([command_buffer])
        queue.read_buffer(dispatch.output).result(TIMEOUT)
        done = time.perf_counter_ns()
        return (encoded - start) / 1e9, (done - encoded) / 1e9

    def ort_batch() -> None:
        for _ in range(BATCH):
            session.run(None, feeds)

    queue.write_buffer(dispatch.input, 0, x)
    service_batch()  # warm-up
    ort_batch()
    encode_s, service_s, ort_s = [], [], []
    for _ in range(rounds):
        encoding, running = service_batch()
        encode_s.append(encoding)
        service_s.append(running)
        ort_s.append(timed(ort_batch))
    got = dispatch.result(queue.read_buffer(dispatch.output).result(TIMEOUT))
    if not np.array_equal(got, np.maximum(x, 0)):
        raise SystemExit("batched: wrong result")
    service_rate = BATCH / median(service_s)
    ort_rate = BATCH / median(ort_s)
    return {
        "batched_throughput_fraction": service_rate / ort_rate,
        "batched_dispatches_per_s": service_rate,
        "batched_ort_runs_per_s": ort_rate,
        "batched_encode_ms": median(encode_s) * 1e3,
        "batched_dispatches": BATCH,
        "batched_rounds": rounds,
    }


def measure_transfer(service: Service, size_mib: int, rounds: int) -> dict[str, Any]:
    device, queue = service.device, service.queue
    size = size_mib * MiB
    rng = np.random.default_rng(1)
    source = rng.integers(0, 256, size, dtype=np.uint8)
    destination = np.ones(size, dtype=np.uint8)  # touched: no page faults in the timed part
    staging = np.ones(size, dtype=np.uint8)

    plain = device.create_buffer({"size": size, "usage": U.COPY_DST | U.COPY_SRC})
    upload = device.create_buffer({"size": size, "usage": U.MAP_WRITE | U.COPY_SRC})
    readback = device.create_buffer({"size": size, "usage": U.MAP_READ | U.COPY_DST})

    def queue_path() -> memoryview:
        queue.write_buffer(plain, 0, source)
        return queue.read_buffer(plain).result(TIMEOUT)

    def mapped_path() -> None:
        upload.map_async(NPUMapMode.WRITE).result(TIMEOUT)
        target = np.frombuffer(upload.get_mapped_range(), np.uint8)
        np.copyto(target, source)
        del target
        upload.unmap()
        encoder = device.create_command_encoder()
        encoder.copy_buffer_to_buffer(upload, 0, readback, 0, size)
        queue.submit([encoder.finish()])
        readback.map_async(NPUMapMode.READ).result(TIMEOUT)
        mapped = np.frombuffer(readback.get_mapped_range(), np.uint8)
        np.copyto(destination, mapped)
        del mapped
        readback.unmap()

    def memcpy() -> None:
        np.copyto(staging, source)
        np.copyto(destination, staging)

    def check_queue() -> None:
        data = queue_path()
        if not np.array_equal(np.frombuffer(data, np.uint8), source):
            raise SystemExit("transfer: queue path read back different bytes")
        del data

    def check_mapped() -> None:
        destination.fill(0)
        mapped_path()
        if not np.array_equal(destination, source):
            raise SystemExit("transfer: mapped path read back different bytes")

    check_queue()  # also the warm-ups
    check_mapped()
    memcpy()
    queue_s, mapped_s, copy_s = [], [], []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        data = queue_path()
        queue_s.append((time.perf_counter_ns() - start) / 1e9)
        del data  # unmapped outside the timed part
        gc.collect()
        mapped_s.append(timed(mapped_path))
        copy_s.append(timed(memcpy))
    moved = 2 * size
    copy_rate = moved / median(copy_s)
    queue_rate = moved / median(queue_s)
    mapped_rate = moved / median(mapped_s)
    fractions = {"queue": queue_rate / copy_rate, "mapped": mapped_rate / copy_rate}
    best = max(fractions, key=lambda k: fractions[k])
    return {
        "transfer_bandwidth_fraction": fractions[best],
        "transfer_bandwidth_path": best,
        "transfer_bandwidth_fraction_queue": fractions["queue"],
        "transfer_bandwidth_fraction_mapped": fractions["mapped"],
        "transfer_queue_gib_per_s": queue_rate / (1 << 30),
        "transfer_mapped_gib_per_s": mapped_rate / (1 << 30),
        "transfer_memcpy_gib_per_s": copy_rate / (1 << 30),
        "transfer_queue_ms": median(queue_s) * 1e3,
        "transfer_mapped_ms": median(mapped_s) * 1e3,
        "transfer_memcpy_ms": median(copy_s) * 1e3,
        "transfer_bytes_each_way": size,
        "transfer_rounds": rounds,
    }


def measure_convnet(service: Service, rounds: int) -> dict[str, Any]:
    graph, local, macs = convnet_graph(service.device)
    dispatch = OneDispatch(service, graph, "input", "probabilities")
    x = np.random.default_rng(2).standard_normal((1, 3, 224, 224)).astype(np.float32)
    session = local.session
    feeds = {"input": x}

    def ort_run() -> np.ndarray:
        return session.run(None, feeds)[0]

    for _ in range(3):  # warm-up (the first runs also allocate onnxruntime's arenas)
        ours = dispatch.result(dispatch(x)).copy()
        theirs = ort_run()
    max_abs_diff = float(np.max(np.abs(ours - theirs)))
    service_s, ort_s = [], []
    for _ in range(rounds):
        service_s.append(timed(lambda: dispatch(x, record=True)))
        ort_s.append(timed(ort_run))
    phases = np.array(dispatch.phases, dtype=np.float64) / 1e6
    return {
        "convnet_overhead_fraction": median(service_s) / median(ort_s) - 1,
        "convnet_service_ms": median(service_s) * 1e3,
        "convnet_ort_ms": median(ort_s) * 1e3,
        "convnet_max_abs_diff": max_abs_diff,
        "convnet_outputs_agree": max_abs_diff <= 1e-4,
        "convnet_client_phases_ms": {
            "write_buffer_call": float(np.median(phases[:, 0])),
            "encode_finish_submit_calls": float(np.median(phases[:, 1])),
            "read_buffer_until_resolved": float(np.median(phases[:, 2])),
        },
        "convnet_gmac": macs / 1e9,
        "convnet_rounds": rounds,
    }


# --- report -------------------------------------------------------------------------------


def goal_text(key: str, value: float) -> str:
    op, goal = GOALS[key]
    return f"{op} {goal:<5}{'met' if met(key, value) else 'MISSED':>8}"


def print_table(r: dict[str, Any]) -> None:
    print(f"{'measure':<40}{'service':>12}{'baseline':>12}{'figure':>9}  goal")
    phases = r["tiny_client_phases_us"]
    print(
        f"{'tiny round trip (us)':<40}{r['tiny_roundtrip_us']:>12.1f}"
        f"{r['tiny_raw_socket_roundtrip_us'] + r['tiny_ort_run_us']:>12.1f}"
        f"{r['tiny_roundtrip_ratio']:>9.2f}  "
        f"{goal_text('tiny_roundtrip_ratio', r['tiny_roundtrip_ratio'])}"
    )
    print(
        f"    baseline = socket ping-pong {r['tiny_raw_socket_roundtrip_us']:.1f} us"
        f" + ort run {r['tiny_ort_run_us']:.1f} us; client: writeBuffer call"
        f" {phases['write_buffer_call']:.0f} us, encode/finish/submit calls"
        f" {phases['encode_finish_submit_calls']:.0f} us, readBuffer until resolved"
        f" {phases['read_buffer_until_resolved']:.0f} us"
    )
    print(
        f"{f'{BATCH:,} dispatches, one submit (/s)':<40}{r['batched_dispatches_per_s']:>12.0f}"
        f"{r['batched_ort_runs_per_s']:>12.0f}{r['batched_throughput_fraction']:>9.2f}  "
        f"{goal_text('batched_throughput_fraction', r['batched_throughput_fraction'])}"
    )
    print(
        f"    baseline = plain InferenceSession.run in process (no io binding);"
        f" encoding the {BATCH:,} dispatches took {r['batched_encode_ms']:.1f} ms (not timed)"
    )
    mib = r["transfer_bytes_each_way"] // MiB
    for path in ("queue", "mapped"):
        label = f"{mib} MiB up + back, {path} (GiB/s)"
        fraction = r[f"transfer_bandwidth_fraction_{path}"]
        best = " <- best" if r["transfer_bandwidth_path"] == path else ""
        print(
            f"{label:<40}{r[f'transfer_{path}_gib_per_s']:>12.2f}"
            f"{r['transfer_memcpy_gib_per_s']:>12.2f}{fraction:>9.2f}  "
            f"{goal_text('transfer_bandwidth_fraction', fraction)}{best}"
        )
    print("    baseline = 2 x np.copyto of the same size into preallocated arrays, in process")
    print(
        f"{'convnet 224x224, write+dispatch+read (ms)':<40}{r['convnet_service_ms']:>12.2f}"
        f"{r['convnet_ort_ms']:>12.2f}{r['convnet_overhead_fraction']:>9.3f}  "
        f"{goal_text('convnet_overhead_fraction', r['convnet_overhead_fraction'])}"
    )
    agree = "agree" if r["convnet_outputs_agree"] else "DISAGREE"
    conv = r["convnet_client_phases_ms"]
    print(
        f"    client: writeBuffer call {conv['write_buffer_call']:.2f} ms, encode/finish/submit"
        f" calls {conv['encode_finish_submit_calls']:.2f} ms, readBuffer until resolved"
        f" {conv['read_buffer_until_resolved']:.2f} ms"
    )
    print(
        f"    baseline = in-process run of the same lowered model, same session options "
        f"({r['convnet_gmac']:.2f} GMAC); outputs {agree}: max abs diff "
        f"{r['convnet_max_abs_diff']:.3g}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--size-mib", type=int, default=64, help="transfer size each way")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()

    if args.quick:
        tiny_rounds, tiny_per_round, rounds, conv_rounds = 3, 100, 3, 5
    else:
        tiny_rounds, tiny_per_round, rounds, conv_rounds = 15, 200, 15, 40

    service = Service()
    try:
        results: dict[str, Any] = {}
        results.update(measure_tiny(service, tiny_rounds, tiny_per_round))
        results.update(measure_batched(service, rounds))
        results.update(measure_transfer(service, args.size_mib, rounds))
        results.update(measure_convnet(service, conv_rounds))
    finally:
        service.close()
    results["goals"] = {
        key: {"goal": f"{op} {goal}", "met": met(key, results[key])}
        for key, (op, goal) in GOALS.items()
    }
    results["quick"] = args.quick
    config = SessionConfig()
    results["ort_threads"] = {
        "intra_op": config.intra_op_threads,
        "inter_op": config.inter_op_threads,
    }
    print_table(results)
    if not results["convnet_outputs_agree"]:
        print(f"!! convnet outputs differ by {results['convnet_max_abs_diff']:.3g} (> 1e-4)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if not results["convnet_outputs_agree"]:
        sys.exit(1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
