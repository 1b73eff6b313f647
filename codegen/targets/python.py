"""The `python` target: the wire codec of docs/wire.md as Python (`python_service/generated/`).

Everything about the bytes (field order, fixed layouts, presence bits, caps) comes from the wire
model (`codegen/model/wire.py`); the byte-level work is `python_service/wire/runtime.py`. This
module only names things the Python way and renders `codegen/templates/python/`.

Generated: the schema hash and `hello` (docs/wire.md §2.4), every request message and command,
the replies (`Settled`) and events of the client direction, the structs they use
(dictionaries, [WireValue] interfaces, core structs, graph op structs) and the unions
(`NPUNumber`, `GraphOperation`). A message whose payload
includes a struct the model does not lay out is listed as not generated in the module's
docstring.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, replace

from codegen.model import wire as w
from codegen.model.ir import (
    Attribute,
    Constructor,
    Model,
    Operation,
    Type,
    Value,
    required_count,
)
from codegen.model.naming import python_identifier, snake_case
from codegen.output import OutputFile
from codegen.render import render
from codegen.targets.context import Context
from codegen.targets.identifiers import event_type, pascal_case
from codegen.targets.python_interfaces import class_defs
from codegen.targets.python_types import (
    ALL_FLOAT_TYPES,
    INTEGER_TYPES,
    SEQUENCE_KINDS,
    STRING_TYPES,
    annotation,
    converter_function,
    is_buffer,
)
from codegen.targets.wire_source import wire_of
from codegen.targets.wire_walk import field_types

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_)|[A-Z]?[a-z]+|[A-Z]+|\d+")


def py_name(name: str) -> str:
    """A member name in snake_case: `bufferOffset` -> `buffer_offset`; `self` -> `self_`."""
    return python_identifier(name)  # the one mechanical rule, codegen/model/naming.py


def const_name(name: str) -> str:
    """An enum's value table: `NPUDataType` -> `NPU_DATA_TYPE`."""
    return "_".join(part.upper() for part in _WORD.findall(name))


def class_name(name: str) -> str:
    """`NPUDevice.createBuffer` -> `NPUDeviceCreateBuffer`; `record<string, u64>` ->
    `_RecordStringU64` (record entries are private)."""
    joined = pascal_case(name)
    return "_" + joined if name.startswith("record<") else joined


def event_class(event: w.WireEvent) -> str:
    """`NPUDevice.lost` -> `NPUDeviceLostEvent`; `NPUDevice.onuncapturederror` ->
    `NPUDeviceUncapturederrorEvent` (an EventHandler's `on` prefix dropped)."""
    return class_name(f"{event.interface}.{event_type(event.member)}") + "Event"


def generate(model: Model, context: Context) -> list[OutputFile]:
    wire = wire_of(model)
    if wire is None:
        return []

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
    for t in field_types(all_structs):
        if isinstance(t, w.Record):
            entries.setdefault(t.entry.name, t.entry)
        if isinstance(t, w.Enum):
            enums.setdefault(t.name, t)
        if isinstance(t, w.Union):
            unions.setdefault(t.name, t)
    for t in field_types(entries.values()):
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
        schema_hash=wire.schema_hash,
        control=wire.control,
        messages=messages,
        commands=commands,
        pending=pending,
        decodable=[m for m in messages if not wire.root_release(m)],
        replies=replies,
        events=events,
        unions=[unions[k] for k in sorted(unions)],
        ops={op.struct.name: op for op in wire.graph_ops if op.struct is not None},
    )
    init = render("python/__init__.py.jinja", api_name=context.api_name)
    return [
        OutputFile("python_service/generated/__init__.py", init.encode("utf-8")),
        OutputFile("python_service/generated/wire.py", text.encode("utf-8")),
        generate_bindings(model, wire, context),
        generate_interfaces(model, context),
    ]


# --- client bindings: WebIDL argument conversion (python_service/generated/conversions.py) ---


@dataclass(frozen=True)
class ConverterDef:
    """One module-level converter object: `name = c.<factory>(<arguments>)`."""

    name: str
    factory: str
    arguments: tuple[str, ...]


@dataclass(frozen=True)
class FieldDef:
    py: str
    idl: str
    declared_in: str
    converter: str
    required: bool
    default: str | None  # a Python expression for the converter's default, or None
    annotation: str
    field_default: str | None  # the dataclass field's default expression; None if required


@dataclass(frozen=True)
class DictionaryDef:
    name: str
    function: str
    fields: tuple[FieldDef, ...]


@dataclass(frozen=True)
class EnumDef:
    name: str
    function: str
    values_name: str
    converter: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ArgumentDef:
    index: int
    converter: str
    optional: bool
    default: str | None
    variadic: bool


@dataclass(frozen=True)
class OperationDef:
    interface: str
    name: str
    function: str
    signature: str
    names: tuple[str, ...]
    required: int
    variadic: bool
    arguments: tuple[ArgumentDef, ...]
    context: str  # the Python expression of the conversion's message context


@dataclass(frozen=True)
class SetterDef:
    """A writable attribute's conversion: `convert_attr_<interface>_<attribute>(value)`."""

    interface: str
    name: str
    function: str
    converter: str


def _has_attr(ext_attrs, name: str) -> bool:
    return any(a.name == name for a in ext_attrs)


def idl_spelling(t: Type) -> str:
    """The type as a browser's message writes it: `sequence<NPUOperand>`, `(A or B)`."""
    if t.kind == "union":
        text = "(" + " or ".join(idl_spelling(a) for a in t.arguments) + ")"
    elif t.arguments:
        text = f"{t.name}<{', '.join(idl_spelling(a) for a in t.arguments)}>"
    else:
        text = t.name
    return text + ("?" if t.nullable else "")


def python_literal(value: Value, t: Type) -> str:
    """An IDL default value as a Python expression the converter accepts."""
    if value.kind == "string":
        return json.dumps(json.loads(value.text))
    if value.kind == "boolean":
        return "True" if value.text == "true" else "False"
    if value.kind == "integer":
        text = value.text
        negative = text.startswith("-")
        digits = text.lstrip("-")
        if digits.startswith(("0x", "0X")):
            number = int(digits, 16)
        elif len(digits) > 1 and digits.startswith("0"):
            number = int(digits, 8)
        else:
            number = int(digits)
        return str(-number if negative else number)
    if value.kind == "decimal":
        return repr(float(value.text))
    if value.kind in ("Infinity", "-Infinity", "NaN"):
        return {"Infinity": 'float("inf")', "-Infinity": 'float("-inf")'}.get(
            value.kind, 'float("nan")'
        )
    if value.kind == "sequence":
        return "()"
    if value.kind == "dictionary":
        return "{}"
    if value.kind == "null":
        return "None"
    raise ValueError(f"no Python literal for a {value.kind} default ({value.text})")


class _Converters:
    """Collects the converter objects the module defines, each after the ones it uses."""

    def __init__(self) -> None:
        self.defs: dict[str, ConverterDef] = {}

    def _add(self, name: str, factory: str, *arguments: str) -> str:
        definition = ConverterDef(name, factory, arguments)
        existing = self.defs.setdefault(name, definition)
        assert existing == definition, f"two converters named {name}"
        return name

    def of(self, t: Type, ext_attrs=()) -> str:
        """The name of the converter object for `t` (with the argument's or member's own
        extended attributes), defining it and what it uses."""
        attrs = tuple(t.ext_attrs) + tuple(ext_attrs)
        if t.nullable:
            inner = self.of(replace(t, nullable=False), ext_attrs)
            return self._add("_NULLABLE" + inner, "NullableConverter", inner)
        if is_buffer(t):
            label = t.typedef or idl_spelling(t)
            return self._add("_" + _upper(label), "BufferSourceConverter", json.dumps(label))
        if t.kind == "builtin":
            if t.name in INTEGER_TYPES:
                prefix = ""
                options: list[str] = []
                if _has_attr(attrs, "EnforceRange"):
                    prefix, options = "ENFORCE_RANGE_", ["enforce_range=True"]
                elif _has_attr(attrs, "Clamp"):
                    prefix, options = "CLAMP_", ["clamp=True"]
                name = "_" + prefix + t.name.upper().replace(" ", "_")
                return self._add(name, "IntegerConverter", json.dumps(t.name), *options)
            name = "_" + t.name.upper().replace(" ", "_")
            if t.name in ALL_FLOAT_TYPES:
                return self._add(name, "FloatConverter", json.dumps(t.name))
            if t.name in STRING_TYPES:
                return self._add(name, "StringConverter", json.dumps(t.name))
            if t.name == "boolean":
                return self._add(name, "BooleanConverter")
            if t.name == "bigint":
                return self._add(name, "BigIntConverter")
            return self._add(name, "AnyConverter", json.dumps(t.name))
        if t.kind == "enum":
            return "_" + _upper(t.name)  # defined with the enum
        if t.kind == "dictionary":
            return self._add(
                "_" + _upper(t.name),
                "DictionaryConverter",
                json.dumps(t.name),
                "convert_" + snake_case(t.name),
            )
        if t.kind in ("interface", "callback interface"):
            return self._add("_" + _upper(t.name), "InterfaceConverter", json.dumps(t.name))
        if t.kind == "callback":
            return self._add("_" + _upper(t.name), "CallbackConverter", json.dumps(t.name))
        if t.kind in SEQUENCE_KINDS:
            element = self.of(t.arguments[0])
            return self._add(
                "_SEQUENCE_OF" + element,
                "SequenceConverter",
                element,
                json.dumps(idl_spelling(t)),
            )
        if t.kind == "record":
            key, value = self.of(t.arguments[0]), self.of(t.arguments[1])
            return self._add(
                "_RECORD_OF" + key + "_TO" + value,
                "RecordConverter",
                key,
                value,
                json.dumps(idl_spelling(t)),
            )
        if t.kind == "union":
            members = [self.of(a) for a in t.arguments]
            label = t.typedef or "UNION_OF" + "_OR".join(members)
            return self._add(
                "_" + _upper(label) if t.typedef else "_" + label,
                "UnionConverter",
                json.dumps(idl_spelling(t)),
                "(" + ", ".join(members) + ("," if len(members) == 1 else "") + ")",
            )
        raise ValueError(f"no conversion for a {t.kind} type ({idl_spelling(t)})")


def _upper(name: str) -> str:
    """A module constant's name: `NPUConv2dFilterOperandLayout` -> `NPU_CONV2D_FILTER_...`."""
    return re.sub(r"[^A-Za-z0-9]+", "_", snake_case(name)).strip("_").upper()


def bindings_defs(model: Model, wire_interfaces):
    """Everything python/bindings.py.jinja renders: dictionaries, enums, operations and the
    converter objects they use."""
    converters = _Converters()
    dictionaries = []
    for d in model.dictionaries:
        chain = [model[a] for a in reversed(d.ancestors)] + [d]
        fields = []
        for owner in chain:
            for m in owner.members:
                default = python_literal(m.default, m.type) if m.default is not None else None
                if m.required:
                    field_default = None
                elif default == "{}":
                    field_default = f"field(default_factory=lambda: {m.type.name}())"
                elif default is not None:
                    field_default = default
                else:
                    field_default = "None"
                optional_none = not m.required and m.default is None and not m.type.nullable
                fields.append(
                    FieldDef(
                        py=python_identifier(m.name),
                        idl=m.name,
                        declared_in=owner.name,
                        converter=converters.of(m.type, m.ext_attrs),
                        required=m.required,
                        default=default,
                        annotation=annotation(m.type, model) + (" | None" if optional_none else ""),
                        field_default=field_default,
                    )
                )
        dictionaries.append(DictionaryDef(d.name, "convert_" + snake_case(d.name), tuple(fields)))
    enums = [
        EnumDef(
            name=e.name,
            function="convert_" + snake_case(e.name),
            values_name=_upper(e.name),
            converter="_" + _upper(e.name),
            values=tuple(v.value for v in e.values),
        )
        for e in model.enums
    ]
    # Enums of the web platform used by the API (none today) still need their converter.
    for t in _all_types(model, wire_interfaces):
        if t.kind == "enum" and model[t.name].external:
            e = model[t.name]
            enums.append(
                EnumDef(
                    e.name,
                    "convert_" + snake_case(e.name),
                    _upper(e.name),
                    "_" + _upper(e.name),
                    tuple(v.value for v in e.values),
                )
            )
    operations = []
    setters = []
    for wi in wire_interfaces:
        interface = model[wi.name]
        seen: set[str] = set()
        for op in interface.members:
            if isinstance(op, Constructor):
                operations.append(
                    _operation_def(
                        converters,
                        interface.name,
                        "constructor",
                        converter_function("ctor", interface.name),
                        op.arguments,
                        f'c.constructor_context("{interface.name}")',
                    )
                )
            elif isinstance(op, Attribute) and not op.readonly:
                setters.append(
                    SetterDef(
                        interface.name,
                        op.name,
                        converter_function("attr", interface.name, op.name),
                        converters.of(op.type, op.ext_attrs),
                    )
                )
            if not isinstance(op, Operation) or not op.name or op.name in seen:
                continue
            seen.add(op.name)  # overloads: the first (the API declares none)
            operations.append(
                _operation_def(
                    converters,
                    interface.name,
                    op.name,
                    converter_function("args", interface.name, op.name),
                    op.arguments,
                    f'c.operation_context("{op.name}", "{interface.name}")',
                )
            )
    return dictionaries, enums, operations, setters, list(converters.defs.values())


def _operation_def(
    converters: _Converters, interface: str, name: str, function: str, args, context: str
) -> OperationDef:
    return OperationDef(
        interface=interface,
        name=name,
        function=function,
        signature=", ".join(
            ("..." if a.variadic else "") + python_identifier(a.name) for a in args
        ),
        names=tuple(python_identifier(a.name) for a in args),
        required=required_count(args),
        variadic=bool(args) and args[-1].variadic,
        arguments=tuple(
            ArgumentDef(
                index=i,
                converter=converters.of(a.type, a.ext_attrs),
                optional=a.optional,
                default=python_literal(a.default, a.type) if a.default is not None else None,
                variadic=a.variadic,
            )
            for i, a in enumerate(args)
        ),
        context=context,
    )


def _all_types(model: Model, wire_interfaces):
    for d in model.dictionaries:
        for m in d.members:
            yield from m.type.walk()
    for wi in wire_interfaces:
        for op in model[wi.name].members:
            if isinstance(op, Operation):
                for a in op.arguments:
                    yield from a.type.walk()


def generate_bindings(model: Model, wire: w.WireModel, context: Context) -> OutputFile:
    dictionaries, enums, operations, setters, converters = bindings_defs(model, wire.interfaces)
    text = render(
        "python/bindings.py.jinja",
        api_name=context.api_name,
        dictionaries=dictionaries,
        enums=enums,
        operations=operations,
        setters=setters,
        converters=converters,
    )
    return OutputFile("python_service/generated/conversions.py", text.encode("utf-8"))


# --- client bindings: the classes (python_service/generated/interfaces.py) ---------------------


def docstring(text: str, indent: int) -> str:
    """`text` as a docstring at `indent` spaces, rewrapped to the line length ruff checks."""
    width = 100 - indent - 6  # room for both quote triples on a line: ruff format may join
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]
    text = "\n\n".join(textwrap.fill(p, width) for p in paragraphs) or "(Undocumented.)"
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = text.split("\n")
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    pad = " " * indent
    rest = "".join("\n" + (pad + line if line else "") for line in lines[1:])
    return f'"""{lines[0]}{rest}\n{pad}"""'


def generate_interfaces(model: Model, context: Context) -> OutputFile:
    text = render(
        "python/interfaces.py.jinja",
        {"docstring": docstring},
        api_name=context.api_name,
        classes=class_defs(model, python_literal),
    )
    return OutputFile("python_service/generated/interfaces.py", text.encode("utf-8"))
