"""Hypothesis strategies for random, syntactically valid WebIDL ASTs.

Every production of the grammar and every extended-attribute form is reachable, and only what
the grammar accepts is generated: a union has at least two members and no `any` or `Promise`
among them; `any` and `Promise<T>` are never nullable; a record's key is a string type; const
types are primitive or an identifier; a `required` dictionary member has no default; an
interface mixin, namespace or callback interface holds only the members its production allows
(the parser's `allowed_in`). Where the grammar takes a plain `Type` (an operation's return type,
a non-optional argument, a callback's return type, Promise's argument, a record key) the type
carries no extended attributes of its own.

Names come from a pool that mixes ordinary identifiers with keyword spellings that must be
escaped (`interface`, `Promise`, `long`) or may stand bare in some places (`required`, `async`,
`includes`), identifiers with `-` in them, and random identifiers.

Semantics are not considered (names repeat, references dangle, a constructor may sit in a
partial interface): these ASTs exercise the grammar, the parser and the printer, not the
validation pass.
"""

from __future__ import annotations

import string
from functools import cache

from hypothesis import strategies as st

from codegen.webidl.ast import (
    Argument,
    Attribute,
    Callback,
    CallbackInterface,
    Const,
    Constructor,
    Declaration,
    Definition,
    Dictionary,
    Enum,
    EnumValue,
    ExtendedAttribute,
    Field,
    GenericType,
    IdlType,
    Includes,
    Interface,
    InterfaceMixin,
    Namespace,
    Operation,
    SimpleType,
    Typedef,
    UnionType,
    Value,
)
from codegen.webidl.lexer import ARGUMENT_NAME_KEYWORDS, KEYWORDS
from codegen.webidl.printer import print_extended_attribute, token_texts

# Nesting budget: types inside types, arguments inside extended attributes inside arguments...
# The strategy factories below are cached per parameters: hypothesis then validates each
# strategy object once, instead of once per draw.
DEPTH = 2


def _same(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return strategy


# --- names --------------------------------------------------------------------------------

_PLAIN_NAMES = (
    "Foo",
    "bar",
    "NPUDevice",
    "x",
    "value2",
    "get_thing",
    "kebab-case",
    "trailing-",
    "-moz-thing",
    "void",  # not a keyword: an identifier like any other
    "Window",
    "Node",
)
# Every keyword spelled like an identifier, so it needs (or, for some names, may skip) the
# escaping `_`. `-Infinity` cannot be escaped (`_-Infinity` is not an identifier token).
_KEYWORD_NAMES = tuple(sorted(k for k in KEYWORDS if k[0] != "-"))


def _identifiers(prefixes: str) -> st.SearchStrategy[str]:
    """Random identifier tokens `[prefixes]?[A-Za-z][0-9A-Z_a-z-]*` (a few characters)."""
    return st.builds(
        lambda prefix, first, rest: prefix + first + rest,
        st.sampled_from(("", "", *prefixes)),
        st.sampled_from(string.ascii_letters),
        st.text(string.ascii_letters + string.digits + "_-", max_size=6),
    )


names = st.one_of(
    st.sampled_from(_PLAIN_NAMES),
    st.sampled_from(_KEYWORD_NAMES),
    _identifiers("-").filter(lambda s: s != "-Infinity"),
)
"""Identifiers as the AST holds them (unescaped); the printer escapes keywords."""

argument_names = st.one_of(names, st.sampled_from(sorted(ARGUMENT_NAME_KEYWORDS)))
attribute_names = st.one_of(names, st.sampled_from(("async", "required")))
operation_names = st.one_of(names, st.just("includes"))

# Extended attributes keep identifiers as written (no unescaping), and a keyword there is not
# an identifier token: raw names are any identifier that is not a keyword, `_Foo` included.
_EXT_ATTR_NAMES = (
    "Exposed",
    "SecureContext",
    "LegacyFactoryFunction",
    "Clamp",
    "EnforceRange",
    "AllowShared",
    "PutForwards",
    "Reflect",
    "ReflectRange",
    "CEReactions",
    "_Escaped",
    "-x-vendor",
)
raw_identifiers = st.one_of(
    st.sampled_from(_EXT_ATTR_NAMES),
    _identifiers("_-").filter(lambda s: s not in KEYWORDS),
)

# --- values -------------------------------------------------------------------------------

_SIGN = st.sampled_from(("", "", "-"))
_DIGITS = st.text(string.digits, min_size=1, max_size=3)
_INTEGER_FORMS = ("{}", "{:#x}", "{:#X}", "0{:o}")
_DECIMAL_FORMS = ("{}.{}", "{}.", ".{}", "{}.{}e{}", "{}E-{}", ".{}e+{}")

# Integer tokens in every spelling of the lexical grammar: decimal, hex, octal (`0`, `017`).
integer_literals = st.builds(
    lambda sign, form, n: sign + form.format(n),
    _SIGN,
    st.sampled_from(_INTEGER_FORMS),
    st.integers(0, 70000),
)
# Decimal tokens: `1.5`, `1.`, `.5`, `1.5e3`, `1E-3`, `.5e+2`, each possibly negative.
decimal_literals = st.builds(
    lambda sign, form, a, b, c: sign + form.format(a, b, c),
    _SIGN,
    st.sampled_from(_DECIMAL_FORMS),
    _DIGITS,
    _DIGITS,
    _DIGITS,
)
string_literals = st.text(
    st.characters(blacklist_characters='"', blacklist_categories=("Cs",)), max_size=8
).map(lambda s: f'"{s}"')


def _values(kind: str, texts: st.SearchStrategy[str]) -> st.SearchStrategy[Value]:
    return texts.map(lambda text: Value(kind, text))


const_values = st.one_of(
    _values("boolean", st.sampled_from(("true", "false"))),
    _values("integer", integer_literals),
    _values("decimal", decimal_literals),
    _values("infinity", st.sampled_from(("Infinity", "-Infinity"))),
    _values("nan", st.just("NaN")),
)
default_values = st.one_of(
    const_values,
    _values("string", string_literals),
    st.just(Value("null", "null")),
    st.just(Value("undefined", "undefined")),
    st.just(Value("sequence", "[]")),
    st.just(Value("dictionary", "{}")),
)

# --- types ----------------------------------------------------------------------------------

STRING_TYPES = ("ByteString", "DOMString", "USVString")
BUFFER_TYPES = tuple(sorted(k for k, v in KEYWORDS.items() if v == "BUFFERTYPE"))
NUMERIC_TYPES = (
    "byte",
    "octet",
    "short",
    "unsigned short",
    "long",
    "unsigned long",
    "long long",
    "unsigned long long",
    "float",
    "unrestricted float",
    "double",
    "unrestricted double",
    "bigint",
)
PRIMITIVE_TYPES = ("boolean", *NUMERIC_TYPES)
BUILTIN_TYPES = (*PRIMITIVE_TYPES, *STRING_TYPES, *BUFFER_TYPES, "object", "symbol", "undefined")
GENERICS = ("sequence", "FrozenArray", "ObservableArray", "async_sequence")

_builtin_types = st.sampled_from(BUILTIN_TYPES)
_generics = st.sampled_from(GENERICS)
_string_types = st.sampled_from(STRING_TYPES)
_booleans = st.booleans()


@cache
def _type_kinds(depth: int, in_union: bool) -> st.SearchStrategy[str]:
    kinds = ["builtin", "builtin", "reference"]
    if not in_union:
        kinds.append("any")
    if depth > 0:
        kinds += ["generic", "record", "union"]
        if not in_union:
            kinds.append("promise")
    return st.sampled_from(kinds)


@cache
def idl_types(
    depth: int = DEPTH, *, extended: bool = True, in_union: bool = False
) -> st.SearchStrategy[IdlType]:
    """Types of every form, nested up to `depth`.

    `extended`: the type may carry its own extended attributes (the grammar's
    TypeWithExtendedAttributes). `in_union`: a union member, so neither `any` nor `Promise`,
    and extended attributes only on a member that is not itself a union.
    """
    return _idl_type(depth, extended, in_union)


@st.composite
def _idl_type(draw, depth: int, extended: bool, in_union: bool) -> IdlType:
    kind = draw(_type_kinds(depth, in_union))
    t: IdlType
    if kind == "builtin":
        t = SimpleType(draw(_builtin_types))
    elif kind == "reference":
        t = SimpleType(draw(names), is_reference=True)
    elif kind == "any":
        t = SimpleType("any")
    elif kind == "promise":
        # `Promise<Type>`: the argument is a plain Type.
        t = GenericType("Promise", [draw(idl_types(depth - 1, extended=False))])
    elif kind == "generic":
        t = GenericType(draw(_generics), [draw(idl_types(depth - 1))])
    elif kind == "record":
        t = GenericType("record", [SimpleType(draw(_string_types)), draw(idl_types(depth - 1))])
    else:
        t = UnionType(draw(_union_members(depth - 1)))
    # `any` and `Promise<T>` are never nullable.
    t.nullable = kind not in ("any", "promise") and draw(_booleans)
    if extended and not (in_union and isinstance(t, UnionType)):
        t.ext_attrs = draw(optional_extended_attributes(depth - 1))
    return t


@cache
def _union_members(depth: int) -> st.SearchStrategy[list[IdlType]]:
    return st.lists(idl_types(depth, in_union=True), min_size=2, max_size=3)


const_types = st.one_of(
    st.sampled_from(PRIMITIVE_TYPES).map(SimpleType),
    names.map(lambda n: SimpleType(n, is_reference=True)),
)

# --- extended attributes --------------------------------------------------------------------

# Token texts for the general form: every kind of token that may stand in an attribute.
_WORD_TOKENS = st.one_of(
    raw_identifiers,
    st.sampled_from(sorted(KEYWORDS)),
    integer_literals,
    decimal_literals,
    string_literals,
)
_SYMBOL_TOKENS = st.sampled_from(("=", "<", ">", "?", "*", ":", ";", ".", "-", "...", "/"))
_TOKENS = st.one_of(_WORD_TOKENS, _SYMBOL_TOKENS)
_INNER_TOKENS = st.one_of(_WORD_TOKENS, _SYMBOL_TOKENS, st.just(","))


@cache
def _balanced_groups(depth: int, brackets: str = "([{") -> st.SearchStrategy[list[str]]:
    """`( ... )`, `[ ... ]` or `{ ... }` around any tokens, commas included, nested."""
    pairs = st.sampled_from([b + {"(": ")", "[": "]", "{": "}"}[b] for b in brackets])
    item = _INNER_TOKENS.map(lambda t: [t])
    if depth > 0:
        item = st.one_of(item, item, item, _balanced_groups(depth - 1))
    return st.builds(
        lambda pair, items: [pair[0], *(t for group in items for t in group), pair[1]],
        pairs,
        st.lists(item, max_size=3),
    )


def _shape(*parts: st.SearchStrategy) -> st.SearchStrategy[tuple[str, ...]]:
    """Token lists concatenated from parts, each drawing a list of token texts."""
    return st.tuples(*parts).map(lambda lists: tuple(t for part in lists for t in part))


def _fixed(*tokens: str) -> st.SearchStrategy[list[str]]:
    return st.just(list(tokens))


_one = st.builds(lambda t: [t], raw_identifiers)
_words = st.lists(_TOKENS, max_size=3)

# Token sequences none of the named forms matches, one strategy per way of not matching.
_BALANCED_SHAPES = (
    # Not starting with an identifier: `[1]`, `[interface x]`, `[= a]`.
    _shape(
        st.one_of(
            st.sampled_from(sorted(KEYWORDS)),
            _SYMBOL_TOKENS,
            integer_literals,
            decimal_literals,
            string_literals,
        ).map(lambda t: [t]),
        _words,
    ),
    # Starting with a group: `[(a) b]`, `[{}]`.
    _shape(_balanced_groups(1), _words),
    # A token after the name that is neither `=` nor `(`: `[Foo bar]`, `[Foo<long>]`.
    _shape(_one, _TOKENS.filter(lambda s: s != "=").map(lambda t: [t]), _words),
    # `=` then more than one token, or a token that is not a value: `[F=a b]`, `[F=null]`.
    _shape(
        _one,
        _fixed("="),
        st.one_of(
            st.lists(_TOKENS, min_size=2, max_size=3),
            st.one_of(
                st.sampled_from(sorted(KEYWORDS)), _SYMBOL_TOKENS.filter(lambda s: s != "*")
            ).map(lambda t: [t]),
        ),
    ),
    # Parentheses around what is not an argument list: `[F(1, 2)]`, `[F("a" b)]`.
    _shape(
        _one,
        _fixed("("),
        st.one_of(integer_literals, string_literals, st.just(",")).map(lambda t: [t]),
        st.lists(st.one_of(_WORD_TOKENS, st.just(",")), max_size=3),
        _fixed(")"),
    ),
    # `=(...)` that is not a value list: `[F=()]`, `[F=(a b)]`, `[F=(a,)]`.
    _shape(
        _one,
        st.sampled_from(
            ([], ["a", "b"], ["a", ","], [",", "a"], ["a", "=", "b"], ["(", ")"], ["long"])
        ).map(lambda inner: ["=", "(", *inner, ")"]),
    ),
    # A named argument list with something after it: `[F=G() y]`.
    _shape(_one, _fixed("="), _one, _fixed("(", ")"), _WORD_TOKENS.map(lambda t: [t])),
    # Groups after the name (but not a lone `(...)`, which may be an argument list).
    _shape(_one, _balanced_groups(2, "[{"), st.one_of(_fixed(), _balanced_groups(1))),
)

# (`sampled_from(...).flatmap` rather than `one_of`: hypothesis would flatten a `one_of` of
# shapes into the enclosing `one_of` of forms, and the general form would crowd out the others.)
balanced_extended_attributes = (
    st.sampled_from(_BALANCED_SHAPES)
    .flatmap(_same)
    .map(lambda tokens: ExtendedAttribute(tokens[0], "balanced", tokens=tokens))
)
"""The general (balanced-token) form, for token sequences none of the named forms matches."""

_LITERALS = st.one_of(raw_identifiers, string_literals, integer_literals, decimal_literals)
_NAMED_FORMS = {
    "no-args": {},
    "ident": {"value": raw_identifiers},
    "string": {"value": string_literals},
    "integer": {"value": integer_literals},
    "decimal": {"value": decimal_literals},
    "wildcard": {"value": st.just("*")},
    "ident-list": {"values": st.lists(_LITERALS, min_size=1, max_size=3).map(tuple)},
}


def _with_tokens(attr: ExtendedAttribute) -> ExtendedAttribute:
    # `tokens` is what the parser saw: for a classified form, the printed form's tokens.
    attr.tokens = token_texts(print_extended_attribute(attr))
    return attr


@cache
def extended_attributes(depth: int = DEPTH) -> st.SearchStrategy[ExtendedAttribute]:
    """One extended attribute in any of the forms of WebIDL §2.14, or the balanced form."""
    forms = [
        st.builds(ExtendedAttribute, raw_identifiers, st.just(form), **fields).map(_with_tokens)
        for form, fields in _NAMED_FORMS.items()
    ]
    forms.append(balanced_extended_attributes)
    if depth > 0:
        args = argument_lists(depth - 1)
        forms.append(
            st.builds(ExtendedAttribute, raw_identifiers, st.just("arg-list"), arguments=args).map(
                _with_tokens
            )
        )
        forms.append(
            st.builds(
                ExtendedAttribute,
                raw_identifiers,
                st.just("named-arg-list"),
                value=raw_identifiers,
                arguments=args,
            ).map(_with_tokens)
        )
    return st.one_of(forms)


@cache
def extended_attribute_lists(depth: int = DEPTH) -> st.SearchStrategy[list[ExtendedAttribute]]:
    """A `[...]` list: one to three attributes."""
    return st.lists(extended_attributes(depth), min_size=1, max_size=3)


@cache
def optional_extended_attributes(depth: int = DEPTH) -> st.SearchStrategy[list[ExtendedAttribute]]:
    """Usually none (as in real IDL), else a `[...]` list."""
    none = st.builds(list)
    return st.one_of(none, none, extended_attribute_lists(depth))


# --- arguments and members --------------------------------------------------------------------

_argument_kinds = st.sampled_from(("required", "optional", "variadic"))
_maybe_default = st.one_of(st.none(), default_values)


@cache
def arguments(depth: int = DEPTH) -> st.SearchStrategy[Argument]:
    """`[A] optional [B] T name = default`, `T... name` or `[A] T name`."""
    return _argument(depth)


@st.composite
def _argument(draw, depth: int) -> Argument:
    kind = draw(_argument_kinds)
    optional = kind == "optional"
    return Argument(
        draw(argument_names),
        # Only an optional argument's type is a TypeWithExtendedAttributes; otherwise the
        # attributes before the type belong to the argument.
        draw(idl_types(depth, extended=optional)),
        optional=optional,
        variadic=kind == "variadic",
        default=draw(_maybe_default) if optional else None,
        ext_attrs=draw(optional_extended_attributes(depth - 1)),
    )


@cache
def argument_lists(depth: int = DEPTH) -> st.SearchStrategy[list[Argument]]:
    return st.lists(arguments(depth), max_size=3)


@cache
def attributes(
    specials: tuple[str, ...] = ("", "static", "stringifier", "inherit"),
    readonly: tuple[bool, ...] = (False, True),
    depth: int = DEPTH,
) -> st.SearchStrategy[Attribute]:
    return st.builds(
        # `inherit readonly attribute` is not in the grammar.
        lambda name, t, ro, special: Attribute(name, t, ro and special != "inherit", special),
        attribute_names,
        idl_types(depth),
        st.sampled_from(readonly),
        st.sampled_from(specials),
    )


_operation_names = st.one_of(operation_names, operation_names, operation_names, st.just(""))
_one_in_four = st.integers(0, 3).map(lambda n: n == 0)


@cache
def operations(
    specials: tuple[str, ...] = ("", "getter", "setter", "deleter", "static", "stringifier"),
    depth: int = DEPTH,
) -> st.SearchStrategy[Operation]:
    """Regular, special and static operations, named or not, and the bare `stringifier;`."""
    return _operation(st.sampled_from(specials), depth)


@st.composite
def _operation(draw, specials: st.SearchStrategy[str], depth: int) -> Operation:
    special = draw(specials)
    if special == "stringifier" and draw(_one_in_four):
        return Operation("", None, [], special)
    # Unnamed operations are grammatical for every kind (the special ones need them).
    name = draw(_operation_names)
    return_type = draw(idl_types(depth, extended=False))
    return Operation(name, return_type, draw(argument_lists(depth)), special)


@cache
def constructors(depth: int = DEPTH) -> st.SearchStrategy[Constructor]:
    return st.builds(Constructor, argument_lists(depth))


consts = st.builds(Const, names, const_types, const_values)

DECLARATION_KINDS = ("iterable", "async_iterable", "maplike", "setlike")
_one_or_two = st.integers(1, 2)


@cache
def declarations(
    kinds: tuple[str, ...] = DECLARATION_KINDS, depth: int = DEPTH
) -> st.SearchStrategy[Declaration]:
    """iterable<V>, iterable<K, V>, async_iterable<...>(args), [readonly] maplike / setlike."""
    maybe_arguments = st.one_of(st.none(), argument_lists(depth))
    return _declaration(st.sampled_from(kinds), depth, maybe_arguments)


@st.composite
def _declaration(draw, kinds, depth: int, maybe_arguments) -> Declaration:
    kind = draw(kinds)
    count = {"maplike": 2, "setlike": 1}.get(kind) or draw(_one_or_two)
    decl = Declaration(kind, [draw(idl_types(depth)) for _ in range(count)])
    if kind in ("maplike", "setlike"):
        decl.readonly = draw(_booleans)
    elif kind == "async_iterable":
        decl.arguments = draw(maybe_arguments)
    return decl


@cache
def required_fields(depth: int = DEPTH) -> st.SearchStrategy[Field]:
    """`required [A] T name;` (a default there is the validation pass's error to report)."""
    return st.builds(Field, names, idl_types(depth), st.just(True))


@cache
def optional_fields(depth: int = DEPTH) -> st.SearchStrategy[Field]:
    """`T name;` or `T name = default;`: a plain Type, without extended attributes."""
    return st.builds(Field, names, idl_types(depth, extended=False), st.just(False), _maybe_default)


def _with_ext_attrs(node: st.SearchStrategy, depth: int = DEPTH) -> st.SearchStrategy:
    return st.builds(
        lambda n, attrs: (setattr(n, "ext_attrs", attrs), n)[1],
        node,
        optional_extended_attributes(depth),
    )


def _each(make, variants) -> tuple[st.SearchStrategy, ...]:
    return tuple(make((v,)) for v in variants)


# Container -> depth -> one strategy per member production the container allows (each
# special, each declaration kind on its own, so `dense` bodies reach every one).
_MEMBER_KINDS = {
    "interface": lambda depth: (
        *_each(lambda s: attributes(s, depth=depth), ("", "static", "stringifier", "inherit")),
        *_each(
            lambda s: operations(s, depth),
            ("", "getter", "setter", "deleter", "static", "stringifier"),
        ),
        constructors(depth),
        consts,
        *_each(lambda k: declarations(k, depth), DECLARATION_KINDS),
    ),
    "interface mixin": lambda depth: (
        *_each(lambda s: attributes(s, depth=depth), ("", "stringifier")),
        *_each(lambda s: operations(s, depth), ("", "stringifier")),
        consts,
    ),
    "namespace": lambda depth: (
        attributes(("",), (True,), depth),
        operations(("",), depth),
        consts,
    ),
    "callback interface": lambda depth: (operations(("",), depth), consts),
    "dictionary": lambda depth: (required_fields(depth), optional_fields(depth)),
}


def _pick(*strategies: st.SearchStrategy) -> st.SearchStrategy:
    # Each strategy equally likely: `one_of` would flatten a strategy that is itself a
    # `one_of` into its branches and so weight it by how many it has.
    return st.sampled_from(strategies).flatmap(_same)


@cache
def members(container: str, depth: int = DEPTH, dense: bool = False) -> st.SearchStrategy[list]:
    """A body's members: only those the container's production allows (`allowed_in` in
    grammar/members.py); a dictionary's fields.

    `dense`: at least one member of every kind the container allows, in random order, so a
    test about members reaches every member production in fewer examples.
    """
    kinds = _MEMBER_KINDS[container](depth)
    some = st.lists(_with_ext_attrs(_pick(*kinds), depth), max_size=6)
    if not dense:
        return some
    every = st.tuples(*(_with_ext_attrs(kind, depth) for kind in kinds))
    extra = st.lists(_with_ext_attrs(_pick(*kinds), depth), max_size=2)
    return st.tuples(every, extra).flatmap(lambda both: st.permutations([*both[0], *both[1]]))


# --- definitions ------------------------------------------------------------------------------

_maybe_name = st.one_of(st.none(), names)


@st.composite
def _inheriting(draw, cls, body):
    # A partial interface or dictionary names no parent.
    partial = draw(_booleans)
    return cls(draw(names), draw(body), None if partial else draw(_maybe_name), partial)


enum_values = st.text(
    st.characters(blacklist_characters='"', blacklist_categories=("Cs",)), max_size=6
).map(EnumValue)


@cache
def definitions_of(
    cls: type, depth: int = DEPTH, dense: bool = False
) -> st.SearchStrategy[Definition]:
    """Definitions of class `cls`, without their own extended attributes (`dense`: see
    `members`)."""
    if cls is Interface:
        return _inheriting(Interface, members("interface", depth, dense))
    if cls is Dictionary:
        return _inheriting(Dictionary, members("dictionary", depth, dense))
    if cls is InterfaceMixin:
        body = members("interface mixin", depth, dense)
        return st.builds(InterfaceMixin, names, body, _booleans)
    if cls is Namespace:
        return st.builds(Namespace, names, members("namespace", depth, dense), _booleans)
    if cls is CallbackInterface:
        body = members("callback interface", depth, dense)
        return st.builds(CallbackInterface, names, body)
    if cls is Enum:
        return st.builds(Enum, names, st.lists(enum_values, min_size=1, max_size=4))
    if cls is Typedef:
        return st.builds(Typedef, names, idl_types(depth))
    if cls is Callback:
        return st.builds(Callback, names, idl_types(depth, extended=False), argument_lists(depth))
    assert cls is Includes
    return st.builds(Includes, names, names)


DEFINITION_KINDS = (
    Interface,
    InterfaceMixin,
    Namespace,
    CallbackInterface,
    Dictionary,
    Enum,
    Typedef,
    Callback,
    Includes,
)

definitions: st.SearchStrategy[Definition] = _with_ext_attrs(
    _pick(*(definitions_of(cls) for cls in DEFINITION_KINDS))
)
"""Any top-level definition, with or without extended attributes."""


def definition_lists(max_size: int = 4) -> st.SearchStrategy[list[Definition]]:
    """A file's worth of definitions."""
    return st.lists(definitions, max_size=max_size)
