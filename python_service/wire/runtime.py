"""The hand-written byte-level runtime under the generated wire codec (docs/wire.md §3).

The generated code (one class per struct, `codegen/targets/python`) knows the schema: field
order, `FixedLayout` formats, which fields are optional, enum sizes, union arms. This module
knows the bytes: the 16-byte message header, frames carrying several messages, the 8-byte
alignment and zero padding, strings, counted arrays, union tags, presence words, handles and
descriptor claims. Every decode failure is a `BadMessage` of the kind docs/wire.md §3.5 maps it
to; nothing else escapes a `MessageReader` (no `struct.error`, `IndexError`,
`UnicodeDecodeError`).

Why this shape (docs/wire.md §3.2): the format is sequential and pointer-free, so a reader is
one forward cursor over an immutable buffer with one bounds check per read. Each struct's fixed
part is one precompiled `struct.Struct` (`Fixed`), decoded by a single `unpack_from`; that call
is the dominant cost, so the runtime adds as little Python around it as it can. No per-byte
loops: padding is checked with `bytes.count`, scalar arrays with one `unpack_from`.

Canonical encoding (§0.3): the writer produces exactly one encoding per value and the reader
rejects every other one (non-zero padding or reserved fields, bool not 0/1, presence bits beyond
the optional count, a null handle with a generation, ...), so `encode(decode(b)) == b` for every
`b` that decodes.

Choices where docs/wire.md is silent (each noted where it is made):
- a string longer than its cap is `UNEXPECTED_ARRAY_HEADER` (a string is a byte array, as in
  Mojo);
- a reply flag (`IS_REPLY`) with request id 0 is `MISSING_REQUEST_ID`, like `EXPECTS_REPLY`;
- both flags at once is `INVALID_FLAGS`;
- the message header checks run in Mojo's order: alignment, then range, then header size.
"""

from __future__ import annotations

import dataclasses
import math
import struct
from collections.abc import Container, Sequence
from typing import NamedTuple

from python_service.bad_message import BadMessage, BadMessageKind

# --- Limits (docs/wire.md §3.4). The generator emits the authoritative `WIRE_*` constants; these
# are the runtime's defaults, and every reader method takes its cap as an argument.
MAX_FRAME_BYTES = 4 * 1024 * 1024
MAX_FDS_PER_FRAME = 64
MAX_INLINE_BYTES = 65_536
MAX_STRING_BYTES = 65_536
MAX_COUNT = 65_536
MAX_DEPTH = 8

# --- Message header (§3.1).
MESSAGE_HEADER = struct.Struct("<IIII")  # num_bytes, ordinal, flags, request_id
MESSAGE_HEADER_SIZE = MESSAGE_HEADER.size
COMMAND_HEADER = struct.Struct("<II")  # num_bytes, ordinal (§4)
COMMAND_HEADER_SIZE = COMMAND_HEADER.size
FLAG_EXPECTS_REPLY = 1
FLAG_IS_REPLY = 2
_KNOWN_FLAGS = FLAG_EXPECTS_REPLY | FLAG_IS_REPLY
# (flags, request id is 0) of a valid message header: a plain message, a request, a reply.
# Bytes left that cannot hold a message header (built once: `next_message` tests it per message).
_PARTIAL_HEADER = range(MESSAGE_HEADER_SIZE)
_VALID_FLAGS = frozenset({(0, True), (FLAG_EXPECTS_REPLY, False), (FLAG_IS_REPLY, False)})

NO_HANDLE_INDEX = 0xFFFFFFFF  # SharedMemoryRef.handle_index meaning "no descriptor" (§3.3)
ENFORCE_RANGE_U64_MAX = 2**53 - 1

BYTES_INLINE = 0  # Bytes union arms (§2.5)
BYTES_SHARED = 1

_U32 = struct.Struct("<I")
_U32_PAIR = struct.Struct("<II")
_SHARED_MEMORY_REF = struct.Struct("<IIQ")  # handle_index, reserved = 0, size
_ZERO_PAD = (b"", b"\0" * 7, b"\0" * 6, b"\0" * 5, b"\0" * 4, b"\0" * 3, b"\0" * 2, b"\0")
# _ZERO_PAD[n % 8] pads n bytes up to the next multiple of 8.

# Bytes per element of a scalar array (`scalar_array`), by struct format code.
SCALAR_SIZES = {"B": 1, "b": 1, "H": 2, "h": 2, "I": 4, "i": 4, "Q": 8, "q": 8, "f": 4, "d": 8}

_K = BadMessageKind
_tuple_new = tuple.__new__  # a NamedTuple from a tuple without its Python-level `__new__`


# `_bad(kind, detail, *values)`: `detail` is a `str.format` template when `values` are given,
# formatted only if read. The class itself, not a wrapper function: a fuzzer raises one for
# almost every input, and a wrapper was one Python call more each time.
_bad = BadMessage


def slot_init(cls: type) -> type:
    """Give a frozen, slotted dataclass an `__init__` that stores each field through its slot's
    descriptor: the same signature and defaults as the dataclass's own, at about half the cost.

    A frozen dataclass's `__init__` stores every field with `object.__setattr__(self, name,
    value)`, a generic attribute lookup per field (its own `__setattr__` refuses). The decoder
    builds one instance per struct it reads, so that was the largest single cost of decoding
    a small message. Instances stay frozen: only this `__init__` holds the setters.
    """
    fields = dataclasses.fields(cls)
    if not dataclasses.is_dataclass(cls) or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__}: slot_init needs a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: slot_init would skip __post_init__")
    scope: dict[str, object] = {}
    params, body = [], []
    for index, field in enumerate(fields):
        if field.default_factory is not dataclasses.MISSING or not field.init:
            raise TypeError(f"{cls.__name__}.{field.name}: slot_init takes plain fields only")
        scope[f"_set{index}"] = vars(cls)[field.name].__set__
        if field.default is dataclasses.MISSING:
            params.append(field.name)
        else:
            scope[f"_default{index}"] = field.default
            params.append(f"{field.name}=_default{index}")
        body.append(f"    _set{index}(self, {field.name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass")
    exec(source, scope)  # as `dataclasses` makes its own `__init__`
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = {**{f.name: f.type for f in fields}, "return": None}
    cls.__init__ = init
    return cls


class Handle(NamedTuple):
    """An object handle (§2.2): a client-allocated id and a generation, never reused as a pair."""

    id: int
    generation: int


class MessageHeader(NamedTuple):
    num_bytes: int
    ordinal: int
    flags: int
    request_id: int


class SharedMemoryClaim(NamedTuple):
    """A decoded `SharedMemoryRef`: the frame's descriptor and the size the sender announced.

    The descriptor still belongs to the frame's `Message`; `SharedMemory.from_fd(fd, size)`
    checks the seals and the size (a failure there is `ILLEGAL_HANDLE` too).
    """

    fd: int
    size: int


class Fixed:
    """A struct's fixed part: a `FixedLayout` format compiled once, with its zero tail padding.

    `format` is the generator's little-endian format without padding, e.g. "<QII"; the fields
    are already sorted so that none needs alignment padding (§3.3 rule 1). The tail up to a
    multiple of 8 is written as zeros and, on decode, read and checked to be zeros: `x` pad
    bytes would be skipped unchecked, and a non-zero pad would break canonical encoding.
    """

    __slots__ = (
        "format", "size", "pad", "count", "pack", "unpack_from", "_pack", "_unpack", "_zero",
    )  # fmt: skip

    def __init__(self, fmt: str) -> None:
        if not fmt.startswith("<"):
            raise ValueError(f"fixed format must be little-endian with no alignment: {fmt!r}")
        body = struct.calcsize(fmt)
        pad = -body % 8
        self.format = fmt
        self.size = body + pad
        self.pad = pad
        self.count = len(struct.unpack(fmt, bytes(body)))
        self._pack = struct.Struct(f"{fmt}{pad}x" if pad else fmt)
        self._unpack = struct.Struct(f"{fmt}{pad}s" if pad else fmt)
        # What a generated `decode` calls: the values, then the tail padding as one `bytes`
        # when there is a tail (the decoder compares it with zeros itself).
        self.unpack_from = self._unpack.unpack_from
        # What a generated `encode` calls (`w.buf += FIXED.pack(...)`): the bytes, zero tail
        # included, without a `MessageWriter.fixed` call and its argument tuple.
        self.pack = self._pack.pack
        self._zero = b"\0" * pad

    def __repr__(self) -> str:
        return f"Fixed({self.format!r}, size={self.size})"


# --- Scalar checks for values taken out of a fixed part. The generated decoders run the
# test inline (one Python call per message, not one per field) and raise the matching
# `*_error`; the `check_*` functions are the same rules for everything else.


def bool_error(value: int) -> BadMessage:
    return _bad(_K.VALIDATION_ERROR_DESERIALIZATION_FAILED, "boolean byte {}, not 0 or 1", value)


def check_bool(value: int) -> bool:
    if value > 1:  # unpacked as "B", so never negative
        raise bool_error(value)
    return value == 1


def enum_error(value: int, count: int, name: str = "enum") -> BadMessage:
    return _bad(_K.VALIDATION_ERROR_UNKNOWN_ENUM_VALUE, "{} index {} >= {}", name, value, count)


def check_enum(value: int, count: int, name: str = "enum") -> int:
    """An IDL enum crosses as its u32 declaration index (§2.1); it must be < `count`."""
    if value >= count:
        raise enum_error(value, count, name)
    return value


def check_enum_in(value: int, allowed: Container[int], name: str = "enum") -> int:
    """The same against an explicit set of allowed values (for sparse numbering)."""
    if value not in allowed:
        raise _bad(_K.VALIDATION_ERROR_UNKNOWN_ENUM_VALUE, "{} value {} not allowed", name, value)
    return value


def check_finite(value: float, name: str = "double") -> float:
    """A restricted `double` must be finite (§3.3)."""
    if not math.isfinite(value):
        raise _bad(_K.VALIDATION_ERROR_DESERIALIZATION_FAILED, "{} is {}, not finite", name, value)
    return value


def enforce_range_error(value: int, name: str = "u64") -> BadMessage:
    return _bad(_K.VALIDATION_ERROR_DESERIALIZATION_FAILED, "{} {} > 2^53-1", name, value)


def check_enforce_range_u64(value: int, name: str = "u64") -> int:
    if value > ENFORCE_RANGE_U64_MAX:
        raise enforce_range_error(value, name)
    return value


def zero_error(value: int, name: str = "reserved") -> BadMessage:
    return _bad(_K.VALIDATION_ERROR_DESERIALIZATION_FAILED, "{} is {:#x}, not 0", name, value)


def check_zero(value: int, name: str = "reserved") -> int:
    """A reserved field (`u32 0` in §2.5/§5 structs, `hello`'s `u64 reserved`) must be zero."""
    if value:
        raise zero_error(value, name)
    return value


def presence_error(word: int, optional_count: int) -> BadMessage:
    return _bad(
        _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
        "presence word {:#x} has bits beyond the {} optional members",
        word,
        optional_count,
    )


def check_presence(word: int, optional_count: int) -> int:
    """Bit i of the presence word is the i-th optional member; higher bits must be clear."""
    if word >> optional_count:
        raise presence_error(word, optional_count)
    return word


def check_absent_zero(values: Sequence[int | float], name: str) -> None:
    """An absent optional fixed field is encoded as zeros (§3.3), and nothing else decodes."""
    for v in values:
        # Compare the bit pattern for floats: -0.0 == 0 but is not the canonical encoding.
        if v != 0 or (isinstance(v, float) and math.copysign(1.0, v) < 0):
            raise _bad(_K.VALIDATION_ERROR_DESERIALIZATION_FAILED, "absent {} is not zero", name)


def null_handle_error() -> BadMessage:
    """A null handle (id 0) where the schema wants an object."""
    return _bad(_K.VALIDATION_ERROR_UNEXPECTED_NULL_POINTER, "null handle (id 0)")


def null_handle(generation: int) -> None:
    """A nullable handle whose id is 0: absent, and then its generation must be 0 too."""
    if generation:
        raise _bad(
            _K.VALIDATION_ERROR_DESERIALIZATION_FAILED, "null handle with generation {}", generation
        )


def check_handle(object_id: int, generation: int, *, nullable: bool = False) -> Handle | None:
    """A handle from a fixed part: id 0 is null and must then have generation 0."""
    if object_id == 0:
        if not nullable:
            raise null_handle_error()
        return null_handle(generation)
    return Handle(object_id, generation)


def padding_error(pos: int) -> BadMessage:
    """A fixed part's tail padding (read with it) is not zero."""
    return _bad(
        _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
        "non-zero padding after the fixed part at {}",
        pos,
    )


def split_i128(value: int) -> tuple[int, int]:
    """`bigint` as (low u64, high i64) for a fixed format's "Qq" (§3.3: 16-byte two's
    complement)."""
    if not -(2**127) <= value < 2**127:
        raise ValueError(f"bigint {value} does not fit in 128 bits")
    return value & 0xFFFF_FFFF_FFFF_FFFF, value >> 64


def join_i128(low: int, high: int) -> int:
    return (high << 64) | low


def usv_bytes(text: str) -> bytes:
    """UTF-8 of a DOMString as the client sends it: lone surrogates become U+FFFD (§3.3)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # UTF-16 round trip pairs valid surrogate pairs and replaces lone ones with U+FFFD.
        fixed = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return fixed.encode("utf-8")


class MessageWriter:
    """Builds one frame payload: messages back to back (§3.1), plus the frame's descriptors.

    Encoding a value the schema forbids (a count over its cap, a string too long) is a bug on
    this side, so the writer raises ValueError rather than sending something the peer rejects.
    """

    __slots__ = ("buf", "fds", "_starts")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.fds: list[int] = []
        self._starts: list[int] = []

    def __len__(self) -> int:
        return len(self.buf)

    # --- framing

    def begin_message(self, ordinal: int, flags: int = 0, request_id: int = 0) -> None:
        if len(self.buf) % 8:
            raise AssertionError("message does not start 8-aligned")
        self._starts.append(len(self.buf))
        self.buf += MESSAGE_HEADER.pack(0, ordinal, flags, request_id)

    def begin_command(self, ordinal: int) -> None:
        if len(self.buf) % 8:
            raise AssertionError("command does not start 8-aligned")
        self._starts.append(len(self.buf))
        self.buf += COMMAND_HEADER.pack(0, ordinal)

    def _end_block(self) -> None:
        start = self._starts.pop()
        size = len(self.buf) - start
        if size % 8:
            raise AssertionError(f"block of {size} bytes is not a multiple of 8")
        _U32.pack_into(self.buf, start, size)

    # Closing a message or a command: its size goes into its header. The same method under
    # both names, not a wrapper each: one Python call fewer per message encoded.
    end_message = _end_block
    end_command = _end_block

    def finish(self) -> tuple[bytes, list[int]]:
        """The frame payload and its descriptors, in claim order."""
        if self._starts:
            raise AssertionError("finish() inside an open message or command")
        return bytes(self.buf), self.fds

    # --- values

    def fixed(self, layout: Fixed, *values: object) -> None:
        self.buf += layout._pack.pack(*values)

    def pad(self) -> None:
        self.buf += _ZERO_PAD[len(self.buf) % 8]

    def string(self, text: str, cap: int = MAX_STRING_BYTES) -> None:
        self.utf8(usv_bytes(text), cap)

    def utf8(self, data: bytes, cap: int = MAX_STRING_BYTES) -> None:
        """A string already encoded as valid UTF-8 (the caller guarantees validity)."""
        n = len(data)
        if n > cap:
            raise ValueError(f"string of {n} bytes exceeds {cap}")
        buf = self.buf
        buf += _U32.pack(n)
        buf += data
        buf += _ZERO_PAD[len(buf) % 8]

    def count(self, n: int, *, align8: bool, cap: int = MAX_COUNT) -> None:
        """An array's count; `align8` when elements are structs, unions or strings (§3.3).

        The caller writes the elements, then `pad()`.
        """
        if n > cap:
            raise ValueError(f"count {n} exceeds {cap}")
        self.buf += _U32_PAIR.pack(n, 0) if align8 else _U32.pack(n)

    def scalar_array(self, code: str, values: Sequence[int | float], cap: int = MAX_COUNT) -> None:
        """A whole `array<scalar>`: count, elements, zero pad to 8, in one pack."""
        n = len(values)
        if n > cap:
            raise ValueError(f"count {n} exceeds {cap}")
        if SCALAR_SIZES[code] == 8:  # 8-byte elements start 8-aligned: count, pad, elements
            self.buf += struct.pack(f"<II{n}{code}", n, 0, *values)
        else:
            self.buf += struct.pack(f"<I{n}{code}", n, *values)
        self.buf += _ZERO_PAD[len(self.buf) % 8]

    def union_tag(self, tag: int) -> None:
        """`u32 tag, u32 0`; the arm follows, then `pad()`."""
        self.buf += _U32_PAIR.pack(tag, 0)

    def claim_fd(self, fd: int) -> int:
        """Attach a descriptor to the frame; returns its index for `SharedMemoryRef`."""
        if len(self.fds) >= MAX_FDS_PER_FRAME:
            raise ValueError(f"more than {MAX_FDS_PER_FRAME} descriptors in one frame")
        self.fds.append(fd)
        return len(self.fds) - 1

    def shared_memory_ref(self, fd: int | None, size: int) -> None:
        """A standalone `SharedMemoryRef` (16 bytes). `None` is "no descriptor", size 0."""
        if fd is None:
            if size:
                raise ValueError("a missing descriptor has size 0")
            self.buf += _SHARED_MEMORY_REF.pack(NO_HANDLE_INDEX, 0, 0)
        else:
            self.buf += _SHARED_MEMORY_REF.pack(self.claim_fd(fd), 0, size)

    def bytes_inline(self, data: bytes | bytearray | memoryview) -> None:
        """`Bytes` arm 0 (§2.5): tag, count, the bytes, zero pad. At most 65,536 bytes."""
        n = memoryview(data).nbytes
        if n > MAX_INLINE_BYTES:
            raise ValueError(f"{n} bytes inline exceeds {MAX_INLINE_BYTES}; use shared memory")
        buf = self.buf
        buf += struct.pack("<III", BYTES_INLINE, 0, n)
        buf += data
        buf += _ZERO_PAD[len(buf) % 8]

    def bytes_shared(self, fd: int, size: int) -> None:
        """`Bytes` arm 1: a sealed memfd of `size` > 65,536 bytes."""
        if size <= MAX_INLINE_BYTES:
            raise ValueError(f"{size} bytes must travel inline (canonical arm)")
        self.union_tag(BYTES_SHARED)
        self.buf += _SHARED_MEMORY_REF.pack(self.claim_fd(fd), 0, size)


class MessageReader:
    """A strict decoder over one frame payload (or a command stream) and its descriptors.

    One forward cursor `pos`; `end` is the end of the current message (or command), so no read
    can cross into the next one. Usage, per frame:

        reader = MessageReader(message.payload, message.fds)
        while (header := reader.next_message()) is not None:
            ...decode the payload with the reader's methods...
            reader.end_message()
        reader.finish()           # every descriptor claimed exactly once

    For a command stream: `MessageReader(stream)`, `next_command()`/`end_command()`.
    """

    __slots__ = ("buf", "pos", "end", "limit", "fds", "next_fd", "depth", "_block_end")

    def __init__(self, payload: bytes | bytearray | memoryview, fds: Sequence[int] = ()) -> None:
        # An immutable copy when given a mutable buffer: the peer must not change bytes between
        # a check and their use (shared memory, §3.3). `bytes(b)` is `b` itself for bytes.
        self.buf = bytes(payload)
        self.pos = 0
        self.limit = len(self.buf)
        self.end = self.limit
        self.fds = tuple(fds)
        self.next_fd = 0  # claims must be strictly increasing: the next index allowed
        self.depth = 0
        self._block_end = -1

    # --- framing

    def next_message(self) -> MessageHeader | None:
        """Read the next message header; None once the frame is used up."""
        # The checks here run once per message, so under a coverage-guided fuzzer each
        # comparison and branch costs a callback: the common case passes one test per group
        # and the error cases are told apart only once one has failed.
        pos = self.pos
        left = self.limit - pos
        if left in _PARTIAL_HEADER:  # `in`, not `<`: atheris traces no CONTAINS_OP
            if left == 0:
                if pos == 0:
                    raise _bad(_K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER, "empty frame")
                return None
            raise _bad(
                _K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
                "{} bytes left at offset {}, a message header needs 16",
                left,
                pos,
            )
        # The header is built by `tuple.__new__` (C), not `MessageHeader._make` (Python), and
        # the block is opened here rather than in a helper: one call per message, not three.
        header = _tuple_new(MessageHeader, MESSAGE_HEADER.unpack_from(self.buf, pos))
        num_bytes, _, flags, request_id = header
        if self._block_end >= 0:
            raise AssertionError("next message while one is open")
        # The valid sizes in one test (header sizes are multiples of 8): multiples of 8 from
        # the header's size up to what is left. `_bad_block` names the error.
        if num_bytes not in range(MESSAGE_HEADER_SIZE, left + 1, 8):
            raise _bad_block("message", pos, num_bytes, MESSAGE_HEADER_SIZE, left)
        self.end = self._block_end = pos + num_bytes
        self.pos = pos + MESSAGE_HEADER_SIZE
        # Valid: no flag and request id 0, or exactly one of the two flags and a request id.
        # One set lookup rather than two comparisons (two `_trace_cmp`s per message).
        if (flags, not request_id) not in _VALID_FLAGS:
            raise _bad_flags(pos, flags, request_id)
        return header

    def end_message(self) -> None:
        # `_close_block` inlined (once per message).
        if self.pos != self._block_end:
            self._close_block("message")  # raises
        self._block_end = -1
        self.end = self.limit

    def next_command(self) -> tuple[int, int] | None:
        """Read the next command header in a command stream: (num_bytes, ordinal), or None."""
        pos = self.pos
        left = self.limit - pos
        if left == 0:
            return None
        if left < COMMAND_HEADER_SIZE:
            raise _bad(
                _K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
                "{} bytes left at offset {}, a command header needs 8",
                left,
                pos,
            )
        found = COMMAND_HEADER.unpack_from(self.buf, pos)
        num_bytes = found[0]
        if self._block_end >= 0:
            raise AssertionError("next command while one is open")
        if num_bytes not in range(COMMAND_HEADER_SIZE, left + 1, 8):
            raise _bad_block("command", pos, num_bytes, COMMAND_HEADER_SIZE, left)
        self.end = self._block_end = pos + num_bytes
        self.pos = pos + COMMAND_HEADER_SIZE
        return found

    def end_command(self) -> None:
        if self.pos != self._block_end:
            self._close_block("command")  # raises
        self._block_end = -1
        self.end = self.limit

    def _close_block(self, what: str) -> None:
        """Why a block cannot end here (the caller has seen `pos != _block_end`)."""
        end = self._block_end
        if self.pos != end:
            if end < 0:  # pos is never negative: the common case pays one comparison
                raise AssertionError(f"end of a {what} that was not begun")
            raise _bad(
                _K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER,
                "{} ends at {} but its payload ended at {}",
                what,
                end,
                self.pos,
            )
        self._block_end = -1
        self.end = self.limit

    def finish(self) -> None:
        """At frame end: nothing left over, and every descriptor claimed (§3.3)."""
        if self.pos != self.limit:
            raise AssertionError("finish() before the frame was read to its end")
        if self.next_fd != len(self.fds):
            raise _bad(
                _K.VALIDATION_ERROR_ILLEGAL_HANDLE,
                "{} of {} descriptors left unclaimed",
                len(self.fds) - self.next_fd,
                len(self.fds),
            )

    # --- values

    def _need(self, n: int) -> int:
        pos = self.pos
        if pos + n > self.end:
            raise self._past_end(n)
        return pos

    def _past_end(self, n: int) -> BadMessage:
        return _bad(
            _K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
            "read of {} bytes at {} runs past the end at {}",
            n,
            self.pos,
            self.end,
        )

    def fixed(self, layout: Fixed) -> tuple:
        """One struct's fixed part: a single `unpack_from`, tail padding checked zero."""
        pos = self.pos
        new = pos + layout.size
        if new > self.end:
            raise self.fixed_error(layout.size)
        values = layout._unpack.unpack_from(self.buf, pos)
        self.pos = new
        if layout.pad:
            if values[-1] != layout._zero:
                raise padding_error(pos)
            return values[:-1]
        return values

    def fixed_error(self, size: int) -> BadMessage:
        """A fixed part of `size` bytes at the cursor does not fit in the message."""
        return _bad(
            _K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
            "fixed part of {} bytes at {} runs past the end at {}",
            size,
            self.pos,
            self.end,
        )

    def pad(self) -> None:
        """Skip the zero padding up to the next multiple of 8, checking it is zero."""
        pos = self.pos
        n = -pos % 8
        if n:
            new = pos + n
            if new > self.end:
                raise _bad(
                    _K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
                    "padding at {} runs past the end at {}",
                    pos,
                    self.end,
                )
            if n - self.buf.count(0, pos, new):  # not `!=`: no `_trace_cmp` per string
                raise _bad(
                    _K.VALIDATION_ERROR_DESERIALIZATION_FAILED, "non-zero padding at {}", pos
                )
            self.pos = new

    def _u32(self) -> int:
        # `_need` inlined: the most frequent read (counts, string lengths), one call less.
        pos = self.pos
        if pos + 4 > self.end:
            raise self._past_end(4)
        self.pos = pos + 4
        return _U32.unpack_from(self.buf, pos)[0]

    def _tag_word(self, what: str) -> int:
        """`u32 value, u32 0` (a union tag, or an array count before 8-aligned elements)."""
        pos = self._need(8)
        value, zero = _U32_PAIR.unpack_from(self.buf, pos)
        if zero:
            raise _bad(
                _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "non-zero padding after {} at {}",
                what,
                pos,
            )
        self.pos = pos + 8
        return value

    def string(self, cap: int = MAX_STRING_BYTES) -> str:
        """A string: u32 length, UTF-8 bytes, zero padding to 8 (`_u32` and `_need` inlined)."""
        pos = self.pos
        if pos + 4 > self.end:
            raise self._past_end(4)
        (n,) = _U32.unpack_from(self.buf, pos)
        start = self.pos = pos + 4
        if n > cap:
            raise _bad(
                _K.VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER, "string of {} bytes exceeds {}", n, cap
            )
        if start + n > self.end:
            raise self._past_end(n)
        self.pos = start + n
        self.pad()
        try:
            # A slice of `buf` (a copy of at most `cap` bytes), not a memoryview of it: one
            # view per reader cost more, summed over every frame, than these copies.
            return str(self.buf[start : start + n], "utf-8")
        except UnicodeDecodeError as e:
            raise _bad(
                _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "invalid UTF-8 in the string at {}: {}",
                start,
                e.reason,
            ) from None

    def count(self, min_element_size: int, *, align8: bool, cap: int = MAX_COUNT) -> int:
        """An array's count, checked against its cap and against the bytes left (§3.4).

        `min_element_size` is the smallest encoding of one element (at least 1 for a
        non-empty type), so a small message cannot announce a huge allocation.
        """
        pos = self.pos
        if align8:
            n = self._tag_word("the count")
        else:  # `_u32` inlined: counts are the most frequent variable-length read
            if pos + 4 > self.end:
                raise self._past_end(4)
            self.pos = pos + 4
            (n,) = _U32.unpack_from(self.buf, pos)
        if n > cap:
            raise _bad(
                _K.VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER,
                "count {} at {} exceeds {}",
                n,
                pos,
                cap,
            )
        if n * min_element_size > self.end - self.pos:
            raise _bad(
                _K.VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER,
                "count {} at {} needs at least {} bytes, {} left",
                n,
                pos,
                n * min_element_size,
                self.end - self.pos,
            )
        return n

    def scalar_array(self, code: str, cap: int = MAX_COUNT) -> tuple:
        """A whole `array<scalar>` in one `unpack_from` (elements are not range-checked)."""
        size = SCALAR_SIZES[code]
        n = self.count(size, align8=size == 8, cap=cap)
        pos = self.pos
        values = struct.unpack_from(f"<{n}{code}", self.buf, pos)
        self.pos = pos + n * size
        self.pad()
        return values

    def union_tag(self, known: Container[int]) -> int:
        """`u32 tag, u32 0`; a tag not in `known` is `UNKNOWN_UNION_TAG`."""
        pos = self.pos
        tag = self._tag_word("the union tag")
        if tag not in known:
            raise _bad(_K.VALIDATION_ERROR_UNKNOWN_UNION_TAG, "union tag {} at {}", tag, pos)
        return tag

    def enter(self) -> None:
        """Entering a nested struct. The generator bounds depth statically (§3.4); this is the
        runtime backstop for any decoder that recurses."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _bad(
                _K.VALIDATION_ERROR_MAX_RECURSION_DEPTH,
                "struct nesting deeper than {} at {}",
                MAX_DEPTH,
                self.pos,
            )

    def leave(self) -> None:
        self.depth -= 1

    def claim_fd(self, index: int, *, required: bool = True) -> int | None:
        """Claim the frame's descriptor `index` (Mojo's `ClaimHandle`): strictly increasing
        across the frame, in range. `0xFFFFFFFF` is "none", allowed only if not required."""
        if index == NO_HANDLE_INDEX:
            if required:
                raise _bad(
                    _K.VALIDATION_ERROR_UNEXPECTED_INVALID_HANDLE,
                    "descriptor required at {}, index is 0xFFFFFFFF",
                    self.pos,
                )
            return None
        if index >= len(self.fds):
            raise _bad(
                _K.VALIDATION_ERROR_ILLEGAL_HANDLE,
                "descriptor index {} but the frame carries {}",
                index,
                len(self.fds),
            )
        if index < self.next_fd:
            raise _bad(
                _K.VALIDATION_ERROR_ILLEGAL_HANDLE,
                "descriptor index {} is not above the last claimed ({})",
                index,
                self.next_fd - 1,
            )
        if index != self.next_fd:
            # Skipping an index leaves that descriptor unclaimed forever (claims only go up).
            raise _bad(
                _K.VALIDATION_ERROR_ILLEGAL_HANDLE,
                "descriptor index {} skips {} unclaimed",
                index,
                index - self.next_fd,
            )
        self.next_fd = index + 1
        return self.fds[index]

    def shared_memory_ref(self, *, required: bool = True) -> SharedMemoryClaim | None:
        pos = self._need(16)
        index, reserved, size = _SHARED_MEMORY_REF.unpack_from(self.buf, pos)
        self.pos = pos + 16
        return self.check_shared_memory_ref(index, reserved, size, required=required)

    def check_shared_memory_ref(
        self, index: int, reserved: int, size: int, *, required: bool = True
    ) -> SharedMemoryClaim | None:
        """A `SharedMemoryRef` whose fields came out of a fixed part."""
        check_zero(reserved, "SharedMemoryRef.reserved")
        fd = self.claim_fd(index, required=required)
        if fd is None:
            if size:
                raise _bad(
                    _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
                    "no descriptor but size {}",
                    size,
                )
            return None
        return SharedMemoryClaim(fd, size)

    def bytes_value(self) -> bytes | SharedMemoryClaim:
        """`Bytes` (§2.5): inline data (copied out) or a shared-memory claim."""
        tag = self.union_tag((BYTES_INLINE, BYTES_SHARED))
        if tag == BYTES_INLINE:
            n = self.count(1, align8=False, cap=MAX_INLINE_BYTES)
            start = self.pos
            self.pos = start + n
            self.pad()
            return self.buf[start : start + n]
        claim = self.shared_memory_ref()
        assert claim is not None
        if claim.size <= MAX_INLINE_BYTES:
            raise _bad(
                _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
                "{} bytes in shared memory must travel inline",
                claim.size,
            )
        return claim


def _bad_block(what: str, pos: int, num_bytes: int, header_size: int, left: int) -> BadMessage:
    """Why a message's (or command's) `num_bytes` is not a valid size, in Mojo's order
    (validation_util.cc): alignment, then range, then header size."""
    if num_bytes % 8:
        return _bad(
            _K.VALIDATION_ERROR_MISALIGNED_OBJECT,
            "{} at {}: num_bytes {} is not a multiple of 8",
            what,
            pos,
            num_bytes,
        )
    if num_bytes > left:
        return _bad(
            _K.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
            "{} at {}: num_bytes {} but {} bytes left",
            what,
            pos,
            num_bytes,
            left,
        )
    return _bad(
        _K.VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER,
        "{} at {}: num_bytes {} < header size {}",
        what,
        pos,
        num_bytes,
        header_size,
    )


def _bad_flags(pos: int, flags: int, request_id: int) -> BadMessage:
    """Why a message header's flags and request id are not a valid pair, in this order: flag
    bits (unknown ones, or both reply flags), then a flag without a request id, then a request
    id without a flag. `next_message` calls it once its single test has failed."""
    if flags & ~_KNOWN_FLAGS or flags == _KNOWN_FLAGS:
        return _bad(
            _K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
            "message at {}: flags {:#x}",
            pos,
            flags,
        )
    if flags:
        return _bad(
            _K.VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID,
            "message at {}: flags {:#x} with request id 0",
            pos,
            flags,
        )
    return _bad(
        _K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
        "message at {}: request id {} without a reply flag",
        pos,
        request_id,
    )


def check_flags(header: MessageHeader, *, expects_reply: bool, is_reply: bool = False) -> None:
    """The header's flags against the method's kind (§3.1), once the ordinal is known.

    `next_message` has already checked the flags' own consistency (known bits, request ids).
    """
    # Arithmetic on the bools rather than conditional expressions: no branches to trace.
    want = expects_reply * FLAG_EXPECTS_REPLY | is_reply * FLAG_IS_REPLY
    if header.flags != want:
        raise flags_error(header, want)


def flags_error(header: MessageHeader, want: int) -> BadMessage:
    """The header's flags are not `want`, the flags its method's kind carries."""
    return _bad(
        _K.VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS,
        "ordinal {:#010x}: flags {:#x}, expected {:#x}",
        header.ordinal,
        header.flags,
        want,
    )


def unknown_method(ordinal: int, context: str = "top level") -> BadMessage:
    return _bad(
        _K.VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD,
        "unknown ordinal {:#010x} at {}",
        ordinal,
        context,
    )


def check_reply(header: MessageHeader, pending: Container[int]) -> None:
    """A service reply as the client reads it (§3.1, §3.5): `IS_REPLY` and nothing else, and
    a request id the client is waiting for. An unknown id is `MISSING_REQUEST_ID` (§3.5, last
    paragraph); `next_message` already refused id 0 with a flag set."""
    check_flags(header, expects_reply=False, is_reply=True)
    if header.request_id not in pending:
        raise _bad(
            _K.VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID,
            "reply {:#010x} to request id {}, which is not pending",
            header.ordinal,
            header.request_id,
        )


# --- Arrays of non-scalar elements and records (§3.3). The generated codec calls these with
# the element's cap and its encoder/decoder, so the array framing lives in one place.

_HANDLE = Fixed("<II")
_NULL_HANDLE = Handle(0, 0)


def optional_index(index: dict, value: str | None) -> int:
    """An optional enum in a fixed part: absent is encoded as zeros (§3.3)."""
    return 0 if value is None else index[value]


def write_handles(w: MessageWriter, handles: Sequence[Handle], cap: int = MAX_COUNT) -> None:
    """`array<Handle>`: count, then {id, generation} pairs (4-aligned), zero pad to 8."""
    w.count(len(handles), align8=False, cap=cap)
    for handle in handles:
        w.fixed(_HANDLE, *handle)
    w.pad()


def read_handles(r: MessageReader, cap: int = MAX_COUNT) -> tuple[Handle, ...]:
    """`array<Handle>`; a null handle in it is `UNEXPECTED_NULL_POINTER`."""
    n = r.count(8, align8=False, cap=cap)
    handles = tuple(check_handle(*r.fixed(_HANDLE)) for _ in range(n))
    r.pad()
    return handles  # type: ignore[return-value]


def write_enums(w: MessageWriter, index: dict, values: Sequence[str], cap: int = MAX_COUNT) -> None:
    """`array<enum>`: the u32 indices of `values` (`index` maps value -> index)."""
    w.scalar_array("I", [index[v] for v in values], cap)


def read_enums(r: MessageReader, values: Sequence[str], name: str, cap: int = MAX_COUNT) -> tuple:
    """`array<enum>` as the enum's string values; an index out of range is
    `UNKNOWN_ENUM_VALUE`."""
    n = len(values)
    return tuple(values[check_enum(i, n, name)] for i in r.scalar_array("I", cap))


def write_strings(
    w: MessageWriter, texts: Sequence[str], cap: int = MAX_COUNT, string_cap: int = MAX_STRING_BYTES
) -> None:
    """`array<string>`: count (8-aligned elements), then each string."""
    w.count(len(texts), align8=True, cap=cap)
    for text in texts:
        w.string(text, string_cap)


def read_strings(
    r: MessageReader, cap: int = MAX_COUNT, string_cap: int = MAX_STRING_BYTES
) -> tuple[str, ...]:
    n = r.count(8, align8=True, cap=cap)
    return tuple(r.string(string_cap) for _ in range(n))


def write_items(w: MessageWriter, items: Sequence, cap: int, write_one) -> None:
    """An array of structs or unions: count (8-aligned elements), then `write_one(w, item)`."""
    w.count(len(items), align8=True, cap=cap)
    for item in items:
        write_one(w, item)


def read_items(r: MessageReader, min_size: int, cap: int, read_one) -> tuple:
    """An array of structs or unions; `min_size` is one element's smallest encoding, so the
    count is checked against the bytes left before anything is decoded (§3.4)."""
    n = r.count(min_size, align8=True, cap=cap)
    return tuple(read_one(r) for _ in range(n))


def write_record(w: MessageWriter, entry: type, items: dict, cap: int = MAX_COUNT) -> None:
    """`record<K, V>` as an array of `entry(key, value)` structs, in the dict's order."""
    w.count(len(items), align8=True, cap=cap)
    for key, value in items.items():
        entry(key, value).encode(w)


def check_unique_keys(keys: Sequence, count: int) -> None:
    """Record keys are unique (§3.3): `count` entries must have given `count` distinct keys."""
    if len(keys) != count:
        raise _bad(
            _K.VALIDATION_ERROR_DESERIALIZATION_FAILED,
            "duplicate record key: {} entries, {} distinct keys",
            count,
            len(keys),
        )


def read_record(r: MessageReader, entry: type, cap: int = MAX_COUNT) -> dict:
    """`record<K, V>` as a dict (order kept); a duplicate key is `DESERIALIZATION_FAILED`."""
    n = r.count(entry.MIN_SIZE, align8=True, cap=cap)
    items = {}
    for _ in range(n):
        item = entry.decode(r)
        items[item.key] = item.value
    check_unique_keys(items, n)
    return items


# `Settled` (§2.3), the union every reply carries.
SETTLED_RESOLVED = 0
SETTLED_REJECTED = 1
SETTLED_TAGS = (SETTLED_RESOLVED, SETTLED_REJECTED)
