"""Each fuzz target runs for a bounded time with no finding (issue 6, acceptance 1).

WEBNPU_FUZZ_SECONDS sets the time per target (default 20: five targets fit in CI's budget;
a reviewer wanting more runs `python -m fuzz run TARGET --seconds N`)."""

from __future__ import annotations

import os

import pytest

from fuzz.cli import script, targets
from tests.fuzz.support import replay, run_fuzzer

SECONDS = int(os.environ.get("WEBNPU_FUZZ_SECONDS", "20"))


def test_every_script_is_a_target():
    assert targets() == ["graph", "model_loader", "service_actions", "webidl", "wire_decoder"]


@pytest.mark.parametrize("target", targets())
def test_target_runs_without_finding(target, tmp_path):
    status, output, crashes = run_fuzzer(script(target), target, SECONDS, tmp_path)
    if status != 0 or crashes:
        decoding = "\n".join(replay(target, c) for c in crashes)
        pytest.fail(
            f"fuzz_{target} found something (exit {status}); inputs: {crashes}\n"
            f"--- replay ---\n{decoding}\n--- fuzzer output (tail) ---\n{output[-4000:]}"
        )
    assert "stat::number_of_executed_units" in output, output[-2000:]
    runs = int(output.split("stat::number_of_executed_units:")[1].split()[0])
    assert runs > 0
