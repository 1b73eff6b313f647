"""Command buffers, queue transfers, mapping and error scopes through the real service.

Many dispatches in one command buffer, chains joined by copyBufferToBuffer, several command
buffers in one submit, onSubmittedWorkDone, transfers past the inline limit (memfds), mapped
buffers, error scopes and uncaptured errors, and two pages dispatching at once.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from python_service.client import DOMException, connect
from python_service.generated.interfaces import (
    NPUBufferUsage,
    NPUMapMode,
    NPUOutOfMemoryError,
    NPUUncapturedErrorEvent,
    NPUValidationError,
)
from python_service.wire.runtime import MAX_INLINE_BYTES

from .conftest import TIMEOUT, descriptor, run_graph, tensor_buffer

U = NPUBufferUsage
ATOL = 1e-5


def build(device: Any, record: Any) -> Any:
    """A graph from `record(builder) -> {name: operand}`."""
    builder = device.create_graph_builder()
    return builder.build(record(builder)).result(TIMEOUT)


def affine_graph(device: Any, shape: tuple[int, ...] = (16,)) -> Any:
    """y = 2x + 1 (float32)."""

    def record(b: Any) -> dict[str, Any]:
        x = b.input("x", descriptor("float32", shape))
        two = b.constant(descriptor("float32", [1]), np.float32([2]))
        one = b.constant(descriptor("float32", [1]), np.float32([1]))
        return {"y": b.add(b.mul(x, two), one)}

    return build(device, record)


def increment_graph(device: Any, shape: tuple[int, ...] = (8,)) -> Any:
    """y = x + 1 (int32): exact, so a chain of k dispatches adds exactly k."""

    def record(b: Any) -> dict[str, Any]:
        x = b.input("x", descriptor("int32", shape))
        return {"y": b.add(x, b.constant(descriptor("int32", [1]), np.int32([1])))}

    return build(device, record)


def read(device: Any, buffer: Any, dtype: Any = np.float32) -> np.ndarray:
    return np.frombuffer(device.queue.read_buffer(buffer).result(TIMEOUT), dtype).copy()


def read_all(device: Any, buffers: list[Any], dtype: Any) -> list[np.ndarray]:
    """Read-backs issued all at once, then awaited: one round trip's latency, not N."""
    promises = [device.queue.read_buffer(b) for b in buffers]
    return [np.frombuffer(p.result(TIMEOUT), dtype).copy() for p in promises]


def expect_no_error(device: Any, action: Any) -> Any:
    device.push_error_scope("validation")
    device.push_error_scope("internal")
    result = action()
    assert device.pop_error_scope().result(TIMEOUT) is None
    assert device.pop_error_scope().result(TIMEOUT) is None
    return result


# --------------------------------------------------------------------------------------------
# many dispatches


def test_200_dispatches_in_one_command_buffer(device: Any) -> None:
    graph = affine_graph(device)
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal(16).astype(np.float32) for _ in range(200)]
    encoder = device.create_command_encoder()
    outputs = []
    for x in inputs:
        source = tensor_buffer(device, x, U.INPUT | U.COPY_DST)
        device.queue.write_buffer(source, 0, x)
        target = tensor_buffer(device, graph.outputs[0], U.OUTPUT | U.COPY_SRC)
        encoder.dispatch(graph, {"x": source}, {"y": target})
        outputs.append(target)

    def submit() -> None:
        device.queue.submit([encoder.finish()])
        device.queue.on_submitted_work_done().result(TIMEOUT)

    expect_no_error(device, submit)
    for x, got in zip(inputs, read_all(device, outputs, np.float32), strict=True):
        np.testing.assert_allclose(got, 2 * x.astype(np.float64) + 1, atol=ATOL)


def test_dispatch_chain_through_copies(device: Any) -> None:
    """Dispatch k's output is copied into dispatch k+1's input, all in one command buffer:
    every intermediate result shows the commands ran in order."""
    steps = 60
    graph = increment_graph(device)
    start = np.arange(8, dtype=np.int32) * 100
    info_in, info_out = graph.inputs[0], graph.outputs[0]
    inputs = [tensor_buffer(device, info_in, U.INPUT | U.COPY_DST) for _ in range(steps)]
    outputs = [tensor_buffer(device, info_out, U.OUTPUT | U.COPY_SRC) for _ in range(steps)]
    device.queue.write_buffer(inputs[0], 0, start)
    encoder = device.create_command_encoder()
    for k in range(steps):
        encoder.dispatch(graph, {"x": inputs[k]}, {"y": outputs[k]})
        if k + 1 < steps:
            encoder.copy_buffer_to_buffer(outputs[k], 0, inputs[k + 1], 0, start.nbytes)
    expect_no_error(device, lambda: device.queue.submit([encoder.finish()]))
    for k, got in enumerate(read_all(device, outputs, np.int32)):
        np.testing.assert_array_equal(got, start + k + 1, err_msg=f"step {k}")


def test_several_command_buffers_in_one_submit(device: Any) -> None:
    """Command buffers run in submit order: each continues from the previous one's result,
    and one buffer feeds a second graph with another signature."""
    increment = increment_graph(device)
    to_float = build(
        device,
        lambda b: {
            "f": b.mul(
                b.cast(b.input("i", descriptor("int32", [8])), "float32"),
                b.constant(descriptor("float32", [1]), np.float32([0.5])),
            )
        },
    )
    start = np.arange(8, dtype=np.int32)
    a = tensor_buffer(device, increment.inputs[0], U.INPUT | U.COPY_DST | U.COPY_SRC)
    b = tensor_buffer(device, increment.outputs[0], U.OUTPUT | U.COPY_SRC | U.INPUT)
    c = tensor_buffer(device, to_float.outputs[0], U.OUTPUT | U.COPY_SRC)
    device.queue.write_buffer(a, 0, start)
    command_buffers = []
    for _ in range(5):  # a -> b (+1), b -> a (copy): five command buffers, +5 in all
        encoder = device.create_command_encoder()
        encoder.dispatch(increment, {"x": a}, {"y": b})
        encoder.copy_buffer_to_buffer(b, 0, a, 0, start.nbytes)
        command_buffers.append(encoder.finish())
    last = device.create_command_encoder()
    last.dispatch(to_float, {"i": b}, {"f": c})
    command_buffers.append(last.finish())
    expect_no_error(device, lambda: device.queue.submit(command_buffers))
    np.testing.assert_array_equal(read(device, a, np.int32), start + 5)
    np.testing.assert_allclose(read(device, c), (start + 5) * 0.5, atol=0)


def test_submits_and_writes_interleave_in_queue_order(device: Any) -> None:
    """writeBuffer runs after the work submitted before it and before the work after it."""
    graph = affine_graph(device, (4,))
    x = tensor_buffer(device, graph.inputs[0], U.INPUT | U.COPY_DST)
    outs = [tensor_buffer(device, graph.outputs[0], U.OUTPUT | U.COPY_SRC) for _ in range(3)]
    for k, out in enumerate(outs):
        device.queue.write_buffer(x, 0, np.full(4, k, np.float32))
        encoder = device.create_command_encoder()
        encoder.dispatch(graph, {"x": x}, {"y": out})
        device.queue.submit([encoder.finish()])
    for k, got in enumerate(read_all(device, outs, np.float32)):
        np.testing.assert_array_equal(got, np.full(4, 2 * k + 1, np.float32))


def test_on_submitted_work_done_resolves_after_the_work(device: Any) -> None:
    n = 384
    graph = build(
        device,
        lambda b: {
            "y": b.tanh(
                b.matmul(
                    b.input("a", descriptor("float32", [n, n])),
                    b.input("b", descriptor("float32", [n, n])),
                )
            )
        },
    )
    rng = np.random.default_rng(2)
    a = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
    w = rng.standard_normal((n, n)).astype(np.float32)
    buffer_a = tensor_buffer(device, a, U.INPUT | U.COPY_DST)
    buffer_w = tensor_buffer(device, w, U.INPUT | U.COPY_DST)
    device.queue.write_buffer(buffer_a, 0, a)
    device.queue.write_buffer(buffer_w, 0, w)
    outs = [tensor_buffer(device, graph.outputs[0], U.OUTPUT | U.COPY_SRC) for _ in range(24)]
    readback = device.create_buffer({"size": a.nbytes, "usage": U.MAP_READ | U.COPY_DST})
    encoder = device.create_command_encoder()
    for out in outs:
        encoder.dispatch(graph, {"a": buffer_a, "b": buffer_w}, {"y": out})
    encoder.copy_buffer_to_buffer(outs[-1], 0, readback, 0, a.nbytes)
    first_done_when_later_resolved: list[bool] = []
    later_settled = threading.Event()

    def on_later(_: Any) -> None:
        # Callbacks run after result() waiters wake: record, then signal.
        first_done_when_later_resolved.append(done.done())
        later_settled.set()

    device.queue.submit([encoder.finish()])
    done = device.queue.on_submitted_work_done()
    assert not done.done(), "resolved before 24 matmuls of 384x384 could have run"
    # A second submit after the call: the first promise does not wait for it.
    later = device.create_command_encoder()
    later.dispatch(graph, {"a": buffer_a, "b": buffer_w}, {"y": outs[0]})
    device.queue.submit([later.finish()])
    done_later = device.queue.on_submitted_work_done()
    done_later.add_done_callback(on_later)
    assert done.result(TIMEOUT) is None
    assert done_later.result(TIMEOUT) is None
    assert later_settled.wait(TIMEOUT)
    assert first_done_when_later_resolved == [True]
    # The work really is finished: mapping needs no more waiting and sees the result.
    readback.map_async(NPUMapMode.READ).result(TIMEOUT)
    got = np.frombuffer(readback.get_mapped_range(), np.float32).reshape(n, n)
    np.testing.assert_allclose(got, np.tanh(a.astype(np.float64) @ w), atol=ATOL)
    readback.unmap()
    # With nothing pending, it resolves at once.
    assert device.queue.on_submitted_work_done().result(TIMEOUT) is None


# --------------------------------------------------------------------------------------------
# large transfers (shared memory)


@pytest.mark.parametrize("size", [2 * MAX_INLINE_BYTES + 4, 3 * 2**20 + 12])
def test_large_write_and_read_back(device: Any, size: int) -> None:
    assert size > MAX_INLINE_BYTES
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    buffer = device.create_buffer({"size": size, "usage": U.COPY_DST | U.COPY_SRC})
    copy = device.create_buffer({"size": size, "usage": U.COPY_DST | U.COPY_SRC})
    expect_no_error(device, lambda: device.queue.write_buffer(buffer, 0, data))
    assert bytes(device.queue.read_buffer(buffer).result(TIMEOUT)) == data
    # Partial reads and writes, with offsets, past the inline limit too.
    part = size - 1000
    assert bytes(device.queue.read_buffer(buffer, 500, part).result(TIMEOUT)) == data[500:-500]
    patch = bytes(range(256)) * ((MAX_INLINE_BYTES + 1024) // 256)
    assert MAX_INLINE_BYTES < len(patch) < size - 8
    expect_no_error(device, lambda: device.queue.write_buffer(buffer, 8, patch))
    expected = data[:8] + patch + data[8 + len(patch) :]
    assert bytes(device.queue.read_buffer(buffer).result(TIMEOUT)) == expected
    # dataOffset and size count bytes for bytes data.
    device.queue.write_buffer(buffer, 0, patch, 4, 100)
    expected = patch[4:104] + expected[100:]
    encoder = device.create_command_encoder()
    encoder.copy_buffer_to_buffer(buffer, 0, copy, 0, size)
    device.queue.submit([encoder.finish()])
    assert bytes(device.queue.read_buffer(copy).result(TIMEOUT)) == expected


def test_large_tensors_through_a_graph(device: Any) -> None:
    """Inputs and outputs over 64 KiB, dispatched and read back (memfd-backed buffers)."""
    shape = (64, 1024)  # 256 KiB per tensor
    graph = build(
        device,
        lambda b: {
            "y": b.sigmoid(b.input("x", descriptor("float32", shape))),
            "t": b.transpose(b.input("z", descriptor("float32", shape))),
        },
    )
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(np.float32)
    z = rng.standard_normal(shape).astype(np.float32)
    got = run_graph(device, graph, {"x": x, "z": z})
    np.testing.assert_allclose(got["y"], 1 / (1 + np.exp(-x.astype(np.float64))), atol=ATOL)
    assert got["t"].tobytes() == np.ascontiguousarray(z.T).tobytes()


def test_write_typed_array_counts_elements(device: Any) -> None:
    """For a typed array (numpy), dataOffset and size count elements, not bytes."""
    values = np.arange(40_000, dtype=np.float32)  # 160,000 bytes: shared memory
    buffer = device.create_buffer({"size": values.nbytes, "usage": U.COPY_DST | U.COPY_SRC})
    device.queue.write_buffer(buffer, 0, values)
    expect_no_error(device, lambda: device.queue.write_buffer(buffer, 16, values, 20_000, 19_996))
    expected = values.copy()
    expected[4:20_000] = values[20_000:39_996]
    np.testing.assert_array_equal(read(device, buffer), expected)


# --------------------------------------------------------------------------------------------
# mapping


@pytest.mark.parametrize("shape", [(4, 6), (128, 160)], ids=["small", "over_64KiB"])
def test_mapped_write_dispatch_mapped_read(device: Any, shape: tuple[int, ...]) -> None:
    graph = affine_graph(device, shape)
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    size = x.nbytes
    upload = device.create_buffer({"size": size, "usage": U.MAP_WRITE | U.COPY_SRC})
    source = tensor_buffer(device, x, U.INPUT | U.COPY_DST)
    target = tensor_buffer(device, graph.outputs[0], U.OUTPUT | U.COPY_SRC)
    download = device.create_buffer({"size": size, "usage": U.MAP_READ | U.COPY_DST})

    assert upload.map_state == "unmapped"
    promise = upload.map_async(NPUMapMode.WRITE)
    assert upload.map_state == "pending"
    promise.result(TIMEOUT)
    assert upload.map_state == "mapped"
    # Filled through two ranges of the mapping, the second one at an offset.
    half = size // 2
    first = upload.get_mapped_range(0, half)
    second = upload.get_mapped_range(half)
    raw = x.tobytes()
    first[:] = raw[:half]
    np.frombuffer(second, np.uint8)[:] = np.frombuffer(raw[half:], np.uint8)
    del second  # the numpy view over it must not outlive the mapping
    upload.unmap()
    assert upload.map_state == "unmapped"
    with pytest.raises(ValueError):
        first[0]  # detached by unmap()

    encoder = device.create_command_encoder()
    encoder.copy_buffer_to_buffer(upload, 0, source, 0, size)
    encoder.dispatch(graph, {"x": source}, {"y": target})
    encoder.copy_buffer_to_buffer(target, 0, download, 0, size)
    expect_no_error(device, lambda: device.queue.submit([encoder.finish()]))

    download.map_async(NPUMapMode.READ).result(TIMEOUT)
    view = download.get_mapped_range()
    assert view.readonly
    got = np.frombuffer(view, np.float32).reshape(shape).copy()
    del view
    download.unmap()
    np.testing.assert_allclose(got, 2 * x.astype(np.float64) + 1, atol=ATOL)


def test_map_read_partial_range(device: Any) -> None:
    data = np.arange(256, dtype=np.uint8).tobytes()
    staging = device.create_buffer({"size": 256, "usage": U.COPY_SRC | U.COPY_DST})
    device.queue.write_buffer(staging, 0, data)
    download = device.create_buffer({"size": 256, "usage": U.MAP_READ | U.COPY_DST})
    encoder = device.create_command_encoder()
    encoder.copy_buffer_to_buffer(staging, 0, download, 0, 256)
    device.queue.submit([encoder.finish()])
    download.map_async(NPUMapMode.READ, 64, 128).result(TIMEOUT)
    assert bytes(download.get_mapped_range(64, 64)) == data[64:128]
    assert bytes(download.get_mapped_range(128)) == data[128:192]
    with pytest.raises(DOMException) as raised:
        download.get_mapped_range(0, 8)  # outside the mapped range
    assert raised.value.name == "OperationError"
    download.unmap()


def test_mapped_buffer_cannot_be_used_by_the_queue(device: Any) -> None:
    upload = device.create_buffer({"size": 64, "usage": U.MAP_WRITE | U.COPY_SRC})
    target = device.create_buffer({"size": 64, "usage": U.COPY_DST | U.COPY_SRC})
    upload.map_async(NPUMapMode.WRITE).result(TIMEOUT)
    encoder = device.create_command_encoder()
    encoder.copy_buffer_to_buffer(upload, 0, target, 0, 64)
    device.push_error_scope("validation")
    device.queue.submit([encoder.finish()])
    error = device.pop_error_scope().result(TIMEOUT)
    assert isinstance(error, NPUValidationError)
    assert "mapped" in error.message
    upload.unmap()


# --------------------------------------------------------------------------------------------
# error scopes and uncaptured errors


def invalid_buffer(device: Any) -> Any:
    # MAP_READ may only be combined with COPY_DST.
    return device.create_buffer({"size": 16, "usage": U.MAP_READ | U.INPUT})


def test_validation_scope_captures_invalid_create_buffer(device: Any) -> None:
    device.push_error_scope("validation")
    invalid_buffer(device)
    error = device.pop_error_scope().result(TIMEOUT)
    assert isinstance(error, NPUValidationError)
    assert error.message
    assert "MAP_READ" in error.message


def test_scope_keeps_the_first_error(device: Any) -> None:
    device.push_error_scope("validation")
    invalid_buffer(device)
    device.create_buffer({"size": 16, "usage": 0})
    error = device.pop_error_scope().result(TIMEOUT)
    assert isinstance(error, NPUValidationError)
    assert "MAP_READ" in error.message
    device.push_error_scope("validation")
    assert device.pop_error_scope().result(TIMEOUT) is None


def test_nested_scopes_filter_by_kind(device: Any) -> None:
    device.push_error_scope("validation")
    device.push_error_scope("out-of-memory")
    invalid_buffer(device)
    assert device.pop_error_scope().result(TIMEOUT) is None  # the inner scope: not its kind
    error = device.pop_error_scope().result(TIMEOUT)
    assert isinstance(error, NPUValidationError)


def test_out_of_memory_scope(device: Any) -> None:
    """A buffer over the client's memory quota is an out-of-memory error, caught by the
    innermost out-of-memory scope and not by an inner validation scope."""
    quota_buster = device.limits.max_buffer_size
    device.push_error_scope("out-of-memory")
    device.push_error_scope("validation")
    device.create_buffer({"size": quota_buster, "usage": U.COPY_DST})
    device.create_buffer({"size": quota_buster, "usage": U.COPY_DST})
    assert device.pop_error_scope().result(TIMEOUT) is None
    error = device.pop_error_scope().result(TIMEOUT)
    assert isinstance(error, NPUOutOfMemoryError)
    assert error.message


def test_pop_without_scope_rejects(device: Any) -> None:
    with pytest.raises(DOMException) as raised:
        device.pop_error_scope().result(TIMEOUT)
    assert raised.value.name == "OperationError"
    # One scope pushed, two popped: the second one rejects too.
    device.push_error_scope("validation")
    assert device.pop_error_scope().result(TIMEOUT) is None
    with pytest.raises(DOMException) as raised:
        device.pop_error_scope().result(TIMEOUT)
    assert raised.value.name == "OperationError"


def test_invalid_dispatch_is_captured_and_nothing_runs(device: Any) -> None:
    """A submit with one invalid command buffer runs none of them (all or nothing)."""
    graph = increment_graph(device)
    good_in = tensor_buffer(device, graph.inputs[0], U.INPUT | U.COPY_DST)
    good_out = tensor_buffer(device, graph.outputs[0], U.OUTPUT | U.COPY_SRC | U.COPY_DST)
    wrong = device.create_buffer({"size": 4, "usage": U.OUTPUT})  # wrong size for "y"
    device.queue.write_buffer(good_in, 0, np.arange(8, dtype=np.int32))
    device.queue.write_buffer(good_out, 0, np.full(8, -7, np.int32))  # a sentinel
    first = device.create_command_encoder()
    first.dispatch(graph, {"x": good_in}, {"y": good_out})
    second = device.create_command_encoder()
    second.dispatch(graph, {"x": good_in}, {"y": wrong})
    device.push_error_scope("validation")
    device.queue.submit([first.finish(), second.finish()])
    error = device.pop_error_scope().result(TIMEOUT)
    assert isinstance(error, NPUValidationError)
    assert error.message
    np.testing.assert_array_equal(read(device, good_out, np.int32), np.full(8, -7, np.int32))


def test_uncaptured_error_event(device: Any) -> None:
    received = threading.Event()
    events: list[Any] = []
    handler_events: list[Any] = []

    def listener(event: Any) -> None:
        events.append((event, threading.current_thread()))
        received.set()

    device.add_event_listener("uncapturederror", listener)
    device.onuncapturederror = handler_events.append
    invalid_buffer(device)
    # Another error inside a scope is captured there and never reaches the event.
    device.push_error_scope("validation")
    device.create_buffer({"size": 16, "usage": 0})
    captured = device.pop_error_scope().result(TIMEOUT)
    assert isinstance(captured, NPUValidationError)
    assert "usage is empty" in captured.message
    assert received.wait(TIMEOUT), "no uncapturederror event arrived"
    device.queue.on_submitted_work_done().result(TIMEOUT)  # let any stray event arrive
    assert len(events) == 1
    assert len(handler_events) == 1
    event, thread = events[0]
    assert handler_events[0] is event
    assert isinstance(event, NPUUncapturedErrorEvent)
    assert event.type == "uncapturederror"
    assert isinstance(event.error, NPUValidationError)
    assert "MAP_READ" in event.error.message
    assert thread is not threading.current_thread()  # delivered on the reader thread
    # A scope of another kind lets the error through to the event as well.
    received.clear()
    device.push_error_scope("out-of-memory")
    invalid_buffer(device)
    assert device.pop_error_scope().result(TIMEOUT) is None
    assert received.wait(TIMEOUT)
    assert len(events) == 2
    device.remove_event_listener("uncapturederror", listener)


def test_device_keeps_working_after_errors(device: Any) -> None:
    device.push_error_scope("validation")
    for _ in range(20):
        invalid_buffer(device)
    assert isinstance(device.pop_error_scope().result(TIMEOUT), NPUValidationError)
    graph = affine_graph(device, (3,))
    got = run_graph(device, graph, {"x": np.float32([1, 2, 3])})["y"]
    np.testing.assert_array_equal(got, np.float32([3, 5, 7]))


# --------------------------------------------------------------------------------------------
# concurrency


def test_two_devices_on_two_connections_concurrently(host: Any) -> None:
    pages = [connect(host) for _ in range(2)]
    try:
        devices = [
            page.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
            for page in pages
        ]
        failures: list[BaseException] = []
        barrier = threading.Barrier(2)

        def work(index: int) -> None:
            try:
                device = devices[index]
                # Different graphs per page: page 0 computes 2x+1, page 1 x+1 on int32.
                graph = affine_graph(device, (32,)) if index == 0 else increment_graph(device)
                rng = np.random.default_rng(index)
                barrier.wait(TIMEOUT)
                for round_ in range(15):
                    encoder = device.create_command_encoder()
                    expected, outs = [], []
                    for _ in range(10):
                        if index == 0:
                            x = rng.standard_normal(32).astype(np.float32)
                            want = 2 * x.astype(np.float64) + 1
                        else:
                            x = rng.integers(-1000, 1000, 8, dtype=np.int32)
                            want = x + 1
                        source = tensor_buffer(device, x, U.INPUT | U.COPY_DST)
                        device.queue.write_buffer(source, 0, x)
                        out = tensor_buffer(device, graph.outputs[0], U.OUTPUT | U.COPY_SRC)
                        encoder.dispatch(graph, {"x": source}, {"y": out})
                        expected.append(want)
                        outs.append(out)
                    device.queue.submit([encoder.finish()])
                    dtype = np.float32 if index == 0 else np.int32
                    for want, got in zip(expected, read_all(device, outs, dtype), strict=True):
                        np.testing.assert_allclose(got, want, atol=ATOL, err_msg=f"round {round_}")
            except BaseException as error:  # noqa: BLE001 (reported by the main thread)
                failures.append(error)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT * 2)
        assert not any(thread.is_alive() for thread in threads)
        if failures:
            raise failures[0]
    finally:
        for page in pages:
            page.close()


def test_one_device_from_two_threads(device: Any) -> None:
    """The client is shared by two threads of one page: each submits its own work."""
    graph = increment_graph(device)
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for k in range(20):
                x = np.full(8, offset + k, np.int32)
                got = run_graph(device, graph, {"x": x})["y"]
                np.testing.assert_array_equal(got, x + 1)
        except BaseException as error:  # noqa: BLE001
            failures.append(error)

    threads = [threading.Thread(target=work, args=(i * 1000,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    if failures:
        raise failures[0]


# --------------------------------------------------------------------------------------------
# device destruction


def test_destroy_resolves_lost(adapter: Any) -> None:
    device = adapter.request_device().result(TIMEOUT)
    assert not device.lost.done()
    device.destroy()
    info = device.lost.result(TIMEOUT)
    assert info.reason == "destroyed"
    assert info.message


def test_destroyed_device_runs_nothing(adapter: Any) -> None:
    device = adapter.request_device().result(TIMEOUT)
    graph = increment_graph(device)
    source = tensor_buffer(device, graph.inputs[0], U.INPUT | U.COPY_DST)
    device.queue.write_buffer(source, 0, np.arange(8, dtype=np.int32))
    target = tensor_buffer(device, graph.outputs[0], U.OUTPUT | U.COPY_SRC)
    device.queue.on_submitted_work_done().result(TIMEOUT)
    device.destroy()
    device.lost.result(TIMEOUT)
    encoder = device.create_command_encoder()
    encoder.dispatch(graph, {"x": source}, {"y": target})
    device.queue.submit([encoder.finish()])
    # The buffer was destroyed with the device: reading it must not yield the graph's result.
    with pytest.raises(DOMException):
        device.queue.read_buffer(target).result(TIMEOUT)
