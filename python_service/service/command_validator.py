"""The command-buffer validator: the whole stream is checked before any of it runs.

docs/wire.md §4 has three stages; this module is stages 1 (handle lookups only: the codec did the
framing) to 3:

1. *resolve*: every handle in every command names a live object of the right interface in this
   client's table, else `BadMessage` (`WEBNPU_ERROR_ILLEGAL_OBJECT_ID`), and nothing runs;
2. *finish*: API rules per command (device, usage flags, byte ranges, the graph's signature,
   aliasing); the first failure is an `NPUError` value and the command buffer is invalid;
3. *submit*: state that can change after finish (destroyed, mapped), double submission and the
   per-submit limits; one `NPUError` for the whole submit, and then nothing of it runs.

Validation errors are values, never raised: the caller routes them to the error scope. All byte
arithmetic is on Python ints, so nothing wraps (docs/wire.md: "never trusting a wrapped u64").
Pure: no I/O, no execution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.generated import wire as gen
from python_service.service.objects import (
    BufferState,
    BufferUsage,
    CommandBufferState,
    GraphState,
    InvalidObject,
    NPUError,
    ObjectKind,
    ObjectTable,
    describe,
)
from python_service.shared.tensors import OperandDescriptor
from python_service.wire.runtime import Handle


@dataclass(frozen=True)
class CommandLimits:
    """The limits the validator applies (maxDispatchInputs/Outputs of NPUSupportedLimits).

    - max_commands_per_submit: 16,384 commands in one command buffer, enough for the "1,000
      tiny dispatches in one submit" workload with headroom, while bounding the time the
      validator spends on one message before anything runs.
    - max_pending_submits: 64 submits queued but not yet run; past that the client must wait
      (onSubmittedWorkDone), so one client cannot queue unbounded work.
    """

    max_dispatch_inputs: int = 64
    max_dispatch_outputs: int = 64
    max_commands_per_submit: int = 16_384
    max_pending_submits: int = 64


@dataclass(frozen=True)
class Binding:
    name: str
    handle: Handle
    buffer: BufferState | InvalidObject


@dataclass(frozen=True)
class ResolvedDispatch:
    graph_handle: Handle
    graph: GraphState | InvalidObject
    inputs: tuple[Binding, ...]
    outputs: tuple[Binding, ...]

    NAME = "dispatch"


@dataclass(frozen=True)
class ResolvedCopy:
    source: Binding
    destination: Binding
    source_offset: int
    destination_offset: int
    size: int

    NAME = "copyBufferToBuffer"


ResolvedCommand = ResolvedDispatch | ResolvedCopy


# --- stage 1: handles ---------------------------------------------------------------------


def resolve(table: ObjectTable, commands: Sequence[object]) -> tuple[ResolvedCommand, ...]:
    """Every handle of every command looked up; BadMessage on the first bad one.

    Dispatches naming the same graph and the same buffers under the same names resolve to one
    shared (immutable) ResolvedDispatch: the lookups give the same objects, so validation and
    the executor's bindings need doing once per distinct dispatch, not once per repetition.
    """
    resolved: list[ResolvedCommand] = []
    dispatches: dict[
        tuple[Handle, tuple[tuple[str, Handle], ...], tuple[tuple[str, Handle], ...]],
        ResolvedDispatch,
    ] = {}
    for command in commands:
        if isinstance(command, gen.NPUCommandEncoderDispatch):
            key = (command.graph, tuple(command.inputs.items()), tuple(command.outputs.items()))
            dispatch = dispatches.get(key)
            if dispatch is None:
                dispatch = dispatches[key] = ResolvedDispatch(
                    command.graph,
                    table.get(ObjectKind.GRAPH, command.graph),
                    _bindings(table, command.inputs),
                    _bindings(table, command.outputs),
                )
            resolved.append(dispatch)
        elif isinstance(command, gen.NPUCommandEncoderCopyBufferToBuffer):
            resolved.append(
                ResolvedCopy(
                    Binding("source", command.source, _buffer(table, command.source)),
                    Binding(
                        "destination", command.destination, _buffer(table, command.destination)
                    ),
                    command.source_offset,
                    command.destination_offset,
                    command.size,
                )
            )
        else:  # the codec only yields the two; anything else is not a command at all
            raise BadMessage(
                BadMessageKind.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD,
                f"{type(command).__name__} is not a command",
            )
    return tuple(resolved)


def _buffer(table: ObjectTable, handle: Handle) -> BufferState | InvalidObject:
    return table.get(ObjectKind.BUFFER, handle)


def _bindings(table: ObjectTable, named: dict[str, Handle]) -> tuple[Binding, ...]:
    return tuple(Binding(name, handle, _buffer(table, handle)) for name, handle in named.items())


# --- stage 2: finish ----------------------------------------------------------------------


def validate_commands(
    device: Handle, commands: Sequence[ResolvedCommand], limits: CommandLimits
) -> str | None:
    """The first rule a command breaks, as a message naming its index, or None."""
    if len(commands) > limits.max_commands_per_submit:
        return (
            f"{len(commands)} commands exceed the per-submit limit {limits.max_commands_per_submit}"
        )
    checked: set[int] = set()  # shared dispatches (see resolve): same object, same verdict
    for index, command in enumerate(commands):
        if isinstance(command, ResolvedDispatch):
            if id(command) in checked:
                continue
            checked.add(id(command))
            problem = _check_dispatch(device, command, limits)
        else:
            problem = _check_copy(device, command)
        if problem is not None:
            return f"command {index} ({command.NAME}): {problem}"
    return None


def _check_object(device: Handle, what: str, obj: BufferState | GraphState | InvalidObject):
    if isinstance(obj, InvalidObject):
        return f"{what} is invalid ({obj.reason})"
    if obj.device != device:
        return f"{what} belongs to device {describe(obj.device)}, not the encoder's"
    return None


def _range(offset: int, size: int) -> str:
    return f"[{offset}, {offset + size})"


def _check_copy(device: Handle, copy: ResolvedCopy) -> str | None:
    src, dst = copy.source, copy.destination
    for binding, usage in ((src, BufferUsage.COPY_SRC), (dst, BufferUsage.COPY_DST)):
        what = f"{binding.name} buffer {describe(binding.handle)}"
        problem = _check_object(device, what, binding.buffer)
        if problem is not None:
            return problem
        if not binding.buffer.usage & usage:
            return f"{what} lacks the {usage.name} usage"
    for binding, offset in ((src, copy.source_offset), (dst, copy.destination_offset)):
        # Python ints: offset + size cannot wrap, whatever the peer sent.
        if offset + copy.size > binding.buffer.size:
            return (
                f"{binding.name} range {_range(offset, copy.size)} exceeds the size "
                f"{binding.buffer.size} of buffer {describe(binding.handle)}"
            )
    if src.buffer is dst.buffer and (
        copy.source_offset < copy.destination_offset + copy.size
        and copy.destination_offset < copy.source_offset + copy.size
    ):
        return (
            f"source range {_range(copy.source_offset, copy.size)} and destination range "
            f"{_range(copy.destination_offset, copy.size)} overlap in buffer "
            f"{describe(src.handle)}"
        )
    return None


def _check_dispatch(device: Handle, dispatch: ResolvedDispatch, limits: CommandLimits):
    graph = dispatch.graph
    problem = _check_object(device, f"graph {describe(dispatch.graph_handle)}", graph)
    if problem is not None:
        return problem
    for role, bindings, signature, cap, cap_name in (
        ("input", dispatch.inputs, graph.inputs, limits.max_dispatch_inputs, "maxDispatchInputs"),
        (
            "output",
            dispatch.outputs,
            graph.outputs,
            limits.max_dispatch_outputs,
            "maxDispatchOutputs",
        ),
    ):
        if len(bindings) > cap:
            return f"{len(bindings)} {role}s exceed {cap_name} {cap}"
        names = {b.name for b in bindings}
        for binding in bindings:
            if binding.name not in signature:
                return f"{role} {binding.name!r} is not an {role} of the graph"
        for name in signature:
            if name not in names:
                return f"the graph's {role} {name!r} is not bound"
        usage = BufferUsage.INPUT if role == "input" else BufferUsage.OUTPUT
        for binding in bindings:
            problem = _check_binding(device, role, binding, usage, signature[binding.name])
            if problem is not None:
                return problem
    # Whole buffers are bound, so overlapping ranges means the same buffer object.
    inputs = {id(b.buffer): b for b in dispatch.inputs}
    outputs: dict[int, Binding] = {}
    for binding in dispatch.outputs:
        key = id(binding.buffer)
        if key in inputs:
            return (
                f"buffer {describe(binding.handle)} is bound as input "
                f"{inputs[key].name!r} and output {binding.name!r}"
            )
        if key in outputs:
            return (
                f"buffer {describe(binding.handle)} is bound as outputs "
                f"{outputs[key].name!r} and {binding.name!r}"
            )
        outputs[key] = binding
    return None


def _check_binding(
    device: Handle,
    role: str,
    binding: Binding,
    usage: BufferUsage,
    expected: OperandDescriptor,
) -> str | None:
    what = f"{role} {binding.name!r}: buffer {describe(binding.handle)}"
    problem = _check_object(device, what, binding.buffer)
    if problem is not None:
        return problem
    buffer = binding.buffer
    if not buffer.usage & usage:
        return f"{what} lacks the {usage.name} usage"
    if buffer.tensor is not None and buffer.tensor != expected:
        return (
            f"{what} holds {buffer.tensor.describe()}, but the graph's {role} is "
            f"{expected.describe()}"
        )
    if buffer.size != expected.byte_length:
        return (
            f"{what} has size {buffer.size}, but {expected.describe()} is "
            f"{expected.byte_length} bytes"
        )
    return None


def finish(
    table: ObjectTable,
    message: gen.NPUCommandEncoderFinish,
    commands: Sequence[object],
    limits: CommandLimits = CommandLimits(),
) -> NPUError | None:
    """Stages 1 and 2 for one `finish`: enters the command buffer (valid or invalid) under
    `message.result`. BadMessage for any bad handle, before anything changes; otherwise the
    validation error, if any, for the error scope current at `finish`."""
    encoder = table.get(ObjectKind.COMMAND_ENCODER, message.self_)
    resolved = resolve(table, commands)
    table.check_new(ObjectKind.COMMAND_BUFFER, message.result)

    name = f"finish of encoder {describe(message.self_)}"
    if isinstance(encoder, InvalidObject):
        problem = f"the encoder is invalid ({encoder.reason})"
        device = Handle(0, 0)
    else:
        device = encoder.device
        problem = "the encoder is already finished" if encoder.finished else None
        encoder.finished = True
        if problem is None:
            problem = validate_commands(device, resolved, limits)
    label = message.descriptor.label
    if problem is not None:
        state = CommandBufferState(device, (), f"{name}: {problem}", label=label)
    else:
        state = CommandBufferState(device, resolved, label=label)
    quota = table.create(ObjectKind.COMMAND_BUFFER, message.result, state)
    if problem is not None:
        return NPUError("validation", state.error)
    return quota


# --- stage 3: submit ----------------------------------------------------------------------


def submit(
    table: ObjectTable,
    message: gen.NPUQueueSubmit,
    pending_submits: int,
    limits: CommandLimits = CommandLimits(),
) -> tuple[tuple[CommandBufferState, ...], NPUError | None]:
    """Stage 3. Returns the command buffers to run (empty if the submit is invalid) and the
    validation error. BadMessage for a bad handle. Every listed buffer is consumed either way."""
    queue = table.get(ObjectKind.QUEUE, message.self_)
    buffers = [table.get(ObjectKind.COMMAND_BUFFER, h) for h in message.command_buffers]
    problem = _check_submit(queue, message.command_buffers, buffers, pending_submits, limits)
    for buffer in buffers:
        if isinstance(buffer, CommandBufferState):
            buffer.submitted = True
    if problem is not None:
        return (), NPUError("validation", f"submit: {problem}")
    return tuple(buffers), None


def _check_submit(queue, handles, buffers, pending_submits, limits) -> str | None:
    if isinstance(queue, InvalidObject):
        return f"the queue is invalid ({queue.reason})"
    if pending_submits >= limits.max_pending_submits:
        return f"{pending_submits} submits are already pending (limit {limits.max_pending_submits})"
    seen: set[int] = set()
    total = 0
    for handle, buffer in zip(handles, buffers, strict=True):
        what = f"command buffer {describe(handle)}"
        if id(buffer) in seen:
            return f"{what} is listed more than once"
        seen.add(id(buffer))
        if isinstance(buffer, InvalidObject):
            return f"{what} is invalid ({buffer.reason})"
        if buffer.submitted:
            return f"{what} was already submitted"
        if buffer.error is not None:
            return f"{what} is invalid ({buffer.error})"
        if buffer.device != queue.device:
            return f"{what} belongs to another device than the queue"
        total += len(buffer.commands)
        if total > limits.max_commands_per_submit:
            return f"more than {limits.max_commands_per_submit} commands in one submit"
        checked: set[int] = set()  # shared dispatches (see resolve): same object, same state
        for index, command in enumerate(buffer.commands):
            if id(command) in checked:
                continue
            checked.add(id(command))
            problem = _check_state(command)
            if problem is not None:
                return f"{what} command {index} ({command.NAME}): {problem}"
    return None


def _check_state(command: ResolvedCommand) -> str | None:
    """What may have changed since finish: destroyed objects, mapping state."""
    if isinstance(command, ResolvedDispatch):
        if command.graph.destroyed:
            return f"graph {describe(command.graph_handle)} is destroyed"
        bindings = command.inputs + command.outputs
    else:
        bindings = (command.source, command.destination)
    for binding in bindings:
        buffer = binding.buffer
        if buffer.destroyed:
            return f"buffer {describe(binding.handle)} ({binding.name}) is destroyed"
        if buffer.map_state != "unmapped":
            return f"buffer {describe(binding.handle)} ({binding.name}) is {buffer.map_state}"
    return None
