"""Types (WebIDL §2.13 and the grammar's Type productions).

The standard's chain Type -> SingleType -> DistinguishableType -> PrimitiveType -> ... costs a
reduction per link; here each type form reduces straight to `Type` (or to `UnionMemberType`
inside a union, where `any` and `Promise` are not allowed), with its `?` in the same rule.
"""

from __future__ import annotations

from codegen.source import Location
from codegen.webidl.ast import GenericType, SimpleType, UnionType
from codegen.webidl.grammar.helpers import loc
from codegen.webidl.lexer import SyntheticToken


def p_type_with_extended_attributes(p):
    """TypeWithExtendedAttributes : Type
    | ExtendedAttributeList Type"""
    if len(p) == 2:
        p[0] = p[1]
    else:
        t = p[2]
        t.ext_attrs = p[1]
        p[0] = t


def p_type_reference(p):
    """Type : IDENTIFIER
    | IDENTIFIER '?'
    UnionMemberType : IDENTIFIER
    | IDENTIFIER '?'"""
    s = p.slice
    name = s[1].value
    if name == "void":
        # Not a keyword any more, so it parses as a type name; say what to write instead.
        p.lexer.report(s[1].lexpos, "`void` is not a WebIDL type: write `undefined`", 4)
    p[0] = SimpleType(
        name[1:] if name[0] == "_" else name,
        True,
        len(s) == 3,
        loc=Location(p.lexer.source, s[1].lexpos),
    )


def p_type_keyword(p):
    """Type : STRINGTYPE
    | STRINGTYPE '?'
    | BUFFERTYPE
    | BUFFERTYPE '?'
    | OBJECT
    | OBJECT '?'
    | SYMBOL
    | SYMBOL '?'
    | UNDEFINED
    | UNDEFINED '?'
    | BOOLEAN
    | BOOLEAN '?'
    | BYTE
    | BYTE '?'
    | OCTET
    | OCTET '?'
    | BIGINT
    | BIGINT '?'
    | FLOATTYPE
    | FLOATTYPE '?'
    UnionMemberType : STRINGTYPE
    | STRINGTYPE '?'
    | BUFFERTYPE
    | BUFFERTYPE '?'
    | OBJECT
    | OBJECT '?'
    | SYMBOL
    | SYMBOL '?'
    | UNDEFINED
    | UNDEFINED '?'
    | BOOLEAN
    | BOOLEAN '?'
    | BYTE
    | BYTE '?'
    | OCTET
    | OCTET '?'
    | BIGINT
    | BIGINT '?'
    | FLOATTYPE
    | FLOATTYPE '?'"""
    s = p.slice
    p[0] = SimpleType(s[1].value, False, len(s) == 3, loc=Location(p.lexer.source, s[1].lexpos))


def p_type_compound(p):
    """Type : NumericWords
    | NumericWords '?'
    UnionMemberType : NumericWords
    | NumericWords '?'"""
    name, where = p[1]
    p[0] = SimpleType(name, False, len(p) == 3, loc=where)


def p_numeric_words(p):
    """NumericWords : UNRESTRICTED FLOATTYPE
    | UNSIGNED SHORT
    | UNSIGNED LONG
    | UNSIGNED LONG LONG
    | SHORT
    | LONG
    | LONG LONG"""
    p[0] = (" ".join(p[1:]), loc(p, 1))


def p_type_generic(p):
    """Type : GenericType
    | GenericType '?'
    UnionMemberType : GenericType
    | GenericType '?'"""
    t = p[1]
    if len(p) == 3:
        t.nullable = True
    p[0] = t


def p_generic_type(p):
    """GenericType : SEQUENCE '<' TypeWithExtendedAttributes '>'
    | ASYNC_SEQUENCE '<' TypeWithExtendedAttributes '>'
    | FROZENARRAY '<' TypeWithExtendedAttributes '>'
    | OBSERVABLEARRAY '<' TypeWithExtendedAttributes '>'"""
    p[0] = GenericType(p[1], [p[3]], loc=loc(p, 1))


def p_generic_type_record(p):
    """GenericType : RECORD '<' STRINGTYPE ',' TypeWithExtendedAttributes '>'"""
    key = SimpleType(p[3], loc=loc(p, 3))
    p[0] = GenericType("record", [key, p[5]], loc=loc(p, 1))


def p_type_union(p):
    """Type : UnionType
    | UnionType '?'
    UnionMemberType : UnionType
    | UnionType '?'"""
    t = p[1]
    if len(p) == 3:
        t.nullable = True
    p[0] = t


def p_type_any(p):
    """Type : ANY"""
    p[0] = SimpleType("any", loc=loc(p, 1))


def p_type_promise(p):
    """Type : PROMISE '<' Type '>'"""
    p[0] = GenericType("Promise", [p[3]], loc=loc(p, 1))


def p_union_type(p):
    """UnionType : '(' UnionMemberTypes ')'"""
    members = p[2]
    if len(members) < 2 and not isinstance(p.slice[3], SyntheticToken):
        # The standard's grammar needs at least one `or`; say so rather than "unexpected )".
        # (A `)` put in by error repair follows a syntax error already reported there.)
        p.lexer.report(p.slice[3].lexpos, "a union type needs at least two member types")
    p[0] = UnionType(members, loc=loc(p, 1))


def p_union_member_types(p):
    """UnionMemberTypes : UnionMemberType
    | ExtendedAttributeList UnionMemberType
    | UnionMemberTypes OR UnionMemberType
    | UnionMemberTypes OR ExtendedAttributeList UnionMemberType"""
    # A member's extended attributes are spelled out here, not as a UnionMemberType of their
    # own: one list per member (`[A] [B] long` is not WebIDL), and no extra reduction.
    s = p.slice
    n = len(s)
    t = s[n - 1].value
    if s[n - 2].type == "ExtendedAttributeList":
        if isinstance(t, UnionType):
            # The standard allows extended attributes on distinguishable members only.
            p.lexer.report_at(t.loc, "extended attributes cannot apply to a nested union type")
        t.ext_attrs = s[n - 2].value
    if s[1].type == "UnionMemberTypes":
        members = s[1].value
        members.append(t)
        p[0] = members
    else:
        p[0] = [t]


def p_const_type(p):
    """ConstType : BOOLEAN
    | BYTE
    | OCTET
    | BIGINT
    | FLOATTYPE"""
    p[0] = SimpleType(p[1], loc=loc(p, 1))


def p_const_type_compound(p):
    """ConstType : NumericWords"""
    name, where = p[1]
    p[0] = SimpleType(name, loc=where)


def p_const_type_reference(p):
    """ConstType : IDENTIFIER"""
    name = p[1]
    p[0] = SimpleType(name[1:] if name[0] == "_" else name, True, loc=loc(p, 1))
