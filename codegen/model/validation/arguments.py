"""Rules about argument lists (https://webidl.spec.whatwg.org/):

- `dictionary_arguments`: a dictionary argument (or a union with a dictionary member) whose
  dictionary has no required members, and that no required argument follows, is optional and
  has a default value (#idl-operations).
- `variadic_arguments`: only the final argument is variadic; the arguments of an
  async_iterable declaration are all optional (#idl-operations, #idl-async-iterable).
"""

from __future__ import annotations

from codegen.model.validation.context import Context
from codegen.webidl import ast
from codegen.webidl.ast import GenericType, SimpleType, UnionType


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
            if t.nullable or context.has_required_member(t.name):
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
        if not context.has_required_member(name):
            return name
    return None


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
