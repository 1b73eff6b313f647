"""The generated Blink classes hold together at run time: created objects are bound to live
pipes, every field starts with a value, errors and events carry what they are given, the
device receives its client events, and a graph knows its inputs and outputs."""

from __future__ import annotations

import re

from codegen.model import ir
from codegen.targets.chromium_naming import event_method, file_stem, upper_camel
from tests.blink.conftest import BLINK_MODULE, MOJOM_DIR
from tests.blink.test_blink_bodies import all_bodies, bodies

PENDING = re.compile(r"mojo::Pending(?:Remote|Receiver)<[\w:]+>\s+(\w+);")


def constructor(interface: str) -> str:
    return bodies(BLINK_MODULE / f"{file_stem(interface)}.cc")[f"{interface}::{interface}"]


def header(interface: str) -> str:
    return (BLINK_MODULE / f"{file_stem(interface)}.h").read_text()


def mojom_interface(name: str) -> list[str]:
    """The method names of an interface in the generated mojom."""
    text = (MOJOM_DIR / "webnpu.mojom").read_text()
    block = re.search(rf"^interface {name} {{(.*?)^}};", text, re.M | re.S)
    assert block is not None, name
    return re.findall(r"^  (\w+)@\d+\(", block.group(1), re.M)


def test_a_pipe_is_made_before_either_end_is_handed_away():
    """`remote.InitWithNewPipeAndPassReceiver()` before `std::move(remote)`: an object built
    from a remote that has no pipe yet is bound to nothing."""
    checked = 0
    for name, text in all_bodies().items():
        for variable in PENDING.findall(text):
            init = re.search(rf"\b{variable}\.InitWithNewPipeAndPass\w+\(\)", text)
            moved = text.find(f"std::move({variable})")
            assert init is not None, (name, variable)
            assert moved == -1 or init.start() < moved, (name, variable)
            checked += 1
    assert checked >= 8


def test_nothing_is_used_after_it_is_moved():
    for name, text in all_bodies().items():
        for variable in set(re.findall(r"std::move\((\w+)\)", text)):
            if variable.endswith("_"):
                continue  # a field moved into a message (commands_, graph_) and reset
            moved = f"std::move({variable})"
            after = text[text.find(moved) + len(moved) :]
            assert not re.search(rf"(?<![\w>.]){variable}\b", after), (name, variable)


def test_each_created_object_gets_its_pipes_in_the_mojom_call(api):
    found = all_bodies()
    for m in api.wire.messages:
        if not m.creates:
            continue
        text = found[f"{m.interface}::{m.method}"]
        call = text[text.index(f"remote_->{upper_camel(m.method)}(") :]
        events = {e.interface for e in api.wire.events}
        for i, created in enumerate(m.creates):
            prefix = "" if i == 0 else created.removeprefix("NPU").lower() + "_"
            assert f"std::move({prefix}receiver)" in call, (m.name, created)
            assert (f"std::move({prefix}client_remote)" in call) == (created in events)


def test_every_enum_and_scalar_field_starts_with_a_value(api):
    scalars = r"(?:bool|u?int(?:8|16|32|64)_t|float|double)"
    for d in api.model.interfaces:
        path = BLINK_MODULE / f"{file_stem(d.name)}.h"
        fields = re.findall(rf"^  (V8\w+|{scalars}) (\w+_);$", path.read_text(), re.M)
        if not fields:
            continue
        text = constructor(d.name)
        for type_, name in fields:
            assert re.search(rf"\b{name}\(", text), (d.name, name)
            if type_.startswith("V8"):
                enum = api.model[type_[2:]]
                first = upper_camel(re.sub(r"-(\w)", lambda g: g[1].upper(), enum.values[0].value))
                initial = f"{name}({type_}::Enum::k{first})"
                assert name == "data_type_" or initial in text, (d.name, text)


def test_an_error_keeps_its_message(api):
    assert "message_(message)" in constructor("NPUError")
    subclasses = [d for d in api.model.interfaces if d.inherits == "NPUError"]
    assert len(subclasses) == 3
    for d in subclasses:
        assert ": NPUError(message)" in constructor(d.name), d.name


def test_an_event_is_constructed_with_its_type_and_init():
    text = constructor("NPUUncapturedErrorEvent")
    assert "Event(AtomicString(type)" in text
    assert "error_(npu_uncaptured_error_event_init_dict->error())" in text


def test_the_device_implements_its_client_interface(api):
    text = header("NPUDevice")
    client = "webnpu::mojom::blink::NPUDeviceClient"
    assert f"public {client}" in text
    assert re.search(rf"HeapMojoReceiver<{client}, NPUDevice>\s+client_receiver_;", text)
    found = bodies(BLINK_MODULE / "npu_device.cc")
    assert "visitor->Trace(client_receiver_);" in found["NPUDevice::Trace"]
    assert "client_receiver_.Bind(std::move(client)" in found["NPUDevice::NPUDevice"]
    methods = mojom_interface("NPUDeviceClient")
    assert methods == [event_method(e.member) for e in api.wire.events]
    for method in methods:
        assert re.search(rf"void {method}\([^)]*\) override;", text), method
        assert f"NPUDevice::{method}" in found, method
    lost = found["NPUDevice::OnLost"]
    assert "lost_property_->Resolve(" in lost and "kPending" in lost
    event = found["NPUDevice::OnUncapturederror"]
    assert "DispatchEvent(*MakeGarbageCollected<NPUUncapturedErrorEvent>(" in event
    assert "event_type_names::kUncapturederror" in event
    assert "init->setError(ErrorFromMojom(*error))" in event
    # The promise property exists before an event can settle it.
    assert (
        "lost_property_(MakeGarbageCollected<LostProperty>(context))"
        in found["NPUDevice::NPUDevice"]
    )


def test_a_created_object_gets_what_the_reply_carries(api):
    found = all_bodies()
    checked = 0
    for m in api.wire.messages:
        if not m.creates or m.reply is None:
            continue
        target = api.model[m.creates[0]]
        attributes = {x.name for x in target.members if isinstance(x, ir.Attribute) and x.readonly}
        callback = found[f"{m.interface}::On{upper_camel(m.method)}"]
        for f in m.reply.fields:
            if f.name in attributes:
                assert f"created->Set{upper_camel(f.name)}(" in callback, (m.name, f.name)
                assert f"{target.name}::Set{upper_camel(f.name)}" in found
                checked += 1
    assert checked >= 9  # adapter 3, device 2, graph 2 + 2


def test_a_graph_fills_its_tensor_infos_field_by_field():
    text = (BLINK_MODULE / "npu_type_converters.cc").read_text()
    body = re.search(r"HeapVector<Member<NPUTensorInfo>> FromMojom\(.*?^}", text, re.M | re.S)
    assert body is not None
    for setter in ("setName(value->name)", "setShape(value->shape)", "setDataType(FromMojom("):
        assert setter in body.group(0), setter


def test_a_buffer_takes_its_size_and_usage_from_its_descriptor():
    text = all_bodies()["NPUDevice::createBuffer"]
    assert "created->SetSize(descriptor->size());" in text
    assert "created->SetUsage(descriptor->usage());" in text
