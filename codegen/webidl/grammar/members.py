"""Members of interfaces, mixins, namespaces and callback interfaces; arguments; values.

One `Members` production serves every container; the container's own production then checks
which member kinds its part of the standard's grammar allows (`check_members`), so a misplaced
member gets a sentence ("a namespace cannot have a constructor") instead of "unexpected token".
"""

from __future__ import annotations

from codegen.webidl.ast import (
    Argument,
    Attribute,
    Const,
    Constructor,
    Declaration,
    Operation,
    Value,
)
from codegen.webidl.grammar.helpers import loc
from codegen.webidl.lexer import ARGUMENT_NAME_KEYWORDS, KEYWORDS

# --- member lists -------------------------------------------------------------------------


def p_members(p):
    """Members : empty"""
    p[0] = []


def p_members_append(p):
    """Members : Members Member"""
    members = p[1]
    members.append(p[2])
    p[0] = members


def p_members_append_extended(p):
    """Members : Members ExtendedAttributeList Member"""
    members = p[1]
    member = p[3]
    member.ext_attrs = p[2]
    members.append(member)
    p[0] = members


def p_members_error(p):
    """Members : Members error ';'"""
    # Recovery point: the error handler skipped to this member's `;`. Report the next error too.
    p.parser.errok()
    p[0] = p[1]


# --- constants ----------------------------------------------------------------------------


def p_member_const(p):
    """Member : CONST ConstType IDENTIFIER '=' ConstValue ';'"""
    name = p[3]
    p[0] = Const(name[1:] if name[0] == "_" else name, p[2], p[5], loc=loc(p, 3))


def p_const_value(p):
    """ConstValue : TRUE
    | FALSE"""
    p[0] = Value("boolean", p[1], loc=loc(p, 1))


def p_const_value_integer(p):
    """ConstValue : INTEGER"""
    p[0] = Value("integer", p[1], loc=loc(p, 1))


def p_const_value_decimal(p):
    """ConstValue : DECIMAL"""
    p[0] = Value("decimal", p[1], loc=loc(p, 1))


def p_const_value_infinity(p):
    """ConstValue : INFINITY
    | MINUSINFINITY"""
    p[0] = Value("infinity", p[1], loc=loc(p, 1))


def p_const_value_nan(p):
    """ConstValue : NAN"""
    p[0] = Value("nan", p[1], loc=loc(p, 1))


def p_default_value(p):
    """DefaultValue : ConstValue"""
    p[0] = p[1]


def p_default_value_string(p):
    """DefaultValue : STRING"""
    p[0] = Value("string", p[1], loc=loc(p, 1))


def p_default_value_keyword(p):
    """DefaultValue : NULL
    | UNDEFINED"""
    p[0] = Value(p[1], p[1], loc=loc(p, 1))


def p_default_value_empty_sequence(p):
    """DefaultValue : '[' ']'"""
    p[0] = Value("sequence", "[]", loc=loc(p, 1))


def p_default_value_empty_dictionary(p):
    """DefaultValue : '{' '}'"""
    p[0] = Value("dictionary", "{}", loc=loc(p, 1))


# --- attributes ---------------------------------------------------------------------------


def p_attribute_rest(p):
    """AttributeRest : ATTRIBUTE TypeWithExtendedAttributes IDENTIFIER ';'
    | ATTRIBUTE TypeWithExtendedAttributes ASYNC ';'
    | ATTRIBUTE TypeWithExtendedAttributes REQUIRED ';'"""
    name = p[3]
    p[0] = Attribute(name[1:] if name[0] == "_" else name, p[2], loc=loc(p, 3))


def p_member_attribute(p):
    """Member : AttributeRest"""
    p[0] = p[1]


def p_member_readonly_attribute(p):
    """Member : READONLY AttributeRest"""
    attr = p[2]
    attr.readonly = True
    p[0] = attr


def p_member_special_attribute(p):
    """Member : STATIC AttributeRest
    | STRINGIFIER AttributeRest
    | INHERIT AttributeRest"""
    attr = p[2]
    attr.special = p[1]
    p[0] = attr


def p_member_special_readonly_attribute(p):
    """Member : STATIC READONLY AttributeRest
    | STRINGIFIER READONLY AttributeRest"""
    attr = p[3]
    attr.special = p[1]
    attr.readonly = True
    p[0] = attr


def p_member_inherit_readonly_attribute(p):
    """Member : INHERIT READONLY AttributeRest"""
    # The standard's grammar has no `inherit readonly`; say why instead of "unexpected".
    p.lexer.report(p.slice[2].lexpos, "an inherited attribute cannot be readonly", 8)
    attr = p[3]
    attr.special = "inherit"
    p[0] = attr


# --- operations ---------------------------------------------------------------------------


def p_regular_operation(p):
    """RegularOperation : Type OperationRest"""
    name, args, where = p[2]
    p[0] = Operation(name, p[1], args, loc=where)


def p_operation_rest_named(p):
    """OperationRest : IDENTIFIER '(' Arguments ')' ';'
    | INCLUDES '(' Arguments ')' ';'"""
    name = p[1]
    p[0] = (name[1:] if name[0] == "_" else name, p[3], loc(p, 1))


def p_operation_rest_named_no_arguments(p):
    """OperationRest : IDENTIFIER '(' ')' ';'
    | INCLUDES '(' ')' ';'"""
    name = p[1]
    p[0] = (name[1:] if name[0] == "_" else name, [], loc(p, 1))


def p_operation_rest_unnamed(p):
    """OperationRest : '(' ArgumentList ')' ';'"""
    p[0] = ("", p[2], loc(p, 1))


def p_member_operation(p):
    """Member : RegularOperation"""
    p[0] = p[1]


def p_member_special_operation(p):
    """Member : GETTER RegularOperation
    | SETTER RegularOperation
    | DELETER RegularOperation
    | STATIC RegularOperation
    | STRINGIFIER RegularOperation"""
    op = p[2]
    op.special = p[1]
    p[0] = op


def p_member_stringifier(p):
    """Member : STRINGIFIER ';'"""
    p[0] = Operation("", None, [], special="stringifier", loc=loc(p, 1))


def p_member_constructor(p):
    """Member : CONSTRUCTOR '(' ArgumentList ')' ';'"""
    p[0] = Constructor(p[3], loc=loc(p, 1))


# --- iterable, async_iterable, maplike, setlike ----------------------------------------------


def p_member_iterable(p):
    """Member : ITERABLE '<' TypeWithExtendedAttributes '>' ';'
    | ITERABLE '<' TypeWithExtendedAttributes ',' TypeWithExtendedAttributes '>' ';'"""
    types = [p[3]] if len(p) == 6 else [p[3], p[5]]
    p[0] = Declaration("iterable", types, loc=loc(p, 1))


def p_member_async_iterable(p):
    """Member : ASYNC_ITERABLE '<' TypeWithExtendedAttributes '>' OptionalArgumentList ';'
    | ASYNC_ITERABLE '<' TypeWithExtendedAttributes ',' TypeWithExtendedAttributes '>' OptionalArgumentList ';'"""  # noqa: E501
    if len(p) == 7:
        types, args = [p[3]], p[5]
    else:
        types, args = [p[3], p[5]], p[7]
    p[0] = Declaration("async_iterable", types, arguments=args, loc=loc(p, 1))


def p_member_legacy_async_iterable(p):
    """Member : ASYNC ITERABLE '<' TypeWithExtendedAttributes '>' OptionalArgumentList ';'
    | ASYNC ITERABLE '<' TypeWithExtendedAttributes ',' TypeWithExtendedAttributes '>' OptionalArgumentList ';'"""  # noqa: E501
    p.lexer.report(
        p.slice[1].lexpos,
        "`async iterable` is not WebIDL any more: write `async_iterable`",
        len("async iterable"),
    )
    types = [p[4]] if len(p) == 8 else [p[4], p[6]]
    p[0] = Declaration("async_iterable", types, arguments=p[len(p) - 2], loc=loc(p, 1))


def p_optional_argument_list(p):
    """OptionalArgumentList : empty
    | '(' ArgumentList ')'"""
    p[0] = p[2] if len(p) == 4 else None


def p_member_maplike(p):
    """Member : MAPLIKE '<' TypeWithExtendedAttributes ',' TypeWithExtendedAttributes '>' ';'"""
    p[0] = Declaration("maplike", [p[3], p[5]], loc=loc(p, 1))


def p_member_setlike(p):
    """Member : SETLIKE '<' TypeWithExtendedAttributes '>' ';'"""
    p[0] = Declaration("setlike", [p[3]], loc=loc(p, 1))


def p_member_readonly_declaration(p):
    """Member : READONLY MAPLIKE '<' TypeWithExtendedAttributes ',' TypeWithExtendedAttributes '>' ';'
    | READONLY SETLIKE '<' TypeWithExtendedAttributes '>' ';'"""  # noqa: E501
    types = [p[4], p[6]] if len(p) == 9 else [p[4]]
    p[0] = Declaration(p[2], types, readonly=True, loc=loc(p, 2))


# --- arguments ----------------------------------------------------------------------------


def p_argument_list(p):
    """ArgumentList : empty
    | Arguments"""
    p[0] = p[1] if p[1] is not None else []


def p_arguments(p):
    """Arguments : Argument
    | Arguments ',' Argument"""
    if len(p) == 2:
        p[0] = [p[1]]
    else:
        args = p[1]
        args.append(p[3])
        p[0] = args


def p_argument_extended(p):
    """Argument : ExtendedAttributeList ArgumentRest"""
    # One list only: `[A] [B] long x` is not WebIDL. ArgumentRest repeats Argument's own
    # alternatives (below) so that an argument without extended attributes, the usual case,
    # costs no extra reduction.
    arg = p[2]
    arg.ext_attrs = p[1]
    p[0] = arg


def p_argument_optional(p):
    """Argument : OPTIONAL TypeWithExtendedAttributes IDENTIFIER
    | OPTIONAL TypeWithExtendedAttributes ArgumentNameKeyword
    ArgumentRest : OPTIONAL TypeWithExtendedAttributes IDENTIFIER
    | OPTIONAL TypeWithExtendedAttributes ArgumentNameKeyword"""
    name = p[3]
    p[0] = Argument(name[1:] if name[0] == "_" else name, p[2], optional=True, loc=loc(p, 3))


def p_argument_optional_default(p):
    """Argument : OPTIONAL TypeWithExtendedAttributes IDENTIFIER '=' DefaultValue
    | OPTIONAL TypeWithExtendedAttributes ArgumentNameKeyword '=' DefaultValue
    ArgumentRest : OPTIONAL TypeWithExtendedAttributes IDENTIFIER '=' DefaultValue
    | OPTIONAL TypeWithExtendedAttributes ArgumentNameKeyword '=' DefaultValue"""
    name = p[3]
    p[0] = Argument(
        name[1:] if name[0] == "_" else name, p[2], optional=True, default=p[5], loc=loc(p, 3)
    )


def p_argument_required(p):
    """Argument : Type IDENTIFIER
    | Type ArgumentNameKeyword
    ArgumentRest : Type IDENTIFIER
    | Type ArgumentNameKeyword"""
    name = p[2]
    p[0] = Argument(name[1:] if name[0] == "_" else name, p[1], loc=loc(p, 2))


def p_argument_variadic(p):
    """Argument : Type ELLIPSIS IDENTIFIER
    | Type ELLIPSIS ArgumentNameKeyword
    ArgumentRest : Type ELLIPSIS IDENTIFIER
    | Type ELLIPSIS ArgumentNameKeyword"""
    name = p[3]
    p[0] = Argument(name[1:] if name[0] == "_" else name, p[1], variadic=True, loc=loc(p, 3))


def p_argument_name_keyword(p):
    # Docstring built below: the standard's ArgumentNameKeyword list. The value is the
    # keyword's text; `loc(p, i)` of the enclosing rule still points at it, because this
    # rule passes the keyword token's position through.
    p[0] = p[1]
    p.slice[0].lexpos = p.slice[1].lexpos


p_argument_name_keyword.__doc__ = "ArgumentNameKeyword : " + "\n    | ".join(
    KEYWORDS[k] for k in sorted(ARGUMENT_NAME_KEYWORDS)
)


# --- which members each container allows (the standard's per-container member productions) ---

_NAMESPACE_FORBIDS = "a namespace"
_MIXIN = "an interface mixin"
_CALLBACK_INTERFACE = "a callback interface"


def member_description(member) -> str:
    """How a person would name this member kind in an error message."""
    if isinstance(member, Constructor):
        return "a constructor"
    if isinstance(member, Declaration):
        kind = f"{'readonly ' if member.readonly else ''}{member.kind}"
        return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} declaration"
    if isinstance(member, Const):
        return "a constant"
    if isinstance(member, Attribute):
        if member.special == "inherit":
            return "an inherited attribute"
        if member.special:
            return f"a {member.special} attribute"
        return "a readonly attribute" if member.readonly else "a writable attribute"
    if member.special == "stringifier" and member.return_type is None:
        return "a stringifier"
    if member.special:
        return f"a {member.special} operation"
    return "an operation"


def allowed_in(container: str, member) -> bool:
    """Whether the standard's grammar lets `member` appear in `container`.

    Interfaces (partial or not) take every member kind; `constructor` in a partial interface is a
    semantic error the validation pass reports.
    """
    if container == "interface":
        return True
    if isinstance(member, Const):
        return True
    if container == "callback interface":
        return isinstance(member, Operation) and not member.special
    if container == "namespace":
        if isinstance(member, Operation):
            return not member.special
        return isinstance(member, Attribute) and member.readonly and not member.special
    # interface mixin: Const | RegularOperation | Stringifier | OptionalReadOnly AttributeRest
    if isinstance(member, Operation):
        return member.special in ("", "stringifier")
    if isinstance(member, Attribute):
        return member.special in ("", "stringifier")
    return False


def check_members(p, container: str, members: list) -> None:
    """Report members the standard's grammar does not allow in this kind of container."""
    article = {
        "interface mixin": _MIXIN,
        "namespace": _NAMESPACE_FORBIDS,
        "callback interface": _CALLBACK_INTERFACE,
    }.get(container)
    if article is None:
        return
    source = p.lexer
    for member in members:
        if not allowed_in(container, member):
            message = f"{article} cannot have {member_description(member)}"
            source.report_at(member.loc, message, _loc_width(member))


def _loc_width(member) -> int:
    """How many characters the token at `member.loc` has (its name, or its keyword)."""
    if isinstance(member, Constructor):
        return len("constructor")
    if isinstance(member, Declaration):
        return len(member.kind)
    if isinstance(member, Operation) and not member.name:
        return len("stringifier") if member.return_type is None else 1  # `stringifier;`, `(`
    return len(member.name)
