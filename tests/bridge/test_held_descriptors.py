"""The bridge's table of descriptors a page may write back into (held_descriptors.py)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from python_service.bad_message import BadMessage
from python_service.bridge.held_descriptors import HeldDescriptors
from python_service.ipc.shared_memory import SharedMemory


@contextlib.contextmanager
def memfds(*sizes: int) -> Iterator[list[SharedMemory]]:
    regions = [SharedMemory.create(size) for size in sizes]
    try:
        yield regions
    finally:
        for region in regions:
            region.close()


def hold(table: HeldDescriptors, regions: list[SharedMemory]) -> None:
    table.hold_frame([r.fd for r in regions], [r.size for r in regions])


def is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_tokens_count_attachments_from_one() -> None:
    table = HeldDescriptors(max_recent_bytes=1 << 20)
    with memfds(8, 8, 8) as regions:
        hold(table, regions[:2])
        hold(table, regions[2:])
    assert list(table.recent) == [1, 2, 3]
    table.close()


def test_recent_is_bounded_by_count_and_the_oldest_go_first() -> None:
    table = HeldDescriptors(max_recent_bytes=1 << 20, max_recent=2)
    with memfds(8, 8, 8) as regions:
        for region in regions:
            hold(table, [region])
        first_fd_closed = list(table.recent) == [2, 3]
    assert first_fd_closed
    with pytest.raises(BadMessage):
        table.pin(1)  # pushed out: its pin names an unknown token
    table.close()


def test_recent_is_bounded_by_bytes_but_a_frame_always_fits() -> None:
    table = HeldDescriptors(max_recent_bytes=100)
    with memfds(60, 60, 500) as regions:
        hold(table, regions[:1])
        hold(table, regions[1:2])
        assert list(table.recent) == [2] and table.recent_bytes == 60
        hold(table, regions[2:])
        assert list(table.recent) == [3] and table.recent_bytes == 500
    table.close()


def test_pinned_are_bounded_and_released() -> None:
    table = HeldDescriptors(max_recent_bytes=1 << 20, max_pinned=2)
    with memfds(8, 8, 8) as regions:
        hold(table, regions)
    table.pin(1)
    table.pin(2)
    held = table.pinned[1].fd
    with pytest.raises(BadMessage, match="more than 2"):
        table.pin(3)
    table.release(1)
    assert not is_open(held)
    with pytest.raises(BadMessage):
        table.release(1)
    table.close()
    assert table.pinned == {} and table.recent == {}


def test_a_write_must_lie_inside_the_descriptor() -> None:
    table = HeldDescriptors(max_recent_bytes=1 << 20)
    with memfds(16) as regions:
        hold(table, regions)
    table.pin(1)
    assert table.writable_range(1, 0, 16).size == 16
    assert table.writable_range(1, 16, 0).size == 16
    for offset, length in [(0, 17), (1, 16), (17, 0), (2**64 - 1, 2)]:
        with pytest.raises(BadMessage, match="outside"):
            table.writable_range(1, offset, length)
    table.close()
