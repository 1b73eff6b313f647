"""Every operation lowered to ONNX and run by onnxruntime, against numpy references."""

import math

import numpy as np
import onnx
import onnxruntime
import pytest

from python_service.service.lowering import IR_VERSION, OPSET, lower_to_onnx
from python_service.shared.graph import NO_OPERAND, ValidatedGraph
from tests.layouts import reorder

from .sketch import Sketch

TOLERANCE = 1e-5


def run(graph: ValidatedGraph, **feeds: np.ndarray) -> dict[str, np.ndarray]:
    session = onnxruntime.InferenceSession(lower_to_onnx(graph), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, feeds), strict=True))


def check(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype
    if actual.dtype.kind == "f":
        np.testing.assert_allclose(actual, expected, rtol=0, atol=TOLERANCE)
    else:
        np.testing.assert_array_equal(actual, expected)


def random(seed: int, *shape: int, low: float = -1.0, high: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def unary(op: str, x: np.ndarray, **attrs) -> np.ndarray:
    s = Sketch()
    graph = s.validate(y=s.op(op, s.input("x", "float32", x.shape), **attrs))
    return run(graph, x=x)["y"]


# ---------------------------------------------------------------------------------------------
# numpy references.


def erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def windows(x: np.ndarray, window, strides, dilations, padding, fill, out_hw):
    """Every pooling or convolution window of an NCHW tensor: [N, C, OH, OW, KH, KW]."""
    top, bottom, left, right = padding
    # Extra fill on the end covers windows that ceil rounding lets run past the padding.
    padded = np.pad(
        x.astype(np.float64),
        ((0, 0), (0, 0), (top, bottom + x.shape[2]), (left, right + x.shape[3])),
        constant_values=fill,
    )
    n, c = x.shape[:2]
    out = np.empty((n, c, *out_hw, *window))
    for i in range(out_hw[0]):
        for j in range(out_hw[1]):
            rows = i * strides[0] + dilations[0] * np.arange(window[0])
            cols = j * strides[1] + dilations[1] * np.arange(window[1])
            out[:, :, i, j] = padded[:, :, rows][:, :, :, cols]
    return out


def conv2d_reference(x, w, bias, padding, strides, dilations, groups, out_hw):
    patches = windows(x, w.shape[2:], strides, dilations, padding, 0.0, out_hw)
    out_channels = w.shape[0]
    per_group_in = x.shape[1] // groups
    per_group_out = out_channels // groups
    result = np.zeros((x.shape[0], out_channels, *out_hw))
    for g in range(groups):
        p = patches[:, g * per_group_in : (g + 1) * per_group_in]
        k = w[g * per_group_out : (g + 1) * per_group_out].astype(np.float64)
        result[:, g * per_group_out : (g + 1) * per_group_out] = np.einsum(
            "ncijhw,ochw->noij", p, k
        )
    if bias is not None:
        result += bias.reshape(1, -1, 1, 1)
    return result.astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Element-wise binary operations.

BINARY = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "max": np.maximum,
    "min": np.minimum,
    "pow": np.power,
}


@pytest.mark.parametrize("op", list(BINARY))
def test_binary(op):
    a = random(1, 2, 1, 4, low=0.5, high=2.0)
    b = random(2, 3, 1, low=0.5, high=2.0)
    s = Sketch()
    y = s.op(op, s.input("a", "float32", a.shape), s.input("b", "float32", b.shape))
    check(run(s.validate(y=y), a=a, b=b)["y"], BINARY[op](a, b))


def test_binary_integers_with_constant():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    s = Sketch()
    c = s.constant(np.array([10, 20, 30], dtype=np.int32))
    y = s.op("mul", s.input("a", "int32", a.shape), c)
    check(run(s.validate(y=y), a=a)["y"], a * np.array([10, 20, 30], np.int32))


# ---------------------------------------------------------------------------------------------
# matmul and gemm.


def test_matmul():
    a, b = random(3, 2, 1, 3, 4), random(4, 5, 4, 6)
    s = Sketch()
    y = s.op("matmul", s.input("a", "float32", a.shape), s.input("b", "float32", b.shape))
    check(run(s.validate(y=y), a=a, b=b)["y"], np.matmul(a, b))


@pytest.mark.parametrize("with_c", [False, True])
def test_gemm(with_c):
    a, b, c = random(5, 4, 3), random(6, 5, 4), random(7, 5)
    s = Sketch()
    inputs = [s.input("a", "float32", a.shape), s.input("b", "float32", b.shape)]
    if with_c:
        inputs.append(s.constant(c))
    y = s.op("gemm", *inputs, aTranspose=True, bTranspose=True, alpha=0.5, beta=2.0)
    expected = 0.5 * a.T @ b.T + (2.0 * c if with_c else 0)
    check(run(s.validate(y=y), a=a, b=b)["y"], expected.astype(np.float32))


# ---------------------------------------------------------------------------------------------
# conv2d and pooling.


@pytest.mark.parametrize(
    ("groups", "padding", "strides", "dilations", "bias"),
    [
        (1, (0, 0, 0, 0), (1, 1), (1, 1), False),
        (2, (1, 2, 0, 1), (2, 1), (1, 2), True),
        (4, (1, 1, 1, 1), (1, 2), (2, 1), True),
    ],
)
def test_conv2d(groups, padding, strides, dilations, bias):
    x = random(8, 2, 4, 9, 8)
    w = random(9, 8, 4 // groups, 3, 2)
    b = random(10, 8)
    s = Sketch()
    inputs = [s.input("x", "float32", x.shape), s.constant(w)]
    if bias:
        inputs.append(s.constant(b))
    y = s.op(
        "conv2d", *inputs, padding=padding, strides=strides, dilations=dilations, groups=groups
    )
    graph = s.validate(y=y)
    out_hw = graph.descriptors[y].shape[2:]
    expected = conv2d_reference(
        x, w, b if bias else None, padding, strides, dilations, groups, out_hw
    )
    check(run(graph, x=x)["y"], expected)


def test_conv2d_bias_absent_as_no_operand():
    x, w = random(11, 1, 2, 4, 4), random(12, 3, 2, 1, 1)
    s = Sketch()
    y = s.op("conv2d", s.input("x", "float32", x.shape), s.constant(w), NO_OPERAND)
    expected = np.einsum("nchw,oc->nohw", x, w[:, :, 0, 0])
    check(run(s.validate(y=y), x=x)["y"], expected)


@pytest.mark.parametrize("filter_layout", ["oihw", "hwio", "ohwi", "ihwo"])
@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("filter_as_input", [False, True])
def test_conv2d_layouts(input_layout, filter_layout, filter_as_input):
    # The same convolution as the nchw/oihw reference, fed in other layouts: the result must be
    # the reference's, reordered into the input's layout.
    x, w, b = random(60, 2, 4, 7, 6), random(61, 6, 2, 3, 2), random(62, 6)
    padding, strides, dilations = (1, 0, 2, 1), (2, 1), (1, 2)
    x_in, w_in = reorder(x, "nchw", input_layout), reorder(w, "oihw", filter_layout)
    s = Sketch()
    filter_operand = s.input("w", "float32", w_in.shape) if filter_as_input else s.constant(w_in)
    y = s.op(
        "conv2d",
        s.input("x", "float32", x_in.shape),
        filter_operand,
        s.constant(b),
        padding=padding,
        strides=strides,
        dilations=dilations,
        groups=2,
        inputLayout=input_layout,
        filterLayout=filter_layout,
    )
    graph = s.validate(y=y)
    out_hw = reorder(np.empty(graph.descriptors[y].shape), input_layout, "nchw").shape[2:]
    expected = conv2d_reference(x, w, b, padding, strides, dilations, 2, out_hw)
    feeds = {"x": np.ascontiguousarray(x_in)}
    if filter_as_input:
        feeds["w"] = np.ascontiguousarray(w_in)
    check(run(graph, **feeds)["y"], reorder(expected, "nchw", input_layout))


def test_nchw_oihw_lowering_has_no_transposes():
    s = Sketch()
    y = s.op("conv2d", s.input("x", "float32", [1, 2, 4, 4]), s.constant(random(63, 3, 2, 1, 1)))
    y = s.op("maxPool2d", y)
    model = onnx.load_from_string(lower_to_onnx(s.validate(y=y)))
    assert [n.op_type for n in model.graph.node] == ["Conv", "MaxPool", "Identity"]


def layout_net() -> ValidatedGraph:
    s = Sketch()
    x = s.input("x", "float32", [1, 6, 6, 2])
    h = s.op(
        "conv2d", x, s.constant(random(64, 3, 3, 2, 4)), inputLayout="nhwc", filterLayout="hwio"
    )
    h = s.op("averagePool2d", h, layout="nhwc", windowDimensions=(2, 2))
    return s.validate(y=h)


def test_layout_transposes_are_deterministic_and_valid_onnx():
    first = lower_to_onnx(layout_net())
    assert lower_to_onnx(layout_net()) == first
    model = onnx.load_from_string(first)
    onnx.checker.check_model(model, full_check=True)
    assert [n.op_type for n in model.graph.node] == [
        "Transpose",  # input nhwc -> nchw
        "Transpose",  # filter hwio -> oihw
        "Conv",
        "Transpose",  # result nchw -> nhwc
        "Transpose",  # pooling's input nhwc -> nchw
        "AveragePool",
        "Transpose",
        "Identity",
    ]


POOL_CASES = [
    {},
    {"windowDimensions": (3, 2), "strides": (2, 1), "padding": (1, 0, 0, 1)},
    {"windowDimensions": (2, 2), "dilations": (2, 2), "padding": (1, 1, 1, 1)},
    {"windowDimensions": (3, 3), "strides": (2, 2), "roundingType": "ceil"},
    {
        "windowDimensions": (2, 3),
        "strides": (2, 2),
        "padding": (1, 0, 1, 0),
        "roundingType": "ceil",
    },
]


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("op", ["averagePool2d", "maxPool2d"])
@pytest.mark.parametrize("attrs", POOL_CASES)
def test_pool(op, attrs, layout):
    # The nchw reference; for nhwc its input and result with the channels moved last (the
    # window is still read as [height, width]).
    x = random(13, 2, 3, 8, 7)
    x_in = reorder(x, "nchw", layout)
    s = Sketch()
    options = {} if layout == "nchw" else {"layout": layout}
    y = s.op(op, s.input("x", "float32", x_in.shape), **options, **attrs)
    graph = s.validate(y=y)
    resolved = graph.operations[0].attributes
    shape = graph.descriptors[y].shape
    patches = windows(
        x,
        resolved["windowDimensions"],
        resolved["strides"],
        resolved["dilations"],
        resolved["padding"],
        np.nan,  # padding never counts: max ignores it and the average excludes it
        shape[2:] if layout == "nchw" else shape[1:3],
    )
    reduce = np.nanmean if op == "averagePool2d" else np.nanmax
    expected = reduce(patches, axis=(4, 5)).astype(np.float32)
    check(run(graph, x=x_in)["y"], reorder(expected, "nchw", layout))


# ---------------------------------------------------------------------------------------------
# Unary operations.


def test_relu():
    x = random(14, 3, 4)
    check(unary("relu", x), np.maximum(x, 0))


def test_sigmoid():
    x = random(15, 3, 4, low=-5, high=5)
    check(unary("sigmoid", x), (1 / (1 + np.exp(-x.astype(np.float64)))).astype(np.float32))


def test_tanh():
    x = random(16, 3, 4, low=-3, high=3)
    check(unary("tanh", x), np.tanh(x))


def test_gelu():
    x = random(17, 3, 4, low=-4, high=4).astype(np.float64)
    expected = 0.5 * x * (1 + erf(x / math.sqrt(2)))
    check(unary("gelu", x.astype(np.float32)), expected.astype(np.float32))


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_softmax(axis):
    x = random(18, 2, 3, 4, low=-3, high=3).astype(np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    expected = e / e.sum(axis=axis, keepdims=True)
    check(unary("softmax", x.astype(np.float32), axis=axis), expected.astype(np.float32))


@pytest.mark.parametrize(
    ("low", "high"), [(-0.5, 0.25), (None, 0.0), (0.0, None), (None, None), (-math.inf, 0.5)]
)
def test_clamp(low, high):
    x = random(19, 4, 5)
    attrs = {k: v for k, v in (("minValue", low), ("maxValue", high)) if v is not None}
    expected = np.clip(x, -np.inf if low is None else low, np.inf if high is None else high)
    check(unary("clamp", x, **attrs), expected.astype(np.float32))


def test_clamp_integers_saturate_bounds():
    x = np.array([-300, -5, 0, 7, 300], dtype=np.int32)
    s = Sketch()
    y = s.op("clamp", s.input("x", "int32", x.shape), minValue=-math.inf, maxValue=7.9)
    check(run(s.validate(y=y), x=x)["y"], np.clip(x, -(2**31), 7))


@pytest.mark.parametrize("target", ["float16", "int32", "uint8", "int64", "float32"])
def test_cast(target):
    x = random(20, 3, 4, low=0, high=100)
    s = Sketch()
    y = s.op("cast", s.input("x", "float32", x.shape), dataType=target)
    check(run(s.validate(y=y), x=x)["y"], x.astype(target))


# ---------------------------------------------------------------------------------------------
# Shape manipulation.


def test_reshape():
    x = random(21, 2, 3, 4)
    check(unary("reshape", x, newShape=(4, 6)), x.reshape(4, 6))


@pytest.mark.parametrize("permutation", [None, (1, 2, 0)])
def test_transpose(permutation):
    x = random(22, 2, 3, 4)
    attrs = {} if permutation is None else {"permutation": permutation}
    check(unary("transpose", x, **attrs), np.transpose(x, permutation))


def test_concat():
    a, b = random(23, 2, 3, 2), random(24, 2, 1, 2)
    s = Sketch()
    ia, ib = s.input("a", "float32", a.shape), s.input("b", "float32", b.shape)
    y = s.op("concat", ia, ib, ia, axis=1)
    check(run(s.validate(y=y), a=a, b=b)["y"], np.concatenate([a, b, a], axis=1))


def test_slice():
    x = random(25, 4, 5, 6)
    check(unary("slice", x, starts=(1, 0, 2), sizes=(2, 5, 3)), x[1:3, 0:5, 2:5])


# ---------------------------------------------------------------------------------------------
# Normalization.


@pytest.mark.parametrize(
    ("shape", "axis", "with_scale", "with_bias"),
    [
        ((2, 3, 4, 5), 1, True, True),
        ((2, 3, 4), 1, False, False),
        ((2, 3, 4), 2, True, False),
        ((2, 3, 4), 0, False, True),
        ((5,), 0, True, True),
    ],
)
def test_batch_normalization(shape, axis, with_scale, with_bias):
    x = random(26, *shape)
    channels = shape[axis]
    mean, scale, bias = random(27, channels), random(29, channels), random(30, channels)
    variance = random(28, channels, low=0.5, high=2.0)
    s = Sketch()
    scale_id = s.constant(scale) if with_scale else NO_OPERAND
    bias_id = s.constant(bias) if with_bias else NO_OPERAND
    y = s.op(
        "batchNormalization",
        s.input("x", "float32", shape),
        s.constant(mean),
        s.constant(variance),
        scale_id,
        bias_id,
        axis=axis,
        epsilon=1e-3,
    )
    along = [1] * len(shape)
    along[axis] = channels
    expected = (x - mean.reshape(along)) / np.sqrt(variance.reshape(along) + 1e-3)
    if with_scale:
        expected = expected * scale.reshape(along)
    if with_bias:
        expected = expected + bias.reshape(along)
    check(run(s.validate(y=y), x=x)["y"], expected.astype(np.float32))


@pytest.mark.parametrize(
    ("axes", "with_scale", "with_bias"),
    [
        (None, True, True),  # default [1, 2]: ONNX LayerNormalization
        ((2,), False, True),
        ((1,), True, False),  # not trailing: decomposed
        ((2, 0), True, True),  # out of order: scale permuted
        ((), True, True),  # nothing normalized: bias only
    ],
)
def test_layer_normalization(axes, with_scale, with_bias):
    x = random(31, 2, 3, 4).astype(np.float64)
    resolved = (1, 2) if axes is None else axes
    normalized_shape = tuple(x.shape[a] for a in resolved)
    scale, bias = random(32, *normalized_shape), random(33, *normalized_shape)
    s = Sketch()
    inputs = [s.input("x", "float32", x.shape)]
    inputs.append(s.constant(scale) if with_scale else NO_OPERAND)
    if with_bias:
        inputs.append(s.constant(bias))
    attrs = {} if axes is None else {"axes": axes}
    y = s.op("layerNormalization", *inputs, epsilon=1e-4, **attrs)

    mean = x.mean(axis=resolved, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=resolved, keepdims=True)
    expected = (x - mean) / np.sqrt(variance + 1e-4)
    order = np.argsort(resolved)
    broadcast = [x.shape[i] if i in resolved else 1 for i in range(x.ndim)]
    if with_scale:
        expected = expected * np.transpose(scale, order).reshape(broadcast)
    if with_bias:
        expected = expected + np.transpose(bias, order).reshape(broadcast)
    check(run(s.validate(y=y), x=x.astype(np.float32))["y"], expected.astype(np.float32))


# ---------------------------------------------------------------------------------------------
# A small network end to end, and properties of the model itself.


def conv_net() -> tuple[ValidatedGraph, dict[str, np.ndarray]]:
    w1, b1 = random(40, 4, 1, 3, 3), random(41, 4)
    w2, b2 = random(42, 4 * 4 * 4, 10), random(43, 10)
    s = Sketch()
    x = s.input("image", "float32", [2, 1, 8, 8])
    h = s.op("conv2d", x, s.constant(w1), s.constant(b1), padding=(1, 1, 1, 1), label="conv")
    h = s.op("relu", h)
    h = s.op("maxPool2d", h, windowDimensions=(2, 2), strides=(2, 2))
    h = s.op("reshape", h, newShape=(2, 64))
    h = s.op("gemm", h, s.constant(w2), s.constant(b2))
    graph = s.validate(probabilities=s.op("softmax", h, axis=1))
    return graph, {"w1": w1, "b1": b1, "w2": w2, "b2": b2}


def test_conv_net_end_to_end():
    graph, p = conv_net()
    image = random(44, 2, 1, 8, 8)
    h = conv2d_reference(image, p["w1"], p["b1"], (1, 1, 1, 1), (1, 1), (1, 1), 1, (8, 8))
    h = np.maximum(h, 0).reshape(2, 4, 4, 2, 4, 2).max(axis=(3, 5)).reshape(2, 64)
    logits = h.astype(np.float64) @ p["w2"] + p["b2"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    check(run(graph, image=image)["probabilities"], expected)


def test_lowering_is_deterministic():
    first = lower_to_onnx(conv_net()[0])
    assert lower_to_onnx(conv_net()[0]) == first


def test_model_is_valid_onnx_at_the_fixed_opset():
    model = onnx.load_from_string(lower_to_onnx(conv_net()[0]))
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version == IR_VERSION
    assert [(o.domain, o.version) for o in model.opset_import] == [("", OPSET)]
    assert [i.name for i in model.graph.input] == ["image"]
    assert [o.name for o in model.graph.output] == ["probabilities"]


def test_user_names_cannot_collide_with_internal_names():
    s = Sketch()
    x = s.input("t3", "float32", [2])
    y = s.op("relu", s.op("sub", x, x))
    graph = s.validate(t2=y, t1=s.op("add", x, x))
    x_value = np.array([1.0, -2.0], np.float32)
    outputs = run(graph, t3=x_value)
    check(outputs["t2"], np.zeros(2, np.float32))
    check(outputs["t1"], 2 * x_value)


def test_one_operand_backs_two_outputs():
    s = Sketch()
    y = s.op("relu", s.input("x", "float32", [2]))
    outputs = run(s.validate(a=y, b=y), x=np.array([-1.0, 1.0], np.float32))
    check(outputs["a"], np.array([0.0, 1.0], np.float32))
    check(outputs["b"], outputs["a"])


@pytest.mark.parametrize("op", ["add", "batchNormalization", "layerNormalization", "gelu"])
def test_float16_runs(op):
    # float16 graphs lower with float16 constants (scale, bias, epsilon); checked loosely.
    x = random(50, 2, 3, 4).astype(np.float16)
    s = Sketch()
    ix = s.input("x", "float16", x.shape)
    ones = s.constant(np.ones(3, np.float16))
    operands = {"add": (ix, ix), "batchNormalization": (ix, ones, ones)}.get(op, (ix,))
    y = s.op(op, *operands)
    actual = run(s.validate(y=y), x=x)["y"]
    assert actual.dtype == np.float16 and actual.shape == x.shape
    assert np.isfinite(actual).all()
    if op == "add":
        np.testing.assert_array_equal(actual, x + x)
