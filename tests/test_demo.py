"""The main job's demo (python_service/demo): it runs and passes, and its reference is sound.

The demo's comparison is meaningful only if its ONNX reference is an independent, correct
rendering of the graph-builder network: so the reference is checked here against a plain numpy
implementation and against the network's structure as the service builds it.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import onnx
import onnxruntime
import pytest

from python_service.client import connect
from python_service.demo import model as tiny_model
from python_service.demo import network, runner
from python_service.demo.report import TOLERANCE, compare
from python_service.host import ServiceHost
from python_service.service.model_loader import load_model
from tests.conftest import ROOT

TIMEOUT = 30.0


def test_demo_runs_and_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "python_service.demo", "--runs", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "service: pid " in out
    assert "adapter: vendor='onnxruntime'" in out
    assert "PASS: conv net (graph builder) vs independent ONNX: max abs diff" in out
    assert "PASS: ONNX model (loadModel) vs in-process: max abs diff" in out
    for error_filter in ("validation", "out-of-memory", "internal"):
        assert f"PASS: no {error_filter} error (popErrorScope() returned null)" in out
    assert out.count("service     top-3: class") == 2
    assert out.count("onnxruntime top-3: class") == 2
    assert "median/5" in out and "service, graph builder" in out and "service, loadModel" in out
    assert "service: shut down, exit status 0" in out
    assert "FAIL" not in out
    assert out.rstrip().splitlines()[-1].startswith("PASS: demo finished in")


@pytest.fixture(scope="module")
def device() -> Iterator[Any]:
    with ServiceHost() as host:
        npu = connect(host)
        adapter = npu.request_adapter().result(TIMEOUT)
        yield adapter.request_device().result(TIMEOUT)
        npu.close()


def _inferred_io(model: onnx.ModelProto) -> tuple[dict[str, tuple], dict[str, tuple]]:
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)

    def shapes(values: Any) -> dict[str, tuple]:
        return {
            v.name: (
                onnx.helper.tensor_dtype_to_np_dtype(v.type.tensor_type.elem_type).name,
                tuple(d.dim_value for d in v.type.tensor_type.shape.dim),
            )
            for v in values
        }

    return shapes(inferred.graph.input), shapes(inferred.graph.output)


def test_reference_has_the_graph_builder_networks_structure(device: Any) -> None:
    weights = network.make_weights()
    builder = device.create_graph_builder()
    output = network.build_network(builder, weights)
    graph = builder.build({network.OUTPUT_NAME: output}).result(TIMEOUT)
    built_inputs = {i.name: (i.data_type, tuple(i.shape)) for i in graph.inputs}
    built_outputs = {o.name: (o.data_type, tuple(o.shape)) for o in graph.outputs}

    reference_inputs, reference_outputs = _inferred_io(network.reference_model(weights))
    assert built_inputs == reference_inputs == {network.INPUT_NAME: ("float32", (1, 1, 28, 28))}
    assert built_outputs == reference_outputs == {network.OUTPUT_NAME: ("float32", (1, 10))}
    assert (output.data_type, tuple(output.shape)) == ("float32", (1, network.CLASSES))
    graph.destroy()


def _conv2d_same(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """3x3 convolution (cross-correlation), padding 1, stride 1: NCHW x OIHW -> NCHW."""
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))
    return np.einsum("nchwij,ocij->nohw", windows, w)


def _pool2x2(x: np.ndarray, reduce: Any) -> np.ndarray:
    n, c, h, w = x.shape
    return reduce(x.reshape(n, c, h // 2, 2, w // 2, 2), axis=(3, 5))


def _numpy_network(x: np.ndarray, w: network.Weights) -> np.ndarray:
    x = x.astype(np.float64)
    x = _conv2d_same(x, w.conv1_filter) + w.conv1_bias[None, :, None, None]
    x = _pool2x2(np.maximum(x, 0), np.max)
    x = _conv2d_same(x, w.conv2_filter)
    channel = (slice(None), None, None)
    x = (x - w.bn_mean[channel]) / np.sqrt(w.bn_variance[channel] + network.EPSILON)
    x = np.maximum(x * w.bn_scale[channel] + w.bn_bias[channel], 0)
    x = _pool2x2(x, np.mean).reshape(1, -1) @ w.fc_weight + w.fc_bias
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_reference_computes_the_documented_network() -> None:
    weights = network.make_weights()
    image = network.digit_image()
    session = runner.local_session(network.reference_model(weights).SerializeToString())
    (onnx_out,) = session.run(None, {network.INPUT_NAME: image})
    expected = _numpy_network(image, weights)
    np.testing.assert_allclose(onnx_out, expected, rtol=0, atol=1e-5)
    # Not a degenerate case: the input has ink and the output is not uniform.
    assert 0.05 < image.mean() < 0.5
    assert onnx_out.max() - onnx_out.min() > 0.05


def test_demo_models_pass_the_services_model_checks() -> None:
    load_model(tiny_model.model_bytes())
    load_model(network.reference_model(network.make_weights()).SerializeToString())


def test_loaded_model_is_deterministic_and_a_distribution() -> None:
    session = onnxruntime.InferenceSession(tiny_model.model_bytes())
    (probabilities,) = session.run(None, {tiny_model.INPUT_NAME: tiny_model.token_input()})
    assert probabilities.shape == (1, tiny_model.CLASSES)
    assert abs(float(probabilities.sum()) - 1.0) < 1e-5
    assert tiny_model.model_bytes() == tiny_model.model_bytes()


def test_compare_fails_beyond_the_tolerance() -> None:
    a = np.array([[0.1, 0.2, 0.7]], np.float32)
    assert compare("same", a, a.copy()).passed
    assert not compare("off", a, a + 2 * TOLERANCE).passed
    assert not compare("nan", a, np.full_like(a, np.nan)).passed
    assert not compare("shape", a, a.reshape(3, 1)).passed


def test_demo_exits_nonzero_when_a_comparison_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    honest = network.reference_model

    def wrong_reference(weights: network.Weights) -> onnx.ModelProto:
        return honest(
            dataclasses.replace(
                weights,
                fc_bias=weights.fc_bias + np.linspace(0, 1, network.CLASSES, dtype=np.float32),
            )
        )

    monkeypatch.setattr(network, "reference_model", wrong_reference)
    assert runner.main(["--runs", "1"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: conv net (graph builder) vs independent ONNX" in out
    assert "PASS: ONNX model (loadModel) vs in-process" in out
    assert out.rstrip().splitlines()[-1].startswith("FAIL: demo finished")
