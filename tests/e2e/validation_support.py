"""Helpers for tests/e2e/test_validation_rules.py: the tiny add graph, the "still serving"
check, error-scope capture, a slow submit, an in-process service with small quotas, and the
extraction of every rule message the service's validators can produce (for the honesty test).
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from python_service.client import connect
from python_service.ipc import Channel
from python_service.service.client_session import ClientSession
from python_service.service.executor import Executor
from python_service.service.objects import ClientQuotas, MemoryBudget
from tests.e2e.conftest import TIMEOUT, descriptor, run_graph

A = np.array([1.5, -2.0], np.float32)
B = np.array([10.0, 20.25], np.float32)


def add_graph(device: Any, shape: tuple[int, ...] = (2,)) -> Any:
    """y = a + b on float32[shape]: the cheapest graph there is (one op, ~20 ms to build)."""
    builder = device.create_graph_builder()
    a = builder.input("a", descriptor("float32", shape))
    b = builder.input("b", descriptor("float32", shape))
    return builder.build({"y": builder.add(a, b)}).result(TIMEOUT)


def assert_serves(device: Any, graph: Any | None = None) -> None:
    """The service still serves this client: a correct run of the add graph on `device`."""
    if graph is None:
        graph = add_graph(device)
    device.push_error_scope("validation")
    out = run_graph(device, graph, {"a": A, "b": B})
    assert device.pop_error_scope().result(TIMEOUT) is None
    np.testing.assert_array_equal(out["y"], A + B)


def captured(device: Any, action: Callable[[], Any], filter_: str = "validation") -> Any:
    """The error `action` leaves in a `filter_` scope pushed around it (None if none)."""
    device.push_error_scope(filter_)
    action()
    return device.pop_error_scope().result(TIMEOUT)


def buffer(device: Any, size: int, usage: int, **extra: Any) -> Any:
    return device.create_buffer({"size": size, "usage": usage, **extra})


@contextlib.contextmanager
def held_queue(session: ClientSession) -> Iterator[None]:
    """Hold `session`'s serial work list: work queued meanwhile (map replies, submits) stays
    pending until the block ends, however fast or slow the machine is. On leaving, wait until
    the held queue operations have run, so what follows the block does not race them for the
    queued-operations quota."""
    release = threading.Event()
    session._enqueue(lambda _token: release.wait(TIMEOUT))
    try:
        yield
    finally:
        release.set()
        deadline = time.monotonic() + TIMEOUT
        while session._queued_operations and not session.closed:
            assert time.monotonic() < deadline, "the held queue operations never ran"
            time.sleep(0.001)


# --- an in-process service with small quotas (the real one's are too large to reach fast) --


class _PairHost:
    """A `ServiceHost` stand-in: `connect()` hands back one end of a fresh channel pair whose
    other end a `ClientSession` with the given quotas serves on a thread."""

    def __init__(
        self, executor: Executor, quotas: ClientQuotas, budget: MemoryBudget | None = None
    ) -> None:
        self.executor = executor
        self.quotas = quotas
        self.budget = budget
        self.sessions: list[tuple[ClientSession, threading.Thread]] = []

    def connect(self) -> Channel:
        service_end, client_end = Channel.pair()
        session = ClientSession(service_end, self.executor, quotas=self.quotas, budget=self.budget)
        thread = threading.Thread(target=session.serve, daemon=True)
        thread.start()
        self.sessions.append((session, thread))
        return client_end


@contextlib.contextmanager
def small_quota_device(
    quotas: ClientQuotas, budget: MemoryBudget | None = None
) -> Iterator[tuple[Any, ClientSession]]:
    """A device (through the real bindings) on an in-process session with `quotas` (and a
    service-wide memory `budget`, if given)."""
    with Executor(workers=1) as executor:
        host = _PairHost(executor, quotas, budget)
        npu = connect(host)
        try:
            adapter = npu.request_adapter().result(TIMEOUT)
            device = adapter.request_device().result(TIMEOUT)
            yield device, host.sessions[0][0]
        finally:
            npu.close()
            for _session, thread in host.sessions:
                thread.join(TIMEOUT)


# --- the rule messages in the service's source ------------------------------------------


def _function_source(function: Callable[..., Any]) -> ast.AST:
    """The function's definition, found by qualified name in its module's file as it is now
    (not by the line numbers of the imported code, which go stale if the file is edited)."""
    module = sys.modules[function.__module__]
    node: ast.AST = ast.parse(Path(inspect.getfile(module)).read_text())
    for name in function.__qualname__.split("."):
        node = next(
            child
            for child in ast.iter_child_nodes(node)
            if isinstance(child, ast.ClassDef | ast.FunctionDef) and child.name == name
        )
    return node


def literal_pieces(node: ast.AST) -> list[str]:
    """The constant text of a str constant or f-string, one piece per literal run."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant)]
    return []


def message_templates(function: Callable[..., Any]) -> list[str]:
    """Every outermost string literal / f-string in `function` (docstring excluded), as the
    concatenation of its literal pieces with `{}` for each interpolation."""
    tree = _function_source(function)
    templates = []
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for value in ast.walk(node):
                if value is not node:
                    nested.add(id(value))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and ast.get_docstring(node):
            nested.add(id(node.body[0].value))
    for node in ast.walk(tree):
        if id(node) in nested:
            continue
        if isinstance(node, ast.JoinedStr):
            templates.append(
                "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            templates.append(node.value)
    return templates
