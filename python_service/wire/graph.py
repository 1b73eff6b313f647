"""The graph description between its wire form and `python_service.shared.graph` (docs/wire.md §5).

The wire form is the generated `GraphDescription` (one struct per op kind, the `GraphOperation`
union); the service validates `shared.graph.GraphDescription` with `validate_graph`. This module
is the glue between the two and holds no schema: each op struct class carries what the model
derived from the IDL (`SLOTS`, `OPTIONAL_SLOTS`, `VARIADIC_SLOT`, `ATTRIBUTES`, `FIELDS`), and
the slot order of an `Operation` comes from `OPERATIONS[op]` (`inputs + optional_inputs`), not
from the IDL's argument and dictionary-member order.

Conventions (docs/wire.md §5):
- an absent optional operand is `NO_OPERAND` (0) on the wire; in an `Operation` trailing absent
  optional operands are left out, so one graph has one `Operation` form;
- an attribute the IDL gives a default is always on the wire (the client applies the default);
  one without a default is left out of the attributes when absent, so `infer()` applies
  defaults in one place;
- constants are packed into one arena, each at an 8-aligned offset with zero padding after it,
  inline up to 64 KiB and in a sealed memfd beyond. The decoder accepts only that packing
  (canonical encoding, §0.3): an entry past the arena is `ILLEGAL_MEMORY_RANGE`, any other
  layout `DESERIALIZATION_FAILED`. A length that does not match the descriptor is left to
  `validate_graph` (a `GraphError`, so `build` rejects).
"""

from __future__ import annotations

from collections.abc import Callable

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.generated import wire as gen
from python_service.shared import graph as g
from python_service.shared.operations import OPERATIONS
from python_service.shared.tensors import OperandDescriptor, TensorError
from python_service.wire import runtime as rt

_K = BadMessageKind


def _align8(n: int) -> int:
    return n + (-n % 8)


def _wire_descriptor(descriptor: OperandDescriptor) -> gen.NPUTensorDescriptor:
    return gen.NPUTensorDescriptor(data_type=descriptor.data_type.value, shape=descriptor.shape)


def _descriptor(wire: gen.NPUTensorDescriptor, where: str) -> OperandDescriptor:
    """A decoded descriptor; a shape WebNN forbids (a zero dimension, one beyond int32) is a
    `GraphError`, as `validate_graph` would report it."""
    try:
        return OperandDescriptor(wire.data_type, wire.shape)
    except TensorError as error:
        raise g.GraphError(f"{where}: {error}") from None


# --- shared.graph -> wire (the client side) --------------------------------------------------


def pack_constants(constants: tuple[g.GraphConstant, ...]) -> tuple[bytes, list[tuple[int, int]]]:
    """The constant arena and each constant's (offset, length): 8-aligned, zero padded."""
    arena = bytearray()
    places = []
    for constant in constants:
        data = bytes(constant.data)
        places.append((len(arena), len(data)))
        arena += data
        arena += bytes(-len(arena) % 8)
    return bytes(arena), places


def _wire_operation(operation: g.Operation) -> object:
    cls = gen.GRAPH_OPS.get(operation.op)
    spec = OPERATIONS.get(operation.op)
    if cls is None or spec is None:
        raise g.GraphError(f"{operation.op}: unknown operation")
    if len(operation.outputs) != 1:
        raise g.GraphError(f"{operation.op}: must have exactly 1 result")
    fields: dict[str, object] = {"output_id": operation.outputs[0], "label": operation.label}
    if cls.VARIADIC_SLOT is not None:
        fields[cls.FIELDS[cls.VARIADIC_SLOT]] = tuple(operation.inputs)
    else:
        slots = spec.inputs + spec.optional_inputs
        if not len(spec.inputs) <= len(operation.inputs) <= len(slots):
            raise g.GraphError(f"{operation.op}: takes {len(slots)} operands at most")
        given = dict(zip(slots, operation.inputs, strict=False))
        for slot in slots:
            fields[cls.FIELDS[slot]] = given.get(slot, g.NO_OPERAND)
    unknown = sorted(set(operation.attributes) - set(cls.ATTRIBUTES))
    if unknown:
        raise g.GraphError(f"{operation.op}: unknown attribute '{unknown[0]}'")
    for name in cls.ATTRIBUTES:
        value = operation.attributes.get(name)
        if value is None:
            value = spec.attributes[name].default  # the IDL default (drift-tested equal)
        if isinstance(value, list):
            value = tuple(value)
        elif spec.attributes[name].kind == "double" and value is not None:
            value = float(value)
        fields[cls.FIELDS[name]] = value
    return cls(**fields)


def to_wire(
    description: g.GraphDescription,
    share: Callable[[bytes], rt.SharedMemoryClaim] | None = None,
) -> gen.GraphDescription:
    """The wire form of `description`. A constant arena over 64 KiB travels in shared memory:
    `share(arena)` puts it in a sealed memfd and returns its claim (fd and size)."""
    arena, places = pack_constants(description.constants)
    if len(arena) > rt.MAX_INLINE_BYTES:
        if share is None:
            raise ValueError(f"a {len(arena)}-byte constant arena needs shared memory")
        constant_data: bytes | rt.SharedMemoryClaim = share(arena)
    else:
        constant_data = arena
    return gen.GraphDescription(
        inputs=tuple(
            gen.GraphInput(id=i.id, name=i.name, descriptor=_wire_descriptor(i.descriptor))
            for i in description.inputs
        ),
        constants=tuple(
            gen.GraphConstant(
                offset=offset, length=length, id=c.id, descriptor=_wire_descriptor(c.descriptor)
            )
            for c, (offset, length) in zip(description.constants, places, strict=True)
        ),
        operations=tuple(_wire_operation(op) for op in description.operations),
        outputs=tuple(gen.GraphOutput(id=o.id, name=o.name) for o in description.outputs),
        constant_data=constant_data,
    )


# --- wire -> shared.graph (the service side) -------------------------------------------------


def _constants(wire: gen.GraphDescription, arena: bytes) -> tuple[g.GraphConstant, ...]:
    constants = []
    expected = 0
    for constant in wire.constants:
        end = constant.offset + constant.length
        if end > len(arena):
            raise BadMessage(
                _K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
                f"constant {constant.id}: bytes {constant.offset}..{end} beyond the "
                f"{len(arena)}-byte arena",
            )
        if constant.offset != expected:
            raise BadMessage(
                _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
                f"constant {constant.id} at offset {constant.offset}, expected {expected}",
            )
        expected = _align8(end)
        data = arena[constant.offset : end]
        descriptor = _descriptor(constant.descriptor, f"constant (operand {constant.id})")
        constants.append(g.GraphConstant(constant.id, descriptor, data))
    if len(arena) != expected:
        raise BadMessage(
            _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
            f"constant arena of {len(arena)} bytes, the constants fill {expected}",
        )
    for constant in wire.constants:  # the padding after each constant is zero
        end = constant.offset + constant.length
        if arena.count(0, end, _align8(end)) != _align8(end) - end:
            raise BadMessage(
                _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
                f"non-zero padding after constant {constant.id}",
            )
    return tuple(constants)


def _operation(wire_op) -> g.Operation:
    cls = type(wire_op)
    spec = OPERATIONS.get(cls.OP)
    if spec is None:  # the IDL has an op operations.py lacks: a drift test catches this
        raise g.GraphError(f"{cls.OP}: unknown operation")
    if cls.VARIADIC_SLOT is not None:
        inputs = tuple(getattr(wire_op, cls.FIELDS[cls.VARIADIC_SLOT]))
    else:
        inputs = [getattr(wire_op, cls.FIELDS[slot]) for slot in spec.inputs]
        optional = [getattr(wire_op, cls.FIELDS[slot]) for slot in spec.optional_inputs]
        while optional and optional[-1] == g.NO_OPERAND:
            optional.pop()
        inputs = tuple(inputs + optional)
    attributes = {
        name: value
        for name in cls.ATTRIBUTES
        if (value := getattr(wire_op, cls.FIELDS[name])) is not None
    }
    return g.Operation(cls.OP, inputs, (wire_op.output_id,), attributes, wire_op.label)


def from_wire(wire: gen.GraphDescription, arena: bytes | None = None) -> g.GraphDescription:
    """The description the service validates. `arena` is the constant arena copied out of
    shared memory when `constant_data` is a claim (the peer can still write the mapping)."""
    if isinstance(wire.constant_data, rt.SharedMemoryClaim):
        if arena is None:
            raise ValueError("the constant arena is in shared memory: pass its bytes")
        if len(arena) != wire.constant_data.size:
            raise ValueError("the arena's bytes do not match the claim's size")
    else:
        arena = bytes(wire.constant_data)
    return g.GraphDescription(
        inputs=tuple(
            g.GraphInput(i.id, i.name, _descriptor(i.descriptor, f"input '{i.name}'"))
            for i in wire.inputs
        ),
        constants=_constants(wire, arena),
        operations=tuple(_operation(op) for op in wire.operations),
        outputs=tuple(g.GraphOutput(o.name, o.id) for o in wire.outputs),
    )
