"""The objects a Blink method creates: their pipes, their client receivers, and the state the
creating call or its reply gives them.

Chromium makes a new object's pipe before it hands either end away
(`mojo::PendingRemote<T> remote; auto receiver = remote.InitWithNewPipeAndPassReceiver();`,
as `modules/ml/ml_context.cc` and `modules/webgpu/` do upstream), so the object is bound to a
live remote whatever order the call and the construction come in. A created interface with
events gets its client pipe the same way, the other way round (the renderer keeps the
receiver). A message that creates several objects (`requestDevice` makes the device and its
queue) makes each; the first is the one the method returns, the others are handed to its
constructor as the attributes of their type.

What the object learns afterwards comes from the reply's resolved struct (a field named as one
of its read-only attributes: `features`, `inputs`) or from the descriptor the page passed (a
dictionary member named as one: a buffer's `size`, `usage`), through `Set<Attribute>()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.model import ir
from codegen.model import wire as w
from codegen.model.naming import snake_case
from codegen.targets.call_layout import Call, Statement, call
from codegen.targets.chromium_naming import mojom_field, upper_camel
from codegen.targets.cpp_layout import COLUMNS


def _mojom(name: str) -> str:
    from codegen.targets.blink_cpp import mojom

    return mojom(name)


def declaration(type_: str, name: str) -> list[str]:
    """`Type name;` in a function body, the name on a continuation line when the whole does
    not fit (clang-format breaks after the type and indents 4)."""
    if len(f"  {type_} {name};") <= COLUMNS:
        return [f"{type_} {name};"]
    return [type_, f"    {name};"]


@dataclass(frozen=True)
class Created:
    """One object a message creates, and the names of its local variables."""

    interface: str
    prefix: str  # "" for the object the method returns, "queue_" for the others
    client: bool  # it has a client interface (events)

    def var(self, name: str) -> str:
        return self.prefix + name

    def declarations(self) -> list[str | Statement]:
        lines: list[str | Statement] = [
            *declaration(f"mojo::PendingRemote<{_mojom(self.interface)}>", self.var("remote")),
            Statement(
                call(f"{self.var('remote')}.InitWithNewPipeAndPassReceiver"),
                target="auto " + self.var("receiver"),
            ),
        ]
        if self.client:
            client = _mojom(self.interface + "Client")
            lines += [
                *declaration(f"mojo::PendingReceiver<{client}>", self.var("client")),
                Statement(
                    call(f"{self.var('client')}.InitWithNewPipeAndPassRemote"),
                    target="auto " + self.var("client_remote"),
                ),
            ]
        lines.append(Statement(call("NextObjectHandle"), target="auto " + self.var("handle")))
        return lines

    def handle(self, moved: bool) -> str:
        return f"std::move({self.var('handle')})" if moved else f"{self.var('handle')}.Clone()"

    def call_arguments(self, made_first: bool) -> list[str]:
        """What the Mojo method takes for it, in the mojom's order (handle, receiver, client).
        The handle moves into whichever of the call and the constructor comes last."""
        args = [self.handle(made_first), f"std::move({self.var('receiver')})"]
        if self.client:
            args.append(f"std::move({self.var('client_remote')})")
        return args

    def constructor_arguments(self, made_first: bool) -> list[str]:
        args = [self.handle(not made_first), f"std::move({self.var('remote')})"]
        if self.client:
            args.append(f"std::move({self.var('client')})")
        return args


class CreatedObjects:
    """What the classes need to know about created objects, from the wire model."""

    def __init__(self, model: ir.Model, wire: w.WireModel) -> None:
        self.model = model
        self.with_client = {e.interface for e in wire.events}
        self.creators: dict[str, w.WireMessage] = {}
        for m in wire.messages:
            for created in m.creates:
                self.creators.setdefault(created, m)
        # (interface, attribute) -> set after creation, from the reply or the descriptor
        self.set_later: dict[tuple[str, str], ir.Attribute] = {}
        for m in wire.messages:
            if not m.creates:
                continue
            target = self.model[m.creates[0]]
            names = self.reply_fields(m, target) + self.descriptor_members(m, target)
            for name in names:
                self.set_later[(target.name, name)] = self.readonly(target)[name]

    # --- what a created class takes and exposes -------------------------------------------

    def readonly(self, d: ir.Interface) -> dict[str, ir.Attribute]:
        return {
            m.name: m
            for m in d.members
            if isinstance(m, ir.Attribute) and m.readonly and m.type.kind != "Promise"
        }

    def companions(self, interface: str) -> list[tuple[str, str]]:
        """(attribute, interface) of the objects created with this one and handed to it."""
        message = self.creators.get(interface)
        if message is None or message.creates[0] != interface:
            return []
        attributes = self.readonly(self.model[interface])
        found = []
        for other in message.creates[1:]:
            name = next(n for n, a in attributes.items() if a.type.name == other)
            found.append((name, other))
        return found

    def reply_fields(self, m: w.WireMessage, target: ir.Interface) -> list[str]:
        if m.reply is None:
            return []
        attributes = self.readonly(target)
        return [f.name for f in m.reply.fields if f.name in attributes]

    def descriptor_members(self, m: w.WireMessage, target: ir.Interface) -> list[str]:
        """Read-only attributes of plain values the descriptor argument gives (size, usage)."""
        attributes = self.readonly(target)
        found = []
        for a in self.arguments(m):
            if a.type.kind != "dictionary":
                continue
            for member in self.model.all_dictionary_members(a.type.name):
                attribute = attributes.get(member.name)
                if attribute is not None and attribute.type.kind == "builtin":
                    found.append(member.name)
        return found

    def arguments(self, m: w.WireMessage) -> list[ir.Argument]:
        d = self.model[m.interface]
        op = next(x for x in d.members if isinstance(x, ir.Operation) and x.name == m.method)
        return list(op.arguments)

    # --- the body of the creating method ------------------------------------------------

    def of(self, m: w.WireMessage) -> list[Created]:
        return [
            Created(
                c, "" if i == 0 else snake_case(c.removeprefix("NPU")) + "_", c in self.with_client
            )
            for i, c in enumerate(m.creates)
        ]

    def pipes(self, m: w.WireMessage, made_first: bool) -> tuple[list[str | Statement], list[str]]:
        """The declarations making every created object's pipes, and the call's arguments.
        `made_first`: the objects are constructed before the call (a reply binds the object
        into its callback), so the call takes the last use of each handle."""
        lines: list[str | Statement] = []
        args: list[str] = []
        for c in self.of(m):
            lines += c.declarations()
            args += c.call_arguments(made_first)
        return lines, args

    def make(self, m: w.WireMessage, target: str, made_first: bool) -> list[str | Statement]:
        """Constructs the created objects once their pipes exist: the companions first."""
        created = self.of(m)
        lines: list[str | Statement] = []
        handed: list[str] = []
        for c in created[1:]:
            variable = c.var("object")
            make = call(
                f"MakeGarbageCollected<{c.interface}>",
                "GetExecutionContext()",
                *c.constructor_arguments(made_first),
            )
            lines.append(Statement(make, target=f"auto* {variable}"))
            handed.append(variable)
        first = created[0]
        make = call(
            f"MakeGarbageCollected<{first.interface}>",
            "GetExecutionContext()",
            *first.constructor_arguments(made_first),
            *handed,
        )
        lines.append(Statement(make, target=target))
        return lines

    def from_descriptor(self, m: w.WireMessage, created: str) -> list[str | Statement]:
        """`created->SetSize(descriptor->size());` for each attribute the descriptor gives."""
        target = self.model[m.creates[0]]
        lines: list[str | Statement] = []
        for a in self.arguments(m):
            if a.type.kind != "dictionary":
                continue
            names = {x.name for x in self.model.all_dictionary_members(a.type.name)}
            for name in self.descriptor_members(m, target):
                if name in names:
                    value = f"{snake_case(a.name)}->{name}()"
                    lines.append(Statement(call(f"{created}->Set{upper_camel(name)}", value)))
        return lines

    def from_reply(self, m: w.WireMessage, types) -> list[str | Statement]:
        """`created->SetInputs(FromMojom(resolved->inputs));` for each field of the reply
        that is an attribute of the created object; an optional field only when present."""
        if m.reply is None:
            return []
        target = self.model[m.creates[0]]
        attributes = self.readonly(target)
        lines: list[str | Statement] = []
        fields = [f for f in m.reply.fields if f.name in attributes]
        if fields:
            lines.append("auto& resolved = result->get_success();")
        for f in fields:
            attribute = attributes[f.name]
            source = f"resolved->{mojom_field(f.name)}"
            value = self.converted(attribute.type, source, types)
            setter = call(f"created->Set{upper_camel(f.name)}", value)
            if f.optional:
                lines += [f"if ({source}) {{", Statement(setter, block=1), "}"]
            else:
                lines.append(Statement(setter))
        return lines

    def converted(self, t: ir.Type, source: str, types) -> str | Call:
        if t.kind == "interface":  # a [WireValue]: built from its struct
            return call(f"MakeGarbageCollected<{t.name}>", f"std::move({source})")
        if t.kind in ("sequence", "FrozenArray") and t.arguments[0].kind == "dictionary":
            return call("FromMojom", source)
        if t.kind == "enum":
            return call("FromMojom", source)
        return source

    def absent(self, m: w.WireMessage) -> str | None:
        """The field whose absence means a nullable promise resolves to null: a reply whose
        fields are all optional is empty when there is nothing to resolve to (no adapter)."""
        if m.reply is None or not m.reply.fields:
            return None
        if all(f.optional for f in m.reply.fields):
            return mojom_field(m.reply.fields[0].name)
        return None


def attribute_setter(attribute: ir.Attribute, field: str, field_type: str):
    """The public `Set<Attribute>()` the creating code calls."""
    from codegen.targets.blink_cpp import Function

    if field_type.startswith("Member<"):
        parameter = field_type[len("Member<") : -1] + "* value"
        body = [f"{field} = value;"]
    elif field_type.startswith(("HeapVector<", "Vector<")):
        parameter = f"{field_type} value"
        body = [f"{field} = std::move(value);"]
    else:
        parameter = f"{field_type} value"
        body = [f"{field} = value;"]
    return Function(
        "void",
        "Set" + upper_camel(attribute.name),
        [parameter],
        body,
        comment="Set by the call that created this object, from its reply or descriptor.",
    )
