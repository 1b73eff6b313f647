"""The page's dispatch round trip in headless Chromium against the Python client's.

    python bench/browser.py [--runs N] [--rounds R] [--json FILE]

One service (`ServiceHost`), one bridge in front of it (python_service/bridge), one headless
Chromium (Debian's /usr/bin/chromium via Playwright; tests/browser_support.py) on
web/roundtrip.html. The same loop runs in three places, against the same service, in the same
run: a tiny graph (relu of float32[4]) with writeBuffer + dispatch (encoder, finish, submit)
+ readBuffer awaited, N times after a warm-up:

- `page`: the page, through the generated polyfill, its WebSocket and the bridge;
- `python`: the Python client on its own service connection (the baseline);
- `python via bridge`: the Python client through the bridge's WebSocket (`BridgeEndpoint`),
  which splits the page's extra cost into the bridge's share and the browser's.

The rounds are interleaved (page, python, python via bridge; again), so noise on the shared
machine hits all three alike; each side's figure is the median over rounds of its per-round
median. Nothing is asserted on timings. `--json FILE` writes:

- `page_vs_python_roundtrip_ratio` (goal <= 2): page median / python median;
- `bridge_vs_python_roundtrip_ratio`: python-via-bridge median / python median;
- `page_roundtrip_ms`, `python_roundtrip_ms`, `python_via_bridge_roundtrip_ms`, `runs`, `rounds`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

from python_service.bridge import BridgeConfig, running_bridge  # noqa: E402
from python_service.bridge.websocket_channel import BridgeEndpoint  # noqa: E402
from python_service.client import connect  # noqa: E402
from python_service.generated.interfaces import NPUBufferUsage  # noqa: E402
from python_service.host import ServiceHost  # noqa: E402
from tests.browser_support import chromium  # noqa: E402

TIMEOUT = 30.0


class PythonLoop:
    """web/roundtrip.html's loop, in the Python client (same graph, buffers and calls)."""

    def __init__(self, npu: Any) -> None:
        self.npu = npu
        self.device = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
        builder = self.device.create_graph_builder()
        x = builder.input("x", {"data_type": "float32", "shape": [4]})
        self.graph = builder.build({"y": builder.relu(x)}).result(TIMEOUT)
        tensor = {"data_type": "float32", "shape": [4]}
        usage_in = NPUBufferUsage.INPUT | NPUBufferUsage.COPY_DST
        usage_out = NPUBufferUsage.OUTPUT | NPUBufferUsage.COPY_SRC
        self.input = self.device.create_buffer({"size": 16, "usage": usage_in, "tensor": tensor})
        self.output = self.device.create_buffer({"size": 16, "usage": usage_out, "tensor": tensor})
        self.data = np.float32([-1, 2, -3, 4])

    def measure(self, runs: int, warmup: int) -> float:
        queue = self.device.queue
        times = []
        for i in range(warmup + runs):
            start = time.perf_counter()
            queue.write_buffer(self.input, 0, self.data)
            encoder = self.device.create_command_encoder()
            encoder.dispatch(self.graph, {"x": self.input}, {"y": self.output})
            queue.submit([encoder.finish()])
            result = np.frombuffer(queue.read_buffer(self.output).result(TIMEOUT), np.float32)
            if i >= warmup:
                times.append(time.perf_counter() - start)
        if result.tolist() != [0, 2, 0, 4]:
            raise SystemExit(f"python loop computed {result.tolist()}")
        return statistics.median(times) * 1000


def measure(runs: int, rounds: int, warmup: int) -> dict[str, Any]:
    samples: dict[str, list[float]] = {"page": [], "python": [], "python via bridge": []}
    with (
        ServiceHost() as host,
        running_bridge(host, BridgeConfig(port=0)) as bridge,
        chromium() as browser,
    ):
        host.start()
        page = browser.new_page()
        page.goto(f"{bridge.origin}/web/roundtrip.html")
        page.wait_for_function("window.roundTripReady === true")
        python = PythonLoop(connect(host))
        via_bridge = PythonLoop(connect(BridgeEndpoint(bridge.websocket_url, bridge.origin)))
        for _ in range(rounds):
            result = page.evaluate("([n, w]) => window.measureRoundTrip(n, w)", [runs, warmup])
            if result["result"] != [0, 2, 0, 4]:
                raise SystemExit(f"the page computed {result['result']}")
            samples["page"].append(result["medianMs"])
            samples["python"].append(python.measure(runs, warmup))
            samples["python via bridge"].append(via_bridge.measure(runs, warmup))
        python.npu.close()
        via_bridge.npu.close()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "page_vs_python_roundtrip_ratio": medians["page"] / medians["python"],
        "bridge_vs_python_roundtrip_ratio": medians["python via bridge"] / medians["python"],
        "page_roundtrip_ms": medians["page"],
        "python_roundtrip_ms": medians["python"],
        "python_via_bridge_roundtrip_ms": medians["python via bridge"],
        "runs": runs,
        "rounds": rounds,
        "samples_ms": samples,
    }


def table(figures: dict[str, Any]) -> str:
    python = figures["python_roundtrip_ms"]
    rows = [
        ("page (polyfill, WebSocket, bridge)", figures["page_roundtrip_ms"]),
        ("python via bridge (WebSocket)", figures["python_via_bridge_roundtrip_ms"]),
        ("python (own channel: baseline)", python),
    ]
    lines = [
        f"dispatch round trip: relu float32[4], write + dispatch + submit + read, "
        f"median of {figures['runs']} x {figures['rounds']} rounds",
        f"{'path':<38}{'median ms':>10}{'ratio':>8}",
        "-" * 56,
    ]
    lines += [f"{name:<38}{ms:>10.3f}{ms / python:>7.2f}x" for name, ms in rows]
    ratio = figures["page_vs_python_roundtrip_ratio"]
    lines.append(f"page_vs_python_roundtrip_ratio = {ratio:.2f} (goal <= 2)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="round trips per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    figures = measure(args.runs, args.rounds, args.warmup)
    print(table(figures))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
