"""What every implementation class shares: creating binding objects, wire objects' handles and
labels, and turning converted values into wire values.

The generated binding classes (`python_service/generated/interfaces.py`) refuse to be
constructed by callers ("Illegal constructor"); the implementation creates them with
`create(...)`, which skips the binding's `__init__` and calls the implementation's `_setup`.
"""

from __future__ import annotations

import dataclasses
import weakref
from typing import Any, ClassVar

from python_service.client import conversions as c
from python_service.client.connection import Connection
from python_service.generated import wire as gen
from python_service.ipc.shared_memory import SharedMemory
from python_service.wire import runtime as rt


def create(interface: str, *args: Any, **kwargs: Any) -> Any:
    """A new object of the binding class registered for `interface`, set up by its `_setup`."""
    cls = c.interface_class(interface)
    obj = cls.__new__(cls)
    obj._setup(*args, **kwargs)
    return obj


def to_wire(value: Any) -> Any:
    """A converted dictionary (a `generated.conversions` dataclass) as the wire struct of the
    same name (docs/wire.md §2.3: both are derived from the same IDL dictionary, members in
    the same order under the same Python names)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = getattr(gen, type(value).__name__)
        return cls(**{f.name: to_wire(getattr(value, f.name)) for f in dataclasses.fields(cls)})
    return value


def bytes_value(data: memoryview) -> tuple[bytes | rt.SharedMemoryClaim, list[SharedMemory]]:
    """A `Bytes` wire value for `data` (§2.5): inline up to 64 KiB, else a sealed memfd,
    returned too so the caller keeps it open until the frame is sent."""
    if data.nbytes <= rt.MAX_INLINE_BYTES:
        return bytes(data), []
    claim, memory = shared_copy(data)
    return claim, [memory]


def shared_copy(data: bytes | memoryview) -> tuple[rt.SharedMemoryClaim, SharedMemory]:
    """`data` copied into a new sealed memfd: its claim for a message, and the memory, which
    the caller keeps open until the frame is sent."""
    view_in = memoryview(data).cast("B")
    memory = SharedMemory.create(view_in.nbytes, "webnpu-upload")
    view = memory.view()
    try:
        view[:] = view_in
    finally:
        view.release()
    return rt.SharedMemoryClaim(memory.fd, memory.size), memory


class WireObjectImpl:
    """A `[WireObject]` interface's implementation: a handle on a connection, and a label.

    The service object is released (method 0) when the Python object is garbage collected.
    """

    INTERFACE: ClassVar[int]  # the interface ordinal of docs/wire.md §1.3

    _connection: Connection
    _handle: rt.Handle
    _label: str

    def _init_object(self, connection: Connection, handle: rt.Handle, label: str = "") -> None:
        self._connection = connection
        self._handle = handle
        self._label = label
        weakref.finalize(self, connection.release_later, self.INTERFACE, handle)

    def _set_label(self, value: str) -> None:
        self._label = value
        self._connection.send(gen.MESSAGES[self.INTERFACE << 16 | 1](self._handle, value))

    def __repr__(self) -> str:
        label = f" {self._label!r}" if self._label else ""
        return f"<{type(self).__name__}{label} {tuple(self._handle)}>"
