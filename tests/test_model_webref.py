"""The model builder on the whole web platform: every definition of @webref/idl, resolved.

The builder runs only on validated sets, and our own IDL is small; the web platform's 3,652
definitions (with their partials across files, mixins and typedef chains) are the real test
that it resolves everything it is given, and that ir-json can write the result.
"""

from __future__ import annotations

import json

import pytest

from codegen.diagnostics import DiagnosticSink
from codegen.model import ir
from codegen.model.build import build_model
from codegen.model.index import DefinitionSet
from codegen.pipeline import parse_files
from codegen.targets import load_target
from codegen.targets.context import Context
from tests import webref


@pytest.fixture(scope="module")
def web_platform() -> ir.Model:
    sink = DiagnosticSink()
    files = parse_files(webref.corpus_files(), sink)
    assert not sink.diagnostics
    # The two files the validator rejects (a constructor in a partial interface) build fine:
    # the model only needs resolvable names, which the corpus has.
    return build_model(DefinitionSet.build(files))


def test_every_definition_is_in_the_model(web_platform):
    sink = DiagnosticSink()
    names = {
        d.name
        for f in parse_files(webref.corpus_files(), sink)
        for d in f.definitions
        if d.kind != "includes"
    }
    assert {d.name for d in web_platform.definitions} == names
    assert len(web_platform.definitions) == len(names) > 1000


def test_partials_from_many_files_merge_into_window(web_platform):
    window = web_platform["Window"]
    origins = {m.origin for m in window.members}
    files = {m.location.rsplit(":", 2)[0].rsplit("/", 1)[-1] for m in window.members}
    assert "partial" in origins and len(files) > 10
    assert window.ancestors == ("EventTarget",)
    assert "WindowOrWorkerGlobalScope" in window.mixins
    assert any(m.origin == "mixin WindowOrWorkerGlobalScope" for m in window.members)


def test_no_type_is_left_unresolved(web_platform):
    defined = {d.name: d.kind for d in web_platform.definitions}
    for definition in web_platform.definitions:
        for member in getattr(definition, "members", ()):
            for t in filter(None, [getattr(member, "type", None)]):
                for inner in t.walk():
                    assert inner.kind in ir.TYPE_KINDS
                    if inner.kind in ("interface", "dictionary", "enum", "callback"):
                        assert defined[inner.name] == inner.kind, (definition.name, member)


def test_ir_json_writes_the_whole_web_platform(web_platform, tmp_path):
    (out,) = load_target("ir-json")(web_platform, Context(tmp_path, "web"))
    document = json.loads(out.content)
    assert len(document["definitions"]) == len(web_platform.definitions)
