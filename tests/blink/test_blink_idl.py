"""The Blink IDL files: they parse with webidl2 and with our own front end, say the same API
as idl/webnpu.idl, and carry the extended attributes Blink's bindings generator needs."""

from __future__ import annotations

import json
import subprocess

from codegen.model import ir
from codegen.pipeline import load
from tests.blink.conftest import BLINK_MODULE, ROOT
from tests.codegen_tools import require_tool

IDL_FILES = sorted(BLINK_MODULE.glob("*.idl"))


def blink_model() -> ir.Model:
    result = load(IDL_FILES)
    errors = [d.format() for d in result.sink.diagnostics if d.severity == "error"]
    assert result.ok and result.model is not None, "\n".join(errors)
    return result.model


def attribute_names(holder) -> set[str]:
    return {a.name for a in holder.ext_attrs}


def attribute(holder, name: str) -> ir.ExtAttr | None:
    return next((a for a in holder.ext_attrs if a.name == name), None)


def test_one_file_per_definition_in_blink_naming():
    names = {p.name for p in IDL_FILES}
    for expected in ("npu_device.idl", "npu_buffer_descriptor.idl", "npu_data_type.idl"):
        assert expected in names
    assert "navigator_npu.idl" in names and "worker_navigator_npu.idl" in names


def test_every_file_parses_with_webidl2():
    node = require_tool("node", "nodejs")
    script = ROOT / "tests" / "node" / "webidl2_summary.mjs"
    proc = subprocess.run(
        [node, str(script), "summary", *map(str, IDL_FILES)],
        capture_output=True,
        text=True,
        check=True,
        cwd=script.parent,
    )
    summary = json.loads(proc.stdout)
    assert len(summary) == len(IDL_FILES)
    failures = {name: entry["error"] for name, entry in summary.items() if "error" in entry}
    assert failures == {}


def test_our_front_end_reads_the_same_api(api):
    """Parsed and validated together, the files define exactly the source IDL's definitions,
    with the same members in the same order and the same doc comments."""
    blink = blink_model()
    source = api.model
    own = {d.name for d in source.definitions if not d.external}
    assert {d.name for d in blink.definitions if not d.external} == own
    for d in source.definitions:
        if d.external or not hasattr(d, "members"):
            continue
        mirrored = blink[d.name]
        assert [getattr(m, "name", None) for m in mirrored.members] == [
            getattr(m, "name", None) for m in d.members
        ], d.name
        assert mirrored.doc == d.doc, d.name
    navigator = [m.name for m in blink["Navigator"].members if m.origin == "partial"]
    assert navigator == ["npu"]


def test_interfaces_are_runtime_enabled_secure_and_exposed():
    blink = blink_model()
    for d in blink.interfaces:
        assert attribute(d, "RuntimeEnabled").value == "WebNPU", d.name
        assert "SecureContext" in attribute_names(d), d.name
        assert attribute(d, "Exposed").values == ("Window", "DedicatedWorker"), d.name


def test_no_wire_attribute_reaches_blink():
    for path in IDL_FILES:
        assert "Wire" not in path.read_text().replace("WorkerNavigator", ""), path.name


def test_promises_take_the_script_state_and_may_raise(api):
    blink = blink_model()
    checked = 0
    for d in blink.interfaces:
        for m in d.members:
            returns = getattr(m, "return_type", None) or getattr(m, "type", None)
            if returns is None or returns.kind != "Promise":
                continue
            assert "CallWith" in attribute_names(m), f"{d.name}.{m.name}"
            assert attribute(m, "CallWith").value == "ScriptState"
            if isinstance(m, ir.Operation):
                assert "RaisesException" in attribute_names(m), f"{d.name}.{m.name}"
            checked += 1
    assert checked >= 8  # requestAdapter, requestDevice, loadModel, lost, popErrorScope...


def test_raises_exception_follows_the_wire_kind(api):
    """Graph-builder operations (Wire=local) throw; createBuffer (Wire=send) reports through
    error scopes instead, so it must not be declared as throwing."""
    blink = blink_model()
    builder = blink["NPUGraphBuilder"]
    assert all(
        "RaisesException" in attribute_names(m) for m in builder.members if m.name != "label"
    )
    device = blink["NPUDevice"]
    create = device.operations("createBuffer")[0]
    assert "RaisesException" not in attribute_names(create)
    write = blink["NPUQueue"].operations("writeBuffer")[0]  # reads a buffer source
    assert "RaisesException" in attribute_names(write)


def test_partial_interfaces_are_supplements():
    text = (BLINK_MODULE / "worker_navigator_npu.idl").read_text()
    assert "ImplementedAs=WorkerNavigatorNPU" in text
    # WorkerNavigator is in every worker; NPU only in dedicated ones.
    assert "Exposed=DedicatedWorker" in text
    assert "partial interface WorkerNavigator" in text
