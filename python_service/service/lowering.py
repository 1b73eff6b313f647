"""Lowers a validated graph to an ONNX model that onnxruntime runs.

Only `ValidatedGraph`s are accepted: shape inference already ran (python_service.shared), so
this module translates and never re-validates. Each WebNN operation maps to ONNX operators with
its attributes translated (layout orders, defaults made explicit). The same graph always lowers
to the same bytes: names come from operand ids and a counter, attributes are emitted in a fixed
order, and nothing time- or environment-dependent enters the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from python_service.shared.graph import NO_OPERAND, Operation, ValidatedGraph
from python_service.shared.tensors import DataType, OperandDescriptor

# Opset 20 is the oldest with Gelu (and AveragePool dilations arrived in 19); onnxruntime runs
# it since 1.17, the oldest version pyproject.toml allows. IR version 9 is the one opset 20
# shipped with, so older runtimes do not refuse the model for its IR version alone.
OPSET = 20
IR_VERSION = 9

ONNX_TYPES: dict[DataType, int] = {
    DataType.FLOAT32: TensorProto.FLOAT,
    DataType.FLOAT16: TensorProto.FLOAT16,
    DataType.INT32: TensorProto.INT32,
    DataType.UINT32: TensorProto.UINT32,
    DataType.INT64: TensorProto.INT64,
    DataType.UINT64: TensorProto.UINT64,
    DataType.INT8: TensorProto.INT8,
    DataType.UINT8: TensorProto.UINT8,
}

_BINARY = {
    "add": "Add",
    "sub": "Sub",
    "mul": "Mul",
    "div": "Div",
    "max": "Max",
    "min": "Min",
    "pow": "Pow",
}
_UNARY = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "gelu": "Gelu"}


class _ModelWriter:
    """Collects nodes and initializers, handing out deterministic tensor names."""

    def __init__(self, graph: ValidatedGraph) -> None:
        self.graph = graph
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._counter = 0
        # Internal names get a prefix no user-chosen input or output name starts with, so the
        # page's names can never collide with (and rewire) an intermediate tensor.
        user_names = [i.name for i in graph.inputs] + [o.name for o in graph.outputs]
        self._prefix = "t"
        while any(name.startswith(self._prefix) for name in user_names):
            self._prefix = "_" + self._prefix
        self._names = {graph_input.id: graph_input.name for graph_input in graph.inputs}

    def name(self, operand_id: int) -> str:
        return self._names.get(operand_id, f"{self._prefix}{operand_id}")

    def fresh(self) -> str:
        self._counter += 1
        return f"{self._prefix}.{self._counter}"

    def constant(self, values: np.ndarray) -> str:
        name = self.fresh()
        # Not np.ascontiguousarray: it returns a 0-d array as shape (1,), which made every
        # scalar constant (epsilon, clamp bounds) rank 1 and broadcast a scalar graph's output
        # to rank 1 (found by fuzz/fuzz_graph.py).
        values = np.require(values, requirements="C")
        self.initializers.append(numpy_helper.from_array(values, name))
        return name

    def scalar(self, value: float, data_type: DataType) -> str:
        return self.constant(np.array(value, dtype=data_type.numpy_dtype))

    def int64s(self, values: Sequence[int]) -> str:
        return self.constant(np.array(list(values), dtype=np.int64))

    def node(
        self, op_type: str, inputs: Sequence[str], output: str | None = None, **attributes: object
    ) -> str:
        output = output or self.fresh()
        self.nodes.append(
            helper.make_node(
                op_type, list(inputs), [output], name=f"n{len(self.nodes)}", **attributes
            )
        )
        return output


# Each lowering receives the operation (attributes resolved), its operands' tensor names and
# descriptors in slot order (None for an absent optional operand), and its result's name.
Names = list[str | None]
Descriptors = list[OperandDescriptor | None]
Lowering = Callable[[_ModelWriter, Operation, Names, Descriptors, str], None]


def _lower_binary(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    w.node(_BINARY[op.op], x, out)


def _lower_unary(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    w.node(_UNARY[op.op], x, out)


def _lower_matmul(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    w.node("MatMul", x, out)


def _lower_gemm(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    a = op.attributes
    w.node(
        "Gemm",
        [name for name in x if name is not None],
        out,
        alpha=a["alpha"],
        beta=a["beta"],
        transA=int(a["aTranspose"]),
        transB=int(a["bTranspose"]),
    )


def _onnx_pads(padding: Sequence[int]) -> list[int]:
    # WebNN orders padding [top, bottom, left, right]; ONNX wants all beginnings, then all
    # ends: [top, left, bottom, right].
    top, bottom, left, right = padding
    return [top, left, bottom, right]


# ONNX Conv, AveragePool and MaxPool take NCHW images and OIHW filters only; other WebNN layouts
# are transposed into those around the node (layouts name dimensions by letter, as in
# python_service.shared.operations).
_ONNX_IMAGE = "nchw"
_ONNX_FILTER = "oihw"


def _permutation(source: str, target: str) -> list[int]:
    """The Transpose `perm` that reorders a tensor from layout `source` to layout `target`."""
    return [source.index(letter) for letter in target]


def _to_layout(w: _ModelWriter, name: str, source: str, target: str) -> str:
    """`name` reordered from `source` to `target`: a Transpose node, or `name` if they match."""
    if source == target:
        return name
    return w.node("Transpose", [name], perm=_permutation(source, target))


def _in_onnx_layout(w: _ModelWriter, layout: str, out: str, build: Callable[[str], None]) -> None:
    """Runs `build(result)` for an NCHW node, then moves its result into `layout` as `out`."""
    if layout == _ONNX_IMAGE:
        build(out)
        return
    nchw = w.fresh()
    build(nchw)
    w.node("Transpose", [nchw], out, perm=_permutation(_ONNX_IMAGE, layout))


def _lower_conv2d(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    a = op.attributes
    image = _to_layout(w, x[0], a["inputLayout"], _ONNX_IMAGE)
    kernel = _to_layout(w, x[1], a["filterLayout"], _ONNX_FILTER)
    filter_dims = dict(zip(a["filterLayout"], d[1].shape, strict=True))
    inputs = [image, kernel] + [name for name in x[2:] if name is not None]

    def conv(result: str) -> None:
        w.node(
            "Conv",
            inputs,
            result,
            kernel_shape=[filter_dims["h"], filter_dims["w"]],
            pads=_onnx_pads(a["padding"]),
            strides=list(a["strides"]),
            dilations=list(a["dilations"]),
            group=a["groups"],
        )

    _in_onnx_layout(w, a["inputLayout"], out, conv)


def _lower_pool(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    a = op.attributes
    extra = {"count_include_pad": 0} if op.op == "averagePool2d" else {}
    image = _to_layout(w, x[0], a["layout"], _ONNX_IMAGE)

    def pool(result: str) -> None:
        w.node(
            "AveragePool" if op.op == "averagePool2d" else "MaxPool",
            [image],
            result,
            kernel_shape=list(a["windowDimensions"]),
            pads=_onnx_pads(a["padding"]),
            strides=list(a["strides"]),
            dilations=list(a["dilations"]),
            ceil_mode=int(a["roundingType"] == "ceil"),
            **extra,
        )

    _in_onnx_layout(w, a["layout"], out, pool)


def _lower_softmax(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    w.node("Softmax", x, out, axis=op.attributes["axis"])


def _clamp_bound(value: float, data_type: DataType) -> np.ndarray:
    """A clamp bound in the input's data type (WebNN casts the MLNumber to it); validation has
    already refused NaN.

    Integer types saturate: +-inf and out-of-range bounds become the type's extremes instead of
    wrapping, fractions truncate toward zero. Floating-point types round to nearest as IEEE 754
    does, so a bound beyond the type's range is +-inf (a `maxValue` of 1e300 on float16 does
    not clip, as 1e300 does not in float64); numpy warns on that overflow, which here is the
    intended result, so the warning is silenced (fuzz/fuzz_graph.py surfaced it).
    """
    if data_type.is_float:
        with np.errstate(over="ignore"):
            return np.array(value, dtype=data_type.numpy_dtype)
    info = np.iinfo(data_type.numpy_dtype)
    value = info.min if value < info.min else info.max if value > info.max else value
    return np.array(int(value), dtype=data_type.numpy_dtype)


def _lower_clamp(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    data_type = d[0].data_type
    bounds = []
    for key in ("minValue", "maxValue"):
        value = op.attributes[key]
        if value is None:
            bounds.append("")  # ONNX: an empty name is an absent optional input
            continue
        bounds.append(w.constant(_clamp_bound(value, data_type)))
    while bounds and bounds[-1] == "":
        bounds.pop()
    w.node("Clip", [x[0], *bounds], out)


def _lower_reshape(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    w.node("Reshape", [x[0], w.int64s(op.attributes["newShape"])], out)


def _lower_transpose(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    permutation = list(op.attributes["permutation"])
    if not permutation:  # a scalar: onnx.helper cannot type an empty `perm`, and it is a no-op
        w.node("Identity", x, out)
        return
    w.node("Transpose", x, out, perm=permutation)


def _lower_concat(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    w.node("Concat", x, out, axis=op.attributes["axis"])


def _lower_slice(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    starts, sizes = op.attributes["starts"], op.attributes["sizes"]
    ends = [s + n for s, n in zip(starts, sizes, strict=True)]
    axes = list(range(len(starts)))
    w.node("Slice", [x[0], w.int64s(starts), w.int64s(ends), w.int64s(axes)], out)


def _lower_cast(w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str) -> None:
    w.node("Cast", x, out, to=ONNX_TYPES[DataType(op.attributes["dataType"])])


def _lower_batch_normalization(
    w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str
) -> None:
    data_type, shape = d[0].data_type, d[0].shape
    axis, epsilon = op.attributes["axis"], op.attributes["epsilon"]
    channels = shape[axis]
    source, mean, variance = x[0], x[1], x[2]
    scale = x[3] if len(x) > 3 else None
    bias = x[4] if len(x) > 4 else None
    if axis == 1 and len(shape) >= 2:
        # ONNX BatchNormalization fixes the channel axis at 1 and needs scale and bias.
        scale = scale or w.constant(np.ones(channels, data_type.numpy_dtype))
        bias = bias or w.constant(np.zeros(channels, data_type.numpy_dtype))
        w.node("BatchNormalization", [source, scale, bias, mean, variance], out, epsilon=epsilon)
        return
    # Any other axis: (x - mean) / sqrt(variance + epsilon) * scale + bias, each per-channel
    # tensor reshaped to broadcast along `axis`.
    broadcast = [1] * len(shape)
    broadcast[axis] = channels
    target = w.int64s(broadcast)

    def along_axis(name: str) -> str:
        return w.node("Reshape", [name, target])

    centered = w.node("Sub", [source, along_axis(mean)])
    deviation = w.node(
        "Sqrt", [w.node("Add", [along_axis(variance), w.scalar(epsilon, data_type)])]
    )
    _scale_and_shift(
        w, w.node("Div", [centered, deviation]), scale and along_axis(scale), bias, along_axis, out
    )


def _scale_and_shift(
    w: _ModelWriter,
    value: str,
    scale: str | None,
    bias: str | None,
    shape_bias: Callable[[str], str],
    out: str,
) -> None:
    """value * scale + bias into `out`, skipping the absent ones."""
    if scale is not None:
        value = w.node("Mul", [value, scale], None if bias else out)
    if bias is not None:
        w.node("Add", [value, shape_bias(bias)], out)
    elif scale is None:
        w.node("Identity", [value], out)


def _lower_layer_normalization(
    w: _ModelWriter, op: Operation, x: Names, d: Descriptors, out: str
) -> None:
    data_type, shape = d[0].data_type, d[0].shape
    axes, epsilon = list(op.attributes["axes"]), op.attributes["epsilon"]
    source = x[0]
    scale = x[1] if len(x) > 1 else None
    bias = x[2] if len(x) > 2 else None
    rank = len(shape)
    if axes and axes == list(range(axes[0], rank)):
        # A trailing run of axes in order is exactly ONNX LayerNormalization(axis=first), whose
        # scale input is required.
        normalized = shape[axes[0] :]
        scale = scale or w.constant(np.ones(normalized, data_type.numpy_dtype))
        inputs = [source, scale] + ([bias] if bias else [])
        w.node("LayerNormalization", inputs, out, axis=axes[0], epsilon=epsilon)
        return
    # Otherwise decompose: mean and variance over `axes` (kept as size-1 dimensions).
    # noop_with_empty_axes makes empty axes a no-op rather than ONNX's "reduce everything".
    reduce_axes = [w.int64s(sorted(axes))] if axes else []
    mean = w.node("ReduceMean", [source, *reduce_axes], keepdims=1, noop_with_empty_axes=1)
    centered = w.node("Sub", [source, mean])
    squared = w.node("Mul", [centered, centered])
    variance = w.node("ReduceMean", [squared, *reduce_axes], keepdims=1, noop_with_empty_axes=1)
    deviation = w.node("Sqrt", [w.node("Add", [variance, w.scalar(epsilon, data_type)])])
    normalized = w.node("Div", [centered, deviation])

    # scale and bias are shaped in the order of `axes`: permute them into increasing axis
    # order, then give them size-1 dimensions elsewhere so they broadcast over the input.
    order = sorted(range(len(axes)), key=lambda i: axes[i])
    broadcast = [shape[i] if i in axes else 1 for i in range(rank)]

    def along_axes(name: str) -> str:
        if order != list(range(len(axes))):
            name = w.node("Transpose", [name], perm=order)
        return w.node("Reshape", [name, w.int64s(broadcast)])

    _scale_and_shift(w, normalized, scale and along_axes(scale), bias, along_axes, out)


_LOWERINGS: dict[str, Lowering] = {
    **{op: _lower_binary for op in _BINARY},
    **{op: _lower_unary for op in _UNARY},
    "matmul": _lower_matmul,
    "gemm": _lower_gemm,
    "conv2d": _lower_conv2d,
    "averagePool2d": _lower_pool,
    "maxPool2d": _lower_pool,
    "softmax": _lower_softmax,
    "clamp": _lower_clamp,
    "reshape": _lower_reshape,
    "transpose": _lower_transpose,
    "concat": _lower_concat,
    "slice": _lower_slice,
    "cast": _lower_cast,
    "batchNormalization": _lower_batch_normalization,
    "layerNormalization": _lower_layer_normalization,
}


def _value_info(name: str, descriptor: OperandDescriptor) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(
        name, ONNX_TYPES[descriptor.data_type], list(descriptor.shape)
    )


def lower_to_onnx(validated: ValidatedGraph) -> bytes:
    """The serialized ONNX ModelProto computing the graph's named outputs from its inputs."""
    w = _ModelWriter(validated)
    for constant in validated.constants:
        descriptor = constant.descriptor
        values = np.frombuffer(constant.data, descriptor.data_type.numpy_dtype)
        w.initializers.append(
            numpy_helper.from_array(values.reshape(descriptor.shape), w.name(constant.id))
        )
    for operation in validated.operations:
        names = [None if i == NO_OPERAND else w.name(i) for i in operation.inputs]
        descriptors = [validated.descriptors.get(i) for i in operation.inputs]
        _LOWERINGS[operation.op](w, operation, names, descriptors, w.name(operation.outputs[0]))
    # Outputs get their own names through Identity, so one operand may back several outputs.
    for output in validated.outputs:
        w.node("Identity", [w.name(output.id)], output.name)

    graph = helper.make_graph(
        w.nodes,
        "webnpu",
        [_value_info(i.name, i.descriptor) for i in validated.inputs],
        [_value_info(o.name, validated.descriptors[o.id]) for o in validated.outputs],
        initializer=w.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="webnpu",
        ir_version=IR_VERSION,
    )
    return model.SerializeToString()
