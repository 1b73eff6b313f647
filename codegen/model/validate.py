"""Semantic validation of a WebIDL definition set: what the grammar alone cannot check.

`validate(definitions, sink)` adds one diagnostic per problem to `sink`; bad input never
raises. Each rule is a function below, named after the rule, citing the part of the standard
(https://webidl.spec.whatwg.org/) it enforces:

1.  `unknown_types`: every type name names a type; interface mixins and namespaces are not
    types (#idl-names, #idl-types, #idl-interface-mixins, #idl-namespaces).
2.  `duplicate_definitions` (#idl-names); `duplicate_members`: constants, attributes and
    dictionary members are unique in their interface, namespace, callback interface or
    dictionary, counting partials, included mixins and inherited dictionaries; operations
    overload each other, and a static and a regular operation may share a name
    (#idl-constants, #idl-attributes, #idl-operations, #idl-dictionaries);
    `duplicate_arguments` (#idl-operations).
3.  `partial_targets`, `includes_targets`: a partial extends a definition of its own kind;
    `A includes B` joins an interface and an interface mixin (#idl-interfaces,
    #idl-interface-mixins, #idl-namespaces, #idl-dictionaries).
4.  `inheritance`: interfaces inherit from interfaces and dictionaries from dictionaries,
    without cycles (#idl-interfaces, #idl-dictionaries).
5.  `duplicate_enum_values` (#idl-enums).
6.  `dictionary_arguments`: a trailing dictionary argument without required members is
    optional and has a default value (#idl-operations).
7.  `nullable_types`: no nullable dictionary arguments; a nullable type does not wrap `any`, a
    promise, another nullable type, or a union with a nullable or dictionary member; a union
    has at most one nullable member and no `any` (#idl-operations, #idl-nullable-type,
    #idl-union).
8.  `required_member_defaults`: a required dictionary member has no default
    (#idl-dictionaries).
9.  `overloads`: overloads are declared in one definition (not across an interface, its
    partials and mixins), all or none return promises, agree on [Exposed], [SecureContext] and
    [CrossOriginIsolated], and every effective overload set has a distinguishing argument index
    with the same argument types before it and no bigint-versus-numeric distinction at it
    (#idl-overloading, #dfn-distinguishable, #Exposed, #SecureContext, #CrossOriginIsolated).
10. `partial_constructors`: constructors are not declared on partial interfaces
    (#idl-overloading, #idl-interfaces).
11. `exposure`: interfaces, namespaces and callback interfaces with constants have [Exposed],
    naming each global once and only globals some interface declares with [Global] (#Exposed,
    #Global, #idl-callback-interfaces).
12. Further exact checks: `default_values` (defaults and constant values fit their type,
    integers are in range, enum defaults are values of the enum: #idl-constants,
    #idl-operations, #idl-dictionaries), `constant_types` (#idl-constants), `undefined_types`
    (#idl-undefined), `attribute_types` (#idl-attributes), `type_annotations` ([Clamp] and
    [EnforceRange]: #Clamp, #EnforceRange), `variadic_arguments` (#idl-operations,
    #idl-async-iterable-declaration), `typedef_cycles` (#idl-typedefs),
    `callback_interface_operations` (#idl-callback-interfaces).

Where the whole web platform's IDL (@webref/idl 3.85.0) still breaks a rule of the standard,
the rule is narrowed so that validating it stays clean, and says so where it is narrowed:
nullable dictionary members and attributes, unions of indistinguishable named types, the
optionality of arguments before the distinguishing index, `null` defaults for object types and
dictionary members and `{}` defaults for records are not reported; a [LegacyWindowAlias]
names its interface, and CSSOM's `CSSOMString` and HTML's `WindowProxy`, defined in prose, are
known types.

Messages are lowercase sentences without a final period that quote names as '...'. What the
rules need (references, unions, argument lists, typedef resolutions, each interface's mixins) is
collected in one walk over the definitions and memoised, so the web platform validates in tens
of milliseconds.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

from codegen.diagnostics import DiagnosticSink
from codegen.model.distinguishability import (
    FLOAT_TYPES,
    INTEGER_RANGES,
    NUMERIC_TYPES,
    STRING_TYPES,
    UNRESTRICTED_FLOAT_TYPES,
    Callable,
    OverloadProblem,
    TypeSystem,
    check_overloads,
    spell,
)
from codegen.model.index import DefinitionSet
from codegen.source import Location
from codegen.webidl import ast
from codegen.webidl.ast import GenericType, SimpleType, UnionType

_ARTICLE = {
    "interface": "an interface",
    "interface mixin": "an interface mixin",
    "callback interface": "a callback interface",
    "namespace": "a namespace",
    "dictionary": "a dictionary",
    "enum": "an enum",
    "typedef": "a typedef",
    "callback": "a callback function",
}
_PRIMITIVE_TYPES = NUMERIC_TYPES | {"boolean", "bigint"}
_RANGE_ANNOTATIONS = ("Clamp", "EnforceRange")

# Types the web platform defines in prose rather than in an IDL block, as typedefs of what
# they stand for. CSSOM lets each implementation pick `typedef USVString CSSOMString;` or
# `typedef DOMString CSSOMString;` (https://drafts.csswg.org/cssom/#cssomstring-type); HTML's
# WindowProxy is the exotic object through which IDL hands out a Window
# (https://html.spec.whatwg.org/multipage/nav-history-apis.html#windowproxy).
_PROSE_TYPEDEFS = {
    "CSSOMString": SimpleType("DOMString"),
    "WindowProxy": SimpleType("Window", is_reference=True),
}


def _kind(definition: ast.Definition) -> str:
    return "callback function" if definition.kind == "callback" else definition.kind


def _describe(definition: ast.Definition) -> str:
    partial = "partial " if getattr(definition, "partial", False) else ""
    return f"{partial}{_kind(definition)} '{definition.name}'"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _includes_undefined(types: TypeSystem, core: ast.IdlType) -> bool:
    if core.__class__ is UnionType:
        return any(_is_builtin(m, "undefined") for m in types.flattened(core))
    return _is_builtin(core, "undefined")


def _is_primitive(t: ast.IdlType) -> bool:
    return t.__class__ is SimpleType and not t.is_reference and t.name in _PRIMITIVE_TYPES


def _is_builtin(t: ast.IdlType, name: str) -> bool:
    return t.__class__ is SimpleType and not t.is_reference and t.name == name


def _name_width(t: ast.IdlType) -> int:
    """How many characters a caret under type `t` spans (a name, or its first character)."""
    return len(t.name) if t.__class__ is SimpleType else 1


_NAMED_MEMBERS = frozenset({ast.Operation, ast.Attribute, ast.Const})
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
_NO_MEMBER_PROBLEMS = MemberIndex([], _NO_OPERATIONS, _NO_OPERATIONS, [], _NO_ORIGINS)


@dataclass
class Context:
    """What the rules share, computed once per definition set."""

    index: DefinitionSet
    sink: DiagnosticSink
    lookup: dict[str, ast.Definition] = field(init=False)
    # kind ("interface", "dictionary"...) -> the non-partial definitions of that kind
    by_kind: dict[str, list[ast.Definition]] = field(init=False)
    types: TypeSystem = field(init=False)
    mixins: dict[str, list[ast.InterfaceMixin]] = field(init=False)
    # Filled by `_collect`, one walk over every definition.
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
    _members: dict[int, MemberIndex] = field(default_factory=dict)
    # id(definition) -> (the names of its named members, its constructors, whether a name
    # repeats), from `_collect`
    _parts: dict[int, tuple[list[str], list[ast.Constructor], bool]] = field(default_factory=dict)
    _fields: dict[str, dict[str, ast.Field]] = field(default_factory=dict)
    _has_required: set[str] = field(default_factory=set)  # dictionaries with a required member
    _repeating: set[str] = field(default_factory=set)  # dictionaries in which a name repeats
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
        self.lookup = _lookup(self)
        self.types = TypeSystem(self.lookup)
        self.mixins = _mixins_by_interface(self.index, self.lookup)

    def error(self, loc: Location, message: str, width: int = 1) -> None:
        self.sink.error(loc, message, width)

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
        known = self._parts
        if name in self.index.partials or name in self.mixins:
            parts = (
                self.interface_parts(name) if definition.kind == "interface" else self.parts(name)
            )
            # Each part's names are listed once, by `_collect` (a mixin is part of every
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
            index = _NO_MEMBER_PROBLEMS
        self._members[id(definition)] = index
        return index

    def enum_values(self, enum: ast.Enum) -> frozenset[str]:
        """The values of an enum (without quotes); computed once per enum."""
        values = self._enum_values.get(enum.name)
        if values is None:
            values = self._enum_values[enum.name] = frozenset(v.value for v in enum.values)
        return values

    def dictionary_fields(self, name: str) -> dict[str, ast.Field]:
        """A dictionary's own members (with its partials'), by name, from `_collect`."""
        return self._fields.get(name, {})

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


def validate(definitions: DefinitionSet, sink: DiagnosticSink) -> None:
    """Report every semantic error of the definition set to `sink`, in source order."""
    first = len(sink.diagnostics)
    # The pass allocates many small lists and dicts; each time that triggers the cyclic garbage
    # collector it walks the whole AST (hundreds of thousands of objects) for nothing, which
    # costs more than the validation itself. Nothing here creates cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        context = Context(definitions, sink)
        _collect(context)
        for rule in RULES:
            rule(context)
    finally:
        if collecting:
            gc.enable()
    if len(sink.diagnostics) - first > 1:
        order = {idl.path: i for i, idl in enumerate(definitions.files)}
        sink.diagnostics[first:] = sorted(
            sink.diagnostics[first:],
            key=lambda d: (order.get(d.loc.file, len(order)), d.loc.line, d.loc.column),
        )


# --- what the rules share -----------------------------------------------------------------------


def _lookup(context: Context) -> dict[str, ast.Definition]:
    """Name -> definition, for type references.

    Besides every definition's own name: a [LegacyWindowAlias] is another name of its interface
    (SVG's IDL still writes `SVGRect` for DOMRect), and the prose-defined typedefs above.
    """
    lookup: dict[str, ast.Definition] = {
        name: ast.Typedef(name, meaning) for name, meaning in _PROSE_TYPEDEFS.items()
    }
    for interface in context.by_kind.get("interface", ()):
        for attr in interface.ext_attrs:
            if attr.name == "LegacyWindowAlias":
                for alias in attr.values or (attr.value,):
                    if alias:
                        lookup[alias] = interface
    lookup.update((name, found[0]) for name, found in context.index.by_name.items())
    return lookup


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


_SPECIAL_OPERATIONS = frozenset({"getter", "setter", "deleter"})


def _collect(context: Context) -> None:
    """One walk over every definition, recording what the rules look at.

    It touches every node of the definition set once; the rules then look only at the
    subsets recorded here, as touching tens of thousands of nodes is most of the cost.
    """
    types = context.types
    kinds = types.kinds
    # name -> 1 for a typedef, 2 for a name that is no type; other type names are not listed.
    codes = dict.fromkeys(types.typedefs, 1)
    for kind in ("interface mixin", "namespace"):
        codes.update((d.name, 2) for d in context.by_kind.get(kind, ()))
    unusual_names = {"undefined", *types.dictionaries}
    for name in types.typedefs:
        core, _ = types.typedef_meaning(name)
        if core.__class__ is not SimpleType or core.name in unusual_names:
            unusual_names.add(name)
    # A plain SimpleType whose name is in neither set needs no more than the unknown-name test.
    watched = unusual_names | codes.keys()
    misnamed = context.misnamed
    typedef_references = context.typedef_references
    annotated = context.annotated
    compound: list[ast.IdlType] = []  # types other than a plain SimpleType, for _walk_types

    def note(t: ast.IdlType) -> None:
        """Record a type written in the definitions (called only where it is not plain)."""
        if t.__class__ is SimpleType:
            if t.is_reference and (t.name in codes or t.name not in kinds):
                (typedef_references if codes.get(t.name) == 1 else misnamed).append(t)
            if t.ext_attrs:
                annotated.append(t)
        else:
            compound.append(t)

    argument_lists = context.argument_lists
    new_list = argument_lists.append
    unusual_attributes = context.unusual_attributes
    constants = context.constants
    exposed = context.exposed
    annotated_owners = context.annotated_owners
    parts = context._parts
    dictionary_fields = context._fields
    required = context._has_required
    unusual_fields = context.unusual_fields
    defaulted = context.defaulted
    repeating = context._repeating
    exposed_definitions = context.exposed_definitions
    Operation, Attribute, Const = ast.Operation, ast.Attribute, ast.Const
    Constructor = ast.Constructor
    definitions = [d for idl in context.index.files for d in idl.definitions]
    for definition in definitions:
        cls = definition.__class__
        if cls is ast.Dictionary:
            own = dictionary_fields.get(definition.name)
            if own is None:
                own = dictionary_fields[definition.name] = {}
            for member in definition.members:
                if member.name not in own:
                    own[member.name] = member
                else:
                    repeating.add(definition.name)
                if member.required:
                    required.add(definition.name)
                if member.default is not None:
                    defaulted.append(member)
                if member.ext_attrs:
                    annotated_owners.append(member)
                t = member.type
                # Inline for the common case: a built-in type or a reference to an interface.
                if t.__class__ is SimpleType and not t.ext_attrs and t.name not in watched:
                    if t.is_reference and t.name not in kinds:
                        misnamed.append(t)
                    continue
                if t.__class__ is not SimpleType or t.name in unusual_names:
                    unusual_fields.append(member)
                note(t)
            continue
        if cls is ast.Typedef:
            note(definition.type)
            continue
        if cls is ast.Callback:
            note(definition.return_type)
            if definition.arguments:
                new_list(definition.arguments)
            continue
        if cls is ast.Enum or cls is ast.Includes:
            continue
        for attr in definition.ext_attrs:
            if attr.name == "Exposed":
                exposed.append(attr)
                exposed_definitions.add(id(definition))
            elif attr.name == "LegacyFactoryFunction" and attr.arguments is not None:
                context.factories.append((definition, attr))
                if attr.arguments:
                    new_list(attr.arguments)
            elif attr.name == "Global" and cls is ast.Interface:
                _add_global_names(context, definition, attr)
        names: list[str] = []
        add_name = names.append
        constructors: list[ast.Constructor] = []
        for member in definition.members:
            if member.ext_attrs:
                for attr in member.ext_attrs:
                    if attr.name == "Exposed":
                        exposed.append(attr)
            mcls = member.__class__
            if mcls is Operation:
                if member.name:
                    add_name(member.name)
                t = member.return_type
                if t is not None:
                    if t.__class__ is not SimpleType or t.ext_attrs or t.name in codes:
                        note(t)
                    elif t.is_reference and t.name not in kinds:
                        misnamed.append(t)
                if member.arguments:
                    new_list(member.arguments)
                    if member.special in _SPECIAL_OPERATIONS:
                        context.special_argument_lists.add(id(member.arguments))
            elif mcls is Attribute:
                add_name(member.name)
                t = member.type
                if t.__class__ is SimpleType and not t.ext_attrs and t.name not in watched:
                    if t.is_reference and t.name not in kinds:
                        misnamed.append(t)
                else:
                    unusual_attributes.append(member)
                    note(t)
            elif mcls is Const:
                add_name(member.name)
                constants.append(member)
                note(member.type)
            elif mcls is Constructor:
                constructors.append(member)
                if member.arguments:
                    new_list(member.arguments)
            else:  # Declaration
                for t in member.types:
                    note(t)
                if member.arguments:
                    new_list(member.arguments)
                    context.async_iterable_argument_lists.append(member.arguments)
        if constructors and getattr(definition, "partial", False):
            constructors = []  # one in a partial interface is reported on its own
        parts[id(definition)] = (names, constructors, len(set(names)) < len(names))
    variadic = context.variadic_argument_lists
    unusual = context.unusual_arguments
    unusual_lists = context.unusual_argument_lists
    for argument_list in argument_lists:
        for argument in argument_list:
            t = argument.type
            if t.__class__ is SimpleType and not t.ext_attrs and t.name not in watched:
                if t.is_reference and t.name not in kinds:
                    misnamed.append(t)
            else:
                if t.__class__ is not SimpleType or t.name in unusual_names:
                    unusual.append(argument)
                    if not unusual_lists or unusual_lists[-1] is not argument_list:
                        unusual_lists.append(argument_list)
                note(t)
            if argument.ext_attrs:
                annotated_owners.append(argument)
            if argument.default is not None:
                defaulted.append(argument)
            if argument.variadic and (not variadic or variadic[-1] is not argument_list):
                variadic.append(argument_list)
    _walk_types(context, compound, codes)
    context.nullable_typedef_references += [t for t in typedef_references if t.nullable]


def _walk_types(context: Context, compound: list[ast.IdlType], codes: dict[str, int]) -> None:
    """Record the misnamed references, typedef references, outermost unions and annotated
    type nodes inside the unions and generic types written in the definitions."""
    misnamed = context.misnamed
    typedef_references = context.typedef_references
    kinds = context.types.kinds
    annotated = context.annotated
    unions = context.unions
    pending: list[ast.IdlType] = []
    for t in compound:
        if t.__class__ is UnionType:
            unions.append(t)
        pending.append(t)
        while pending:
            t = pending.pop()
            if t.ext_attrs:
                annotated.append(t)
            cls = t.__class__
            if cls is SimpleType:
                if t.is_reference and (t.name in codes or t.name not in kinds):
                    (typedef_references if codes.get(t.name) == 1 else misnamed).append(t)
            elif cls is GenericType:
                pending += t.arguments
            else:
                pending += t.members


def _add_global_names(
    context: Context, interface: ast.Interface, attr: ast.ExtendedAttribute
) -> None:
    names = context.global_names
    if names is None:
        names = context.global_names = set()
    if attr.form == "ident":
        names.add(attr.value)
    elif attr.form == "ident-list":
        names.update(attr.values)
    else:  # the older [Global] without a value: the interface's own name
        names.add(interface.name)


# --- 1. unknown types -----------------------------------------------------------------------------


def unknown_types(context: Context) -> None:
    """A type name names an interface, callback interface, dictionary, enum, callback function
    or typedef; interface mixins and namespaces create no type."""
    kinds = context.types.kinds
    for ref in context.misnamed:
        kind = kinds.get(ref.name)
        if kind is None:
            context.error(ref.loc, f"unknown type '{ref.name}'", len(ref.name))
        else:
            context.error(ref.loc, f"'{ref.name}' is {_ARTICLE[kind]}, not a type", len(ref.name))


# --- 2. duplicates --------------------------------------------------------------------------------


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
                        f"duplicate member '{member.name}' in {_describe(container)} "
                        f"(first defined at {clash.loc})",
                        len(member.name),
                    )
    repeating = context._repeating
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


# --- 3. partials and includes ---------------------------------------------------------------------


def partial_targets(context: Context) -> None:
    """A partial definition extends a definition of the same kind and name."""
    by_name = context.index.by_name
    for name, partials in context.index.partials.items():
        target = by_name.get(name, [None])[0]
        for partial in partials:
            if target is None:
                context.error(
                    partial.loc,
                    f"{_describe(partial)} has no matching {_kind(partial)} definition",
                    len(name),
                )
            elif target.kind != partial.kind:
                context.error(
                    partial.loc,
                    f"{_describe(partial)} cannot extend {_kind(target)} '{name}' "
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
                problem = f"'{name}' is {_ARTICLE[target.kind]}, not {_ARTICLE[wanted]}"
            else:
                continue
            context.error(statement.loc, f"{head}, but {problem}", len(statement.target))


# --- 4. inheritance -------------------------------------------------------------------------------


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
                f"{_describe(definition)} inherits from '{parent}', but '{parent}' is not defined",
                len(name),
            )
        elif target[0].kind != kind:
            context.error(
                definition.loc,
                f"{_describe(definition)} inherits from '{parent}', but '{parent}' is "
                f"{_ARTICLE[target[0].kind]}, not {_ARTICLE[kind]}",
                len(name),
            )
        elif name not in in_cycle and name not in acyclic:
            cycle = _inheritance_cycle(by_name, definition, acyclic)
            if cycle:
                in_cycle.update(cycle)
                path = " -> ".join([*cycle, cycle[0]])
                context.error(
                    definition.loc,
                    f"{_describe(definition)} inherits from itself ({path})",
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


# --- 5. enums -------------------------------------------------------------------------------------


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


# --- 6. dictionary arguments ----------------------------------------------------------------------


def dictionary_arguments(context: Context) -> None:
    """A dictionary argument (or a union with a dictionary member) whose dictionary has no
    required members, and that no required argument follows, is optional with a default."""
    special = context.special_argument_lists
    for argument_list in context.unusual_argument_lists:
        if special and id(argument_list) in special:
            continue
        for argument in reversed(argument_list):
            if argument.variadic:
                continue
            dictionary = _dictionary_without_required(context, argument.type)
            if dictionary is not None and argument.default is None:
                reason = (
                    f"dictionary '{dictionary}' has no required members "
                    "and no required argument follows"
                )
                if argument.optional:
                    message = (
                        f"optional argument '{argument.name}' needs a default value "
                        f"('= {{}}'), as {reason}"
                    )
                else:
                    message = f"argument '{argument.name}' must be optional, as {reason}"
                context.error(argument.loc, message, len(argument.name))
            if not argument.optional:
                break  # arguments before a required one may be required


def _dictionary_without_required(context: Context, t: ast.IdlType) -> str | None:
    """The name of a dictionary in `t` (or among its union members) without required members."""
    types = context.types
    if t.__class__ is SimpleType:
        if t.name in types.dictionaries:
            if t.nullable or _has_required_member(context, t.name):
                return None
            return context.lookup[t.name].name
        if t.name not in types.typedefs:
            return None
    elif t.__class__ is GenericType:
        return None
    core, nullable = types.resolve(t)
    if nullable:
        return None  # a nullable dictionary argument is an error of its own
    if core.__class__ is UnionType:
        candidates = [m for m in types.flattened(core) if types.is_dictionary(m)]
    elif types.is_dictionary(core):
        candidates = [core]
    else:
        return None
    for candidate in candidates:
        name = context.lookup[candidate.name].name
        if not _has_required_member(context, name):
            return name
    return None


def _has_required_member(context: Context, name: str) -> bool:
    """Whether dictionary `name` (with its partials) or an ancestor has a required member."""
    with_required = context._has_required
    if name in with_required:
        return True
    definition = context.lookup.get(name)
    return bool(definition.inherits) and any(
        ancestor in with_required for ancestor in context.dictionary_ancestors(name)
    )


# --- 7. nullable and union types ------------------------------------------------------------------


def nullable_types(context: Context) -> None:
    """No nullable dictionary arguments; a nullable type does not wrap `any`, a promise,
    another nullable type, or a union with a nullable or dictionary member; a union has at
    most one nullable member, and none if it has a dictionary member, and no `any`.

    Narrowed for the web platform: the standard also forbids nullable dictionaries as
    dictionary members (intersection-observer, reporting and webxr-dom-overlays declare some)
    and unions of indistinguishable types (css-typed-om, digital-credentials and
    secure-payment-confirmation have unions of an interface and its ancestor, of two enums and
    of two dictionaries); only unions of indistinguishable built-in types are reported.
    """
    types = context.types
    dictionaries, typedefs = types.dictionaries, types.typedefs
    for argument in context.unusual_arguments:
        t = argument.type
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
            context.error(
                t.loc,
                f"nullable dictionary type '{spell(t)}' is not allowed for argument "
                f"'{argument.name}'",
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
    elif _is_builtin(inner, "any"):
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
    if any(_is_builtin(m, "any") for m in flattened):
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
    builtins = [m for m in flattened if m.__class__ is not SimpleType or not m.is_reference]
    for i, a in enumerate(builtins):
        for b in builtins[i + 1 :]:
            if not types.distinguishable(a, b):
                context.error(
                    union.loc,
                    f"union type '{spell(union)}' has member types '{spell(a)}' and "
                    f"'{spell(b)}' that are not distinguishable",
                )
                return


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


# --- 8. required dictionary members ---------------------------------------------------------------


def required_member_defaults(context: Context) -> None:
    """A required dictionary member has no default value."""
    for member in context.defaulted:
        if member.__class__ is ast.Field and member.required:
            context.error(
                member.default.loc,
                f"required dictionary member '{member.name}' cannot have a default value",
                len(member.default.text),
            )


# --- 9. overloads ---------------------------------------------------------------------------------


def overloads(context: Context) -> None:
    """The overloads of an operation, constructor or legacy factory function can be told
    apart by the overload resolution algorithm."""
    checked: set[frozenset[int]] = set()
    by_kind = context.by_kind
    _factory_overloads(context, checked)
    for definition in (
        *by_kind.get("interface", ()),
        *by_kind.get("namespace", ()),
        *by_kind.get("callback interface", ()),
    ):
        members = context.members(definition)
        if members is _NO_MEMBER_PROBLEMS:
            continue  # every name is different: nothing is overloaded
        where = f"{definition.kind} '{definition.name}'"
        for prefix, groups in (("", members.regular), ("static ", members.static)):
            for operation, group in groups.items():
                if len(group) < 2:
                    continue
                what = f"{prefix}operation '{operation}' in {where}"
                if _declared_together(context, what, group, members.declared_in):
                    _check_overload_set(context, what, _callables(group), checked)
        if len(members.constructors) > 1:
            what = f"constructor of {where}"
            _check_overload_set(context, what, _callables(members.constructors), checked)


def _declared_together(
    context: Context,
    what: str,
    group: list[ast.Operation],
    declared_in: dict[int, ast.Definition],
) -> bool:
    """Overloads are declared in one definition: not split across an interface, its partial
    interfaces and the (partial) mixins it includes."""
    home = declared_in[id(group[0])]
    for operation in group[1:]:
        if declared_in[id(operation)] is not home:
            context.error(
                operation.loc,
                f"overloaded {what} must be declared in the same definition as the overload "
                f"at {group[0].loc}",
                len(operation.name),
            )
            return False
    return True


def _callables(operations: list[ast.Operation] | list[ast.Constructor]) -> list[Callable]:
    return [Callable(op, op.arguments) for op in operations]


def _factory_overloads(context: Context, checked: set[frozenset[int]]) -> None:
    factories: dict[tuple[str, str], list[Callable]] = {}
    for definition, attr in context.factories:
        if definition.kind == "interface" and attr.form == "named-arg-list":
            key = (definition.name, attr.value)
            factories.setdefault(key, []).append(Callable(attr, attr.arguments))
    for (interface, factory), callables in factories.items():
        what = f"legacy factory function '{factory}' of interface '{interface}'"
        _check_overload_set(context, what, callables, checked)


def _check_overload_set(
    context: Context, what: str, callables: list[Callable], checked: set[frozenset[int]]
) -> None:
    if len(callables) < 2:
        return
    # A mixin's overloads are the same set in every interface that includes it: check once.
    key = frozenset(id(c.node) for c in callables)
    if key in checked:
        return
    checked.add(key)
    if not _promise_returns_agree(context, what, callables):
        return
    if not _exposure_agrees(context, what, callables):
        return
    problem = check_overloads(context.types, callables)
    if problem is not None:
        _report_overload_problem(context, what, problem)


def _promise_returns_agree(context: Context, what: str, callables: list[Callable]) -> bool:
    """Overloads either all return a promise or none does; report the first that differs."""
    promises = [_returns_promise(context, c) for c in callables]
    if all(promises) or not any(promises):
        return True
    odd = next(i for i, p in enumerate(promises) if p != promises[0])
    node, first = callables[odd].node, callables[0].node
    verb, other = ("returns", "does not") if promises[odd] else ("does not return", "does")
    context.error(
        node.loc,
        f"overloaded {what} {verb} a promise, but the overload at {first.loc} {other}",
        _callable_width(callables[odd]),
    )
    return False


_EXPOSURE_ATTRIBUTES = ("Exposed", "SecureContext", "CrossOriginIsolated")


def _exposure_agrees(context: Context, what: str, callables: list[Callable]) -> bool:
    """[Exposed], [SecureContext] and [CrossOriginIsolated] appear identically on every
    overload of an operation (#Exposed, #SecureContext, #CrossOriginIsolated)."""
    first = callables[0].node
    for name in _EXPOSURE_ATTRIBUTES:
        expected = _attribute_tokens(first, name)
        for c in callables[1:]:
            if _attribute_tokens(c.node, name) != expected:
                context.error(
                    c.node.loc,
                    f"overloaded {what} must have the same [{name}] as the overload at {first.loc}",
                    _callable_width(c),
                )
                return False
    return True


def _attribute_tokens(node: object, name: str) -> frozenset[str | None] | None:
    """What extended attribute `name` on `node` says (its identifiers), or None if absent."""
    for attr in getattr(node, "ext_attrs", ()):
        if attr.name == name:
            return frozenset(attr.values or (attr.value,))
    return None


def _returns_promise(context: Context, c: Callable) -> bool:
    node = c.node
    if node.__class__ is not ast.Operation or node.return_type is None:
        return False
    core, _ = context.types.resolve(node.return_type)
    return core.__class__ is GenericType and core.generic == "Promise"


def _report_overload_problem(context: Context, what: str, problem: OverloadProblem) -> None:
    later, earlier = problem.later, problem.earlier.node.loc
    count = _plural(problem.argument_count, "argument")
    if problem.kind == "indistinguishable":
        message = (
            f"overloaded {what} cannot be distinguished from the overload at {earlier} "
            f"when called with {count}"
        )
    elif problem.kind == "no-common-index":
        message = (
            f"overloads of {what} have no single argument that distinguishes them "
            f"when called with {count} (another overload is at {earlier})"
        )
    elif problem.kind == "prefix":
        message = (
            f"overloaded {what} differs from the overload at {earlier} in the type of "
            f"argument {problem.differing_index + 1}, before the distinguishing argument "
            f"{problem.index + 1} (when called with {count})"
        )
    else:  # bigint-numeric
        message = (
            f"overloaded {what} is told apart from the overload at {earlier} only by a "
            f"bigint and a numeric type in argument {problem.index + 1}"
        )
    context.error(later.node.loc, message, _callable_width(later))


def _callable_width(c: Callable) -> int:
    node = c.node
    if node.__class__ is ast.Operation:
        return len(node.name) or 1
    if node.__class__ is ast.Constructor:
        return len("constructor")
    return len(node.name)


# --- 10. partial interfaces -----------------------------------------------------------------------


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


# --- 11. exposure ---------------------------------------------------------------------------------


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
                f"{_describe(definition)}{reason} must have an [Exposed] extended attribute",
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


# --- 12. further checks ---------------------------------------------------------------------------


def default_values(context: Context) -> None:
    """Default values and constant values fit their types: the right kind of literal, an
    integer within the type's range, a value of the enum.

    Narrowed for the web platform: `null` is accepted for any object type (interface, callback
    or `object`), nullable or not, as push-api defaults two non-nullable interface members to
    null, and for a dictionary-typed dictionary member, as css-layout-api does; `{}` is accepted
    for records too, as webgpu and webtransport write it.
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
        if name in _PRIMITIVE_TYPES:
            _check_value(context, value, t, "constant value")


def _check_value(
    context: Context, value: ast.Value, t: ast.IdlType, label: str, member: bool = False
) -> None:
    core, nullable = context.types.resolve(t)
    verdict = _value_fits(context, value, core, nullable, member)
    if verdict is True:
        return
    message = verdict or f"{label} {value.text} does not match type '{spell(t)}'"
    context.error(value.loc, message, len(value.text))


def _value_fits(
    context: Context, value: ast.Value, core: ast.IdlType, nullable: bool, member: bool = False
) -> bool | str:
    """True if `value` is a value of the (resolved) type; False or a message if it is not.

    `member` is True for a dictionary member's default, where null is accepted for a
    dictionary type (css-layout-api writes `BreakTokenOptions breakToken = null;`)."""
    kind = value.kind
    types = context.types
    cls = core.__class__
    if kind == "null" and (nullable or types.includes_nullable(core, nullable)):
        return True
    if cls is UnionType:
        members = types.flattened(core)
        return any(_value_fits(context, value, m, False, member) is True for m in members)
    if cls is GenericType:
        if kind == "sequence":
            return core.generic in ("sequence", "FrozenArray", "ObservableArray")
        return kind == "dictionary" and core.generic == "record"
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
        return kind == "dictionary" or (kind == "null" and member)
    # Interfaces, callback interfaces and callback functions: object types.
    return kind == "null"


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
    if kind == "null":
        return name not in _VALUE_TYPES  # `object` and the buffer source types
    return False  # [] and {} are never values of a built-in type


# Built-in types whose values are not objects: null is never one of them unless nullable.
_VALUE_TYPES = _PRIMITIVE_TYPES | STRING_TYPES | {"undefined", "symbol"}


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
        if nullable or not _is_primitive(core):
            context.error(
                t.loc,
                f"constant '{constant.name}' must have a primitive type, not '{spell(t)}'",
                len(t.name),
            )


_NO_PRIMITIVE_VERDICT = frozenset({None, "interface mixin", "namespace", "typedef"})


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
                _name_width(t),
            )


_ATTRIBUTE_FORBIDDEN = {
    "sequence": "sequences",
    "async_sequence": "async sequences",
    "record": "records",
}


def attribute_types(context: Context) -> None:
    """An attribute does not hold a sequence, async sequence, record or dictionary (nor a union
    with one), and an attribute of a promise type is readonly.

    Narrowed for the web platform: a nullable dictionary attribute is not reported, as
    webxr-dom-overlays declares one.
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
        for member in members:
            if member.__class__ is GenericType:
                forbidden = _ATTRIBUTE_FORBIDDEN.get(member.generic)
            elif not nullable and types.is_dictionary(member):
                forbidden = "dictionaries"
            if forbidden:
                break
        if forbidden:
            context.error(
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


def type_annotations(context: Context) -> None:
    """[Clamp] and [EnforceRange] annotate integer types only, not both on one type, and not
    the type of a readonly attribute. The annotations of a type include those of its
    typedefs and, for an argument or dictionary member, those written before it."""
    types = context.types
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
                _name_width(attribute.type),
            )
    del types


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
            t.loc, f"type '{spell(t)}' cannot have both [Clamp] and [EnforceRange]", _name_width(t)
        )
        return
    core, _ = context.types.resolve(t)
    if core.__class__ is UnionType:
        return  # an annotated union annotates its members, which may be integers
    if not (core.__class__ is SimpleType and not core.is_reference and core.name in INTEGER_RANGES):
        (name,) = names
        context.error(
            t.loc, f"[{name}] applies only to integer types, not '{spell(t)}'", _name_width(t)
        )


def variadic_arguments(context: Context) -> None:
    """Only the final argument is variadic; async_iterable arguments are all optional."""
    for items in context.variadic_argument_lists:
        for argument in items[:-1]:
            if argument.variadic:
                context.error(
                    argument.loc,
                    f"variadic argument '{argument.name}' must be the last argument",
                    len(argument.name),
                )
    for items in context.async_iterable_argument_lists:
        for argument in items:
            if not argument.optional:
                context.error(
                    argument.loc,
                    f"argument '{argument.name}' of an async_iterable declaration must be optional",
                    len(argument.name),
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


RULES = (
    unknown_types,
    duplicate_definitions,
    duplicate_members,
    duplicate_arguments,
    partial_targets,
    includes_targets,
    inheritance,
    typedef_cycles,
    duplicate_enum_values,
    dictionary_arguments,
    nullable_types,
    required_member_defaults,
    overloads,
    partial_constructors,
    exposure,
    default_values,
    constant_types,
    undefined_types,
    attribute_types,
    type_annotations,
    variadic_arguments,
    callback_interface_operations,
)
