"""Bridge messages over a node process's stdin/stdout, for the tests that run the polyfill in
node: each message is the bridge's framing (python_service/bridge/framing.py) behind a u32
length, the Python end of tests/js/stdio_transport.mjs."""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from typing import BinaryIO

from python_service.bridge import framing

LENGTH = struct.Struct("<I")


def read_messages(stream: BinaryIO) -> Iterator[framing.BridgeMessage]:
    """Each bridge message node writes, until it closes its stdout."""
    while header := stream.read(LENGTH.size):
        (size,) = LENGTH.unpack(header)
        yield framing.decode(stream.read(size), framing.Limits())


def write_message(stream: BinaryIO, payload: bytes, attachments: Sequence[bytes] = ()) -> None:
    message = framing.encode(payload, list(attachments))
    stream.write(LENGTH.pack(len(message)) + message)
    stream.flush()
