"""The `js` target: the browser polyfill's generated module, `generated/js/webnpu.js`.

One ES module with three parts, every fact taken from the model (`codegen/model/ir.py`) and the
wire model (`codegen/model/wire.py`), nothing recomputed:

- `SCHEMA`: the wire schema as data (structs with their fixed layouts and presence bits,
  enums, unions, messages, commands, replies, events, the schema hash and limits), walked by
  the hand-written interpreter `polyfill/runtime/wire.js`;
- the WebIDL conversions: one converter per type the API uses, every dictionary's members with
  their defaults, every operation's arguments, built on `polyfill/runtime/webidl.js` with the
  converter set and message contexts the `python` target uses (`python.bindings_defs`), so
  both bindings throw the same error for the same mistake;
- one class per interface and namespace: attributes as prototype getters (and setters),
  operations whose `length` is the IDL's count of required arguments, constants, setlike
  members, constructors that throw "Illegal constructor" unless the IDL declares one. The
  behaviour is the hand-written `polyfill/runtime/client.js`.

The module's header documents the polyfill's entry points (`connect`, `install`).
"""

from __future__ import annotations

import json
import re

from codegen.diagnostics import DiagnosticSink
from codegen.model import wire as w
from codegen.model.ir import (
    Attribute,
    Constant,
    Constructor,
    Declaration,
    Model,
    Operation,
    required_count,
)
from codegen.output import OutputFile
from codegen.render import render
from codegen.targets.context import Context
from codegen.targets.python import bindings_defs
from codegen.targets.wire_walk import walk

OUTPUT = "generated/js/webnpu.js"


# --- the wire schema as data ----------------------------------------------------------------


def type_json(t: w.WireType) -> dict:
    if isinstance(t, w.Scalar):
        return {
            "kind": "scalar",
            "name": t.name,
            "code": t.code,
            "enforce_range": t.enforce_range,
            "restricted": t.restricted,
        }
    if isinstance(t, w.Reserved):
        return {"kind": "reserved", "code": t.code}
    if isinstance(t, w.Enum):
        return {"kind": "enum", "name": t.name}
    if isinstance(t, w.Handle):
        return {"kind": "handle", "interface": t.interface, "nullable": t.nullable}
    if isinstance(t, w.SharedMemoryRef):
        return {"kind": "shared_memory"}
    if isinstance(t, w.String):
        return {"kind": "string", "max_bytes": t.max_bytes}
    if isinstance(t, w.Bytes):
        return {"kind": "bytes"}
    if isinstance(t, w.Array):
        return {"kind": "array", "element": element_json(t.element), "max_count": t.max_count}
    if isinstance(t, w.Record):
        return {"kind": "record", "entry": t.entry.name, "max_count": t.max_count}
    if isinstance(t, w.StructRef):
        return {"kind": "struct", "name": t.name}
    if isinstance(t, w.Union):
        return {"kind": "union", "name": t.name}
    raise ValueError(f"no JSON for wire type {t}")


def element_json(t: w.WireType) -> dict:
    """An array element: its type plus the smallest encoding of a struct element (§3.4)."""
    out = type_json(t)
    if isinstance(t, w.StructRef):
        out["min_size"] = t.min_size
    return out


def struct_json(s: w.WireStruct) -> dict:
    fields = [
        {"name": f.name, "type": type_json(f.type), "optional": f.optional, "bit": f.presence_bit}
        for f in s.fields
    ]
    return {
        "name": s.name,
        "fields": fields,
        "fixed": [{"index": slot.index, "code": slot.code} for slot in s.fixed.slots],
        "size": s.fixed.size,
        "variable": [fields[f.index] for f in s.variable],
        "optional_count": s.optional_count,
        "min_size": s.min_size,
    }


def schema_json(wire: w.WireModel) -> dict:
    structs: dict[str, w.WireStruct] = {s.name: s for s in wire.structs}
    enums: dict[str, w.Enum] = {}
    unions: dict[str, w.Union] = {}
    every = (
        list(wire.structs)
        + [m.request for m in wire.control + wire.messages + wire.commands]
        + [m.reply for m in wire.messages if m.reply is not None]
        + [e.struct for e in wire.events if e.struct is not None]
    )
    pending = list(every)
    while pending:
        s = pending.pop()
        for f in s.fields:
            for t in walk(f.type):
                if isinstance(t, w.Record) and t.entry.name not in structs:
                    structs[t.entry.name] = t.entry
                    pending.append(t.entry)
                elif isinstance(t, w.Enum):
                    enums.setdefault(t.name, t)
                elif isinstance(t, w.Union):
                    unions.setdefault(t.name, t)

    def message(m: w.WireMessage) -> dict:
        return {
            "name": m.name,
            "interface": m.interface,
            "method": m.method,
            "ordinal": m.ordinal,
            "kind": m.kind,
            "expects_reply": m.expects_reply,
            "root_release": wire.root_release(m),
            "creates": list(m.creates),
            "request": struct_json(m.request),
            "reply": struct_json(m.reply) if m.reply is not None else None,
        }

    return {
        "schema_hash": f"0x{wire.schema_hash:016x}",
        "limits": dict(wire.limits),
        "interfaces": {i.name: i.ordinal for i in wire.interfaces if i.kind == "object"},
        "enums": {name: list(enums[name].values) for name in sorted(enums)},
        "structs": {name: struct_json(structs[name]) for name in sorted(structs)},
        "unions": {
            name: {
                "name": name,
                "fixed": unions[name].arms[0].type.fixed,
                "min_size": unions[name].min_size,
                "arms": [
                    {"tag": a.tag, "name": a.name, "type": type_json(a.type)}
                    for a in unions[name].arms
                ],
            }
            for name in sorted(unions)
        },
        "graph_ops": {
            op.name: {
                "number": op.number,
                "struct": op.struct.name,
                "slots": list(op.slots),
                "optional_slots": list(op.optional_slots),
                "variadic_slot": op.variadic_slot,
                "attributes": list(op.attributes),
            }
            for op in wire.graph_ops
            if op.struct is not None
        },
        "control": [message(m) for m in wire.control],
        "messages": [message(m) for m in wire.messages],
        "commands": [message(m) for m in wire.commands],
        "events": [
            {
                "name": e.name,
                "interface": e.interface,
                "member": e.member,
                "ordinal": e.ordinal,
                "struct": struct_json(e.struct),
            }
            for e in wire.events
            if e.struct is not None
        ],
    }


# --- WebIDL conversions ---------------------------------------------------------------------


def js_value(python_literal: str | None) -> str:
    """A default value, written by the python target as a Python literal, as JavaScript."""
    if python_literal is None:
        return "undefined"
    table = {
        "True": "true",
        "False": "false",
        "None": "null",
        "()": "[]",
        "{}": "{}",
        'float("inf")': "Infinity",
        'float("-inf")': "-Infinity",
        'float("nan")': "NaN",
    }
    return table.get(python_literal, python_literal)


def js_arguments(arguments: tuple[str, ...]) -> str:
    """A converter factory's arguments (Python expressions of the python target) as JS."""
    out = []
    for a in arguments:
        if a in ("enforce_range=True", "clamp=True"):
            out.append("{ " + ("enforceRange" if a.startswith("enforce") else "clamp") + ": true }")
        elif a.startswith("("):
            names = [n.strip() for n in a.strip("()").split(",") if n.strip()]
            out.append("[" + ", ".join(names) + "]")
        elif a.startswith("convert_"):
            continue  # a dictionary's converter function: the JS one reads DICTIONARIES
        else:
            out.append(a)
    return ", ".join(out)


_FACTORIES = {
    "IntegerConverter": "integer",
    "FloatConverter": "float",
    "BigIntConverter": "bigint",
    "BooleanConverter": "boolean",
    "StringConverter": "string",
    "DictionaryConverter": "dictionary",
    "SequenceConverter": "sequence",
    "RecordConverter": "record",
    "InterfaceConverter": "interfaceType",
    "CallbackConverter": "callback",
    "BufferSourceConverter": "bufferSource",
    "NullableConverter": "nullable",
    "UnionConverter": "union",
    "AnyConverter": "any",
}


def conversions(model: Model, wire: w.WireModel):
    dictionaries, enums, operations, setters, converters = bindings_defs(model, wire.interfaces)
    js_converters = [(c.name, _FACTORIES[c.factory], js_arguments(c.arguments)) for c in converters]
    js_dictionaries = [
        (
            d.name,
            [
                (f.idl, f.declared_in, f.converter, f.required, js_value(f.default))
                for f in d.fields
            ],
        )
        for d in dictionaries
    ]
    js_operations = []
    for op in operations:
        key = f"{op.interface}.{op.name}"
        args = [(a.converter, a.optional, js_value(a.default), a.variadic) for a in op.arguments]
        js_operations.append((key, op.interface, op.name, op.required, args))
    js_setters = [(f"{s.interface}.{s.name}", s.interface, s.name, s.converter) for s in setters]
    return js_dictionaries, enums, js_operations, js_setters, js_converters


# --- classes --------------------------------------------------------------------------------


def _doc(text: str) -> str:
    return " ".join(text.split()) or "(Undocumented.)"


def class_defs(model: Model, wire: w.WireModel) -> list[dict]:
    kinds = {i.name: i.kind for i in wire.interfaces}
    classes = []
    for d in model.definitions:
        if d.external or d.kind not in ("interface", "namespace"):
            continue
        members = d.members
        ctor = next((m for m in members if isinstance(m, Constructor)), None)
        attributes, operations, constants, setlike = [], [], [], None
        seen: set[str] = set()
        for m in members:
            if isinstance(m, Attribute) and m.special != "static":
                attributes.append(
                    {
                        "name": m.name,
                        "readonly": m.readonly,
                        "doc": _doc(m.doc),
                        "event_handler": m.type.typedef == "EventHandler"
                        or m.type.name == "EventHandler",
                    }
                )
            elif isinstance(m, Operation) and m.name and m.name not in seen:
                seen.add(m.name)
                required = required_count(m.arguments)
                operations.append(
                    {
                        "name": m.name,
                        "params": [a.name for a in m.arguments[:required]],
                        "doc": _doc(m.doc),
                        "promise": m.return_type is not None and m.return_type.kind == "Promise",
                    }
                )
            elif isinstance(m, Constant):
                constants.append({"name": m.name, "value": m.value.text})
            elif isinstance(m, Declaration) and m.kind == "setlike":
                setlike = True
        parent = None
        if d.kind == "interface" and d.inherits:
            parent = d.inherits if not model[d.inherits].external else "platform:" + d.inherits
        classes.append(
            {
                "name": d.name,
                "kind": d.kind,
                "wire": kinds.get(d.name, ""),
                "parent": parent,
                "doc": _doc(d.doc),
                "constructor": None
                if ctor is None
                else [a.name for a in ctor.arguments[: required_count(ctor.arguments)]],
                "attributes": attributes,
                "operations": operations,
                "constants": constants,
                "setlike": setlike,
            }
        )
    # A parent before its children (class declarations are not hoisted).
    ordered, done = [], set()
    pending = list(classes)
    while pending:
        for c in list(pending):
            parent = c["parent"]
            if parent is None or parent.startswith("platform:") or parent in done:
                ordered.append(c)
                done.add(c["name"])
                pending.remove(c)
    return ordered


def _dump(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def generate(model: Model, context: Context) -> list[OutputFile]:
    sink = DiagnosticSink()
    wire = w.derive_wire(model, sink)
    if sink.has_errors or not wire.interfaces:
        return []
    schema = schema_json(wire)
    dictionaries, enums, operations, setters, converters = conversions(model, wire)
    text = render(
        "js/webnpu.js.jinja",
        {"dump": _dump, "ident": lambda s: re.sub(r"\W", "_", s)},
        api_name=context.api_name,
        schema=schema,
        schema_parts=[
            (key, schema[key])
            for key in ("schema_hash", "limits", "interfaces", "enums", "graph_ops")
        ],
        struct_items=sorted(schema["structs"].items()),
        union_items=sorted(schema["unions"].items()),
        message_lists=[(key, schema[key]) for key in ("control", "messages", "commands", "events")],
        dictionaries=dictionaries,
        enums=enums,
        operations=operations,
        setters=setters,
        converters=converters,
        classes=class_defs(model, wire),
    )
    return [OutputFile(OUTPUT, text.encode("utf-8"))]
