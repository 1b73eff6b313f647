"""The service process: `python -m python_service.service --control-fd N`.

The host (browser role, `python_service.host`) starts this with one end of a socketpair, the
*control channel*, inherited as descriptor N. Every control frame carries exactly one client
socket (SCM_RIGHTS) and an empty payload; the service wraps it in a `Channel` and serves it with
a `ClientSession` on a thread of its own, all sessions sharing one `Executor`. The host is the
only peer of the control channel and is trusted, but a control frame that is not exactly one
stream socket is still refused (its descriptors closed, a warning logged).

Lifetime is tied to the control channel, as a GPU process's is to its browser: EOF on it (the
host shut us down, or died) is a graceful shutdown: every client socket is shut down (the
clients see EOF), queued and running work is cancelled, and the process exits 0 within
`--shutdown-timeout` seconds (1, at that bound, if something ignored its cancellation). SIGINT is
ignored, so a Ctrl-C aimed at the host's terminal leaves the shutdown to the host. Exit
status 2 means a bad `--control-fd` or a malformed control channel.

Order matters at start: descriptors we did not expect are closed and ORT_DISABLE_TELEMETRY is
set before anything imports onnxruntime (see executor.py's docstring). The control loop itself
is `server.Server`; every command-line knob is in `config.ServiceConfig`.
"""

from __future__ import annotations

import logging
import os
import signal
import sys

# Only the standard library and config (which imports nothing of ours) before the environment
# is set: see main.
from python_service.service.config import parse


def _close_other_fds(keep: int) -> None:
    """Close every descriptor but stdio and `keep` (defence in depth: whatever launched us may
    have leaked descriptors into us, and the sandbox must not inherit them)."""
    if keep > 2:
        os.closerange(3, keep)
    os.closerange(max(3, keep + 1), os.sysconf("SC_OPEN_MAX"))


def main(argv: list[str] | None = None) -> int:
    config = parse(argv)
    try:
        os.fstat(config.control_fd)
    except OSError as e:
        print(f"webnpu-service: bad --control-fd {config.control_fd}: {e}", file=sys.stderr)
        return 2
    _close_other_fds(config.control_fd)
    # Forced, before any import that could pull in onnxruntime: whichever import comes first
    # reads it.
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    logging.basicConfig(
        stream=sys.stderr,
        level=config.log_level.upper(),
        format="webnpu-service[%(process)d] %(levelname)s %(name)s: %(message)s",
    )
    from python_service.service.server import Server

    return Server(config).run()


if __name__ == "__main__":
    sys.exit(main())
