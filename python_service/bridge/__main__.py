"""`python -m python_service.bridge [--port N] [--allow-origin ORIGIN]...`: start the service,
serve the demo pages and the polyfill on 127.0.0.1:PORT, print the page's URL, run until ^C."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from python_service.bridge.event_loop import new_event_loop
from python_service.bridge.framing import DEFAULT_MAX_ATTACHMENT_BYTES, Limits
from python_service.bridge.server import DEFAULT_MAX_PAGES, DEFAULT_PORT, Bridge, BridgeConfig
from python_service.host import ServiceHost


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m python_service.bridge",
        description="Serve the WebNPU polyfill and demo pages on loopback, with a WebSocket "
        "to the sandboxed NPU service for each page.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="also accept WebSockets from this origin (repeatable); the bridge's own origin "
        "http://127.0.0.1:PORT is always accepted",
    )
    parser.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES)
    parser.add_argument(
        "--max-attachment-bytes",
        type=int,
        default=DEFAULT_MAX_ATTACHMENT_BYTES,
        help="tensor and model bytes one message may carry",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    config = BridgeConfig(
        port=args.port,
        allow_origins=tuple(args.allow_origin),
        max_pages=args.max_pages,
        limits=Limits(max_attachment_bytes=args.max_attachment_bytes),
    )
    with ServiceHost() as host:
        await asyncio.to_thread(host.start)
        bridge = Bridge(host, config)
        await bridge.start()
        print(f"WebNPU bridge: open {bridge.page_url}", flush=True)
        print(f"  (WebSocket {bridge.websocket_url}; origins {sorted(bridge.allowed_origins())})")
        try:
            await bridge.serve_forever()
        finally:
            await bridge.close()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(serve(args))
    except KeyboardInterrupt:
        print("bridge: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
