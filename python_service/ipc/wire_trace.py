"""Wire traces: every frame a client connection sends, recorded to a directory.

The switch: `WEBNPU_WIRE_TRACE_DIR=DIR` in the environment, read once when this module is
imported (`pytest --wire-trace-dir DIR` sets it for a test run, see tests/conftest.py). Unset,
`recorder()` returns None and the client's send path pays one `is None` test per frame.

Like Dawn's `--wire-trace-dir` (src/dawn/utils/WireHelper.cpp, `WireServerTraceLayer`, which
writes every client→server command chunk of a test to one file per test), the trace holds what
the client side sends: that is what a compromised renderer controls, so it is what the fuzz
targets' seed corpora are made of (fuzz/corpus_from_traces.py). Unlike Dawn's, a frame here
also carries descriptors, so the trace keeps each descriptor's *contents* (read from the memfd
when the frame is sent): a replay recreates them as fresh sealed memfds.

Format: one file per connection, `DIR/<pid>-<n>.trace` (n counts this process's traced
connections from 1). Per frame, little endian:

    4s   magic       b"NPUT"
    u32  num_bytes   payload length
    u16  num_fds     descriptors sent with the frame
    u64  size        per descriptor, its contents' length (num_fds of them)
    ...  payload     num_bytes
    ...  contents    each descriptor's bytes, in order

Each frame is appended with one `write` on a descriptor opened `O_APPEND` (and closed again:
no descriptor of ours stays open between frames), so a run that crashes leaves whole frames,
and `read_trace` drops a torn last record if the write itself was cut short.
"""

from __future__ import annotations

import itertools
import os
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ENV = "WEBNPU_WIRE_TRACE_DIR"
MAGIC = b"NPUT"
FRAME_HEADER = struct.Struct("<4sIH")
DESCRIPTOR_SIZE = struct.Struct("<Q")
SUFFIX = ".trace"

_directory: Path | None = Path(os.environ[ENV]) if os.environ.get(ENV) else None
_numbers = itertools.count(1)
_numbers_lock = threading.Lock()


@dataclass(frozen=True)
class TracedFrame:
    """One recorded frame: its payload and the contents of each descriptor sent with it."""

    payload: bytes
    descriptors: tuple[bytes, ...] = ()


def directory() -> Path | None:
    """Where traces go, or None when tracing is off."""
    return _directory


def start(where: Path | str | None) -> Path | None:
    """Trace connections made from now on into `where` (None: stop); the previous setting.

    For the pytest option (which also sets the environment, for subprocesses) and for tests.
    """
    global _directory
    previous = _directory
    _directory = Path(where) if where is not None else None
    return previous


class TraceRecorder:
    """Appends one connection's frames to its trace file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, payload: bytes | bytearray | memoryview, fds: Sequence[int]) -> None:
        contents = [_contents(fd) for fd in fds]
        payload = bytes(payload)
        record = b"".join(
            [
                FRAME_HEADER.pack(MAGIC, len(payload), len(contents)),
                *(DESCRIPTOR_SIZE.pack(len(c)) for c in contents),
                payload,
                *contents,
            ]
        )
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            view = memoryview(record)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


def recorder() -> TraceRecorder | None:
    """A recorder for a new connection (its own file), or None when tracing is off."""
    where = _directory
    if where is None:
        return None
    where.mkdir(parents=True, exist_ok=True)
    with _numbers_lock:
        number = next(_numbers)
    path = where / f"{os.getpid()}-{number}{SUFFIX}"
    path.touch()  # a connection that never sends still leaves its (empty) trace
    return TraceRecorder(path)


def _contents(fd: int) -> bytes:
    """A descriptor's whole contents (the client only sends memfds), read without moving its
    file offset."""
    size = os.fstat(fd).st_size
    chunks = []
    offset = 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def read_trace(path: Path) -> list[TracedFrame]:
    """The whole frames of one trace file, in the order they were sent."""
    data = Path(path).read_bytes()
    frames = []
    pos = 0
    while pos + FRAME_HEADER.size <= len(data):
        magic, num_bytes, num_fds = FRAME_HEADER.unpack_from(data, pos)
        if magic != MAGIC:
            raise ValueError(f"{path}: no frame magic at byte {pos}")
        at = pos + FRAME_HEADER.size
        if at + num_fds * DESCRIPTOR_SIZE.size > len(data):
            break  # torn record
        sizes = [DESCRIPTOR_SIZE.unpack_from(data, at + i * 8)[0] for i in range(num_fds)]
        at += num_fds * DESCRIPTOR_SIZE.size
        end = at + num_bytes + sum(sizes)
        if end > len(data):
            break  # torn record
        payload = data[at : at + num_bytes]
        at += num_bytes
        descriptors = []
        for size in sizes:
            descriptors.append(data[at : at + size])
            at += size
        frames.append(TracedFrame(payload, tuple(descriptors)))
        pos = end
    return frames


def trace_files(where: Path) -> list[Path]:
    """The trace files of a directory, sorted by name (deterministic for a given directory)."""
    return sorted(Path(where).glob(f"*{SUFFIX}"))


__all__ = [
    "ENV",
    "TraceRecorder",
    "TracedFrame",
    "directory",
    "read_trace",
    "recorder",
    "start",
    "trace_files",
]
