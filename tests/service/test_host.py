"""The host and a real service process: connections, isolation, a crash, shutdown.

Each test launches its own `python -m python_service.service` through `ServiceHost` (about a
second of start-up, mostly importing onnxruntime) and plays the clients with the generated codec
(`session_support.Client`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from python_service.host import ServiceHost, ServiceUnavailable
from python_service.ipc import ChannelClosed
from tests.service.session_support import Client, open_device, run_add_relu
from tests.service.transport_support import ROOT, no_fd_leak

# Generous: the bound is there to fail a hang, not to measure.
EOF_WITHIN = 10.0
# A frame whose payload is not a whole message (misaligned): a bad message at decode.
GARBAGE = b"\x19\x00\x00\x00\x04\x00\x03\x00" + bytes(17)


def assert_reaped(pid: int) -> None:
    """`pid` is no longer a child of ours: not running, and not a zombie either."""
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def assert_gone(pid: int) -> None:
    """The real service `pid` (a child of the namespace wrapper, not ours to wait for) no
    longer exists, not even as a zombie: the wrapper reaped it before it exited itself."""
    assert not os.path.exists(f"/proc/{pid}"), f"service process {pid} outlived its wrapper"


def assert_eof_within(client: Client, seconds: float) -> float:
    start = time.monotonic()
    client.assert_dropped()
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"EOF took {elapsed:.1f} s"
    return elapsed


def test_two_clients_and_a_bad_one_through_a_real_service():
    with no_fd_leak(), ServiceHost() as host:
        first, second, bad = (Client(host.connect()) for _ in range(3))
        try:
            assert host.launches == 1
            for client in (first, second, bad):
                open_device(client)
            run_add_relu(second, (64, 512), seed=2)  # 128 KiB: through shared memory
            # A malformed frame drops that client only; the others keep being served.
            bad.channel.send(GARBAGE)
            assert_eof_within(bad, EOF_WITHIN)
            run_add_relu(first, (2, 3, 4), seed=1)
            assert host.alive() and host.launches == 1
        finally:
            for client in (first, second, bad):
                client.channel.close()


def test_a_killed_service_drops_every_client_and_relaunches_on_connect():
    with no_fd_leak(), ServiceHost() as host:
        clients = [Client(host.connect()) for _ in range(2)]
        try:
            for client in clients:
                open_device(client)
            killed, killed_service = host.process, host.service_pid
            assert killed is not None and killed_service is not None
            os.kill(killed_service, signal.SIGKILL)  # the service, inside any wrapper
            for client in clients:
                assert_eof_within(client, EOF_WITHIN)
            # The next connection relaunches the service, which serves it.
            clients.append(Client(host.connect()))
            assert host.launches == 2 and host.process is not killed
            assert host.exit_statuses == [-signal.SIGKILL]
            assert_reaped(killed.pid)
            assert_gone(killed_service)
            open_device(clients[-1])
            run_add_relu(clients[-1], (5,))
        finally:
            for client in clients:
                client.channel.close()


def test_shutdown_is_graceful_and_leaves_nothing_behind():
    with no_fd_leak():
        host = ServiceHost()
        with host:
            client = Client(host.connect())
            open_device(client)
            run_add_relu(client, (3, 3))
            process, service_pid = host.process, host.service_pid
            start = time.monotonic()
            status = host.shutdown(timeout=10)
            elapsed = time.monotonic() - start
            assert status == 0, "the service should exit cleanly on control EOF"
            assert elapsed < 5, f"graceful shutdown took {elapsed:.1f} s"
            # The service shut the client's socket down on its way out.
            assert_eof_within(client, EOF_WITHIN)
            client.channel.close()
        assert host.process is process and process.poll() is not None
        assert_reaped(process.pid)
        assert service_pid is not None
        assert_gone(service_pid)
        assert host.shutdown() == 0  # idempotent
        with pytest.raises(ServiceUnavailable):
            host.connect()


def test_shutdown_kills_a_service_that_ignores_it():
    with no_fd_leak(), ServiceHost() as host:
        host.start()
        process, service_pid = host.process, host.service_pid
        assert service_pid is not None
        os.kill(service_pid, signal.SIGSTOP)  # cannot see the control EOF any more
        try:
            status = host.shutdown(timeout=0.5)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert status == -signal.SIGKILL
        assert_reaped(process.pid)
        assert_gone(service_pid)


def test_the_service_entry_point_refuses_a_bad_control_fd():
    result = subprocess.run(
        [sys.executable, "-m", "python_service.service", "--control-fd", "99"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "bad --control-fd 99" in result.stderr


def test_connection_after_the_client_side_closes_first():
    # A client that goes away is the service's ordinary case: its session ends, the
    # service serves on.
    with ServiceHost() as host:
        gone = Client(host.connect())
        open_device(gone)
        gone.channel.close()
        client = Client(host.connect())
        try:
            open_device(client)
            run_add_relu(client, (4,))
            assert host.launches == 1
        except BaseException:
            client.channel.close()
            raise
    # The host's shutdown reaches the client as EOF.
    with client.channel, pytest.raises(ChannelClosed):
        client.channel.receive()
