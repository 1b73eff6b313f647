"""Running a fuzz target as libFuzzer does, for the fuzz tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def require_atheris() -> None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        pytest.fail(
            "atheris is missing: install the test extra (bash scripts/test.sh installs it, or "
            ".venv/bin/pip install 'atheris>=2.3')"
        )


def run_fuzzer(program: Path, target: str, seconds: int, work: Path) -> tuple[int, str, list[Path]]:
    """`program` (a fuzz script) for `seconds` from `target`'s generated seeds plus the
    checked-in seed dirs, with `target`'s `.options` as `python -m fuzz run` applies them;
    (exit status, output, crash files)."""
    return race_fuzzers(program, target, seconds, work, workers=1)


def race_fuzzers(
    program: Path, target: str, seconds: int, work: Path, workers: int = 2
) -> tuple[int, str, list[Path]]:
    """`workers` copies of `program`, as `run_fuzzer` runs one, side by side (one per core,
    each with its own corpus and seed, as libFuzzer's `-jobs` would), until the first finding
    or `seconds`; the finder's (exit status, output, crash files), or the last one's.

    Why more than one: the time a single libFuzzer run takes to reach a planted bug has a long
    tail (`bench/planted.py`: 8.8-34.8 s over six seeds; one CI run passed 60 s),
    so a test of "found within 60 s" on one process fails now and then for no fault of the
    code. Two processes on this 2-core machine keep the same 60 s wall-clock bound and cut the
    tail.
    """
    require_atheris()
    from fuzz.cli import fuzz_command
    from fuzz.seeds import seed_dirs, write_seeds

    runs = []
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for index in range(workers):
        home = work if workers == 1 else work / f"worker-{index}"
        corpus = home / "corpus"
        write_seeds(target, corpus)
        flags = [f"-max_total_time={seconds}", f"-artifact_prefix={home}/", "-print_final_stats=1"]
        if workers > 1:
            flags.append(f"-seed={index + 1}")  # distinct runs, not the same one twice
        command = fuzz_command(target, flags, [corpus, *seed_dirs(target)], program)
        log = (home / "output.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        runs.append((home, process, log))
    deadline = time.monotonic() + seconds + 240
    try:
        while time.monotonic() < deadline:
            if any(p.poll() is not None and _crashes(h) for h, p, _ in runs):
                break
            if all(p.poll() is not None for _, p, _ in runs):
                break
            time.sleep(0.2)
    finally:
        for _home, process, log in runs:
            if process.poll() is None:
                process.kill()
            process.wait()
            log.close()
    home, process, _log = next((run for run in runs if _crashes(run[0])), runs[-1])
    output = (home / "output.log").read_text(errors="replace")
    return process.returncode, output, _crashes(home)


def _crashes(home: Path) -> list[Path]:
    return sorted(home.glob("crash-*"))


def replay(target: str, crash: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "fuzz", "replay", target, str(crash)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout + done.stderr
