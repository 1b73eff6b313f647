"""The WebIDL abstract syntax tree.

One class per grammar production that carries meaning; the parser builds these and nothing
downstream re-reads IDL text. Every node records where it came from (`loc`) so that the
validation pass and every generator can point a person at the exact token.

Nodes are plain slotted dataclasses: the parser builds tens of thousands of them for the
web platform's IDL, and slots keep that cheap. `loc` is excluded from equality so two parses of
the same IDL printed differently compare equal (the round-trip test relies on this).
The resolved, immutable model that targets read lives in `codegen.model`, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.source import NOWHERE, Location


def _loc() -> Location:
    return field(default=NOWHERE, compare=False, repr=False)


# --- extended attributes ------------------------------------------------------------------


@dataclass(slots=True)
class ExtendedAttribute:
    """One extended attribute, classified into the forms of WebIDL §2.14.

    `form` is one of:
      - "no-args"         [Replaceable]
      - "arg-list"        [LegacyFactoryFunction(DOMString x)]         -> `arguments`
      - "ident"           [PutForwards=name]                           -> `value` (str)
      - "string"          [Reflect="for"]                              -> `value` (quoted text)
      - "integer"/"decimal" [Priority=3]                               -> `value` (literal text)
      - "wildcard"        [Exposed=*]
      - "ident-list"      [Exposed=(Window,Worker)], [ReflectRange=(0, 8)] -> `values`
      - "named-arg-list"  [LegacyFactoryFunction=Image(DOMString src)] -> `value`, `arguments`
      - "balanced"        anything else the general grammar accepts    -> `tokens`
    `tokens` always holds the attribute's token texts, so the general form can be printed back.
    """

    name: str
    form: str
    value: str | None = None
    values: tuple[str, ...] = ()
    arguments: list[Argument] | None = None
    tokens: tuple[str, ...] = ()
    loc: Location = _loc()


# --- types ----------------------------------------------------------------------------------


@dataclass(slots=True)
class SimpleType:
    """A named type: a built-in (`unsigned long`, `DOMString`, `any`...) or a reference.

    `name` is the canonical spelling with single spaces (`unrestricted double`);
    `is_reference` is True for an identifier naming a definition elsewhere.
    """

    name: str
    is_reference: bool = False
    nullable: bool = False
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()


@dataclass(slots=True)
class GenericType:
    """`sequence<T>`, `FrozenArray<T>`, `ObservableArray<T>`, `async_sequence<T>`,
    `Promise<T>` or `record<K, V>`."""

    generic: str
    arguments: list[IdlType]
    nullable: bool = False
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()


@dataclass(slots=True)
class UnionType:
    members: list[IdlType]
    nullable: bool = False
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()


IdlType = SimpleType | GenericType | UnionType


# --- values ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Value:
    """A constant or default value.

    `kind` is one of boolean, integer, decimal, infinity, nan, string, null, undefined,
    sequence (`[]`) or dictionary (`{}`); `text` is the literal as written (strings keep quotes).
    """

    kind: str
    text: str
    loc: Location = _loc()


# --- members ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Argument:
    name: str
    type: IdlType
    optional: bool = False
    variadic: bool = False
    default: Value | None = None
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()


@dataclass(slots=True)
class Attribute:
    name: str
    type: IdlType
    readonly: bool = False
    special: str = ""  # "", "static", "stringifier" or "inherit"
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()


@dataclass(slots=True)
class Operation:
    """A regular, special or static operation, or a bare `stringifier;`.

    `name` is "" for an unnamed special operation; `return_type` is None only for the bare
    `stringifier;` form. `special` is "", "getter", "setter", "deleter", "static" or
    "stringifier".
    """

    name: str
    return_type: IdlType | None
    arguments: list[Argument]
    special: str = ""
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()


@dataclass(slots=True)
class Constructor:
    arguments: list[Argument]
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()


@dataclass(slots=True)
class Const:
    name: str
    type: IdlType
    value: Value
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()


@dataclass(slots=True)
class Declaration:
    """`iterable<...>`, `async_iterable<...>(args)`, `maplike<...>` or `setlike<...>`.

    `arguments` is None unless an async_iterable declaration has a parenthesised list.
    """

    kind: str  # "iterable", "async_iterable", "maplike" or "setlike"
    types: list[IdlType]
    readonly: bool = False
    arguments: list[Argument] | None = None
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()


@dataclass(slots=True)
class Field:
    """A dictionary member."""

    name: str
    type: IdlType
    required: bool = False
    default: Value | None = None
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()


Member = Attribute | Operation | Constructor | Const | Declaration


# --- definitions -----------------------------------------------------------------------------


@dataclass(slots=True)
class Interface:
    name: str
    members: list[Member]
    inherits: str | None = None
    partial: bool = False
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()
    kind = "interface"


@dataclass(slots=True)
class InterfaceMixin:
    name: str
    members: list[Member]
    partial: bool = False
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()
    kind = "interface mixin"


@dataclass(slots=True)
class CallbackInterface:
    name: str
    members: list[Member]
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()
    kind = "callback interface"


@dataclass(slots=True)
class Namespace:
    name: str
    members: list[Member]
    partial: bool = False
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()
    kind = "namespace"


@dataclass(slots=True)
class Dictionary:
    name: str
    members: list[Field]
    inherits: str | None = None
    partial: bool = False
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()
    kind = "dictionary"


@dataclass(slots=True)
class EnumValue:
    value: str  # without quotes
    loc: Location = _loc()


@dataclass(slots=True)
class Enum:
    name: str
    values: list[EnumValue]
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()
    kind = "enum"


@dataclass(slots=True)
class Typedef:
    name: str
    type: IdlType
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()
    kind = "typedef"


@dataclass(slots=True)
class Callback:
    name: str
    return_type: IdlType
    arguments: list[Argument]
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()
    kind = "callback"


@dataclass(slots=True)
class Includes:
    target: str
    mixin: str
    ext_attrs: list[ExtendedAttribute] = field(default_factory=list)
    loc: Location = _loc()
    kind = "includes"


Definition = (
    Interface
    | InterfaceMixin
    | CallbackInterface
    | Namespace
    | Dictionary
    | Enum
    | Typedef
    | Callback
    | Includes
)


@dataclass(slots=True)
class IdlFile:
    """The definitions of one source file, in source order."""

    path: str
    definitions: list[Definition]
    # (start offset, end offset, text) of each `/** ... */` comment, for documentation.
    doc_comments: list[tuple[int, int, str]] = field(
        default_factory=list, compare=False, repr=False
    )
