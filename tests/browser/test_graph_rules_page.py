"""In Chromium, the page's NPUGraphBuilder gives what the Python builder gives, call by call.

tests/js/test_graph_rules.py compares the two builders under node on many cases; this replays
the systematic cases (tests/js/graph_rule_cases.py) in a real page, on a real device of the
real service through the bridge, so the module loading (graph_rules.js served beside
client.js) and the device's actual limits are those a page meets.
"""

from __future__ import annotations

from typing import Any

import pytest

from python_service.bridge import Bridge
from python_service.client import connect
from tests.conftest import ROOT
from tests.js.graph_rule_cases import python_answers, systematic_cases, to_json

from .conftest import open_page

TIMEOUT = 30.0

# The node driver's replay (it imports nothing, so its text runs in the page as it is).
REPLAY = (
    (ROOT / "tests/js/graph_rule_replay.mjs").read_text().replace("export function", "function")
)
RUN_IN_PAGE = f"""async (cases) => {{
  {REPLAY}
  const {{ openDevice }} = await import("/web/npu.js");
  const adapter = await navigator.npu?.requestAdapter() ?? null;
  const device = adapter ? await adapter.requestDevice() : await openDevice();
  return cases.map((calls) => replayCalls(device, calls));
}}"""


@pytest.fixture(scope="module")
def python_device(bridge: Bridge) -> Any:
    npu = connect(bridge.host)
    yield npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
    npu.close()


def test_the_page_builder_matches_the_python_builder(
    page: Any, bridge: Bridge, python_device: Any
) -> None:
    # Limit set 0 only: the real device's limits are roomy, as set 0's are.
    cases = [c for c in systematic_cases() if c.limits == 0]
    expected = [python_answers(python_device, c) for c in cases]
    open_page(page, bridge, "index.html")
    seen = page.evaluate(RUN_IN_PAGE, [to_json(c.calls) for c in cases])
    differences = [
        f"{c.label}\n  python: {p}\n  page:   {j}"
        for c, p, j in zip(cases, expected, seen, strict=True)
        if p != j
    ]
    assert len(cases) > 150
    assert not differences, "\n".join(differences[:10])
