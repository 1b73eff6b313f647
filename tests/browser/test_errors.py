"""Mistakes surface in the page as the exceptions the Python bindings raise for the same
mistakes: TypeError from argument conversion, RangeError, and DOMException with its name
(from the service's validation or the device's state). The Python side is run here, on its own
connection, so the expectation is what the reference bindings do, not a hand-written list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from python_service.bridge import Bridge
from python_service.client import DOMException, connect
from python_service.client.conversions import RangeError
from python_service.generated import interfaces as api
from python_service.generated.interfaces import NPUBufferUsage

from .conftest import open_page

TIMEOUT = 30.0
COPY_DST = NPUBufferUsage.COPY_DST


def classify(error: BaseException | None) -> str:
    if error is None:
        return "no error"
    if isinstance(error, DOMException):
        return f"DOMException {error.name}"
    # TypeError first: an [EnforceRange] failure is an EnforceRangeError, both a TypeError (what
    # WebIDL throws) and, in Python terms, a RangeError.
    if isinstance(error, TypeError):
        return "TypeError"
    if isinstance(error, RangeError):
        return "RangeError"
    return f"unexpected {type(error).__name__}: {error}"


def settle(value: Any) -> Any:
    return value.result(TIMEOUT) if hasattr(value, "result") else value


def _graph_with_input_as_output(d: Any) -> Any:
    builder = d.create_graph_builder()
    return builder.build({"y": builder.input("x", {"data_type": "float32", "shape": [2]})})


def _read_without_copy_src(d: Any) -> Any:
    return d.queue.read_buffer(d.create_buffer({"size": 4, "usage": COPY_DST}))


def _mapped_range_of_unmapped(d: Any) -> Any:
    return d.create_buffer({"size": 4, "usage": COPY_DST}).get_mapped_range()


def _read_after_destroy(d: Any) -> Any:
    buffer = d.create_buffer({"size": 4, "usage": NPUBufferUsage.COPY_SRC})
    d.destroy()
    return d.queue.read_buffer(buffer)


# name -> (the mistake in Python, the same mistake in the page's JavaScript)
MISTAKES: dict[str, tuple[Callable[[Any], Any], str]] = {
    "illegal_constructor": (lambda d: api.NPUBuffer(), "new NPUBuffer()"),
    "dictionary_missing_required_member": (
        lambda d: d.create_buffer({"usage": COPY_DST}),
        "d.createBuffer({ usage: NPUBufferUsage.COPY_DST })",
    ),
    "bad_enum_value": (
        lambda d: d.create_graph_builder().input("x", {"data_type": "float99", "shape": [1]}),
        'd.createGraphBuilder().input("x", { dataType: "float99", shape: [1] })',
    ),
    "enforce_range_negative": (
        lambda d: d.queue.write_buffer(
            d.create_buffer({"size": 4, "usage": COPY_DST}), -1, np.zeros(1, np.float32)
        ),
        "d.queue.writeBuffer(d.createBuffer({ size: 4, usage: NPUBufferUsage.COPY_DST }), -1,"
        " new Float32Array(1))",
    ),
    "wrong_interface_argument": (
        lambda d: d.queue.read_buffer(d),
        "d.queue.readBuffer(d)",
    ),
    "graph_input_as_output": (
        _graph_with_input_as_output,
        "(() => { const b = d.createGraphBuilder();"
        ' return b.build({ y: b.input("x", { dataType: "float32", shape: [2] }) }); })()',
    ),
    "read_without_copy_src": (
        _read_without_copy_src,
        "d.queue.readBuffer(d.createBuffer({ size: 4, usage: NPUBufferUsage.COPY_DST }))",
    ),
    "mapped_range_of_unmapped_buffer": (
        _mapped_range_of_unmapped,
        "d.createBuffer({ size: 4, usage: NPUBufferUsage.COPY_DST }).getMappedRange()",
    ),
    "read_after_device_destroyed": (
        _read_after_destroy,
        "(() => { const b = d.createBuffer({ size: 4, usage: NPUBufferUsage.COPY_SRC });"
        " d.destroy(); return d.queue.readBuffer(b); })()",
    ),
}

# Runs `mistake` (a JS expression over `d`, a fresh device) and names what it threw or
# rejected with, the way classify() names Python's exceptions.
RUN_IN_PAGE = """async (mistake) => {
  const { openDevice } = await import("/web/npu.js");
  const { NPUBufferUsage } = await import("/generated/js/webnpu.js");
  const adapter = await navigator.npu?.requestAdapter() ?? null;
  const d = adapter ? await adapter.requestDevice() : await openDevice();
  try {
    await new Function("d", "NPUBufferUsage", `return ${mistake};`)(d, NPUBufferUsage);
    return "no error";
  } catch (error) {
    if (error instanceof DOMException) return `DOMException ${error.name}`;
    if (error instanceof RangeError) return "RangeError";
    if (error instanceof TypeError) return "TypeError";
    return `unexpected ${error?.constructor?.name}: ${error}`;
  }
}"""


@pytest.fixture(scope="module")
def python_npu(bridge: Bridge) -> Any:
    npu = connect(bridge.host)
    yield npu
    npu.close()


@pytest.mark.parametrize("name", list(MISTAKES))
def test_same_mistake_same_exception(page: Any, bridge: Bridge, python_npu: Any, name: str) -> None:
    in_python, in_js = MISTAKES[name]
    device = python_npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
    try:
        settle(in_python(device))
        expected = classify(None)
    except BaseException as error:  # noqa: BLE001 (classified, then compared)
        expected = classify(error)
    assert expected != "no error", f"{name} is not a mistake for the Python bindings"
    open_page(page, bridge, "index.html")
    assert page.evaluate(RUN_IN_PAGE, in_js) == expected
