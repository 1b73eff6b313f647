"""The `dom/webnpu` classes' side of PWebNPU: which object sends which message, and the
bodies that send them through the content process's `WebNPUChild`.

As `dom/webgpu/` upstream: every service object (`[WireObject]`) holds its bridge
(`RefPtr<WebNPUChild> mBridge`, WebGPU's `mBridge`) and the handle messages name it by;
objects are created without a round trip (the handle is allocated here, `NextHandle()`, as
WebGPU's client allocates ids) and released from their destructor. A method the wire model
maps to a message sends it when the connection is open and is a no-op when it is not (a lost
device's calls do nothing, as in WebGPU). A method whose message `returns` a reply uses the
MozPromise IPDL generates for it (`SendX(...)->Then(...)`): the reply union's `Rejection` arm
rejects the DOM promise with the exception it names, the other arm resolves it; a closed
connection rejects it with an AbortError.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.model import ir
from codegen.model import wire as w
from codegen.targets.cpp_names import IDL_PRIMITIVES
from codegen.targets.gecko_ipdl import IpdlMessage, _Builder, protocol, type_name
from codegen.targets.gecko_layout import INDENT, call_lines
from codegen.targets.gecko_names import method_name, native_name
from codegen.targets.identifiers import event_type

CHILD = "WebNPUChild"
CHILD_HEADER = "mozilla/dom/webnpu/WebNPUChild.h"
TYPES_HEADER = "mozilla/dom/webnpu/PWebNPUTypes.h"
CONVERSIONS_HEADER = "mozilla/dom/webnpu/WireConversions.h"
CLOSED = "The connection to the NPU service is closed."
ROOT_HANDLE = ("1", "1")  # the root's reserved handle (docs/wire.md §2.2)


def ipdl_param_type(t: str) -> str:
    """The C++ type IPDL's generated `Send`/`Recv` take an IPDL type as."""
    base = t.removesuffix("?")
    if base.endswith("[]"):
        cpp = f"nsTArray<{ipdl_param_type(base[:-2])}>"
    else:
        cpp = {
            "BigBuffer": "ipc::BigBuffer",
            "MutableSharedMemoryHandle": "ipc::MutableSharedMemoryHandle",
        }.get(base, base)
    if t.endswith("?"):
        cpp = f"Maybe<{cpp}>"
    return cpp


@dataclass(frozen=True)
class Sent:
    """One parent message as a C++ call: its name and its parameters (IPDL type, name)."""

    name: str
    params: tuple[tuple[str, str], ...]
    returns: str | None


class Bridge:
    """What the classes need to know about PWebNPU."""

    def __init__(self, model: ir.Model, wire: w.WireModel, root: str) -> None:
        self.model = model
        self.wire = wire
        self.root = root
        self.kinds = {i.name: i.kind for i in wire.interfaces}
        self.ipdl = protocol(wire)
        by_wire = {m.wire_name: m for m in self.ipdl.parent + self.ipdl.child}
        self.sent: dict[str, IpdlMessage] = {}
        for m in wire.messages:
            if m.name in by_wire:
                self.sent[m.name] = by_wire[m.name]
        self.received = {e.name: by_wire[e.name] for e in wire.events}
        self.events: dict[str, list[w.WireEvent]] = {}
        for e in wire.events:
            self.events.setdefault(e.interface, []).append(e)
        self.requests = {m.name: m for m in wire.messages}
        self.structs = {s.name: s for s in wire.structs}
        self._types = _Builder(wire)
        # (interface, attribute) the creating call's descriptor gives (a buffer's size)
        self.from_descriptor: dict[tuple[str, str], tuple[str, str]] = {}
        for m in wire.messages:
            if m.creates:
                for attribute, argument in self.descriptor_members(m):
                    self.from_descriptor[(m.creates[0], attribute)] = (m.name, argument)

    def descriptor_members(self, m: w.WireMessage) -> list[tuple[str, str]]:
        """(attribute, dictionary argument) for each read-only plain attribute of the created
        object that the call's descriptor has a member for."""
        target = self.model[m.creates[0]]
        attributes = {
            a.name: a
            for a in target.members
            if isinstance(a, ir.Attribute) and a.readonly and a.type.kind == "builtin"
        }
        op = next(
            x
            for x in self.model[m.interface].members
            if isinstance(x, ir.Operation) and x.name == m.method
        )
        found = []
        for argument in op.arguments:
            if argument.type.kind != "dictionary":
                continue
            for member in self.model.all_dictionary_members(argument.type.name):
                if member.name in attributes:
                    found.append((member.name, argument.name))
        return found

    def ipdl_fields(self, struct: w.WireStruct) -> tuple[tuple[str, str], ...]:
        """(IPDL type, wire field name) of a struct's fields, as the IPDL declares them."""
        return self._types.fields(struct)

    def release(self, interface: str) -> IpdlMessage | None:
        return self.sent.get(f"{interface}.release")

    def message(self, interface: str, member: str) -> IpdlMessage | None:
        return self.sent.get(f"{interface}.{member}")

    def request(self, interface: str, member: str) -> w.WireMessage:
        return self.requests[f"{interface}.{member}"]

    def native(self, interface: str) -> str:
        return native_name(interface, self.root)


# --- argument expressions ---------------------------------------------------------------------


def argument_value(
    field: w.WireField, argument: ir.Argument | None, lines: list[str], indent: str
) -> str:
    """The expression a message parameter takes from the IDL argument of the same name,
    with any statements it needs first appended to `lines`."""
    assert argument is not None, field.name
    name = "a" + method_name(argument.name)
    t = argument.type
    if t.typedef == "AllowSharedBufferSource":
        return f"BufferSourceBytes({name})"
    if t.kind == "dictionary":
        return f"ToIPC({name})"
    if t.kind == "enum":
        return f"static_cast<uint32_t>({name})"
    if t.kind == "interface":
        return f"{name}.WireHandle()"
    if t.kind in ("sequence", "FrozenArray") and t.arguments[0].kind == "interface":
        local = argument.name + "Handles"
        lines += [
            f"{indent}nsTArray<WebNPUHandle> {local};",
            f"{indent}for (const auto& object : {name}) {{",
            f"{indent}{INDENT}{local}.AppendElement(object->WireHandle());",
            f"{indent}}}",
        ]
        return local
    if argument.optional and argument.default is None:
        local = argument.name
        lines.append(f"{indent}Maybe<{scalar_of(argument)}> {local};")
        lines += [
            f"{indent}if ({name}.WasPassed()) {{",
            f"{indent}{INDENT}{local}.emplace({name}.Value());",
            f"{indent}}}",
        ]
        return local
    return name


def scalar_of(argument: ir.Argument) -> str:
    """The C++ type of an optional scalar argument (`NPUSize64` -> `uint64_t`)."""
    return IDL_PRIMITIVES[argument.type.name]


# --- reply handling ---------------------------------------------------------------------------


def reject_arm(result: str, indent: str) -> list[str]:
    i2 = indent + INDENT
    return [
        f"{indent}if (aReply.type() == {result}::TRejection) {{",
        f"{i2}RejectWith(*promise, aReply.get_Rejection());",
        f"{i2}return;",
        f"{indent}}}",
    ]


def closed_lambda(indent: str) -> list[str]:
    return [
        f"{indent}auto onClosed = [promise](const ipc::ResponseRejectReason&) {{",
        f"{indent}{INDENT}promise->MaybeRejectWithAbortError(kConnectionClosed);",
        f"{indent}}};",
    ]


def then_lines(send_head: str, args: list[str], indent: str) -> list[str]:
    """`auto reply = mBridge->SendX(...); reply->Then(...)`: the MozPromise IPDL returns."""
    lines = call_lines("auto reply = ", send_head, args, indent)
    lines += call_lines(
        "",
        "reply->Then",
        ["GetCurrentSerialEventTarget()", "__func__", "std::move(onReply)", "std::move(onClosed)"],
        indent,
    )
    return lines


def resolved_arm(m: w.WireMessage) -> str:
    assert m.reply is not None
    return type_name(m.reply.name)


def result_union(m: w.WireMessage) -> str:
    return type_name(m.name) + "Result"


def enum_index(model: ir.Model, enum: str, value: str) -> int:
    values = [v.value for v in model[enum].values]
    return values.index(value)


def event_method(member: str) -> str:
    """The Device method a child event calls: `lost` -> `OnLost`."""
    return "On" + method_name(event_type(member))
