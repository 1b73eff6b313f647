"""Run the validation vectors (`fuzz/vectors/`) against a real in-process `ClientSession`.

Layout: `fuzz/vectors/<prelude>/NAME.data` + `NAME.expected`. The directory names the prelude,
the conversation the runner has with a fresh session before the vector: `fresh` has none (the
vector starts the connection, `hello` and all), `world` runs `preludes/world.data` first (a
device with buffers and a built graph, described in that file). A prelude is itself a vector
(`preludes/world.expected` is PASS) and runs as one.

A `.data` file spells channel frames, 8-byte channel header included
(`python_service/ipc/channel.py`: `u32 num_bytes, u16 num_handles, u16 flags`), so framing rules
have vectors too. The runner cuts the bytes into frames by their headers, writes each frame to
the client end of a socketpair with one `sendmsg`, attaching as many of the vector's descriptors
as its header announces (the last frame gets all that are left, so a vector can attach more
than it announces), and then lets the session receive and handle exactly that frame, as
`ClientSession.serve` does, before the next one. A last frame cut short (fewer bytes than its
header announces) is followed by closing the runner's end for writing: a peer that died
mid-frame. Descriptors are real sealed memfds (`SharedMemory.create`).

The outcome, compared line by line with `.expected`:
- `<BadMessageKind name>` when the session dropped the client (its `close_reason`), alone;
- otherwise one line per error the page would see, in arrival order:
  `uncaptured <type>: <message>` (the uncaptured-error event), `popped <type>: <message>` (a
  `popErrorScope` that returned an error), `rejected <exception>: <message>` (a promise that
  rejected), `lost <reason>: <message>` (a device-lost event); or `PASS` if there were none.

The session's queue work waits behind a gate until every frame of the vector has been handled
(one executor worker, held by a gate item), so what is pending at each message is what the
vector says, not what a worker happened to finish meanwhile. Then the runner waits for a reply
to every request of the conversation and, if a queue exists, for `onSubmittedWorkDone`.

The session runs with small limits (`LIMITS`, `QUOTAS`), so that limit rules have vectors a
person can read: a dispatch with 3 inputs, not 65.
"""

from __future__ import annotations

import array
import ast
import contextlib
import os
import re
import select
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fuzz.validation_data import Vector, load
from python_service.bad_message import BadMessage, BadMessageKind
from python_service.generated import wire as gen
from python_service.ipc import Channel, ChannelClosed, SharedMemory
from python_service.ipc.channel import HEADER
from python_service.service import command_validator
from python_service.service.client_session import ClientSession
from python_service.service.command_validator import CommandLimits
from python_service.service.executor import Executor
from python_service.service.objects import ClientQuotas
from python_service.wire import runtime as rt

VECTORS = Path(__file__).resolve().parent / "vectors"
PRELUDES = VECTORS / "preludes"
NO_PRELUDE = "fresh"
REPLY_TIMEOUT = 30.0  # a hang fails the vector; the bound does not measure anything

LIMITS = CommandLimits(
    max_dispatch_inputs=2,
    max_dispatch_outputs=2,
    max_commands_per_submit=4,
    max_pending_submits=2,
)
QUOTAS = ClientQuotas(max_objects=20)
_HANDLE = struct.Struct("<II")
SYNC_REQUEST_ID = 0xFFFF_FFF0  # the runner's own onSubmittedWorkDone; vectors use small ids


@dataclass
class Outcome:
    lines: tuple[str, ...]
    # command_validator.py lines executed while the vector ran (rule coverage)
    validator_lines: frozenset[int] = frozenset()
    bad_message: BadMessageKind | None = None


@dataclass
class Result:
    vector: Vector
    outcome: Outcome

    @property
    def passed(self) -> bool:
        return self.outcome.lines == self.vector.expected


# --- frames -------------------------------------------------------------------------------


def split_frames(data: bytes) -> list[tuple[bytes, int, bool]]:
    """(bytes, announced handles, complete) per frame, cut by the channel headers."""
    frames = []
    position = 0
    while position < len(data):
        rest = len(data) - position
        if rest < HEADER.size:
            frames.append((data[position:], 0, False))
            break
        num_bytes, num_handles, _flags = HEADER.unpack_from(data, position)
        end = position + HEADER.size + num_bytes
        if end > len(data):
            frames.append((data[position:], num_handles, False))
            break
        frames.append((data[position:end], num_handles, True))
        position = end
    return frames


def _memfds(sizes: tuple[int, ...]) -> list[int]:
    fds = []
    for size in sizes:
        with SharedMemory.create(size) as memory:
            fds.append(os.dup(memory.fd))
    return fds


def _headers(frame: bytes) -> Iterator[tuple[int, rt.MessageHeader]]:
    """(offset, header) of each message in a frame's payload, walking `num_bytes` only (no
    decoding): enough to learn request ids and created handles of a frame that may be bad."""
    payload = frame[HEADER.size :]
    position = 0
    while position + rt.MESSAGE_HEADER.size <= len(payload):
        header = rt.MessageHeader(*rt.MESSAGE_HEADER.unpack_from(payload, position))
        if header.num_bytes < rt.MESSAGE_HEADER.size or header.num_bytes % 8:
            return
        yield position, header
        position += header.num_bytes


def _requests(frame: bytes) -> list[int]:
    """Request ids of the reply-expecting messages in a frame."""
    return [h.request_id for _, h in _headers(frame) if h.flags & rt.FLAG_EXPECTS_REPLY]


def _queue_created(frame: bytes) -> rt.Handle | None:
    """The queue handle of the frame's first requestDevice (result_1, at offset 32, §2.3)."""
    payload = frame[HEADER.size :]
    for offset, header in _headers(frame):
        if header.ordinal == gen.NPUAdapterRequestDevice.ORDINAL and offset + 40 <= len(payload):
            return rt.Handle(*_HANDLE.unpack_from(payload, offset + 32))
    return None


def _releases_queue(frame: bytes) -> bool:
    return any(h.ordinal == gen.NPUQueueRelease.ORDINAL for _, h in _headers(frame))


# --- the conversation ---------------------------------------------------------------------


@dataclass
class _Conversation:
    session: ClientSession
    client: Channel
    pending: set[int] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)
    queue: rt.Handle | None = None
    answered: set[int] = field(default_factory=set)

    def send(self, frame: bytes, fds: list[int], complete: bool) -> None:
        sock = socket.socket(fileno=os.dup(self.client.fileno()))
        try:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
            with contextlib.suppress(OSError):
                sock.sendmsg([frame], anc)
            if not complete:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_WR)
        finally:
            sock.close()
        if complete:
            self.pending.update(_requests(frame))
            if self.queue is None:
                self.queue = _queue_created(frame)
            if _releases_queue(frame):
                self.queue = None  # no sync on a queue the vector let go of
        self.step()

    def step(self) -> None:
        """One iteration of ClientSession.serve: receive one frame and handle it."""
        session = self.session
        if session.closed:
            return
        try:
            message = session.channel.receive()
        except ChannelClosed:
            session.close()
            return
        except BadMessage as error:
            session.close(error)
            return
        session.handle_frame(message)

    def collect(self, until: set[int]) -> None:
        """Read what the service sends until every id in `until` is answered or EOF."""
        while until - self.answered:
            ready, _, _ = select.select([self.client], [], [], REPLY_TIMEOUT)
            if not ready:
                raise TimeoutError(f"no reply for {sorted(until - self.answered)}")
            try:
                frame = self.client.receive()
            except (ChannelClosed, BadMessage):
                return
            with frame:
                reader = rt.MessageReader(frame.payload, frame.fds)
                while (found := gen.read_service_message(reader, self.pending)) is not None:
                    header, message = found
                    if header.flags & rt.FLAG_IS_REPLY:
                        self.pending.discard(header.request_id)
                        self.answered.add(header.request_id)
                        self._note_reply(message)
                    else:
                        self._note_event(message)
                reader.finish()

    def _note_reply(self, message: object) -> None:
        result = message.result
        if isinstance(result, gen.Rejection):
            self.lines.append(f"rejected {result.exception}: {result.message}")
        elif isinstance(result, gen.NPUDevicePopErrorScopeResolved) and result.error is not None:
            self.lines.append(f"popped {result.error.type}: {result.error.message}")

    def _note_event(self, message: object) -> None:
        if isinstance(message, gen.NPUDeviceUncapturederrorEvent):
            self.lines.append(f"uncaptured {message.error.type}: {message.error.message}")
        elif isinstance(message, gen.NPUDeviceLostEvent):
            self.lines.append(f"lost {message.info.reason}: {message.info.message}")


RAW_GROUP = "channel"  # vectors whose bytes are the raw stream, channel headers included


def frames_of(vector: Vector) -> list[tuple[bytes, int, bool]]:
    """The frames a vector sends: its bytes cut by their own channel headers (`channel/`), or
    its bytes as the payload of one frame the runner frames (everything else)."""
    data = vector.data.data
    if vector.name.split("/", 1)[0] == RAW_GROUP:
        return split_frames(data)
    count = len(vector.data.descriptors)
    return [(HEADER.pack(len(data), count, 0) + data, count, True)]


def _feed(conversation: _Conversation, vector: Vector) -> None:
    fds = _memfds(vector.data.descriptors)
    try:
        frames = frames_of(vector)
        for index, (frame, announced, complete) in enumerate(frames):
            last = index == len(frames) - 1
            take = len(fds) if last else min(announced, len(fds))
            attached, fds = fds[:take], fds[take:]
            try:
                conversation.send(frame, attached, complete)
            finally:
                for fd in attached:
                    os.close(fd)
            if conversation.session.closed:
                break
    finally:
        for fd in fds:
            os.close(fd)


class _LineTrace:
    """command_validator.py lines executed on this thread (which rules fired)."""

    FILE = command_validator.__file__

    def __init__(self) -> None:
        self.lines: set[int] = set()

    def _local(self, frame, event, arg):
        if event == "line":
            self.lines.add(frame.f_lineno)
        return self._local

    def _global(self, frame, event, arg):
        if frame.f_code.co_filename == self.FILE:
            return self._local
        return None

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        previous = sys.gettrace()
        sys.settrace(self._global)
        try:
            yield
        finally:
            sys.settrace(previous)


def run_vector(vector: Vector, executor: Executor, prelude: Vector | None) -> Outcome:
    """Feed one vector (after its prelude) to a fresh session; what the page would see."""
    service_end, client_end = Channel.pair()
    session = ClientSession(service_end, executor, quotas=QUOTAS, limits=LIMITS)
    conversation = _Conversation(session, client_end)
    gate = threading.Event()
    executor.submit("vector-gate", lambda _token: gate.wait(REPLY_TIMEOUT))
    trace = _LineTrace()
    try:
        with trace.active():
            if prelude is not None:
                _feed(conversation, prelude)
            prelude_lines = len(conversation.lines)
            _feed(conversation, vector)
        gate.set()
        if session.closed:
            conversation.collect(set())
            kind = session.close_reason.kind if session.close_reason else None
            lines = (kind.value,) if kind else ("closed without a bad message",)
            return Outcome(lines, frozenset(trace.lines), kind)
        waiting = set(conversation.pending)
        if conversation.queue is not None:
            sync = gen.NPUQueueOnSubmittedWorkDone(conversation.queue)
            w = rt.MessageWriter()
            sync.encode(w, SYNC_REQUEST_ID)
            payload, _ = w.finish()
            frame = HEADER.pack(len(payload), 0, 0) + payload
            conversation.send(frame, [], True)
            waiting.add(SYNC_REQUEST_ID)
        conversation.collect(waiting)
        if session.closed and session.close_reason is not None:
            kind = session.close_reason.kind
            return Outcome((kind.value,), frozenset(trace.lines), kind)
        lines = tuple(conversation.lines[prelude_lines:]) or ("PASS",)
        if prelude is not None and conversation.lines[:prelude_lines]:
            lines = ("prelude failed", *conversation.lines[:prelude_lines])
        return Outcome(lines, frozenset(trace.lines))
    finally:
        gate.set()
        session.close()
        client_end.close()


def discover(root: Path = VECTORS) -> list[Vector]:
    """Every vector under `root`, sorted by name (the preludes included, as fresh vectors)."""
    return [load(path, root) for path in sorted(root.rglob("*.data"))]


def prelude_of(vector: Vector, root: Path = VECTORS) -> Vector | None:
    group = vector.name.split("/", 1)[0]
    if group in (NO_PRELUDE, RAW_GROUP, "preludes"):
        return None
    return load(root / "preludes" / f"{group}.data", root)


def run(vectors: list[Vector] | None = None) -> list[Result]:
    vectors = discover() if vectors is None else vectors
    results = []
    with Executor(workers=1) as executor:
        for vector in vectors:
            outcome = run_vector(vector, executor, prelude_of(vector))
            results.append(Result(vector, outcome))
    return results


def run_all() -> tuple[int, int]:
    """(vector count, vectors whose outcome matches `.expected`): for bench/fuzz.py."""
    results = run()
    return len(results), sum(result.passed for result in results)


# --- rules, derived from the code -----------------------------------------------------------


@dataclass(frozen=True)
class ValidatorRule:
    """One message `command_validator.py` can return: a rule of the validator."""

    function: str
    lines: range  # the statement's lines
    template: str  # the message with `{...}` where values go
    pattern: re.Pattern[str]

    def fired_in(self, outcome: Outcome) -> bool:
        return bool(self.lines and outcome.validator_lines & set(self.lines)) and any(
            self.pattern.search(line) for line in outcome.lines
        )


def _template(node: ast.expr) -> tuple[str, str] | None:
    """(template, regex) for a string or f-string; None if it wraps another rule's message."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, re.escape(node.value)
    if not isinstance(node, ast.JoinedStr):
        return None
    text, regex = [], []
    for part in node.values:
        if isinstance(part, ast.Constant):
            text.append(part.value)
            regex.append(re.escape(part.value))
        else:
            if isinstance(part.value, ast.Name) and part.value.id == "problem":
                return None  # "command {index} ...: {problem}": context around a rule
            text.append("{" + ast.unparse(part.value) + "}")
            regex.append(".+?")
    return "".join(text), "".join(regex)


def validator_rules() -> tuple[ValidatorRule, ...]:
    """Every problem message of command_validator.py: each string returned by a function that
    answers "the problem, or None" (it also returns None), and each string assigned to
    `problem` (directly or as the first arm of `... if ... else None`)."""
    tree = ast.parse(Path(command_validator.__file__).read_text())
    rules = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        returns = [n for n in ast.walk(function) if isinstance(n, ast.Return)]
        answers_none = any(
            r.value is None or (isinstance(r.value, ast.Constant) and r.value.value is None)
            for r in returns
        )
        for node in ast.walk(function):
            candidates: list[ast.expr] = []
            if isinstance(node, ast.Return) and node.value is not None and answers_none:
                candidates = [node.value]
            elif isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == [
                "problem"
            ]:
                value = node.value
                candidates = [value.body if isinstance(value, ast.IfExp) else value]
            for candidate in candidates:
                found = _template(candidate)
                if found is not None:
                    template, regex = found
                    lines = range(node.lineno, (node.end_lineno or node.lineno) + 1)
                    rules.append(ValidatorRule(function.name, lines, template, re.compile(regex)))
    return tuple(rules)
