"""Parse and validate the whole web platform's IDL with our front end and with its peers.

    python bench/parse_webref.py [--repeat N] [--warmup N] [--json FILE] [--no-install]

Times whole processes, each given every .idl file of the pinned npm `@webref/idl`:

  ours        python -m codegen --validate-only FILE...      (parse + validate, one set)
  webidl2     node tests/node/webidl2_summary.mjs bench FILE... (parse + webidl2 validate)
  widlparser  every file parsed into one widlparser.Parser   (it checks as it parses)
  pywebidl2   pywebidl2.raw_parse per file; pywebidl2.validate on the files it rejects

Runs are interleaved round-robin (one of each tool per round) so machine noise hits every
tool alike; after the warm-up rounds, the median and minimum of `--repeat` rounds are
reported, with ours/theirs ratios of the medians. Each run's output is checked, so no tool is
timed doing nothing. See bench/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests import webref  # noqa: E402

PYTHON_PEERS = ("widlparser", "pywebidl2")

# The peers' timed programs: only what each needs is imported in the timed process.
WIDLPARSER_PROGRAM = """
import json, sys
import widlparser

class Reporter:
    syntax_errors = 0
    errors = 0
    def warn(self, message):
        if message.startswith("IDL SYNTAX ERROR"):
            self.syntax_errors += 1
        else:
            self.errors += 1
    def note(self, message):
        pass

reporter = Reporter()
parser = widlparser.Parser(ui=reporter)
files = sys.argv[1:]
for path in files:
    with open(path, encoding="utf-8") as f:
        parser.parse(f.read())
print(json.dumps({
    "files": len(files),
    "definitions": len(parser.constructs),
    "syntax_errors": reporter.syntax_errors
        + sum(isinstance(c, widlparser.SyntaxError) for c in parser.constructs),
    "errors": reporter.errors,
}))
"""

PYWEBIDL2_PROGRAM = """
import json, sys
import pywebidl2
from pywebidl2.exceptions import IDLParseError

files = sys.argv[1:]
definitions = 0
rejected = {}
for path in files:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        definitions += len(pywebidl2.raw_parse(text).definitions)
    except IDLParseError:
        rejected[path] = [repr(e) for e in pywebidl2.validate(text)]
print(json.dumps({
    "files": len(files),
    "parsed_files": len(files) - len(rejected),
    "definitions": definitions,
    "rejected": rejected,
}))
"""


@dataclass
class Tool:
    name: str
    label: str
    program: list[str]  # the command; the corpus files are appended
    check: Callable[[subprocess.CompletedProcess[str]], dict[str, Any]]
    env: dict[str, str] | None = None
    runs: list[float] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)

    def shown(self, files: int) -> str:
        program = [
            "<program>" if arg.startswith("\nimport") else shlex.quote(arg) for arg in self.program
        ]
        return " ".join(program) + f" <{files} files>"

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def best(self) -> float:
        return min(self.runs)


class BenchError(Exception):
    """Something the person running the bench has to fix; the message says what."""


# --- checking what each run did -------------------------------------------------------------


def _json_output(done: subprocess.CompletedProcess[str], name: str) -> dict[str, Any]:
    if done.returncode != 0:
        raise BenchError(f"{name} exited {done.returncode}:\n{done.stderr.strip()}")
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError) as err:
        raise BenchError(f"{name} printed no summary ({err}):\n{done.stderr.strip()}") from err


# Only errors reject a file; warnings (rules browsers' own IDL breaks) are reported, not fatal.
_ERROR_HEAD = re.compile(r"^(?P<file>.+?):\d+:\d+: error: ", re.MULTILINE)
_WARNING_HEAD = re.compile(r"^(?P<file>.+?):\d+:\d+: warning: ", re.MULTILINE)


def check_ours(
    files: Sequence[Path], expected: set[str], expected_warned: set[str]
) -> Callable[..., dict[str, Any]]:
    by_path = {str(p): p.name for p in files}

    def named(head: re.Pattern[str], stderr: str) -> list[str]:
        return sorted({by_path.get(m["file"], m["file"]) for m in head.finditer(stderr)})

    def check(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
        if "--validate-only" in done.stderr and done.returncode == 2:
            raise BenchError(f"our CLI does not accept --validate-only yet:\n{done.stderr}")
        if done.returncode not in (0, 1):
            raise BenchError(f"ours exited {done.returncode}:\n{done.stderr.strip()}")
        rejected = named(_ERROR_HEAD, done.stderr)
        warned = named(_WARNING_HEAD, done.stderr)
        if done.returncode == 1 and not rejected:
            raise BenchError(f"ours exited 1 without a file:line:col error:\n{done.stderr}")
        problems = []
        for what, got, wanted in (
            ("rejected", rejected, expected),
            ("warned in", warned, expected_warned),
        ):
            unexpected = sorted(set(got) - wanted)
            missing = sorted(wanted - set(got))
            if unexpected:
                problems.append(f"ours {what} files not listed for it: {unexpected}")
            if missing:
                problems.append(f"ours never {what} files listed for it: {missing}")
        return {
            "exit_status": done.returncode,
            "rejected_files": rejected,
            "warned_files": warned,
            "problems": problems,
        }

    return check


def check_webidl2(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    result = _json_output(done, "webidl2")
    result["problems"] = (
        [f"webidl2 parsed {result['parsed_files']} of {result['files']} files"]
        if result["parse_errors"]
        else []
    )
    return result


def check_widlparser(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    result = _json_output(done, "widlparser")
    result["problems"] = (
        [f"widlparser reported {result['syntax_errors']} syntax errors"]
        if result["syntax_errors"]
        else []
    )
    return result


def check_pywebidl2(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    result = _json_output(done, "pywebidl2")
    result["rejected"] = {Path(p).name: errors for p, errors in result["rejected"].items()}
    # pywebidl2's grammar is older than the corpus; what it rejects is reported, not hidden.
    result["problems"] = []
    return result


def describe(tool: Tool, files: int) -> str:
    r = tool.result
    if tool.name == "ours":
        rejected = r["rejected_files"]
        return (
            f"exit {r['exit_status']}, rejects {len(rejected)}"
            + (f" ({', '.join(rejected)})" if rejected else "")
            + f", warns in {len(r['warned_files'])}"
        )
    if tool.name == "webidl2":
        return (
            f"{r['parsed_files']}/{files} parsed, {r['definitions']} definitions, "
            f"{r['validation_errors']} validation findings"
        )
    if tool.name == "widlparser":
        return (
            f"{r['definitions']} definitions, {r['syntax_errors']} syntax errors, "
            f"{r['errors']} other errors"
        )
    rejected = sorted(r["rejected"])
    return f"{r['parsed_files']}/{files} parsed, {r['definitions']} definitions" + (
        f"; rejects {', '.join(rejected)}" if rejected else ""
    )


# --- setting up ----------------------------------------------------------------------------


def bench_requirements() -> list[str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return list(pyproject["project"]["optional-dependencies"]["bench"])


def ensure_python_peers(install: bool) -> None:
    missing = [p for p in PYTHON_PEERS if importlib.util.find_spec(p) is None]
    if not missing:
        return
    hint = f"install them with: {sys.executable} -m pip install -e '{REPO}[bench]'"
    if not install:
        raise BenchError(f"peer parsers not installed: {', '.join(missing)}; {hint}")
    requirements = bench_requirements()
    print(f"installing the bench peers: pip install {' '.join(requirements)}", file=sys.stderr)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *requirements])
    importlib.invalidate_caches()
    still = [p for p in PYTHON_PEERS if importlib.util.find_spec(p) is None]
    if done.returncode != 0 or still:
        raise BenchError(f"could not install {', '.join(still or missing)}; {hint}")


def expected_rejections() -> set[str]:
    """The corpus files `--validate-only` should reject, from the expected-failures list.

    The validation pass runs only on a set that parsed, so while any file is expected to fail
    to parse, only those files are expected in the report.
    """
    listed = webref.expected_failures().values()
    at_parse = {f.file for f in listed if f.stage == "parse"}
    return at_parse or {f.file for f in listed}


def expected_warned() -> set[str]:
    """The corpus files `--validate-only` should warn in: none while a file is expected to
    fail to parse (validation does not run), else those [expected_warnings] lists."""
    if any(f.stage == "parse" for f in webref.expected_failures().values()):
        return set()
    return set(webref.expected_warnings())


def our_definition_count(files: Sequence[Path]) -> tuple[int, list[str]]:
    """Definitions in the corpus and the files our parser rejects (untimed, in this process)."""
    parsed = webref.parse_corpus(files)
    failed = sorted(name for name, p in parsed.items() if p.diagnostics)
    return sum(len(p.idl.definitions) for p in parsed.values()), failed


def make_tools(
    files: Sequence[Path], ours_command: str, expected: set[str], warned: set[str]
) -> list[Tool]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    versions = webref.pinned_versions()
    node = webref.node()
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    return [
        Tool(
            "ours",
            "ours",
            shlex.split(ours_command),
            check_ours(files, expected, warned),
            env=env,
        ),
        Tool(
            "webidl2",
            f"webidl2 {versions['webidl2']} (node {node_version.strip()})",
            [node, str(webref.SUMMARY_SCRIPT), "bench"],
            check_webidl2,
        ),
        Tool(
            "widlparser",
            f"widlparser {importlib.metadata.version('widlparser')}",
            [sys.executable, "-c", WIDLPARSER_PROGRAM],
            check_widlparser,
        ),
        Tool(
            "pywebidl2",
            f"pywebidl2 {importlib.metadata.version('pywebidl2')}",
            [sys.executable, "-c", PYWEBIDL2_PROGRAM],
            check_pywebidl2,
        ),
    ]


# --- running ---------------------------------------------------------------------------------


def run_once(tool: Tool, paths: list[str]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    done = subprocess.run(
        [*tool.program, *paths], cwd=REPO, env=tool.env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    return elapsed, tool.check(done)


CANARY = "// A syntax error after the whole corpus: proves every file is read.\ninterface {};\n"


def check_ours_reads_every_file(ours: Tool, files: Sequence[Path]) -> None:
    """Untimed: with a broken file after the corpus, ours must fail and name that file."""
    with tempfile.TemporaryDirectory() as tmp:
        canary = Path(tmp) / "zz_canary.idl"
        canary.write_text(CANARY, encoding="utf-8")
        done = subprocess.run(
            [*ours.program, *map(str, files), str(canary)],
            cwd=REPO,
            env=ours.env,
            capture_output=True,
            text=True,
        )
    if done.returncode != 1 or f"{canary}:2:" not in done.stderr:
        raise BenchError(
            f"ours did not report the syntax error in a file given after the corpus "
            f"(exit {done.returncode}); is `{ours.shown(len(files))}` reading its inputs?\n"
            f"{done.stderr.strip()}"
        )


def run(tools: list[Tool], files: Sequence[Path], repeat: int, warmup: int) -> None:
    paths = [str(p) for p in files]
    for round_ in range(warmup + repeat):
        for tool in tools:
            elapsed, result = run_once(tool, paths)
            if tool.result and result != tool.result:
                raise BenchError(f"{tool.name} gave a different result in round {round_ + 1}")
            tool.result = result
            if round_ >= warmup:
                tool.runs.append(elapsed)


def report(
    tools: list[Tool], files: int, failed: list[str], definitions: int, repeat: int, warmup: int
) -> tuple[str, dict[str, Any]]:
    by_name = {t.name: t for t in tools}
    ours = by_name["ours"]
    lines = [
        f"@webref/idl {webref.pinned_versions()['@webref/idl']}: {files} files, "
        f"{definitions} definitions; our parser rejects {len(failed)}",
        f"ours: {ours.shown(files)}",
        f"whole-process wall time, {repeat} interleaved rounds after {warmup} warm-up",
        "",
        f"{'tool':<32} {'median s':>9} {'min s':>7} {'ours/theirs':>12}   checked",
    ]
    for tool in tools:
        ratio = ours.median / tool.median
        lines.append(
            f"{tool.label:<32} {tool.median:>9.3f} {tool.best:>7.3f} {ratio:>12.2f}   "
            f"{describe(tool, files)}"
        )
    problems = [p for t in tools for p in t.result["problems"]]
    for tool in tools:
        if tool.name in ("webidl2", "widlparser") and tool.result["definitions"] != definitions:
            problems.append(
                f"{tool.name} found {tool.result['definitions']} definitions, ours {definitions}"
            )
    lines.extend(f"!! {p}" for p in problems)
    figures: dict[str, Any] = {
        "corpus": {"package": "@webref/idl", "version": webref.pinned_versions()["@webref/idl"]},
        "files": files,
        "definitions": definitions,
        "failed_files": len(failed),
        "failed_file_names": failed,
        "rejected_files": ours.result["rejected_files"],
        "warned_files": ours.result["warned_files"],
        "seconds": ours.median,
        "seconds_min": ours.best,
        "ratio_vs_webidl2_node": ours.median / by_name["webidl2"].median,
        "ratio_vs_widlparser": ours.median / by_name["widlparser"].median,
        "ratio_vs_pywebidl2": ours.median / by_name["pywebidl2"].median,
        "repeat": repeat,
        "warmup": warmup,
        "checks_passed": not problems,
        "problems": problems,
        "tools": {
            t.name: {
                "label": t.label,
                "command": t.shown(files),
                "median_s": t.median,
                "min_s": t.best,
                "runs_s": t.runs,
                "result": t.result,
            }
            for t in tools
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }
    return "\n".join(lines), figures


def compile_bytecode() -> None:
    """Give our package the bytecode cache a regular install has.

    pip compiles a package's modules when it installs it, so the peers (installed from PyPI)
    start from cached bytecode; an editable install of ours does not, and with
    PYTHONDONTWRITEBYTECODE set (as on this machine) it would recompile every module in every
    timed run. Compiling once here measures both sides as installed.
    """
    done = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "codegen")], capture_output=True
    )
    if done.returncode != 0:
        raise BenchError(f"compileall failed: {done.stdout.decode()}{done.stderr.decode()}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time our WebIDL front end against webidl2, widlparser and pywebidl2 "
        "on the whole web platform's IDL (@webref/idl)."
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="do not pip-install missing Python peers; fail saying how to install them",
    )
    parser.add_argument(
        "--ours-command",
        default=f"{shlex.quote(sys.executable)} -m codegen --validate-only",
        help="the command that parses and validates the files named after it "
        "(default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0:
        parser.error("--repeat must be at least 1 and --warmup at least 0")
    try:
        files = webref.corpus_files()
        if len(files) != webref.EXPECTED_FILE_COUNT:
            raise BenchError(
                f"{webref.CORPUS_DIR} has {len(files)} files, not {webref.EXPECTED_FILE_COUNT}"
            )
        ensure_python_peers(install=not args.no_install)
        compile_bytecode()
        expected = expected_rejections()
        definitions, failed = our_definition_count(files)
        tools = make_tools(files, args.ours_command, expected, expected_warned())
        check_ours_reads_every_file(tools[0], files)
        run(tools, files, args.repeat, args.warmup)
    except (BenchError, webref.WebrefUnavailable) as err:
        print(f"parse_webref: {err}", file=sys.stderr)
        return 1
    table, figures = report(tools, len(files), failed, definitions, args.repeat, args.warmup)
    print(table)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if figures["checks_passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
