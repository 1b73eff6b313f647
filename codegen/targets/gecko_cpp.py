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

Method bodies are skeletons: each names the PWebNPU message it is carried by (from the wire
model), objects created without a round trip are created (client-allocated ids, as in
WebGPU), and the rest reject or throw NS_ERROR_NOT_IMPLEMENTED until the IPC actor exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.model import wire as w
from codegen.model.ir import Attribute, Constructor, Interface, Model, Operation, Type
from codegen.targets.clang_layout import comment_lines
from codegen.targets.cpp_names import IDL_PRIMITIVES
from codegen.targets.gecko_layout import (
    INDENT,
    assignment_lines,
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


def _wire_comment(message: w.WireMessage | None) -> list[str]:
    if message is None:
        return []
    return [f"{INDENT}// PWebNPU::{ipdl_message_name(message)} (0x{message.ordinal:08x})."]


def ipdl_message_name(message: w.WireMessage | w.WireEvent) -> str:
    """`NPUDevice.createBuffer` -> `NPUDeviceCreateBuffer`: the message's IPDL name."""
    interface, member = message.name.split(".")
    if isinstance(message, w.WireEvent):
        member = event_type(member)  # `onuncapturederror` -> Uncapturederror
    return interface + method_name(member)


class ClassBuilder:
    def __init__(self, model: Model, wire: w.WireModel, root: str) -> None:
        self.model = model
        self.types = Types(model, root)
        self.root = root
        self.messages = {m.name: m for m in wire.messages + wire.commands}
        self.bases = {i.inherits for i in model.interfaces}

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
            return
        if t.kind == "builtin" and t.name in _STRINGS:
            self._inline(
                a.doc, f"void Get{getter}(nsAString& aRetVal) const", f"aRetVal = {field_name};"
            )
            if not a.readonly:
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
            return
        cpp = self.types.value(t)
        self._inline(a.doc, f"{cpp} {getter}() const", f"return {field_name};")
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
        if r.kind == "Promise":
            self.cls.includes_h.append("mozilla/dom/Promise.h")
            return_type = "already_AddRefed<dom::Promise>"
            create = f"dom::Promise::Create({self.cls.global_expr}, aRv)"
            body = [
                *assignment_lines("RefPtr<dom::Promise> promise", create, INDENT),
                f"{INDENT}if (aRv.Failed()) {{",
                f"{INDENT * 2}return nullptr;",
                f"{INDENT}}}",
                f"{INDENT}promise->MaybeReject(NS_ERROR_NOT_IMPLEMENTED);",
                f"{INDENT}return promise.forget();",
            ]
        elif r.kind == "builtin" and r.name == "ArrayBuffer":
            params.insert(0, "JSContext* aCx")
            params.append("JS::MutableHandle<JSObject*> aRetVal")
            return_type = "void"
            body = [f"{INDENT}aRv.Throw(NS_ERROR_NOT_IMPLEMENTED);"]
        elif r.kind == "interface":
            creates = self.types.native(r)
            return_type = f"already_AddRefed<{creates}>"
            self.cls.includes_cpp.append(f"{EXPORT_DIR}/{creates}.h")
            self.cls.forward.append(creates)
            if fails:
                body = [f"{INDENT}aRv.Throw(NS_ERROR_NOT_IMPLEMENTED);", f"{INDENT}return nullptr;"]
            else:
                body = [
                    f"{INDENT}RefPtr<{creates}> result = new {creates}({self.cls.global_expr});",
                    f"{INDENT}return result.forget();",
                ]
        elif r.kind == "builtin" and r.name == "undefined":
            return_type = "void"
            body = [f"{INDENT}aRv.Throw(NS_ERROR_NOT_IMPLEMENTED);"] if fails else []
        else:
            raise ValueError(f"{interface.name}.{op.name}: no Gecko return type for {r.name}")
        if fails:
            params.append("ErrorResult& aRv")
        message = self.messages.get(f"{interface.name}.{op.name}")
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
            f"{INDENT}RefPtr<{name}> object = new {name}(global);",
            f"{INDENT}return object.forget();",
        ]
        self.cls.definitions.append(
            definition_lines(
                f"/* static */ already_AddRefed<{name}>", f"{name}::Constructor", params, "", body
            )
        )

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
        lines.append(f"{INDENT}explicit {name}(nsIGlobalObject* aGlobal);")
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
        if cls.is_base:
            lines.append(f"{INDENT}virtual ~{name}() = default;")
        else:
            override = " override" if cls.kind != "wrapper" else ""
            lines.append(f"{INDENT}~{name}(){override} = default;")
        fields = ["nsCOMPtr<nsIGlobalObject> mGlobal;"] if cls.kind == "wrapper" else []
        fields += cls.fields
        if fields:
            lines.append("")
            lines += [f"{INDENT}{f}" for f in fields]
        lines.append("};")
        cls.class_lines = lines
        cls.definitions[:0] = self._core_definitions()

    def _core_definitions(self) -> list[list[str]]:
        cls = self.cls
        name = cls.name
        out = []
        if cls.kind == "wrapper":
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
        out.append(
            [
                f"{name}::{name}(nsIGlobalObject* aGlobal)",
                f"{INDENT}: {initializer}(aGlobal)",
                "{",
                "}",
            ]
        )
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
