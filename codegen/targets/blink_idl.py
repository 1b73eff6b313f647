"""Blink's WebIDL for the model: one file per definition, with Blink's extended attributes.

Follows `third_party/blink/renderer/modules/ml/` upstream (`ml_context.idl`,
`navigator_ml.idl`): interface attributes in a bracketed block before the definition,
`RuntimeEnabled=<feature>` on every interface and partial, `ImplementedAs=<Supplement>` on a
partial interface of a web platform object, and on members only what the bindings generator
needs to call the C++ (`CallWith=ScriptState`, `RaisesException`). Every `Wire*` attribute is
dropped (docs/wire.md §1): Blink never sees the wire protocol.

What a member needs is decided here, once, from the model (`member_attributes`):

- `CallWith=ScriptState`: a member returning a promise, which needs the script state to make
  its resolver (WebNN's `MLContext.createTensor`, `MLContext.lost`);
- `RaisesException`: a promise-returning method (Blink turns a thrown exception into a rejected
  promise, as WebNN's do), a `Wire=local` method (it validates at once and throws, docs/wire.md
  §1.2: the graph builder's operations), a method reading a buffer source (a detached or
  out-of-range source throws), and a constructor.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.model import ir
from codegen.targets.chromium_naming import RUNTIME_FEATURE, file_stem
from codegen.targets.idl_text import (
    argument_text,
    bracketed,
    browser_ext_attrs,
    nullable_typedefs,
    type_text,
)

INDENT = "  "  # Blink's IDL files indent members by two spaces
BUFFER_TYPEDEFS = ("AllowSharedBufferSource", "BufferSource")
WORKER_GLOBALS = ("DedicatedWorker", "SharedWorker", "ServiceWorker")


@dataclass(frozen=True)
class IdlFile:
    name: str  # file name, e.g. `npu_device.idl`
    group: str  # the idls.gni list it belongs in
    text: str


def comment(doc: str, indent: str = "") -> str:
    """An IDL doc comment, kept as a `/** */` block so any WebIDL front end (ours included)
    still attaches it to the definition or member after it."""
    if not doc.strip():
        return ""
    lines = "".join(
        f"{indent} *{' ' + line.rstrip() if line.strip() else ''}\n"
        for line in doc.strip().splitlines()
    )
    return f"{indent}/**\n{lines}{indent} */\n"


def _reads_buffer(arguments: tuple[ir.Argument, ...]) -> bool:
    return any(a.type.typedef in BUFFER_TYPEDEFS for a in arguments)


def member_attributes(member: ir.Member) -> list[str]:
    """The Blink-only attributes of one member (see the module docstring for why each)."""
    wire_kind = next((a.value for a in member.ext_attrs if a.name == "Wire"), None)
    attrs: list[str] = []
    if isinstance(member, ir.Attribute):
        if member.type.kind == "Promise":
            attrs.append("CallWith=ScriptState")
    elif isinstance(member, ir.Operation):
        promise = member.return_type is not None and member.return_type.kind == "Promise"
        if promise:
            attrs.append("CallWith=ScriptState")
        if promise or wire_kind == "local" or _reads_buffer(member.arguments):
            attrs.append("RaisesException")
    elif isinstance(member, ir.Constructor):
        attrs.append("RaisesException")
    return attrs


def member_text(member: ir.Member, aliases: frozenset[str]) -> str:
    """One member, without its comment (`aliases`: `idl_text.nullable_typedefs`)."""
    prefix = bracketed(browser_ext_attrs(member.ext_attrs) + member_attributes(member))
    if isinstance(member, ir.Attribute):
        ro = "readonly " if member.readonly else ""
        special = f"{member.special} " if member.special else ""
        return f"{prefix}{special}{ro}attribute {type_text(member.type, aliases)} {member.name};"
    if isinstance(member, ir.Operation):
        special = f"{member.special} " if member.special else ""
        args = ", ".join(argument_text(a, aliases) for a in member.arguments)
        assert member.return_type is not None
        return f"{prefix}{special}{type_text(member.return_type, aliases)} {member.name}({args});"
    if isinstance(member, ir.Constructor):
        args = ", ".join(argument_text(a, aliases) for a in member.arguments)
        return f"{prefix}constructor({args});"
    if isinstance(member, ir.Constant):
        return (
            f"{prefix}const {type_text(member.type, aliases)} {member.name} = {member.value.text};"
        )
    if isinstance(member, ir.Declaration):
        ro = "readonly " if member.readonly else ""
        types = ", ".join(type_text(t, aliases) for t in member.types)
        return f"{prefix}{ro}{member.kind}<{types}>;"
    raise ValueError(f"no Blink IDL for {member!r}")


def body(members, aliases: frozenset[str]) -> str:
    parts = [comment(m.doc, INDENT) + INDENT + member_text(m, aliases) + "\n" for m in members]
    return "\n".join(parts)


def definition_attributes(d, extra: tuple[str, ...] = ()) -> str:
    """`[\\n  A,\\n  B\\n] ` (Blink's layout), or "" when there are none."""
    texts = browser_ext_attrs(d.ext_attrs) + list(extra)
    if not texts:
        return ""
    return "[\n" + ",\n".join(INDENT + t for t in sorted(texts)) + "\n] "


class BlinkIdl:
    """The `.idl` files of one model."""

    def __init__(self, model: ir.Model, header: str) -> None:
        self.model = model
        self.header = header
        self.aliases = nullable_typedefs(model)

    def body(self, members) -> str:
        return body(members, self.aliases)

    def file(self, definition, group: str, text: str) -> IdlFile:
        return IdlFile(file_stem(definition.name) + ".idl", group, self.header + "\n" + text)

    def files(self) -> list[IdlFile]:
        out: list[IdlFile] = []
        for d in self.model.definitions:
            if d.external:
                continue
            if isinstance(d, ir.Interface):
                out.append(self.file(d, "modules_idl_files", self.interface(d)))
            elif isinstance(d, ir.Namespace):
                out.append(self.file(d, "modules_idl_files", self.namespace(d)))
            elif isinstance(d, ir.InterfaceMixin):
                out.append(self.file(d, "modules_dependency_idl_files", self.mixin(d)))
            elif isinstance(d, ir.Dictionary):
                out.append(self.file(d, "modules_dictionary_idl_files", self.dictionary(d)))
            elif isinstance(d, ir.Enum):
                out.append(self.file(d, "modules_idl_files", self.enum(d)))
        typedefs = [d for d in self.model.of_kind("typedef")]
        if typedefs:
            text = "\n".join(
                comment(t.doc) + f"typedef {type_text(t.type, self.aliases)} {t.name};\n"
                for t in typedefs
            )
            out.append(IdlFile("npu_typedefs.idl", "modules_idl_files", self.header + "\n" + text))
        for host in self.model.of_kind("interface", external=True):
            if any(m.origin == "partial" for m in host.members):
                out.append(self.partial(host))
        return sorted(out, key=lambda f: f.name)

    def interface(self, d: ir.Interface) -> str:
        own = [m for m in d.members if not m.origin.startswith("mixin ")]
        inherits = f" : {d.inherits}" if d.inherits else ""
        attrs = definition_attributes(d, (f"RuntimeEnabled={RUNTIME_FEATURE}",))
        text = comment(d.doc) + f"{attrs}interface {d.name}{inherits} {{\n{self.body(own)}}};\n"
        for mixin in d.mixins:
            text += f"\n{d.name} includes {mixin};\n"
        return text

    def namespace(self, d: ir.Namespace) -> str:
        attrs = definition_attributes(d, (f"RuntimeEnabled={RUNTIME_FEATURE}",))
        return comment(d.doc) + f"{attrs}namespace {d.name} {{\n{self.body(d.members)}}};\n"

    def mixin(self, d: ir.InterfaceMixin) -> str:
        attrs = definition_attributes(d)
        return comment(d.doc) + f"{attrs}interface mixin {d.name} {{\n{self.body(d.members)}}};\n"

    def dictionary(self, d: ir.Dictionary) -> str:
        inherits = f" : {d.inherits}" if d.inherits else ""
        parts = []
        for m in d.members:
            line = bracketed(browser_ext_attrs(m.ext_attrs)) + ("required " if m.required else "")
            line += f"{type_text(m.type, self.aliases)} {m.name}"
            if m.default is not None:
                line += " = " + m.default.text
            parts.append(comment(m.doc, INDENT) + INDENT + line + ";\n")
        members = "\n".join(parts)
        return comment(d.doc) + f"dictionary {d.name}{inherits} {{\n{members}}};\n"

    def enum(self, d: ir.Enum) -> str:
        values = "".join(f'{INDENT}"{v.value}",\n' for v in d.values)
        return comment(d.doc) + f"enum {d.name} {{\n{values}}};\n"

    def partial(self, host: ir.Interface) -> IdlFile:
        """`partial interface Navigator` as a Blink supplement (`navigator_npu.idl`)."""
        members = [m for m in host.members if m.origin == "partial"]
        implemented_as = supplement_name(host, members)
        exposed = partial_exposure(self.model, host, members)
        extra = [f"ImplementedAs={implemented_as}", f"RuntimeEnabled={RUNTIME_FEATURE}"]
        if any(self.secure(m) for m in members):
            extra.append("SecureContext")
        extra.append(exposed)
        attrs = "[\n" + ",\n".join(INDENT + t for t in sorted(extra)) + "\n] "
        text = f"{attrs}partial interface {host.name} {{\n{self.body(members)}}};\n"
        return IdlFile(
            file_stem(implemented_as) + ".idl",
            "modules_dependency_idl_files",
            self.header + "\n" + text,
        )

    def secure(self, member) -> bool:
        """A partial member exposing a [SecureContext] interface is itself secure-only."""
        target = self.model.get(getattr(member, "type", ir.Type("builtin", "")).name)
        return target is not None and any(a.name == "SecureContext" for a in target.ext_attrs)


def supplement_name(host: ir.Interface, members) -> str:
    """Blink implements a partial interface's members in a Supplement named after the host
    and the member: `Navigator` + `npu` -> `NavigatorNPU` (as `NavigatorML` upstream)."""
    return host.name + members[0].type.name


def exposed_globals(d) -> tuple[str, ...]:
    for a in d.ext_attrs:
        if a.name == "Exposed":
            return a.values if a.form == "ident-list" else (a.value,)
    return ()


def partial_exposure(model: ir.Model, host: ir.Interface, members) -> str:
    """Where the partial's members exist: the host's globals, narrowed to those of the type
    they expose (`WorkerNavigator` is in every worker, `NPU` only in dedicated ones)."""
    host_globals = exposed_globals(host)
    target = model.get(members[0].type.name)
    wanted = exposed_globals(target) if target is not None else host_globals
    result = []
    for g in host_globals:
        if g in wanted:
            result.append(g)
        elif g == "Worker":
            result += [w for w in WORKER_GLOBALS if w in wanted]
    if len(result) == 1:
        return f"Exposed={result[0]}"
    return f"Exposed=({', '.join(result)})"
