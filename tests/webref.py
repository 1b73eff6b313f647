"""The web platform's IDL (npm `@webref/idl`) and `webidl2`, for tests and the benchmark.

Both npm packages are pinned in `tests/node/package.json` / `package-lock.json` and installed
with `npm ci` into `tests/node/node_modules` the first time something asks for them. When npm
or node is missing this fails with a message saying how to install them: a corpus test that
quietly skipped would prove nothing.

`summarize` is our side of the cross-check with webidl2: it must describe an `IdlFile` exactly
as `tests/node/webidl2_summary.mjs` describes webidl2's tree, so any difference between the
two is a difference between the parsers, never between the summaries.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.diagnostics import Diagnostic, DiagnosticSink
from codegen.source import SourceText
from codegen.webidl import ast
from codegen.webidl.parser import parse_into

REPO = Path(__file__).resolve().parent.parent
NODE_DIR = REPO / "tests" / "node"
NODE_MODULES = NODE_DIR / "node_modules"
CORPUS_DIR = NODE_MODULES / "@webref" / "idl"
SUMMARY_SCRIPT = NODE_DIR / "webidl2_summary.mjs"
EXPECTED_FAILURES_FILE = REPO / "tests" / "webref_expected_failures.toml"

# How many .idl files the pinned @webref/idl holds; a broken install must not pass vacuously.
EXPECTED_FILE_COUNT = 334

INSTALL_HINT = (
    "install Node.js and npm (Debian/Ubuntu: `sudo apt-get install nodejs npm`), "
    "then run the tests again; they install the pinned packages themselves with "
    f"`npm ci` in {NODE_DIR.relative_to(REPO)}"
)


class WebrefUnavailable(RuntimeError):
    """The corpus or webidl2 cannot be installed or run; the message says what to do."""


# --- installation ------------------------------------------------------------------------------


def pinned_versions() -> dict[str, str]:
    """package name -> the exact version tests/node/package.json pins."""
    manifest = json.loads((NODE_DIR / "package.json").read_text(encoding="utf-8"))
    return dict(manifest["dependencies"])


def _installed_version(package: str) -> str | None:
    try:
        manifest = json.loads((NODE_MODULES / package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest.get("version")


def _is_installed() -> bool:
    return all(_installed_version(p) == v for p, v in pinned_versions().items())


def ensure_installed() -> Path:
    """Install the pinned npm packages if they are not yet; return the corpus directory."""
    if _is_installed():
        return CORPUS_DIR
    npm = shutil.which("npm")
    if npm is None:
        raise WebrefUnavailable(f"npm is not installed: {INSTALL_HINT}")
    # Tests and the benchmark may start at once; one `npm ci` at a time (it deletes node_modules).
    digest = hashlib.sha256(str(NODE_DIR).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"webnpu-npm-ci-{digest}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _is_installed():
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=NODE_DIR,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise WebrefUnavailable(
                    f"`npm ci` in {NODE_DIR} failed (exit {done.returncode}):\n"
                    f"{done.stderr.strip() or done.stdout.strip()}"
                )
    if not _is_installed():
        wanted = ", ".join(f"{p}@{v}" for p, v in pinned_versions().items())
        raise WebrefUnavailable(f"`npm ci` in {NODE_DIR} did not install {wanted}")
    return CORPUS_DIR


def node() -> str:
    """The node executable, or WebrefUnavailable saying how to install it."""
    found = shutil.which("node")
    if found is None:
        raise WebrefUnavailable(f"node is not installed: {INSTALL_HINT}")
    return found


def corpus_files() -> list[Path]:
    """Every .idl file of the pinned @webref/idl, sorted by name (installing it if needed)."""
    return sorted(ensure_installed().glob("*.idl"))


# --- expected failures and warnings ------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedFailure:
    """A corpus file our front end must reject, at `stage`, with errors on exactly `lines`."""

    file: str
    stage: str  # "parse" or "validate"
    lines: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class ExpectedWarnings:
    """A corpus file whose validation must warn on exactly `lines` (and nowhere else)."""

    file: str
    lines: tuple[int, ...]
    reason: str


STAGES = ("parse", "validate")


def _table(path: Path, name: str) -> dict[str, object]:
    return tomllib.loads(path.read_text(encoding="utf-8")).get(name, {})


def _lines(path: Path, name: str, entry: dict[str, object]) -> tuple[int, ...]:
    lines = entry["lines"]
    if not lines or not all(isinstance(n, int) and n >= 1 for n in lines):
        raise ValueError(f"{path}: {name!r}: lines must list line numbers")
    return tuple(sorted(lines))


def expected_failures(path: Path = EXPECTED_FAILURES_FILE) -> dict[str, ExpectedFailure]:
    """file name -> why it is expected to fail, from tests/webref_expected_failures.toml."""
    result = {}
    for name, entry in _table(path, "expected_failures").items():
        if not isinstance(entry, dict) or set(entry) != {"stage", "lines", "reason"}:
            raise ValueError(f"{path}: {name!r} needs exactly `stage`, `lines` and `reason`")
        if entry["stage"] not in STAGES:
            raise ValueError(f"{path}: {name!r}: stage must be one of {', '.join(STAGES)}")
        lines = _lines(path, name, entry)
        result[name] = ExpectedFailure(name, entry["stage"], lines, entry["reason"])
    return result


def expected_warnings(path: Path = EXPECTED_FAILURES_FILE) -> dict[str, ExpectedWarnings]:
    """file name -> why its validation warns, from tests/webref_expected_failures.toml."""
    result = {}
    for name, entry in _table(path, "expected_warnings").items():
        if not isinstance(entry, dict) or set(entry) != {"lines", "reason"}:
            raise ValueError(f"{path}: {name!r} needs exactly `lines` and `reason`")
        result[name] = ExpectedWarnings(name, _lines(path, name, entry), entry["reason"])
    return result


# A diagnostic's first line, as `path:line:col: error: message` (or `warning:`) with a real
# position.
_HEAD = re.compile(
    r"^(?P<file>.+?):(?P<line>[1-9]\d*):(?P<column>[1-9]\d*): (?P<severity>error|warning): \S"
)


def precise(diagnostic: Diagnostic, path: str) -> bool:
    """Whether `diagnostic` points at a line and column of `path`, under a source line and caret."""
    head, *snippet = diagnostic.format().split("\n")
    match = _HEAD.match(head)
    return (
        match is not None
        and match["file"] == path
        and match["severity"] == diagnostic.severity
        and len(snippet) == 2
        and snippet[1].lstrip(" \t").startswith("^")
    )


def check_failures(
    stage: str,
    diagnostics_by_file: Mapping[str, Sequence[Diagnostic]],
    expected: Mapping[str, ExpectedFailure],
    path_of: Mapping[str, str],
) -> list[str]:
    """Problems with one stage's outcome against the expected-failures list, one line each.

    `diagnostics_by_file` maps every corpus file name that went through `stage` to the
    diagnostics the stage reported in it (only its errors count here: see `check_warnings`);
    `path_of` maps a file name to the path its diagnostics carry. Exact both ways: a file
    listed for `stage` must fail there, with precise errors on exactly its listed lines; any
    other file must not fail there at all.
    """
    problems = []
    for name, failure in expected.items():
        if failure.stage == stage and name not in diagnostics_by_file:
            problems.append(
                f"{name}: listed as failing to {stage}, but it did not reach that stage "
                "(not in the corpus, or it failed earlier)"
            )
    for name, everything in sorted(diagnostics_by_file.items()):
        diagnostics = [d for d in everything if d.is_error]
        failure = expected.get(name)
        if failure is None or failure.stage != stage:
            for d in diagnostics:
                problems.append(f"{name}: unexpected {stage} error:\n{d.format()}")
            continue
        if not diagnostics:
            problems.append(
                f"{name}: listed as failing to {stage} ({failure.reason}), but it does not"
            )
            continue
        for d in diagnostics:
            if not precise(d, path_of[name]):
                problems.append(f"{name}: imprecise {stage} error:\n{d.format()}")
        got = tuple(sorted({d.loc.line for d in diagnostics}))
        if got != failure.lines:
            where = "\n".join(d.format() for d in diagnostics)
            problems.append(
                f"{name}: expected {stage} errors on lines {list(failure.lines)}, "
                f"got lines {list(got)}:\n{where}"
            )
    return problems


def check_warnings(
    diagnostics_by_file: Mapping[str, Sequence[Diagnostic]],
    expected: Mapping[str, ExpectedWarnings],
    path_of: Mapping[str, str],
) -> list[str]:
    """Problems with the validation warnings against the expected-warnings list, one each.

    `diagnostics_by_file` maps every corpus file name that was validated to the diagnostics
    reported in it (only its warnings count here). Exact both ways: a listed file must warn,
    with precise warnings on exactly its listed lines; any other file must not warn at all.
    """
    problems = []
    for name in expected:
        if name not in diagnostics_by_file:
            problems.append(
                f"{name}: listed as warning, but it was not validated "
                "(not in the corpus, or it failed to parse)"
            )
    for name, everything in sorted(diagnostics_by_file.items()):
        warnings = [d for d in everything if not d.is_error]
        listed = expected.get(name)
        if listed is None:
            problems.extend(f"{name}: unexpected warning:\n{d.format()}" for d in warnings)
            continue
        if not warnings:
            problems.append(f"{name}: listed as warning ({listed.reason}), but it does not")
            continue
        problems.extend(
            f"{name}: imprecise warning:\n{d.format()}"
            for d in warnings
            if not precise(d, path_of[name])
        )
        got = tuple(sorted({d.loc.line for d in warnings}))
        if got != listed.lines:
            where = "\n".join(d.format() for d in warnings)
            problems.append(
                f"{name}: expected warnings on lines {list(listed.lines)}, "
                f"got lines {list(got)}:\n{where}"
            )
    return problems


# --- our parse ---------------------------------------------------------------------------------


@dataclass
class ParsedFile:
    name: str
    path: str
    idl: ast.IdlFile
    diagnostics: list[Diagnostic]


def parse_corpus(files: Iterable[Path]) -> dict[str, ParsedFile]:
    """Parse each file on its own sink, so each file's errors are its own."""
    result = {}
    for path in files:
        sink = DiagnosticSink()
        idl = parse_into(SourceText(str(path), path.read_text(encoding="utf-8")), sink)
        result[path.name] = ParsedFile(path.name, str(path), idl, sink.diagnostics)
    return result


# --- the cross-check with webidl2 ----------------------------------------------------------------

_CONTAINERS = (
    ast.Interface,
    ast.InterfaceMixin,
    ast.CallbackInterface,
    ast.Namespace,
    ast.Dictionary,
)


def summarize(idl: ast.IdlFile) -> list[dict[str, Any]]:
    """Each definition as webidl2_summary.mjs summarises webidl2's: type, name, partial, members.

    `members` counts what webidl2 keeps in `members` (or an enum's `values`); an includes
    statement is named by its target, with its mixin under "includes", as in webidl2.
    """
    summary = []
    for d in idl.definitions:
        entry: dict[str, Any] = {
            "type": d.kind,
            "name": d.target if isinstance(d, ast.Includes) else d.name,
            "partial": bool(getattr(d, "partial", False)),
            "members": 0,
        }
        if isinstance(d, _CONTAINERS):
            entry["members"] = len(d.members)
        elif isinstance(d, ast.Enum):
            entry["members"] = len(d.values)
        if isinstance(d, ast.Includes):
            entry["includes"] = d.mixin
        summary.append(entry)
    return summary


def webidl2_summaries(files: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """file name -> {"definitions": [...]} or {"error": message}, from one node process."""
    ensure_installed()
    done = subprocess.run(
        [node(), str(SUMMARY_SCRIPT), "summary", *map(str, files)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise WebrefUnavailable(
            f"{SUMMARY_SCRIPT.name} failed (exit {done.returncode}):\n{done.stderr.strip()}"
        )
    return json.loads(done.stdout)


def _describe(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "nothing"
    if entry["type"] == "includes":
        return f"{entry['name']} includes {entry.get('includes')}"
    partial = "partial " if entry["partial"] else ""
    return f"{partial}{entry['type']} {entry['name']} ({entry['members']} members)"


def compare_summaries(ours: list[dict[str, Any]], theirs: dict[str, Any]) -> list[str]:
    """How one file's summaries differ, one line per definition position; [] if they agree."""
    if "error" in theirs:
        return ["webidl2 rejects it: " + theirs["error"].replace("\n", "\n    ")]
    theirs_defs = theirs["definitions"]
    lines = []
    for i in range(max(len(ours), len(theirs_defs))):
        a = ours[i] if i < len(ours) else None
        b = theirs_defs[i] if i < len(theirs_defs) else None
        if a != b:
            lines.append(f"definition #{i + 1}: ours {_describe(a)}, webidl2 {_describe(b)}")
    return lines
