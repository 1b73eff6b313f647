"""`python -m python_service --sandbox-report [--json]`: the service's own probes, printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from python_service.sandbox import ALLOW_MISSING_ENV, LAYERS
from tests.service.transport_support import ROOT


def report(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != ALLOW_MISSING_ENV}
    return subprocess.run(
        [sys.executable, "-m", "python_service", "--sandbox-report", *args],
        cwd=ROOT,
        env={**environment, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_json_report_maps_every_layer_to_true():
    result = report("--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == dict.fromkeys(LAYERS, True)


def test_table_report_lists_every_layer_as_active():
    result = report()
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[1:]}
    assert rows == dict.fromkeys(LAYERS, "yes")


def test_allowing_a_layer_to_be_missing_does_not_make_the_report_lie():
    # Allowed missing, but present on this machine: still reported active, exit 0.
    result = report("--json", env={ALLOW_MISSING_ENV: "namespaces"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["namespaces"] is True
