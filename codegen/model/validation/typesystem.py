"""Types as the validation rules reason about them: typedefs resolved, unions flattened, the
built-in type families, and type identity.

- Typedef resolution: https://webidl.spec.whatwg.org/#idl-typedefs
- Union flattening and nullable member types: https://webidl.spec.whatwg.org/#idl-union
- Integer ranges, numeric, string and buffer source types: https://webidl.spec.whatwg.org/#idl-types

`TypeSystem` is built once per definition set; everything it computes about a name (what a
typedef resolves to, an interface's ancestors, a union's flattened member types) is memoised
there, so checking every type of the web platform stays linear in the number of type nodes.
"""

from __future__ import annotations

from codegen.webidl import ast
from codegen.webidl.ast import GenericType, SimpleType, UnionType
from codegen.webidl.lexer import BUFFER_TYPES

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
PRIMITIVE_TYPES = NUMERIC_TYPES | {"boolean", "bigint"}
STRING_TYPES = frozenset({"DOMString", "ByteString", "USVString"})
# The buffer source types are keywords of the grammar; one list for both layers.
BUFFER_SOURCE_TYPES = frozenset(BUFFER_TYPES)

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


def is_builtin(t: ast.IdlType, name: str) -> bool:
    """Whether `t` is the built-in type `name` (not a reference to a definition)."""
    return t.__class__ is SimpleType and not t.is_reference and t.name == name


def is_primitive(t: ast.IdlType) -> bool:
    return t.__class__ is SimpleType and not t.is_reference and t.name in PRIMITIVE_TYPES


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

    # --- identity ---------------------------------------------------------------------------

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
