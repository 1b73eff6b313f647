"""What every validation rule shares: the `Context` of one definition set, and the words its
messages are made of.

The `Context` holds the definition index, the `TypeSystem` and `Distinguishability` built over
it, and the subsets of the definitions that `collect.collect` records in its one walk (each
rule looks only at the subset it needs). Its queries (a definition's partials, an interface's
mixins, a container's member index, a dictionary's members and ancestors) are memoised.

Names the standard leaves to other specifications are resolved here too: CSSOM's `CSSOMString`
and HTML's `WindowProxy`, defined in prose rather than in an IDL block, and the other names a
[LegacyWindowAlias] gives an interface (which the `unknown_types` rule reports when they are
used as types).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.diagnostics import DiagnosticSink
from codegen.model.index import DefinitionSet
from codegen.model.validation.distinguishability import Distinguishability
from codegen.model.validation.typesystem import TypeSystem
from codegen.source import Location
from codegen.webidl import ast
from codegen.webidl.ast import SimpleType, UnionType

ARTICLE = {
    "interface": "an interface",
    "interface mixin": "an interface mixin",
    "callback interface": "a callback interface",
    "namespace": "a namespace",
    "dictionary": "a dictionary",
    "enum": "an enum",
    "typedef": "a typedef",
    "callback": "a callback function",
}


def kind_name(definition: ast.Definition) -> str:
    return "callback function" if definition.kind == "callback" else definition.kind


def describe(definition: ast.Definition) -> str:
    partial = "partial " if getattr(definition, "partial", False) else ""
    return f"{partial}{kind_name(definition)} '{definition.name}'"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def name_width(t: ast.IdlType) -> int:
    """How many characters a caret under type `t` spans (a name, or its first character)."""
    return len(t.name) if t.__class__ is SimpleType else 1


_NO_OPERATIONS: dict[str, list[ast.Operation]] = {}  # shared, never modified


@dataclass(slots=True)
class MemberIndex:
    """A container's members as the duplicate and overload rules see them: name clashes, and
    operations grouped by name (interfaces with their partials and mixins)."""

    clashes: list[tuple[ast.Member, ast.Member]]  # (member, the earlier member it clashes with)
    regular: dict[str, list[ast.Operation]]  # named operations that are not static
    static: dict[str, list[ast.Operation]]
    constructors: list[ast.Constructor]  # of the definition itself, not of partials
    # id(operation) -> the definition (interface, partial, mixin) it is declared in; filled
    # only when some name repeats (otherwise there are no overloads to look at)
    declared_in: dict[int, ast.Definition] = field(default_factory=dict)

    @classmethod
    def scan(
        cls, parts: list[ast.Definition], repeated: set[str], constructors: list[ast.Constructor]
    ) -> MemberIndex:
        """Look at the members of `parts` (in order) whose names are in `repeated`."""
        first_any: dict[str, ast.Member] = {}  # name -> its first member of any kind
        first_data: dict[str, ast.Member] = {}  # name -> its first constant or attribute
        index = cls([], {}, {}, constructors, {})
        clashes = index.clashes
        Operation, Attribute, Const = ast.Operation, ast.Attribute, ast.Const
        for part in parts:
            for member in part.members:
                kind = member.__class__
                if kind is not Operation and kind is not Attribute and kind is not Const:
                    continue
                name = member.name
                if name not in repeated:
                    continue
                if kind is Operation:
                    group = index.static if member.special == "static" else index.regular
                    group.setdefault(name, []).append(member)
                    index.declared_in[id(member)] = part
                    clash = first_data.get(name)
                else:
                    clash = first_any.get(name)
                    if name not in first_data:
                        first_data[name] = member
                if name not in first_any:
                    first_any[name] = member
                if clash is not None:
                    clashes.append((member, clash))
        return index


# Shared, never modified: the index of a container whose members' names are all different.
_NO_ORIGINS: dict[int, ast.Definition] = {}
NO_MEMBER_PROBLEMS = MemberIndex([], _NO_OPERATIONS, _NO_OPERATIONS, [], _NO_ORIGINS)


@dataclass
class Context:
    """What the rules share, computed once per definition set."""

    index: DefinitionSet
    sink: DiagnosticSink
    lookup: dict[str, ast.Definition] = field(init=False)
    # [LegacyWindowAlias] name -> the interface it is another name of
    aliases: dict[str, ast.Interface] = field(init=False)
    # kind ("interface", "dictionary"...) -> the non-partial definitions of that kind
    by_kind: dict[str, list[ast.Definition]] = field(init=False)
    types: TypeSystem = field(init=False)
    distinguish: Distinguishability = field(init=False)
    mixins: dict[str, list[ast.InterfaceMixin]] = field(init=False)
    # Filled by `collect.collect`, one walk over every definition.
    # References naming no type (unknown, or a mixin or namespace), and references to typedefs.
    misnamed: list[SimpleType] = field(default_factory=list)
    typedef_references: list[SimpleType] = field(default_factory=list)
    nullable_typedef_references: list[SimpleType] = field(default_factory=list)  # `T?`
    unions: list[UnionType] = field(default_factory=list)  # outermost unions only
    annotated: list[ast.IdlType] = field(default_factory=list)  # types with extended attributes
    # Every non-empty argument list; the ids of those of special operations (getter, setter,
    # deleter); those of async_iterable declarations; and the lists with a variadic argument.
    argument_lists: list[list[ast.Argument]] = field(default_factory=list)
    special_argument_lists: set[int] = field(default_factory=set)
    async_iterable_argument_lists: list[list[ast.Argument]] = field(default_factory=list)
    variadic_argument_lists: list[list[ast.Argument]] = field(default_factory=list)
    # Arguments and dictionary members whose type is, or is a typedef of, a union, a generic
    # type, a dictionary or `undefined`, and the argument lists with such an argument: the only
    # ones the dictionary, nullable-dictionary and undefined rules need to look at.
    unusual_arguments: list[ast.Argument] = field(default_factory=list)
    unusual_fields: list[ast.Field] = field(default_factory=list)
    # Arguments and dictionary members with a default value.
    defaulted: list[ast.Argument | ast.Field] = field(default_factory=list)
    unusual_argument_lists: list[list[ast.Argument]] = field(default_factory=list)
    # Attributes whose type is not a plain built-in or interface type (or is annotated).
    unusual_attributes: list[ast.Attribute] = field(default_factory=list)
    constants: list[ast.Const] = field(default_factory=list)
    exposed: list[ast.ExtendedAttribute] = field(default_factory=list)
    exposed_definitions: set[int] = field(default_factory=set)  # ids of those with [Exposed]
    # (definition, attribute) for each [LegacyFactoryFunction] with an argument list
    factories: list[tuple[ast.Definition, ast.ExtendedAttribute]] = field(default_factory=list)
    global_names: set[str] | None = None
    # Arguments and dictionary members with extended attributes (which may annotate the type).
    annotated_owners: list[ast.Argument | ast.Field] = field(default_factory=list)
    # id(definition) -> (the names of its named members, its constructors, whether a name
    # repeats)
    member_names: dict[int, tuple[list[str], list[ast.Constructor], bool]] = field(
        default_factory=dict
    )
    # dictionary name -> its own members (with its partials'), by name
    fields: dict[str, dict[str, ast.Field]] = field(default_factory=dict)
    with_required: set[str] = field(default_factory=set)  # dictionaries with a required member
    repeating: set[str] = field(default_factory=set)  # dictionaries in which a name repeats
    _members: dict[int, MemberIndex] = field(default_factory=dict)
    _enum_values: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_kind: dict[str, list[ast.Definition]] = {}
        for found in self.index.by_name.values():
            definition = found[0]
            group = by_kind.get(definition.kind)
            if group is None:
                by_kind[definition.kind] = [definition]
            else:
                group.append(definition)
        self.by_kind = by_kind
        self.aliases = self.index.aliases
        self.lookup = self.index.references
        self.types = TypeSystem(self.lookup)
        self.distinguish = Distinguishability(self.types)
        self.mixins = _mixins_by_interface(self.index, self.lookup)

    def error(self, loc: Location, message: str, width: int = 1) -> None:
        self.sink.error(loc, message, width)

    def warning(self, loc: Location, message: str, width: int = 1) -> None:
        """Report IDL that breaks a rule of the standard in a way browsers ship (see the
        package docstring): reported, but it does not fail validation."""
        self.sink.warning(loc, message, width)

    def parts(self, name: str) -> list[ast.Definition]:
        """The definition named `name` and its partials of the same kind (a partial of another
        kind is reported by `partial_targets` and ignored everywhere else)."""
        main = self.index.by_name[name][0]
        partials = self.index.partials.get(name)
        if not partials:
            return [main]
        return [main, *(p for p in partials if p.kind == main.kind)]

    def interface_parts(self, name: str) -> list[ast.Definition]:
        """An interface, its partials, and each mixin it includes with the mixin's partials."""
        result = self.parts(name)
        for mixin in self.mixins.get(name, ()):
            result.extend(self.parts(mixin.name))
        return result

    def members(self, definition: ast.Definition) -> MemberIndex:
        """The member index of an interface (with partials and mixins), interface mixin or
        namespace (with partials), or callback interface; computed once per definition."""
        index = self._members.get(id(definition))
        if index is not None:
            return index
        name = definition.name
        known = self.member_names
        if name in self.index.partials or name in self.mixins:
            parts = (
                self.interface_parts(name) if definition.kind == "interface" else self.parts(name)
            )
            # Each part's names are listed once, by `collect` (a mixin is part of every
            # interface that includes it); only if some name repeats are members looked at.
            found = [known[id(part)] for part in parts]
            names = [n for part_names, _, _ in found for n in part_names]
            constructors = [c for _, part_constructors, _ in found for c in part_constructors]
            repeats = len(set(names)) < len(names)
        else:
            parts = [definition]
            names, constructors, repeats = known[id(definition)]
        if repeats:
            seen: set[str] = set()
            repeated = {n for n in names if n in seen or seen.add(n)}
            index = MemberIndex.scan(parts, repeated, constructors)
        elif constructors:
            index = MemberIndex([], _NO_OPERATIONS, _NO_OPERATIONS, constructors, _NO_ORIGINS)
        else:
            index = NO_MEMBER_PROBLEMS
        self._members[id(definition)] = index
        return index

    def enum_values(self, enum: ast.Enum) -> frozenset[str]:
        """The values of an enum (without quotes); computed once per enum."""
        values = self._enum_values.get(enum.name)
        if values is None:
            values = self._enum_values[enum.name] = frozenset(v.value for v in enum.values)
        return values

    def dictionary_fields(self, name: str) -> dict[str, ast.Field]:
        """A dictionary's own members (with its partials'), by name, from `collect`."""
        return self.fields.get(name, {})

    def dictionary_ancestors(self, name: str) -> list[str]:
        """The dictionaries `name` inherits from, nearest first (cycle-safe)."""
        chain: list[str] = []
        seen = {name}
        current = self.lookup.get(name)
        while current.__class__ is ast.Dictionary and current.inherits:
            if current.inherits in seen:
                break
            seen.add(current.inherits)
            chain.append(current.inherits)
            current = self.lookup.get(current.inherits)
        return chain

    def has_required_member(self, name: str) -> bool:
        """Whether dictionary `name` (with its partials) or an ancestor has a required member."""
        with_required = self.with_required
        if name in with_required:
            return True
        definition = self.lookup.get(name)
        return bool(definition.inherits) and any(
            ancestor in with_required for ancestor in self.dictionary_ancestors(name)
        )


def _mixins_by_interface(
    index: DefinitionSet, lookup: dict[str, ast.Definition]
) -> dict[str, list[ast.InterfaceMixin]]:
    """Interface name -> the mixins it includes, in includes order, each once."""
    result: dict[str, list[ast.InterfaceMixin]] = {}
    for statement in index.includes:
        mixin = lookup.get(statement.mixin)
        target = lookup.get(statement.target)
        if mixin.__class__ is ast.InterfaceMixin and target.__class__ is ast.Interface:
            mixins = result.setdefault(statement.target, [])
            if mixin not in mixins:
                mixins.append(mixin)
    return result
