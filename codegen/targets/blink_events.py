"""A service object's client receiver: the events the service sends it (`[WireEvent]`).

The mojom declares one `<Interface>Client` per interface with events (`codegen/targets/
mojom.py`); the renderer's object implements it, as `modules/webgpu/gpu_device.h` and
`modules/ml/ml_context.h` upstream implement their clients: the class derives from the
mojom interface, holds a `HeapMojoReceiver<Client, Owner>` (traced, so it closes with the
context) and binds the receiver its creator made. Each event method settles what the IDL
member names: a `Promise` attribute resolves its `ScriptPromiseProperty` once, an
`EventHandler` dispatches the event of that type (`uncapturederror` ->
`NPUUncapturedErrorEvent`, its init dictionary carrying the payload).
"""

from __future__ import annotations

from codegen.model import ir
from codegen.model import wire as w
from codegen.targets.call_layout import Call, Statement, call
from codegen.targets.chromium_naming import (
    BLINK_MODULE_DIR,
    event_method,
    file_stem,
    mojom_field,
    upper_camel,
)
from codegen.targets.identifiers import event_type

HEAP_MOJO_RECEIVER = "third_party/blink/renderer/platform/mojo/heap_mojo_receiver.h"
V8_DIR = "third_party/blink/renderer/bindings/modules/v8"
ERROR_REPORT = "ErrorReport"  # the payload ErrorFromMojom turns into an NPUError


def _mojom(name: str) -> str:
    from codegen.targets.blink_cpp import mojom

    return mojom(name)


class ClientEvents:
    def __init__(self, model: ir.Model, wire: w.WireModel) -> None:
        self.model = model
        self.events: dict[str, list[w.WireEvent]] = {}
        for e in wire.events:
            self.events.setdefault(e.interface, []).append(e)

    def receiver(self, d: ir.Interface, c, task_runner: Call) -> None:
        """Adds the client base, its receiver field and binding, and one method per event."""
        events = self.events.get(d.name)
        if not events:
            return
        client = _mojom(d.name + "Client")
        c.bases.append(client)
        c.includes_h.add(HEAP_MOJO_RECEIVER)
        c.constructor.append(f"mojo::PendingReceiver<{client}> client")
        c.initializers.append("client_receiver_(this, context)")
        c.fields.append((f"HeapMojoReceiver<{client}, {d.name}>", "client_receiver_"))
        c.constructor_body.append(
            Statement(call("client_receiver_.Bind", "std::move(client)", task_runner))
        )
        for e in events:
            c.private.append(self.method(d, c, e))

    def method(self, d: ir.Interface, c, e: w.WireEvent):
        from codegen.targets.blink_cpp import Function

        assert e.struct is not None
        payload = next(f for f in e.struct.fields if f.name != "self")
        parameter = mojom_field(payload.name)
        value, value_type = self.value(c, e.payload, parameter)
        member = next(m for m in d.members if getattr(m, "name", None) == e.member)
        if member.type.kind == "Promise":
            body = self.resolve(member, value)
        else:
            body = self.dispatch(c, e.member, value, value_type)
        return Function(
            "void",
            event_method(e.member),
            [f"{_mojom(e.payload)}Ptr {parameter}"],
            body,
            override=True,
        )

    def value(self, c, payload: str, parameter: str) -> tuple[Call, str]:
        """The Blink object an event's payload becomes, and its class."""
        if payload == ERROR_REPORT:
            c.includes_cc.add(f"{BLINK_MODULE_DIR}/npu_error.h")
            return call("ErrorFromMojom", f"*{parameter}"), "NPUError"
        c.includes_cc.add(f"{BLINK_MODULE_DIR}/{file_stem(payload)}.h")
        return call(f"MakeGarbageCollected<{payload}>", f"std::move({parameter})"), payload

    def resolve(self, member: ir.Attribute, value: Call) -> list[str | Statement]:
        """A `Promise` attribute settles once: a second event is ignored."""
        property_ = member.name + "_property_"
        alias = upper_camel(member.name) + "Property"
        return [
            f"if ({property_}->GetState() != {alias}::kPending) {{",
            "  return;",
            "}",
            Statement(call(f"{property_}->Resolve", value)),
        ]

    def dispatch(self, c, member: str, value: Call, value_type: str) -> list[str | Statement]:
        """An `EventHandler`: the event class named after the type, its init dictionary's
        member of the payload's class set to it."""
        type_ = event_type(member)
        event = self.event_class(type_)
        init = self.init_dictionary(event)
        setter = next(
            m.name for m in self.model.all_dictionary_members(init) if m.type.name == value_type
        )
        c.includes_cc |= {
            f"{BLINK_MODULE_DIR}/{file_stem(event)}.h",
            f"{V8_DIR}/v8_{file_stem(init)}.h",
        }
        make = call(
            f"MakeGarbageCollected<{event}>", f"event_type_names::k{upper_camel(type_)}", "init"
        )
        return [
            f"auto* init = {init}::Create();",
            Statement(call(f"init->set{upper_camel(setter)}", value)),
            Statement(call("DispatchEvent", _deref(make))),
        ]

    def event_class(self, type_: str) -> str:
        for d in self.model.interfaces:
            if "Event" in d.ancestors and d.name.lower().endswith(type_ + "event"):
                return d.name
        raise ValueError(f"no Event subclass for {type_!r}")

    def init_dictionary(self, event: str) -> str:
        constructor = next(m for m in self.model[event].members if isinstance(m, ir.Constructor))
        return next(a.type.name for a in constructor.arguments if a.type.kind == "dictionary")


def _deref(c: Call) -> Call:
    """`*Make(...)`: DispatchEvent takes the event by reference."""
    return Call("*" + c.callee, c.args)
