"""patches/: up to date, deterministic, git-format, add-only parts applying to nothing, and
the registration hunks matching the upstream context stored with them."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from codegen.browser_patches import registrations as reg
from codegen.browser_patches.series import (
    CHROMIUM,
    FIREFOX,
    StaleAnchors,
    load_anchors,
    patch_files,
    registration_hunks,
)
from codegen.output import OutputFile, drifted
from tests.patches.conftest import ROOT, git, new_repo

BROWSERS = {"chromium": CHROMIUM, "firefox": FIREFOX}


def series(browser: str) -> list[Path]:
    return sorted((ROOT / "patches" / browser).glob("0*.patch"))


def is_add_only(patch: Path) -> bool:
    text = patch.read_text(encoding="utf-8")
    diffs = text.count("\ndiff --git ")
    return diffs > 0 and text.count("\nnew file mode 100644\n") == diffs


def test_patches_are_what_the_generator_writes_now(outputs):
    expected = patch_files(outputs)
    on_disk = {
        str(p.relative_to(ROOT)): p.read_bytes()
        for browser in BROWSERS
        for p in (ROOT / "patches" / browser).iterdir()
    }
    stale = sorted(p for p in expected.keys() | on_disk.keys() if expected.get(p) != on_disk.get(p))
    assert not stale, (
        f"stale or unknown files under patches/ (run python -m codegen idl/webnpu.idl): {stale}"
    )


def test_a_tampered_patch_is_reported_as_drift(tmp_path, outputs):
    files = [OutputFile(p, c) for p, c in patch_files(outputs).items()]
    for f in files:
        (tmp_path / f.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f.path).write_bytes(f.content)
    assert drifted(tmp_path, files) == []
    victim = files[0].path
    (tmp_path / victim).write_bytes(files[0].content.replace(b"+", b"-", 1))
    assert drifted(tmp_path, files) == [(victim, "differs from what the generator writes")]


def test_generation_is_deterministic(outputs):
    first = patch_files(outputs)
    assert patch_files(dict(reversed(list(outputs.items())))) == first


@pytest.mark.parametrize("browser", BROWSERS)
def test_every_patch_is_in_git_format(browser):
    patches = series(browser)
    assert len(patches) >= 3
    for n, patch in enumerate(patches, start=1):
        head = patch.read_text(encoding="utf-8").split("\n")
        assert re.fullmatch(r"From [0-9a-f]{40} Mon Sep 17 00:00:00 2001", head[0])
        assert re.fullmatch(r"From: .+ <[^>]+@[^>]+>", head[1])
        assert head[2].startswith("Date: ")
        assert re.fullmatch(rf"Subject: \[PATCH {n}/{len(patches)}\] \S.+", head[3])
        assert head[4] == "" and head[5], "a commit message after the subject"
        assert patch.name.startswith(f"{n:04d}-")


@pytest.mark.parametrize("browser", BROWSERS)
def test_the_add_only_patches_apply_to_an_empty_tree(browser, tmp_path):
    add_only = [p for p in series(browser) if is_add_only(p)]
    assert len(add_only) == len(series(browser)) - 1  # all but the registrations
    repo = new_repo(tmp_path / "empty")
    for patch in add_only:
        proc = git(repo, "apply", "--check", str(patch), check=False)
        assert proc.returncode == 0, (patch.name, proc.stderr)


def edit_hunks(patch: Path) -> dict[str, list[dict]]:
    """path -> [{line, before, inserted, after}] of a patch's edits, read back from its text."""
    result: dict[str, list[dict]] = {}
    path = None
    hunk: dict | None = None
    for line in patch.read_text(encoding="utf-8").split("\n"):
        if line.startswith("diff --git "):
            path, hunk = line.split(" b/", 1)[1], None
        elif m := re.match(r"@@ -(\d+)", line):
            hunk = {"line": int(m.group(1)), "before": [], "inserted": [], "after": []}
            result.setdefault(path, []).append(hunk)  # type: ignore[arg-type]
        elif hunk is not None and line.startswith("+"):
            hunk["inserted"].append(line[1:])
        elif hunk is not None and line.startswith(" "):
            hunk["after" if hunk["inserted"] else "before"].append(line[1:])
        elif line == "-- ":
            break
    return result


@pytest.mark.parametrize("browser", BROWSERS)
def test_the_edit_hunks_carry_exactly_the_stored_upstream_context(browser):
    (registration,) = [p for p in series(browser) if not is_add_only(p)]
    found = edit_hunks(registration)
    anchors = load_anchors(BROWSERS[browser])
    stored = {
        f["path"]: sorted(
            ({"line": h["line"], "before": h["before"], "after": h["after"]} for h in f["hunks"]),
            key=lambda h: h["line"],
        )
        for f in anchors["files"]
    }
    assert sorted(found) == sorted(stored)
    for path, hunks in found.items():
        context = [{k: h[k] for k in ("line", "before", "after")} for h in hunks]
        assert context == stored[path], path
        assert all(h["inserted"] for h in hunks)
    base = (ROOT / "patches" / browser / "BASE").read_text(encoding="utf-8")
    for f in anchors["files"]:
        assert re.fullmatch(r"[0-9a-f]{40}", f["revision"])
        assert f"{f['revision']}  {f['path']}" in base


def reconstruct(anchors: dict, root: Path) -> None:
    """Each edited upstream file as far as the stored context knows it: the context lines at
    their recorded line numbers, filler elsewhere."""
    for f in anchors["files"]:
        lines: list[str] = []
        for h in sorted(f["hunks"], key=lambda h: h["line"]):
            lines += [f"# elided upstream line {i}" for i in range(len(lines) + 1, h["line"])]
            lines += h["before"] + h["after"]
        (root / f["path"]).parent.mkdir(parents=True, exist_ok=True)
        (root / f["path"]).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("browser", BROWSERS)
def test_the_whole_series_applies_with_git_am(browser, tmp_path):
    anchors = load_anchors(BROWSERS[browser])
    repo = new_repo(tmp_path / browser)
    reconstruct(anchors, repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "upstream context")
    proc = git(repo, "am", *map(str, series(browser)), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = git(repo, "log", "--format=%s").stdout.split("\n")
    assert len([s for s in log if s]) == len(series(browser)) + 1
    # each stored entry now sits between its stored context
    for f in anchors["files"]:
        text = (repo / f["path"]).read_text(encoding="utf-8")
        for h in f["hunks"]:
            for key in h["entries"]:
                where = text.index(key)
                assert text.rindex("\n".join(h["before"]), 0, where) < where
                if h["after"]:
                    assert text.index("\n".join(h["after"]), where) > where


@pytest.mark.parametrize("browser", BROWSERS)
def test_anchors_that_no_longer_cover_the_registrations_are_refused(browser, outputs):
    spec = BROWSERS[browser]
    edits = reg.chromium_edits(outputs) if spec is CHROMIUM else reg.gecko_edits(outputs)
    anchors = load_anchors(spec)
    assert registration_hunks(edits, anchors)
    stale = copy.deepcopy(anchors)
    dropped = stale["files"][0]["hunks"][0]["entries"].pop()
    with pytest.raises(StaleAnchors, match=re.escape(repr(dropped))):
        registration_hunks(edits, stale)


def test_anchor_files_are_valid_json_with_one_revision_per_file():
    for spec in BROWSERS.values():
        anchors = json.loads((ROOT / "patches/upstream_context" / spec.anchors).read_text())
        paths = [f["path"] for f in anchors["files"]]
        assert paths == sorted(set(paths))
