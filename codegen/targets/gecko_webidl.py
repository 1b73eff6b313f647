"""The `gecko` target's WebIDL: the API in Gecko's dialect (`dom/webidl/WebNPU.webidl`).

Printed from the resolved model, not from the source text, so what Gecko sees is exactly what
every other target sees. The dialect follows `dom/webidl/WebGPU.webidl` in mozilla-central:

- every interface and namespace carries `Pref="dom.webnpu.enabled"` beside its `Exposed` and
  `SecureContext` (WebGPU gates on a `Func`, which reads the same kind of pref);
- members the C++ implementation reports failures from take `[Throws]` (see `throws`);
- members added to web platform interfaces by partials (`navigator.npu`) become one mixin,
  `NavigatorNPU`, which Gecko's own `Navigator.webidl`/`WorkerNavigator.webidl` include (the
  `includes` statements are listed for the patch that edits those files, `navigator_includes`);
- an event interface with an `EventInit` dictionary goes in a file of its own, as
  `GPUUncapturedErrorEvent.webidl` does, because Gecko generates those C++ classes itself
  (`GENERATED_EVENTS_WEBIDL_FILES`);
- `FrozenArray<T>` attributes are `[Frozen, Cached, Pure] readonly attribute sequence<T>`, the
  form Gecko's parser knows. webidl2 parses it; the WebIDL standard's validation forbids
  sequence-typed attributes, so this one form is a documented difference (docs/codegen.md);
- our `Wire*` attributes are dropped: they describe the wire, not the bindings.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.model.ir import (
    Attribute,
    Constant,
    Constructor,
    Declaration,
    Dictionary,
    Enum,
    Interface,
    InterfaceMixin,
    Model,
    Namespace,
    Operation,
    Type,
    Typedef,
)
from codegen.targets.gecko_names import getter_binary_name
from codegen.targets.idl_text import (
    argument_text,
    bracketed,
    browser_ext_attrs,
    ext_attr_text,
    nullable_typedefs,
    type_text,
)

PREF = "dom.webnpu.enabled"
INDENT = "    "


@dataclass(frozen=True)
class Dialect:
    """What printing needs besides a definition: the root interface (for C++ names) and the
    typedefs that are nullable themselves (`EventHandler`), whose uses take no second `?`."""

    root: str
    nullable_aliases: frozenset[str]

    @classmethod
    def of(cls, model: Model, root: str) -> Dialect:
        return cls(root, nullable_typedefs(model))

    def type(self, t: Type) -> str:
        return type_text(t, self.nullable_aliases)


def argument_list(arguments, dialect: Dialect) -> str:
    return ", ".join(argument_text(a, dialect.nullable_aliases) for a in arguments)


def _is_promise(t: Type | None) -> bool:
    return t is not None and t.kind == "Promise"


def throws(member) -> bool:
    """Whether the C++ method gets an `ErrorResult&` (`[Throws]`): a constructor; a promise,
    since `dom::Promise::Create` can fail; an operation run in the content process
    ([Wire=local]: builder operations throw TypeError, getMappedRange OperationError); and an
    operation taking bytes, whose range the content process checks before copying (WebGPU's
    writeBuffer is [Throws] for the same reason)."""
    if isinstance(member, Constructor):
        return True
    if isinstance(member, Attribute):
        return _is_promise(member.type)
    if not isinstance(member, Operation):
        return False
    if _is_promise(member.return_type):
        return True
    if any(a.name == "Wire" and a.value == "local" for a in member.ext_attrs):
        return True
    return any(a.type.typedef == "AllowSharedBufferSource" for a in member.arguments)


def is_frozen_array(t: Type) -> bool:
    return t.kind == "FrozenArray"


def print_member(
    member,
    dialect: Dialect,
    indent: str = INDENT,
    attrs: list[str] | None = None,
    rename: bool = True,
) -> list[str]:
    """One member's lines; `attrs` replaces the extended attributes the member would get."""
    if attrs is None:
        attrs = browser_ext_attrs(member.ext_attrs)
        if throws(member):
            attrs.insert(0, "Throws")
        # Gecko writes a generated event's C++ itself, with its own names.
        binary = (
            rename and isinstance(member, Attribute) and getter_binary_name(member, dialect.root)
        )
        if binary:
            attrs.append(f'BinaryName="{binary}"')
    if isinstance(member, Attribute):
        t = member.type
        if is_frozen_array(t):  # Gecko's spelling of a frozen array attribute
            attrs = ["Frozen", "Cached", "Pure", *(a for a in attrs if a != "SameObject")]
            written = f"sequence<{dialect.type(t.arguments[0])}>"
        else:
            written = dialect.type(t)
        special = f"{member.special} " if member.special else ""
        readonly = "readonly " if member.readonly else ""
        return [f"{indent}{bracketed(attrs)}{special}{readonly}attribute {written} {member.name};"]
    if isinstance(member, Operation):
        special = f"{member.special} " if member.special else ""
        returns = dialect.type(member.return_type)
        head = f"{indent}{bracketed(attrs)}{special}{returns} {member.name}("
        return [head + argument_list(member.arguments, dialect) + ");"]
    if isinstance(member, Constructor):
        return [
            f"{indent}{bracketed(attrs)}constructor({argument_list(member.arguments, dialect)});"
        ]
    if isinstance(member, Constant):
        text = f"const {dialect.type(member.type)} {member.name} = {member.value.text};"
        return [indent + bracketed(attrs) + text]
    if isinstance(member, Declaration):
        readonly = "readonly " if member.readonly else ""
        types = ", ".join(dialect.type(t) for t in member.types)
        return [f"{indent}{bracketed(attrs)}{readonly}{member.kind}<{types}>;"]
    raise TypeError(f"no Gecko WebIDL for {type(member).__name__}")


def _definition_attrs(d) -> list[str]:
    """Pref first, as WebGPU puts its Func first, then the API's own (Exposed, SecureContext)."""
    return [f'Pref="{PREF}"', *browser_ext_attrs(d.ext_attrs)]


def _block(head: str, body: list[str]) -> list[str]:
    return [head + " {", *body, "};"]


def print_definition(d, dialect: Dialect) -> list[str]:
    if isinstance(d, Interface):
        inherits = f" : {d.inherits}" if d.inherits else ""
        body = [
            line
            for m in d.members
            if not m.origin.startswith("mixin ")
            for line in print_member(m, dialect, rename=d.inherits != "Event")
        ]
        lines = [bracketed(_definition_attrs(d)).rstrip()]
        lines += _block(f"interface {d.name}{inherits}", body)
        lines += [f"{d.name} includes {mixin};" for mixin in d.mixins]
        return lines
    if isinstance(d, Namespace):
        body = [line for m in d.members for line in print_member(m, dialect)]
        return [bracketed(_definition_attrs(d)).rstrip(), *_block(f"namespace {d.name}", body)]
    if isinstance(d, InterfaceMixin):
        body = [line for m in d.members for line in print_member(m, dialect)]
        return _block(f"interface mixin {d.name}", body)
    if isinstance(d, Dictionary):
        inherits = f" : {d.inherits}" if d.inherits else ""
        body = []
        for m in d.members:
            text = INDENT + bracketed(browser_ext_attrs(m.ext_attrs))
            text += "required " if m.required else ""
            text += f"{dialect.type(m.type)} {m.name}"
            text += f" = {m.default.text}" if m.default is not None else ""
            body.append(text + ";")
        return _block(f"dictionary {d.name}{inherits}", body)
    if isinstance(d, Enum):
        return _block(f"enum {d.name}", [f'{INDENT}"{v.value}",' for v in d.values])
    if isinstance(d, Typedef):
        return [f"typedef {dialect.type(d.type)} {d.name};"]
    raise TypeError(f"no Gecko WebIDL for {d.kind} {d.name}")


@dataclass(frozen=True)
class NavigatorMixin:
    """Members the API adds to web platform interfaces, as one Gecko mixin."""

    name: str  # "NavigatorNPU"
    exposed: tuple[str, ...]  # the union of the partials' Exposed globals
    members: tuple[Attribute | Operation, ...]
    included_by: tuple[str, ...]  # the web platform interfaces that include it


def _signature(member, dialect: Dialect) -> tuple:
    return (member.member_kind, member.name, tuple(print_member(member, dialect, "")))


def partial_mixins(model: Model, dialect: Dialect) -> list[NavigatorMixin]:
    """Group the API's partial members of external interfaces by identical member lists.

    `partial interface Navigator { NPU npu; }` and the same on WorkerNavigator become one
    `interface mixin NavigatorNPU`, named after the first interface and the root interface, the
    way WebGPU declares `NavigatorGPU` for both."""
    groups: dict[tuple, list[Interface]] = {}
    for d in model.of_kind("interface", external=True):
        added = tuple(m for m in d.members if m.origin == "partial" and not m.external)
        if added:
            groups.setdefault(tuple(_signature(m, dialect) for m in added), []).append(d)
    mixins = []
    for interfaces in groups.values():
        first = interfaces[0]
        members = tuple(m for m in first.members if m.origin == "partial" and not m.external)
        exposed = [g for m in members for g in _member_exposed(m, model)]
        mixins.append(
            NavigatorMixin(
                f"{first.name}{dialect.root}",
                tuple(dict.fromkeys(exposed)),
                members,
                tuple(d.name for d in interfaces),
            )
        )
    return mixins


def _member_exposed(member, model: Model) -> list[str]:
    """Where a partial member is exposed: where the API interface it returns is (the model
    keeps a partial's members, not its own [Exposed]), as NavigatorGPU's `gpu` is exposed
    exactly where GPU is."""
    t = member.type if isinstance(member, Attribute) else member.return_type
    target = model.get(t.name) if t is not None else None
    for a in getattr(target, "ext_attrs", ()):
        if a.name == "Exposed":
            return list(a.values) if a.form == "ident-list" else [a.value]
    return []


def print_mixin(mixin: NavigatorMixin, dialect: Dialect) -> list[str]:
    body = []
    for m in mixin.members:
        attrs = [
            ext_attr_text(a) for a in m.ext_attrs if a.name not in ("Exposed", "SecureContext")
        ]
        attrs += [f'Pref="{PREF}"', f"Exposed=({', '.join(mixin.exposed)})", "SecureContext"]
        body += print_member(m, dialect, attrs=attrs)
    return _block(f"interface mixin {mixin.name}", body)


def navigator_includes(mixins: list[NavigatorMixin]) -> list[str]:
    """The `includes` statements the patch adds to Gecko's Navigator.webidl and
    WorkerNavigator.webidl (as `Navigator includes NavigatorGPU;` is there for WebGPU)."""
    return [f"{target} includes {m.name};" for m in mixins for target in m.included_by]
