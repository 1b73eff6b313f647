"""The control channel between the host and the service process: its three kinds of frame.

The control channel is one end of a socketpair the service inherits (`--control-fd`); the
host holds the other. It carries the usual 8-byte frame header (`channel.py`) and exactly
these frames:

    host -> service   *client*   one descriptor (a client's stream socket), empty payload
    host -> service   *ping*     no descriptor, payload b"ping" + u64 sequence number (LE)
    service -> host   *pong*     no descriptor, payload b"pong" + the ping's sequence number

Before all of these, the service sends one *start-up* frame (b"sandbox " + JSON, defined by
python_service/sandbox/report.py) once its sandbox is in place; the host's launch code reads it
before it starts the `ServiceMonitor`, so the monitor never sees one. Anything else is
refused: the service closes any descriptor of a frame that is not a *client*
frame and logs a warning (the host is trusted, so a stray frame is a bug, not an attack); the
host treats anything but a well-formed *pong* for a ping it sent as a broken service and kills
it. Sequence numbers start at 1 and grow by one per ping; a pong answers its ping and every
earlier one (the service answers in order).

Why a heartbeat on this channel: a service that hangs (a deadlock, a stopped process, a
native call that never returns while holding the GIL) keeps its sockets open, so EOF never
tells the host. The service answers pings on its main thread, the one that accepts clients,
which never runs client work (that is the executor's and the sessions' threads), so a busy
service still answers; a silent one is hung. EOF on this channel means the service is gone
(for the service: the host is gone or shut it down).
"""

from __future__ import annotations

import struct

PING = b"ping"
PONG = b"pong"
_SEQUENCE = struct.Struct("<Q")
FRAME_BYTES = len(PING) + _SEQUENCE.size  # both heartbeat frames are 12 bytes
MAX_CONTROL_BYTES = 4096  # the channel limit on both ends: nothing legitimate comes close
MAX_CONTROL_HANDLES = 1  # the one client socket of a *client* frame


def ping(sequence: int) -> bytes:
    return PING + _SEQUENCE.pack(sequence)


def pong(sequence: int) -> bytes:
    return PONG + _SEQUENCE.pack(sequence)


def _parse(payload: bytes, tag: bytes) -> int | None:
    if len(payload) != FRAME_BYTES or payload[: len(tag)] != tag:
        return None
    (sequence,) = _SEQUENCE.unpack_from(payload, len(tag))
    return sequence


def parse_ping(payload: bytes) -> int | None:
    """The sequence number of a *ping* payload, or None if `payload` is not one."""
    return _parse(payload, PING)


def parse_pong(payload: bytes) -> int | None:
    """The sequence number of a *pong* payload, or None if `payload` is not one."""
    return _parse(payload, PONG)


__all__ = [
    "FRAME_BYTES",
    "MAX_CONTROL_BYTES",
    "MAX_CONTROL_HANDLES",
    "parse_ping",
    "parse_pong",
    "ping",
    "pong",
]
