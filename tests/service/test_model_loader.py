"""loadModel's checks on untrusted ONNX bytes: one test per rule, with the exact message."""

from __future__ import annotations

import contextlib
import mmap
import random
import time

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import AttributeProto, TensorProto, helper, numpy_helper

from python_service.service.lowering import lower_to_onnx
from python_service.service.model_loader import (
    ALLOWED_OPERATORS,
    LoadedModel,
    ModelError,
    ModelLimits,
    check_model_size,
    load_model,
)
from python_service.shared.tensors import DataType, Limits, OperandDescriptor

from .sketch import Sketch

X_SHAPE = [1, 3, 8, 8]
Y_SHAPE = [1, 4, 8, 8]


def weights() -> list[TensorProto]:
    rng = np.random.default_rng(3)
    w = rng.uniform(-1, 1, (4, 3, 3, 3)).astype(np.float32)
    b = rng.uniform(-1, 1, 4).astype(np.float32)
    return [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")]


def conv_nodes() -> list[onnx.NodeProto]:
    return [
        helper.make_node(
            "Conv", ["x", "w", "b"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]
        ),
        helper.make_node("Relu", ["c"], ["y"], name="relu"),
    ]


def make(
    nodes: list[onnx.NodeProto] | None = None,
    *,
    inputs: list[onnx.ValueInfoProto] | None = None,
    outputs: list[onnx.ValueInfoProto] | None = None,
    initializers: list[TensorProto] | None = None,
    opsets: list[tuple[str, int]] | None = None,
    ir_version: int = 9,
) -> onnx.ModelProto:
    """A conv + relu model by default; each argument replaces one part of it."""
    graph = helper.make_graph(
        conv_nodes() if nodes is None else nodes,
        "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, X_SHAPE)]
        if inputs is None
        else inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, Y_SHAPE)]
        if outputs is None
        else outputs,
        initializer=weights() if initializers is None else initializers,
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(d, v) for d, v in (opsets or [("", 20)])],
        ir_version=ir_version,
    )


def load(model: onnx.ModelProto, limits: ModelLimits | None = None) -> LoadedModel:
    return load_model(model.SerializeToString(), limits or ModelLimits())


def rejects(model: onnx.ModelProto | bytes, message: str, limits: ModelLimits | None = None):
    data = model if isinstance(model, bytes) else model.SerializeToString()
    with pytest.raises(ModelError) as caught:
        load_model(data, limits or ModelLimits())
    assert str(caught.value) == message


def run(model_bytes: bytes, x: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


# ---------------------------------------------------------------------------------------------
# Accepted models.


def test_conv_model_loads_with_its_signature_and_runs_the_same():
    original = make()
    loaded = load(original)
    assert [(i.name, i.descriptor) for i in loaded.inputs] == [
        ("x", OperandDescriptor(DataType.FLOAT32, tuple(X_SHAPE)))
    ]
    assert [(o.name, o.descriptor) for o in loaded.outputs] == [
        ("y", OperandDescriptor(DataType.FLOAT32, tuple(Y_SHAPE)))
    ]
    x = np.random.default_rng(0).uniform(-1, 1, X_SHAPE).astype(np.float32)
    np.testing.assert_array_equal(run(loaded.model_bytes, x), run(original.SerializeToString(), x))


def test_returned_bytes_are_the_checked_proto_stripped_and_deterministic():
    model = make()
    model.doc_string = "model prose"
    model.graph.doc_string = "graph prose"
    model.graph.node[0].doc_string = "node prose"
    helper.set_model_props(model, {"author": "page"})
    # An unknown field (number 999, varint 1) appended to the caller's bytes.
    data = model.SerializeToString() + b"\xb8\x3e\x01"
    loaded = load_model(data, ModelLimits())
    assert loaded.model_bytes != data
    result = onnx.ModelProto.FromString(loaded.model_bytes)
    assert result.doc_string == result.graph.doc_string == result.graph.node[0].doc_string == ""
    assert not result.metadata_props
    # The unknown field is gone: the result is what the same model without it loads to.
    assert loaded.model_bytes == load_model(model.SerializeToString()).model_bytes
    assert b"prose" not in loaded.model_bytes and b"author" not in loaded.model_bytes
    assert load_model(data, ModelLimits()).model_bytes == loaded.model_bytes


def test_initializers_listed_as_inputs_are_not_part_of_the_signature():
    model = make(
        inputs=[
            helper.make_tensor_value_info("x", TensorProto.FLOAT, X_SHAPE),
            helper.make_tensor_value_info("w", TensorProto.FLOAT, [4, 3, 3, 3]),
        ]
    )
    assert [i.name for i in load(model).inputs] == ["x"]


def test_models_the_graph_builder_lowers_load():
    # Every operator the lowering emits is allowed: conv, pooling and the layer-normalization
    # decomposition (ReduceMean, Sqrt, Transpose) in one graph.
    s = Sketch()
    x = s.input("x", "float32", [1, 3, 8, 8])
    w = s.constant(np.ones((4, 3, 3, 3), np.float32))
    c = s.op("conv2d", x, w, padding=[1, 1, 1, 1])
    p = s.op("averagePool2d", s.op("relu", c), windowDimensions=[2, 2], strides=[2, 2])
    n = s.op("layerNormalization", p, axes=[1, 3])
    m = s.op("layerNormalization", n, axes=[2, 3])
    y = s.op("softmax", s.op("reshape", m, newShape=[1, 64]), axis=1)
    loaded = load_model(lower_to_onnx(s.validate(y=y)), ModelLimits())
    assert [(o.name, o.descriptor.shape) for o in loaded.outputs] == [("y", (1, 64))]


def test_allowed_operators_are_all_default_domain_operators():
    # A typo in the allow-list would silently allow nothing; every name must be a real op.
    schemas = {schema.name for schema in onnx.defs.get_all_schemas() if schema.domain == ""}
    assert schemas >= ALLOWED_OPERATORS
    assert not {"If", "Loop", "Scan"} & ALLOWED_OPERATORS


# ---------------------------------------------------------------------------------------------
# Size, before parsing.


def test_size_over_the_limit_is_refused_before_parsing():
    # Garbage bytes: a parse error would say so, the size rule answers first.
    rejects(b"\xff" * 101, "model is 101 bytes, over the limit of 100", ModelLimits(100))


def test_huge_declared_size_is_refused_without_allocating_it():
    with pytest.raises(ModelError) as caught:
        check_model_size(2**62)
    assert str(caught.value) == f"model is {2**62} bytes, over the limit of {256 * 2**20}"
    # 4 GiB of untouched anonymous mapping: only its length may be read.
    region = mmap.mmap(-1, 2**32)
    try:
        view = memoryview(region)
        with pytest.raises(ModelError, match=r"^model is 4294967296 bytes, over the limit"):
            load_model(view, ModelLimits())
        view.release()
    finally:
        region.close()


def test_memoryview_within_the_limit_loads():
    assert load_model(memoryview(make().SerializeToString()), ModelLimits()).outputs


# ---------------------------------------------------------------------------------------------
# Parsing, versions and domains.


def test_bytes_that_are_not_a_model_proto():
    rejects(b"\xff\xff\xff\xff", "model bytes do not parse as an ONNX ModelProto")


@pytest.mark.parametrize("ir_version", [6, 10])
def test_ir_version_outside_the_range(ir_version):
    rejects(
        make(ir_version=ir_version),
        f"model IR version {ir_version} is outside the supported range 7..9",
    )


def test_empty_bytes_are_an_empty_model_without_an_ir_version():
    rejects(b"", "model IR version 0 is outside the supported range 7..9")


@pytest.mark.parametrize("opset", [12, 21])
def test_opset_outside_the_range(opset):
    rejects(
        make(opsets=[("", opset)]), f"model opset {opset} is outside the supported range 13..20"
    )


def test_custom_domain_import():
    rejects(
        make(opsets=[("", 20), ("com.microsoft", 1)]),
        "model imports operator domain 'com.microsoft'; only the default ONNX domain is allowed",
    )


@pytest.mark.parametrize("opsets", [[], [("", 20), ("ai.onnx", 19)]])
def test_default_domain_imported_other_than_once(opsets):
    model = make()
    del model.opset_import[:]
    model.opset_import.extend(helper.make_opsetid(d, v) for d, v in opsets)
    rejects(
        model,
        f"model imports the default ONNX domain {len(opsets)} times; exactly one opset import "
        "is required",
    )


def test_text_that_is_not_utf8():
    data = make().SerializeToString().replace(b"relu", b"r\xfflu")
    rejects(data, "model field NodeProto.name is not valid UTF-8")


def test_ai_onnx_alias_is_the_default_domain():
    assert load(make(opsets=[("ai.onnx", 20)])).outputs


def test_local_functions():
    model = make()
    model.functions.append(helper.make_function("local", "f", ["a"], ["b"], [], []))
    rejects(model, "model defines local functions; they are not allowed")


def test_training_info():
    model = make()
    model.training_info.add()
    rejects(model, "model carries training info; it is not allowed")


# ---------------------------------------------------------------------------------------------
# Operators.


def test_node_in_a_custom_domain():
    node = helper.make_node("Relu", ["x"], ["y"], name="n", domain="com.microsoft")
    rejects(
        make([node], initializers=[]),
        "node 0 'n' ('Relu') uses operator domain 'com.microsoft'; only the default ONNX domain "
        "is allowed",
    )


@pytest.mark.parametrize("op_type", ["NonZero", "If", "Loop", "Scan", "ConstantOfShape"])
def test_operator_outside_the_allow_list(op_type):
    node = helper.make_node(op_type, ["x"], ["y"], name="n")
    rejects(
        make([node], initializers=[]),
        f"node 0 'n' ('{op_type}'): operator '{op_type}' is not allowed",
    )


def test_subgraph_in_an_allowed_operator_attribute():
    body = helper.make_graph([], "body", [], [])
    node = helper.make_node("Relu", ["x"], ["y"], name="n")
    node.attribute.append(helper.make_attribute("body", body))
    rejects(
        make([node], initializers=[]),
        "node 0 'n' ('Relu') attribute 'body' holds a subgraph; control flow and subgraphs are "
        "not allowed",
    )


def test_subgraph_hidden_under_another_attribute_type():
    node = helper.make_node("Relu", ["x"], ["y"], name="n")
    attribute = helper.make_attribute("alpha", 1.0)
    attribute.g.CopyFrom(helper.make_graph([], "body", [], []))
    node.attribute.append(attribute)
    assert node.attribute[0].type == AttributeProto.FLOAT
    rejects(
        make([node], initializers=[]),
        "node 0 'n' ('Relu') attribute 'alpha' holds a subgraph; control flow and subgraphs are "
        "not allowed",
    )


def test_long_names_are_shortened_in_messages():
    node = helper.make_node("NonZero", ["x"], ["y"], name="n" * 1000)
    with pytest.raises(ModelError) as caught:
        load(make([node], initializers=[]))
    assert (
        str(caught.value)
        == f"node 0 '{'n' * 64}...' ('NonZero'): operator 'NonZero' is not allowed"
    )


# ---------------------------------------------------------------------------------------------
# External data.


def external(tensor: TensorProto, *, location: bool = True, entries: bool = True) -> TensorProto:
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    if location:
        tensor.data_location = TensorProto.EXTERNAL
    if entries:
        # Written by hand, as an attacker would: onnx's helper insists on raw data first.
        for key, value in (("location", "/etc/passwd"), ("offset", "0"), ("length", "16")):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
    return tensor


@pytest.mark.parametrize(("location", "entries"), [(True, True), (True, False), (False, True)])
def test_external_data_in_an_initializer(location, entries):
    w, b = weights()
    rejects(
        make(initializers=[external(w, location=location, entries=entries), b]),
        "initializer 'w' refers to external data; tensor data must be inside the model",
    )


def test_external_data_in_a_constant_node():
    w, b = weights()
    constant = helper.make_node("Constant", [], ["w"], name="k", value=external(w))
    rejects(
        make([constant, *conv_nodes()], initializers=[b]),
        "node 0 'k' ('Constant') attribute 'value' tensor refers to external data; tensor data "
        "must be inside the model",
    )


def sparse(dims: list[int], values: TensorProto | None = None) -> onnx.SparseTensorProto:
    values = values or helper.make_tensor("s", TensorProto.FLOAT, [1], [1.0])
    indices = helper.make_tensor("s_indices", TensorProto.INT64, [1], [0])
    return helper.make_sparse_tensor(values, indices, dims)


def test_external_data_in_a_sparse_initializer():
    model = make()
    model.graph.sparse_initializer.append(
        sparse([4], external(helper.make_tensor("s", TensorProto.FLOAT, [1], [1.0])))
    )
    rejects(
        model,
        "sparse initializer 's' values refers to external data; tensor data must be inside the "
        "model",
    )


def test_external_data_in_a_sparse_constant():
    constant = helper.make_node(
        "Constant",
        [],
        ["s"],
        name="k",
        sparse_value=sparse([4], external(helper.make_tensor("s", TensorProto.FLOAT, [1], [1.0]))),
    )
    rejects(
        make([constant, *conv_nodes()]),
        "node 0 'k' ('Constant') attribute 'sparse_value' sparse tensor values refers to "
        "external data; tensor data must be inside the model",
    )


# ---------------------------------------------------------------------------------------------
# Counts and sizes.


def test_too_many_protobuf_elements():
    # The default model holds 42: its graph and opset import, nodes, attributes, value infos,
    # types, shapes, dimensions, tensors, and every name among them.
    assert load(make(), ModelLimits(max_elements=42)).outputs
    rejects(
        make(),
        "model has more than 41 protobuf messages and strings",
        ModelLimits(max_elements=41),
    )


def test_millions_of_names_are_refused_without_walking_them():
    node = helper.make_node("Relu", [""] * 3_000_000, ["y"], name="n")
    started = time.monotonic()
    rejects(
        make([node], initializers=[]),
        "model has more than 2097152 protobuf messages and strings",
    )
    assert time.monotonic() - started < 2


def test_too_many_nodes():
    rejects(make(), "model has 2 nodes, over the limit of 1", ModelLimits(max_nodes=1))


def test_too_many_initializers():
    rejects(
        make(), "model has 2 initializers, over the limit of 1", ModelLimits(max_initializers=1)
    )


def test_too_many_initializer_bytes():
    # Conv weights 4*3*3*3 floats (432 bytes) and bias 4 floats (16 bytes).
    rejects(
        make(),
        "initializers and constants total 448 bytes, over the limit of 447",
        ModelLimits(max_initializer_byte_length=447),
    )


def test_constant_node_bytes_count_towards_the_total():
    w, b = weights()
    constant = helper.make_node("Constant", [], ["w"], name="k", value=w)
    rejects(
        make([constant, *conv_nodes()], initializers=[b]),
        "initializers and constants total 448 bytes, over the limit of 447",
        ModelLimits(max_initializer_byte_length=447),
    )


def test_sparse_initializer_counts_its_dense_size():
    model = make()
    model.graph.sparse_initializer.append(sparse([1000]))
    # 448 of conv weights, then 4 (values) + 8 (indices) + 4,000 (dense).
    rejects(
        model,
        "initializers and constants total 4460 bytes, over the limit of 4000",
        ModelLimits(max_initializer_byte_length=4000),
    )


def with_dims(tensor: TensorProto, dims: list[int]) -> TensorProto:
    del tensor.dims[:]
    tensor.dims.extend(dims)
    return tensor


def test_initializer_declared_dims_over_the_per_tensor_limit():
    w, b = weights()
    big = 2**31 - 1
    rejects(
        make(initializers=[with_dims(w, [big, big, big]), b]),
        f"initializer 'w': byte length of float32[{big}, {big}, {big}] exceeds "
        f"maxTensorByteLength {big}",
    )


def test_initializer_over_a_lowered_per_tensor_limit():
    rejects(
        make(),
        "initializer 'w': byte length of float32[4, 3, 3, 3] exceeds maxTensorByteLength 431",
        ModelLimits(tensor_limits=Limits(max_tensor_byte_length=431)),
    )


def test_sparse_dense_dims_over_the_per_tensor_limit():
    model = make()
    model.graph.sparse_initializer.append(sparse([2**20, 2**20]))
    rejects(
        model,
        "sparse initializer 's': byte length of float32[1048576, 1048576] exceeds "
        "maxTensorByteLength 2147483647",
    )


def test_initializer_negative_dimension():
    w, b = weights()
    rejects(
        make(initializers=[with_dims(w, [4, -1, 3, 3]), b]),
        "initializer 'w' has dimension -1, outside 0..2147483647",
    )


def test_initializer_rank_over_the_limit():
    w, b = weights()
    rejects(
        make(initializers=[with_dims(w, [1] * 9), b]),
        "initializer 'w' has rank 9, over maxTensorRank 8",
    )


@pytest.mark.parametrize(("dims", "present"), [([2, 3, 3, 3], 432), ([8, 3, 3, 3], 432)])
def test_initializer_raw_data_not_matching_its_shape(dims, present):
    w, b = weights()
    rejects(
        make(initializers=[with_dims(w, dims), b]),
        f"initializer 'w' holds {present} bytes of data; its shape float32{dims} needs "
        f"{4 * 9 * 3 * dims[0]}",
    )


def test_constant_typed_data_not_matching_its_shape():
    value = with_dims(helper.make_tensor("v", TensorProto.INT64, [4], [1, 2, 3, 4]), [3])
    constant = helper.make_node("Constant", [], ["v"], name="k", value=value)
    rejects(
        make([constant, *conv_nodes()]),
        "node 0 'k' ('Constant') attribute 'value' tensor holds 4 values of data; its shape "
        "int64[3] needs 3",
    )


def test_initializer_unsupported_element_type():
    w, b = weights()
    w.data_type = TensorProto.DOUBLE
    rejects(make(initializers=[w, b]), "initializer 'w' has unsupported element type DOUBLE")


# ---------------------------------------------------------------------------------------------
# The signature: graph inputs and outputs.


def x_input(elem_type: int = TensorProto.FLOAT, shape: list | None = X_SHAPE):
    return [helper.make_tensor_value_info("x", elem_type, shape)]


def test_dynamic_input_dimension():
    rejects(
        make(inputs=x_input(shape=["N", 3, 8, 8])),
        "graph input 'x' dimension 0 is dynamic or unknown; only static shapes are supported",
    )


def test_unknown_input_dimension():
    value = x_input()[0]
    value.type.tensor_type.shape.dim[2].Clear()
    rejects(
        make(inputs=[value]),
        "graph input 'x' dimension 2 is dynamic or unknown; only static shapes are supported",
    )


def test_unknown_output_rank():
    rejects(
        make(outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]),
        "graph output 'y' has an unknown rank; only static shapes are supported",
    )


@pytest.mark.parametrize(
    ("elem_type", "name"),
    [(TensorProto.DOUBLE, "DOUBLE"), (TensorProto.BOOL, "BOOL"), (TensorProto.STRING, "STRING")],
)
def test_unsupported_input_element_type(elem_type, name):
    rejects(make(inputs=x_input(elem_type)), f"graph input 'x' has unsupported element type {name}")


def test_output_that_is_not_a_tensor():
    output = helper.make_tensor_sequence_value_info("y", TensorProto.FLOAT, Y_SHAPE)
    rejects(make(outputs=[output]), "graph output 'y' is not a dense tensor")


def test_input_zero_dimension():
    rejects(
        make(inputs=x_input(shape=[0, 3, 8, 8])),
        "graph input 'x': dimension 0 is 0, outside 1..2147483647",
    )


def test_input_over_the_per_tensor_limit():
    big = 2**31 - 1
    rejects(
        make(inputs=x_input(shape=[big, big, 8, 8])),
        f"graph input 'x': byte length of float32[{big}, {big}, 8, 8] exceeds "
        f"maxTensorByteLength {big}",
    )


def test_no_outputs():
    rejects(make(outputs=[]), "model graph has no outputs")


def test_repeated_output_name():
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, Y_SHAPE)
    rejects(make(outputs=[y, y]), "graph input or output name 'y' is repeated")


# ---------------------------------------------------------------------------------------------
# The ONNX checker and shape inference, last.


def test_checker_failure_is_reported_with_its_message():
    node = helper.make_node("Relu", ["missing"], ["y"], name="n")
    with pytest.raises(ModelError) as caught:
        load(make([node], initializers=[]))
    message = str(caught.value)
    assert message.startswith("model fails the ONNX checker: ")
    assert "missing" in message
    assert "\n" not in message


def test_checker_failure_in_an_attribute():
    node = helper.make_node("Relu", ["x"], ["y"], name="n", alpha=1.0)
    with pytest.raises(ModelError) as caught:
        load(
            make([node], initializers=[], outputs=[helper.make_tensor_value_info("y", 1, X_SHAPE)])
        )
    assert str(caught.value).startswith("model fails the ONNX checker: ")
    assert "alpha" in str(caught.value)


def test_declared_output_shape_contradicting_the_model():
    rejects(
        make(outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 78, 8])]),
        "model fails ONNX shape inference: [ShapeInferenceError] Inference error(s): "
        "(op_type:Relu, node name: relu): [ShapeInferenceError] Inferred shape and existing "
        "shape differ in dimension 2: (8) vs (78)",
    )


# ---------------------------------------------------------------------------------------------
# Robustness: corrupted bytes only ever raise ModelError.


def test_random_byte_flips_raise_only_model_error():
    data = bytearray(make().SerializeToString())
    rng = random.Random(20261121)
    deadline = time.monotonic() + 1.5
    tried = 0
    while time.monotonic() < deadline:
        corrupted = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            corrupted[rng.randrange(len(corrupted))] = rng.randrange(256)
        if rng.random() < 0.2:
            corrupted = corrupted[: rng.randrange(len(corrupted))]
        with contextlib.suppress(ModelError):
            load_model(bytes(corrupted), ModelLimits())
        tried += 1
    assert tried > 100
