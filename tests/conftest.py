"""Shared fixtures: the repository root and a runner for the generator's command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_codegen():
    """Run `python -m codegen ARGS` as a user would; returns the CompletedProcess."""

    def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "codegen", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            timeout=120,
        )

    return run


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--wire-trace-dir",
        metavar="DIR",
        help="record every frame each client connection sends to DIR/<pid>-<n>.trace "
        "(python_service/ipc/wire_trace.py; fuzz/corpus_from_traces.py makes seed corpora)",
    )


def pytest_configure(config: pytest.Config) -> None:
    trace_dir = config.getoption("--wire-trace-dir")
    if trace_dir:
        import os

        from python_service.ipc import wire_trace

        where = Path(trace_dir).resolve()
        # The environment for processes the tests start (clients there read it at import),
        # and the module's switch for this process, in case it was imported already.
        os.environ[wire_trace.ENV] = str(where)
        wire_trace.start(where)
