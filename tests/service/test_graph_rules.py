"""Graph rules (WebNN build()) and every operation's shape inference, with exact messages."""

import re

import numpy as np
import pytest

from python_service.shared.graph import (
    NO_OPERAND,
    FrozenAttributes,
    GraphConstant,
    GraphDescription,
    GraphError,
    GraphInput,
    GraphOutput,
    Operation,
    validate_graph,
)
from python_service.shared.tensors import DEFAULT_LIMITS, Limits, OperandDescriptor

from .sketch import Sketch


def fails(sketch: Sketch, message: str, limits: Limits = DEFAULT_LIMITS, **outputs: int) -> None:
    with pytest.raises(GraphError, match=f"^{re.escape(message)}$"):
        sketch.validate(limits, **outputs)


def result(sketch: Sketch, operand: int):
    return sketch.validate(out=operand).descriptors[operand]


def f32(*shape: int) -> OperandDescriptor:
    return OperandDescriptor("float32", shape)


# ---------------------------------------------------------------------------------------------
# Graph-level rules.


def test_graph_error_is_a_type_error():
    assert issubclass(GraphError, TypeError)


def test_valid_graph_records_descriptors_and_resolved_attributes():
    s = Sketch()
    x = s.input("x", "float32", [2, 3])
    y = s.op("transpose", x)
    graph = s.validate(y=y)
    assert graph.descriptors[y] == f32(3, 2)
    assert graph.operations[0].attributes == {"permutation": (1, 0)}
    assert graph.output_descriptor("y") == f32(3, 2)


def test_operand_count_limit():
    s = Sketch()
    x = s.input("x", "float32", [1])
    y = s.op("relu", x)
    fails(s, "graph: 2 operands exceed maxGraphOperands 1", Limits(max_graph_operands=1), y=y)


def test_input_names_are_unique():
    s = Sketch()
    s.input("x", "float32", [1])
    x = s.input("x", "float32", [1])
    fails(s, "input 'x' (operand 2): the name is already used", y=s.op("relu", x))


def test_input_name_is_not_empty():
    s = Sketch()
    x = s.input("", "float32", [1])
    fails(s, "input (operand 1): the name must not be empty", y=s.op("relu", x))


def test_input_descriptor_is_checked_against_limits():
    s = Sketch()
    x = s.input("x", "float32", [4, 4])
    fails(
        s,
        "input 'x' (operand 1): byte length of float32[4, 4] exceeds maxTensorByteLength 63",
        Limits(max_tensor_byte_length=63),
        y=s.op("relu", x),
    )


def test_operand_ids_are_unique():
    s = Sketch()
    x = s.input("x", "float32", [1])
    s.operations.append(Operation("relu", (x,), (x,)))
    fails(s, "relu (operation 0): operand 1 is already defined", y=x)


def test_operand_id_zero_is_reserved():
    d = GraphDescription((GraphInput(0, "x", f32(1)),), (), (), ())
    with pytest.raises(GraphError, match=r"^input 'x' \(operand 0\): operand id 0 must be a"):
        validate_graph(d, DEFAULT_LIMITS)


def test_constant_byte_length_matches_descriptor():
    s = Sketch()
    s.constants.append(GraphConstant(1, f32(2, 2), b"\0" * 15))
    s._next_id = 2
    fails(
        s,
        "constant (operand 1): 15 bytes do not match float32[2, 2] (16 bytes)",
        y=s.op("relu", 1),
    )


def test_unknown_operation():
    s = Sketch()
    x = s.input("x", "float32", [1])
    fails(s, "softplus (operation 0): unknown operation", y=s.op("softplus", x))


def test_operations_have_one_result():
    s = Sketch()
    x = s.input("x", "float32", [1])
    s.operations.append(Operation("relu", (x,), (2, 3)))
    fails(s, "relu (operation 0): must have exactly 1 result, got 2", y=2)


def test_topological_order():
    s = Sketch()
    x = s.input("x", "float32", [1])
    s.operations.append(Operation("relu", (3,), (2,)))
    s.operations.append(Operation("relu", (x,), (3,)))
    fails(
        s,
        "relu (operation 0): operand 'input' (3) is used before the operation that produces "
        "it (operations must be in topological order)",
        y=2,
    )


def test_operands_are_defined_before_use():
    s = Sketch()
    s.input("x", "float32", [1])
    fails(s, "relu (operation 0): operand 'input' (7) is not defined", y=s.op("relu", 7))


def test_absent_required_operand_is_not_defined():
    s = Sketch()
    x = s.input("x", "float32", [1])
    fails(s, "add (operation 0): operand 'b' (0) is not defined", y=s.op("add", x, NO_OPERAND))


def test_operand_count():
    s = Sketch()
    x = s.input("x", "float32", [1])
    fails(s, "gemm (operation 0): takes operands (a b [c]), got 1", y=s.op("gemm", x))
    s = Sketch()
    fails(s, "concat (operation 0): needs at least 1 operand", y=s.op("concat", axis=0))


def test_label_names_the_operation():
    s = Sketch()
    x = s.input("x", "float32", [1])
    fails(
        s,
        "relu (operation 0 'act1'): operand 'input' (7) is not defined",
        y=s.op("relu", 7, label="act1"),
    )
    del x


def test_unknown_and_mistyped_attributes():
    s = Sketch()
    x = s.input("x", "float32", [2])
    fails(s, "relu (operation 0): unknown attribute 'alpha'", y=s.op("relu", x, alpha=1.0))
    s = Sketch()
    x = s.input("x", "float32", [2])
    fails(s, "softmax (operation 0): attribute 'axis' is required", y=s.op("softmax", x))
    s = Sketch()
    x = s.input("x", "float32", [2])
    fails(
        s,
        "softmax (operation 0): attribute 'axis' must be an unsigned long, got -1",
        y=s.op("softmax", x, axis=-1),
    )
    s = Sketch()
    x = s.input("x", "float32", [2, 2])
    fails(
        s,
        "gemm (operation 0): attribute 'alpha' must be a finite double, got nan",
        y=s.op("gemm", x, x, alpha=float("nan")),
    )
    s = Sketch()
    x = s.input("x", "float32", [2, 2])
    fails(
        s,
        "gemm (operation 0): attribute 'aTranspose' must be a boolean, got 1",
        y=s.op("gemm", x, x, aTranspose=1),
    )
    s = Sketch()
    x = s.input("x", "float32", [2, 2])
    fails(
        s,
        "transpose (operation 0): attribute 'permutation' must be a sequence of unsigned "
        "long, got (1, True)",
        y=s.op("transpose", x, permutation=(1, True)),
    )


def test_result_is_checked_against_byte_limit():
    s = Sketch()
    a = s.input("a", "float32", [4, 1])
    b = s.input("b", "float32", [1, 4])
    fails(
        s,
        "add (operation 0): result byte length of float32[4, 4] exceeds maxTensorByteLength 63",
        Limits(max_tensor_byte_length=63),
        y=s.op("add", a, b),
    )


def test_rank_limit_applies_to_new_shapes():
    s = Sketch()
    x = s.input("x", "float32", [4])
    fails(
        s,
        "reshape (operation 0): 'newShape' is invalid: rank 3 exceeds maxTensorRank 2",
        Limits(max_tensor_rank=2),
        y=s.op("reshape", x, newShape=(1, 2, 2)),
    )


def test_at_least_one_output():
    s = Sketch()
    s.input("x", "float32", [1])
    fails(s, "build: at least one output is required")


def test_output_names_are_unique_and_not_empty():
    s = Sketch()
    x = s.input("x", "float32", [1])
    y = s.op("relu", x)
    d = s.description(y=y)
    dup = GraphDescription(d.inputs, d.constants, d.operations, (*d.outputs, GraphOutput("y", y)))
    with pytest.raises(GraphError, match=r"^output 'y' \(operand 2\): the name is already used$"):
        validate_graph(dup, DEFAULT_LIMITS)
    fails(s, "output 'x' (operand 2): the name is already used", x=y)
    empty = GraphDescription(d.inputs, d.constants, d.operations, (GraphOutput("", y),))
    with pytest.raises(GraphError, match=r"^output \(operand 2\): the name must not be empty$"):
        validate_graph(empty, DEFAULT_LIMITS)


def test_outputs_are_defined_operation_results():
    s = Sketch()
    x = s.input("x", "float32", [1])
    c = s.constant(np.zeros(1, np.float32))
    s.op("relu", x)
    fails(s, "output 'y' (operand 9): the operand is not defined", y=9)
    fails(s, "output 'y' (operand 1): a graph input cannot be an output", y=x)
    fails(s, "output 'y' (operand 2): a graph constant cannot be an output", y=c)


def test_one_operand_may_back_two_outputs():
    s = Sketch()
    x = s.input("x", "float32", [1])
    y = s.op("relu", x)
    assert len(s.validate(y=y, z=y).outputs) == 2


def test_frozen_attributes_are_hashable_and_ordered():
    attributes = FrozenAttributes({"b": [1, 2], "a": 1})
    assert list(attributes) == ["a", "b"] and attributes["b"] == (1, 2)
    assert hash(attributes) == hash(FrozenAttributes({"a": 1, "b": (1, 2)}))
    assert hash(Operation("relu", (1,), (2,), {"a": [1]}))


# ---------------------------------------------------------------------------------------------
# Element-wise binary operations: bidirectional broadcasting, same data type.


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "max", "min", "pow"])
def test_binary_broadcasts(op):
    s = Sketch()
    a = s.input("a", "float32", [2, 1, 4])
    b = s.input("b", "float32", [3, 1])
    assert result(s, s.op(op, a, b)) == f32(2, 3, 4)


@pytest.mark.parametrize("op", ["add", "pow"])
def test_binary_errors(op):
    s = Sketch()
    a = s.input("a", "float32", [2, 3])
    b = s.input("b", "float32", [4])
    fails(s, f"{op} (operation 0): shapes [2, 3] and [4] are not broadcastable", y=s.op(op, a, b))
    s = Sketch()
    a = s.input("a", "float32", [2])
    b = s.input("b", "int32", [2])
    fails(
        s,
        f"{op} (operation 0): operand 'b' (2): data type int32 does not match 'a' (float32)",
        y=s.op(op, a, b),
    )


@pytest.mark.parametrize("data_type", ["int8", "uint8", "uint32", "uint64"])
def test_pow_refuses_the_types_it_cannot_compute(data_type):
    s = Sketch()
    a = s.input("a", data_type, [2])
    b = s.input("b", data_type, [2])
    fails(
        s,
        f"pow (operation 0): operand 'a' (1): data type {data_type} is not supported "
        "(allowed: float32, float16, int32, int64)",
        y=s.op("pow", a, b),
    )


def test_binary_accepts_integers_and_scalars():
    s = Sketch()
    a = s.input("a", "int32", [])
    b = s.input("b", "int32", [3])
    assert result(s, s.op("add", a, b)) == OperandDescriptor("int32", (3,))


# ---------------------------------------------------------------------------------------------
# matmul and gemm.


def test_matmul_broadcasts_batch_dimensions():
    s = Sketch()
    a = s.input("a", "float32", [2, 1, 3, 4])
    b = s.input("b", "float32", [5, 4, 6])
    assert result(s, s.op("matmul", a, b)) == f32(2, 5, 3, 6)


def test_matmul_errors():
    s = Sketch()
    a = s.input("a", "float32", [3, 4])
    b = s.input("b", "float32", [5, 6])
    fails(
        s,
        "matmul (operation 0): inner dimensions do not match: a is [3, 4], b is [5, 6]",
        y=s.op("matmul", a, b),
    )
    s = Sketch()
    a = s.input("a", "float32", [4])
    b = s.input("b", "float32", [4, 6])
    fails(
        s,
        "matmul (operation 0): operand 'a' (1): must have rank at least 2, got rank 1",
        y=s.op("matmul", a, b),
    )
    s = Sketch()
    a = s.input("a", "float32", [2, 3, 4])
    b = s.input("b", "float32", [3, 4, 6])
    fails(
        s,
        "matmul (operation 0): batch dimensions [2] and [3] are not broadcastable",
        y=s.op("matmul", a, b),
    )
    s = Sketch()
    a = s.input("a", "int32", [2, 2])
    fails(
        s,
        "matmul (operation 0): operand 'a' (1): data type int32 is not supported "
        "(allowed: float32, float16)",
        y=s.op("matmul", a, a),
    )


def test_gemm_transposes_and_c():
    s = Sketch()
    a = s.input("a", "float32", [4, 3])
    b = s.input("b", "float32", [5, 4])
    c = s.input("c", "float32", [5])
    y = s.op("gemm", a, b, c, aTranspose=True, bTranspose=True, alpha=2, beta=0.5)
    graph = s.validate(y=y)
    assert graph.descriptors[y] == f32(3, 5)
    assert graph.operations[0].attributes["alpha"] == 2.0


def test_gemm_errors():
    s = Sketch()
    a = s.input("a", "float32", [3, 4])
    b = s.input("b", "float32", [3, 5])
    fails(
        s,
        "gemm (operation 0): inner dimensions do not match: a gives 4, b gives 3 "
        "(after transposes)",
        y=s.op("gemm", a, b),
    )
    s = Sketch()
    a = s.input("a", "float32", [3, 4])
    b = s.input("b", "float32", [4, 5])
    c = s.input("c", "float32", [3, 1, 1])
    fails(
        s,
        "gemm (operation 0): operand 'c' (3): shape [3, 1, 1] does not broadcast to [3, 5]",
        y=s.op("gemm", a, b, c),
    )
    s = Sketch()
    a = s.input("a", "float32", [2, 3, 4])
    b = s.input("b", "float32", [4, 5])
    fails(
        s,
        "gemm (operation 0): operand 'a' (1): must be a 2-D tensor, got rank 3",
        y=s.op("gemm", a, b),
    )


# ---------------------------------------------------------------------------------------------
# conv2d.


def test_conv2d_output_size():
    s = Sketch()
    x = s.input("x", "float32", [1, 4, 10, 9])
    w = s.input("w", "float32", [6, 2, 3, 2])
    bias = s.input("bias", "float32", [6])
    y = s.op("conv2d", x, w, bias, padding=(1, 1, 0, 2), strides=(2, 3), dilations=(1, 2), groups=2)
    # height: (10 + 2 - 3) // 2 + 1 = 5; width: (9 + 2 - ((2 - 1) * 2 + 1)) // 3 + 1 = 3
    assert result(s, y) == f32(1, 6, 5, 3)


def test_conv2d_defaults():
    s = Sketch()
    x = s.input("x", "float32", [1, 1, 5, 5])
    w = s.input("w", "float32", [1, 1, 3, 3])
    graph = s.validate(y=s.op("conv2d", x, w))
    assert dict(graph.operations[0].attributes) == {
        "padding": (0, 0, 0, 0),
        "strides": (1, 1),
        "dilations": (1, 1),
        "groups": 1,
        "inputLayout": "nchw",
        "filterLayout": "oihw",
    }


def conv2d_fails(x_shape, w_shape, attrs, message) -> None:
    """conv2d of an x and a w of these shapes is refused with `message`."""
    s = Sketch()
    x = s.input("x", "float32", x_shape)
    w = s.input("w", "float32", w_shape)
    fails(s, f"conv2d (operation 0): {message}", y=s.op("conv2d", x, w, **attrs))


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "attrs", "message"),
    [
        ([1, 4, 5], [1, 4, 3, 3], {}, "operand 'input' (1): must be a 4-D tensor, got rank 3"),
        (
            [1, 4, 5, 5],
            [2, 3, 3, 3],
            {},
            "operand 'filter' (2): filter input channels (3) "
            "must equal input channels / groups (4)",
        ),
        (
            [1, 4, 5, 5],
            [2, 1, 3, 3],
            {"groups": 3},
            "input channels (4) are not divisible by groups (3)",
        ),
        (
            [1, 4, 5, 5],
            [3, 2, 3, 3],
            {"groups": 2},
            "operand 'filter' (2): filter output channels (3) are not divisible by groups (2)",
        ),
        ([1, 4, 5, 5], [2, 4, 3, 3], {"groups": 0}, "'groups' must be at least 1, got 0"),
        (
            [1, 4, 2, 5],
            [2, 4, 3, 3],
            {},
            "the dilated window (3) is larger than the padded input (2)",
        ),
        (
            [1, 4, 5, 5],
            [2, 4, 3, 3],
            {"dilations": (3, 1)},
            "the dilated window (7) is larger than the padded input (5)",
        ),
        ([1, 4, 5, 5], [2, 4, 3, 3], {"padding": (1, 1)}, "'padding' must have 4 values, got 2"),
        (
            [1, 4, 5, 5],
            [2, 4, 3, 3],
            {"strides": (0, 1)},
            "'strides' values must be at least 1, got [0, 1]",
        ),
        (
            [1, 4, 5, 5],
            [2, 4, 3, 3],
            {"filterLayout": "oihw x"},
            "attribute 'filterLayout' must be one of ['oihw', 'hwio', 'ohwi', 'ihwo'], "
            "got 'oihw x'",
        ),
    ],
)
def test_conv2d_errors(x_shape, w_shape, attrs, message):
    conv2d_fails(x_shape, w_shape, attrs, message)


def in_layout(nchw_shape: tuple[int, ...], layout: str, source: str = "nchw") -> list[int]:
    """A shape given in `source`'s dimension order, reordered to `layout` (letters name axes)."""
    return [nchw_shape[source.index(letter)] for letter in layout]


@pytest.mark.parametrize("filter_layout", ["oihw", "hwio", "ohwi", "ihwo"])
@pytest.mark.parametrize("input_layout", ["nchw", "nhwc"])
def test_conv2d_output_size_in_every_layout(input_layout, filter_layout):
    # test_conv2d_output_size's convolution, its shapes reordered: the sizes are read by layout
    # (WebNN "calculate conv2d output sizes") and the result is in the input's layout.
    s = Sketch()
    x = s.input("x", "float32", in_layout((1, 4, 10, 9), input_layout))
    w = s.input("w", "float32", in_layout((6, 2, 3, 2), filter_layout, "oihw"))
    bias = s.input("bias", "float32", [6])
    y = s.op(
        "conv2d",
        x,
        w,
        bias,
        padding=(1, 1, 0, 2),
        strides=(2, 3),
        dilations=(1, 2),
        groups=2,
        inputLayout=input_layout,
        filterLayout=filter_layout,
    )
    assert result(s, y) == f32(*in_layout((1, 6, 5, 3), input_layout))


def test_conv2d_depthwise_ihwo():
    # WebNN's depthwise form: ihwo with i = 1 and groups = the input channels.
    s = Sketch()
    x = s.input("x", "float32", [2, 7, 6, 3])
    w = s.input("w", "float32", [1, 3, 3, 3])
    y = s.op("conv2d", x, w, groups=3, inputLayout="nhwc", filterLayout="ihwo")
    assert result(s, y) == f32(2, 5, 4, 3)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "attrs", "message"),
    [
        (  # nhwc: the channels are the last dimension (4), not dimension 1 (5)
            [1, 5, 5, 4],
            [2, 5, 3, 3],
            {"inputLayout": "nhwc"},
            "operand 'filter' (2): filter input channels (5) "
            "must equal input channels / groups (4)",
        ),
        (  # hwio: the filter's input channels are dimension 2
            [1, 4, 5, 5],
            [3, 3, 2, 4],
            {"filterLayout": "hwio"},
            "operand 'filter' (2): filter input channels (2) "
            "must equal input channels / groups (4)",
        ),
        (  # ohwi: dimension 3
            [1, 5, 5, 4],
            [2, 3, 3, 5],
            {"inputLayout": "nhwc", "filterLayout": "ohwi"},
            "operand 'filter' (2): filter input channels (5) "
            "must equal input channels / groups (4)",
        ),
        (  # ihwo: dimension 0
            [1, 4, 5, 5],
            [4, 3, 3, 2],
            {"filterLayout": "ihwo", "groups": 2},
            "operand 'filter' (2): filter input channels (4) "
            "must equal input channels / groups (2)",
        ),
        (
            [1, 5, 5, 6],
            [3, 3, 2, 4],
            {"inputLayout": "nhwc", "filterLayout": "hwio", "groups": 4},
            "input channels (6) are not divisible by groups (4)",
        ),
        (  # hwio: the output channels are dimension 3 (3), indivisible by 2 groups
            [1, 5, 5, 4],
            [3, 3, 2, 3],
            {"inputLayout": "nhwc", "filterLayout": "hwio", "groups": 2},
            "operand 'filter' (2): filter output channels (3) are not divisible by groups (2)",
        ),
        (  # nhwc: the height is dimension 1 (2), smaller than the kernel's 3
            [1, 2, 5, 4],
            [2, 4, 3, 3],
            {"inputLayout": "nhwc"},
            "the dilated window (3) is larger than the padded input (2)",
        ),
        (  # ohwi: the kernel's width is dimension 2 (6), wider than the input
            [1, 4, 5, 5],
            [2, 3, 6, 4],
            {"filterLayout": "ohwi"},
            "the dilated window (6) is larger than the padded input (5)",
        ),
    ],
)
def test_conv2d_layout_errors(x_shape, w_shape, attrs, message):
    conv2d_fails(x_shape, w_shape, attrs, message)


@pytest.mark.parametrize(
    ("filter_layout", "w_shape"),
    [("hwio", [1, 1, 2, 4]), ("ohwi", [4, 1, 1, 2]), ("ihwo", [2, 1, 1, 4])],
)
def test_conv2d_bias_has_the_filter_layouts_output_channels(filter_layout, w_shape):
    s = Sketch()
    x = s.input("x", "float32", [1, 3, 3, 2])
    w = s.input("w", "float32", w_shape)
    fails(
        s,
        "conv2d (operation 0): operand 'bias' (3): must have shape [4], got [2]",
        y=s.op(
            "conv2d",
            x,
            w,
            s.input("bias", "float32", [2]),
            inputLayout="nhwc",
            filterLayout=filter_layout,
        ),
    )
    s = Sketch()
    x = s.input("x", "float32", [1, 3, 3, 2])
    w = s.input("w", "float32", w_shape)
    bias = s.input("bias", "float32", [4])
    y = s.op("conv2d", x, w, bias, inputLayout="nhwc", filterLayout=filter_layout)
    assert result(s, y) == f32(1, 3, 3, 4)


def test_conv2d_bias_shape_and_type():
    s = Sketch()
    x = s.input("x", "float32", [1, 2, 3, 3])
    w = s.input("w", "float32", [4, 2, 1, 1])
    bias = s.input("bias", "float32", [2])
    fails(
        s,
        "conv2d (operation 0): operand 'bias' (3): must have shape [4], got [2]",
        y=s.op("conv2d", x, w, bias),
    )
    s = Sketch()
    x = s.input("x", "float16", [1, 2, 3, 3])
    w = s.input("w", "float32", [4, 2, 1, 1])
    fails(
        s,
        "conv2d (operation 0): operand 'filter' (2): data type float32 does not match "
        "'input' (float16)",
        y=s.op("conv2d", x, w),
    )


# ---------------------------------------------------------------------------------------------
# Pooling.


@pytest.mark.parametrize("op", ["averagePool2d", "maxPool2d"])
def test_pool_defaults_to_global(op):
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 7, 5])
    y = s.op(op, x)
    graph = s.validate(y=y)
    assert graph.descriptors[y] == f32(2, 3, 1, 1)
    assert graph.operations[0].attributes["windowDimensions"] == (7, 5)


@pytest.mark.parametrize(("rounding", "expected"), [("floor", 3), ("ceil", 4)])
def test_pool_rounding(rounding, expected):
    s = Sketch()
    x = s.input("x", "float32", [1, 1, 8, 8])
    y = s.op("maxPool2d", x, windowDimensions=(3, 3), strides=(2, 2), roundingType=rounding)
    assert result(s, y) == f32(1, 1, expected, expected)


@pytest.mark.parametrize("op", ["averagePool2d", "maxPool2d"])
def test_pool_nhwc(op):
    # The global window is [height, width] read by layout; channels stay last in the result.
    s = Sketch()
    x = s.input("x", "float32", [2, 7, 5, 3])
    y = s.op(op, x, layout="nhwc")
    graph = s.validate(y=y)
    assert graph.descriptors[y] == f32(2, 1, 1, 3)
    assert graph.operations[0].attributes["windowDimensions"] == (7, 5)
    s = Sketch()
    x = s.input("x", "float32", [1, 8, 6, 3])
    y = s.op(op, x, layout="nhwc", windowDimensions=(3, 2), strides=(2, 2), roundingType="ceil")
    assert result(s, y) == f32(1, 4, 3, 3)


def test_pool_nhwc_window_larger_than_the_input():
    s = Sketch()
    x = s.input("x", "float32", [1, 4, 2, 8])
    fails(
        s,
        "maxPool2d (operation 0): the dilated window (3) is larger than the padded input (2)",
        y=s.op("maxPool2d", x, layout="nhwc", windowDimensions=(3, 3)),
    )


def test_pool_errors():
    s = Sketch()
    x = s.input("x", "float32", [1, 1, 4, 4])
    fails(
        s,
        "maxPool2d (operation 0): the dilated window (5) is larger than the padded input (4)",
        y=s.op("maxPool2d", x, windowDimensions=(3, 3), dilations=(2, 2)),
    )
    s = Sketch()
    x = s.input("x", "float32", [1, 1, 4, 4])
    fails(
        s,
        "averagePool2d (operation 0): 'windowDimensions' must have 2 values, got 1",
        y=s.op("averagePool2d", x, windowDimensions=(3,)),
    )
    s = Sketch()
    x = s.input("x", "float32", [1, 1, 4, 4])
    fails(
        s,
        "averagePool2d (operation 0): attribute 'roundingType' must be one of "
        "['floor', 'ceil'], got 'round'",
        y=s.op("averagePool2d", x, roundingType="round"),
    )


def test_pool_ceil_window_only_in_padding_is_refused():
    # webmachinelearning/webnn#935's case: the third window starts at padded index 6.
    s = Sketch()
    x = s.input("x", "float32", [1, 2, 5, 5])
    fails(
        s,
        "maxPool2d (operation 0): with roundingType 'ceil' the last window would cover only "
        "padding (it starts at 6, the input ends at 6)",
        y=s.op(
            "maxPool2d",
            x,
            windowDimensions=(3, 3),
            strides=(3, 3),
            padding=(1, 1, 1, 1),
            roundingType="ceil",
        ),
    )


def test_pool_data_types():
    s = Sketch()
    x = s.input("x", "uint8", [1, 1, 4, 4])
    assert result(s, s.op("maxPool2d", x)) == OperandDescriptor("uint8", (1, 1, 1, 1))
    s = Sketch()
    x = s.input("x", "uint8", [1, 1, 4, 4])
    fails(
        s,
        "averagePool2d (operation 0): operand 'input' (1): data type uint8 is not supported "
        "(allowed: float32, float16)",
        y=s.op("averagePool2d", x),
    )


# ---------------------------------------------------------------------------------------------
# Unary operations.


@pytest.mark.parametrize("op", ["relu", "sigmoid", "tanh", "gelu"])
def test_unary_keeps_the_descriptor(op):
    s = Sketch()
    x = s.input("x", "float16", [2, 3])
    assert result(s, s.op(op, x)) == OperandDescriptor("float16", (2, 3))


@pytest.mark.parametrize(
    ("op", "data_type"),
    [("sigmoid", "int32"), ("tanh", "int8"), ("gelu", "uint8"), ("relu", "uint32")],
)
def test_unary_data_types(op, data_type):
    s = Sketch()
    x = s.input("x", data_type, [2])
    with pytest.raises(GraphError, match=f"data type {data_type} is not supported"):
        s.validate(y=s.op(op, x))


def test_softmax_axis():
    s = Sketch()
    x = s.input("x", "float32", [2, 3])
    assert result(s, s.op("softmax", x, axis=1)) == f32(2, 3)
    s = Sketch()
    x = s.input("x", "float32", [2, 3])
    fails(
        s,
        "softmax (operation 0): 'axis' (2) must be less than the rank (2)",
        y=s.op("softmax", x, axis=2),
    )


def test_clamp():
    s = Sketch()
    x = s.input("x", "int32", [2])
    y = s.op("clamp", x, minValue=-3, maxValue=float("inf"))
    assert result(s, y) == OperandDescriptor("int32", (2,))
    s = Sketch()
    x = s.input("x", "float32", [2])
    fails(
        s,
        "clamp (operation 0): 'minValue' (2.0) is greater than 'maxValue' (1)",
        y=s.op("clamp", x, minValue=2.0, maxValue=1),
    )
    s = Sketch()
    x = s.input("x", "float32", [2])
    fails(
        s,
        "clamp (operation 0): attribute 'minValue' must be a number, got nan",
        y=s.op("clamp", x, minValue=float("nan")),
    )


def test_cast():
    s = Sketch()
    x = s.input("x", "float32", [2, 2])
    assert result(s, s.op("cast", x, dataType="int8")) == OperandDescriptor("int8", (2, 2))
    s = Sketch()
    x = s.input("x", "float32", [2, 2])
    fails(
        s,
        "cast (operation 0): attribute 'dataType' must be an NPUDataType, got 'bool'",
        y=s.op("cast", x, dataType="bool"),
    )


# ---------------------------------------------------------------------------------------------
# Shape manipulation.


def test_reshape():
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    assert result(s, s.op("reshape", x, newShape=(6, 4))) == f32(6, 4)
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    fails(
        s,
        "reshape (operation 0): 'newShape' [5, 5] has 25 elements, the input [2, 3, 4] has 24",
        y=s.op("reshape", x, newShape=(5, 5)),
    )
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    fails(
        s,
        "reshape (operation 0): 'newShape' is invalid: dimension 1 is 0, outside 1..2147483647",
        y=s.op("reshape", x, newShape=(24, 0)),
    )
    s = Sketch()
    x = s.input("x", "float32", [1])
    fails(
        s,
        "reshape (operation 0): 'newShape' is invalid: rank 9 exceeds maxTensorRank 8",
        y=s.op("reshape", x, newShape=(1,) * 9),
    )


def test_transpose():
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    assert result(s, s.op("transpose", x)) == f32(4, 3, 2)
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    assert result(s, s.op("transpose", x, permutation=(1, 2, 0))) == f32(3, 4, 2)
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    fails(
        s,
        "transpose (operation 0): 'permutation' [0, 0, 1] is not a permutation of the "
        "input's 3 dimensions",
        y=s.op("transpose", x, permutation=(0, 0, 1)),
    )


def test_concat():
    s = Sketch()
    a = s.input("a", "float32", [2, 3])
    b = s.input("b", "float32", [2, 5])
    assert result(s, s.op("concat", a, b, a, axis=1)) == f32(2, 11)
    s = Sketch()
    a = s.input("a", "float32", [2, 3])
    b = s.input("b", "float32", [3, 3])
    fails(
        s,
        "concat (operation 0): operand 'inputs[1]' (2): dimension 0 is 3, inputs[0] has 2",
        y=s.op("concat", a, b, axis=1),
    )
    s = Sketch()
    a = s.input("a", "float32", [2, 3])
    b = s.input("b", "float32", [2])
    fails(
        s,
        "concat (operation 0): operand 'inputs[1]' (2): rank 1 does not match inputs[0] (2)",
        y=s.op("concat", a, b, axis=0),
    )
    s = Sketch()
    a = s.input("a", "float32", [2, 3])
    fails(
        s,
        "concat (operation 0): 'axis' (2) must be less than the rank (2)",
        y=s.op("concat", a, axis=2),
    )


def test_concat_dimension_overflow():
    s = Sketch()
    a = s.input("a", "uint8", [2**30 + 1])
    fails(
        s,
        "concat (operation 0): result dimension exceeds 2147483647 in [2147483650]",
        Limits(max_tensor_byte_length=2**40),
        y=s.op("concat", a, a, axis=0),
    )


def test_slice():
    s = Sketch()
    x = s.input("x", "float32", [4, 5])
    assert result(s, s.op("slice", x, starts=(1, 0), sizes=(3, 5))) == f32(3, 5)
    s = Sketch()
    x = s.input("x", "float32", [4, 5])
    fails(
        s,
        "slice (operation 0): dimension 1: start 2 + size 4 exceeds the input's 5",
        y=s.op("slice", x, starts=(0, 2), sizes=(1, 4)),
    )
    s = Sketch()
    x = s.input("x", "float32", [4, 5])
    fails(
        s,
        "slice (operation 0): 'starts' must have 2 values, got 1",
        y=s.op("slice", x, starts=(0,), sizes=(1, 4)),
    )
    s = Sketch()
    x = s.input("x", "float32", [4, 5])
    fails(
        s,
        "slice (operation 0): 'sizes' values must be at least 1, got [0, 4]",
        y=s.op("slice", x, starts=(0, 0), sizes=(0, 4)),
    )


# ---------------------------------------------------------------------------------------------
# Normalization.


def test_batch_normalization():
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    m = s.input("m", "float32", [4])
    v = s.input("v", "float32", [4])
    y = s.op("batchNormalization", x, m, v, NO_OPERAND, m, axis=2)
    graph = s.validate(y=y)
    assert graph.descriptors[y] == f32(2, 3, 4)
    assert graph.operations[0].attributes == {"axis": 2, "epsilon": 1e-5}


def test_batch_normalization_errors():
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    m = s.input("m", "float32", [4])
    fails(
        s,
        "batchNormalization (operation 0): operand 'mean' (2): must have shape [3], got [4]",
        y=s.op("batchNormalization", x, m, m),
    )
    s = Sketch()
    x = s.input("x", "float32", [2, 3])
    m = s.input("m", "float32", [3])
    fails(
        s,
        "batchNormalization (operation 0): 'axis' (2) must be less than the rank (2)",
        y=s.op("batchNormalization", x, m, m, axis=2),
    )


def test_layer_normalization():
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    scale = s.input("scale", "float32", [4, 2])
    y = s.op("layerNormalization", x, scale, axes=(2, 0))
    assert result(s, y) == f32(2, 3, 4)
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    y = s.op("layerNormalization", x)
    assert s.validate(y=y).operations[0].attributes["axes"] == (1, 2)


def test_layer_normalization_errors():
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    scale = s.input("scale", "float32", [3, 4])
    fails(
        s,
        "layerNormalization (operation 0): operand 'scale' (2): must have shape [4, 3], got [3, 4]",
        y=s.op("layerNormalization", x, scale, axes=(2, 1)),
    )
    s = Sketch()
    x = s.input("x", "float32", [2, 3, 4])
    fails(
        s,
        "layerNormalization (operation 0): 'axes' [1, 1] must be distinct dimensions less "
        "than the rank (3)",
        y=s.op("layerNormalization", x, axes=(1, 1)),
    )
    s = Sketch()
    x = s.input("x", "int32", [2, 3])
    fails(
        s,
        "layerNormalization (operation 0): operand 'input' (1): data type int32 is not "
        "supported (allowed: float32, float16)",
        y=s.op("layerNormalization", x),
    )
