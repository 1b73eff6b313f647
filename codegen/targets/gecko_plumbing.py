"""What a `dom/webnpu` class holds besides its attributes, from its role in the wire model:

- a service object (`[WireObject]`): its bridge and handle, given to its constructor (the root
  takes the process's `WebNPUChild::Get()` and the reserved handle), `WireHandle()` for the
  messages that name it, and a destructor that sends its `release`;
- an object with events (the device): registered with the bridge, with one public
  `On<Event>()` per `child:` message, which resolves `lost` or dispatches the event;
- a `[WireValue]` object: built from the IPDL struct a reply carries, field by field;
- an error class: built with its message (the subclasses' IDL constructors pass it on);
- the command encoder: its command stream (`native/`'s MessageWriter) and count;
- a reply the object keeps (mapAsync's mapping): a field for it.
"""

from __future__ import annotations

from codegen.model import ir
from codegen.model import wire as w
from codegen.targets.gecko_bridge import (
    CHILD,
    CHILD_HEADER,
    CONVERSIONS_HEADER,
    ROOT_HANDLE,
    TYPES_HEADER,
    event_method,
    ipdl_param_type,
)
from codegen.targets.gecko_graph import plumb_builder, plumb_operand
from codegen.targets.gecko_ipdl import field_name as ipdl_field
from codegen.targets.gecko_ipdl import type_name
from codegen.targets.gecko_layout import INDENT, call_lines, definition_lines, parameter_lines
from codegen.targets.gecko_mapping import plumb_mapping
from codegen.targets.gecko_names import method_name
from codegen.targets.identifiers import event_type

I1, I2, I3 = INDENT, INDENT * 2, INDENT * 3
NATIVE_INCLUDES = ("native/generated/webnpu_wire.h", "native/runtime/message_writer.h")


def plumb(builder, interface: ir.Interface) -> None:
    bridge = builder.bridge
    cls = builder.cls
    kind = bridge.kinds.get(interface.name, "local")
    if kind == "object":
        service_object(builder, interface)
    elif kind == "value":
        value_object(builder, interface)
    elif kind == "operand":
        plumb_operand(builder)
    if any(m.interface == interface.name and m.kind == "build" for m in bridge.wire.messages):
        plumb_builder(builder)
    if any(
        isinstance(m, ir.Operation)
        and m.return_type is not None
        and m.return_type.name == "ArrayBuffer"
        and bridge.message(interface.name, m.name) is None
        for m in interface.members
    ):
        plumb_mapping(builder)
    if interface.name in bridge.events:
        events(builder, interface)
    error_message(builder, interface)
    if any(c.interface == interface.name for c in bridge.wire.commands):
        cls.includes_h += list(NATIVE_INCLUDES)
        cls.fields += ["::webnpu::wire::MessageWriter mCommands;", "uint32_t mCommandCount = 0;"]
    for m in bridge.wire.messages:
        if m.interface == interface.name and m.reply is not None and not m.creates:
            op = next(x for x in interface.members if getattr(x, "name", None) == m.method)
            promised = op.return_type.arguments[0]
            if promised.kind == "builtin" and promised.name == "undefined":
                for f in m.reply.fields:
                    ipdl = dict((n, t) for t, n in bridge.ipdl_fields(m.reply))[f.name]
                    cls.fields.append(f"Maybe<{ipdl_param_type(ipdl)}> m{method_name(f.name)};")


def service_object(builder, interface: ir.Interface) -> None:
    bridge = builder.bridge
    cls = builder.cls
    cls.includes_h += [TYPES_HEADER]
    cls.includes_cpp += [CHILD_HEADER, CONVERSIONS_HEADER]
    cls.forward.append(CHILD)
    cls.fields += [f"RefPtr<{CHILD}> mBridge;", "WebNPUHandle mHandle;"]
    root = interface.name == bridge.root
    if root:
        cls.ctor_inits += [f"mBridge({CHILD}::Get())", f"mHandle({', '.join(ROOT_HANDLE)})"]
    else:
        cls.ctor_params += [f"{CHILD}* aBridge", "const WebNPUHandle& aHandle"]
        cls.ctor_inits += ["mBridge(aBridge)", "mHandle(aHandle)"]
        for attribute, other in companions(builder, interface):
            native = bridge.native(other)
            cls.ctor_params.append(f"{native}* a{method_name(attribute)}")
            cls.ctor_inits.append(f"m{method_name(attribute)}(a{method_name(attribute)})")
    cls.public.append(
        [
            f"{I1}// How messages name this object.",
            f"{I1}const WebNPUHandle& WireHandle() const {{ return mHandle; }}",
        ]
    )
    cls.private.append("bool CanSend() const;")
    cls.definitions.append(
        definition_lines(
            "bool",
            f"{cls.name}::CanSend",
            [],
            " const",
            [f"{I1}return mBridge && mBridge->CanSend();"],
        )
    )
    release = bridge.release(interface.name)
    if release is not None:
        cls.destructor_body += [
            f"{I1}if (CanSend()) {{",
            f"{I2}mBridge->Send{release.name}(mHandle);",
            f"{I1}}}",
        ]


def companions(builder, interface: ir.Interface) -> list[tuple[str, str]]:
    """(attribute, interface) of the objects created together with this one (the queue)."""
    for m in builder.bridge.wire.messages:
        if m.creates and m.creates[0] == interface.name:
            attributes = {
                a.type.name: a.name for a in interface.members if isinstance(a, ir.Attribute)
            }
            return [(attributes[other], other) for other in m.creates[1:]]
    return []


def value_object(builder, interface: ir.Interface) -> None:
    """Built from its IPDL struct: each attribute from the field of the same name."""
    bridge = builder.bridge
    cls = builder.cls
    struct = bridge.structs[interface.name]
    cls.includes_h.append(TYPES_HEADER)
    cls.ctor_params.append(f"const {type_name(struct.name)}& aData")
    attributes = {a.name: a for a in interface.members if isinstance(a, ir.Attribute)}
    if has_setlike(interface):
        setlike_values(builder, interface, struct)
    for f in struct.fields:
        attribute = attributes.get(f.name)
        if attribute is None:
            continue  # a setlike's values: kept by the binding (setlike_values)
        source = f"aData.{ipdl_field(f.name)}()"
        target = "m" + method_name(f.name)
        if isinstance(f.type, w.String):
            value = f"NS_ConvertUTF8toUTF16({source})"
        elif isinstance(f.type, w.Enum):
            value = f"static_cast<dom::{f.type.name}>({source})"
        else:
            value = source
        cls.ctor_inits.append(f"{target}({value})")


def has_setlike(interface: ir.Interface) -> bool:
    return any(isinstance(m, ir.Declaration) and m.kind == "setlike" for m in interface.members)


def setlike_values(builder, interface: ir.Interface, struct: w.WireStruct) -> None:
    """A setlike's entries go into the binding's backing set through its SetlikeHelpers (as
    `dom/webgpu/SupportedFeatures.cpp` upstream adds features), once the object is owned."""
    cls = builder.cls
    values = next(f for f in struct.fields if isinstance(f.type, w.Array))
    param = f"const {type_name(struct.name)}& aData"
    helpers = f"dom::{interface.name}_Binding::SetlikeHelpers::Add"
    cls.public.append(
        [
            f"{I1}// Fills the set from a reply; call it on an object already held.",
            f"{I1}void AddSetlikeValues({param});",
        ]
    )
    cls.definitions.append(
        definition_lines(
            "void",
            f"{cls.name}::AddSetlikeValues",
            [param],
            "",
            [
                f"{I1}for (const auto& value : aData.{ipdl_field(values.name)}()) {{",
                f"{I2}NS_ConvertUTF8toUTF16 name(value);",
                *call_lines("", helpers, ["this", "name", "IgnoreErrors()"], I2),
                f"{I1}}}",
            ],
        )
    )


def events(builder, interface: ir.Interface) -> None:
    """The device's event methods, called by WebNPUChild's `Recv<Event>`."""
    bridge = builder.bridge
    cls = builder.cls
    cls.ctor_body += [
        f"{I1}if (mBridge) {{",
        f"{I2}mBridge->RegisterDevice(mHandle, this);",
        f"{I1}}}",
    ]
    cls.destructor_body[:0] = [
        f"{I1}if (mBridge) {{",
        f"{I2}mBridge->UnregisterDevice(mHandle);",
        f"{I1}}}",
    ]
    for e in bridge.events[interface.name]:
        message = bridge.received[e.name]
        payload_type, payload = message.params[1]
        param = f"const {ipdl_param_type(payload_type)}& {payload}"
        name = event_method(e.member)
        member = next(m for m in interface.members if getattr(m, "name", None) == e.member)
        cls.public.append(
            [
                f"{I1}// PWebNPU's {message.name}, from WebNPUChild.",
                *parameter_lines(f"void {name}", [param], ";", I1),
            ]
        )
        if member.type.kind == "Promise":
            body = lost_body(builder, member, payload)
        else:
            body = dispatch_body(builder, e, payload)
        cls.definitions.append(definition_lines("void", f"{cls.name}::{name}", [param], "", body))


def lost_body(builder, member: ir.Attribute, payload: str) -> list[str]:
    """Resolves the promise attribute once (a second loss changes nothing)."""
    cls = builder.cls
    value_class = builder.bridge.native(member.type.arguments[0].name)
    field = "m" + method_name(member.name)
    cls.includes_cpp.append(f"mozilla/dom/webnpu/{value_class}.h")
    return [
        f"{I1}if (!{field}) {{",
        f"{I2}{field} = dom::Promise::Create({cls.global_expr}, IgnoreErrors());",
        f"{I2}if (!{field}) {{",
        f"{I3}return;",
        f"{I2}}}",
        f"{I1}}}",
        f"{I1}if ({field}->State() != dom::Promise::PromiseState::Pending) {{",
        f"{I2}return;",
        f"{I1}}}",
        f"{I1}RefPtr<{value_class}> info = new {value_class}({cls.global_expr}, {payload});",
        f"{I1}{field}->MaybeResolve(info);",
    ]


def dispatch_body(builder, e: w.WireEvent, payload: str) -> list[str]:
    """Dispatches the event Gecko's event codegen writes (`NPUUncapturedErrorEvent`), its
    init dictionary carrying the payload as the error object."""
    cls = builder.cls
    type_ = event_type(e.member)
    event = next(
        d.name
        for d in builder.model.interfaces
        if "Event" in d.ancestors and d.name.lower().endswith(type_ + "event")
    )
    cls.includes_cpp += [f"mozilla/dom/{event}.h", CONVERSIONS_HEADER]
    return [
        f"{I1}dom::{event}Init init;",
        f"{I1}init.mError = ErrorFromIPC({cls.global_expr}, {payload});",
        *call_lines(
            "auto event = ",
            f"dom::{event}::Constructor",
            ["this", f'u"{type_}"_ns', "init"],
            I1,
        ),
        f"{I1}DispatchEvent(*event);",
    ]


def error_message(builder, interface: ir.Interface) -> None:
    """An error class keeps the message it is made with: the base stores it, each subclass
    passes it on (its IDL constructor's `message` argument)."""
    base = interface.name if interface.name in builder.bases else interface.inherits
    if base is None or builder.model.get(base) is None or builder.model[base].external:
        return
    children = [d for d in builder.model.interfaces if d.inherits == base]
    constructors = [
        m for d in children for m in d.members if isinstance(m, ir.Constructor) and m.arguments
    ]
    own = {
        m.name
        for m in builder.model[base].members
        if isinstance(m, ir.Attribute) and m.readonly and m.type.name in ("DOMString",)
    }
    passed = [a.name for a in constructors[0].arguments if a.name in own] if constructors else []
    if not passed:
        return
    cls = builder.cls
    cls.ctor_params += [f"const nsAString& a{method_name(n)}" for n in passed]
    if interface.name == base:
        cls.ctor_inits += [f"m{method_name(n)}(a{method_name(n)})" for n in passed]
    else:
        cls.base_args = [f"a{method_name(n)}" for n in passed]
