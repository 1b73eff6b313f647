"""Running a fuzz target as libFuzzer does, for the fuzz tests."""

from __future__ import annotations

import os
import subprocess
import sys
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
    require_atheris()
    from fuzz.cli import options
    from fuzz.seeds import seed_dirs, write_seeds

    corpus = work / "corpus"
    write_seeds(target, corpus)
    command = [
        sys.executable,
        str(program),
        *options(target),
        f"-max_total_time={seconds}",
        f"-artifact_prefix={work}/",
        "-print_final_stats=1",
        str(corpus),
        *map(str, seed_dirs(target)),
    ]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=seconds + 240)  # fmt: skip
    return done.returncode, done.stdout + done.stderr, sorted(work.glob("crash-*"))


def replay(target: str, crash: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "fuzz", "replay", target, str(crash)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout + done.stderr
