"""The `python` target: the wire codec of docs/wire.md as Python (`python_service/generated/`).

Everything about the bytes (field order, fixed layouts, presence bits, caps) comes from the wire
model (`codegen/model/wire.py`); the byte-level work is `python_service/wire/runtime.py`. This
module only names things the Python way and renders `codegen/templates/python/`.

Generated: every request message and command, the replies (`Settled`) and events of the
client direction, the structs they use (dictionaries, [WireValue] interfaces, core structs,
graph op structs) and the unions (`NPUNumber`, `GraphOperation`). A message whose payload
includes a struct the model does not lay out is listed as not generated in the module's
docstring.
"""

from __future__ import annotations

import keyword
import re

from codegen.diagnostics import DiagnosticSink
from codegen.model import wire as w
from codegen.model.ir import Model
from codegen.output import OutputFile
from codegen.render import render
from codegen.targets.context import Context

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def py_name(name: str) -> str:
    """A member name in snake_case: `bufferOffset` -> `buffer_offset`; `self` -> `self_`."""
    snake = "_".join(part.lower() for part in _WORD.findall(name))
    return snake + "_" if keyword.iskeyword(snake) or snake in ("self", "cls") else snake


def const_name(name: str) -> str:
    """An enum's value table: `NPUDataType` -> `NPU_DATA_TYPE`."""
    return "_".join(part.upper() for part in _WORD.findall(name))


def class_name(name: str) -> str:
    """`NPUDevice.createBuffer` -> `NPUDeviceCreateBuffer`; `record<string, u64>` ->
    `_RecordStringU64` (record entries are private)."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    joined = "".join(p[0].upper() + p[1:] for p in parts)
    return "_" + joined if name.startswith("record<") else joined


def event_class(event: w.WireEvent) -> str:
    """`NPUDevice.lost` -> `NPUDeviceLostEvent`; `NPUDevice.onuncapturederror` ->
    `NPUDeviceUncapturederrorEvent` (an EventHandler's `on` prefix dropped)."""
    member = event.member[2:] if event.member.startswith("on") else event.member
    return class_name(f"{event.interface}.{member}") + "Event"


def _walk(t: w.WireType):
    yield t
    if isinstance(t, w.Union):
        for arm in t.arms:
            yield from _walk(arm.type)
    elif isinstance(t, w.Array):
        yield from _walk(t.element)
    elif isinstance(t, w.Record):
        yield from _walk(t.key)
        yield from _walk(t.value)


def _structs_types(structs):
    for s in structs:
        for f in s.fields:
            yield from _walk(f.type)


def generate(model: Model, context: Context) -> list[OutputFile]:
    sink = DiagnosticSink()
    wire = w.derive_wire(model, sink)
    if sink.has_errors or not wire.interfaces:
        return []
    roots = {i.name for i in wire.interfaces if i.root}

    def encodable(m: w.WireMessage) -> bool:
        return all(w.type_derived(f.type) for f in m.request.fields)

    messages = [m for m in wire.messages if encodable(m)]
    commands = [m for m in wire.commands if encodable(m)]
    pending = [m for m in wire.messages + wire.commands if not encodable(m)]
    # Dictionaries and core structs used by a generated message, plus the record entries.
    structs = list(wire.structs)
    entries: dict[str, w.WireStruct] = {}
    enums: dict[str, w.Enum] = {}
    replies = [m for m in messages if m.reply is not None]
    events = [e for e in wire.events if e.struct is not None]
    unions: dict[str, w.Union] = {}
    all_structs = (
        structs
        + [m.request for m in messages + commands]
        + [m.reply for m in replies]
        + [e.struct for e in events]
    )
    for t in _structs_types(all_structs):
        if isinstance(t, w.Record):
            entries.setdefault(t.entry.name, t.entry)
        if isinstance(t, w.Enum):
            enums.setdefault(t.name, t)
        if isinstance(t, w.Union):
            unions.setdefault(t.name, t)
    for t in _structs_types(entries.values()):
        if isinstance(t, w.Enum):
            enums.setdefault(t.name, t)
    text = render(
        "python/wire.py.jinja",
        {
            "py_name": py_name,
            "const_name": const_name,
            "class_name": class_name,
            "event_class": event_class,
        },
        api_name=context.api_name,
        limits=wire.limits,
        enums=sorted(enums.values(), key=lambda e: e.name),
        structs=structs,
        entries=[entries[k] for k in sorted(entries)],
        messages=messages,
        commands=commands,
        pending=pending,
        roots=roots,
        replies=replies,
        events=events,
        unions=[unions[k] for k in sorted(unions)],
        ops={op.struct.name: op for op in wire.graph_ops if op.struct is not None},
    )
    init = render("python/__init__.py.jinja", api_name=context.api_name)
    return [
        OutputFile("python_service/generated/__init__.py", init.encode("utf-8")),
        OutputFile("python_service/generated/wire.py", text.encode("utf-8")),
    ]
