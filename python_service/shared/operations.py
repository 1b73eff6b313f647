"""Shape and data-type inference for every graph-builder operation, after WebNN's rules.

Each `_infer_*` function follows the validation steps of the matching MLGraphBuilder method in
the WebNN specification (https://www.w3.org/TR/webnn/), section "The MLGraphBuilder interface".
It receives the operation's operands by slot name and its attributes with defaults applied, and
returns the result descriptor plus the attributes the lowering should use (defaults resolved,
so the service never re-derives them). A broken rule raises `RuleViolation`; graph.py turns it
into a `GraphError` naming the operation and operand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .tensors import (
    FLOAT_TYPES,
    MAX_DIMENSION,
    DataType,
    Limits,
    OperandDescriptor,
    TensorError,
    check_descriptor,
    check_shape,
    checked_element_count,
)

_UINT32_MAX = 2**32 - 1


class RuleViolation(Exception):
    """One broken rule; `slot` names the operand it concerns, or None for the whole operation."""

    def __init__(self, rule: str, slot: str | None = None) -> None:
        super().__init__(rule)
        self.rule = rule
        self.slot = slot


Operands = Mapping[str, OperandDescriptor]
Attributes = dict[str, Any]
InferFunction = Callable[[Operands, Attributes, Limits], OperandDescriptor]


@dataclass(frozen=True)
class AttributeSpec:
    """How an attribute is typed on the wire, and its IDL default (None: absent or derived)."""

    kind: str  # "uint", "uints", "double", "number", "bool", "datatype", or "enum"
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperationSpec:
    """An operation's signature: operand slots in order, attributes, and its inference."""

    name: str
    inputs: tuple[str, ...]
    infer: InferFunction
    optional_inputs: tuple[str, ...] = ()
    variadic: bool = False  # concat: any number (at least one) of operands named inputs[i]
    attributes: Mapping[str, AttributeSpec] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Attribute checks: the wire carries untrusted values, so types and ranges are checked here as
# WebIDL conversion would have on the client ([EnforceRange] unsigned long, restricted double).


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_attribute(name: str, spec: AttributeSpec, value: Any) -> Any:
    if spec.kind == "uint":
        if not _is_int(value) or not 0 <= value <= _UINT32_MAX:
            raise RuleViolation(f"attribute '{name}' must be an unsigned long, got {value!r}")
        return value
    if spec.kind == "uints":
        if not isinstance(value, tuple | list) or not all(
            _is_int(v) and 0 <= v <= _UINT32_MAX for v in value
        ):
            raise RuleViolation(
                f"attribute '{name}' must be a sequence of unsigned long, got {value!r}"
            )
        return tuple(value)
    if spec.kind == "double":
        # IDL `double` is restricted: NaN and infinities are TypeErrors.
        if not (_is_int(value) or isinstance(value, float)) or not math.isfinite(value):
            raise RuleViolation(f"attribute '{name}' must be a finite double, got {value!r}")
        return float(value)
    if spec.kind == "number":
        # NPUNumber is (bigint or unrestricted double): infinities are meaningful bounds.
        if not (_is_int(value) or isinstance(value, float)) or value != value:
            raise RuleViolation(f"attribute '{name}' must be a number, got {value!r}")
        return value
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise RuleViolation(f"attribute '{name}' must be a boolean, got {value!r}")
        return value
    if spec.kind == "datatype":
        try:
            return DataType.parse(value).value
        except TensorError:
            raise RuleViolation(
                f"attribute '{name}' must be an NPUDataType, got {value!r}"
            ) from None
    if spec.kind == "enum":
        if value not in spec.choices:
            raise RuleViolation(
                f"attribute '{name}' must be one of {list(spec.choices)}, got {value!r}"
            )
        return value
    raise AssertionError(spec.kind)


def check_attributes(spec: OperationSpec, given: Mapping[str, Any]) -> Attributes:
    """The attributes with defaults applied, after refusing unknown, missing or mistyped ones."""
    for name in sorted(given):
        if name not in spec.attributes:
            raise RuleViolation(f"unknown attribute '{name}'")
    result: Attributes = {}
    for name, attribute in spec.attributes.items():
        if name in given and given[name] is not None:
            result[name] = _check_attribute(name, attribute, given[name])
        elif attribute.required:
            raise RuleViolation(f"attribute '{name}' is required")
        else:
            result[name] = attribute.default
    return result


# --------------------------------------------------------------------------------------------
# Shared rules.


def _require_types(slot: str, operand: OperandDescriptor, allowed: frozenset[DataType]) -> None:
    if operand.data_type not in allowed:
        names = ", ".join(t.value for t in DataType if t in allowed)
        raise RuleViolation(
            f"data type {operand.data_type.value} is not supported (allowed: {names})", slot
        )


def _require_same_type(slot: str, operand: OperandDescriptor, ref: str, other: Any) -> None:
    if operand.data_type != other.data_type:
        raise RuleViolation(
            f"data type {operand.data_type.value} does not match '{ref}' ({other.data_type.value})",
            slot,
        )


def _require_rank(slot: str, operand: OperandDescriptor, rank: int) -> None:
    if operand.rank != rank:
        raise RuleViolation(f"must be a {rank}-D tensor, got rank {operand.rank}", slot)


def _require_length(name: str, values: tuple[int, ...], length: int) -> None:
    if len(values) != length:
        raise RuleViolation(f"'{name}' must have {length} values, got {len(values)}")


def _require_positive(name: str, values: tuple[int, ...]) -> None:
    if any(v < 1 for v in values):
        raise RuleViolation(f"'{name}' values must be at least 1, got {list(values)}")


def _result(data_type: DataType, shape: tuple[int, ...]) -> OperandDescriptor:
    if any(d > MAX_DIMENSION for d in shape):
        raise RuleViolation(f"result dimension exceeds {MAX_DIMENSION} in {list(shape)}")
    return OperandDescriptor(data_type, shape)


def broadcast_shapes(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """WebNN "bidirectionally broadcast the shapes" (numpy rules); None if incompatible."""
    rank = max(len(a), len(b))
    a_padded = (1,) * (rank - len(a)) + a
    b_padded = (1,) * (rank - len(b)) + b
    result = []
    for x, y in zip(a_padded, b_padded, strict=True):
        if x != y and 1 not in (x, y):
            return None
        result.append(max(x, y))
    return tuple(result)


def unidirectionally_broadcastable(source: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """WebNN "unidirectionally broadcastable": source stretches to target, never the reverse."""
    if len(source) > len(target):
        return False
    padded = (1,) * (len(target) - len(source)) + source
    return all(s in (t, 1) for s, t in zip(padded, target, strict=True))


# --------------------------------------------------------------------------------------------
# Element-wise binary: add, sub, mul, div, max, min, pow ("element-wise binary operations").


def _infer_binary(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    a, b = operands["a"], operands["b"]
    _require_same_type("b", b, "a", a)
    return _broadcast_result(a, b)


# pow: the types onnxruntime's CPU Pow kernel implements (and WebNN's pow lists); the 8-bit and
# unsigned types would validate but fail to compile, a late OperationError instead of a TypeError.
_POW_TYPES = FLOAT_TYPES | {DataType.INT32, DataType.INT64}


def _infer_pow(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    a, b = operands["a"], operands["b"]
    _require_types("a", a, _POW_TYPES)
    _require_same_type("b", b, "a", a)
    return _broadcast_result(a, b)


def _broadcast_result(a: OperandDescriptor, b: OperandDescriptor) -> OperandDescriptor:
    shape = broadcast_shapes(a.shape, b.shape)
    if shape is None:
        raise RuleViolation(f"shapes {list(a.shape)} and {list(b.shape)} are not broadcastable")
    return _result(a.data_type, shape)


# --------------------------------------------------------------------------------------------
# matmul and gemm.


def _infer_matmul(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    a, b = operands["a"], operands["b"]
    _require_types("a", a, FLOAT_TYPES)
    _require_same_type("b", b, "a", a)
    for slot, operand in (("a", a), ("b", b)):
        if operand.rank < 2:
            raise RuleViolation(f"must have rank at least 2, got rank {operand.rank}", slot)
    if a.shape[-1] != b.shape[-2]:
        raise RuleViolation(
            f"inner dimensions do not match: a is {list(a.shape)}, b is {list(b.shape)}"
        )
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    if batch is None:
        raise RuleViolation(
            f"batch dimensions {list(a.shape[:-2])} and {list(b.shape[:-2])} are not broadcastable"
        )
    return _result(a.data_type, batch + (a.shape[-2], b.shape[-1]))


def _infer_gemm(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    a, b = operands["a"], operands["b"]
    _require_types("a", a, FLOAT_TYPES)
    _require_same_type("b", b, "a", a)
    _require_rank("a", a, 2)
    _require_rank("b", b, 2)
    m, k = reversed(a.shape) if attrs["aTranspose"] else a.shape
    k_b, n = reversed(b.shape) if attrs["bTranspose"] else b.shape
    if k != k_b:
        raise RuleViolation(
            f"inner dimensions do not match: a gives {k}, b gives {k_b} (after transposes)"
        )
    if "c" in operands:
        c = operands["c"]
        _require_same_type("c", c, "a", a)
        if not unidirectionally_broadcastable(c.shape, (m, n)):
            raise RuleViolation(f"shape {list(c.shape)} does not broadcast to [{m}, {n}]", "c")
    return _result(a.data_type, (m, n))


# --------------------------------------------------------------------------------------------
# conv2d and pooling ("calculate conv2d output sizes", "calculate pool2d output sizes").


def _spatial_output(
    size: int, window: int, dilation: int, stride: int, pad: tuple[int, int], ceil: bool
) -> int:
    effective = (window - 1) * dilation + 1
    padded = size + pad[0] + pad[1]
    if padded < effective:
        raise RuleViolation(
            f"the dilated window ({effective}) is larger than the padded input ({padded})"
        )
    span = padded - effective
    steps = -(-span // stride) if ceil else span // stride
    if ceil and steps * stride >= size + pad[0]:
        # Ceil rounding can add a last window lying wholly in the ending padding. WebNN leaves
        # its value undefined (webmachinelearning/webnn#935: backends return 0 or -inf) and
        # ONNX Runtime drops that window, so refuse it rather than disagree on the shape.
        raise RuleViolation(
            "with roundingType 'ceil' the last window would cover only padding "
            f"(it starts at {steps * stride}, the input ends at {size + pad[0]})"
        )
    return steps + 1


def _spatial_attributes(attrs: Attributes) -> None:
    """Defaults and lengths of padding/strides/dilations, shared by conv2d and pooling."""
    attrs["padding"] = attrs["padding"] if attrs["padding"] is not None else (0, 0, 0, 0)
    attrs["strides"] = attrs["strides"] if attrs["strides"] is not None else (1, 1)
    attrs["dilations"] = attrs["dilations"] if attrs["dilations"] is not None else (1, 1)
    _require_length("padding", attrs["padding"], 4)
    _require_length("strides", attrs["strides"], 2)
    _require_length("dilations", attrs["dilations"], 2)
    _require_positive("strides", attrs["strides"])
    _require_positive("dilations", attrs["dilations"])


# Layouts name their dimensions by letter (WebNN MLInputOperandLayout and
# MLConv2dFilterOperandLayout): n batches, c channels, h height, w width; for a filter, o output
# channels, i input channels per group, h and w the kernel's height and width.
INPUT_LAYOUTS = ("nchw", "nhwc")
FILTER_LAYOUTS = ("oihw", "hwio", "ohwi", "ihwo")


def dimensions(shape: tuple[int, ...], layout: str) -> dict[str, int]:
    """Each of a 4-D shape's dimensions by its layout letter."""
    return dict(zip(layout, shape, strict=True))


def _in_layout(layout: str, **sizes: int) -> tuple[int, ...]:
    return tuple(sizes[letter] for letter in layout)


def _infer_conv2d(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    x, w = operands["input"], operands["filter"]
    _require_types("input", x, FLOAT_TYPES)
    _require_same_type("filter", w, "input", x)
    _require_rank("input", x, 4)
    _require_rank("filter", w, 4)
    _spatial_attributes(attrs)
    groups = attrs["groups"]
    if groups < 1:
        raise RuleViolation(f"'groups' must be at least 1, got {groups}")
    image = dimensions(x.shape, attrs["inputLayout"])
    kernel = dimensions(w.shape, attrs["filterLayout"])
    channels, out_channels, filter_channels = image["c"], kernel["o"], kernel["i"]
    if channels % groups != 0:
        raise RuleViolation(f"input channels ({channels}) are not divisible by groups ({groups})")
    if filter_channels != channels // groups:
        raise RuleViolation(
            f"filter input channels ({filter_channels}) must equal input channels / groups "
            f"({channels // groups})",
            "filter",
        )
    # Not a WebNN step, but every backend (ONNX Conv "group") needs whole output groups.
    if out_channels % groups != 0:
        raise RuleViolation(
            f"filter output channels ({out_channels}) are not divisible by groups ({groups})",
            "filter",
        )
    if "bias" in operands:
        bias = operands["bias"]
        _require_same_type("bias", bias, "input", x)
        if bias.shape != (out_channels,):
            raise RuleViolation(f"must have shape [{out_channels}], got {list(bias.shape)}", "bias")
    pad, strides, dilations = attrs["padding"], attrs["strides"], attrs["dilations"]
    out_h = _spatial_output(image["h"], kernel["h"], dilations[0], strides[0], pad[0:2], False)
    out_w = _spatial_output(image["w"], kernel["w"], dilations[1], strides[1], pad[2:4], False)
    shape = _in_layout(attrs["inputLayout"], n=image["n"], c=out_channels, h=out_h, w=out_w)
    return _result(x.data_type, shape)


def _infer_pool(operands: Operands, attrs: Attributes, allowed: frozenset[DataType]) -> Any:
    x = operands["input"]
    _require_types("input", x, allowed)
    _require_rank("input", x, 4)
    _spatial_attributes(attrs)
    image = dimensions(x.shape, attrs["layout"])
    if attrs["windowDimensions"] is None:
        attrs["windowDimensions"] = (image["h"], image["w"])  # global pooling
    window = attrs["windowDimensions"]
    _require_length("windowDimensions", window, 2)
    _require_positive("windowDimensions", window)
    pad, strides, dilations = attrs["padding"], attrs["strides"], attrs["dilations"]
    ceil = attrs["roundingType"] == "ceil"
    out_h = _spatial_output(image["h"], window[0], dilations[0], strides[0], pad[0:2], ceil)
    out_w = _spatial_output(image["w"], window[1], dilations[1], strides[1], pad[2:4], ceil)
    shape = _in_layout(attrs["layout"], n=image["n"], c=image["c"], h=out_h, w=out_w)
    return _result(x.data_type, shape)


def _infer_average_pool(operands: Operands, attrs: Attributes, limits: Limits) -> Any:
    return _infer_pool(operands, attrs, FLOAT_TYPES)


_MAX_POOL_TYPES = FLOAT_TYPES | {DataType.INT8, DataType.UINT8}


def _infer_max_pool(operands: Operands, attrs: Attributes, limits: Limits) -> Any:
    return _infer_pool(operands, attrs, _MAX_POOL_TYPES)


# --------------------------------------------------------------------------------------------
# Element-wise unary and activations.

_RELU_TYPES = FLOAT_TYPES | {DataType.INT32, DataType.INT8}


def _unary(allowed: frozenset[DataType] | None) -> InferFunction:
    def infer(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
        x = operands["input"]
        if allowed is not None:
            _require_types("input", x, allowed)
        return x

    return infer


def _infer_softmax(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    x = operands["input"]
    _require_types("input", x, FLOAT_TYPES)
    if attrs["axis"] >= x.rank:
        raise RuleViolation(f"'axis' ({attrs['axis']}) must be less than the rank ({x.rank})")
    return x


def _infer_clamp(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    low = attrs["minValue"] if attrs["minValue"] is not None else -math.inf
    high = attrs["maxValue"] if attrs["maxValue"] is not None else math.inf
    if low > high:
        raise RuleViolation(f"'minValue' ({low}) is greater than 'maxValue' ({high})")
    return operands["input"]


def _infer_cast(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    return OperandDescriptor(DataType(attrs["dataType"]), operands["input"].shape)


# --------------------------------------------------------------------------------------------
# Shape manipulation.


def _infer_reshape(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    x = operands["input"]
    try:
        shape = check_shape(attrs["newShape"], limits)
    except TensorError as error:
        raise RuleViolation(f"'newShape' is invalid: {error}") from None
    count = checked_element_count(shape, 2**64)
    if count != x.element_count:
        raise RuleViolation(
            f"'newShape' {list(shape)} has {count} elements, the input {list(x.shape)} "
            f"has {x.element_count}"
        )
    return OperandDescriptor(x.data_type, shape)


def _infer_transpose(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    x = operands["input"]
    if attrs["permutation"] is None:
        attrs["permutation"] = tuple(reversed(range(x.rank)))
    permutation = attrs["permutation"]
    if sorted(permutation) != list(range(x.rank)):
        raise RuleViolation(
            f"'permutation' {list(permutation)} is not a permutation of the input's "
            f"{x.rank} dimensions"
        )
    return OperandDescriptor(x.data_type, tuple(x.shape[p] for p in permutation))


def _infer_concat(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    first = operands["inputs[0]"]
    axis = attrs["axis"]
    if axis >= first.rank:
        raise RuleViolation(f"'axis' ({axis}) must be less than the rank ({first.rank})")
    total = 0
    for slot, operand in operands.items():
        _require_same_type(slot, operand, "inputs[0]", first)
        if operand.rank != first.rank:
            raise RuleViolation(
                f"rank {operand.rank} does not match inputs[0] ({first.rank})", slot
            )
        for dim in range(first.rank):
            if dim != axis and operand.shape[dim] != first.shape[dim]:
                raise RuleViolation(
                    f"dimension {dim} is {operand.shape[dim]}, inputs[0] has {first.shape[dim]}",
                    slot,
                )
        total += operand.shape[axis]
    shape = first.shape[:axis] + (total,) + first.shape[axis + 1 :]
    return _result(first.data_type, shape)


def _infer_slice(operands: Operands, attrs: Attributes, limits: Limits) -> OperandDescriptor:
    x = operands["input"]
    starts, sizes = attrs["starts"], attrs["sizes"]
    _require_length("starts", starts, x.rank)
    _require_length("sizes", sizes, x.rank)
    _require_positive("sizes", sizes)
    for dim, (start, size, extent) in enumerate(zip(starts, sizes, x.shape, strict=True)):
        if start + size > extent:
            raise RuleViolation(
                f"dimension {dim}: start {start} + size {size} exceeds the input's {extent}"
            )
    return OperandDescriptor(x.data_type, tuple(sizes))


# --------------------------------------------------------------------------------------------
# Normalization.


def _infer_batch_normalization(operands: Operands, attrs: Attributes, limits: Limits) -> Any:
    x = operands["input"]
    _require_types("input", x, FLOAT_TYPES)
    axis = attrs["axis"]
    if axis >= x.rank:
        raise RuleViolation(f"'axis' ({axis}) must be less than the rank ({x.rank})")
    channels = x.shape[axis]
    for slot in ("mean", "variance", "scale", "bias"):
        if slot in operands:
            _require_same_type(slot, operands[slot], "input", x)
            if operands[slot].shape != (channels,):
                raise RuleViolation(
                    f"must have shape [{channels}], got {list(operands[slot].shape)}", slot
                )
    return x


def _infer_layer_normalization(operands: Operands, attrs: Attributes, limits: Limits) -> Any:
    x = operands["input"]
    _require_types("input", x, FLOAT_TYPES)
    if attrs["axes"] is None:
        attrs["axes"] = tuple(range(1, x.rank))
    axes = attrs["axes"]
    if any(a >= x.rank for a in axes) or len(set(axes)) != len(axes):
        raise RuleViolation(
            f"'axes' {list(axes)} must be distinct dimensions less than the rank ({x.rank})"
        )
    expected = tuple(x.shape[a] for a in axes)
    for slot in ("scale", "bias"):
        if slot in operands:
            _require_same_type(slot, operands[slot], "input", x)
            if operands[slot].shape != expected:
                raise RuleViolation(
                    f"must have shape {list(expected)}, got {list(operands[slot].shape)}", slot
                )
    return x


# --------------------------------------------------------------------------------------------
# The operation table.

_SPATIAL = {
    "padding": AttributeSpec("uints"),
    "strides": AttributeSpec("uints"),
    "dilations": AttributeSpec("uints"),
}


def _spec(name: str, inputs: tuple[str, ...], infer: InferFunction, **kw: Any) -> OperationSpec:
    return OperationSpec(name, inputs, infer, **kw)


OPERATIONS: Mapping[str, OperationSpec] = {
    spec.name: spec
    for spec in [
        *(_spec(op, ("a", "b"), _infer_binary) for op in ("add", "sub", "mul", "div")),
        *(_spec(op, ("a", "b"), _infer_binary) for op in ("max", "min")),
        _spec("pow", ("a", "b"), _infer_pow),
        _spec("matmul", ("a", "b"), _infer_matmul),
        _spec(
            "gemm",
            ("a", "b"),
            _infer_gemm,
            optional_inputs=("c",),
            attributes={
                "alpha": AttributeSpec("double", 1.0),
                "beta": AttributeSpec("double", 1.0),
                "aTranspose": AttributeSpec("bool", False),
                "bTranspose": AttributeSpec("bool", False),
            },
        ),
        _spec(
            "conv2d",
            ("input", "filter"),
            _infer_conv2d,
            optional_inputs=("bias",),
            attributes={
                **_SPATIAL,
                "groups": AttributeSpec("uint", 1),
                "inputLayout": AttributeSpec("enum", "nchw", choices=INPUT_LAYOUTS),
                "filterLayout": AttributeSpec("enum", "oihw", choices=FILTER_LAYOUTS),
            },
        ),
        *(
            _spec(
                op,
                ("input",),
                infer,
                attributes={
                    **_SPATIAL,
                    "windowDimensions": AttributeSpec("uints"),
                    "layout": AttributeSpec("enum", "nchw", choices=INPUT_LAYOUTS),
                    "roundingType": AttributeSpec("enum", "floor", choices=("floor", "ceil")),
                },
            )
            for op, infer in (
                ("averagePool2d", _infer_average_pool),
                ("maxPool2d", _infer_max_pool),
            )
        ),
        _spec("relu", ("input",), _unary(_RELU_TYPES)),
        _spec("sigmoid", ("input",), _unary(FLOAT_TYPES)),
        _spec("tanh", ("input",), _unary(FLOAT_TYPES)),
        _spec("gelu", ("input",), _unary(FLOAT_TYPES)),
        _spec(
            "softmax",
            ("input",),
            _infer_softmax,
            attributes={"axis": AttributeSpec("uint", required=True)},
        ),
        _spec(
            "clamp",
            ("input",),
            _infer_clamp,
            attributes={"minValue": AttributeSpec("number"), "maxValue": AttributeSpec("number")},
        ),
        _spec(
            "reshape",
            ("input",),
            _infer_reshape,
            attributes={"newShape": AttributeSpec("uints", required=True)},
        ),
        _spec(
            "transpose",
            ("input",),
            _infer_transpose,
            attributes={"permutation": AttributeSpec("uints")},
        ),
        _spec(
            "concat",
            (),
            _infer_concat,
            variadic=True,
            attributes={"axis": AttributeSpec("uint", required=True)},
        ),
        _spec(
            "slice",
            ("input",),
            _infer_slice,
            attributes={
                "starts": AttributeSpec("uints", required=True),
                "sizes": AttributeSpec("uints", required=True),
            },
        ),
        _spec(
            "batchNormalization",
            ("input", "mean", "variance"),
            _infer_batch_normalization,
            optional_inputs=("scale", "bias"),
            attributes={
                "axis": AttributeSpec("uint", 1),
                "epsilon": AttributeSpec("double", 1e-5),
            },
        ),
        _spec(
            "layerNormalization",
            ("input",),
            _infer_layer_normalization,
            optional_inputs=("scale", "bias"),
            attributes={
                "axes": AttributeSpec("uints"),
                "epsilon": AttributeSpec("double", 1e-5),
            },
        ),
        _spec(
            "cast",
            ("input",),
            _infer_cast,
            attributes={"dataType": AttributeSpec("datatype", required=True)},
        ),
    ]
}


def slot_names(spec: OperationSpec, count: int) -> tuple[str, ...]:
    """The slot name of each of `count` operands given to the operation."""
    if spec.variadic:
        return tuple(f"inputs[{i}]" for i in range(count))
    return (spec.inputs + spec.optional_inputs)[:count]


def infer(
    spec: OperationSpec,
    operands: Mapping[str, OperandDescriptor],
    attributes: Mapping[str, Any],
    limits: Limits,
) -> tuple[OperandDescriptor, Attributes]:
    """The result descriptor and the attributes with defaults resolved; RuleViolation if not."""
    attrs = check_attributes(spec, attributes)
    result = spec.infer(operands, attrs, limits)
    try:
        check_descriptor(result, limits)
    except TensorError as error:
        raise RuleViolation(f"result {error}") from None
    return result, attrs
