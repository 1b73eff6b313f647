"""The whole web platform's IDL (npm `@webref/idl`, pinned) through our front end.

Every file parses, except the files tests/webref_expected_failures.toml lists (each with the
stage and line where it must fail); the corpus validates as one definition set, with errors
and warnings on exactly the lines that file lists; and our parse agrees with webidl2's, file
by file. The packages are installed with npm on first use (see
tests/webref.py); without npm or node these tests fail saying how to install them.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from codegen.diagnostics import Diagnostic, DiagnosticSink
from codegen.model.index import DefinitionSet
from codegen.model.validation import validate
from codegen.source import Location, SourceText
from codegen.webidl.parser import parse_into
from tests import webref
from tests.webref import ExpectedFailure, ExpectedWarnings, ParsedFile


@pytest.fixture(scope="module")
def corpus() -> list[Path]:
    try:
        return webref.corpus_files()
    except webref.WebrefUnavailable as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture(scope="module")
def parsed(corpus: list[Path]) -> dict[str, ParsedFile]:
    return webref.parse_corpus(corpus)


@pytest.fixture(scope="module")
def expected() -> dict[str, ExpectedFailure]:
    return webref.expected_failures()


@pytest.fixture(scope="module")
def expected_warnings() -> dict[str, ExpectedWarnings]:
    return webref.expected_warnings()


def _paths(parsed: dict[str, ParsedFile]) -> dict[str, str]:
    return {name: p.path for name, p in parsed.items()}


def _report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n\n" + "\n\n".join(problems)


def test_corpus_is_the_pinned_package(corpus: list[Path]) -> None:
    assert webref.pinned_versions() == {"@webref/idl": "3.85.0", "webidl2": "24.5.0"}
    assert len(corpus) == webref.EXPECTED_FILE_COUNT, (
        f"{webref.CORPUS_DIR} holds {len(corpus)} .idl files, not {webref.EXPECTED_FILE_COUNT}: "
        f"remove {webref.NODE_MODULES} and run the tests again to reinstall it"
    )


def test_every_file_parses_except_the_expected_failures(
    parsed: dict[str, ParsedFile], expected: dict[str, ExpectedFailure]
) -> None:
    diagnostics = {name: p.diagnostics for name, p in parsed.items()}
    problems = webref.check_failures("parse", diagnostics, expected, _paths(parsed))
    assert not problems, _report(problems)
    definitions = sum(len(p.idl.definitions) for p in parsed.values())
    assert definitions > 3000, f"only {definitions} definitions in the whole web platform"


def test_corpus_validates_as_one_definition_set(
    parsed: dict[str, ParsedFile],
    expected: dict[str, ExpectedFailure],
    expected_warnings: dict[str, ExpectedWarnings],
) -> None:
    """As `python -m codegen --validate-only` validates it: the corpus files that parsed, plus
    the bundled web platform stand-ins for names they use but do not define. Errors exactly
    where [expected_failures] says, warnings exactly where [expected_warnings] says."""
    from codegen.pipeline import platform_file

    clean = {name: p for name, p in parsed.items() if not p.diagnostics}
    sink = DiagnosticSink()
    files = [p.idl for p in clean.values()]
    files.append(platform_file(files, sink))
    validate(DefinitionSet.build(files), sink)

    by_file: dict[str, list[Diagnostic]] = {name: [] for name in clean}
    elsewhere = []
    names_by_path = {p.path: name for name, p in clean.items()}
    for d in sink.diagnostics:
        name = names_by_path.get(d.loc.file)
        if name is None:
            elsewhere.append(f"{d.severity} outside the corpus files:\n{d.format()}")
        else:
            by_file[name].append(d)
    paths = _paths(parsed)
    problems = [
        *elsewhere,
        *webref.check_failures("validate", by_file, expected, paths),
        *webref.check_warnings(by_file, expected_warnings, paths),
    ]
    assert not problems, _report(problems)


def test_parse_agrees_with_webidl2(parsed: dict[str, ParsedFile], corpus: list[Path]) -> None:
    """Per file: the same definitions, in order, with the same type, name, partial, members."""
    try:
        theirs = webref.webidl2_summaries(corpus)
    except webref.WebrefUnavailable as err:
        pytest.fail(str(err), pytrace=False)
    assert sorted(theirs) == sorted(parsed)
    disagreements = []
    for name, p in sorted(parsed.items()):
        if p.diagnostics:
            continue  # an expected parse failure; the parse test covers it
        lines = webref.compare_summaries(webref.summarize(p.idl), theirs[name])
        if lines:
            disagreements.append(f"{name}:\n  " + "\n  ".join(lines))
    assert not disagreements, (
        f"our parse disagrees with webidl2 on {len(disagreements)} file(s):\n"
        + "\n".join(disagreements)
    )


# Every kind of definition, and each way of counting members, through both summaries.
EVERY_KIND = """
[Exposed=Window] interface Base { constructor(); attribute long a; stringifier; };
partial interface Base { undefined f(); iterable<long>; };
interface mixin M { const short C = 1; };
partial interface mixin M { readonly attribute DOMString s; };
Base includes M;
callback interface Listener { undefined handle(); };
[Exposed=Window] namespace NS { undefined g(); };
partial namespace NS { readonly attribute long x; };
dictionary D { required long a; DOMString b = "b"; };
partial dictionary D { long c; };
enum E { "one", "two", "three" };
typedef (long or DOMString) T;
callback C = undefined (long x);
"""


def test_summary_describes_every_kind_as_webidl2_does(tmp_path: Path) -> None:
    path = tmp_path / "every_kind.idl"
    path.write_text(EVERY_KIND, encoding="utf-8")
    sink = DiagnosticSink()
    ours = webref.summarize(parse_into(SourceText(str(path), EVERY_KIND), sink))
    assert not sink.diagnostics
    try:
        theirs = webref.webidl2_summaries([path])[path.name]
    except webref.WebrefUnavailable as err:
        pytest.fail(str(err), pytrace=False)
    assert webref.compare_summaries(ours, theirs) == []
    assert [(e["type"], e["members"]) for e in ours] == [
        ("interface", 3),
        ("interface", 2),
        ("interface mixin", 1),
        ("interface mixin", 1),
        ("includes", 0),
        ("callback interface", 1),
        ("namespace", 1),
        ("namespace", 1),
        ("dictionary", 2),
        ("dictionary", 1),
        ("enum", 3),
        ("typedef", 0),
        ("callback", 0),
    ]


def test_expected_failure_check_is_exact_both_ways() -> None:
    """The mechanism itself, on a made-up corpus: listed files must fail, others must not."""
    sources = {
        "good.idl": 'enum E { "a" };\n',
        "listed_bad.idl": 'enum E {\n  "a" "b" };\n',
        "unlisted_bad.idl": "interface { };\n",
        "listed_good.idl": 'enum F { "a" };\n',
        "wrong_line.idl": '\n\nenum G { "a" "b" };\n',
        "wrong_stage.idl": "typedef long;\n",
    }
    diagnostics = defaultdict(list)
    for name, text in sources.items():
        sink = DiagnosticSink()
        parse_into(SourceText(name, text), sink)
        diagnostics[name] = sink.diagnostics
    listed = {
        "listed_bad.idl": ExpectedFailure("listed_bad.idl", "parse", (2,), "no comma"),
        "listed_good.idl": ExpectedFailure("listed_good.idl", "parse", (1,), "it is fine"),
        "wrong_line.idl": ExpectedFailure("wrong_line.idl", "parse", (1,), "off by two"),
        "wrong_stage.idl": ExpectedFailure("wrong_stage.idl", "validate", (1,), "syntax"),
        "missing.idl": ExpectedFailure("missing.idl", "parse", (1,), "no such file"),
        "missing_later.idl": ExpectedFailure("missing_later.idl", "validate", (1,), "later"),
    }
    problems = webref.check_failures("parse", diagnostics, listed, {n: n for n in sources})
    heads = sorted(p.split("\n")[0] for p in problems)
    assert heads == [
        "listed_good.idl: listed as failing to parse (it is fine), but it does not",
        "missing.idl: listed as failing to parse, but it did not reach that stage "
        "(not in the corpus, or it failed earlier)",
        "unlisted_bad.idl: unexpected parse error:",
        "wrong_line.idl: expected parse errors on lines [1], got lines [3]:",
        "wrong_stage.idl: unexpected parse error:",
    ]
    # An error that names no line and column is not precise.
    nowhere = Diagnostic(Location.at("listed_bad.idl", 0, 0), "something is wrong")
    problems = webref.check_failures(
        "parse", {"listed_bad.idl": [nowhere]}, listed, {"listed_bad.idl": "listed_bad.idl"}
    )
    assert any(p.startswith("listed_bad.idl: imprecise parse error") for p in problems)


def test_expected_warning_check_is_exact_both_ways() -> None:
    """The mechanism itself, on a made-up corpus: listed files must warn on exactly their
    lines, others must not warn; errors are not warnings, and warnings are not errors."""
    sources = {
        "clean.idl": "dictionary D {};\n",
        "listed.idl": "dictionary D {};\ndictionary M {\n  D? d;\n};\n",
        "unlisted.idl": "dictionary D {};\ndictionary M { D? d; };\n",
        "listed_clean.idl": "dictionary D {};\n",
        "wrong_line.idl": "dictionary D {};\ndictionary M { D? d; };\n",
        "error_only.idl": "dictionary D { required long x = 1; };\n",
    }
    diagnostics = {}
    for name, text in sources.items():
        sink = DiagnosticSink()
        idl = parse_into(SourceText(name, text), sink)
        assert not sink.diagnostics
        validate(DefinitionSet.build([idl]), sink)
        diagnostics[name] = sink.diagnostics
    listed = {
        "listed.idl": ExpectedWarnings("listed.idl", (3,), "D?"),
        "listed_clean.idl": ExpectedWarnings("listed_clean.idl", (1,), "it is fine"),
        "wrong_line.idl": ExpectedWarnings("wrong_line.idl", (3,), "off by one"),
        "error_only.idl": ExpectedWarnings("error_only.idl", (1,), "an error is no warning"),
        "missing.idl": ExpectedWarnings("missing.idl", (1,), "no such file"),
    }
    problems = webref.check_warnings(diagnostics, listed, {n: n for n in sources})
    heads = sorted(p.split("\n")[0] for p in problems)
    assert heads == [
        "error_only.idl: listed as warning (an error is no warning), but it does not",
        "listed_clean.idl: listed as warning (it is fine), but it does not",
        "missing.idl: listed as warning, but it was not validated (not in the corpus, or it "
        "failed to parse)",
        "unlisted.idl: unexpected warning:",
        "wrong_line.idl: expected warnings on lines [3], got lines [2]:",
    ]
    # A warning is not a failure: no file here is listed as failing, and only error_only.idl
    # has an error.
    failures = webref.check_failures("validate", diagnostics, {}, {n: n for n in sources})
    assert [p.split("\n")[0] for p in failures] == ["error_only.idl: unexpected validate error:"]


def test_expected_failures_list_is_well_formed(
    expected: dict[str, ExpectedFailure],
    expected_warnings: dict[str, ExpectedWarnings],
    corpus: list[Path],
) -> None:
    names = {p.name for p in corpus}
    for listed in (*expected.values(), *expected_warnings.values()):
        assert listed.file in names, f"{listed.file} is listed but not in the corpus"
        assert listed.reason.strip(), f"{listed.file} is listed without a reason"
        assert listed.lines, f"{listed.file} is listed without lines"
