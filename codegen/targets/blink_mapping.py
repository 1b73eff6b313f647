"""NPUBuffer's mapping in Blink: `getMappedRange()` over the shared memory mapAsync() resolves
with, and the detaching of what it returned at `unmap()`/`destroy()`.

Our mojom carries the mapping as `mojo_base.mojom.UnsafeSharedMemoryRegion` (writable: a
MAP_WRITE mapping is written by the page), so it is mapped with
`base::UnsafeSharedMemoryRegion::Map()` into a `base::WritableSharedMemoryMapping` whose byte 0
is the buffer's byte 0, as the Python client indexes it. The range checks and their messages
are the Python client's (`python_service/client/objects.py`, `_get_mapped_range`); the
ArrayBuffers over the mapping are detached as `modules/webgpu/gpu_buffer.cc` upstream detaches
its mapped ranges (transferring their contents out and dropping them).
"""

from __future__ import annotations

from dataclasses import replace

from codegen.model import ir
from codegen.targets.call_layout import Call, Statement, call

MAPPING_HEADER = "base/memory/shared_memory_mapping.h"
MAPPED_STATE = "V8NPUBufferMapState(V8NPUBufferMapState::Enum::kMapped)"
UNMAPPED_STATE = "V8NPUBufferMapState(V8NPUBufferMapState::Enum::kUnmapped)"
PENDING_STATE = "V8NPUBufferMapState(V8NPUBufferMapState::Enum::kPending)"
DETACHING = ("unmap", "destroy")  # the methods that end a mapping
# The Python client's message for a map whose reply came after unmap()/destroy() or a later
# mapAsync() (`NPUBufferImpl._map_async`; docs/wire.md "Unmap").
ABORTED = '"unmap() was called before the mapping resolved"'


def _fail(message: str, block: int) -> list[str | Statement]:
    throw = call("exception_state.ThrowDOMException", "DOMExceptionCode::kOperationError", message)
    return [Statement(throw, block=block), "  " * block + "return nullptr;"]


def mapped_range_body(m: ir.Operation) -> list[str | Statement]:
    return [
        "if (!mapping_.IsValid()) {",
        "  String state = map_state_.AsString();",
        *_fail('"the buffer is " + state + ", not mapped."', 1),
        "}",
        "uint64_t stop = size ? offset + *size : mapped_end_;",
        "String range = RangeText(offset, stop);",
        "if (offset < mapped_start_ || stop > mapped_end_ || stop < offset) {",
        "  String mapped = RangeText(mapped_start_, mapped_end_);",
        '  String outside = range + " is outside the mapped range " + mapped + ".";',
        *_fail("outside", 1),
        "}",
        "for (const auto& [start, end] : mapped_spans_) {",
        "  if (offset < end && start < stop) {",
        *_fail('range + " overlaps a range already returned."', 2),
        "  }",
        "}",
        Statement(
            call("mapping_.GetMemoryAsSpan<uint8_t>().subspan", "offset", "stop - offset"),
            target="base::span<uint8_t> bytes",
        ),
        "// The ArrayBuffer does not own the memory: unmap() detaches it first.",
        Statement(
            call(
                "ArrayBufferContents",
                "bytes.data()",
                "bytes.size()",
                "v8::BackingStore::EmptyDeleter",
            ),
            target="ArrayBufferContents contents",
        ),
        Statement(call("DOMArrayBuffer::Create", "std::move(contents)"), target="auto* array"),
        "mapped_ranges_.push_back(array);",
        "mapped_spans_.push_back(std::make_pair(offset, stop));",
        "return array;",
    ]


def mapped_buffer_members(c) -> None:
    """Fields and helpers of the interface with a mapped range, and the mapping's life in its
    mapAsync (the range asked for), the reply (the region mapped) and unmap/destroy."""
    from codegen.targets.blink_cpp import Function

    c.includes_h |= {MAPPING_HEADER}
    c.includes_cc |= {
        "third_party/blink/renderer/core/typed_arrays/array_buffer/array_buffer_contents.h",
        "third_party/blink/renderer/platform/bindings/exception_state.h",
    }
    c.forward.add("DOMArrayBuffer")
    c.fields += [
        ("base::WritableSharedMemoryMapping", "mapping_"),
        ("uint64_t", "mapped_start_ = 0"),
        ("uint64_t", "mapped_end_ = 0"),
        ("HeapVector<Member<DOMArrayBuffer>>", "mapped_ranges_"),  # detached at unmap()
        ("Vector<std::pair<uint64_t, uint64_t>>", "mapped_spans_"),
    ]
    c.private += [
        Function(
            "String",
            "RangeText",
            ["uint64_t start", "uint64_t stop"],
            ['return "[" + String::Number(start) + ", " + String::Number(stop) + ")";'],
            static=True,
        ),
        Function(
            "void",
            "DetachMappedRanges",
            [],
            [
                "v8::Isolate* isolate = GetExecutionContext()->GetIsolate();",
                "for (auto& array : mapped_ranges_) {",
                "  ArrayBufferContents contents;",
                Statement(
                    call(
                        "array->Transfer",
                        "isolate",
                        "v8::Local<v8::Value>()",
                        "contents",
                        "IGNORE_EXCEPTION",
                    ),
                    block=1,
                ),
                "}",
                "mapped_ranges_.clear();",
                "mapped_spans_.clear();",
                "mapping_ = base::WritableSharedMemoryMapping();",
                f"map_state_ = {UNMAPPED_STATE};",
            ],
        ),
    ]
    c.fields.append(("uint64_t", "map_generation_ = 0"))  # which mapAsync() is current
    c.includes_cc.add("third_party/blink/renderer/core/dom/dom_exception.h")
    for f in c.public:
        if f.name in DETACHING:
            f.body.insert(0, "DetachMappedRanges();")
        if f.name == "mapAsync":
            f.body[:] = [
                *_refuse_unless_unmapped(),
                "mapped_start_ = offset;",
                "mapped_end_ = size ? offset + *size : size_;",
                f"map_state_ = {PENDING_STATE};",
                "uint64_t generation = ++map_generation_;",
                *(_bind_generation(line) for line in f.body),
            ]
    for f in c.private:
        if f.name == "OnMapAsync":
            f.parameters.insert(1, "uint64_t generation")
            f.body[:] = map_reply_body()


def _refuse_unless_unmapped() -> list[str | Statement]:
    """The Python client's first check: a second map while one is pending or mapped would
    overwrite the mapped range, and its rejection would reset a mapped buffer to "unmapped"."""
    throw = call(
        "exception_state.ThrowDOMException",
        "DOMExceptionCode::kOperationError",
        '"the buffer is " + map_state_.AsString() + "."',
    )
    return [
        "if (map_state_.AsEnum() != V8NPUBufferMapState::Enum::kUnmapped) {",
        Statement(throw, block=1),
        "  return ScriptPromise<IDLUndefined>();",
        "}",
    ]


def _bind_generation(line: str | Statement) -> str | Statement:
    """`remote_->MapAsync(..., WTF::BindOnce(&NPUBuffer::OnMapAsync, ...))` with the request's
    generation bound after the resolver, so the reply knows which request it answers."""
    if not (isinstance(line, Statement) and isinstance(line.expr, Call)):
        return line
    if line.expr.callee != "remote_->MapAsync":
        return line
    *args, bind = line.expr.args
    assert isinstance(bind, Call) and bind.callee == "WTF::BindOnce", bind
    bound = replace(bind, args=(*bind.args, "generation"))
    return replace(line, expr=replace(line.expr, args=(*args, bound)))


def map_reply_body() -> list[str | Statement]:
    """The reply to mapAsync(), with the Python client's rules: a rejection returns the buffer
    to "unmapped" only if no later mapAsync() has started; a resolution maps it only if it is
    still this request's pending map, and otherwise (unmap(), destroy() or a later mapAsync()
    came first) rejects with an AbortError."""
    abort = call("resolver->RejectWithDOMException", "DOMExceptionCode::kAbortError", ABORTED)
    return [
        "if (result->is_error()) {",
        "  if (generation == map_generation_) {",
        f"    map_state_ = {UNMAPPED_STATE};",
        "  }",
        "  RejectFromMojo(resolver, *result->get_error());",
        "  return;",
        "}",
        "if (generation != map_generation_ ||",
        "    map_state_.AsEnum() != V8NPUBufferMapState::Enum::kPending) {",
        Statement(abort, block=1),
        "  return;",
        "}",
        "mapping_ = result->get_success()->mapping.Map();",
        f"map_state_ = {MAPPED_STATE};",
        "resolver->Resolve();",
    ]
