#!/bin/bash -eu
# Build every WebNPU fuzz target for ClusterFuzzLite (compile_python_fuzzer: PyInstaller
# bundle + libFuzzer wrapper in $OUT). Keep the list in step with fuzz/fuzz_*.py:
# tests/fuzz/test_scaleout.py fails if a target is missing.
cd "$SRC/webnpu"
pip3 install .
source fuzz/oss_fuzz_build.sh
for target in fuzz_wire_decoder fuzz_service_actions fuzz_graph fuzz_model_loader fuzz_webidl; do
  build_webnpu_fuzzer "fuzz/$target.py"
done
