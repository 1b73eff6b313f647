"""Rules about where definitions are exposed (https://webidl.spec.whatwg.org/):

- `exposure`: interfaces, namespaces and callback interfaces with constants have [Exposed],
  naming each global once and only globals some interface declares with [Global] (#Exposed,
  #Global, #idl-callback-interfaces).
"""

from __future__ import annotations

from codegen.model.validation.context import Context, describe
from codegen.webidl import ast


def exposure(context: Context) -> None:
    """Interfaces and namespaces, and callback interfaces that declare constants, have
    [Exposed]; it names each global once, and only global names declared with [Global]
    (checked only when the definition set declares a global at all, so that a fragment
    validated without its globals is not flooded with diagnostics)."""
    by_kind = context.by_kind
    exposed = context.exposed_definitions
    for definition in (
        *by_kind.get("interface", ()),
        *by_kind.get("namespace", ()),
        *by_kind.get("callback interface", ()),
    ):
        kind = definition.kind
        if kind == "callback interface":
            if not any(m.__class__ is ast.Const for m in definition.members):
                continue
            reason = " declares constants, so it"
        else:
            reason = ""
        if id(definition) not in exposed:
            context.error(
                definition.loc,
                f"{describe(definition)}{reason} must have an [Exposed] extended attribute",
                len(definition.name),
            )
    for attr in context.exposed:
        _exposed_names(context, attr)


def _exposed_names(context: Context, attr: ast.ExtendedAttribute) -> None:
    if attr.form == "wildcard":
        return
    if attr.form == "ident":
        names: tuple[str, ...] = (attr.value,)
    elif attr.form == "ident-list":
        names = attr.values
    else:
        context.error(
            attr.loc,
            "[Exposed] must name globals, as in [Exposed=Window] or [Exposed=(Window,Worker)], "
            "or be [Exposed=*]",
            len(attr.name),
        )
        return
    known = context.global_names
    if len(set(names)) == len(names) and (known is None or known.issuperset(names)):
        return  # the common case: distinct, declared global names
    seen: set[str] = set()
    for name in names:
        if name in seen:
            context.error(attr.loc, f"[Exposed] names '{name}' twice", len(attr.name))
        seen.add(name)
        if known is not None and name not in known:
            context.error(
                attr.loc,
                f"[Exposed] names '{name}', but no interface declares it as a global name "
                "with [Global]",
                len(attr.name),
            )
