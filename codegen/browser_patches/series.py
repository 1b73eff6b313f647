"""Each browser's patch series, assembled from the generated trees, `native/` and the upstream
context stored in `patches/upstream_context/<browser>.json`.

The add-only patches carry files as the generators wrote them. The registration patch inserts
each entry of `registrations.py` between context lines read from the upstream file at the
revision the anchor names (`line` is where that context starts there); the entry's text is
rendered by `lists.entry_lines`, the function the in-tree mode inserts with, so a patch and an
in-tree run add the same lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from codegen.browser_patches import registrations as reg
from codegen.browser_patches.gitpatch import Hunk, NewFile, Patch, file_name, format_patch
from codegen.browser_patches.lists import ListEdit, entry_lines

REPO = Path(__file__).resolve().parents[2]
ANCHORS = "patches/upstream_context"
NATIVE_SHARED = ("README.md",)  # besides the sources, both trees get the guide


class StaleAnchors(Exception):
    """The stored upstream context no longer covers what the generators register."""


@dataclass(frozen=True)
class Browser:
    name: str  # the directory under patches/
    anchors: str  # patches/upstream_context/<file>
    native_dir: str  # where native/ goes in the tree
    native_build: str  # the build file native/ keeps there


CHROMIUM = Browser("chromium", "chromium.json", reg.CHROMIUM_NATIVE, "BUILD.gn")
FIREFOX = Browser("firefox", "firefox.json", reg.GECKO_NATIVE, "moz.build")


def native_files(native_outputs: Mapping[str, bytes], browser: Browser) -> dict[str, bytes]:
    """`native/` as it goes in a browser tree: hand-written runtime from the repository, the
    generated schema as the cpp target writes it now, and that browser's build file."""
    files = {p: c for p, c in native_outputs.items() if p.startswith("native/generated/")}
    for path in sorted((REPO / "native/runtime").iterdir()):
        files[f"native/runtime/{path.name}"] = path.read_bytes()
    for name in (browser.native_build, *NATIVE_SHARED):
        files[f"native/{name}"] = (REPO / "native" / name).read_bytes()
    return {
        f"{browser.native_dir}/{p.removeprefix('native/')}": c for p, c in sorted(files.items())
    }


def tree_files(
    outputs: Mapping[str, bytes], prefix: str, under: tuple[str, ...]
) -> dict[str, bytes]:
    """Generated files under `prefix` whose tree path starts with one of `under`."""
    return {
        p.removeprefix(prefix): c
        for p, c in sorted(outputs.items())
        if p.startswith(prefix) and p.removeprefix(prefix).startswith(under)
    }


def load_anchors(browser: Browser, root: Path = REPO) -> dict:
    return json.loads((root / ANCHORS / browser.anchors).read_text(encoding="utf-8"))


def _indent(edit: ListEdit, context: list[str]) -> str:
    if edit.kind == "bracket":
        pattern = r"^(\s*)[\"']"
    elif edit.kind == "json5-dicts":
        pattern = r"^(\s*)[{}]"
    else:
        return ""
    for line in context:
        m = re.match(pattern, line)
        if m:
            return m.group(1)
    raise StaleAnchors(f"{edit.path}: no list item in the stored context to take indentation from")


def registration_hunks(edits: tuple[ListEdit, ...], anchors: dict) -> list[Hunk]:
    """One hunk per stored context; every entry of every edit must land in exactly one."""
    files = {f["path"]: f for f in anchors["files"]}
    hunks = []
    for edit in edits:
        stored = [h for h in files.get(edit.path, {"hunks": []})["hunks"] if h["list"] == edit.name]
        keys = [k for h in stored for k in h["entries"]]
        wanted = [e.key for e in edit.entries]
        if sorted(keys) != sorted(wanted):
            raise StaleAnchors(
                f"{edit.path} {edit.name}: stored upstream context places {keys}, the generators "
                f"register {wanted}; re-anchor against upstream (patches/README.md)"
            )
        by_key = {e.key: e for e in edit.entries}
        for h in stored:
            context = [*reversed(h["before"]), *h["after"]]
            indent = _indent(edit, context)
            inserted = [line for k in h["entries"] for line in entry_lines(edit, by_key[k], indent)]
            hunks.append(
                Hunk(edit.path, h["line"], tuple(h["before"]), tuple(inserted), tuple(h["after"]))
            )
    return hunks


def base_text(browser: Browser, anchors: dict) -> str:
    lines = [
        f"# The upstream revisions the {browser.name} patches were made against: the commit of",
        f"# {anchors['repository']} each edited file's context was read at. The add-only",
        "# patches create new files and apply to any revision.",
    ]
    for f in sorted(anchors["files"], key=lambda f: f["path"]):
        lines.append(f"{f['revision']}  {f['path']}")
    return "\n".join(lines) + "\n"


def chromium_series(outputs: Mapping[str, bytes], anchors: dict) -> list[Patch]:
    gen = reg.CHROMIUM_GENERATED
    return [
        Patch(
            "webnpu: Add the WebNPU Mojo interface",
            "services/webnpu/public/mojom/webnpu.mojom is derived from WebNPU's wire model\n"
            "(idl/webnpu.idl): one interface per service object, creation passing a\n"
            "pending_receiver and the renderer-allocated handle, events through a\n"
            "<Interface>Client remote, tensor bytes as mojo_base.mojom.BigBuffer and\n"
            "shared memory as UnsafeSharedMemoryRegion. BUILD.gn declares the\n"
            'mojom("mojom") target Blink depends on (:mojom_blink).\n\n'
            "Generated by `python -m codegen idl/webnpu.idl`.",
            tuple(
                NewFile(p, c) for p, c in tree_files(outputs, gen, ("services/webnpu/",)).items()
            ),
        ),
        Patch(
            "webnpu: Add the native WebNPU wire library",
            "third_party/webnpu/native is the renderer-side C++17 serializer of WebNPU's\n"
            "wire protocol: the hand-written runtime (bounds-checked reader, writer,\n"
            "bad-message kinds) and the schema generated from the same wire model as the\n"
            "service's Python codec, held to byte-for-byte agreement with it by WebNPU's\n"
            'tests. source_set("wire") builds it; dependents get the include path from\n'
            "its public config. Standard library only, no exceptions.",
            tuple(NewFile(p, c) for p, c in native_files(outputs, CHROMIUM).items()),
        ),
        Patch(
            "blink: Add the WebNPU module",
            "third_party/blink/renderer/modules/webnpu holds one IDL file per WebNPU\n"
            "definition (RuntimeEnabled=WebNPU, SecureContext, Exposed) and the C++\n"
            "classes Blink's bindings generator expects: ScriptWrappable and EventTarget\n"
            "subclasses with DEFINE_WRAPPERTYPEINFO(), ScriptPromise returns, Member<>\n"
            "fields traced in Trace(), one HeapMojoRemote per service object.\n\n"
            "This is a skeleton: methods forward to the Mojo remote, but the type\n"
            "converters in npu_type_converters.h are declared and not yet defined, and\n"
            "graph building (local to the renderer) is NOTIMPLEMENTED().\n\n"
            "The module is not built until the next patch registers it.",
            tuple(
                NewFile(p, c)
                for p, c in tree_files(outputs, gen, (f"{reg.BLINK_MODULE}/",)).items()
            ),
        ),
        Patch(
            "blink: Register the WebNPU module, runtime feature and event target",
            "Adds the module to the modules component's sub_modules and its idls.gni to\n"
            "_idl_imports, each at its place in the list's order; the WebNPU runtime\n"
            "feature (status experimental, so --enable-blink-features=WebNPU or\n"
            "--enable-experimental-web-platform-features turns it on) in name order;\n"
            "and NPUDevice to the modules' event target names, next to GPUDevice.",
            hunks=tuple(registration_hunks(reg.chromium_edits(outputs), anchors)),
        ),
    ]


def firefox_series(outputs: Mapping[str, bytes], anchors: dict) -> list[Patch]:
    gen = reg.GECKO_GENERATED
    return [
        Patch(
            "WebNPU: Add the WebIDL, the dom/webnpu classes and the PWebNPU protocol",
            'dom/webidl/WebNPU.webidl (Pref="dom.webnpu.enabled", SecureContext, Exposed)\n'
            "and NPUUncapturedErrorEvent.webidl for the event codegen; dom/webnpu holds one\n"
            "cycle-collected, wrapper-cached class per interface in mozilla::dom::webnpu,\n"
            "laid out as dom/webgpu is, and dom/webnpu/ipc the PWebNPU protocol derived\n"
            "from WebNPU's wire model.\n\n"
            "This is a skeleton: objects made without a round trip are made; the rest\n"
            "reject or throw NS_ERROR_NOT_IMPLEMENTED until a WebNPUChild actor exists.\n\n"
            "Generated by `python -m codegen idl/webnpu.idl`.",
            tuple(
                NewFile(p, c)
                for p, c in tree_files(outputs, gen, ("dom/webidl/", "dom/webnpu/")).items()
            ),
        ),
        Patch(
            "WebNPU: Add the native wire library",
            "dom/webnpu/native is the renderer-side C++17 serializer of WebNPU's wire\n"
            "protocol: the hand-written runtime and the schema generated from the same\n"
            "wire model as the service's Python codec, held to byte-for-byte agreement\n"
            "with it by WebNPU's tests. Linked into libxul; standard library only, no\n"
            "exceptions.",
            tuple(NewFile(p, c) for p, c in native_files(outputs, FIREFOX).items()),
        ),
        Patch(
            "WebNPU: Register the bindings, the build directories and the pref",
            "Adds dom/webnpu and its native library to dom/moz.build's DIRS next to\n"
            "webgpu; WebNPU.webidl and NPUUncapturedErrorEvent.webidl to their\n"
            "dom/webidl/moz.build lists in sorted place; each interface's native type\n"
            "to Bindings.conf (the classes live in mozilla::dom::webnpu); the\n"
            "dom.webnpu.enabled pref (default false) to StaticPrefList.yaml; and\n"
            "NavigatorNPU to Navigator and WorkerNavigator, next to NavigatorGPU.",
            hunks=tuple(registration_hunks(reg.gecko_edits(outputs), anchors)),
        ),
    ]


def patch_files(outputs: Mapping[str, bytes], root: Path = REPO) -> dict[str, bytes]:
    """Every file under patches/ the generator owns: the series and BASE of each browser."""
    files: dict[str, bytes] = {}
    for browser, build in ((CHROMIUM, chromium_series), (FIREFOX, firefox_series)):
        anchors = load_anchors(browser, root)
        series = build(outputs, anchors)
        for n, patch in enumerate(series, start=1):
            name = file_name(n, patch.subject)
            text = format_patch(patch, n, len(series))
            files[f"patches/{browser.name}/{name}"] = text.encode("utf-8")
        files[f"patches/{browser.name}/BASE"] = base_text(browser, anchors).encode("utf-8")
    return files
