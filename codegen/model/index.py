"""The definition set: every file's definitions indexed by name, before any resolution.

Both the validation pass and the model builder start here, so they agree on what a name
means: the one non-partial definition of that name, its partials, and the mixins that
`includes` statements bring into an interface.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from codegen.webidl import ast

# Definition kinds that can carry members and have partials.
PARTIAL_KINDS = ("interface", "interface mixin", "dictionary", "namespace")


@dataclass
class DefinitionSet:
    """Every definition of a set of files, indexed by name."""

    files: list[ast.IdlFile]
    # name -> the non-partial definitions of that name (more than one is a duplicate).
    by_name: dict[str, list[ast.Definition]] = field(default_factory=dict)
    # name -> its partial definitions, in file order.
    partials: dict[str, list[ast.Definition]] = field(default_factory=dict)
    includes: list[ast.Includes] = field(default_factory=list)

    @classmethod
    def build(cls, files: list[ast.IdlFile]) -> DefinitionSet:
        index = cls(files)
        for idl in files:
            for definition in idl.definitions:
                if isinstance(definition, ast.Includes):
                    index.includes.append(definition)
                elif getattr(definition, "partial", False):
                    index.partials.setdefault(definition.name, []).append(definition)
                else:
                    index.by_name.setdefault(definition.name, []).append(definition)
        return index

    def lookup(self, name: str) -> ast.Definition | None:
        """The (first) non-partial definition named `name`, if any."""
        found = self.by_name.get(name)
        return found[0] if found else None

    def definitions(self) -> Iterator[ast.Definition]:
        """Every definition, partials and includes too, in file order."""
        for idl in self.files:
            yield from idl.definitions

    def mixins_of(self, interface: str) -> list[ast.InterfaceMixin]:
        """The mixins `interface` includes, in `includes` statement order (known names only)."""
        result = []
        for statement in self.includes:
            if statement.target == interface:
                mixin = self.lookup(statement.mixin)
                if isinstance(mixin, ast.InterfaceMixin):
                    result.append(mixin)
        return result

    def members_of(self, name: str) -> list:
        """Members of a definition with its partials (and, for interfaces, its mixins')."""
        main = self.lookup(name)
        parts = ([main] if main is not None else []) + self.partials.get(name, [])
        members = [m for part in parts for m in part.members]
        if isinstance(main, ast.Interface):
            for mixin in self.mixins_of(name):
                members.extend(mixin.members)
                for partial in self.partials.get(mixin.name, []):
                    members.extend(partial.members)
        return members

    def resolve_typedefs(self, t: ast.IdlType, _seen: frozenset[str] = frozenset()) -> ast.IdlType:
        """`t` with a typedef reference replaced by its target (one level at a time, cycle-safe).

        Nullability and extended attributes on the reference are kept on the result.
        """
        if not (isinstance(t, ast.SimpleType) and t.is_reference) or t.name in _seen:
            return t
        target = self.lookup(t.name)
        if not isinstance(target, ast.Typedef):
            return t
        inner = self.resolve_typedefs(target.type, _seen | {t.name})
        if t.nullable and not inner.nullable:
            inner = _with_nullable(inner)
        return inner


def _with_nullable(t: ast.IdlType) -> ast.IdlType:
    import copy

    clone = copy.copy(t)
    clone.nullable = True
    return clone
