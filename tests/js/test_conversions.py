"""The polyfill's WebIDL conversions throw what the Python bindings throw, for the same mistakes.

Each row is one API misuse written twice, as the Python caller and as the page would write it:
wrong types, out-of-range [EnforceRange] values, missing required members and arguments, bad
enum strings, wrong interface types, non-iterables, constructors. The Python side runs the
generated converters (`python_service/generated/conversions.py`, what every binding method
calls first), the JS side the polyfill's (`OPERATIONS` of generated/js/webnpu.js) in node;
the error type and message must be identical.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from codegen.targets.python_types import converter_function
from python_service.client.promise import DOMException
from python_service.generated import conversions as conv
from python_service.generated import interfaces as api
from tests.conftest import ROOT
from tests.js.harness import require_node

BUFFER_DESCRIPTOR = "NPUDevice.createBuffer"
# (operation, Python positional arguments, the same call's arguments in JavaScript)
CASES = [
    (BUFFER_DESCRIPTOR, (), ""),
    (BUFFER_DESCRIPTOR, ({"usage": 1},), "{usage: 1}"),
    (BUFFER_DESCRIPTOR, ({"size": 8},), "{size: 8}"),
    (BUFFER_DESCRIPTOR, ({"size": -1, "usage": 1},), "{size: -1, usage: 1}"),
    (BUFFER_DESCRIPTOR, ({"size": 2**53, "usage": 1},), "{size: 2 ** 53, usage: 1}"),
    (BUFFER_DESCRIPTOR, ({"size": float("inf"), "usage": 1},), "{size: Infinity, usage: 1}"),
    (BUFFER_DESCRIPTOR, ({"size": float("nan"), "usage": 1},), "{size: NaN, usage: 1}"),
    (BUFFER_DESCRIPTOR, ({"size": 8, "usage": 2**32},), "{size: 8, usage: 2 ** 32}"),
    (BUFFER_DESCRIPTOR, (5,), "5"),
    (
        BUFFER_DESCRIPTOR,
        ({"size": 8, "usage": 1, "tensor": {"dataType": "float99", "shape": [2]}},),
        "{size: 8, usage: 1, tensor: {dataType: 'float99', shape: [2]}}",
    ),
    (
        BUFFER_DESCRIPTOR,
        ({"size": 8, "usage": 1, "tensor": {"dataType": "float32"}},),
        "{size: 8, usage: 1, tensor: {dataType: 'float32'}}",
    ),
    (
        BUFFER_DESCRIPTOR,
        ({"size": 8, "usage": 1, "tensor": {"dataType": "float32", "shape": 3}},),
        "{size: 8, usage: 1, tensor: {dataType: 'float32', shape: 3}}",
    ),
    (
        BUFFER_DESCRIPTOR,
        ({"size": 8, "usage": 1, "tensor": {"dataType": "float32", "shape": [-2]}},),
        "{size: 8, usage: 1, tensor: {dataType: 'float32', shape: [-2]}}",
    ),
    ("NPUDevice.pushErrorScope", ("bogus",), "'bogus'"),
    ("NPUDevice.pushErrorScope", (), ""),
    ("NPU.requestAdapter", ({"powerPreference": "fast"},), "{powerPreference: 'fast'}"),
    (
        "NPUAdapter.requestDevice",
        ({"requiredFeatures": ["tensor-float16", "nope"]},),
        "{requiredFeatures: ['tensor-float16', 'nope']}",
    ),
    (
        "NPUAdapter.requestDevice",
        ({"requiredLimits": {"maxBufferSize": -5}},),
        "{requiredLimits: {maxBufferSize: -5}}",
    ),
    ("NPUAdapter.requestDevice", ({"requiredLimits": 5},), "{requiredLimits: 5}"),
    ("NPUQueue.submit", (5,), "5"),
    ("NPUQueue.submit", ([object()],), "[{}]"),
    ("NPUQueue.writeBuffer", (object(), 0, b""), "{}, 0, new Uint8Array(0)"),
    ("NPUQueue.readBuffer", (), ""),
    ("NPUCommandEncoder.dispatch", (object(), {}, {}), "{}, {}, {}"),
    ("NPUCommandEncoder.copyBufferToBuffer", (1, 2, 3, 4), "1, 2, 3, 4"),
    ("NPUBuffer.mapAsync", (-1,), "-1"),
    ("NPUBuffer.mapAsync", (1, 2**53), "1, 2 ** 53"),
    ("NPUBuffer.getMappedRange", (float("inf"),), "Infinity"),
    ("NPUDevice.loadModel", ("model",), "'model'"),
    ("NPUGraphBuilder.input", ("x", {"shape": [1]}), "'x', {shape: [1]}"),
    ("NPUGraphBuilder.input", ("x",), "'x'"),
    ("NPUGraphBuilder.softmax", (object(), 1), "{}, 1"),
    ("NPUGraphBuilder.concat", (5, 1), "5, 1"),
    ("NPUGraphBuilder.build", (5,), "5"),
    ("NPUGraphBuilder.build", ({"y": object()},), "{y: {}}"),
    ("NPUValidationError.constructor", (), ""),
]


def _python(operation: str, args: tuple) -> list:
    interface, name = operation.split(".")
    if name == "constructor":
        function = getattr(conv, converter_function("ctor", interface))
    else:
        function = getattr(conv, converter_function("args", interface, name))
    try:
        function(args, {})
    except DOMException as error:
        return [error.name, error.message]
    except TypeError as error:
        return ["TypeError", str(error)]
    except ValueError as error:  # RangeError
        return ["RangeError", str(error)]
    return ["ok", None]


def _javascript(requests: list[list[str]]) -> list[list]:
    proc = subprocess.run(
        [require_node(), str(ROOT / "tests/js/conversion_driver.mjs")],
        input="".join(json.dumps(r) + "\n" for r in requests),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return [json.loads(line) for line in proc.stdout.splitlines()]


@pytest.fixture(scope="module")
def js_answers() -> list[list]:
    return _javascript([[op, source] for op, _args, source in CASES])


def test_every_case_is_a_mistake_in_python(js_answers):
    """Each row must throw (a row both sides accept would compare nothing)."""
    assert [c[0] for c in CASES if _python(c[0], c[1])[0] == "ok"] == []


def test_both_bindings_throw_the_same_error_for_the_same_mistake(js_answers):
    differing = [
        (op, source, mine, theirs)
        for (op, args, source), mine in zip(CASES, js_answers, strict=True)
        if mine != (theirs := _python(op, args))
    ]
    assert differing == []


def test_interfaces_without_a_constructor_are_illegal_to_construct_in_both():
    names = ["NPU", "NPUDevice", "NPUBuffer", "NPUGraphBuilder", "NPUOperand", "NPUError"]
    answers = _javascript([["new", f"new m.{n}()"] for n in names])
    for name, answer in zip(names, answers, strict=True):
        with pytest.raises(TypeError) as python:
            getattr(api, name)()
        assert (
            answer
            == ["TypeError", str(python.value)]
            == [
                "TypeError",
                f"Failed to construct '{name}': Illegal constructor",
            ]
        )
