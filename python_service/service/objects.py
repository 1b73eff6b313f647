"""Per-client object tables: client-allocated handles → service objects (docs/wire.md §2.2).

The client allocates every handle (Dawn's wire), so creating an object costs no round trip and the
service must check each handle against this client's own table. Ids are per interface: a buffer
id can never be read as a graph id, because every lookup names the interface it expects.

Memory is accounted twice: each table charges its client's quota (`ClientQuotas.max_memory_bytes`)
for the buffers and graphs it holds, and every table of the service shares one `MemoryBudget`,
the service-wide bound on what all clients together may make it allocate. Over either is an
"out-of-memory" error (NPUOutOfMemoryError), never a crash. The table releases its quota charge
when the client lets go of the object; the budget is released only when the memory really is
freed (client_session frees a buffer's memfd after the work queued before its destroy), so the
budget tracks what is resident, not what the client can still name.

Two kinds of wrong (DESIGN.md): a handle that is not live, has the wrong generation, or is
created over a live or stale id is a *bad message* (`WEBNPU_ERROR_ILLEGAL_OBJECT_ID`): a correct
client never sends one. Running out of a per-client quota is a *validation error* returned as a
value (`NPUError`): the object is still created, as an invalid ("error") object, so the client's
later uses of it are validation errors too, as in WebGPU.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.shared.tensors import OperandDescriptor
from python_service.wire.runtime import Handle

ErrorFilter = Literal["validation", "out-of-memory", "internal"]


class ObjectKind(enum.IntEnum):
    """The `[WireObject=N]` interfaces, valued by their interface ordinal (docs/wire.md §1.3)."""

    NPU = 1
    ADAPTER = 2
    DEVICE = 3
    QUEUE = 4
    BUFFER = 5
    GRAPH_BUILDER = 6
    GRAPH = 7
    COMMAND_ENCODER = 8
    COMMAND_BUFFER = 9


ROOT_HANDLE = Handle(1, 1)


class BufferUsage(enum.IntFlag):
    """The NPUBufferUsage constants of idl/webnpu.idl."""

    MAP_READ = 0x0001
    MAP_WRITE = 0x0002
    COPY_SRC = 0x0004
    COPY_DST = 0x0008
    INPUT = 0x0010
    OUTPUT = 0x0020


class MapMode(enum.IntFlag):
    """The NPUMapMode constants of idl/webnpu.idl (mapAsync takes exactly one of them)."""

    READ = 0x0001
    WRITE = 0x0002


@dataclass(frozen=True)
class NPUError:
    """A validation-class error as a value, for the error-scope machinery (docs/wire.md §4).

    `filter` is the NPUErrorFilter it matches ("validation" or "out-of-memory"); the message
    names the object or command and the rule.
    """

    filter: ErrorFilter
    message: str


def describe(handle: Handle) -> str:
    return f"({handle.id}, {handle.generation})"


@dataclass
class InvalidObject:
    """An error object: created, so its handle is live, but every use is a validation error.

    `device` is the device it was created on (None for a device or adapter itself): errors of
    its uses are reported there, as WebGPU reports an invalid object's errors to its device."""

    kind: ObjectKind
    reason: str
    device: Handle | None = None


@dataclass
class BufferState:
    """NPUBuffer as the service keeps it."""

    device: Handle
    size: int
    usage: int
    tensor: OperandDescriptor | None = None
    memory: Any = None  # python_service.ipc.shared_memory.SharedMemory, once backed
    map_state: Literal["unmapped", "pending", "mapped"] = "unmapped"
    # The pending mapAsync's identity: its reply resolves only if this is still the same object
    # when the queue reaches it; unmap() and destroy() clear it, so that reply aborts.
    pending_map: object | None = None
    destroyed: bool = False
    label: str = ""


@dataclass
class GraphState:
    """NPUGraph: its signature (input and output descriptors by name) and what runs it."""

    device: Handle
    inputs: dict[str, OperandDescriptor]
    outputs: dict[str, OperandDescriptor]
    executable: Any = None  # the lowered / loaded model, opaque here
    destroyed: bool = False
    label: str = ""
    # What holding the compiled graph costs, charged to the client's quota and the budget:
    # the model bytes onnxruntime keeps (weights included) plus its input and output tensors.
    memory_bytes: int = 0


@dataclass
class QueueState:
    device: Handle


@dataclass
class CommandEncoderState:
    device: Handle
    finished: bool = False
    label: str = ""


@dataclass
class CommandBufferState:
    """A finished command stream: resolved commands (object references, not handles, so a later
    release of a handle does not change what the buffer names), or the reason it is invalid."""

    device: Handle
    commands: tuple = ()
    error: str | None = None
    submitted: bool = False
    label: str = ""


@dataclass(frozen=True)
class ClientQuotas:
    """What one client may hold at once, so one (possibly compromised) renderer cannot starve
    the others of memory or bookkeeping. maxBuffersPerClient and maxGraphsPerClient of
    NPUSupportedLimits are `max_buffers` and `max_graphs`.

    - max_objects: 65,536 live ids in the client's table (buffers, graphs, encoders...), the
      same order as Mojo's per-pipe handle caps; ids are cheap but not free.
    - max_memory_bytes: 1 GiB of buffers and constants per client. Buffers are memfds mapped
      into the service; this caps the service's address space use per connection.

    `max_queued_operations` bounds the queue work (writeBuffer, readBuffer, submit, mapAsync,
    onSubmittedWorkDone) a client has waiting in the service at once: each holds memory, and
    a writeBuffer holds a mapping and a descriptor of the client's data, so an unbounded
    queue would let one client exhaust the service's memory or descriptors. Submits have
    their own, smaller bound (command_validator.CommandLimits.max_pending_submits).
    """

    max_objects: int = 65_536
    max_buffers: int = 65_536
    max_graphs: int = 4_096
    max_memory_bytes: int = 1 << 30
    max_queued_operations: int = 1_024


class MemoryBudget:
    """The service-wide memory budget every client's allocations come out of (thread-safe).

    `capacity` bytes in all: buffers from creation until their memory is freed, graphs while
    their handle lives, and client data mapped into the service while it waits to be copied.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError(f"a memory budget cannot be negative: {capacity}")
        self.capacity = capacity
        self._lock = threading.Lock()
        self._used = 0

    @property
    def used(self) -> int:
        return self._used

    @property
    def available(self) -> int:
        return self.capacity - self._used

    def try_charge(self, size: int) -> bool:
        """Take `size` bytes if they fit; False (and nothing taken) otherwise."""
        if size <= 0:
            return True
        with self._lock:
            if self._used + size > self.capacity:
                return False
            self._used += size
            return True

    def release(self, size: int) -> None:
        if size <= 0:
            return
        with self._lock:
            self._used -= size
            if self._used < 0:  # a double release is a bug: fail loudly, in tests too
                self._used += size
                raise AssertionError(f"memory budget released {size} bytes it never charged")

    def __repr__(self) -> str:
        return f"MemoryBudget({self._used} of {self.capacity} bytes used)"


def memory_cost(obj: Any) -> int:
    """The bytes an object counts against the client's quota and the service budget."""
    if isinstance(obj, BufferState):
        return obj.size
    if isinstance(obj, GraphState):
        return obj.memory_bytes
    return 0


def _illegal(detail: str) -> BadMessage:
    return BadMessage(BadMessageKind.WEBNPU_ERROR_ILLEGAL_OBJECT_ID, detail)


@dataclass
class _Entry:
    generation: int
    obj: Any
    charged_bytes: int = 0


@dataclass
class ObjectTable:
    """One client's objects, keyed by (interface, id); the root NPU is (1, 1) from the start."""

    quotas: ClientQuotas = field(default_factory=ClientQuotas)
    # Shared with every other client's table; None: no service-wide bound (unit tests).
    budget: MemoryBudget | None = None

    def __post_init__(self) -> None:
        self._entries: dict[tuple[ObjectKind, int], _Entry] = {}
        # The last generation created per (interface, id), live or released: no ABA.
        self._generations: dict[tuple[ObjectKind, int], int] = {}
        self._counts: dict[ObjectKind, int] = dict.fromkeys(ObjectKind, 0)
        self.memory_bytes = 0
        self._insert(ObjectKind.NPU, ROOT_HANDLE, None)

    # --- lookups (bad messages) -----------------------------------------------------------

    def check_new(self, kind: ObjectKind, handle: Handle) -> None:
        """BadMessage unless `handle` may name a new `kind` object now."""
        if handle.id == 0:
            raise BadMessage(
                BadMessageKind.VALIDATION_ERROR_UNEXPECTED_NULL_POINTER,
                f"creating {kind.name} with the null id",
            )
        key = (kind, handle.id)
        if key in self._entries:
            raise _illegal(f"creating {kind.name} {describe(handle)} over a live id")
        last = self._generations.get(key)
        if last is not None and handle.generation <= last:
            raise _illegal(
                f"creating {kind.name} {describe(handle)} with a stale generation (last was {last})"
            )

    def get(self, kind: ObjectKind, handle: Handle) -> Any:
        """The live object, or BadMessage (unknown id, wrong interface, stale generation)."""
        entry = self._entries.get((kind, handle.id))
        if entry is None:
            raise _illegal(f"{kind.name} {describe(handle)} is not live for this client")
        if entry.generation != handle.generation:
            raise _illegal(
                f"{kind.name} {describe(handle)} has a stale generation "
                f"(live is {entry.generation})"
            )
        return entry.obj

    def __len__(self) -> int:
        return len(self._entries)

    def count(self, kind: ObjectKind) -> int:
        return self._counts[kind]

    def live(self, kind: ObjectKind) -> list[tuple[Handle, Any]]:
        """Every live `kind` object with its handle (a snapshot: safe to change the table)."""
        return [
            (Handle(object_id, entry.generation), entry.obj)
            for (entry_kind, object_id), entry in self._entries.items()
            if entry_kind is kind
        ]

    # --- changes --------------------------------------------------------------------------

    def create(self, kind: ObjectKind, handle: Handle, obj: Any) -> NPUError | None:
        """Enter `obj` under `handle`. BadMessage for a bad handle; a quota error is returned,
        and the entry is then an `InvalidObject` (so later uses are validation errors).

        On success the object's memory cost is charged to the client's quota and to the
        budget; the quota charge goes with the handle (release, destroy), the budget charge
        is the owner's to return when the memory is really freed (`MemoryBudget.release`)."""
        self.check_new(kind, handle)
        error = self._quota_error(kind, handle, obj)
        if error is not None:
            invalid = InvalidObject(kind, error.message, getattr(obj, "device", None))
            self._insert(kind, handle, invalid)
            return error
        self._insert(kind, handle, obj, memory_cost(obj))
        return None

    def release(self, kind: ObjectKind, handle: Handle) -> Any:
        """Drop the client's handle (the implicit `release`, ordinal 0); returns the object.

        Objects referenced elsewhere (a command buffer naming a buffer) stay alive through
        those references; the handle is free for reuse with a newer generation.
        """
        if kind is ObjectKind.NPU and handle == ROOT_HANDLE:
            raise BadMessage(
                BadMessageKind.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD,
                "release of the root NPU object",
            )
        obj = self.get(kind, handle)
        entry = self._entries.pop((kind, handle.id))
        self._counts[kind] -= 1
        self.memory_bytes -= entry.charged_bytes
        return obj

    def destroy_buffer(self, handle: Handle) -> None:
        """NPUBuffer.destroy(): the memory is freed (and uncharged) now; the handle stays live."""
        entry = self._entries.get((ObjectKind.BUFFER, handle.id))
        buffer = self.get(ObjectKind.BUFFER, handle)
        if isinstance(buffer, BufferState) and not buffer.destroyed:
            buffer.destroyed = True
            self.memory_bytes -= entry.charged_bytes
            entry.charged_bytes = 0

    # --- internals ------------------------------------------------------------------------

    def _insert(self, kind: ObjectKind, handle: Handle, obj: Any, charged: int = 0) -> None:
        key = (kind, handle.id)
        self._entries[key] = _Entry(handle.generation, obj, charged)
        self._generations[key] = handle.generation
        self._counts[kind] += 1
        self.memory_bytes += charged

    def _quota_error(self, kind: ObjectKind, handle: Handle, obj: Any) -> NPUError | None:
        q = self.quotas
        name = f"{kind.name} {describe(handle)}"
        if len(self._entries) >= q.max_objects:
            return NPUError(
                "validation", f"{name}: the client already holds {q.max_objects} objects"
            )
        if kind is ObjectKind.BUFFER and self._counts[kind] >= q.max_buffers:
            return NPUError(
                "validation", f"{name}: maxBuffersPerClient ({q.max_buffers}) buffers exist"
            )
        if kind is ObjectKind.GRAPH and self._counts[kind] >= q.max_graphs:
            return NPUError(
                "validation", f"{name}: maxGraphsPerClient ({q.max_graphs}) graphs exist"
            )
        cost = memory_cost(obj)
        if cost and self.memory_bytes + cost > q.max_memory_bytes:
            return NPUError(
                "out-of-memory",
                f"{name}: {cost} bytes would exceed the client's memory quota "
                f"({self.memory_bytes} of {q.max_memory_bytes} bytes in use)",
            )
        return self._budget_error(name, cost)

    def _budget_error(self, name: str, cost: int) -> NPUError | None:
        """Charge `cost` to the service-wide budget (the last check: nothing to undo after)."""
        budget = self.budget
        if budget is None or budget.try_charge(cost):
            return None
        return NPUError(
            "out-of-memory",
            f"{name}: {cost} bytes do not fit in the service's memory budget "
            f"({budget.available} of {budget.capacity} bytes left for all clients)",
        )
