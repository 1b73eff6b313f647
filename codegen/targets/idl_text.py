"""WebIDL text for the browsers' own IDL files (the `blink` and `gecko` targets): extended
attributes, types and arguments printed from the resolved model, one way for both.

A type is printed as written: a typedef by its name (a typedef whose own type is nullable,
`typedef EventHandlerNonNull? EventHandler`, is named without a second `?`), generics and
unions spelled out. The wire pass's own extended attributes (`Wire*`, docs/wire.md §1) are
dropped everywhere: they describe the wire protocol, which no browser's bindings see.
"""

from __future__ import annotations

from collections.abc import Iterable

from codegen.model import ir
from codegen.model.wire import uses_wire


def ext_attr_text(a: ir.ExtAttr) -> str:
    if a.form == "no-args":
        return a.name
    if a.form == "ident-list":
        return f"{a.name}=({', '.join(a.values)})"
    if a.value is not None:
        return f"{a.name}={a.value}"
    raise ValueError(f"extended attribute [{a.name}] has a form ({a.form}) not printed here")


def browser_ext_attrs(attrs: Iterable[ir.ExtAttr]) -> list[str]:
    """The extended attributes a browser sees, as text: the wire pass's own are dropped."""
    return [ext_attr_text(a) for a in attrs if not uses_wire([a.name])]


def bracketed(texts: list[str]) -> str:
    """`[A, B] ` before a type, argument or member; "" when there are none."""
    return f"[{', '.join(texts)}] " if texts else ""


def nullable_typedefs(model: ir.Model) -> frozenset[str]:
    """The typedefs (the web platform's included) whose own type is nullable."""
    return frozenset(d.name for d in model.of_kind("typedef", external=None) if d.type.nullable)


def type_text(t: ir.Type, nullable_aliases: frozenset[str]) -> str:
    """A type as written: `EventHandler`, `[EnforceRange] unsigned long`, `(A or B)?`."""
    suffix = "?" if t.nullable else ""
    if t.typedef:
        return t.typedef + ("" if t.typedef in nullable_aliases else suffix)
    prefix = bracketed(browser_ext_attrs(t.ext_attrs))
    if t.kind == "union":
        members = " or ".join(type_text(a, nullable_aliases) for a in t.arguments)
        return f"{prefix}({members}){suffix}"
    if t.arguments:
        arguments = ", ".join(type_text(a, nullable_aliases) for a in t.arguments)
        return f"{prefix}{t.name}<{arguments}>{suffix}"
    return prefix + t.name + suffix


def argument_text(a: ir.Argument, nullable_aliases: frozenset[str]) -> str:
    """`[Clamp] optional unsigned long x = 0`, `sequence<T>... rest`."""
    text = bracketed(browser_ext_attrs(a.ext_attrs)) + ("optional " if a.optional else "")
    text += type_text(a.type, nullable_aliases) + ("..." if a.variadic else "") + " " + a.name
    if a.default is not None:
        text += " = " + a.default.text  # `[]` and `{}` as written
    return text
