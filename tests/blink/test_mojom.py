"""webnpu.mojom: it parses and checks as mojom, and says what the wire model says."""

from __future__ import annotations

import pytest

from codegen.targets.chromium_naming import message_struct_name, upper_camel
from tests.blink.conftest import MOJOM_DIR
from tests.blink.mojom_syntax import MojomError, parse_mojom

TEXT = (MOJOM_DIR / "webnpu.mojom").read_text()


def test_parses_as_mojom():
    module = parse_mojom(TEXT)
    assert module.name == "webnpu.mojom"
    assert "mojo/public/mojom/base/big_buffer.mojom" in module.imports


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        (TEXT.replace("struct NPUBufferDescriptor {", "struct NPUBufferDescriptor "), "expected"),
        (TEXT.replace("NPUTensorDescriptor? tensor;", "NPUTensorDescriptr? tensor;"), "unknown"),
        (TEXT.replace("Destroy@4();", "Destroy@3();"), "twice"),
    ],
    ids=["syntax", "unknown type", "duplicate ordinal"],
)
def test_the_checker_rejects_broken_mojom(broken, why):
    assert broken != TEXT
    with pytest.raises(MojomError, match=why):
        parse_mojom(broken)


def test_every_service_object_is_an_interface_with_its_wire_ordinals(api):
    module = parse_mojom(TEXT)
    for wi in api.wire.interfaces:
        if wi.kind == "object":
            assert module.definitions.get(wi.name) == "interface", wi.name
    for m in api.wire.messages:
        if m.kind == "release":
            continue  # closing the pipe releases the object
        methods = module.methods[m.interface]
        name = upper_camel(m.method)
        assert methods.get(m.ordinal & 0xFFFF) in (name, "Set" + name), m.name


def test_replies_are_result_unions_and_commands_a_union(api):
    module = parse_mojom(TEXT)
    for m in api.wire.messages:
        if m.reply is not None:
            stem = message_struct_name(m.interface, m.method)
            assert module.definitions[stem + "Result"] == "union"
            assert module.definitions[stem + "Resolved"] == "struct"
    for c in api.wire.commands:
        assert module.definitions[message_struct_name(c.interface, c.method)] == "struct"
        assert module.definitions[c.interface + "Command"] == "union"


def test_creation_passes_receivers_and_event_clients(api):
    assert "pending_receiver<NPUBuffer> npu_buffer_receiver" in TEXT
    for e in api.wire.events:
        assert f"pending_remote<{e.interface}Client>" in TEXT
    assert "mojo_base.mojom.BigBuffer onnx_bytes" in TEXT  # tensor and model bytes


def test_every_enum_of_the_wire_is_declared(api):
    module = parse_mojom(TEXT)
    for s in api.wire.structs:
        for f in s.fields:
            if f.type.kind == "enum":
                assert module.definitions.get(f.type.name) == "enum", f.type.name
