"""The Blink C++ skeletons: Chromium's clang-format style, and the class shapes Blink's
bindings generator calls, checked against the model (not against strings the generator made)."""

from __future__ import annotations

import re
import subprocess

import pytest

from codegen.model import ir
from codegen.model.naming import snake_case
from tests.blink.conftest import BLINK_MODULE
from tests.codegen_tools import require_tool

CPP_FILES = sorted(BLINK_MODULE.glob("*.h")) + sorted(BLINK_MODULE.glob("*.cc"))


def header(name: str) -> str:
    return (BLINK_MODULE / f"{snake_case(name)}.h").read_text()


@pytest.mark.parametrize("path", CPP_FILES, ids=lambda p: p.name)
def test_clang_format_chromium_style(path):
    proc = subprocess.run(
        [require_tool("clang-format"), "--dry-run", "-Werror", "--style=Chromium", str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_every_interface_has_a_wrapper_class(api):
    for d in api.model.interfaces:
        text = header(d.name)
        assert re.search(rf"class MODULES_EXPORT {d.name}\b", text), d.name
        assert "DEFINE_WRAPPERTYPEINFO();" in text, d.name
        assert "void Trace(Visitor* visitor) const override;" in text, d.name


def test_bases_follow_the_idl_inheritance(api):
    for d in api.model.interfaces:
        text = header(d.name)
        if "EventTarget" in d.ancestors:
            assert "public EventTarget" in text and "InterfaceName()" in text
        elif d.inherits and not api.model[d.inherits].external:
            assert f"public {d.inherits}" in text
        elif "Event" in d.ancestors:
            assert "public Event" in text
        else:
            assert "public ScriptWrappable" in text, d.name


def test_service_objects_forward_to_a_mojo_remote(api):
    for wi in api.wire.interfaces:
        if wi.kind != "object":
            continue
        text = header(wi.name)
        assert f"HeapMojoRemote<webnpu::mojom::blink::{wi.name}> remote_;" in text
        assert (
            "visitor->Trace(remote_);" in (BLINK_MODULE / f"{snake_case(wi.name)}.cc").read_text()
        )


def test_wire_messages_are_sent_through_the_remote(api):
    for m in api.wire.messages:
        if m.kind in ("release",) or m.method == "label":
            continue
        source = (BLINK_MODULE / f"{snake_case(m.interface)}.cc").read_text()
        method = m.method[0].upper() + m.method[1:]
        if m.kind == "build":
            continue  # the graph is recorded in the renderer: not generated (see docs)
        assert f"remote_->{method}(" in source, m.name


def test_promises_and_exceptions_match_the_idl(api):
    """ScriptPromise<T> returns with ScriptState* first; ExceptionState& last exactly where
    the generated IDL says RaisesException."""
    for d in api.model.interfaces:
        code = [x for x in header(d.name).splitlines() if not x.strip().startswith("//")]
        text = " ".join(" ".join(code).split())
        for m in d.members:
            if not isinstance(m, ir.Operation) or m.return_type is None:
                continue
            declared = re.search(rf"\b{m.name}\(([^;]*)\);", text)
            assert declared, f"{d.name}.{m.name}"
            params = declared.group(1).strip()
            promise = m.return_type.kind == "Promise"
            before = text[: declared.start()].rsplit(";", 1)[-1]
            assert ("ScriptPromise<" in before) == promise, f"{d.name}.{m.name}"
            if promise:
                assert params.startswith("ScriptState* script_state")
            idl = (BLINK_MODULE / f"{snake_case(d.name)}.idl").read_text()
            members = [x for x in idl.splitlines() if not x.strip().startswith(("*", "/"))]
            line = next(x for x in members if re.search(rf"\b{m.name}\(", x))
            assert ("ExceptionState& exception_state" in params) == ("RaisesException" in line)


def test_garbage_collected_fields_are_members(api):
    for path in BLINK_MODULE.glob("*.h"):
        for line in path.read_text().splitlines():
            assert not re.match(r"\s+NPU\w+\* \w+_;", line), f"{path.name}: raw pointer {line}"
