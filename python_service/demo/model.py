"""The demo's ONNX model, made locally with `onnx.helper` (no downloads), for loadModel().

A tiny transformer-style classifier over a sequence of 8 tokens of width 16: one single-head
self-attention block and one feed-forward block, each with a residual connection and
LayerNormalization, then mean pooling over the tokens and a linear head with softmax.

    x: float32[1, 8, 16]
    q, k, v = x Wq, x Wk, x Wv;  a = softmax(q k^T / 4) v Wo;  h = LayerNorm(x + a)
    f = Gelu(h W1 + b1) W2 + b2;  y = LayerNorm(h + f)
    probabilities = softmax(mean_tokens(y) Wc + bc)                                  [1, 5]

Every operator is on the service's allow-list (python_service/service/model_loader.py), and the
IR version and opset are within the range it accepts.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from python_service.demo.onnx_build import classifier_model

INPUT_NAME = "tokens"
OUTPUT_NAME = "probabilities"
SEQUENCE, WIDTH, HIDDEN, CLASSES = 8, 16, 32, 5
INPUT_SHAPE = (1, SEQUENCE, WIDTH)
SEED = 7


def token_input() -> np.ndarray:
    """A deterministic float32[1, 8, 16] input: sinusoidal 'embeddings' of 8 positions."""
    position = np.arange(SEQUENCE, dtype=np.float64)[:, None]
    frequency = np.exp(-np.log(100.0) * (np.arange(WIDTH // 2) * 2) / WIDTH)[None, :]
    angles = position * frequency + 0.3
    embeddings = np.concatenate([np.sin(angles), np.cos(angles)], axis=1)
    return embeddings.reshape(INPUT_SHAPE).astype(np.float32)


def make_model(seed: int = SEED) -> onnx.ModelProto:
    """The classifier with seeded random weights, checked with onnx.checker."""
    rng = np.random.default_rng(seed)

    def weight(name: str, *shape: int, scale: float | None = None) -> onnx.TensorProto:
        std = np.sqrt(1.0 / shape[0]) if scale is None else scale
        return numpy_helper.from_array((rng.standard_normal(shape) * std).astype(np.float32), name)

    def ones_ish(name: str, size: int) -> onnx.TensorProto:
        return numpy_helper.from_array(rng.uniform(0.9, 1.1, size).astype(np.float32), name)

    initializers = [
        weight("wq", WIDTH, WIDTH),
        weight("wk", WIDTH, WIDTH),
        weight("wv", WIDTH, WIDTH),
        weight("wo", WIDTH, WIDTH),
        numpy_helper.from_array(np.array(1.0 / np.sqrt(WIDTH), np.float32), "attention_scale"),
        ones_ish("ln1_scale", WIDTH),
        weight("ln1_bias", WIDTH, scale=0.05),
        weight("w1", WIDTH, HIDDEN),
        weight("b1", HIDDEN, scale=0.05),
        weight("w2", HIDDEN, WIDTH),
        weight("b2", WIDTH, scale=0.05),
        ones_ish("ln2_scale", WIDTH),
        weight("ln2_bias", WIDTH, scale=0.05),
        numpy_helper.from_array(np.array([1], np.int64), "token_axis"),
        weight("wc", WIDTH, CLASSES, scale=1.0),
        weight("bc", CLASSES, scale=0.1),
    ]
    node = helper.make_node
    nodes = [
        # Self-attention.
        node("MatMul", [INPUT_NAME, "wq"], ["q"]),
        node("MatMul", [INPUT_NAME, "wk"], ["k"]),
        node("MatMul", [INPUT_NAME, "wv"], ["v"]),
        node("Transpose", ["k"], ["k_t"], perm=[0, 2, 1]),
        node("MatMul", ["q", "k_t"], ["scores_raw"]),
        node("Mul", ["scores_raw", "attention_scale"], ["scores"]),
        node("Softmax", ["scores"], ["attention"], axis=-1),
        node("MatMul", ["attention", "v"], ["context"]),
        node("MatMul", ["context", "wo"], ["attended"]),
        node("Add", [INPUT_NAME, "attended"], ["residual1"]),
        node("LayerNormalization", ["residual1", "ln1_scale", "ln1_bias"], ["h"], axis=-1),
        # Feed-forward.
        node("MatMul", ["h", "w1"], ["f1"]),
        node("Add", ["f1", "b1"], ["f1b"]),
        node("Gelu", ["f1b"], ["f1g"]),
        node("MatMul", ["f1g", "w2"], ["f2"]),
        node("Add", ["f2", "b2"], ["f2b"]),
        node("Add", ["h", "f2b"], ["residual2"]),
        node("LayerNormalization", ["residual2", "ln2_scale", "ln2_bias"], ["y"], axis=-1),
        # Classifier head.
        node("ReduceMean", ["y", "token_axis"], ["pooled"], keepdims=0),
        node("Gemm", ["pooled", "wc", "bc"], ["logits"]),
        node("Softmax", ["logits"], [OUTPUT_NAME], axis=1),
    ]
    return classifier_model(
        "demo_transformer_classifier",
        nodes,
        initializers,
        (INPUT_NAME, INPUT_SHAPE),
        (OUTPUT_NAME, CLASSES),
    )


def model_bytes(seed: int = SEED) -> bytes:
    return make_model(seed).SerializeToString()
