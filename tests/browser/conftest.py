"""Browser fixtures: one service + bridge, one headless Chromium (Debian's, through Playwright)
for the suite; a fresh page (own context: own origin storage, own WebSocket) per test.

Artifacts (screenshots) go to tests/artifacts/browser/, which .gitignore covers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from python_service.bridge import Bridge
from tests.bridge_support import bridge_with
from tests.browser_support import chromium

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="session")
def bridge() -> Iterator[Bridge]:
    with bridge_with() as running:
        yield running


# Package scope, not session: while Playwright's sync API is live it holds an asyncio loop as
# the main thread's running loop, and later suites that call asyncio.run() would fail.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.page_errors = errors  # uncaught exceptions in the page, for failure messages
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def open_page(page: Any, bridge: Bridge, name: str, ready: str = "true") -> None:
    """Load web/NAME from the bridge and wait until the JS expression `ready` is true (the
    page's module has run)."""
    page.goto(f"{bridge.origin}/web/{name}")
    try:
        page.wait_for_function(f"({ready}) === true")
    except Exception as error:
        raise AssertionError(f"{name} did not load: page errors {page.page_errors}") from error
