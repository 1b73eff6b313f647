"""The in-tree mode: `--chromium-src PATH` / `--gecko-src PATH` put WebNPU into a checkout.

The files the patches add are written at their tree paths (only when their bytes change), and
each registration list is edited in place at its sorted place (`lists.py`), on whatever revision
the checkout is at. Every edit is worked out before anything is written: a list that cannot be
found stops the run with `file:line: message` and the checkout is left untouched. Running it
twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from codegen.browser_patches import registrations as reg
from codegen.browser_patches.lists import ListNotFound, apply_edit
from codegen.browser_patches.series import CHROMIUM, FIREFOX, native_files, tree_files


class NotACheckout(ListNotFound):
    """A file the registrations edit does not exist under the given source directory."""


def planned_files(browser: str, outputs: Mapping[str, bytes]) -> dict[str, bytes]:
    """Tree path -> bytes of every file the browser's add-only patches create."""
    if browser == "chromium":
        files = tree_files(
            outputs, reg.CHROMIUM_GENERATED, ("services/webnpu/", f"{reg.BLINK_MODULE}/")
        )
        files.update(native_files(outputs, CHROMIUM))
    else:
        files = tree_files(outputs, reg.GECKO_GENERATED, ("dom/webidl/", "dom/webnpu/"))
        files.update(native_files(outputs, FIREFOX))
    return files


def install(browser: str, outputs: Mapping[str, bytes], src: Path) -> list[str]:
    """Write WebNPU into the checkout at `src`; return the tree paths written or edited."""
    edits = reg.chromium_edits(outputs) if browser == "chromium" else reg.gecko_edits(outputs)
    edited: dict[str, str] = {}
    originals: dict[str, str] = {}
    for edit in edits:
        target = src / edit.path
        if edit.path not in edited:
            if not target.is_file():
                raise NotACheckout(
                    f"{target}:1: not found; is {src} a {browser} checkout? "
                    f"(WebNPU registers itself in {edit.path})"
                )
            originals[edit.path] = edited[edit.path] = target.read_text(encoding="utf-8")
        # errors name the file as the user gave it, at its line before any of our edits
        located = replace(edit, path=str(target))
        apply_edit(originals[edit.path], located)
        edited[edit.path] = apply_edit(edited[edit.path], located)

    written = []
    for path, content in planned_files(browser, outputs).items():
        target = src / path
        if target.is_file() and target.read_bytes() == content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(path)
    for path, text in edited.items():
        if text != originals[path]:
            (src / path).write_text(text, encoding="utf-8")
            written.append(path)
    return written
