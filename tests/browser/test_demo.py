"""web/demo.html: the digit demo runs in Chromium through the polyfill and the bridge, and its
result matches in-process onnxruntime on the same input and weights."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime

from python_service.bridge import Bridge
from python_service.demo.network import INPUT_NAME, INPUT_SHAPE, Weights, reference_model

from .conftest import open_page

SHAPES = {
    "conv1_filter": (8, 1, 3, 3),
    "conv1_bias": (8,),
    "conv2_filter": (16, 8, 3, 3),
    "bn_mean": (16,),
    "bn_variance": (16,),
    "bn_scale": (16,),
    "bn_bias": (16,),
    "fc_weight": (784, 10),
    "fc_bias": (10,),
}


def floats(text: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), np.float32).reshape(shape)


def test_demo_matches_onnxruntime(page: Any, bridge: Bridge, artifacts: Path) -> None:
    open_page(page, bridge, "demo.html", "window.demoReady")
    result = page.evaluate("window.demoFirstRun")
    image = floats(result["input"], INPUT_SHAPE)
    # The page drew a digit: some ink, not a blank or saturated canvas.
    assert 0.03 < float((image > 0.5).mean()) < 0.5
    weights = Weights(**{name: floats(result["weights"][name], s) for name, s in SHAPES.items()})
    # The reference: the same network written by hand in ONNX (python_service/demo), run by
    # onnxruntime in this process, on the weights and pixels the page used.
    session = onnxruntime.InferenceSession(
        reference_model(weights).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (expected,) = session.run(None, {INPUT_NAME: image})
    got = floats(result["probabilities"], (1, 10))
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert abs(float(got.sum()) - 1.0) < 1e-4

    timings = result["timings"]
    assert timings["runs"] == 20 and timings["medianMs"] > 0 and timings["buildMs"] > 0
    # What the page shows: the top class and its timing table.
    top = int(np.argmax(got))
    assert page.text_content("#status").startswith(f"top class: {top}")
    assert "median of 20 runs" in page.text_content("#timings")
    shot = artifacts / "demo.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
