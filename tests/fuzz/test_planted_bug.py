"""A disabled validator check is found by the structure-aware fuzzer within 60 s (issue 6).

tests/fuzz/planted_copy_range.py switches off copyBufferToBuffer's range check in the fuzz
process only and runs fuzz_service_actions from its generated seeds. The harness must report a
finding (the out-of-range copy reaching the buffers' memory surfaces as an internal error), and
the same input replayed against the real validator must be harmless: the finding is the plant.
"""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.support import replay, run_fuzzer

PLANTED = Path(__file__).with_name("planted_copy_range.py")


def test_fuzzer_finds_the_disabled_copy_range_check(tmp_path):
    status, output, crashes = run_fuzzer(PLANTED, "service_actions", 60, tmp_path)
    assert status != 0 and crashes, f"not found within 60 s:\n{output[-3000:]}"
    assert "Finding: an internal error reached the page: submit:" in output, output[-3000:]
    assert "no finding" in replay("service_actions", crashes[0])
