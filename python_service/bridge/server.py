"""The bridge server: one loopback port, HTTP for the pages, a WebSocket per page.

The bridge plays the browser's role for a page in an unmodified browser (docs/bridge.md): like
Chrome's browser process it hands each page its own connection to the service
(`ServiceHost.connect()`, one `Channel` per WebSocket) and never interprets the page's wire
messages; the service's per-connection object tables are what keep pages apart.

Who may connect (checked in `_admit`, before the WebSocket handshake completes):
- the socket is bound to 127.0.0.1 only, never a wildcard address;
- `Host` must name this bridge (127.0.0.1:PORT or localhost:PORT), so a DNS-rebound name
  cannot reach it from another site;
- a WebSocket's `Origin` must be on the allow-list (default: the bridge's own origin,
  http://127.0.0.1:PORT); a request with no Origin is refused too, as only browsers are
  expected and every browser sends one;
- at most `max_pages` WebSockets at once (503 beyond).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from python_service.bridge import framing
from python_service.bridge.event_loop import new_event_loop
from python_service.bridge.page_relay import CLOSE_TRY_AGAIN_LATER, PageRelay, close_reason
from python_service.bridge.static import StaticFiles, text_response
from python_service.host import ServiceHost, ServiceUnavailable

log = logging.getLogger(__name__)

BIND_ADDRESS = "127.0.0.1"
WEBSOCKET_PATH = "/npu"
DEFAULT_PORT = 8787
DEFAULT_MAX_PAGES = 16
# Messages a page may have queued in the bridge before it stops reading its socket: small, as
# each may be up to `Limits.max_message_bytes`.
MAX_QUEUED_MESSAGES = 2


@dataclass
class BridgeConfig:
    port: int = DEFAULT_PORT  # 0: any free port
    allow_origins: Sequence[str] = ()  # besides the bridge's own origin
    max_pages: int = DEFAULT_MAX_PAGES
    limits: framing.Limits = field(default_factory=framing.Limits)


class Bridge:
    """Serves pages and relays each page's WebSocket to its own service connection."""

    def __init__(self, host: ServiceHost, config: BridgeConfig | None = None) -> None:
        self.host = host
        self.config = config or BridgeConfig()
        self.static = StaticFiles()
        self.pages: set[PageRelay] = set()
        self.pages_served = 0
        self._server: Server | None = None
        self.port = self.config.port

    @property
    def origin(self) -> str:
        return f"http://{BIND_ADDRESS}:{self.port}"

    @property
    def page_url(self) -> str:
        return f"{self.origin}/web/"

    @property
    def websocket_url(self) -> str:
        return f"ws://{BIND_ADDRESS}:{self.port}{WEBSOCKET_PATH}"

    def allowed_origins(self) -> set[str]:
        return {self.origin, *self.config.allow_origins}

    async def start(self) -> None:
        self._server = await serve(
            self._serve_page,
            BIND_ADDRESS,
            self.config.port,
            process_request=self._admit,
            max_size=self.config.limits.max_message_bytes,
            max_queue=MAX_QUEUED_MESSAGES,
            # Tensors do not compress, and inflating is a cost a page could make us pay.
            compression=None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("bridge listening on %s", self.origin)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def serve_forever(self) -> None:
        assert self._server is not None
        await self._server.serve_forever()

    # --- admission ----------------------------------------------------------------------

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        host = request.headers.get("Host")
        if host not in (f"{BIND_ADDRESS}:{self.port}", f"localhost:{self.port}"):
            return text_response(403, f"this bridge answers for {BIND_ADDRESS}:{self.port} only\n")
        path = request.path.split("?", 1)[0]
        if path != WEBSOCKET_PATH:
            return self.static.serve(request.path)
        origin = request.headers.get("Origin")
        if origin not in self.allowed_origins():
            log.warning("refused a WebSocket from origin %r", origin)
            return text_response(403, f"origin {origin!r} is not allowed\n")
        if len(self.pages) >= self.config.max_pages:
            return text_response(503, f"at most {self.config.max_pages} pages at once\n")
        return None

    # --- one page -----------------------------------------------------------------------

    async def _serve_page(self, websocket: ServerConnection) -> None:
        try:
            # connect() may launch (or relaunch) the service: not on the loop.
            channel = await asyncio.to_thread(self.host.connect)
        except ServiceUnavailable as error:
            await websocket.close(CLOSE_TRY_AGAIN_LATER, close_reason(str(error)))
            return
        relay = PageRelay(
            websocket,
            channel,
            self.config.limits,
            explain_loss=lambda: self.host.loss_reason(channel, 0.1),
        )
        self.pages.add(relay)
        self.pages_served += 1
        try:
            await relay.run()
        finally:
            self.pages.discard(relay)


@contextlib.contextmanager
def running_bridge(host: ServiceHost, config: BridgeConfig | None = None) -> Iterator[Bridge]:
    """A bridge serving on its own event-loop thread (tests, benchmarks); stopped on exit."""
    loop = new_event_loop()
    bridge = Bridge(host, config or BridgeConfig(port=0))
    thread = threading.Thread(target=loop.run_forever, name="webnpu-bridge", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(bridge.start(), loop).result(30)
        yield bridge
    finally:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(bridge.close(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
