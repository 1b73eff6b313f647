"""The service process: `python -m python_service.service --control-fd N`.

The host (browser role, `python_service.host`) starts this with one end of a socketpair, the
*control channel*, inherited as descriptor N (python_service/ipc/control.py defines its
frames). The control loop itself is `server.Server`; every command-line knob is in
`config.ServiceConfig`.

Start-up is the sandbox sequence (DESIGN.md, "Sandbox, in this order"; docs/sandbox.md), and
the order is the point:

1. `clean_environment`: descriptors but stdio and the control socket closed, the environment
   exactly the clean one (ORT_DISABLE_TELEMETRY=1, OMP_NUM_THREADS=1...), stdin /dev/null,
   before anything imports onnxruntime, which reads its variables at import;
2. warm-up (`sandbox/warmup.py`): import every module and run the graph and model paths once,
   so nothing is read from disk later;
3. `namespaces`: check we run in the new user, PID and network namespaces the host put us in
   (reads /proc, so before Landlock);
4. `rlimits`: address space, open files, no core dumps;
5. `no_new_privs`: no new privileges, not dumpable, no capabilities (single-threaded still);
6. `landlock`: no file system access (must be single-threaded: checked);
7. the `Server`, whose executor starts its worker threads now, inside Landlock;
8. `seccomp`: the allow-list, on every thread (TSYNC), default kill;
9. every layer's probe, sent to the host in the start-up frame (`sandbox/report.py`); then
   serve.

Fail closed: a layer that cannot be applied stops start-up (status 3) with a message naming
it, on stderr and in the start-up frame, unless `--allow-missing-layer` names it. Exit status
2 means a bad `--control-fd` or a malformed control channel. SIGINT is ignored, so a Ctrl-C
aimed at the host's terminal leaves the shutdown to the host; EOF on the control channel is a
graceful shutdown (server.py).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys

# Only the standard library, config and the sandbox's layers (which import nothing heavy)
# before the environment is clean: see main.
from python_service.exit_status import ServiceExit
from python_service.sandbox import LayerUnavailable
from python_service.sandbox.policy import Sandbox
from python_service.sandbox.report import StartupReport
from python_service.service.config import ServiceConfig, parse

REFUSED = ServiceExit.SANDBOX_REFUSED


def _send_startup_frame(control_fd: int, report: StartupReport) -> None:
    """Before the Server owns the control socket: write one frame on a duplicate of it."""
    from python_service.ipc.channel import Channel

    channel = Channel.from_socket(socket.socket(fileno=os.dup(control_fd)))
    try:
        channel.send(report.encode())
    except Exception as e:  # the host is gone: nothing to tell
        print(f"webnpu-service: could not report to the host: {e}", file=sys.stderr)
    finally:
        channel.close()


def _refuse(config: ServiceConfig, sandbox: Sandbox, error: LayerUnavailable) -> int:
    print(f"webnpu-service: refusing to start: {error}", file=sys.stderr)
    report = StartupReport(False, sandbox.report(), error.layer, error.reason)
    _send_startup_frame(config.control_fd, report)
    return REFUSED


def main(argv: list[str] | None = None) -> int:
    config = parse(argv)
    try:
        os.fstat(config.control_fd)
    except OSError as e:
        print(f"webnpu-service: bad --control-fd {config.control_fd}: {e}", file=sys.stderr)
        return ServiceExit.BAD_CONTROL
    options = config.sandbox
    # Tracing the system calls (sandbox/trace.py) replaces the filter with a marker.
    allow_missing = options.allow_missing_layers | (
        {"seccomp"} if options.trace_syscalls else set()
    )
    sandbox = Sandbox(allow_missing, options.test_fail_layer)
    try:
        sandbox.apply("clean_environment", keep_fds=(config.control_fd,))
    except LayerUnavailable as e:
        return _refuse(config, sandbox, e)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(
        stream=sys.stderr,
        level=config.log_level.upper(),
        format="webnpu-service[%(process)d] %(levelname)s %(name)s: %(message)s",
    )
    from python_service.sandbox import escape, warmup

    warmup.run()
    try:
        sandbox.apply("namespaces")
        sandbox.apply("rlimits", options.address_space_limit, options.max_open_files)
        sandbox.apply("no_new_privs")
        sandbox.apply("landlock")
    except LayerUnavailable as e:
        return _refuse(config, sandbox, e)
    from python_service.service.server import Server

    server = Server(config)
    try:
        sandbox.apply("seccomp", trace_marker=options.trace_syscalls)
    except LayerUnavailable as e:
        return _refuse(config, sandbox, e)
    warmup.LateImports.install()
    server.control.send(StartupReport(True, sandbox.report()).encode())
    if options.escape_probe:
        status = escape.run(options.escape_probe, options.host_pid)
        server.control.close()
        return status
    return server.run()


if __name__ == "__main__":
    status = main()
    if status == REFUSED:
        # The executor's threads may exist already (a seccomp refusal): do not wait for them.
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
