"""Rules about default values and constants (https://webidl.spec.whatwg.org/):

- `default_values`: default values and constant values fit their type: the right kind of
  literal, an integer within the type's range, a value of the enum, `null` only for nullable
  types, `{}` only for dictionaries (#idl-constants, #idl-operations, #idl-dictionaries).
- `required_member_defaults`: a required dictionary member has no default (#idl-dictionaries).
- `constant_types`: a constant's type is a primitive type, directly or through a typedef
  (#idl-constants).
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.model.validation.context import Context
from codegen.model.validation.typesystem import (
    FLOAT_TYPES,
    INTEGER_RANGES,
    PRIMITIVE_TYPES,
    STRING_TYPES,
    UNRESTRICTED_FLOAT_TYPES,
    is_primitive,
    spell,
)
from codegen.webidl import ast
from codegen.webidl.ast import GenericType, SimpleType, UnionType


def default_values(context: Context) -> None:
    """Default values and constant values fit their types: the right kind of literal, an
    integer within the type's range, a value of the enum; `null` only for a type that includes
    a nullable type (or `any`); `{}` only for a dictionary type or a union with one; `[]` only
    for a sequence type.

    Warnings, not errors, for two shapes browsers ship (see `Tolerated`): `null` as the default
    of a dictionary member whose type is a non-nullable interface (push-api:
    `PushSubscription newSubscription = null;`) or dictionary (css-layout-api:
    `BreakTokenOptions breakToken = null;`), and `{}` as the default of a record type (webgpu:
    `record<USVString, GPUPipelineConstantValue> constants = {};`); either also when a union
    has such a member and no member that takes the value as it is (webtransport:
    `HeadersInit headers = {};`, a sequence or a record). A `null` default anywhere else (an
    argument, `object`, a buffer source type, a callback type) stays an error, as Gecko's
    WebIDL parser rejects it too; so does `{}` for any other type.
    """
    for owner in context.defaulted:
        t = owner.type
        value = owner.default
        if (
            t.__class__ is SimpleType
            and not t.is_reference
            and value.kind != "null"
            and _builtin_value_fits(value, t.name) is True
        ):
            continue  # the common case, decided without resolving anything
        _check_value(context, value, t, "default value", owner.__class__ is ast.Field)
    typedefs = context.types.typedefs
    meaning = context.types.typedef_meaning
    for constant in context.constants:
        t = constant.type
        core, nullable = meaning(t.name) if t.name in typedefs else (t, t.nullable)
        if core.__class__ is not SimpleType or core.is_reference or nullable:
            continue  # not a primitive type, reported as such
        value = constant.value
        name = core.name
        if value.kind == "integer" and name in INTEGER_RANGES:
            # The common case, kept inline: an integer constant (flags, codes, GL enums).
            number = _integer(value.text)
            low, high = INTEGER_RANGES[name]
            if number is None or low <= number <= high:
                continue
        if name in PRIMITIVE_TYPES:
            _check_value(context, value, t, "constant value")


@dataclass(frozen=True, slots=True)
class Tolerated:
    """The verdict on a value the standard forbids for its type but browsers ship (a warning);
    `allowed` says which types the standard allows the value for."""

    allowed: str


_NULL_TOLERATED = Tolerated("nullable types")
_EMPTY_DICTIONARY_TOLERATED = Tolerated("dictionary types")
Verdict = bool | str | Tolerated  # True: fits; False or a message: an error


def _check_value(
    context: Context, value: ast.Value, t: ast.IdlType, label: str, member: bool = False
) -> None:
    core, nullable = context.types.resolve(t)
    verdict = _value_fits(context, value, core, nullable, member)
    if verdict is True:
        return
    if verdict.__class__ is Tolerated:
        context.warning(
            value.loc,
            f"{label} {value.text} is only allowed for {verdict.allowed}, not '{spell(t)}'",
            len(value.text),
        )
        return
    message = verdict or f"{label} {value.text} does not match type '{spell(t)}'"
    context.error(value.loc, message, len(value.text))


def _value_fits(
    context: Context, value: ast.Value, core: ast.IdlType, nullable: bool, member: bool = False
) -> Verdict:
    """True if `value` is a value of the (resolved) type; a `Tolerated` verdict for the shapes
    `default_values` names; False or a message if it is not. `member` is True for a dictionary
    member's default."""
    kind = value.kind
    types = context.types
    cls = core.__class__
    if kind == "null" and (nullable or types.includes_nullable(core, nullable)):
        return True
    if cls is UnionType:
        # A value of the union is a value of one of its members; a tolerated one only if no
        # member takes it as it is.
        verdict: Verdict = False
        for m in types.flattened(core):
            fits = _value_fits(context, value, m, False, member)
            if fits is True:
                return True
            if fits.__class__ is Tolerated:
                verdict = fits
        return verdict
    if cls is GenericType:
        if kind == "sequence":
            return core.generic in ("sequence", "FrozenArray", "ObservableArray")
        if kind == "dictionary" and core.generic == "record":
            return _EMPTY_DICTIONARY_TOLERATED
        return False
    if not core.is_reference:
        return _builtin_value_fits(value, core.name)
    target = context.lookup.get(core.name)
    if target is None or target.kind == "typedef":
        return True  # an unknown name (or a typedef cycle) is reported on its own
    if target.kind == "enum":
        if kind != "string":
            return False
        if value.text[1:-1] in context.enum_values(target):
            return True
        return f"default value {value.text} is not a value of enum '{target.name}'"
    if target.kind == "dictionary":
        if kind == "dictionary":
            return True
        return _NULL_TOLERATED if kind == "null" and member else False
    if kind == "null" and member and target.kind == "interface":
        return _NULL_TOLERATED
    return False  # interfaces, callback interfaces and callback functions take only null


def _builtin_value_fits(value: ast.Value, name: str) -> bool | str:
    kind = value.kind
    if name == "any":
        return True
    if kind == "boolean":
        return name == "boolean"
    if kind == "string":
        return name in STRING_TYPES
    if kind == "integer":
        if name in INTEGER_RANGES:
            number = _integer(value.text)
            low, high = INTEGER_RANGES[name]
            if number is not None and not low <= number <= high:
                return f"value {value.text} is out of range for type '{name}'"
            return True
        return name in FLOAT_TYPES or name in UNRESTRICTED_FLOAT_TYPES or name == "bigint"
    if kind == "decimal":
        return name in FLOAT_TYPES or name in UNRESTRICTED_FLOAT_TYPES
    if kind == "infinity" or kind == "nan":
        return name in UNRESTRICTED_FLOAT_TYPES
    if kind == "undefined":
        return name == "undefined"
    # null is a value of a nullable type only (decided by the caller), and [] and {} are never
    # values of a built-in type.
    return False


def _integer(text: str) -> int | None:
    """The value of a WebIDL integer token (decimal, 0x hexadecimal or 0 octal)."""
    negative = text.startswith("-")
    body = text[1:] if negative else text
    try:
        if body[:2] in ("0x", "0X"):
            number = int(body[2:], 16)
        elif len(body) > 1 and body[0] == "0":
            number = int(body[1:], 8)
        else:
            number = int(body)
    except ValueError:
        return None
    return -number if negative else number


def required_member_defaults(context: Context) -> None:
    """A required dictionary member has no default value."""
    for member in context.defaulted:
        if member.__class__ is ast.Field and member.required:
            context.error(
                member.default.loc,
                f"required dictionary member '{member.name}' cannot have a default value",
                len(member.default.text),
            )


def constant_types(context: Context) -> None:
    """A constant's type is a primitive type, directly or through a typedef."""
    types = context.types
    for constant in context.constants:
        t = constant.type
        if t.__class__ is not SimpleType or not t.is_reference:
            continue  # the grammar only lets primitive types through
        core, nullable = types.resolve(t)
        if (
            core.__class__ is SimpleType
            and core.is_reference
            and types.kinds.get(core.name) in _NO_PRIMITIVE_VERDICT
        ):
            continue  # reported as a name that is no type, or as a typedef cycle
        if nullable or not is_primitive(core):
            context.error(
                t.loc,
                f"constant '{constant.name}' must have a primitive type, not '{spell(t)}'",
                len(t.name),
            )


_NO_PRIMITIVE_VERDICT = frozenset({None, "interface mixin", "namespace", "typedef"})
