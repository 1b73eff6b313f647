"""Top-level definitions (WebIDL §2.2-§2.12): the start of the grammar."""

from __future__ import annotations

from codegen.webidl.ast import (
    Callback,
    CallbackInterface,
    Dictionary,
    Enum,
    EnumValue,
    Field,
    Includes,
    Interface,
    InterfaceMixin,
    Namespace,
    Typedef,
)
from codegen.webidl.grammar.helpers import loc
from codegen.webidl.grammar.members import check_members


def p_start(p):
    """Start : Definitions
    | ARGUMENTS_START ArgumentList"""
    # ARGUMENTS_START is never produced by the lexer: the parser puts it in front of an
    # extended attribute's tokens to re-parse them as an argument list with this same table.
    p[0] = p[len(p) - 1]


def p_definitions(p):
    """Definitions : empty"""
    p[0] = []


def p_definitions_append(p):
    """Definitions : Definitions Definition"""
    definitions = p[1]
    definitions.append(p[2])
    p[0] = definitions


def p_definitions_append_extended(p):
    """Definitions : Definitions ExtendedAttributeList Definition"""
    definitions = p[1]
    definition = p[3]
    definition.ext_attrs = p[2]
    definitions.append(definition)
    p[0] = definitions


def p_definitions_error(p):
    """Definitions : Definitions error ';'"""
    # Recovery point: the error handler skipped to the end of the broken definition.
    p.parser.errok()
    p[0] = p[1]


def _name(p, i):
    name = p[i]
    return name[1:] if name[0] == "_" else name


def p_inheritance(p):
    """Inheritance : empty
    | ':' IDENTIFIER"""
    p[0] = _name(p, 2) if len(p) == 3 else None


def p_interface(p):
    """Definition : INTERFACE IDENTIFIER Inheritance '{' Members '}' ';'"""
    p[0] = Interface(_name(p, 2), p[5], inherits=p[3], loc=loc(p, 2))


def p_partial_interface(p):
    """Definition : PARTIAL INTERFACE IDENTIFIER '{' Members '}' ';'"""
    p[0] = Interface(_name(p, 3), p[5], partial=True, loc=loc(p, 3))


def p_interface_mixin(p):
    """Definition : INTERFACE MIXIN IDENTIFIER '{' Members '}' ';'"""
    check_members(p, "interface mixin", p[5])
    p[0] = InterfaceMixin(_name(p, 3), p[5], loc=loc(p, 3))


def p_partial_interface_mixin(p):
    """Definition : PARTIAL INTERFACE MIXIN IDENTIFIER '{' Members '}' ';'"""
    check_members(p, "interface mixin", p[6])
    p[0] = InterfaceMixin(_name(p, 4), p[6], partial=True, loc=loc(p, 4))


def p_callback_interface(p):
    """Definition : CALLBACK INTERFACE IDENTIFIER '{' Members '}' ';'"""
    check_members(p, "callback interface", p[5])
    p[0] = CallbackInterface(_name(p, 3), p[5], loc=loc(p, 3))


def p_callback(p):
    """Definition : CALLBACK IDENTIFIER '=' Type '(' ArgumentList ')' ';'"""
    p[0] = Callback(_name(p, 2), p[4], p[6], loc=loc(p, 2))


def p_namespace(p):
    """Definition : NAMESPACE IDENTIFIER '{' Members '}' ';'"""
    check_members(p, "namespace", p[4])
    p[0] = Namespace(_name(p, 2), p[4], loc=loc(p, 2))


def p_partial_namespace(p):
    """Definition : PARTIAL NAMESPACE IDENTIFIER '{' Members '}' ';'"""
    check_members(p, "namespace", p[5])
    p[0] = Namespace(_name(p, 3), p[5], partial=True, loc=loc(p, 3))


def p_dictionary(p):
    """Definition : DICTIONARY IDENTIFIER Inheritance '{' Fields '}' ';'"""
    p[0] = Dictionary(_name(p, 2), p[5], inherits=p[3], loc=loc(p, 2))


def p_partial_dictionary(p):
    """Definition : PARTIAL DICTIONARY IDENTIFIER '{' Fields '}' ';'"""
    p[0] = Dictionary(_name(p, 3), p[5], partial=True, loc=loc(p, 3))


def p_fields(p):
    """Fields : empty"""
    p[0] = []


def p_fields_append(p):
    """Fields : Fields Field"""
    fields = p[1]
    fields.append(p[2])
    p[0] = fields


def p_fields_append_extended(p):
    """Fields : Fields ExtendedAttributeList Field"""
    fields = p[1]
    field = p[3]
    field.ext_attrs = p[2]
    fields.append(field)
    p[0] = fields


def p_fields_error(p):
    """Fields : Fields error ';'"""
    p.parser.errok()
    p[0] = p[1]


def p_field_required(p):
    """Field : REQUIRED TypeWithExtendedAttributes IDENTIFIER ';'"""
    p[0] = Field(_name(p, 3), p[2], required=True, loc=loc(p, 3))


def p_field_required_default(p):
    """Field : REQUIRED TypeWithExtendedAttributes IDENTIFIER '=' DefaultValue ';'"""
    # Grammatically a required member has no default; the validation pass owns this rule (it
    # is one of its documented checks), so accept it here and keep the default for it to see.
    p[0] = Field(_name(p, 3), p[2], required=True, default=p[5], loc=loc(p, 3))


def p_field(p):
    """Field : Type IDENTIFIER ';'"""
    p[0] = Field(_name(p, 2), p[1], loc=loc(p, 2))


def p_field_default(p):
    """Field : Type IDENTIFIER '=' DefaultValue ';'"""
    p[0] = Field(_name(p, 2), p[1], default=p[4], loc=loc(p, 2))


def p_enum(p):
    """Definition : ENUM IDENTIFIER '{' EnumValues '}' ';'
    | ENUM IDENTIFIER '{' EnumValues ',' '}' ';'"""
    p[0] = Enum(_name(p, 2), p[4], loc=loc(p, 2))


def p_enum_values(p):
    """EnumValues : STRING
    | EnumValues ',' STRING"""
    if len(p) == 2:
        p[0] = [EnumValue(p[1][1:-1], loc=loc(p, 1))]
    else:
        values = p[1]
        values.append(EnumValue(p[3][1:-1], loc=loc(p, 3)))
        p[0] = values


def p_typedef(p):
    """Definition : TYPEDEF TypeWithExtendedAttributes IDENTIFIER ';'"""
    p[0] = Typedef(_name(p, 3), p[2], loc=loc(p, 3))


def p_includes(p):
    """Definition : IDENTIFIER INCLUDES IDENTIFIER ';'"""
    p[0] = Includes(_name(p, 1), _name(p, 3), loc=loc(p, 1))


def p_enum_error(p):
    """Definition : ENUM IDENTIFIER '{' error '}' ';'"""
    p.parser.errok()
    p[0] = Enum(_name(p, 2), [], loc=loc(p, 2))
