"""The README's main job: a real network and a real ONNX model through the service process.

`python -m python_service.demo` starts the service (`ServiceHost`), asks it for an adapter and a
device, then

1. builds a small convolutional network with NPUGraphBuilder (`network.py`) and runs it on a
   synthetic digit, against an equivalent ONNX model written independently with `onnx.helper`
   from the same weights and run by in-process onnxruntime;
2. loads a small transformer-style classifier made locally with `onnx` (`model.py`) through
   `device.loadModel(bytes)` and runs it through the service and in-process onnxruntime;
3. prints the comparisons (max abs difference, top-3 classes, PASS/FAIL at 1e-4) and a table of
   timings (`report.py`), checks that no error scope caught anything, and shuts the service down.

Nothing is downloaded: weights are seeded random numbers, inputs are drawn with numpy. The exit
status is 0 only if every comparison passes and no error was captured.
"""

from __future__ import annotations

from python_service.demo.runner import main

__all__ = ["main"]
