"""Atheris's coverage callbacks without pybind11: build `fasttrace.c`, point instrumented code
at it, and bind it to atheris's core before fuzzing starts.

Why: atheris's instrumentation calls `atheris._trace_branch(counter)` at every basic block and
`atheris._trace_cmp(...)` for every comparison, and both are pybind11 functions. pybind11's
argument dispatch costs most of a call (bench/fuzz.py times both: ~100 against ~6 ns per
branch, ~150 against ~35 per comparison, on a quiet machine), so for a target whose
per-input work is a few microseconds of Python (the raw wire decoder: ~33 callbacks an input)
it is a large part of every execution.
`fasttrace.c` defines the same two callbacks as plain CPython functions that call the C++
functions atheris's wrappers call (`atheris::_trace_branch`, `atheris::TraceCompareOp`): the
same counters, the same comparison operands and fake PCs reach libFuzzer, at a fraction of the
cost (`tests/fuzz/test_fasttrace.py` checks libFuzzer sees the same coverage from both;
`bench/fuzz.py` prints the two rates side by side).

How: atheris's instrumented bytecode loads the `atheris` module as a constant and looks the
callback up on it (`LOAD_CONST atheris; LOAD_ATTR _trace_branch`). `install()` replaces that
constant, in every instrumented function, with `CALLBACKS`, a module whose two attributes are
this extension's functions; atheris's `Fuzz()`, which rebinds `atheris._trace_branch` to its
core's pybind11 function, no longer matters to that code. Code instrumented later, or missed,
still calls atheris's own callbacks, which update the same counters: slower, never wrong.

`WEBNPU_FUZZ_TRACE=atheris` keeps atheris's own callbacks (to compare, or where no C compiler
is available); the default, `fast`, fails with instructions when the extension cannot be built.
The extension is compiled once per source digest and Python ABI into `build/fasttrace/`;
an OSS-Fuzz build compiles it there first and bundles it (fuzz/oss_fuzz_build.sh).
"""

from __future__ import annotations

import gc
import hashlib
import importlib.machinery
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import types
from pathlib import Path

from fuzz.harness import data_root

ENV = "WEBNPU_FUZZ_TRACE"
MODES = ("fast", "atheris")
MODULE = "_fasttrace"
SOURCE = "fuzz/fasttrace.c"
# What instrumented code calls once `install()` has retargeted it.
CALLBACKS = types.ModuleType("fuzz.fasttrace.callbacks", "atheris's callbacks, at C speed")


class FastTraceUnavailable(RuntimeError):
    """The extension cannot be built or bound; the message says what to install or set."""


def mode() -> str:
    chosen = os.environ.get(ENV, "fast")
    if chosen not in MODES:
        raise FastTraceUnavailable(f"{ENV}={chosen!r}: expected one of {', '.join(MODES)}")
    return chosen


def source() -> Path:
    return data_root() / SOURCE


def library_path() -> Path:
    """Where the extension built from this source for this Python lives."""
    digest = hashlib.sha256(source().read_bytes()).hexdigest()[:16]
    return data_root() / "build" / "fasttrace" / f"{MODULE}-{digest}{_ext_suffix()}"


def _ext_suffix() -> str:
    return sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def compiler() -> list[str]:
    """The C compiler Python was built with (`CC`, as setuptools uses), else `cc`."""
    return shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")


def build(path: Path | None = None) -> Path:
    """Compile the extension to `path` (default `library_path()`), atomically: fuzzers that
    start together may build it at the same time."""
    path = path or library_path()
    cc = compiler()
    if not cc or shutil.which(cc[0]) is None:
        raise FastTraceUnavailable(
            f"no C compiler ({' '.join(cc) or 'CC is empty'}) to build {source()}: install one "
            f"(Debian: apt-get install gcc; bash scripts/test.sh does it), or set {ENV}=atheris "
            "to fuzz with atheris's own (slower) callbacks"
        )
    include = Path(sysconfig.get_paths()["include"])
    if not (include / "Python.h").is_file():
        raise FastTraceUnavailable(
            f"no Python.h in {include} to build {source()}: install this Python's headers "
            f"(Debian: apt-get install python3-dev), or set {ENV}=atheris"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        partial = Path(tmp) / path.name
        command = [*cc, "-O2", "-fPIC", "-shared", "-Wall", "-Werror", f"-I{include}",
                   str(source()), "-o", str(partial), "-ldl"]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise FastTraceUnavailable(
                f"building {source()} failed ({shlex.join(command)}):\n{done.stderr.strip()}"
            )
        os.replace(partial, path)
    for stale in path.parent.glob(f"{MODULE}-*{_ext_suffix()}"):
        if stale != path:  # built from an older source; a process using it keeps its mapping
            stale.unlink(missing_ok=True)
    return path


def load() -> types.ModuleType:
    """The extension, built first if this source has not been built for this Python."""
    if MODULE in sys.modules:
        return sys.modules[MODULE]
    path = library_path()
    if not path.is_file():
        if getattr(sys, "frozen", False):
            raise FastTraceUnavailable(f"{path.name} is not in this bundle (oss_fuzz_build.sh)")
        build(path)
    loader = importlib.machinery.ExtensionFileLoader(MODULE, str(path))
    spec = importlib.util.spec_from_file_location(MODULE, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[MODULE] = module
    from atheris.version_dependent import CMP_OP_SHIFT_AMOUNT

    module.set_compare_shift(CMP_OP_SHIFT_AMOUNT)
    return module


def retarget_code(code: types.CodeType, old: object, new: object) -> types.CodeType:
    """`code` with the constant `old` replaced by `new`, in nested code objects too (atheris
    instruments the genexprs and inner functions a function defines)."""
    consts = tuple(
        new if const is old
        else retarget_code(const, old, new) if isinstance(const, types.CodeType)
        else const
        for const in code.co_consts
    )  # fmt: skip
    if all(a is b for a, b in zip(consts, code.co_consts, strict=True)):
        return code
    return code.replace(co_consts=consts)


def retarget_all() -> int:
    """Point every live function whose code loads the `atheris` module at `CALLBACKS`; the
    count retargeted. Functions made later from a retargeted function's nested code (closures,
    genexprs) inherit it."""
    import atheris

    count = 0
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType):
            code = retarget_code(obj.__code__, atheris, CALLBACKS)
            if code is not obj.__code__:
                obj.__code__ = code
                count += 1
    return count


def load_core(*, custom_mutator: bool, custom_crossover: bool) -> types.ModuleType:
    """Load the atheris core module `atheris.Fuzz()` will use, as `Fuzz()` loads it.

    Atheris's rule: the core without libFuzzer when libFuzzer is already in the process. Its
    order matters: libFuzzer finds a custom mutator and crossover through weak symbols
    (`LLVMFuzzerCustomMutator`...) bound when the core loads, so `Fuzz()` first loads atheris's
    `custom_mutator` / `custom_crossover` modules, which define them, with `RTLD_GLOBAL`. The
    core loaded before them would bind those symbols to nothing, and libFuzzer would silently
    fuzz without the target's mutator. (`Fuzz()` finds all of these already imported.)
    """
    import importlib

    import atheris

    for wanted, name in (
        (custom_mutator, "custom_mutator"),
        (custom_crossover, "custom_crossover"),
    ):
        if wanted:
            flags = sys.getdlopenflags()
            sys.setdlopenflags(flags | os.RTLD_GLOBAL)
            try:
                importlib.import_module(f"atheris.{name}")
            finally:
                sys.setdlopenflags(flags)
    preloaded = atheris.native.libfuzzer_is_loaded()
    name = "atheris.core_without_libfuzzer" if preloaded else "atheris.core_with_libfuzzer"
    return importlib.import_module(name)


def install(*, custom_mutator: bool = False, custom_crossover: bool = False) -> str:
    """Just before `atheris.Fuzz`: build and bind the extension, retarget the instrumented
    code; a line saying which callbacks the run uses. Say whether the target has a custom
    mutator or crossover (`load_core` says why)."""
    if mode() == "atheris":
        return f"INFO: {ENV}=atheris: atheris's own coverage callbacks"
    extension = load()
    CALLBACKS._trace_branch = extension._trace_branch
    CALLBACKS._trace_cmp = extension._trace_cmp
    core = load_core(custom_mutator=custom_mutator, custom_crossover=custom_crossover)
    extension.bind(core.__file__)
    count = retarget_all()
    return f"INFO: {count} instrumented functions call atheris's callbacks through {SOURCE}"


def main(argv: list[str] | None = None) -> int:
    """`python -m fuzz.fasttrace build`: compile the extension if needed, print its path
    (fuzz/oss_fuzz_build.sh bundles it)."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["build"]:
        print("usage: python -m fuzz.fasttrace build", file=sys.stderr)
        return 2
    path = library_path()
    print(path if path.is_file() else build(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
