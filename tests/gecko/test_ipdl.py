"""dom/webnpu/ipc/PWebNPU.ipdl and PWebNPUTypes.ipdlh, read by our structural reader
(tests/gecko/ipdl_structure.py; upstream's IPDL parser is not run here) and compared with
the wire model."""

from __future__ import annotations

import pytest

from codegen.targets.gecko_cpp import ipdl_message_name
from tests.gecko.ipdl_structure import BUILTIN, IpdlSyntaxError, parse


@pytest.fixture(scope="module")
def ipdl(gecko_files):
    return (
        parse(gecko_files["dom/webnpu/ipc/PWebNPU.ipdl"]),
        parse(gecko_files["dom/webnpu/ipc/PWebNPUTypes.ipdlh"]),
    )


def test_protocol_carries_every_wire_message_and_event(loaded, ipdl):
    protocol, _ = ipdl
    wire = loaded.wire
    assert protocol.protocol == "PWebNPU"
    assert protocol.includes == ["PWebNPUTypes"]
    assert protocol.namespaces == ["mozilla", "dom", "webnpu"]
    # The root's release is an unknown method on the wire (docs/wire.md §3.5): no message for it.
    assert [m.name for m in protocol.parent] == ["Hello"] + [
        ipdl_message_name(m) for m in wire.messages if not wire.root_release(m)
    ]
    assert "NPURelease" not in {m.name for m in protocol.parent}
    assert [m.name for m in protocol.child] == [ipdl_message_name(e) for e in wire.events] + [
        "__delete__"
    ]
    replies = {ipdl_message_name(m) for m in wire.messages if m.reply is not None}
    assert {m.name for m in protocol.parent if m.returns} == replies


def test_fields_follow_the_wire_structs(loaded, ipdl):
    protocol, types = ipdl
    create = next(m for m in protocol.parent if m.name == "NPUDeviceCreateBuffer")
    assert create.params == [
        ("WebNPUHandle", "aSelf"),
        ("WebNPUHandle", "aResult"),
        ("NPUBufferDescriptor", "aDescriptor"),
    ]
    write = next(m for m in protocol.parent if m.name == "NPUQueueWriteBuffer")
    assert ("BigBuffer", "aData") in write.params  # tensor bytes: inline or shared memory
    assert ("uint64_t?", "aSize") in write.params  # a presence bit on the wire
    descriptor = dict((n, t) for t, n in types.structs["NPUBufferDescriptor"])
    wire_fields = {
        f.name for s in loaded.wire.structs if s.name == "NPUBufferDescriptor" for f in s.fields
    }
    assert set(descriptor) == wire_fields
    assert descriptor["tensor"] == "NPUTensorDescriptor?"
    assert "MutableSharedMemoryHandle" in {
        t for fields in types.structs.values() for t, _ in fields
    }


def test_every_type_used_is_declared(ipdl):
    protocol, types = ipdl
    declared = BUILTIN | set(types.structs) | set(types.unions) | set(types.usings)
    declared |= set(protocol.usings)
    used = [t for fields in types.structs.values() for t, _ in fields]
    used += [t for arms in types.unions.values() for t in arms]
    used += [t for m in protocol.parent + protocol.child for t, _ in m.params + (m.returns or [])]
    missing = {t.rstrip("[]?") for t in used} - declared
    assert missing == set()
    for name, arms in types.unions.items():
        assert len(set(arms)) == len(arms), f"union {name} repeats an arm type"


def test_the_reader_rejects_malformed_ipdl():
    with pytest.raises(IpdlSyntaxError):
        parse("namespace a { async protocol P { parent: async M(uint32_t) ; }; }")
    with pytest.raises(IpdlSyntaxError):
        parse("namespace a { struct S { uint32_t x; };")
