"""Rules about the extended attributes that annotate types (https://webidl.spec.whatwg.org/):

- `type_annotations`: [Clamp] and [EnforceRange] annotate integer types only, not both on one
  type, and not the type of a readonly attribute (#Clamp, #EnforceRange). The annotations of a
  type include those of its typedefs and, for an argument or dictionary member, those written
  before it.
"""

from __future__ import annotations

from codegen.model.validation.context import Context, name_width
from codegen.model.validation.typesystem import INTEGER_RANGES, spell
from codegen.webidl import ast
from codegen.webidl.ast import SimpleType, UnionType

_RANGE_ANNOTATIONS = ("Clamp", "EnforceRange")


def type_annotations(context: Context) -> None:
    """[Clamp] and [EnforceRange] annotate integer types only, not both on one type, and not
    the type of a readonly attribute. The annotations of a type include those of its
    typedefs and, for an argument or dictionary member, those written before it."""
    annotated_typedefs = _range_annotated_typedefs(context)
    candidates: dict[int, tuple[ast.IdlType, set[str]]] = {}

    def consider(t: ast.IdlType, extra: set[str] = frozenset()) -> None:
        names = {x.name for x in t.ext_attrs if x.name in _RANGE_ANNOTATIONS} | extra
        if t.__class__ is SimpleType and t.name in annotated_typedefs:
            names |= annotated_typedefs[t.name]
        if names:
            entry = candidates.setdefault(id(t), (t, set()))
            entry[1].update(names)

    for t in context.annotated:
        consider(t)
    if annotated_typedefs:
        for ref in context.typedef_references:
            if ref.name in annotated_typedefs:
                consider(ref)
    for owner in context.annotated_owners:
        extra = {x.name for x in owner.ext_attrs if x.name in _RANGE_ANNOTATIONS}
        if extra:
            consider(owner.type, extra)
    for t, names in candidates.values():
        _range_annotation(context, t, names)
    for attribute in context.unusual_attributes:
        entry = candidates.get(id(attribute.type)) if candidates else None
        if entry is not None and attribute.readonly:
            name = sorted(entry[1])[0]
            article = "an" if name[0] in "AEIOU" else "a"
            context.error(
                attribute.type.loc,
                f"readonly attribute '{attribute.name}' cannot have {article} [{name}] type",
                name_width(attribute.type),
            )


def _range_annotated_typedefs(context: Context) -> dict[str, set[str]]:
    """Typedef name -> the [Clamp]/[EnforceRange] its type carries, through other typedefs."""
    result: dict[str, set[str]] = {}
    types = context.types
    for typedef in context.by_kind.get("typedef", ()):
        names = types.ext_attr_names(typedef.type) & set(_RANGE_ANNOTATIONS)
        if names:
            result[typedef.name] = names
    return result


def _range_annotation(context: Context, t: ast.IdlType, names: set[str]) -> None:
    if len(names) == 2:
        context.error(
            t.loc, f"type '{spell(t)}' cannot have both [Clamp] and [EnforceRange]", name_width(t)
        )
        return
    core, _ = context.types.resolve(t)
    if core.__class__ is UnionType:
        return  # an annotated union annotates its members, which may be integers
    if not (core.__class__ is SimpleType and not core.is_reference and core.name in INTEGER_RANGES):
        (name,) = names
        context.error(
            t.loc, f"[{name}] applies only to integer types, not '{spell(t)}'", name_width(t)
        )
