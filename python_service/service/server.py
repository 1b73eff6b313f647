"""The service's control loop and its live client sessions (the GPU process's main loop).

`Server` reads the control channel (python_service/ipc/control.py defines its frames): it
wraps each client socket it receives in a `ClientSession` served on a thread of its own, and
answers the host's heartbeat pings. The control loop runs on the main thread and never runs
client work (sessions decode on their own threads, the executor runs graphs on its workers),
so a ping is answered while clients are busy; a service that stops answering is hung, and the
host kills it (docs/lifecycle.md).

Graceful shutdown (EOF on the control channel: the host shut us down, or died): every client
socket is shut down, so each client sees EOF and its session closes itself (objects, memory);
queued work is cancelled and running dispatches are interrupted (`Executor.cancel_client`,
onnxruntime's RunOptions.terminate); the executor stops. All of that within
`ServiceConfig.shutdown_timeout` seconds; past it the process exits anyway
(`ServiceExit.SLOW_SHUTDOWN`), so a shutdown is always bounded. The process entry point
(`__main__.py`) builds the server only after the start-up sequence (environment, imports,
sandbox).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import threading
import time
from typing import TYPE_CHECKING

from python_service.exit_status import ServiceExit
from python_service.service.config import ServiceConfig

if TYPE_CHECKING:
    from python_service.service.client_session import ClientSession
    from python_service.service.executor import Executor

log = logging.getLogger("python_service.service")


class Server:
    """The control loop and the live sessions. Imports the service modules when constructed,
    so only after `main` has set the environment."""

    def __init__(self, config: ServiceConfig) -> None:
        from python_service.ipc import control as control_protocol
        from python_service.ipc.channel import Channel
        from python_service.service.executor import Executor

        self.config = config
        # Exactly one descriptor per control frame, and no payload to speak of.
        self.control = Channel.from_socket(
            socket.socket(fileno=config.control_fd),
            max_message_bytes=control_protocol.MAX_CONTROL_BYTES,
            max_handles=control_protocol.MAX_CONTROL_HANDLES,
        )
        from python_service.service import limits  # fairness: docs/fairness.md

        self.executor: Executor = Executor(
            workers=config.workers, **limits.executor_options(config)
        )
        # One memory budget, quotas and rate limits for every session (measured before any).
        self.session_resources = limits.session_resources(config)
        self._lock = threading.Lock()
        # Each live session with its raw socket, kept so shutdown can shut the socket down: a
        # close() from another thread would not wake a thread blocked in recvmsg on it.
        self._sessions: dict[ClientSession, tuple[socket.socket, threading.Thread]] = {}
        self._stopping = False

    def run(self) -> int:
        from python_service.bad_message import BadMessage
        from python_service.ipc import control as control_protocol
        from python_service.ipc.channel import ChannelClosed

        status = ServiceExit.OK
        log.info("serving (pid %d)", os.getpid())
        while True:
            try:
                message = self.control.receive()
            except ChannelClosed:
                break
            except BadMessage as e:
                log.error("malformed control frame, shutting down: %s", e)
                status = ServiceExit.BAD_CONTROL
                break
            with message:
                payload, fds = message.payload, message.take_fds()
            if not fds and (sequence := control_protocol.parse_ping(payload)) is not None:
                if not self._answer_ping(sequence):
                    break
                continue
            if len(fds) != 1 or payload:
                log.warning(
                    "refused a control frame (%d descriptors, %d payload bytes): neither a "
                    "client nor a ping",
                    len(fds),
                    len(payload),
                )
                for fd in fds:
                    os.close(fd)
                continue
            self._accept(fds[0])
        if not self.shutdown(self.config.shutdown_timeout):
            # Something ignored its cancellation; do not let it hold the exit up (interpreter
            # finalisation would wait on nothing better).
            sys.stderr.flush()
            os._exit(status or ServiceExit.SLOW_SHUTDOWN)
        return status

    def _answer_ping(self, sequence: int) -> bool:
        """Answer the host's heartbeat (python_service/ipc/control.py); False if the host is
        gone. On this thread, which runs no client work, so a busy service still answers."""
        from python_service.ipc import control as control_protocol
        from python_service.ipc.channel import ChannelClosed

        try:
            self.control.send(control_protocol.pong(sequence))
        except (ChannelClosed, OSError):
            return False
        return True

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
        session = ClientSession(channel, self.executor, **self.session_resources.as_kwargs())
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
