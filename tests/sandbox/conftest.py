"""One sandboxed service for the tests that look at it from outside (launching one costs
about a second)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from python_service.host import ServiceHost


@pytest.fixture(scope="module")
def service_log() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory) / "service.log"


@pytest.fixture(scope="module")
def host(service_log: Path) -> Iterator[ServiceHost]:
    fd = os.open(service_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        with ServiceHost(stderr=fd) as service_host:
            service_host.start()
            yield service_host
    finally:
        os.close(fd)
