"""The Blink values <-> Mojo types conversions behind `npu_type_converters.h`, defined in
`npu_type_converters.cc` field by field from the wire model.

Each `mojo::TypeConverter<To, From>` the classes call (`mojo::ConvertTo<>`, as
`modules/ml/webnn/ml_graph_type_converter.cc` and `modules/webgpu/` do upstream) is an inline
specialization in the header that calls a free function here: `ToMojom(const NPUXxx*)` for a
dictionary (one assignment per field of its wire struct, an IDL member without a default
assigned only when the page gave it, as `hasXxx()` tells), `ToMojom(V8NPUXxx)` and
`FromMojom(mojom::NPUXxx)` for an enum (a switch over every value), the buffer source's bytes,
and an `NPUNumber`. The header keeps the bodies out so it does not include every dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.model import ir
from codegen.model import wire as w
from codegen.targets.blink_cpp import BUFFER_SOURCE, HEADERS, V8_DIR, mojom
from codegen.targets.call_layout import Statement, call
from codegen.targets.chromium_naming import (
    BLINK_MODULE_DIR,
    enum_constant,
    file_stem,
    mojom_field,
    upper_camel,
)

# The union class Blink's bindings generator makes for `(bigint or unrestricted double)`.
NUMBER_UNION = "V8UnionBigintOrUnrestrictedDouble"
NUMBER_TYPEDEF = "NPUNumber"
ERROR_FILTER = "NPUErrorFilter"  # the enum an ErrorReport's `type` is, naming its error class


@dataclass
class FreeFunction:
    """A function at namespace scope: declared in the header, defined in the .cc."""

    returns: str
    name: str
    parameters: list[str]
    body: list[str | Statement]
    comment: str = ""


@dataclass
class Conversions:
    pairs: list[tuple[str, str, str]]  # (to, from, the free function the converter calls)
    functions: list[FreeFunction] = field(default_factory=list)
    header_includes: set[str] = field(default_factory=set)
    source_includes: set[str] = field(default_factory=set)
    forward: set[str] = field(default_factory=set)


def dictionaries_on_the_wire(model: ir.Model, wire: w.WireModel) -> list[w.WireStruct]:
    return [
        s for s in wire.structs if (d := model.get(s.name)) is not None and d.kind == "dictionary"
    ]


def dictionary_arrays_in_replies(model: ir.Model, wire: w.WireModel) -> list[w.WireStruct]:
    """Wire structs of dictionaries a reply carries in an array (`NPUTensorInfo`)."""
    structs = {s.name: s for s in wire.structs}
    found: dict[str, w.WireStruct] = {}
    for m in wire.messages:
        for f in m.reply.fields if m.reply else ():
            t = f.type.element if isinstance(f.type, w.Array) else None
            d = model.get(t.name) if isinstance(t, w.StructRef) else None
            if d is not None and d.kind == "dictionary":
                found[d.name] = structs[d.name]
    return list(found.values())


def wire_enums(wire: w.WireModel) -> dict[str, w.Enum]:
    found: dict[str, w.Enum] = {}
    fields = [f for m in wire.messages + wire.commands for f in m.request.fields]
    fields += [f for s in wire.structs for f in s.fields]
    fields += [f for g in wire.graph_ops if g.struct for f in g.struct.fields]
    for f in fields:
        t = f.type.element if isinstance(f.type, w.Array) else f.type
        if isinstance(t, w.Enum):
            found[t.name] = t
    found.pop("RejectionException", None)
    return dict(sorted(found.items()))


class ConversionBuilder:
    def __init__(self, model: ir.Model, wire: w.WireModel) -> None:
        self.model = model
        self.wire = wire
        self.out = Conversions([])

    def build(self) -> Conversions:
        for s in dictionaries_on_the_wire(self.model, self.wire):
            self.dictionary(s)
        for s in dictionary_arrays_in_replies(self.model, self.wire):
            self.dictionary_array(s)
        for e in wire_enums(self.wire).values():
            self.enum(e)
        self.buffer_source()
        self.number()
        self.error_report()
        self.rejection()
        self.next_handle()
        self.out.pairs.sort()
        return self.out

    # --- dictionaries ---------------------------------------------------------------------

    def dictionary(self, s: w.WireStruct) -> None:
        to = mojom(s.name + "Ptr")
        self.out.pairs.append((to, f"const blink::{s.name}*", "ToMojom"))
        self.out.forward.add(s.name)
        self.out.source_includes.add(f"{V8_DIR}/v8_{file_stem(s.name)}.h")
        members = {m.name: m for m in self.model.all_dictionary_members(s.name)}
        body: list[str | Statement] = [f"auto output = {mojom(s.name)}::New();"]
        for f in s.fields:
            member = members[f.name]
            getter = f"input->{f.name}()"
            target = f"output->{mojom_field(f.name)}"
            given = member.required or member.default is not None
            lines = self.assign(target, getter, f.type, 0 if given else 1)
            if given:
                body += lines
            else:
                body += [f"if (input->has{upper_camel(f.name)}()) {{", *lines, "}"]
        body.append("return output;")
        self.out.functions.append(FreeFunction(to, "ToMojom", [f"const {s.name}* input"], body))

    def dictionary_array(self, s: w.WireStruct) -> None:
        """`FromMojom(array<NPUTensorInfo>)`: the dictionaries a reply carries (a graph's
        inputs and outputs), one setter per field of the wire struct."""
        blink = f"HeapVector<Member<{s.name}>>"
        self.out.header_includes |= {HEADERS["HeapVector"], HEADERS["Member"]}
        body: list[str | Statement] = [
            f"{blink} output;",
            "for (const auto& value : input) {",
            f"  auto* item = {s.name}::Create();",
        ]
        for f in s.fields:
            value = f"value->{mojom_field(f.name)}"
            if isinstance(f.type, w.Enum):
                value = call("FromMojom", value)
            body.append(Statement(call(f"item->set{upper_camel(f.name)}", value), block=1))
        body += ["  output.push_back(item);", "}", "return output;"]
        self.out.functions.append(
            FreeFunction(
                blink,
                "FromMojom",
                [f"const Vector<{mojom(s.name + 'Ptr')}>& input"],
                body,
                comment=f"The {s.name} dictionaries a reply carries.",
            )
        )

    def assign(self, target: str, value: str, t: w.WireType, block: int) -> list[str | Statement]:
        """`target = value` converted from the Blink type to the mojom one."""
        pad = "  " * block
        if isinstance(t, w.Enum | w.StructRef):
            return [Statement(call("ToMojom", value), target=target, block=block)]
        if isinstance(t, w.Union) and t.name == NUMBER_TYPEDEF:
            return [Statement(call("ToMojom", value), target=target, block=block)]
        if isinstance(t, w.Array) and isinstance(t.element, w.Enum):
            return [
                f"{pad}for (const auto& value : {value}) {{",
                Statement(call(f"{target}.push_back", call("ToMojom", "value")), block=block + 1),
                f"{pad}}}",
            ]
        if isinstance(t, w.Record):
            return [
                f"{pad}{target}.emplace();",
                f"{pad}for (const auto& [key, value] : {value}) {{",
                Statement(call(f"{target}->Set", "key", "value"), block=block + 1),
                f"{pad}}}",
            ]
        return [Statement(value, target=target, block=block)]

    # --- enums ----------------------------------------------------------------------------

    def enum(self, e: w.Enum) -> None:
        v8, to = "V8" + e.name, mojom(e.name)
        self.out.pairs.append((to, f"blink::{v8}", "ToMojom"))
        self.out.pairs.append((f"blink::{v8}", to, "FromMojom"))
        self.out.header_includes.add(f"{V8_DIR}/v8_{file_stem(e.name)}.h")
        to_lines: list[str | Statement] = ["switch (input.AsEnum()) {"]
        from_lines: list[str | Statement] = ["switch (input) {"]
        for value in e.values:
            k = enum_constant(value)
            to_lines += [f"  case {v8}::Enum::{k}:", f"    return {to}::{k};"]
            from_lines += [
                f"  case {to}::{k}:",
                Statement(call(v8, f"{v8}::Enum::{k}"), "return ", block=2),
            ]
        # Every value is a case, so the compiler checks the switches stay complete.
        to_lines.append("}")
        from_lines.append("}")
        self.out.functions.append(FreeFunction(to, "ToMojom", [f"{v8} input"], to_lines))
        self.out.functions.append(FreeFunction(v8, "FromMojom", [f"{to} input"], from_lines))

    # --- the rest -------------------------------------------------------------------------

    def buffer_source(self) -> None:
        self.out.pairs.append(("mojo_base::BigBuffer", f"const blink::{BUFFER_SOURCE}*", "ToMojom"))
        self.out.header_includes.add("mojo/public/cpp/base/big_buffer.h")
        self.out.header_includes.add("base/containers/span.h")
        self.out.forward.add(BUFFER_SOURCE)
        bytes_of = FreeFunction(
            "base::span<const uint8_t>",
            "BufferSourceBytes",
            [f"const {BUFFER_SOURCE}* input"],
            [
                "if (input->IsArrayBufferAllowShared()) {",
                "  return input->GetAsArrayBufferAllowShared()->ByteSpan();",
                "}",
                "return input->GetAsArrayBufferViewAllowShared()->ByteSpan();",
            ],
            comment="The bytes an (ArrayBuffer or ArrayBufferView) argument names.",
        )
        big = FreeFunction(
            "mojo_base::BigBuffer",
            "ToMojom",
            [f"const {BUFFER_SOURCE}* input"],
            [
                Statement(
                    call("mojo_base::BigBuffer", call("BufferSourceBytes", "input")), "return "
                )
            ],
        )
        self.out.functions += [bytes_of, big]

    def number(self) -> None:
        """`NPUNumber` is a union: a bigint as the two halves of `Int128`, or a double."""
        to = mojom(NUMBER_TYPEDEF + "Ptr")
        self.out.pairs.append((to, f"const blink::{NUMBER_UNION}*", "ToMojom"))
        self.out.forward.add(NUMBER_UNION)
        self.out.source_includes.add(
            "third_party/blink/renderer/bindings/modules/v8/v8_union_bigint_unrestricteddouble.h"
        )
        body: list[str | Statement] = [
            "if (input->IsUnrestrictedDouble()) {",
            Statement(
                call(
                    f"{mojom(NUMBER_TYPEDEF)}::NewUnrestrictedDouble",
                    "input->GetAsUnrestrictedDouble()",
                ),
                "return ",
                block=1,
            ),
            "}",
            # Two's complement in 128 bits: the low word as is, the high word signed.
            "const BigInt& bigint = input->GetAsBigint();",
            f"auto value = {mojom('Int128')}::New();",
            "absl::int128 signed_value = bigint.ToInt128().value_or(0);",
            "value->low = absl::Int128Low64(signed_value);",
            "value->high = absl::Int128High64(signed_value);",
            Statement(call(f"{mojom(NUMBER_TYPEDEF)}::NewBigint", "std::move(value)"), "return "),
        ]
        self.out.functions.append(
            FreeFunction(to, "ToMojom", [f"const {NUMBER_UNION}* input"], body)
        )

    def error_report(self) -> None:
        """The NPUError subclass an `ErrorReport` names: `NPU<Filter>Error` per filter value,
        the classes popErrorScope() resolves to and "uncapturederror" carries."""
        filters = wire_enums(self.wire).get(ERROR_FILTER)
        if filters is None:
            return
        lines: list[str | Statement] = ["switch (report.type) {"]
        for value in filters.values:
            k = enum_constant(value)
            cls = "NPU" + upper_camel(k[1:]) + "Error"
            self.out.source_includes.add(f"{BLINK_MODULE_DIR}/{file_stem(cls)}.h")
            lines += [
                f"  case {mojom(ERROR_FILTER)}::{k}:",
                Statement(
                    call(f"MakeGarbageCollected<{cls}>", "report.message"), "return ", block=2
                ),
            ]
        lines.append("}")
        self.out.forward.add("NPUError")
        self.out.functions.append(
            FreeFunction(
                "NPUError*",
                "ErrorFromMojom",
                [f"const {mojom('ErrorReport')}& report"],
                lines,
                comment="The error object of the kind the service reported.",
            )
        )

    def rejection(self) -> None:
        """A `Rejection` as the promise rejection it names: the ECMAScript errors by their own
        Reject call, the others as the DOMException of that name."""
        lines: list[str | Statement] = ["switch (rejection.exception) {"]
        for value in rejection_values(self.wire):
            k = enum_constant(value)
            lines.append(f"  case {mojom('RejectionException')}::{k}:")
            if value in ("TypeError", "RangeError"):
                reject = call(f"resolver->RejectWith{value}", "rejection.message")
            else:
                reject = call(
                    "resolver->RejectWithDOMException",
                    f"DOMExceptionCode::{k}",
                    "rejection.message",
                )
            lines += [Statement(reject, block=2), "    return;"]
        lines.append("}")
        self.out.source_includes |= {HEADERS["ScriptPromiseResolver"], HEADERS["DOMException"]}
        self.out.functions.append(
            FreeFunction(
                "void",
                "RejectFromMojo",
                ["ScriptPromiseResolverBase* resolver", f"const {mojom('Rejection')}& rejection"],
                lines,
                comment="Rejects `resolver` with the exception the service named.",
            )
        )

    def next_handle(self) -> None:
        handle = mojom("ObjectHandle")
        self.out.functions.append(
            FreeFunction(
                handle + "Ptr",
                "NextObjectHandle",
                [],
                [
                    "// Handles are never reused, so every generation is 1; the counter is",
                    "// shared by the renderer's threads (windows and workers).",
                    "static std::atomic<uint32_t> last_id{0};",
                    f"return {handle}::New(last_id.fetch_add(1) + 1, 1u);",
                ],
                comment=(
                    "The handle the next object this renderer creates is named by: ids are "
                    "allocated here, as the wire's client does (docs/wire.md, section 2.2)."
                ),
            )
        )
        self.out.source_includes.add("<atomic>")


def rejection_values(wire: w.WireModel) -> tuple[str, ...]:
    """The values of the `RejectionException` enum a reply's error arm carries (§2.5)."""
    return w.REJECTION_EXCEPTION.values
