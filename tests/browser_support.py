"""Headless Chromium from Debian, driven by Playwright's Python package (tests and bench).

Never `playwright install`: nothing is downloaded. The flags are the ones that work here as
root in a container: no sandbox (root), no GPU, and nothing that talks to the network on its
own (QUIC, background networking, component updates, sync). Each launch gets a fresh profile:
Playwright's `launch()` makes a new temporary user-data dir itself (and refuses
`--user-data-dir`), removed when the browser closes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = (
    "install Debian's Chromium (scripts/bootstrap.sh ensure_chromium does it as root): "
    "sudo apt-get install chromium chromium-driver; and Playwright's Python package: "
    "pip install -e '.[test]'"
)
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ChromiumMissing(RuntimeError):
    pass


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A Chromium browser (Playwright `Browser`) with a fresh profile, closed on exit."""
    if not CHROMIUM.exists():
        raise ChromiumMissing(f"{CHROMIUM} not found: {INSTALL_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        raise ChromiumMissing(f"playwright is not installed: {INSTALL_HINT}") from e
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()
