"""The host (browser role): launches the service process, watches it, and hands each client
its connection.

Like Chrome's `GpuProcessHost`, the host owns the service process and brokers connections to
it; it never looks at client traffic. It talks to the service over a *control channel*, one end
of a socketpair the service inherits (`--control-fd`); python_service/ipc/control.py defines
its frames. `connect()` makes a new socketpair per client, passes one end to the service in a
*client* frame and returns the other end as the client's `Channel`.

Lifecycle (docs/lifecycle.md): each launched process gets a `ServiceMonitor` whose thread
notices at once when the service dies (EOF on the control channel, or its exit) or hangs (no
answer to the heartbeat ping within `heartbeat_timeout`; it is then killed, the real service
and any wrapper around it), reaps it and records why (`ServiceLoss`). Every client channel of
a dead service reads EOF: that is device loss as the client sees it, and `loss_reason()` tells
the client why, so `device.lost` and every rejected promise can say "the NPU service crashed
(killed by signal SIGKILL)". The next `connect()` launches a new service.

Crash loop: `_service_lost` counts the losses the host did not ask for (`CrashLoopPolicy`).
After `crash_limit` of them within `crash_window` seconds, `connect()` raises
`AdapterUnavailable` instead of relaunching (a client's `npu.request_adapter()` then resolves
null, as WebGPU's does when no adapter is available) until the window has slid past them.

Shutdown: `shutdown()` half-closes the control channel; the service then drops its clients
(they see device loss "the NPU service was shut down"), cancels its work and exits within its
own `--shutdown-timeout`; past the host's `timeout` the host kills it. Either way the process is
reaped and the host's descriptors for it are closed.

The sandbox is applied inside the service itself (DESIGN.md, "Sandbox, in this order").

Thread safety: `connect()`, `shutdown()` and `alive()` may be called from several threads (one
lock); `loss_reason()` takes no host lock (client reader threads call it while the host may be
busy relaunching).
"""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType

from python_service.crash_loop import DEFAULT_CRASH_LIMIT, DEFAULT_CRASH_WINDOW, CrashLoopPolicy
from python_service.ipc.channel import Channel, ChannelClosed
from python_service.sandbox import launch
from python_service.sandbox.report import StartupReport
from python_service.service_monitor import (
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_HEARTBEAT_TIMEOUT,
    DEFAULT_STARTUP_TIMEOUT,
    Heartbeat,
    LossCause,
    ServiceLoss,
    ServiceMonitor,
)

log = logging.getLogger(__name__)

DEFAULT_SHUTDOWN_TIMEOUT = 10.0


class ServiceUnavailable(RuntimeError):
    """The service could not be (re)launched, or the host was shut down."""


class AdapterUnavailable(ServiceUnavailable):
    """The crash-loop policy refuses to relaunch the service for now (see `crash_loop.py`)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds until launches resume


class ServiceHost:
    """Owns one service process at a time; `connect()` relaunches it if it has died."""

    def __init__(
        self,
        *,
        service_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        stderr: int | None = None,
        sandbox_allow_missing: Iterable[str] | None = None,
        heartbeat_interval: float = DEFAULT_HEARTBEAT_INTERVAL,
        heartbeat_timeout: float = DEFAULT_HEARTBEAT_TIMEOUT,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        crash_limit: int = DEFAULT_CRASH_LIMIT,
        crash_window: float = DEFAULT_CRASH_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service_args = tuple(service_args)
        # Sandbox (python_service/sandbox/launch.py): the service's environment is built from
        # scratch; `env` only adds to it. The weaker mode: layers allowed to be missing, with
        # WEBNPU_SANDBOX_ALLOW_MISSING's; the report of the running service's layers.
        self._env = dict(env or {})
        self.sandbox_allow_missing = launch.allowed_missing(sandbox_allow_missing)
        self.sandbox_report: StartupReport | None = None
        self._stderr = stderr
        self._heartbeat = Heartbeat(heartbeat_interval, heartbeat_timeout, startup_timeout)
        self.crash_loop = CrashLoopPolicy(crash_limit, crash_window, clock)
        self._lock = threading.Lock()
        # The current service process, or the last one once it has ended (kept so its exit
        # status stays inspectable), and the monitor watching it.
        self.process: subprocess.Popen[bytes] | None = None
        self._monitor: ServiceMonitor | None = None
        # Which service process each client channel was handed to, for `loss_reason`.
        self._served_by: weakref.WeakKeyDictionary[Channel, ServiceMonitor] = (
            weakref.WeakKeyDictionary()
        )
        self._closed = False
        self.launches = 0
        self.exit_statuses: list[int] = []  # of every service process reaped, in order
        self.losses: list[ServiceLoss] = []  # the same, with why

    # --- public -------------------------------------------------------------------------------

    def start(self) -> None:
        """Launch the service now, rather than on the first `connect()`."""
        with self._lock:
            self._ensure_running()

    def connect(self) -> Channel:
        """A new client connection to the service (launched or relaunched as needed).

        Raises AdapterUnavailable while the crash-loop policy refuses launches, and
        ServiceUnavailable if the host is shut down or the service cannot be launched."""
        with self._lock:
            # One retry: the service can die between the liveness check and the send.
            for attempt in range(2):
                monitor = self._ensure_running()
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    monitor.send_client(theirs.fileno())
                except (ChannelClosed, OSError):
                    ours.close()
                    self._wait_for_loss(monitor)
                    if attempt:
                        raise ServiceUnavailable("the service died while connecting") from None
                    continue
                finally:
                    theirs.close()  # the service has its own copy now (or never will)
                channel = Channel.from_socket(ours)
                self._served_by[channel] = monitor
                return channel
        raise AssertionError("unreachable")

    def loss_reason(self, channel: Channel, timeout: float) -> str | None:
        """Why the service behind `channel` (from `connect()`) is gone, waiting up to
        `timeout` seconds for the host to find out; None if it still runs (the service
        dropped that client alone, for a bad message)."""
        monitor = self._served_by.get(channel)
        return None if monitor is None else monitor.reason(timeout)

    def alive(self) -> bool:
        """Whether the current service process is running and not known to be lost."""
        with self._lock:
            return self._monitor is not None and not self._monitor.lost

    @property
    def service_pid(self) -> int | None:
        """The pid of the current service process itself, in our PID namespace. The sandbox
        runs it inside a namespace wrapper (then `process` is the wrapper, and this is the
        wrapper's child); tests signal this pid to crash or stop the real service."""
        return None if self._monitor is None else self._monitor.service_pid

    def wait_reaped(self, timeout: float) -> ServiceLoss | None:
        """Wait until the current service process has ended and been reaped (its loss
        recorded, its descriptors closed); its `ServiceLoss`, or None on timeout."""
        monitor = self._monitor
        if monitor is None or not monitor.wait(timeout):
            return None
        return monitor.loss

    @property
    def heartbeats_answered(self) -> int:
        """Pongs the current service has sent: > 0 once its control loop is serving."""
        monitor = self._monitor
        return 0 if monitor is None else monitor.answered

    def shutdown(self, timeout: float = DEFAULT_SHUTDOWN_TIMEOUT) -> int | None:
        """Half-close the control channel (the service shuts down gracefully), wait up to
        `timeout` seconds, then kill. Returns the exit status, or None if no service was
        running. Idempotent; `connect()` afterwards raises ServiceUnavailable."""
        with self._lock:
            self._closed = True
            monitor = self._monitor
            if monitor is None:
                return None
            if not monitor.finished:
                monitor.begin_shutdown()
                if not monitor.wait(timeout):
                    log.warning(
                        "service %d did not exit in %.1f s; killing it",
                        monitor.process.pid,
                        timeout,
                    )
                    monitor.kill(LossCause.SHUTDOWN, "the NPU service was shut down")
                    monitor.wait()
            assert monitor.loss is not None
            return monitor.loss.status

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

    def _ensure_running(self) -> ServiceMonitor:
        if self._closed:
            raise ServiceUnavailable("the host has been shut down")
        monitor = self._monitor
        if monitor is not None and not monitor.finished:
            if not monitor.lost:
                return monitor
            self._wait_for_loss(monitor)
        retry_after = self.crash_loop.disabled_for()
        if retry_after > 0:
            raise AdapterUnavailable(
                f"the NPU adapter is disabled: the service crashed "
                f"{self.crash_loop.recent_crashes()} times within {self.crash_loop.window:g} s "
                f"(last: {self.losses[-1].message if self.losses else 'unknown'}); "
                f"launches resume in {retry_after:.1f} s",
                retry_after,
            )
        self._launch()
        assert self._monitor is not None
        return self._monitor

    def _wait_for_loss(self, monitor: ServiceMonitor) -> None:
        """A dying service: let its monitor reap it and record the loss (bounded: a process
        that lingers is killed)."""
        if not monitor.wait(self._heartbeat.timeout):
            monitor.kill(LossCause.BROKEN, "the NPU service did not exit after its loss")
            monitor.wait()

    def _launch(self) -> None:
        # Command line, clean environment and namespace wrapper: python_service/sandbox/launch.py.
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with theirs:
                plan = launch.plan(
                    theirs.fileno(), self.service_args, self.sandbox_allow_missing, self._env
                )
                process = launch.start(plan, theirs.fileno(), stderr=self._stderr)
        except (OSError, ValueError) as e:
            ours.close()
            raise ServiceUnavailable(f"could not launch the service: {e}") from e
        # The sandbox's start-up report comes before anything else on the control channel: a
        # service that refuses (a layer it cannot apply) says why, and that is our error.
        try:
            self.sandbox_report = launch.await_startup(
                ours.fileno(), process, self._heartbeat.startup_timeout
            )
        except launch.StartupFailed as e:
            ours.close()
            status = launch.stop(process)
            self.exit_statuses.append(status)
            reason = launch.namespaces_unavailable()
            if e.report is not None and e.report.layer == "namespaces" and reason:
                raise ServiceUnavailable(
                    f"{e} (user namespaces on this machine: {reason})"
                ) from None
            raise ServiceUnavailable(str(e)) from None
        self.process = process
        self._watch(process, ours)

    def _watch(self, process: subprocess.Popen[bytes], control: socket.socket) -> None:
        """Start the monitor of a freshly launched `process` (`control`: our end)."""
        self.launches += 1
        self._monitor = ServiceMonitor(
            process,
            control,
            launch=self.launches,
            heartbeat=self._heartbeat,
            service_pid=launch.find_service_pid(process.pid),
            on_lost=self._service_lost,
        )
        log.info("service launched (pid %d)", process.pid)

    # --- called on a monitor thread, without the lock ------------------------------------------

    def _service_lost(self, loss: ServiceLoss) -> None:
        """The service process `loss.pid` has ended and been reaped: count it for the
        crash-loop policy unless the host asked for it."""
        self.exit_statuses.append(loss.status)
        self.losses.append(loss)
        if loss.cause.is_crash:
            self.crash_loop.record_crash()
            log.warning("service %d lost: %s; relaunching on demand", loss.pid, loss.message)


__all__ = [
    "DEFAULT_SHUTDOWN_TIMEOUT",
    "AdapterUnavailable",
    "ServiceHost",
    "ServiceUnavailable",
]
