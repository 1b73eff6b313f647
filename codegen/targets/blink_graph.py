"""NPUGraphBuilder's recording methods and NPUOperand, as Blink C++ bodies from the model.

As WebNN's `MLGraphBuilder` (`third_party/blink/renderer/modules/ml/webnn/ml_graph_builder.cc`
upstream): operands are renderer objects naming an operand id of their builder; `input()`,
`constant()` and each operation append to the mojom `GraphDescription` (operations from the
wire model's graph-op table: one `GraphOpXxx` struct per op, its operand slots, optional slots
from the options dictionary, a variadic slot, and attributes from the arguments or the
options); `build()` sends the whole description through `remote_->Build(...)`.

Shape inference is not done here: the service validates every operation at build, as WebNN's
service validates the graph again (`services/webnn/public/cpp/graph_validation_utils.h`
upstream). So a result operand reports its first operand's data type (or a `cast`'s) and shape
until the renderer infers shapes. The checks that do not need shapes are here, with the Python
bindings' messages (`python_service/client/graph_builder.py`): a builder whose build() ran
throws InvalidStateError, an operand of another builder TypeError. Blink's ExceptionState
prefixes "Failed to execute 'x' on 'NPUGraphBuilder': " itself.
"""

from __future__ import annotations

from codegen.model import ir
from codegen.model import wire as w
from codegen.targets.call_layout import Statement, call
from codegen.targets.chromium_naming import mojom_field, mojom_struct_name, upper_camel

NO_OPERAND = "0"  # an absent optional operand (docs/wire.md §5)
ALREADY_BUILT = "build() was already called."
FOREIGN_OPERAND = "An operand belongs to another builder."
NO_INPUTS = "At least one input is required."


def _mojom(name: str) -> str:
    return f"webnpu::mojom::blink::{name}"


def usable_check(returns: str) -> list[str | Statement]:
    return ["if (!CheckUsable(exception_state)) {", f"  return {returns};", "}"]


def operand_check(expr: str) -> list[str | Statement]:
    return [
        f"if (!CheckOperand({expr}, exception_state)) {{",
        "  return nullptr;",
        "}",
    ]


def result(first: str, data_type: str | None) -> list[str | Statement]:
    """Append the operation and return its result operand."""
    make = call(
        "MakeGarbageCollected<NPUOperand>",
        "this",
        "id",
        data_type or f"{first}->dataType()",
        f"{first}->shape()",
    )
    return [Statement(make, lead="return ")]


class GraphRecorder:
    """Bodies of the builder's methods, from the wire model's graph ops."""

    def __init__(self, model: ir.Model, wire: w.WireModel) -> None:
        self.model = model
        self.ops = {g.name: g for g in wire.graph_ops}
        self.core = {s.name: s for s in wire.structs}

    def records(self, m: ir.Operation) -> bool:
        return m.name in self.ops or f"Graph{upper_camel(m.name)}" in self.core

    def body(self, m: ir.Operation) -> list[str | Statement]:
        if m.name in self.ops:
            return self.operation(m, self.ops[m.name])
        if m.name == "constant":
            return self.constant(m)
        return self.input(m)

    # --- inputs and constants ---------------------------------------------------------------

    def declared(self, m: ir.Operation, extra: dict[str, str]) -> list[str | Statement]:
        """`input()`/`constant()`: a `GraphInput`/`GraphConstant` whose fields are the
        method's arguments, the new id and what `extra` gives."""
        struct = self.core[f"Graph{upper_camel(m.name)}"]
        arguments = {a.name: a for a in m.arguments}
        body: list[str | Statement] = [
            *usable_check("nullptr"),
            "uint32_t id = ++last_operand_id_;",
            f"auto entry = {_mojom(struct.name)}::New();",
        ]
        for f in struct.fields:
            target = f"entry->{mojom_field(f.name)}"
            if f.name == "id":
                body.append(f"{target} = id;")
            elif f.name in extra:
                body.append(Statement(extra[f.name], target=target))
            elif isinstance(f.type, w.StructRef):
                body.append(Statement(call("ToMojom", f.name), target=target))
            else:
                body.append(Statement(arguments[f.name].name, target=target))
        plural = mojom_field(m.name) + "s"
        body.append(f"graph_->{plural}.push_back(std::move(entry));")
        descriptor = next(a.name for a in m.arguments if a.type.kind == "dictionary")
        return body + result(descriptor, None)

    def input(self, m: ir.Operation) -> list[str | Statement]:
        return self.declared(m, {})

    def constant(self, m: ir.Operation) -> list[str | Statement]:
        buffer = next(a.name for a in m.arguments if a.type.kind != "dictionary")
        body = self.declared(m, {"offset": "constant_data_.size()", "length": "bytes.size()"})
        # The bytes go into the arena the description carries; the entry names their range.
        at = body.index("uint32_t id = ++last_operand_id_;")
        body[at:at] = [Statement(call("BufferSourceBytes", buffer), target="auto bytes")]
        push = next(i for i, line in enumerate(body) if str(line).startswith("graph_->"))
        body.insert(push, "constant_data_.AppendSpan(bytes);")
        return body

    # --- operations -------------------------------------------------------------------------

    def operation(self, m: ir.Operation, g: w.WireGraphOp) -> list[str | Statement]:
        assert g.struct is not None
        arguments = {a.name: a for a in m.arguments}
        options = next((a for a in m.arguments if a.type.kind == "dictionary"), None)
        members = {}
        if options is not None:
            members = {x.name: x for x in self.model.all_dictionary_members(options.type.name)}
        struct = _mojom(mojom_struct_name(f"GraphOp.{g.name}"))
        body: list[str | Statement] = [*usable_check("nullptr")]
        for slot in g.slots:
            body += operand_check(slot)
        for slot in g.optional_slots:
            getter = f"options->{slot}()"
            body.append(
                f"NPUOperand* {slot} = options->has{upper_camel(slot)}() ? {getter} : nullptr;"
            )
            body += operand_check(slot)
        first = g.slots[0] if g.slots else None
        if g.variadic_slot:
            v = g.variadic_slot
            body += [
                f"if ({v}.empty()) {{",
                Statement(call("exception_state.ThrowTypeError", f'"{NO_INPUTS}"'), block=1),
                "  return nullptr;",
                "}",
                f"for (const auto& operand : {v}) {{",
                "  if (!CheckOperand(operand, exception_state)) {",
                "    return nullptr;",
                "  }",
                "}",
            ]
            first = f"{v}[0]"
        body += ["uint32_t id = ++last_operand_id_;", f"auto op = {struct}::New();"]
        data_type = None
        for f in g.struct.fields:
            target = f"op->{mojom_field(f.name)}"
            if mojom_field(f.name) == "output_id":
                body.append(f"{target} = id;")
            elif f.name == "label":
                body.append(f"{target} = options->label();")
            elif f.name in g.slots:
                body.append(f"{target} = {f.name}->id();")
            elif f.name in g.optional_slots:
                body.append(f"{target} = {f.name} ? {f.name}->id() : {NO_OPERAND};")
            elif f.name == g.variadic_slot:
                body += [
                    f"for (const auto& operand : {f.name}) {{",
                    f"  {target}.push_back(operand->id());",
                    "}",
                ]
            elif f.name in arguments:
                value = arguments[f.name].name
                if isinstance(f.type, w.Enum):
                    if f.type.name == "NPUDataType":
                        data_type = value
                    value = call("ToMojom", value)
                body.append(Statement(value, target=target))
            else:
                body += self.option(target, f, members[f.name])
        union_arm = "New" + "".join(p.capitalize() for p in mojom_field(g.name).split("_"))
        push = call(f"{_mojom('GraphOperation')}::{union_arm}", "std::move(op)")
        body.append(Statement(call("graph_->operations.push_back", push)))
        assert first is not None
        return body + result(first, data_type)

    def option(self, target: str, f: w.WireField, member: ir.DictionaryMember) -> list:
        getter = f"options->{member.name}()"
        value = call("ToMojom", getter) if isinstance(f.type, w.Enum | w.Union) else getter
        if member.required or member.default is not None:
            return [Statement(value, target=target)]
        return [
            f"if (options->has{upper_camel(member.name)}()) {{",
            Statement(value, target=target, block=1),
            "}",
        ]


def build_prefix() -> list[str | Statement]:
    """`build()` before the request: the checks, then the outputs and the constant arena."""
    return [
        *usable_check("ScriptPromise<NPUGraph>()"),
        "for (const auto& [name, operand] : outputs) {",
        "  if (operand->builder() != this) {",
        '    String message = "The output \'" + name + "\' belongs to another builder.";',
        "    exception_state.ThrowTypeError(message);",
        "    return ScriptPromise<NPUGraph>();",
        "  }",
        "}",
        "for (const auto& [name, operand] : outputs) {",
        f"  auto output = {_mojom('GraphOutput')}::New();",
        "  output->id = operand->id();",
        "  output->name = name;",
        "  graph_->outputs.push_back(std::move(output));",
        "}",
        "built_ = true;",
        Statement(call("mojo_base::BigBuffer", "constant_data_"), target="graph_->constant_data"),
        "constant_data_.clear();",
    ]


BUILDER_FIELDS = [
    (_mojom("GraphDescriptionPtr"), "graph_"),
    ("Vector<uint8_t>", "constant_data_"),  # the constants' bytes, one arena
    ("uint32_t", "last_operand_id_ = 0"),
    ("bool", "built_ = false"),
]


def check_usable_body() -> list[str | Statement]:
    return [
        "if (!built_) {",
        "  return true;",
        "}",
        Statement(
            call(
                "exception_state.ThrowDOMException",
                "DOMExceptionCode::kInvalidStateError",
                f'"{ALREADY_BUILT}"',
            )
        ),
        "return false;",
    ]


def check_operand_body() -> list[str | Statement]:
    return [
        "if (!operand || operand->builder() == this) {",
        "  return true;",
        "}",
        Statement(call("exception_state.ThrowTypeError", f'"{FOREIGN_OPERAND}"')),
        "return false;",
    ]
