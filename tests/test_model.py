"""The resolved model: partials merged, mixins applied, typedefs resolved, inheritance linked."""

from __future__ import annotations

import dataclasses

import pytest

from codegen.diagnostics import DiagnosticSink
from codegen.model import ir
from codegen.model.build import build_model
from codegen.model.index import DefinitionSet
from codegen.source import SourceText
from codegen.webidl.parser import parse_into


def model_of(*texts: str) -> ir.Model:
    sink = DiagnosticSink()
    files = [
        parse_into(SourceText(f"{chr(ord('a') + i)}.idl", text), sink)
        for i, text in enumerate(texts)
    ]
    assert not sink.diagnostics, [d.format() for d in sink.diagnostics]
    return build_model(DefinitionSet.build(files))


def names(members) -> list[str]:
    return [m.name for m in members]


def test_partials_merge_after_the_definition_in_file_order():
    model = model_of(
        "partial interface I { attribute long p1; };",
        "[Exposed=Window] interface I { attribute long own; };",
        "partial interface I { attribute long p2; };",
    )
    members = model["I"].members
    assert names(members) == ["own", "p1", "p2"]
    assert [m.origin for m in members] == ["", "partial", "partial"]
    assert [m.location for m in members] == ["b.idl:1:47", "a.idl:1:38", "c.idl:1:38"]


def test_mixins_are_applied_in_includes_order_with_their_partials():
    model = model_of(
        """
        [Exposed=Window] interface I { attribute long own; };
        interface mixin M2 { attribute long m2; };
        interface mixin M1 { attribute long m1; };
        partial interface mixin M1 { attribute long m1b; };
        I includes M1;
        I includes M2;
        """
    )
    interface = model["I"]
    assert names(interface.members) == ["own", "m1", "m1b", "m2"]
    assert [m.origin for m in interface.members] == ["", "mixin M1", "mixin M1", "mixin M2"]
    assert interface.mixins == ("M1", "M2")
    assert names(model["M1"].members) == ["m1", "m1b"]  # the mixin itself is kept too


def test_typedefs_resolve_through_chains_keeping_the_alias_and_nullability():
    model = model_of(
        """
        typedef unsigned long Size;
        typedef Size? MaybeSize;
        typedef (Size or DOMString) Key;
        [Exposed=Window] interface I {
          attribute MaybeSize a;
          attribute sequence<Key> b;
        };
        """
    )
    a, b = model["I"].members
    assert a.type == ir.Type("builtin", "unsigned long", nullable=True, typedef="MaybeSize")
    (key,) = b.type.arguments
    assert key.kind == "union" and key.typedef == "Key"
    assert [(t.name, t.typedef) for t in key.arguments] == [
        ("unsigned long", "Size"),
        ("DOMString", None),
    ]


def test_references_are_resolved_to_their_kind():
    model = model_of(
        """
        [Exposed=Window] interface I { undefined f(D d, E e, C c, CI ci, I i); };
        dictionary D {};
        enum E { "x" };
        callback C = undefined ();
        callback interface CI { undefined handle(); };
        """
    )
    (op,) = model["I"].members
    assert [a.type.kind for a in op.arguments] == [
        "dictionary",
        "enum",
        "callback",
        "callback interface",
        "interface",
    ]


def test_inheritance_is_linked_nearest_ancestor_first():
    model = model_of(
        """
        [Exposed=Window] interface A {};
        [Exposed=Window] interface B : A {};
        [Exposed=Window] interface C : B {};
        dictionary DA { long a; };
        dictionary DB : DA { long b; };
        """
    )
    assert model["C"].ancestors == ("B", "A")
    assert model["A"].ancestors == ()
    assert model["DB"].ancestors == ("DA",)
    assert names(model.all_dictionary_members("DB")) == ["a", "b"]


def test_dictionary_members_are_ordered_by_name_across_partials():
    model = model_of(
        "dictionary D { long zeta; required long alpha; };",
        "partial dictionary D { long mid = 3; };",
    )
    members = model["D"].members
    assert names(members) == ["alpha", "mid", "zeta"]
    assert members[0].required and members[1].default == ir.Value("integer", "3")


def test_definitions_are_sorted_by_name_and_looked_up():
    model = model_of('enum Zed { "z" }; enum Alpha { "a" };')
    assert [d.name for d in model.definitions] == ["Alpha", "Zed"]
    assert model.get("Missing") is None
    assert [v.value for v in model["Zed"].values] == ["z"]


def test_doc_comments_attach_to_the_next_definition_or_member_only():
    model = model_of(
        """
        /** The thing.
         *  Second line. */
        [Exposed=Window]
        interface I {
          /** Its size. */
          readonly attribute long size;
          attribute long undocumented;
          /** Orphan at the end of the body. */
        };
        enum E {
          /** First. */
          "a",
          "b"
        };
        """
    )
    interface = model["I"]
    assert interface.doc == "The thing.\n Second line."
    assert [m.doc for m in interface.members] == ["Its size.", ""]
    assert [v.doc for v in model["E"].values] == ["First.", ""]


def test_external_definitions_are_marked():
    sink = DiagnosticSink()
    api = parse_into(SourceText("api.idl", "partial interface P { attribute long x; };"), sink)
    platform = parse_into(SourceText("platform.idl", "[Exposed=Window] interface P {};"), sink)
    model = build_model(DefinitionSet.build([api, platform]), frozenset({"platform.idl"}))
    assert model["P"].external
    (x,) = model["P"].members
    assert not x.external and x.origin == "partial"
    assert model.interfaces == ()  # only the API's own definitions by default
    assert model.of_kind("interface", external=True) == (model["P"],)
    assert model.sources == ("api.idl",)


def test_the_model_is_immutable():
    model = model_of("[Exposed=Window] interface I { attribute long a; };")
    with pytest.raises(dataclasses.FrozenInstanceError):
        model["I"].name = "J"  # type: ignore[misc]
    assert isinstance(model["I"].members, tuple)
    with pytest.raises(TypeError):
        model._by_name["J"] = model["I"]  # type: ignore[index]


def test_every_type_in_the_webnpu_model_has_a_known_kind():
    from codegen.pipeline import load
    from tests.conftest import ROOT

    result = load([ROOT / "idl/webnpu.idl"])
    assert result.model is not None, [d.format() for d in result.sink.diagnostics]
    kinds = set()
    for definition in result.model.definitions:
        types = [getattr(definition, "type", None), getattr(definition, "return_type", None)]
        for member in getattr(definition, "members", ()):
            types += [getattr(member, "type", None), getattr(member, "return_type", None)]
            types += [a.type for a in getattr(member, "arguments", None) or ()]
        for t in filter(None, types):
            kinds.update(inner.kind for inner in t.walk())
    assert kinds <= set(ir.TYPE_KINDS)
    assert {"builtin", "interface", "dictionary", "enum", "union", "Promise"} <= kinds
