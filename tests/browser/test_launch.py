"""Chromium reaches the bridge, and only from the bridge's own origin (no polyfill needed)."""

from __future__ import annotations

from typing import Any

from python_service.bridge import Bridge

from .conftest import open_page

# Opens a WebSocket, sends `message` (bytes) once open, resolves with how it ended.
OPEN_AND_SEND = """async ([url, message]) => new Promise((resolve) => {
  const socket = new WebSocket(url);
  let opened = false;
  socket.binaryType = "arraybuffer";
  socket.onopen = () => { opened = true; socket.send(new Uint8Array(message)); };
  socket.onclose = (event) => resolve({ opened, code: event.code, reason: event.reason });
})"""


def test_page_from_the_bridge_opens_its_websocket(page: Any, bridge: Bridge) -> None:
    open_page(page, bridge, "index.html")
    # Four zero bytes: no attachments, an empty wire frame, which the service refuses (no
    # hello): the socket opened, its frame reached the service, the service ended it.
    ended = page.evaluate(OPEN_AND_SEND, [bridge.websocket_url, [0, 0, 0, 0]])
    assert ended["opened"] is True
    assert ended["code"] == 1011, ended


def test_malformed_bridge_message_from_a_page_closes_its_socket(page: Any, bridge: Bridge) -> None:
    open_page(page, bridge, "index.html")
    ended = page.evaluate(OPEN_AND_SEND, [bridge.websocket_url, [1, 0]])
    assert ended == {"opened": True, "code": 1008, "reason": ended["reason"]}
    assert "WEBNPU_ERROR_MESSAGE_TRUNCATED" in ended["reason"]


def test_page_from_another_origin_is_refused(page: Any, bridge: Bridge) -> None:
    """A page at http://evil.test (served by Playwright's router, a real navigation in
    Chromium) opens a WebSocket to the bridge: Chromium sends Origin: http://evil.test, the
    bridge answers 403, and the socket never opens (1006: closed without a handshake)."""
    page.route(
        "http://evil.test/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>evil</p>"),
    )
    page.goto("http://evil.test/")
    assert page.evaluate("location.origin") == "http://evil.test"
    ended = page.evaluate(OPEN_AND_SEND, [bridge.websocket_url, [0, 0, 0, 0]])
    assert ended["opened"] is False
    assert ended["code"] == 1006
