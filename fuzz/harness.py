"""What every fuzz target shares: instrumentation, the libFuzzer entry, and what a finding is.

A target module defines `test_one_input(data: bytes)`; inputs whose failure is a documented,
expected error (a `BadMessage`, a `GraphError`, a `ModelError`, an `IdlError`...) return
normally, and anything else propagates, which libFuzzer records as a crash (a *finding*).
`Finding` is raised for a broken invariant the harness checks itself (a service answer that
should not be), so a reviewer sees why in the first line of the report.

Coverage feedback (what atheris instruments) is declared per target, in one of two ways:

- `with instrumented():` around the imports: every module of `python_service`, `codegen` and
  `fuzz` loaded inside the block gets atheris's tracing (the default; whole packages);
- `instrument(SCOPE)` after plain imports: exactly the functions in `SCOPE` (a class stands
  for the functions it defines) are traced. For a target whose per-input work is small, such as
  the raw wire decoder, the tracing is a large part of the cost: atheris calls `_trace_branch`
  at every basic block and `_trace_cmp` for every comparison, ~100 and ~150 ns through
  atheris's pybind11 functions, ~6 and ~35 ns through `fuzz/fasttrace.c` (what `fuzz()` installs;
  bench/fuzz.py prints these). Feedback
  from the harness itself or from an oracle it calls (the encoder behind the canonical
  re-encode check) guides nothing and costs as much, so such a target names the code under
  test only.

Kept free of project imports: `instrumented()` must wrap them, so atheris can add coverage
feedback to their bytecode as they load.
"""

from __future__ import annotations

import contextlib
import operator
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The packages atheris instruments: the code under test, not the standard library or numpy.
INSTRUMENTED = ("python_service", "codegen", "fuzz")
# The comparison `_trace_cmp` stands for, by its `op` argument shifted right by atheris's
# CMP_OP_SHIFT_AMOUNT (the COMPARE_OP argument's encoding on this Python): `dis.cmp_op`'s order.
COMPARE_OPS = (operator.lt, operator.le, operator.eq, operator.ne, operator.gt, operator.ge)


class Finding(AssertionError):  # noqa: N818 (a finding, as reviewers call it)
    """A service invariant the harness checks was broken: always a bug, never expected."""


def data_root() -> Path:
    """Where the checked-in data files are: the repository, or PyInstaller's unpack dir when
    the target runs as an OSS-Fuzz build (compile_python_fuzzer bundles them there)."""
    return Path(getattr(sys, "_MEIPASS", ROOT))


def is_fuzzer() -> bool:
    """Whether this process fuzzes (its program is a `fuzz_*` script or binary) with atheris
    installed; the replay CLI and the regression tests import the same modules plainly."""
    if not Path(sys.argv[0]).name.startswith("fuzz_"):
        return False
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def instrumented() -> Iterator[None]:
    """Imports inside this block get coverage instrumentation when this process is a fuzzer."""
    if not is_fuzzer():
        yield
        return
    import atheris

    with atheris.instrument_imports(include=list(INSTRUMENTED)):
        yield


def scope_functions(scope: Iterable[object]) -> list[types.FunctionType]:
    """The plain functions `scope` names: functions as given; a class's own functions
    (methods, classmethods, staticmethods; not inherited ones); a classmethod as its function."""
    found: list[types.FunctionType] = []
    for item in scope:
        if isinstance(item, type):
            members = [m.__func__ if isinstance(m, (classmethod, staticmethod)) else m
                       for m in vars(item).values()]  # fmt: skip
            found += [m for m in members if isinstance(m, types.FunctionType)]
        elif isinstance(item, types.MethodType):  # `Cls.decode` of a classmethod
            found.append(item.__func__)
        elif isinstance(item, types.FunctionType):
            found.append(item)
        else:
            raise TypeError(f"cannot instrument {item!r}: not a function or a class")
    return list(dict.fromkeys(found))  # once each, in order


def instrument(scope: Iterable[object]) -> int:
    """Add atheris's coverage tracing to exactly the functions in `scope` (`scope_functions`),
    patching their code in place so every caller runs the traced code; the count patched.

    Unconditional (bench/fuzz.py counts events with it): a target calls it under
    `is_fuzzer()`. Atheris skips code it has already instrumented.
    """
    import atheris

    functions = scope_functions(scope)
    for function in functions:
        atheris.instrument_func(function)
    return len(functions)


def fuzz(
    test_one_input: Callable[[bytes], None],
    *,
    custom_mutator: Callable[[bytes, int, int], bytes] | None = None,
    custom_crossover: Callable[[bytes, bytes, int, int], bytes] | None = None,
    argv: list[str] | None = None,
) -> None:
    """Hand the target to libFuzzer; libFuzzer's flags come from the command line. The
    instrumented code calls atheris's callbacks through `fuzz.fasttrace` from here on."""
    import atheris

    from fuzz import fasttrace

    kwargs = {}
    if custom_mutator is not None:
        kwargs["custom_mutator"] = custom_mutator
    if custom_crossover is not None:
        kwargs["custom_crossover"] = custom_crossover
    atheris.Setup(list(sys.argv if argv is None else argv), test_one_input, **kwargs)
    message = fasttrace.install(
        custom_mutator=custom_mutator is not None, custom_crossover=custom_crossover is not None
    )
    print(message, file=sys.stderr, flush=True)
    atheris.Fuzz()


def is_instrumented(function: Callable[..., object]) -> bool:
    """Whether atheris has patched `function`'s code (it marks what it patched)."""
    code = getattr(function, "__func__", function).__code__
    return "__ATHERIS_INSTRUMENTED__" in code.co_consts


def count_events(test_one_input: Callable[[bytes], None], inputs: Sequence[bytes]) -> float:
    """Atheris events (`_trace_branch` and `_trace_cmp` calls) per input over `inputs`, with
    counters in place of atheris's callbacks: a figure that, unlike exec/s, does not depend on
    the machine or its load. Run it after `instrument`, outside libFuzzer."""
    import atheris
    from atheris.version_dependent import CMP_OP_SHIFT_AMOUNT

    events = 0

    def branch(_index: int) -> None:
        nonlocal events
        events += 1

    def cmp(left: object, right: object, op: int, _index: int, _const: bool = False) -> object:
        nonlocal events
        events += 1
        return COMPARE_OPS[op >> CMP_OP_SHIFT_AMOUNT](left, right)

    saved = atheris._trace_branch, atheris._trace_cmp
    atheris._trace_branch, atheris._trace_cmp = branch, cmp
    try:
        for data in inputs:
            test_one_input(data)
    finally:
        atheris._trace_branch, atheris._trace_cmp = saved
    return events / len(inputs)
