"""A service and a bridge in front of it, for the bridge and browser suites."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from python_service.bridge import Bridge, BridgeConfig, running_bridge
from tests.service_hosts import service_with


@contextlib.contextmanager
def bridge_with(config: BridgeConfig | None = None) -> Iterator[Bridge]:
    """A started service and a bridge on a free port serving it."""
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "service.log"
        with service_with((), log) as host, running_bridge(host, config) as bridge:
            yield bridge
