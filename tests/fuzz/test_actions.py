"""The structure-aware fuzzer's action table comes from the wire model and covers it."""

from __future__ import annotations

import random

from fuzz import actions
from fuzz.service_runner import ServiceRun
from python_service.generated import wire as gen


def test_every_message_and_command_is_an_action():
    table = actions.actions()
    classes = {a.cls for a in table if not isinstance(a, str)}
    assert set(gen.MESSAGES.values()) <= classes
    assert {c.cls for c in actions.commands()} == set(gen.COMMANDS.values())
    assert actions.FLUSH in table and actions.CORRUPT in table


def test_encoding_round_trips_and_any_bytes_parse():
    rng = random.Random(0)
    items = [actions.Action(rng.randrange(256), bytes(rng.randrange(256) for _ in range(9)))
             for _ in range(20)]  # fmt: skip
    assert actions.parse(actions.serialize(items)) == items
    assert len(actions.parse(bytes(range(256)) * 8)) <= actions.MAX_ACTIONS


def test_a_recipe_reaches_the_executor_and_reads_back():
    """The dispatch recipe with entropy that picks valid values runs to a resolved read."""
    rng = random.Random(3)
    resolved = 0
    for _ in range(40):
        items = [actions.Action(actions.action_named(n), actions._entropy(rng))
                 for n in actions.RECIPES[1]]  # fmt: skip
        run = ServiceRun(trace=True)
        run.run(items)
        resolved += any("NPUQueueReadBufferResolved" in line for line in run.log)
    assert resolved > 0
