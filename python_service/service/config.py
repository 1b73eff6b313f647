"""Every knob of the service process, parsed from its command line in one place.

The host (python_service/host.py) builds the command line; the service's entry point
(`__main__.py`) parses it into a `ServiceConfig` and hands that to the sandbox and the server.
Defaults are the production values; tests pass smaller ones through the host's
`service_args`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

DEFAULT_WORKERS = 4
DEFAULT_SHUTDOWN_TIMEOUT = 5.0
# Fairness knobs (docs/fairness.md). The per-client quota and rate defaults live beside the
# code that applies them (objects.ClientQuotas, rate_limit.RateLimits): None here means "that
# default", so each limit has one source of truth.
DEFAULT_DISPATCH_TIMEOUT = 10.0  # = executor.DEFAULT_DISPATCH_TIMEOUT (Chrome's, on Linux)
DEFAULT_WATCHDOG_GRACE = 5.0  # = executor.DEFAULT_WATCHDOG_GRACE
DEFAULT_MEMORY_HEADROOM = 256 << 20


# Sandbox knobs (docs/sandbox.md). RLIMIT_AS counts reserved address space (thread stacks,
# malloc arenas, onnxruntime's arenas), not resident memory, hence far above what is used.
DEFAULT_ADDRESS_SPACE_LIMIT = 8 << 30
DEFAULT_MAX_OPEN_FILES = 4096
ESCAPE_PROBES = ("attempts", "forbidden-syscall")


@dataclass(frozen=True)
class SandboxConfig:
    address_space_limit: int = DEFAULT_ADDRESS_SPACE_LIMIT
    max_open_files: int = DEFAULT_MAX_OPEN_FILES
    # The weaker mode: layers the service may start without (reported false).
    allow_missing_layers: frozenset[str] = frozenset()
    # Tests only. Make this layer's apply fail (to show the service refuses to start).
    test_fail_layer: str | None = None
    # Tests only. After the whole sandbox, run these escape attempts instead of serving
    # (python_service/sandbox/escape.py); no client message can reach this.
    escape_probe: str | None = None
    host_pid: int | None = None  # whose signalling and ptrace the attempts try
    # Re-deriving the seccomp list (sandbox/trace.py): mark the point, load no filter.
    trace_syscalls: bool = False


@dataclass(frozen=True)
class ServiceConfig:
    control_fd: int
    workers: int = DEFAULT_WORKERS
    log_level: str = "WARNING"
    # Graceful shutdown: queued and running work is cancelled; past this many seconds the
    # process exits anyway (status 1).
    shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT
    sandbox: SandboxConfig = SandboxConfig()
    # --- fairness: watchdog, memory, quotas, rates (service/limits.py applies them) ---
    dispatch_timeout: float = DEFAULT_DISPATCH_TIMEOUT
    watchdog_grace: float = DEFAULT_WATCHDOG_GRACE
    memory_limit: int | None = None  # None: half of the machine's memory
    memory_headroom: int = DEFAULT_MEMORY_HEADROOM
    client_memory_limit: int | None = None
    max_queued_operations: int | None = None
    message_rate: float | None = None
    byte_rate: float | None = None
    cpu_capacity: float | None = None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m python_service.service")
    parser.add_argument(
        "--control-fd",
        type=int,
        required=True,
        help="inherited Unix stream socket on which the host passes client sockets",
    )
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="executor worker threads"
    )
    parser.add_argument("--log-level", default="WARNING", help="stderr log level")
    parser.add_argument(
        "--shutdown-timeout",
        type=float,
        default=DEFAULT_SHUTDOWN_TIMEOUT,
        help="seconds a graceful shutdown may take before the process exits anyway",
    )
    _add_fairness_arguments(parser)
    _add_sandbox_arguments(parser)
    return parser


def _add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    from python_service.sandbox import LAYERS

    group = parser.add_argument_group("sandbox (docs/sandbox.md)")
    group.add_argument(
        "--address-space-limit",
        type=int,
        default=DEFAULT_ADDRESS_SPACE_LIMIT,
        help="RLIMIT_AS in bytes (reserved address space, not resident memory)",
    )
    group.add_argument(
        "--max-open-files", type=int, default=DEFAULT_MAX_OPEN_FILES, help="RLIMIT_NOFILE"
    )
    group.add_argument(
        "--allow-missing-layer",
        action="append",
        choices=LAYERS,
        default=[],
        metavar="LAYER",
        help="start even if this sandbox layer cannot be applied (weaker; repeatable)",
    )
    group.add_argument("--test-fail-layer", choices=LAYERS, help=argparse.SUPPRESS)
    group.add_argument("--escape-probe", choices=ESCAPE_PROBES, help=argparse.SUPPRESS)
    group.add_argument("--host-pid", type=int, help=argparse.SUPPRESS)
    group.add_argument("--trace-syscalls", action="store_true", help=argparse.SUPPRESS)


def _sandbox_config(args: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        address_space_limit=args.address_space_limit,
        max_open_files=args.max_open_files,
        allow_missing_layers=frozenset(args.allow_missing_layer),
        test_fail_layer=args.test_fail_layer,
        escape_probe=args.escape_probe,
        host_pid=args.host_pid,
        trace_syscalls=args.trace_syscalls,
    )


def _add_fairness_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fairness (docs/fairness.md)")
    group.add_argument(
        "--dispatch-timeout",
        type=float,
        default=DEFAULT_DISPATCH_TIMEOUT,
        help="seconds one submit may run before the watchdog cancels it and loses its device",
    )
    group.add_argument(
        "--watchdog-grace",
        type=float,
        default=DEFAULT_WATCHDOG_GRACE,
        help="seconds cancelled work may keep running before the service exits (status 4)",
    )
    group.add_argument(
        "--memory-limit",
        type=int,
        default=None,
        help="bytes of resident memory the whole service may use (default: half the RAM)",
    )
    group.add_argument(
        "--memory-headroom",
        type=int,
        default=DEFAULT_MEMORY_HEADROOM,
        help="bytes of --memory-limit kept for the service's own transient work",
    )
    group.add_argument(
        "--client-memory-limit", type=int, default=None, help="bytes one client may hold"
    )
    group.add_argument(
        "--max-queued-operations",
        type=int,
        default=None,
        help="queue operations one client may have waiting at once",
    )
    group.add_argument(
        "--message-rate", type=float, default=None, help="messages per second per client"
    )
    group.add_argument(
        "--byte-rate", type=float, default=None, help="frame bytes per second per client"
    )
    group.add_argument(
        "--cpu-capacity",
        type=float,
        default=None,
        help="core-seconds per second of frame handling, shared fairly by the sending clients",
    )


def _fairness_fields(args: argparse.Namespace) -> dict[str, object]:
    return {
        "dispatch_timeout": args.dispatch_timeout,
        "watchdog_grace": args.watchdog_grace,
        "memory_limit": args.memory_limit,
        "memory_headroom": args.memory_headroom,
        "client_memory_limit": args.client_memory_limit,
        "max_queued_operations": args.max_queued_operations,
        "message_rate": args.message_rate,
        "byte_rate": args.byte_rate,
        "cpu_capacity": args.cpu_capacity,
    }


def parse(argv: list[str] | None = None) -> ServiceConfig:
    args = build_parser().parse_args(argv)
    return ServiceConfig(
        control_fd=args.control_fd,
        workers=args.workers,
        log_level=args.log_level,
        shutdown_timeout=args.shutdown_timeout,
        **_fairness_fields(args),  # type: ignore[arg-type]
        sandbox=_sandbox_config(args),
    )
