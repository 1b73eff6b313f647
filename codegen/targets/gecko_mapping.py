"""Buffer's mapping in Gecko: `getMappedRange()` over the shared memory mapAsync() resolves
with, and the detaching of what it returned at `unmap()`/`destroy()`; the Gecko counterpart of
`blink_mapping.py`, with the same range checks and messages (the Python client's,
`python_service/client/objects.py`).

The reply carries an `ipc::MutableSharedMemoryHandle` (a MAP_WRITE mapping is written by the
page); it is mapped once, and byte 0 of the mapping is the buffer's byte 0. Each ArrayBuffer
is made over the mapped bytes without owning them
(`JS::NewArrayBufferWithUserOwnedContents`), kept in `mMappedRanges` (JS members, traced: the
class holds its JS objects while it has any, as `dom/webgpu/Buffer.cpp` upstream does) and
detached before the mapping goes away.
"""

from __future__ import annotations

from codegen.targets.gecko_layout import INDENT, definition_lines

I1, I2, I3 = INDENT, INDENT * 2, INDENT * 3
STATE = "dom::NPUBufferMapState"
DETACHING = ("Unmap", "Destroy")  # the methods that end a mapping


def fail(message: str, indent: str) -> list[str]:
    return [f"{indent}aRv.ThrowOperationError({message});", f"{indent}return;"]


def mapped_range_body() -> list[str]:
    outside = '"[%" PRIu64 ", %" PRIu64 ") is outside the mapped range."'
    return [
        f"{I1}if (!mMapping) {{",
        *fail("kNotMapped", I2),
        f"{I1}}}",
        f"{I1}if (!mMapped) {{",
        f"{I2}mMapped.emplace(mMapping->Map());",
        f"{I1}}}",
        f"{I1}uint64_t stop = mMappedEnd;",
        f"{I1}if (aSize.WasPassed()) {{",
        f"{I2}stop = aOffset + aSize.Value();",
        f"{I1}}}",
        f"{I1}if (aOffset < mMappedStart || stop > mMappedEnd || stop < aOffset) {{",
        f"{I2}nsPrintfCString message(",
        f"{I3}{outside}, aOffset, stop);",
        *fail("message", I2),
        f"{I1}}}",
        f"{I1}for (const auto& [start, end] : mMappedSpans) {{",
        f"{I2}if (aOffset < end && start < stop) {{",
        *fail("kOverlapping", I3),
        f"{I2}}}",
        f"{I1}}}",
        f"{I1}Span<uint8_t> bytes = mMapped->DataAsSpan<uint8_t>();",
        f"{I1}if (stop > bytes.Length()) {{",
        *fail("kNotMapped", I2),
        f"{I1}}}",
        f"{I1}// The ArrayBuffer does not own the memory: unmap() detaches it first.",
        f"{I1}void* data = bytes.Elements() + aOffset;",
        f"{I1}size_t length = stop - aOffset;",
        f"{I1}JS::Rooted<JSObject*> array(",
        f"{I2}aCx, JS::NewArrayBufferWithUserOwnedContents(aCx, length, data));",
        f"{I1}if (!array) {{",
        f"{I2}aRv.NoteJSContextException(aCx);",
        f"{I2}return;",
        f"{I1}}}",
        f"{I1}if (mMappedRanges.IsEmpty()) {{",
        f"{I2}HoldJSObjects(this);",
        f"{I1}}}",
        f"{I1}mMappedRanges.AppendElement(array);",
        f"{I1}mMappedSpans.AppendElement(std::make_pair(aOffset, stop));",
        f"{I1}aRetVal.set(array);",
    ]


# The Python client's messages (`_get_mapped_range`), as constants of the .cpp.
MESSAGES = [
    'static constexpr auto kNotMapped = "the buffer is not mapped."_ns;',
    "static constexpr auto kOverlapping =",
    '  "the range overlaps a range already returned."_ns;',
    # A map whose reply came after unmap()/destroy() or a later mapAsync() (docs/wire.md "Unmap").
    "static constexpr auto kMapAborted =",
    '  "unmap() was called before the mapping resolved"_ns;',
]


def plumb_mapping(builder) -> None:
    """Fields, includes and the detaching helper of the class with a mapped range."""
    cls = builder.cls
    cls.includes_h += ["js/RootingAPI.h", "mozilla/ipc/SharedMemoryMapping.h"]
    cls.includes_cpp += [
        "js/ArrayBuffer.h",
        "mozilla/HoldDropJSObjects.h",
        "mozilla/dom/ScriptSettings.h",
        "nsPrintfCString.h",
    ]
    cls.fields += [
        "Maybe<ipc::MutableSharedMemoryMapping> mMapped;",
        "uint64_t mMappedStart = 0;",
        "uint64_t mMappedEnd = 0;",
        "nsTArray<JS::Heap<JSObject*>> mMappedRanges; // detached at unmap()",
        "nsTArray<std::pair<uint64_t, uint64_t>> mMappedSpans;",
        "uint64_t mMapGeneration = 0; // which mapAsync() is current",
    ]
    cls.js_members.append("mMappedRanges")
    cls.preamble += MESSAGES
    cls.private.append("void DetachMappedRanges();")
    cls.destructor_body[:0] = [f"{I1}DetachMappedRanges();"]
    cls.definitions.append(
        definition_lines(
            "void",
            f"{cls.name}::DetachMappedRanges",
            [],
            "",
            [
                f"{I1}if (!mMappedRanges.IsEmpty()) {{",
                f"{I2}dom::AutoJSAPI jsapi;",
                f"{I2}if (jsapi.Init({cls.global_expr})) {{",
                f"{I3}for (auto& range : mMappedRanges) {{",
                f"{I3}{INDENT}JS::Rooted<JSObject*> array(jsapi.cx(), range);",
                f"{I3}{INDENT}JS::DetachArrayBuffer(jsapi.cx(), array);",
                f"{I3}}}",
                f"{I2}}}",
                f"{I2}mMappedRanges.Clear();",
                f"{I2}DropJSObjects(this);",
                f"{I1}}}",
                f"{I1}mMappedSpans.Clear();",
                f"{I1}mMapped.reset();",
                f"{I1}mMapping.reset();",
                f"{I1}mMapState = {STATE}::Unmapped;",
            ],
        )
    )


def refuse_unless_unmapped() -> list[str]:
    """The Python client's first check: a second map while one is pending or mapped would
    overwrite the mapped range, and its rejection would reset a mapped buffer to "unmapped".
    (A promise-returning method's exception becomes the rejection.)"""
    return [
        f"{I1}if (mMapState != {STATE}::Unmapped) {{",
        f'{I2}nsPrintfCString message("the buffer is %s.",',
        f"{I2}                        dom::GetEnumString(mMapState).get());",
        f"{I2}aRv.ThrowOperationError(message);",
        f"{I2}return nullptr;",
        f"{I1}}}",
    ]


def map_async_steps() -> list[str]:
    """mapAsync() records the range asked for, the pending state and a new generation (the
    request's identity) once the request can be sent: a closed connection rejects at once and
    must not leave the buffer pending."""
    return [
        f"{I1}mMappedStart = aOffset;",
        f"{I1}mMappedEnd = aSize.WasPassed() ? aOffset + aSize.Value() : mSize;",
        f"{I1}mMapState = {STATE}::Pending;",
        f"{I1}uint64_t generation = ++mMapGeneration;",
    ]


def after_send_check(body: list[str]) -> int:
    """Where in a promise body the `if (!CanSend()) { ... }` guard ends."""
    start = body.index(f"{I1}if (!CanSend()) {{")
    return body.index(f"{I1}}}", start) + 1


def rejected_lines(indent: str) -> list[str]:
    """In the reply's rejection arm: back to "unmapped", unless a later mapAsync() is the
    current request (its own reply decides then)."""
    return [
        f"{indent}if (generation == self->mMapGeneration) {{",
        f"{indent}{INDENT}self->mMapState = {STATE}::Unmapped;",
        f"{indent}}}",
    ]


def closed_lines(indent: str) -> list[str]:
    """The reply that never comes (the actor went away): the map aborts, and the buffer goes
    back to "unmapped" as after a rejection, laid out as clang-format's Mozilla style breaks
    a lambda this long."""
    inner = indent + INDENT
    return [
        f"{indent}auto onClosed =",
        f"{inner}[promise, self, generation](const ipc::ResponseRejectReason&) {{",
        *rejected_lines(inner + INDENT),
        f"{inner}{INDENT}promise->MaybeRejectWithAbortError(kConnectionClosed);",
        f"{inner}}};",
    ]


def aborted_lines(indent: str) -> list[str]:
    """Before a resolution is kept: unmap(), destroy() or a later mapAsync() came first."""
    return [
        f"{indent}if (generation != self->mMapGeneration ||",
        f"{indent}    self->mMapState != {STATE}::Pending) {{",
        f"{indent}{INDENT}promise->MaybeRejectWithAbortError(kMapAborted);",
        f"{indent}{INDENT}return;",
        f"{indent}}}",
    ]


MAPPED = f"self->mMapState = {STATE}::Mapped;"
