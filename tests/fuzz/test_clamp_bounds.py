"""Clamp bounds outside the input type's range lower without numpy overflow warnings, to the
documented cast (python_service/service/lowering.py `_clamp_bound`): floating-point bounds
round to +-inf, integer bounds saturate. fuzz/fuzz_graph.py surfaced the RuntimeWarnings
("overflow encountered in cast") when a float64 bound went to float16 or float32."""

from __future__ import annotations

import warnings

import numpy as np
import onnxruntime
import pytest

from python_service.service.lowering import lower_to_onnx
from tests.service.sketch import Sketch


def clamp(x: np.ndarray, data_type: str, **bounds: float) -> np.ndarray:
    s = Sketch()
    graph = s.validate(y=s.op("clamp", s.input("x", data_type, x.shape), **bounds))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning fails the test
        model = lower_to_onnx(graph)
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


@pytest.mark.parametrize("data_type", ["float16", "float32"])
def test_float_bounds_beyond_the_type_are_infinite(data_type):
    x = np.array([-np.inf, -65504, -1, 0, 1, 65504, np.inf], dtype=data_type)
    np.testing.assert_array_equal(clamp(x, data_type, minValue=-1e300, maxValue=1e300), x)
    np.testing.assert_array_equal(
        clamp(x, data_type, minValue=-1e300, maxValue=0.5), np.minimum(x, np.array(0.5, data_type))
    )


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({"minValue": -1e300, "maxValue": 1e300}, [-128, -3, 0, 5, 127]),
        ({"minValue": -3.9, "maxValue": 200.7}, [-3, -3, 0, 5, 127]),  # truncate, saturate
        ({"maxValue": 4.0}, [-128, -3, 0, 4, 4]),
    ],
)
def test_integer_bounds_saturate(bounds, expected):
    x = np.array([-128, -3, 0, 5, 127], dtype=np.int8)
    np.testing.assert_array_equal(clamp(x, "int8", **bounds), np.array(expected, np.int8))
