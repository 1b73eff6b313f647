"""How the host launches the sandboxed service: command line, environment, start-up handshake.

`ServiceHost._launch` (python_service/host.py) and `python -m python_service --sandbox-report`
both launch through here, so the report describes exactly what the host runs.

- Command: `python -s -m python_service.service --control-fd N ...`, wrapped in `ns_init.py`
  (new user, PID and network namespaces) when this machine allows it: probed once per host
  process by running the wrapper around an empty Python. Where it does not, the service is
  launched bare and its `namespaces` layer refuses to start unless allowed missing.
- Environment: built from scratch (`clean_environment.environment`), nothing inherited from the
  host's own environment; a caller's explicit extras are added (the service drops them again
  before it imports anything). stdin is /dev/null; stdout and stderr are the host's (or what
  the caller passes).
- Weaker mode: the layers named in `ServiceHost(sandbox_allow_missing=...)` or in the host's
  environment variable WEBNPU_SANDBOX_ALLOW_MISSING (comma-separated) become
  `--allow-missing-layer` flags.
- Tracing (sandbox/trace.py): with WEBNPU_SANDBOX_TRACE_DIR=DIR in the host's environment, the
  service runs under `strace -f -o DIR/trace.<pid>` with `--trace-syscalls` (seccomp replaced
  by a marker, so reported false).
- Handshake: the service's first frame on the control channel is its start-up report
  (report.py); `await_startup` reads exactly that frame, so a refusal becomes the host's
  `ServiceUnavailable` in the service's own words.
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from python_service.ipc.channel import HEADER
from python_service.ipc.control import MAX_CONTROL_BYTES
from python_service.sandbox import ALLOW_MISSING_ENV, LAYERS
from python_service.sandbox.clean_environment import environment
from python_service.sandbox.report import StartupReport

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
NS_INIT = Path(__file__).resolve().with_name("ns_init.py")
TRACE_DIR_ENV = "WEBNPU_SANDBOX_TRACE_DIR"


class StartupFailed(Exception):
    """The service did not report ready: it refused (a layer missing), died or hung."""

    def __init__(self, message: str, report: StartupReport | None = None) -> None:
        super().__init__(message)
        self.report = report


def allowed_missing(explicit: Iterable[str] | None = None) -> frozenset[str]:
    """The layers the user allows to be missing: `explicit`, plus the environment variable."""
    names = set(explicit or ())
    names |= {n.strip() for n in os.environ.get(ALLOW_MISSING_ENV, "").split(",") if n.strip()}
    unknown = names - set(LAYERS)
    if unknown:
        raise ValueError(f"unknown sandbox layers {sorted(unknown)}; the layers are {LAYERS}")
    return frozenset(names)


@functools.cache
def namespaces_unavailable() -> str | None:
    """None if this machine lets us create the namespaces, else why not (asked once)."""
    python = [sys.executable, "-I", "-S"]
    try:
        result = subprocess.run(
            [*python, str(NS_INIT), "--", *python, "-c", ""],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            env={},
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"cannot run {NS_INIT.name}: {e}"
    if result.returncode != 0:
        return result.stderr.strip() or f"{NS_INIT.name} exited with {result.returncode}"
    return None


@dataclass(frozen=True)
class LaunchPlan:
    command: list[str]
    env: dict[str, str]
    cwd: Path = PACKAGE_ROOT


def plan(
    control_fd: int,
    service_args: Sequence[str] = (),
    allow_missing: Iterable[str] = (),
    extra_env: Mapping[str, str] | None = None,
) -> LaunchPlan:
    missing = allowed_missing(allow_missing)
    service = [sys.executable, "-s", "-m", "python_service.service"]
    service += ["--control-fd", str(control_fd)]
    for name in sorted(missing):
        service += ["--allow-missing-layer", name]
    service += list(service_args)
    prefix: list[str] = []
    if namespaces_unavailable() is None:
        prefix = [sys.executable, "-I", "-S", str(NS_INIT), "--"]
    trace_dir = os.environ.get(TRACE_DIR_ENV)
    if trace_dir:
        strace = shutil.which("strace") or "strace"
        trace_file = Path(trace_dir) / f"trace.{os.getpid()}.{time.monotonic_ns()}"
        prefix = [strace, "-f", "-qq", "-o", str(trace_file), *prefix]
        service.append("--trace-syscalls")
    env = environment(str(PACKAGE_ROOT))
    env.update(extra_env or {})
    return LaunchPlan(prefix + service, env)


def start(
    launch: LaunchPlan, control_fd: int, stdout: int | None = None, stderr: int | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        launch.command,
        pass_fds=[control_fd],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        env=launch.env,
        cwd=launch.cwd,
    )


def _recv_exactly(sock_fd: int, size: int, deadline: float) -> bytes:
    data = b""
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([sock_fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(sock_fd, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _ended(process: subprocess.Popen[bytes]) -> str:
    try:
        status = process.wait(5)
    except subprocess.TimeoutExpired:
        return "it closed the control channel but is still running"
    if status < 0:
        return f"it was killed by signal {-status}"
    return f"it exited with status {status}"


def await_startup(
    control_fd: int, process: subprocess.Popen[bytes], timeout: float
) -> StartupReport:
    """Read the service's start-up frame (and nothing after it) from our end of the control
    channel; the report if the service is ready, else StartupFailed saying why."""
    deadline = time.monotonic() + timeout
    try:
        size, handles, flags = HEADER.unpack(_recv_exactly(control_fd, HEADER.size, deadline))
        if handles or flags or size > MAX_CONTROL_BYTES:
            raise StartupFailed(f"malformed start-up frame from the service ({size} bytes)")
        report = StartupReport.decode(_recv_exactly(control_fd, size, deadline))
    except TimeoutError:
        raise StartupFailed(f"the service did not finish starting within {timeout:g} s") from None
    except EOFError:
        raise StartupFailed(
            f"the service ended before it was ready: {_ended(process)} (its stderr says why)"
        ) from None
    except ValueError as e:
        raise StartupFailed(f"malformed start-up frame from the service: {e}") from None
    if not report.ready:
        raise StartupFailed(report.message, report)
    return report


def stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> int:
    """Reap a service that failed to start, killing it if it does not exit within `grace`
    seconds (a refusing service exits by itself). The real service is killed first, so the
    namespace wrapper reaps it (instead of leaving a zombie to init) and exits likewise."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        return process.wait(grace)
    if process.poll() is None:
        real = find_service_pid(process.pid)
        if real != process.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(real, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                return process.wait(2.0)
        process.kill()
    return process.wait()


def find_service_pid(root_pid: int) -> int:
    """The pid of the process running `python_service.service` at or below `root_pid` (the
    namespace wrapper's child, or strace's grandchild), in our PID namespace."""
    frontier = [root_pid]
    for _ in range(4):  # root, ns_init, service: strace adds one level
        next_level = []
        for pid in frontier:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                # The wrappers name the service in their own argv: skip them.
                wrapper = str(NS_INIT).encode() in argv or argv[0].endswith(b"strace")
                if b"python_service.service" in argv and not wrapper:
                    return pid
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    next_level += [int(child) for child in f.read().split()]
            except (OSError, ValueError):
                continue
        frontier = next_level
    return root_pid
