"""dom/webidl/*.webidl: parsed by webidl2 and by our own front end, in Gecko's dialect."""

from __future__ import annotations

import json
import subprocess

from codegen.pipeline import load
from tests.codegen_tools import require_tool
from tests.gecko.conftest import ROOT

NODE_DIR = ROOT / "tests" / "node"


def webidl_paths(files, written):
    return [written / p for p in sorted(files) if p.startswith("dom/webidl/")]


def test_webidl2_parses_every_webidl_file(gecko_files, written):
    node = require_tool("node", "nodejs")
    paths = webidl_paths(gecko_files, written)
    assert len(paths) == 2  # WebNPU.webidl and the generated event's own file
    proc = subprocess.run(
        [node, str(NODE_DIR / "webidl2_summary.mjs"), "summary", *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        cwd=NODE_DIR,
    )
    summary = json.loads(proc.stdout)
    errors = {name: entry["error"] for name, entry in summary.items() if "error" in entry}
    assert errors == {}
    names = {d["name"] for entry in summary.values() for d in entry["definitions"]}
    assert {"NPU", "NPUDevice", "NavigatorNPU", "NPUUncapturedErrorEvent"} <= names


def test_our_front_end_parses_it_with_one_documented_difference(gecko_files, written):
    result = load(webidl_paths(gecko_files, written))
    messages = [d.message for d in result.sink.diagnostics]
    # The only complaint: Gecko's `[Frozen, Cached, Pure] readonly attribute sequence<T>`,
    # the standard's FrozenArray<T> (docs/codegen.md, Gecko target).
    frozen = [m for m in messages if "attributes cannot hold sequences" in m]
    assert sorted(m.split("'")[1] for m in frozen) == [
        "inputs",
        "outputs",
        "shape",
    ]
    assert len(frozen) == len(messages), messages


def test_every_interface_and_namespace_is_gated_on_the_pref(loaded, gecko_files):
    text = "\n".join(v for k, v in gecko_files.items() if k.startswith("dom/webidl/"))
    for d in loaded.model.definitions:
        if d.external or d.kind not in ("interface", "namespace"):
            continue
        head = f"{d.kind} {d.name}"
        index = text.index(head + " ")
        attrs = text[text.rindex("[", 0, index) : index]
        assert 'Pref="dom.webnpu.enabled"' in attrs, head
        assert "Exposed=" in attrs and "SecureContext" in attrs, head
        assert "Wire" not in attrs, head


def test_throws_marks_the_members_whose_cpp_takes_an_error_result(gecko_files):
    text = gecko_files["dom/webidl/WebNPU.webidl"]
    assert "[Throws] Promise<NPUDevice> requestDevice(" in text
    assert "[Throws] readonly attribute Promise<NPUDeviceLostInfo> lost;" in text
    assert "[Throws] NPUOperand add(" in text  # content-process graph building
    assert "[Throws] undefined writeBuffer(" in text  # bytes checked before the copy
    assert "\n    undefined unmap();" in text  # errors go to error scopes, never thrown
    assert "[Frozen, Cached, Pure] readonly attribute sequence<NPUTensorInfo> inputs;" in text
    assert "Navigator includes" not in text  # that goes in Gecko's Navigator.webidl
    assert "interface mixin NavigatorNPU" in text
