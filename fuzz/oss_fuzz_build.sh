# Sourced by .clusterfuzzlite/build.sh and projects/webnpu/build.sh (inside OSS-Fuzz's
# base-builder-python image, where compile_python_fuzzer wraps PyInstaller).
#
# build_webnpu_fuzzer SCRIPT: one fuzz target into $OUT, with what it reads at run time:
# the repository root on the import path (the `fuzz` package is not installed by pip), the
# wire model JSON (fuzz/wire_values.py, found by fuzz.harness.data_root()), the codegen
# package's data files (the WebIDL parser's tables) and onnxruntime's shared libraries.
# tests/fuzz/test_bundle.py builds and runs bundles with these flags, without the source tree;
# each of the JSON and the codegen data, left out, stops a target at its first input. (The
# IDL is not bundled: the seeds are made here, at build time, not by the bundle.)
# The atheris callbacks' C extension (fuzz/fasttrace.c, fuzz/fasttrace.py) is compiled once
# into build/fasttrace/ and bundled with its source (whose digest names the library).
# Its seed corpus is the generated seeds plus the
# wire-trace corpus and the regression inputs, zipped as OSS-Fuzz expects; its libFuzzer flags
# (fuzz/NAME.options, e.g. max_len) go next to the binary as $OUT/NAME.options, where OSS-Fuzz
# and ClusterFuzzLite read them.
build_webnpu_fuzzer() {
  local script="$1" name trace
  name="$(basename "$script" .py)"
  trace="$(python3 -m fuzz.fasttrace build)"
  compile_python_fuzzer "$script" \
    --paths="$PWD" \
    --add-data="generated/wire/webnpu.json:generated/wire" \
    --add-data="fuzz/fasttrace.c:fuzz" \
    --add-binary="$trace:build/fasttrace" \
    --collect-data=codegen \
    --collect-binaries=onnxruntime
  if [[ -f "${script%.py}.options" ]]; then
    cp "${script%.py}.options" "$OUT/$name.options"
  fi
  local seeds
  seeds="$(mktemp -d)"
  python3 -c "import sys; from pathlib import Path; from fuzz.seeds import write_seeds, seed_dirs
t = sys.argv[1]; d = Path(sys.argv[2]); write_seeds(t, d)
[[(d / f'{s.name}-{f.name}').write_bytes(f.read_bytes()) for f in s.iterdir() if f.is_file()] for s in seed_dirs(t)]" \
    "${name#fuzz_}" "$seeds"
  (cd "$seeds" && zip -q "$OUT/${name}_seed_corpus.zip" ./*)
  rm -rf "$seeds"
}
