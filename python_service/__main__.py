"""`python -m python_service --sandbox-report [--json]`: which sandbox layers are in force.

Launches the real service exactly as the host does (python_service/sandbox/launch.py: the same
command line, clean environment, namespace wrapper and weaker-mode settings, including
WEBNPU_SANDBOX_ALLOW_MISSING), waits for its start-up report and shuts it down. The report is
the service's own: each layer's probe, run inside the sandboxed process after every layer was
applied (python_service/sandbox/policy.py), not a guess made out here.

Prints a table (or, with --json, an object mapping each layer name to true/false). Exit status
0 if every layer the user did not allow to be missing is active; 1 otherwise, including when
the service refused to start (the reason goes to stderr); 2 if it could not be launched.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys

from python_service.sandbox import LAYERS, launch
from python_service.sandbox.report import StartupReport, format_table

STARTUP_TIMEOUT = 60.0


def measure(allow_missing: frozenset[str]) -> tuple[StartupReport | None, str | None]:
    """The running service's report, or (the refusal's report if any, why it did not start)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours:
        with theirs:
            process = launch.start(launch.plan(theirs.fileno(), (), allow_missing), theirs.fileno())
        try:
            return launch.await_startup(ours.fileno(), process, STARTUP_TIMEOUT), None
        except launch.StartupFailed as e:
            return e.report, str(e)
        finally:
            ours.shutdown(socket.SHUT_RDWR)  # EOF on the control channel: a graceful shutdown
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                launch.stop(process, grace=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m python_service")
    parser.add_argument(
        "--sandbox-report",
        action="store_true",
        required=True,
        help="launch the service as the host does and report its active sandbox layers",
    )
    parser.add_argument("--json", action="store_true", help="print {layer: true/false}")
    args = parser.parse_args(argv)
    try:
        allow_missing = launch.allowed_missing()
        report, failure = measure(allow_missing)
    except (OSError, ValueError) as e:
        print(f"could not launch the service: {e}", file=sys.stderr)
        return 2
    layers = report.layers if report is not None else dict.fromkeys(LAYERS, False)
    if args.json:
        print(json.dumps(layers))
    else:
        print(format_table(layers, allow_missing))
    if failure:
        print(failure, file=sys.stderr)
        return 1
    required_inactive = [n for n in LAYERS if not layers.get(n) and n not in allow_missing]
    return 1 if required_inactive else 0


if __name__ == "__main__":
    sys.exit(main())
