"""What every fuzz target shares: instrumentation, the libFuzzer entry, and what a finding is.

A target module defines `test_one_input(data: bytes)`; inputs whose failure is a documented,
expected error (a `BadMessage`, a `GraphError`, a `ModelError`, an `IdlError`...) return
normally, and anything else propagates, which libFuzzer records as a crash (a *finding*).
`Finding` is raised for a broken invariant the harness checks itself (a service answer that
should not be), so a reviewer sees why in the first line of the report.

Kept free of project imports: `instrumented()` must wrap them, so atheris can add coverage
feedback to their bytecode as they load.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The packages atheris instruments: the code under test, not the standard library or numpy.
INSTRUMENTED = ("python_service", "codegen", "fuzz")


class Finding(AssertionError):  # noqa: N818 (a finding, as reviewers call it)
    """A service invariant the harness checks was broken: always a bug, never expected."""


def data_root() -> Path:
    """Where the checked-in data files are: the repository, or PyInstaller's unpack dir when
    the target runs as an OSS-Fuzz build (compile_python_fuzzer bundles them there)."""
    return Path(getattr(sys, "_MEIPASS", ROOT))


@contextlib.contextmanager
def instrumented() -> Iterator[None]:
    """Imports inside this block get coverage instrumentation when this process is a fuzzer
    (its program is a `fuzz_*` script or binary); the replay CLI and the regression tests
    import the same modules plainly."""
    if not Path(sys.argv[0]).name.startswith("fuzz_"):
        yield
        return
    try:
        import atheris
    except ImportError:
        yield
        return
    with atheris.instrument_imports(include=list(INSTRUMENTED)):
        yield


def fuzz(
    test_one_input: Callable[[bytes], None],
    *,
    custom_mutator: Callable[[bytes, int, int], bytes] | None = None,
    custom_crossover: Callable[[bytes, bytes, int, int], bytes] | None = None,
    argv: list[str] | None = None,
) -> None:
    """Hand the target to libFuzzer; libFuzzer's flags come from the command line."""
    import atheris

    kwargs = {}
    if custom_mutator is not None:
        kwargs["custom_mutator"] = custom_mutator
    if custom_crossover is not None:
        kwargs["custom_crossover"] = custom_crossover
    atheris.Setup(list(sys.argv if argv is None else argv), test_one_input, **kwargs)
    atheris.Fuzz()


def quiet_service_logs() -> None:
    """Dropping a client logs a warning per bad message: millions of lines in a fuzz run."""
    import logging

    logging.getLogger("python_service").setLevel(logging.ERROR)
