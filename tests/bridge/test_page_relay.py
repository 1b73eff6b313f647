"""The bridge's descriptor conversions (python_service/bridge/page_relay.py), both ways."""

from __future__ import annotations

import contextlib
import os
import socket

import pytest

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.bridge import framing
from python_service.bridge.page_relay import (
    MAX_LOOP_SEND_BYTES,
    PageRelay,
    close_reason,
    memfds_for,
    read_attachments,
)
from python_service.ipc.channel import Channel
from python_service.ipc.shared_memory import SharedMemory


def test_attachments_become_sealed_memfds_the_service_accepts() -> None:
    regions = memfds_for([memoryview(b"abc"), memoryview(b"x" * 70_000)])
    try:
        for region, expected in zip(regions, [b"abc", b"x" * 70_000], strict=True):
            # What the service does with a descriptor it is handed: check seals and size.
            adopted = SharedMemory.from_fd(os.dup(region.fd), len(expected), readonly=True)
            with adopted, adopted.view() as view:
                assert bytes(view) == expected
    finally:
        for region in regions:
            region.close()


def test_service_descriptors_are_read_into_bytes() -> None:
    region = SharedMemory.create(5)
    with region:
        with region.view() as view:
            view[:] = b"hello"
        assert read_attachments([region.fd], 1024) == [b"hello"]


def test_a_service_descriptor_that_is_not_a_memfd_is_refused() -> None:
    read_end, write_end = os.pipe()
    try:
        with pytest.raises(BadMessage) as caught:
            read_attachments([read_end], 1024)
        assert caught.value.kind is BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE
    finally:
        os.close(read_end)
        os.close(write_end)


def test_service_attachments_are_capped() -> None:
    with SharedMemory.create(600) as a, SharedMemory.create(600) as b:
        with pytest.raises(BadMessage) as caught:
            read_attachments([a.fd, b.fd], 1000)
        assert caught.value.kind is BadMessageKind.WEBNPU_ERROR_MESSAGE_TOO_LARGE


def test_close_reason_fits_a_close_frame() -> None:
    reason = close_reason("é" * 100)
    assert len(reason.encode()) <= 123
    assert reason == "é" * 61  # whole characters only


def _relay_over(channel: Channel) -> PageRelay:
    return PageRelay(None, channel, framing.Limits(), explain_loss=lambda: None)  # type: ignore[arg-type]


def test_only_small_plain_frames_to_a_writable_socket_are_sent_on_the_loop() -> None:
    ours, service = Channel.pair()
    with ours, service:
        relay = _relay_over(ours)
        small = framing.BridgeMessage(memoryview(bytes(64)), [])
        assert relay._can_send_on_loop(small)
        with_attachment = framing.BridgeMessage(memoryview(bytes(64)), [memoryview(b"x")])
        assert not relay._can_send_on_loop(with_attachment)
        large = framing.BridgeMessage(memoryview(bytes(MAX_LOOP_SEND_BYTES + 8)), [])
        assert not relay._can_send_on_loop(large)
        # A service that stops reading: once the send buffer is full the socket does not poll
        # writable, and the frame goes to the sender thread instead of blocking the loop.
        raw = socket.socket(fileno=os.dup(ours.fileno()))
        raw.setblocking(False)
        with raw, contextlib.suppress(BlockingIOError):
            while True:
                raw.send(bytes(65536))
        assert not relay._can_send_on_loop(small)
