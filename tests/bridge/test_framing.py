"""The bridge message layout (python_service/bridge/framing.py): what a page may send."""

from __future__ import annotations

import struct

import pytest

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.bridge import framing

LIMITS = framing.Limits(max_payload_bytes=64, max_attachments=3, max_attachment_bytes=100)


def message(attachments: list[bytes], payload: bytes) -> bytes:
    return framing.encode(payload, attachments)


def test_layout_is_count_lengths_then_payload() -> None:
    data = message([b"abc", b"\x00" * 9], b"PAYLOAD")
    assert data[:4] == struct.pack("<I", 2)
    assert data[4:12] == struct.pack("<Q", 3) and data[12:15] == b"abc"
    assert data[15:23] == struct.pack("<Q", 9) and data[23:32] == b"\x00" * 9
    assert data[32:] == b"PAYLOAD"


@pytest.mark.parametrize(
    ("attachments", "payload"),
    [([], b""), ([], b"x" * 64), ([b"a"], b"p"), ([b"1", b"22", b"3" * 97], b"q" * 10)],
)
def test_round_trip(attachments: list[bytes], payload: bytes) -> None:
    decoded = framing.decode(message(attachments, payload), LIMITS)
    assert bytes(decoded.payload) == payload
    assert [bytes(a) for a in decoded.attachments] == attachments


def expect_bad(data: bytes, kind: BadMessageKind) -> None:
    with pytest.raises(BadMessage) as caught:
        framing.decode(data, LIMITS)
    assert caught.value.kind is kind


def test_shorter_than_the_count() -> None:
    expect_bad(b"\x01\x00", BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED)


def test_too_many_attachments_refused_before_reading_them() -> None:
    expect_bad(struct.pack("<I", 4), BadMessageKind.WEBNPU_ERROR_TOO_MANY_HANDLES)
    expect_bad(struct.pack("<I", 0xFFFFFFFF), BadMessageKind.WEBNPU_ERROR_TOO_MANY_HANDLES)


def test_length_cut_off() -> None:
    expect_bad(struct.pack("<I", 1) + b"\x05\x00", BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED)


def test_attachment_longer_than_the_message() -> None:
    data = struct.pack("<IQ", 1, 10) + b"short"
    expect_bad(data, BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED)
    # A length near 2**64 must not wrap any arithmetic into looking valid.
    expect_bad(
        struct.pack("<IQ", 1, 2**64 - 1) + b"x", BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED
    )


def test_empty_attachment_is_an_illegal_handle() -> None:
    expect_bad(message([b""], b"p"), BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE)


def test_attachment_bytes_capped_per_message() -> None:
    expect_bad(message([b"a" * 60, b"b" * 41], b""), BadMessageKind.WEBNPU_ERROR_MESSAGE_TOO_LARGE)
    framing.decode(message([b"a" * 60, b"b" * 40], b""), LIMITS)  # exactly the cap


def test_payload_capped_at_the_channel_limit() -> None:
    expect_bad(message([], b"x" * 65), BadMessageKind.WEBNPU_ERROR_MESSAGE_TOO_LARGE)


def test_largest_well_formed_message_fits_the_websocket_limit() -> None:
    data = message([b"a" * 98, b"b", b"c"], b"x" * 64)
    assert len(data) == LIMITS.max_message_bytes
    framing.decode(data, LIMITS)
