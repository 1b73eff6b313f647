"""The definition set: every file's definitions indexed by name, before any resolution.

Both the validation pass and the model builder start here, so they agree on what a name
means: the one non-partial definition of that name, its partials, and the mixins that
`includes` statements bring into an interface.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from codegen.webidl import ast

# Types the web platform defines in prose rather than in an IDL block, as typedefs of what
# they stand for. CSSOM lets each implementation pick `typedef USVString CSSOMString;` or
# `typedef DOMString CSSOMString;` (https://drafts.csswg.org/cssom/#cssomstring-type); HTML's
# WindowProxy is the exotic object through which IDL hands out a Window
# (https://html.spec.whatwg.org/multipage/nav-history-apis.html#windowproxy).
PROSE_TYPEDEFS: dict[str, ast.Typedef] = {
    "CSSOMString": ast.Typedef("CSSOMString", ast.SimpleType("DOMString")),
    "WindowProxy": ast.Typedef("WindowProxy", ast.SimpleType("Window", is_reference=True)),
}


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

    @cached_property
    def aliases(self) -> dict[str, ast.Interface]:
        """[LegacyWindowAlias] name -> its interface (SVG's IDL still writes `SVGRect` for
        DOMRect)."""
        aliases: dict[str, ast.Interface] = {}
        for found in self.by_name.values():
            interface = found[0]
            if interface.kind != "interface":
                continue
            for attr in interface.ext_attrs:
                if attr.name == "LegacyWindowAlias":
                    for alias in attr.values or (attr.value,):
                        if alias:
                            aliases[alias] = interface
        return aliases

    @cached_property
    def references(self) -> dict[str, ast.Definition]:
        """Name -> definition, for type references: every definition's own name, then the
        [LegacyWindowAlias] names of interfaces, then the prose-defined typedefs (a definition's
        own name wins over an alias, an alias over a prose typedef)."""
        lookup: dict[str, ast.Definition] = dict(PROSE_TYPEDEFS)
        lookup.update(self.aliases)
        lookup.update((name, found[0]) for name, found in self.by_name.items())
        return lookup

    def definitions(self) -> Iterator[ast.Definition]:
        """Every definition, partials and includes too, in file order."""
        for idl in self.files:
            yield from idl.definitions

    def mixins_of(self, interface: str) -> list[ast.InterfaceMixin]:
        """The mixins `interface` includes, in `includes` statement order (known names only).

        A repeated `includes` statement includes the mixin once, as WebIDL's "included by"
        set semantics say.
        """
        result: list[ast.InterfaceMixin] = []
        for statement in self.includes:
            if statement.target == interface:
                mixin = self.lookup(statement.mixin)
                if isinstance(mixin, ast.InterfaceMixin) and all(m is not mixin for m in result):
                    result.append(mixin)
        return result
