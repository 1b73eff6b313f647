"""The control channel's heartbeat (python_service/ipc/control.py), against a real service.

The test plays the host: it launches `python -m python_service.service` with one end of a
socketpair, pings it, and sends it frames the protocol does not allow; the service answers
every ping, refuses the rest (closing any descriptor they carry) and keeps serving.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys

import pytest

from python_service.ipc import control
from python_service.ipc.channel import Channel
from tests.service.transport_support import ROOT

TIMEOUT = 60.0


def test_ping_and_pong_frames_round_trip_and_nothing_else_parses():
    assert control.parse_ping(control.ping(7)) == 7
    assert control.parse_pong(control.pong(2**64 - 1)) == 2**64 - 1
    assert len(control.ping(1)) == control.FRAME_BYTES == 12
    for payload in (b"", b"ping", control.ping(1) + b"x", control.pong(1), b"PING" + bytes(8)):
        assert control.parse_ping(payload) is None
    assert control.parse_pong(control.ping(1)) is None


@pytest.fixture
def service():
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with theirs:
        process = subprocess.Popen(
            # Launched bare, outside the namespace wrapper the host uses (SANDBOX): that one
            # layer must be allowed missing, or the service refuses to start.
            [
                *(sys.executable, "-m", "python_service.service"),
                *("--control-fd", str(theirs.fileno())),
                *("--allow-missing-layer", "namespaces"),
            ],
            pass_fds=[theirs.fileno()],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    channel = Channel.from_socket(ours, max_message_bytes=4096, max_handles=1)
    try:
        yield channel
    finally:
        channel.close()  # EOF: a graceful shutdown
        assert process.wait(TIMEOUT) == 0


def answer(channel: Channel) -> bytes:
    while True:
        ready, _, _ = select.select([channel], [], [], TIMEOUT)
        assert ready, "the service did not answer"
        with channel.receive() as message:
            assert not message.fds
            if not message.payload.startswith(b"sandbox "):  # the start-up report, if any
                return message.payload


def test_the_service_answers_pings_and_refuses_other_frames(service):
    service.send(control.ping(1))
    assert control.parse_pong(answer(service)) == 1
    # Neither a client nor a ping: refused, and the service carries on.
    service.send(b"hello")
    service.send(control.pong(5))
    spare_a, spare_b = socket.socketpair()
    with spare_a, spare_b:
        service.send(control.ping(2), [spare_a.fileno()])  # a ping must carry no descriptor
        service.send(control.ping(3))
        assert control.parse_pong(answer(service)) == 3  # ping 2 was refused, not answered
        # The service closed its copy of the refused descriptor: only ours keeps it open.
        spare_a.close()
        spare_b.settimeout(TIMEOUT)
        assert spare_b.recv(1) == b""
