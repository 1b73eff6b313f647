"""The one walk over the definition set that every rule's input comes from.

`collect(context)` touches every node of the definition set once and records, in the
`Context`, the few subsets the rules look at: references that name no type, references to
typedefs, outermost unions, annotated types, argument lists, arguments and dictionary members
whose type is not a plain built-in or interface type, defaulted values, constants, [Exposed]
and [Global] attributes, legacy factory functions, and each container's member names. Touching
tens of thousands of nodes is most of the cost of validating the web platform; after this walk
the rules look only at the subsets, so the whole pass stays in tens of milliseconds.
"""

from __future__ import annotations

from codegen.model.validation.context import Context
from codegen.webidl import ast
from codegen.webidl.ast import GenericType, SimpleType, UnionType

_SPECIAL_OPERATIONS = frozenset({"getter", "setter", "deleter"})


def collect(context: Context) -> None:
    """Fill the collected fields of `context` in one walk over every definition."""
    types = context.types
    kinds = types.kinds
    # name -> 1 for a typedef, 2 for a name that is no type, 3 for a [LegacyWindowAlias] (no
    # type either, but it stands for its interface); other type names are not listed. Names
    # with codes 2 and 3 are recorded as misnamed.
    codes = dict.fromkeys(types.typedefs, 1)
    for kind in ("interface mixin", "namespace"):
        codes.update((d.name, 2) for d in context.by_kind.get(kind, ()))
    by_name = context.index.by_name
    codes.update((alias, 3) for alias in context.aliases if alias not in by_name)
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
    parts = context.member_names
    dictionary_fields = context.fields
    required = context.with_required
    unusual_fields = context.unusual_fields
    defaulted = context.defaulted
    repeating = context.repeating
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
