"""Types as the validation pass reasons about them: typedefs resolved, type categories,
distinguishability and effective overload sets.

- Typedef resolution: https://webidl.spec.whatwg.org/#idl-typedefs
- Union flattening and nullable member types: https://webidl.spec.whatwg.org/#idl-union
- Distinguishability (the category table and its lettered conditions):
  https://webidl.spec.whatwg.org/#dfn-distinguishable
- Effective overload sets and the distinguishing argument index:
  https://webidl.spec.whatwg.org/#idl-overloading

`TypeSystem` is built once per definition set; everything it computes about a name (what a
typedef resolves to, an interface's ancestors) is memoised there, so checking every type of the
web platform stays linear in the number of type nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.webidl import ast
from codegen.webidl.ast import GenericType, SimpleType, UnionType

INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "byte": (-(2**7), 2**7 - 1),
    "octet": (0, 2**8 - 1),
    "short": (-(2**15), 2**15 - 1),
    "unsigned short": (0, 2**16 - 1),
    "long": (-(2**31), 2**31 - 1),
    "unsigned long": (0, 2**32 - 1),
    "long long": (-(2**63), 2**63 - 1),
    "unsigned long long": (0, 2**64 - 1),
}
FLOAT_TYPES = frozenset({"float", "double"})
UNRESTRICTED_FLOAT_TYPES = frozenset({"unrestricted float", "unrestricted double"})
NUMERIC_TYPES = frozenset(INTEGER_RANGES) | FLOAT_TYPES | UNRESTRICTED_FLOAT_TYPES
STRING_TYPES = frozenset({"DOMString", "ByteString", "USVString"})
BUFFER_SOURCE_TYPES = frozenset(
    {
        "ArrayBuffer",
        "SharedArrayBuffer",
        "DataView",
        "Int8Array",
        "Int16Array",
        "Int32Array",
        "Uint8Array",
        "Uint16Array",
        "Uint32Array",
        "Uint8ClampedArray",
        "BigInt64Array",
        "BigUint64Array",
        "Float16Array",
        "Float32Array",
        "Float64Array",
    }
)

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


_MAX_DEPTH = 64


def spell(t: ast.IdlType) -> str:
    """A type as written in IDL (without extended attributes), for messages."""
    cls = t.__class__
    if cls is SimpleType:
        text = t.name
    elif cls is GenericType:
        text = f"{t.generic}<{', '.join(spell(a) for a in t.arguments)}>"
    else:
        text = f"({' or '.join(spell(m) for m in t.members)})"
    return text + "?" if t.nullable else text


class TypeSystem:
    """What the types of one definition set mean; memoises per-name facts."""

    def __init__(self, lookup: dict[str, ast.Definition]) -> None:
        self.lookup = lookup
        # name -> kind of the definition, and the names of typedefs and dictionaries, so that
        # the common case (a reference to an interface) costs one set lookup.
        self.kinds: dict[str, str] = {name: d.kind for name, d in lookup.items()}
        typedefs: list[str] = []
        dictionaries: list[str] = []
        for name, kind in self.kinds.items():
            if kind == "typedef":
                typedefs.append(name)
            elif kind == "dictionary":
                dictionaries.append(name)
        self.typedefs = frozenset(typedefs)
        self.dictionaries = frozenset(dictionaries)
        self._typedef_meaning: dict[str, tuple[ast.IdlType, bool]] = {}
        self._ancestors: dict[str, tuple[str, ...]] = {}
        # Keyed by id(): the AST outlives the TypeSystem, so ids are not reused meanwhile.
        self._unions: dict[int, tuple[list[ast.IdlType], int, ast.IdlType | None]] = {}
        self._distinguishable: dict[tuple[int, int], bool] = {}
        self._keys: dict[int, str] = {}

    # --- typedefs ---------------------------------------------------------------------------

    def resolve(self, t: ast.IdlType) -> tuple[ast.IdlType, bool]:
        """The type `t` denotes through typedefs, and whether any step on the way was nullable.

        The returned node is never a typedef reference (unless the typedefs form a cycle, which
        is reported elsewhere); its own `nullable` flag may be False when the result is nullable
        because a typedef or the reference to it was.
        """
        if t.__class__ is not SimpleType or t.name not in self.typedefs or not t.is_reference:
            return t, t.nullable
        core, nullable = self.typedef_meaning(t.name)
        return core, nullable or t.nullable

    def typedef_meaning(self, name: str) -> tuple[ast.IdlType, bool]:
        """What typedef `name` resolves to, and whether it is nullable; computed once."""
        meaning = self._typedef_meaning.get(name)
        if meaning is None:
            meaning = self._typedef_meaning[name] = self._follow(name)
        return meaning

    def _follow(self, name: str) -> tuple[ast.IdlType, bool]:
        seen = {name}
        t = self.lookup[name].type
        nullable = t.nullable
        while t.__class__ is SimpleType and t.is_reference and t.name in self.typedefs:
            if t.name in seen:
                break  # a typedef cycle, reported on its own
            seen.add(t.name)
            t = self.lookup[t.name].type
            nullable = nullable or t.nullable
        return t, nullable

    def ext_attr_names(self, t: ast.IdlType) -> set[str]:
        """Extended attributes associated with `t` through its typedefs (not its container's)."""
        names = {x.name for x in t.ext_attrs}
        seen: set[str] = set()
        while t.__class__ is SimpleType and t.is_reference and t.name not in seen:
            if t.name not in self.typedefs:
                break
            seen.add(t.name)
            t = self.lookup[t.name].type
            names.update(x.name for x in t.ext_attrs)
        return names

    # --- what a resolved type is -----------------------------------------------------------

    def kind_of(self, core: ast.IdlType) -> str | None:
        """The definition kind a resolved reference names ("interface", "enum"...), if any."""
        if core.__class__ is SimpleType and core.is_reference:
            return self.kinds.get(core.name)
        return None

    def is_dictionary(self, core: ast.IdlType) -> bool:
        return core.__class__ is SimpleType and core.name in self.dictionaries and core.is_reference

    def category(self, core: ast.IdlType) -> str | None:
        """The distinguishability category of a resolved, non-union type.

        None means the type names nothing known (an unknown name, reported on its own); callers
        treat it as distinguishable from everything so that one mistake is one diagnostic.
        """
        cls = core.__class__
        if cls is SimpleType:
            if core.is_reference:
                kind = self.kind_of(core)
                return _KIND_CATEGORY.get(kind) if kind else None
            return _BUILTIN_CATEGORY.get(core.name)
        if cls is GenericType:
            return _GENERIC_CATEGORY.get(core.generic)
        return None

    # --- unions -----------------------------------------------------------------------------

    def flattened(self, union: UnionType) -> list[ast.IdlType]:
        """The flattened member types: nested unions opened, nullability dropped, resolved."""
        return self._union(union)[0]

    def nullable_member_count(self, union: UnionType) -> int:
        return self._union(union)[1]

    def dictionary_in(self, union: UnionType) -> ast.IdlType | None:
        """The first dictionary type among the union's flattened member types."""
        return self._union(union)[2]

    def _union(self, union: UnionType) -> tuple[list[ast.IdlType], int, ast.IdlType | None]:
        """(flattened member types, number of nullable member types, first dictionary)."""
        known = self._unions.get(id(union))
        if known is not None:
            return known
        # A typedef that names itself through a union (reported on its own) must not recurse.
        self._unions[id(union)] = ([], 0, None)
        flattened: list[ast.IdlType] = []
        count = 0
        for member in union.members:
            core, nullable = self.resolve(member)
            count += nullable
            if core.__class__ is UnionType:
                inner, inner_count, _ = self._union(core)
                flattened.extend(inner)
                count += inner_count
            else:
                flattened.append(core)
        dictionary = next((m for m in flattened if self.is_dictionary(m)), None)
        known = self._unions[id(union)] = (flattened, count, dictionary)
        return known

    def includes_nullable(self, core: ast.IdlType, nullable: bool) -> bool:
        """https://webidl.spec.whatwg.org/#dfn-includes-a-nullable-type (on a resolved type)."""
        return nullable or (core.__class__ is UnionType and self.nullable_member_count(core) == 1)

    # --- interfaces -------------------------------------------------------------------------

    def ancestors(self, name: str) -> tuple[str, ...]:
        """The interfaces `name` inherits from, nearest first (cycle-safe)."""
        cached = self._ancestors.get(name)
        if cached is not None:
            return cached
        chain: list[str] = []
        seen = {name}
        current = self.lookup.get(name)
        while isinstance(current, ast.Interface) and current.inherits:
            parent = current.inherits
            if parent in seen:
                break
            seen.add(parent)
            chain.append(parent)
            current = self.lookup.get(parent)
        result = tuple(chain)
        self._ancestors[name] = result
        return result

    # --- distinguishability -----------------------------------------------------------------

    def distinguishable(self, a: ast.IdlType, b: ast.IdlType) -> bool:
        """https://webidl.spec.whatwg.org/#dfn-distinguishable"""
        key = (id(a), id(b))
        known = self._distinguishable.get(key)
        if known is None:
            self._distinguishable[key] = True  # ends recursion through self-naming typedefs
            known = self._distinguishable[key] = self._distinguish(a, b)
        return known

    def _distinguish(self, a: ast.IdlType, b: ast.IdlType) -> bool:
        core_a, null_a = self.resolve(a)
        core_b, null_b = self.resolve(b)
        union_a = core_a.__class__ is UnionType
        union_b = core_b.__class__ is UnionType
        # Step 1: null can only go to one side.
        if self.includes_nullable(core_a, null_a) and self._takes_null(core_b, null_b, union_b):
            return False
        if self.includes_nullable(core_b, null_b) and self._takes_null(core_a, null_a, union_a):
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
        mark = TABLE.get((cat_a, cat_b), "")
        if mark == "a":
            return self._interface_like_distinguishable(core_a, core_b)
        if mark == "c":
            callback = core_a if cat_a == CALLBACK_FUNCTION else core_b
            target = self.lookup.get(callback.name)
            return not any(x.name == "LegacyTreatNonObjectAsNull" for x in target.ext_attrs)
        return mark != ""

    def _takes_null(self, core: ast.IdlType, nullable: bool, is_union: bool) -> bool:
        """Whether a type competes for null with a nullable type (step 1 of the algorithm)."""
        if self.includes_nullable(core, nullable) or self.is_dictionary(core):
            return True
        return is_union and self.dictionary_in(core) is not None

    def _interface_like_distinguishable(self, a: SimpleType, b: SimpleType) -> bool:
        # Two interface-like types are distinguishable unless they are the same or one platform
        # object could implement both; with single inheritance that means one is an ancestor.
        if not (a.is_reference and b.is_reference):
            return a.name != b.name  # a buffer source type: distinct from every other type
        # By definition, as a [LegacyWindowAlias] is another name of the same interface.
        name_a, name_b = self.lookup[a.name].name, self.lookup[b.name].name
        if name_a == name_b:
            return False
        return name_a not in self.ancestors(name_b) and name_b not in self.ancestors(name_a)

    def same_type(self, a: ast.IdlType, b: ast.IdlType) -> bool:
        """Whether two types are the same type (typedefs resolved, annotations ignored)."""
        if a is b:
            return True
        keys = self._keys
        key_a = keys.get(id(a))
        if key_a is None:
            key_a = keys[id(a)] = self.key(a)
        key_b = keys.get(id(b))
        if key_b is None:
            key_b = keys[id(b)] = self.key(b)
        return key_a == key_b

    def key(self, t: ast.IdlType, depth: int = 0) -> str:
        """A string that is equal for equal types (typedefs resolved, annotations ignored)."""
        core, nullable = self.resolve(t)
        cls = core.__class__
        if cls is SimpleType or depth > _MAX_DEPTH:  # deeper only through self-naming typedefs
            text = getattr(core, "name", "")
        elif cls is GenericType:
            text = f"{core.generic}<{','.join(self.key(x, depth + 1) for x in core.arguments)}>"
        else:
            text = f"({'|'.join(self.key(m, depth + 1) for m in core.members)})"
        return text + "?" if nullable else text


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

    kind: str  # "indistinguishable", "no-common-index", "prefix" or "bigint-numeric"
    later: Callable  # the overload the diagnostic points at
    earlier: Callable  # the overload it conflicts with
    argument_count: int
    index: int = -1  # the distinguishing argument index ("prefix", "bigint-numeric")
    differing_index: int = -1  # the argument that differs before it ("prefix")


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


def check_overloads(types: TypeSystem, callables: list[Callable]) -> OverloadProblem | None:
    """The first violation of the overloading rules, or None.

    For each type list size with several entries there must be one argument index at which
    every pair of entries is distinguishable; before that index all entries must agree on the
    argument types; and bigint must not be told apart from a numeric type there.
    """
    by_size: dict[int, list[Entry]] = {}
    for entry in effective_overload_set(callables):
        by_size.setdefault(len(entry.types), []).append(entry)
    for size in sorted(by_size):
        entries = by_size[size]
        if len(entries) < 2:
            continue
        problem = _check_size(types, entries, size)
        if problem is not None:
            return problem
    return None


def _check_size(types: TypeSystem, entries: list[Entry], size: int) -> OverloadProblem | None:
    pairs = [(x, y) for i, x in enumerate(entries) for y in entries[i + 1 :]]
    index = next(
        (
            i
            for i in range(size)
            if all(types.distinguishable(x.types[i], y.types[i]) for x, y in pairs)
        ),
        None,
    )
    if index is None:
        # Name a pair that no argument tells apart if there is one; otherwise the set only
        # lacks a common distinguishing index.
        for x, y in pairs:
            if not any(types.distinguishable(x.types[i], y.types[i]) for i in range(size)):
                return OverloadProblem("indistinguishable", y.callable, x.callable, size)
        x, y = pairs[0]
        return OverloadProblem("no-common-index", y.callable, x.callable, size)
    # The standard also asks the optionality before the distinguishing index to agree; the web
    # platform does not (URLPattern's constructors differ there), so only types are compared.
    first = entries[0]
    for other in entries[1:]:
        for j in range(index):
            if not types.same_type(first.types[j], other.types[j]):
                return OverloadProblem("prefix", other.callable, first.callable, size, index, j)
    bigints = [e for e in entries if _category_at(types, e, index) == BIGINT]
    numerics = [e for e in entries if _category_at(types, e, index) == NUMERIC]
    if bigints and numerics:
        earlier, later = sorted((bigints[0], numerics[0]), key=lambda e: entries.index(e))
        return OverloadProblem("bigint-numeric", later.callable, earlier.callable, size, index)
    return None


def _category_at(types: TypeSystem, entry: Entry, index: int) -> str | None:
    core, _ = types.resolve(entry.types[index])
    return types.category(core)
