"""The bridge end to end: real service, real bridge, pages as WebSockets (the Python client
through `BridgeEndpoint`, or raw messages)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import struct
import time
from typing import Any

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as websocket_connect

from python_service.bridge import Bridge, BridgeConfig, framing
from python_service.bridge.websocket_channel import BridgeEndpoint
from python_service.generated.interfaces import NPUBufferUsage
from tests.bridge_support import bridge_with

from .conftest import TIMEOUT, open_device

COPY = NPUBufferUsage.COPY_SRC | NPUBufferUsage.COPY_DST


def relu_round_trip(device: Any, values: list[float]) -> np.ndarray:
    builder = device.create_graph_builder()
    x = builder.input("x", {"data_type": "float32", "shape": [len(values)]})
    graph = builder.build({"y": builder.relu(x)}).result(TIMEOUT)
    size = 4 * len(values)
    a = device.create_buffer({"size": size, "usage": NPUBufferUsage.INPUT | COPY})
    b = device.create_buffer({"size": size, "usage": NPUBufferUsage.OUTPUT | COPY})
    device.queue.write_buffer(a, 0, np.array(values, np.float32))
    encoder = device.create_command_encoder()
    encoder.dispatch(graph, {"x": a}, {"y": b})
    device.queue.submit([encoder.finish()])
    return np.frombuffer(device.queue.read_buffer(b).result(TIMEOUT), np.float32)


def receive_close(websocket: Any) -> tuple[int | None, str | None]:
    with pytest.raises(ConnectionClosed):
        while True:
            websocket.recv(timeout=TIMEOUT)
    return websocket.close_code, websocket.close_reason


# --- forwarding -----------------------------------------------------------------------------


def test_python_client_dispatches_through_the_bridge(endpoint: BridgeEndpoint) -> None:
    npu, device = open_device(endpoint)
    try:
        got = relu_round_trip(device, [-1.0, 2.0, -3.0, 4.0])
        np.testing.assert_array_equal(got, [0.0, 2.0, 0.0, 4.0])
    finally:
        npu.close()


def test_tensor_data_over_64KiB_crosses_as_attachments(endpoint: BridgeEndpoint) -> None:
    """Over 64 KiB, writeBuffer's data and readBuffer's result travel as memfds on the
    service's side: attachments on the page's; the bytes must survive both conversions."""
    npu, device = open_device(endpoint)
    try:
        data = np.random.default_rng(3).standard_normal(100_000).astype(np.float32)
        buffer = device.create_buffer({"size": data.nbytes, "usage": COPY})
        device.queue.write_buffer(buffer, 0, data)
        got = np.frombuffer(device.queue.read_buffer(buffer).result(TIMEOUT), np.float32)
        np.testing.assert_array_equal(got, data)
    finally:
        npu.close()


# --- isolation ------------------------------------------------------------------------------


def test_a_page_cannot_reach_another_pages_objects(endpoint: BridgeEndpoint) -> None:
    """Page B names page A's buffers by their handles (a compromised page can write any id).
    The service resolves every id in B's own table: the id B also holds means B's own buffer;
    an id only A holds is an unknown id, a bad message that drops B alone."""
    npu_a, device_a = open_device(endpoint)
    npu_b, device_b = open_device(endpoint)
    try:
        first_a = device_a.create_buffer({"size": 8, "usage": COPY})
        second_a = device_a.create_buffer({"size": 8, "usage": COPY})
        device_a.queue.write_buffer(first_a, 0, np.float32([1, 2]))
        device_a.queue.write_buffer(second_a, 0, np.float32([3, 4]))
        first_b = device_b.create_buffer({"size": 8, "usage": COPY})
        assert first_b._handle == first_a._handle  # same ids, different tables
        device_b.queue.write_buffer(first_b, 0, np.float32([-7, -8]))

        got = device_b.queue.read_buffer(first_a).result(TIMEOUT)
        np.testing.assert_array_equal(np.frombuffer(got, np.float32), [-7, -8])

        lost = device_b.queue.read_buffer(second_a)
        with pytest.raises(Exception, match="lost"):
            lost.result(TIMEOUT)
        assert device_b.lost.result(TIMEOUT).reason == "unknown"

        # A is untouched: its objects and its connection.
        got = device_a.queue.read_buffer(second_a).result(TIMEOUT)
        np.testing.assert_array_equal(np.frombuffer(got, np.float32), [3, 4])
        np.testing.assert_array_equal(relu_round_trip(device_a, [-1.0, 5.0]), [0.0, 5.0])
    finally:
        npu_a.close()
        npu_b.close()


# --- malformed pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "code", "reason"),
    [
        (b"\x01\x00", 1008, "WEBNPU_ERROR_MESSAGE_TRUNCATED"),
        (struct.pack("<I", 1000), 1008, "WEBNPU_ERROR_TOO_MANY_HANDLES"),
        (struct.pack("<IQ", 1, 0), 1008, "VALIDATION_ERROR_ILLEGAL_HANDLE"),
        ("a text message", 1003, "binary messages only"),
    ],
    ids=["truncated", "too_many_attachments", "empty_attachment", "text"],
)
def test_malformed_bridge_message_closes_that_page_only(
    endpoint: BridgeEndpoint, message: bytes | str, code: int, reason: str
) -> None:
    npu, device = open_device(endpoint)
    try:
        bad = endpoint.connect()
        bad.send_raw(message)
        got_code, got_reason = receive_close(bad.websocket)
        assert got_code == code
        assert reason in (got_reason or "")
        np.testing.assert_array_equal(relu_round_trip(device, [-2.0, 2.0]), [0.0, 2.0])
    finally:
        npu.close()


def test_malformed_wire_frame_drops_that_page_at_the_service(endpoint: BridgeEndpoint) -> None:
    """Well-formed for the bridge, garbage for the service: the service drops that client
    (a bad message), and the bridge closes the page's socket saying the service ended it."""
    npu, device = open_device(endpoint)
    try:
        bad = endpoint.connect()
        bad.send_raw(framing.encode(b"\xff" * 24, []))
        code, _reason = receive_close(bad.websocket)
        assert code == 1011
        np.testing.assert_array_equal(relu_round_trip(device, [-2.0, 2.0]), [0.0, 2.0])
    finally:
        npu.close()


def test_message_over_the_size_limit_is_refused() -> None:
    limits = framing.Limits(max_attachment_bytes=1024)
    with bridge_with(BridgeConfig(port=0, limits=limits)) as bridge:
        page = BridgeEndpoint(bridge.websocket_url, bridge.origin, limits).connect()
        page.send_raw(framing.encode(b"", [b"x" * (limits.max_message_bytes + 1)]))
        code, _ = receive_close(page.websocket)
        assert code == 1009  # message too big: the WebSocket layer refuses it unread


# --- who may connect ------------------------------------------------------------------------


def handshake_status(bridge: Bridge, **headers: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        websocket_connect(bridge.websocket_url, additional_headers=headers, open_timeout=TIMEOUT)
    return refused.value.response.status_code


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "http://127.0.0.1:1", "null", "https://127.0.0.1"]
)
def test_other_origins_are_refused(bridge: Bridge, origin: str) -> None:
    assert handshake_status(bridge, Origin=origin) == 403


def test_a_websocket_without_origin_is_refused(bridge: Bridge) -> None:
    assert handshake_status(bridge) == 403


def test_a_foreign_host_header_is_refused(bridge: Bridge) -> None:
    """DNS rebinding: a page at evil.example resolved to 127.0.0.1 sends Host: evil.example."""
    connection = http.client.HTTPConnection("127.0.0.1", bridge.port, timeout=TIMEOUT)
    connection.request("GET", "/web/", headers={"Host": f"evil.example:{bridge.port}"})
    assert connection.getresponse().status == 403


def test_allowed_extra_origin_and_page_limit() -> None:
    with bridge_with(BridgeConfig(port=0, allow_origins=("http://localhost:9",), max_pages=2)) as b:
        first = BridgeEndpoint(b.websocket_url, "http://localhost:9").connect()
        second = BridgeEndpoint(b.websocket_url, b.origin).connect()
        # Both handshakes are done, but each page counts once its service connection is made
        # (host.connect on a thread): wait for that, or a third page could slip in first.
        deadline = time.monotonic() + TIMEOUT
        while len(b.pages) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert handshake_status(b, Origin=b.origin) == 503
        first.close()
        second.close()


def test_listens_on_loopback_only(bridge: Bridge) -> None:
    assert {s.getsockname()[0] for s in bridge._server.sockets} == {"127.0.0.1"}
    # This machine's own non-loopback address (a UDP connect sends nothing) must not answer.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.255.255.255", 9))
        address = probe.getsockname()[0]
    assert not address.startswith("127."), "no non-loopback address to try"
    with pytest.raises(OSError), socket.create_connection((address, bridge.port), timeout=5):
        pass


# --- static files ---------------------------------------------------------------------------


def get(bridge: Bridge, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", bridge.port, timeout=TIMEOUT)
    connection.request("GET", path)
    return connection.getresponse()


def test_serves_only_under_its_roots(bridge: Bridge) -> None:
    root = get(bridge, "/")
    assert root.status == 302 and root.getheader("Location") == "/web/index.html"
    for path in (
        "/pyproject.toml",
        "/web/../pyproject.toml",
        "/web/%2e%2e/pyproject.toml",
        "/polyfill/../../etc/passwd",
        "/web/missing.html",
    ):
        assert get(bridge, path).status == 404, path


def test_serves_the_pages_with_their_types(bridge: Bridge) -> None:
    page = get(bridge, "/web/index.html")
    assert page.status == 200
    assert page.getheader("Content-Type") == "text/html; charset=utf-8"
    assert b"WebNPU" in page.read()
    # ES modules only run when served as JavaScript.
    script = get(bridge, "/web/npu.js")
    assert script.status == 200
    assert script.getheader("Content-Type") == "text/javascript; charset=utf-8"
    assert get(bridge, "/web/").status == 200  # the folder's index.html


def test_service_crash_closes_each_page_with_the_hosts_reason() -> None:
    """Device loss as a page learns it: the socket closes with 1011 and the host's reason."""
    with bridge_with(BridgeConfig(port=0)) as bridge:
        endpoint = BridgeEndpoint(bridge.websocket_url, bridge.origin)
        npu, device = open_device(endpoint)
        raw = endpoint.connect()
        os.kill(bridge.host.service_pid, signal.SIGKILL)
        code, reason = receive_close(raw.websocket)
        assert code == 1011
        assert "crashed" in reason and "SIGKILL" in reason, reason
        lost = device.lost.result(TIMEOUT)
        assert "crashed" in lost.message
        npu.close()
