"""One sandboxed service for the tests that look at it from outside (launching one costs
about a second)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from python_service.host import ServiceHost
from tests.service_hosts import service_with


@pytest.fixture(scope="module")
def service_log() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory) / "service.log"


@pytest.fixture(scope="module")
def host(service_log: Path) -> Iterator[ServiceHost]:
    with service_with((), service_log) as service_host:
        yield service_host
