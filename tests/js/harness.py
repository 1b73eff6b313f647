"""Running node for the polyfill's tests: the tool check, and the codec driver behind the same
request/answer interface as the C++ one (tests/native/harness.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.native.vectors import Vector

DRIVER = ROOT / "tests/js/codec_driver.mjs"
SAFE = 2**53 - 1


def require_node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail(
            "node is not installed: install it with `apt-get install nodejs` "
            "(scripts/bootstrap.sh's ensure_node does this for scripts/test.sh)"
        )
    return path


def exact_ints(value):
    """JSON whose integers beyond 2^53 - 1 are {"$int": "..."} (JSON.parse would round them)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > SAFE:
        return {"$int": str(value)}
    if isinstance(value, dict):
        return {k: exact_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact_ints(v) for v in value]
    return value


def plain_ints(value):
    if isinstance(value, dict):
        if set(value) == {"$int"}:
            return int(value["$int"])
        return {k: plain_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_ints(v) for v in value]
    return value


class JsCodec:
    def __init__(self, vectors: list[Vector]) -> None:
        self.node = require_node()
        self._dir = tempfile.TemporaryDirectory()
        self.vectors_path = Path(self._dir.name) / "vectors.json"
        self.vectors_path.write_text(
            json.dumps([exact_ints(v.as_json()) for v in vectors], ensure_ascii=False),
            encoding="utf-8",
        )

    def ask(self, requests: list[str]) -> list[str]:
        proc = subprocess.run(
            [self.node, str(DRIVER), str(self.vectors_path)],
            input="".join(r + "\n" for r in requests),
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert proc.returncode == 0, f"the JS driver failed:\n{proc.stderr[-6000:]}"
        answers = proc.stdout.splitlines()
        assert len(answers) == len(requests), proc.stderr[-2000:]
        return answers

    def encode(self, indices: list[int]) -> list[str]:
        return self.ask([f"E {i}" for i in indices])

    def decoded_json(self, indices: list[int]) -> list[object]:
        return [plain_ints(json.loads(a)) for a in self.ask([f"J {i}" for i in indices])]

    def decode(self, frames: list[tuple[str, int, int, bytes]]) -> list[str]:
        return self.ask(
            [f"D {c} {fds} {pending} {data.hex() or '-'}" for c, fds, pending, data in frames]
        )
