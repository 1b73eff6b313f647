"""Write mappings over the bridge: a page pins the descriptor of a mapAsync(WRITE) reply and
writes its bytes back through the bridge before unmapping (framing.py, "Control messages")."""

from __future__ import annotations

import struct
import time
from typing import Any

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed

from python_service.bridge import framing
from python_service.bridge.framing import ControlKind
from python_service.bridge.websocket_channel import BridgeEndpoint, WebSocketChannel
from python_service.generated.interfaces import NPUBufferUsage, NPUMapMode

from .conftest import TIMEOUT, open_device

WRITABLE = NPUBufferUsage.MAP_WRITE | NPUBufferUsage.COPY_SRC


def channel_of(device: Any) -> WebSocketChannel:
    return device._connection._channel


def mapped_for_write(device: Any, size: int) -> tuple[Any, int]:
    """A MAP_WRITE buffer, mapped for writing; the token of its mapping's descriptor."""
    buffer = device.create_buffer({"size": size, "usage": WRITABLE})
    buffer.map_async(NPUMapMode.WRITE).result(TIMEOUT)
    [token] = channel_of(device).last_tokens
    return buffer, token


def read_back(device: Any, buffer: Any) -> bytes:
    return bytes(device.queue.read_buffer(buffer).result(TIMEOUT))


def receive_close(websocket: Any) -> tuple[int | None, str | None]:
    with pytest.raises(ConnectionClosed):
        while True:
            websocket.recv(timeout=TIMEOUT)
    return websocket.close_code, websocket.close_reason


def closed(channel: WebSocketChannel) -> tuple[int | None, str | None]:
    """How the bridge closed a client's socket (its reader thread is the one receiving)."""
    deadline = time.monotonic() + TIMEOUT
    while not channel.closed and time.monotonic() < deadline:
        time.sleep(0.01)
    return channel.websocket.close_code, channel.websocket.close_reason


def test_write_back_reaches_the_buffer(endpoint: BridgeEndpoint) -> None:
    npu, device = open_device(endpoint)
    try:
        buffer, token = mapped_for_write(device, 16)
        channel = channel_of(device)
        # What the page writes into its copy goes nowhere by itself:
        device_copy = buffer.get_mapped_range()
        device_copy[:] = b"\xee" * 16
        data = np.float32([1.5, -2, 3, 4e6]).tobytes()
        channel.control(ControlKind.PIN, token)
        channel.control(ControlKind.WRITE, token, 4, data[4:12])
        channel.control(ControlKind.WRITE, token, 0, data[:4])
        buffer.unmap()
        channel.control(ControlKind.RELEASE, token)
        assert read_back(device, buffer) == data[:12] + bytes(4)
    finally:
        npu.close()


def test_large_write_back_goes_through_the_sender_thread(endpoint: BridgeEndpoint) -> None:
    npu, device = open_device(endpoint)
    try:
        size = 1 << 20
        buffer, token = mapped_for_write(device, size)
        channel = channel_of(device)
        data = np.random.default_rng(7).bytes(size)
        channel.control(ControlKind.PIN, token)
        channel.control(ControlKind.WRITE, token, 0, data)
        buffer.unmap()
        assert read_back(device, buffer) == data
    finally:
        npu.close()


def bad_controls(token: int) -> list[tuple[bytes, str]]:
    """Malformed control messages naming `token` (pinned by the page sending them)."""
    write = struct.pack("<IIQ", ControlKind.WRITE, token, 0)
    return [
        (framing.encode(b"", [b"\x02\x00"]), "WEBNPU_ERROR_MESSAGE_TRUNCATED"),
        (framing.encode(b"", [struct.pack("<II", 9, token)]), "UNKNOWN_METHOD"),
        (framing.encode(b"", [struct.pack("<III", 1, token, 0)]), "DESERIALIZATION_FAILED"),
        (framing.encode(b"", [write]), "ILLEGAL_HANDLE"),  # WRITE without its bytes
        (framing.encode(b"", [struct.pack("<II", 1, token), b"x"]), "ILLEGAL_HANDLE"),
        (framing.encode(b"", [struct.pack("<IIQ", 2, token, 15), b"ab"]), "MEMORY_RANGE"),
        (framing.encode(b"", [struct.pack("<IIQ", 2, token, 2**64 - 1), b"a"]), "MEMORY_RANGE"),
        (framing.encode(b"", [struct.pack("<IIQ", 2, token + 1, 0), b"a"]), "ILLEGAL_HANDLE"),
        (framing.encode(b"", [struct.pack("<II", 3, token + 1)]), "ILLEGAL_HANDLE"),
        (framing.encode(b"", [struct.pack("<II", 1, token + 100)]), "ILLEGAL_HANDLE"),
    ]


@pytest.mark.parametrize("case", range(len(bad_controls(1))))
def test_malformed_control_closes_only_that_page(endpoint: BridgeEndpoint, case: int) -> None:
    npu, device = open_device(endpoint)
    other_npu, other = open_device(endpoint)
    try:
        other_buffer, other_token = mapped_for_write(other, 16)
        channel_of(other).control(ControlKind.PIN, other_token)
        buffer, token = mapped_for_write(device, 16)
        channel = channel_of(device)
        channel.control(ControlKind.PIN, token)
        message, reason = bad_controls(token)[case]
        channel.send_raw(message)
        code, got_reason = closed(channel)
        assert code == 1008
        assert reason in (got_reason or ""), got_reason
        # The other page still writes back and reads.
        channel_of(other).control(ControlKind.WRITE, other_token, 0, b"\x07" * 16)
        other_buffer.unmap()
        assert read_back(other, other_buffer) == b"\x07" * 16
    finally:
        npu.close()
        other_npu.close()


def test_a_page_cannot_name_another_pages_token(endpoint: BridgeEndpoint) -> None:
    """Tokens count one page's attachments: page B's token 1 is not page A's token 1."""
    npu_a, device_a = open_device(endpoint)
    try:
        buffer, token = mapped_for_write(device_a, 8)
        channel_of(device_a).control(ControlKind.PIN, token)
        page_b = endpoint.connect()
        page_b.control(ControlKind.WRITE, token, 0, b"\xff" * 8)
        code, reason = receive_close(page_b.websocket)
        assert code == 1008 and "not pinned" in (reason or "")
        buffer.unmap()
        assert read_back(device_a, buffer) == bytes(8)  # untouched by B
    finally:
        npu_a.close()


def test_pins_are_bounded_per_page(endpoint: BridgeEndpoint) -> None:
    """At most DEFAULT_MAX_PINNED write mappings pinned at once: the next pin closes the page;
    releasing makes room again."""
    from python_service.bridge.held_descriptors import DEFAULT_MAX_PINNED

    npu, device = open_device(endpoint)
    try:
        channel = channel_of(device)
        first, first_token = mapped_for_write(device, 8)
        channel.control(ControlKind.PIN, first_token)
        channel.control(ControlKind.RELEASE, first_token)
        first.unmap()
        for _ in range(DEFAULT_MAX_PINNED):
            _, token = mapped_for_write(device, 8)
            channel.control(ControlKind.PIN, token)
        _, token = mapped_for_write(device, 8)
        channel.control(ControlKind.PIN, token)
        code, reason = closed(channel)
        assert code == 1008 and f"more than {DEFAULT_MAX_PINNED}" in (reason or "")
    finally:
        npu.close()
