"""Distinguishability and effective overload sets: the standard's algorithms that overload and
union rules are checked with.

- Distinguishability (the category table and its lettered conditions):
  https://webidl.spec.whatwg.org/#dfn-distinguishable
- Effective overload sets, the distinguishing argument index, and the argument types and
  optionality that must agree before it:
  https://webidl.spec.whatwg.org/#compute-the-effective-overload-set,
  https://webidl.spec.whatwg.org/#idl-overloading

`Distinguishability` is built once per definition set over its `TypeSystem` and memoises every
pair of type nodes it has compared. `check_overloads` only finds what is wrong with a set of
overloads (an `OverloadProblem`); the `overloads` rule puts it into words.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from codegen.model.validation.typesystem import (
    BUFFER_SOURCE_TYPES,
    NUMERIC_TYPES,
    STRING_TYPES,
    TypeSystem,
)
from codegen.webidl import ast
from codegen.webidl.ast import GenericType, SimpleType, UnionType

# The categories of the distinguishability table. "any" and "promise" are not in the table,
# so they are distinguishable from nothing.
UNDEFINED = "undefined"
BOOLEAN = "boolean"
NUMERIC = "numeric"
BIGINT = "bigint"
STRING = "string"
OBJECT = "object"
SYMBOL = "symbol"
INTERFACE_LIKE = "interface-like"
CALLBACK_FUNCTION = "callback function"
DICTIONARY_LIKE = "dictionary-like"
ASYNC_SEQUENCE = "async sequence"
SEQUENCE_LIKE = "sequence-like"
ANY = "any"
PROMISE = "promise"

_BUILTIN_CATEGORY: dict[str, str] = {
    "undefined": UNDEFINED,
    "boolean": BOOLEAN,
    "bigint": BIGINT,
    "object": OBJECT,
    "symbol": SYMBOL,
    "any": ANY,
    **dict.fromkeys(NUMERIC_TYPES, NUMERIC),
    **dict.fromkeys(STRING_TYPES, STRING),
    **dict.fromkeys(BUFFER_SOURCE_TYPES, INTERFACE_LIKE),
}
_KIND_CATEGORY: dict[str, str] = {
    "interface": INTERFACE_LIKE,
    "dictionary": DICTIONARY_LIKE,
    "callback interface": DICTIONARY_LIKE,
    "callback": CALLBACK_FUNCTION,
    "enum": STRING,
}
_GENERIC_CATEGORY: dict[str, str] = {
    "sequence": SEQUENCE_LIKE,
    "FrozenArray": SEQUENCE_LIKE,
    # Not in the table (observable arrays are only attribute types, never overloaded or
    # in unions); grouping them with sequences is the closest reading.
    "ObservableArray": SEQUENCE_LIKE,
    "async_sequence": ASYNC_SEQUENCE,
    "record": DICTIONARY_LIKE,
    "Promise": PROMISE,
}

# The table, row by row in the standard's column order. "●" is True; a letter names the extra
# condition of https://webidl.spec.whatwg.org/#dfn-distinguishable; "" is not distinguishable.
_COLUMNS = (
    UNDEFINED,
    BOOLEAN,
    NUMERIC,
    BIGINT,
    STRING,
    OBJECT,
    SYMBOL,
    INTERFACE_LIKE,
    CALLBACK_FUNCTION,
    DICTIONARY_LIKE,
    ASYNC_SEQUENCE,
    SEQUENCE_LIKE,
)
_ROWS = (
    ("", "●", "●", "●", "●", "●", "●", "●", "●", "", "●", "●"),
    ("", "●", "●", "●", "●", "●", "●", "●", "●", "●", "●"),
    ("", "b", "●", "●", "●", "●", "●", "●", "●", "●"),
    ("", "●", "●", "●", "●", "●", "●", "●", "●"),
    ("", "●", "●", "●", "●", "●", "d", "●"),
    ("", "●", "", "", "", "", ""),
    ("", "●", "●", "●", "●", "●"),
    ("a", "●", "●", "●", "●"),
    ("", "c", "●", "●"),
    ("", "●", "●"),
    ("", ""),
    ("",),
)
TABLE: dict[tuple[str, str], str] = {}
for _i, _row in enumerate(_ROWS):
    for _offset, _mark in enumerate(_row):
        _a, _b = _COLUMNS[_i], _COLUMNS[_i + _offset]
        TABLE[_a, _b] = TABLE[_b, _a] = _mark


class Distinguishability:
    """https://webidl.spec.whatwg.org/#dfn-distinguishable over one definition set's types."""

    def __init__(self, types: TypeSystem) -> None:
        self.types = types
        # Keyed by id(): the AST outlives this object, so ids are not reused meanwhile.
        self._known: dict[tuple[int, int], bool] = {}

    def category(self, core: ast.IdlType) -> str | None:
        """The distinguishability category of a resolved, non-union type.

        None means the type names nothing known (an unknown name, reported on its own); callers
        treat it as distinguishable from everything so that one mistake is one diagnostic.
        """
        cls = core.__class__
        if cls is SimpleType:
            if core.is_reference:
                kind = self.types.kind_of(core)
                return _KIND_CATEGORY.get(kind) if kind else None
            return _BUILTIN_CATEGORY.get(core.name)
        if cls is GenericType:
            return _GENERIC_CATEGORY.get(core.generic)
        return None

    def distinguishable(self, a: ast.IdlType, b: ast.IdlType) -> bool:
        """https://webidl.spec.whatwg.org/#dfn-distinguishable"""
        key = (id(a), id(b))
        known = self._known.get(key)
        if known is None:
            self._known[key] = True  # ends recursion through self-naming typedefs
            known = self._known[key] = self._distinguish(a, b)
        return known

    def indistinguishable_pairs(
        self, members: list[ast.IdlType]
    ) -> Iterator[tuple[ast.IdlType, ast.IdlType]]:
        """The pairs of `members` that are not distinguishable, in order; `members` are resolved
        non-union types (a union's flattened member types).

        Most pairs are of two non-nullable types of known categories, which step 4 of the
        algorithm (the table) decides alone: those are decided directly, without resolving or
        memoising anything (every union of the web platform is checked, and most pairs are
        only ever compared once).
        """
        category = self.category
        categories = [None if m.nullable else category(m) for m in members]
        for i, a in enumerate(members):
            category_a = categories[i]
            for j in range(i + 1, len(members)):
                b = members[j]
                category_b = categories[j]
                if category_a is None or category_b is None:
                    distinct = self.distinguishable(a, b)
                else:
                    distinct = self._by_table(a, b, category_a, category_b)
                if not distinct:
                    yield a, b

    def _distinguish(self, a: ast.IdlType, b: ast.IdlType) -> bool:
        types = self.types
        core_a, null_a = types.resolve(a)
        core_b, null_b = types.resolve(b)
        union_a = core_a.__class__ is UnionType
        union_b = core_b.__class__ is UnionType
        # Step 1: null can only go to one side.
        if types.includes_nullable(core_a, null_a) and self._takes_null(core_b, null_b, union_b):
            return False
        if types.includes_nullable(core_b, null_b) and self._takes_null(core_a, null_a, union_a):
            return False
        # Steps 2 and 3: unions are compared member by member.
        if union_a:
            others = core_b.members if union_b else (b,)
            return all(self.distinguishable(x, y) for x in core_a.members for y in others)
        if union_b:
            return all(self.distinguishable(a, y) for y in core_b.members)
        # Step 4: the table.
        cat_a = self.category(core_a)
        cat_b = self.category(core_b)
        if cat_a is None or cat_b is None:
            return True
        return self._by_table(core_a, core_b, cat_a, cat_b)

    def _by_table(self, a: ast.IdlType, b: ast.IdlType, cat_a: str, cat_b: str) -> bool:
        """Step 4: the table, with its conditions, for two resolved non-union types."""
        mark = TABLE.get((cat_a, cat_b), "")
        if mark == "a":
            return self._interface_like_distinguishable(a, b)
        if mark == "c":
            callback = a if cat_a == CALLBACK_FUNCTION else b
            target = self.types.lookup.get(callback.name)
            return not any(x.name == "LegacyTreatNonObjectAsNull" for x in target.ext_attrs)
        return mark != ""

    def _takes_null(self, core: ast.IdlType, nullable: bool, is_union: bool) -> bool:
        """Whether a type competes for null with a nullable type (step 1 of the algorithm)."""
        types = self.types
        if types.includes_nullable(core, nullable) or types.is_dictionary(core):
            return True
        return is_union and types.dictionary_in(core) is not None

    def _interface_like_distinguishable(self, a: SimpleType, b: SimpleType) -> bool:
        # Two interface-like types are distinguishable unless they are the same or one platform
        # object could implement both; with single inheritance that means one is an ancestor.
        if not (a.is_reference and b.is_reference):
            return a.name != b.name  # a buffer source type: distinct from every other type
        # By definition, as a [LegacyWindowAlias] is another name of the same interface.
        lookup = self.types.lookup
        name_a, name_b = lookup[a.name].name, lookup[b.name].name
        if name_a == name_b:
            return False
        ancestors = self.types.ancestors
        return name_a not in ancestors(name_b) and name_b not in ancestors(name_a)


# --- effective overload sets -------------------------------------------------------------------


@dataclass(slots=True)
class Callable:
    """One overload: an operation, a constructor, or a [LegacyFactoryFunction]."""

    node: object  # the AST node, for its location
    arguments: list[ast.Argument]


@dataclass(slots=True)
class Entry:
    """An item of an effective overload set: (callable, type list, optionality list)."""

    callable: Callable
    types: tuple[ast.IdlType, ...]
    optionality: tuple[str, ...]


@dataclass(slots=True)
class OverloadProblem:
    """Why a set of overloads is invalid, for the validation pass to put into words."""

    # "indistinguishable", "no-common-index", "prefix", "bigint-numeric", or "optionality"
    # (the one the web platform ships: see `_check_size`)
    kind: str
    later: Callable  # the overload the diagnostic points at
    earlier: Callable  # the overload it conflicts with
    argument_count: int
    index: int = -1  # the distinguishing argument index ("prefix", "optionality", ...)
    differing_index: int = -1  # the argument that differs before it ("prefix", "optionality")

    @property
    def tolerated(self) -> bool:
        """Whether browsers ship overloads with this problem (reported as a warning)."""
        return self.kind == "optionality"


def effective_overload_set(callables: list[Callable]) -> list[Entry]:
    """https://webidl.spec.whatwg.org/#compute-the-effective-overload-set, for the argument
    count that matters when validating: the longest declared argument list."""
    entries: list[Entry] = []
    maxarg = max(len(c.arguments) for c in callables)
    for c in callables:
        arguments = c.arguments
        n = len(arguments)
        types = tuple(a.type for a in arguments)
        optionality = tuple(
            "variadic" if a.variadic and i == n - 1 else "optional" if a.optional else "required"
            for i, a in enumerate(arguments)
        )
        entries.append(Entry(c, types, optionality))
        if n and arguments[-1].variadic:
            for i in range(n, maxarg):
                extra = i - n + 1
                entries.append(
                    Entry(c, types + (types[-1],) * extra, optionality + ("variadic",) * extra)
                )
        i = n - 1
        while i >= 0 and (arguments[i].optional or (arguments[i].variadic and i == n - 1)):
            entries.append(Entry(c, types[:i], optionality[:i]))
            i -= 1
    return entries


def check_overloads(
    distinguish: Distinguishability, callables: list[Callable]
) -> OverloadProblem | None:
    """The first violation of the overloading rules that is not tolerated, else the first
    tolerated one (see `OverloadProblem.tolerated`), else None.

    For each type list size with several entries there must be one argument index at which
    every pair of entries is distinguishable; before that index all entries must agree on the
    argument types and their optionality; and bigint must not be told apart from a numeric
    type there.
    """
    by_size: dict[int, list[Entry]] = {}
    for entry in effective_overload_set(callables):
        by_size.setdefault(len(entry.types), []).append(entry)
    tolerated = None
    for size in sorted(by_size):
        entries = by_size[size]
        if len(entries) < 2:
            continue
        problem = _check_size(distinguish, entries, size)
        if problem is None:
            continue
        if not problem.tolerated:
            return problem
        if tolerated is None:
            tolerated = problem
    return tolerated


def _check_size(
    distinguish: Distinguishability, entries: list[Entry], size: int
) -> OverloadProblem | None:
    distinguishable = distinguish.distinguishable
    pairs = [(x, y) for i, x in enumerate(entries) for y in entries[i + 1 :]]
    index = next(
        (i for i in range(size) if all(distinguishable(x.types[i], y.types[i]) for x, y in pairs)),
        None,
    )
    if index is None:
        # Name a pair that no argument tells apart if there is one; otherwise the set only
        # lacks a common distinguishing index.
        for x, y in pairs:
            if not any(distinguishable(x.types[i], y.types[i]) for i in range(size)):
                return OverloadProblem("indistinguishable", y.callable, x.callable, size)
        x, y = pairs[0]
        return OverloadProblem("no-common-index", y.callable, x.callable, size)
    types = distinguish.types
    first = entries[0]
    for other in entries[1:]:
        for j in range(index):
            if not types.same_type(first.types[j], other.types[j]):
                return OverloadProblem("prefix", other.callable, first.callable, size, index, j)
    bigints = [e for e in entries if _category_at(distinguish, e, index) == BIGINT]
    numerics = [e for e in entries if _category_at(distinguish, e, index) == NUMERIC]
    if bigints and numerics:
        earlier, later = sorted((bigints[0], numerics[0]), key=lambda e: entries.index(e))
        return OverloadProblem("bigint-numeric", later.callable, earlier.callable, size, index)
    # The optionality before the distinguishing index must agree too. Tolerated: URLPattern's
    # constructors (urlpattern.idl) differ there, `(URLPatternInput input, USVString baseURL,
    # ...)` against `(optional URLPatternInput input = {}, ...)`, and browsers ship them; with
    # the same types before the index, overload resolution still picks one overload.
    for other in entries[1:]:
        for j in range(index):
            if first.optionality[j] != other.optionality[j]:
                return OverloadProblem(
                    "optionality", other.callable, first.callable, size, index, j
                )
    return None


def _category_at(distinguish: Distinguishability, entry: Entry, index: int) -> str | None:
    core, _ = distinguish.types.resolve(entry.types[index])
    return distinguish.category(core)
