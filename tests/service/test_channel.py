"""Channel: framing, descriptor passing across a real process, and hostile peers."""

from __future__ import annotations

import os
import selectors
import socket

import pytest

from python_service.bad_message import BadMessage, BadMessageKind
from python_service.ipc import Channel, ChannelClosed, Message
from python_service.ipc.channel import HEADER
from tests.service.transport_support import no_fd_leak, peer_processes


@pytest.fixture
def peer():
    """Start peer processes (tests/service/peer.py) for one test."""
    with peer_processes() as start:
        yield start


def same_file(a: int, b: int) -> bool:
    sa, sb = os.fstat(a), os.fstat(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def test_round_trip_with_fds_across_processes(peer):
    with no_fd_leak():
        channel, _ = peer("echo")
        read_end, write_end = os.pipe()
        try:
            with channel:
                for payload in (b"", b"x", bytes(range(256)) * 7, os.urandom(1 << 20)):
                    channel.send(payload, [read_end, write_end])
                    with channel.receive() as echoed:
                        assert echoed.payload == payload
                        got_read, got_write = echoed.fds
                        # New descriptor numbers, same open files.
                        assert {got_read, got_write}.isdisjoint({read_end, write_end})
                        assert same_file(got_read, read_end)
                        os.write(got_write, b"!")
                        assert os.read(read_end, 1) == b"!"
                for i in range(50):
                    channel.send(i.to_bytes(4, "little"))
                    assert channel.receive().payload == i.to_bytes(4, "little")
        finally:
            os.close(read_end)
            os.close(write_end)


def test_received_fds_are_close_on_exec(peer):
    channel, _ = peer("echo")
    r, w = os.pipe()
    with channel:
        channel.send(b"", [r])
        with channel.receive() as echoed:
            assert not os.get_inheritable(echoed.fds[0])
    os.close(r)
    os.close(w)


HOSTILE = [
    # scenario, arg, limits, expected kind
    ("truncated_header", "", {}, BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED),
    (
        "too_large",
        "1024",
        {"max_message_bytes": 1024},
        BadMessageKind.WEBNPU_ERROR_MESSAGE_TOO_LARGE,
    ),
    ("short_payload", "", {}, BadMessageKind.WEBNPU_ERROR_MESSAGE_TRUNCATED),
    ("bad_flags", "", {}, BadMessageKind.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS),
    ("too_many_fds", "4", {"max_handles": 4}, BadMessageKind.WEBNPU_ERROR_TOO_MANY_HANDLES),
    ("unannounced_fds", "", {}, BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE),
    ("fds_on_payload", "", {}, BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE),
    ("missing_fds", "", {}, BadMessageKind.VALIDATION_ERROR_UNEXPECTED_INVALID_HANDLE),
    (
        "control_truncated",
        "",
        {"max_handles": 4},
        BadMessageKind.WEBNPU_ERROR_CONTROL_DATA_TRUNCATED,
    ),
]


@pytest.mark.parametrize(
    ("scenario", "arg", "limits", "kind"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_hostile_peer_is_a_bad_message(peer, scenario, arg, limits, kind):
    with no_fd_leak():
        channel, process = peer(scenario, arg, **limits)
        # Let the peer finish writing (and exit) so every byte and descriptor is queued.
        assert process.wait(timeout=10) == 0
        with pytest.raises(BadMessage) as raised:
            channel.receive()
        assert raised.value.kind is kind
        assert kind.value in str(raised.value)
        # Framing is lost: the channel has closed itself, and every received fd with it.
        assert channel.closed
        with pytest.raises(ChannelClosed):
            channel.receive()


def test_eof_between_frames_is_channel_closed(peer):
    with no_fd_leak():
        channel, _ = peer("eof")
        with pytest.raises(ChannelClosed):
            channel.receive()
        assert channel.closed


def test_send_to_closed_peer_is_channel_closed():
    a, b = Channel.pair()
    b.close()
    with pytest.raises(ChannelClosed):
        for _ in range(100):  # the first send may land in the buffer before the reset
            a.send(b"x" * 65536)
    a.close()


def test_try_receive_resumes_a_frame_across_calls():
    raw, ours = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with raw, Channel.from_socket(ours) as channel:
        assert channel.try_receive() is None
        frame = HEADER.pack(6, 0, 0) + b"abcdef"
        selector = selectors.DefaultSelector()
        selector.register(channel, selectors.EVENT_READ)
        for cut in (3, 9):  # mid-header, then mid-payload
            raw.send(frame[:cut])
            frame = frame[cut:]
            assert selector.select(timeout=1)
            assert channel.try_receive() is None
        raw.send(frame)
        assert selector.select(timeout=1)
        message = channel.try_receive()
        assert message is not None and message.payload == b"abcdef"
        selector.close()


def test_send_refuses_to_exceed_its_own_limits():
    a, b = Channel.pair(max_message_bytes=16, max_handles=1)
    with a, b:
        with pytest.raises(ValueError, match="exceeds"):
            a.send(b"x" * 17)
        with pytest.raises(ValueError, match="descriptors"):
            a.send(b"", [0, 1])


def test_message_owns_its_fds_until_taken():
    with no_fd_leak():
        r, w = os.pipe()
        message = Message(b"", [r, w])
        (taken,) = Message(b"", [os.dup(r)]).take_fds()
        message.close()
        for fd in (r, w):
            with pytest.raises(OSError):
                os.fstat(fd)
        os.close(taken)
