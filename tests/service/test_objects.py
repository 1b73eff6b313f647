"""ObjectTable: handles, generations, kinds, release and per-client quotas (docs/wire.md §2.2)."""

from __future__ import annotations

import pytest

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.service.objects import (
    ROOT_HANDLE,
    BufferState,
    ClientQuotas,
    GraphState,
    InvalidObject,
    NPUError,
    ObjectKind,
    ObjectTable,
)
from python_service.wire.runtime import Handle

DEVICE = Handle(1, 1)
ILLEGAL = BadMessageKind.WEBNPU_ERROR_ILLEGAL_OBJECT_ID


def buffer(size: int = 16) -> BufferState:
    return BufferState(DEVICE, size, 0x10)


def bad(kind: BadMessageKind, call, *args) -> BadMessage:
    with pytest.raises(BadMessage) as info:
        call(*args)
    assert info.value.kind is kind
    return info.value


def test_root_exists_and_cannot_be_released():
    table = ObjectTable()
    assert table.get(ObjectKind.NPU, ROOT_HANDLE) is None
    error = bad(
        BadMessageKind.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD,
        table.release,
        ObjectKind.NPU,
        ROOT_HANDLE,
    )
    assert error.detail == "release of the root NPU object"


def test_create_get_release():
    table = ObjectTable()
    obj = buffer()
    assert table.create(ObjectKind.BUFFER, Handle(3, 1), obj) is None
    assert table.get(ObjectKind.BUFFER, Handle(3, 1)) is obj
    assert table.memory_bytes == 16
    assert table.release(ObjectKind.BUFFER, Handle(3, 1)) is obj
    assert table.memory_bytes == 0
    assert bad(ILLEGAL, table.get, ObjectKind.BUFFER, Handle(3, 1)).detail == (
        "BUFFER (3, 1) is not live for this client"
    )


def test_null_id_is_a_null_pointer():
    error = bad(
        BadMessageKind.VALIDATION_ERROR_UNEXPECTED_NULL_POINTER,
        ObjectTable().create,
        ObjectKind.BUFFER,
        Handle(0, 0),
        buffer(),
    )
    assert error.detail == "creating BUFFER with the null id"


def test_create_over_live_id():
    table = ObjectTable()
    table.create(ObjectKind.BUFFER, Handle(3, 1), buffer())
    error = bad(ILLEGAL, table.create, ObjectKind.BUFFER, Handle(3, 2), buffer())
    assert error.detail == "creating BUFFER (3, 2) over a live id"


@pytest.mark.parametrize("generation", [0, 1, 2])
def test_create_with_stale_generation(generation):
    table = ObjectTable()
    table.create(ObjectKind.BUFFER, Handle(3, 2), buffer())
    table.release(ObjectKind.BUFFER, Handle(3, 2))
    error = bad(ILLEGAL, table.create, ObjectKind.BUFFER, Handle(3, generation), buffer())
    assert error.detail == f"creating BUFFER (3, {generation}) with a stale generation (last was 2)"
    assert table.create(ObjectKind.BUFFER, Handle(3, 3), buffer()) is None


def test_stale_generation_lookup():
    table = ObjectTable()
    table.create(ObjectKind.BUFFER, Handle(3, 2), buffer())
    error = bad(ILLEGAL, table.get, ObjectKind.BUFFER, Handle(3, 1))
    assert error.detail == "BUFFER (3, 1) has a stale generation (live is 2)"
    bad(ILLEGAL, table.release, ObjectKind.BUFFER, Handle(3, 1))


def test_ids_are_per_interface():
    table = ObjectTable()
    table.create(ObjectKind.BUFFER, Handle(3, 1), buffer())
    error = bad(ILLEGAL, table.get, ObjectKind.GRAPH, Handle(3, 1))
    assert error.detail == "GRAPH (3, 1) is not live for this client"
    # The same id in another interface's space is a different object.
    graph = GraphState(DEVICE, {}, {})
    assert table.create(ObjectKind.GRAPH, Handle(3, 1), graph) is None
    assert table.get(ObjectKind.GRAPH, Handle(3, 1)) is graph


def test_tables_are_per_client():
    one, two = ObjectTable(), ObjectTable()
    one.create(ObjectKind.BUFFER, Handle(3, 1), buffer())
    bad(ILLEGAL, two.get, ObjectKind.BUFFER, Handle(3, 1))


def test_buffer_count_quota_is_a_validation_error_and_makes_an_error_object():
    table = ObjectTable(ClientQuotas(max_buffers=1))
    table.create(ObjectKind.BUFFER, Handle(1, 1), buffer())
    error = table.create(ObjectKind.BUFFER, Handle(2, 1), buffer())
    assert error == NPUError("validation", "BUFFER (2, 1): maxBuffersPerClient (1) buffers exist")
    assert isinstance(table.get(ObjectKind.BUFFER, Handle(2, 1)), InvalidObject)
    assert table.memory_bytes == 16


def test_graph_count_quota():
    table = ObjectTable(ClientQuotas(max_graphs=0))
    error = table.create(ObjectKind.GRAPH, Handle(1, 1), GraphState(DEVICE, {}, {}))
    assert error == NPUError("validation", "GRAPH (1, 1): maxGraphsPerClient (0) graphs exist")


def test_object_count_quota():
    table = ObjectTable(ClientQuotas(max_objects=2))  # the root is one
    assert table.create(ObjectKind.DEVICE, Handle(1, 1), object()) is None
    error = table.create(ObjectKind.DEVICE, Handle(2, 1), object())
    assert error == NPUError("validation", "DEVICE (2, 1): the client already holds 2 objects")


def test_memory_quota_is_out_of_memory():
    table = ObjectTable(ClientQuotas(max_memory_bytes=100))
    assert table.create(ObjectKind.BUFFER, Handle(1, 1), buffer(60)) is None
    error = table.create(ObjectKind.BUFFER, Handle(2, 1), buffer(41))
    assert error == NPUError(
        "out-of-memory",
        "BUFFER (2, 1): 41 bytes would exceed the client's memory quota (60 of 100 bytes in use)",
    )
    assert table.memory_bytes == 60
    # Destroy frees the memory at once (the handle stays live); release does not double-count.
    table.destroy_buffer(Handle(1, 1))
    assert table.memory_bytes == 0
    assert table.get(ObjectKind.BUFFER, Handle(1, 1)).destroyed
    table.release(ObjectKind.BUFFER, Handle(1, 1))
    assert table.memory_bytes == 0
    assert table.create(ObjectKind.BUFFER, Handle(3, 1), buffer(100)) is None
