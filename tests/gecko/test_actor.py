"""The content process's PWebNPU actor and the classes that use it: every message has its
one send or receive site, replies settle promises through IPDL's MozPromise, every object
releases its handle, and no skeleton is left."""

from __future__ import annotations

import re

from tests.gecko.ipdl_structure import parse

SKELETONS = ("NS_ERROR_NOT_IMPLEMENTED", "MOZ_CRASH", "not generated", "NotSupportedError")


def sources(gecko_files: dict[str, str]) -> dict[str, str]:
    return {
        p: t
        for p, t in gecko_files.items()
        if p.startswith("dom/webnpu/") and p.endswith((".cpp", ".h"))
    }


def protocol(gecko_files):
    return parse(gecko_files["dom/webnpu/ipc/PWebNPU.ipdl"])


def test_every_parent_message_has_exactly_one_send_site(gecko_files):
    code = "\n".join(t for p, t in sources(gecko_files).items() if p.endswith(".cpp"))
    for m in protocol(gecko_files).parent:
        sites = re.findall(rf"\bSend{m.name}\(", code)
        assert len(sites) == 1, (m.name, len(sites))


def test_every_child_message_has_exactly_one_receive_site(gecko_files):
    header = gecko_files["dom/webnpu/ipc/WebNPUChild.h"]
    source = gecko_files["dom/webnpu/ipc/WebNPUChild.cpp"]
    received = [m for m in protocol(gecko_files).child if m.name != "__delete__"]
    assert received
    for m in received:
        assert len(re.findall(rf"ipc::IPCResult Recv{m.name}\(", header)) == 1, m.name
        definition = re.findall(rf"WebNPUChild::Recv{m.name}\((.*?)^}}", source, re.M | re.S)
        assert len(definition) == 1, m.name
        assert "return IPC_OK();" in definition[0]


def test_the_child_actor_follows_webgpus(gecko_files):
    header = gecko_files["dom/webnpu/ipc/WebNPUChild.h"]
    assert "class WebNPUChild final : public PWebNPUChild" in header
    assert "NS_INLINE_DECL_REFCOUNTING(WebNPUChild, override)" in header
    assert '#include "mozilla/dom/webnpu/PWebNPUChild.h"' in header
    source = gecko_files["dom/webnpu/ipc/WebNPUChild.cpp"]
    assert "child->SendHello(kWireSchemaHash);" in source
    assert "void\nWebNPUChild::ActorDestroy(ActorDestroyReason aWhy)" in source


def test_the_schema_hash_is_the_wire_models(gecko_files, loaded):
    header = gecko_files["dom/webnpu/ipc/WebNPUChild.h"]
    assert f"kWireSchemaHash = 0x{loaded.wire.schema_hash:016x};" in header


def test_replies_settle_promises_through_the_ipdl_mozpromise(gecko_files):
    code = "\n".join(t for p, t in sources(gecko_files).items() if p.endswith(".cpp"))
    replied = [m for m in protocol(gecko_files).parent if m.returns]
    assert len(replied) >= 8
    for m in replied:
        site = re.search(
            rf"auto reply =\s+mBridge->Send{m.name}\(.*?\);\s+reply->Then\(", code, re.S
        )
        assert site is not None, m.name


def test_every_service_object_releases_its_handle_and_the_root_does_not(gecko_files, loaded):
    wire = loaded.wire
    for i in wire.interfaces:
        if i.kind != "object":
            continue
        name = "Instance" if i.root else i.name.removeprefix("NPU")
        source = gecko_files[f"dom/webnpu/{name}.cpp"]
        destructor = re.search(rf"^{name}::~{name}\(\)\n{{(.*?)^}}", source, re.M | re.S)
        if i.root:
            assert destructor is None
            assert "mHandle(1, 1)" in source  # the root's reserved handle
        else:
            assert destructor is not None, name
            assert f"mBridge->Send{i.name}Release(mHandle);" in destructor.group(1)


def test_device_events_reach_the_device(gecko_files):
    source = gecko_files["dom/webnpu/Device.cpp"]
    assert "mBridge->RegisterDevice(mHandle, this);" in source
    assert "mBridge->UnregisterDevice(mHandle);" in source
    assert "mLost->MaybeResolve(info);" in source
    assert "DispatchEvent(*event);" in source
    assert 'u"uncapturederror"_ns' in source


def test_errors_keep_their_message(gecko_files):
    assert "mMessage(aMessage)" in gecko_files["dom/webnpu/Error.cpp"]
    for name in ("ValidationError", "OutOfMemoryError", "InternalError"):
        source = gecko_files[f"dom/webnpu/{name}.cpp"]
        assert ": Error(aGlobal, aMessage)" in source, name
        assert f"new {name}(global, aMessage)" in source, name


def test_no_skeleton_is_left(gecko_files):
    for path, text in sources(gecko_files).items():
        for marker in SKELETONS:
            assert marker not in text, (path, marker)


def test_created_objects_get_what_the_reply_carries(gecko_files, loaded):
    for m in loaded.wire.messages:
        if not m.creates or m.reply is None:
            continue
        interface = m.interface.removeprefix("NPU") or "Instance"
        source = gecko_files[f"dom/webnpu/{interface}.cpp"]
        for f in m.reply.fields:
            setter = f"created->Set{f.name[0].upper()}{f.name[1:]}("
            assert setter in source, (m.name, f.name)
    # The features' setlike is filled through the binding, as WebGPU's is.
    assert "features->AddSetlikeValues(" in gecko_files["dom/webnpu/Instance.cpp"]
    assert "SetlikeHelpers::Add" in gecko_files["dom/webnpu/SupportedFeatures.cpp"]


def test_commands_are_encoded_into_the_stream_finish_sends(gecko_files, loaded):
    source = gecko_files["dom/webnpu/CommandEncoder.cpp"]
    for c in loaded.wire.commands:
        struct = f"::webnpu::wire::{c.interface}{c.method[0].upper()}{c.method[1:]} command;"
        assert struct in source, c.name
    assert source.count("::webnpu::wire::EncodeCommand(mCommands, command);") == len(
        loaded.wire.commands
    )
    assert "mCommandCount,\n" in source or "mCommandCount, " in source
    assert "std::move(commands)" in source
