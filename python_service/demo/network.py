"""The demo's convolutional network, written twice from the same weights.

`build_network` records it with NPUGraphBuilder (the API under test); `reference_model` writes the
same computation directly as ONNX with `onnx.helper`, without the service's lowering, so that
in-process onnxruntime on the reference is an independent check of the service's result.

    x: float32[1, 1, 28, 28]
    conv2d 3x3, 8 filters, padding 1, + bias -> relu -> maxPool2d 2x2 stride 2     [1, 8, 14, 14]
    conv2d 3x3, 16 filters, padding 1 -> batchNormalization -> relu
    -> averagePool2d 2x2 stride 2                                                 [1, 16, 7, 7]
    reshape [1, 784] -> gemm (784 x 10, + bias) -> softmax(axis 1)                [1, 10]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from python_service.demo.onnx_build import classifier_model

INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
INPUT_SHAPE = (1, 1, 28, 28)
CLASSES = 10
EPSILON = 1e-5
SEED = 20240607


@dataclass(frozen=True)
class Weights:
    """Every constant of the network, float32."""

    conv1_filter: np.ndarray  # [8, 1, 3, 3] (oihw)
    conv1_bias: np.ndarray  # [8]
    conv2_filter: np.ndarray  # [16, 8, 3, 3]
    bn_mean: np.ndarray  # [16]
    bn_variance: np.ndarray  # [16]
    bn_scale: np.ndarray  # [16]
    bn_bias: np.ndarray  # [16]
    fc_weight: np.ndarray  # [784, 10]
    fc_bias: np.ndarray  # [10]


def make_weights(seed: int = SEED) -> Weights:
    """Seeded random weights, scaled (He-style) so activations stay in a useful range."""
    rng = np.random.default_rng(seed)

    def normal(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    return Weights(
        conv1_filter=normal((8, 1, 3, 3), 9),
        conv1_bias=(rng.standard_normal(8) * 0.1).astype(np.float32),
        conv2_filter=normal((16, 8, 3, 3), 72),
        bn_mean=(rng.standard_normal(16) * 0.1).astype(np.float32),
        bn_variance=rng.uniform(0.5, 1.5, 16).astype(np.float32),
        bn_scale=rng.uniform(0.8, 1.2, 16).astype(np.float32),
        bn_bias=(rng.standard_normal(16) * 0.1).astype(np.float32),
        fc_weight=normal((784, CLASSES), 784),
        fc_bias=(rng.standard_normal(CLASSES) * 0.1).astype(np.float32),
    )


def digit_image() -> np.ndarray:
    """A deterministic, digit-like float32[1, 1, 28, 28] input: an anti-aliased '7' in [0, 1]."""
    ys, xs = np.mgrid[0:28, 0:28].astype(np.float32) + 0.5

    def stroke(x0: float, y0: float, x1: float, y1: float, width: float = 1.6) -> np.ndarray:
        # Distance from each pixel centre to the segment, turned into soft ink.
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
        distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
        return np.clip(width + 0.5 - distance, 0.0, 1.0)

    ink = np.maximum.reduce(
        [stroke(7, 6, 21, 6), stroke(21, 6, 12, 23), stroke(11, 14, 18, 14, width=1.0)]
    )
    return ink.reshape(INPUT_SHAPE).astype(np.float32)


# --- the network through the graph builder --------------------------------------------------


def _constant(builder: Any, array: np.ndarray) -> Any:
    return builder.constant(
        {"data_type": "float32", "shape": list(array.shape)}, np.ascontiguousarray(array)
    )


def build_network(builder: Any, weights: Weights) -> Any:
    """Records the network on an NPUGraphBuilder; returns the output operand (not yet built)."""
    x = builder.input(INPUT_NAME, {"data_type": "float32", "shape": list(INPUT_SHAPE)})
    x = builder.conv2d(
        x,
        _constant(builder, weights.conv1_filter),
        {"padding": [1, 1, 1, 1], "bias": _constant(builder, weights.conv1_bias), "label": "conv1"},
    )
    x = builder.relu(x)
    x = builder.max_pool2d(x, {"window_dimensions": [2, 2], "strides": [2, 2]})
    x = builder.conv2d(
        x, _constant(builder, weights.conv2_filter), {"padding": [1, 1, 1, 1], "label": "conv2"}
    )
    x = builder.batch_normalization(
        x,
        _constant(builder, weights.bn_mean),
        _constant(builder, weights.bn_variance),
        {
            "scale": _constant(builder, weights.bn_scale),
            "bias": _constant(builder, weights.bn_bias),
            "epsilon": EPSILON,
        },
    )
    x = builder.relu(x)
    x = builder.average_pool2d(x, {"window_dimensions": [2, 2], "strides": [2, 2]})
    x = builder.reshape(x, [1, 16 * 7 * 7])
    x = builder.gemm(
        x, _constant(builder, weights.fc_weight), {"c": _constant(builder, weights.fc_bias)}
    )
    return builder.softmax(x, 1)


# --- the same network written directly in ONNX ------------------------------------------------


def reference_model(weights: Weights) -> onnx.ModelProto:
    """The network as an ONNX model built by hand (not by the service's lowering)."""
    initializers = [
        numpy_helper.from_array(weights.conv1_filter, "conv1_w"),
        numpy_helper.from_array(weights.conv1_bias, "conv1_b"),
        numpy_helper.from_array(weights.conv2_filter, "conv2_w"),
        numpy_helper.from_array(weights.bn_scale, "bn_scale"),
        numpy_helper.from_array(weights.bn_bias, "bn_bias"),
        numpy_helper.from_array(weights.bn_mean, "bn_mean"),
        numpy_helper.from_array(weights.bn_variance, "bn_var"),
        numpy_helper.from_array(np.array([1, 16 * 7 * 7], np.int64), "flat_shape"),
        numpy_helper.from_array(weights.fc_weight, "fc_w"),
        numpy_helper.from_array(weights.fc_bias, "fc_b"),
    ]
    # ONNX pads are [begin_h, begin_w, end_h, end_w].
    nodes = [
        helper.make_node("Conv", [INPUT_NAME, "conv1_w", "conv1_b"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2_w"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node(
            "BatchNormalization",
            ["c2", "bn_scale", "bn_bias", "bn_mean", "bn_var"],
            ["n2"],
            epsilon=EPSILON,
        ),
        helper.make_node("Relu", ["n2"], ["r2"]),
        helper.make_node("AveragePool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Reshape", ["p2", "flat_shape"], ["flat"]),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"]),
        helper.make_node("Softmax", ["logits"], [OUTPUT_NAME], axis=1),
    ]
    return classifier_model(
        "demo_convnet_reference",
        nodes,
        initializers,
        (INPUT_NAME, INPUT_SHAPE),
        (OUTPUT_NAME, CLASSES),
    )
