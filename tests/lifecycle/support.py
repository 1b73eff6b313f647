"""Support for the lifecycle tests: pages with work in flight, and leak checks that look.

The checks read the kernel's view of this (the test) process, which is both the host and the
pages: /proc/self/maps and /proc/self/fd for shared memory and descriptors, /proc/PID for
processes, /proc/self/task/*/children and waitpid for zombies. memfds are named
(`SharedMemory.create(size, name)`: "webnpu-buffer", "webnpu-read", "webnpu-upload"), and each
has its own inode, so "no memfd of the lost connection" is checked by inode.
"""

from __future__ import annotations

import contextlib
import glob
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from python_service.client import DOMException
from python_service.generated.interfaces import NPUBufferUsage, NPUMapMode

U = NPUBufferUsage
TIMEOUT = 30.0  # seconds any one promise may take before a test fails
MEMFD_PREFIX = "/memfd:webnpu"

# A dispatch long enough to be surely running when the test kills the service (the kill ends
# it, so its length costs nothing): a chain of matrix products, each a separate onnxruntime
# kernel, so a cancellation (RunOptions.terminate) takes effect between two of them.
LONG_SIDE = 1024
LONG_CHAIN = 100


def mapped_memfds() -> set[int]:
    """Inodes of the webnpu memfds mapped in this process."""
    inodes = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split(maxsplit=5)
            if len(parts) == 6 and parts[5].startswith(MEMFD_PREFIX):
                inodes.add(int(parts[4]))
    return inodes


def open_memfds() -> set[int]:
    """Inodes of the webnpu memfds this process holds a descriptor for."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # closed meanwhile (listdir's own fd, say)
            if os.readlink(f"/proc/self/fd/{fd}").startswith(MEMFD_PREFIX):
                inodes.add(os.stat(f"/proc/self/fd/{fd}").st_ino)
    return inodes


def memfds() -> set[int]:
    return mapped_memfds() | open_memfds()


def open_fds() -> dict[str, str]:
    found = {}
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            found[fd] = os.readlink(f"/proc/self/fd/{fd}")
    return found


def assert_fds_back_to(baseline: dict[str, str]) -> None:
    now = open_fds()
    extra = {fd: target for fd, target in now.items() if baseline.get(fd) != target}
    # listdir's own descriptor shows up in the listing; it is closed by now.
    extra = {fd: t for fd, t in extra.items() if os.path.exists(f"/proc/self/fd/{fd}")}
    assert not extra, f"descriptors left open: {extra}"


def children() -> set[int]:
    """This process's children, running or zombie (every thread's)."""
    pids: set[int] = set()
    for path in glob.glob("/proc/self/task/*/children"):
        with contextlib.suppress(OSError), open(path) as file:
            pids.update(int(pid) for pid in file.read().split())
    return pids


def assert_gone(pid: int, *, own_child: bool) -> None:
    """`pid` has ended and been reaped: no /proc entry (a zombie keeps one) and, for our own
    child, waitpid has nothing left to collect."""
    assert not os.path.exists(f"/proc/{pid}"), f"process {pid} is still there: {_state(pid)}"
    assert pid not in children()
    if own_child:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        else:
            raise AssertionError(f"process {pid} was not reaped by the host")


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2]
    except OSError:
        return "gone"


def open_device(npu: Any) -> Any:
    adapter = npu.request_adapter().result(TIMEOUT)
    assert adapter is not None, "the service offers no adapter"
    return adapter.request_device().result(TIMEOUT)


def build(device: Any, record: Callable[[Any], dict[str, Any]]) -> Any:
    builder = device.create_graph_builder()
    return builder.build(record(builder)).result(TIMEOUT)


def tensor(data_type: str, shape: list[int]) -> dict[str, Any]:
    return {"data_type": data_type, "shape": shape}


def long_graph(device: Any) -> Any:
    """y = x·W·W·…·W (LONG_CHAIN products of LONG_SIDE² float32 matrices)."""
    side = LONG_SIDE
    weight = (np.eye(side, dtype=np.float32) * 0.5).reshape(-1)

    def record(b: Any) -> dict[str, Any]:
        x = b.input("x", tensor("float32", [side, side]))
        w = b.constant(tensor("float32", [side, side]), weight)
        y = x
        for _ in range(LONG_CHAIN):
            y = b.matmul(y, w)
        return {"y": y}

    return build(device, record)


def relu_graph(device: Any, n: int) -> Any:
    return build(device, lambda b: {"y": b.relu(b.input("x", tensor("float32", [n])))})


def buffer(device: Any, size: int, usage: int) -> Any:
    return device.create_buffer({"size": size, "usage": usage})


def run_relu(device: Any, values: np.ndarray) -> np.ndarray:
    """One real dispatch through `device`: relu(values), read back."""
    graph = relu_graph(device, values.size)
    x = buffer(device, values.nbytes, U.INPUT | U.COPY_DST)
    y = buffer(device, values.nbytes, U.OUTPUT | U.COPY_SRC)
    device.queue.write_buffer(x, 0, values)
    encoder = device.create_command_encoder()
    encoder.dispatch(graph, {"x": x}, {"y": y})
    device.queue.submit([encoder.finish()])
    return np.frombuffer(device.queue.read_buffer(y).result(TIMEOUT), np.float32).copy()


@dataclass
class Page:
    """One client with work in flight: a long dispatch running, more queued behind it, plus
    memory the page holds (a mapped range, a large read result) when the service goes."""

    npu: Any
    device: Any
    pending: dict[str, Any] = field(default_factory=dict)  # name -> promise
    mapped_buffer: Any = None
    mapped_range: memoryview | None = None
    held_result: np.ndarray | None = None
    held_expected: np.ndarray | None = None
    settled_at: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def track(self, name: str, promise: Any) -> None:
        self.pending[name] = promise

        def settled(_promise: Any) -> None:
            with self._lock:
                self.settled_at[name] = time.monotonic()

        promise.add_done_callback(settled)


def page_with_work_in_flight(npu: Any, seed: int) -> Page:
    """A page that holds shared memory, then starts a long dispatch and queues a submit,
    reads, a mapAsync and onSubmittedWorkDone behind it: all pending until the service goes."""
    device = open_device(npu)
    page = Page(npu, device)
    queue = device.queue
    rng = np.random.default_rng(seed)

    # Memory the page holds: a mapped (MAP_WRITE) range, and a read result past the inline
    # limit, so both are memfds mapped in this process.
    page.mapped_buffer = buffer(device, 4096, U.MAP_WRITE | U.COPY_SRC)
    page.mapped_buffer.map_async(NPUMapMode.WRITE).result(TIMEOUT)
    page.mapped_range = page.mapped_buffer.get_mapped_range()
    values = rng.standard_normal(64 * 1024).astype(np.float32)  # 256 KiB: shared memory
    held = buffer(device, values.nbytes, U.COPY_DST | U.COPY_SRC)
    queue.write_buffer(held, 0, values)
    page.held_result = np.frombuffer(queue.read_buffer(held).result(TIMEOUT), np.float32)
    page.held_expected = values
    assert mapped_memfds(), "the page should hold shared memory before the loss"

    side = LONG_SIDE
    graph = long_graph(device)
    x = buffer(device, side * side * 4, U.INPUT | U.COPY_DST)
    y = buffer(device, side * side * 4, U.OUTPUT | U.COPY_SRC)
    readable = buffer(device, 1024, U.MAP_READ | U.COPY_DST)
    queue.write_buffer(x, 0, rng.standard_normal(side * side).astype(np.float32))
    for _ in range(2):  # the first runs long; the second waits behind it
        encoder = device.create_command_encoder()
        encoder.dispatch(graph, {"x": x}, {"y": y})
        queue.submit([encoder.finish()])
    page.track("readBuffer", queue.read_buffer(y))
    page.track("readBuffer (large)", queue.read_buffer(y, 0, 256 * 1024))
    page.track("onSubmittedWorkDone", queue.on_submitted_work_done())
    page.track("mapAsync", readable.map_async(NPUMapMode.READ))
    page.track("lost", device.lost)
    return page


def assert_lost(page: Page, because: str) -> None:
    """Every pending call rejected with device loss saying `because`; `lost` resolved."""
    for name, promise in page.pending.items():
        assert promise.done(), f"{name} is still pending"
        if name == "lost":
            info = promise.result(0)
            assert info.reason == "unknown", info.reason
            assert because in info.message, info.message
            continue
        error = promise.exception(0)
        assert isinstance(error, DOMException), f"{name}: {error!r}"
        assert error.name == "AbortError", f"{name}: {error}"
        assert "The device was lost" in error.message and because in error.message, (
            f"{name}: {error.message}"
        )


def assert_memory_released(page: Page, lost_memfds: set[int]) -> None:
    """No memfd of the lost connection is mapped or open; memory the page held stays safe:
    the mapped range is detached, the read result keeps its bytes (in private memory)."""
    left = memfds() & lost_memfds
    assert not left, f"memfds of the lost connection still mapped or open: {left}"
    assert page.mapped_buffer.map_state == "unmapped"
    try:
        page.mapped_range[0]  # type: ignore[index]
    except ValueError:
        pass  # released: "detached"
    else:
        raise AssertionError("the mapped range is still usable after the loss")
    assert page.held_result is not None and page.held_expected is not None
    np.testing.assert_array_equal(page.held_result, page.held_expected)


def last_settled(pages: list[Page]) -> float:
    return max(t for page in pages for t in page.settled_at.values())


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


__all__ = [
    "DOMException",
    "Page",
    "TIMEOUT",
    "assert_fds_back_to",
    "assert_gone",
    "assert_lost",
    "assert_memory_released",
    "children",
    "last_settled",
    "memfds",
    "open_device",
    "open_fds",
    "page_with_work_in_flight",
    "run_relu",
    "wait_until",
]
