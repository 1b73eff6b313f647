"""GraphBuilder and Operand in Gecko: the graph recorded in the content process, as Blink's
(`blink_graph.py`) and WebNN's `MLGraphBuilder` record it, into the IPDL `GraphDescription`
that `build()` sends.

`input()`/`constant()` append a `GraphInput`/`GraphConstant` (a constant's bytes go into one
arena, `mConstantData`, the description's `constantData`); each operation appends its
`GraphOpXxx` arm of `GraphOperation`, from the wire model's graph-op table: operand slots by
id (an absent optional operand is 0, docs/wire.md §5), attributes from the arguments or the
options dictionary. The checks that need no shapes are made here with the Python bindings'
messages (a builder whose build() ran, an operand of another builder); the service validates
shapes at build, so a result operand reports its first operand's data type (or a cast's) and
shape, as in Blink.
"""

from __future__ import annotations

from codegen.model import ir
from codegen.model import wire as w
from codegen.targets.blink_graph import ALREADY_BUILT, FOREIGN_OPERAND, NO_INPUTS, NO_OPERAND
from codegen.targets.gecko_ipdl import field_name as ipdl_field
from codegen.targets.gecko_ipdl import type_name
from codegen.targets.gecko_layout import INDENT, assignment_lines, call_lines, definition_lines
from codegen.targets.gecko_names import method_name

I1, I2, I3 = INDENT, INDENT * 2, INDENT * 3
BUILDER = "GraphBuilder"
OPERAND = "Operand"


def arg(name: str) -> str:
    return "a" + method_name(name)


# --- the classes ------------------------------------------------------------------------------


def plumb_operand(builder) -> None:
    """An operand names its builder and its id there; its type and shape come with it."""
    cls = builder.cls
    cls.forward.append(BUILDER)
    cls.includes_cpp.append(f"mozilla/dom/webnpu/{BUILDER}.h")
    cls.ctor_params += [
        f"{BUILDER}* aBuilder",
        "uint32_t aId",
        "dom::NPUDataType aDataType",
        "nsTArray<uint32_t>&& aShape",
    ]
    cls.ctor_inits += [
        "mDataType(aDataType)",
        "mShape(std::move(aShape))",
        "mBuilder(aBuilder)",
        "mId(aId)",
    ]
    cls.fields += [f"RefPtr<{BUILDER}> mBuilder;", "uint32_t mId = 0;"]
    cls.traced.append("mBuilder")
    cls.public.append(
        [
            f"{I1}// The builder whose graph this operand is in, and its id there.",
            f"{I1}{BUILDER}* Builder() const {{ return mBuilder; }}",
            f"{I1}uint32_t Id() const {{ return mId; }}",
            f"{I1}const nsTArray<uint32_t>& ShapeArray() const {{ return mShape; }}",
        ]
    )


def plumb_builder(builder) -> None:
    cls = builder.cls
    cls.includes_cpp.append(f"mozilla/dom/webnpu/{OPERAND}.h")
    cls.fields += [
        "GraphDescription mGraph;",
        "nsTArray<uint8_t> mConstantData; // the constants' bytes, one arena",
        "uint32_t mLastOperandId = 0;",
        "bool mBuilt = false;",
    ]
    cls.private += [
        "bool CheckUsable(ErrorResult& aRv) const;",
        f"bool CheckOperand(const {OPERAND}* aOperand, ErrorResult& aRv) const;",
    ]
    cls.definitions += [
        definition_lines(
            "bool",
            f"{cls.name}::CheckUsable",
            ["ErrorResult& aRv"],
            " const",
            [
                f"{I1}if (!mBuilt) {{",
                f"{I2}return true;",
                f"{I1}}}",
                f'{I1}aRv.ThrowInvalidStateError("{ALREADY_BUILT}"_ns);',
                f"{I1}return false;",
            ],
        ),
        definition_lines(
            "bool",
            f"{cls.name}::CheckOperand",
            [f"const {OPERAND}* aOperand", "ErrorResult& aRv"],
            " const",
            [
                f"{I1}if (!aOperand || aOperand->Builder() == this) {{",
                f"{I2}return true;",
                f"{I1}}}",
                f'{I1}aRv.ThrowTypeError("{FOREIGN_OPERAND}"_ns);',
                f"{I1}return false;",
            ],
        ),
    ]


def build_prefix() -> list[str]:
    """`build()` before sending: the checks, then the outputs and the constant arena."""
    return [
        f"{I1}if (!CheckUsable(aRv)) {{",
        f"{I2}return nullptr;",
        f"{I1}}}",
        f"{I1}for (const auto& entry : aOutputs.Entries()) {{",
        f"{I2}if (!CheckOperand(entry.mValue, aRv)) {{",
        f"{I3}return nullptr;",
        f"{I2}}}",
        f"{I1}}}",
        f"{I1}for (const auto& entry : aOutputs.Entries()) {{",
        f"{I2}NS_ConvertUTF16toUTF8 name(entry.mKey);",
        f"{I2}mGraph.outputs().AppendElement(GraphOutput(entry.mValue->Id(), name));",
        f"{I1}}}",
        f"{I1}mBuilt = true;",
        f"{I1}Span<const uint8_t> constants(mConstantData);",
        f"{I1}mGraph.constantData() = ipc::BigBuffer(constants);",
        f"{I1}mConstantData.Clear();",
    ]


# --- the recording methods --------------------------------------------------------------------


def recorded_body(builder, interface: ir.Interface, op: ir.Operation) -> list[str]:
    recorder = Recorder(builder)
    ops = {g.name: g for g in builder.bridge.wire.graph_ops}
    if op.name in ops:
        return recorder.operation(op, ops[op.name])
    if op.name in ("input", "constant"):
        return recorder.declared(op)
    raise ValueError(f"{interface.name}.{op.name}: neither a message nor a graph operation")


class Recorder:
    def __init__(self, builder) -> None:
        self.builder = builder
        self.model = builder.model
        self.structs = builder.bridge.structs
        self.global_expr = builder.cls.global_expr

    def usable(self) -> list[str]:
        return [f"{I1}if (!CheckUsable(aRv)) {{", f"{I2}return nullptr;", f"{I1}}}"]

    def checked(self, expr: str) -> list[str]:
        return [f"{I1}if (!CheckOperand({expr}, aRv)) {{", f"{I2}return nullptr;", f"{I1}}}"]

    def result(self, first: str, data_type: str | None) -> list[str]:
        """The result operand: its first operand's type (or the cast's) and shape."""
        return [
            f"{I1}nsTArray<uint32_t> shape = {first}ShapeArray().Clone();",
            *call_lines(
                f"RefPtr<{OPERAND}> result = ",
                f"new {OPERAND}",
                [
                    self.global_expr,
                    "this",
                    "id",
                    data_type or f"{first}DataType()",
                    "std::move(shape)",
                ],
                I1,
            ),
            f"{I1}return result.forget();",
        ]

    def declared(self, op: ir.Operation) -> list[str]:
        """`input()`/`constant()`: a GraphInput/GraphConstant of the method's arguments."""
        struct = self.structs[f"Graph{method_name(op.name)}"]
        descriptor = next(a for a in op.arguments if a.type.kind == "dictionary")
        body = self.usable()
        ipdl = type_name(struct.name)
        if op.name == "constant":
            source = arg(next(a for a in op.arguments if a.type.kind != "dictionary").name)
            body += [
                f"{I1}uint64_t offset = mConstantData.Length();",
                f"{I1}uint64_t length = 0;",
                f"{I1}{source}.ProcessFixedData([&](const Span<uint8_t>& aData) {{",
                f"{I2}mConstantData.AppendElements(aData);",
                f"{I2}length = aData.Length();",
                f"{I1}}});",
            ]
        body += [f"{I1}uint32_t id = ++mLastOperandId;", f"{I1}{ipdl} entry;"]
        names = {a.name: a for a in op.arguments}
        for f in struct.fields:
            target = f"entry.{ipdl_field(f.name)}()"
            if f.name == "id":
                value = "id"
            elif f.name in ("offset", "length"):
                value = f.name
            elif isinstance(f.type, w.StructRef):
                value = f"ToIPC({arg(f.name)})"
            elif isinstance(f.type, w.String):
                value = f"NS_ConvertUTF16toUTF8({arg(names[f.name].name)})"
            else:
                value = arg(f.name)
            body += assignment_lines(target, value, I1)
        plural = ipdl_field(op.name) + "s"
        desc = arg(descriptor.name)
        body += [
            f"{I1}mGraph.{plural}().AppendElement(std::move(entry));",
            f"{I1}nsTArray<uint32_t> shape;",
            f"{I1}shape.AppendElements({desc}.mShape);",
            *call_lines(
                f"RefPtr<{OPERAND}> result = ",
                f"new {OPERAND}",
                [self.global_expr, "this", "id", f"{desc}.mDataType", "std::move(shape)"],
                I1,
            ),
            f"{I1}return result.forget();",
        ]
        return body

    def operation(self, op: ir.Operation, g: w.WireGraphOp) -> list[str]:
        assert g.struct is not None
        arguments = {a.name: a for a in op.arguments}
        options = next((a for a in op.arguments if a.type.kind == "dictionary"), None)
        members: dict[str, ir.DictionaryMember] = {}
        if options is not None:
            members = {m.name: m for m in self.model.all_dictionary_members(options.type.name)}
        body = self.usable()
        for slot in g.slots:
            body += self.checked(f"&{arg(slot)}")
        for slot in g.optional_slots:
            member = f"aOptions.m{method_name(slot)}"
            body += [f"{I1}{OPERAND}* {slot} = nullptr;", f"{I1}if ({member}.WasPassed()) {{"]
            body += [f"{I2}{slot} = {member}.Value();", f"{I1}}}"]
            body += self.checked(slot)
        first = f"{arg(g.slots[0])}." if g.slots else None
        if g.variadic_slot:
            v = arg(g.variadic_slot)
            body += [
                f"{I1}if ({v}.IsEmpty()) {{",
                f'{I2}aRv.ThrowTypeError("{NO_INPUTS}"_ns);',
                f"{I2}return nullptr;",
                f"{I1}}}",
                f"{I1}for (const auto& operand : {v}) {{",
                f"{I2}if (!CheckOperand(operand, aRv)) {{",
                f"{I3}return nullptr;",
                f"{I2}}}",
                f"{I1}}}",
            ]
            first = f"{v}[0]->"
        struct = type_name(f"GraphOp.{g.name}")
        body += [f"{I1}uint32_t id = ++mLastOperandId;", f"{I1}{struct} op;"]
        data_type = None
        for f in g.struct.fields:
            target = f"op.{ipdl_field(f.name)}()"
            if f.name == "output_id":
                body.append(f"{I1}{target} = id;")
            elif f.name == "label":
                body += assignment_lines(target, "NS_ConvertUTF16toUTF8(aOptions.mLabel)", I1)
            elif f.name in g.slots:
                body.append(f"{I1}{target} = {arg(f.name)}.Id();")
            elif f.name in g.optional_slots:
                body.append(f"{I1}{target} = {f.name} ? {f.name}->Id() : {NO_OPERAND};")
            elif f.name == g.variadic_slot:
                body += [
                    f"{I1}for (const auto& operand : {arg(f.name)}) {{",
                    f"{I2}{target}.AppendElement(operand->Id());",
                    f"{I1}}}",
                ]
            elif f.name in arguments:
                if isinstance(f.type, w.Enum) and f.type.name == "NPUDataType":
                    data_type = arg(f.name)
                body += self.assign(target, arg(f.name), f, I1)
            else:
                member = members[f.name]
                source = f"aOptions.m{method_name(member.name)}"
                if member.required or member.default is not None:
                    body += self.assign(target, source, f, I1)
                else:
                    body += [f"{I1}if ({source}.WasPassed()) {{"]
                    body += self.assign(target, f"{source}.Value()", f, I2)
                    body.append(f"{I1}}}")
        body.append(f"{I1}mGraph.operations().AppendElement(std::move(op));")
        assert first is not None
        return body + self.result(first, data_type)

    def assign(self, target: str, source: str, f: w.WireField, indent: str) -> list[str]:
        t = f.type
        if isinstance(t, w.Array):
            values = f"{ipdl_field(f.name)}Values"
            lines = [f"{indent}nsTArray<uint32_t> {values};"]
            lines.append(f"{indent}{values}.AppendElements({source});")
            value = f"std::move({values})"
            if f.optional:
                value = f"Some({value})"
            return lines + assignment_lines(target, value, indent)
        if isinstance(t, w.Enum):
            value = f"static_cast<uint32_t>({source})"
        elif isinstance(t, w.Union):
            value = f"ToIPC({source})"
        else:
            value = source
        if f.optional:
            value = f"Some({value})"
        return assignment_lines(target, value, indent)
