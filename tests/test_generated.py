"""Checked-in generated files must be exactly what their generators write now."""

from __future__ import annotations

from codegen.webidl.lalr import TABLE_FILE
from codegen.webidl.tables import render_tables


def test_parse_tables_match_the_grammar():
    assert TABLE_FILE.read_bytes() == render_tables(), (
        "codegen/webidl/generated/parsetab.pickle is stale: run python -m codegen.webidl.tables"
    )


def test_generated_outputs_match_idl(run_codegen):
    proc = run_codegen("idl/webnpu.idl", "--check")
    assert proc.returncode == 0, proc.stderr
