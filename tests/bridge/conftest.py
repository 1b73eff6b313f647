"""Bridge fixtures: one service and one bridge for the suite; pages are WebSockets to it,
driven by the unchanged Python client (`BridgeEndpoint`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from python_service.bridge import Bridge
from python_service.bridge.websocket_channel import BridgeEndpoint
from python_service.client import connect
from tests.bridge_support import bridge_with

TIMEOUT = 30.0


@pytest.fixture(scope="session")
def bridge() -> Iterator[Bridge]:
    with bridge_with() as running:
        yield running


@pytest.fixture
def endpoint(bridge: Bridge) -> BridgeEndpoint:
    return BridgeEndpoint(bridge.websocket_url, bridge.origin)


def open_device(endpoint: BridgeEndpoint) -> tuple[Any, Any]:
    """A page through the bridge: its `NPU` entry point and a device."""
    npu = connect(endpoint)
    device = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
    return npu, device
