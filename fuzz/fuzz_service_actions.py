"""Structure-aware: action sequences against a real in-process service (docs: fuzz/README.md).

In the spirit of Chromium's WebNN MojoLPM fuzzer (`services/webnn/webnn_graph_mojolpm_fuzzer.cc`
with its action proto `webnn_graph_mojolpm_fuzzer.proto`): the input is a list of actions
(fuzz/actions.py) generated from the wire model, each becoming a message a client sends; the
custom mutator edits the list (insert a recipe, insert/delete/duplicate/swap an action, mutate
one action's entropy) so inputs stay valid-looking. Each input runs against a fresh
`ClientSession` over a socketpair with a real `Executor` (fuzz/service_runner.py), which checks
the service's invariants; a broken one raises `Finding`.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script (libFuzzer, OSS-Fuzz): the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.harness import fuzz, instrumented  # noqa: E402

with instrumented():
    from fuzz import actions
    from fuzz.service_runner import ServiceRun


def test_one_input(data: bytes) -> None:
    ServiceRun().run(actions.parse(data))


def main() -> None:
    fuzz(test_one_input, custom_mutator=actions.mutate, custom_crossover=actions.crossover)


if __name__ == "__main__":
    main()
