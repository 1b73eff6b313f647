"""Rules about names and the shape of definitions (https://webidl.spec.whatwg.org/):

- `unknown_types`: every type name names a type; interface mixins, namespaces and
  [LegacyWindowAlias] names are not types (#idl-names, #idl-types, #idl-interface-mixins,
  #idl-namespaces, #LegacyWindowAlias).
- `duplicate_definitions` (#idl-names); `duplicate_members`: constants, attributes and
  dictionary members are unique in their interface, namespace, callback interface or
  dictionary, counting partials, included mixins and inherited dictionaries; operations
  overload each other, and a static and a regular operation may share a name
  (#idl-constants, #idl-attributes, #idl-operations, #idl-dictionaries);
  `duplicate_arguments` (#idl-operations).
- `partial_targets`, `includes_targets`: a partial extends a definition of its own kind;
  `A includes B` joins an interface and an interface mixin (#idl-interfaces,
  #idl-interface-mixins, #idl-namespaces, #idl-dictionaries).
- `partial_constructors`: constructors are not declared on partial interfaces
  (#idl-overloading, #idl-interfaces).
- `inheritance`: interfaces inherit from interfaces and dictionaries from dictionaries,
  without cycles (#idl-interfaces, #idl-dictionaries).
- `duplicate_enum_values` (#idl-enums).
- `callback_interface_operations`: a callback interface defines exactly one regular
  operation (#idl-callback-interfaces).
"""

from __future__ import annotations

from codegen.model.validation.context import ARTICLE, Context, describe, kind_name
from codegen.webidl import ast


def unknown_types(context: Context) -> None:
    """A type name names an interface, callback interface, dictionary, enum, callback function
    or typedef; interface mixins and namespaces create no type, and neither does
    [LegacyWindowAlias], which only adds a property to the global object (#LegacyWindowAlias).

    Warning, not error: a [LegacyWindowAlias] name used as a type. SVG.idl writes `SVGRect`,
    `SVGPoint` and `SVGMatrix` for DOMRect, DOMPoint and DOMMatrix, which geometry.idl gives
    those aliases, and browsers ship SVG from that IDL; the alias is taken to mean its
    interface everywhere else (an alias and its interface are the same type to the overload
    rules). Any other name that names no definition stays an error.
    """
    kinds = context.types.kinds
    aliases = context.aliases
    for ref in context.misnamed:
        kind = kinds.get(ref.name)
        if kind is None:
            context.error(ref.loc, f"unknown type '{ref.name}'", len(ref.name))
        elif kind == "interface" and ref.name in aliases:
            context.warning(
                ref.loc,
                f"'{ref.name}' is a [LegacyWindowAlias] of interface "
                f"'{aliases[ref.name].name}', not a type",
                len(ref.name),
            )
        else:
            context.error(ref.loc, f"'{ref.name}' is {ARTICLE[kind]}, not a type", len(ref.name))


# --- duplicates ---------------------------------------------------------------------------------


def duplicate_definitions(context: Context) -> None:
    """No two non-partial definitions share a name."""
    for name, found in context.index.by_name.items():
        if len(found) == 1:
            continue
        for again in found[1:]:
            context.error(
                again.loc,
                f"duplicate definition '{name}' (first defined at {found[0].loc})",
                len(name),
            )


def duplicate_members(context: Context) -> None:
    """Constants, attributes and dictionary members are unique in their container; an
    operation may share its name only with operations (overloads, or static and regular)."""
    reported: set[int] = set()
    # Mixins before interfaces, so that a clash inside a mixin names the mixin, not the first
    # interface that includes it (and is reported once, not once per including interface).
    for kind in ("interface mixin", "namespace", "callback interface", "interface"):
        for container in context.by_kind.get(kind, ()):
            for member, clash in context.members(container).clashes:
                if id(member) not in reported:
                    reported.add(id(member))
                    context.error(
                        member.loc,
                        f"duplicate member '{member.name}' in {describe(container)} "
                        f"(first defined at {clash.loc})",
                        len(member.name),
                    )
    repeating = context.repeating
    for dictionary in context.by_kind.get("dictionary", ()):
        if dictionary.name in repeating:
            _dictionary_member_clashes(context, dictionary)
        elif dictionary.inherits:
            _inherited_member_clashes(context, dictionary)


def _inherited_member_clashes(context: Context, dictionary: ast.Dictionary) -> None:
    """Clashes of a dictionary whose own member names are all different with the members it
    inherits: looked at member by member only if some name is shared."""
    own = context.dictionary_fields(dictionary.name).keys()
    for ancestor in context.dictionary_ancestors(dictionary.name):
        if not own.isdisjoint(context.dictionary_fields(ancestor)):
            _dictionary_member_clashes(context, dictionary)
            return


def _dictionary_member_clashes(context: Context, dictionary: ast.Dictionary) -> None:
    own: dict[str, ast.Field] = {}
    ancestors = [
        (name, context.dictionary_fields(name))
        for name in context.dictionary_ancestors(dictionary.name)
    ]
    for part in context.parts(dictionary.name):
        for member in part.members:
            name = member.name
            first = own.setdefault(name, member)
            if first is not member:
                where = f"first defined at {first.loc}"
            else:
                for ancestor, fields in ancestors:
                    if name in fields:
                        where = (
                            f"first defined in inherited dictionary '{ancestor}' "
                            f"at {fields[name].loc}"
                        )
                        break
                else:
                    continue
            context.error(
                member.loc,
                f"duplicate member '{name}' in dictionary '{dictionary.name}' ({where})",
                len(name),
            )


def duplicate_arguments(context: Context) -> None:
    """No two arguments of one operation, constructor or callback share a name."""
    for items in context.argument_lists:
        if len(items) < 2 or len({a.name for a in items}) == len(items):
            continue
        seen: dict[str, ast.Argument] = {}
        for argument in items:
            first = seen.setdefault(argument.name, argument)
            if first is not argument:
                context.error(
                    argument.loc,
                    f"duplicate argument '{argument.name}' (first defined at {first.loc})",
                    len(argument.name),
                )


# --- partials and includes ----------------------------------------------------------------------


def partial_targets(context: Context) -> None:
    """A partial definition extends a definition of the same kind and name."""
    by_name = context.index.by_name
    for name, partials in context.index.partials.items():
        target = by_name.get(name, [None])[0]
        for partial in partials:
            if target is None:
                context.error(
                    partial.loc,
                    f"{describe(partial)} has no matching {kind_name(partial)} definition",
                    len(name),
                )
            elif target.kind != partial.kind:
                context.error(
                    partial.loc,
                    f"{describe(partial)} cannot extend {kind_name(target)} '{name}' "
                    f"(defined at {target.loc})",
                    len(name),
                )


def includes_targets(context: Context) -> None:
    """`A includes B;` names an interface A and an interface mixin B."""
    by_name = context.index.by_name
    for statement in context.index.includes:
        head = f"'{statement.target}' includes '{statement.mixin}'"
        for name, wanted in ((statement.target, "interface"), (statement.mixin, "interface mixin")):
            target = by_name.get(name, [None])[0]
            if target is None:
                problem = f"'{name}' is not defined"
            elif target.kind != wanted:
                problem = f"'{name}' is {ARTICLE[target.kind]}, not {ARTICLE[wanted]}"
            else:
                continue
            context.error(statement.loc, f"{head}, but {problem}", len(statement.target))


def partial_constructors(context: Context) -> None:
    """Constructors are declared on the interface itself, never on a partial interface."""
    for name, partials in context.index.partials.items():
        for partial in partials:
            if partial.kind != "interface":
                continue
            for member in partial.members:
                if member.__class__ is ast.Constructor:
                    context.error(
                        member.loc,
                        f"partial interface '{name}' cannot have a constructor",
                        len("constructor"),
                    )


# --- inheritance --------------------------------------------------------------------------------


def inheritance(context: Context) -> None:
    """Interfaces inherit from interfaces and dictionaries from dictionaries, without cycles."""
    by_name = context.index.by_name
    in_cycle: set[str] = set()
    acyclic: set[str] = set()  # names known not to be on an inheritance cycle
    by_kind = context.by_kind
    for definition in (*by_kind.get("interface", ()), *by_kind.get("dictionary", ())):
        parent = definition.inherits
        if not parent:
            continue
        name = definition.name
        kind = definition.kind
        target = by_name.get(parent)
        if target is None:
            context.error(
                definition.loc,
                f"{describe(definition)} inherits from '{parent}', but '{parent}' is not defined",
                len(name),
            )
        elif target[0].kind != kind:
            context.error(
                definition.loc,
                f"{describe(definition)} inherits from '{parent}', but '{parent}' is "
                f"{ARTICLE[target[0].kind]}, not {ARTICLE[kind]}",
                len(name),
            )
        elif name not in in_cycle and name not in acyclic:
            cycle = _inheritance_cycle(by_name, definition, acyclic)
            if cycle:
                in_cycle.update(cycle)
                path = " -> ".join([*cycle, cycle[0]])
                context.error(
                    definition.loc,
                    f"{describe(definition)} inherits from itself ({path})",
                    len(name),
                )


def _inheritance_cycle(
    by_name: dict[str, list[ast.Definition]], start: ast.Definition, acyclic: set[str]
) -> list[str]:
    """The names on the inheritance cycle through `start`, from `start`; [] if none. A chain
    that ends (or reaches a name in `acyclic`) adds its names to `acyclic`."""
    chain = [start.name]
    current = start
    while current.inherits:
        parent = current.inherits
        if parent == start.name:
            return chain
        if parent in chain:
            return []  # a cycle further up, reported from one of its own members
        if parent in acyclic:
            break
        found = by_name.get(parent)
        if not found or found[0].kind != start.kind:
            break
        current = found[0]
        chain.append(parent)
    acyclic.update(chain)
    return []


# --- enums and callback interfaces --------------------------------------------------------------


def duplicate_enum_values(context: Context) -> None:
    """An enum lists each value once."""
    for enum in context.by_kind.get("enum", ()):
        if len({v.value for v in enum.values}) == len(enum.values):
            continue
        seen: dict[str, ast.EnumValue] = {}
        for value in enum.values:
            first = seen.setdefault(value.value, value)
            if first is not value:
                context.error(
                    value.loc,
                    f"duplicate value \"{value.value}\" in enum '{enum.name}' "
                    f"(first defined at {first.loc})",
                    len(value.value) + 2,
                )


def callback_interface_operations(context: Context) -> None:
    """A callback interface defines exactly one regular operation."""
    for definition in context.by_kind.get("callback interface", ()):
        count = sum(1 for m in definition.members if m.__class__ is ast.Operation)
        if count != 1:
            context.error(
                definition.loc,
                f"callback interface '{definition.name}' must define exactly one regular "
                f"operation, not {count}",
                len(definition.name),
            )
