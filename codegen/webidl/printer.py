"""Print a WebIDL AST back as canonical WebIDL text.

`parse(print_idl(ast)) == ast` for every AST the parser builds, so the printer serves as the
round-trip oracle for the parser's tests, and `print_type` spells types in error messages and
generated documentation. The layout is the standard's: four-space indent, one member per line,
a definition's extended attributes on the line before it, a member's, argument's or type's
inline before it.

Identifiers that are spelled like a keyword are escaped with a leading `_` (`_interface`),
except where the grammar takes that keyword bare as a name (`async`/`required` attribute
names, the `includes` operation name, the ArgumentNameKeyword argument names).

Extended attributes print from their classified form (`[Exposed=(Window,Worker)]`, as the
standard writes it); the general balanced form prints its tokens. `tokens` records the
source's spelling, which can differ from the classified form's in a way a parse keeps: an
escaped identifier in an argument list (`[F(long _x)]` would print as `[F(long x)]` from the
arguments, which lexes to other tokens). Then the tokens are printed instead, so the round
trip is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

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
    ExtendedAttribute,
    Field,
    GenericType,
    IdlFile,
    IdlType,
    Includes,
    Interface,
    InterfaceMixin,
    Member,
    Namespace,
    Operation,
    SimpleType,
    Typedef,
)
from codegen.webidl.lexer import ARGUMENT_NAME_KEYWORDS, KEYWORDS, tokenize

INDENT = "    "

# Keywords the grammar accepts unescaped as the name of an attribute (AttributeNameKeyword)
# and of an operation (OperationNameKeyword); arguments take ARGUMENT_NAME_KEYWORDS.
_ATTRIBUTE_NAME_KEYWORDS = frozenset({"async", "required"})
_OPERATION_NAME_KEYWORDS = frozenset({"includes"})
_NONE: frozenset[str] = frozenset()


def _name(name: str, bare: frozenset[str] = _NONE) -> str:
    """`name` as an identifier token: keywords get the escaping `_` unless allowed `bare`."""
    return "_" + name if name in KEYWORDS and name not in bare else name


def _type_name(name: str) -> str:
    # `void` is no keyword, but the parser reports it as a type (`write undefined`) unless
    # escaped: a type named `void` is spelled `_void`.
    return "_void" if name == "void" else _name(name)


# --- extended attributes ------------------------------------------------------------------


def _arguments(arguments: Iterable[Argument] | None) -> str:
    return ", ".join(_argument(a) for a in arguments or ())


_CLASSIFIED: dict[str, Callable[[ExtendedAttribute], str]] = {
    "no-args": lambda a: a.name,
    "arg-list": lambda a: f"{a.name}({_arguments(a.arguments)})",
    "ident": lambda a: f"{a.name}={a.value}",
    "string": lambda a: f"{a.name}={a.value}",
    "integer": lambda a: f"{a.name}={a.value}",
    "decimal": lambda a: f"{a.name}={a.value}",
    "wildcard": lambda a: f"{a.name}=*",
    "ident-list": lambda a: f"{a.name}=({','.join(a.values)})",
    "named-arg-list": lambda a: f"{a.name}={a.value}({_arguments(a.arguments)})",
}


def print_extended_attribute(attr: ExtendedAttribute) -> str:
    """One extended attribute, without the brackets: `Exposed=(Window,Worker)`."""
    render = _CLASSIFIED.get(attr.form)
    if render is None:  # "balanced"
        return join_tokens(attr.tokens) if attr.tokens else attr.name
    text = render(attr)
    if attr.tokens and token_texts(text) != attr.tokens:
        return join_tokens(attr.tokens)
    return text


def _ext_attrs(attrs: Sequence[ExtendedAttribute]) -> str:
    """`[A, B=c] ` (with the trailing space) or "" when there are none."""
    if not attrs:
        return ""
    return "[" + ", ".join(print_extended_attribute(a) for a in attrs) + "] "


def token_texts(text: str) -> tuple[str, ...]:
    """The token texts WebIDL `text` lexes to (comments and whitespace dropped)."""
    return tuple(t.value for t in tokenize(text, _ignore, []))


def _ignore(offset: int, message: str, width: int = 1) -> None:
    pass


_OPEN = frozenset({"(", "[", "{", "<"})
_CLOSE = frozenset({")", "]", "}", ">"})
_NO_SPACE_BEFORE = frozenset({",", ")", "]", "}", ">", "?", "..."})


def join_tokens(tokens: Sequence[str]) -> str:
    """Token texts joined with readable spacing (`Foo=(a b, c)`, `F(long... x = 1)`).

    `=` is tight at the top level of an attribute and spaced inside brackets (a default
    value). If the spacing would glue two tokens into different ones (`-` then `x` is the
    identifier `-x`), the tokens are joined with single spaces, which always lexes back.
    """
    parts: list[str] = []
    depth = 0
    prev = ""
    for tok in tokens:
        if prev and not (
            tok in _NO_SPACE_BEFORE
            or prev in _OPEN
            or (tok in ("(", "<") and _is_word(prev) and prev != "or")
            or (depth == 0 and "=" in (prev, tok))
        ):
            parts.append(" ")
        parts.append(tok)
        if tok in _OPEN:
            depth += 1
        elif tok in _CLOSE and depth:
            depth -= 1
        prev = tok
    text = "".join(parts)
    if token_texts(text) != tuple(tokens):
        text = " ".join(tokens)
    return text


def _is_word(tok: str) -> bool:
    return tok[0].isalnum() or tok[0] in "_-"


# --- types ----------------------------------------------------------------------------------


def print_type(t: IdlType) -> str:
    """A type as WebIDL spells it, with its extended attributes: `[Clamp] long?`."""
    if isinstance(t, SimpleType):
        text = _type_name(t.name) if t.is_reference else t.name
    elif isinstance(t, GenericType):
        text = f"{t.generic}<{', '.join(print_type(a) for a in t.arguments)}>"
    else:
        text = "(" + " or ".join(print_type(m) for m in t.members) + ")"
    if t.nullable:
        text += "?"
    return _ext_attrs(t.ext_attrs) + text


# --- members ----------------------------------------------------------------------------------


def _argument(a: Argument) -> str:
    words = ["optional"] if a.optional else []
    words.append(print_type(a.type) + ("..." if a.variadic else ""))
    words.append(_name(a.name, ARGUMENT_NAME_KEYWORDS))
    default = f" = {a.default.text}" if a.default is not None else ""
    return _ext_attrs(a.ext_attrs) + " ".join(words) + default


def _attribute(m: Attribute) -> str:
    words = [m.special] if m.special else []
    if m.readonly:
        words.append("readonly")
    words += ["attribute", print_type(m.type), _name(m.name, _ATTRIBUTE_NAME_KEYWORDS)]
    return " ".join(words) + ";"


def _operation(m: Operation) -> str:
    if m.return_type is None:  # the bare `stringifier;`
        return f"{m.special};"
    special = f"{m.special} " if m.special else ""
    name = _name(m.name, _OPERATION_NAME_KEYWORDS)
    # An unnamed special operation reads `getter DOMString (unsigned long index);`.
    return f"{special}{print_type(m.return_type)} {name}({_arguments(m.arguments)});"


def _constructor(m: Constructor) -> str:
    return f"constructor({_arguments(m.arguments)});"


def _const(m: Const) -> str:
    return f"const {print_type(m.type)} {_name(m.name)} = {m.value.text};"


def _declaration(m: Declaration) -> str:
    readonly = "readonly " if m.readonly else ""
    types = ", ".join(print_type(t) for t in m.types)
    args = f"({_arguments(m.arguments)})" if m.arguments is not None else ""
    return f"{readonly}{m.kind}<{types}>{args};"


def _field(m: Field) -> str:
    required = "required " if m.required else ""
    default = f" = {m.default.text}" if m.default is not None else ""
    return f"{required}{print_type(m.type)} {_name(m.name)}{default};"


_MEMBERS: dict[type, Callable] = {
    Attribute: _attribute,
    Operation: _operation,
    Constructor: _constructor,
    Const: _const,
    Declaration: _declaration,
    Field: _field,
}


def print_member(m: Member | Field) -> str:
    """One member (or dictionary field) on one line, without indent."""
    return _ext_attrs(m.ext_attrs) + _MEMBERS[type(m)](m)


# --- definitions ------------------------------------------------------------------------------


def _partial(d: Interface | InterfaceMixin | Namespace | Dictionary) -> str:
    return "partial " if d.partial else ""


def _inherits(d: Interface | Dictionary) -> str:
    return f" : {_name(d.inherits)}" if d.inherits else ""


# Definitions with a body of members: class -> the text before the body's `{`.
_HEADS: dict[type, Callable] = {
    Interface: lambda d: f"{_partial(d)}interface {_name(d.name)}{_inherits(d)}",
    InterfaceMixin: lambda d: f"{_partial(d)}interface mixin {_name(d.name)}",
    CallbackInterface: lambda d: f"callback interface {_name(d.name)}",
    Namespace: lambda d: f"{_partial(d)}namespace {_name(d.name)}",
    Dictionary: lambda d: f"{_partial(d)}dictionary {_name(d.name)}{_inherits(d)}",
}


def _body(lines: list[str]) -> str:
    if not lines:
        return " {};"
    return " {\n" + "".join(f"{INDENT}{line}\n" for line in lines) + "};"


def _enum(d: Enum) -> str:
    values = [f'"{v.value}"' for v in d.values]
    return f"enum {_name(d.name)}" + _body([v + "," for v in values[:-1]] + values[-1:])


# The other definitions: class -> its text.
_DEFINITIONS: dict[type, Callable] = {
    Enum: _enum,
    Typedef: lambda d: f"typedef {print_type(d.type)} {_name(d.name)};",
    Callback: lambda d: (
        f"callback {_name(d.name)} = {print_type(d.return_type)} ({_arguments(d.arguments)});"
    ),
    Includes: lambda d: f"{_name(d.target)} includes {_name(d.mixin)};",
}


def print_definition(d: Definition) -> str:
    """One definition, its extended attributes on the line before it; no trailing newline."""
    head = _HEADS.get(type(d))
    if head is not None:
        text = head(d) + _body([print_member(m) for m in d.members])
    else:
        text = _DEFINITIONS[type(d)](d)
    attrs = _ext_attrs(d.ext_attrs)
    return f"{attrs.rstrip()}\n{text}" if attrs else text


def print_idl(idl: IdlFile | Sequence[Definition]) -> str:
    """A file's definitions as WebIDL, separated by blank lines, ending in a newline."""
    definitions = idl.definitions if isinstance(idl, IdlFile) else idl
    if not definitions:
        return ""
    return "\n\n".join(print_definition(d) for d in definitions) + "\n"


__all__ = [
    "join_tokens",
    "print_definition",
    "print_extended_attribute",
    "print_idl",
    "print_member",
    "print_type",
    "token_texts",
]
