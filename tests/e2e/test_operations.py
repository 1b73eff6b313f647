"""Every graph-builder operation, built, run by the real service and checked against numpy.

The references below are written from the WebNN / ONNX definitions of each operation, in
float64 numpy, and never reuse the service's lowering: a wrong lowering (a swapped padding
order, a transposed scale, padding counted in an average) shows up as a numeric mismatch here.

Each case is a function `(builder, rng) -> Case`: it records its graph on the builder and
returns the named outputs, the input arrays and the expected arrays.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from python_service.shared.operations import OPERATIONS
from tests.layouts import reorder

from .conftest import TIMEOUT, descriptor, run_graph

ATOL = 1e-5


@dataclass
class Case:
    outputs: dict[str, Any]
    inputs: dict[str, np.ndarray]
    expected: dict[str, np.ndarray]
    rtol: float = 0.0  # relative tolerance on top of ATOL, for cases with large values
    extra: dict[str, Any] = field(default_factory=dict)


CaseFunction = Callable[[Any, np.random.Generator], Case]

# (operation name, case id, case function); filled by the @case decorator below.
CASES: list[tuple[str, str, CaseFunction]] = []


def case(op: str, case_id: str) -> Callable[[CaseFunction], CaseFunction]:
    def register(function: CaseFunction) -> CaseFunction:
        CASES.append((op, case_id, function))
        return function

    return register


def rand(rng: np.random.Generator, shape: Sequence[int], low=-1.0, high=1.0) -> np.ndarray:
    return rng.uniform(low, high, size=tuple(shape)).astype(np.float32)


def graph_input(builder: Any, name: str, array: np.ndarray) -> Any:
    return builder.input(name, descriptor(str(array.dtype), array.shape))


def graph_constant(builder: Any, array: np.ndarray) -> Any:
    return builder.constant(descriptor(str(array.dtype), array.shape), np.ascontiguousarray(array))


def f64(array: np.ndarray) -> np.ndarray:
    return array.astype(np.float64)


# --------------------------------------------------------------------------------------------
# input and constant


@case("input", "used_twice")
def _input_twice(b: Any, rng: np.random.Generator) -> Case:
    x = rand(rng, (3, 5))
    source = graph_input(b, "x", x)
    return Case({"y": b.mul(source, source)}, {"x": x}, {"y": f64(x) * f64(x)})


def test_input_cannot_be_output(device: Any) -> None:
    """WebNN: a graph input is not an operation's result, so it cannot be named as an output."""
    builder = device.create_graph_builder()
    x = builder.input("x", descriptor("float32", [2]))
    with pytest.raises(TypeError, match="input cannot be an output"):
        builder.build({"y": x}).result(TIMEOUT)


@case("input", "two_inputs_two_types")
def _input_two(b: Any, rng: np.random.Generator) -> Case:
    x = rand(rng, (2, 3, 4))
    n = rng.integers(-50, 50, size=(4, 2), dtype=np.int32)
    xo = b.relu(graph_input(b, "x", x))
    no = b.relu(graph_input(b, "n", n))
    return Case(
        {"fx": xo, "fn": no},
        {"x": x, "n": n},
        {"fx": np.maximum(x, 0), "fn": np.maximum(n, 0)},
    )


@case("constant", "float32_added")
def _constant_float(b: Any, rng: np.random.Generator) -> Case:
    x, k = rand(rng, (2, 3, 4)), rand(rng, (2, 3, 4))
    return Case(
        {"y": b.add(graph_input(b, "x", x), graph_constant(b, k))},
        {"x": x},
        {"y": f64(x) + f64(k)},
    )


@case("constant", "over_64KiB_by_shared_memory")
def _constant_large(b: Any, rng: np.random.Generator) -> Case:
    # 128 x 160 float32 = 80 KiB of constant data: the build message carries it in a memfd.
    x, k = rand(rng, (160, 3)), rand(rng, (128, 160))
    assert k.nbytes > 64 * 1024
    out = b.matmul(graph_constant(b, k), graph_input(b, "x", x))
    return Case({"y": out}, {"x": x}, {"y": f64(k) @ f64(x)}, rtol=1e-5)


@case("constant", "int32_only_constants")
def _constant_int(b: Any, rng: np.random.Generator) -> Case:
    # A graph with no inputs at all: both operands are constants.
    k1 = rng.integers(-1000, 1000, size=(3, 4), dtype=np.int32)
    k2 = rng.integers(-1000, 1000, size=(4,), dtype=np.int32)
    return Case({"y": b.sub(graph_constant(b, k1), graph_constant(b, k2))}, {}, {"y": k1 - k2})


# --------------------------------------------------------------------------------------------
# element-wise binary

BINARY_REFERENCES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "max": np.maximum,
    "min": np.minimum,
    "pow": np.power,
}

BINARY_SHAPES = {
    "same": ((2, 3, 4), (2, 3, 4)),
    "trailing": ((2, 3, 4), (4,)),
    "both_ways": ((3, 1), (2, 1, 5)),
    "scalar": ((2, 3), ()),
}


def _binary_operands(op: str, rng: np.random.Generator, shape_a, shape_b):
    if op == "pow":
        # Positive bases (no NaN), exponents in [-2, 3]: values up to ~30, relative tolerance.
        return rand(rng, shape_a, 0.1, 3.0), rand(rng, shape_b, -2.0, 3.0)
    if op == "div":
        b = rand(rng, shape_b, 0.5, 2.0)
        sign = np.where(rng.random(b.shape) < 0.5, -1, 1).astype(np.float32)
        return rand(rng, shape_a, -4.0, 4.0), np.asarray(b * sign, np.float32)
    return rand(rng, shape_a, -4.0, 4.0), rand(rng, shape_b, -4.0, 4.0)


def _binary_case(op: str, shape_id: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        shape_a, shape_b = BINARY_SHAPES[shape_id]
        x, y = _binary_operands(op, rng, shape_a, shape_b)
        result = getattr(b, op)(graph_input(b, "a", x), graph_input(b, "b", y))
        return Case(
            {"out": result},
            {"a": x, "b": y},
            {"out": BINARY_REFERENCES[op](f64(x), f64(y))},
            rtol=1e-5 if op in ("pow", "div") else 0.0,
        )

    return run


for _op in BINARY_REFERENCES:
    for _shape_id in BINARY_SHAPES:
        case(_op, _shape_id)(_binary_case(_op, _shape_id))


def _binary_int_case(op: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        x = rng.integers(-10000, 10000, size=(2, 3, 4), dtype=np.int32)
        y = rng.integers(-10000, 10000, size=(3, 1), dtype=np.int32)
        result = getattr(b, op)(graph_input(b, "a", x), graph_input(b, "b", y))
        return Case({"out": result}, {"a": x, "b": y}, {"out": BINARY_REFERENCES[op](x, y)})

    return run


for _op in ("add", "sub", "mul", "max", "min"):
    case(_op, "int32")(_binary_int_case(_op))


@case("pow", "negative_base_integer_exponents")
def _pow_negative_base(b: Any, rng: np.random.Generator) -> Case:
    # A negative base is defined for integral exponents: (-2)^3 = -8, (-2)^-2 = 0.25.
    x = rand(rng, (3, 4), -3.0, -0.5)
    y = rng.integers(-3, 4, size=(4,)).astype(np.float32)
    out = b.pow(graph_input(b, "a", x), graph_input(b, "b", y))
    return Case({"out": out}, {"a": x, "b": y}, {"out": np.power(f64(x), f64(y))}, rtol=1e-5)


@case("pow", "int32")
def _pow_int(b: Any, rng: np.random.Generator) -> Case:
    x = rng.integers(-9, 10, size=(2, 3, 4), dtype=np.int32)
    y = rng.integers(0, 6, size=(4,), dtype=np.int32)
    out = b.pow(graph_input(b, "a", x), graph_input(b, "b", y))
    return Case({"out": out}, {"a": x, "b": y}, {"out": np.power(x, y)})


# pow on int8/uint8/uint32/uint64 once passed the shared rules and then failed to compile (a
# late OperationError from build()); the rules now refuse it at the builder call.
@pytest.mark.parametrize("data_type", ["int8", "uint8", "uint32", "uint64"])
def test_pow_small_integer_types_are_refused_or_work(device: Any, data_type: str) -> None:
    builder = device.create_graph_builder()
    try:
        a = builder.input("a", descriptor(data_type, [4]))
        out = builder.pow(a, builder.input("b", descriptor(data_type, [4])))
    except TypeError:
        return  # refused by the builder's rules, with a TypeError naming the operation
    graph = builder.build({"out": out}).result(TIMEOUT)
    x, y = np.array([1, 2, 3, 4], data_type), np.array([3, 2, 1, 0], data_type)
    got = run_graph(device, graph, {"a": x, "b": y})["out"]
    np.testing.assert_array_equal(got, np.power(x, y))


# --------------------------------------------------------------------------------------------
# matmul and gemm


def _matmul_reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched matrix product from the definition: broadcast batch dims, sum over k."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(f64(a), batch + a.shape[-2:])
    b = np.broadcast_to(f64(b), batch + b.shape[-2:])
    return np.einsum("...mk,...kn->...mn", a, b)


MATMUL_SHAPES = {
    "2d": ((5, 7), (7, 3)),
    "batched": ((2, 4, 6), (2, 6, 5)),
    "broadcast_b": ((2, 3, 4, 6), (6, 5)),
    "broadcast_both": ((2, 1, 3, 4), (3, 4, 2)),
}


def _matmul_case(shape_id: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        shape_a, shape_b = MATMUL_SHAPES[shape_id]
        x, y = rand(rng, shape_a, -2, 2), rand(rng, shape_b, -2, 2)
        out = b.matmul(graph_input(b, "a", x), graph_input(b, "b", y))
        return Case({"out": out}, {"a": x, "b": y}, {"out": _matmul_reference(x, y)}, rtol=1e-5)

    return run


for _shape_id in MATMUL_SHAPES:
    case("matmul", _shape_id)(_matmul_case(_shape_id))


GEMM_VARIANTS = {
    # id: (aTranspose, bTranspose, c shape or None, alpha, beta)
    "plain": (False, False, None, 1.0, 1.0),
    "c_full_alpha_beta": (False, False, (4, 5), 0.5, -2.0),
    "c_row_broadcast": (False, False, (5,), 1.5, 0.25),
    "c_column_broadcast": (False, False, (4, 1), 1.0, 3.0),
    "c_scalar": (False, False, (), 1.0, 1.0),
    "a_transposed": (True, False, (4, 5), 2.0, 1.0),
    "b_transposed": (False, True, (1, 5), 1.0, 0.5),
    "both_transposed": (True, True, (4, 5), -1.0, 2.0),
}


def _gemm_case(variant: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        a_t, b_t, c_shape, alpha, beta = GEMM_VARIANTS[variant]
        m, k, n = 4, 6, 5
        x = rand(rng, (k, m) if a_t else (m, k), -2, 2)
        y = rand(rng, (n, k) if b_t else (k, n), -2, 2)
        inputs = {"a": x, "b": y}
        options: dict[str, Any] = {"alpha": alpha, "beta": beta}
        options["aTranspose" if variant == "a_transposed" else "a_transpose"] = a_t
        options["b_transpose"] = b_t
        expected = alpha * ((f64(x).T if a_t else f64(x)) @ (f64(y).T if b_t else f64(y)))
        if c_shape is not None:
            c = rand(rng, c_shape, -2, 2)
            inputs["c"] = c
            options["c"] = graph_input(b, "c", c)
            expected = expected + beta * f64(c)
        out = b.gemm(graph_input(b, "a", x), graph_input(b, "b", y), options)
        return Case({"out": out}, inputs, {"out": expected}, rtol=1e-5)

    return run


for _variant in GEMM_VARIANTS:
    case("gemm", _variant)(_gemm_case(_variant))


# --------------------------------------------------------------------------------------------
# conv2d


def conv2d_reference(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    padding: Sequence[int],  # WebNN order: [top, bottom, left, right]
    strides: Sequence[int],
    dilations: Sequence[int],
    groups: int,
) -> np.ndarray:
    """NCHW / OIHW convolution from the definition: each output element is the sum over its
    group's input channels and the dilated window of the zero-padded input."""
    x, w = f64(x), f64(w)
    batches, channels, height, width = x.shape
    out_channels, group_channels, kh, kw = w.shape
    top, bottom, left, right = padding
    xp = np.zeros((batches, channels, height + top + bottom, width + left + right))
    xp[:, :, top : top + height, left : left + width] = x
    eff_h, eff_w = (kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1
    out_h = (xp.shape[2] - eff_h) // strides[0] + 1
    out_w = (xp.shape[3] - eff_w) // strides[1] + 1
    per_group = out_channels // groups
    out = np.zeros((batches, out_channels, out_h, out_w))
    for o in range(out_channels):
        g = o // per_group
        for i in range(out_h):
            for j in range(out_w):
                for c in range(group_channels):
                    for p in range(kh):
                        for q in range(kw):
                            row = i * strides[0] + p * dilations[0]
                            col = j * strides[1] + q * dilations[1]
                            out[:, o, i, j] += (
                                xp[:, g * group_channels + c, row, col] * w[o, c, p, q]
                            )
    if bias is not None:
        out += f64(bias)[None, :, None, None]
    return out


CONV_VARIANTS = {
    # id: (input shape, filter shape, padding, strides, dilations, groups, bias)
    "plain": ((1, 2, 6, 5), (3, 2, 3, 3), None, None, None, 1, False),
    "same_padding_bias": ((2, 3, 5, 5), (4, 3, 3, 3), (1, 1, 1, 1), None, None, 1, True),
    "asymmetric_padding": ((1, 2, 5, 6), (2, 2, 2, 3), (0, 2, 1, 0), None, None, 1, False),
    "strides": ((1, 2, 7, 8), (3, 2, 3, 2), (1, 0, 0, 1), (2, 3), None, 1, True),
    "dilations": ((1, 2, 8, 7), (2, 2, 3, 2), (1, 1, 2, 2), None, (2, 3), 1, False),
    "groups": ((2, 4, 5, 5), (6, 2, 3, 3), (1, 1, 1, 1), (1, 2), None, 2, True),
    "depthwise": ((1, 3, 6, 6), (3, 1, 3, 3), (1, 1, 1, 1), (2, 2), (1, 1), 3, True),
    "everything": ((1, 4, 9, 8), (4, 2, 2, 3), (2, 1, 0, 3), (2, 1), (2, 2), 2, True),
}


def _conv_case(variant: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        x_shape, w_shape, padding, strides, dilations, groups, with_bias = CONV_VARIANTS[variant]
        x, w = rand(rng, x_shape), rand(rng, w_shape)
        options: dict[str, Any] = {"groups": groups}
        if padding is not None:
            options["padding"] = list(padding)
        if strides is not None:
            options["strides"] = list(strides)
        if dilations is not None:
            options["dilations"] = list(dilations)
        bias = rand(rng, (w_shape[0],)) if with_bias else None
        if bias is not None:
            options["bias"] = graph_constant(b, bias)
        out = b.conv2d(graph_input(b, "x", x), graph_constant(b, w), options)
        expected = conv2d_reference(
            x, w, bias, padding or (0, 0, 0, 0), strides or (1, 1), dilations or (1, 1), groups
        )
        return Case({"y": out}, {"x": x}, {"y": expected}, rtol=1e-5)

    return run


for _variant in CONV_VARIANTS:
    case("conv2d", _variant)(_conv_case(_variant))


INPUT_LAYOUTS = ("nchw", "nhwc")
FILTER_LAYOUTS = ("oihw", "hwio", "ohwi", "ihwo")


def _conv_layout_case(input_layout: str, filter_layout: str) -> CaseFunction:
    """The "everything" convolution (groups, asymmetric padding, strides, dilations, bias) fed
    in other layouts: the expected result is the NCHW/OIHW reference, reordered."""

    def run(b: Any, rng: np.random.Generator) -> Case:
        x, w, bias = rand(rng, (2, 4, 9, 8)), rand(rng, (6, 2, 2, 3)), rand(rng, (6,))
        padding, strides, dilations = (2, 1, 0, 3), (2, 1), (2, 2)
        options = {
            "padding": list(padding),
            "strides": list(strides),
            "dilations": list(dilations),
            "groups": 2,
            "inputLayout": input_layout,
            "filterLayout": filter_layout,
            "bias": graph_constant(b, bias),
        }
        x_in = reorder(x, "nchw", input_layout)
        filter_in = graph_constant(b, reorder(w, "oihw", filter_layout))
        out = b.conv2d(graph_input(b, "x", x_in), filter_in, options)
        expected = conv2d_reference(x, w, bias, padding, strides, dilations, 2)
        return Case({"y": out}, {"x": x_in}, {"y": reorder(expected, "nchw", input_layout)}, 1e-5)

    return run


for _input_layout in INPUT_LAYOUTS:
    for _filter_layout in FILTER_LAYOUTS:
        if (_input_layout, _filter_layout) != ("nchw", "oihw"):  # the variants above
            _id = f"{_input_layout}_{_filter_layout}"
            case("conv2d", _id)(_conv_layout_case(_input_layout, _filter_layout))


@case("conv2d", "nhwc_ihwo_depthwise")
def _conv_depthwise_nhwc(b: Any, rng: np.random.Generator) -> Case:
    # WebNN's depthwise form: ihwo with one input channel per group, groups = the channels.
    x, w, bias = rand(rng, (1, 3, 6, 6)), rand(rng, (3, 1, 3, 3)), rand(rng, (3,))
    options = {
        "padding": [1, 1, 1, 1],
        "strides": [2, 2],
        "groups": 3,
        "inputLayout": "nhwc",
        "filterLayout": "ihwo",
        "bias": graph_constant(b, bias),
    }
    x_in = reorder(x, "nchw", "nhwc")
    filter_in = graph_constant(b, reorder(w, "oihw", "ihwo"))
    out = b.conv2d(graph_input(b, "x", x_in), filter_in, options)
    expected = conv2d_reference(x, w, bias, (1, 1, 1, 1), (2, 2), (1, 1), 3)
    return Case({"y": out}, {"x": x_in}, {"y": reorder(expected, "nchw", "nhwc")}, 1e-5)


def test_conv2d_filter_as_graph_input(device: Any) -> None:
    """The filter and bias need not be constants: here they are inputs of the graph."""
    rng = np.random.default_rng(7)
    x, w, bias = rand(rng, (1, 3, 5, 4)), rand(rng, (2, 3, 2, 2)), rand(rng, (2,))
    builder = device.create_graph_builder()
    out = builder.conv2d(
        graph_input(builder, "x", x),
        graph_input(builder, "w", w),
        {"padding": [1, 0, 0, 1], "bias": graph_input(builder, "bias", bias)},
    )
    graph = builder.build({"y": out}).result(TIMEOUT)
    got = run_graph(device, graph, {"x": x, "w": w, "bias": bias})["y"]
    expected = conv2d_reference(x, w, bias, (1, 0, 0, 1), (1, 1), (1, 1), 1)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=ATOL)


# --------------------------------------------------------------------------------------------
# pooling


def pool2d_reference(
    x: np.ndarray,
    kind: str,
    window: Sequence[int] | None,
    padding: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    ceil: bool,
) -> np.ndarray:
    """Max or average over each dilated window; padding never counts (it is not an element of
    the input: WebNN's averagePool2d averages the window's input elements only)."""
    x = f64(x)
    batches, channels, height, width = x.shape
    kh, kw = window if window is not None else (height, width)
    top, bottom, left, right = padding
    outs = []
    for size, k, d, s, before, after in (
        (height, kh, dilations[0], strides[0], top, bottom),
        (width, kw, dilations[1], strides[1], left, right),
    ):
        span = size + before + after - ((k - 1) * d + 1)
        outs.append((math.ceil(span / s) if ceil else span // s) + 1)
    out = np.zeros((batches, channels, outs[0], outs[1]))
    for i in range(outs[0]):
        for j in range(outs[1]):
            rows = [i * strides[0] + p * dilations[0] - top for p in range(kh)]
            cols = [j * strides[1] + q * dilations[1] - left for q in range(kw)]
            rows = [r for r in rows if 0 <= r < height]
            cols = [c for c in cols if 0 <= c < width]
            window_values = x[:, :, rows][:, :, :, cols].reshape(batches, channels, -1)
            if kind == "max":
                out[:, :, i, j] = window_values.max(axis=2)
            else:
                out[:, :, i, j] = window_values.mean(axis=2)
    return out


POOL_VARIANTS = {
    # id: (input shape, windowDimensions, padding, strides, dilations, roundingType)
    "global": ((2, 3, 5, 4), None, None, None, None, None),
    "window_2x2_stride_2": ((1, 2, 6, 6), (2, 2), None, (2, 2), None, None),
    "overlapping_3x2": ((1, 3, 6, 7), (3, 2), None, (1, 2), None, None),
    "padding": ((2, 2, 5, 5), (3, 3), (1, 1, 2, 0), (2, 1), None, None),
    "dilations": ((1, 2, 8, 9), (2, 3), (0, 1, 1, 0), (1, 2), (2, 2), None),
    "ceil": ((1, 2, 7, 6), (2, 3), None, (2, 2), None, "ceil"),
    "ceil_padded": ((1, 1, 8, 7), (3, 3), (1, 1, 1, 1), (2, 2), None, "ceil"),
    "floor_explicit": ((1, 1, 7, 6), (2, 3), None, (2, 2), None, "floor"),
}


def _pool_case(op: str, variant: str, layout: str = "nchw") -> CaseFunction:
    """A pooling variant; with layout "nhwc" the same NCHW reference, channels moved last."""

    def run(b: Any, rng: np.random.Generator) -> Case:
        shape, window, padding, strides, dilations, rounding = POOL_VARIANTS[variant]
        x = rand(rng, shape, -3, 3)
        options: dict[str, Any] = {} if layout == "nchw" else {"layout": layout}
        for key, value in (
            ("windowDimensions", window),
            ("padding", padding),
            ("strides", strides),
            ("dilations", dilations),
            ("roundingType", rounding),
        ):
            if value is not None:
                options[key] = list(value) if isinstance(value, tuple) else value
        x_in = reorder(x, "nchw", layout)
        out = getattr(b, "average_pool2d" if op == "averagePool2d" else "max_pool2d")(
            graph_input(b, "x", x_in), options
        )
        expected = pool2d_reference(
            x,
            "average" if op == "averagePool2d" else "max",
            window,
            padding or (0, 0, 0, 0),
            strides or (1, 1),
            dilations or (1, 1),
            rounding == "ceil",
        )
        return Case({"y": out}, {"x": x_in}, {"y": reorder(expected, "nchw", layout)})

    return run


for _op in ("averagePool2d", "maxPool2d"):
    for _variant in POOL_VARIANTS:
        case(_op, _variant)(_pool_case(_op, _variant))
    for _variant in ("global", "padding", "dilations", "ceil_padded"):
        case(_op, f"nhwc_{_variant}")(_pool_case(_op, _variant, "nhwc"))


@case("maxPool2d", "nhwc_uint8")
def _max_pool_nhwc_uint8(b: Any, rng: np.random.Generator) -> Case:
    x = rng.integers(0, 256, size=(1, 2, 5, 5), dtype=np.uint8)
    options = {"windowDimensions": [2, 2], "padding": [1, 0, 1, 0], "layout": "nhwc"}
    x_in = reorder(x, "nchw", "nhwc")
    out = b.max_pool2d(graph_input(b, "x", x_in), options)
    expected = pool2d_reference(x, "max", (2, 2), (1, 0, 1, 0), (1, 1), (1, 1), False)
    return Case({"y": out}, {"x": x_in}, {"y": reorder(expected.astype(np.uint8), "nchw", "nhwc")})


@case("maxPool2d", "uint8")
def _max_pool_uint8(b: Any, rng: np.random.Generator) -> Case:
    x = rng.integers(0, 256, size=(1, 2, 5, 5), dtype=np.uint8)
    out = b.max_pool2d(
        graph_input(b, "x", x), {"windowDimensions": [2, 2], "padding": [1, 0, 1, 0]}
    )
    expected = pool2d_reference(x, "max", (2, 2), (1, 0, 1, 0), (1, 1), (1, 1), False)
    return Case({"y": out}, {"x": x}, {"y": expected.astype(np.uint8)})


# --------------------------------------------------------------------------------------------
# element-wise unary and activations


def gelu_reference(x: np.ndarray) -> np.ndarray:
    erf = np.vectorize(math.erf, otypes=[np.float64])
    x = f64(x)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


UNARY_REFERENCES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda x: np.maximum(f64(x), 0.0),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-f64(x))),
    "tanh": lambda x: np.tanh(f64(x)),
    "gelu": gelu_reference,
}


def _unary_case(op: str, shape: tuple[int, ...], scale: float) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        x = rand(rng, shape, -scale, scale)
        x.flat[:3] = [0.0, -0.0, scale * 2]  # zero, negative zero, a larger value
        out = getattr(b, op)(graph_input(b, "x", x))
        return Case({"y": out}, {"x": x}, {"y": UNARY_REFERENCES[op](x)})

    return run


for _op in UNARY_REFERENCES:
    case(_op, "4d")(_unary_case(_op, (2, 3, 4, 5), 4.0))
    case(_op, "wide_range")(_unary_case(_op, (257,), 12.0))


@case("relu", "int32")
def _relu_int(b: Any, rng: np.random.Generator) -> Case:
    x = rng.integers(-(2**31), 2**31 - 1, size=(3, 7), dtype=np.int32)
    return Case({"y": b.relu(graph_input(b, "x", x))}, {"x": x}, {"y": np.maximum(x, 0)})


@case("relu", "int8")
def _relu_int8(b: Any, rng: np.random.Generator) -> Case:
    x = rng.integers(-128, 128, size=(4, 4), dtype=np.int8)
    return Case({"y": b.relu(graph_input(b, "x", x))}, {"x": x}, {"y": np.maximum(x, 0)})


def softmax_reference(x: np.ndarray, axis: int) -> np.ndarray:
    x = f64(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_case(shape: tuple[int, ...], axis: int) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        x = rand(rng, shape, -5, 5)
        out = b.softmax(graph_input(b, "x", x), axis)
        return Case({"y": out}, {"x": x}, {"y": softmax_reference(x, axis)})

    return run


case("softmax", "2d_last_axis")(_softmax_case((4, 10), 1))
case("softmax", "2d_first_axis")(_softmax_case((6, 3), 0))
case("softmax", "4d_middle_axis")(_softmax_case((2, 5, 3, 4), 1))
case("softmax", "3d_axis_2")(_softmax_case((2, 3, 7), 2))


@case("softmax", "large_values")
def _softmax_large(b: Any, rng: np.random.Generator) -> Case:
    # exp(1000) overflows float32: a correct softmax subtracts the maximum first.
    x = rand(rng, (3, 8), -1000, 1000)
    x[0, :2] = [1000.0, 999.0]
    out = b.softmax(graph_input(b, "x", x), 1)
    return Case({"y": out}, {"x": x}, {"y": softmax_reference(x, 1)})


CLAMP_VARIANTS = {
    "both": (-0.5, 0.75),
    "min_only": (-0.25, None),
    "max_only": (None, 0.3),
    "neither": (None, None),
    "equal_bounds": (0.5, 0.5),
    "infinite_bounds": (-math.inf, math.inf),
}


def _clamp_case(variant: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        low, high = CLAMP_VARIANTS[variant]
        x = rand(rng, (3, 4, 5), -2, 2)
        options = {}
        if low is not None:
            options["minValue"] = low
        if high is not None:
            options["max_value"] = high
        out = b.clamp(graph_input(b, "x", x), options)
        expected = np.clip(
            f64(x), -math.inf if low is None else low, math.inf if high is None else high
        )
        return Case({"y": out}, {"x": x}, {"y": expected})

    return run


for _variant in CLAMP_VARIANTS:
    case("clamp", _variant)(_clamp_case(_variant))


@case("clamp", "int32")
def _clamp_int(b: Any, rng: np.random.Generator) -> Case:
    x = rng.integers(-1000, 1000, size=(4, 6), dtype=np.int32)
    out = b.clamp(graph_input(b, "x", x), {"minValue": -100, "maxValue": 250})
    return Case({"y": out}, {"x": x}, {"y": np.clip(x, -100, 250)})


@case("clamp", "int32_infinite_bound")
def _clamp_int_inf(b: Any, rng: np.random.Generator) -> Case:
    # WebNN casts the bounds to the input's type; -inf saturates to the type's minimum.
    x = rng.integers(-(2**31), 2**31 - 1, size=(20,), dtype=np.int32)
    out = b.clamp(graph_input(b, "x", x), {"minValue": -math.inf, "maxValue": 7})
    return Case({"y": out}, {"x": x}, {"y": np.minimum(x, 7)})


# --------------------------------------------------------------------------------------------
# shape manipulation


@case("reshape", "flatten")
def _reshape_flatten(b: Any, rng: np.random.Generator) -> Case:
    x = rand(rng, (2, 3, 4))
    return Case({"y": b.reshape(graph_input(b, "x", x), [24])}, {"x": x}, {"y": x.reshape(24)})


@case("reshape", "regroup_then_add")
def _reshape_regroup(b: Any, rng: np.random.Generator) -> Case:
    # Reshape feeding another op: checks element order, not only the descriptor.
    x, k = rand(rng, (6, 4)), rand(rng, (3, 1, 2))
    y = b.add(b.reshape(graph_input(b, "x", x), [3, 4, 2]), graph_constant(b, k))
    return Case({"y": y}, {"x": x}, {"y": f64(x).reshape(3, 4, 2) + f64(k)})


@case("reshape", "int32_add_unit_dims")
def _reshape_int(b: Any, rng: np.random.Generator) -> Case:
    x = rng.integers(-5, 5, size=(2, 6), dtype=np.int32)
    y = b.reshape(graph_input(b, "x", x), [1, 3, 1, 4, 1])
    return Case({"y": y}, {"x": x}, {"y": x.reshape(1, 3, 1, 4, 1)})


TRANSPOSE_VARIANTS = {
    "default_2d": ((3, 5), None),
    "default_4d": ((2, 3, 4, 5), None),
    "permutation_3d": ((2, 3, 4), (1, 2, 0)),
    "permutation_4d": ((2, 3, 4, 5), (0, 2, 3, 1)),
    "identity_permutation": ((2, 3, 4), (0, 1, 2)),
}


def _transpose_case(variant: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        shape, permutation = TRANSPOSE_VARIANTS[variant]
        x = rand(rng, shape)
        options = {} if permutation is None else {"permutation": list(permutation)}
        out = b.transpose(graph_input(b, "x", x), options)
        # Default: the dimensions reversed (WebNN), which is numpy's default transpose too.
        expected = np.transpose(x, None if permutation is None else permutation)
        return Case({"y": out}, {"x": x}, {"y": expected})

    return run


for _variant in TRANSPOSE_VARIANTS:
    case("transpose", _variant)(_transpose_case(_variant))


def _concat_case(shapes: Sequence[tuple[int, ...]], axis: int, dtype: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        if dtype == "int32":
            arrays = [rng.integers(-99, 99, size=s, dtype=np.int32) for s in shapes]
        else:
            arrays = [rand(rng, s) for s in shapes]
        operands = [graph_input(b, f"x{i}", a) for i, a in enumerate(arrays)]
        out = b.concat(operands, axis)
        return Case(
            {"y": out},
            {f"x{i}": a for i, a in enumerate(arrays)},
            {"y": np.concatenate(arrays, axis=axis)},
        )

    return run


case("concat", "axis0_three")(_concat_case([(1, 3, 2), (2, 3, 2), (3, 3, 2)], 0, "float32"))
case("concat", "axis1")(_concat_case([(2, 1, 4), (2, 5, 4)], 1, "float32"))
case("concat", "last_axis_int32")(_concat_case([(2, 3, 1), (2, 3, 2), (2, 3, 3)], 2, "int32"))
case("concat", "single_input")(_concat_case([(3, 4)], 1, "float32"))


@case("concat", "with_constant")
def _concat_constant(b: Any, rng: np.random.Generator) -> Case:
    x, k = rand(rng, (2, 3)), rand(rng, (2, 2))
    out = b.concat([graph_constant(b, k), graph_input(b, "x", x)], 1)
    return Case({"y": out}, {"x": x}, {"y": np.concatenate([k, x], axis=1)})


SLICE_VARIANTS = {
    "interior_3d": ((4, 5, 6), (1, 2, 3), (2, 3, 2)),
    "whole": ((3, 4), (0, 0), (3, 4)),
    "last_element": ((3, 4, 5), (2, 3, 4), (1, 1, 1)),
    "1d": ((17,), (5,), (9,)),
}


def _slice_case(variant: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        shape, starts, sizes = SLICE_VARIANTS[variant]
        x = rand(rng, shape)
        out = b.slice(graph_input(b, "x", x), list(starts), list(sizes))
        index = tuple(slice(s, s + n) for s, n in zip(starts, sizes, strict=True))
        return Case({"y": out}, {"x": x}, {"y": x[index]})

    return run


for _variant in SLICE_VARIANTS:
    case("slice", _variant)(_slice_case(_variant))


# --------------------------------------------------------------------------------------------
# normalization


def batch_norm_reference(x, mean, variance, scale, bias, axis, epsilon):
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def along(v):
        return f64(v).reshape(shape)

    y = (f64(x) - along(mean)) / np.sqrt(along(variance) + epsilon)
    if scale is not None:
        y = y * along(scale)
    if bias is not None:
        y = y + along(bias)
    return y


BATCH_NORM_VARIANTS = {
    # id: (input shape, axis or None for the default 1, scale, bias, epsilon or None)
    "default_axis_scale_bias": ((2, 3, 4, 5), None, True, True, None),
    "no_scale_no_bias": ((2, 3, 4, 5), None, False, False, None),
    "scale_only_epsilon": ((2, 4, 3), 1, True, False, 1e-3),
    "bias_only": ((3, 4, 2, 2), 1, False, True, None),
    "last_axis_scale_bias": ((2, 3, 5), 2, True, True, None),
    "axis0_bias_only": ((4, 3, 2), 0, False, True, 0.01),
    "2d_axis1": ((6, 5), 1, True, True, None),
}


def _batch_norm_case(variant: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        shape, axis, with_scale, with_bias, epsilon = BATCH_NORM_VARIANTS[variant]
        channels = shape[1 if axis is None else axis]
        x = rand(rng, shape, -3, 3)
        mean, variance = rand(rng, (channels,)), rand(rng, (channels,), 0.1, 2.0)
        scale = rand(rng, (channels,), 0.5, 2.0) if with_scale else None
        bias = rand(rng, (channels,)) if with_bias else None
        options: dict[str, Any] = {}
        if axis is not None:
            options["axis"] = axis
        if epsilon is not None:
            options["epsilon"] = epsilon
        if scale is not None:
            options["scale"] = graph_constant(b, scale)
        if bias is not None:
            options["bias"] = graph_input(b, "bias", bias)
        out = b.batch_normalization(
            graph_input(b, "x", x),
            graph_constant(b, mean),
            graph_input(b, "var", variance),
            options,
        )
        inputs = {"x": x, "var": variance}
        if bias is not None:
            inputs["bias"] = bias
        expected = batch_norm_reference(
            x, mean, variance, scale, bias, 1 if axis is None else axis,
            1e-5 if epsilon is None else epsilon,
        )  # fmt: skip
        return Case({"y": out}, inputs, {"y": expected})

    return run


for _variant in BATCH_NORM_VARIANTS:
    case("batchNormalization", _variant)(_batch_norm_case(_variant))


def layer_norm_reference(x, axes, scale, bias, epsilon):
    """Normalize over `axes` (population variance); scale and bias have the shape of the
    input's dimensions `axes`, in the order `axes` lists them."""
    x = f64(x)
    axes = list(axes)
    mean = x.mean(axis=tuple(axes), keepdims=True) if axes else x
    variance = ((x - mean) ** 2).mean(axis=tuple(axes), keepdims=True) if axes else 0 * x
    y = (x - mean) / np.sqrt(variance + epsilon)

    def expand(v):
        # v's dimension i is the input's dimension axes[i]: give it that place, size 1 elsewhere.
        v = f64(v)
        rest = [d for d in range(x.ndim) if d not in axes]
        full = v.reshape(v.shape + (1,) * len(rest))
        return np.transpose(full, np.argsort(axes + rest))

    if scale is not None:
        y = y * expand(scale)
    if bias is not None:
        y = y + expand(bias)
    return y


LAYER_NORM_VARIANTS = {
    # id: (input shape, axes or None for the default [1..rank), scale, bias, epsilon or None)
    "default_axes": ((2, 3, 4), None, False, False, None),
    "default_axes_scale_bias": ((2, 3, 4), None, True, True, None),
    "last_axis_scale_bias": ((3, 4, 6), (2,), True, True, None),
    "trailing_two_bias_only": ((2, 3, 4, 5), (2, 3), False, True, 1e-3),
    "middle_axis_scale_only": ((2, 5, 3), (1,), True, False, None),
    "unordered_axes_scale_bias": ((3, 4, 5), (2, 0), True, True, None),
    "first_and_last": ((2, 3, 4, 5), (0, 3), True, True, 0.01),
    "empty_axes": ((2, 3), (), False, True, None),
}


def _layer_norm_case(variant: str) -> CaseFunction:
    def run(b: Any, rng: np.random.Generator) -> Case:
        shape, axes, with_scale, with_bias, epsilon = LAYER_NORM_VARIANTS[variant]
        resolved_axes = tuple(range(1, len(shape))) if axes is None else axes
        param_shape = tuple(shape[a] for a in resolved_axes)
        x = rand(rng, shape, -3, 3)
        scale = rand(rng, param_shape, 0.5, 2.0) if with_scale else None
        bias = rand(rng, param_shape) if with_bias else None
        options: dict[str, Any] = {}
        if axes is not None:
            options["axes"] = list(axes)
        if epsilon is not None:
            options["epsilon"] = epsilon
        if scale is not None:
            options["scale"] = graph_constant(b, scale)
        if bias is not None:
            options["bias"] = graph_constant(b, bias)
        out = b.layer_normalization(graph_input(b, "x", x), options)
        expected = layer_norm_reference(
            x, resolved_axes, scale, bias, 1e-5 if epsilon is None else epsilon
        )
        return Case({"y": out}, {"x": x}, {"y": expected})

    return run


for _variant in LAYER_NORM_VARIANTS:
    case("layerNormalization", _variant)(_layer_norm_case(_variant))


# --------------------------------------------------------------------------------------------
# cast


@case("cast", "float32_to_int32")
def _cast_f_to_i(b: Any, rng: np.random.Generator) -> Case:
    # In-range values: the conversion truncates toward zero (ONNX Cast, C++ static_cast).
    x = rand(rng, (4, 5), -1000, 1000)
    x.flat[:6] = [0.0, 0.5, -0.5, 1.999, -1.999, 123456.0]
    out = b.cast(graph_input(b, "x", x), "int32")
    return Case({"y": out}, {"x": x}, {"y": np.trunc(f64(x)).astype(np.int32)})


@case("cast", "int32_to_float32")
def _cast_i_to_f(b: Any, rng: np.random.Generator) -> Case:
    x = rng.integers(-(2**24), 2**24, size=(3, 7), dtype=np.int32)  # exactly representable
    x.flat[:3] = [0, -1, 2**24]
    out = b.cast(graph_input(b, "x", x), "float32")
    return Case({"y": out}, {"x": x}, {"y": x.astype(np.float32)})


@case("cast", "int32_to_float32_large")
def _cast_i_to_f_large(b: Any, rng: np.random.Generator) -> Case:
    # Beyond 2**24, round to nearest even as IEEE conversion does.
    x = np.array([2**24 + 1, 2**31 - 1, -(2**31), 123456789], dtype=np.int32)
    out = b.cast(graph_input(b, "x", x), "float32")
    return Case({"y": out}, {"x": x}, {"y": x.astype(np.float32)})


@case("cast", "float32_to_uint8_and_int8")
def _cast_small(b: Any, rng: np.random.Generator) -> Case:
    x = rand(rng, (10,), 0, 127)
    source = graph_input(b, "x", x)
    return Case(
        {"u": b.cast(source, "uint8"), "i": b.cast(source, "int8")},
        {"x": x},
        {"u": np.trunc(x).astype(np.uint8), "i": np.trunc(x).astype(np.int8)},
    )


@case("cast", "int32_round_trip_through_float32")
def _cast_chain(b: Any, rng: np.random.Generator) -> Case:
    x = rng.integers(-1000, 1000, size=(2, 3, 4), dtype=np.int32)
    halved = b.div(b.cast(graph_input(b, "x", x), "float32"), graph_constant(b, np.float32([2])))
    out = b.cast(halved, "int32")
    return Case({"y": out}, {"x": x}, {"y": np.trunc(x / 2.0).astype(np.int32)})


# --------------------------------------------------------------------------------------------
# running the cases


def check_outputs(graph: Any, case_: Case, got: dict[str, np.ndarray]) -> None:
    assert set(got) == set(case_.expected)
    for name, expected in case_.expected.items():
        actual = got[name]
        assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != {expected.shape}"
        if np.issubdtype(expected.dtype, np.floating):
            assert actual.dtype == np.float32, f"{name}: dtype {actual.dtype}"
            np.testing.assert_allclose(actual, expected, rtol=case_.rtol, atol=ATOL, err_msg=name)
        else:
            assert actual.dtype == expected.dtype, f"{name}: dtype {actual.dtype}"
            np.testing.assert_array_equal(actual, expected, err_msg=name)


@pytest.mark.parametrize(
    "function", [c[2] for c in CASES], ids=[f"{op}-{case_id}" for op, case_id, _ in CASES]
)
def test_operation(device: Any, function: CaseFunction, request: pytest.FixtureRequest) -> None:
    rng = np.random.default_rng(zlib.crc32(request.node.name.encode()))
    builder = device.create_graph_builder()
    case_ = function(builder, rng)
    graph = builder.build(case_.outputs).result(TIMEOUT)
    # The graph's signature is the service's own shape inference: it must agree with numpy's.
    assert {i.name for i in graph.inputs} == set(case_.inputs)
    for info in graph.inputs:
        assert tuple(info.shape) == case_.inputs[info.name].shape
        assert info.data_type == str(case_.inputs[info.name].dtype)
    assert {o.name for o in graph.outputs} == set(case_.expected)
    got = run_graph(device, graph, case_.inputs)
    check_outputs(graph, case_, got)


def test_every_operation_has_a_case() -> None:
    """A new operation in the shared table fails here until it gets an end-to-end case."""
    tested = {op for op, _case_id, _function in CASES}
    assert tested - {"input", "constant"} == set(OPERATIONS)
    assert {"input", "constant"} <= tested
    assert len({(op, case_id) for op, case_id, _ in CASES}) == len(CASES), "duplicate case ids"


def test_chained_graph(device: Any) -> None:
    """Several operations in one graph (a small MLP block), one output used twice."""
    rng = np.random.default_rng(11)
    x, w1, b1 = rand(rng, (4, 8)), rand(rng, (8, 6)), rand(rng, (6,))
    w2 = rand(rng, (6, 3))
    builder = device.create_graph_builder()
    hidden = builder.gelu(
        builder.gemm(
            graph_input(builder, "x", x),
            graph_constant(builder, w1),
            {"c": graph_constant(builder, b1)},
        )
    )
    logits = builder.matmul(hidden, graph_constant(builder, w2))
    probabilities = builder.softmax(logits, 1)
    graph = builder.build({"hidden": hidden, "p": probabilities, "p_again": probabilities}).result(
        TIMEOUT
    )
    got = run_graph(device, graph, {"x": x})
    expected_hidden = gelu_reference(f64(x) @ f64(w1) + f64(b1))
    expected_p = softmax_reference(expected_hidden @ f64(w2), 1)
    np.testing.assert_allclose(got["hidden"], expected_hidden, rtol=1e-5, atol=ATOL)
    np.testing.assert_allclose(got["p"], expected_p, atol=ATOL)
    np.testing.assert_array_equal(got["p"], got["p_again"])
