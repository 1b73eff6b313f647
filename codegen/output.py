"""Generated files: write only what changed, report drift, and write gn/make depfiles.

Targets return `OutputFile`s (a path relative to the output directory and the exact bytes);
nothing here knows what any target generates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OutputFile:
    path: str  # POSIX path relative to the output directory
    content: bytes


def write_outputs(outdir: Path, outputs: Iterable[OutputFile]) -> list[str]:
    """Write each output whose bytes differ from what is on disk; return the paths written.

    Unchanged files keep their modification time, so build systems do not rebuild their users.
    """
    written = []
    for out in outputs:
        target = outdir / out.path
        if target.is_file() and target.read_bytes() == out.content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(out.content)
        tmp.replace(target)  # atomic: a reader never sees half a file
        written.append(out.path)
    return written


def drifted(outdir: Path, outputs: Iterable[OutputFile]) -> list[tuple[str, str]]:
    """(path, why) for each output whose checked-in copy is missing or differs."""
    result = []
    for out in outputs:
        target = outdir / out.path
        if not target.is_file():
            result.append((out.path, "missing"))
        elif target.read_bytes() != out.content:
            result.append((out.path, "differs from what the generator writes"))
    return result


def _escape(path: str) -> str:
    return path.replace("\\", "\\\\").replace(" ", "\\ ").replace("#", "\\#").replace("$", "$$")


def depfile_text(outputs: Sequence[str], inputs: Sequence[str]) -> str:
    """Make-syntax depfile: every output depends on every input (gn reads the first target)."""
    head = " ".join(_escape(o) for o in outputs)
    deps = " \\\n  ".join(_escape(i) for i in inputs)
    return f"{head}: \\\n  {deps}\n"
