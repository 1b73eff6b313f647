"""The Python client over the bridge: a page's view of it, without a browser.

`BridgeEndpoint(url, origin)` stands where a `ServiceHost` does for `python_service.client
.connect()`: its `connect()` opens a WebSocket to the bridge and returns a `WebSocketChannel`,
which offers the two calls `Connection` makes of a `Channel` (`send(payload, fds)`,
`receive()`). Descriptors become attachments on the way out and sealed memfds on the way in,
the exact inverse of what the bridge does, so the unchanged Python client runs through the
bridge. Tests use it to reach the bridge as a page would (isolation, framing), and to speak
the bridge protocol directly (`send_raw`, `control`). It counts the attachments it receives
as the polyfill does, so a test can name their tokens (`last_tokens`) in control messages.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as websocket_connect

from python_service.bridge import framing
from python_service.bridge.page_relay import memfds_for
from python_service.ipc.channel import ChannelClosed, Message


class WebSocketChannel:
    """One page's WebSocket, shaped like a `Channel`."""

    def __init__(self, websocket: ClientConnection, limits: framing.Limits) -> None:
        self.websocket = websocket
        self.limits = limits
        self._send_lock = threading.Lock()
        self.attachments_received = 0
        self.last_tokens: list[int] = []  # the tokens of the last message's attachments

    @property
    def closed(self) -> bool:
        return self.websocket.close_code is not None

    @property
    def close_reason(self) -> str | None:
        return self.websocket.close_reason

    def send(self, payload: bytes | bytearray | memoryview, fds: Sequence[int] = ()) -> None:
        attachments = []
        for fd in fds:
            size = os.fstat(fd).st_size
            attachments.append(os.pread(fd, size, 0))
        self.send_raw(framing.encode(payload, attachments))

    def send_raw(self, data: bytes | str) -> None:
        """Any message at all, well-formed or not (tests of the bridge's framing)."""
        try:
            with self._send_lock:
                self.websocket.send(data)
        except ConnectionClosed as e:
            raise ChannelClosed(f"the bridge closed the WebSocket: {e}") from e

    def control(
        self,
        kind: framing.ControlKind,
        token: int,
        offset: int = 0,
        data: bytes | None = None,
    ) -> None:
        """A control message to the bridge (PIN, WRITE, RELEASE: framing.py)."""
        body = memoryview(data) if data is not None else None
        self.send_raw(framing.encode_control(framing.Control(kind, token, offset, body)))

    def receive(self) -> Message:
        try:
            data = self.websocket.recv()
        except ConnectionClosed as e:
            raise ChannelClosed(f"the bridge closed the WebSocket: {e}") from e
        if isinstance(data, str):
            raise ChannelClosed("the bridge sent a text message")
        decoded = framing.decode(data, self.limits)
        first = self.attachments_received + 1
        self.attachments_received += len(decoded.attachments)
        self.last_tokens = list(range(first, self.attachments_received + 1))
        regions = memfds_for(decoded.attachments)
        # The message owns duplicates of the descriptors; our mappings go now.
        fds = [os.dup(region.fd) for region in regions]
        for region in regions:
            region.close()
        return Message(bytes(decoded.payload), fds)

    def close(self) -> None:
        self.websocket.close()


class BridgeEndpoint:
    """Where pages connect: `connect()` is one new page (one WebSocket)."""

    def __init__(self, url: str, origin: str, limits: framing.Limits | None = None) -> None:
        self.url = url
        self.origin = origin
        self.limits = limits or framing.Limits()

    def connect(self) -> WebSocketChannel:
        # Entered as a context manager, the form websockets supports; close() exits it.
        websocket = websocket_connect(
            self.url,
            origin=self.origin,  # type: ignore[arg-type]
            max_size=self.limits.max_message_bytes,
            compression=None,
        ).__enter__()
        return WebSocketChannel(websocket, self.limits)

    def loss_reason(self, channel: WebSocketChannel, timeout: float) -> str | None:
        """The bridge's close reason: why the service connection ended, as a page learns it."""
        return channel.close_reason or None
