"""Wire traces → seed corpora for the fuzz targets (fuzz/README.md, "Wire traces").

    pytest tests/e2e --wire-trace-dir /tmp/t
    python -m fuzz.corpus_from_traces /tmp/t [--out fuzz/corpus]

Each trace (python_service/ipc/wire_trace.py: the frames one client connection sent) becomes
inputs in the format each target reads, written with the targets' own encoders:

- `wire_decoder`: every frame, as the target's `encode_input` spells it ("first_frame" for a
  connection's first, "frame" after), when it carries no more descriptors than the target
  stands in for; and every `finish`'s command stream ("command_stream").
- `service_actions`: per connection, the sequence of messages it sent as actions
  (`actions.serialize`), a `flush` where each frame ended, cut at `MAX_ACTIONS`. The target
  builds each message's fields from entropy, and the builder has no inverse, so what carries
  over is the *shape* of a real session (which messages, in which order and frames); each
  action's entropy is a hash of the recorded message, so equal messages stay equal.
- `model_loader`: the ONNX bytes of every `loadModel` (inline or from the memfd's contents).

Not made from traces: `graph` (its bytes drive a graph generator, which has no inverse) and
`webidl` (no IDL crosses the wire).

Deterministic: inputs are de-duplicated by content (files named by SHA-1, as libFuzzer names
corpus files), and at most `MAX_FILES` files and `MAX_BYTES` bytes per target are kept,
chosen first for what they add (a message kind, or a mode and kind, not yet in the corpus) and
then by hash. A target's directory is replaced as a whole.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fuzz import actions
from fuzz.fuzz_wire_decoder import encode_input
from fuzz.harness import ROOT
from python_service.bad_message import BadMessage
from python_service.generated import wire as gen
from python_service.ipc.wire_trace import TracedFrame, read_trace, trace_files
from python_service.wire import runtime as rt

MAX_FILES = 200
MAX_BYTES = 2 * 1024 * 1024
MAX_DECODER_DESCRIPTORS = 3  # fuzz_wire_decoder's stand-in descriptors
TARGETS = ("wire_decoder", "service_actions", "model_loader")


@dataclass(frozen=True)
class Seed:
    """One input for a target, and what it exercises (for choosing under the caps)."""

    data: bytes
    features: frozenset[str]

    @property
    def name(self) -> str:
        return hashlib.sha1(self.data).hexdigest()


def decode_frame(frame: TracedFrame, *, first: bool) -> list[object] | None:
    """The messages of a traced frame (None if it does not decode). Each descriptor is
    stood in for by its index, so a `SharedMemoryClaim.fd` indexes `frame.descriptors`."""
    reader = rt.MessageReader(frame.payload, tuple(range(len(frame.descriptors))))
    messages: list[object] = []
    try:
        if first:
            messages.append(gen.read_hello(reader))
        while (found := gen.read_message(reader)) is not None:
            messages.append(found[1])
        reader.finish()
    except BadMessage:
        return None
    return messages


def _bytes(value: bytes | rt.SharedMemoryClaim, frame: TracedFrame) -> bytes:
    if isinstance(value, rt.SharedMemoryClaim):
        return frame.descriptors[value.fd]
    return bytes(value)


def _opcodes() -> dict[type, int]:
    return {
        what.cls: opcode
        for opcode, what in enumerate(actions.actions())
        if isinstance(what, actions.MessageSpec)
    }


def seeds_from_trace(frames: Sequence[TracedFrame]) -> dict[str, list[Seed]]:
    """One connection's frames as inputs per target."""
    out: dict[str, list[Seed]] = {target: [] for target in TARGETS}
    opcodes = _opcodes()
    flush = actions.action_named(actions.FLUSH)
    sequence: list[actions.Action] = []
    kinds: set[str] = set()
    for index, frame in enumerate(frames):
        first = index == 0
        messages = decode_frame(frame, first=first)
        names = frozenset(type(m).__name__ for m in messages or ())
        mode = "first_frame" if first else "frame"
        if len(frame.descriptors) <= MAX_DECODER_DESCRIPTORS:
            data = encode_input(mode, frame.payload, len(frame.descriptors))
            out["wire_decoder"].append(Seed(data, frozenset(f"{mode}:{n}" for n in names)))
        for message in messages or ():
            if isinstance(message, gen.NPUCommandEncoderFinish):
                stream = _bytes(message.commands, frame)
                commands = _command_names(stream)
                data = encode_input("command_stream", stream)
                out["wire_decoder"].append(Seed(data, frozenset(f"stream:{c}" for c in commands)))
            elif isinstance(message, gen.NPUDeviceLoadModel):
                model = _bytes(message.onnx_bytes, frame)
                out["model_loader"].append(Seed(model, frozenset()))
            opcode = opcodes.get(type(message))
            if opcode is not None:
                entropy = hashlib.sha256(repr(message).encode()).digest()[:16]
                sequence.append(actions.Action(opcode, entropy))
                kinds.add(type(message).__name__)
        if messages:
            sequence.append(actions.Action(flush))
    if sequence:
        data = actions.serialize(sequence)
        kept = actions.parse(data)  # what survives the cut at MAX_ACTIONS
        features = frozenset(str(getattr(a.what, "name", a.what)) for a in kept)
        out["service_actions"].append(Seed(data, features))
    return out


def _command_names(stream: bytes) -> list[str]:
    reader = rt.MessageReader(stream)
    names = []
    try:
        while (command := gen.read_command(reader)) is not None:
            names.append(type(command).__name__)
    except BadMessage:
        pass
    return names


def choose(seeds: Iterable[Seed], max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES):
    """De-duplicated, capped, deterministic: first every seed (in hash order) that adds a
    feature not yet chosen, then the rest in hash order, while they fit."""
    unique = {seed.name: seed for seed in seeds}
    ordered = [unique[name] for name in sorted(unique)]
    chosen: dict[str, Seed] = {}
    total = 0
    seen: set[str] = set()
    for adds_something in (True, False):
        for seed in ordered:
            if seed.name in chosen or len(chosen) >= max_files:
                continue
            if adds_something and not (seed.features - seen):
                continue
            if total + len(seed.data) > max_bytes:
                continue
            chosen[seed.name] = seed
            seen |= seed.features
            total += len(seed.data)
    return sorted(chosen.values(), key=lambda s: s.name)


def corpora(trace_dir: Path) -> dict[str, list[Seed]]:
    """The chosen seeds per target for every trace in `trace_dir`."""
    found: dict[str, list[Seed]] = {target: [] for target in TARGETS}
    for path in trace_files(trace_dir):
        for target, seeds in seeds_from_trace(read_trace(path)).items():
            found[target].extend(seeds)
    return {target: choose(seeds) for target, seeds in found.items()}


def write(chosen: dict[str, list[Seed]], out: Path) -> None:
    for target, seeds in chosen.items():
        directory = out / target
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.iterdir():
            if old.is_file():
                old.unlink()
        for seed in seeds:
            (directory / seed.name).write_bytes(seed.data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz.corpus_from_traces", description=__doc__)
    parser.add_argument("trace_dir", type=Path, help="a --wire-trace-dir of a test run")
    parser.add_argument("--out", type=Path, default=ROOT / "fuzz" / "corpus")
    args = parser.parse_args(argv)
    if not trace_files(args.trace_dir):
        print(f"no *.trace files in {args.trace_dir}", file=sys.stderr)
        return 1
    chosen = corpora(args.trace_dir)
    write(chosen, args.out)
    for target, seeds in chosen.items():
        size = sum(len(s.data) for s in seeds)
        print(f"{target:16} {len(seeds):4} files {size:9} bytes → {args.out / target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
