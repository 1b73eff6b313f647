"""Rules about where each type may be used (https://webidl.spec.whatwg.org/):

- `nullable_types`: no nullable dictionary arguments or dictionary members; a nullable type
  does not wrap `any`, a promise, an observable array, another nullable type, or a union with
  a nullable or dictionary member; a union has at most one nullable member, and none if it has
  a dictionary member, no `any`, and member types that are distinguishable (#idl-operations,
  #idl-dictionaries, #idl-nullable-type, #idl-union).
- `undefined_types`: `undefined` is not the type of an argument or dictionary member, directly
  or in a union (#idl-undefined).
- `attribute_types`: an attribute does not hold a sequence, async sequence, record or
  dictionary, nullable or not, nor a union with one; a promise attribute is readonly
  (#idl-attributes, #idl-async-sequence).
- `typedef_cycles`: a typedef does not name itself, through any number of typedefs
  (#idl-typedefs).
"""

from __future__ import annotations

from collections.abc import Callable

from codegen.model.validation.context import Context, name_width
from codegen.model.validation.typesystem import TypeSystem, is_builtin, spell
from codegen.webidl import ast
from codegen.webidl.ast import GenericType, SimpleType, UnionType


def nullable_types(context: Context) -> None:
    """No nullable dictionary arguments or dictionary members; a nullable type does not wrap
    `any`, a promise, another nullable type, or a union with a nullable or dictionary member; a
    union has at most one nullable member, and none if it has a dictionary member, no `any`,
    and member types that are pairwise distinguishable.

    Warning, not error: a nullable dictionary as the type of a dictionary member. Reporting
    (`ReportBody? body` in reporting.idl), intersection-observer and webxr-dom-overlays declare
    such members and browsers ship them. A nullable dictionary argument stays an error, and so
    do the union rules except for the shapes `_tolerated_pair` names.
    """
    types = context.types
    dictionaries, typedefs = types.dictionaries, types.typedefs
    for role, owners in (
        ("argument", context.unusual_arguments),
        ("dictionary member", context.unusual_fields),
    ):
        report = context.error if role == "argument" else context.warning
        for owner in owners:
            t = owner.type
            if t.__class__ is not SimpleType:
                continue
            if t.name in dictionaries:
                bad = t.nullable
            elif t.name in typedefs:
                core, nullable = types.typedef_meaning(t.name)
                bad = (nullable or t.nullable) and types.is_dictionary(core)
            else:
                continue
            if bad:
                report(
                    t.loc,
                    f"nullable dictionary type '{spell(t)}' is not allowed for {role} "
                    f"'{owner.name}'",
                    len(t.name),
                )
    for ref in context.nullable_typedef_references:
        _nullable_typedef(context, ref)
    for union in context.unions:
        _union_members(context, union)


def _nullable_typedef(context: Context, ref: SimpleType) -> None:
    """`T?` where T is a typedef: the type it names must be one that can be made nullable."""
    target = context.lookup.get(ref.name)
    if target.__class__ is not ast.Typedef:
        return
    inner, inner_nullable = context.types.resolve(target.type)
    text = spell(inner)
    if inner_nullable:
        why = f"it is already nullable ('{text if inner.nullable else text + '?'}')"
    elif is_builtin(inner, "any"):
        why = "it is 'any'"
    elif inner.__class__ is GenericType and inner.generic == "Promise":
        why = f"it is a promise type ('{text}')"
    elif inner.__class__ is GenericType and inner.generic == "ObservableArray":
        why = f"it is an observable array type ('{text}')"
    else:
        if inner.__class__ is UnionType:
            _nullable_union(context, ref, inner)
        return
    context.error(ref.loc, f"'{ref.name}' cannot be made nullable: {why}", len(ref.name))


def _union_members(context: Context, union: UnionType) -> None:
    types = context.types
    flattened = types.flattened(union)
    if any(is_builtin(m, "any") for m in flattened):
        context.error(union.loc, f"union type '{spell(union)}' cannot contain 'any'")
        return
    count = types.nullable_member_count(union)
    if count > 1:
        context.error(
            union.loc, f"union type '{spell(union)}' has more than one nullable member type"
        )
        return
    if count == 1:
        dictionary = next((m for m in flattened if types.is_dictionary(m)), None)
        if dictionary is not None:
            context.error(
                union.loc,
                f"union type '{spell(union)}' cannot have both a nullable member type and "
                f"dictionary '{dictionary.name}'",
            )
            return
    if union.nullable:
        _nullable_union(context, union, union)
    _indistinguishable_members(context, union, flattened)


def _indistinguishable_members(
    context: Context, union: UnionType, flattened: list[ast.IdlType]
) -> None:
    """Each pair of flattened member types is distinguishable (#idl-union). One diagnostic
    per union: the first pair that is an error, else the first pair that is tolerated."""
    tolerated: tuple[ast.IdlType, ast.IdlType] | None = None
    for a, b in context.distinguish.indistinguishable_pairs(flattened):
        if not _tolerated_pair(context, a, b):
            _report_pair(context.error, union, a, b)
            return
        if tolerated is None:
            tolerated = (a, b)
    if tolerated is not None:
        _report_pair(context.warning, union, *tolerated)


def _tolerated_pair(context: Context, a: ast.IdlType, b: ast.IdlType) -> bool:
    """Whether two indistinguishable union member types are of a shape browsers ship, so that
    the union is a warning rather than an error: two different interfaces, one inheriting from
    the other (css-typed-om: `(CSSColorValue or CSSStyleValue)`), two enums (digital-credentials:
    `DigitalCredentialProtocol`), or two dictionaries (secure-payment-confirmation). The same
    type twice, two definitions of different kinds, and pairs with a built-in type
    (`(MyEnum or DOMString)`, `(Node or object)`) stay errors: nothing ships them."""
    if not (
        a.__class__ is SimpleType
        and a.is_reference
        and b.__class__ is SimpleType
        and b.is_reference
    ):
        return False
    first, second = context.lookup.get(a.name), context.lookup.get(b.name)
    if first is None or second is None or first is second or first.kind != second.kind:
        return False  # an alias and its interface are one definition: the same type twice
    # Two different interfaces are indistinguishable only when one inherits from the other.
    return first.kind in ("interface", "enum", "dictionary")


def _report_pair(
    report: Callable[..., None], union: UnionType, a: ast.IdlType, b: ast.IdlType
) -> None:
    report(
        union.loc,
        f"union type '{spell(union)}' has member types '{spell(a)}' and '{spell(b)}' that are "
        "not distinguishable",
    )


def _nullable_union(context: Context, where: ast.IdlType, union: UnionType) -> None:
    """A nullable union has no nullable member type and no dictionary member type."""
    types = context.types
    if types.nullable_member_count(union):
        context.error(
            where.loc, f"nullable union type '{spell(where)}' cannot have a nullable member"
        )
        return
    dictionary = types.dictionary_in(union)
    if dictionary is not None:
        context.error(
            where.loc,
            f"nullable union type '{spell(where)}' cannot contain dictionary '{dictionary.name}'",
        )


def _includes_undefined(types: TypeSystem, core: ast.IdlType) -> bool:
    if core.__class__ is UnionType:
        return any(is_builtin(m, "undefined") for m in types.flattened(core))
    return is_builtin(core, "undefined")


def undefined_types(context: Context) -> None:
    """`undefined` is not the type of an argument or a dictionary member, directly or as a
    union member."""
    types = context.types
    # The names that stand for a type including undefined: itself, and typedefs of such types.
    bad = {"undefined"}
    for name in types.typedefs:
        if _includes_undefined(types, types.typedef_meaning(name)[0]):
            bad.add(name)
    for role, owners in (
        ("argument", context.unusual_arguments),
        ("dictionary member", context.unusual_fields),
    ):
        for owner in owners:
            t = owner.type
            cls = t.__class__
            if cls is SimpleType:
                if t.name not in bad:
                    continue
            elif cls is GenericType or not _includes_undefined(types, t):
                continue
            context.error(
                t.loc,
                f"{role} '{owner.name}' cannot have type '{spell(t)}': 'undefined' is not "
                "allowed here",
                name_width(t),
            )


_ATTRIBUTE_FORBIDDEN = {
    "sequence": "sequences",
    "async_sequence": "async sequences",
    "record": "records",
}


def attribute_types(context: Context) -> None:
    """An attribute does not hold a sequence, async sequence, record or dictionary, nullable or
    not (nor a union with one), and an attribute of a promise type is readonly.

    Warning, not error: an attribute whose type is a nullable dictionary. webxr-dom-overlays
    declares `readonly attribute XRDOMOverlayState? domOverlayState;` and browsers ship it (the
    getter returns a fresh dictionary, or null). A non-nullable dictionary attribute stays an
    error; a nullable union with a dictionary member is reported by `nullable_types` already
    (a nullable union cannot contain a dictionary), once.
    """
    types = context.types
    suspects = types.typedefs | types.dictionaries
    for attribute in context.unusual_attributes:
        t = attribute.type
        if t.__class__ is SimpleType and t.name not in suspects:
            continue  # a built-in type, or a reference to an interface, enum...
        core, nullable = types.resolve(t)
        members = types.flattened(core) if core.__class__ is UnionType else [core]
        forbidden = None
        report = context.error
        for member in members:
            if member.__class__ is GenericType:
                forbidden = _ATTRIBUTE_FORBIDDEN.get(member.generic)
            elif types.is_dictionary(member):
                if not nullable:
                    forbidden = "dictionaries"
                elif member is core:
                    forbidden, report = "dictionaries", context.warning
            if forbidden:
                break
        if forbidden:
            report(
                attribute.loc,
                f"attribute '{attribute.name}' has type '{spell(t)}', but attributes cannot "
                f"hold {forbidden}",
                len(attribute.name),
            )
        elif core.__class__ is GenericType and core.generic == "Promise" and not attribute.readonly:
            context.error(
                attribute.loc,
                f"attribute '{attribute.name}' has a promise type, so it must be readonly",
                len(attribute.name),
            )


def typedef_cycles(context: Context) -> None:
    """A typedef does not name itself, directly or inside the type it names, through any
    number of other typedefs (one diagnostic per cycle, at its first typedef)."""
    by_name = context.index.by_name
    in_cycle: set[str] = set()
    for typedef in context.by_kind.get("typedef", ()):
        if typedef.name in in_cycle:
            continue
        path = _typedef_path_to(by_name, typedef.name, typedef.type, [typedef.name])
        if path is not None:
            in_cycle.update(path)
            through = "".join(f" through '{name}'" for name in path[1:])
            context.error(
                typedef.loc,
                f"typedef '{typedef.name}' refers to itself{through}",
                len(typedef.name),
            )


def _typedef_path_to(
    by_name: dict[str, list[ast.Definition]], name: str, t: ast.IdlType, path: list[str]
) -> list[str] | None:
    """The typedefs from `path` on through which type `t` names typedef `name`, if it does."""
    cls = t.__class__
    if cls is SimpleType:
        if not t.is_reference:
            return None
        if t.name == name:
            return path
        target = by_name.get(t.name, [None])[0]
        if target.__class__ is not ast.Typedef or t.name in path:
            return None
        return _typedef_path_to(by_name, name, target.type, [*path, t.name])
    for inner in t.arguments if cls is GenericType else t.members:
        found = _typedef_path_to(by_name, name, inner, path)
        if found is not None:
            return found
    return None
