"""Shared for the Blink and Mojo target tests: the generated trees and the real tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.pipeline import load

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = ROOT / "generated" / "chromium"
BLINK_MODULE = CHROMIUM / "third_party/blink/renderer/modules/webnpu"
MOJOM_DIR = CHROMIUM / "services/webnpu/public/mojom"


@pytest.fixture(scope="session")
def api():
    """The model and wire model of idl/webnpu.idl, the generator's input."""
    result = load([ROOT / "idl" / "webnpu.idl"])
    assert result.ok and result.model is not None and result.wire is not None
    return result
