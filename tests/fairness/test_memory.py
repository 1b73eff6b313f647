"""Memory quotas (deliverable 5): a memory-hungry client hits the service's budget with an
out-of-memory error (NPUOutOfMemoryError in its error scope), the service's resident memory
stays under --memory-limit, another client still works, and the hungry one can free and
allocate again.

Every buffer is written in full (writeBuffer of non-zero data), so its pages are resident in
the service, not just reserved. The figure checked is VmHWM, the peak of the service's
resident set over its whole life, read from /proc/<pid>/status: a transient excursion over
the limit would show there too.
"""

from __future__ import annotations

import numpy as np
import pytest

from python_service.generated.interfaces import NPUBufferUsage as U
from python_service.generated.interfaces import NPUOutOfMemoryError
from python_service.service.limits import peak_resident_bytes, resident_bytes
from tests.e2e.validation_support import assert_serves

from .conftest import TIMEOUT, new_device, service_with

MiB = 1 << 20
LIMIT = 640 * MiB
CHUNK = 32 * MiB


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    log = tmp_path_factory.mktemp("memory") / "service.log"
    args = ["--memory-limit", str(LIMIT), "--memory-headroom", str(64 * MiB)]
    with service_with(args, log) as host:
        yield host


def allocate_until_refused(device, data: np.ndarray) -> tuple[list, object]:
    """Buffers of `data`'s size, each written in full, until one is refused; (kept, error)."""
    kept = []
    for _ in range(4 * LIMIT // CHUNK):  # far more than can fit: the loop must end on error
        device.push_error_scope("out-of-memory")
        candidate = device.create_buffer({"size": data.nbytes, "usage": U.COPY_DST | U.COPY_SRC})
        device.queue.write_buffer(candidate, 0, data)
        error = device.pop_error_scope().result(TIMEOUT)
        if error is not None:
            return kept, error
        kept.append(candidate)
    pytest.fail(f"{len(kept)} buffers of {data.nbytes} bytes and no out-of-memory error")


def test_hungry_client_is_refused_and_the_service_stays_under_its_limit(host):
    hungry_npu, hungry = new_device(host)
    other_npu, other = new_device(host)
    pid = host.service_pid
    assert pid is not None
    start = resident_bytes(pid)  # serving now: imports done, sessions up
    try:
        data = np.full(CHUNK, 7, np.uint8)
        kept, error = allocate_until_refused(hungry, data)
        assert isinstance(error, NPUOutOfMemoryError), error
        assert "memory budget" in error.message
        assert len(kept) >= 4, "the budget should hold several buffers before refusing"
        # Resident, not just reserved: the last buffer really holds what was written.
        hungry.queue.on_submitted_work_done().result(TIMEOUT)
        tail = hungry.queue.read_buffer(kept[-1], CHUNK - 16, 16).result(TIMEOUT)
        assert bytes(tail) == b"\x07" * 16
        assert resident_bytes(pid) > start + (len(kept) - 1) * CHUNK

        # The other client is refused a large buffer too (the budget is shared) but works.
        other.push_error_scope("out-of-memory")
        other.create_buffer({"size": 2 * CHUNK, "usage": U.COPY_DST})
        assert isinstance(other.pop_error_scope().result(TIMEOUT), NPUOutOfMemoryError)
        assert_serves(other)

        # Freeing gives the budget back: the hungry client can allocate again.
        for buffer in kept[:2]:
            buffer.destroy()
        hungry.queue.on_submitted_work_done().result(TIMEOUT)
        again, error = allocate_until_refused(hungry, data)
        assert 1 <= len(again) <= 2 and isinstance(error, NPUOutOfMemoryError)
        assert_serves(hungry)
        peak = peak_resident_bytes(pid)
        assert peak < LIMIT, f"the service peaked at {peak} bytes, over its {LIMIT} limit"
    finally:
        hungry_npu.close()
        other_npu.close()
