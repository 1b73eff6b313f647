"""Checked-in generated files must be exactly what their generators write now."""

from __future__ import annotations

from codegen.webidl.grammar import members
from codegen.webidl.lalr import TABLE_FILE, grammar_conflicts
from codegen.webidl.tables import render_tables


def test_parse_tables_match_the_grammar():
    assert TABLE_FILE.read_bytes() == render_tables(), (
        "codegen/webidl/generated/parsetab.pickle is stale: run python -m codegen.webidl.tables"
    )


def test_generated_outputs_match_idl(run_codegen):
    proc = run_codegen("idl/webnpu.idl", "--check")
    assert proc.returncode == 0, proc.stderr


def test_grammar_has_no_lalr_conflicts():
    assert grammar_conflicts() == []


def test_a_conflicting_production_is_detected(monkeypatch):
    # `Type : IDENTIFIER IDENTIFIER` competes with `Argument : Type IDENTIFIER` after one
    # identifier: shift or reduce? ply would pick shift silently.
    def p_ambiguous_type(p):
        """Type : IDENTIFIER IDENTIFIER"""

    monkeypatch.setattr(members, "p_ambiguous_type", p_ambiguous_type, raising=False)
    conflicts = grammar_conflicts()
    assert conflicts and all("shift/reduce conflict" in c for c in conflicts), conflicts
