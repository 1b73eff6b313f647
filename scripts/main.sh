#!/usr/bin/env bash
# The main job: generate everything from idl/webnpu.idl, then run the demo: a conv net built with
# the graph builder and an ONNX model made locally, both run through the NPU service process
# and compared with in-process onnxruntime (python_service/demo; no downloads beyond packages).
source "$(dirname "$0")/bootstrap.sh"
ensure_venv ""
cd "$ROOT"
say "generating from idl/webnpu.idl"
"$VENV/bin/python" -m codegen idl/webnpu.idl
"$VENV/bin/python" -m codegen idl/webnpu.idl --check
say "generated files are up to date"
say "running the demo: python -m python_service.demo"
"$VENV/bin/python" -m python_service.demo
say "done"
