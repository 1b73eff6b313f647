"""NPUDevice.loadModel end to end: ONNX models made here with the `onnx` package, loaded by the
real service, run through a command buffer, and compared with onnxruntime run in-process on the
same bytes; refused models reject with an OperationError and leave the device serving.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from python_service.client import DOMException

from .conftest import TIMEOUT, descriptor, run_graph

ATOL = 1e-5
SHARED_MEMORY_THRESHOLD = 64 * 1024  # bytes above which a message's payload goes by memfd


def make_model(
    nodes: list[onnx.NodeProto],
    inputs: list[onnx.ValueInfoProto],
    outputs: list[onnx.ValueInfoProto],
    initializers: list[onnx.TensorProto] = (),
    opset: int = 17,
    ir_version: int = 8,
) -> bytes:
    graph = helper.make_graph(nodes, "test", inputs, outputs, initializer=list(initializers))
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir_version
    )
    onnx.checker.check_model(model)
    return model.SerializeToString()


def tensor(name: str, array: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.ascontiguousarray(array), name)


def value(name: str, elem_type: int, shape: list[int]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem_type, shape)


def reference(model_bytes: bytes, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The model run by onnxruntime in this process, on the caller's own bytes."""
    session = onnxruntime.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, inputs), strict=True))


def signature(infos: Any) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(i.name, i.data_type, tuple(i.shape)) for i in infos]


def check_against_onnxruntime(
    device: Any, model_bytes: bytes, inputs: dict[str, np.ndarray]
) -> Any:
    graph = device.load_model(model_bytes).result(TIMEOUT)
    got = run_graph(device, graph, inputs)
    expected = reference(model_bytes, inputs)
    assert set(got) == set(expected)
    for name, want in expected.items():
        assert got[name].dtype == want.dtype, name
        assert got[name].shape == want.shape, name
        np.testing.assert_allclose(got[name], want, rtol=1e-5, atol=ATOL, err_msg=name)
    return graph


# --------------------------------------------------------------------------------------------
# models


def conv_net(rng: np.random.Generator) -> bytes:
    """Conv(pad 1) + Relu + MaxPool(2x2/2) + Flatten + Gemm(transB) + Softmax, opset 17."""
    conv_w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32) * 0.3
    conv_b = rng.standard_normal(4).astype(np.float32) * 0.1
    fc_w = rng.standard_normal((10, 64)).astype(np.float32) * 0.2
    fc_b = rng.standard_normal(10).astype(np.float32) * 0.1
    nodes = [
        helper.make_node("Conv", ["x", "conv_w", "conv_b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    return make_model(
        nodes,
        [value("x", TensorProto.FLOAT, [2, 3, 8, 8])],
        [value("probabilities", TensorProto.FLOAT, [2, 10])],
        [
            tensor("conv_w", conv_w),
            tensor("conv_b", conv_b),
            tensor("fc_w", fc_w),
            tensor("fc_b", fc_b),
        ],
        opset=17,
    )


def large_mlp(rng: np.random.Generator) -> bytes:
    """MatMul by a 128x256 float32 weight (128 KiB) + bias + Tanh + MatMul: well over 64 KiB."""
    w1 = rng.standard_normal((128, 256)).astype(np.float32) * 0.1
    b1 = rng.standard_normal(256).astype(np.float32) * 0.1
    w2 = rng.standard_normal((256, 16)).astype(np.float32) * 0.1
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"]),
        helper.make_node("Add", ["h", "b1"], ["hb"]),
        helper.make_node("Tanh", ["hb"], ["t"]),
        helper.make_node("MatMul", ["t", "w2"], ["y"]),
    ]
    return make_model(
        nodes,
        [value("x", TensorProto.FLOAT, [3, 128])],
        [value("y", TensorProto.FLOAT, [3, 16])],
        [tensor("w1", w1), tensor("b1", b1), tensor("w2", w2)],
        opset=18,
    )


def transformer_block(rng: np.random.Generator) -> bytes:
    """LayerNormalization + MatMul + Gelu (opset 20) + Softmax + residual Add, two outputs."""
    d = 16
    gamma = rng.uniform(0.5, 1.5, d).astype(np.float32)
    beta = rng.standard_normal(d).astype(np.float32) * 0.1
    w = rng.standard_normal((d, d)).astype(np.float32) * 0.2
    nodes = [
        helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["n"], axis=-1),
        helper.make_node("MatMul", ["n", "w"], ["m"]),
        helper.make_node("Gelu", ["m"], ["g"]),
        helper.make_node("Add", ["g", "x"], ["residual"]),
        helper.make_node("Softmax", ["residual"], ["attention"], axis=-1),
    ]
    return make_model(
        nodes,
        [value("x", TensorProto.FLOAT, [2, 5, d])],
        [
            value("residual", TensorProto.FLOAT, [2, 5, d]),
            value("attention", TensorProto.FLOAT, [2, 5, d]),
        ],
        [tensor("gamma", gamma), tensor("beta", beta), tensor("w", w)],
        opset=20,
        ir_version=9,
    )


def mixed_types_model() -> bytes:
    """Two inputs of different types, an overridable default (an input that is also an
    initializer), Cast, Transpose, Reshape, Concat and Clip; opset 19."""
    nodes = [
        helper.make_node("Cast", ["counts"], ["counts_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["counts_f", "values"], ["weighted"]),
        helper.make_node("Add", ["weighted", "offset"], ["shifted"]),
        helper.make_node("Transpose", ["shifted"], ["transposed"], perm=[1, 0]),
        helper.make_node("Reshape", ["transposed", "shape"], ["flat"]),
        helper.make_node("Concat", ["flat", "flat"], ["twice"], axis=0),
        helper.make_node("Clip", ["twice", "low", "high"], ["clipped"]),
        helper.make_node("Cast", ["clipped"], ["rounded"], to=TensorProto.INT32),
    ]
    return make_model(
        nodes,
        [
            value("values", TensorProto.FLOAT, [3, 4]),
            value("counts", TensorProto.INT32, [3, 4]),
            value("offset", TensorProto.FLOAT, [4]),  # also an initializer: not a graph input
        ],
        [value("clipped", TensorProto.FLOAT, [24]), value("rounded", TensorProto.INT32, [24])],
        [
            tensor("offset", np.float32([0.5, -0.5, 1.0, -1.0])),
            tensor("shape", np.int64([12])),
            tensor("low", np.float32(-20.0)),
            tensor("high", np.float32(20.0)),
        ],
        opset=19,
        ir_version=9,
    )


# --------------------------------------------------------------------------------------------
# loading and running


def test_conv_net(device: Any) -> None:
    rng = np.random.default_rng(1)
    model = conv_net(rng)
    graph = device.load_model(model).result(TIMEOUT)
    assert signature(graph.inputs) == [("x", "float32", (2, 3, 8, 8))]
    assert signature(graph.outputs) == [("probabilities", "float32", (2, 10))]
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    got = run_graph(device, graph, {"x": x})["probabilities"]
    np.testing.assert_allclose(got, reference(model, {"x": x})["probabilities"], atol=ATOL)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)
    assert np.ptp(got) > 0.05, "a constant output would not test much"


def test_conv_net_matches_numpy(device: Any) -> None:
    """The same conv net checked against a numpy forward pass, not only onnxruntime."""
    from .test_operations import conv2d_reference, pool2d_reference, softmax_reference

    rng = np.random.default_rng(1)
    model_bytes = conv_net(rng)
    weights = {
        t.name: numpy_helper.to_array(t)
        for t in onnx.load_from_string(model_bytes).graph.initializer
    }
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    graph = device.load_model(model_bytes).result(TIMEOUT)
    got = run_graph(device, graph, {"x": x})["probabilities"]
    c = conv2d_reference(x, weights["conv_w"], weights["conv_b"], (1, 1, 1, 1), (1, 1), (1, 1), 1)
    p = pool2d_reference(np.maximum(c, 0), "max", (2, 2), (0, 0, 0, 0), (2, 2), (1, 1), False)
    logits = p.reshape(2, -1) @ weights["fc_w"].astype(np.float64).T + weights["fc_b"]
    np.testing.assert_allclose(got, softmax_reference(logits, 1), atol=ATOL)


def test_large_model_through_shared_memory(device: Any) -> None:
    rng = np.random.default_rng(2)
    model = large_mlp(rng)
    assert len(model) > 2 * SHARED_MEMORY_THRESHOLD
    graph = check_against_onnxruntime(
        device, model, {"x": rng.standard_normal((3, 128)).astype(np.float32)}
    )
    assert signature(graph.inputs) == [("x", "float32", (3, 128))]
    assert signature(graph.outputs) == [("y", "float32", (3, 16))]
    # The same bytes again, from a bytearray and a memoryview (AllowSharedBufferSource).
    for source in (bytearray(model), memoryview(model)):
        again = device.load_model(source).result(TIMEOUT)
        x = rng.standard_normal((3, 128)).astype(np.float32)
        np.testing.assert_allclose(
            run_graph(device, again, {"x": x})["y"], reference(model, {"x": x})["y"], atol=ATOL
        )


def test_transformer_block_opset20(device: Any) -> None:
    rng = np.random.default_rng(3)
    model = transformer_block(rng)
    graph = check_against_onnxruntime(
        device, model, {"x": rng.standard_normal((2, 5, 16)).astype(np.float32)}
    )
    assert signature(graph.outputs) == [
        ("residual", "float32", (2, 5, 16)),
        ("attention", "float32", (2, 5, 16)),
    ]


def test_mixed_types_and_overridable_initializer(device: Any) -> None:
    rng = np.random.default_rng(4)
    model = mixed_types_model()
    graph = device.load_model(model).result(TIMEOUT)
    # "offset" is an initializer as well as an input: onnxruntime, and so the service, leave
    # it out of the inputs a dispatch must bind.
    assert signature(graph.inputs) == [
        ("values", "float32", (3, 4)),
        ("counts", "int32", (3, 4)),
    ]
    assert signature(graph.outputs) == [("clipped", "float32", (24,)), ("rounded", "int32", (24,))]
    inputs = {
        "values": rng.uniform(-4, 4, (3, 4)).astype(np.float32),
        "counts": rng.integers(-5, 6, (3, 4), dtype=np.int32),
    }
    got = run_graph(device, graph, inputs)
    expected = reference(model, inputs)
    np.testing.assert_allclose(got["clipped"], expected["clipped"], atol=ATOL)
    np.testing.assert_array_equal(got["rounded"], expected["rounded"])


@pytest.mark.parametrize("opset", [13, 17, 18, 19, 20])
def test_supported_opsets(device: Any, opset: int) -> None:
    model = make_model(
        [
            helper.make_node("Sigmoid", ["x"], ["s"]),
            helper.make_node("Mul", ["x", "s"], ["y"]),
        ],
        [value("x", TensorProto.FLOAT, [4, 6])],
        [value("y", TensorProto.FLOAT, [4, 6])],
        opset=opset,
        ir_version=7 if opset == 13 else 9,
    )
    x = np.random.default_rng(opset).standard_normal((4, 6)).astype(np.float32)
    check_against_onnxruntime(device, model, {"x": x})


# --------------------------------------------------------------------------------------------
# refused models


def simple_graph_still_runs(device: Any) -> None:
    """After a refusal, the same device still builds and runs a graph, and loads a model."""
    builder = device.create_graph_builder()
    x = builder.input("x", descriptor("float32", [2, 3]))
    graph = builder.build({"y": builder.sigmoid(x)}).result(TIMEOUT)
    data = np.float32([[-2, -1, 0], [1, 2, 30]])
    np.testing.assert_allclose(
        run_graph(device, graph, {"x": data})["y"], 1 / (1 + np.exp(-data.astype(np.float64))),
        atol=ATOL,
    )  # fmt: skip
    model = large_mlp(np.random.default_rng(5))
    x = np.random.default_rng(6).standard_normal((3, 128)).astype(np.float32)
    loaded = device.load_model(model).result(TIMEOUT)
    np.testing.assert_allclose(
        run_graph(device, loaded, {"x": x})["y"], reference(model, {"x": x})["y"], atol=ATOL
    )


def _disallowed_operator() -> bytes:
    # Exp is a harmless kernel, but not on the reviewed allow-list.
    return make_model(
        [helper.make_node("Exp", ["x"], ["y"])],
        [value("x", TensorProto.FLOAT, [2, 3])],
        [value("y", TensorProto.FLOAT, [2, 3])],
    )


def _control_flow() -> bytes:
    body = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["z"])],
        "body",
        [],
        [value("z", TensorProto.FLOAT, [2, 3])],
    )
    return make_model(
        [helper.make_node("If", ["c"], ["y"], then_branch=body, else_branch=body)],
        [value("c", TensorProto.BOOL, []), value("x", TensorProto.FLOAT, [2, 3])],
        [value("y", TensorProto.FLOAT, [2, 3])],
    )


def _contrib_domain() -> bytes:
    graph = helper.make_graph(
        [helper.make_node("FastGelu", ["x"], ["y"], domain="com.microsoft")],
        "test",
        [value("x", TensorProto.FLOAT, [2, 3])],
        [value("y", TensorProto.FLOAT, [2, 3])],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        ir_version=8,
    )
    return model.SerializeToString()


def _external_data() -> bytes:
    weight = tensor("w", np.ones((2, 3), np.float32))
    weight.ClearField("raw_data")
    weight.data_location = TensorProto.EXTERNAL
    for key, item in (("location", "weights.bin"), ("offset", "0"), ("length", "24")):
        entry = weight.external_data.add()
        entry.key, entry.value = key, item
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "w"], ["y"])],
        "test",
        [value("x", TensorProto.FLOAT, [2, 3])],
        [value("y", TensorProto.FLOAT, [2, 3])],
        initializer=[weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    return model.SerializeToString()


def _external_data_path_traversal() -> bytes:
    model = onnx.load_from_string(_external_data())
    model.graph.initializer[0].external_data[0].value = "../../../../etc/passwd"
    return model.SerializeToString()


def _opset_too_new() -> bytes:
    return make_model(
        [helper.make_node("Relu", ["x"], ["y"])],
        [value("x", TensorProto.FLOAT, [2])],
        [value("y", TensorProto.FLOAT, [2])],
        opset=21,
        ir_version=9,
    )


def _ir_version_too_new() -> bytes:
    model = onnx.load_from_string(_dynamic_shape())
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 2
    model.graph.output[0].type.tensor_type.shape.dim[0].dim_value = 2
    model.ir_version = 10
    return model.SerializeToString()


def _dynamic_shape() -> bytes:
    return make_model(
        [helper.make_node("Relu", ["x"], ["y"])],
        [value("x", TensorProto.FLOAT, ["batch", 3])],
        [value("y", TensorProto.FLOAT, ["batch", 3])],
    )


def _garbage() -> bytes:
    return np.random.default_rng(9).integers(0, 256, 4096, dtype=np.uint8).tobytes()


def _large_garbage() -> bytes:
    # Over the shared-memory threshold, so the refused bytes travel by memfd.
    return b"\xff" * (3 * SHARED_MEMORY_THRESHOLD)


def _truncated() -> bytes:
    model = large_mlp(np.random.default_rng(7))
    return model[: len(model) // 2]


REFUSED_MODELS = {
    # id: (bytes factory, a fragment of the message)
    "operator_outside_allow_list": (_disallowed_operator, "not allowed"),
    "control_flow": (_control_flow, "not allowed"),
    "contrib_domain": (_contrib_domain, "domain"),
    "external_data": (_external_data, "external data"),
    "external_data_path_traversal": (_external_data_path_traversal, "external data"),
    "opset_too_new": (_opset_too_new, "opset 21"),
    "ir_version_too_new": (_ir_version_too_new, "IR version 10"),
    "dynamic_shape": (_dynamic_shape, "static shapes"),
    "garbage_bytes": (_garbage, "do not parse"),
    "large_garbage_bytes": (_large_garbage, "do not parse"),
    "truncated": (_truncated, "do not parse"),
    "empty": (lambda: b"", "IR version 0"),
}


@pytest.mark.parametrize("make", REFUSED_MODELS.values(), ids=REFUSED_MODELS.keys())
def test_refused_model(device: Any, make: Any) -> None:
    factory, fragment = make
    promise = device.load_model(factory())
    with pytest.raises(DOMException) as raised:
        promise.result(TIMEOUT)
    assert raised.value.name == "OperationError"
    assert fragment in raised.value.message
    simple_graph_still_runs(device)


def test_refusals_are_not_validation_errors(device: Any) -> None:
    """A refused model rejects its promise; it is not also reported to an error scope."""
    device.push_error_scope("validation")
    with pytest.raises(DOMException):
        device.load_model(_disallowed_operator()).result(TIMEOUT)
    assert device.pop_error_scope().result(TIMEOUT) is None
