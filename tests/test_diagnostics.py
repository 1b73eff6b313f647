"""Errors and warnings: only errors fail a stage; `--werror` turns warnings into errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.diagnostics import DiagnosticSink, IdlError, summary
from codegen.pipeline import load
from codegen.source import Location, SourceText

SOURCE = SourceText("a.idl", "dictionary D {};\ndictionary M { D? d; };\n")


def sink_with(*severities: str) -> DiagnosticSink:
    sink = DiagnosticSink()
    sink.add_source(SOURCE)
    for i, severity in enumerate(severities):
        getattr(sink, severity)(Location.at("a.idl", 2, 16 + i), f"problem {i}", 2)
    return sink


def test_a_warning_formats_like_an_error_with_its_severity():
    (warning,) = sink_with("warning").diagnostics
    assert not warning.is_error
    assert warning.format() == (
        "a.idl:2:16: warning: problem 0\ndictionary M { D? d; };\n               ^^"
    )


@pytest.mark.parametrize(
    ("severities", "text"),
    [
        ((), ""),
        (("error",), "1 error"),
        (("error", "error"), "2 errors"),
        (("warning",), "1 warning"),
        (("warning", "error", "warning"), "1 error, 2 warnings"),
        (("error", "error", "warning"), "2 errors, 1 warning"),
    ],
)
def test_summary_counts_errors_and_warnings_leaving_out_zeros(severities, text):
    assert summary(sink_with(*severities).diagnostics) == text


def test_only_errors_fail_a_stage():
    warned = sink_with("warning", "warning")
    assert not warned.has_errors
    warned.raise_if_errors()  # does not raise
    failed = sink_with("warning", "error")
    assert failed.has_errors
    with pytest.raises(IdlError) as info:
        failed.raise_if_errors()
    assert [d.severity for d in info.value.diagnostics] == ["warning", "error"]


def test_treat_warnings_as_errors():
    sink = sink_with("warning", "error")
    sink.treat_warnings_as_errors()
    assert [(d.severity, d.message) for d in sink.diagnostics] == [
        ("error", "problem 0 [--werror]"),
        ("error", "problem 1"),
    ]


def test_load_builds_the_model_despite_warnings_unless_werror(tmp_path: Path):
    path = tmp_path / "a.idl"
    path.write_text(SOURCE.text, encoding="utf-8")
    result = load([path])
    assert result.ok and result.model is not None
    assert [d.severity for d in result.sink.diagnostics] == ["warning"]
    strict = load([path], werror=True)
    assert not strict.ok and strict.model is None
