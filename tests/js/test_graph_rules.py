"""The polyfill's NPUGraphBuilder infers and refuses every operation as the Python one does.

A differential test: each case (tests/js/graph_rule_cases.py: every operation valid and with
each kind of mistake, plus hypothesis-drawn operations) runs through the Python bindings'
builder and, in node, through the polyfill's (polyfill/runtime/graph_rules.js behind
client.js's NPUGraphBuilderImpl, with the generated bindings converting arguments first).
Each call must give the same result descriptor, or the same error type and message. Both
builders sit on a device whose limits the test's stand-in service chose (the Python side:
tests/client/test_connection.py's Peer; the JS side: the same decoder and replies over node's
stdin/stdout), once with roomy limits and once with small ones, so the limits apply alike.
"""

from __future__ import annotations

import dataclasses
import json
import select
import subprocess
from typing import Any

import pytest

from python_service.client.connection import Connection
from python_service.generated import wire as gen
from python_service.ipc.channel import Channel
from python_service.shared.operations import OPERATIONS
from python_service.shared.tensors import DataType
from python_service.wire import runtime as rt
from tests.client.test_connection import LIMITS, Peer, open_device
from tests.conftest import ROOT
from tests.js import graph_rule_cases
from tests.js.graph_rule_cases import (
    Case,
    random_cases,
    systematic_cases,
    to_json,
)
from tests.js.harness import require_node
from tests.js.stdio_framing import read_messages, write_message

DRIVER = ROOT / "tests/js/graph_rules_driver.mjs"
# Limit set 0 is roomy (WebNPU's rank cap); set 1 small enough for cases to cross it.
LIMIT_SETS = [LIMITS, dataclasses.replace(LIMITS, max_tensor_rank=3, max_tensor_byte_length=256)]
RANDOM_CASES = 400


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return systematic_cases() + random_cases(RANDOM_CASES)


# --- the Python side -----------------------------------------------------------------------


def _answers_drained(device: Any, peer: Peer, case: Case) -> list[Any]:
    answers = graph_rule_cases.python_answers(device, case)
    _drain(peer)
    return answers


def _drain(peer: Peer) -> None:
    """Read what the builders sent (createGraphBuilder), so the channel never fills."""
    while select.select([peer.channel], [], [], 0)[0]:
        with peer.channel.receive():
            pass


@pytest.fixture(scope="module")
def python_answers(cases: list[Case]) -> list[list[Any]]:
    answers = []
    for index, limits in enumerate(LIMIT_SETS):
        client_end, service_end = Channel.pair()
        connection = Connection(client_end)
        peer = Peer(service_end)
        try:
            device = open_device(connection, peer, limits)
            answers.append(
                {
                    i: _answers_drained(device, peer, c)
                    for i, c in enumerate(cases)
                    if c.limits == index
                }
            )
        finally:
            connection.close()
            service_end.close()
    return [answers[c.limits][i] for i, c in enumerate(cases)]


# --- the JS side ---------------------------------------------------------------------------


def _serve(proc: subprocess.Popen) -> None:
    """The stand-in service for node: adapters and devices with LIMIT_SETS, in request order;
    everything else (createGraphBuilder, releases) is decoded and dropped."""
    hello_read = False
    devices = 0
    for message in read_messages(proc.stdout):
        reader = rt.MessageReader(message.payload)
        if not hello_read:
            gen.read_hello(reader)
            hello_read = True
        while (item := gen.read_message(reader)) is not None:
            header, message = item
            if isinstance(message, gen.NPURequestAdapter):
                info = gen.NPUAdapterInfo("v", "a", "d", "x")
                reply: Any = gen.NPURequestAdapterResolved(
                    gen.NPUSupportedFeatures(()), LIMITS, info
                )
            elif isinstance(message, gen.NPUAdapterRequestDevice):
                limits = LIMIT_SETS[devices]
                devices += 1
                reply = gen.NPUAdapterRequestDeviceResolved(gen.NPUSupportedFeatures(()), limits)
            else:
                continue
            writer = rt.MessageWriter()
            gen.REPLIES[header.ordinal](reply).encode(writer, header.request_id)
            write_message(proc.stdin, writer.finish()[0])
        reader.finish()


@pytest.fixture(scope="module")
def js_answers(cases: list[Case], tmp_path_factory) -> list[list[Any]]:
    node = require_node()
    work = tmp_path_factory.mktemp("graph-rules")
    source, result = work / "cases.json", work / "answers.json"
    payload = {
        "limits": len(LIMIT_SETS),
        "cases": [{"limits": c.limits, "calls": to_json(c.calls)} for c in cases],
    }
    source.write_text(json.dumps(payload))
    proc = subprocess.Popen(
        [node, str(DRIVER), str(source), str(result)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        _serve(proc)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read().decode()
    assert proc.returncode == 0, f"the JS driver failed:\n{stderr[-4000:]}"
    return json.loads(result.read_text())


# --- the comparison ------------------------------------------------------------------------


def test_both_builders_give_the_same_descriptors_and_errors(cases, python_answers, js_answers):
    differences = [
        f"{case.label}: calls {to_json(case.calls)}\n  python: {p}\n  js:     {j}"
        for case, p, j in zip(cases, python_answers, js_answers, strict=True)
        if p != j
    ]
    calls = sum(len(p) for p in python_answers)
    print(f"graph-rule differential: {len(cases)} cases, {calls} calls compared")
    assert not differences, f"{len(differences)} of {len(cases)} cases differ:\n" + "\n".join(
        differences[:20]
    )


def test_the_cases_reach_every_rule_outcome(cases, python_answers):
    # Guard against a vacuous comparison: results and refusals of every operation occur.
    last = [answers[-1] for answers in python_answers]
    refused_ops = {
        c.calls[-1]["method"] for c, a in zip(cases, last, strict=True) if isinstance(a, list)
    }
    inferred_ops = {
        c.calls[-1]["method"] for c, a in zip(cases, last, strict=True) if isinstance(a, dict)
    }
    assert set(OPERATIONS) <= refused_ops
    assert set(OPERATIONS) <= inferred_ops
    assert sum(isinstance(a, list) for a in last) >= 150
    assert sum(isinstance(a, dict) for a in last) >= 150


def test_the_js_tables_are_the_python_ones():
    """graph_rules.js repeats operations.py's table (slots, attribute kinds, defaults, choices)
    and the data types' order and sizes; node prints them and they must be equal."""
    script = (
        "import('./polyfill/runtime/graph_rules.js').then(async (r) => console.log(JSON.stringify({"
        "ops: Object.fromEntries(Object.entries(r.OPERATIONS).map(([n, s]) => [n, {"
        "inputs: s.inputs, optional: s.optionalInputs, variadic: s.variadic,"
        "attributes: s.attributes}])), types: r.DATA_TYPES,"
        "schema: (await import('./generated/js/webnpu.js')).SCHEMA.graph_ops})))"
    )
    proc = subprocess.run(
        [require_node(), "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    python_ops = {
        name: {
            "inputs": list(spec.inputs),
            "optional": list(spec.optional_inputs),
            "variadic": spec.variadic,
            "attributes": {
                a: {
                    "kind": s.kind,
                    "default": s.default,
                    "required": s.required,
                    "choices": list(s.choices),
                }
                for a, s in spec.attributes.items()
            },
        }
        for name, spec in OPERATIONS.items()
    }
    assert js["ops"] == python_ops
    # client.js takes positional operands by the wire schema's slots and optional ones by the
    # rules' names: both must name the same operands.
    for name, spec in OPERATIONS.items():
        wire = js["schema"][name]
        assert wire["slots"] == list(spec.inputs), name
        assert sorted(wire["optional_slots"]) == sorted(spec.optional_inputs), name
        assert (wire["variadic_slot"] is not None) == spec.variadic, name
    assert js["types"] == {t.value: t.element_size for t in DataType}
    assert list(js["types"]) == [t.value for t in DataType]  # "allowed:" lists follow it
