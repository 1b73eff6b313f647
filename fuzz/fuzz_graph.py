"""Graph descriptions → graph validation and lowering (`shared.graph.validate_graph`,
`service.lowering.lower_to_onnx`) and the ONNX checker.

The bytes drive a small graph generator over WebNN's operation table (`shared.operations`:
slots, attributes and their kinds): operands from earlier ids (or not), shapes, attribute
values from the interesting ones. The description then crosses the wire form and back
(`wire.graph.to_wire` → encode → decode → `from_wire`), as a build does. Expected: `GraphError`
(build rejects). Invariants: the wire round trip gives the same description; a graph that
validates lowers to an ONNX model the ONNX checker accepts, with full shape inference, and
whose outputs have the shapes validation inferred.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script (libFuzzer, OSS-Fuzz): the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.harness import Finding, fuzz, instrumented  # noqa: E402

with instrumented():
    import numpy as np
    import onnx

    from fuzz.wire_values import INTERESTING, Entropy, structs
    from python_service.bad_message import BadMessage
    from python_service.service.lowering import lower_to_onnx
    from python_service.shared import graph as g
    from python_service.shared.operations import OPERATIONS
    from python_service.shared.tensors import Limits, OperandDescriptor
    from python_service.wire import graph as wire_graph
    from python_service.wire import runtime as rt

OPS = tuple(sorted(OPERATIONS))
DATA_TYPES = ("float32", "float32", "float32", "float16", "int32", "int64", "uint8", "int8")
DIMS = (1, 1, 2, 2, 3, 4)
UINTS = tuple(v for v in INTERESTING if v < 2**32)  # what an unsigned long can carry
LIMITS = Limits()
MAX_OPERATIONS = 6


def _descriptor(e: Entropy) -> OperandDescriptor:
    shape = tuple(e.choice(DIMS) for _ in range(e.below(5)))
    return OperandDescriptor(e.choice(DATA_TYPES), shape)


def _attribute(kind: str, wire_type: dict, e: Entropy):
    if kind == "uint":
        return e.choice((0, 1, 2, 3, 4) + UINTS)
    if kind == "uints":
        return tuple(e.choice((0, 1, 2, 3, 4, 1, 2)) for _ in range(e.below(5)))
    if kind == "double":
        return e.choice((0.0, 1.0, 0.5, 1e-5, -2.0))
    if kind == "number":
        return e.choice((0, -1, 6, 0.5, -0.5, float("inf"), -float("inf"), 2**70))
    if kind == "bool":
        return bool(e.byte() & 1)
    if kind == "datatype":
        return e.choice(DATA_TYPES)
    if kind == "enum":  # any value the wire carries, not only those the service supports
        return e.choice(wire_type["values"])
    raise AssertionError(kind)


def description(data: bytes) -> g.GraphDescription:
    """The graph the bytes describe (any bytes describe one)."""
    e = Entropy(data)
    inputs, constants, operations = [], [], []
    ids = []
    next_id = 1
    for _ in range(1 + e.below(3)):
        if e.chance(64):
            d = _descriptor(e)
            data_bytes = np.zeros(d.shape, d.data_type.numpy_dtype).tobytes()
            constants.append(g.GraphConstant(next_id, d, data_bytes))
        else:
            inputs.append(g.GraphInput(next_id, f"in{next_id}", _descriptor(e)))
        ids.append(next_id)
        next_id += 1
    for _ in range(1 + e.below(MAX_OPERATIONS)):
        spec = OPERATIONS[e.choice(OPS)]
        count = 1 + e.below(3) if spec.variadic else len(spec.inputs)
        operands = [e.choice(ids) if not e.chance(4) else 99 for _ in range(count)]
        for _ in spec.optional_inputs:
            if e.chance(64):
                operands.append(e.choice(ids))
        wire_fields = {f["name"]: f["type"] for f in structs()[f"GraphOp.{spec.name}"]["fields"]}
        attributes = {
            name: _attribute(a.kind, wire_fields[name], e)
            for name, a in spec.attributes.items()
            if a.required or e.chance(96)
        }
        operations.append(g.Operation(spec.name, tuple(operands), (next_id,), attributes))
        ids.append(next_id)
        next_id += 1
    outputs = (g.GraphOutput("y", ids[-1]),)
    if e.chance(64):
        outputs += (g.GraphOutput("z", e.choice(ids)),)
    return g.GraphDescription(tuple(inputs), tuple(constants), tuple(operations), outputs)


def _through_wire(graph: g.GraphDescription) -> g.GraphDescription:
    wire = wire_graph.to_wire(graph)
    w = rt.MessageWriter()
    w.begin_message(0x00060002, rt.FLAG_EXPECTS_REPLY, 1)
    wire.encode(w)
    w.end_message()
    payload, _ = w.finish()
    r = rt.MessageReader(payload)
    r.next_message()
    decoded = type(wire).decode(r)
    r.end_message()
    r.finish()
    return wire_graph.from_wire(decoded, None)


def _shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    return {
        o.name: tuple(d.dim_value for d in o.type.tensor_type.shape.dim) for o in model.graph.output
    }


def test_one_input(data: bytes) -> None:
    graph = description(data)
    try:
        crossed = _through_wire(graph)
    except (g.GraphError, BadMessage):
        # to_wire refuses what no client could send (an operand count the op has no slot for)
        return
    try:
        validated = g.validate_graph(crossed, LIMITS)
    except g.GraphError:
        return
    model = onnx.load_from_string(lower_to_onnx(validated))
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:
        raise Finding(f"a validated graph lowers to a model ONNX rejects: {error}") from None
    expected = {o.name: validated.descriptors[o.id].shape for o in validated.outputs}
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    if _shapes(inferred) != expected:
        raise Finding(f"output shapes: validation says {expected}, ONNX {_shapes(inferred)}")


def main() -> None:
    fuzz(test_one_input)


if __name__ == "__main__":
    main()
