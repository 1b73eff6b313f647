"""Executions per second of each fuzz target, and the validation vectors' counts.

    python bench/fuzz.py [--seconds 10] [--targets a,b] [--json FILE]

Each target runs as libFuzzer runs it (`fuzz/fuzz_TARGET.py`, instrumented, a subprocess)
from its generated seeds for `--seconds`; the figure is libFuzzer's own
`stat::average_exec_per_sec`. The raw decoder's goal is 100,000 exec/s on this machine. For
the decoder the same inputs are also run without atheris (`uninstrumented`), in this process,
so the table shows how much of the cost is coverage instrumentation rather than the decoder.
The vector figures come from the validation vectors' runner (`fuzz.vector_runner.run_all`).
`--json FILE` writes
`{"targets": {NAME: execs_per_second}, "vectors": N, "vectors_passing": N,
"wire_decoder_uninstrumented": execs_per_second}`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL = {"wire_decoder": 100_000}


def fuzz_rate(target: str, seconds: int) -> float:
    from fuzz.cli import fuzz_command
    from fuzz.seeds import seed_dirs, write_seeds

    with tempfile.TemporaryDirectory(prefix=f"bench-fuzz-{target}-") as tmp:
        corpus = Path(tmp) / "corpus"
        write_seeds(target, corpus)
        flags = [f"-max_total_time={seconds}", "-print_final_stats=1", f"-artifact_prefix={tmp}/"]
        command = fuzz_command(target, flags, [corpus, *seed_dirs(target)])
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    output = done.stdout + done.stderr
    if "stat::average_exec_per_sec:" not in output:
        raise SystemExit(f"fuzz_{target} gave no statistics (exit {done.returncode}):\n"
                         f"{output[-3000:]}")  # fmt: skip
    if done.returncode != 0:
        print(f"warning: fuzz_{target} exited {done.returncode} (a finding?)", file=sys.stderr)
    return float(output.split("stat::average_exec_per_sec:")[1].split()[0])


def decoder_uninstrumented(seconds: float) -> float:
    """The decoder target's work on its seeds and mutations of them, without atheris."""
    import random

    from fuzz.fuzz_wire_decoder import test_one_input
    from fuzz.seeds import GENERATORS

    rng = random.Random(0)
    seeds = GENERATORS["wire_decoder"]()
    inputs = []
    for _ in range(2000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(0, 3)):
            if data:
                data[rng.randrange(len(data))] = rng.getrandbits(8)
        inputs.append(bytes(data))
    runs, end = 0, time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < end:
        for data in inputs:
            test_one_input(data)
        runs += len(inputs)
    return runs / (time.perf_counter() - start)


def main() -> int:
    from fuzz.cli import targets
    from fuzz.vector_runner import run_all

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--targets", help="comma-separated (default: all)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    names = args.targets.split(",") if args.targets else targets()
    rates = {name: fuzz_rate(name, args.seconds) for name in names}
    plain = decoder_uninstrumented(min(args.seconds, 5)) if "wire_decoder" in names else None
    count, passing = run_all()
    print(f"{'target':<18}{'exec/s':>12}{'goal':>12}{'goal met':>10}")
    for name, rate in rates.items():
        goal = GOAL.get(name)
        met = "-" if goal is None else ("yes" if rate >= goal else "no")
        print(f"{name:<18}{rate:>12,.0f}{'' if goal is None else f'{goal:,}':>12}{met:>10}")
    if plain is not None:
        print(f"{'wire_decoder, no instrumentation':<34}{plain:>12,.0f} exec/s "
              f"({plain / rates['wire_decoder']:.1f}x the fuzzer's)")  # fmt: skip
    print(f"vectors: {count}, passing: {passing}")
    if args.json:
        document = {"targets": rates, "vectors": count, "vectors_passing": passing}
        if plain is not None:
            document["wire_decoder_uninstrumented"] = plain
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
