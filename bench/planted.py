"""How long the structure-aware fuzzer takes to find the planted bug, seed by seed.

    python bench/planted.py [--seeds 6] [--seconds 90] [--json FILE]

tests/fuzz/planted_copy_range.py is `fuzz_service_actions` with copyBufferToBuffer's range
check switched off (in its own process only). Each seed runs it alone, as libFuzzer runs one
process, from the target's seeds and `.options`, until the first finding or `--seconds`; the
figure is wall-clock seconds to the finding, start-up included. The spread is why
tests/fuzz/test_planted_bug.py races two processes for its 60 s bound
(tests/fuzz/support.py, `race_fuzzers`). `--json FILE` writes
`{"planted_copy_range_seconds": {SEED: seconds or null}}` (null: not found in time).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLANTED = ROOT / "tests" / "fuzz" / "planted_copy_range.py"
TARGET = "service_actions"


def time_to_find(seed: int, seconds: int) -> float | None:
    from fuzz.cli import fuzz_command
    from fuzz.seeds import seed_dirs, write_seeds

    with tempfile.TemporaryDirectory(prefix="bench-planted-") as tmp:
        corpus = Path(tmp) / "corpus"
        write_seeds(TARGET, corpus)
        flags = [f"-max_total_time={seconds}", f"-seed={seed}", f"-artifact_prefix={tmp}/"]
        command = fuzz_command(TARGET, flags, [corpus, *seed_dirs(TARGET)], PLANTED)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        start = time.monotonic()
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=seconds + 240)
        elapsed = time.monotonic() - start
        return elapsed if any(Path(tmp).glob("crash-*")) else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=6, help="seeds 1..N, one run each")
    parser.add_argument("--seconds", type=int, default=90, help="give up on a seed after this")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    found: dict[int, float | None] = {}
    print(f"{'seed':>6}{'seconds to the finding':>26}")
    for seed in range(1, args.seeds + 1):
        found[seed] = time_to_find(seed, args.seconds)
        shown = "not found" if found[seed] is None else f"{found[seed]:.1f}"
        print(f"{seed:>6}{shown:>26}", flush=True)
    times = [t for t in found.values() if t is not None]
    if times:
        median = statistics.median(times)
        print(f"found by {len(times)} of {len(found)} seeds; median {median:.1f} s, "
              f"max {max(times):.1f} s")  # fmt: skip
    if args.json:
        document = {"planted_copy_range_seconds": {str(k): v for k, v in found.items()}}
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
