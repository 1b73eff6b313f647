"""The resolved, immutable model every target reads.

Built once from a validated definition set (`codegen.model.build`): partials merged into their
definition, mixins' members copied into each interface that includes them, typedefs resolved
inside every type (the alias name kept for documentation), inheritance linked (`ancestors`),
doc comments attached, members in a stable order. Targets never see the AST.

Everything here is a frozen dataclass holding tuples, so a target cannot change what another
target reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import MappingProxyType

# --- types ----------------------------------------------------------------------------------

# Type kinds. "builtin" covers every keyword type (`unsigned long`, `DOMString`, `any`,
# `ArrayBuffer`...); the definition kinds name what a reference resolved to; the rest are the
# generic and union forms.
TYPE_KINDS = (
    "builtin",
    "interface",
    "callback interface",
    "dictionary",
    "enum",
    "callback",
    "sequence",
    "FrozenArray",
    "ObservableArray",
    "async_sequence",
    "record",
    "Promise",
    "union",
)


@dataclass(frozen=True)
class ExtAttr:
    name: str
    form: str
    value: str | None = None
    values: tuple[str, ...] = ()
    arguments: tuple[Argument, ...] | None = None


@dataclass(frozen=True)
class Type:
    """A resolved type. `name` is the builtin spelling, the definition name, or the generic."""

    kind: str
    name: str
    nullable: bool = False
    arguments: tuple[Type, ...] = ()  # generic arguments or union members
    ext_attrs: tuple[ExtAttr, ...] = ()
    # The name it was written as, when that differs: a typedef, a [LegacyWindowAlias] name, or a
    # name defined in prose (CSSOMString). `name` is always what it resolves to.
    typedef: str | None = None

    def walk(self) -> Iterator[Type]:
        """This type and every type inside it."""
        yield self
        for arg in self.arguments:
            yield from arg.walk()


@dataclass(frozen=True)
class Value:
    kind: str
    text: str


# --- members ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Declared:
    """What every definition and member carries besides its own fields (keyword-only)."""

    ext_attrs: tuple[ExtAttr, ...] = ()
    doc: str = ""  # the `/** ... */` comment before it, cleaned
    location: str = ""  # `file:line:col` of its name
    external: bool = False  # declared in a web platform file, not by the generated API


@dataclass(frozen=True, kw_only=True)
class MemberBase(Declared):
    origin: str = ""  # "", "partial" or "mixin NAME": where the member was declared


@dataclass(frozen=True)
class Argument:
    name: str
    type: Type
    optional: bool = False
    variadic: bool = False
    default: Value | None = None
    ext_attrs: tuple[ExtAttr, ...] = ()


def required_count(arguments: tuple[Argument, ...]) -> int:
    """WebIDL: the number of arguments before the first optional or variadic one (the fewest a
    call may pass)."""
    count = 0
    for argument in arguments:
        if argument.optional or argument.variadic:
            break
        count += 1
    return count


@dataclass(frozen=True)
class Attribute(MemberBase):
    name: str
    type: Type
    readonly: bool = False
    special: str = ""  # "", "static", "stringifier" or "inherit"
    member_kind = "attribute"


@dataclass(frozen=True)
class Operation(MemberBase):
    name: str
    return_type: Type | None  # None only for a bare `stringifier;`
    arguments: tuple[Argument, ...]
    special: str = ""  # "", "getter", "setter", "deleter", "static" or "stringifier"
    member_kind = "operation"


@dataclass(frozen=True)
class Constructor(MemberBase):
    arguments: tuple[Argument, ...]
    member_kind = "constructor"


@dataclass(frozen=True)
class Constant(MemberBase):
    name: str
    type: Type
    value: Value
    member_kind = "const"


@dataclass(frozen=True)
class Declaration(MemberBase):
    """iterable / async_iterable / maplike / setlike."""

    kind: str
    types: tuple[Type, ...]
    readonly: bool = False
    arguments: tuple[Argument, ...] | None = None
    member_kind = "declaration"


Member = Attribute | Operation | Constructor | Constant | Declaration


@dataclass(frozen=True)
class DictionaryMember(Declared):
    name: str
    type: Type
    required: bool = False
    default: Value | None = None


@dataclass(frozen=True)
class EnumValue:
    value: str
    doc: str = ""


# --- definitions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Interface(Declared):
    name: str
    members: tuple[Member, ...]
    inherits: str | None = None
    ancestors: tuple[str, ...] = ()  # nearest first
    mixins: tuple[str, ...] = ()
    kind = "interface"

    def operations(self, name: str) -> tuple[Operation, ...]:
        """The overloads of `name`, in member order."""
        return tuple(m for m in self.members if isinstance(m, Operation) and m.name == name)


@dataclass(frozen=True)
class InterfaceMixin(Declared):
    name: str
    members: tuple[Member, ...]
    kind = "interface mixin"


@dataclass(frozen=True)
class CallbackInterface(Declared):
    name: str
    members: tuple[Member, ...]
    kind = "callback interface"


@dataclass(frozen=True)
class Namespace(Declared):
    name: str
    members: tuple[Member, ...]
    kind = "namespace"


@dataclass(frozen=True)
class Dictionary(Declared):
    name: str
    members: tuple[DictionaryMember, ...]  # own members only, sorted by name as WebIDL orders them
    inherits: str | None = None
    ancestors: tuple[str, ...] = ()
    kind = "dictionary"


@dataclass(frozen=True)
class Enum(Declared):
    name: str
    values: tuple[EnumValue, ...]
    kind = "enum"


@dataclass(frozen=True)
class Callback(Declared):
    name: str
    return_type: Type
    arguments: tuple[Argument, ...]
    kind = "callback"


@dataclass(frozen=True)
class Typedef(Declared):
    name: str
    type: Type  # fully resolved
    kind = "typedef"


Definition = (
    Interface
    | InterfaceMixin
    | CallbackInterface
    | Namespace
    | Dictionary
    | Enum
    | Callback
    | Typedef
)


@dataclass(frozen=True)
class Model:
    """Every definition by name, sorted by name within `definitions`."""

    definitions: tuple[Definition, ...]
    sources: tuple[str, ...] = ()  # the IDL files it was built from, in command-line order
    _by_name: MappingProxyType = field(
        default_factory=lambda: MappingProxyType({}), init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_by_name", MappingProxyType({d.name: d for d in self.definitions})
        )

    def get(self, name: str) -> Definition | None:
        return self._by_name.get(name)

    def __getitem__(self, name: str) -> Definition:
        return self._by_name[name]

    def of_kind(self, kind: str, *, external: bool | None = False) -> tuple[Definition, ...]:
        """Definitions of `kind`; by default only the API's own, not the web platform's."""
        return tuple(
            d
            for d in self.definitions
            if d.kind == kind and (external is None or d.external == external)
        )

    @property
    def interfaces(self) -> tuple[Interface, ...]:
        return self.of_kind("interface")

    @property
    def dictionaries(self) -> tuple[Dictionary, ...]:
        return self.of_kind("dictionary")

    @property
    def enums(self) -> tuple[Enum, ...]:
        return self.of_kind("enum")

    def all_dictionary_members(self, name: str) -> tuple[DictionaryMember, ...]:
        """A dictionary's members with its ancestors', least-derived first (WebIDL §3.2.17)."""
        dictionary = self[name]
        chain = [self[a] for a in reversed(dictionary.ancestors)] + [dictionary]
        return tuple(m for d in chain for m in d.members)
