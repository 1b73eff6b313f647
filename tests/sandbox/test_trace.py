"""The allow-list tool (python_service/sandbox/trace.py) reads real strace output: only the
calls made after the sandbox-point marker count, the wrapper's calls never do."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from python_service.sandbox import syscalls
from python_service.sandbox.seccomp import CONDITIONAL, TRACE_MARKER
from python_service.sandbox.trace import parse


@pytest.fixture(scope="module")
def strace() -> str:
    path = shutil.which("strace")
    if path is None:
        pytest.fail("strace is needed: apt-get install strace (scripts/test.sh installs it)")
    return path


def test_only_calls_after_the_marker_by_the_traced_service_count(strace, tmp_path):
    out = tmp_path / "trace"
    program = (
        "import os\n"
        "os.getppid()\n"  # before the marker: not counted
        f"try:\n    os.stat({TRACE_MARKER!r})\nexcept OSError:\n    pass\n"
        "os.getpgrp()\n"  # after: counted
    )
    # The outer sh plays the namespace wrapper: the first process traced, never counted.
    subprocess.run(
        [
            strace,
            "-f",
            "-qq",
            "-o",
            str(out),
            "/bin/sh",
            "-c",
            f'"{sys.executable}" -c "$0"',
            program,
        ],
        check=True,
        timeout=60,
    )
    with open(out) as f:
        trace = parse(f)
    assert trace.marked
    assert "getpgrp" in trace.calls
    assert "getppid" not in trace.calls
    assert "wait4" not in trace.calls  # the shell's, after the marker


def test_the_lists_do_not_overlap():
    assert not syscalls.ALLOWED & syscalls.DENIED
    assert not syscalls.ALLOWED & CONDITIONAL
    assert not syscalls.RUNTIME_EXTRAS & (syscalls.DENIED | CONDITIONAL)
