"""Support for the transport tests: a real peer process and a descriptor-leak check.

A plain module rather than conftest.py, so it cannot collide with other service tests' fixtures.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from python_service.ipc import Channel

ROOT = Path(__file__).resolve().parents[2]


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@contextlib.contextmanager
def no_fd_leak() -> Iterator[None]:
    """Fail if the block leaves this process with descriptors it did not have before."""
    before = open_fds()
    yield
    leaked = {
        fd: os.readlink(f"/proc/self/fd/{fd}")
        for fd in open_fds() - before
        if os.path.exists(f"/proc/self/fd/{fd}")
    }
    assert not leaked, f"descriptors leaked: {leaked}"


PeerFactory = Callable[..., tuple[Channel, subprocess.Popen[bytes]]]


@contextlib.contextmanager
def peer_processes() -> Iterator[PeerFactory]:
    """Start `tests/service/peer.py SCENARIO` processes; each call returns our Channel and it.

    On exit, every peer must have exited with status 0 (it is killed after 10 s otherwise).
    """
    started: list[subprocess.Popen[bytes]] = []

    def start(scenario: str, arg: str = "", **limits: int) -> tuple[Channel, subprocess.Popen]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with theirs:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.service.peer", scenario, str(theirs.fileno()), arg],
                pass_fds=[theirs.fileno()],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        started.append(process)
        return Channel.from_socket(ours, **limits), process

    try:
        yield start
    finally:
        for process in started:
            try:
                assert process.wait(timeout=10) == 0, f"peer exited with {process.returncode}"
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
