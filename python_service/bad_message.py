"""Bad messages: input a correct client never sends, so the service drops that client.

The design separates two kinds of wrong (see docs / DESIGN.md "Two kinds of wrong"). A
*validation error* is a well-formed request the API forbids; it is reported to the page and the
service carries on. A *bad message* is malformed input (bad framing, unknown opcode, unknown id,
out-of-range enum, a handle that is not what it claims to be). Only a compromised renderer sends
one, so the receiver raises `BadMessage`, runs nothing of that message, and closes the connection.

The kinds are named after Chromium's Mojo validation errors
(`mojo/public/cpp/bindings/lib/validation_errors.h`, enum `ValidationError`) so a reviewer who
knows Mojo can map one to the other. Mojo's framing errors live in the channel layer
(`mojo/core/channel.cc`, `mojo/core/channel_posix.cc`) and have no `VALIDATION_ERROR_*` name; those
kinds here carry the `WEBNPU_ERROR_` prefix instead, so it is clear they are ours.
"""

from __future__ import annotations

import enum


class BadMessageKind(enum.Enum):
    """Why a message was rejected. Values are the stable names used in logs and tests."""

    # --- Mojo's kinds (validation_errors.h), minus NONE and the associated-interface ids,
    # which have no counterpart here (WebNPU has no associated interfaces).
    VALIDATION_ERROR_MISALIGNED_OBJECT = "VALIDATION_ERROR_MISALIGNED_OBJECT"
    VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE = "VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE"
    VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER = "VALIDATION_ERROR_UNEXPECTED_STRUCT_HEADER"
    VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER = "VALIDATION_ERROR_UNEXPECTED_ARRAY_HEADER"
    VALIDATION_ERROR_ILLEGAL_HANDLE = "VALIDATION_ERROR_ILLEGAL_HANDLE"
    VALIDATION_ERROR_UNEXPECTED_INVALID_HANDLE = "VALIDATION_ERROR_UNEXPECTED_INVALID_HANDLE"
    VALIDATION_ERROR_ILLEGAL_POINTER = "VALIDATION_ERROR_ILLEGAL_POINTER"
    VALIDATION_ERROR_UNEXPECTED_NULL_POINTER = "VALIDATION_ERROR_UNEXPECTED_NULL_POINTER"
    VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS = "VALIDATION_ERROR_MESSAGE_HEADER_INVALID_FLAGS"
    VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID = (
        "VALIDATION_ERROR_MESSAGE_HEADER_MISSING_REQUEST_ID"
    )
    VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD = (
        "VALIDATION_ERROR_MESSAGE_HEADER_UNKNOWN_METHOD"
    )
    VALIDATION_ERROR_DIFFERENT_SIZED_ARRAYS_IN_MAP = (
        "VALIDATION_ERROR_DIFFERENT_SIZED_ARRAYS_IN_MAP"
    )
    VALIDATION_ERROR_UNKNOWN_UNION_TAG = "VALIDATION_ERROR_UNKNOWN_UNION_TAG"
    VALIDATION_ERROR_UNKNOWN_ENUM_VALUE = "VALIDATION_ERROR_UNKNOWN_ENUM_VALUE"
    VALIDATION_ERROR_DESERIALIZATION_FAILED = "VALIDATION_ERROR_DESERIALIZATION_FAILED"
    VALIDATION_ERROR_MAX_RECURSION_DEPTH = "VALIDATION_ERROR_MAX_RECURSION_DEPTH"

    # --- Framing (the channel layer). Mojo reports these as a generic channel error.
    # The frame header announces more payload bytes than the receiver accepts.
    WEBNPU_ERROR_MESSAGE_TOO_LARGE = "WEBNPU_ERROR_MESSAGE_TOO_LARGE"
    # The frame announces, or carries, more handles than the receiver accepts per message.
    WEBNPU_ERROR_TOO_MANY_HANDLES = "WEBNPU_ERROR_TOO_MANY_HANDLES"
    # The peer closed the connection in the middle of a frame (header or payload).
    WEBNPU_ERROR_MESSAGE_TRUNCATED = "WEBNPU_ERROR_MESSAGE_TRUNCATED"
    # The kernel dropped ancillary data (MSG_CTRUNC): handles were lost, the frame is unusable.
    WEBNPU_ERROR_CONTROL_DATA_TRUNCATED = "WEBNPU_ERROR_CONTROL_DATA_TRUNCATED"

    # --- Object ids (docs/wire.md §2.2, §3.5). Mojo's nearest is
    # VALIDATION_ERROR_ILLEGAL_INTERFACE_ID, which has no counterpart here (no associated
    # interfaces). The message names an object id that is not live for this client and
    # interface, or whose generation does not match; or it creates an object over a live id or
    # with a stale generation (no ABA). Stateful, but a correct client never does it (as in Dawn).
    WEBNPU_ERROR_ILLEGAL_OBJECT_ID = "WEBNPU_ERROR_ILLEGAL_OBJECT_ID"


class BadMessage(Exception):
    """A malformed message from the peer; the receiver must drop the connection.

    `kind` says which rule was broken, `detail` says where, in words a security reviewer can act
    on (offsets, counts, limits). Never raised for a validation error the page should see.

    The detail is built when it is read (`detail`, `str()`, `args`, a log line), not when the
    error is raised: a fuzzer raises one for almost every input and reads none of them. A
    caller passes either the finished text, or a `str.format` template and its values:
    `BadMessage(kind, "count {} at {} exceeds {}", n, pos, cap)`.
    """

    __slots__ = ("kind", "_template", "_values")

    def __init__(self, kind: BadMessageKind, detail: str, *values: object) -> None:
        # No `super().__init__`: `args` (below) is computed from the kind and the detail.
        self.kind = kind
        self._template = detail
        self._values = values

    @property
    def detail(self) -> str:
        if self._values:
            return self._template.format(*self._values)
        return self._template

    @property
    def args(self) -> tuple[str]:  # type: ignore[override]
        """As if `Exception.__init__` had been given the message: `(str(self),)`."""
        return (str(self),)

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return type(self), (self.kind, self._template, *self._values)
