"""Every input a fuzzer found a real defect with (fuzz/regressions/<target>/) replays clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz.cli import describe, targets

REGRESSIONS = Path(__file__).resolve().parent.parent.parent / "fuzz" / "regressions"
INPUTS = sorted(p for p in REGRESSIONS.glob("*/*") if p.is_file())


def test_regressions_name_targets():
    assert INPUTS
    assert {p.parent.name for p in INPUTS} <= set(targets())


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_regression_input_replays_clean(path):
    describe(path.parent.name, path.read_bytes())
