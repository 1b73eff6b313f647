"""The polyfill's wire codec (generated/js/webnpu.js over polyfill/runtime/wire.js) and the
Python codec agree byte for byte (docs/wire.md §7.1), on the vectors, the bad-message table and
the seeded mutations the C++ agreement test uses (tests/native/), run in node."""

from __future__ import annotations

import random

import pytest

from tests.js.harness import JsCodec
from tests.native.test_wire_agreement import (
    BAD,
    PY,
    VECTORS,
    assert_python_reads_and_rewrites,
    hex_of,
    mutations,
)


@pytest.fixture(scope="module")
def js() -> JsCodec:
    return JsCodec(VECTORS)


@pytest.fixture(scope="module")
def js_encoded(js) -> list[str]:
    return js.encode(list(range(len(VECTORS))))


def test_js_and_python_encode_every_vector_to_the_same_bytes(js_encoded):
    python = [PY.encode(v) for v in VECTORS]
    assert all(a.startswith("ok ") for a in python)
    mismatched = [
        (v.name, mine, theirs)
        for v, mine, theirs in zip(VECTORS, js_encoded, python, strict=True)
        if mine != theirs
    ]
    assert mismatched == []


def test_js_decodes_its_bytes_back_to_each_vector(js):
    decoded = js.decoded_json(list(range(len(VECTORS))))
    wrong = [v.name for v, value in zip(VECTORS, decoded, strict=True) if value != v.value]
    assert wrong == []


def test_python_decodes_the_js_bytes_to_the_vector_and_reencodes_them(js_encoded):
    assert_python_reads_and_rewrites(js_encoded)


def test_js_decodes_the_python_bytes_and_reencodes_them_identically(js):
    python_answers = [PY.encode(v) for v in VECTORS]
    frames = [
        (v.context, v.fds, v.request_id, hex_of(a))
        for v, a in zip(VECTORS, python_answers, strict=True)
    ]
    assert js.decode(frames) == python_answers


def test_the_js_decoder_rejects_each_bad_message_with_the_python_kind(js):
    answers = js.decode([(b.context, b.fds, b.pending, b.frame) for b in BAD])
    wrong = [
        (b.name, mine, f"bad {b.kind.name}")
        for b, mine in zip(BAD, answers, strict=True)
        if mine != f"bad {b.kind.name}"
    ]
    assert wrong == []


def test_js_and_python_give_the_same_answer_for_every_mutated_vector(js, js_encoded):
    rng = random.Random(20260522)
    frames = []
    for v, answer in zip(VECTORS, js_encoded, strict=True):
        frames += mutations(v, hex_of(answer), rng, 12)
    answers = js.decode(frames)
    differing = [
        (frame[0], frame[3].hex(), mine, theirs)
        for frame, mine in zip(frames, answers, strict=True)
        if mine != (theirs := PY.decode(*frame))
    ]
    assert differing == []
    rejected = sum(1 for a in answers if a.startswith("bad "))
    assert rejected > len(frames) // 2  # the mutations mostly break something
