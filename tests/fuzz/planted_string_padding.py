"""The raw decoder with one reader check disabled (tests/fuzz/test_planted_bug.py).

`MessageReader.pad` stops checking that padding bytes are zero, in this process only, then the
fuzzer runs as `fuzz/fuzz_wire_decoder.py` would (its `.options` applied by the test). A string
(or a scalar array) whose padding is not zero then decodes, and the canonical re-encode check
must report it: the decoder target, tracing only its declared scope, still finds a reader bug.
Never imported by the service or the harness.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
sys.argv[0] = str(Path(__file__).parent / "fuzz_planted_string_padding")  # instrument as a fuzzer

from python_service.wire import runtime as rt  # noqa: E402


def _pad_unchecked(self: rt.MessageReader) -> None:
    """The planted bug: skips the padding without looking at it."""
    pos = self.pos
    n = -pos % 8
    if n:
        if pos + n > self.end:
            raise rt.BadMessage(
                rt.BadMessageKind.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
                f"padding at {pos} runs past the end at {self.end}",
            )
        self.pos = pos + n


rt.MessageReader.pad = _pad_unchecked  # before the target instruments MessageReader

from fuzz import fuzz_wire_decoder  # noqa: E402

if __name__ == "__main__":
    fuzz_wire_decoder.main()
