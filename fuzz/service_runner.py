"""One fuzz input against a real in-process service: a fresh `ClientSession` over a
`Channel.pair()` socketpair, the shared `Executor` running queue work on its worker threads,
the actions' frames sent by the `Client` model, and the service held to its invariants.

A finding (`Finding`) is any of:
- `handle_frame` raising (it turns bad messages into a dropped client itself);
- a frame the client model says is clean dropping the client, or a frame naming a released
  or never created handle not dropping it (the preflight missed a bad id);
- a service frame the client's generated decoder rejects, or a reply to no pending request;
- an "internal" error reported to the page, or an ERROR logged by the service (queue work
  that raised: a check the validator should have made first, e.g. a copy out of bounds);
- a readBuffer reply carrying another number of bytes than asked, a mapping of another size;
- a request never answered while the client is connected;
- memory charged to the budget and not returned once the client is gone.
"""

from __future__ import annotations

import logging
import select
import time
from functools import cache

from fuzz.actions import FLUSH, Action, Client, Expectation, Verdict
from fuzz.harness import Finding
from python_service.bad_message import BadMessage
from python_service.generated import wire as gen
from python_service.ipc import Channel, ChannelClosed
from python_service.service.adapters import available_adapters
from python_service.service.client_session import ClientSession
from python_service.service.executor import Executor
from python_service.service.objects import MemoryBudget
from python_service.wire import runtime as rt

REPLY_TIMEOUT = 20.0  # generous: the machine is shared; a real hang is far longer
BUDGET = 64 * 1024 * 1024
ADAPTER, DEVICE, QUEUE = rt.Handle(1, 1), rt.Handle(1, 1), rt.Handle(1, 1)


class _Anything:
    def __contains__(self, _: object) -> bool:
        return True


_ANY = _Anything()


class _ErrorLog(logging.Handler):
    """Collects what the service logs at ERROR or above (it logs, and carries on, when queue
    work raises: for the fuzzer that is a finding)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@cache
def _shared() -> tuple[Executor, tuple, _ErrorLog]:
    log = _ErrorLog()
    root = logging.getLogger("python_service")
    root.setLevel(logging.ERROR)  # dropped clients log warnings: not findings
    root.addHandler(log)
    return Executor(workers=2), available_adapters(), log


class ServiceRun:
    def __init__(self, *, trace: bool = False) -> None:
        self.executor, adapters, self.errors = _shared()
        self.errors.records.clear()
        self.budget = MemoryBudget(BUDGET)
        service_end, self.channel = Channel.pair()
        self.session = ClientSession(
            service_end, self.executor, adapters=adapters, budget=self.budget
        )
        self.service_end = service_end
        self.client = Client()
        self.trace = trace
        self.log: list[str] = []  # replay: what was sent and what came back
        self.corrupted = False

    # --- frames

    def _send(self, payload: bytes) -> None:
        self.channel.send(payload)
        message = self.service_end.receive()
        self.session.handle_frame(message)

    def open_device(self) -> None:
        """hello, requestAdapter and requestDevice: every input starts with a device."""
        c = self.client
        w = rt.MessageWriter()
        gen.ConnectionHello(gen.SCHEMA_HASH).encode(w)
        for interface in ("NPUAdapter", "NPUDevice", "NPUQueue"):
            c.live[interface] = [c.allocate(interface)]
        gen.NPURequestAdapter(ROOT_, ADAPTER, gen.NPURequestAdapterOptions(None)).encode(w, 1)
        descriptor = gen.NPUDeviceDescriptor("", gen.NPUQueueDescriptor(""), (), None)
        gen.NPUAdapterRequestDevice(ADAPTER, DEVICE, QUEUE, descriptor).encode(w, 2)
        c.next_request = 3
        c.expected = {}
        self._send(w.finish()[0])
        pending = {1, 2}
        while pending:
            for header, message in self._receive(pending, REPLY_TIMEOUT):
                pending.discard(header.request_id)
                if isinstance(message.result, gen.Rejection):
                    raise Finding(f"the prologue was rejected: {message!r}")

    def run(self, actions: list[Action]) -> None:
        self.open_device()
        c = self.client
        for action in actions:
            if action.what == FLUSH:
                self._flush()
                if self.session.closed:
                    break
            else:
                c.add(action)
        if not self.session.closed:
            self._flush()
        self._finish()

    def _flush(self) -> None:
        taken = self.client.take_frame()
        if taken is None:
            return
        payload, frame = taken
        if self.trace:
            self.log.append(f"frame of {len(payload)} bytes, verdict {frame.verdict.name}:")
            self.log.extend(f"  → {m!r}" for m in frame.messages)
        self._send(payload)
        closed = self.session.closed
        # Once a corrupted frame was accepted, the service may hold objects the client model
        # does not know of (a flipped id or generation): no verdict can be relied on after it.
        verdict = Verdict.EITHER if self.corrupted else frame.verdict
        if closed and verdict == Verdict.PASS:
            raise Finding(
                f"a clean frame dropped the client ({self.session.close_reason}); "
                f"messages: {frame.messages!r}"
            )
        if not closed and verdict == Verdict.DROP:
            raise Finding(
                f"a frame naming a released or never created handle (or an unknown method) "
                f"was accepted; messages: {frame.messages!r}"
            )
        self.corrupted = self.corrupted or bool(frame.corrupt)
        if not closed:
            self._drain(0.0)

    # --- what comes back

    def _receive(self, pending, timeout: float) -> list:
        ready, _, _ = select.select([self.channel], [], [], timeout)
        if not ready:
            return []
        try:
            frame = self.channel.receive()
        except ChannelClosed:
            return []
        with frame:
            reader = rt.MessageReader(frame.payload, frame.fds)
            found = []
            try:
                while (item := gen.read_service_message(reader, pending)) is not None:
                    found.append(item)
                reader.finish()
            except BadMessage as error:
                raise Finding(f"the service sent a bad message: {error}") from None
            for header, message in found:
                self._check(header, message)
        return found

    def _drain(self, timeout: float) -> None:
        c = self.client
        # After a corrupted frame a request id may have changed on the way: any id may be
        # answered then, and the client's decoder only checks the rest.
        pending = _ANY if self.corrupted else set(c.expected)
        while found := self._receive(pending, timeout):
            timeout = 0.0  # waited for the first frame; the rest only if already there
            for header, message in found:
                if header.flags & rt.FLAG_IS_REPLY:
                    c.settled(header.request_id, not isinstance(message.result, gen.Rejection))

    def _check(self, header: rt.MessageHeader, message: object) -> None:
        if self.trace:
            self.log.append(f"  ← {message!r}")
        if isinstance(message, gen.NPUDeviceUncapturederrorEvent):
            if message.error.type == "internal":
                raise Finding(f"an internal error reached the page: {message.error.message}")
            return
        result = getattr(message, "result", None)
        popped = None
        if isinstance(result, gen.NPUDevicePopErrorScopeResolved):
            popped = result.error
        if popped is not None and popped.type == "internal":
            raise Finding(f"an internal error reached the page: {popped.message}")
        expectation = self.client.expected.get(header.request_id)
        if expectation is None:
            return
        if isinstance(result, gen.NPUQueueReadBufferResolved):
            data = result.data
            size = data.size if isinstance(data, rt.SharedMemoryClaim) else len(data)
            if expectation.read_size is not None and size != expectation.read_size:
                raise Finding(
                    f"readBuffer of {expectation.read_size} bytes answered with {size}: "
                    f"{expectation.message!r}"
                )
        if isinstance(result, gen.NPUBufferMapAsyncResolved):
            size = result.mapping.size
            if expectation.map_size is not None and size != expectation.map_size:
                raise Finding(f"a {expectation.map_size}-byte buffer mapped as {size} bytes")

    def _fence(self) -> None:
        """onSubmittedWorkDone on the first queue: its reply comes after all queue work sent
        before it, so every event that work raised has arrived once the reply has."""
        c = self.client
        if self.session.closed or QUEUE not in c.live.get("NPUQueue", []):
            return
        request_id = c.next_request
        c.next_request += 1
        w = rt.MessageWriter()
        gen.NPUQueueOnSubmittedWorkDone(QUEUE).encode(w, request_id)
        c.expected[request_id] = Expectation(None)
        self._send(w.finish()[0])

    def _finish(self) -> None:
        c = self.client
        self._fence()
        deadline = time.monotonic() + REPLY_TIMEOUT
        while c.expected and not self.session.closed and time.monotonic() < deadline:
            self._drain(min(0.5, deadline - time.monotonic()))
        if c.expected and not self.session.closed:
            raise Finding(f"requests never answered: {sorted(c.expected)}")
        self._check_errors()
        self.channel.close()
        self.session.close()
        # Queue work already running finishes on its worker; then every byte is returned.
        deadline = time.monotonic() + REPLY_TIMEOUT
        while self.budget.available != self.budget.capacity and time.monotonic() < deadline:
            time.sleep(0.001)
        if self.budget.available != self.budget.capacity:
            raise Finding(
                f"{self.budget.capacity - self.budget.available} bytes still charged to the "
                "memory budget after the client was dropped"
            )
        self._check_errors()

    def _check_errors(self) -> None:
        if self.errors.records:
            record = self.errors.records[0]
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += f": {record.exc_info[0].__name__}: {record.exc_info[1]}"
            raise Finding(f"the service logged an error: {text}")


ROOT_ = rt.Handle(1, 1)
