"""The executor: adapters, compiled graphs over shared memory, cancellation and the worker pool."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import numpy as np
import onnxruntime
import pytest

from python_service.ipc.shared_memory import SharedMemory
from python_service.service.adapters import (
    AdapterLimits,
    available_adapters,
    order_for,
    request_adapter,
)
from python_service.service.executor import (
    BindingError,
    CancellationToken,
    CompiledGraph,
    DispatchCancelled,
    Executor,
    ExecutorShutDown,
)
from python_service.service.lowering import lower_to_onnx
from python_service.shared.graph import ValidatedGraph
from python_service.shared.tensors import DEFAULT_LIMITS

from .sketch import Sketch

# Generous bound for anything that should be quick; the tests assert outcomes, not speed.
BOUND = 10.0


# ---------------------------------------------------------------------------------------------
# Graphs.


def small_network() -> ValidatedGraph:
    """relu(x @ w + b) then softmax: a few ops with constants, outputs of two shapes."""
    rng = np.random.default_rng(7)
    s = Sketch()
    x = s.input("x", "float32", (4, 8))
    w = s.constant(rng.uniform(-1, 1, (8, 16)).astype(np.float32))
    b = s.constant(rng.uniform(-1, 1, (16,)).astype(np.float32))
    hidden = s.op("relu", s.op("add", s.op("matmul", x, w), b))
    return s.validate(hidden=hidden, probabilities=s.op("softmax", hidden, axis=1))


def matmul_chain(size: int = 1024, length: int = 150) -> ValidatedGraph:
    """x @ I @ I ... : seconds of work in 150 kernels (onnxruntime checks for cancellation
    between kernels, so every ~40 ms), and
    the identity keeps the values finite."""
    s = Sketch()
    x = s.input("x", "float32", (size, size))
    identity = s.constant(np.eye(size, dtype=np.float32))
    for _ in range(length):
        x = s.op("matmul", x, identity)
    return s.validate(y=x)


def tiny_add() -> ValidatedGraph:
    s = Sketch()
    a = s.input("a", "float32", (4,))
    return s.validate(y=s.op("add", a, a))


@pytest.fixture(scope="module")
def long_graph() -> CompiledGraph:
    return CompiledGraph.from_validated(matmul_chain())


@pytest.fixture
def executor() -> Iterator[Executor]:
    pool = Executor(workers=2)
    yield pool
    assert pool.shutdown(BOUND)


def shared_array(shm: SharedMemory, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(shm.view(), np.float32).reshape(shape)


def long_run(executor: Executor, graph: CompiledGraph):
    """Work that runs the long graph on private memory, honouring cancellation."""
    x = np.ones((1024, 1024), np.float32)
    y = np.empty_like(x)
    return lambda token: executor.run(graph, {"x": x}, {"y": y}, token)


def wait_until(condition, timeout: float = BOUND) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not reached in time"
        time.sleep(0.005)


# ---------------------------------------------------------------------------------------------
# Adapters.


def test_adapters_come_from_onnxruntime_with_cpu_always() -> None:
    adapters = available_adapters()
    providers = [a.provider for a in adapters]
    assert "CPUExecutionProvider" in providers
    expected = [p for p in onnxruntime.get_available_providers() if p != "AzureExecutionProvider"]
    assert providers == expected
    for adapter in adapters:
        assert adapter.info.vendor == "onnxruntime"
        assert adapter.info.architecture and adapter.info.device
        assert onnxruntime.__version__ in adapter.info.description
        assert isinstance(adapter.features, frozenset)
        assert adapter.limits.max_tensor_rank == DEFAULT_LIMITS.max_tensor_rank
        assert adapter.limits.max_tensor_byte_length == DEFAULT_LIMITS.max_tensor_byte_length
        assert adapter.limits.max_buffer_size == DEFAULT_LIMITS.max_tensor_byte_length
    cpu = next(a for a in adapters if a.provider == "CPUExecutionProvider")
    assert (cpu.info.architecture, cpu.info.device) == ("cpu", "cpu")
    assert cpu.providers == ["CPUExecutionProvider"]


def test_power_preference_orders_accelerators_and_cpu() -> None:
    names = ["QNNExecutionProvider", "CUDAExecutionProvider", "AzureExecutionProvider"]
    adapters = available_adapters(names, AdapterLimits(max_buffer_size=1 << 20))
    # Remote inference is not a device; CPU is added even when a list omits it.
    assert [a.provider for a in adapters] == [
        "QNNExecutionProvider",
        "CUDAExecutionProvider",
        "CPUExecutionProvider",
    ]
    assert adapters[0].info.device == "npu" and adapters[1].info.device == "gpu"
    assert adapters[1].providers == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert adapters[0].limits.max_buffer_size == 1 << 20
    assert request_adapter("high-performance", adapters).provider == "QNNExecutionProvider"
    assert request_adapter("default", adapters).provider == "QNNExecutionProvider"
    assert request_adapter("low-power", adapters).provider == "CPUExecutionProvider"
    low = [a.provider for a in order_for(adapters, "low-power")]
    assert low == ["CPUExecutionProvider", "QNNExecutionProvider", "CUDAExecutionProvider"]
    # Deterministic: the same input gives the same order every time.
    assert order_for(adapters, "low-power") == order_for(adapters, "low-power")
    with pytest.raises(ValueError):
        order_for(adapters, "fast")  # type: ignore[arg-type]
    cpu_only = available_adapters(["CPUExecutionProvider"])
    assert request_adapter("high-performance", cpu_only).provider == "CPUExecutionProvider"


# ---------------------------------------------------------------------------------------------
# Compiled graphs.


def test_compiled_graph_fixed_session_options() -> None:
    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"
    graph = CompiledGraph.from_validated(tiny_add())
    options = graph.session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.inter_op_num_threads == 1
    assert options.optimized_model_filepath == ""
    assert not options.enable_profiling
    assert options.log_severity_level == 3
    assert options.graph_optimization_level == onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert graph.inputs["a"].shape == (4,) and graph.outputs["y"].shape == (4,)


def test_compiled_graph_takes_bytes_only_and_checks_signature(tmp_path) -> None:
    model = lower_to_onnx(tiny_add())
    path = tmp_path / "model.onnx"
    path.write_bytes(model)
    with pytest.raises(TypeError, match="bytes"):
        CompiledGraph(str(path), {}, {})  # type: ignore[arg-type]
    descriptor = tiny_add().inputs[0].descriptor
    with pytest.raises(ValueError, match="does not match"):
        CompiledGraph(model, {"a": descriptor}, {"z": descriptor})


# ---------------------------------------------------------------------------------------------
# Running over shared memory.


@pytest.mark.parametrize("threshold", [0, 1 << 40], ids=["io_binding", "run_and_copy"])
def test_results_match_onnxruntime_and_land_in_shared_memory(threshold: int) -> None:
    validated = small_network()
    graph = CompiledGraph.from_validated(validated)
    x = np.random.default_rng(1).uniform(-2, 2, (4, 8)).astype(np.float32)
    reference = onnxruntime.InferenceSession(
        lower_to_onnx(validated), providers=["CPUExecutionProvider"]
    )
    expected = dict(zip(["hidden", "probabilities"], reference.run(None, {"x": x}), strict=True))

    sizes = {"x": x.nbytes, "hidden": 4 * 16 * 4, "probabilities": 4 * 16 * 4}
    regions = {name: SharedMemory.create(size) for name, size in sizes.items()}
    try:
        # The input through a read-only second mapping, as the service maps a renderer's buffer.
        shared_array(regions["x"], (4, 8))[...] = x
        x_in = SharedMemory.from_fd(os.dup(regions["x"].fd), x.nbytes, readonly=True)
        inputs = {"x": shared_array(x_in, (4, 8))}
        outputs = {n: shared_array(regions[n], (4, 16)) for n in ("hidden", "probabilities")}
        with Executor(workers=1, binding_threshold=threshold) as executor:
            executor.run(graph, inputs, outputs)
        for name in ("hidden", "probabilities"):
            # Read back through an independent mapping of the same memfd: the bytes are in the
            # shared memory itself, not in some buffer of this process.
            with SharedMemory.from_fd(os.dup(regions[name].fd), sizes[name]) as other:
                seen = shared_array(other, (4, 16)).copy()
            np.testing.assert_allclose(seen, expected[name], rtol=0, atol=1e-5)
        del inputs, outputs
        x_in.close()
    finally:
        for region in regions.values():
            region.close()


def test_mismatched_bindings_are_refused() -> None:
    graph = CompiledGraph.from_validated(tiny_add())
    executor = Executor(workers=1)
    try:
        a = np.ones(4, np.float32)
        with pytest.raises(BindingError, match="graph expects"):
            executor.run(graph, {"a": np.ones(5, np.float32)}, {"y": np.empty(4, np.float32)})
        with pytest.raises(BindingError, match="inputs"):
            executor.run(graph, {}, {"y": np.empty(4, np.float32)})
        with pytest.raises(BindingError, match="overlaps"):
            executor.run(graph, {"a": a}, {"y": a})
        readonly = np.empty(4, np.float32)
        readonly.flags.writeable = False
        with pytest.raises(BindingError, match="writable"):
            executor.run(graph, {"a": a}, {"y": readonly})
    finally:
        assert executor.shutdown(BOUND)


# ---------------------------------------------------------------------------------------------
# Cancellation and the pool.


def test_interrupting_a_running_dispatch_cancels_it(
    executor: Executor, long_graph: CompiledGraph
) -> None:
    future = executor.submit("page", long_run(executor, long_graph))
    wait_until(future.running)
    time.sleep(0.05)  # Well inside onnxruntime's run by now.
    future.interrupt()
    with pytest.raises(DispatchCancelled):
        future.result(timeout=BOUND)
    # The executor keeps serving the client afterwards.
    graph = CompiledGraph.from_validated(tiny_add())
    a, y = np.arange(4, dtype=np.float32), np.empty(4, np.float32)
    executor.submit("page", lambda t: executor.run(graph, {"a": a}, {"y": y}, t)).result(BOUND)
    np.testing.assert_array_equal(y, 2 * a)


def test_interrupting_a_queued_dispatch_never_runs_it(executor: Executor) -> None:
    gate = threading.Event()
    ran: list[int] = []
    first = executor.submit("page", lambda t: gate.wait(BOUND))
    second = executor.submit("page", lambda t: ran.append(2))
    second.interrupt()
    gate.set()
    first.result(BOUND)
    with pytest.raises(DispatchCancelled):
        second.result(BOUND)
    assert ran == []


def test_order_is_preserved_per_client() -> None:
    executor = Executor(workers=4)
    try:
        seen: dict[str, list[int]] = {"a": [], "b": [], "c": []}
        rng = np.random.default_rng(3)
        futures = []
        for i in range(30):
            for client in seen:
                delay = float(rng.uniform(0, 0.002))
                futures.append(
                    executor.submit(
                        client, lambda t, c=client, i=i, d=delay: (time.sleep(d), seen[c].append(i))
                    )
                )
        for future in futures:
            future.result(BOUND)
        assert all(order == list(range(30)) for order in seen.values())
    finally:
        assert executor.shutdown(BOUND)


def test_one_clients_long_dispatch_does_not_block_another(
    executor: Executor, long_graph: CompiledGraph
) -> None:
    long = executor.submit("slow page", long_run(executor, long_graph))
    wait_until(long.running)
    graph = CompiledGraph.from_validated(tiny_add())
    a, y = np.arange(4, dtype=np.float32), np.empty(4, np.float32)
    short = executor.submit("quick page", lambda t: executor.run(graph, {"a": a}, {"y": y}, t))
    short.result(BOUND)
    assert not long.done(), "the short job should finish while the long one still runs"
    np.testing.assert_array_equal(y, 2 * a)
    long.interrupt()
    with pytest.raises(DispatchCancelled):
        long.result(BOUND)


def test_cancel_client_stops_its_work_only(executor: Executor, long_graph: CompiledGraph) -> None:
    doomed = [executor.submit("dropped", long_run(executor, long_graph)) for _ in range(3)]
    wait_until(doomed[0].running)
    survivor = executor.submit("other", lambda t: "ok")
    executor.cancel_client("dropped")
    for future in doomed:
        with pytest.raises(DispatchCancelled):
            future.result(BOUND)
    assert survivor.result(BOUND) == "ok"


def test_shutdown_cancels_work_and_leaves_no_threads(long_graph: CompiledGraph) -> None:
    # Only this executor's threads: others may legitimately live in this process (the fuzz
    # runner keeps one process-wide executor for speed).
    before = set(threading.enumerate())
    executor = Executor(workers=3)
    running = executor.submit("page", long_run(executor, long_graph))
    queued = executor.submit("page", lambda t: "never")
    wait_until(running.running)
    assert executor.shutdown(BOUND)
    for future in (running, queued):
        with pytest.raises(DispatchCancelled):
            future.result(BOUND)
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("webnpu-")]
    with pytest.raises(ExecutorShutDown):
        executor.submit("page", lambda t: None)


def test_a_run_cancelled_before_it_starts_does_not_run() -> None:
    graph = CompiledGraph.from_validated(tiny_add())
    token = CancellationToken()
    token.cancel()
    y = np.zeros(4, np.float32)
    with Executor(workers=1) as executor, pytest.raises(DispatchCancelled):
        executor.run(graph, {"a": np.ones(4, np.float32)}, {"y": y}, token)
    assert not y.any()


@pytest.mark.parametrize("threshold", [0, 1 << 40], ids=["io_binding", "run_and_copy"])
def test_a_prepared_run_is_checked_once_and_reruns_over_the_same_arrays(threshold: int) -> None:
    graph = CompiledGraph.from_validated(tiny_add())
    a, y = np.zeros(4, np.float32), np.zeros(4, np.float32)
    token = CancellationToken()
    with Executor(workers=1, binding_threshold=threshold) as executor:
        with pytest.raises(BindingError, match="overlaps"):
            executor.prepare(graph, {"a": a}, {"y": a})
        prepared = executor.prepare(graph, {"a": a}, {"y": y})
        assert (prepared.binding is not None) == (threshold == 0)
        with token.run_options() as options:
            for step in range(3):
                a[...] = np.arange(4) + step  # in place: the run reads the array's memory
                executor.run_prepared(prepared, options, token)
                np.testing.assert_array_equal(y, 2 * a)
        assert token._active == []  # the options are unregistered after the block


def test_cancelling_stops_every_later_run_with_the_same_options() -> None:
    graph = CompiledGraph.from_validated(tiny_add())
    a, y = np.ones(4, np.float32), np.zeros(4, np.float32)
    token = CancellationToken()
    with Executor(workers=1) as executor:
        prepared = executor.prepare(graph, {"a": a}, {"y": y})
        with token.run_options() as options:
            executor.run_prepared(prepared, options, token)
            y[...] = 0
            token.cancel()
            assert options.terminate
            for _ in range(2):
                with pytest.raises(DispatchCancelled):
                    executor.run_prepared(prepared, options, token)
    assert not y.any()


def test_a_long_prepared_run_is_interrupted_while_it_runs(
    executor: Executor, long_graph: CompiledGraph
) -> None:
    x = np.ones((1024, 1024), np.float32)
    y = np.empty_like(x)
    prepared = executor.prepare(long_graph, {"x": x}, {"y": y})

    def work(token: CancellationToken) -> None:
        with token.run_options() as options:
            for _ in range(100):
                executor.run_prepared(prepared, options, token)

    future = executor.submit("page", work)
    wait_until(future.running)
    time.sleep(0.05)
    start = time.monotonic()
    future.interrupt()
    with pytest.raises(DispatchCancelled):
        future.result(timeout=BOUND)
    assert time.monotonic() - start < BOUND


def test_adapter_features_are_values_of_the_idl_feature_enum():
    from python_service.generated import wire as gen

    adapters = available_adapters(
        ["QNNExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    features = {f for a in adapters for f in a.features}
    assert features, "no adapter advertises a feature: the test would check nothing"
    assert features <= set(gen.NPU_FEATURE_NAME)
