"""Blink C++ skeletons: one class per interface, in the shapes Blink's bindings generator
calls (`third_party/blink/renderer/bindings/scripts/bind_gen/` upstream).

The conventions come from `third_party/blink/renderer/modules/ml/ml_context.h` and
`modules/webgpu/gpu_device.h` upstream: a `ScriptWrappable` (or `EventTarget`) subclass with
`DEFINE_WRAPPERTYPEINFO()`, `ScriptPromise<IDLType>` returns, `ScriptState*` first and
`ExceptionState&` last where the IDL says `CallWith=ScriptState` / `RaisesException`
(`blink_idl.member_attributes`, so the C++ and the IDL cannot disagree), `Member<>` fields
traced in `Trace()`, and a `HeapMojoRemote<webnpu::mojom::blink::X>` per service object.

Method bodies forward to the remote: a `send` method calls it (creating the new objects'
pipes first when it makes some, `blink_created.py`), a `reply`/`build` method makes a
resolver and binds the answer to `On<Method>()`, a `command` is appended to the encoder's
recorded commands and `finish` sends them. Arguments become Mojo types through
`mojo::ConvertTo<>` (the `mojo::TypeConverter`s declared in the generated
`npu_type_converters.h`). Graph recording is `blink_graph.py`, mapped ranges
`blink_mapping.py`, the client interface of an object with events `blink_events.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.model import ir
from codegen.model import wire as w
from codegen.model.naming import snake_case
from codegen.targets.blink_created import CreatedObjects, attribute_setter
from codegen.targets.blink_events import ClientEvents
from codegen.targets.blink_graph import (
    BUILDER_FIELDS,
    GraphRecorder,
    build_prefix,
    check_operand_body,
    check_usable_body,
)
from codegen.targets.blink_idl import member_attributes
from codegen.targets.blink_mapping import mapped_buffer_members, mapped_range_body
from codegen.targets.call_layout import Call, Statement, call
from codegen.targets.chromium_naming import (
    BLINK_MODULE_DIR,
    MOJOM_NAMESPACE,
    MOJOM_PATH,
    enum_constant,
    file_stem,
    message_struct_name,
    upper_camel,
)
from codegen.targets.cpp_names import IDL_PRIMITIVES

WIDTH = 80
MOJOM_HEADER = MOJOM_PATH + "-blink.h"
V8_DIR = "third_party/blink/renderer/bindings/modules/v8"
HEADERS = {
    "ScriptWrappable": "third_party/blink/renderer/platform/bindings/script_wrappable.h",
    "EventTarget": "third_party/blink/renderer/core/dom/events/event_target.h",
    "Event": "third_party/blink/renderer/core/dom/events/event.h",
    "ExecutionContextClient": (
        "third_party/blink/renderer/core/execution_context/execution_context_lifecycle_observer.h"
    ),
    "ScriptPromise": "third_party/blink/renderer/bindings/core/v8/script_promise.h",
    "ScriptPromiseResolver": (
        "third_party/blink/renderer/bindings/core/v8/script_promise_resolver.h"
    ),
    "IDLTypes": "third_party/blink/renderer/bindings/core/v8/idl_types.h",
    "ExceptionState": "third_party/blink/renderer/platform/bindings/exception_state.h",
    "HeapMojoRemote": "third_party/blink/renderer/platform/mojo/heap_mojo_remote.h",
    "Member": "third_party/blink/renderer/platform/heap/member.h",
    "Visitor": "third_party/blink/renderer/platform/heap/visitor.h",
    "ModulesExport": "third_party/blink/renderer/modules/modules_export.h",
    "DOMArrayBuffer": "third_party/blink/renderer/core/typed_arrays/dom_array_buffer.h",
    "BufferSource": (
        "third_party/blink/renderer/bindings/core/v8/"
        "v8_union_arraybufferallowshared_arraybufferviewallowshared.h"
    ),
    "WTFString": "third_party/blink/renderer/platform/wtf/text/wtf_string.h",
    "Vector": "third_party/blink/renderer/platform/wtf/vector.h",
    "HeapVector": "third_party/blink/renderer/platform/heap/collection_support/heap_vector.h",
    "EventTargetNames": "third_party/blink/renderer/core/event_target_names.h",
    "EventTypeNames": "third_party/blink/renderer/core/event_type_names.h",
    "DOMException": "third_party/blink/renderer/core/dom/dom_exception.h",
    "TypeConverters": f"{BLINK_MODULE_DIR}/npu_type_converters.h",
    "Bind": "third_party/blink/renderer/platform/wtf/functional.h",
    "NotImplemented": "base/notimplemented.h",
    "SetlikeIterable": "third_party/blink/renderer/bindings/core/v8/iterable.h",
}
_STRINGS = ("DOMString", "USVString", "ByteString")
# A union typedef Blink's bindings generator names after its members, not its alias.
BUFFER_SOURCE = "V8UnionArrayBufferAllowSharedOrArrayBufferViewAllowShared"
_UNION_CLASSES = {"AllowSharedBufferSource": BUFFER_SOURCE}


# How a renderer-side Mojo endpoint gets its task runner.
_TASK_RUNNER = call("context->GetTaskRunner", "TaskType::kInternalDefault")


def mojom(name: str) -> str:
    return f"{MOJOM_NAMESPACE}::{name}"


# --- types ----------------------------------------------------------------------------------


class Types:
    """IDL types as Blink C++ spells them, with the headers and declarations they need."""

    def __init__(self, model: ir.Model) -> None:
        self.model = model

    def garbage_collected(self, t: ir.Type) -> bool:
        return t.kind in ("interface", "dictionary") or (
            t.kind == "builtin" and t.name == "ArrayBuffer"
        )

    def field(self, t: ir.Type) -> str:
        """The type of a class field: a garbage-collected object behind `Member<>`."""
        text = self.value(t)
        return f"Member<{text[:-1]}>" if text.endswith("*") else text

    def value(self, t: ir.Type) -> str:
        """The type of a return value."""
        if t.typedef in _UNION_CLASSES:
            return _UNION_CLASSES[t.typedef] + "*"
        if t.kind == "builtin":
            if t.name in IDL_PRIMITIVES:
                text = IDL_PRIMITIVES[t.name]
            elif t.name in _STRINGS:
                return "String"
            elif t.name == "undefined":
                return "void"
            elif t.name == "ArrayBuffer":
                return "DOMArrayBuffer*"
            elif t.name == "any":
                return "ScriptValue"
            elif t.name == "bigint":
                text = "BigInt"
            else:
                raise ValueError(f"no Blink type for {t.name}")
            return f"std::optional<{text}>" if t.nullable else text
        if t.kind in ("interface", "dictionary"):
            return t.name + "*"
        if t.kind == "enum":
            value = "V8" + t.name
            return f"std::optional<{value}>" if t.nullable else value
        if t.kind in ("sequence", "FrozenArray"):
            element = t.arguments[0]
            if self.garbage_collected(element):
                return f"HeapVector<Member<{element.name}>>"
            return f"Vector<{self.value(element)}>"
        if t.kind == "record":
            key, value = t.arguments
            if self.garbage_collected(value):
                return f"HeapVector<std::pair<String, Member<{value.name}>>>"
            return f"Vector<std::pair<String, {self.value(value)}>>"
        if t.kind == "Promise":
            return f"ScriptPromise<{self.idl(t.arguments[0])}>"
        raise ValueError(f"no Blink type for a {t.kind} ({t.name})")

    def argument(self, a: ir.Argument) -> str:
        """How a parameter is passed: objects by pointer, strings and containers by const
        reference, an optional one with no default as `std::optional` (the generator's rule)."""
        t = a.type
        text = self.value(t)
        if t.kind == "dictionary" or t.typedef in _UNION_CLASSES:
            return "const " + text
        if t.kind == "enum" or text == "String" or text.startswith(("Vector<", "HeapVector<")):
            text = f"const {text}&"
            return text
        if a.optional and a.default is None and not text.endswith("*"):
            return f"std::optional<{text}>"
        return text

    def idl(self, t: ir.Type) -> str:
        """The IDL type class of a promise's value: `IDLNullable<NPUAdapter>`, `IDLUndefined`."""
        if t.kind == "builtin" and t.name == "undefined":
            return "IDLUndefined"
        if t.kind == "builtin" and t.name == "ArrayBuffer":
            inner = "DOMArrayBuffer"
        elif t.kind in ("interface", "dictionary"):
            inner = t.name
        elif t.kind == "enum":
            inner = "V8" + t.name
        else:
            raise ValueError(f"no promise type for {t.name}")
        return f"IDLNullable<{inner}>" if t.nullable else inner


# --- the class model ---------------------------------------------------------------------


@dataclass
class Function:
    """One C++ member function: its declaration in the class and its definition."""

    returns: str
    name: str
    parameters: list[str]
    body: list[str | Statement]  # a str is a line as written, a Statement is laid out
    const: bool = False
    comment: str = ""
    static: bool = False
    override: bool = False


@dataclass
class CppClass:
    name: str
    bases: list[str]
    doc: str
    wrapper: bool  # DEFINE_WRAPPERTYPEINFO(): an IDL interface
    constructor: list[str]  # parameters
    initializers: list[str]
    public: list[Function] = field(default_factory=list)
    macros: list[str] = field(default_factory=list)  # DEFINE_ATTRIBUTE_EVENT_LISTENER(...)
    private: list[Function] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)  # (type, name)
    includes_h: set[str] = field(default_factory=set)
    includes_cc: set[str] = field(default_factory=set)
    forward: set[str] = field(default_factory=set)
    supplement: str | None = None  # the host of a Supplement
    constructor_body: list[str | Statement] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)  # private `using` (name, type)


def field_name(name: str) -> str:
    return snake_case(name) + "_"


_SCALARS = frozenset(IDL_PRIMITIVES.values())


def initial_values(c: CppClass, model: ir.Model) -> None:
    """Gives every enum and scalar field a value in the constructor, and puts the
    initializers in field order (bases first), as `-Wreorder-ctor` wants.

    A V8 enum class has no default constructor, so a field of one starts at its enum's first
    value: the IDL lists a state enum's values from the initial state on ("unmapped" first).
    Scalars start at zero rather than indeterminate."""
    given = {i.split("(", 1)[0] for i in c.initializers}
    for type_, name in c.fields:
        if name in given or " = " in name:  # a default member initializer already
            continue
        enum = model.get(type_[2:]) if type_.startswith("V8") else None
        if enum is not None and enum.kind == "enum":
            first = enum.values[0].value
            c.initializers.append(f"{name}({type_}::Enum::{enum_constant(first)})")
        elif type_ in _SCALARS:
            c.initializers.append(f"{name}(0)")
    order = {name: i for i, (_, name) in enumerate(c.fields)}
    bases = [i for i in c.initializers if i.split("(", 1)[0] not in order]
    fields = [i for i in c.initializers if i.split("(", 1)[0] in order]
    fields.sort(key=lambda i: order[i.split("(", 1)[0]])
    c.initializers[:] = bases + fields


class ClassBuilder:
    """Builds the `CppClass` of each interface of the model."""

    def __init__(self, model: ir.Model, wire: w.WireModel) -> None:
        self.model = model
        self.types = Types(model)
        self.wire_kind = {i.name: i.kind for i in wire.interfaces}
        self.messages = {(m.interface, m.method): m for m in wire.messages + wire.commands}
        self.events = {(e.interface, e.member): e for e in wire.events}
        self.creators = {}  # interface -> the message that creates it
        for m in wire.messages:
            for created in m.creates:
                self.creators.setdefault(created, m)
        self.created = CreatedObjects(model, wire)
        self.events_of = ClientEvents(model, wire)
        self.graph = GraphRecorder(model, wire)

    def classes(self) -> list[CppClass]:
        result = []
        for d in self.model.interfaces:
            result.append(self.interface(d))
        for host in self.model.of_kind("interface", external=True):
            members = [m for m in host.members if m.origin == "partial"]
            if members:
                result.append(self.supplement(host, members))
        return result

    # --- one interface ------------------------------------------------------------------

    def interface(self, d: ir.Interface) -> CppClass:
        kind = self.wire_kind.get(d.name, "local")
        event_target = "EventTarget" in d.ancestors
        is_event = "Event" in d.ancestors
        bases = [d.inherits] if d.inherits and not self.model[d.inherits].external else []
        if not bases:
            bases = ["EventTarget"] if event_target else ["Event"] if is_event else []
            bases = bases or ["ScriptWrappable"]
        c = CppClass(d.name, bases, d.doc, True, [], [])
        c.includes_h |= {HEADERS["ModulesExport"], HEADERS["Visitor"]}
        for b in bases:
            if b in HEADERS:
                c.includes_h.add(HEADERS[b])
            else:
                c.includes_h.add(f"{BLINK_MODULE_DIR}/{file_stem(b)}.h")
        needs_context = kind == "object" or event_target
        if needs_context:
            c.bases.append("ExecutionContextClient")
            c.includes_h.add(HEADERS["ExecutionContextClient"])
            c.constructor.append("ExecutionContext* context")
            c.initializers.append("ExecutionContextClient(context)")
        if kind == "object":
            self.service_object(d, c)
        elif kind == "value":
            self.value_object(d, c)
        else:
            self.local_object(d, c, is_event)
        if kind == "operand":
            self.operand_object(d, c)
        for m in d.members:
            self.member(d, c, m)
        if any(m.kind == "build" and m.interface == d.name for m in self.messages.values()):
            self.graph_builder(c)
        if any(
            self.types.value(x.return_type) == "DOMArrayBuffer*"
            and (d.name, x.name) not in self.messages
            for x in d.members
            if isinstance(x, ir.Operation) and x.return_type
        ):
            self.mapped_buffer(c)
        if not c.constructor and kind == "local":
            self.base_of_constructed(d, c)
        initial_values(c, self.model)
        if event_target:
            c.includes_h.add(HEADERS["EventTargetNames"])
            c.public.append(
                Function(
                    "const AtomicString&",
                    "InterfaceName",
                    [],
                    [f"return event_target_names::k{d.name};"],
                    const=True,
                    override=True,
                    comment="EventTarget:",
                )
            )
            c.public.append(
                Function(
                    "ExecutionContext*",
                    "GetExecutionContext",
                    [],
                    ["return ExecutionContextClient::GetExecutionContext();"],
                    const=True,
                    override=True,
                )
            )
        return c

    def service_object(self, d: ir.Interface, c: CppClass) -> None:
        """A [WireObject]: its own pipe to the service and the handle messages name it by."""
        remote = mojom(d.name)
        c.includes_h |= {HEADERS["HeapMojoRemote"], MOJOM_HEADER}
        c.fields.append((f"HeapMojoRemote<{remote}>", "remote_"))
        if d.name in self.creators:
            c.constructor += [
                f"{mojom('ObjectHandlePtr')} handle",
                f"mojo::PendingRemote<{remote}> remote",
            ]
            c.initializers += ["remote_(context)", "handle_(std::move(handle))"]
            c.constructor_body = [
                Statement(call("remote_.Bind", "std::move(remote)", _TASK_RUNNER))
            ]
            self.events_of.receiver(d, c, _TASK_RUNNER)
            c.fields.append((mojom("ObjectHandlePtr"), "handle_"))
            for attribute, other in self.created.companions(d.name):
                c.constructor.append(f"{other}* {snake_case(attribute)}")
                c.initializers.append(f"{field_name(attribute)}({snake_case(attribute)})")
            c.public.append(
                Function(
                    f"const {mojom('ObjectHandlePtr')}&",
                    "handle",
                    [],
                    ["return handle_;"],
                    const=True,
                    comment="How messages to other objects name this one.",
                )
            )
        else:  # the root ([WireRoot]): bound through the frame's interface broker
            c.initializers.append("remote_(context)")
            bind = call("remote_.BindNewPipeAndPassReceiver", _TASK_RUNNER)
            c.constructor_body = [
                Statement(call("context->GetBrowserInterfaceBroker().GetInterface", bind))
            ]
        if any(m.interface == d.name and m.kind == "command" for m in self.messages.values()):
            command = mojom(d.name + "CommandPtr")
            c.fields.append((f"Vector<{command}>", "commands_"))

    def operand_object(self, d: ir.Interface, c: CppClass) -> None:
        """A [WireOperand]: its builder and its id there, besides its descriptor."""
        c.forward.add("NPUGraphBuilder")
        c.includes_cc.add(f"{BLINK_MODULE_DIR}/npu_graph_builder.h")
        c.includes_h.add(HEADERS["Member"])
        c.fields += [("Member<NPUGraphBuilder>", "builder_"), ("uint32_t", "id_")]
        c.constructor += [
            "NPUGraphBuilder* builder",
            "uint32_t id",
            "V8NPUDataType data_type",
            "Vector<uint32_t> shape",
        ]
        c.initializers += [
            "builder_(builder)",
            "id_(id)",
            "data_type_(data_type)",
            "shape_(std::move(shape))",
        ]
        c.public += [
            Function(
                "NPUGraphBuilder*",
                "builder",
                [],
                ["return builder_.Get();"],
                const=True,
                comment="The builder whose graph this operand is in, and its id there.",
            ),
            Function("uint32_t", "id", [], ["return id_;"], const=True),
        ]

    def graph_builder(self, c: CppClass) -> None:
        """The recorded description, its constant arena, and the checks every method makes."""
        c.fields += BUILDER_FIELDS
        c.initializers.append(f"graph_({mojom('GraphDescription')}::New())")
        c.includes_cc |= {HEADERS["DOMException"], "mojo/public/cpp/base/big_buffer.h"}
        c.private += [
            Function(
                "bool", "CheckUsable", ["ExceptionState& exception_state"], check_usable_body()
            ),
            Function(
                "bool",
                "CheckOperand",
                ["const NPUOperand* operand", "ExceptionState& exception_state"],
                check_operand_body(),
            ),
        ]

    def mapped_buffer(self, c: CppClass) -> None:
        mapped_buffer_members(c)

    def value_object(self, d: ir.Interface, c: CppClass) -> None:
        """A [WireValue]: built from its mojom struct, which it keeps."""
        c.includes_h.add(MOJOM_HEADER)
        c.constructor.append(f"{mojom(d.name + 'Ptr')} data")
        c.initializers.append("data_(std::move(data))")
        c.fields.append((mojom(d.name + "Ptr"), "data_"))

    def local_object(self, d: ir.Interface, c: CppClass, is_event: bool) -> None:
        """Client-only objects ([WireLocal], [WireOperand]): fields for their attributes."""
        for m in d.members:
            if isinstance(m, ir.Attribute) and m.readonly and not m.origin:
                c.fields.append((self.types.field(m.type), field_name(m.name)))

    # --- members ------------------------------------------------------------------------

    def member(self, d: ir.Interface, c: CppClass, m: ir.Member) -> None:
        if isinstance(m, ir.Attribute):
            self.attribute(d, c, m)
        elif isinstance(m, ir.Operation) and m.name:
            self.operation(d, c, m)
        elif isinstance(m, ir.Constructor):
            self.constructor(d, c, m)
        elif isinstance(m, ir.Declaration) and m.kind == "setlike":
            self.setlike(c, m)

    def signature(self, m, c: CppClass) -> list[str]:
        attrs = member_attributes(m)
        params = []
        if "CallWith=ScriptState" in attrs:
            params.append("ScriptState* script_state")
        for a in getattr(m, "arguments", ()):
            params.append(f"{self.types.argument(a)} {snake_case(a.name)}")
            self.note_type(c, a.type)
        if "RaisesException" in attrs:
            params.append("ExceptionState& exception_state")
            c.includes_h.add(HEADERS["ExceptionState"])
        return params

    def note_type(self, c: CppClass, t: ir.Type) -> None:
        """Headers and forward declarations a type needs in the header."""
        for inner in t.walk():
            if inner.typedef in _UNION_CLASSES:
                c.includes_h.add(HEADERS["BufferSource"])
                continue
            local = inner.kind in ("interface", "dictionary") and inner.name != c.name
            if local and not self.model[inner.name].external:
                c.forward.add(inner.name)
            if inner.kind == "enum":
                c.includes_h.add(f"{V8_DIR}/v8_{file_stem(inner.name)}.h")
            if inner.kind == "Promise":
                c.includes_h |= {HEADERS["ScriptPromise"], HEADERS["IDLTypes"]}
            if inner.kind in ("sequence", "FrozenArray", "record"):
                c.includes_h |= {HEADERS["HeapVector"], HEADERS["Vector"]}
            if inner.kind == "builtin" and inner.name in _STRINGS:
                c.includes_h.add(HEADERS["WTFString"])
            if inner.kind == "builtin" and inner.name == "ArrayBuffer":
                c.forward.add("DOMArrayBuffer")

    def attribute(self, d: ir.Interface, c: CppClass, m: ir.Attribute) -> None:
        kind = self.wire_kind.get(d.name, "local")
        if m.type.typedef == "EventHandler" or m.type.name == "EventHandlerNonNull":
            event = m.name[2:]
            c.includes_h.add(HEADERS["EventTypeNames"])
            c.macros.append(f"DEFINE_ATTRIBUTE_EVENT_LISTENER({event}, k{upper_camel(event)})")
            return
        self.note_type(c, m.type)
        params = self.signature(m, c)
        returns = self.types.value(m.type)
        name = m.name
        body: list[str]
        if m.type.kind == "Promise":
            lost = field_name(m.name) + "property_"
            c.fields.append((f"Member<{upper_camel(m.name)}Property>", lost))
            c.aliases.append(
                (
                    f"{upper_camel(m.name)}Property",
                    f"ScriptPromiseProperty<{self.types.idl(m.type.arguments[0])}, IDLUndefined>",
                )
            )
            c.includes_h.add(
                "third_party/blink/renderer/bindings/core/v8/script_promise_property.h"
            )
            # Made with the object, so the promise exists before anything can settle it.
            c.initializers.append(
                f"{lost}(MakeGarbageCollected<{upper_camel(m.name)}Property>(context))"
            )
            body = [f"return {lost}->Promise(script_state->World());"]
        elif kind == "value":
            body = [f"return {self.from_data(m)};"]
        elif m.origin.startswith("mixin") or not m.readonly:
            c.fields.append(("String", field_name(m.name)))
            body = [f"return {field_name(m.name)};"]
        else:
            if (field_name(m.name)) not in [f[1] for f in c.fields]:
                c.fields.append((self.types.field(m.type), field_name(m.name)))
            body = [f"return {field_name(m.name)};"]
        getter_returns = returns
        if returns.startswith(("HeapVector", "Vector")):
            getter_returns = f"const {returns}&"
        c.public.append(
            Function(
                getter_returns, name, params, body, const=m.type.kind != "Promise", comment=m.doc
            )
        )
        if (d.name, m.name) in self.created.set_later:
            c.public.append(attribute_setter(m, field_name(m.name), self.types.field(m.type)))
        if not m.readonly:
            setter = "set" + upper_camel(m.name)
            message = self.messages.get((d.name, m.name))
            body = [f"{field_name(m.name)} = value;"]
            if message is not None and kind == "object":
                body.append(f"remote_->Set{upper_camel(m.name)}(value);")
            c.public.append(Function("void", setter, ["const String& value"], body))

    def from_data(self, m: ir.Attribute) -> str:
        """A [WireValue] attribute read from its mojom struct."""
        member = snake_case(m.name)
        if m.type.kind == "enum":
            return f"mojo::ConvertTo<V8{m.type.name}>(data_->{member})"
        return f"data_->{member}"

    def setlike(self, c: CppClass, m: ir.Declaration) -> None:
        c.includes_h.add(HEADERS["SetlikeIterable"])
        c.public.append(
            Function(
                "bool",
                "hasForBinding",
                [
                    "ScriptState* script_state",
                    "const String& value",
                    "ExceptionState& exception_state",
                ],
                ["return data_->values.Contains(value);"],
                const=True,
                comment="setlike<DOMString>:",
            )
        )
        c.includes_h.add(HEADERS["ExceptionState"])

    def constructor(self, d: ir.Interface, c: CppClass, m: ir.Constructor) -> None:
        params = []
        args = []
        for a in m.arguments:
            params.append(f"{self.types.argument(a)} {snake_case(a.name)}")
            self.note_type(c, a.type)
            args.append(snake_case(a.name))
        params.append("ExceptionState& exception_state")
        c.includes_h.add(HEADERS["ExceptionState"])
        c.public.append(
            Function(
                f"{d.name}*",
                "Create",
                params,
                [Statement(call(f"MakeGarbageCollected<{d.name}>", *args), lead="return ")],
                static=True,
                comment=m.doc,
            )
        )
        if not c.constructor:
            for a in m.arguments:
                c.constructor.append(f"{self.types.argument(a)} {snake_case(a.name)}")
            c.initializers += self.constructed_from(d, c, m.arguments)

    def constructed_from(self, d: ir.Interface, c: CppClass, arguments) -> list[str]:
        """What an IDL constructor's arguments initialise: an Event's type and init
        dictionary go to `Event`, the parent's own constructor arguments to the parent, an
        argument named as a field to it, and each init member named as a field to that."""
        names = {snake_case(a.name) for a in arguments}
        own = {name for _, name in c.fields}
        result = []
        dictionary = next((a for a in arguments if a.type.kind == "dictionary"), None)
        if "Event" in c.bases and dictionary is not None:
            first = snake_case(arguments[0].name)
            result.append(f"Event(AtomicString({first}), {snake_case(dictionary.name)})")
        parent = self.model[d.inherits] if d.inherits else None
        if parent is not None and not parent.external:
            passed = self.inherited_arguments(parent)
            if passed and set(passed) <= names:
                result.append(f"{parent.name}({', '.join(passed)})")
        for a in arguments:
            if field_name(a.name) in own:
                result.append(f"{field_name(a.name)}({snake_case(a.name)})")
        if dictionary is not None:
            for member in self.model.all_dictionary_members(dictionary.type.name):
                if field_name(member.name) in own:
                    value = f"{snake_case(dictionary.name)}->{member.name}()"
                    result.append(f"{field_name(member.name)}({value})")
        return result

    def inherited_arguments(self, parent: ir.Interface) -> list[str]:
        """The arguments a local base class without an IDL constructor takes: those of its
        subclasses' constructors named as its own read-only attributes (an NPUError's
        `message`, which every NPUError subclass is constructed with)."""
        own = {
            m.name
            for m in parent.members
            if isinstance(m, ir.Attribute) and m.readonly and not m.origin
        }
        if any(isinstance(m, ir.Constructor) for m in parent.members):
            return []
        for child in self.model.interfaces:
            if child.inherits != parent.name:
                continue
            for m in child.members:
                if isinstance(m, ir.Constructor):
                    return [snake_case(a.name) for a in m.arguments if a.name in own]
        return []

    def base_of_constructed(self, d: ir.Interface, c: CppClass) -> None:
        """A local base class (NPUError) takes what its subclasses pass it."""
        passed = self.inherited_arguments(d)
        for child in self.model.interfaces:
            if child.inherits != d.name:
                continue
            for m in child.members:
                if not isinstance(m, ir.Constructor):
                    continue
                for a in m.arguments:
                    if snake_case(a.name) in passed:
                        c.constructor.append(f"{self.types.argument(a)} {snake_case(a.name)}")
                        c.initializers.append(f"{field_name(a.name)}({snake_case(a.name)})")
                return

    def operation(self, d: ir.Interface, c: CppClass, m: ir.Operation) -> None:
        assert m.return_type is not None
        self.note_type(c, m.return_type)
        params = self.signature(m, c)
        returns = self.types.value(m.return_type)
        message = self.messages.get((d.name, m.name))
        c.includes_cc.add(HEADERS["TypeConverters"])
        args = [self.to_mojo(a) for a in m.arguments]
        if message is None and self.graph.records(m):
            body = self.graph.body(m)
            c.includes_cc.add(f"{BLINK_MODULE_DIR}/npu_operand.h")
        elif message is None and m.return_type.name == "ArrayBuffer":
            body = mapped_range_body(m)
            c.includes_cc.add(HEADERS["DOMArrayBuffer"])
        elif message is None:
            body = self.not_implemented(c, returns, m)
        elif message.kind == "command":
            struct = mojom(message_struct_name(d.name, m.name))
            arm = "New" + upper_camel(m.name)
            command = call(f"{mojom(d.name + 'Command')}::{arm}", call(f"{struct}::New", *args))
            body = [Statement(call("commands_.push_back", command))]
        elif message.kind in ("send", "finish") and not message.creates:
            body = [Statement(call(f"remote_->{upper_camel(m.name)}", *args))]
        elif message.kind in ("send", "finish"):
            if message.kind == "finish":
                args.append("std::move(commands_)")
            pipes, pipe_args = self.created.pipes(message, made_first=False)
            body = [
                *pipes,
                Statement(call(f"remote_->{upper_camel(m.name)}", *pipe_args, *args)),
                *self.created.make(message, "auto* created", made_first=False),
                *self.created.from_descriptor(message, "created"),
                "return created;",
            ]
        elif message.kind == "reply":
            body = self.reply(d, c, m, message, args)
        elif message.kind == "build":
            c.includes_cc.add(f"{BLINK_MODULE_DIR}/npu_operand.h")
            body = build_prefix() + self.reply(d, c, m, message, ["std::move(graph_)"])
        else:
            body = self.not_implemented(c, returns, m)
        c.public.append(Function(returns, m.name, params, body, comment=m.doc))

    def to_mojo(self, a: ir.Argument) -> str | Call:
        """An argument as the Mojo call takes it."""
        name = snake_case(a.name)
        t = a.type
        if t.kind in ("dictionary", "enum") or t.typedef in _UNION_CLASSES:
            return call(f"mojo::ConvertTo<{self.mojo_type(t)}>", name)
        if t.kind == "interface":
            return f"{name}->handle().Clone()"
        if t.kind in ("sequence", "record") and self.types.garbage_collected(t.arguments[-1]):
            return call("ToMojoHandles", name)
        return name

    def mojo_type(self, t: ir.Type) -> str:
        if t.typedef in _UNION_CLASSES:
            return "mojo_base::BigBuffer"
        if t.kind == "dictionary":
            return mojom(t.name + "Ptr")
        return mojom(t.name)

    def reply(self, d, c: CppClass, m: ir.Operation, message: w.WireMessage, args) -> list[str]:
        promised = m.return_type.arguments[0]
        idl = self.types.idl(promised)
        callback = "On" + upper_camel(m.name)
        result = mojom(message_struct_name(d.name, m.name) + "ResultPtr")
        c.includes_cc |= {HEADERS["ScriptPromiseResolver"], HEADERS["Bind"]}
        make_resolver = call(
            f"MakeGarbageCollected<ScriptPromiseResolver<{idl}>>",
            "script_state",
            "exception_state.GetContext()",
        )
        body: list[str | Statement] = [
            Statement(make_resolver, target="auto* resolver"),
            "auto promise = resolver->Promise();",
        ]
        bound = ["WrapPersistent(resolver)"]
        callback_params = [f"ScriptPromiseResolver<{idl}>* resolver"]
        resolve: str | Statement = "resolver->Resolve();"
        if message.creates:
            created = message.creates[0]
            pipes, pipe_args = self.created.pipes(message, made_first=True)
            body += [*pipes, *self.created.make(message, "auto* created", made_first=True)]
            args = pipe_args + args
            bound.append("WrapPersistent(created)")
            callback_params.append(f"{created}* created")
            resolve = self.created.from_reply(message, self.types)
            absent = self.created.absent(message)
            if absent is not None and promised.nullable:
                resolve = [
                    f"if (!result->get_success()->{absent}) {{",
                    "  resolver->Resolve(nullptr);",
                    "  return;",
                    "}",
                    *resolve,
                ]
            resolve = [*resolve, "resolver->Resolve(created);"]
        elif promised.kind == "builtin" and promised.name == "ArrayBuffer":
            buffer = call("DOMArrayBuffer::Create", "result->get_success()->data")
            resolve = Statement(call("resolver->Resolve", buffer))
            c.includes_cc.add(HEADERS["DOMArrayBuffer"])
        elif promised.kind == "interface" and promised.nullable:
            # The resolved struct's one optional report: the error object it names, or null.
            report = call("ErrorFromMojom", "*result->get_success()->error")
            resolve = Statement(call("resolver->Resolve", report))
            body_note = "if (!result->get_success()->error) {"
            resolve = [body_note, "  resolver->Resolve(nullptr);", "  return;", "}", resolve]
        elif not (promised.kind == "builtin" and promised.name == "undefined"):
            resolve = "NOTIMPLEMENTED();"
            c.includes_cc.add(HEADERS["NotImplemented"])
        bind = call("WTF::BindOnce", f"&{d.name}::{callback}", "WrapWeakPersistent(this)", *bound)
        body += [Statement(call(f"remote_->{upper_camel(m.name)}", *args, bind)), "return promise;"]
        callback_params.append(f"{result} result")
        c.private.append(
            Function(
                "void",
                callback,
                callback_params,
                [
                    "if (result->is_error()) {",
                    "  RejectFromMojo(resolver, *result->get_error());",
                    "  return;",
                    "}",
                    *(resolve if isinstance(resolve, list) else [resolve]),
                ],
            )
        )
        return body

    def not_implemented(self, c: CppClass, returns: str, m: ir.Operation) -> list[str | Statement]:
        c.includes_cc |= {HEADERS["NotImplemented"], HEADERS["DOMException"]}
        lines: list[str | Statement] = ["NOTIMPLEMENTED();"]
        if "RaisesException" in member_attributes(m):
            throw = call(
                "exception_state.ThrowDOMException",
                "DOMExceptionCode::kNotSupportedError",
                f'"{m.name}() is computed in the renderer; not generated"',
            )
            lines.append(Statement(throw))
        if returns == "void":
            return lines
        if returns.startswith("ScriptPromise"):
            return lines + [f"return {returns}();"]
        return lines + ["return nullptr;" if returns.endswith("*") else "return {};"]

    # --- a partial interface as a Supplement ---------------------------------------------

    def supplement(self, host: ir.Interface, members) -> CppClass:
        from codegen.targets.blink_idl import supplement_name

        name = supplement_name(host, members)
        c = CppClass(
            name,
            ["GarbageCollected<" + name + ">", f"Supplement<{host.name}>"],
            "",
            False,
            [f"{host.name}& host"],
            [f"Supplement<{host.name}>(host)"],
        )
        c.supplement = host.name
        c.includes_h |= {
            HEADERS["ModulesExport"],
            HEADERS["Member"],
            HEADERS["Visitor"],
            "third_party/blink/renderer/platform/supplementable.h",
        }
        for m in members:
            target = m.type.name
            c.forward.add(target)
            c.includes_cc.add(f"{BLINK_MODULE_DIR}/{file_stem(target)}.h")
            member = field_name(m.name)
            c.fields.append((f"Member<{target}>", member))
            c.public.append(
                Function(
                    f"{target}*",
                    m.name,
                    [f"{host.name}& host"],
                    [
                        Statement(
                            call(f"Supplement<{host.name}>::From<{name}>", "host"),
                            target="auto* supplement",
                        ),
                        "if (!supplement) {",
                        f"  supplement = MakeGarbageCollected<{name}>(host);",
                        "  ProvideTo(host, supplement);",
                        "}",
                        f"if (!supplement->{member}) {{",
                        Statement(
                            call(f"MakeGarbageCollected<{target}>", "host.GetExecutionContext()"),
                            target=f"supplement->{member}",
                            block=1,
                        ),
                        "}",
                        f"return supplement->{member};",
                    ],
                    static=True,
                    comment=m.doc,
                )
            )
        return c
