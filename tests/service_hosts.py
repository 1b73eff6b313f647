"""Starting a real service process for a test: the one way every suite does it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from python_service.host import ServiceHost


@contextlib.contextmanager
def service_with(args: Sequence[str], log: Path) -> Iterator[ServiceHost]:
    """A started service with `args` on its command line, its stderr appended to `log` (what
    the sandbox, the watchdog and the budget logged, for the test to read)."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        with ServiceHost(service_args=list(args), stderr=fd) as host:
            host.start()
            yield host
    finally:
        os.close(fd)
