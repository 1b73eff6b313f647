"""The bridge's event loop: uvloop's, a declared dependency (pyproject.toml).

Per round trip the bridge spends most of its CPU in the event loop and its socket transports
(selector wake-ups, callbacks, reads and writes); uvloop does that part in C. Measured with the
Python client through the bridge run as its own process: 0.22 ms of bridge CPU per dispatch
round trip on asyncio's loop, 0.16 ms on uvloop's, and the round trip 5-8% shorter. No
fallback to asyncio's loop: a bridge that is silently slower would make every figure in
bench/browser.py mean something else.
"""

from __future__ import annotations

import asyncio

try:
    import uvloop
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "the WebNPU bridge runs on uvloop, which is not installed: "
        "pip install -e . (pyproject.toml declares it), or bash scripts/test.sh"
    ) from error


def new_event_loop() -> asyncio.AbstractEventLoop:
    return uvloop.new_event_loop()
