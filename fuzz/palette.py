"""Small, valid-looking graphs and models for the structure-aware fuzzers to start from.

A random `GraphDescription` or ONNX file is rejected at the first check; a compromised
renderer's interesting inputs are *nearly* valid ones. These are: one or two operations of
WebNN's set over small float32 tensors, which the entropy then varies (operation, shape,
a constant instead of an input, a flipped byte in the model).
"""

from __future__ import annotations

import numpy as np

from fuzz.wire_values import Entropy
from python_service.shared import graph as g
from python_service.shared.tensors import OperandDescriptor

SHAPES = ((4,), (2, 2), (1, 4), (2, 3), (1,), (2, 1, 2))
UNARY = ("relu", "sigmoid", "tanh", "gelu")
BINARY = ("add", "sub", "mul", "div", "max", "min", "pow")
INPUT_NAMES = ("a", "b")
OUTPUT_NAME = "y"


def graph(e: Entropy) -> g.GraphDescription:
    """y = op(a[, b]) (optionally followed by a unary op); b may be a constant."""
    shape = e.choice(SHAPES)
    d = OperandDescriptor("float32", shape)
    inputs = [g.GraphInput(1, "a", d)]
    constants: tuple[g.GraphConstant, ...] = ()
    kind = e.below(3)
    if kind == 0:
        operations = [g.Operation(e.choice(UNARY), (1,), (3,))]
    else:
        if kind == 1:
            inputs.append(g.GraphInput(2, "b", d))
        else:
            data = np.full(shape, 0.5, np.float32).tobytes()
            constants = (g.GraphConstant(2, d, data),)
        operations = [g.Operation(e.choice(BINARY), (1, 2), (3,))]
    result = 3
    if e.chance(64):
        operations.append(g.Operation(e.choice(UNARY), (3,), (4,)))
        result = 4
    return g.GraphDescription(
        inputs=tuple(inputs),
        constants=constants,
        operations=tuple(operations),
        outputs=(g.GraphOutput(OUTPUT_NAME, result),),
    )


def model_bytes(e: Entropy) -> bytes:
    """A palette graph lowered to ONNX (what loadModel gets from a page), sometimes with one
    byte changed or cut short."""
    from python_service.service.adapters import available_adapters
    from python_service.service.lowering import lower_to_onnx

    limits = available_adapters()[0].limits.graph
    data = bytearray(lower_to_onnx(g.validate_graph(graph(e), limits)))
    if e.chance(48):
        data[e.below(len(data))] ^= 1 << e.below(8)
    if e.chance(16):
        del data[e.below(len(data)) :]
    return bytes(data)
