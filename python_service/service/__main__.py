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
`SHUTDOWN_TIMEOUT` (1, at that bound, if something ignored its cancellation). SIGINT is
ignored, so a Ctrl-C aimed at the host's terminal leaves the shutdown to the host. Exit
status 2 means a bad `--control-fd` or a malformed control channel.

Order matters at start: descriptors we did not expect are closed and ORT_DISABLE_TELEMETRY is
set before anything imports onnxruntime (see executor.py's docstring). The sandbox of the next
issue slots in between creating the Executor and serving (DESIGN.md, "Sandbox, in this order");
note for it that each client session currently gets a new thread when it connects, after the
point where the sandbox would be applied.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the real imports wait until the environment is set (see main)
    from python_service.ipc.channel import Channel
    from python_service.service.client_session import ClientSession
    from python_service.service.executor import Executor

log = logging.getLogger("python_service.service")

SHUTDOWN_TIMEOUT = 5.0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m python_service.service")
    parser.add_argument(
        "--control-fd",
        type=int,
        required=True,
        help="inherited Unix stream socket on which the host passes client sockets",
    )
    parser.add_argument("--workers", type=int, default=4, help="executor worker threads")
    parser.add_argument("--log-level", default="WARNING", help="stderr log level")
    return parser.parse_args(argv)


def _close_other_fds(keep: int) -> None:
    """Close every descriptor but stdio and `keep` (defence in depth: whatever launched us may
    have leaked descriptors into us, and the sandbox must not inherit them)."""
    if keep > 2:
        os.closerange(3, keep)
    os.closerange(max(3, keep + 1), os.sysconf("SC_OPEN_MAX"))


class _Server:
    """The control loop and the live sessions. Imports the service modules when constructed,
    so only after `main` has set the environment."""

    def __init__(self, control_fd: int, *, workers: int) -> None:
        from python_service.ipc.channel import Channel
        from python_service.service.executor import Executor

        # Exactly one descriptor per control frame, and no payload to speak of.
        self.control = Channel.from_socket(
            socket.socket(fileno=control_fd), max_message_bytes=4096, max_handles=1
        )
        self.executor: Executor = Executor(workers=workers)
        self._lock = threading.Lock()
        # Each live session with its raw socket, kept so shutdown can shut the socket down: a
        # close() from another thread would not wake a thread blocked in recvmsg on it.
        self._sessions: dict[ClientSession, tuple[socket.socket, threading.Thread]] = {}
        self._stopping = False

    def run(self) -> int:
        from python_service.bad_message import BadMessage
        from python_service.ipc.channel import ChannelClosed

        status = 0
        log.info("serving (pid %d)", os.getpid())
        while True:
            try:
                message = self.control.receive()
            except ChannelClosed:
                break
            except BadMessage as e:
                log.error("malformed control frame, shutting down: %s", e)
                status = 2
                break
            with message:
                fds = message.take_fds()
            if len(fds) != 1:
                log.warning("control frame with %d descriptors, expected 1", len(fds))
                for fd in fds:
                    os.close(fd)
                continue
            self._accept(fds[0])
        if not self.shutdown(SHUTDOWN_TIMEOUT):
            # Something ignored its cancellation; do not let it hold the exit up (interpreter
            # finalisation would wait on nothing better).
            sys.stderr.flush()
            os._exit(status or 1)
        return status

    def _accept(self, fd: int) -> None:
        from python_service.ipc.channel import Channel
        from python_service.service.client_session import ClientSession

        try:
            sock = socket.socket(fileno=fd)
        except OSError as e:  # not a socket
            os.close(fd)
            log.warning("control frame carried a descriptor that is not a socket: %s", e)
            return
        try:
            channel: Channel = Channel.from_socket(sock)
        except ValueError as e:
            sock.close()
            log.warning("refused client descriptor: %s", e)
            return
        session = ClientSession(channel, self.executor)
        thread = threading.Thread(
            target=self._serve, args=(session,), name=f"webnpu-{session.client_id}", daemon=True
        )
        with self._lock:
            if self._stopping:
                channel.close()
                return
            self._sessions[session] = (sock, thread)
        thread.start()

    def _serve(self, session: ClientSession) -> None:
        try:
            session.serve()
        except Exception:  # a bug in the session must not take the other clients down
            log.exception("%s failed", session.client_id)
            session.close()
        finally:
            with self._lock:
                self._sessions.pop(session, None)

    def shutdown(self, timeout: float) -> bool:
        """Drop every client and stop the executor; True if everything stopped in time."""
        import time

        end = time.monotonic() + timeout
        with self._lock:
            self._stopping = True
            sessions = list(self._sessions.items())
        self.control.close()
        for session, (sock, _thread) in sessions:
            # Wakes the session's blocked receive with EOF; the session then closes itself
            # (channel, queued work, memory) on its own thread, so close() never races.
            with contextlib.suppress(OSError):  # already closed by the session
                sock.shutdown(socket.SHUT_RDWR)
            self.executor.cancel_client(session.client_id)
        for _session, (_sock, thread) in sessions:
            thread.join(max(0.0, end - time.monotonic()))
        stopped = self.executor.shutdown(max(0.0, end - time.monotonic()))
        alive = [s.client_id for s, (_, t) in sessions if t.is_alive()]
        if alive or not stopped:
            log.warning("shutdown timed out (sessions %s, executor stopped: %s)", alive, stopped)
            return False
        return True


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    try:
        os.fstat(args.control_fd)
    except OSError as e:
        print(f"webnpu-service: bad --control-fd {args.control_fd}: {e}", file=sys.stderr)
        return 2
    _close_other_fds(args.control_fd)
    # Forced, before any import that could pull in onnxruntime: whichever import comes first
    # reads it.
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="webnpu-service[%(process)d] %(levelname)s %(name)s: %(message)s",
    )
    return _Server(args.control_fd, workers=args.workers).run()


if __name__ == "__main__":
    sys.exit(main())
