"""A disabled validator check is found by the structure-aware fuzzer within 60 s (issue 6).

tests/fuzz/planted_copy_range.py switches off copyBufferToBuffer's range check in the fuzz
process only and runs fuzz_service_actions from its generated seeds, two processes side by
side as libFuzzer's `-jobs=2` would (`tests.fuzz.support.race_fuzzers` says why). The harness
must report a finding (the out-of-range copy reaching the buffers' memory surfaces as an
internal error), and the same input replayed against the real validator must be harmless: the
finding is the plant.
"""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.support import race_fuzzers, replay, run_fuzzer

PLANTED = Path(__file__).with_name("planted_copy_range.py")


def test_fuzzer_finds_the_disabled_copy_range_check(tmp_path):
    status, output, crashes = race_fuzzers(PLANTED, "service_actions", 60, tmp_path)
    assert status != 0 and crashes, f"not found within 60 s:\n{output[-3000:]}"
    assert "Finding: an internal error reached the page: submit:" in output, output[-3000:]
    assert "no finding" in replay("service_actions", crashes[0])


PLANTED_PADDING = Path(__file__).with_name("planted_string_padding.py")


def test_decoder_finds_unchecked_padding(tmp_path):
    """The raw decoder traces only its declared scope (fuzz_wire_decoder.COVERAGE) and runs
    with its .options; with the reader's zero-padding check disabled it must still find a
    non-canonical input (typically within seconds), which the real reader rejects."""
    status, output, crashes = run_fuzzer(PLANTED_PADDING, "wire_decoder", 60, tmp_path)
    assert status != 0 and crashes, f"not found within 60 s:\n{output[-3000:]}"
    assert "Finding: " in output and "not canonical" in output, output[-3000:]
    assert "no finding" in replay("wire_decoder", crashes[0])
