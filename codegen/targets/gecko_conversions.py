"""`dom/webnpu/WireConversions.h`/`.cpp`: the DOM values <-> PWebNPU types the classes send
and receive, field by field from the wire model (the Gecko counterpart of Blink's
`npu_type_converters.cc`, `blink_converters.py`).

- `ToIPC(const dom::NPUXxx&)` for each dictionary a message carries: strings as UTF-8, enums
  as their declaration index (docs/wire.md §2.1), a member without a default only when the
  page passed it (`dom::Optional`), records as arrays of entries;
- `RejectWith`: a reply's `Rejection` as the promise rejection it names;
- `ErrorFromIPC`: an `ErrorReport` as the `Error` subclass of its filter;
- `TensorInfosFromIPC`: a graph's inputs and outputs as dictionaries;
- `BufferSourceBytes` and `ToWire`, for the bytes and handles messages and commands carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.model import ir
from codegen.model import wire as w
from codegen.targets.gecko_bridge import Bridge
from codegen.targets.gecko_ipdl import field_name as ipdl_field
from codegen.targets.gecko_ipdl import type_name
from codegen.targets.gecko_layout import (
    INDENT,
    assignment_lines,
    call_lines,
    definition_lines,
    parameter_lines,
)
from codegen.targets.gecko_names import method_name

I1, I2, I3 = INDENT, INDENT * 2, INDENT * 3
BUFFER_SOURCE = "dom::MaybeSharedArrayBufferViewOrMaybeSharedArrayBuffer"
ERROR_FILTER = "NPUErrorFilter"
# Gecko's owning union for `(bigint or unrestricted double)` in a dictionary member.
NUMBER_UNION = "OwningBigIntOrUnrestrictedDouble"


@dataclass
class Function:
    returns: str
    name: str
    params: list[str]
    body: list[str]
    doc: str = ""


@dataclass
class Conversions:
    functions: list[Function] = field(default_factory=list)


def request_dictionaries(model: ir.Model, wire: w.WireModel) -> list[w.WireStruct]:
    """The wire structs of the dictionaries messages carry, nested ones first."""
    structs = {s.name: s for s in wire.structs}
    order: list[w.WireStruct] = []

    def visit(t: w.WireType) -> None:
        if isinstance(t, w.Array):
            visit(t.element)
        d = model.get(t.name) if isinstance(t, w.StructRef) else None
        if d is not None and d.kind == "dictionary" and structs[d.name] not in order:
            for f in structs[d.name].fields:
                visit(f.type)
            order.append(structs[d.name])

    for m in wire.messages:
        for f in m.request.fields:
            visit(f.type)
    return order


class ConversionBuilder:
    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self.model = bridge.model
        self.wire = bridge.wire

    def build(self) -> list[Function]:
        out = [self.dictionary(s) for s in request_dictionaries(self.model, self.wire)]
        out += [self.number(), self.buffer_source(), self.to_wire(), self.reject(), self.error()]
        out.append(self.tensor_infos())
        return out

    def dictionary(self, s: w.WireStruct) -> Function:
        members = {m.name: m for m in self.model.all_dictionary_members(s.name)}
        ipdl = type_name(s.name)
        body = [f"{I1}{ipdl} out;"]
        for f in s.fields:
            member = members[f.name]
            source = "aValue.m" + method_name(f.name)
            given = member.required or member.default is not None
            target = f"out.{ipdl_field(f.name)}()"
            if given:
                body += self.assign(target, source, f, I1)
            else:
                body.append(f"{I1}if ({source}.WasPassed()) {{")
                body += self.assign(target, source + ".Value()", f, I2)
                body.append(f"{I1}}}")
        body.append(f"{I1}return out;")
        return Function(ipdl, "ToIPC", [f"const dom::{s.name}& aValue"], body)

    def assign(self, target: str, source: str, f: w.WireField, indent: str) -> list[str]:
        t = f.type
        value = self.value(source, t)
        if value is not None:
            if f.optional:
                value = f"Some({value})"
            return assignment_lines(target, value, indent)
        assert isinstance(t, w.Array | w.Record)
        if isinstance(t, w.Record):
            entry = type_name(t.entry.name)
            element = f"{entry}(NS_ConvertUTF16toUTF8(entry.mKey), entry.mValue)"
            container = target
            lines = []
            if f.optional:
                lines.append(f"{indent}{target}.emplace();")
                container = f"{target}.ref()"
            return lines + [
                f"{indent}for (const auto& entry : {source}.Entries()) {{",
                *call_lines("", f"{container}.AppendElement", [element], indent + INDENT),
                f"{indent}}}",
            ]
        element = self.value("value", t.element)
        return [
            f"{indent}for (const auto& value : {source}) {{",
            f"{indent}{INDENT}{target}.AppendElement({element});",
            f"{indent}}}",
        ]

    def value(self, source: str, t: w.WireType) -> str | None:
        if isinstance(t, w.String):
            return f"NS_ConvertUTF16toUTF8({source})"
        if isinstance(t, w.Enum):
            return f"static_cast<uint32_t>({source})"
        if isinstance(t, w.StructRef):
            return f"ToIPC({source})"
        if isinstance(t, w.Scalar):
            return source
        return None

    def number(self) -> Function:
        """`NPUNumber`, `(bigint or unrestricted double)`: a bigint as the two halves of
        `WebNPUInt128` (two's complement), a double as is."""
        return Function(
            "NPUNumber",
            "ToIPC",
            [f"const dom::{NUMBER_UNION}& aValue"],
            [
                f"{I1}if (aValue.IsUnrestrictedDouble()) {{",
                f"{I2}return NPUNumber(aValue.GetAsUnrestrictedDouble());",
                f"{I1}}}",
                f"{I1}int64_t value = JS::ToBigInt64(aValue.GetAsBigInt());",
                f"{I1}int64_t high = value < 0 ? -1 : 0;",
                f"{I1}return NPUNumber(WebNPUInt128(static_cast<uint64_t>(value), high));",
            ],
            "An NPUNumber: a bigint within 64 bits (what the graph ops' bounds take), or a double.",
        )

    def buffer_source(self) -> Function:
        return Function(
            "ipc::BigBuffer",
            "BufferSourceBytes",
            [f"const {BUFFER_SOURCE}& aSource"],
            [
                f"{I1}return aSource.ProcessFixedData([](const Span<uint8_t>& aData) {{",
                f"{I2}return ipc::BigBuffer(Span<const uint8_t>(aData));",
                f"{I1}}});",
            ],
            "The bytes of an (ArrayBufferView or ArrayBuffer) argument, copied once.",
        )

    def to_wire(self) -> Function:
        return Function(
            "::webnpu::wire::Handle",
            "ToWire",
            ["const WebNPUHandle& aHandle"],
            [f"{I1}return {{ aHandle.id(), aHandle.generation() }};"],
            "A handle as the native wire library spells it, for commands.",
        )

    def reject(self) -> Function:
        body = [f"{I1}switch (aRejection.exception()) {{"]
        for i, value in enumerate(w.REJECTION_EXCEPTION.values):
            body += [
                f"{I2}case {i}: // {value}",
                f"{I3}aPromise.MaybeRejectWith{value}(aRejection.message());",
                f"{I3}return;",
            ]
        body += [f"{I1}}}", f"{I1}aPromise.MaybeRejectWithOperationError(aRejection.message());"]
        return Function(
            "void",
            "RejectWith",
            ["dom::Promise& aPromise", "const Rejection& aRejection"],
            body,
            "Rejects `aPromise` with the exception a reply's Rejection names (an unknown one as "
            "an OperationError).",
        )

    def error(self) -> Function:
        filters = [v.value for v in self.model[ERROR_FILTER].values]
        body = [
            f"{I1}NS_ConvertUTF8toUTF16 message(aReport.message());",
            f"{I1}switch (aReport.type()) {{",
        ]
        for i, value in enumerate(filters):
            body += [
                f"{I2}case {i}: // {value}",
                f"{I3}return MakeAndAddRef<{self.error_class(value)}>(aGlobal, message);",
            ]
        body += [f"{I1}}}", f"{I1}return MakeAndAddRef<InternalError>(aGlobal, message);"]
        return Function(
            "already_AddRefed<Error>",
            "ErrorFromIPC",
            ["nsIGlobalObject* aGlobal", "const ErrorReport& aReport"],
            body,
            "The Error subclass an ErrorReport's filter names, carrying its message.",
        )

    def error_class(self, value: str) -> str:
        """`out-of-memory` -> `OutOfMemoryError`, as the IDL names the subclasses."""
        return "".join(p.capitalize() for p in value.split("-")) + "Error"

    def tensor_infos(self) -> Function:
        info = self.bridge.structs["NPUTensorInfo"]
        body = [
            f"{I1}nsTArray<dom::NPUTensorInfo> out;",
            f"{I1}for (const auto& value : aInfos) {{",
        ]
        body.append(f"{I2}dom::NPUTensorInfo& info = *out.AppendElement();")
        for f in info.fields:
            member = "info.m" + method_name(f.name)
            source = f"value.{ipdl_field(f.name)}()"
            if isinstance(f.type, w.Enum):
                body.append(f"{I2}{member} = static_cast<dom::{f.type.name}>({source});")
            elif isinstance(f.type, w.String):
                body.append(f"{I2}{member} = NS_ConvertUTF8toUTF16({source});")
            elif isinstance(f.type, w.Array):
                body.append(f"{I2}Unused << {member}.AppendElements({source}, fallible);")
            else:
                body.append(f"{I2}{member} = {source};")
        body += [f"{I1}}}", f"{I1}return out;"]
        return Function(
            "nsTArray<dom::NPUTensorInfo>",
            "TensorInfosFromIPC",
            ["const nsTArray<NPUTensorInfo>& aInfos"],
            body,
            "A graph's inputs or outputs, as the reply that built it names them.",
        )


def declaration(f: Function) -> list[str]:
    from codegen.targets.clang_layout import comment_lines

    # Mozilla's style breaks after a top-level declaration's return type too.
    return [*comment_lines(f.doc, ""), f.returns, *parameter_lines(f.name, f.params, ";", "")]


def definition(f: Function) -> list[str]:
    return definition_lines(f.returns, f.name, f.params, "", f.body)
