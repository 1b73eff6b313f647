"""Re-anchoring: read the upstream context of each registration from a browser checkout.

    python -m codegen.browser_patches.anchor chromium PATH REVISION [idl/webnpu.idl]

edits the files of the checkout in memory with the in-tree mode's list editor, diffs each
against the original, and stores the three lines of context around every insertion, with the
line it starts at, in patches/upstream_context/<browser>.json (only the files found in PATH are
replaced, so a maintainer can re-anchor one file from a partial checkout). Then regenerate.
"""

from __future__ import annotations

import difflib
import json
import sys
from dataclasses import replace
from pathlib import Path

from codegen.browser_patches import registrations as reg
from codegen.browser_patches.lists import ListEdit, apply_edit
from codegen.browser_patches.series import ANCHORS, CHROMIUM, FIREFOX, REPO

CONTEXT = 3


def _lines(text: str) -> list[str]:
    """The file's lines; the final newline ends the last line rather than starting another."""
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _insertions(old: list[str], new: list[str], path: str) -> list[tuple[int, list[str]]]:
    """(index in `old`, inserted lines) for each run `new` adds; anything else is a bug."""
    runs = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "insert":
            raise ValueError(f"{path}: the edit changed existing lines ({tag})")
        runs.append((i1, new[j1:j2]))
    return runs


def _settle(old: list[str], at: int, run: list[str], first: str) -> int:
    """Where `run` was inserted, as the editor inserted it: a diff may show an insertion of
    block lines that repeat their neighbours (`{`, `},`, blank lines) shifted by a line or
    two; slide it until it starts with the entry's first line."""
    for _ in range(len(run) + 1):
        if run[0].strip() == first.strip():
            return at
        if at > 0 and run[-1] == old[at - 1]:
            at, run = at - 1, [old[at - 1], *run[:-1]]
        elif at < len(old) and run[0] == old[at]:
            at, run = at + 1, [*run[1:], old[at]]
        else:
            break
    raise ValueError(f"cannot locate the insertion of {first!r}")


def hunks_for(original: str, edit: ListEdit) -> list[dict]:
    """Stored hunks for one edit: the context around each place entries go, and the entries
    in the order they appear there."""
    old = _lines(original)
    full = _lines(apply_edit(original, edit))
    position: dict[str, tuple[int, int]] = {}  # key -> (index in old, index in the result)
    for entry in edit.entries:
        single = _lines(apply_edit(original, replace(edit, entries=(entry,))))
        runs = _insertions(old, single, edit.path)
        if not runs:
            continue  # already upstream
        ((at, run),) = runs
        first = next(line for line in entry.lines if line.strip())
        if edit.kind == "bracket":
            first = f'"{entry.key}",'
        position[entry.key] = (_settle(old, at, run, first), _first_index(full, first))
    result = []
    for at in sorted({i for i, _ in position.values()}):
        start = max(0, at - CONTEXT)
        keys = sorted(
            (k for k, (i, _) in position.items() if i == at), key=lambda k: position[k][1]
        )
        result.append(
            {
                "list": edit.name,
                "entries": keys,
                "line": start + 1,
                "before": old[start:at],
                "after": old[at : at + CONTEXT],
            }
        )
    return result


def _first_index(lines: list[str], first: str) -> int:
    return next(i for i, line in enumerate(lines) if line.strip() == first.strip())


def anchor(browser: str, src: Path, revision: str, outputs: dict[str, bytes]) -> Path:
    spec = CHROMIUM if browser == "chromium" else FIREFOX
    edits = reg.chromium_edits(outputs) if spec is CHROMIUM else reg.gecko_edits(outputs)
    target = REPO / ANCHORS / spec.anchors
    stored = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {"files": []}
    files = {f["path"]: f for f in stored["files"]}
    for path in sorted({e.path for e in edits}):
        if not (src / path).is_file():
            continue
        text = (src / path).read_text(encoding="utf-8")
        hunks = [h for e in edits if e.path == path for h in hunks_for(text, e)]
        files[path] = {"path": path, "revision": revision, "hunks": hunks}
    stored["files"] = [files[p] for p in sorted(files)]
    stored.setdefault(
        "repository", "chromium/chromium" if spec is CHROMIUM else "mozilla/gecko-dev"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    from codegen.pipeline import load
    from codegen.targets.context import Context
    from codegen.targets.patches import browser_outputs

    browser, src, revision, *idl = argv
    result = load(idl or ["idl/webnpu.idl"], platform=True, build=True, werror=False)
    assert result.model is not None
    outputs = browser_outputs(result.model, Context(Path("."), "webnpu"))
    print(anchor(browser, Path(src), revision, outputs))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
