"""The graph description across the wire (docs/wire.md §5): `shared.graph` terms -> generated
wire structs -> bytes -> back, unchanged and still valid; and the drift test between the IDL's
`[WireGraphOp]` methods and `python_service.shared.operations.OPERATIONS` (§7.3)."""

from __future__ import annotations

import math
import struct

import pytest

from codegen.model import wire as w
from codegen.pipeline import load
from python_service.bad_message import BadMessage, BadMessageKind
from python_service.generated import wire as gen
from python_service.shared import graph as g
from python_service.shared.operations import OPERATIONS
from python_service.shared.tensors import Limits, OperandDescriptor
from python_service.wire import graph as wire_graph
from python_service.wire import runtime as rt
from tests.conftest import ROOT

K = BadMessageKind
WIRE = load([ROOT / "idl/webnpu.idl"]).wire
IDL = load([ROOT / "idl/webnpu.idl"]).model


def f32(*shape: int) -> OperandDescriptor:
    return OperandDescriptor("float32", shape)


def data(descriptor: OperandDescriptor, fill: float = 0.5) -> bytes:
    return struct.pack(f"<{math.prod(descriptor.shape)}f", *[fill] * math.prod(descriptor.shape))


def op(name: str, inputs, output: int, label: str = "", **attributes) -> g.Operation:
    return g.Operation(name, tuple(inputs), (output,), attributes, label)


def every_op_graph() -> g.GraphDescription:
    """One graph using every operation, with the IDL-defaulted attributes given explicitly
    (the wire always carries them) and optional ones both present and absent."""
    x, w3, b3, m, v, s, bb = 1, 2, 3, 4, 5, 6, 7
    constants = [
        (w3, f32(3, 2, 3, 3)),
        (b3, f32(3)),
        (m, f32(3)),
        (v, f32(3)),
        (s, f32(3)),
        (bb, f32(3)),
    ]
    conv = {"groups": 1, "inputLayout": "nchw", "filterLayout": "oihw"}
    pool = {"layout": "nchw", "roundingType": "floor"}
    ops = [
        op("conv2d", (x, w3, b3), 10, "conv", padding=(1, 1, 1, 1), **conv),
        op("conv2d", (x, w3), 11, strides=(1, 1), dilations=(1, 1), **conv),
        op("relu", (10,), 12),
        op("batchNormalization", (12, m, v, s, bb), 13, axis=1, epsilon=1e-5),
        op("batchNormalization", (13, m, v), 14, axis=1, epsilon=1e-3),
        op("batchNormalization", (14, m, v, g.NO_OPERAND, bb), 15, axis=1, epsilon=1e-5),
        op("maxPool2d", (15,), 16, windowDimensions=(2, 2), strides=(2, 2), **pool),
        op("averagePool2d", (15,), 17, **pool),
        op("layerNormalization", (16,), 18, epsilon=1e-5, axes=(1, 2, 3)),
        op("layerNormalization", (16,), 19, epsilon=1e-5),
        op("reshape", (18,), 20, newShape=(1, 12)),
        op("transpose", (20,), 21, permutation=(1, 0)),
        op("transpose", (20,), 22),
        op("matmul", (20, 21), 23),
        op("gemm", (20, 21, 23), 24, alpha=2.0, beta=0.5, aTranspose=False, bTranspose=False),
        op("gemm", (21, 20), 25, alpha=1.0, beta=1.0, aTranspose=True, bTranspose=True),
        op("clamp", (24,), 26, minValue=0, maxValue=6.5),
        op("clamp", (24,), 27, maxValue=-math.inf),
        op("clamp", (24,), 28),
        op("softmax", (26,), 29, axis=1),
        op("concat", (29, 27, 28), 30, axis=0),
        op("slice", (30,), 31, starts=(0, 0), sizes=(1, 1)),
        *(op(n, (31, 31), 40 + i) for i, n in enumerate(("add", "sub", "mul", "div"))),
        *(op(n, (31, 31), 44 + i) for i, n in enumerate(("max", "min", "pow"))),
        *(op(n, (46,), 50 + i) for i, n in enumerate(("sigmoid", "tanh", "gelu"))),
        op("cast", (52,), 53, dataType="float16"),
    ]
    return g.GraphDescription(
        inputs=(g.GraphInput(x, "x", f32(1, 2, 4, 4)),),
        constants=tuple(g.GraphConstant(i, d, data(d, i / 8)) for i, d in constants),
        operations=tuple(ops),
        outputs=(g.GraphOutput("y", 53), g.GraphOutput("pooled", 17), g.GraphOutput("t", 22)),
    )


def through_the_wire(description: g.GraphDescription, **kwargs) -> g.GraphDescription:
    message = gen.NPUGraphBuilderBuild(
        self_=rt.Handle(1, 1), result=rt.Handle(2, 1), graph=wire_graph.to_wire(description)
    )
    writer = rt.MessageWriter()
    message.encode(writer, request_id=5)
    payload, fds = writer.finish()
    reader = rt.MessageReader(payload, fds)
    header, decoded = gen.read_message(reader)
    assert gen.read_message(reader) is None
    reader.finish()
    assert header.request_id == 5 and decoded == message
    return wire_graph.from_wire(decoded.graph, **kwargs)


def test_every_op_graph_is_valid_and_uses_every_operation():
    description = every_op_graph()
    g.validate_graph(description, Limits())
    assert {o.op for o in description.operations} == set(OPERATIONS)


def test_a_graph_survives_encode_decode_and_conversion_unchanged():
    description = every_op_graph()
    back = through_the_wire(description)
    assert back == description
    assert g.validate_graph(back, Limits()) == g.validate_graph(description, Limits())


def test_defaults_left_out_on_the_client_validate_the_same():
    full = every_op_graph()
    spare = g.GraphDescription(
        full.inputs,
        full.constants,
        tuple(
            g.Operation(
                o.op,
                o.inputs,
                o.outputs,
                {
                    k: v
                    for k, v in o.attributes.items()
                    if v != OPERATIONS[o.op].attributes[k].default
                },
                o.label,
            )
            for o in full.operations
        ),
        full.outputs,
    )
    assert spare != full
    back = through_the_wire(spare)
    assert back == full  # the wire carries every IDL default
    assert (
        g.validate_graph(back, Limits()).operations == g.validate_graph(spare, Limits()).operations
    )


def test_constants_pack_8_aligned_and_a_large_arena_goes_to_shared_memory():
    d = OperandDescriptor("float32", (3,))
    big = OperandDescriptor("float32", (20000,))
    description = g.GraphDescription(
        inputs=(),
        constants=(g.GraphConstant(1, d, data(d)), g.GraphConstant(2, big, data(big, 2.0))),
        operations=(op("add", (1, 1), 3),),
        outputs=(g.GraphOutput("y", 3),),
    )
    arena, places = wire_graph.pack_constants(description.constants)
    assert places == [(0, 12), (16, 80000)] and len(arena) == 80016
    with pytest.raises(ValueError):
        wire_graph.to_wire(description)
    wire = wire_graph.to_wire(description, share=lambda b: rt.SharedMemoryClaim(9, len(b)))
    assert wire.constant_data == rt.SharedMemoryClaim(9, 80016)
    assert wire_graph.from_wire(wire, arena=arena) == description


def _wire_with_constants(*constants, arena: bytes) -> gen.GraphDescription:
    wire = wire_graph.to_wire(
        g.GraphDescription((), (), (op("relu", (1,), 2),), (g.GraphOutput("y", 2),))
    )
    return gen.GraphDescription(wire.inputs, tuple(constants), wire.operations, wire.outputs, arena)


def _constant(offset: int, length: int, id_: int = 1) -> gen.GraphConstant:
    return gen.GraphConstant(offset, length, id_, gen.NPUTensorDescriptor("float32", (1,)))


def test_a_constant_beyond_the_arena_is_illegal_memory_range():
    wire = _wire_with_constants(_constant(8, 4), arena=bytes(8))
    with pytest.raises(BadMessage) as caught:
        wire_graph.from_wire(wire)
    assert caught.value.kind == K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE


@pytest.mark.parametrize(
    ("constants", "arena"),
    [
        ((_constant(8, 4),), bytes(16)),  # a gap before the first constant
        ((_constant(0, 4),), bytes(16)),  # arena longer than its constants
        ((_constant(0, 4),), bytes(4) + b"\x01" + bytes(3)),  # non-zero padding
        ((_constant(0, 4), _constant(0, 4, 2)), bytes(8)),  # overlapping
    ],
)
def test_a_non_canonical_arena_is_deserialization_failed(constants, arena):
    with pytest.raises(BadMessage) as caught:
        wire_graph.from_wire(_wire_with_constants(*constants, arena=arena))
    assert caught.value.kind == K.VALIDATION_ERROR_DESERIALIZATION_FAILED


def test_a_constant_length_not_matching_its_descriptor_is_a_graph_error():
    wire = _wire_with_constants(_constant(0, 8), arena=bytes(8))
    description = wire_graph.from_wire(wire)  # decodes: the length is a semantic matter
    with pytest.raises(g.GraphError):
        g.validate_graph(description, Limits())


def test_a_wire_valid_layout_that_breaks_the_graph_is_a_graph_error_not_a_bad_message():
    # Every enum value the wire accepts is one the IDL allows; whether it makes sense for this
    # graph (here: nhwc reads conv2d's channels from the last dimension, which no longer
    # match the filter) is the graph rules' call, so a GraphError, never a dropped client.
    description = every_op_graph()
    wire = wire_graph.to_wire(description)
    conv = wire.operations[0]
    nhwc = type(conv)(
        **{**{f: getattr(conv, f) for f in conv.__dataclass_fields__}, "input_layout": "nhwc"}
    )
    wire = gen.GraphDescription(
        wire.inputs, wire.constants, (nhwc, *wire.operations[1:]), wire.outputs, wire.constant_data
    )
    with pytest.raises(g.GraphError, match=r"conv2d .*filter input channels"):
        g.validate_graph(wire_graph.from_wire(wire), Limits())


# --- drift: the IDL's [WireGraphOp] methods against operations.py (docs/wire.md §7.3) ----------

_KINDS = {  # AttributeSpec.kind -> the wire type it must have
    "uint": lambda t: isinstance(t, w.Scalar) and t.name == "u32",
    "uints": lambda t: isinstance(t, w.Array) and t.element.name == "u32",
    "double": lambda t: isinstance(t, w.Scalar) and t.name == "f64" and t.restricted,
    "number": lambda t: isinstance(t, w.Union) and t.name == "NPUNumber",
    "bool": lambda t: isinstance(t, w.Scalar) and t.name == "bool",
    "datatype": lambda t: isinstance(t, w.Enum) and t.name == "NPUDataType",
    "enum": lambda t: isinstance(t, w.Enum),
}


def test_graph_op_names_match_operations():
    assert {op.name for op in WIRE.graph_ops} == set(OPERATIONS)


@pytest.mark.parametrize("wire_op", WIRE.graph_ops, ids=[o.name for o in WIRE.graph_ops])
def test_graph_op_slots_and_attributes_match_operations(wire_op):
    spec = OPERATIONS[wire_op.name]
    if spec.variadic:
        assert wire_op.variadic_slot is not None and wire_op.slots == ()
    else:
        assert wire_op.variadic_slot is None
        assert wire_op.slots == spec.inputs  # required operands: same names, same order
    assert set(wire_op.optional_slots) == set(spec.optional_inputs)
    assert set(wire_op.attributes) == set(spec.attributes)
    fields = {f.name: f for f in wire_op.struct.fields}
    for name, attribute in spec.attributes.items():
        wire_type = fields[name].type
        assert _KINDS[attribute.kind](wire_type), (name, attribute.kind, str(wire_type))
        if attribute.kind == "enum":
            assert set(attribute.choices) <= set(wire_type.values)
        # Wire-optional exactly when operations.py has neither a default nor `required`.
        assert fields[name].optional == (attribute.default is None and not attribute.required)


def _idl_defaults(op_name: str) -> dict:
    builder = IDL["NPUGraphBuilder"]
    method = next(m for m in builder.members if getattr(m, "name", None) == op_name)
    defaults = {}
    for argument in method.arguments:
        if argument.type.kind == "dictionary":
            for member in IDL.all_dictionary_members(argument.type.name):
                if member.default is not None and member.name != "label":
                    defaults[member.name] = member.default
    return defaults


def _value(default):
    """An IDL default (`ir.Value`) as the Python value operations.py uses."""
    kind, text = default.kind, default.text
    if kind == "boolean":
        return text == "true"
    if kind == "integer":
        return int(text, 0)
    if kind == "decimal":
        return float(text)
    assert kind == "string", default
    return text[1:-1]


@pytest.mark.parametrize("wire_op", WIRE.graph_ops, ids=[o.name for o in WIRE.graph_ops])
def test_idl_defaults_equal_attribute_spec_defaults(wire_op):
    spec = OPERATIONS[wire_op.name]
    for name, default in _idl_defaults(wire_op.name).items():
        value = _value(default)
        assert spec.attributes[name].default == value, (name, default)
        assert type(spec.attributes[name].default) is type(value), (name, default)
