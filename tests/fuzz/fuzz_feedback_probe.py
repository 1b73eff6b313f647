"""A fuzz target libFuzzer can solve only with both kinds of atheris feedback working: four
bytes behind nested `in` tests (which atheris does not trace as comparisons: only the basic-
block counters from `_trace_branch` lead there), then a 64-bit number behind one `==` (random
mutation would need ~2**64 tries: only `_trace_cmp`'s operands, which libFuzzer splices into
inputs, lead there). `tests/fuzz/test_fasttrace.py` runs it with each set of callbacks.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from fuzz.harness import Finding, fuzz, instrument  # noqa: E402

PREFIX = b"WNPU"
MAGIC = 0x1DE_C0DE_5EED_F00D


def check(data: bytes) -> None:
    # Each `and` is a conditional jump, so each matched byte starts a new basic block.
    if (
        data[0:1] in (PREFIX[0:1],)
        and data[1:2] in (PREFIX[1:2],)
        and data[2:3] in (PREFIX[2:3],)
        and data[3:4] in (PREFIX[3:4],)
        and int.from_bytes(data[4:12], "little") == MAGIC
    ):
        raise Finding("reached the magic number: both feedbacks work")


instrument((check,))

if __name__ == "__main__":
    fuzz(check)
