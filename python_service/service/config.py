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


@dataclass(frozen=True)
class ServiceConfig:
    control_fd: int
    workers: int = DEFAULT_WORKERS
    log_level: str = "WARNING"
    # Graceful shutdown: queued and running work is cancelled; past this many seconds the
    # process exits anyway (status 1).
    shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT


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
    return parser


def parse(argv: list[str] | None = None) -> ServiceConfig:
    args = build_parser().parse_args(argv)
    return ServiceConfig(
        control_fd=args.control_fd,
        workers=args.workers,
        log_level=args.log_level,
        shutdown_timeout=args.shutdown_timeout,
    )
