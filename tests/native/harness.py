"""Both codecs behind one interface: the C++ test driver (built with g++) and the Python codec.

Each side answers the same requests in the same words: encode a vector, or decode a frame as
a receiver in some context and encode again what it decoded. An answer is `ok <hex>
<descriptor indices>`, `bad <KIND>` (a `BadMessageKind` name) or `fail <why>` (the writer
refused the value). The driver is compiled once per distinct set of sources (hashed) and kept
under the temporary directory, so repeated runs of the suite do not rebuild it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from python_service.bad_message import BadMessage
from python_service.generated import wire as gen
from python_service.wire import runtime as rt
from tests.codegen_tools import require_tool
from tests.conftest import ROOT
from tests.native.vectors import PythonValues, Vector

NATIVE = ROOT / "native"
DRIVER = ROOT / "tests/native/driver.cc"
# The flags of the acceptance criterion, plus sanitizers: a decoder that reads out of bounds
# on a malformed frame aborts the driver instead of passing by luck.
CXXFLAGS = (
    "-std=c++17",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pedantic",
    "-O1",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
)
REPLY_CLASSES = frozenset(gen.REPLIES.values())


def native_sources() -> list[Path]:
    return sorted(p for p in NATIVE.rglob("*") if p.suffix in (".h", ".cc"))


def build_driver(vectors_inc: str) -> Path:
    """The driver executable for these sources and vectors, built unless already cached."""
    gxx = require_tool("g++")
    version = subprocess.run([gxx, "--version"], capture_output=True, text=True).stdout
    digest = hashlib.sha256()
    for part in (version, " ".join(CXXFLAGS), vectors_inc):
        digest.update(part.encode() + b"\0")
    for path in [*native_sources(), DRIVER]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    cache = Path(tempfile.gettempdir()) / "webnpu-native-driver"
    exe = cache / digest.hexdigest()[:20]
    if exe.is_file():
        return exe
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as build:
        (Path(build) / "vectors.inc").write_text(vectors_inc, encoding="utf-8")
        sources = [str(DRIVER)] + [str(p) for p in native_sources() if p.suffix == ".cc"]
        out = Path(build) / "driver"
        command = [gxx, *CXXFLAGS, "-I", str(ROOT), "-I", build, *sources, "-o", str(out)]
        proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.fail(f"g++ could not build the test driver:\n{proc.stderr[-6000:]}")
        os.replace(out, exe)  # atomic: a concurrent run sees no half-written binary
    return exe


class CppCodec:
    def __init__(self, exe: Path) -> None:
        self.exe = exe

    def ask(self, requests: list[str]) -> list[str]:
        proc = subprocess.run(
            [str(self.exe)],
            input="".join(r + "\n" for r in requests),
            capture_output=True,
            text=True,
            env={**os.environ, "ASAN_OPTIONS": "detect_leaks=0"},
        )
        assert proc.returncode == 0, f"the C++ driver crashed:\n{proc.stderr[-6000:]}"
        answers = proc.stdout.splitlines()
        assert len(answers) == len(requests), proc.stderr[-2000:]
        return answers

    def encode(self, indices: list[int]) -> list[str]:
        return self.ask([f"E {i}" for i in indices])

    def decode(self, frames: list[tuple[str, int, int, bytes]]) -> list[str]:
        return self.ask(
            [f"D {c} {fds} {pending} {data.hex() or '-'}" for c, fds, pending, data in frames]
        )


def _answer(w: rt.MessageWriter) -> str:
    payload, fds = w.finish()
    return f"ok {payload.hex() or '-'} {','.join(map(str, fds)) or '-'}"


def encode_top_level(w: rt.MessageWriter, message, request_id: int) -> None:
    if getattr(message, "EXPECTS_REPLY", False) or type(message) in REPLY_CLASSES:
        message.encode(w, request_id)
    else:
        message.encode(w)


class PythonCodec:
    def __init__(self, values: PythonValues) -> None:
        self.values = values

    def encode(self, v: Vector) -> str:
        w = rt.MessageWriter()
        try:
            encode_top_level(w, self.values.top_level(v), v.request_id)
        except ValueError as e:
            return f"fail {e}"
        return _answer(w)

    def decode_objects(self, context: str, fds: int, pending: int, frame: bytes):
        """Every (header, object) the frame decodes to; raises BadMessage."""
        r = rt.MessageReader(frame, list(range(fds)))
        found = []
        if context == "hello":
            found.append((None, gen.read_hello(r)))
        if context in ("hello", "message"):
            while (item := gen.read_message(r)) is not None:
                found.append(item)
        elif context == "command":
            while (command := gen.read_command(r)) is not None:
                found.append((None, command))
        elif context == "service":
            while (
                item := gen.read_service_message(r, {pending} if pending else set())
            ) is not None:
                found.append(item)
        else:
            raise ValueError(context)
        r.finish()
        return found

    def decode(self, context: str, fds: int, pending: int, frame: bytes) -> str:
        try:
            found = self.decode_objects(context, fds, pending, frame)
        except BadMessage as e:
            return f"bad {e.kind.name}"
        w = rt.MessageWriter()
        for header, message in found:
            encode_top_level(w, message, header.request_id if header else 0)
        return _answer(w)
