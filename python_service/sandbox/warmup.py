"""Warm-up: import and read, before the sandbox, everything the service will ever need.

After Landlock the service cannot open a single file, so a module imported lazily (inside a
function, on first use), a codec looked up by name or a data file read on first use would fail
mid-request. This runs the real code paths once on tiny inputs while files are still readable:

- every module of the service's packages (service, ipc, wire, shared, generated, sandbox);
- the standard library pieces used lazily: codecs, json, traceback/linecache (a logged
  exception), the logging formatter's time functions;
- the graph path: a two-operation graph validated, lowered to ONNX, compiled into an
  onnxruntime session and run through both of the executor's paths (run() and io binding);
- the model path: an ONNX model made here, checked by the model loader (protobuf, the onnx
  checker and shape inference), compiled and run.

What is still missed shows up as a `late import` warning in the service's log (`LateImports`,
installed after the sandbox) and as a failing end-to-end test.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
import traceback

# Packages whose every module the service may import (client and demo are the other side).
_PACKAGES = (
    "python_service.service",
    "python_service.ipc",
    "python_service.wire",
    "python_service.shared",
    "python_service.generated",
    "python_service.sandbox",
)
# Not service code: process entry points and host-side tools.
_SKIP = {"__main__", "ns_init", "trace", "launch", "report_command"}
# Standard-library modules reached lazily by code the service runs.
_STDLIB = (
    "encodings.ascii",
    "encodings.latin_1",
    "encodings.utf_8",
    "encodings.idna",
    "json",
    "json.decoder",
    "json.encoder",
    "linecache",
    "tokenize",
    "traceback",
    "concurrent.futures.thread",
    "logging.handlers",
    "errno",
    "fcntl",
    "mmap",
    "select",
    "signal",
)

log = logging.getLogger("python_service.sandbox")


def import_everything() -> list[str]:
    imported = []
    for name in _STDLIB:
        importlib.import_module(name)
    importlib.import_module("python_service.bad_message")
    for package_name in _PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if info.name.rsplit(".", 1)[-1] in _SKIP:
                continue
            importlib.import_module(info.name)
            imported.append(info.name)
    return imported


def _exercise_stdlib() -> None:
    import json
    import time

    json.loads(json.dumps({"warm": [1, 2.5, "up"]}))
    "é".encode("latin-1").decode("latin-1")
    time.localtime()
    time.strftime("%Y-%m-%d %H:%M:%S")
    # A formatted exception reads source lines through linecache: do it once now.
    try:
        raise ValueError("warm-up")
    except ValueError:
        traceback.format_exc()
    record = logging.LogRecord("warmup", logging.INFO, __file__, 1, "%s", ("x",), sys.exc_info())
    logging.Formatter("%(asctime)s %(process)d %(message)s").format(record)


def _exercise_graph() -> None:
    import numpy as np

    from python_service.service.executor import CancellationToken, CompiledGraph
    from python_service.shared.graph import (
        GraphDescription,
        GraphInput,
        GraphOutput,
        Operation,
        validate_graph,
    )
    from python_service.shared.tensors import DEFAULT_LIMITS, DataType, OperandDescriptor

    x = OperandDescriptor(DataType.FLOAT32, (2, 3))
    description = GraphDescription(
        inputs=(GraphInput(1, "x", x),),
        constants=(),
        operations=(Operation("add", (1, 1), (2,)), Operation("relu", (2,), (3,))),
        outputs=(GraphOutput("y", 3),),
    )
    graph = CompiledGraph.from_validated(validate_graph(description, DEFAULT_LIMITS))
    feed = np.arange(-3, 3, dtype=np.float32).reshape(2, 3)
    token = CancellationToken()
    with token.run_options() as options:
        graph.session.run(None, {"x": feed}, options)
        binding = graph.session.io_binding()
        out = np.empty((2, 3), np.float32)
        binding.bind_cpu_input("x", feed)
        binding.bind_output("y", "cpu", 0, np.float32, out.shape, out.ctypes.data)
        graph.session.run_with_iobinding(binding, options)
    token.cancel()


def _exercise_model() -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper

    from python_service.service.executor import CompiledGraph
    from python_service.service.model_loader import load_model

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    w = helper.make_tensor("w", TensorProto.FLOAT, [4, 2], [0.5] * 8)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "warm", [x], [y], [w]
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    loaded = load_model(model.SerializeToString())
    inputs = {n.name: n.descriptor for n in loaded.inputs}
    outputs = {n.name: n.descriptor for n in loaded.outputs}
    compiled = CompiledGraph(loaded.model_bytes, inputs, outputs)
    compiled.session.run(None, {"x": np.ones((1, 4), np.float32)})


def run() -> None:
    """Everything above; raises if any part fails (the service then refuses to start)."""
    import_everything()
    _exercise_stdlib()
    _exercise_graph()
    _exercise_model()


class LateImports:
    """A meta-path finder that logs every import attempted after the sandbox is in place.

    Such an import fails (Landlock) or, if it was cached, would have read the disk: either
    way the warm-up missed it. Logged, never raised, so the import's own error stays the one
    the caller sees.
    """

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        log.warning("late import of %s after the sandbox: add it to the warm-up", name)
        return None

    @classmethod
    def install(cls) -> None:
        sys.meta_path.insert(0, cls())
