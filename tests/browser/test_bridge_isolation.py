"""The bridge's pages are cross-origin isolated (python_service/bridge/static.py sends COOP
and COEP): Chromium then gives `performance.now()` its fine resolution, which
bench/browser.py relies on, and the demo pages still load under `require-corp`."""

from __future__ import annotations

from typing import Any

import pytest

from python_service.bridge import Bridge

from .conftest import open_page

# The page, the module that sets its ready flag.
PAGES = [
    ("index.html", "true"),
    ("demo.html", "window.demoReady"),
    ("operations.html", "window.operationsReady"),
    ("roundtrip.html", "window.roundTripReady"),
]


@pytest.mark.parametrize(("name", "ready"), PAGES)
def test_the_bridges_pages_are_cross_origin_isolated(
    page: Any, bridge: Bridge, name: str, ready: str
) -> None:
    open_page(page, bridge, name, ready)
    assert page.evaluate("crossOriginIsolated") is True
    assert page.page_errors == []


def test_isolation_gives_the_page_a_fine_timer(page: Any, bridge: Bridge) -> None:
    """Not isolated, Chromium coarsens performance.now() to 100 us; isolated, to 5 us."""
    open_page(page, bridge, "roundtrip.html", "window.roundTripReady")
    assert page.evaluate("window.timerResolutionMs()") <= 0.02
