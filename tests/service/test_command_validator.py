"""The command-buffer validator: one test per rule, with the exact message (docs/wire.md §4).

Commands and messages are built with the generated classes; nothing here hand-crafts bytes.
"""

from __future__ import annotations

import pytest

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.generated import wire as gen
from python_service.service import command_validator as cv
from python_service.service.objects import (
    BufferState,
    ClientQuotas,
    CommandEncoderState,
    GraphState,
    NPUError,
    ObjectKind,
    ObjectTable,
    QueueState,
)
from python_service.shared.tensors import OperandDescriptor
from python_service.wire import runtime as rt
from python_service.wire.runtime import Handle

H = Handle
DEVICE = H(1, 1)
OTHER_DEVICE = H(2, 1)
QUEUE = H(1, 1)
ENCODER = H(1, 1)
GRAPH = H(1, 1)
X, Y, Z, W = H(1, 1), H(2, 1), H(3, 1), H(4, 1)
F32 = OperandDescriptor("float32", (2, 2))  # 16 bytes
IN, OUT, SRC, DST = 0x10, 0x20, 0x04, 0x08
ILLEGAL = BadMessageKind.WEBNPU_ERROR_ILLEGAL_OBJECT_ID
LIMITS = cv.CommandLimits()
CB = H(1, 1)


def make_table(**sizes) -> ObjectTable:
    table = ObjectTable()
    table.create(ObjectKind.DEVICE, DEVICE, object())
    table.create(ObjectKind.DEVICE, OTHER_DEVICE, object())
    table.create(ObjectKind.QUEUE, QUEUE, QueueState(DEVICE))
    table.create(ObjectKind.COMMAND_ENCODER, ENCODER, CommandEncoderState(DEVICE))
    graph = GraphState(DEVICE, {"a": F32, "b": F32}, {"y": F32})
    table.create(ObjectKind.GRAPH, GRAPH, graph)
    for handle, usage in ((X, IN), (Y, IN), (Z, OUT), (W, OUT)):
        table.create(ObjectKind.BUFFER, handle, BufferState(DEVICE, 16, usage | SRC | DST, F32))
    return table


def buf(table: ObjectTable, handle: Handle) -> BufferState:
    return table.get(ObjectKind.BUFFER, handle)


def dispatch(inputs=None, outputs=None, graph=GRAPH):
    return gen.NPUCommandEncoderDispatch(
        graph,
        {"a": X, "b": Y} if inputs is None else inputs,
        {"y": Z} if outputs is None else outputs,
    )


def copy(src=X, so=0, dst=Z, do=0, size=16):
    return gen.NPUCommandEncoderCopyBufferToBuffer(src, so, dst, do, size)


def run_finish(table, commands, limits=LIMITS, result=CB):
    message = gen.NPUCommandEncoderFinish(
        ENCODER, result, gen.NPUCommandBufferDescriptor(""), len(commands), b""
    )
    return cv.finish(table, message, commands, limits)


def finish_error(commands, table=None, limits=LIMITS) -> str:
    error = run_finish(table or make_table(), commands, limits)
    assert error is not None and error.filter == "validation"
    return error.message


PREFIX = "finish of encoder (1, 1): "


def run_submit(table, handles=(CB,), pending=0, limits=LIMITS):
    return cv.submit(table, gen.NPUQueueSubmit(QUEUE, tuple(handles)), pending, limits)


# --- a valid stream ---------------------------------------------------------------------------


def test_valid_stream_passes_finish_and_submit():
    table = make_table()
    commands = [copy(), dispatch(), copy(Z, 0, W, 0, 16), dispatch({"a": X, "b": X}, {"y": W})]
    assert run_finish(table, commands) is None
    buffers, error = run_submit(table)
    assert error is None
    assert len(buffers) == 1 and len(buffers[0].commands) == 4
    assert table.get(ObjectKind.COMMAND_BUFFER, H(1, 1)).submitted


def test_empty_stream_is_valid():
    table = make_table()
    assert run_finish(table, []) is None
    assert run_submit(table)[1] is None


# --- stage 1: bad messages --------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, detail",
    [
        (dispatch(graph=H(9, 1)), "GRAPH (9, 1) is not live for this client"),
        (dispatch(graph=H(1, 2)), "GRAPH (1, 2) has a stale generation (live is 1)"),
        (dispatch({"a": X, "b": H(9, 1)}), "BUFFER (9, 1) is not live for this client"),
        (dispatch(outputs={"y": H(3, 7)}), "BUFFER (3, 7) has a stale generation (live is 1)"),
        (copy(src=H(8, 1)), "BUFFER (8, 1) is not live for this client"),
        (copy(dst=H(8, 1)), "BUFFER (8, 1) is not live for this client"),
    ],
)
def test_unknown_handles_are_bad_messages(command, detail):
    table = make_table()
    with pytest.raises(BadMessage) as info:
        run_finish(table, [dispatch(), command])
    assert info.value.kind is ILLEGAL and info.value.detail == detail
    # Nothing changed: the encoder is not finished and no command buffer exists.
    assert not table.get(ObjectKind.COMMAND_ENCODER, ENCODER).finished
    with pytest.raises(BadMessage):
        table.get(ObjectKind.COMMAND_BUFFER, H(1, 1))


def test_graph_handle_in_buffer_space_is_a_bad_message():
    # Ids are per interface: graph id 1 is live, buffer id 5 is not.
    with pytest.raises(BadMessage) as info:
        run_finish(make_table(), [copy(src=H(5, 1))])
    assert info.value.kind is ILLEGAL


def test_unknown_encoder_and_result_over_live_id_are_bad_messages():
    table = make_table()
    message = gen.NPUCommandEncoderFinish(
        H(5, 1), H(1, 1), gen.NPUCommandBufferDescriptor(""), 0, b""
    )
    with pytest.raises(BadMessage) as info:
        cv.finish(table, message, [])
    assert info.value.kind is ILLEGAL
    assert run_finish(table, []) is None
    table.create(ObjectKind.COMMAND_ENCODER, H(2, 1), CommandEncoderState(DEVICE))
    message = gen.NPUCommandEncoderFinish(
        H(2, 1), H(1, 1), gen.NPUCommandBufferDescriptor(""), 0, b""
    )
    with pytest.raises(BadMessage) as info:
        cv.finish(table, message, [])
    assert info.value.detail == "creating COMMAND_BUFFER (1, 1) over a live id"
    assert not table.get(ObjectKind.COMMAND_ENCODER, H(2, 1)).finished


def test_submit_unknown_command_buffer_is_a_bad_message():
    with pytest.raises(BadMessage) as info:
        run_submit(make_table(), [H(4, 1)])
    assert info.value.detail == "COMMAND_BUFFER (4, 1) is not live for this client"


def test_offsets_beyond_2_53_are_bad_messages_at_decode():
    w = rt.MessageWriter()
    copy(so=2**64 - 8).encode(w)
    payload, fds = w.finish()
    with pytest.raises(BadMessage) as info:
        gen.read_command(rt.MessageReader(payload, fds))
    assert info.value.kind is BadMessageKind.VALIDATION_ERROR_DESERIALIZATION_FAILED


# --- stage 2: finish rules --------------------------------------------------------------------


def test_encoder_already_finished():
    table = make_table()
    assert run_finish(table, []) is None
    assert run_finish(table, [], result=H(2, 1)) == NPUError(
        "validation", PREFIX + "the encoder is already finished"
    )
    assert table.get(ObjectKind.COMMAND_BUFFER, H(2, 1)).error is not None


def test_copy_source_lacks_copy_src():
    table = make_table()
    buf(table, X).usage = IN
    assert finish_error([copy()], table) == PREFIX + (
        "command 0 (copyBufferToBuffer): source buffer (1, 1) lacks the COPY_SRC usage"
    )


def test_copy_destination_lacks_copy_dst():
    table = make_table()
    buf(table, Z).usage = OUT | SRC
    assert finish_error([dispatch(), copy()], table) == PREFIX + (
        "command 1 (copyBufferToBuffer): destination buffer (3, 1) lacks the COPY_DST usage"
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"so": 1}, "source range [1, 17) exceeds the size 16 of buffer (1, 1)"),
        ({"do": 16, "size": 1}, "destination range [16, 17) exceeds the size 16 of buffer (3, 1)"),
        ({"size": 17}, "source range [0, 17) exceeds the size 16 of buffer (1, 1)"),
        # Near 2^64: a wrapped u64 sum would be small and pass; Python ints do not wrap.
        (
            {"so": 2**64 - 8, "size": 16},
            f"source range [{2**64 - 8}, {2**64 + 8}) exceeds the size 16 of buffer (1, 1)",
        ),
        (
            {"do": 8, "size": 2**64 - 4},
            f"source range [0, {2**64 - 4}) exceeds the size 16 of buffer (1, 1)",
        ),
    ],
)
def test_copy_ranges(kwargs, message):
    assert finish_error([copy(**kwargs)]) == PREFIX + "command 0 (copyBufferToBuffer): " + message


def test_copy_range_edges_pass():
    table = make_table()
    assert run_finish(table, [copy(so=16, do=16, size=0), copy(so=8, do=0, size=8)]) is None


def test_copy_within_one_buffer_must_not_overlap():
    assert finish_error([copy(X, 0, X, 4, 8)]) == PREFIX + (
        "command 0 (copyBufferToBuffer): source range [0, 8) and destination range [4, 12) "
        "overlap in buffer (1, 1)"
    )
    assert run_finish(make_table(), [copy(X, 0, X, 8, 8), copy(X, 8, X, 0, 8)]) is None


def test_copy_buffer_of_another_device():
    table = make_table()
    buf(table, Z).device = OTHER_DEVICE
    assert finish_error([copy()], table) == PREFIX + (
        "command 0 (copyBufferToBuffer): destination buffer (3, 1) belongs to device (2, 1), "
        "not the encoder's"
    )


def test_invalid_buffer_object():
    table = ObjectTable(ClientQuotas(max_buffers=3))
    for kind, handle, obj in [
        (ObjectKind.QUEUE, QUEUE, QueueState(DEVICE)),
        (ObjectKind.COMMAND_ENCODER, ENCODER, CommandEncoderState(DEVICE)),
    ]:
        table.create(kind, handle, obj)
    for handle in (X, Y, Z, W):
        table.create(ObjectKind.BUFFER, handle, BufferState(DEVICE, 16, 0x3F, F32))
    assert finish_error([copy(Z, 0, W, 0, 1)], table) == PREFIX + (
        "command 0 (copyBufferToBuffer): destination buffer (4, 1) is invalid "
        "(BUFFER (4, 1): maxBuffersPerClient (3) buffers exist)"
    )


def test_dispatch_graph_of_another_device():
    table = make_table()
    table.get(ObjectKind.GRAPH, GRAPH).device = OTHER_DEVICE
    assert finish_error([dispatch()], table) == PREFIX + (
        "command 0 (dispatch): graph (1, 1) belongs to device (2, 1), not the encoder's"
    )


def test_dispatch_unknown_input_name():
    assert finish_error([dispatch({"a": X, "b": Y, "c": Y})]) == PREFIX + (
        "command 0 (dispatch): input 'c' is not an input of the graph"
    )


def test_dispatch_missing_input():
    assert finish_error([dispatch({"a": X})]) == PREFIX + (
        "command 0 (dispatch): the graph's input 'b' is not bound"
    )


def test_dispatch_unknown_output_name():
    assert finish_error([dispatch(outputs={"y": Z, "q": W})]) == PREFIX + (
        "command 0 (dispatch): output 'q' is not an output of the graph"
    )


def test_dispatch_missing_output():
    assert finish_error([dispatch(outputs={})]) == PREFIX + (
        "command 0 (dispatch): the graph's output 'y' is not bound"
    )


def test_dispatch_input_and_output_count_limits():
    limits = cv.CommandLimits(max_dispatch_inputs=1)
    assert finish_error([dispatch()], limits=limits) == PREFIX + (
        "command 0 (dispatch): 2 inputs exceed maxDispatchInputs 1"
    )
    limits = cv.CommandLimits(max_dispatch_outputs=0)
    assert finish_error([dispatch()], limits=limits) == PREFIX + (
        "command 0 (dispatch): 1 outputs exceed maxDispatchOutputs 0"
    )


def test_dispatch_input_lacks_input_usage():
    table = make_table()
    buf(table, Y).usage = OUT
    assert finish_error([dispatch()], table) == PREFIX + (
        "command 0 (dispatch): input 'b': buffer (2, 1) lacks the INPUT usage"
    )


def test_dispatch_output_lacks_output_usage():
    table = make_table()
    buf(table, Z).usage = IN
    assert finish_error([dispatch()], table) == PREFIX + (
        "command 0 (dispatch): output 'y': buffer (3, 1) lacks the OUTPUT usage"
    )


def test_dispatch_tensor_data_type_mismatch():
    table = make_table()
    buf(table, X).tensor = OperandDescriptor("int32", (2, 2))
    assert finish_error([dispatch()], table) == PREFIX + (
        "command 0 (dispatch): input 'a': buffer (1, 1) holds int32[2, 2], but the graph's "
        "input is float32[2, 2]"
    )


def test_dispatch_tensor_shape_mismatch():
    table = make_table()
    buf(table, Z).tensor = OperandDescriptor("float32", (4,))
    assert finish_error([dispatch()], table) == PREFIX + (
        "command 0 (dispatch): output 'y': buffer (3, 1) holds float32[4], but the graph's "
        "output is float32[2, 2]"
    )


def test_dispatch_byte_length_mismatch():
    table = make_table()
    buf(table, Y).tensor = None
    buf(table, Y).size = 32
    assert finish_error([dispatch()], table) == PREFIX + (
        "command 0 (dispatch): input 'b': buffer (2, 1) has size 32, but float32[2, 2] is 16 bytes"
    )
    # Without a tensor descriptor only the size is checked.
    table2 = make_table()
    buf(table2, Y).tensor = None
    assert run_finish(table2, [dispatch()]) is None


def test_dispatch_buffer_as_input_and_output():
    table = make_table()
    buf(table, X).usage |= OUT
    assert finish_error([dispatch(outputs={"y": X})], table) == PREFIX + (
        "command 0 (dispatch): buffer (1, 1) is bound as input 'a' and output 'y'"
    )


def test_dispatch_buffer_as_two_outputs():
    table = make_table()
    graph = table.get(ObjectKind.GRAPH, GRAPH)
    graph.outputs["z"] = F32
    assert finish_error([dispatch(outputs={"y": Z, "z": Z})], table) == PREFIX + (
        "command 0 (dispatch): buffer (3, 1) is bound as outputs 'y' and 'z'"
    )
    assert run_finish(make_table(), [dispatch()]) is None


def test_commands_per_buffer_limit():
    limits = cv.CommandLimits(max_commands_per_submit=2)
    assert finish_error([copy()] * 3, limits=limits) == PREFIX + (
        "3 commands exceed the per-submit limit 2"
    )


def test_command_buffer_quota():
    table = make_table()
    table.quotas = ClientQuotas(max_objects=len(table))
    error = run_finish(table, [])
    assert error == NPUError(
        "validation", f"COMMAND_BUFFER (1, 1): the client already holds {len(table) - 1} objects"
    )


# --- stage 3: submit rules --------------------------------------------------------------------


def finished(table=None, commands=(), handles=(CB,)):
    table = table or make_table()
    for index, handle in enumerate(handles):
        encoder = H(10 + index, 1)
        table.create(ObjectKind.COMMAND_ENCODER, encoder, CommandEncoderState(DEVICE))
        message = gen.NPUCommandEncoderFinish(
            encoder, handle, gen.NPUCommandBufferDescriptor(""), len(commands), b""
        )
        assert cv.finish(table, message, list(commands)) is None
    return table


def submit_error(table, handles=(CB,), **kwargs) -> str:
    buffers, error = run_submit(table, handles, **kwargs)
    assert buffers == () and error is not None and error.filter == "validation"
    return error.message


def test_submit_invalid_command_buffer():
    table = make_table()
    run_finish(table, [copy(size=17)])
    assert submit_error(table) == (
        "submit: command buffer (1, 1) is invalid (finish of encoder (1, 1): command 0 "
        "(copyBufferToBuffer): source range [0, 17) exceeds the size 16 of buffer (1, 1))"
    )


def test_submit_twice_and_consumed_even_when_invalid():
    table = finished(commands=[copy()], handles=(H(1, 1), H(2, 1)))
    buf(table, X).map_state = "mapped"
    assert submit_error(table, [H(1, 1)]).endswith("is mapped")
    buf(table, X).map_state = "unmapped"
    assert submit_error(table, [H(1, 1)]) == "submit: command buffer (1, 1) was already submitted"
    assert run_submit(table, [H(2, 1)])[1] is None


def test_submit_listed_twice():
    table = finished()
    assert submit_error(table, [H(1, 1), H(1, 1)]) == (
        "submit: command buffer (1, 1) is listed more than once"
    )


def test_submit_on_another_device():
    table = finished()
    table.get(ObjectKind.QUEUE, QUEUE).device = OTHER_DEVICE
    assert (
        submit_error(table)
        == "submit: command buffer (1, 1) belongs to another device than the queue"
    )


@pytest.mark.parametrize(
    "state, message",
    [
        ("mapped", "buffer (1, 1) (source) is mapped"),
        ("pending", "buffer (1, 1) (source) is pending"),
    ],
)
def test_submit_mapped_buffer(state, message):
    table = finished(commands=[copy()])
    buf(table, X).map_state = state
    assert submit_error(table) == (
        f"submit: command buffer (1, 1) command 0 (copyBufferToBuffer): {message}"
    )


def test_submit_destroyed_buffer():
    table = finished(commands=[dispatch()])
    table.destroy_buffer(Z)
    assert submit_error(table) == (
        "submit: command buffer (1, 1) command 0 (dispatch): buffer (3, 1) (y) is destroyed"
    )


def test_submit_destroyed_graph():
    table = finished(commands=[copy(), dispatch()])
    table.get(ObjectKind.GRAPH, GRAPH).destroyed = True
    assert submit_error(table) == (
        "submit: command buffer (1, 1) command 1 (dispatch): graph (1, 1) is destroyed"
    )


def test_released_handles_keep_their_objects_in_a_finished_buffer():
    table = finished(commands=[copy()])
    source = table.release(ObjectKind.BUFFER, X)
    buffers, error = run_submit(table)
    assert error is None and buffers[0].commands[0].source.buffer is source


def test_submit_command_limit():
    table = finished(commands=[copy(), copy()], handles=(H(1, 1), H(2, 1)))
    limits = cv.CommandLimits(max_commands_per_submit=3)
    assert submit_error(table, [H(1, 1), H(2, 1)], limits=limits) == (
        "submit: more than 3 commands in one submit"
    )


def test_submit_pending_limit():
    table = finished()
    assert submit_error(table, pending=64) == "submit: 64 submits are already pending (limit 64)"
