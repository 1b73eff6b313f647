"""The host (browser role): launches the service process and hands each client its connection.

Like Chrome's `GpuProcessHost`, the host owns the service process and brokers connections to
it; it never looks at client traffic. It talks to the service over a *control channel*, one end
of a socketpair the service inherits (`--control-fd`). `connect()` makes a new socketpair per
client, passes one end to the service in a control frame (SCM_RIGHTS, empty payload; see
`python_service/service/__main__.py`) and returns the other end as the client's `Channel`.

Faults: when the service dies, every client channel sees EOF (`ChannelClosed`): that is device
loss as the client sees it. The host notices on the next `connect()` (the process has exited,
or its end of the control channel reads EOF), reaps the process and launches a new one.
`_service_lost` is the hook for what the next issue adds: the crash-loop policy (disable the
adapter after repeated crashes, as Chrome does for the GPU process) and reporting the loss.
The sandbox is applied inside the service itself (DESIGN.md, "Sandbox, in this order").

Thread safety: `connect()` and `shutdown()` may be called from several threads (one lock).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from python_service.ipc.channel import Channel, ChannelClosed

log = logging.getLogger(__name__)

# The directory holding the `python_service` package, so the service imports the same code
# whatever the caller's working directory.
_PACKAGE_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHUTDOWN_TIMEOUT = 10.0


class ServiceUnavailable(RuntimeError):
    """The service could not be (re)launched, or the host was shut down."""


class ServiceHost:
    """Owns one service process at a time; `connect()` relaunches it if it has died."""

    def __init__(
        self,
        *,
        service_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        stderr: int | None = None,
    ) -> None:
        self.service_args = tuple(service_args)
        self._env = dict(os.environ if env is None else env)
        self._stderr = stderr
        self._lock = threading.Lock()
        # The current service process, or the last one once it has ended (kept so its exit
        # status stays inspectable); `_running` says whether it is still ours to reap.
        self.process: subprocess.Popen[bytes] | None = None
        self._running = False
        self._control: Channel | None = None
        self._closed = False
        self.launches = 0
        self.exit_statuses: list[int] = []  # of every service process reaped, in order

    # --- public -------------------------------------------------------------------------------

    def start(self) -> None:
        """Launch the service now, rather than on the first `connect()`."""
        with self._lock:
            self._ensure_running()

    def connect(self) -> Channel:
        """A new client connection to the service (launched or relaunched as needed)."""
        with self._lock:
            # One retry: the service can die between the liveness check and the send.
            for attempt in range(2):
                control = self._ensure_running()
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    control.send(b"", [theirs.fileno()])
                except ChannelClosed:
                    ours.close()
                    self._reap()
                    if attempt:
                        raise ServiceUnavailable("the service died while connecting") from None
                    continue
                finally:
                    theirs.close()  # the service has its own copy now (or never will)
                return Channel.from_socket(ours)
        raise AssertionError("unreachable")

    @property
    def service_pid(self) -> int | None:
        """The pid, in the host's PID namespace, of the real service process (the one running
        `python -m python_service.service`), or None if no service is running. Tests signal it
        (SIGKILL, SIGSTOP) to simulate a crash or a hang. When the service is launched through
        a namespace wrapper this is the wrapper's child, not `process.pid`."""
        process = self.process
        if process is None or not self._running:
            return None
        return process.pid

    def alive(self) -> bool:
        """Whether the current service process is running and its control channel open."""
        with self._lock:
            return self._alive()

    def shutdown(self, timeout: float = DEFAULT_SHUTDOWN_TIMEOUT) -> int | None:
        """Close the control channel (the service shuts down gracefully), wait up to `timeout`
        seconds, then kill. Returns the exit status, or None if no service was running.
        Idempotent; `connect()` afterwards raises ServiceUnavailable."""
        with self._lock:
            self._closed = True
            process = self.process
            if process is None:
                return None
            if not self._running:
                return process.returncode
            self._running = False
            self._control_close()
            try:
                status = process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("service %d did not exit in %.1f s; killing it", process.pid, timeout)
                process.kill()
                status = process.wait()
            self.exit_statuses.append(status)
            return status

    def __enter__(self) -> ServiceHost:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()

    # --- internals (called with the lock held) -------------------------------------------------

    def _alive(self) -> bool:
        if not self._running or self.process is None or self._control is None:
            return False
        if self.process.poll() is not None:
            return False
        # The service never writes on the control channel: readable means EOF (it is exiting,
        # possibly not yet reapable) or a broken service; either way it is gone for us.
        readable, _, _ = select.select([self._control], [], [], 0)
        return not readable

    def _ensure_running(self) -> Channel:
        if self._closed:
            raise ServiceUnavailable("the host has been shut down")
        if not self._alive():
            self._reap()
            self._launch()
        assert self._control is not None
        return self._control

    def _launch(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(self._env)
        env["ORT_DISABLE_TELEMETRY"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(
            [str(_PACKAGE_ROOT), *filter(None, [env.get("PYTHONPATH")])]
        )
        command = [
            sys.executable,
            "-m",
            "python_service.service",
            "--control-fd",
            str(theirs.fileno()),
            *self.service_args,
        ]
        try:
            with theirs:
                self.process = subprocess.Popen(
                    command,
                    pass_fds=[theirs.fileno()],
                    stdin=subprocess.DEVNULL,
                    stderr=self._stderr,
                    env=env,
                    cwd=_PACKAGE_ROOT,
                )
        except OSError as e:
            ours.close()
            raise ServiceUnavailable(f"could not launch the service: {e}") from e
        self._control = Channel.from_socket(ours, max_message_bytes=4096, max_handles=1)
        self._running = True
        self.launches += 1
        log.info("service launched (pid %d)", self.process.pid)

    def _reap(self) -> None:
        """The service is dead or dying: close our control end, collect its exit status."""
        self._control_close()
        process = self.process
        if not self._running or process is None:
            return
        self._running = False
        try:
            status = process.wait(DEFAULT_SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:  # control EOF but still running: make sure
            process.kill()
            status = process.wait()
        self.exit_statuses.append(status)
        self._service_lost(process.pid, status)

    def _service_lost(self, pid: int, status: int) -> None:
        """Hook: the service process `pid` ended with `status` outside a shutdown.

        The next issue puts the crash-loop policy here (count recent crashes; past a limit,
        stop relaunching and report the adapter as unavailable, as Chrome disables hardware
        acceleration after repeated GPU-process crashes) and device-loss reporting. For now
        the host just relaunches on the next `connect()`.
        """
        log.warning("service %d exited with status %d; relaunching on demand", pid, status)

    def _control_close(self) -> None:
        control, self._control = self._control, None
        if control is not None:
            with contextlib.suppress(OSError):
                control.close()


__all__ = ["DEFAULT_SHUTDOWN_TIMEOUT", "ServiceHost", "ServiceUnavailable"]
