"""Method bodies of the `dom/webnpu` classes that talk to the service through WebNPUChild.

One function per shape of method (see `gecko_bridge.py` for the conventions): a plain send,
a send that creates objects, a command recorded into the encoder's stream (encoded by the
native wire library, `native/`, as the service decodes it), and a promise settled by the
message's IPDL reply.
"""

from __future__ import annotations

from codegen.model import ir
from codegen.model import wire as w
from codegen.model.naming import snake_case
from codegen.targets.gecko_bridge import (
    Bridge,
    argument_value,
    closed_lambda,
    ipdl_param_type,
    reject_arm,
    resolved_arm,
    result_union,
    then_lines,
)
from codegen.targets.gecko_graph import build_prefix
from codegen.targets.gecko_ipdl import IpdlMessage
from codegen.targets.gecko_layout import INDENT, call_lines
from codegen.targets.gecko_mapping import MAPPED, aborted_lines, closed_lines, rejected_lines
from codegen.targets.gecko_names import method_name
from codegen.targets.gecko_plumbing import has_setlike

I1, I2, I3 = INDENT, INDENT * 2, INDENT * 3
WIRE = "::webnpu::wire"  # the native library's namespace (global: ours is mozilla::dom::webnpu)


def guard_closed(returns: str, indent: str = I1) -> list[str]:
    return [f"{indent}if (!CanSend()) {{", f"{indent}{INDENT}return{returns};", f"{indent}}}"]


def maps_memory(request: w.WireMessage) -> bool:
    """A reply that carries shared memory to map (mapAsync's)."""
    fields = request.reply.fields if request.reply is not None else []
    return any(isinstance(f.type, w.SharedMemoryRef) for f in fields)


class Bodies:
    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self.model = bridge.model

    # --- the arguments of a message ------------------------------------------------------

    def arguments(
        self, op: ir.Operation, request: w.WireMessage, created: list[str], lines: list[str]
    ) -> list[str]:
        """Each parameter of the message, in the IPDL's order, as an expression."""
        by_name = {a.name: a for a in op.arguments}
        handles = iter(created)
        out = []
        for f in request.request.fields:
            if isinstance(f.type, w.Reserved):
                continue
            if f.name == "self":
                out.append("mHandle")
            elif f.name.startswith("result") and isinstance(f.type, w.Handle):
                out.append(next(handles))
            elif request.kind == "finish" and f.name == "command_count":
                out.append("mCommandCount")
            elif request.kind == "finish" and f.name == "commands":
                lines += [
                    f"{I1}Span<const uint8_t> stream(mCommands.bytes());",
                    f"{I1}ipc::BigBuffer commands(stream);",
                ]
                out.append("std::move(commands)")
            elif request.kind == "build" and f.name == "graph":
                out.append("std::move(mGraph)")
            else:
                out.append(argument_value(f, by_name.get(f.name), lines, I1))
        return out

    # --- creating objects -------------------------------------------------------------------

    def make_created(self, request: w.WireMessage, global_expr: str) -> tuple[list[str], list[str]]:
        """Allocates each created object's handle and constructs it; the first is `created`,
        the others (a device's queue) are handed to its constructor."""
        lines: list[str] = []
        handles: list[str] = []
        companions: list[str] = []
        for i, interface in enumerate(request.creates):
            native = self.bridge.native(interface)
            handle = "handle" if i == 0 else f"{snake_case(native)}Handle"
            handles.append(handle)
            lines.append(f"{I1}WebNPUHandle {handle} = mBridge->NextHandle();")
            if i > 0:
                variable = snake_case(native)
                lines += call_lines(
                    f"RefPtr<{native}> {variable} = ",
                    f"new {native}",
                    [global_expr, "mBridge", handle],
                    I1,
                )
                companions.append(variable)
        first = self.bridge.native(request.creates[0])
        lines += call_lines(
            f"RefPtr<{first}> created = ",
            f"new {first}",
            [global_expr, "mBridge", "handle", *companions],
            I1,
        )
        return lines, handles

    # --- shapes ------------------------------------------------------------------------------

    def send(self, op: ir.Operation, message: IpdlMessage, request: w.WireMessage) -> list[str]:
        """A message without a reply; a created object is returned whether or not the
        connection is open (its later calls are then no-ops, as a lost device's are)."""
        body: list[str] = []
        handles: list[str] = []
        returns = ""
        if request.creates:
            made, handles = self.make_created(request, "mGlobal")
            body += made
            for attribute, argument in self.bridge.descriptor_members(request):
                source = f"a{method_name(argument)}.m{method_name(attribute)}"
                body.append(f"{I1}created->Set{method_name(attribute)}({source});")
            returns = " created.forget()"
        prep: list[str] = []
        args = self.arguments(op, request, handles, prep)
        send = call_lines("", f"mBridge->Send{message.name}", args, I2 if returns else I1)
        if returns:
            prep = [INDENT + line for line in prep]
            body += [f"{I1}if (CanSend()) {{", *prep, *send, f"{I1}}}"]
            if request.kind == "finish":
                body += [f"{I1}mCommands = {WIRE}::MessageWriter();", f"{I1}mCommandCount = 0;"]
            body.append(f"{I1}return{returns};")
            return body
        return [*guard_closed(""), *prep, *send]

    def command(self, op: ir.Operation, request: w.WireMessage) -> list[str]:
        """A command: encoded into the encoder's stream now, sent by finish()."""
        struct = f"{WIRE}::{request.interface}{method_name(request.method)}"
        by_name = {a.name: a for a in op.arguments}
        body = [f"{I1}{struct} command;"]
        for f in request.request.fields:
            target = f"command.{snake_case(f.name)}"
            argument = "a" + method_name(f.name)
            t = by_name[f.name].type
            if t.kind == "interface":
                body.append(f"{I1}{target} = ToWire({argument}.WireHandle());")
            elif t.kind == "record":
                body += [
                    f"{I1}for (const auto& entry : {argument}.Entries()) {{",
                    f"{I2}std::string key(NS_ConvertUTF16toUTF8(entry.mKey).get());",
                    f"{I2}auto handle = ToWire(entry.mValue->WireHandle());",
                    f"{I2}{target}.push_back({{ key, handle }});",
                    f"{I1}}}",
                ]
            else:
                body.append(f"{I1}{target} = {argument};")
        body += [f"{I1}{WIRE}::EncodeCommand(mCommands, command);", f"{I1}++mCommandCount;"]
        return body

    def promise(
        self,
        interface: ir.Interface,
        op: ir.Operation,
        message: IpdlMessage,
        request: w.WireMessage,
        global_expr: str,
    ) -> list[str]:
        promised = op.return_type.arguments[0]
        body = build_prefix() if request.kind == "build" else []
        body += [
            f"{I1}RefPtr<dom::Promise> promise = dom::Promise::Create({global_expr}, aRv);",
            f"{I1}if (aRv.Failed()) {{",
            f"{I2}return nullptr;",
            f"{I1}}}",
            f"{I1}if (!CanSend()) {{",
        ]
        if promised.nullable and request.creates:  # no service: no adapter (docs/lifecycle.md)
            body.append(f"{I2}promise->MaybeResolve(JS::NullHandleValue);")
        else:
            body.append(f"{I2}promise->MaybeRejectWithInvalidStateError(kConnectionClosed);")
        body += [f"{I2}return promise.forget();", f"{I1}}}"]
        handles: list[str] = []
        captures = ["promise"]
        if request.creates:
            made, handles = self.make_created(request, global_expr)
            body += made
            captures += ["created"]
        if request.reply is not None and request.reply.fields and self.stores(promised):
            native = self.bridge.native(interface.name)
            body.append(f"{I1}RefPtr<{native}> self = this;")
            captures.append("self")
            if maps_memory(request):
                captures.append("generation")  # set by mapAsync's steps (gecko_mapping.py)
        settle = self.settle(interface, promised, request)
        if any("global" in line for line in settle):
            body.append(f"{I1}nsCOMPtr<nsIGlobalObject> global = {global_expr};")
            captures.append("global")
        prep: list[str] = []
        args = self.arguments(op, request, handles, prep)
        body += prep
        reply = ipdl_param_type(message.returns or "")
        body.append(f"{I1}using Reply = {reply};")
        body.append(f"{I1}auto onReply = [{', '.join(captures)}](Reply&& aReply) {{")
        body += settle
        body.append(f"{I1}}};")
        body += closed_lines(I1) if "generation" in captures else closed_lambda(I1)
        body += then_lines(f"mBridge->Send{message.name}", args, I1)
        body.append(f"{I1}return promise.forget();")
        return body

    def stores(self, promised: ir.Type) -> bool:
        """A reply to a promise of nothing whose fields the object keeps (mapAsync's mapping)."""
        return promised.kind == "builtin" and promised.name == "undefined"

    def settle(
        self, interface: ir.Interface, promised: ir.Type, request: w.WireMessage
    ) -> list[str]:
        """The body of the reply callback."""
        if request.reply is None or not request.reply.fields:  # `Maybe<Rejection>`
            return [
                f"{I2}if (aReply) {{",
                f"{I3}RejectWith(*promise, *aReply);",
                f"{I3}return;",
                f"{I2}}}",
                f"{I2}promise->MaybeResolveWithUndefined();",
            ]
        lines = reject_arm(result_union(request), I2)
        if self.stores(promised) and maps_memory(request):
            # The map-state rules of the Python client's mapAsync (gecko_mapping.py).
            lines[1:1] = rejected_lines(I3)
            lines += aborted_lines(I2)
        lines.append(f"{I2}auto& resolved = aReply.get_{resolved_arm(request)}();")
        fields = request.reply.fields
        if request.creates:
            if promised.nullable and all(f.optional for f in fields):
                lines += [
                    f"{I2}if (!resolved.{fields[0].name}()) {{",
                    f"{I3}promise->MaybeResolve(JS::NullHandleValue);",
                    f"{I3}return;",
                    f"{I2}}}",
                ]
            lines += self.fill_created(request, fields)
            lines.append(f"{I2}promise->MaybeResolve(created);")
        elif self.stores(promised):
            for f in fields:
                lines.append(f"{I2}self->m{method_name(f.name)} = std::move(resolved.{f.name}());")
                if isinstance(f.type, w.SharedMemoryRef):
                    lines.append(f"{I2}{MAPPED}")
            lines.append(f"{I2}promise->MaybeResolveWithUndefined();")
        elif promised.kind == "builtin" and promised.name == "ArrayBuffer":
            data = fields[0].name
            lines += [
                f"{I2}nsTArray<uint8_t> bytes;",
                f"{I2}bytes.AppendElements(resolved.{data}().AsSpan());",
                f"{I2}dom::TypedArrayCreator<dom::ArrayBuffer> buffer(bytes);",
                f"{I2}promise->MaybeResolve(buffer);",
            ]
        elif promised.kind == "interface" and promised.nullable:
            field = fields[0].name
            lines += [
                f"{I2}if (!resolved.{field}()) {{",
                f"{I3}promise->MaybeResolve(JS::NullHandleValue);",
                f"{I3}return;",
                f"{I2}}}",
                f"{I2}RefPtr<Error> error = ErrorFromIPC(global, *resolved.{field}());",
                f"{I2}promise->MaybeResolve(error);",
            ]
        else:
            raise ValueError(f"{request.name}: no way to settle a promise of {promised.name}")
        return lines

    def fill_created(self, request: w.WireMessage, fields) -> list[str]:
        """`created->SetX(...)` for each reply field named as one of its attributes."""
        target = self.model[request.creates[0]]
        attributes = {
            m.name: m for m in target.members if isinstance(m, ir.Attribute) and m.readonly
        }
        lines = []
        for f in fields:
            attribute = attributes.get(f.name)
            if attribute is None:
                continue
            setter = f"created->Set{method_name(f.name)}"
            t = attribute.type
            if t.kind == "interface":
                native = self.bridge.native(t.name)
                value = f"*resolved.{f.name}()" if f.optional else f"resolved.{f.name}()"
                indent = I3 if f.optional else I2
                make = call_lines(
                    f"RefPtr<{native}> {f.name} = ", f"new {native}", ["global", value], indent
                )
                if has_setlike(self.model[t.name]):
                    make.append(f"{indent}{f.name}->AddSetlikeValues({value});")
                make.append(f"{indent}{setter}({f.name});")
                if f.optional:
                    lines += [f"{I2}if (resolved.{f.name}()) {{", *make, f"{I2}}}"]
                else:
                    lines += make
            else:
                lines.append(f"{I2}{setter}(TensorInfosFromIPC(resolved.{f.name}()));")
        return lines
