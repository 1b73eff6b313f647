"""What both demo ONNX models share: a float32 classifier graph wrapped in a checked model."""

from __future__ import annotations

import onnx
from onnx import TensorProto, helper

OPSET = 20  # the first opset with Gelu, and the newest the service accepts
IR_VERSION = 9  # onnx's make_model defaults to a newer IR than the service's loader takes


def classifier_model(
    name: str,
    nodes: list[onnx.NodeProto],
    initializers: list[onnx.TensorProto],
    inputs: tuple[str, tuple[int, ...]],
    outputs: tuple[str, int],
) -> onnx.ModelProto:
    """One float32 input of the given shape, one float32 [1, classes] output; fully checked."""
    (input_name, input_shape), (output_name, classes) = inputs, outputs
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, [1, classes])],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
        producer_name="webnpu-demo",
    )
    onnx.checker.check_model(model, full_check=True)
    return model
