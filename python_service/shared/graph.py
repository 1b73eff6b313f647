"""A neutral graph description (what the wire carries) and its validation.

The description mirrors what NPUGraphBuilder records: inputs, constants with their bytes, and
operations in the order they were built, each operand named by an integer id. `validate_graph`
applies WebNN's build() rules plus every operation's shape inference, so the service can trust
nothing the renderer claimed about shapes.

Operand ids start at 1: id 0 (`NO_OPERAND`) stands for an absent optional operand, as Dawn's
wire uses object id 0 for null.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from .operations import OPERATIONS, RuleViolation, infer, slot_names
from .tensors import Limits, OperandDescriptor, TensorError, check_descriptor

NO_OPERAND = 0


class GraphError(TypeError):
    """A graph breaks a WebNN rule; the message names the operation, operand and rule.

    A TypeError, as WebNN's MLGraphBuilder methods and build() throw.
    """


AttributeValue = int | float | bool | str | tuple[int, ...] | None


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class FrozenAttributes(Mapping[str, AttributeValue]):
    """An immutable, hashable attribute mapping, iterated in sorted key order (deterministic)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        self._items = tuple(sorted((k, _freeze(v)) for k, v in (items or {}).items()))

    def __getitem__(self, key: str) -> AttributeValue:
        for name, value in self._items:
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenAttributes):
            return self._items == other._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return f"FrozenAttributes({dict(self._items)!r})"


@dataclass(frozen=True)
class GraphInput:
    """NPUGraphBuilder.input(name, descriptor)."""

    id: int
    name: str
    descriptor: OperandDescriptor


@dataclass(frozen=True)
class GraphConstant:
    """NPUGraphBuilder.constant(descriptor, buffer): little-endian element bytes."""

    id: int
    descriptor: OperandDescriptor
    data: bytes


@dataclass(frozen=True)
class Operation:
    """One builder call: `inputs` are operand ids in the op's slot order (NO_OPERAND for an
    absent optional one), `outputs` the ids of its results (one for every op today)."""

    op: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    attributes: FrozenAttributes = field(default_factory=FrozenAttributes)
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "outputs", tuple(self.outputs))
        if not isinstance(self.attributes, FrozenAttributes):
            object.__setattr__(self, "attributes", FrozenAttributes(self.attributes))


@dataclass(frozen=True)
class GraphOutput:
    """One entry of build()'s NPUNamedOperands."""

    name: str
    id: int


@dataclass(frozen=True)
class GraphDescription:
    inputs: tuple[GraphInput, ...]
    constants: tuple[GraphConstant, ...]
    operations: tuple[Operation, ...]
    outputs: tuple[GraphOutput, ...]


@dataclass(frozen=True)
class ValidatedGraph:
    """A description that passed every rule, with every operand's inferred descriptor and the
    operations' attributes with defaults resolved (what the lowering consumes)."""

    description: GraphDescription
    operations: tuple[Operation, ...]
    descriptors: Mapping[int, OperandDescriptor]

    @property
    def inputs(self) -> tuple[GraphInput, ...]:
        return self.description.inputs

    @property
    def constants(self) -> tuple[GraphConstant, ...]:
        return self.description.constants

    @property
    def outputs(self) -> tuple[GraphOutput, ...]:
        return self.description.outputs

    def output_descriptor(self, name: str) -> OperandDescriptor:
        for output in self.outputs:
            if output.name == name:
                return self.descriptors[output.id]
        raise KeyError(name)


def _operation_name(index: int, operation: Operation) -> str:
    label = f" '{operation.label}'" if operation.label else ""
    return f"{operation.op} (operation {index}{label})"


def validate_graph(description: GraphDescription, limits: Limits) -> ValidatedGraph:
    """The validated graph; GraphError at the first broken rule."""
    operand_count = (
        len(description.inputs)
        + len(description.constants)
        + sum(len(op.outputs) for op in description.operations)
    )
    if operand_count > limits.max_graph_operands:
        raise GraphError(
            f"graph: {operand_count} operands exceed maxGraphOperands {limits.max_graph_operands}"
        )

    descriptors: dict[int, OperandDescriptor] = {}
    kinds: dict[int, str] = {}

    def define(operand_id: int, kind: str, where: str) -> None:
        if isinstance(operand_id, bool) or not isinstance(operand_id, int) or operand_id < 1:
            raise GraphError(f"{where}: operand id {operand_id!r} must be a positive integer")
        if operand_id in kinds:
            raise GraphError(f"{where}: operand {operand_id} is already defined")
        kinds[operand_id] = kind

    names: set[str] = set()
    for graph_input in description.inputs:
        where = f"input '{graph_input.name}' (operand {graph_input.id})"
        define(graph_input.id, "input", where)
        descriptors[graph_input.id] = validate_input(graph_input, names, limits)
        names.add(graph_input.name)

    for constant in description.constants:
        define(constant.id, "constant", f"constant (operand {constant.id})")
        descriptors[constant.id] = validate_constant(constant, limits)

    produced_later = {i for op in description.operations for i in op.outputs}
    operations = []
    for index, operation in enumerate(description.operations):
        resolved, result = _validate_operation(
            index, operation, descriptors, produced_later, limits
        )
        define(operation.outputs[0], "operation", _operation_name(index, operation))
        descriptors[operation.outputs[0]] = result
        operations.append(resolved)

    _validate_outputs(description, kinds, names)
    return ValidatedGraph(description, tuple(operations), _ReadOnly(descriptors))


def _checked(descriptor: OperandDescriptor, where: str, limits: Limits) -> OperandDescriptor:
    try:
        return check_descriptor(descriptor, limits)
    except TensorError as error:
        raise GraphError(f"{where}: {error}") from None


def validate_input(graph_input: GraphInput, names: Set[str], limits: Limits) -> OperandDescriptor:
    """WebNN input(): a non-empty name not in `names` (the inputs so far), a descriptor within
    `limits`. Its descriptor; GraphError if not. The client's builder runs this at each call."""
    where = f"input '{graph_input.name}' (operand {graph_input.id})"
    # WebNN input(): "If name is empty, throw a TypeError"; names are unique per graph.
    if not graph_input.name:
        raise GraphError(f"input (operand {graph_input.id}): the name must not be empty")
    if graph_input.name in names:
        raise GraphError(f"{where}: the name is already used")
    return _checked(graph_input.descriptor, where, limits)


def validate_constant(constant: GraphConstant, limits: Limits) -> OperandDescriptor:
    """WebNN constant(): a descriptor within `limits` whose byte length the data matches."""
    where = f"constant (operand {constant.id})"
    descriptor = _checked(constant.descriptor, where, limits)
    # WebNN constant(): the buffer's byte length must equal the descriptor's.
    if len(constant.data) != descriptor.byte_length:
        raise GraphError(
            f"{where}: {len(constant.data)} bytes do not match {descriptor.describe()} "
            f"({descriptor.byte_length} bytes)"
        )
    return descriptor


def validate_operation(
    index: int,
    operation: Operation,
    descriptors: Mapping[int, OperandDescriptor],
    limits: Limits,
) -> tuple[Operation, OperandDescriptor]:
    """One builder call checked as `validate_graph` checks it, against the descriptors of the
    operands defined so far: the client's builder runs this at each call, so a page gets
    WebNN's synchronous TypeError, and the service runs the same rules again at build."""
    return _validate_operation(index, operation, descriptors, set(), limits)


def _validate_operation(
    index: int,
    operation: Operation,
    descriptors: Mapping[int, OperandDescriptor],
    produced_later: set[int],
    limits: Limits,
) -> tuple[Operation, OperandDescriptor]:
    """The operation with its attributes resolved, and its result's descriptor."""
    where = _operation_name(index, operation)
    spec = OPERATIONS.get(operation.op)
    if spec is None:
        raise GraphError(f"{where}: unknown operation")
    if len(operation.outputs) != 1:
        raise GraphError(f"{where}: must have exactly 1 result, got {len(operation.outputs)}")

    count = len(operation.inputs)
    if spec.variadic:
        if count < 1:
            raise GraphError(f"{where}: needs at least 1 operand")
    elif not len(spec.inputs) <= count <= len(spec.inputs) + len(spec.optional_inputs):
        expected = " ".join(spec.inputs + tuple(f"[{s}]" for s in spec.optional_inputs))
        raise GraphError(f"{where}: takes operands ({expected}), got {count}")

    operands: dict[str, OperandDescriptor] = {}
    ids: dict[str, int] = {}
    for slot, operand_id in zip(slot_names(spec, count), operation.inputs, strict=True):
        if operand_id == NO_OPERAND and slot in spec.optional_inputs:
            continue
        operand = f"operand '{slot}' ({operand_id})"
        if operand_id not in descriptors:
            # Distinguish a forward reference (order broken) from a dangling id.
            if operand_id in produced_later:
                raise GraphError(
                    f"{where}: {operand} is used before the operation that produces it "
                    "(operations must be in topological order)"
                )
            raise GraphError(f"{where}: {operand} is not defined")
        operands[slot] = descriptors[operand_id]
        ids[slot] = operand_id

    try:
        result, attributes = infer(spec, operands, operation.attributes, limits)
    except RuleViolation as violation:
        if violation.slot is None:
            raise GraphError(f"{where}: {violation.rule}") from None
        raise GraphError(
            f"{where}: operand '{violation.slot}' ({ids[violation.slot]}): {violation.rule}"
        ) from None
    resolved = Operation(
        operation.op, operation.inputs, operation.outputs, attributes, operation.label
    )
    return resolved, result


def _validate_outputs(
    description: GraphDescription, kinds: Mapping[int, str], input_names: set[str]
) -> None:
    """WebNN build(): named outputs, each an operation result, names unique."""
    if not description.outputs:
        raise GraphError("build: at least one output is required")
    names: set[str] = set()
    for output in description.outputs:
        where = f"output '{output.name}' (operand {output.id})"
        if not output.name:
            raise GraphError(f"output (operand {output.id}): the name must not be empty")
        # Input and output names share one namespace here so each names one ONNX tensor.
        if output.name in names or output.name in input_names:
            raise GraphError(f"{where}: the name is already used")
        names.add(output.name)
        kind = kinds.get(output.id)
        if kind is None:
            raise GraphError(f"{where}: the operand is not defined")
        # WebNN build(): an input or constant operand cannot be an output.
        if kind != "operation":
            raise GraphError(f"{where}: a graph {kind} cannot be an output")


class _ReadOnly(Mapping[int, OperandDescriptor]):
    """A read-only view, so a ValidatedGraph cannot be altered after validation."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[int, OperandDescriptor]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: int) -> OperandDescriptor:
        return self._data[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)
