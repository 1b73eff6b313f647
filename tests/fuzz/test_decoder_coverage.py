"""What the raw decoder target instruments, and the libFuzzer options every runner applies.

The decoder's coverage comes from the decode path only (`fuzz_wire_decoder.COVERAGE`): the
canonical check's encoder and the harness are not traced, so each input pays for far fewer
atheris callbacks (fuzz/README.md). Instrumenting patches code in place, so those checks run
in a child process. The `.options` file must reach libFuzzer however the target is started:
`python -m fuzz run` and bench/fuzz.py (`fuzz_command`) and the OSS-Fuzz build (which
tests/fuzz/test_bundle.py builds and runs for real).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from fuzz.cli import fuzz_command, options
from tests.fuzz.support import ROOT, require_atheris

# Events per input on bench/fuzz.py's 2,000 seed mutations: 33.1 when this was written (46.3
# before the generated decoders checked their fixed parts inline), 86
# with whole-package instrumentation (the encoder and the harness traced too).
EVENT_BUDGET = 37

CHILD = textwrap.dedent(
    """
    import json, sys
    from fuzz import fuzz_wire_decoder as target
    from fuzz.harness import count_events, instrument, is_instrumented
    from python_service.generated import wire as gen
    from python_service.wire import runtime as rt
    import importlib.util
    # bench/fuzz.py's 2,000 seed mutations: the figure its table prints.
    spec = importlib.util.spec_from_file_location("bench_fuzz", "bench/fuzz.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    inputs = bench.decoder_inputs()
    instrument(target.COVERAGE)
    probes = {
        "MessageReader.next_message": rt.MessageReader.next_message,
        "MessageReader.fixed": rt.MessageReader.fixed,
        "check_flags": rt.check_flags,
        "read_message": gen.read_message,
        "NPUQueueReadBuffer.decode": gen.NPUQueueReadBuffer.decode,
        "command_validator.resolve": target.cv.resolve,
        "MessageWriter.fixed": rt.MessageWriter.fixed,
        "MessageWriter.finish": rt.MessageWriter.finish,
        "NPUQueueReadBuffer.encode": gen.NPUQueueReadBuffer.encode,
        "harness decode": target.decode,
        "harness _check_canonical": target._check_canonical,
    }
    print(json.dumps({
        "instrumented": {name: is_instrumented(f) for name, f in probes.items()},
        "events": count_events(target.test_one_input, inputs),
    }))
    """
)


def child_report() -> dict:
    require_atheris()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_the_decode_path_is_traced_and_the_oracle_is_not():
    report = child_report()
    traced = report["instrumented"]
    assert traced == {
        "MessageReader.next_message": True,
        "MessageReader.fixed": True,
        "check_flags": True,
        "read_message": True,
        "NPUQueueReadBuffer.decode": True,
        "command_validator.resolve": True,
        "MessageWriter.fixed": False,
        "MessageWriter.finish": False,
        "NPUQueueReadBuffer.encode": False,
        "harness decode": False,
        "harness _check_canonical": False,
    }
    assert report["events"] <= EVENT_BUDGET, (
        f"{report['events']:.1f} atheris events per input, budget {EVENT_BUDGET}: is the "
        "encoder or the harness traced again, or did the reader's hot path grow?"
    )


def test_decoder_options_reach_libfuzzer_before_the_callers_flags():
    assert options("wire_decoder") == ["-max_len=512"]
    assert options("graph") == []  # no file: no flags
    command = fuzz_command("wire_decoder", ["-max_len=64"], [])
    # libFuzzer keeps the last value of a flag: the caller's override the file's.
    assert command.index("-max_len=512") < command.index("-max_len=64")
