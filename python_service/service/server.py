"""The service's control loop and its live client sessions (the GPU process's main loop).

`Server` reads the control channel (python_service/service/__main__.py describes the
protocol), wraps each client socket it receives in a `ClientSession` served on a thread of its
own, and shuts everything down when the control channel ends. The process entry point
(`__main__.py`) builds it only after the start-up sequence (environment, imports, sandbox).
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

from python_service.service.config import ServiceConfig

if TYPE_CHECKING:
    from python_service.service.client_session import ClientSession
    from python_service.service.executor import Executor

log = logging.getLogger("python_service.service")


class Server:
    """The control loop and the live sessions. Imports the service modules when constructed,
    so only after `main` has set the environment."""

    def __init__(self, config: ServiceConfig) -> None:
        from python_service.ipc.channel import Channel
        from python_service.service.executor import Executor

        self.config = config
        # Exactly one descriptor per control frame, and no payload to speak of.
        self.control = Channel.from_socket(
            socket.socket(fileno=config.control_fd), max_message_bytes=4096, max_handles=1
        )
        self.executor: Executor = Executor(workers=config.workers)
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
        if not self.shutdown(self.config.shutdown_timeout):
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
