"""Buffer::MapAsync follows the Python client's map-state rules (`NPUBufferImpl._map_async` in
python_service/client/objects.py, docs/wire.md "mapAsync"): pending at once, mapped on success
only if still the same request, unmapped on rejection (or a closed connection) only if still
the same request, an AbortError when unmap()/destroy() (or a later mapAsync) came before the
reply, and an OperationError for a map of a buffer that is not unmapped."""

from __future__ import annotations

import re

from tests.gecko.conftest import ROOT

ABORTED = "unmap() was called before the mapping resolved"


def _map_async(gecko_files: dict[str, str]) -> str:
    text = gecko_files["dom/webnpu/Buffer.cpp"]
    match = re.search(r"^Buffer::MapAsync\(.*?^}", text, re.M | re.S)
    assert match, "Buffer::MapAsync"
    return match.group(0)


def _between(text: str, start: str, stop: str) -> str:
    assert start in text, start
    after = text.split(start, 1)[1]
    assert stop in after, stop
    return after.split(stop, 1)[0]


def test_each_map_request_has_its_own_generation(gecko_files):
    body = _map_async(gecko_files)
    assert "uint64_t generation = ++mMapGeneration;" in body
    assert "mMapState = dom::NPUBufferMapState::Pending;" in body
    assert re.search(r"auto onReply = \[[^\]]*\bgeneration\b[^\]]*\]", body), body
    header = gecko_files["dom/webnpu/Buffer.h"]
    assert "uint64_t mMapGeneration = 0;" in header


def test_a_rejected_map_returns_the_same_request_to_unmapped(gecko_files):
    body = _map_async(gecko_files)
    rejected = _between(body, "::TRejection) {", "RejectWith(")
    assert "if (generation == self->mMapGeneration) {" in rejected
    assert "self->mMapState = dom::NPUBufferMapState::Unmapped;" in rejected


def test_a_reply_after_unmap_aborts_with_the_python_message(gecko_files):
    assert ABORTED in (ROOT / "python_service/client/objects.py").read_text()
    text = gecko_files["dom/webnpu/Buffer.cpp"]
    assert f'"{ABORTED}"_ns' in text
    body = _map_async(gecko_files)
    aborted = _between(body, "if (generation != self->mMapGeneration ||", "return;")
    assert "NPUBufferMapState::Pending" in aborted
    assert "promise->MaybeRejectWithAbortError(kMapAborted);" in aborted
    assert body.index("kMapAborted") < body.index("NPUBufferMapState::Mapped")


def test_the_pending_state_is_set_only_once_the_request_can_be_sent(gecko_files):
    """A closed connection rejects at once; the buffer must not stay "pending" forever."""
    body = _map_async(gecko_files)
    assert body.index("if (!CanSend()) {") < body.index("NPUBufferMapState::Pending")


def test_a_map_of_a_buffer_that_is_not_unmapped_fails_first(gecko_files):
    """As in the Python client: an OperationError naming the state, before anything changes."""
    python = (ROOT / "python_service/client/objects.py").read_text()
    assert 'if self._map_state != "unmapped":' in python and "the buffer is " in python
    body = _map_async(gecko_files)
    check = "if (mMapState != dom::NPUBufferMapState::Unmapped) {"
    refused = _between(body, check, "return nullptr;")
    assert '"the buffer is %s."' in refused and "dom::GetEnumString(mMapState)" in refused
    assert "aRv.ThrowOperationError(" in refused
    assert body.index(check) < body.index("mMappedStart = aOffset;")


def test_a_closed_connection_returns_the_same_request_to_unmapped(gecko_files):
    """The actor going away rejects the map (AbortError); the buffer must not stay pending."""
    body = _map_async(gecko_files)
    closed = _between(body, "[promise, self, generation](const ipc::ResponseRejectReason&)", "};")
    assert "if (generation == self->mMapGeneration) {" in closed
    assert "self->mMapState = dom::NPUBufferMapState::Unmapped;" in closed
    assert "promise->MaybeRejectWithAbortError(kConnectionClosed);" in closed
