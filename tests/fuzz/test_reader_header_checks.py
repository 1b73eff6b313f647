"""The reader's message and command header checks give exactly the errors of the sequential
checks they replaced (python_service/wire/runtime.py).

`next_message` and `next_command` test each group of header checks with one comparison, so a
coverage-guided fuzzer pays one callback per group (fuzz/README.md, "what is instrumented"),
and name the error only once that test has failed. `sequential` below is the reference: the
checks one by one in Mojo's order (validation_util.cc: alignment, range, header size; then the
flags), as the reader did them before. Every header over a grid of edge values must give the
same kind and the same message text, or decode the same.
"""

from __future__ import annotations

import itertools
import struct

import pytest

from python_service.bad_message import BadMessage
from python_service.bad_message import BadMessageKind as K
from python_service.wire import runtime as rt

SIZES = (0, 1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 32, 40, 0xFFFFFFF8, 0xFFFFFFFF)
FLAGS = (0, 1, 2, 3, 4, 5, 0x80000000, 0xFFFFFFFF)
REQUEST_IDS = (0, 1, 0xFFFFFFFF)
TAILS = (0, 8, 16, 24)  # payload bytes after the 16-byte header


def sequential_block(what: str, pos: int, num_bytes: int, header_size: int, left: int) -> None:
    if num_bytes % 8:
        raise BadMessage(
            K.VALIDATION_ERROR_MISALIGNED_OBJECT,
            f"{what} at {pos}: num_bytes {num_bytes} is not a multiple of 8",
        )
    if num_bytes > left:
        raise BadMessage(
            K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
            f"{what} at {pos}: num_bytes {num_bytes} but {left} bytes left",
        )
    if num_bytes < header_size:
        raise BadMessage(
            K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER,
            f"{what} at {pos}: num_bytes {num_bytes} < header size {header_size}",
        )


def sequential_message(frame: bytes) -> tuple[int, int, int, int]:
    """The first message header of `frame` as the reader checked it before (pos 0)."""
    left = len(frame)
    if left == 0:
        raise BadMessage(K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER, "empty frame")
    if left < 16:
        raise BadMessage(
            K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
            f"{left} bytes left at offset 0, a message header needs 16",
        )
    num_bytes, ordinal, flags, request_id = struct.unpack_from("<IIII", frame)
    sequential_block("message", 0, num_bytes, 16, left)
    if flags & ~3 or flags == 3:
        raise BadMessage(
            K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS, f"message at 0: flags {flags:#x}"
        )
    if flags and not request_id:
        raise BadMessage(
            K.VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID,
            f"message at 0: flags {flags:#x} with request id 0",
        )
    if not flags and request_id:
        raise BadMessage(
            K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
            f"message at 0: request id {request_id} without a reply flag",
        )
    return num_bytes, ordinal, flags, request_id


def outcome(function, frame: bytes) -> object:
    try:
        return function(frame)
    except BadMessage as e:
        return (e.kind, e.detail)


def messages() -> list[bytes]:
    frames = [b"", bytes(1), bytes(8), bytes(15)]
    for num_bytes, flags, request_id, tail in itertools.product(SIZES, FLAGS, REQUEST_IDS, TAILS):
        frames.append(struct.pack("<IIII", num_bytes, 7, flags, request_id) + bytes(tail))
    return frames


@pytest.mark.parametrize("frame", messages(), ids=lambda f: f.hex()[:40] or "empty")
def test_message_header_errors_are_the_sequential_ones(frame):
    def reader(data: bytes) -> tuple[int, int, int, int]:
        header = rt.MessageReader(data).next_message()
        assert header is not None
        return tuple(header)

    assert outcome(reader, frame) == outcome(sequential_message, frame)


@pytest.mark.parametrize(("num_bytes", "tail"), list(itertools.product(SIZES, TAILS)))
def test_command_header_errors_are_the_sequential_ones(num_bytes, tail):
    stream = struct.pack("<II", num_bytes, 3) + bytes(tail)

    def sequential(data: bytes) -> tuple[int, int]:
        sequential_block("command", 0, num_bytes, 8, len(data))
        return num_bytes, 3

    assert outcome(lambda data: rt.MessageReader(data).next_command(), stream) == outcome(
        sequential, stream
    )


@pytest.mark.parametrize(
    ("expects_reply", "is_reply", "flags", "ok"),
    [
        (False, False, 0, True),
        (True, False, 1, True),
        (False, True, 2, True),
        (False, False, 1, False),
        (True, False, 2, False),
        (False, True, 1, False),
        (True, False, 0, False),
    ],  # fmt: skip
)
def test_check_flags_wants_the_method_kinds_flags(expects_reply, is_reply, flags, ok):
    header = rt.MessageHeader(16, 0x10001, flags, 1 if flags else 0)
    if ok:
        rt.check_flags(header, expects_reply=expects_reply, is_reply=is_reply)
        return
    want = int(expects_reply) | 2 * int(is_reply)
    with pytest.raises(BadMessage) as raised:
        rt.check_flags(header, expects_reply=expects_reply, is_reply=is_reply)
    assert raised.value.kind is K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS
    assert raised.value.detail == f"ordinal 0x00010001: flags {flags:#x}, expected {want:#x}"


def test_end_of_a_block_that_was_not_begun_is_a_programming_error():
    with pytest.raises(AssertionError, match="end of a message that was not begun"):
        rt.MessageReader(bytes(16)).end_message()
