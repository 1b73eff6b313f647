"""Every validation vector (fuzz/vectors/) against a real in-process session, and coverage:
every BadMessageKind a client can provoke, every rule of the command-buffer validator and every
message family has a vector. The rule lists come from the code (the enum, the validator's
source, the generated ordinal tables), so a new rule without a vector fails here."""

from __future__ import annotations

import pytest

from fuzz import compose_vectors
from fuzz import vector_runner as vr
from python_service.bad_message import BadMessageKind
from python_service.generated import wire as gen
from python_service.ipc.channel import HEADER
from python_service.wire import runtime as rt
from tests.service.test_bad_messages_e2e import UNREACHABLE


@pytest.fixture(scope="module")
def results() -> list[vr.Result]:
    return vr.run()


def test_every_vector_has_its_expected_outcome(results, capsys):
    passing = [r for r in results if r.passed]
    with capsys.disabled():
        print(f"\nvalidation vectors: {len(results)}, passing: {len(passing)}")
    failures = [
        f"{r.vector.name}:\n  expected {list(r.vector.expected)}\n  got {list(r.outcome.lines)}"
        for r in results
        if not r.passed
    ]
    assert not failures, "\n".join(failures)
    assert len(results) >= 70


def test_run_all_counts(results):
    count, passing = vr.run_all()
    assert (count, passing) == (len(results), sum(r.passed for r in results))


def test_every_reachable_bad_message_kind_has_a_vector(results):
    seen = {r.outcome.bad_message for r in results if r.passed}
    missing = set(BadMessageKind) - seen - UNREACHABLE.keys()
    assert not missing, f"no vector for {sorted(k.value for k in missing)}"


def test_every_validator_rule_has_a_vector(results):
    rules = vr.validator_rules()
    assert len(rules) >= 20  # the derivation found the validator's messages
    passing = [r.outcome for r in results if r.passed]
    uncovered = [
        f"{rule.function}: {rule.template}"
        for rule in rules
        if not any(rule.fired_in(outcome) for outcome in passing)
    ]
    assert not uncovered, "validator rules without a vector:\n" + "\n".join(uncovered)


def _sent(vector) -> set[int]:
    """Ordinals of the messages (and the commands inside finish) of a vector's own frames."""
    ordinals: set[int] = set()
    for frame, _announced, _complete in vr.frames_of(vector):
        reader = rt.MessageReader(frame[HEADER.size :])
        if rt.MESSAGE_HEADER.unpack_from(frame, HEADER.size)[1] == gen.ConnectionHello.ORDINAL:
            gen.read_hello(reader)
        while (item := gen.read_message(reader)) is not None:
            message = item[1]
            ordinals.add(message.ORDINAL)
            if isinstance(message, gen.NPUCommandEncoderFinish):
                commands = rt.MessageReader(message.commands)
                while (command := gen.read_command(commands)) is not None:
                    ordinals.add(command.ORDINAL)
    return ordinals


def test_every_message_and_command_is_in_a_pass_vector(results):
    """PASS vectors for each message family: every message and command of the wire model."""
    seen: set[int] = set()
    for result in results:
        vector = result.vector
        # (the shared-memory vectors are left out: decoding them here would need their fds)
        if result.passed and vector.expected == ("PASS",) and not vector.data.descriptors:
            seen |= _sent(vector)
    wanted = set(gen.MESSAGES) | set(gen.COMMANDS)
    # loadModel needs ONNX bytes, which the text format spells poorly; the e2e model tests and
    # the fuzzers' ONNX target cover it.
    wanted.discard(gen.NPUDeviceLoadModel.ORDINAL)
    missing = sorted(f"{o:#010x}" for o in wanted - seen)
    assert not missing, f"no PASS vector sends {missing}"


def test_composed_vectors_are_current():
    """fuzz/compose_vectors.py writes exactly the checked-in files (no drift)."""
    for path, text in compose_vectors.compose().items():
        assert path.exists() and path.read_text() == text, (
            f"{path}: run python -m fuzz.compose_vectors"
        )
