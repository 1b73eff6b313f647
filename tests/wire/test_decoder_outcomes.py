"""The generated decoder rejects exactly what it rejected, with exactly the same errors.

`decoder_outcomes.golden.json` holds 183 inputs of the raw decoder fuzz target (mutations of
its seeds and of a fuzz run's corpus, at most 3 per distinct error text), each with what the
decoder answered before it was flattened (commit 12827b1's parent: every field checked by a
runtime `check_*` call): `["ok"]`, or the `BadMessage` kind and its full text. The flattened
decoder inlines those checks (docs: fuzz/README.md), so this pins Mojo's check order and every
text; a reordered or reworded check fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzz.fuzz_wire_decoder import decode
from python_service.bad_message import BadMessage, BadMessageKind

CASES = json.loads((Path(__file__).parent / "decoder_outcomes.golden.json").read_text("utf-8"))


def outcome(data: bytes) -> list[str]:
    try:
        decode(data)
    except BadMessage as e:
        return [e.kind.name, str(e)]
    return ["ok"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["input"][:24])
def test_same_outcome_as_before_the_flattening(case):
    assert outcome(bytes.fromhex(case["input"])) == case["outcome"]


def test_the_cases_cover_the_decoders_error_kinds():
    kinds = {case["outcome"][0] for case in CASES}
    assert "ok" in kinds
    assert len(kinds) >= 15, sorted(kinds)
    assert kinds - {"ok"} <= {kind.name for kind in BadMessageKind}


class _Counted:
    """A value that counts how often it is formatted."""

    formatted = 0

    def __format__(self, spec: str) -> str:
        type(self).formatted += 1
        return format(7, spec)


def test_bad_message_formats_its_detail_only_when_read():
    value = _Counted()
    error = BadMessage(
        BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE, "index {:#x} at {}", value, 3
    )
    assert _Counted.formatted == 0  # raised and caught by a fuzzer: never formatted
    assert error.detail == "index 0x7 at 3"
    assert str(error) == "VALIDATION_ERROR_ILLEGAL_HANDLE: index 0x7 at 3"
    assert error.args == (str(error),)
    assert repr(error) == "BadMessage('VALIDATION_ERROR_ILLEGAL_HANDLE: index 0x7 at 3')"
    assert _Counted.formatted > 0


def test_bad_message_with_a_finished_detail_keeps_it_verbatim():
    error = BadMessage(BadMessageKind.WEBNPU_ERROR_ILLEGAL_OBJECT_ID, "BUFFER {1, 1} is not live")
    assert error.detail == "BUFFER {1, 1} is not live"
    assert str(error) == "WEBNPU_ERROR_ILLEGAL_OBJECT_ID: BUFFER {1, 1} is not live"
