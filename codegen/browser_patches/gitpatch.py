"""git-format patches (`git format-patch` output, `git am`-able), built without a repository.

Everything that would vary between runs is fixed: the author, the date, and the `From <sha>`
line (a hash of the patch's own content, as a commit id would be), so the same inputs give the
same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

AUTHOR = "WebNPU code generator <webnpu-codegen@users.noreply.github.com>"
DATE = "Thu, 1 Jan 2026 00:00:00 +0000"  # fixed: the patches must not change when regenerated


@dataclass(frozen=True)
class NewFile:
    path: str
    content: bytes


@dataclass(frozen=True)
class Hunk:
    """Lines inserted between `before` and `after`, the context at `line` (1-based) upstream."""

    path: str
    line: int
    before: tuple[str, ...]
    inserted: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class Patch:
    subject: str
    body: str  # the commit message after the subject line
    new_files: tuple[NewFile, ...] = ()
    hunks: tuple[Hunk, ...] = ()


def blob_id(content: bytes) -> str:
    """The id git gives this content as a blob (what `index 0000000..<id>` names)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _new_file_diff(f: NewFile) -> str:
    text = f.content.decode("utf-8")
    lines = text.split("\n")
    missing_newline = not text.endswith("\n")
    if not missing_newline:
        lines.pop()
    out = [
        f"diff --git a/{f.path} b/{f.path}",
        "new file mode 100644",
        f"index 0000000..{blob_id(f.content)[:12]}",
        "--- /dev/null",
        f"+++ b/{f.path}",
        f"@@ -0,0 +1{'' if len(lines) == 1 else f',{len(lines)}'} @@",
        *(f"+{line}" for line in lines),
    ]
    if missing_newline:
        out.append("\\ No newline at end of file")
    return "\n".join(out) + "\n"


def _range(start: int, count: int) -> str:
    return str(start) if count == 1 else f"{start},{count}"


def _edit_diff(path: str, hunks: list[Hunk]) -> str:
    out = [f"diff --git a/{path} b/{path}", f"--- a/{path}", f"+++ b/{path}"]
    shift = 0  # lines the earlier hunks of this file added
    for h in sorted(hunks, key=lambda h: h.line):
        old = len(h.before) + len(h.after)
        new = old + len(h.inserted)
        out.append(f"@@ -{_range(h.line, old)} +{_range(h.line + shift, new)} @@")
        out += [f" {line}" for line in h.before]
        out += [f"+{line}" for line in h.inserted]
        out += [f" {line}" for line in h.after]
        shift += len(h.inserted)
    return "\n".join(out) + "\n"


def _diffstat(patch: Patch) -> str:
    counts: dict[str, int] = {}
    for f in patch.new_files:
        text = f.content.decode("utf-8")
        counts[f.path] = text.count("\n") + (0 if text.endswith("\n") else 1)
    for h in patch.hunks:
        counts[h.path] = counts.get(h.path, 0) + len(h.inserted)
    width = max(len(p) for p in counts)
    rows = [f" {p.ljust(width)} | {n} {'+' * min(n, 40)}" for p, n in sorted(counts.items())]
    files, total = len(counts), sum(counts.values())
    rows.append(
        f" {files} file{'s' if files != 1 else ''} changed, "
        f"{total} insertion{'s' if total != 1 else ''}(+)"
    )
    creates = [
        f" create mode 100644 {f.path}" for f in sorted(patch.new_files, key=lambda f: f.path)
    ]
    return "\n".join(rows + creates)


def format_patch(patch: Patch, number: int, total: int) -> str:
    diffs = [_new_file_diff(f) for f in sorted(patch.new_files, key=lambda f: f.path)]
    by_path: dict[str, list[Hunk]] = {}
    for h in patch.hunks:
        by_path.setdefault(h.path, []).append(h)
    diffs += [_edit_diff(p, hs) for p, hs in sorted(by_path.items())]
    rest = (
        f"Subject: [PATCH {number}/{total}] {patch.subject}\n\n"
        f"{patch.body.rstrip()}\n---\n{_diffstat(patch)}\n\n" + "".join(diffs) + "-- \n2.43.0\n\n"
    )
    commit = hashlib.sha1(rest.encode("utf-8")).hexdigest()
    return f"From {commit} Mon Sep 17 00:00:00 2001\nFrom: {AUTHOR}\nDate: {DATE}\n{rest}"


def file_name(number: int, subject: str) -> str:
    """`0001-webnpu-Add-the-Mojo-interface.patch`, as `git format-patch` names it."""
    slug = "".join(c if c.isalnum() else "-" for c in subject)
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{number:04d}-{slug.strip('-')[:52].rstrip('-')}.patch"
