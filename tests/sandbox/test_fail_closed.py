"""Fail closed: a layer that cannot be applied stops the service, which says which and why,
and the host raises that; the weaker mode must be asked for by name, and is then reported.

`--test-fail-layer NAME` (a service flag no client can reach) makes that one layer's apply
fail, standing in for a machine that lacks it.
"""

from __future__ import annotations

import pytest

from python_service.host import ServiceHost, ServiceUnavailable
from python_service.sandbox import ALLOW_MISSING_ENV, LAYERS
from tests.sandbox.support import run_workload


@pytest.mark.parametrize("layer", LAYERS)
def test_a_missing_layer_stops_the_service_and_the_host_says_which(layer):
    host = ServiceHost(service_args=["--test-fail-layer", layer])
    with host, pytest.raises(ServiceUnavailable) as refused:
        host.start()
    message = str(refused.value)
    assert f"sandbox layer {layer!r} unavailable" in message, message
    assert "forced to fail by --test-fail-layer" in message, message
    # It exited (status 3: refused) and nothing is left running.
    assert host.exit_statuses == [3]
    assert not host.alive()


def test_the_weaker_mode_is_explicit_and_reported():
    with ServiceHost(
        service_args=["--test-fail-layer", "landlock"], sandbox_allow_missing={"landlock"}
    ) as host:
        host.start()
        assert host.sandbox_report is not None
        assert host.sandbox_report.layers == {name: name != "landlock" for name in LAYERS}
        npu, _device = run_workload(host)  # and it serves
        npu.close()


def test_the_weaker_mode_from_the_environment(monkeypatch):
    monkeypatch.setenv(ALLOW_MISSING_ENV, "seccomp, rlimits")
    with ServiceHost(service_args=["--test-fail-layer", "seccomp"]) as host:
        host.start()
        assert host.sandbox_allow_missing == {"seccomp", "rlimits"}
        assert host.sandbox_report.layers["seccomp"] is False
        # Allowed to be missing is not the same as missing: rlimits applied fine.
        assert host.sandbox_report.layers["rlimits"] is True


def test_an_unknown_layer_name_is_refused(monkeypatch):
    with pytest.raises(ValueError, match="unknown sandbox layers"):
        ServiceHost(sandbox_allow_missing={"landlok"})
    monkeypatch.setenv(ALLOW_MISSING_ENV, "selinux")
    with pytest.raises(ValueError, match="unknown sandbox layers"):
        ServiceHost()
