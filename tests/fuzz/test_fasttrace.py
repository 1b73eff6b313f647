"""`fuzz/fasttrace.c`: atheris's coverage callbacks without pybind11 must give libFuzzer
exactly the feedback atheris's own give, only faster.

Two checks. The decoder's whole seed corpus, run once under each, must give libFuzzer the
same edges and features (with the value profile too, which turns comparison operands into
features). And a probe that only both feedbacks together can solve (`fuzz_feedback_probe.py`:
a prefix behind branches, a 64-bit number behind a comparison) must be solved by the same run:
for a fixed `-seed`, libFuzzer on a deterministic target takes the same path input by input, so
a callback that dropped, moved or duplicated one counter or one comparison operand would change
which inputs it kept, and so when and with which input it finds the number. (The decoder
target itself is not deterministic enough for that: two runs of atheris's own callbacks with
the same seed already end with different corpora.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from tests.fuzz.support import ROOT, require_atheris

PROBE = Path(__file__).with_name("fuzz_feedback_probe.py")


def libfuzzer(program: Path, trace: str, flags: list[str], tmp: Path) -> str:
    require_atheris()
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", WEBNPU_FUZZ_TRACE=trace)
    command = [sys.executable, str(program), "-seed=1", "-print_final_stats=1",
               f"-artifact_prefix={tmp}/", *flags]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return done.stdout + done.stderr


@pytest.mark.parametrize("value_profile", [0, 1])
def test_decoder_corpus_gives_the_same_coverage(tmp_path: Path, value_profile: int) -> None:
    """Every seed of the decoder (generated, wire traces, regressions) run once (`-runs=0`):
    the same edges and features from both callbacks; with `-use_value_profile=1` the features
    include the comparisons' operands."""
    from fuzz.cli import options
    from fuzz.seeds import seed_dirs, write_seeds

    corpus = tmp_path / "corpus"
    write_seeds("wire_decoder", corpus)
    dirs = [str(d) for d in (corpus, *seed_dirs("wire_decoder"))]
    flags = [*options("wire_decoder"), "-runs=0", f"-use_value_profile={value_profile}", *dirs]
    program = ROOT / "fuzz" / "fuzz_wire_decoder.py"
    found = {}
    for trace in ("fast", "atheris"):
        output = libfuzzer(program, trace, flags, tmp_path)
        inited = re.search(r"^#(\d+)\s+INITED\s+cov: (\d+) ft: (\d+) corp: (\S+)", output, re.M)
        assert inited, output[-3000:]
        found[trace] = inited.groups()
        said = "through fuzz/fasttrace.c" if trace == "fast" else "atheris's own coverage"
        assert said in output, output[-3000:]
    assert found["fast"] == found["atheris"]
    assert int(found["fast"][1]) > 400  # edges: the decoder was really traced


def test_probe_found_identically(tmp_path: Path) -> None:
    found = {}
    for trace in ("fast", "atheris"):
        work = tmp_path / trace
        work.mkdir()
        output = libfuzzer(PROBE, trace, ["-runs=3000000"], work)
        crashes = list(work.glob("crash-*"))
        assert len(crashes) == 1, f"{trace}: the probe was not solved\n{output[-3000:]}"
        assert crashes[0].read_bytes().startswith(b"WNPU"), output[-3000:]
        executed = re.search(r"^stat::number_of_executed_units: (\d+)", output, re.M)
        found[trace] = (crashes[0].name, int(executed[1]))
    assert found["fast"] == found["atheris"]


def test_unbound_callbacks_compare_and_check_arguments() -> None:
    """Before `bind()` (before fuzzing), a comparison is only evaluated, with the COMPARE_OP
    argument's encoding on this Python; malformed calls raise instead of reading garbage."""
    require_atheris()
    from atheris.version_dependent import CMP_OP_SHIFT_AMOUNT

    from fuzz import fasttrace
    from fuzz.harness import COMPARE_OPS

    ext = fasttrace.load()
    assert not ext.is_bound()
    pairs = [(1, 2), (2, 2), (3, 2), (b"ab", b"ab"), ("a", "b"), (2**70, 1), (1.5, 1)]
    for left, right in pairs:
        for index, op in enumerate(COMPARE_OPS):
            got = ext._trace_cmp(left, right, index << CMP_OP_SHIFT_AMOUNT, 7, False)
            assert got == op(left, right), (left, op, right)
    assert ext._trace_branch(5) is None
    with pytest.raises(TypeError):
        ext._trace_branch("5")
    with pytest.raises(OverflowError):
        ext._trace_branch(-1)
    with pytest.raises(TypeError, match="takes 5 arguments, 3 given"):
        ext._trace_cmp(1, 2, 2)
    with pytest.raises(TypeError):
        ext._trace_cmp(1, 2, "==", 0, False)
    with pytest.raises(ImportError, match="is not loaded"):
        ext.bind("/nonexistent/core.so")


def test_retarget_reaches_nested_code() -> None:
    """Every `atheris` constant, in inner functions and genexprs too, and nothing else."""
    require_atheris()
    import atheris

    from fuzz import fasttrace

    def outer(values: list[int]) -> int:
        def inner(v: int) -> int:
            return v + 1 if v > 2 else v

        return sum(inner(v) for v in values if v != 3)

    plain = outer.__code__
    atheris.instrument_func(outer)
    assert outer([1, 3, 4]) == 6
    new = fasttrace.retarget_code(outer.__code__, atheris, fasttrace.CALLBACKS)

    def constants(code: types.CodeType) -> list[object]:
        found = list(code.co_consts)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                found += constants(const)
        return found

    assert any(c is atheris for c in constants(outer.__code__))
    assert not any(c is atheris for c in constants(new))
    assert sum(c is fasttrace.CALLBACKS for c in constants(new)) == sum(
        c is atheris for c in constants(outer.__code__)
    )
    assert fasttrace.retarget_code(plain, atheris, fasttrace.CALLBACKS) is plain


def test_missing_compiler_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fuzz import fasttrace

    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.raises(fasttrace.FastTraceUnavailable) as error:
        fasttrace.build(tmp_path / "x.so")
    message = str(error.value)
    assert "apt-get install gcc" in message and "WEBNPU_FUZZ_TRACE=atheris" in message
    assert not list(tmp_path.iterdir())


def test_unknown_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from fuzz import fasttrace

    monkeypatch.setenv("WEBNPU_FUZZ_TRACE", "pybind")
    with pytest.raises(fasttrace.FastTraceUnavailable, match="expected one of fast, atheris"):
        fasttrace.install()


def test_custom_mutator_and_crossover_still_reach_libfuzzer(tmp_path: Path) -> None:
    """libFuzzer binds the custom mutator and crossover when atheris's core loads; loading
    the core for the extension before atheris's `custom_mutator` module made it fuzz without
    them, silently (the structure-aware target then never found its planted bug)."""
    from fuzz.seeds import write_seeds

    corpus = tmp_path / "corpus"
    write_seeds("service_actions", corpus)
    program = ROOT / "fuzz" / "fuzz_service_actions.py"
    output = libfuzzer(program, "fast", ["-runs=60", str(corpus)], tmp_path)
    assert "through fuzz/fasttrace.c" in output, output[-3000:]
    assert "found LLVMFuzzerCustomMutator" in output, output[-3000:]
    used = set(re.findall(r"MS: \d+ (\S+)", output))
    mutations = {step for chain in used for step in chain.split("-") if step}
    assert {"Custom", "CustomCrossOver"} <= mutations, sorted(mutations)
