"""Shared for the patch and in-tree tests: what the browser targets generate, and real tools."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from codegen.pipeline import load
from codegen.targets.context import Context
from codegen.targets.patches import browser_outputs
from tests.codegen_tools import require_tool

ROOT = Path(__file__).resolve().parents[2]


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            require_tool("git"),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            *args,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=check,
    )


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    return path


@pytest.fixture(scope="session")
def outputs() -> dict[str, bytes]:
    """Everything the patches are made from, as the generators write it now."""
    result = load([ROOT / "idl" / "webnpu.idl"])
    assert result.ok and result.model is not None
    return browser_outputs(result.model, Context(ROOT, "webnpu"))
