"""Executions per second of each fuzz target, and the validation vectors' counts.

    python bench/fuzz.py [--seconds 10] [--targets a,b] [--json FILE]

Each target runs as libFuzzer runs it (`fuzz/fuzz_TARGET.py`, instrumented, a subprocess,
with the flags of its `fuzz/fuzz_TARGET.options`, as `python -m fuzz run` and ClusterFuzzLite
run it) from its generated seeds plus the checked-in seed directories for `--seconds`; the
figure is libFuzzer's own `stat::average_exec_per_sec`, and the table adds the final `cov:` and
`ft:`. The raw decoder's goal is 100,000 exec/s on this machine.

For the decoder, 2,000 fixed mutations of its generated seeds also run in this process:
without atheris (`uninstrumented` exec/s: the decoder's own cost), then with the target's
coverage scope instrumented and atheris's callbacks counted (`events per input`: atheris's
`_trace_branch` and `_trace_cmp` calls, whose cost per call is timed below). The event count
is deterministic, so a reviewer can compare it across machines when exec/s moves with the load.
In this process it also times one call of each coverage callback, atheris's own and
fuzz/fasttrace.c's, and the build of one decoded struct with `rt.slot_init` and with the frozen
dataclass `__init__` it replaced (ns, less the loop's own cost).
The decoder also runs with atheris's own coverage callbacks (`WEBNPU_FUZZ_TRACE=atheris`), for
the same `--seconds`, as the baseline of `fuzz/fasttrace.c`'s (the default's) speed-up.
The vector figures come from the validation vectors' runner (`fuzz.vector_runner.run_all`).
`--json FILE` writes
`{"targets": {NAME: execs_per_second}, "vectors": N, "vectors_passing": N,
"wire_decoder_atheris_callbacks": execs_per_second,
"callback_ns": {"atheris"|"fasttrace": {"branch": ns, "cmp": ns}},
"struct_build_ns": {"dataclass": ns, "slot_init": ns},
"wire_decoder_uninstrumented": execs_per_second, "wire_decoder_events_per_input": N,
"coverage": {NAME: {"cov": N, "ft": N}}, "options": {NAME: [flags]}}`.
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


def fuzz_rate(target: str, seconds: int, trace: str = "fast") -> tuple[float, dict[str, int]]:
    """libFuzzer's exec/s for `target` over `seconds`, and its final `cov:` and `ft:`, with
    atheris's callbacks through `fuzz/fasttrace.c` (`trace="fast"`, what every runner uses)
    or atheris's own (`"atheris"`, the baseline)."""
    from fuzz.cli import fuzz_command
    from fuzz.seeds import seed_dirs, write_seeds

    with tempfile.TemporaryDirectory(prefix=f"bench-fuzz-{target}-") as tmp:
        corpus = Path(tmp) / "corpus"
        write_seeds(target, corpus)
        flags = [f"-max_total_time={seconds}", "-print_final_stats=1", f"-artifact_prefix={tmp}/"]
        command = fuzz_command(target, flags, [corpus, *seed_dirs(target)])
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", WEBNPU_FUZZ_TRACE=trace)
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    output = done.stdout + done.stderr
    if "stat::average_exec_per_sec:" not in output:
        raise SystemExit(f"fuzz_{target} gave no statistics (exit {done.returncode}):\n"
                         f"{output[-3000:]}")  # fmt: skip
    if done.returncode != 0:
        print(f"warning: fuzz_{target} exited {done.returncode} (a finding?)", file=sys.stderr)
    rate = float(output.split("stat::average_exec_per_sec:")[1].split()[0])
    done_line = next((ln for ln in output.splitlines() if "DONE" in ln), "").split()
    coverage = {key: int(done_line[i + 1]) for i, word in enumerate(done_line[:-1])
                for key in ("cov", "ft") if word == f"{key}:"}  # fmt: skip
    return rate, coverage


def decoder_inputs() -> list[bytes]:
    """2,000 fixed mutations (up to 3 random bytes each) of the decoder's generated seeds."""
    import random

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
    return inputs


def decoder_uninstrumented(inputs: list[bytes], seconds: float) -> float:
    """The decoder target's work on `inputs`, without atheris."""
    from fuzz.fuzz_wire_decoder import test_one_input

    runs, end = 0, time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < end:
        for data in inputs:
            test_one_input(data)
        runs += len(inputs)
    return runs / (time.perf_counter() - start)


def decoder_events(inputs: list[bytes]) -> float:
    """Atheris events per input with the decoder target's coverage scope instrumented (in
    place: run it after `decoder_uninstrumented`)."""
    from fuzz.fuzz_wire_decoder import COVERAGE, test_one_input
    from fuzz.harness import count_events, instrument

    instrument(COVERAGE)
    return count_events(test_one_input, inputs)


def per_call_ns(call, calls: int = 300_000) -> float:
    """Nanoseconds per `call()` over `calls`, less the loop's own cost (an empty call)."""

    def loop(function) -> float:
        start = time.perf_counter()
        for _ in range(calls):
            function()
        return (time.perf_counter() - start) / calls * 1e9

    def empty() -> None:
        pass

    return max(0.0, min(loop(call) for _ in range(3)) - min(loop(empty) for _ in range(3)))


def callback_costs() -> dict[str, dict[str, float]]:
    """Nanoseconds per coverage callback, atheris's own (the pybind11 functions of its core
    module) and fuzz/fasttrace.c's bound to that core, in this process. No fuzzing runs here,
    so neither has counters to bump: what differs is the call, which is the point."""
    from fuzz import fasttrace

    extension = fasttrace.load()
    core = fasttrace.load_core(custom_mutator=False, custom_crossover=False)
    extension.bind(core.__file__)
    costs = {}
    for name, module in (("atheris", core), ("fasttrace", extension)):
        branch, cmp = module._trace_branch, module._trace_cmp
        costs[name] = {
            "branch": per_call_ns(lambda branch=branch: branch(5)),
            "cmp": per_call_ns(lambda cmp=cmp: cmp(7, 9, 2, 11, False)),
        }
    return costs


def struct_build_costs() -> dict[str, float]:
    """Nanoseconds to build a decoded `NPUBufferDescriptor` (4 fields) with the generated
    class's `rt.slot_init` constructor and with the frozen dataclass `__init__` it replaced
    (the same fields, made here)."""
    import dataclasses

    from python_service.generated.wire import NPUBufferDescriptor as fast

    fields = [(f.name, f.type) for f in dataclasses.fields(fast)]
    plain = dataclasses.make_dataclass("Plain", fields, frozen=True, slots=True)
    return {
        "dataclass": per_call_ns(lambda: plain("a", 16, None, 3)),
        "slot_init": per_call_ns(lambda: fast("a", 16, None, 3)),
    }


def main() -> int:
    from fuzz.cli import options, targets
    from fuzz.vector_runner import run_all

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--targets", help="comma-separated (default: all)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    names = args.targets.split(",") if args.targets else targets()
    runs = {name: fuzz_rate(name, args.seconds) for name in names}
    rates = {name: rate for name, (rate, _) in runs.items()}
    plain = events = stock = callbacks = builds = None
    if "wire_decoder" in names:
        stock, _ = fuzz_rate("wire_decoder", args.seconds, trace="atheris")
        callbacks, builds = callback_costs(), struct_build_costs()
        inputs = decoder_inputs()
        plain = decoder_uninstrumented(inputs, min(args.seconds, 5))
        events = decoder_events(inputs)  # instruments this process: last
    count, passing = run_all()
    print(f"{'target':<18}{'exec/s':>12}{'goal':>12}{'goal met':>10}{'cov':>8}{'ft':>8}  options")
    for name, (rate, coverage) in runs.items():
        goal = GOAL.get(name)
        met = "-" if goal is None else ("yes" if rate >= goal else "NO")
        print(f"{name:<18}{rate:>12,.0f}{'' if goal is None else f'{goal:,}':>12}{met:>10}"
              f"{coverage.get('cov', '?'):>8}{coverage.get('ft', '?'):>8}  "
              f"{' '.join(options(name)) or '-'}")  # fmt: skip
    if stock is not None:
        print(f"{'wire_decoder, atheris callbacks':<34}{stock:>12,.0f} exec/s "
              f"(fuzz/fasttrace.c: {rates['wire_decoder'] / stock:.2f}x that)")  # fmt: skip
    if callbacks is not None and builds is not None:
        for kind in ("branch", "cmp"):
            print(f"{'_trace_' + kind + ', ns per call':<34}"
                  f"{callbacks['atheris'][kind]:>12.0f} atheris's, "
                  f"{callbacks['fasttrace'][kind]:.0f} fasttrace's")  # fmt: skip
        print(f"{'decoded 4-field struct, ns':<34}{builds['dataclass']:>12.0f} dataclass "
              f"__init__, {builds['slot_init']:.0f} rt.slot_init")  # fmt: skip
    if plain is not None:
        print(f"{'wire_decoder, no instrumentation':<34}{plain:>12,.0f} exec/s "
              f"({plain / rates['wire_decoder']:.1f}x the fuzzer's)")  # fmt: skip
        print(f"{'wire_decoder, instrumented events':<34}{events:>12.1f} per input "
              "(atheris callbacks on the seeds' 2,000 mutations; machine-independent)")  # fmt: skip
    print(f"vectors: {count}, passing: {passing}")
    if args.json:
        document = {"targets": rates, "vectors": count, "vectors_passing": passing,
                    "coverage": {name: coverage for name, (_, coverage) in runs.items()},
                    "options": {name: options(name) for name in names}}  # fmt: skip
        if stock is not None:
            document["wire_decoder_atheris_callbacks"] = stock
            document["callback_ns"] = callbacks
            document["struct_build_ns"] = builds
        if plain is not None:
            document["wire_decoder_uninstrumented"] = plain
            document["wire_decoder_events_per_input"] = events
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
