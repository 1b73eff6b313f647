"""Runs dispatches on onnxruntime: compiled graphs, zero-copy-where-it-pays bindings to shared
memory, cancellation, and a worker pool that keeps clients from blocking one another.

Telemetry: onnxruntime reads ORT_DISABLE_TELEMETRY when it is first imported (the wheel
otherwise writes under ~/.cache, which the sandbox forbids). This module sets it before its own
import of onnxruntime, and every other module in the service gets onnxruntime from here. A
process entry point (the service's `main`) must still set it first thing, before importing
anything that could import onnxruntime or onnx helpers that do, because whichever import comes
first wins.

Threads: sessions run with intra_op = inter_op = 1 thread by default. With one intra-op
thread onnxruntime creates no thread pool of its own and runs each kernel on the calling
(worker) thread, so
- the service's CPU use is bounded by this module's worker count, not workers × cores: the
  service shares the machine with the browser and the pages;
- the set of threads is fixed and known when the sandbox is applied: Landlock binds the
  calling thread and later ones, and seccomp (TSYNC) must cover every thread; a pool that ORT
  grows lazily inside a run would be created after the filter and need clone() allowed at
  arbitrary times;
- parallelism comes from running different clients' dispatches on different workers.
The count is configurable (SessionConfig) for a single-tenant deployment that prefers latency.

Worker pool: a small fixed pool of threads, created up front, serving per-client FIFO queues
(Chromium's SequencedTaskRunner-on-ThreadPool pattern). A client has at most one work item
running at a time, which preserves its order; the other workers keep serving other clients,
so one client's long dispatch does not block another's. Clients are served round-robin, one
item per turn: a client holds at most one of the workers, whatever it queues, and a caller
that has much to do bounds its item and queues the rest as a new one (client_session's
`_drain` does), so it goes to the back of the line. A fixed pool (rather than a thread per
client) bounds the thread count whatever a hostile renderer does, and exists before the
sandbox.

Watchdog: one more thread, also created up front, watches the work that asks to be timed
(`Watchdog.watch`, around each submit). Past the time limit it cancels the work's token
(onnxruntime's `RunOptions.terminate`, checked between kernels) and marks the watch expired,
so the caller can lose the device. A single kernel can outlast `terminate`; if the work is
still running a grace period later, the watchdog escalates (`on_stuck`: the service process
exits and the host's crash path loses every device, as Chrome's GPU watchdog kills a hung
GPU process). The limit defaults to Chrome's: 10 s on Linux (kGpuWatchdogTimeout in
gpu/ipc/common/gpu_watchdog_timeout.h; 15 s on Windows and macOS).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

# Before the import below: see the module docstring. Forced, not setdefault: the environment
# of the service must not be able to turn telemetry back on.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

import numpy as np  # noqa: E402
import onnxruntime  # noqa: E402

from python_service.service.lowering import lower_to_onnx  # noqa: E402
from python_service.shared.graph import ValidatedGraph  # noqa: E402
from python_service.shared.tensors import OperandDescriptor  # noqa: E402

T = TypeVar("T")

# Measured on the CPU provider (2-core VM, onnxruntime 1.31, an Add of two tensors, output in
# shared memory): run() + copy costs 5 us at 4 KiB, 67 us at 1 MiB and 338 us at 4 MiB;
# io_binding with raw pointers costs 44 us, 90 us and 222 us. The binding path has a fixed
# ~40 us overhead in onnxruntime's Python wrapper and saves one output copy, so it wins only
# from about 2 MiB of output. Below that, run() and one copy into the shared memory is faster.
DEFAULT_BINDING_THRESHOLD = 2 << 20


# Chrome's GPU watchdog timeout on Linux (see the module docstring).
DEFAULT_DISPATCH_TIMEOUT = 10.0
# How long cancelled work may keep running before the watchdog escalates: onnxruntime stops at
# the next kernel boundary, and one kernel of a legitimate graph rarely takes seconds.
DEFAULT_WATCHDOG_GRACE = 5.0


class DispatchCancelled(Exception):
    """The work was cancelled (interrupted, client dropped, or executor shut down) before or
    while it ran; nothing it would have written is guaranteed to be complete."""


class ExecutorShutDown(RuntimeError):
    """Work was submitted after `Executor.shutdown`."""


class QueueFull(RuntimeError):
    """A client already has `max_pending_per_client` work items waiting."""


class BindingError(ValueError):
    """Tensors handed to `Executor.run` do not match the graph's descriptors.

    The command-buffer validator checks all of this first; this is the last line of defence
    because the binding path hands raw pointers to onnxruntime, where a wrong size would be a
    memory-safety bug rather than an exception.
    """


@dataclass(frozen=True)
class SessionConfig:
    """The fixed SessionOptions every compiled graph gets."""

    intra_op_threads: int = 1
    inter_op_threads: int = 1
    optimization_level: onnxruntime.GraphOptimizationLevel = (
        onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    )

    def session_options(self) -> onnxruntime.SessionOptions:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.intra_op_threads
        options.inter_op_num_threads = self.inter_op_threads
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = self.optimization_level
        # No profiling and no optimized_model_filepath: both write files, which the sandbox
        # forbids and which would leak one client's model to disk.
        options.enable_profiling = False
        # 3 = ERROR: warnings about a page's model are not the service's log's business.
        options.log_severity_level = 3
        # Bytes we are handed are ONNX protobuf, never the ORT flatbuffer format: refusing the
        # other parser removes it from the attack surface.
        options.add_session_config_entry("session.load_model_format", "ONNX")
        return options


class CompiledGraph:
    """An onnxruntime session for one graph, created from bytes, with its tensor signature."""

    def __init__(
        self,
        model: bytes,
        inputs: Mapping[str, OperandDescriptor],
        outputs: Mapping[str, OperandDescriptor],
        *,
        providers: Sequence[str] = ("CPUExecutionProvider",),
        config: SessionConfig | None = None,
    ) -> None:
        if not isinstance(model, bytes | bytearray | memoryview):
            # A str would be taken as a file path: models come from bytes only.
            raise TypeError("CompiledGraph takes the model as bytes, never a path")
        self.config = config or SessionConfig()
        self.session = onnxruntime.InferenceSession(
            bytes(model), self.config.session_options(), providers=list(providers)
        )
        self.inputs: dict[str, OperandDescriptor] = dict(inputs)
        self.outputs: dict[str, OperandDescriptor] = dict(outputs)
        # The session must agree with the descriptors the validator checks buffers against;
        # otherwise a dispatch the validator accepted could bind the wrong sizes.
        session_inputs = {i.name for i in self.session.get_inputs()}
        session_outputs = {o.name for o in self.session.get_outputs()}
        if session_inputs != set(self.inputs) or session_outputs != set(self.outputs):
            raise ValueError(
                f"model signature {sorted(session_inputs)} -> {sorted(session_outputs)} does "
                f"not match descriptors {sorted(self.inputs)} -> {sorted(self.outputs)}"
            )
        self.output_names = list(self.outputs)
        self.output_bytes = sum(d.byte_length for d in self.outputs.values())
        # What the session holds of the model (weights included): its memory charge.
        self.model_byte_length = len(model)

    @classmethod
    def from_validated(
        cls,
        graph: ValidatedGraph,
        *,
        providers: Sequence[str] = ("CPUExecutionProvider",),
        config: SessionConfig | None = None,
    ) -> CompiledGraph:
        """Lower a validated graph to ONNX and compile it."""
        inputs = {i.name: i.descriptor for i in graph.inputs}
        outputs = {o.name: graph.descriptors[o.id] for o in graph.outputs}
        return cls(lower_to_onnx(graph), inputs, outputs, providers=providers, config=config)


class CancellationToken:
    """Cancels one work item from any thread, including while onnxruntime is running it.

    Each run registers its RunOptions here; `cancel` sets `terminate` on them, which onnxruntime
    checks between kernels (a single huge kernel finishes first: the bound is one kernel).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._active: list[onnxruntime.RunOptions] = []
        self._children: list[CancellationToken] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            for options in self._active:
                options.terminate = True
            children = list(self._children)
        for child in children:  # outside our lock: a child never takes its parent's
            child.cancel()

    @contextlib.contextmanager
    def linked(self) -> Iterator[CancellationToken]:
        """A child token for the duration of the block: cancelled with this one, or on its
        own without touching this one (the watchdog stops one submit, not the client's whole
        work item)."""
        child = CancellationToken()
        with self._lock:
            child._cancelled = self._cancelled
            self._children.append(child)
        try:
            yield child
        finally:
            with self._lock:
                self._children.remove(child)

    @contextlib.contextmanager
    def run_options(self) -> Iterator[onnxruntime.RunOptions]:
        """One RunOptions registered with this token for the duration of the block, to pass to
        any number of `Executor.run_prepared` calls. Cancelling sets its `terminate` flag: the
        run in progress stops at its next kernel and every later run with it fails at once."""
        options = onnxruntime.RunOptions()
        # Per-run log level too: a terminated run logs an error otherwise.
        options.log_severity_level = 4
        self._attach(options)
        try:
            yield options
        finally:
            self._detach(options)

    def _attach(self, options: onnxruntime.RunOptions) -> None:
        with self._lock:
            # Cancelled before the run started: onnxruntime refuses a run whose terminate flag
            # is already set, so the run fails at once instead of being missed.
            options.terminate = self._cancelled
            self._active.append(options)

    def _detach(self, options: onnxruntime.RunOptions) -> None:
        with self._lock:
            self._active.remove(options)


def log_stuck(what: str) -> None:
    """The default escalation: say so (tests and embedders; the service exits instead)."""
    logging.getLogger(__name__).critical("watchdog: %s", what)


class Watch:
    """One watched piece of work (`Watchdog.watch`); `expired` once the limit passed."""

    __slots__ = ("token", "what", "deadline", "expired")

    def __init__(self, token: CancellationToken, what: str, deadline: float) -> None:
        self.token = token
        self.what = what
        self.deadline = deadline
        self.expired = False


class Watchdog:
    """Cancels watched work that runs past `limit` seconds; escalates if it is still running
    `grace` seconds later (see the module docstring). Its thread starts with it."""

    def __init__(
        self,
        limit: float = DEFAULT_DISPATCH_TIMEOUT,
        grace: float = DEFAULT_WATCHDOG_GRACE,
        on_stuck: Callable[[str], None] = log_stuck,
    ) -> None:
        if limit <= 0 or grace <= 0:
            raise ValueError(f"watchdog limit and grace must be positive: {limit}, {grace}")
        self.limit = limit
        self.grace = grace
        self._on_stuck = on_stuck
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._watches: set[Watch] = set()
        # When the thread will next look (inf: idle). A new watch wakes it only if it is due
        # earlier, which with one fixed limit means only the first of a busy period: no
        # thread switch per submit.
        self._next_look = float("inf")
        self._stopping = False
        self.expired = 0  # how many watches expired (for tests and logs)
        self.escalations = 0
        self._thread = threading.Thread(target=self._run, name="webnpu-watchdog", daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def watch(self, token: CancellationToken, what: str) -> Iterator[Watch]:
        """Time the block: past the limit, `token` is cancelled and the watch marked expired."""
        watch = Watch(token, what, time.monotonic() + self.limit)
        with self._lock:
            self._watches.add(watch)
            if watch.deadline < self._next_look:
                self._wake.notify()
        try:
            yield watch
        finally:
            with self._lock:
                self._watches.discard(watch)

    def stop(self, timeout: float = 5.0) -> bool:
        with self._lock:
            self._stopping = True
            self._wake.notify()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            expired: list[Watch] = []
            stuck: list[Watch] = []
            with self._lock:
                if self._stopping:
                    return
                now = time.monotonic()
                for watch in self._watches:
                    if watch.deadline > now:
                        continue
                    if watch.expired:
                        stuck.append(watch)
                        watch.deadline = float("inf")  # escalated once is enough
                    else:
                        watch.expired = True
                        watch.deadline = now + self.grace
                        expired.append(watch)
                self.expired += len(expired)
                self.escalations += len(stuck)
                self._next_look = min((w.deadline for w in self._watches), default=float("inf"))
                if not expired and not stuck:
                    timeout = None if self._next_look == float("inf") else self._next_look - now
                    self._wake.wait(timeout)
                    continue
            # Outside the lock: cancelling takes the token's lock, and escalation may exit.
            for watch in expired:
                logging.getLogger(__name__).warning(
                    "watchdog: %s ran past %g s; cancelling it", watch.what, self.limit
                )
                watch.token.cancel()
            for watch in stuck:
                self._on_stuck(
                    f"{watch.what} still runs {self.grace:g} s after it was cancelled at the "
                    f"{self.limit:g} s limit"
                )


class Dispatch(Future[T]):
    """The Future `Executor.submit` returns; `interrupt()` also stops it while it runs."""

    def __init__(self, client_id: Hashable, token: CancellationToken) -> None:
        super().__init__()
        self.client_id = client_id
        self.token = token

    def interrupt(self) -> None:
        """Cancel the work whether it is queued or running; the result is DispatchCancelled."""
        self.token.cancel()


@dataclass
class _WorkItem:
    work: Callable[[CancellationToken], Any]
    future: Dispatch[Any]


def _check(name: str, array: np.ndarray, descriptor: OperandDescriptor, *, writable: bool) -> None:
    if not isinstance(array, np.ndarray):
        raise BindingError(f"{name!r} is not a numpy array")
    if array.dtype != descriptor.data_type.numpy_dtype or array.shape != descriptor.shape:
        raise BindingError(
            f"{name!r} is {array.dtype}{list(array.shape)}, graph expects {descriptor.describe()}"
        )
    if not array.flags.c_contiguous:
        raise BindingError(f"{name!r} is not C-contiguous")
    if writable and not array.flags.writeable:
        raise BindingError(f"output {name!r} is not writable")


class PreparedRun:
    """A compiled graph bound to fixed input and output arrays (`Executor.prepare`).

    Small outputs are run with `session.run` and copied into their arrays; from
    `binding_threshold` bytes of output an io binding with raw pointers into the arrays is made
    once here and reused by every run (see DEFAULT_BINDING_THRESHOLD).
    """

    __slots__ = ("graph", "feeds", "targets", "binding", "_arrays")

    def __init__(
        self,
        graph: CompiledGraph,
        inputs: Mapping[str, np.ndarray],
        outputs: Mapping[str, np.ndarray],
        bound: bool,
    ) -> None:
        self.graph = graph
        self.feeds = dict(inputs)
        self.targets = tuple(outputs[name] for name in graph.output_names)
        # Kept for the binding's sake: the raw pointers below stay valid while this lives.
        self._arrays = (self.feeds, dict(outputs))
        self.binding: Any = None
        if bound:
            binding = graph.session.io_binding()
            for name, array in inputs.items():
                binding.bind_input(
                    name, "cpu", 0, array.dtype.type, list(array.shape), array.ctypes.data
                )
            for name, array in outputs.items():
                binding.bind_output(
                    name, "cpu", 0, array.dtype.type, list(array.shape), array.ctypes.data
                )
            self.binding = binding


class Executor:
    """Runs compiled graphs over shared-memory tensors on a fixed pool of worker threads."""

    def __init__(
        self,
        *,
        workers: int = 4,
        binding_threshold: int = DEFAULT_BINDING_THRESHOLD,
        max_pending_per_client: int = 64,
        dispatch_timeout: float = DEFAULT_DISPATCH_TIMEOUT,
        watchdog_grace: float = DEFAULT_WATCHDOG_GRACE,
        on_stuck: Callable[[str], None] = log_stuck,
    ) -> None:
        if workers < 1:
            raise ValueError("an executor needs at least one worker")
        # With the workers, before the sandbox: the thread set is complete at construction.
        self.watchdog = Watchdog(dispatch_timeout, watchdog_grace, on_stuck)
        self.binding_threshold = binding_threshold
        self.max_pending_per_client = max_pending_per_client
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queues: dict[Hashable, collections.deque[_WorkItem]] = {}
        self._ready: collections.deque[Hashable] = collections.deque()
        self._running: dict[Hashable, _WorkItem] = {}
        self._stopping = False
        # Started now, not on demand: the sandbox is applied after construction and the
        # thread set must be complete by then (see the module docstring).
        self._threads = [
            threading.Thread(target=self._serve, name=f"webnpu-executor-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    # -- running one dispatch ------------------------------------------------------------------

    def run(
        self,
        graph: CompiledGraph,
        inputs: Mapping[str, np.ndarray],
        outputs: Mapping[str, np.ndarray],
        cancel: CancellationToken | None = None,
    ) -> None:
        """Run `graph` reading `inputs` and writing its results into `outputs` (in place).

        Raises DispatchCancelled if `cancel` is cancelled before or during the run.
        """
        prepared = self.prepare(graph, inputs, outputs)
        token = cancel or CancellationToken()
        with token.run_options() as options:
            self.run_prepared(prepared, options, token)

    def prepare(
        self,
        graph: CompiledGraph,
        inputs: Mapping[str, np.ndarray],
        outputs: Mapping[str, np.ndarray],
    ) -> PreparedRun:
        """Check `inputs` and `outputs` against `graph` once (BindingError) and bind them, for
        any number of `run_prepared` calls. The caller keeps the arrays' memory alive and
        unchanged in size for as long as it uses the result (the io binding holds raw
        pointers into it)."""
        self._check_bindings(graph, inputs, outputs)
        return PreparedRun(graph, inputs, outputs, graph.output_bytes >= self.binding_threshold)

    @staticmethod
    def run_prepared(
        prepared: PreparedRun, options: onnxruntime.RunOptions, token: CancellationToken
    ) -> None:
        """Run a prepared dispatch with `options` from `token.run_options()`.

        Raises DispatchCancelled if `token` is cancelled before or during the run.
        """
        graph = prepared.graph
        try:
            if prepared.binding is not None:
                graph.session.run_with_iobinding(prepared.binding, options)
            else:
                # The CPU provider wraps contiguous numpy inputs without copying; only the
                # outputs take one copy, from onnxruntime's buffer into the shared memory.
                results = graph.session.run(graph.output_names, prepared.feeds, options)
                for target, result in zip(prepared.targets, results, strict=True):
                    np.copyto(target, result, casting="no")
        except Exception as e:
            # onnxruntime reports termination as a generic failure; the token says whether we
            # asked for it, which is more reliable than matching its message.
            if token.cancelled:
                raise DispatchCancelled("dispatch cancelled") from e
            raise

    @staticmethod
    def _check_bindings(
        graph: CompiledGraph, inputs: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray]
    ) -> None:
        if set(inputs) != set(graph.inputs):
            raise BindingError(f"inputs {sorted(inputs)} != graph inputs {sorted(graph.inputs)}")
        if set(outputs) != set(graph.outputs):
            raise BindingError(
                f"outputs {sorted(outputs)} != graph outputs {sorted(graph.outputs)}"
            )
        for name, array in inputs.items():
            _check(name, array, graph.inputs[name], writable=False)
        for name, array in outputs.items():
            _check(name, array, graph.outputs[name], writable=True)
        # Outputs written while inputs are still being read would corrupt the result.
        # may_share_memory is a cheap bounds check, conservative in the right direction.
        output_items = list(outputs.items())
        for index, (name, out) in enumerate(output_items):
            for other, array in [*inputs.items(), *output_items[index + 1 :]]:
                if np.may_share_memory(out, array):
                    raise BindingError(f"output {name!r} overlaps {other!r}")

    # -- the worker pool -----------------------------------------------------------------------

    def submit(self, client_id: Hashable, work: Callable[[CancellationToken], T]) -> Dispatch[T]:
        """Queue `work(token)` behind the client's earlier work; returns its Dispatch future.

        `work` should pass the token to `run` so interrupting the dispatch stops onnxruntime.
        """
        future: Dispatch[T] = Dispatch(client_id, CancellationToken())
        with self._lock:
            if self._stopping:
                raise ExecutorShutDown("the executor is shut down")
            queue = self._queues.setdefault(client_id, collections.deque())
            if len(queue) >= self.max_pending_per_client:
                raise QueueFull(f"client {client_id!r} has {len(queue)} work items pending")
            queue.append(_WorkItem(work, future))
            # A client with work running is re-queued by its worker when that finishes; adding
            # it now would let a second worker start its next item out of order.
            if client_id not in self._running and len(queue) == 1:
                self._ready.append(client_id)
                self._wake.notify()
        return future

    def cancel_client(self, client_id: Hashable) -> None:
        """Cancel everything a client has queued or running (its connection dropped)."""
        with self._lock:
            items = list(self._queues.get(client_id, ()))
            running = self._running.get(client_id)
        for item in [*items, *([running] if running else [])]:
            item.future.interrupt()

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Stop: cancel queued and running work, then wait up to `timeout` seconds for the
        workers. Returns True if every worker thread has exited.

        A running onnxruntime dispatch stops at its next kernel boundary; work that ignores
        its token (not a dispatch) can outlive the timeout, which the False result reports.
        """
        with self._lock:
            self._stopping = True
            pending = [item for queue in self._queues.values() for item in queue]
            self._queues.clear()
            self._ready.clear()
            running = list(self._running.values())
            self._wake.notify_all()
        for item in running:
            item.future.interrupt()
        for item in pending:
            item.future.interrupt()
            if item.future.set_running_or_notify_cancel():
                item.future.set_exception(DispatchCancelled("executor shut down"))
        end = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, end - time.monotonic()))
        watchdog_stopped = self.watchdog.stop(max(0.0, end - time.monotonic()))
        return watchdog_stopped and not any(thread.is_alive() for thread in self._threads)

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def _serve(self) -> None:
        while True:
            with self._lock:
                while not self._ready and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                client_id = self._ready.popleft()
                queue = self._queues[client_id]
                item = queue.popleft()
                self._running[client_id] = item
            try:
                self._execute(item)
            finally:
                with self._lock:
                    del self._running[client_id]
                    if self._stopping:
                        pass  # shutdown() already took the queues over.
                    elif queue:
                        # To the back of the line: round-robin between clients.
                        self._ready.append(client_id)
                        self._wake.notify()
                    else:
                        del self._queues[client_id]

    @staticmethod
    def _execute(item: _WorkItem) -> None:
        future = item.future
        if not future.set_running_or_notify_cancel():
            return  # Future.cancel() won while it was queued.
        if future.token.cancelled:
            future.set_exception(DispatchCancelled("dispatch cancelled before it ran"))
            return
        try:
            result = item.work(future.token)
        except Exception as e:
            if future.token.cancelled and not isinstance(e, DispatchCancelled):
                cancelled = DispatchCancelled("dispatch cancelled")
                cancelled.__cause__ = e
                e = cancelled
            future.set_exception(e)
        else:
            future.set_result(result)
