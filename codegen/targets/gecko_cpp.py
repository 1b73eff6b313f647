"""The `gecko` target's C++ classes (`dom/webnpu/<Class>.h`/`.cpp`), one per interface.

The shapes are those of `dom/webgpu/` in mozilla-central:

- class names drop the API's prefix, as `GPUAdapter` is `webgpu::Adapter` there, and the root
  interface (`NPU`) is `Instance`; the namespace is `mozilla::dom::webnpu`, exported as
  `mozilla/dom/webnpu/<Class>.h` (the `dom/cache` layout), so `Bindings.conf` maps each
  interface to its native type;
- a plain interface is an `nsWrapperCache` with
  `NS_DECL_CYCLE_COLLECTION_NATIVE_WRAPPERCACHE_CLASS` and
  `NS_INLINE_DECL_CYCLE_COLLECTING_NATIVE_REFCOUNTING` (what WebGPU's `GPU_DECL_CYCLE_COLLECTION`
  expands to, `dom/webgpu/ObjectModel.h`); an `EventTarget` is a `DOMEventTargetHelper` with
  `NS_DECL_ISUPPORTS_INHERITED`, `NS_DECL_CYCLE_COLLECTION_CLASS_INHERITED` and
  `IMPL_EVENT_HANDLER` (`dom/webgpu/Device.h`); a subclass of another API interface inherits
  its refcounting and cycle collection (`dom/webgpu/ValidationError.h`);
- `WrapObject` calls `dom::<Interface>_Binding::Wrap`; `GetParentObject` returns the global;
- Gecko's binding signatures: `already_AddRefed<dom::Promise>` and a trailing `ErrorResult&`
  for `[Throws]` members (the same rule as the .webidl, `gecko_webidl.throws`), strings out
  through `nsAString&`, getters named `Get<Name>` when their result is an out-parameter, is
  nullable or can fail.

Method bodies name the PWebNPU message they are carried by (from the wire model) and send it
through the content process's `WebNPUChild`: the bodies are `gecko_bodies.py`, what each class
holds for it `gecko_plumbing.py`, graph recording `gecko_graph.py`, mapped ranges
`gecko_mapping.py`, the actor and the conversions `gecko_child.py`/`gecko_conversions.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from codegen.model import wire as w
from codegen.model.ir import Attribute, Constructor, Interface, Model, Operation, Type
from codegen.targets.clang_layout import comment_lines
from codegen.targets.cpp_names import IDL_PRIMITIVES
from codegen.targets.gecko_layout import (
    INDENT,
    assignment_lines,
    call_lines,
    definition_lines,
    parameter_lines,
)
from codegen.targets.gecko_names import getter_binary_name, method_name, native_name
from codegen.targets.gecko_webidl import throws
from codegen.targets.identifiers import event_type

NAMESPACE = "mozilla::dom::webnpu"
EXPORT_DIR = "mozilla/dom/webnpu"

_STRINGS = {"DOMString", "USVString"}
# Gecko's name for the union `([AllowShared] ArrayBufferView or [AllowShared] ArrayBuffer)`.
_BUFFER_SOURCE = "dom::MaybeSharedArrayBufferViewOrMaybeSharedArrayBuffer"


def in_field_order(cls: ClassDef) -> list[str]:
    """The member initializers in declaration order, as `-Wreorder-ctor` wants them."""
    names = [re.search(r"(\w+)(?: = [^;]*)?;", f).group(1) for f in cls.fields]
    order = {name: i for i, name in enumerate(["mGlobal", *names])}
    return sorted(cls.ctor_inits, key=lambda i: order[i.split("(", 1)[0]])


def ir_type(interface: str) -> Type:
    return Type(kind="interface", name=interface)


def enum_value(value: str) -> str:
    """Gecko's C++ enumerator for an IDL enum value: `low-power` -> `Low_power`, `2d` -> `_2d`."""
    name = value.replace("-", "_")
    if not name or name[0].isdigit():
        return "_" + name
    return name[0].upper() + name[1:]


def param_name(name: str) -> str:
    return "a" + method_name(name)


@dataclass
class Types:
    """Gecko binding types for the API's IDL types."""

    model: Model
    root: str

    def native(self, t: Type) -> str:
        return native_name(t.name, self.root)

    def element(self, t: Type) -> str:
        """The C++ type of a sequence or record element."""
        if t.kind == "interface":
            return f"OwningNonNull<{self.native(t)}>"
        if t.kind in ("dictionary", "enum"):
            return f"dom::{t.name}"
        if t.kind == "builtin" and t.name in _STRINGS:
            return "nsString"
        return self.value(t)

    def value(self, t: Type) -> str:
        if t.kind == "builtin" and t.name in IDL_PRIMITIVES:
            return IDL_PRIMITIVES[t.name]
        if t.kind == "enum":
            return f"dom::{t.name}"
        raise ValueError(f"no C++ value type for {t.name}")

    def argument(self, t: Type, optional: bool) -> str:
        text = self._argument(t)
        if optional:
            bare = text.removeprefix("const ").removesuffix("&")
            return f"const dom::Optional<{bare}>&"
        return text

    def _argument(self, t: Type) -> str:
        if t.typedef == "AllowSharedBufferSource":
            return f"const {_BUFFER_SOURCE}&"
        if t.kind == "builtin" and t.name in _STRINGS:
            return "const nsAString&"
        if t.kind == "interface":
            return f"{self.native(t)}*" if t.nullable else f"{self.native(t)}&"
        if t.kind == "dictionary":
            return f"const dom::{t.name}&"
        if t.kind in ("sequence", "FrozenArray"):
            return f"const dom::Sequence<{self.element(t.arguments[0])}>&"
        if t.kind == "record":
            key, value = t.arguments
            return f"const dom::Record<nsString, {self.element(value)}>&"
        return self.value(t)


@dataclass
class Member:
    """One C++ member function: its comment, its declaration in the class, and its
    definition in the .cpp (empty when it is defined inline)."""

    declaration: list[str]
    definition: list[str] = field(default_factory=list)


@dataclass
class ClassDef:
    name: str  # the C++ class
    interface: str  # the IDL interface
    kind: str  # "wrapper", "event-target" or "subclass"
    base: str | None  # the C++ base class of a subclass
    is_base: bool  # another API class derives from it
    doc: list[str]
    includes_h: list[str]
    includes_cpp: list[str]
    forward: list[str]
    public: list[list[str]]  # member groups, each a list of lines
    fields: list[str]
    traced: list[str]  # cycle-collected fields
    definitions: list[list[str]]
    global_expr: str = "mGlobal"  # the nsIGlobalObject* of a method body
    class_lines: list[str] = field(default_factory=list)  # the class, head to `};`
    ctor_params: list[str] = field(default_factory=list)  # after `nsIGlobalObject* aGlobal`
    ctor_inits: list[str] = field(default_factory=list)  # after the base's or mGlobal's
    ctor_body: list[str] = field(default_factory=list)
    destructor_body: list[str] = field(default_factory=list)  # empty: `= default`
    private: list[str] = field(default_factory=list)  # declarations, before the fields
    base_args: list[str] = field(default_factory=list)  # a subclass's base, after aGlobal
    js_members: list[str] = field(default_factory=list)  # JS::Heap fields the CC traces
    preamble: list[str] = field(default_factory=list)  # .cpp lines before the definitions


def _wire_comment(message: w.WireMessage | None) -> list[str]:
    if message is None:
        return []
    if message.kind == "command":  # not a message: encoded into finish()'s command stream
        text = f"Command {message.name} (0x{message.ordinal:08x}), sent by finish()."
        return comment_lines(text, INDENT)
    return [f"{INDENT}// PWebNPU::{ipdl_message_name(message)} (0x{message.ordinal:08x})."]


def ipdl_message_name(message: w.WireMessage | w.WireEvent) -> str:
    """`NPUDevice.createBuffer` -> `NPUDeviceCreateBuffer`: the message's IPDL name."""
    interface, member = message.name.split(".")
    if isinstance(message, w.WireEvent):
        member = event_type(member)  # `onuncapturederror` -> Uncapturederror
    return interface + method_name(member)


class ClassBuilder:
    def __init__(self, model: Model, wire: w.WireModel, root: str) -> None:
        from codegen.targets.gecko_bodies import Bodies
        from codegen.targets.gecko_bridge import Bridge

        self.model = model
        self.types = Types(model, root)
        self.root = root
        self.messages = {m.name: m for m in wire.messages + wire.commands}
        self.bases = {i.inherits for i in model.interfaces}
        self.bridge = Bridge(model, wire, root)
        self.bodies = Bodies(self.bridge)
        self.set_later = self._set_later(wire)

    def _set_later(self, wire: w.WireModel) -> set[tuple[str, str]]:
        """(interface, attribute) a reply fills in on the object it creates."""
        found = set()
        for m in wire.messages:
            if m.creates and m.reply is not None:
                for f in m.reply.fields:
                    found.add((m.creates[0], f.name))
        return found

    def build(self, interface: Interface) -> ClassDef:
        name = native_name(interface.name, self.root)
        parent = interface.inherits
        if parent == "EventTarget":
            kind, base = "event-target", "DOMEventTargetHelper"
        elif parent is not None and not self.model[parent].external:
            kind, base = "subclass", native_name(parent, self.root)
        elif parent is None:
            kind, base = "wrapper", None
        else:
            raise ValueError(f"{interface.name}: no Gecko class shape for a {parent} subclass")
        self.cls = ClassDef(
            name=name,
            interface=interface.name,
            kind=kind,
            base=base,
            is_base=interface.name in self.bases,
            doc=comment_lines(interface.doc, ""),
            includes_h=[],
            includes_cpp=[f"{EXPORT_DIR}/{name}.h"],
            forward=[],
            public=[],
            fields=[],
            traced=[],
            definitions=[],
        )
        if kind == "event-target":
            self.cls.global_expr = "GetOwnerGlobal()"
        from codegen.targets.gecko_plumbing import plumb

        plumb(self, interface)
        for member in interface.members:
            if isinstance(member, Attribute) and member.special != "static":
                self._attribute(interface, member)
            elif isinstance(member, Operation) and member.name and member.special != "static":
                self._operation(interface, member)
            elif isinstance(member, Constructor):
                self._constructor(interface, member)
        if kind == "subclass" and self.cls.traced:
            raise ValueError(f"{interface.name}: cycle-collected fields in a subclass")
        self._finish_includes()
        self._frame()
        return self.cls

    # --- members ----------------------------------------------------------------------

    def _group(self, doc: str, lines: list[str]) -> None:
        self.cls.public.append(comment_lines(doc, INDENT) + lines)

    def _field(self, declaration: str, traced: str | None = None) -> None:
        self.cls.fields.append(declaration)
        if traced:
            self.cls.traced.append(traced)

    def _attribute(self, interface: Interface, a: Attribute) -> None:
        t = a.type
        field_name = "m" + method_name(a.name)
        getter = method_name(a.name)
        if t.kind == "callback" or t.typedef == "EventHandler" or t.name == "EventHandler":
            self._group(a.doc, [f"{INDENT}IMPL_EVENT_HANDLER({event_type(a.name)})"])
            return
        if t.kind == "Promise":
            self.cls.includes_h.append("mozilla/dom/Promise.h")
            lines = parameter_lines(f"dom::Promise* Get{getter}", ["ErrorResult& aRv"], ";", INDENT)
            body = [
                f"{INDENT}if (!{field_name}) {{",
                *assignment_lines(
                    field_name, f"dom::Promise::Create({self.cls.global_expr}, aRv)", INDENT * 2
                ),
                f"{INDENT}}}",
                f"{INDENT}return {field_name};",
            ]
            definition = definition_lines(
                "dom::Promise*", f"{self.cls.name}::Get{getter}", ["ErrorResult& aRv"], "", body
            )
            self._group(a.doc, lines)
            self.cls.definitions.append(definition)
            self._field(f"RefPtr<dom::Promise> {field_name};", field_name)
            return
        if t.kind == "FrozenArray":
            element = self.types.element(t.arguments[0])
            head = f"void Get{getter}(nsTArray<{element}>& aRetVal) const"
            self._inline(a.doc, head, f"aRetVal.AppendElements({field_name});")
            self._field(f"nsTArray<{element}> {field_name};")
            if (interface.name, a.name) in self.set_later:
                self._inline(
                    "Set by the call that created this object, from its reply.",
                    f"void Set{getter}(nsTArray<{element}>&& aValue)",
                    f"{field_name} = std::move(aValue);",
                )
            return
        if t.kind == "builtin" and t.name in _STRINGS:
            self._inline(
                a.doc, f"void Get{getter}(nsAString& aRetVal) const", f"aRetVal = {field_name};"
            )
            message = self.bridge.message(interface.name, a.name)
            if not a.readonly and message is not None:
                self._group("", [f"{INDENT}void Set{getter}(const nsAString& aValue);"])
                self.cls.definitions.append(
                    definition_lines(
                        "void",
                        f"{self.cls.name}::Set{getter}",
                        ["const nsAString& aValue"],
                        "",
                        [
                            f"{INDENT}{field_name} = aValue;",
                            f"{INDENT}if (CanSend()) {{",
                            *call_lines(
                                "",
                                f"mBridge->Send{message.name}",
                                ["mHandle", "NS_ConvertUTF16toUTF8(aValue)"],
                                INDENT * 2,
                            ),
                            f"{INDENT}}}",
                        ],
                    )
                )
            elif not a.readonly:
                self._inline(
                    "", f"void Set{getter}(const nsAString& aValue)", f"{field_name} = aValue;"
                )
            self._field(f"nsString {field_name};")
            return
        if t.kind == "interface":
            native = self.types.native(t)
            getter = method_name(getter_binary_name(a, self.root) or a.name)
            self.cls.includes_h.append(f"{EXPORT_DIR}/{native}.h")
            self._inline(a.doc, f"{native}* {getter}() const", f"return {field_name};")
            self._field(f"RefPtr<{native}> {field_name};", field_name)
            if (interface.name, a.name) in self.set_later:
                self._inline(
                    "Set by the call that created this object, from its reply.",
                    f"void Set{method_name(a.name)}({native}* aValue)",
                    f"{field_name} = aValue;",
                )
            return
        cpp = self.types.value(t)
        self._inline(a.doc, f"{cpp} {getter}() const", f"return {field_name};")
        if (interface.name, a.name) in self.bridge.from_descriptor:
            self._inline(
                "Set by the call that created this object, from its descriptor.",
                f"void Set{method_name(a.name)}({cpp} aValue)",
                f"{field_name} = aValue;",
            )
        if t.kind == "enum":
            first = self.model[t.name].values[0].value
            self._field(f"{cpp} {field_name} = {cpp}::{enum_value(first)};")
        else:
            self._field(f"{cpp} {field_name} = 0;")

    def _inline(self, doc: str, head: str, statement: str) -> None:
        """A short accessor: defined in the class when it fits on one line."""
        line = f"{INDENT}{head} {{ {statement} }}"
        if len(line) <= 80:
            self._group(doc, [line])
            return
        self._group(doc, [f"{INDENT}{head};"])
        return_type, _, rest = head.partition(" ")
        name, _, qualifiers = rest.partition(")")
        self.cls.definitions.append(
            [return_type, f"{self.cls.name}::{name}){qualifiers}", "{", f"{INDENT}{statement}", "}"]
        )

    def _params(self, arguments) -> list[str]:
        params = []
        for arg in arguments:
            if arg.type.kind == "interface":
                self.cls.forward.append(self.types.native(arg.type))
            if (
                arg.type.kind in ("sequence", "record")
                and arg.type.arguments[-1].kind == "interface"
            ):
                self.cls.forward.append(self.types.native(arg.type.arguments[-1]))
            optional = arg.optional and arg.default is None and arg.type.kind != "dictionary"
            params.append(f"{self.types.argument(arg.type, optional)} {param_name(arg.name)}")
        return params

    def _operation(self, interface: Interface, op: Operation) -> None:
        params = self._params(op.arguments)
        fails = throws(op)
        r = op.return_type
        body: list[str] = []
        creates = None
        sent = self.bridge.message(interface.name, op.name)
        request = self.bridge.requests.get(f"{interface.name}.{op.name}")
        command = self.messages.get(f"{interface.name}.{op.name}")
        if r.kind == "Promise":
            self.cls.includes_h.append("mozilla/dom/Promise.h")
            return_type = "already_AddRefed<dom::Promise>"
            assert sent is not None and request is not None, op.name
            body = self.bodies.promise(interface, op, sent, request, self.cls.global_expr)
            self._reply_includes(op, request)
        elif r.kind == "builtin" and r.name == "ArrayBuffer":
            from codegen.targets.gecko_mapping import mapped_range_body

            params.insert(0, "JSContext* aCx")
            params.append("JS::MutableHandle<JSObject*> aRetVal")
            return_type = "void"
            body = mapped_range_body()
        elif r.kind == "interface":
            creates = self.types.native(r)
            return_type = f"already_AddRefed<{creates}>"
            self.cls.includes_cpp.append(f"{EXPORT_DIR}/{creates}.h")
            self.cls.forward.append(creates)
            if sent is not None and request is not None:
                body = self.bodies.send(op, sent, request)
            else:
                body = self._recorded(interface, op)
        elif r.kind == "builtin" and r.name == "undefined":
            return_type = "void"
            if sent is not None and request is not None:
                body = self.bodies.send(op, sent, request)
            elif command is not None and command.kind == "command":
                body = self.bodies.command(op, command)
                self.cls.includes_cpp.append("nsString.h")
            else:
                raise ValueError(f"{interface.name}.{op.name}: no message for a void method")
        else:
            raise ValueError(f"{interface.name}.{op.name}: no Gecko return type for {r.name}")
        if fails:
            params.append("ErrorResult& aRv")
        body = self._mapping_steps(op, body)
        message = self.messages.get(f"{interface.name}.{op.name}")
        if message is not None:
            self.cls.includes_cpp += [
                "mozilla/dom/webnpu/WebNPUChild.h",
                "mozilla/dom/webnpu/WireConversions.h",
            ]
        name = method_name(op.name)
        self._group(op.doc, parameter_lines(f"{return_type} {name}", params, ";", INDENT))
        self.cls.definitions.append(
            definition_lines(
                return_type,
                f"{self.cls.name}::{name}",
                params,
                "",
                _wire_comment(message) + body,
            )
        )

    def _constructor(self, interface: Interface, ctor: Constructor) -> None:
        params = ["const dom::GlobalObject& aGlobal", *self._params(ctor.arguments)]
        params.append("ErrorResult& aRv")
        name = self.cls.name
        self._group(
            ctor.doc,
            parameter_lines(f"static already_AddRefed<{name}> Constructor", params, ";", INDENT),
        )
        body = [
            *assignment_lines(
                "nsCOMPtr<nsIGlobalObject> global",
                "do_QueryInterface(aGlobal.GetAsSupports())",
                INDENT,
            ),
            f"{INDENT}if (!global) {{",
            f"{INDENT * 2}aRv.Throw(NS_ERROR_FAILURE);",
            f"{INDENT * 2}return nullptr;",
            f"{INDENT}}}",
            *assignment_lines(
                f"RefPtr<{name}> object",
                f"new {name}({', '.join(['global', *self._passed(ctor)])})",
                INDENT,
            ),
            f"{INDENT}return object.forget();",
        ]
        self.cls.definitions.append(
            definition_lines(
                f"/* static */ already_AddRefed<{name}>", f"{name}::Constructor", params, "", body
            )
        )

    def _mapping_steps(self, op: Operation, body: list[str]) -> list[str]:
        """A mapped buffer's unmap()/destroy() detach its ranges first; mapAsync() records
        the range it asks for (`gecko_mapping.py`)."""
        from codegen.targets.gecko_mapping import (
            DETACHING,
            after_send_check,
            map_async_steps,
            refuse_unless_unmapped,
        )

        if "DetachMappedRanges();" not in "\n".join(self.cls.private):
            return body
        name = method_name(op.name)
        if name in DETACHING:
            return [f"{INDENT}DetachMappedRanges();", *body]
        if name == "MapAsync":
            at = after_send_check(body)
            steps = [*body[:at], *map_async_steps(), *body[at:]]
            return [*refuse_unless_unmapped(), *steps]
        return body

    def _reply_includes(self, op: Operation, request: w.WireMessage) -> None:
        promised = op.return_type.arguments[0]
        if promised.kind == "builtin" and promised.name == "ArrayBuffer":
            self.cls.includes_cpp.append("mozilla/dom/TypedArray.h")
        for created in request.creates:
            self.cls.includes_cpp.append(f"{EXPORT_DIR}/{self.types.native(ir_type(created))}.h")
        if request.reply is not None:
            for f in request.reply.fields:
                t = self._attribute_type(request.creates[0], f.name) if request.creates else None
                if t is not None and t.kind == "interface":
                    self.cls.includes_cpp.append(f"{EXPORT_DIR}/{self.types.native(t)}.h")
        if promised.kind == "interface" and promised.nullable:
            self.cls.includes_cpp.append(f"{EXPORT_DIR}/{self.types.native(promised)}.h")

    def _attribute_type(self, interface: str, name: str) -> Type | None:
        for m in self.model[interface].members:
            if isinstance(m, Attribute) and m.name == name:
                return m.type
        return None

    def _recorded(self, interface: Interface, op: Operation) -> list[str]:
        from codegen.targets.gecko_graph import recorded_body

        return recorded_body(self, interface, op)

    def _passed(self, ctor: Constructor) -> list[str]:
        """The IDL constructor's arguments the C++ constructor takes too (an error's message)."""
        taken = {p.rsplit(" ", 1)[-1] for p in self.cls.ctor_params}
        return [param_name(a.name) for a in ctor.arguments if param_name(a.name) in taken]

    def _finish_includes(self) -> None:
        cls = self.cls
        own = f"{EXPORT_DIR}/{cls.name}.h"
        cls.includes_h += [
            "mozilla/ErrorResult.h",
            "mozilla/RefPtr.h",
            "mozilla/dom/WebNPUBinding.h",
            "nsString.h",
            "nsTArray.h",
        ]
        if cls.kind == "wrapper":
            cls.includes_h += ["nsCOMPtr.h", "nsIGlobalObject.h", "nsWrapperCache.h"]
        elif cls.kind == "event-target":
            cls.includes_h.append("mozilla/DOMEventTargetHelper.h")
        else:
            cls.includes_h.append(f"{EXPORT_DIR}/{cls.base}.h")
        if any("Constructor" in line for group in cls.public for line in group):
            cls.includes_cpp.append("nsIGlobalObject.h")
        cls.includes_h = sorted(set(cls.includes_h) - {own})
        cls.includes_cpp = sorted(set(cls.includes_cpp) - {own})
        included = {p.rsplit("/", 1)[-1].removesuffix(".h") for p in cls.includes_h}
        cls.forward = sorted(set(cls.forward) - included - {cls.name})

    # --- the class around the members ----------------------------------------------------

    def _frame(self) -> None:
        cls = self.cls
        name = cls.name
        final = "" if cls.is_base else " final"
        base = {"wrapper": "nsWrapperCache", "event-target": "DOMEventTargetHelper"}.get(
            cls.kind, cls.base
        )
        lines = [*cls.doc, f"class {name}{final} : public {base}", "{", "public:"]
        if cls.kind == "wrapper":
            lines += [
                f"{INDENT}NS_DECL_CYCLE_COLLECTION_NATIVE_WRAPPERCACHE_CLASS({name})",
                f"{INDENT}NS_INLINE_DECL_CYCLE_COLLECTING_NATIVE_REFCOUNTING({name})",
                "",
            ]
        elif cls.kind == "event-target":
            lines += [
                f"{INDENT}NS_DECL_ISUPPORTS_INHERITED",
                *parameter_lines(
                    "NS_DECL_CYCLE_COLLECTION_CLASS_INHERITED", [name, base], "", INDENT
                ),
                "",
            ]
        explicit = "" if cls.ctor_params else "explicit "
        lines += parameter_lines(
            f"{explicit}{name}", ["nsIGlobalObject* aGlobal", *cls.ctor_params], ";", INDENT
        )
        lines.append("")
        if cls.kind == "wrapper":
            lines.append(f"{INDENT}nsIGlobalObject* GetParentObject() const {{ return mGlobal; }}")
        lines += parameter_lines(
            "JSObject* WrapObject",
            ["JSContext* aCx", "JS::Handle<JSObject*> aGivenProto"],
            " override;",
            INDENT,
        )
        for group in cls.public:
            lines += ["", *group]
        lines += ["", "protected:" if cls.is_base else "private:"]
        defaulted = "" if cls.destructor_body else " = default"
        if cls.is_base:
            lines.append(f"{INDENT}virtual ~{name}(){defaulted};")
        else:
            override = " override" if cls.kind != "wrapper" else ""
            lines.append(f"{INDENT}~{name}(){override}{defaulted};")
        if cls.private:
            lines.append("")
            lines += [f"{INDENT}{p}" for p in cls.private]
        fields = ["nsCOMPtr<nsIGlobalObject> mGlobal;"] if cls.kind == "wrapper" else []
        fields += cls.fields
        if fields:
            lines.append("")
            lines += [f"{INDENT}{f}" for f in fields]
        lines.append("};")
        cls.class_lines = lines
        cls.definitions[:0] = self._core_definitions()
        if cls.preamble:
            cls.definitions.insert(0, cls.preamble)

    def _core_definitions(self) -> list[list[str]]:
        cls = self.cls
        name = cls.name
        out = []
        if cls.kind == "wrapper" and cls.js_members:
            natives = "(" + ", ".join(["mGlobal", *cls.traced]) + ")"
            scripts = "(" + ", ".join(cls.js_members) + ")"
            out.append(
                parameter_lines(
                    "NS_IMPL_CYCLE_COLLECTION_WRAPPERCACHE_WITH_JS_MEMBERS",
                    [name, natives, scripts],
                    "",
                    "",
                )
            )
        elif cls.kind == "wrapper":
            out.append(
                parameter_lines(
                    "NS_IMPL_CYCLE_COLLECTION_WRAPPERCACHE", [name, "mGlobal", *cls.traced], "", ""
                )
            )
        elif cls.kind == "event-target":
            base = "DOMEventTargetHelper"
            out.append(
                parameter_lines(
                    "NS_IMPL_CYCLE_COLLECTION_INHERITED", [name, base, *cls.traced], "", ""
                )
            )
            out.append(
                parameter_lines(
                    "NS_IMPL_ISUPPORTS_CYCLE_COLLECTION_INHERITED_0", [name, base], "", ""
                )
            )
        initializer = {"wrapper": "mGlobal", "event-target": "DOMEventTargetHelper"}.get(
            cls.kind, cls.base
        )
        inits = [f"{initializer}({', '.join(['aGlobal', *cls.base_args])})", *in_field_order(cls)]
        head = parameter_lines(
            f"{name}::{name}", ["nsIGlobalObject* aGlobal", *cls.ctor_params], "", ""
        )
        out.append(
            [
                *head,
                f"{INDENT}: {inits[0]}",
                *(f"{INDENT}, {i}" for i in inits[1:]),
                "{",
                *cls.ctor_body,
                "}",
            ]
        )
        if cls.destructor_body:
            out.append([f"{name}::~{name}()", "{", *cls.destructor_body, "}"])
        out.append(
            definition_lines(
                "JSObject*",
                f"{name}::WrapObject",
                ["JSContext* aCx", "JS::Handle<JSObject*> aGivenProto"],
                "",
                [f"{INDENT}return dom::{cls.interface}_Binding::Wrap(aCx, this, aGivenProto);"],
            )
        )
        return out
