"""Backpressure: a page that stops reading its socket stops the bridge reading that page's
service channel, so the bridge never buffers a service's output for a slow page
(page_relay.py: at most one service frame held beyond websockets' write buffer)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator

from websockets.asyncio.server import ServerConnection, serve
from websockets.sync.client import connect as websocket_connect

from python_service.bridge import framing
from python_service.bridge.event_loop import new_event_loop
from python_service.bridge.page_relay import PageRelay
from python_service.ipc.channel import Channel
from python_service.ipc.shared_memory import SharedMemory

FRAME_BYTES = 4 << 20  # each service frame carries a 4 MiB memfd
FRAMES = 24
SMALL_BUFFER = 64 * 1024
TIMEOUT = 30.0


@contextlib.contextmanager
def relay_server(channel: Channel) -> Iterator[tuple[str, list[PageRelay]]]:
    """A websockets server whose one page is relayed to `channel` by a real PageRelay."""
    loop = new_event_loop()
    relays: list[PageRelay] = []

    async def page(websocket: ServerConnection) -> None:
        # Small kernel buffers, so that what TCP holds is well under one frame.
        sock = websocket.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)
        relay = PageRelay(websocket, channel, framing.Limits(), explain_loss=lambda: None)
        relays.append(relay)
        await relay.run()

    async def start() -> object:
        return await serve(
            page, "127.0.0.1", 0, max_size=framing.Limits().max_message_bytes, compression=None
        )

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(start(), loop).result(TIMEOUT)
    try:
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        yield f"ws://127.0.0.1:{port}", relays
    finally:
        server.close()  # type: ignore[attr-defined]
        loop.call_soon_threadsafe(loop.stop)
        thread.join(TIMEOUT)
        loop.close()


def test_a_page_that_does_not_read_stops_the_bridge_reading_its_service() -> None:
    ours, service = Channel.pair()
    with service, relay_server(ours) as (url, relays):
        # max_queue=1: the client stops reading its socket after a message or so.
        client = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])))
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER)
        page = websocket_connect(url, sock=client, max_size=None, max_queue=1, compression=None)
        with page:
            for index in range(FRAMES):  # descriptors: the socket takes them all at once
                with SharedMemory.create(FRAME_BYTES) as region:
                    with region.view() as view:
                        view[0] = index
                    service.send(bytes([index]), [region.fd])
            time.sleep(1.0)  # let the bridge read and send whatever it is going to
            [relay] = relays
            taken = relay.held.last_token  # one attachment per frame: frames read from it
            # The client's queue (one message), the one it is receiving (TCP buffers hold far
            # less than a frame), and the one frame the bridge holds. A bridge that kept
            # reading the channel while the socket was over its write limit takes a 4th.
            assert taken <= 3, f"the bridge took {taken} of {FRAMES} frames"
            for index in range(FRAMES):  # the page reads again: all arrive, in order
                message = framing.decode(page.recv(timeout=TIMEOUT), framing.Limits())
                assert bytes(message.payload) == bytes([index])
                assert message.attachments[0][0] == index
