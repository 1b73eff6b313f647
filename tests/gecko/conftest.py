"""The gecko target's output, generated in memory from idl/webnpu.idl (the drift test in
tests/test_generated.py checks that the checked-in copy under generated/gecko/ is the same)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.pipeline import load
from codegen.targets import gecko
from codegen.targets.context import Context

ROOT = Path(__file__).resolve().parents[2]
PREFIX = gecko.OUT + "/"


@pytest.fixture(scope="session")
def loaded():
    result = load([ROOT / "idl" / "webnpu.idl"])
    assert result.ok, result.sink
    return result


@pytest.fixture(scope="session")
def gecko_files(loaded) -> dict[str, str]:
    """Path under generated/gecko/ -> text."""
    outputs = gecko.generate(loaded.model, Context(ROOT, "webnpu"))
    assert outputs
    return {o.path.removeprefix(PREFIX): o.content.decode("utf-8") for o in outputs}


@pytest.fixture
def written(gecko_files, tmp_path) -> Path:
    """The output written to a temporary directory, for tools that read files."""
    for path, text in gecko_files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path
