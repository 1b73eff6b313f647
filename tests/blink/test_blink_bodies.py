"""The Blink method bodies do the work the model assigns them: no skeleton left, each Mojo
method called from the Blink method the IDL maps to it, each graph op recorded field by field,
each wire dictionary converted field by field, and the renderer-side messages the Python
bindings use."""

from __future__ import annotations

import re

from codegen.model.naming import snake_case
from codegen.targets.chromium_naming import (
    file_stem,
    mojom_field,
    mojom_struct_name,
    upper_camel,
)
from tests.blink.conftest import BLINK_MODULE, CHROMIUM, ROOT

DEFINITION = re.compile(r"^\S[^;]*?\b(\w+)::(~?\w+)\((.*?)^}", re.M | re.S)


def bodies(path) -> dict[str, str]:
    """`Class::method` -> its definition's text, for every member function in a .cc."""
    return {f"{c}::{m}": text for c, m, text in DEFINITION.findall(path.read_text())}


def all_bodies() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(BLINK_MODULE.glob("*.cc")):
        found.update(bodies(path))
    return found


def test_no_skeleton_is_left_in_the_generated_chromium_code():
    for path in CHROMIUM.rglob("*"):
        if path.is_file():
            assert "NOTIMPLEMENTED" not in path.read_text(), path


def test_every_mojom_method_is_called_from_the_blink_method_the_idl_maps_to_it(api):
    found = all_bodies()
    for m in api.wire.messages:
        if m.kind in ("release",) or m.interface not in {d.name for d in api.model.interfaces}:
            continue
        method = "setLabel" if m.method == "label" else m.method  # an attribute's setter
        mojo_method = upper_camel(method)
        callers = {
            name
            for name, text in found.items()
            if name.startswith(m.interface + "::") and re.search(rf"remote_->{mojo_method}\(", text)
        }
        assert callers == {f"{m.interface}::{method}"}, (m.name, callers)


def test_every_command_is_recorded_by_its_own_method(api):
    found = all_bodies()
    for m in api.wire.commands:
        text = found[f"{m.interface}::{m.method}"]
        assert f"New{upper_camel(m.method)}(" in text, m.name
        assert "commands_.push_back" in text, m.name


def test_every_graph_op_fills_every_field_of_its_mojom_struct(api):
    found = bodies(BLINK_MODULE / "npu_graph_builder.cc")
    for g in api.wire.graph_ops:
        text = found[f"NPUGraphBuilder::{g.name}"]
        struct = mojom_struct_name(f"GraphOp.{g.name}")
        assert f"{struct}::New()" in text, g.name
        for f in g.struct.fields:
            field = mojom_field(f.name)
            assert re.search(rf"op->{field}( = |\.push_back\()", text), (g.name, field)
        arm = "".join(p.capitalize() for p in mojom_field(g.name).split("_"))
        flat = re.sub(r"\s+", "", text)
        assert f"GraphOperation::New{arm}(std::move(op))" in flat, g.name
        assert "CheckUsable(exception_state)" in text, g.name
        for slot in (*g.slots, *g.optional_slots):
            assert f"CheckOperand({slot}, exception_state)" in text, (g.name, slot)


def test_inputs_and_constants_fill_their_description_entries(api):
    found = bodies(BLINK_MODULE / "npu_graph_builder.cc")
    structs = {s.name: s for s in api.wire.structs}
    for method in ("input", "constant"):
        text = found[f"NPUGraphBuilder::{method}"]
        for f in structs[f"Graph{upper_camel(method)}"].fields:
            assert f"entry->{mojom_field(f.name)} = " in text, (method, f.name)
        assert f"graph_->{method}s.push_back(std::move(entry));" in text
    assert "constant_data_.AppendSpan(bytes);" in found["NPUGraphBuilder::constant"]
    build = found["NPUGraphBuilder::build"]
    assert "remote_->Build(" in build and "graph_->outputs.push_back" in build
    assert "graph_->constant_data = " in build


def test_the_renderer_side_checks_use_the_python_bindings_messages():
    python = (ROOT / "python_service/client/graph_builder.py").read_text()
    blink = (BLINK_MODULE / "npu_graph_builder.cc").read_text()
    for message in ("build() was already called.", "An operand belongs to another builder."):
        assert message in python and f'"{message}"' in blink, message
    assert "kInvalidStateError" in blink
    assert "belongs to another builder." in python and "' belongs to another builder." in blink


def test_get_mapped_range_checks_with_the_python_clients_messages():
    python = (ROOT / "python_service/client/objects.py").read_text()
    text = bodies(BLINK_MODULE / "npu_buffer.cc")["NPUBuffer::getMappedRange"]
    for phrase in (
        ", not mapped.",
        " is outside the mapped range ",
        " overlaps a range already returned.",
    ):
        assert phrase in python and phrase in text, phrase
    assert "DOMArrayBuffer::Create" in text and "kOperationError" in text
    found = bodies(BLINK_MODULE / "npu_buffer.cc")
    for method in ("unmap", "destroy"):
        assert "DetachMappedRanges();" in found[f"NPUBuffer::{method}"], method
    assert "mapping.Map()" in found["NPUBuffer::OnMapAsync"]


def test_every_wire_dictionary_is_converted_field_by_field(api):
    text = (BLINK_MODULE / "npu_type_converters.cc").read_text()
    for s in api.wire.structs:
        d = api.model.get(s.name)
        if d is None or d.kind != "dictionary":
            continue
        match = re.search(
            rf"^\S+ ToMojom\(\s*const {s.name}\* input\) {{(.*?)^}}", text, re.M | re.S
        )
        assert match, s.name
        for f in s.fields:
            assert re.search(rf"output->{mojom_field(f.name)}(\.| =|->)", match.group(1)), (
                s.name,
                f.name,
            )


def test_the_converters_source_is_built():
    build = (BLINK_MODULE / "BUILD.gn").read_text()
    for path in BLINK_MODULE.glob("*.cc"):
        assert f'"{path.name}"' in build, path.name
    assert snake_case("NPUTypeConverters") + ".cc" == "npu_type_converters.cc"
    assert (BLINK_MODULE / f"{file_stem('NPUTypeConverters')}.cc").exists()


def _between(text: str, start: str, stop: str) -> str:
    """The text after the first `start` up to the next `stop` (asserting both are there)."""
    assert start in text, start
    after = text.split(start, 1)[1]
    assert stop in after, stop
    return after.split(stop, 1)[0]


def test_map_async_follows_the_python_clients_map_state_rules():
    """mapAsync() is pending at once; its reply maps the buffer only if it is still the same
    request, a rejection returns the buffer to "unmapped" only if it is still the same request,
    and a reply after unmap()/destroy() (or a later mapAsync) aborts, with the Python client's
    message (`NPUBufferImpl._map_async` in python_service/client/objects.py)."""
    python = (ROOT / "python_service/client/objects.py").read_text()
    found = bodies(BLINK_MODULE / "npu_buffer.cc")
    call = found["NPUBuffer::mapAsync"]
    assert "kPending" in call and "++map_generation_" in call
    assert re.search(r"WrapPersistent\(resolver\),\s*generation\)", call), call
    reply = found["NPUBuffer::OnMapAsync"]
    assert "uint64_t generation" in reply
    rejected = _between(reply, "if (result->is_error()) {", "RejectFromMojo(")
    assert "if (generation == map_generation_) {" in rejected and "kUnmapped" in rejected
    message = "unmap() was called before the mapping resolved"
    assert message in python
    aborted = _between(reply, "if (generation != map_generation_ ||", "return;")
    assert "kPending" in aborted and "kAbortError" in aborted and f'"{message}"' in aborted
    assert reply.index("kAbortError") < reply.index("kMapped")


def test_map_async_on_a_buffer_that_is_not_unmapped_fails_first():
    """As in the Python client: an OperationError naming the state, before anything changes
    (a second map would otherwise overwrite the mapped range, and its rejection would reset
    a mapped buffer to "unmapped")."""
    python = (ROOT / "python_service/client/objects.py").read_text()
    assert 'if self._map_state != "unmapped":' in python and "the buffer is " in python
    call = bodies(BLINK_MODULE / "npu_buffer.cc")["NPUBuffer::mapAsync"]
    check = "if (map_state_.AsEnum() != V8NPUBufferMapState::Enum::kUnmapped) {"
    refused = _between(call, check, "}")
    assert "kOperationError" in refused and '"the buffer is " + ' in refused
    assert "return ScriptPromise<IDLUndefined>();" in refused
    assert call.index(check) < call.index("mapped_start_ = offset;")
