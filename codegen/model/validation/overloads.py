"""Rules about overloading (https://webidl.spec.whatwg.org/#idl-overloading):

- `overloads`: the overloads of an operation, constructor or legacy factory function are
  declared in one definition (not across an interface, its partials and mixins), all or none
  return promises, agree on [Exposed], [SecureContext] and [CrossOriginIsolated], and every
  effective overload set has a distinguishing argument index with the same argument types
  and optionality before it and no bigint-versus-numeric distinction at it (#idl-overloading,
  #dfn-distinguishable, #Exposed, #SecureContext, #CrossOriginIsolated).

The algorithms (effective overload sets, distinguishability) are in `distinguishability`;
this module decides which sets to check and words what is wrong with them.
"""

from __future__ import annotations

from codegen.model.validation.context import NO_MEMBER_PROBLEMS, Context, plural
from codegen.model.validation.distinguishability import Callable, OverloadProblem, check_overloads
from codegen.webidl import ast
from codegen.webidl.ast import GenericType


def overloads(context: Context) -> None:
    """The overloads of an operation, constructor or legacy factory function can be told
    apart by the overload resolution algorithm.

    Warning, not error: overloads whose argument types agree before the distinguishing
    argument but whose optionality does not (URLPattern's constructors, urlpattern.idl; see
    `distinguishability._check_size`). Every other problem of an overload set is an error, and
    an error found at any argument count is reported instead of such a warning.
    """
    checked: set[frozenset[int]] = set()
    by_kind = context.by_kind
    _factory_overloads(context, checked)
    for definition in (
        *by_kind.get("interface", ()),
        *by_kind.get("namespace", ()),
        *by_kind.get("callback interface", ()),
    ):
        members = context.members(definition)
        if members is NO_MEMBER_PROBLEMS:
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
    problem = check_overloads(context.distinguish, callables)
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
    count = plural(problem.argument_count, "argument")
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
    elif problem.kind == "optionality":
        message = (
            f"overloaded {what} differs from the overload at {earlier} in whether argument "
            f"{problem.differing_index + 1} is optional, before the distinguishing argument "
            f"{problem.index + 1} (when called with {count})"
        )
    else:  # bigint-numeric
        message = (
            f"overloaded {what} is told apart from the overload at {earlier} only by a "
            f"bigint and a numeric type in argument {problem.index + 1}"
        )
    report = context.warning if problem.tolerated else context.error
    report(later.node.loc, message, _callable_width(later))


def _callable_width(c: Callable) -> int:
    node = c.node
    if node.__class__ is ast.Operation:
        return len(node.name) or 1
    if node.__class__ is ast.Constructor:
        return len("constructor")
    return len(node.name)
