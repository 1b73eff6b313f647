"""NPUGraphBuilder and NPUOperand: the graph is recorded on this side and crosses once, at build.

As in WebNN (and Chromium's `services/webnn/public/mojom/webnn_graph.mojom` `GraphInfo`), each
builder call is checked at once, with the same rules the service applies again at build
(`python_service.shared.graph.validate_operation`, one module for both sides), so a page gets a
synchronous TypeError naming the operation and operand; `build()` then sends the whole
description (docs/wire.md §5) and resolves to the graph with the service's own descriptors.
"""

from __future__ import annotations

from typing import Any

from python_service.client import conversions as c
from python_service.client.base import WireObjectImpl, create, shared_copy
from python_service.client.promise import DOMException, Promise, rejected
from python_service.generated import wire as gen
from python_service.ipc.shared_memory import SharedMemory
from python_service.shared import graph as g
from python_service.shared.tensors import OperandDescriptor, TensorError
from python_service.wire import graph as wire_graph
from python_service.wire import runtime as rt

_GRAPH_INTERFACE = gen.NPUGraphRelease.ORDINAL >> 16


class NPUOperandImpl:
    """An operand of one builder's graph: its id there and its descriptor."""

    def _setup(self, builder: NPUGraphBuilderImpl, operand_id: int, descriptor: Any) -> None:
        self._builder = builder
        self._id = operand_id
        self._descriptor = descriptor
        self._data_type = descriptor.data_type.value
        self._shape = descriptor.shape

    def __repr__(self) -> str:
        return f"<NPUOperand {self._id} {self._descriptor.describe()}>"


def _fail(method: str, detail: str) -> c.WebIDLTypeError:
    return c.WebIDLTypeError(f"Failed to execute '{method}' on 'NPUGraphBuilder': {detail}")


class NPUGraphBuilderImpl(WireObjectImpl):
    INTERFACE = gen.NPUGraphBuilderRelease.ORDINAL >> 16

    def _setup(self, device: Any, handle: rt.Handle) -> None:
        self._device = device
        self._init_object(device._connection, handle)
        self._limits = device._graph_limits
        self._inputs: list[g.GraphInput] = []
        self._constants: list[g.GraphConstant] = []
        self._operations: list[g.Operation] = []
        self._descriptors: dict[int, OperandDescriptor] = {}
        self._names: set[str] = set()
        self._built = False

    # --- recording ------------------------------------------------------------------------

    def _check_usable(self, method: str) -> None:
        if self._built:
            raise DOMException(
                f"Failed to execute '{method}' on 'NPUGraphBuilder': build() was already called.",
                "InvalidStateError",
            )

    def _next_id(self) -> int:
        return len(self._descriptors) + 1

    def _operand(self, descriptor: OperandDescriptor) -> Any:
        """The next operand id's NPUOperand (the id `_next_id()` gave the recorded entry)."""
        operand_id = self._next_id()
        self._descriptors[operand_id] = descriptor
        return create("NPUOperand", self, operand_id, descriptor)

    def _descriptor(self, method: str, value: Any) -> OperandDescriptor:
        """A converted NPUTensorDescriptor as a descriptor (its limits are the shared rules')."""
        try:
            return OperandDescriptor(value.data_type, value.shape)
        except TensorError as error:
            raise _fail(method, f"Invalid descriptor: {error}.") from None

    def _input(self, name: str, descriptor: Any) -> Any:
        self._check_usable("input")
        graph_input = g.GraphInput(self._next_id(), name, self._descriptor("input", descriptor))
        checked = self._shared_rule("input", g.validate_input, graph_input, self._names)
        self._names.add(name)
        self._inputs.append(graph_input)
        return self._operand(checked)

    def _constant(self, descriptor: Any, buffer: memoryview) -> Any:
        self._check_usable("constant")
        data = bytes(buffer.cast("B"))
        constant = g.GraphConstant(self._next_id(), self._descriptor("constant", descriptor), data)
        checked = self._shared_rule("constant", g.validate_constant, constant)
        self._constants.append(constant)
        return self._operand(checked)

    def _shared_rule(self, method: str, rule: Any, *args: Any) -> Any:
        """A rule of `python_service.shared.graph`, its GraphError thrown as the TypeError a
        WebNN builder throws."""
        try:
            return rule(*args, self._limits)
        except g.GraphError as error:
            raise _fail(method, f"{error}.") from None

    def _record(self, op: str, operands: list[Any], attributes: dict[str, Any], label: str) -> Any:
        """Append one operation after the shared rules accept it; its result operand."""
        self._check_usable(op)
        while operands and operands[-1] is None:
            operands.pop()  # trailing absent optional operands are left out (wire/graph.py)
        ids = []
        for operand in operands:
            if operand is None:
                ids.append(g.NO_OPERAND)
            elif operand._builder is not self:
                raise _fail(op, "An operand belongs to another builder.")
            else:
                ids.append(operand._id)
        given = {k: v for k, v in attributes.items() if v is not None}
        operation = g.Operation(op, tuple(ids), (self._next_id(),), given, label)
        index = len(self._operations)
        _resolved, descriptor = self._shared_rule(
            op, g.validate_operation, index, operation, self._descriptors
        )
        self._operations.append(operation)
        return self._operand(descriptor)

    # --- the operations (slot order and attribute names as shared/operations.py has them) --

    def _add(self, a: Any, b: Any, options: Any) -> Any:
        return self._record("add", [a, b], {}, options.label)

    def _sub(self, a: Any, b: Any, options: Any) -> Any:
        return self._record("sub", [a, b], {}, options.label)

    def _mul(self, a: Any, b: Any, options: Any) -> Any:
        return self._record("mul", [a, b], {}, options.label)

    def _div(self, a: Any, b: Any, options: Any) -> Any:
        return self._record("div", [a, b], {}, options.label)

    def _max(self, a: Any, b: Any, options: Any) -> Any:
        return self._record("max", [a, b], {}, options.label)

    def _min(self, a: Any, b: Any, options: Any) -> Any:
        return self._record("min", [a, b], {}, options.label)

    def _pow(self, a: Any, b: Any, options: Any) -> Any:
        return self._record("pow", [a, b], {}, options.label)

    def _matmul(self, a: Any, b: Any, options: Any) -> Any:
        return self._record("matmul", [a, b], {}, options.label)

    def _gemm(self, a: Any, b: Any, options: Any) -> Any:
        attributes = {
            "alpha": options.alpha,
            "beta": options.beta,
            "aTranspose": options.a_transpose,
            "bTranspose": options.b_transpose,
        }
        return self._record("gemm", [a, b, options.c], attributes, options.label)

    def _conv2d(self, input_: Any, filter_: Any, options: Any) -> Any:
        attributes = {
            "padding": options.padding,
            "strides": options.strides,
            "dilations": options.dilations,
            "groups": options.groups,
            "inputLayout": options.input_layout,
            "filterLayout": options.filter_layout,
        }
        return self._record("conv2d", [input_, filter_, options.bias], attributes, options.label)

    def _pool(self, op: str, input_: Any, options: Any) -> Any:
        attributes = {
            "windowDimensions": options.window_dimensions,
            "padding": options.padding,
            "strides": options.strides,
            "dilations": options.dilations,
            "layout": options.layout,
            "roundingType": options.rounding_type,
        }
        return self._record(op, [input_], attributes, options.label)

    def _average_pool2d(self, input_: Any, options: Any) -> Any:
        return self._pool("averagePool2d", input_, options)

    def _max_pool2d(self, input_: Any, options: Any) -> Any:
        return self._pool("maxPool2d", input_, options)

    def _relu(self, input_: Any, options: Any) -> Any:
        return self._record("relu", [input_], {}, options.label)

    def _sigmoid(self, input_: Any, options: Any) -> Any:
        return self._record("sigmoid", [input_], {}, options.label)

    def _tanh(self, input_: Any, options: Any) -> Any:
        return self._record("tanh", [input_], {}, options.label)

    def _gelu(self, input_: Any, options: Any) -> Any:
        return self._record("gelu", [input_], {}, options.label)

    def _softmax(self, input_: Any, axis: int, options: Any) -> Any:
        return self._record("softmax", [input_], {"axis": axis}, options.label)

    def _clamp(self, input_: Any, options: Any) -> Any:
        attributes = {"minValue": options.min_value, "maxValue": options.max_value}
        return self._record("clamp", [input_], attributes, options.label)

    def _reshape(self, input_: Any, new_shape: tuple[int, ...], options: Any) -> Any:
        return self._record("reshape", [input_], {"newShape": new_shape}, options.label)

    def _transpose(self, input_: Any, options: Any) -> Any:
        attributes = {"permutation": options.permutation}
        return self._record("transpose", [input_], attributes, options.label)

    def _concat(self, inputs: tuple[Any, ...], axis: int, options: Any) -> Any:
        if not inputs:
            raise _fail("concat", "At least one input is required.")
        return self._record("concat", list(inputs), {"axis": axis}, options.label)

    def _slice(
        self, input_: Any, starts: tuple[int, ...], sizes: tuple[int, ...], options: Any
    ) -> Any:
        attributes = {"starts": starts, "sizes": sizes}
        return self._record("slice", [input_], attributes, options.label)

    def _batch_normalization(self, input_: Any, mean: Any, variance: Any, options: Any) -> Any:
        operands = [input_, mean, variance, options.scale, options.bias]
        attributes = {"axis": options.axis, "epsilon": options.epsilon}
        return self._record("batchNormalization", operands, attributes, options.label)

    def _layer_normalization(self, input_: Any, options: Any) -> Any:
        attributes = {"axes": options.axes, "epsilon": options.epsilon}
        operands = [input_, options.scale, options.bias]
        return self._record("layerNormalization", operands, attributes, options.label)

    def _cast(self, input_: Any, data_type: str, options: Any) -> Any:
        return self._record("cast", [input_], {"dataType": data_type}, options.label)

    # --- build ----------------------------------------------------------------------------

    def _build(self, outputs: dict[str, Any]) -> Promise:
        if self._built:
            return rejected(
                DOMException(
                    "Failed to execute 'build' on 'NPUGraphBuilder': build() was already called.",
                    "InvalidStateError",
                )
            )
        for name, operand in outputs.items():
            if operand._builder is not self:
                return rejected(_fail("build", f"The output '{name}' belongs to another builder."))
        self._built = True
        description = g.GraphDescription(
            tuple(self._inputs),
            tuple(self._constants),
            tuple(self._operations),
            tuple(g.GraphOutput(name, operand._id) for name, operand in outputs.items()),
        )
        keep: list[SharedMemory] = []

        def share(arena: bytes) -> rt.SharedMemoryClaim:
            claim, memory = shared_copy(arena)
            keep.append(memory)
            return claim

        wire = wire_graph.to_wire(description, share)
        connection = self._connection
        handle = connection.allocate(_GRAPH_INTERFACE)
        # The builder's recorded graph is not needed any more: free it with the request.
        self._inputs, self._constants, self._operations = [], [], []
        return connection.request(
            gen.NPUGraphBuilderBuild(self._handle, handle, wire),
            lambda value: create("NPUGraph", self._device, handle, value),
            on_rejected=lambda: connection.free(_GRAPH_INTERFACE, handle),
            keep=keep,
        )
