"""The reviewer CLI: run a fuzz target for N seconds, replay an input with a readable decoding,
minimize a crashing input.

    python -m fuzz list
    python -m fuzz run TARGET --seconds N [--corpus DIR] [--out DIR] [-- LIBFUZZER_FLAGS...]
    python -m fuzz replay TARGET FILE
    python -m fuzz minimize TARGET FILE [--runs N]

`run` starts `fuzz/fuzz_TARGET.py` under libFuzzer (atheris) as a subprocess, with the corpus
directory (generated seeds written into it first), the wire-trace corpus and the regression
inputs as seeds; a crash is written to OUT and replayed at once. `replay` runs one input in
this process, against a fresh in-process service for `service_actions`, printing each message
sent and received. `minimize` is libFuzzer's `-minimize_crash=1`, through a small executable
wrapper (libFuzzer re-executes argv[0], which must be a program, not a .py file).
"""

from __future__ import annotations

import argparse
import configparser
import os
import stat
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from fuzz.harness import ROOT

FUZZ_DIR = ROOT / "fuzz"
EXIT_FINDING = 1


def targets() -> list[str]:
    return sorted(p.stem.removeprefix("fuzz_") for p in FUZZ_DIR.glob("fuzz_*.py"))


def script(target: str) -> Path:
    path = FUZZ_DIR / f"fuzz_{target}.py"
    if not path.is_file():
        raise SystemExit(f"unknown target {target!r}; targets: {', '.join(targets())}")
    return path


def libfuzzer_flags(path: Path) -> list[str]:
    """The `[libfuzzer]` section of an `.options` file as flags, as OSS-Fuzz and
    ClusterFuzzLite read the file next to the fuzzer binary; none if there is no file."""
    if not path.is_file():
        return []
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    if not parser.has_section("libfuzzer"):
        return []
    return [f"-{name}={value}" for name, value in parser.items("libfuzzer")]


def options(target: str) -> list[str]:
    """libFuzzer flags from `fuzz/fuzz_TARGET.options`."""
    return libfuzzer_flags(FUZZ_DIR / f"fuzz_{target}.options")


def fuzz_command(
    target: str, flags: list[str], dirs: list[Path], program: Path | None = None
) -> list[str]:
    """The target under libFuzzer: its `.options` first, so `flags` (later) override them.
    `program` stands in for the target's script (a planted-bug variant of it, in tests)."""
    program = program or script(target)
    return [sys.executable, str(program), *options(target), *flags, *map(str, dirs)]


def run(target: str, seconds: int, corpus: Path | None, out: Path, extra: list[str]) -> int:
    from fuzz.seeds import seed_dirs, write_seeds

    out.mkdir(parents=True, exist_ok=True)
    corpus = corpus or out / "corpus"
    if not corpus.is_dir() or not any(corpus.iterdir()):
        write_seeds(target, corpus)
    flags = [f"-max_total_time={seconds}", f"-artifact_prefix={out}/", "-print_final_stats=1"]
    before = set(out.glob("crash-*"))
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    status = subprocess.call(fuzz_command(target, flags + extra, [corpus, *seed_dirs(target)]),
                             env=env)  # fmt: skip
    crashes = sorted(set(out.glob("crash-*")) - before)
    for crash in crashes:
        print(f"\n==> finding: {crash}\n==> replay: python -m fuzz replay {target} {crash}")
        replay(target, crash)
    return status


def describe(target: str, data: bytes) -> list[str]:
    """A readable decoding of `data` as `target` sees it, running it (may raise)."""
    if target == "service_actions":
        from fuzz.actions import parse
        from fuzz.service_runner import ServiceRun

        service = ServiceRun(trace=True)
        try:
            service.run(parse(data))
        finally:
            print("\n".join(service.log))
        return []
    if target == "wire_decoder":
        from fuzz.fuzz_wire_decoder import MODES, decode
        from python_service.bad_message import BadMessage

        lines = [f"mode {MODES[data[0] % len(MODES)] if data else '-'}"]
        try:
            lines += [f"  {header} {message!r}" for header, message in decode(data)]
        except BadMessage as e:  # the target's expected outcome for a malformed input
            lines.append(f"  rejected: {e}")
        return lines
    if target == "graph":
        from fuzz.fuzz_graph import description, test_one_input

        graph = description(data)
        lines = [f"  input {i.id} {i.name!r} {i.descriptor.describe()}" for i in graph.inputs]
        lines += [f"  constant {c.id} {c.descriptor.describe()}" for c in graph.constants]
        lines += [f"  {op.outputs} = {op.op}{op.inputs} {dict(op.attributes)}"
                  for op in graph.operations]  # fmt: skip
        lines += [f"  output {o.name!r} = {o.id}" for o in graph.outputs]
        print("\n".join(lines))
        test_one_input(data)
        return []
    module = __import__(f"fuzz.fuzz_{target}", fromlist=["test_one_input"])
    module.test_one_input(data)
    return [f"{len(data)} bytes: {data[:200]!r}"]


def replay(target: str, path: Path) -> int:
    script(target)
    data = path.read_bytes()
    try:
        lines = describe(target, data)
    except Exception:
        traceback.print_exc()
        print(f"==> {path}: FINDING (the exception above)")
        return EXIT_FINDING
    print("\n".join(lines))
    print(f"==> {path}: no finding")
    return 0


def minimize(target: str, path: Path, runs: int) -> int:
    with tempfile.TemporaryDirectory(prefix="webnpu-minimize-") as tmp:
        wrapper = Path(tmp) / f"fuzz_{target}"
        wrapper.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" "{script(target)}" "$@"\n', encoding="utf-8"
        )
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
        result = path.with_name(path.name + ".min")
        command = [str(wrapper), "-minimize_crash=1", f"-runs={runs}",
                   f"-exact_artifact_path={result}", str(path)]  # fmt: skip
        subprocess.call(command, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    if not result.is_file():
        print(f"==> {path}: no smaller input found (does it still crash? replay it)")
        return 1
    print(f"==> minimized: {result} ({result.stat().st_size} of {path.stat().st_size} bytes)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the fuzz targets")
    p = commands.add_parser("run", help="fuzz TARGET for N seconds")
    p.add_argument("target")
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--corpus", type=Path, help="the working corpus (default OUT/corpus)")
    p.add_argument("--out", type=Path, help="crashes and corpus (default fuzz-out/TARGET)")
    p.add_argument("libfuzzer", nargs="*", help="after --: more libFuzzer flags")
    p = commands.add_parser("replay", help="run one input, decoding each message")
    p.add_argument("target")
    p.add_argument("file", type=Path)
    p = commands.add_parser("minimize", help="shrink a crashing input (libFuzzer)")
    p.add_argument("target")
    p.add_argument("file", type=Path)
    p.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args(argv)
    if args.command == "list":
        print("\n".join(targets()))
        return 0
    if args.command == "run":
        out = args.out or Path("fuzz-out") / args.target
        return run(args.target, args.seconds, args.corpus, out.resolve(), args.libfuzzer)
    if args.command == "replay":
        return replay(args.target, args.file)
    return minimize(args.target, args.file, args.runs)
