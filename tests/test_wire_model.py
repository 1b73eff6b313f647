"""The wire model (codegen/model/wire.py, docs/wire.md §1-§2): webnpu's model, the append-only
ordinal golden file, and one exact-message test per misuse of the `Wire*` attributes.

Misuse snippets go through `codegen.pipeline.load`, as the command line does, so each test also
shows the pass runs (and reports at the member's `file:line:col`) when the inputs use `Wire*`.
"""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest

from codegen.model import wire as wire_model
from codegen.pipeline import load

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "wire" / "ordinals.golden.json"


@pytest.fixture(scope="module")
def webnpu():
    result = load([ROOT / "idl" / "webnpu.idl"])
    assert result.ok and not result.sink.diagnostics
    assert result.wire is not None
    return result.wire


def errors(tmp_path: Path, text: str, *, build: bool = True) -> list[str]:
    """`file:line:col: message` of each error from loading `text` as a.idl."""
    path = tmp_path / "a.idl"
    path.write_text(dedent(text).strip() + "\n", encoding="utf-8")
    result = load([path], build=build)
    out = []
    for d in result.sink.diagnostics:
        assert d.is_error, d.format()
        out.append(f"{Path(d.loc.file).name}:{d.loc.line}:{d.loc.column}: {d.message}")
    return out


# --- the webnpu model -----------------------------------------------------------------------


def test_every_webnpu_interface_has_a_marker(webnpu):
    kinds = {i.name: i.kind for i in webnpu.interfaces}
    assert kinds["NPU"] == "object"
    assert kinds["NPUOperand"] == "operand"
    assert kinds["NPUAdapterInfo"] == "value"
    assert kinds["NPUError"] == "local"
    objects = {i.name: i.ordinal for i in webnpu.interfaces if i.kind == "object"}
    assert objects == {
        "NPU": 1,
        "NPUAdapter": 2,
        "NPUDevice": 3,
        "NPUQueue": 4,
        "NPUBuffer": 5,
        "NPUGraphBuilder": 6,
        "NPUGraph": 7,
        "NPUCommandEncoder": 8,
        "NPUCommandBuffer": 9,
    }
    assert [i.name for i in webnpu.interfaces if i.root] == ["NPU"]


def test_ordinals_match_the_docs_worked_examples(webnpu):
    table = webnpu.ordinals()
    assert table["message NPUDevice.createBuffer"] == 0x00030003
    assert table["command NPUCommandEncoder.dispatch"] == 0x00080002
    assert table["message NPUBuffer.release"] == 0x00050000
    assert table["message NPUDevice.createCommandEncoder"] == 0x00030006
    assert table["message NPUCommandEncoder.finish"] == 0x00080004
    assert table["message NPUQueue.submit"] == 0x00040002
    assert table["message NPUGraphBuilder.build"] == 0x00060002
    assert table["event NPUDevice.lost"] == 0x00038001
    assert table["event NPUDevice.onuncapturederror"] == 0x00038002
    assert table["graph op cast"] == 25


def test_ordinals_are_unique_per_direction(webnpu):
    top = [m.ordinal for m in webnpu.messages]
    assert len(top) == len(set(top))
    assert not set(top) & {c.ordinal for c in webnpu.commands}


def test_golden_ordinals_only_grow(webnpu):
    golden = {k: int(v, 16) for k, v in json.loads(GOLDEN.read_text()).items()}
    now = webnpu.ordinals()
    gone = sorted(set(golden) - set(now))
    changed = sorted(k for k in golden if k in now and now[k] != golden[k])
    added = sorted(set(now) - set(golden))
    assert not gone, f"ordinals removed (the wire is append-only): {gone}"
    assert not changed, f"ordinals renumbered: {changed}"
    assert not added, f"new ordinals: add them to {GOLDEN.relative_to(ROOT)}: {added}"


def test_create_buffer_request_shape(webnpu):
    (m,) = [m for m in webnpu.messages if m.name == "NPUDevice.createBuffer"]
    assert m.kind == "send" and m.reply is None and m.creates == ("NPUBuffer",)
    assert [(f.name, str(f.type)) for f in m.request.fields] == [
        ("self", "Handle<NPUDevice>"),
        ("result", "Handle<NPUBuffer>"),
        ("descriptor", "struct NPUBufferDescriptor"),
    ]


def test_dispatch_is_a_command_without_self(webnpu):
    (c,) = [c for c in webnpu.commands if c.method == "dispatch"]
    assert [(f.name, str(f.type)) for f in c.request.fields] == [
        ("graph", "Handle<NPUGraph>"),
        ("inputs", "record<string, Handle<NPUBuffer>>"),
        ("outputs", "record<string, Handle<NPUBuffer>>"),
    ]


def test_request_device_creates_the_device_and_its_queue(webnpu):
    (m,) = [m for m in webnpu.messages if m.name == "NPUAdapter.requestDevice"]
    assert m.creates == ("NPUDevice", "NPUQueue")
    assert [f.name for f in m.reply.fields] == ["features", "limits"]


def test_replies(webnpu):
    by_name = {m.name: m for m in webnpu.messages}
    assert [(f.name, str(f.type)) for f in by_name["NPUBuffer.mapAsync"].reply.fields] == [
        ("mapping", "SharedMemoryRef")
    ]
    assert [(f.name, str(f.type)) for f in by_name["NPUQueue.readBuffer"].reply.fields] == [
        ("data", "Bytes")
    ]
    assert [(f.name, f.optional) for f in by_name["NPUDevice.popErrorScope"].reply.fields] == [
        ("error", True)
    ]
    assert by_name["NPUQueue.onSubmittedWorkDone"].reply.fields == ()
    build = by_name["NPUGraphBuilder.build"]
    assert [str(f.type) for f in build.request.fields][-1] == "GraphDescription"


def test_label_setter_is_ordinal_one_wherever_the_mixin_is_included(webnpu):
    labels = [m for m in webnpu.messages if m.method == "label"]
    assert {m.interface for m in labels} == {
        "NPUDevice",
        "NPUQueue",
        "NPUBuffer",
        "NPUGraphBuilder",
        "NPUGraph",
        "NPUCommandEncoder",
        "NPUCommandBuffer",
    }
    assert all(m.ordinal & 0xFFFF == 1 for m in labels)


def test_plain_idl_does_not_run_the_wire_pass(tmp_path):
    path = tmp_path / "a.idl"
    path.write_text("[Exposed=Window] interface I { undefined f(any x); };\n")
    result = load([path])
    assert result.ok and result.wire is None


# --- misuse: one test per rule --------------------------------------------------------------


def test_unknown_wire_attribute(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I {
          [Wire=send, WireOrdnal=1] undefined f();
        };
        """,
    ) == [
        "a.idl:2:39: unknown wire attribute [WireOrdnal]; the wire attributes are "
        + ", ".join(wire_model.WIRE_ATTRIBUTES),
        "a.idl:2:39: I.f is [Wire=send] but has no [WireOrdinal=N]",
    ]


def test_unknown_method_kind(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I {
          [Wire=sned, WireOrdinal=1] undefined f();
        };
        """,
    ) == [
        "a.idl:2:40: unknown [Wire] kind 'sned' on I.f; expected one of "
        "send, reply, command, finish, build, local"
    ]


def test_duplicate_method_ordinal(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I {
          [Wire=send, WireOrdinal=1] undefined f();
          [Wire=send, WireOrdinal=1] undefined g();
        };
        """,
    ) == ["a.idl:3:40: method ordinal 1 of I.g is already used by I.f"]


def test_duplicate_ordinal_counts_mixin_members(tmp_path):
    assert errors(
        tmp_path,
        """
        interface mixin M { [Wire=send, WireOrdinal=1] attribute DOMString label; };
        [Exposed=Window, WireObject=1] interface I {
          [Wire=send, WireOrdinal=1] undefined f();
        };
        I includes M;
        """,
    ) == ["a.idl:1:68: method ordinal 1 of I.label is already used by I.f"]


@pytest.mark.parametrize("value", ["0", "32768"])
def test_method_ordinal_out_of_range(tmp_path, value):
    assert errors(
        tmp_path,
        f"""
        [Exposed=Window, WireObject=1] interface I {{
          [Wire=send, WireOrdinal={value}] undefined f();
        }};
        """,
    ) == [f"a.idl:2:{40 + len(value) - 1}: method ordinal {value} of I.f is outside 1..0x7fff"]


def test_interface_ordinal_out_of_range_and_duplicate(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=0] interface I {};
        [Exposed=Window, WireObject=2] interface J {};
        [Exposed=Window, WireObject=2] interface K {};
        """,
    ) == [
        "a.idl:1:42: interface ordinal 0 of I is outside 1..0x7fff",
        f"a.idl:3:42: interface ordinal 2 of K is already used by J ({tmp_path / 'a.idl'}:2:42)",
    ]


def test_ordinal_must_be_an_integer(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=one] interface I {};
        """,
    ) == ["a.idl:1:44: [WireObject] needs an integer interface ordinal, as in [WireObject=1]"]


def test_missing_ordinal_on_a_wire_method(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I { [Wire=send] undefined f(); };
        """,
    ) == ["a.idl:1:68: I.f is [Wire=send] but has no [WireOrdinal=N]"]


def test_ordinal_on_a_local_method(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I {
          [Wire=local, WireOrdinal=1] undefined f();
        };
        """,
    ) == ["a.idl:2:41: I.f is [Wire=local] and must not have a [WireOrdinal]"]


def test_operation_without_a_kind(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I { undefined f(); };
        """,
    ) == [
        "a.idl:1:56: operation I.f has no [Wire=K]; add [Wire=local] if it does not cross "
        "the process boundary"
    ]


def test_wire_method_on_an_interface_without_a_marker(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window] interface I { [Wire=send, WireOrdinal=1] undefined f(); };
        """,
    ) == [
        "a.idl:1:28: interface I has no wire marker: add one of [WireObject=N], [WireValue], "
        "[WireLocal], [WireOperand]",
        "a.idl:1:69: [Wire] on I.f, but interface I is not a [WireObject]",
        "a.idl:1:69: [WireOrdinal] on I.f, but interface I is not a [WireObject]",
    ]


def test_two_markers(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireValue, WireLocal] interface I {};
        """,
    ) == ["a.idl:1:50: interface I has more than one wire marker: [WireValue], [WireLocal]"]


def test_marker_on_a_dictionary(tmp_path):
    assert errors(
        tmp_path,
        """
        [WireObject=1] dictionary D {};
        [Exposed=Window, WireLocal] interface I {};
        """,
    ) == ["a.idl:1:27: [WireObject] is only allowed on an interface, not on dictionary D"]


def test_root_needs_an_object(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireValue, WireRoot] interface I {};
        """,
    ) == ["a.idl:1:49: [WireRoot] on interface I needs [WireObject=N]"]


def test_return_type_must_fit_the_kind(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I {
          [Wire=send, WireOrdinal=1] DOMString f();
          [Wire=reply, WireOrdinal=2] undefined g();
        };
        """,
    ) == [
        "a.idl:2:40: I.f is [Wire=send] and must return undefined or a [WireObject] "
        "interface, not DOMString",
        "a.idl:3:41: I.g is [Wire=reply] and must return a Promise, not undefined",
    ]


def test_argument_types_must_be_encodable(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireLocal] interface L {};
        [Exposed=Window, WireObject=1] interface I {
          [Wire=send, WireOrdinal=1] undefined f(any a, L b);
        };
        """,
    ) == [
        "a.idl:3:40: argument 'a' of I.f has type any, which cannot cross the wire",
        "a.idl:3:40: argument 'b' of I.f has type L, a [WireLocal] interface, which cannot "
        "cross the wire",
    ]


def test_command_needs_exactly_one_finish(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I {
          [Wire=command, WireOrdinal=1] undefined f();
        };
        """,
    ) == [
        "a.idl:2:43: [Wire=command] methods of I need exactly one [Wire=finish] method in "
        "the same interface (found 0)"
    ]


def test_graph_op_numbers(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireOperand] interface O {};
        [Exposed=Window, WireObject=1] interface B {
          [Wire=local, WireGraphOp=1] O add(O a, O b);
          [Wire=local, WireGraphOp=1] O sub(O a, O b);
          [Wire=local, WireGraphOp=2] undefined mul();
        };
        """,
    ) == [
        "a.idl:4:33: graph op number 1 of B.sub is already used by add",
        "a.idl:5:41: [WireGraphOp] B.mul must return the [WireOperand] interface",
    ]


def test_event_placement(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I {
          [WireEvent=1] readonly attribute DOMString x;
        };
        """,
    ) == [
        "a.idl:2:46: [WireEvent] on I.x needs an EventHandler attribute or a readonly "
        "Promise attribute"
    ]


def test_result_and_child_need_readonly_attributes(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I {
          [WireResult] attribute DOMString x;
          [WireChild] readonly attribute DOMString y;
        };
        """,
    ) == [
        "a.idl:2:36: [WireResult] on I.x needs a readonly attribute",
        "a.idl:3:44: [WireChild] on I.y needs a [WireObject] type, not DOMString",
    ]


def test_validate_only_reports_wire_errors(tmp_path):
    assert errors(
        tmp_path,
        """
        [Exposed=Window, WireObject=1] interface I { [Wire=send] undefined f(); };
        """,
        build=False,
    ) == ["a.idl:1:68: I.f is [Wire=send] but has no [WireOrdinal=N]"]


# --- unions, graph op structs, value structs, replies and events (§2.3, §3.3, §5) -------------


def _struct(webnpu, name: str) -> wire_model.WireStruct:
    return next(s for s in webnpu.structs if s.name == name)


def test_npu_number_is_a_union_in_flattened_member_order(webnpu):
    clamp = next(op for op in webnpu.graph_ops if op.name == "clamp")
    number = {f.name: f for f in clamp.struct.fields}["minValue"]
    assert number.optional and isinstance(number.type, wire_model.Union)
    assert [(a.tag, a.name, str(a.type)) for a in number.type.arms] == [
        (0, "bigint", "i128"),
        (1, "unrestricted double", "f64"),
    ]
    assert number.type.min_size == 16  # tag word + the double


def test_graph_op_struct_layout(webnpu):
    gemm = next(op for op in webnpu.graph_ops if op.name == "gemm")
    assert (gemm.slots, gemm.optional_slots, gemm.variadic_slot) == (("a", "b"), ("c",), None)
    assert gemm.attributes == ("aTranspose", "alpha", "bTranspose", "beta")
    # f64s first, then the u32s (output id, slots, c) in declaration order, then the bools.
    assert gemm.struct.fixed.format == "<ddIIIIBB"
    assert [s.name for s in gemm.struct.fixed.slots] == [
        "alpha", "beta", "output_id", "a", "b", "c", "aTranspose", "bTranspose"
    ]  # fmt: skip
    concat = next(op for op in webnpu.graph_ops if op.name == "concat")
    assert concat.variadic_slot == "inputs" and concat.slots == ()


def test_graph_description_is_laid_out_and_build_carries_it(webnpu):
    description = _struct(webnpu, "GraphDescription")
    assert [f.name for f in description.fields] == [
        "inputs", "constants", "operations", "outputs", "constant_data"
    ]  # fmt: skip
    operations = description.fields[2].type
    assert [a.tag for a in operations.element.arms] == [op.number for op in webnpu.graph_ops]
    assert _struct(webnpu, "GraphConstant").fixed.format == "<QQI"
    build = next(m for m in webnpu.messages if m.name == "NPUGraphBuilder.build")
    assert [f.name for f in build.request.fields] == ["self", "result", "graph"]
    assert wire_model.type_derived(build.request.fields[2].type)


def test_value_interfaces_cross_as_structs(webnpu):
    features = _struct(webnpu, "NPUSupportedFeatures")
    assert [(f.name, str(f.type)) for f in features.fields] == [("values", "array<string>")]
    lost = _struct(webnpu, "NPUDeviceLostInfo")
    assert [f.name for f in lost.fields] == ["reason", "message"]
    adapter = next(m for m in webnpu.messages if m.name == "NPU.requestAdapter")
    assert [(f.name, f.optional) for f in adapter.reply.fields] == [
        ("features", True), ("limits", True), ("info", True)
    ]  # fmt: skip
    assert [str(f.type) for f in _struct(webnpu, "Rejection").fields] == [
        "enum RejectionException", "string"
    ]  # fmt: skip


def test_events_carry_their_object_then_the_payload(webnpu):
    lost, uncaptured = webnpu.events
    assert [(f.name, str(f.type)) for f in lost.struct.fields] == [
        ("self", "Handle<NPUDevice>"), ("info", "struct NPUDeviceLostInfo")
    ]  # fmt: skip
    assert [(f.name, str(f.type)) for f in uncaptured.struct.fields] == [
        ("self", "Handle<NPUDevice>"), ("error", "ErrorReport")
    ]  # fmt: skip


# --- connection control and the schema hash (docs/wire.md §2.4, §7.2) -------------------------


def test_hello_is_connection_control_message_1(webnpu):
    (hello,) = webnpu.control
    assert (hello.name, hello.ordinal, hello.kind) == ("Connection.hello", 0x00000001, "hello")
    assert [(f.name, str(f.type)) for f in hello.request.fields] == [
        ("schema_hash", "u64"), ("reserved", "reserved u64")
    ]  # fmt: skip
    assert (hello.request.fixed.format, hello.request.fixed.size) == ("<QQ", 16)
    assert webnpu.ordinals()["message Connection.hello"] == 1
    assert hello not in webnpu.messages  # valid only as the first message, never at top level


def _schema_hash(tmp_path: Path, text: str) -> int:
    path = tmp_path / "webnpu.idl"
    path.write_text(text, encoding="utf-8")
    result = load([path])
    assert result.ok and not result.sink.diagnostics, [d.format() for d in result.sink.diagnostics]
    return result.wire.schema_hash


def test_schema_hash_is_stable(webnpu, tmp_path):
    text = (ROOT / "idl" / "webnpu.idl").read_text(encoding="utf-8")
    assert 0 < webnpu.schema_hash < 2**64
    assert webnpu.schema_hash == webnpu.compute_schema_hash()
    again = load([ROOT / "idl" / "webnpu.idl"]).wire
    assert again.schema_hash == webnpu.schema_hash
    assert again.canonical_json() == webnpu.canonical_json()
    # Source locations are not part of it: the same IDL elsewhere, one line lower, same hash.
    assert _schema_hash(tmp_path, "\n" + text) == webnpu.schema_hash


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            "[Wire=send, WireOrdinal=7] undefined pushErrorScope(",
            "[Wire=send, WireOrdinal=99] undefined pushErrorScope(",
            id="ordinal",
        ),
        pytest.param('    "high-performance",\n', '    "high-performance",\n    "x",\n', id="enum"),
        pytest.param("required NPUSize64 size;", "required unsigned long size;", id="field type"),
    ],
)
def test_schema_hash_changes_with_the_wire(webnpu, tmp_path, old, new):
    text = (ROOT / "idl" / "webnpu.idl").read_text(encoding="utf-8")
    assert text.count(old) == 1
    assert _schema_hash(tmp_path, text.replace(old, new)) != webnpu.schema_hash
