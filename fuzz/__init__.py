"""WebNPU's fuzz targets (atheris/libFuzzer) and the reviewer CLI (`python -m fuzz`).

See fuzz/README.md. Each `fuzz_*.py` is a libFuzzer-style script (OSS-Fuzz's
`compile_python_fuzzer` builds it unchanged); the shared plumbing is `harness.py`.
"""
