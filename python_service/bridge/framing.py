"""One WebSocket message of the bridge: a wire frame with its attachments (docs/bridge.md).

A page cannot pass file descriptors, so a wire frame's descriptors travel as their contents.
One binary WebSocket message, little endian:

    u32 count                     attachments, at most `Limits.max_attachments`
    count × (u64 length, bytes)   each attachment: length > 0, then that many bytes
    payload                       the wire frame payload (docs/wire.md), the rest of the message

The same layout goes both ways.

Control messages (page → bridge only). A message whose payload is empty but which carries
attachments is not a wire frame (a wire frame is never empty) but a request to the bridge
itself; its first attachment says what, little endian:

    u32 kind = 1 (PIN),     u32 token                 keep token's descriptor for write-back
    u32 kind = 2 (WRITE),   u32 token, u64 offset     pwrite attachment 1 at offset into it
    u32 kind = 3 (RELEASE), u32 token                 close it (the page unmapped)

A token names a descriptor the bridge sent this page: the ordinal of that attachment among all
the attachments sent on the page's socket, from 1 (held_descriptors.py). WRITE carries exactly
one more attachment, the bytes; the others carry none. Anything else (an unknown kind, a body
of the wrong size, a token the page has not pinned, a write outside the descriptor's size) is
a `BadMessage` and closes the page's socket with 1008, as a malformed frame does. A page's
messages are handled in order, so a WRITE sent before the wire frame with `unmap` has reached
the service's memory before the service sees the unmap.

The polyfill's runtime writes and reads these messages on the page's side (polyfill/runtime/
wire.js, write_mapping.js); this module is the bridge's side. Everything a page sends is
checked before anything is allocated for it: counts, each length against what is left of the
message and against the caps, the payload against the channel's own frame limit. A violation
is a `BadMessage` (the channel layer's kinds: it is framing), and the bridge closes that
page's socket.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.ipc.channel import DEFAULT_MAX_HANDLES, DEFAULT_MAX_MESSAGE_BYTES

COUNT = struct.Struct("<I")
LENGTH = struct.Struct("<Q")

# Tensor data and model bytes travel as attachments. 64 MiB per message bounds what one page
# can make the bridge hold (a WebSocket message is buffered whole before it is parsed); larger
# tensors can be written in pieces (writeBuffer takes an offset).
DEFAULT_MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one bridge message may carry. The first two are the service channel's own limits:
    a frame the channel would refuse is refused here, before any memfd is made for it."""

    max_payload_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    max_attachments: int = DEFAULT_MAX_HANDLES
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES  # summed over one message

    @property
    def max_message_bytes(self) -> int:
        """The largest well-formed message: the WebSocket layer's `max_size`."""
        return (
            COUNT.size
            + self.max_attachments * LENGTH.size
            + self.max_attachment_bytes
            + self.max_payload_bytes
        )


@dataclass(frozen=True)
class BridgeMessage:
    payload: memoryview
    attachments: list[memoryview]

    @property
    def is_control(self) -> bool:
        return len(self.payload) == 0 and bool(self.attachments)


class ControlKind(enum.IntEnum):
    PIN = 1
    WRITE = 2
    RELEASE = 3


CONTROL_KIND = struct.Struct("<I")
CONTROL_TOKEN = struct.Struct("<II")  # kind, token
CONTROL_WRITE = struct.Struct("<IIQ")  # kind, token, offset


@dataclass(frozen=True)
class Control:
    kind: ControlKind
    token: int
    offset: int = 0
    data: memoryview | None = None  # WRITE's bytes


def decode_control(message: BridgeMessage) -> Control:
    """The bridge request in a control message (`message.is_control`)."""
    body = message.attachments[0]
    if len(body) < CONTROL_KIND.size:
        raise _bad(BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED, "control body cut off")
    (kind,) = CONTROL_KIND.unpack_from(body)
    if kind not in ControlKind.__members__.values():
        raise _bad(
            BadMessageKind.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD,
            f"unknown control kind {kind}",
        )
    layout = CONTROL_WRITE if kind == ControlKind.WRITE else CONTROL_TOKEN
    if len(body) != layout.size:
        raise _bad(
            BadMessageKind.VALIDATION_ERROR_DESERIALIZATION_FAILED,
            f"control {ControlKind(kind).name}: {len(body)} bytes, not {layout.size}",
        )
    extra = 1 if kind == ControlKind.WRITE else 0
    if len(message.attachments) != 1 + extra:
        raise _bad(
            BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE,
            f"control {ControlKind(kind).name} with {len(message.attachments)} attachments",
        )
    if kind == ControlKind.WRITE:
        _, token, offset = CONTROL_WRITE.unpack_from(body)
        return Control(ControlKind.WRITE, token, offset, message.attachments[1])
    _, token = CONTROL_TOKEN.unpack_from(body)
    return Control(ControlKind(kind), token)


def encode_control(control: Control) -> bytes:
    """A control message (the page's side; tests and the Python client over the bridge)."""
    if control.kind == ControlKind.WRITE:
        assert control.data is not None
        body = CONTROL_WRITE.pack(control.kind, control.token, control.offset)
        return encode(b"", [body, control.data])
    return encode(b"", [CONTROL_TOKEN.pack(control.kind, control.token)])


def _bad(kind: BadMessageKind, detail: str) -> BadMessage:
    return BadMessage(kind, f"bridge message: {detail}")


def decode(message: bytes | bytearray | memoryview, limits: Limits) -> BridgeMessage:
    """Split one message into payload and attachments (views into `message`, no copies)."""
    view = memoryview(message).cast("B")
    if len(view) < COUNT.size:
        raise _bad(
            BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED,
            f"{len(view)} bytes, shorter than its attachment count",
        )
    (count,) = COUNT.unpack_from(view)
    if count > limits.max_attachments:
        raise _bad(
            BadMessageKind.WEBNPU_ERROR_TOO_MANY_HANDLES,
            f"{count} attachments, limit {limits.max_attachments}",
        )
    offset = COUNT.size
    attachments: list[memoryview] = []
    total = 0
    for index in range(count):
        if len(view) - offset < LENGTH.size:
            raise _bad(
                BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED,
                f"attachment {index} of {count}: length cut off",
            )
        (length,) = LENGTH.unpack_from(view, offset)
        offset += LENGTH.size
        if length == 0:
            # A descriptor always names a non-empty memfd (shared_memory.py refuses size 0).
            raise _bad(
                BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE, f"attachment {index} is empty"
            )
        if length > len(view) - offset:
            raise _bad(
                BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED,
                f"attachment {index} announces {length} bytes, {len(view) - offset} remain",
            )
        total += length
        if total > limits.max_attachment_bytes:
            raise _bad(
                BadMessageKind.WEBNPU_ERROR_MESSAGE_TOO_LARGE,
                f"attachments exceed {limits.max_attachment_bytes} bytes",
            )
        attachments.append(view[offset : offset + length])
        offset += length
    payload = view[offset:]
    if len(payload) > limits.max_payload_bytes:
        raise _bad(
            BadMessageKind.WEBNPU_ERROR_MESSAGE_TOO_LARGE,
            f"payload of {len(payload)} bytes, limit {limits.max_payload_bytes}",
        )
    return BridgeMessage(payload, attachments)


def encode(
    payload: bytes | bytearray | memoryview, attachments: Sequence[bytes | bytearray | memoryview]
) -> bytes:
    """One message carrying `payload` and `attachments` (the bridge's sending side)."""
    parts: list[bytes | bytearray | memoryview] = [COUNT.pack(len(attachments))]
    for attachment in attachments:
        parts.append(LENGTH.pack(memoryview(attachment).nbytes))
        parts.append(attachment)
    parts.append(payload)
    return b"".join(parts)
