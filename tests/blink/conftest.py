"""Shared for the Blink and Mojo target tests: the generated trees and the real tools."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen.pipeline import load

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = ROOT / "generated" / "chromium"
BLINK_MODULE = CHROMIUM / "third_party/blink/renderer/modules/webnpu"
MOJOM_DIR = CHROMIUM / "services/webnpu/public/mojom"
INSTALL = {
    "clang-format": "apt-get install clang-format (scripts/bootstrap.sh: ensure_clang_format)",
    "gn": "apt-get install generate-ninja (scripts/bootstrap.sh: ensure_gn)",
    "node": "apt-get install nodejs npm (scripts/bootstrap.sh: ensure_node)",
}


def tool(name: str) -> str:
    """The tool's path; fails (never skips) when it is missing, saying how to install it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: {INSTALL[name]}")
    return path


@pytest.fixture(scope="session")
def api():
    """The model and wire model of idl/webnpu.idl, the generator's input."""
    result = load([ROOT / "idl" / "webnpu.idl"])
    assert result.ok and result.model is not None and result.wire is not None
    return result
