"""One test per validation rule of the service (docs/wire.md §4, §4.1, §5), through the bindings.

Each test (a) breaks one rule through `python_service.client`, (b) checks the error arrives where
WebGPU semantics put it (the error scope, with the exact NPUError class and a message fragment
naming the rule, or the promise's rejection type), and (c) shows the service keeps serving the
same client: a run of a one-op add graph on the same device gives the right numbers
(`assert_serves`). `RULES` is the table of rules (key -> the message fragment asserted);
`test_every_service_rule_message_is_covered` keeps it honest against the validators' source.

Where each family is tested:

| family                           | where the error goes           | tests                        |
|----------------------------------|--------------------------------|------------------------------|
| createBuffer descriptor          | validation scope               | test_create_buffer_rule      |
| using an error buffer            | scope / rejection              | test_error_buffer_*          |
| client memory quota              | out-of-memory scope            | test_memory_quota            |
| service memory budget            | out-of-memory scope            | test_memory_budget_*         |
| object / buffer / graph quotas   | validation scope, build reject | test_*_quota (in-process)    |
| queued-operation quota           | validation scope / rejection   | test_queued_operations_quota |
| work behind a device's loss      | AbortError rejection           | test_read_behind_device_loss |
| writeBuffer                      | validation scope               | test_write_buffer_*          |
| readBuffer                       | OperationError rejection       | test_read_buffer_*           |
| copyBufferToBuffer (at finish)   | validation scope at finish     | test_copy_rule, test_copy_*  |
| dispatch (at finish)             | validation scope at finish     | test_dispatch_*              |
| finish                           | validation scope at finish     | test_finish_*                |
| submit                           | validation scope at submit     | test_submit_*                |
| mapAsync (§4.1)                  | OperationError rejection       | test_map_async_*             |
| requestDevice                    | TypeError / OperationError     | test_request_device_*        |
| build (not pre-checked)          | TypeError rejection            | test_build_*                 |
| build (pre-checked, via wire)    | TypeError rejection            | test_wire_build_*            |
| loadModel                        | OperationError rejection       | test_load_model_rule         |
| popErrorScope                    | OperationError rejection       | test_pop_error_scope_empty   |

Not reachable through the bindings, and why (each is still checked by the honesty test):
the queue-invalid rules (a queue is created with its device and cannot be an error object);
"the graph is invalid" in dispatch (a graph that fails creation leaves no handle); the
writeBuffer data range (the client checks it and always sends the whole range); the mapState
rule of mapAsync (the client rejects first); `maxBuffersPerClient` on the real service (the
object quota, equal to it, always fires first: tested in-process with small quotas).
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from python_service.client import DOMException, WebIDLTypeError
from python_service.generated import wire as gen
from python_service.generated.interfaces import NPUBufferUsage as U
from python_service.generated.interfaces import NPUMapMode as M
from python_service.generated.interfaces import (
    NPUOutOfMemoryError,
    NPUValidationError,
)
from python_service.service import client_session as cs
from python_service.service import command_validator as cv
from python_service.service.objects import ClientQuotas, MemoryBudget, ObjectTable
from python_service.shared import graph as g
from python_service.shared.tensors import OperandDescriptor
from python_service.wire import graph as wire_graph
from tests.e2e.conftest import TIMEOUT, descriptor
from tests.e2e.validation_support import (
    A,
    B,
    add_graph,
    assert_serves,
    buffer,
    captured,
    held_queue,
    message_templates,
    small_quota_device,
)
from tests.service import session_support as ss

# [EnforceRange] unsigned long long tops out at 2**53 - 1 (WebIDL; docs/wire.md §3.3).
U53_MAX = 2**53 - 1
F32x2 = {"tensor": descriptor("float32", [2])}

# The rules: key -> the message fragment the test asserts (a piece of the service's message).
RULES = {
    # createBuffer (client_session._check_buffer_descriptor)
    "buffer.max_size": "exceeds maxBufferSize",
    "buffer.usage_empty": "usage is empty",
    "buffer.usage_unknown": "has unknown bits",
    "buffer.map_read_combo": "MAP_READ may only be combined with COPY_DST",
    "buffer.map_write_combo": "MAP_WRITE may only be combined with COPY_SRC",
    "buffer.tensor_invalid": "tensor: dimension 0 is 0, outside",
    "buffer.tensor_too_large": "tensor: byte length of float32[1073741824] exceeds",
    "buffer.tensor_size": "bytes, but size is",
    # quotas (objects.ObjectTable._quota_error)
    "quota.memory": "bytes would exceed the client's memory quota",
    "quota.objects": "the client already holds",
    "quota.buffers": "maxBuffersPerClient (3) buffers exist",
    "quota.graphs": "maxGraphsPerClient (1) graphs exist",
    "quota.budget": "bytes do not fit in the service's memory budget",
    "quota.budget_data": "bytes of data do not fit in the service's memory budget",
    "quota.queued": "4 queue operations are already waiting (limit 4)",
    "lost.read": "readBuffer: the device was lost",
    # queue uses of a buffer (client_session._check_buffer_use), writeBuffer and readBuffer
    "use.invalid": "the buffer is invalid (",
    "queue.invalid": "the queue is invalid (",
    "use.device": "the buffer belongs to another device than the queue",
    "use.destroyed": "the buffer is destroyed",
    "use.copy_dst": "the buffer lacks the COPY_DST usage",
    "use.copy_src": "the buffer lacks the COPY_SRC usage",
    "use.mapped": "the buffer is mapped",
    "use.pending": "the buffer is pending",
    "write.range": "exceeds the buffer's size",
    "write.data_range": "bytes of data",
    "read.range": "exceeds the buffer's size",
    # finish: objects
    "object.invalid": "is invalid (createBuffer",
    "object.device": "belongs to device",
    # finish: copyBufferToBuffer
    "copy.src_usage": "lacks the COPY_SRC usage",
    "copy.dst_usage": "lacks the COPY_DST usage",
    "copy.src_range": "source range [9007199254740984, 9007199254741000) exceeds the size 16 of",
    "copy.dst_range": (
        "destination range [9007199254740984, 9007199254741000) exceeds the size 16 of"
    ),
    "copy.overlap": "source range [0, 8) and destination range [4, 12) overlap in buffer",
    # finish: dispatch
    "dispatch.max_inputs": "65 inputs exceed maxDispatchInputs 64",
    "dispatch.max_outputs": "65 outputs exceed maxDispatchOutputs 64",
    "dispatch.unknown_input": "input 'c' is not an input of the graph",
    "dispatch.unbound_input": "the graph's input 'b' is not bound",
    "dispatch.unknown_output": "output 'z' is not an output of the graph",
    "dispatch.unbound_output": "the graph's output 'y' is not bound",
    "dispatch.input_usage": "lacks the INPUT usage",
    "dispatch.output_usage": "lacks the OUTPUT usage",
    "dispatch.tensor_type": "holds int32[2], but the graph's input is float32[2]",
    "dispatch.tensor_shape": "holds float32[1, 2], but the graph's input is float32[2]",
    "dispatch.size": "has size 12, but float32[2] is 8 bytes",
    "dispatch.in_and_out": "is bound as input 'a' and output 'y'",
    "dispatch.two_outputs": "is bound as outputs 'y' and 'z'",
    # finish: the encoder and the stream
    "finish.twice": "the encoder is already finished",
    "finish.commands": "16385 commands exceed the per-submit limit 16384",
    # submit (command_validator._check_submit / _check_state)
    "submit.pending": "64 submits are already pending (limit 64)",
    "submit.twice_listed": "is listed more than once",
    "submit.already": "was already submitted",
    "submit.invalid": "is invalid (finish of encoder",
    "submit.device": "belongs to another device than the queue",
    "submit.commands": "more than 16384 commands in one submit",
    "submit.graph_destroyed": "is destroyed",
    "submit.buffer_destroyed": "(source) is destroyed",
    "submit.mapped": "(destination) is mapped",
    "submit.pending_map": "(destination) is pending",
    # mapAsync (client_session.ClientSession._map_problem)
    "map.mode": "mode 0x3 is not exactly one of READ (0x1) and WRITE (0x2)",
    "map.usage": "mode READ needs the MAP_READ usage",
    "map.offset_align": "offset 4 is not a multiple of 8",
    "map.offset_past": "offset 16 exceeds the buffer's size 8",
    "map.size_align": "size 6 is not a multiple of 4",
    "map.range": "range [8, 9007199254740996) exceeds the buffer's size 16",
    "map.zero": "a zero-size buffer has no memory to map",
    "map.destroyed": "the buffer is destroyed",
    "map.invalid": "the buffer is invalid (",
    "map.lost": "the buffer's device is lost",
    # requestDevice
    "device.feature": "not supported",
    "device.unknown_limit": "unknown limit 'maxFrobs'",
    "device.limit": "maxBufferSize 9007199254740991 exceeds the adapter's",
    # build (validate_graph rules the client does not pre-check, and wire-only ones)
    "build.no_output": "at least one output is required",
    "build.empty_name": "output (operand 3): the name must not be empty",
    "build.name_used": "the name is already used",
    "build.input_output": "a graph input cannot be an output",
    "build.constant_output": "a graph constant cannot be an output",
    "build.operands": "operands exceed maxGraphOperands 65536",
    "build.twice": "the builder has already built a graph",
    "build.device_gone": "the builder's device is gone or lost",
    "build.output_undefined": "output 'y' (operand 99): the operand is not defined",
    "build.shapes": "operation 0",
    # popErrorScope
    "scope.empty": "the error scope stack is empty",
}


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def graph(device):
    return add_graph(device)


@pytest.fixture
def other_device(adapter):
    """A second device on the same connection (same client)."""
    return adapter.request_device().result(TIMEOUT)


def validation(device, action) -> str:
    """The validation error `action` leaves in a scope, as its message (fails if none)."""
    error = captured(device, action)
    assert isinstance(error, NPUValidationError), error
    return error.message


def rejection(promise, name: str = "OperationError") -> str:
    with pytest.raises(DOMException) as info:
        promise.result(TIMEOUT)
    assert info.value.name == name
    return info.value.message


def io_buffers(device):
    inputs = {n: buffer(device, 8, U.INPUT | U.COPY_DST, **F32x2) for n in "ab"}
    return inputs, {"y": buffer(device, 8, U.OUTPUT | U.COPY_SRC, **F32x2)}


def finish_error(device, record) -> str:
    """Record commands with `record(encoder)`; the validation error `finish` reports."""
    encoder = device.create_command_encoder()
    record(encoder)
    return validation(device, encoder.finish)


# --- createBuffer -------------------------------------------------------------------------


CREATE_CASES = {
    "buffer.max_size": {"size": U53_MAX, "usage": U.COPY_DST},
    "buffer.usage_empty": {"size": 8, "usage": 0},
    "buffer.usage_unknown": {"size": 8, "usage": U.COPY_DST | 0x40},
    "buffer.map_read_combo": {"size": 8, "usage": U.MAP_READ | U.COPY_SRC},
    "buffer.map_write_combo": {"size": 8, "usage": U.MAP_WRITE | U.COPY_DST},
    "buffer.tensor_invalid": {"size": 0, "usage": U.INPUT, "tensor": descriptor("float32", [0])},
    "buffer.tensor_too_large": {
        "size": 8,
        "usage": U.INPUT,
        "tensor": descriptor("float32", [2**30]),
    },
    "buffer.tensor_size": {"size": 12, "usage": U.INPUT, "tensor": descriptor("float32", [2])},
}


@pytest.mark.parametrize("rule", list(CREATE_CASES))
def test_create_buffer_rule(device, graph, rule):
    message = validation(device, lambda: device.create_buffer(CREATE_CASES[rule]))
    assert RULES[rule] in message and "createBuffer" in message
    assert_serves(device, graph)


def test_enforce_range_u64_above_2_53_is_a_type_error(device, graph):
    # WebIDL caps [EnforceRange] 64-bit integers at 2**53 - 1, and so does the wire: the
    # client must throw rather than send a value the service drops the connection for.
    with pytest.raises(WebIDLTypeError):
        device.create_buffer({"size": 2**53, "usage": U.COPY_DST})
    assert_serves(device, graph)


def test_memory_quota(device, graph):
    # 1 GiB + 1 is within maxBufferSize (2 GiB - 1) but over the 1 GiB client quota: an
    # out-of-memory error, not a validation error, and nothing is allocated.
    size = (1 << 30) + 1
    device.push_error_scope("validation")
    error = captured(device, lambda: buffer(device, size, U.COPY_DST), "out-of-memory")
    assert device.pop_error_scope().result(TIMEOUT) is None
    assert isinstance(error, NPUOutOfMemoryError), error
    assert RULES["quota.memory"] in error.message
    assert_serves(device, graph)


# --- error buffers used later ----------------------------------------------------------------


def test_error_buffer_in_write_and_read(device, graph):
    device.push_error_scope("validation")
    bad = buffer(device, 8, 0)  # an error buffer
    assert isinstance(device.pop_error_scope().result(TIMEOUT), NPUValidationError)
    message = validation(device, lambda: device.queue.write_buffer(bad, 0, A))
    assert RULES["use.invalid"] in message and "usage is empty" in message
    message = rejection(device.queue.read_buffer(bad))
    assert RULES["use.invalid"] in message
    assert_serves(device, graph)


def test_error_buffer_in_dispatch_and_copy(device, graph):
    device.push_error_scope("validation")
    bad = buffer(device, 8, 0)
    assert isinstance(device.pop_error_scope().result(TIMEOUT), NPUValidationError)
    inputs, outputs = io_buffers(device)
    message = finish_error(
        device, lambda e: e.dispatch(graph, {"a": bad, "b": inputs["b"]}, outputs)
    )
    assert RULES["object.invalid"] in message and "input 'a'" in message
    good = buffer(device, 8, U.COPY_DST)
    message = finish_error(device, lambda e: e.copy_buffer_to_buffer(bad, 0, good, 0, 8))
    assert RULES["object.invalid"] in message and "source buffer" in message
    assert_serves(device, graph)


# --- writeBuffer ----------------------------------------------------------------------------


def test_write_buffer_lacks_copy_dst(device, graph):
    target = buffer(device, 8, U.COPY_SRC)
    message = validation(device, lambda: device.queue.write_buffer(target, 0, A))
    assert RULES["use.copy_dst"] in message and "writeBuffer" in message
    assert_serves(device, graph)


@pytest.mark.parametrize("offset", [8, 4, U53_MAX])
def test_write_buffer_range(device, graph, offset):
    target = buffer(device, 8, U.COPY_DST | U.COPY_SRC)
    message = validation(device, lambda: device.queue.write_buffer(target, offset, A))
    assert RULES["write.range"] in message and f"range [{offset}, {offset + 8})" in message
    # Nothing was written.
    assert bytes(device.queue.read_buffer(target).result(TIMEOUT)) == bytes(8)
    assert_serves(device, graph)


def test_write_buffer_destroyed(device, graph):
    target = buffer(device, 8, U.COPY_DST)
    target.destroy()
    message = validation(device, lambda: device.queue.write_buffer(target, 0, A))
    assert RULES["use.destroyed"] in message
    assert_serves(device, graph)


def test_write_buffer_other_device(device, other_device, graph):
    target = buffer(other_device, 8, U.COPY_DST)
    message = validation(device, lambda: device.queue.write_buffer(target, 0, A))
    assert RULES["use.device"] in message
    assert_serves(device, graph)


def test_write_buffer_mapped(device, graph):
    target = buffer(device, 8, U.MAP_READ | U.COPY_DST)
    target.map_async(M.READ).result(TIMEOUT)
    message = validation(device, lambda: device.queue.write_buffer(target, 0, A))
    assert RULES["use.mapped"] in message
    target.unmap()
    assert_serves(device, graph)


@pytest.fixture
def held():
    """A device on an in-process session whose queue a test can hold (`held_queue`), with an
    add graph built before anything is held."""
    with small_quota_device(ClientQuotas()) as (device, session):
        yield device, session, add_graph(device)


def test_write_buffer_pending(held):
    device, session, graph = held
    target = buffer(device, 8, U.MAP_READ | U.COPY_DST)
    with held_queue(session):  # the map stays "pending" behind the hold
        mapped = target.map_async(M.READ)
        message = validation(device, lambda: device.queue.write_buffer(target, 0, A))
        assert RULES["use.pending"] in message
    mapped.result(TIMEOUT)
    target.unmap()
    assert_serves(device, graph)


def test_write_buffer_data_range_client_side(device, graph):
    # The bindings check the data range themselves and always send the whole range, so the
    # service's rule is reached only through the wire (test_wire_write_buffer_data_range).
    target = buffer(device, 8, U.COPY_DST)
    with pytest.raises(DOMException) as info:
        device.queue.write_buffer(target, 0, A, 3)
    assert info.value.name == "OperationError"
    assert_serves(device, graph)


def test_wire_write_buffer_data_range(host):
    client = ss.Client(host.connect())
    ss.open_device(client)
    client.send(
        ss.create_buffer(ss.H(9, 1), (2,), U.COPY_DST),
        gen.NPUDevicePushErrorScope(ss.DEVICE, "validation"),
        gen.NPUQueueWriteBuffer(ss.QUEUE, ss.H(9, 1), 0, bytes(8), 4, 8),
    )
    (pop,) = client.send(gen.NPUDevicePopErrorScope(ss.DEVICE))
    report = client.reply(pop).error
    assert report.type == "validation"
    assert RULES["write.data_range"] in report.message
    assert "data range [4, 12) exceeds the 8 bytes of data" in report.message
    ss.run_add_relu(client, (2, 3))
    client.channel.close()


# --- readBuffer -----------------------------------------------------------------------------


def test_read_buffer_lacks_copy_src(device, graph):
    source = buffer(device, 8, U.COPY_DST)
    assert RULES["use.copy_src"] in rejection(device.queue.read_buffer(source))
    assert_serves(device, graph)


@pytest.mark.parametrize(
    ("offset", "size", "text"),
    [(12, None, "range [12, 12)"), (0, 12, "range [0, 12)"), (U53_MAX, 8, f"[{U53_MAX},")],
)
def test_read_buffer_range(device, graph, offset, size, text):
    source = buffer(device, 8, U.COPY_SRC)
    message = rejection(device.queue.read_buffer(source, offset, size))
    assert RULES["read.range"] in message and text in message
    assert_serves(device, graph)


def test_read_buffer_destroyed(device, graph):
    source = buffer(device, 8, U.COPY_SRC)
    source.destroy()
    assert RULES["use.destroyed"] in rejection(device.queue.read_buffer(source))
    assert_serves(device, graph)


def test_read_buffer_other_device(device, other_device, graph):
    source = buffer(other_device, 8, U.COPY_SRC)
    assert RULES["use.device"] in rejection(device.queue.read_buffer(source))
    assert_serves(device, graph)


def test_read_buffer_mapped(device, graph):
    source = buffer(device, 8, U.MAP_WRITE | U.COPY_SRC)
    source.map_async(M.WRITE).result(TIMEOUT)
    assert RULES["use.mapped"] in rejection(device.queue.read_buffer(source))
    source.unmap()
    assert_serves(device, graph)


# --- copyBufferToBuffer (finish) ------------------------------------------------------------


def test_copy_rule_usage(device, graph):
    plain = buffer(device, 16, U.COPY_DST)
    other = buffer(device, 16, U.COPY_SRC)
    message = finish_error(device, lambda e: e.copy_buffer_to_buffer(plain, 0, plain, 8, 8))
    assert RULES["copy.src_usage"] in message and "source buffer" in message
    message = finish_error(device, lambda e: e.copy_buffer_to_buffer(other, 0, other, 8, 8))
    assert RULES["copy.dst_usage"] in message and "destination buffer" in message
    assert_serves(device, graph)


@pytest.mark.parametrize("rule", ["copy.src_range", "copy.dst_range"])
def test_copy_range_overflow_safe(device, graph, rule):
    # The largest offsets the bindings and the wire accept: offset + size is past 2**53, where
    # a double would round, and the check is on exact ints.
    src = buffer(device, 16, U.COPY_SRC)
    dst = buffer(device, 16, U.COPY_DST)
    big = 2**53 - 8
    so, do = (big, 0) if rule == "copy.src_range" else (0, big)
    message = finish_error(device, lambda e: e.copy_buffer_to_buffer(src, so, dst, do, 16))
    assert RULES[rule] in message
    assert_serves(device, graph)


def test_copy_overlap(device, graph):
    both = buffer(device, 16, U.COPY_SRC | U.COPY_DST)
    message = finish_error(device, lambda e: e.copy_buffer_to_buffer(both, 0, both, 4, 8))
    assert RULES["copy.overlap"] in message
    # Adjacent ranges in the same buffer are fine.
    encoder = device.create_command_encoder()
    encoder.copy_buffer_to_buffer(both, 0, both, 8, 8)
    assert captured(device, lambda: device.queue.submit([encoder.finish()])) is None
    assert_serves(device, graph)


def test_copy_other_device(device, other_device, graph):
    mine = buffer(device, 8, U.COPY_DST)
    theirs = buffer(other_device, 8, U.COPY_SRC)
    message = finish_error(device, lambda e: e.copy_buffer_to_buffer(theirs, 0, mine, 0, 8))
    assert (
        RULES["object.device"] in message
        and "not the encoder's" in message
        and "source buffer" in message
    )
    mine_src = buffer(device, 8, U.COPY_SRC)
    theirs_dst = buffer(other_device, 8, U.COPY_DST)
    message = finish_error(device, lambda e: e.copy_buffer_to_buffer(mine_src, 0, theirs_dst, 0, 8))
    assert (
        RULES["object.device"] in message
        and "not the encoder's" in message
        and "destination buffer" in message
    )
    assert_serves(device, graph)


# --- dispatch (finish) ----------------------------------------------------------------------


def test_dispatch_max_inputs(device, graph):
    inputs, outputs = io_buffers(device)
    many = {f"i{k}": inputs["a"] for k in range(65)}
    message = finish_error(device, lambda e: e.dispatch(graph, many, outputs))
    assert RULES["dispatch.max_inputs"] in message
    assert_serves(device, graph)


def test_dispatch_max_outputs(device, graph):
    inputs, outputs = io_buffers(device)
    many = {f"o{k}": outputs["y"] for k in range(65)}
    message = finish_error(device, lambda e: e.dispatch(graph, inputs, many))
    assert RULES["dispatch.max_outputs"] in message
    assert_serves(device, graph)


@pytest.mark.parametrize(
    "rule",
    [
        "dispatch.unknown_input",
        "dispatch.unbound_input",
        "dispatch.unknown_output",
        "dispatch.unbound_output",
    ],
)
def test_dispatch_names(device, graph, rule):
    inputs, outputs = io_buffers(device)
    if rule == "dispatch.unknown_input":
        inputs["c"] = inputs["a"]
    elif rule == "dispatch.unbound_input":
        del inputs["b"]
    elif rule == "dispatch.unknown_output":
        outputs["z"] = buffer(device, 8, U.OUTPUT, **F32x2)
    else:
        outputs = {}
    message = finish_error(device, lambda e: e.dispatch(graph, inputs, outputs))
    assert RULES[rule] in message and "command 0 (dispatch)" in message
    assert_serves(device, graph)


@pytest.mark.parametrize("rule", ["dispatch.input_usage", "dispatch.output_usage"])
def test_dispatch_usage(device, graph, rule):
    inputs, outputs = io_buffers(device)
    if rule == "dispatch.input_usage":
        inputs["a"] = buffer(device, 8, U.OUTPUT | U.COPY_DST, **F32x2)
    else:
        outputs["y"] = buffer(device, 8, U.INPUT | U.COPY_SRC, **F32x2)
    message = finish_error(device, lambda e: e.dispatch(graph, inputs, outputs))
    assert RULES[rule] in message
    assert_serves(device, graph)


@pytest.mark.parametrize(
    ("rule", "extra"),
    [
        ("dispatch.tensor_type", {"size": 8, "tensor": descriptor("int32", [2])}),
        ("dispatch.tensor_shape", {"size": 8, "tensor": descriptor("float32", [1, 2])}),
        ("dispatch.size", {"size": 12}),
    ],
)
def test_dispatch_tensor(device, graph, rule, extra):
    inputs, outputs = io_buffers(device)
    inputs["a"] = device.create_buffer({"usage": U.INPUT | U.COPY_DST, **extra})
    message = finish_error(device, lambda e: e.dispatch(graph, inputs, outputs))
    assert RULES[rule] in message and "input 'a'" in message
    assert_serves(device, graph)


def test_dispatch_untyped_buffers_of_the_right_size_are_fine(device, graph):
    inputs = {n: buffer(device, 8, U.INPUT | U.COPY_DST) for n in "ab"}
    outputs = {"y": buffer(device, 8, U.OUTPUT | U.COPY_SRC)}
    device.queue.write_buffer(inputs["a"], 0, A)
    device.queue.write_buffer(inputs["b"], 0, B)
    encoder = device.create_command_encoder()
    encoder.dispatch(graph, inputs, outputs)
    assert captured(device, lambda: device.queue.submit([encoder.finish()])) is None
    data = device.queue.read_buffer(outputs["y"]).result(TIMEOUT)
    np.testing.assert_array_equal(np.frombuffer(data, np.float32), A + B)


def test_dispatch_buffer_as_input_and_output(device, graph):
    inputs, _ = io_buffers(device)
    both = buffer(device, 8, U.INPUT | U.OUTPUT, **F32x2)
    message = finish_error(
        device, lambda e: e.dispatch(graph, {"a": both, "b": inputs["b"]}, {"y": both})
    )
    assert RULES["dispatch.in_and_out"] in message
    assert_serves(device, graph)


def test_dispatch_buffer_as_two_outputs(device, graph):
    builder = device.create_graph_builder()
    a = builder.input("a", descriptor("float32", [2]))
    b = builder.input("b", descriptor("float32", [2]))
    two = builder.build({"y": builder.add(a, b), "z": builder.sub(a, b)}).result(TIMEOUT)
    inputs, outputs = io_buffers(device)
    out = outputs["y"]
    message = finish_error(device, lambda e: e.dispatch(two, inputs, {"y": out, "z": out}))
    assert RULES["dispatch.two_outputs"] in message
    assert_serves(device, graph)


def test_dispatch_other_device(device, other_device, graph):
    inputs, outputs = io_buffers(device)
    theirs = add_graph(other_device)
    message = finish_error(device, lambda e: e.dispatch(theirs, inputs, outputs))
    assert (
        RULES["object.device"] in message and "not the encoder's" in message and "graph" in message
    )
    inputs["b"] = buffer(other_device, 8, U.INPUT, **F32x2)
    message = finish_error(device, lambda e: e.dispatch(graph, inputs, outputs))
    assert (
        RULES["object.device"] in message
        and "not the encoder's" in message
        and "input 'b'" in message
    )
    assert_serves(device, graph)
    assert_serves(other_device, theirs)


# --- finish ---------------------------------------------------------------------------------


def test_finish_twice(device, graph):
    encoder = device.create_command_encoder()
    assert captured(device, encoder.finish) is None
    message = validation(device, encoder.finish)
    assert RULES["finish.twice"] in message
    assert_serves(device, graph)


def test_finish_too_many_commands(device, graph):
    src = buffer(device, 8, U.COPY_SRC)
    dst = buffer(device, 8, U.COPY_DST)

    def record(encoder):
        for _ in range(16_385):
            encoder.copy_buffer_to_buffer(src, 0, dst, 0, 0)

    assert RULES["finish.commands"] in finish_error(device, record)
    assert_serves(device, graph)


# --- submit ---------------------------------------------------------------------------------


def copy_commands(device, count: int = 1):
    src = buffer(device, 8, U.COPY_SRC)
    dst = buffer(device, 8, U.COPY_DST)
    encoder = device.create_command_encoder()
    for _ in range(count):
        encoder.copy_buffer_to_buffer(src, 0, dst, 0, 8)
    return encoder.finish(), src, dst


def submit_error(device, buffers) -> str:
    return validation(device, lambda: device.queue.submit(buffers))


def test_submit_invalid_command_buffer(device, graph):
    encoder = device.create_command_encoder()
    encoder.dispatch(graph, {}, {})
    commands = captured(device, encoder.finish)
    assert isinstance(commands, NPUValidationError)
    encoder = device.create_command_encoder()
    encoder.dispatch(graph, {}, {})
    device.push_error_scope("validation")
    invalid = encoder.finish()
    device.pop_error_scope().result(TIMEOUT)
    assert RULES["submit.invalid"] in submit_error(device, [invalid])
    assert_serves(device, graph)


def test_submit_twice(device, graph):
    commands, _src, _dst = copy_commands(device)
    assert captured(device, lambda: device.queue.submit([commands])) is None
    assert RULES["submit.already"] in submit_error(device, [commands])
    assert_serves(device, graph)


def test_submit_listed_twice(device, graph):
    commands, _src, dst = copy_commands(device)
    assert RULES["submit.twice_listed"] in submit_error(device, [commands, commands])
    # Consumed although invalid (WebGPU): a later submit of it fails as already submitted.
    assert RULES["submit.already"] in submit_error(device, [commands])
    assert_serves(device, graph)


def test_submit_other_device(device, other_device, graph):
    theirs, _src, _dst = copy_commands(other_device)
    assert RULES["submit.device"] in submit_error(device, [theirs])
    assert_serves(device, graph)
    assert_serves(other_device)


def test_submit_destroyed_buffer(device, graph):
    commands, src, _dst = copy_commands(device)
    src.destroy()
    message = submit_error(device, [commands])
    assert RULES["submit.buffer_destroyed"] in message
    assert_serves(device, graph)


def test_submit_destroyed_graph(device):
    graph = add_graph(device)
    inputs, outputs = io_buffers(device)
    encoder = device.create_command_encoder()
    encoder.dispatch(graph, inputs, outputs)
    commands = encoder.finish()
    graph.destroy()
    message = submit_error(device, [commands])
    assert RULES["submit.graph_destroyed"] in message and "graph" in message
    assert_serves(device)


def test_submit_mapped_buffer(device, graph):
    src = buffer(device, 8, U.COPY_SRC)
    dst = buffer(device, 8, U.MAP_READ | U.COPY_DST)
    encoder = device.create_command_encoder()
    encoder.copy_buffer_to_buffer(src, 0, dst, 0, 8)
    commands = encoder.finish()
    dst.map_async(M.READ).result(TIMEOUT)
    assert RULES["submit.mapped"] in submit_error(device, [commands])
    dst.unmap()
    assert_serves(device, graph)


def test_submit_pending_map_buffer(held):
    device, session, graph = held
    src = buffer(device, 8, U.COPY_SRC)
    dst = buffer(device, 8, U.MAP_READ | U.COPY_DST)
    encoder = device.create_command_encoder()
    encoder.copy_buffer_to_buffer(src, 0, dst, 0, 8)
    commands = encoder.finish()
    with held_queue(session):
        mapped = dst.map_async(M.READ)
        assert RULES["submit.pending_map"] in submit_error(device, [commands])
    mapped.result(TIMEOUT)
    dst.unmap()
    assert_serves(device, graph)


def test_submit_pending_quota(held):
    device, session, graph = held
    empties = [device.create_command_encoder().finish() for _ in range(65)]
    with held_queue(session):
        device.push_error_scope("validation")
        for commands in empties[:64]:  # pending submits 1..64
            device.queue.submit([commands])
        assert device.pop_error_scope().result(TIMEOUT) is None
        message = submit_error(device, [empties[64]])
        assert RULES["submit.pending"] in message
    device.queue.on_submitted_work_done().result(TIMEOUT)
    # Below the quota again: a submit goes through.
    fresh = device.create_command_encoder().finish()
    assert captured(device, lambda: device.queue.submit([fresh])) is None
    assert_serves(device, graph)


def test_submit_too_many_commands(device, graph):
    first, *_keep1 = copy_commands(device, 8_192)
    second, *_keep2 = copy_commands(device, 8_193)
    assert RULES["submit.commands"] in submit_error(device, [first, second])
    assert_serves(device, graph)


# --- quotas reached in-process (the real service's are too large to reach fast) ------------


def test_object_quota_through_encoders(device, graph):
    # 65,536 live objects per client; encoders are the cheapest object (no memory).
    # Live now: the NPU, the adapter, the device, its queue and the graph (the builder that
    # built it was released), so 65,531 encoders fit and the next one is over the quota.
    start = time.monotonic()
    held: list = []

    def fill() -> None:
        held.extend(device.create_command_encoder() for _ in range(65_536 - 5))

    assert captured(device, fill) is None
    last = validation(device, device.create_command_encoder)
    assert RULES["quota.objects"] in last and "65536 objects" in last
    assert time.monotonic() - start < 10
    held.clear()  # released with the next frame: the client is back under the quota
    assert_serves(device, graph)


def test_buffer_count_quota_in_process():
    with small_quota_device(ClientQuotas(max_buffers=3)) as (device, session):
        assert device.limits.max_buffers_per_client == 3  # what is enforced is advertised
        graph = add_graph(device)  # 0 buffers
        held = [buffer(device, 8, U.COPY_DST) for _ in range(3)]
        message = validation(device, lambda: buffer(device, 8, U.COPY_DST))
        assert RULES["quota.buffers"] in message
        del held
        assert_serves(device, graph)  # run_graph's 3 buffers fit once the others are released
        assert not session.closed


def test_an_invalid_queue_reports_to_its_device_and_keeps_the_client_in_process():
    # Three objects: the adapter, the device, then its queue is over the quota, an error
    # object. Every use of it is a validation error on its device (as WebGPU reports an
    # invalid object's errors), never a dropped client; before the fix, writeBuffer and
    # onSubmittedWorkDone raised inside the session and dropped a correct client, and a
    # submit's error was reported nowhere (found by fuzz/vectors/world/submit_invalid_queue).
    with small_quota_device(ClientQuotas(max_objects=3)) as (device, session):
        assert RULES["queue.invalid"] in validation(device, lambda: device.queue.submit([]))
        target = buffer(device, 8, U.COPY_DST)  # over the quota too: an error buffer
        write = lambda: device.queue.write_buffer(target, 0, A)  # noqa: E731
        assert RULES["queue.invalid"] in validation(device, write)
        assert RULES["queue.invalid"] in rejection(device.queue.on_submitted_work_done())
        assert not session.closed


def test_graph_count_quota_in_process():
    with small_quota_device(ClientQuotas(max_graphs=1)) as (device, session):
        assert device.limits.max_graphs_per_client == 1
        graph = add_graph(device)
        message = rejection(add_graph_promise(device))
        assert RULES["quota.graphs"] in message
        assert_serves(device, graph)
        assert not session.closed


def test_memory_budget_shared_by_clients_in_process():
    # The budget is the service's, not the client's: under the 1 GiB client quota, a buffer
    # that does not fit in what the budget has left is an out-of-memory error, and so is a
    # writeBuffer whose data would have to be mapped over the budget.
    budget = MemoryBudget(200 << 10)
    with small_quota_device(ClientQuotas(), budget) as (device, session):
        graph = add_graph(device)
        held = buffer(device, 128 << 10, U.COPY_DST)  # under 72 KiB left
        error = captured(device, lambda: buffer(device, 100 << 10, U.COPY_DST), "out-of-memory")
        assert isinstance(error, NPUOutOfMemoryError), error
        assert RULES["quota.budget"] in error.message
        data = np.ones(80 << 10, np.uint8)  # over 64 KiB: travels in shared memory
        error = captured(device, lambda: device.queue.write_buffer(held, 0, data), "out-of-memory")
        assert isinstance(error, NPUOutOfMemoryError), error
        assert RULES["quota.budget_data"] in error.message and "writeBuffer" in error.message
        held.destroy()  # freed behind the queue: the budget has room again
        device.queue.on_submitted_work_done().result(TIMEOUT)
        fits = captured(device, lambda: buffer(device, 100 << 10, U.COPY_DST), "out-of-memory")
        assert fits is None
        assert_serves(device, graph)
        assert not session.closed
    assert budget.used == 0  # everything returned when the session closed


def test_queued_operations_quota(held_small_queue):
    device, session, graph = held_small_queue
    target = buffer(device, 8, U.COPY_SRC | U.COPY_DST)
    with held_queue(session):  # four operations wait behind the hold
        for data in (B, A, A, B):
            device.queue.write_buffer(target, 0, data)
        message = validation(device, lambda: device.queue.write_buffer(target, 0, A))
        assert RULES["quota.queued"] in message
        assert RULES["quota.queued"] in rejection(device.queue.read_buffer(target))
        assert RULES["quota.queued"] in rejection(device.queue.on_submitted_work_done())
    # The four that fit ran, in order (the last wrote B).
    assert bytes(device.queue.read_buffer(target).result(TIMEOUT)) == B.tobytes()
    assert_serves(device, graph)


@pytest.fixture
def held_small_queue():
    # 4: assert_serves has at most four operations in flight (two writes, submit, read).
    with small_quota_device(ClientQuotas(max_queued_operations=4)) as (device, session):
        yield device, session, add_graph(device)


def test_read_behind_device_loss(held):
    # Work queued before the device was lost (here by destroy(); the watchdog loses a device
    # the same way) settles as lost: its promise rejects with AbortError.
    device, session, _graph = held
    source = buffer(device, 8, U.COPY_SRC | U.COPY_DST)
    with held_queue(session):
        pending = device.queue.read_buffer(source)
        device.destroy()
        device.lost.result(TIMEOUT)
    assert RULES["lost.read"] in rejection(pending, "AbortError")


def add_graph_promise(device):
    builder = device.create_graph_builder()
    a = builder.input("a", descriptor("float32", [2]))
    return builder.build({"y": builder.relu(a)})


# --- mapAsync (§4.1) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "size", "usage", "args"),
    [
        ("map.mode", 8, U.MAP_READ | U.COPY_DST, (M.READ | M.WRITE,)),
        ("map.usage", 8, U.MAP_WRITE | U.COPY_SRC, (M.READ,)),
        ("map.offset_align", 8, U.MAP_READ, (M.READ, 4)),
        ("map.offset_past", 8, U.MAP_READ, (M.READ, 16)),
        ("map.size_align", 8, U.MAP_READ, (M.READ, 0, 6)),
        ("map.range", 16, U.MAP_READ, (M.READ, 8, 2**53 - 4)),
        ("map.zero", 0, U.MAP_READ, (M.READ,)),
    ],
)
def test_map_async_rule(device, graph, rule, size, usage, args):
    target = buffer(device, size, usage)
    message = rejection(target.map_async(*args))
    assert RULES[rule] in message and "mapAsync" in message
    assert target.map_state == "unmapped"
    if size:
        target.map_async(M.WRITE if usage & U.MAP_WRITE else M.READ).result(TIMEOUT)
        target.unmap()
    assert_serves(device, graph)


def test_map_async_destroyed_and_invalid(device, graph):
    target = buffer(device, 8, U.MAP_READ)
    target.destroy()
    assert RULES["map.destroyed"] in rejection(target.map_async(M.READ))
    device.push_error_scope("validation")
    bad = buffer(device, 8, U.MAP_READ | U.INPUT)
    device.pop_error_scope().result(TIMEOUT)
    assert RULES["map.invalid"] in rejection(bad.map_async(M.READ))
    assert_serves(device, graph)


def test_map_async_device_lost(device, other_device):
    target = buffer(other_device, 8, U.MAP_READ)
    other_device.destroy()
    assert other_device.lost.result(TIMEOUT).reason == "destroyed"
    assert RULES["map.lost"] in rejection(target.map_async(M.READ))
    assert_serves(device)  # the same client's other device


def test_map_async_state_is_checked_client_side(device, graph):
    target = buffer(device, 8, U.MAP_READ)
    target.map_async(M.READ).result(TIMEOUT)
    assert "mapped" in rejection(target.map_async(M.READ))
    target.unmap()
    assert_serves(device, graph)


# --- requestDevice --------------------------------------------------------------------------


def test_request_device_unsupported_feature(adapter):
    assert not adapter.features.has("tensor-float16")
    promise = adapter.request_device({"required_features": ["tensor-float16"]})
    with pytest.raises(WebIDLTypeError) as info:
        promise.result(TIMEOUT)
    assert RULES["device.feature"] in str(info.value)
    assert_serves(adapter.request_device().result(TIMEOUT))


@pytest.mark.parametrize(
    ("rule", "limits"),
    [("device.unknown_limit", {"maxFrobs": 1}), ("device.limit", {"maxBufferSize": U53_MAX})],
)
def test_request_device_limits(adapter, rule, limits):
    message = rejection(adapter.request_device({"required_limits": limits}))
    assert RULES[rule] in message
    assert_serves(adapter.request_device().result(TIMEOUT))


# --- build ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        "build.no_output",
        "build.empty_name",
        "build.name_used",
        "build.input_output",
        "build.constant_output",
    ],
)
def test_build_rule_not_prechecked(device, graph, rule):
    builder = device.create_graph_builder()
    a = builder.input("a", descriptor("float32", [2]))
    c = builder.constant(descriptor("float32", [2]), memoryview(B))
    y = builder.add(a, c)
    outputs = {
        "build.no_output": {},
        "build.empty_name": {"": y},
        "build.name_used": {"a": y},
        "build.input_output": {"y": a},
        "build.constant_output": {"y": c},
    }[rule]
    with pytest.raises(WebIDLTypeError) as info:
        builder.build(outputs).result(TIMEOUT)
    assert RULES[rule] in str(info.value)
    assert_serves(device, graph)


def test_build_max_graph_operands(device, graph):
    builder = device.create_graph_builder()
    x = builder.input("x", descriptor("float32", [1]))
    zero = memoryview(np.zeros(1, np.float32))
    for _ in range(65_535):
        builder.constant(descriptor("float32", [1]), zero)
    y = builder.relu(x)  # operand 65,537
    with pytest.raises(WebIDLTypeError) as info:
        builder.build({"y": y}).result(TIMEOUT)
    assert RULES["build.operands"] in str(info.value) and "65537" in str(info.value)
    assert_serves(device, graph)


def test_build_shape_rule_is_prechecked_client_side(device, graph):
    builder = device.create_graph_builder()
    a = builder.input("a", descriptor("float32", [2]))
    b = builder.input("b", descriptor("float32", [3]))
    with pytest.raises(WebIDLTypeError):
        builder.add(a, b)
    assert_serves(device, graph)


def _wire_add(b_shape: tuple[int, ...] = (2,), output: int = 3) -> gen.GraphDescription:
    description = g.GraphDescription(
        inputs=(
            g.GraphInput(1, "a", OperandDescriptor("float32", (2,))),
            g.GraphInput(2, "b", OperandDescriptor("float32", b_shape)),
        ),
        constants=(),
        operations=(g.Operation("add", (1, 2), (3,)),),
        outputs=(g.GraphOutput("y", output),),
    )
    return wire_graph.to_wire(description)


def test_build_after_the_device_was_released_rejects(host):
    # The build names the builder, not the device: a client that released its device's handle
    # sent nothing malformed, so the build rejects and the client stays (found by
    # fuzz/fuzz_service_actions.py, fuzz/regressions/service_actions/build-after-device-release).
    client = ss.Client(host.connect())
    ss.open_device(client)
    builder = ss.H(8, 1)
    (build,) = client.send(
        gen.NPUDeviceCreateGraphBuilder(ss.DEVICE, builder),
        gen.NPUDeviceRelease(ss.DEVICE),
        gen.NPUGraphBuilderBuild(builder, ss.H(8, 1), ss.add_relu((2,))),
    )
    rejected = client.reply(build)
    assert isinstance(rejected, gen.Rejection) and rejected.exception == "OperationError"
    assert RULES["build.device_gone"] in rejected.message
    (again,) = client.send(
        gen.NPURequestAdapter(ss.ROOT, ss.H(2, 1), gen.NPURequestAdapterOptions(None))
    )
    assert isinstance(client.reply(again), gen.NPURequestAdapterResolved)
    client.channel.close()


def test_wire_build_prechecked_rule_and_build_twice(host):
    # What the bindings refuse synchronously, sent through the wire: build rejects with
    # TypeError and the client stays.
    client = ss.Client(host.connect())
    ss.open_device(client)
    builder = ss.H(5, 1)
    (bad,) = client.send(
        gen.NPUDeviceCreateGraphBuilder(ss.DEVICE, builder),
        gen.NPUGraphBuilderBuild(builder, ss.H(5, 1), _wire_add(b_shape=(3,))),
    )
    rejected = client.reply(bad)
    assert isinstance(rejected, gen.Rejection) and rejected.exception == "TypeError"
    assert RULES["build.shapes"] in rejected.message and "add" in rejected.message
    # An output naming no operand: the bindings cannot even express it.
    undefined = ss.H(7, 1)
    (bad,) = client.send(
        gen.NPUDeviceCreateGraphBuilder(ss.DEVICE, undefined),
        gen.NPUGraphBuilderBuild(undefined, ss.H(7, 1), _wire_add(output=99)),
    )
    rejected = client.reply(bad)
    assert isinstance(rejected, gen.Rejection) and rejected.exception == "TypeError"
    assert RULES["build.output_undefined"] in rejected.message
    (twice,) = client.send(gen.NPUGraphBuilderBuild(builder, ss.H(6, 1), ss.add_relu((2,))))
    rejected = client.reply(twice)
    assert isinstance(rejected, gen.Rejection) and rejected.exception == "TypeError"
    assert RULES["build.twice"] in rejected.message
    ss.run_add_relu(client, (2, 3))
    client.channel.close()


# --- loadModel ------------------------------------------------------------------------------


def _model(
    *,
    nodes=None,
    ir_version: int = 8,
    opset: int = 17,
    outputs=None,
    inputs=None,
    initializers=(),
    out_shape=(2,),
) -> onnx.ModelProto:
    f = TensorProto.FLOAT
    inputs = inputs or [
        helper.make_tensor_value_info("a", f, [2]),
        helper.make_tensor_value_info("b", f, [2]),
    ]
    outputs = (
        [helper.make_tensor_value_info("y", f, list(out_shape))] if outputs is None else outputs
    )
    nodes = nodes or [helper.make_node("Add", ["a", "b"], ["y"], name="n")]
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version
    return model


def _load_cases() -> dict[str, tuple[bytes, str]]:
    f = TensorProto.FLOAT
    sub = _model()
    sub.graph.node[0].attribute.append(
        helper.make_attribute("body", helper.make_graph([], "b", [], []))
    )
    functions = _model()
    functions.functions.append(helper.make_function("local", "fn", ["x"], ["y"], [], []))
    external = _model(
        nodes=[helper.make_node("Add", ["a", "w"], ["y"], name="n")],
        initializers=[helper.make_tensor("w", f, [2], [1.0, 2.0])],
    )
    external.graph.initializer[0].data_location = TensorProto.EXTERNAL
    short = _model(
        nodes=[helper.make_node("Add", ["a", "w"], ["y"], name="n")],
        initializers=[helper.make_tensor("w", f, [2], [1.0, 2.0])],
    )
    del short.graph.initializer[0].float_data[1]
    domain = _model()
    domain.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return {
        "parse": (b"\xff\xff\xff", "do not parse as an ONNX ModelProto"),
        "ir_version": (_model(ir_version=3), "IR version 3 is outside"),
        "opset": (_model(opset=11), "opset 11 is outside"),
        "domain": (domain, "imports operator domain 'com.microsoft'"),
        "functions": (functions, "model defines local functions"),
        "operator": (
            _model(nodes=[helper.make_node("NonZero", ["a"], ["y"], name="n")]),
            "operator 'NonZero' is not allowed",
        ),
        "subgraph": (sub, "holds a subgraph"),
        "external": (external, "refers to external data"),
        "data_amount": (short, "holds 1 values of data"),
        "no_outputs": (_model(outputs=[]), "model graph has no outputs"),
        "dynamic": (
            _model(
                inputs=[helper.make_tensor_value_info("a", f, ["n"])],
                nodes=[helper.make_node("Relu", ["a"], ["y"], name="n")],
            ),
            "dimension 0 is dynamic or unknown",
        ),
        "repeated": (
            _model(outputs=[helper.make_tensor_value_info("a", f, [2])]),
            "graph input or output name 'a' is repeated",
        ),
        "checker": (
            _model(nodes=[helper.make_node("Add", ["a"], ["y"], name="n")]),
            "fails the ONNX checker",
        ),
        "shapes": (_model(out_shape=(3,)), "fails ONNX shape inference"),
    }


LOAD_CASES = _load_cases()


@pytest.mark.parametrize("case", list(LOAD_CASES))
def test_load_model_rule(device, graph, case):
    model, fragment = LOAD_CASES[case]
    data = model if isinstance(model, bytes) else model.SerializeToString()
    message = rejection(device.load_model(data))
    assert message.startswith("loadModel: ") and fragment in message
    assert_serves(device, graph)


def test_load_model_valid_control(device):
    loaded = device.load_model(_model().SerializeToString()).result(TIMEOUT)
    assert_serves(device, loaded)


# --- error scopes ---------------------------------------------------------------------------


def test_pop_error_scope_empty(device, graph):
    assert RULES["scope.empty"] in rejection(device.pop_error_scope())
    assert_serves(device, graph)


# --- the list stays honest ------------------------------------------------------------------

# Every function whose strings are rule messages, and the templates that only compose others
# (prefixes naming the command or object, filters, exception names, roles).
_RULE_FUNCTIONS = [
    cv.validate_commands,
    cv._check_object,
    cv._check_copy,
    cv._check_dispatch,
    cv._check_binding,
    cv.finish,
    cv.submit,
    cv._check_submit,
    cv._check_state,
    cs._check_buffer_descriptor,
    cs._check_buffer_use,
    cs.ClientSession._write_buffer,
    cs.ClientSession._read_buffer,
    cs.ClientSession._map_problem,
    cs.ClientSession._request_device,
    cs.ClientSession._build,
    cs.ClientSession._pop_error_scope,
    ObjectTable._quota_error,
    ObjectTable._budget_error,
    cs.ClientSession._budget_error,
    cs.ClientSession._queue_full_problem,
    g.validate_graph,
    g._validate_outputs,
]
_COMPOSING = {
    "command {} ({}): {}",
    "{} buffer {}",
    "{} {}: buffer {}",
    "finish of encoder {}",
    "{}: {}",
    "submit: {}",
    "command buffer {}",
    "{} command {} ({}): {}",
    "writeBuffer to buffer {}",
    "readBuffer {}: {}",
    "build: {}",
    "{} {}",
    "[{}, {})",
    "constant (operand {})",
}
# Rules no binding call can reach (see the module docstring): the key of the template piece.
_UNREACHABLE = {
    "the queue is invalid",  # queues are created with their device, never error objects
    "the encoder is invalid",  # only through the object quota on encoder creation
    "the builder is invalid",  # likewise, for builders
    "the buffer's mapState is",  # the bindings reject a second mapAsync themselves
    "compilation failed",  # needs a validated graph onnxruntime refuses; none is known
    # validate_graph rules the builder checks at input()/constant() (and operations at each
    # call: graph._validate_operation): the bindings never send a graph breaking them;
    # test_wire_build_prechecked_rule_and_build_twice sends one through the wire.
    "must be a positive integer",
    "is already defined",
    "bytes do not match",
    "input (operand {}): the name",
}


def _pieces(template: str) -> list[str]:
    """The literal runs of a template, split at interpolations and at "prefix: " joints."""
    runs = [r for part in template.split("{}") for r in part.split(": ")]
    return [r.strip(" :.,()'") for r in runs if len(r.strip(" :.,()'")) >= 5]


def test_every_service_rule_message_is_covered():
    """Each rule message's most distinctive literal run (the longest one no other message
    has) must be part of a fragment some test asserts."""
    fragments = set(RULES.values())
    templates = [
        (function, template)
        for function in _RULE_FUNCTIONS
        for template in message_templates(function)
        if template not in _COMPOSING and " " in template.strip()
    ]
    seen: dict[str, int] = {}
    for _function, template in templates:
        for piece in set(_pieces(template)):
            seen[piece] = seen.get(piece, 0) + 1
    uncovered = []
    for function, template in templates:
        if any(u in template for u in _UNREACHABLE):
            continue
        pieces = _pieces(template)
        if not pieces:
            continue
        unique = [p for p in pieces if seen[p] == 1] or pieces
        key = max(unique, key=len)
        if not any(key in fragment for fragment in fragments):
            uncovered.append(f"{function.__qualname__}: {template!r} (needs {key!r})")
    assert not uncovered, "rules without a test:\n" + "\n".join(uncovered)


def test_every_rule_in_the_table_is_asserted_by_a_test():
    # Tests name the rules by their full quoted key (parametrize with keys, not key parts
    # joined in an f-string), so a key no test names is found here.
    source = Path(__file__).read_text()
    tree = ast.parse(source)
    table_end = next(
        n.end_lineno
        for n in tree.body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "RULES"
    )
    body = "\n".join(source.splitlines()[table_end:])
    unnamed = [key for key in RULES if f'"{key}"' not in body]
    assert not unnamed, unnamed


def test_rule_fragments_come_from_the_source():
    # A fragment must share text with the service's messages (not be invented here).
    templates = [t for fn in _RULE_FUNCTIONS for t in message_templates(fn)]
    pieces = {piece for t in templates for piece in _pieces(t)}
    # Raw literal runs too, for messages like "buffer {} ({}) is {}" (") is " joins values).
    pieces |= {run for t in templates for run in t.split("{}") if len(run) >= 4}
    for key, fragment in RULES.items():
        assert any(piece in fragment for piece in pieces), (key, fragment)
