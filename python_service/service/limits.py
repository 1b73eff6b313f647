"""The fairness knobs of `ServiceConfig`, turned into what the executor and the sessions take.

`Server` builds the executor with `executor_options(config)` and every `ClientSession` with the
one `SessionResources` it makes at start, so all sessions share one `MemoryBudget`.

The memory budget: `--memory-limit` bounds the service's *resident* memory, the figure the
machine feels (VmRSS). What clients make the service hold (buffers, graphs, client data
waiting to be copied) comes out of a budget of that limit minus what the service already
holds when it starts serving (the interpreter, onnxruntime, numpy: measured, not guessed)
minus `--memory-headroom` for the service's own transient work (decoding a frame, copying a
command stream or a model before it is compiled, onnxruntime's intermediate tensors). A
limit that leaves no budget refuses to start, naming the figures.
"""

from __future__ import annotations

import logging
import os
import resource
import sys
from dataclasses import dataclass, replace

from python_service.exit_status import ServiceExit
from python_service.service.config import ServiceConfig
from python_service.service.objects import ClientQuotas, MemoryBudget
from python_service.service.rate_limit import FairShare, RateLimits

log = logging.getLogger(__name__)

# The service's exit status when the watchdog escalates (a kernel ignored `terminate`): the
# host sees a crash and loses every device, as Chrome's browser does for a GPU process its
# watchdog killed. Every status is listed in python_service/exit_status.py.
WATCHDOG_EXIT_STATUS = ServiceExit.WATCHDOG


def exit_on_stuck(what: str) -> None:
    """Escalation for the service process: exit at once. A kernel that ignores onnxruntime's
    terminate flag cannot be stopped from inside the process, and it holds a worker (and its
    memory) for as long as it likes; only the process boundary stops it."""
    log.critical("watchdog: %s; exiting so the host can recover", what)
    sys.stderr.flush()
    os._exit(WATCHDOG_EXIT_STATUS)


def executor_options(config: ServiceConfig) -> dict[str, object]:
    return {
        "dispatch_timeout": config.dispatch_timeout,
        "watchdog_grace": config.watchdog_grace,
        "on_stuck": exit_on_stuck,
    }


def own_peak_resident_bytes() -> int:
    """This process's peak resident memory, by getrusage: a system call, not a file, so it
    works under Landlock (which may deny /proc) too. At start-up the peak is the current."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def resident_bytes(pid: int | str = "self") -> int:
    """VmRSS of a process, in bytes (Linux /proc)."""
    return _status_field(pid, "VmRSS")


def peak_resident_bytes(pid: int | str = "self") -> int:
    """VmHWM (the peak of VmRSS) of a process, in bytes."""
    return _status_field(pid, "VmHWM")


def _status_field(pid: int | str, name: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024  # "VmRSS:  12345 kB"
    raise RuntimeError(f"/proc/{pid}/status has no {name}")


def default_memory_limit() -> int:
    """Half of the machine's memory: the service shares it with the browser and the pages."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2


class MemoryLimitTooLow(ValueError):
    """--memory-limit leaves nothing for clients after the service's own memory."""


@dataclass(frozen=True)
class SessionResources:
    """What every ClientSession of the service is built with (keyword arguments)."""

    quotas: ClientQuotas
    budget: MemoryBudget
    rate_limits: RateLimits
    fair_share: FairShare

    def as_kwargs(self) -> dict[str, object]:
        return {
            "quotas": self.quotas,
            "budget": self.budget,
            "rate_limits": self.rate_limits,
            "fair_share": self.fair_share,
        }


def session_resources(config: ServiceConfig, baseline: int | None = None) -> SessionResources:
    """Quotas, the shared budget and rate limits from `config`. `baseline` is the service's
    resident memory before any client (measured now, if not given)."""
    limit = config.memory_limit if config.memory_limit is not None else default_memory_limit()
    baseline = own_peak_resident_bytes() if baseline is None else baseline
    capacity = limit - baseline - config.memory_headroom
    if capacity <= 0:
        raise MemoryLimitTooLow(
            f"--memory-limit {limit} leaves no memory for clients: the service holds {baseline} "
            f"bytes before any client and keeps --memory-headroom {config.memory_headroom}"
        )
    quotas = ClientQuotas()
    if config.client_memory_limit is not None:
        quotas = replace(quotas, max_memory_bytes=config.client_memory_limit)
    if config.max_queued_operations is not None:
        quotas = replace(quotas, max_queued_operations=config.max_queued_operations)
    rates = RateLimits()
    if config.message_rate is not None:
        rates = replace(rates, messages_per_second=config.message_rate)
    if config.byte_rate is not None:
        rates = replace(rates, bytes_per_second=config.byte_rate)
    if config.cpu_capacity is not None:
        rates = replace(rates, cpu_capacity=config.cpu_capacity)
    log.info(
        "memory: limit %d, service %d, headroom %d, client budget %d bytes",
        limit,
        baseline,
        config.memory_headroom,
        capacity,
    )
    return SessionResources(quotas, MemoryBudget(capacity), rates, FairShare(rates.cpu_capacity))


__all__ = [
    "WATCHDOG_EXIT_STATUS",
    "MemoryLimitTooLow",
    "SessionResources",
    "executor_options",
    "exit_on_stuck",
    "peak_resident_bytes",
    "resident_bytes",
    "session_resources",
]
