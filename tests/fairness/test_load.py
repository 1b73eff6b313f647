"""The load scenario of bench/load.py at a small scale (acceptance: "8 clients x 1,000
dispatches ... while a ninth client floods"): every result arrives and is right, and the
flooder is cut off. The latency ratio is the bench's figure (bench/README.md), not asserted
here: the machine is shared and noisy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load.py"
CLIENTS = 8
DISPATCHES = 60


def test_eight_clients_lose_nothing_while_a_flooder_is_cut_off(tmp_path):
    figures = tmp_path / "load.json"
    command = [
        sys.executable, str(BENCH), "--clients", str(CLIENTS), "--dispatches", str(DISPATCHES),
        "--warmup", "5", "--json", str(figures), "--service-log", str(tmp_path / "service.log"),
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(figures.read_text())
    assert result["lost_results"] == 0
    assert result["wrong_results"] == 0
    # Every dispatch of both phases was checked against numpy.
    assert result["checked_results"] == 2 * CLIENTS * DISPATCHES
    flood = result["flooder"]
    assert flood["garbage"] + flood["oversized"] >= 1
    assert result["flooder_cut_off"] >= 1
    # Each connection the flooder spoiled was dropped: the service log names the reasons.
    log = (tmp_path / "service.log").read_text()
    assert "WEBNPU_ERROR_MESSAGE_TOO_LARGE" in log or "VALIDATION_ERROR" in log
    assert "p99_ratio_with_flooder" in run.stdout and "p99_ratio_with_flooder" in result
