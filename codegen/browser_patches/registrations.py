"""What WebNPU registers in each browser's existing files, read from the generated outputs.

The entries come from the browser targets (the Gecko fragments, the Blink runtime feature, the
event targets Blink's C++ names); which list each goes in, and in what order that list is kept,
comes from the upstream files themselves (read at the revisions in `patches/*/BASE`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping

from codegen.browser_patches.lists import Entry, ListEdit

BLINK_MODULE = "third_party/blink/renderer/modules/webnpu"
CHROMIUM_GENERATED = "generated/chromium/"
GECKO_GENERATED = "generated/gecko/"
GECKO_FRAGMENTS = "generated/gecko/fragments/"
RUNTIME_FEATURE = (
    "generated/chromium/third_party/blink/renderer/platform/runtime_enabled_features.webnpu.json5"
)
# Where the native wire library lives in each tree (native/README.md: sources include
# "native/...", so the directory holding `native/` goes on the include path).
CHROMIUM_NATIVE = "third_party/webnpu/native"
GECKO_NATIVE = "dom/webnpu/native"


def _text(outputs: Mapping[str, bytes], path: str) -> str:
    return outputs[path].decode("utf-8")


def _uncommented(text: str, comment: str) -> list[str]:
    """The fragment's lines after its leading comment header (the first run of comment lines;
    a comment after the blank line that ends it belongs to the entry)."""
    lines = text.split("\n")
    while lines and lines[0].startswith(comment):
        lines.pop(0)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _blocks(lines: list[str]) -> list[list[str]]:
    """Blank-line separated blocks."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _strings(keys: list[str]) -> tuple[Entry, ...]:
    return tuple(Entry(k, (k,)) for k in keys)


def chromium_edits(outputs: Mapping[str, bytes]) -> tuple[ListEdit, ...]:
    feature = _text(outputs, RUNTIME_FEATURE).split("\n")
    start = next(i for i, line in enumerate(feature) if line.strip() == "data: [") + 1
    end = next(i for i in range(start, len(feature)) if feature[i].strip() == "],")
    block = [line[4:] if line.startswith("    ") else line for line in feature[start:end]]
    name = re.search(r'name:\s*"([^"]+)"', "\n".join(block)).group(1)  # type: ignore[union-attr]
    event_targets = sorted(
        {
            m
            for path, content in outputs.items()
            if path.startswith(f"{CHROMIUM_GENERATED}{BLINK_MODULE}/") and path.endswith(".cc")
            for m in re.findall(r"event_target_names::k(\w+)", content.decode("utf-8"))
        }
    )
    return (
        ListEdit(
            "third_party/blink/renderer/modules/BUILD.gn",
            "bracket",
            "sub_modules",
            _strings([f"//{BLINK_MODULE}"]),
        ),
        ListEdit(
            "third_party/blink/renderer/modules/event_target_modules_names.json5",
            "bracket",
            "data",
            _strings(event_targets),
            # grouped by feature, not sorted: next to WebGPU's device, the nearest relative
            order="after:GPUDevice",
        ),
        ListEdit(
            "third_party/blink/renderer/modules/modules_idl_files.gni",
            "bracket",
            "_idl_imports",
            _strings([f"//{BLINK_MODULE}/idls.gni"]),
        ),
        ListEdit(
            "third_party/blink/renderer/platform/runtime_enabled_features.json5",
            "json5-dicts",
            "data",
            (Entry(name, tuple(block)),),
            order="casefold",
        ),
    )


def gecko_edits(outputs: Mapping[str, bytes]) -> tuple[ListEdit, ...]:
    fragments = {
        path.removeprefix(GECKO_FRAGMENTS): content.decode("utf-8")
        for path, content in outputs.items()
        if path.startswith(GECKO_FRAGMENTS)
    }
    webidl_lists = {
        node.targets[0].id if isinstance(node, ast.Assign) else node.target.id: [  # type: ignore[union-attr]
            e.value
            for e in node.value.elts  # type: ignore[attr-defined]
        ]
        for node in ast.parse(fragments["dom/webidl/moz.build"]).body
        if isinstance(node, ast.Assign | ast.AugAssign)
    }
    bindings = [
        Entry(re.match(r"'([^']+)'", b[0]).group(1), tuple(b))  # type: ignore[union-attr]
        for b in _blocks(_uncommented(fragments["dom/bindings/Bindings.conf"], "#"))
    ]
    (pref,) = _blocks(_uncommented(fragments["modules/libpref/init/StaticPrefList.yaml"], "#"))
    pref_name = next(line.split(":", 1)[1].strip() for line in pref if line.startswith("- name:"))
    includes = _uncommented(fragments["dom/webidl/Navigator.webidl"], "//")
    edits = [
        ListEdit(
            "dom/moz.build",
            "bracket",
            "DIRS",
            _strings(["webnpu", GECKO_NATIVE.removeprefix("dom/")]),
            # dom/moz.build's DIRS is in historical order, not sorted: follow WebGPU
            order="after:webgpu",
        ),
        *(
            ListEdit("dom/webidl/moz.build", "bracket", name, _strings(files), order="casefold")
            for name, files in webidl_lists.items()
        ),
        ListEdit(
            "dom/bindings/Bindings.conf",
            "dict-entries",
            "DOMInterfaces",
            tuple(bindings),
            order="casefold",
        ),
        ListEdit(
            "modules/libpref/init/StaticPrefList.yaml",
            "yaml-prefs",
            pref_name.split(".")[0] + ".",
            (Entry(pref_name, tuple(pref)),),
        ),
    ]
    for line in includes:
        host = line.split()[0]
        # upstream keeps the `includes` statements in no sorted order; WebGPU's is the neighbour
        edits.append(
            ListEdit(
                f"dom/webidl/{host}.webidl",
                "after-line",
                f"{host} includes NavigatorGPU;",
                (Entry(line, (line,)),),
            )
        )
    return tuple(edits)
