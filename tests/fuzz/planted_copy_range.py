"""The structure-aware fuzzer with one validator check disabled (tests/fuzz/test_planted_bug.py).

`copyBufferToBuffer`'s range check (command_validator._check_copy: source and destination
ranges within their buffers) is switched off in this process only, then the fuzzer runs as
`fuzz/fuzz_service_actions.py` would. The copy then reaches the buffers' memory with ranges
past their end; the harness must report it. Never imported by the service or the harness.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
sys.argv[0] = str(Path(__file__).parent / "fuzz_planted_copy_range")  # instrument as a fuzzer

from fuzz import fuzz_service_actions  # noqa: E402
from python_service.service import command_validator  # noqa: E402

_check_copy = command_validator._check_copy


def _check_copy_without_range(device, copy):
    problem = _check_copy(device, copy)
    if problem is not None and "exceeds the size" in problem:
        return None  # the planted bug: an out-of-range copy passes validation
    return problem


command_validator._check_copy = _check_copy_without_range

if __name__ == "__main__":
    fuzz_service_actions.main()
