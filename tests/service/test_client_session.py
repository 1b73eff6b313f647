"""The per-client dispatcher, in process over a real `Channel.pair()`.

The test plays the client: it encodes generated message objects into frames, sends them on its
end of the pair, and decodes the service's replies and events with the generated codec. Each
session serves its end on a thread, sharing one Executor, as the service process will.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper

from python_service.generated import wire as gen
from python_service.service.executor import Executor
from python_service.service.objects import BufferUsage, ObjectKind
from python_service.shared import graph as g
from python_service.shared.tensors import OperandDescriptor
from python_service.wire import graph as wire_graph
from python_service.wire import runtime as rt
from tests.service.session_support import (
    COMMANDS,
    DEVICE,
    ENCODER,
    GRAPH,
    QUEUE,
    TIMEOUT,
    A,
    B,
    H,
    Served,
    Y,
    create_buffer,
    open_device,
    run_add_relu,
    stream,
)


@pytest.fixture(scope="module")
def executor():
    with Executor(workers=2) as pool:
        yield pool


@pytest.fixture
def served(executor):
    s = Served(executor)
    yield s
    s.stop()


def test_full_slice_inline(served):
    open_device(served.client)
    run_add_relu(served.client, (2, 3, 4))
    assert not served.session.closed


def test_full_slice_through_shared_memory(served):
    # 128 KiB tensors: writes go in sealed memfds, and the read-back comes back in one.
    open_device(served.client)
    run_add_relu(served.client, (128, 256), seed=1)


def test_copy_buffer_to_buffer(served):
    client = served.client
    open_device(client)
    values = np.arange(8, dtype=np.float32)
    copy = gen.NPUCommandEncoderCopyBufferToBuffer(A, 8, B, 0, 16)
    (read_id,) = client.send(
        create_buffer(A, (8,), BufferUsage.COPY_DST | BufferUsage.COPY_SRC),
        create_buffer(B, (8,), BufferUsage.COPY_DST | BufferUsage.COPY_SRC),
        gen.NPUQueueWriteBuffer(QUEUE, A, 0, values.tobytes(), 0, None),
        gen.NPUDeviceCreateCommandEncoder(DEVICE, ENCODER, gen.NPUCommandEncoderDescriptor("")),
        gen.NPUCommandEncoderFinish(
            ENCODER, COMMANDS, gen.NPUCommandBufferDescriptor(""), 1, stream(copy)
        ),
        gen.NPUQueueSubmit(QUEUE, (COMMANDS,)),
        gen.NPUQueueReadBuffer(QUEUE, B, 0, 16),
    )
    np.testing.assert_array_equal(
        np.frombuffer(client.reply(read_id).data, np.float32), [2, 3, 4, 5]
    )


def test_validation_error_goes_to_the_error_scope(served):
    client = served.client
    open_device(client)
    bad = create_buffer(A, (4,), BufferUsage.MAP_READ | BufferUsage.INPUT)  # not a valid combo
    (pop_id,) = client.send(
        gen.NPUDevicePushErrorScope(DEVICE, "out-of-memory"),
        gen.NPUDevicePushErrorScope(DEVICE, "validation"),
        bad,
        gen.NPUDevicePopErrorScope(DEVICE),
    )
    popped = client.reply(pop_id)
    assert popped.error is not None and popped.error.type == "validation"
    assert "MAP_READ may only be combined with COPY_DST" in popped.error.message
    # The out-of-memory scope caught nothing; then the stack is empty.
    first, second = client.send(
        gen.NPUDevicePopErrorScope(DEVICE), gen.NPUDevicePopErrorScope(DEVICE)
    )
    assert client.reply(first).error is None
    assert isinstance(client.reply(second), gen.Rejection)
    # The error object is live: using it is a validation error, not a bad message.
    (pop_id,) = client.send(
        gen.NPUDevicePushErrorScope(DEVICE, "validation"),
        gen.NPUQueueWriteBuffer(QUEUE, A, 0, bytes(16), 0, None),
        gen.NPUDevicePopErrorScope(DEVICE),
    )
    assert "the buffer is invalid" in client.reply(pop_id).error.message
    assert not client.events
    # ... and the session keeps serving (the error object's handle released first).
    client.send(gen.NPUBufferRelease(A))
    run_add_relu(client, (3,), a_gen=2)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (create_buffer(A, (4,), BufferUsage.INPUT, size=12), "but size is 12"),
        (create_buffer(A, (4,), 0), "usage is empty"),
        (create_buffer(A, (4,), 0x100), "unknown bits"),
        (create_buffer(A, (4,), BufferUsage.MAP_WRITE | BufferUsage.OUTPUT), "MAP_WRITE"),
    ],
)
def test_uncaptured_validation_error_becomes_the_event(served, message, expected):
    client = served.client
    open_device(client)
    client.send(message)
    event = client.event()
    assert isinstance(event, gen.NPUDeviceUncapturederrorEvent)
    assert event.self_ == DEVICE and event.error.type == "validation"
    assert expected in event.error.message
    client.send(gen.NPUBufferRelease(A))
    run_add_relu(client, (2,), a_gen=2)


def test_dispatch_validation_error_at_finish_and_submit(served):
    client = served.client
    open_device(client)
    run_add_relu(client, (4,))
    # A buffer without the INPUT usage bound as an input: finish makes an invalid command
    # buffer, and submitting it is a second validation error; nothing runs.
    wrong = create_buffer(H(4, 1), (4,), BufferUsage.COPY_DST)
    dispatch = gen.NPUCommandEncoderDispatch(GRAPH, {"a": H(4, 1), "b": B}, {"y": Y})
    (pop_id,) = client.send(
        wrong,
        gen.NPUDevicePushErrorScope(DEVICE, "validation"),
        gen.NPUDeviceCreateCommandEncoder(DEVICE, H(2, 1), gen.NPUCommandEncoderDescriptor("")),
        gen.NPUCommandEncoderFinish(
            H(2, 1), H(2, 1), gen.NPUCommandBufferDescriptor(""), 1, stream(dispatch)
        ),
        gen.NPUDevicePopErrorScope(DEVICE),
        gen.NPUQueueSubmit(QUEUE, (H(2, 1),)),
    )
    assert "lacks the INPUT usage" in client.reply(pop_id).error.message
    event = client.event()
    assert "submit" in event.error.message and "invalid" in event.error.message


def test_build_with_a_graph_error_rejects_and_the_session_serves_on(served):
    client = served.client
    open_device(client)
    d = OperandDescriptor("float32", (2, 3))
    other = OperandDescriptor("float32", (4,))
    description = wire_graph.to_wire(
        g.GraphDescription(
            inputs=(g.GraphInput(1, "a", d), g.GraphInput(2, "b", other)),
            constants=(),
            operations=(g.Operation("add", (1, 2), (3,)),),
            outputs=(g.GraphOutput("y", 3),),
        )
    )
    (build_id,) = client.send(
        gen.NPUDeviceCreateGraphBuilder(DEVICE, H(5, 1)),
        gen.NPUGraphBuilderBuild(H(5, 1), H(5, 1), description),
    )
    rejected = client.reply(build_id)
    assert isinstance(rejected, gen.Rejection) and rejected.exception == "TypeError"
    run_add_relu(client, (2, 3))


def test_load_model_runs_through_the_queue(served):
    client = served.client
    open_device(client)
    graph = helper.make_graph(
        [helper.make_node("Sigmoid", ["x"], ["y"])],
        "m",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    x = np.array([[0, 1], [-2, 3]], np.float32)
    (load_id,) = client.send(
        gen.NPUDeviceLoadModel(DEVICE, GRAPH, model.SerializeToString()),
        create_buffer(A, (2, 2), BufferUsage.COPY_DST | BufferUsage.INPUT),
        create_buffer(Y, (2, 2), BufferUsage.COPY_SRC | BufferUsage.OUTPUT),
        gen.NPUQueueWriteBuffer(QUEUE, A, 0, x.tobytes(), 0, None),
    )
    loaded = client.reply(load_id)
    assert isinstance(loaded, gen.NPUDeviceLoadModelResolved), loaded
    assert [(i.name, i.shape) for i in loaded.inputs] == [("x", (2, 2))]
    dispatch = gen.NPUCommandEncoderDispatch(GRAPH, {"x": A}, {"y": Y})
    (read_id,) = client.send(
        gen.NPUDeviceCreateCommandEncoder(DEVICE, ENCODER, gen.NPUCommandEncoderDescriptor("")),
        gen.NPUCommandEncoderFinish(
            ENCODER, COMMANDS, gen.NPUCommandBufferDescriptor(""), 1, stream(dispatch)
        ),
        gen.NPUQueueSubmit(QUEUE, (COMMANDS,)),
        gen.NPUQueueReadBuffer(QUEUE, Y, 0, None),
    )
    result = np.frombuffer(client.reply(read_id).data, np.float32).reshape(2, 2)
    np.testing.assert_allclose(result, 1 / (1 + np.exp(-x)), atol=1e-6)
    # Bytes that are not a model: the promise rejects and the session serves on.
    (bad_id,) = client.send(gen.NPUDeviceLoadModel(DEVICE, H(2, 1), b"not a model"))
    rejected = client.reply(bad_id)
    assert isinstance(rejected, gen.Rejection) and rejected.exception == "OperationError"


def _marker(served: Served) -> memoryview:
    """Set up a device and an 8-byte marker buffer A holding ones; returns a view of its memory
    (held, so the mapping outlives the session's close and the test can look after it)."""
    client = served.client
    open_device(client)
    (done,) = client.send(
        create_buffer(A, (2,), BufferUsage.COPY_DST | BufferUsage.COPY_SRC),
        gen.NPUQueueWriteBuffer(QUEUE, A, 0, np.ones(2, np.float32).tobytes(), 0, None),
        gen.NPUQueueOnSubmittedWorkDone(QUEUE),
    )
    client.reply(done)
    return served.session.table.get(ObjectKind.BUFFER, A).memory.view()


@pytest.mark.parametrize("bad", ["unknown buffer", "stale generation", "wrong interface"])
def test_bad_handle_drops_the_client_and_runs_nothing_of_the_frame(executor, bad):
    served, other = Served(executor), Served(executor)
    try:
        view = _marker(served)
        target = {"unknown buffer": H(9, 1), "stale generation": H(1, 2), "wrong interface": A}
        kind_confused = bad == "wrong interface"
        served.client.send(
            gen.NPUQueueWriteBuffer(QUEUE, A, 0, bytes(8), 0, None),  # would zero the marker
            gen.NPUDevicePushErrorScope(DEVICE, "validation"),
            # A buffer handle used as a command buffer, or a buffer that is not live.
            gen.NPUQueueSubmit(QUEUE, (target[bad],))
            if kind_confused
            else gen.NPUQueueWriteBuffer(QUEUE, target[bad], 0, bytes(8), 0, None),
        )
        served.client.assert_dropped()
        served.thread.join(TIMEOUT)
        session = served.session
        assert session.closed and session.close_reason.kind.value == (
            "WEBNPU_ERROR_ILLEGAL_OBJECT_ID"
        )
        assert np.frombuffer(view, np.float32).tolist() == [1.0, 1.0]
        assert len(session.table) == 1  # only the root is left
        view.release()
        # The other client, on its own channel, is unaffected.
        open_device(other.client)
        run_add_relu(other.client, (5,))
    finally:
        served.stop()
        other.stop()


def test_garbage_bytes_drop_the_client(executor):
    served, other = Served(executor), Served(executor)
    try:
        open_device(served.client)
        served.client.channel.send(b"\x19\x00\x00\x00\x04\x00\x03\x00" + bytes(17))
        served.client.assert_dropped()
        served.thread.join(TIMEOUT)
        assert served.session.closed
        assert served.session.close_reason.kind.value == "VALIDATION_ERROR_MISALIGNED_OBJECT"
        open_device(other.client)
        run_add_relu(other.client, (3, 3))
    finally:
        served.stop()
        other.stop()


def test_a_bad_command_stream_drops_the_client_before_the_frame_runs(executor):
    served = Served(executor)
    try:
        view = _marker(served)
        dispatch = gen.NPUCommandEncoderDispatch(GRAPH, {"a": A}, {"y": H(7, 1)})
        served.client.send(
            gen.NPUQueueWriteBuffer(QUEUE, A, 0, bytes(8), 0, None),
            gen.NPUDeviceCreateCommandEncoder(DEVICE, ENCODER, gen.NPUCommandEncoderDescriptor("")),
            # command_count disagrees with the stream: DESERIALIZATION_FAILED at decode.
            gen.NPUCommandEncoderFinish(
                ENCODER, COMMANDS, gen.NPUCommandBufferDescriptor(""), 2, stream(dispatch)
            ),
        )
        served.client.assert_dropped()
        served.thread.join(TIMEOUT)
        assert served.session.close_reason.kind.value == "VALIDATION_ERROR_DESERIALIZATION_FAILED"
        assert np.frombuffer(view, np.float32).tolist() == [1.0, 1.0]
        view.release()
    finally:
        served.stop()


# --- the handshake (docs/wire.md §2.4) ----------------------------------------------------------


def _frame(*messages: object) -> bytes:
    """Messages as one frame payload, exactly as given (no hello added)."""
    w = rt.MessageWriter()
    for i, message in enumerate(messages, 1):
        if getattr(message, "EXPECTS_REPLY", False):
            message.encode(w, i)
        else:
            message.encode(w)
    return w.finish()[0]


REQUEST_ADAPTER = gen.NPURequestAdapter(H(1, 1), H(1, 1), gen.NPURequestAdapterOptions(None))
OTHER_HASH = gen.SCHEMA_HASH ^ 1


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        pytest.param(
            _frame(REQUEST_ADAPTER), "VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD", id="no hello"
        ),
        pytest.param(
            _frame(REQUEST_ADAPTER, gen.ConnectionHello(gen.SCHEMA_HASH)),
            "VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD",
            id="hello second",
        ),
        pytest.param(
            _frame(gen.ConnectionHello(gen.SCHEMA_HASH), gen.ConnectionHello(gen.SCHEMA_HASH)),
            "VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD",
            id="hello twice",
        ),
        pytest.param(
            _frame(gen.ConnectionHello(OTHER_HASH), REQUEST_ADAPTER),
            "VALIDATION_ERROR_DESERIALIZATION_FAILED",
            id="wrong schema hash",
        ),
        pytest.param(
            _frame(gen.ConnectionHello(gen.SCHEMA_HASH, 1), REQUEST_ADAPTER),
            "VALIDATION_ERROR_DESERIALIZATION_FAILED",
            id="reserved not 0",
        ),
    ],
)
def test_the_first_frame_must_start_with_a_good_hello(served, frame, kind):
    served.client.pending.add(1)  # the requestAdapter's id (`_frame` numbers from 1)
    served.client.channel.send(frame)
    served.client.assert_dropped()
    assert not served.client.replies  # nothing of the frame ran
    served.thread.join(TIMEOUT)
    session = served.session
    assert session.closed and session.close_reason.kind.value == kind


def test_a_schema_hash_mismatch_logs_both_hashes(served, caplog):
    with caplog.at_level("ERROR", logger="python_service.service.client_session"):
        served.client.channel.send(_frame(gen.ConnectionHello(OTHER_HASH)))
        served.client.assert_dropped()
        served.thread.join(TIMEOUT)
    mismatch = [r.getMessage() for r in caplog.records if "schema hash" in r.getMessage()]
    assert mismatch, caplog.text
    assert f"{OTHER_HASH:#018x}" in mismatch[0] and f"{gen.SCHEMA_HASH:#018x}" in mismatch[0]
    assert served.session.close_reason.kind.value == "VALIDATION_ERROR_DESERIALIZATION_FAILED"


def test_hello_in_a_later_frame_drops_the_client(served):
    open_device(served.client)  # its first frame carried the hello
    assert served.session.greeted
    served.client.send(gen.ConnectionHello(gen.SCHEMA_HASH))
    served.client.assert_dropped()
    served.thread.join(TIMEOUT)
    reason = served.session.close_reason
    assert reason.kind.value == "VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD"
    assert "after the first message" in str(reason)


def test_a_hello_alone_is_a_valid_first_frame(served):
    served.client.channel.send(_frame(gen.ConnectionHello(gen.SCHEMA_HASH)))
    served.client.greeted = True
    open_device(served.client)
    assert served.session.greeted and not served.session.closed
