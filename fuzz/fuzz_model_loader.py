"""ONNX bytes → the model loader's checks (`service.model_loader.load_model`).

Expected: `ModelError` (the page's loadModel rejects). Invariant: a model the loader accepts
re-loads to the same bytes (what it returns is what it checked: stripped, deterministic), and
its signature names what the bytes declare.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script (libFuzzer, OSS-Fuzz): the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.harness import Finding, fuzz, instrumented  # noqa: E402

with instrumented():
    from python_service.service.model_loader import ModelError, load_model


def test_one_input(data: bytes) -> None:
    try:
        loaded = load_model(data)
    except ModelError:
        return
    again = load_model(loaded.model_bytes)
    if again.model_bytes != loaded.model_bytes:
        raise Finding("an accepted model does not re-load to the same bytes")
    if again.inputs != loaded.inputs or again.outputs != loaded.outputs:
        raise Finding("an accepted model's signature changed when re-loaded")


def main() -> None:
    fuzz(test_one_input)


if __name__ == "__main__":
    main()
