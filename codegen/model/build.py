"""AST definition set -> resolved, immutable model (`codegen.model.ir`).

Runs after the validation pass found no errors, so it can assume every name resolves, every
partial has its definition, and inheritance has no cycles.
"""

from __future__ import annotations

from codegen.model import ir  # noqa: I001 - the IR classes, as ir.X
from codegen.model.docs import DocComments
from codegen.model.index import DefinitionSet
from codegen.webidl import ast

_REFERENCE_KINDS = {
    "interface": "interface",
    "callback interface": "callback interface",
    "dictionary": "dictionary",
    "enum": "enum",
    "callback": "callback",
}


class ModelBuilder:
    """Turns one validated `DefinitionSet` into a `Model`."""

    def __init__(self, definitions: DefinitionSet, external_files: frozenset[str]) -> None:
        self.index = definitions
        self.external_files = external_files
        self.docs = DocComments(definitions.files)

    # --- entry point ---------------------------------------------------------------------------

    def build(self) -> ir.Model:
        built: list[ir.Definition] = []
        for name in sorted(self.index.by_name):
            definition = self.index.by_name[name][0]
            built.append(self._definition(definition))
        sources = tuple(f.path for f in self.index.files if f.path not in self.external_files)
        return ir.Model(tuple(built), sources)

    # --- common pieces -----------------------------------------------------------------------

    def _external(self, node) -> bool:
        return node.loc.file in self.external_files

    def _common(self, node) -> dict:
        return {
            "ext_attrs": self._ext_attrs(node.ext_attrs),
            "doc": self.docs.for_node(node),
            "location": str(node.loc),
        }

    def _ext_attrs(self, attrs: list[ast.ExtendedAttribute]) -> tuple[ir.ExtAttr, ...]:
        return tuple(
            ir.ExtAttr(
                a.name,
                a.form,
                a.value,
                a.values,
                self._arguments(a.arguments) if a.arguments is not None else None,
            )
            for a in attrs
        )

    def _arguments(self, args: list[ast.Argument]) -> tuple[ir.Argument, ...]:
        return tuple(
            ir.Argument(
                a.name,
                self.type(a.type),
                a.optional,
                a.variadic,
                _value(a.default),
                self._ext_attrs(a.ext_attrs),
            )
            for a in args
        )

    def type(self, t: ast.IdlType) -> ir.Type:
        """Resolve a type: typedefs replaced by what they name, references by their kind."""
        ext_attrs = self._ext_attrs(t.ext_attrs)
        if isinstance(t, ast.UnionType):
            members = tuple(self.type(m) for m in t.members)
            return ir.Type("union", "", t.nullable, members, ext_attrs)
        if isinstance(t, ast.GenericType):
            args = tuple(self.type(a) for a in t.arguments)
            return ir.Type(t.generic, t.generic, t.nullable, args, ext_attrs)
        if not t.is_reference:
            return ir.Type("builtin", t.name, t.nullable, (), ext_attrs)
        target = self.index.references.get(t.name)
        if target is None or target.kind not in _REFERENCE_KINDS and target.kind != "typedef":
            # Validation reports unknown and wrong-kind names; reaching here is a bug.
            raise ValueError(f"{t.loc}: type '{t.name}' does not resolve; was the set validated?")
        if isinstance(target, ast.Typedef):
            inner = self.type(target.type)
            return ir.Type(
                inner.kind,
                inner.name,
                inner.nullable or t.nullable,
                inner.arguments,
                inner.ext_attrs + ext_attrs,
                t.name,
            )
        # A [LegacyWindowAlias] name stands for its interface; keep the spelling as the alias.
        alias = t.name if target.name != t.name else None
        kind = _REFERENCE_KINDS[target.kind]
        return ir.Type(kind, target.name, t.nullable, (), ext_attrs, alias)

    # --- definitions ---------------------------------------------------------------------------

    def _definition(self, d: ast.Definition) -> ir.Definition:
        build = getattr(self, "_" + d.kind.replace(" ", "_"))
        return build(d)

    def _parts(self, d) -> list:
        """The definition and its partials, in file order."""
        return [d, *self.index.partials.get(d.name, [])]

    def _members(self, d, own: str = "", partials: str = "partial") -> list[ir.Member]:
        """Members of `d` then of its partials, each tagged with where it came from."""
        result = []
        for part in self._parts(d):
            origin = own if part is d else partials
            result.extend(self._member(m, origin) for m in part.members)
        return result

    def _member(self, m: ast.Member, origin: str) -> ir.Member:
        common = self._common(m)
        common["origin"] = origin
        common["external"] = self._external(m)
        if isinstance(m, ast.Attribute):
            return ir.Attribute(m.name, self.type(m.type), m.readonly, m.special, **common)
        if isinstance(m, ast.Operation):
            ret = self.type(m.return_type) if m.return_type is not None else None
            return ir.Operation(m.name, ret, self._arguments(m.arguments), m.special, **common)
        if isinstance(m, ast.Constructor):
            return ir.Constructor(self._arguments(m.arguments), **common)
        if isinstance(m, ast.Const):
            return ir.Constant(m.name, self.type(m.type), _value(m.value), **common)
        args = self._arguments(m.arguments) if m.arguments is not None else None
        types = tuple(self.type(t) for t in m.types)
        return ir.Declaration(m.kind, types, m.readonly, args, **common)

    def _ancestors(self, d) -> tuple[str, ...]:
        chain = []
        seen = {d.name}
        parent = d.inherits
        while parent and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            found = self.index.lookup(parent)
            parent = getattr(found, "inherits", None)
        return tuple(chain)

    def _interface(self, d: ast.Interface) -> ir.Interface:
        members = self._members(d)
        mixins = []
        for mixin in self.index.mixins_of(d.name):
            mixins.append(mixin.name)
            origin = f"mixin {mixin.name}"
            members.extend(self._members(mixin, origin, origin))
        return ir.Interface(
            d.name,
            tuple(members),
            d.inherits,
            self._ancestors(d),
            tuple(mixins),
            external=self._external(d),
            **self._common(d),
        )

    def _interface_mixin(self, d: ast.InterfaceMixin) -> ir.InterfaceMixin:
        return ir.InterfaceMixin(
            d.name, tuple(self._members(d)), external=self._external(d), **self._common(d)
        )

    def _callback_interface(self, d: ast.CallbackInterface) -> ir.CallbackInterface:
        return ir.CallbackInterface(
            d.name, tuple(self._members(d)), external=self._external(d), **self._common(d)
        )

    def _namespace(self, d: ast.Namespace) -> ir.Namespace:
        return ir.Namespace(
            d.name, tuple(self._members(d)), external=self._external(d), **self._common(d)
        )

    def _dictionary(self, d: ast.Dictionary) -> ir.Dictionary:
        fields = [f for part in self._parts(d) for f in part.members]
        members = tuple(
            ir.DictionaryMember(
                f.name, self.type(f.type), f.required, _value(f.default), **self._common(f)
            )
            # WebIDL §2.7: a dictionary's own members are ordered by name.
            for f in sorted(fields, key=lambda f: f.name)
        )
        return ir.Dictionary(
            d.name,
            members,
            d.inherits,
            self._ancestors(d),
            external=self._external(d),
            **self._common(d),
        )

    def _enum(self, d: ast.Enum) -> ir.Enum:
        values = tuple(ir.EnumValue(v.value, self.docs.for_node(v)) for v in d.values)
        return ir.Enum(d.name, values, external=self._external(d), **self._common(d))

    def _callback(self, d: ast.Callback) -> ir.Callback:
        return ir.Callback(
            d.name,
            self.type(d.return_type),
            self._arguments(d.arguments),
            external=self._external(d),
            **self._common(d),
        )

    def _typedef(self, d: ast.Typedef) -> ir.Typedef:
        return ir.Typedef(d.name, self.type(d.type), external=self._external(d), **self._common(d))


def _value(v: ast.Value | None) -> ir.Value | None:
    return ir.Value(v.kind, v.text) if v is not None else None


def build_model(
    definitions: DefinitionSet, external_files: frozenset[str] = frozenset()
) -> ir.Model:
    """The model of a validated definition set; files in `external_files` are the platform's."""
    return ModelBuilder(definitions, external_files).build()
