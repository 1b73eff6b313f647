"""The text format of validation vectors: Mojo's, read by a hand-written parser.

A vector is `NAME.data` (typed values that spell out bytes) and `NAME.expected` (the outcome).
The format is Chromium's (`mojo/public/cpp/bindings/tests/validation_test_input_parser.h`, the
data under `mojo/public/interfaces/bindings/tests/data/validation/`), so a reviewer who has read
Mojo's vectors can read these:

- items are separated by whitespace; `//` starts a comment to the end of the line;
- `[u1] [u2] [u4] [u8]` little-endian unsigned, `[s1] [s2] [s4] [s8]` signed (decimal or
  `0x` hex, signed values may carry `+`/`-`); a bare number is `[u1]`;
- `[b]` eight bits, most significant first (`[b]00000010` is 2);
- `[f]` / `[d]` little-endian IEEE-754 float / double;
- `[dist4]ID` / `[dist8]ID` a 4/8-byte unsigned integer whose value is the byte distance from
  where it stands to the `[anchr]ID` that follows it (sizes: `[dist4]msg ... [anchr]msg`);
- `[anchr]ID` marks a place and adds no bytes; each ID is anchored once, after its distance;
- `[handles]N` attaches N descriptors to the input. Mojo requires it first; here it may stand
  anywhere and adds N descriptors to the list (the runner makes each a sealed memfd of
  `DEFAULT_MEMFD_BYTES` zero bytes).

Two additions, for what Mojo's layout does not have:

- `[memfd]SIZE` attaches one sealed, zero-filled memfd of SIZE bytes: our descriptors are sized
  shared memory (docs/wire.md §3.3) and the receiver checks the exact size. Descriptors are
  numbered in the order the `[handles]`/`[memfd]` items appear.
- `[len4]ID` ... `[start]ID` ... `[anchr]ID`: a 4-byte unsigned whose value is the number of
  bytes from `[start]ID` to `[anchr]ID`. Mojo's sizes count their own header, so a distance
  from the size field does it; ours count only what follows the header (a channel frame's
  `num_bytes` excludes its 8-byte header, an inline `Bytes` count excludes the count), so the
  place where counting starts must be marked.

Errors name the item and its line, as Mojo's "Error occurred when parsing ITEM" does, so a typo
in a hand-written vector is found at once.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MEMFD_BYTES = 8

_FLOAT = {"f": "<f", "d": "<d"}
_DISTANCE = {"dist4": "<I", "dist8": "<Q", "len4": "<I"}
_ID = re.compile(r"[0-9A-Za-z_]+")
_ITEM = re.compile(r"\[([a-z0-9]+)\](.*)", re.S)
_UNSIGNED_VALUE = re.compile(r"(0|[1-9][0-9]*|0[xX][0-9a-fA-F]+)")
_SIGNED_VALUE = re.compile(r"[-+]?(0|[1-9][0-9]*|0[xX][0-9a-fA-F]+)")
_U, _S = (_UNSIGNED_VALUE, "an unsigned integer"), (_SIGNED_VALUE, "a signed integer")
# kind -> (struct format, (what the value must match, what it is called in an error))
_INTEGER = {
    "u1": ("<B", _U), "u2": ("<H", _U), "u4": ("<I", _U), "u8": ("<Q", _U),
    "s1": ("<b", _S), "s2": ("<h", _S), "s4": ("<i", _S), "s8": ("<q", _S),
}  # fmt: skip
_FLOAT_VALUE = re.compile(r"[-+]?([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|inf|nan)")


class VectorSyntaxError(ValueError):
    """A `.data` file that does not parse; says which item on which line."""


@dataclass(frozen=True)
class VectorData:
    """What a `.data` file spells: the bytes, and the size of each attached descriptor."""

    data: bytes
    descriptors: tuple[int, ...] = ()


def _tokens(text: str):
    """(item, line) pairs: whitespace-separated, `//` comments dropped."""
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("//", 1)[0]
        for item in line.split():
            yield item, number


def _integer(value: str, pattern: re.Pattern[str]) -> int | None:
    if not pattern.fullmatch(value):
        return None
    return int(value, 16 if value.lstrip("+-")[:2].lower() == "0x" else 10) if value else None


def parse(text: str, name: str = "<vector>") -> VectorData:
    """The bytes and descriptors `text` spells; VectorSyntaxError on the first bad item."""
    out = bytearray()
    descriptors: list[int] = []
    pending: dict[str, tuple[int, str]] = {}  # distance id -> (position, struct format)
    starts: dict[str, int | None] = {}  # len4 id -> where its counting starts ([start]ID)
    anchored: set[str] = set()

    def fail(item: str, line: int, why: str) -> VectorSyntaxError:
        return VectorSyntaxError(f"{name}:{line}: error occurred when parsing {item!r}: {why}")

    for item, line in _tokens(text):
        match = _ITEM.fullmatch(item)
        kind, value = (match.group(1), match.group(2)) if match else ("u1", item)
        if kind in _INTEGER:
            fmt, (pattern, what) = _INTEGER[kind]
            number = _integer(value, pattern)
            if number is None:
                raise fail(item, line, f"not {what}")
            try:
                out += struct.pack(fmt, number)
            except struct.error:
                raise fail(item, line, f"out of range for [{kind}]") from None
        elif kind == "b":
            if not re.fullmatch(r"[01]{8}", value):
                raise fail(item, line, "[b] takes exactly eight 0/1 digits")
            out.append(int(value, 2))
        elif kind in _FLOAT:
            if not _FLOAT_VALUE.fullmatch(value):
                raise fail(item, line, "not a floating-point number")
            out += struct.pack(_FLOAT[kind], float(value))
        elif kind in _DISTANCE:
            if not _ID.fullmatch(value):
                raise fail(item, line, "a distance needs an id of [0-9A-Za-z_]")
            if value in pending or value in anchored:
                raise fail(item, line, f"id {value!r} already has a distance")
            pending[value] = (len(out), _DISTANCE[kind])
            if kind == "len4":
                starts[value] = None
            out += bytes(struct.calcsize(_DISTANCE[kind]))
        elif kind == "start":
            if value not in starts or starts[value] is not None:
                raise fail(item, line, f"[start]{value} needs one [len4]{value} before it")
            starts[value] = len(out)
        elif kind == "anchr":
            if value in anchored:
                raise fail(item, line, f"anchor {value!r} appears twice")
            if value not in pending:
                raise fail(item, line, f"anchor {value!r} has no distance before it")
            position, fmt = pending.pop(value)
            anchored.add(value)
            origin = position
            if value in starts:
                origin = starts.pop(value)
                if origin is None:
                    raise fail(item, line, f"[len4]{value} has no [start]{value}")
            try:
                struct.pack_into(fmt, out, position, len(out) - origin)
            except struct.error:
                raise fail(item, line, "the distance does not fit") from None
        elif kind == "handles":
            count = _integer(value, _UNSIGNED_VALUE)
            if count is None:
                raise fail(item, line, "not a descriptor count")
            descriptors += [DEFAULT_MEMFD_BYTES] * count
        elif kind == "memfd":
            size = _integer(value, _UNSIGNED_VALUE)
            if size is None:
                raise fail(item, line, "not a memfd size")
            descriptors.append(size)
        else:
            raise fail(item, line, f"unknown type [{kind}]")
    if pending:
        raise VectorSyntaxError(
            f"{name}: error occurred when matching [dist4/8] and [anchr]: "
            f"no anchor for {sorted(pending)}"
        )
    return VectorData(bytes(out), tuple(descriptors))


@dataclass(frozen=True)
class Vector:
    """One `NAME.data` + `NAME.expected` pair."""

    name: str  # the path below the vectors directory, without the suffix: "world/copy_ok"
    data: VectorData
    expected: tuple[str, ...]  # the lines of `.expected`: "PASS", a kind, or reported errors
    source: Path


def read_expected(text: str) -> tuple[str, ...]:
    """The outcome lines, comments and blank lines dropped, surrounding spaces stripped."""
    lines = (line.split("//", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in lines if line)


def load(path: Path, root: Path) -> Vector:
    """The vector whose `.data` is `path`; its `.expected` must sit beside it."""
    expected = path.with_suffix(".expected")
    if not expected.exists():
        raise VectorSyntaxError(f"{path}: no {expected.name} beside it")
    name = path.relative_to(root).with_suffix("").as_posix()
    outcome = read_expected(expected.read_text())
    if not outcome:
        raise VectorSyntaxError(f"{expected}: empty (write PASS or the error)")
    return Vector(name, parse(path.read_text(), str(path)), outcome, path)
