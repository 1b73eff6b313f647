"""Watching one launched service process: exit, EOF, heartbeat; reaping it; saying why it ended.

The host (`host.py`) starts a `ServiceMonitor` per service process it launches. Its thread is
the only reader of the host's end of the control channel (python_service/ipc/control.py) and
the only one that reaps the process. It notices at once when the service:

- *crashes or exits*: EOF on the control channel (the kernel closes the service's end as the
  process dies), or the process has exited (checked at every heartbeat tick too, in case a
  descendant still holds the channel open);
- *hangs*: a ping unanswered for `heartbeat_timeout` seconds (or `startup_timeout` before
  the first answer: importing onnxruntime and applying the sandbox take a while). The monitor
  then kills the real service and any wrapper around it with SIGKILL;
- *breaks the control protocol*: anything but a pong for a ping it sent. Also killed.

Then it reaps the process, records a `ServiceLoss` (what happened, the exit status, and the
message clients show in `device.lost`), and calls the host back. The reason is published as
soon as it is known (before the kill, for a hang; when the host begins a shutdown, for a
shutdown), so a client that sees EOF can ask `reason()` and wait only as long as it takes the
monitor to reap a crashed process (microseconds to milliseconds).
"""

from __future__ import annotations

import collections
import contextlib
import enum
import logging
import os
import select
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from python_service.bad_message import BadMessage
from python_service.exit_status import meaning
from python_service.ipc import control as control_protocol
from python_service.ipc.channel import Channel, ChannelClosed

log = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_INTERVAL = 0.1  # seconds between pings
DEFAULT_HEARTBEAT_TIMEOUT = 5.0  # an unanswered ping this old means the service hung
DEFAULT_STARTUP_TIMEOUT = 60.0  # the same before the first answer (imports, sandbox)


class LossCause(enum.Enum):
    CRASHED = "crashed"  # ended without being asked (a signal, or an unexpected exit)
    HUNG = "hung"  # stopped answering its heartbeat; killed
    BROKEN = "broken"  # sent the host something the control protocol does not allow; killed
    SHUTDOWN = "shutdown"  # the host shut it down

    @property
    def is_crash(self) -> bool:
        """Counts towards the crash-loop policy (everything the host did not ask for)."""
        return self is not LossCause.SHUTDOWN


@dataclass(frozen=True)
class ServiceLoss:
    """How one service process ended, as the host saw it."""

    pid: int  # the launched process (the wrapper, if the service runs in one)
    cause: LossCause
    status: int  # Popen.returncode: the exit code, or minus the signal number
    message: str  # for people: what clients put in device.lost and their rejections
    declared_at: float  # time.monotonic() when the host knew (before the kill, for a hang)


def describe_status(status: int) -> str:
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"killed by signal {name}"
    why = meaning(status)
    return f"exit status {status}: {why}" if why else f"exit status {status}"


@dataclass(frozen=True)
class Heartbeat:
    interval: float = DEFAULT_HEARTBEAT_INTERVAL
    timeout: float = DEFAULT_HEARTBEAT_TIMEOUT
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT

    def __post_init__(self) -> None:
        if not 0 < self.interval < self.timeout <= self.startup_timeout:
            raise ValueError(
                "need 0 < heartbeat interval < timeout <= startup timeout, got "
                f"{self.interval}, {self.timeout}, {self.startup_timeout}"
            )


class ServiceMonitor:
    """One launched service process, its control channel, and the thread that watches both."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        control: socket.socket,
        *,
        launch: int,
        heartbeat: Heartbeat,
        service_pid: int,
        on_lost: Callable[[ServiceLoss], None],
    ) -> None:
        self.process = process
        self.launch = launch
        self.heartbeat = heartbeat
        self._socket = control
        self._control = Channel.from_socket(
            control,
            max_message_bytes=control_protocol.MAX_CONTROL_BYTES,
            max_handles=control_protocol.MAX_CONTROL_HANDLES,
        )
        # The real service: `process` itself, or its child inside the namespace wrapper.
        self.service_pid = service_pid
        self._on_lost = on_lost
        # Readable when the process exits: wakes the monitor at once, where Popen.wait's
        # timeout would poll (sleeps of up to 50 ms). None on kernels before 5.3.
        self._pidfd: int | None = None
        with contextlib.suppress(OSError, AttributeError):
            self._pidfd = os.pidfd_open(process.pid)
        self._state = threading.Condition()
        self._cause: LossCause | None = None
        self._reason: str | None = None
        self._finished = threading.Event()
        self.loss: ServiceLoss | None = None
        self.answered = 0  # pongs received: the service's control loop is up once this is > 0
        self.declared_at: float | None = None  # time.monotonic() when the loss became known
        self._thread = threading.Thread(
            target=self._watch, name=f"webnpu-monitor-{launch}", daemon=True
        )
        self._thread.start()

    # --- for the host ---------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """The process has been reaped and `loss` is set."""
        return self._finished.is_set()

    @property
    def lost(self) -> bool:
        """The service is gone or going (its loss is known, or it has exited)."""
        with self._state:
            if self._reason is not None:
                return True
        return self.process.poll() is not None

    def send_client(self, fd: int) -> None:
        """Hand the service a client socket (a *client* control frame). Raises ChannelClosed
        (or OSError) if the service is gone."""
        self._control.send(b"", [fd])

    def begin_shutdown(self) -> None:
        """The host is shutting the service down: half-close the control channel (the service
        sees EOF and shuts down gracefully) and stop the heartbeat from calling it hung."""
        self._declare(LossCause.SHUTDOWN, "the NPU service was shut down")
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_WR)

    def kill(self, cause: LossCause, message: str) -> None:
        """Declare the loss (unless already declared) and SIGKILL the service and its wrapper."""
        self._declare(cause, message)
        if self.service_pid != self.process.pid and self.process.poll() is None:
            # While the wrapper is unreaped its child's pid cannot have been reused by anyone
            # outside its namespace; kill the service first so the wrapper exits with it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.service_pid, signal.SIGKILL)
            # (SANDBOX) The namespace wrapper reaps its child, then ends the same way: let it,
            # or the service is left a zombie of init (python_service/sandbox/ns_init.py).
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(2.0)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()  # a no-op once reaped

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the process is reaped and `loss` set; False on timeout."""
        return self._finished.wait(timeout)

    def reason(self, timeout: float) -> str | None:
        """Why the service ended, waiting up to `timeout` seconds for it to become known;
        None if it is still running (a client dropped for a bad message sees that)."""
        deadline = time.monotonic() + timeout
        with self._state:
            while self._reason is None:
                left = deadline - time.monotonic()
                if left <= 0 or not self._state.wait(left):
                    break
            return self._reason

    # --- the thread -------------------------------------------------------------------------

    def _declare(self, cause: LossCause, message: str) -> bool:
        """Record why the service ended, first declaration wins; wakes `reason()` waiters."""
        with self._state:
            if self._cause is not None:
                return False
            self._cause, self._reason = cause, message
            self.declared_at = time.monotonic()
            self._state.notify_all()
            return True

    def _watch(self) -> None:
        try:
            self._watch_until_gone()
        except Exception as error:  # a bug here must not leave the service unwatched
            log.exception("monitor of service %d failed", self.process.pid)
            self.kill(LossCause.BROKEN, f"the NPU service monitor failed ({error!r})")
        self._reap()

    def _watch_until_gone(self) -> None:
        beat = self.heartbeat
        unanswered: collections.deque[tuple[int, float]] = collections.deque()
        sequence = 0
        next_ping = time.monotonic()
        while True:
            now = time.monotonic()
            shutting_down = self._cause is LossCause.SHUTDOWN
            if unanswered and not shutting_down:
                limit = beat.timeout if self.answered else beat.startup_timeout
                if now - unanswered[0][1] > limit:
                    self.kill(
                        LossCause.HUNG,
                        f"the NPU service hung (no heartbeat answer for {limit:g} s) and was "
                        "killed; the next request starts a new one",
                    )
                    return
            if now >= next_ping and not shutting_down:
                sequence += 1
                with contextlib.suppress(ChannelClosed, OSError):  # EOF shows on the read side
                    self._control.send(control_protocol.ping(sequence))
                    unanswered.append((sequence, now))
                next_ping = now + beat.interval
            wait = max(0.0, next_ping - time.monotonic())
            watched: list[Any] = [self._control]
            if self._pidfd is not None:
                watched.append(self._pidfd)
            try:
                readable, _, _ = select.select(watched, [], [], wait)
            except (OSError, ValueError):  # closed under us: treat as EOF
                return
            if self._control in readable:
                try:
                    message = self._control.try_receive()
                except ChannelClosed:
                    return  # EOF: the service is gone (or going)
                except BadMessage as error:
                    self.kill(
                        LossCause.BROKEN, f"the NPU service broke the control protocol ({error})"
                    )
                    return
                if message is not None:
                    with message:
                        answered = control_protocol.parse_pong(message.payload)
                        fds = len(message.fds)
                    if fds or answered is None or not unanswered or answered > sequence:
                        self.kill(
                            LossCause.BROKEN,
                            "the NPU service broke the control protocol (an unexpected "
                            f"control frame: {fds} descriptors, {len(message.payload)} bytes)",
                        )
                        return
                    while unanswered and unanswered[0][0] <= answered:
                        unanswered.popleft()
                    self.answered += 1
            if self.process.poll() is not None:
                return

    def _exited_within(self, timeout: float) -> bool:
        if self._pidfd is None:
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        readable, _, _ = select.select([self._pidfd], [], [], timeout)
        return bool(readable)

    def _reap(self) -> None:
        process = self.process
        while True:
            if self._exited_within(self.heartbeat.timeout):
                status = process.wait()  # exited: waitpid returns at once
                break
            # Its control channel ended but it lives on. During a shutdown that is the service
            # finishing its work, which the host bounds. Otherwise it is broken.
            if self._cause is not LossCause.SHUTDOWN:
                self.kill(
                    LossCause.BROKEN, "the NPU service closed its control channel but did not exit"
                )
        self._control.close()
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        self._declare(
            LossCause.CRASHED,
            f"the NPU service crashed ({describe_status(status)})"
            if status != 0
            else "the NPU service exited unexpectedly (exit status 0)",
        )
        assert self._cause is not None and self._reason is not None
        assert self.declared_at is not None
        self.loss = ServiceLoss(process.pid, self._cause, status, self._reason, self.declared_at)
        try:
            self._on_lost(self.loss)
        except Exception:
            log.exception("the host's loss callback failed")
        finally:
            self._finished.set()


__all__ = [
    "DEFAULT_HEARTBEAT_INTERVAL",
    "DEFAULT_HEARTBEAT_TIMEOUT",
    "DEFAULT_STARTUP_TIMEOUT",
    "Heartbeat",
    "LossCause",
    "ServiceLoss",
    "ServiceMonitor",
    "describe_status",
]
