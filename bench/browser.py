"""The page's dispatch round trip in headless Chromium against the Python client's.

    python bench/browser.py [--runs N] [--rounds R] [--bridge process|thread] [--json FILE]

The bridge runs as deployed (`--bridge process`, the default): `python -m python_service.bridge
--port 0` in its own process, with its own service, as README tells users to run it. The
Python baseline gets its own `ServiceHost` in the bench's process (the same code on the same
machine, in the same run). `--bridge thread` runs the bridge on a thread of the bench's own
process instead, in front of the baseline's service; it then shares the GIL with Playwright's
dispatcher and the host's threads, which costs the bridge rows time no deployment pays.
One headless Chromium (Debian's /usr/bin/chromium via Playwright; tests/browser_support.py)
loads web/roundtrip.html from the bridge. The same loop runs in three places, in the same run:
a tiny graph (relu of float32[4]) with writeBuffer + dispatch (encoder, finish, submit)
+ readBuffer awaited, N times after a warm-up:

- `page`: the page, through the generated polyfill, its WebSocket and the bridge;
- `python`: the Python client on its own service connection (the baseline);
- `python via bridge`: the Python client through the bridge's WebSocket (`BridgeEndpoint`),
  which splits the page's extra cost into the bridge's share and the browser's.

The rounds are interleaved (page, python, python via bridge; again), so noise on the shared
machine hits all three alike; each side's figure is the median over rounds of its per-round
median. Nothing is asserted on timings.

The page's figures come from its own `performance.now()`, which Chromium coarsens to 100 us
unless the page is cross-origin isolated (the bridge sends COOP/COEP for that): the bench
refuses to report if the page is not isolated, and prints the resolution it measured.
`--json FILE` writes:

- `page_vs_python_roundtrip_ratio` (goal <= 2): page median / python median;
- `bridge_vs_python_roundtrip_ratio`: python-via-bridge median / python median;
- `page_vs_python_round_ratios`: page / python of each round (same moment, same noise): their
  spread says how reliable the headline ratio is on this machine at this load;
- `bridge_cpu_ms_per_page_roundtrip`, `bridge_cpu_ms_per_python_roundtrip`: the bridge
  process's CPU time (all its threads, `/proc/PID/task/*/schedstat`) over the page's and the
  Python-via-bridge loops, per round trip; null with `--bridge thread`;
- `page_roundtrip_ms`, `python_roundtrip_ms`, `python_via_bridge_roundtrip_ms`, `runs`, `rounds`,
  `bridge` (process or thread), `page_timer_resolution_ms`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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
# The page's timer must resolve well below the ~1 ms being measured.
MAX_TIMER_RESOLUTION_MS = 0.02
BRIDGE_BANNER = re.compile(r"WebNPU bridge: open (http://127\.0\.0\.1:(\d+))/web/")


class NotIsolated(RuntimeError):
    pass


@contextlib.contextmanager
def bridge_process() -> Iterator[tuple[str, str, int | None]]:
    """`python -m python_service.bridge --port 0` as its own process: (origin, WebSocket URL,
    pid). Its log (one line per HTTP request) goes to a file, shown only if it fails to start."""
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "python_service.bridge", "--port", "0"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            found = BRIDGE_BANNER.search(line)
            if found is None:
                log.seek(0)
                raise SystemExit(f"the bridge did not start (printed {line!r}):\n{log.read()}")
            origin = found.group(1)
            yield origin, f"ws://127.0.0.1:{found.group(2)}/npu", process.pid
        finally:
            # ^C, as a user stops it, so it closes its service cleanly. A shell that starts a
            # background job without job control makes it ignore SIGINT: then SIGTERM.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.terminate()
                process.wait(TIMEOUT)


@contextlib.contextmanager
def bridge_thread(host: ServiceHost) -> Iterator[tuple[str, str, int | None]]:
    with running_bridge(host, BridgeConfig(port=0)) as bridge:
        yield bridge.origin, bridge.websocket_url, None  # its CPU is this process's


def cpu_ns(pid: int | None) -> int:
    """CPU time `pid` has used, all threads, in ns (`/proc/PID/schedstat`'s first field: the
    scheduler's own count, not the 10 ms ticks of `/proc/PID/stat`); 0 without a pid."""
    if pid is None:
        return 0
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
            total += int((task / "schedstat").read_text().split()[0])
    return total


def page_timer_resolution_ms(page: Any) -> float:
    """The page's timer step; refuses (NotIsolated) a page whose timer Chromium coarsens."""
    if page.evaluate("crossOriginIsolated") is not True:
        raise NotIsolated(
            "the page is not cross-origin isolated, so Chromium coarsens performance.now() to "
            "100 us and its medians would be quantized: the bridge must send "
            "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: "
            "require-corp (python_service/bridge/static.py)"
        )
    resolution = page.evaluate("window.timerResolutionMs()")
    if resolution > MAX_TIMER_RESOLUTION_MS:
        raise NotIsolated(f"the page's timer resolves only {resolution * 1000:.0f} us")
    return resolution


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


def measure(runs: int, rounds: int, warmup: int, bridge_mode: str) -> dict[str, Any]:
    samples: dict[str, list[float]] = {"page": [], "python": [], "python via bridge": []}
    with ServiceHost() as host:
        host.start()
        bridge = bridge_process() if bridge_mode == "process" else bridge_thread(host)
        with bridge as (origin, websocket_url, bridge_pid), chromium() as browser:
            page = browser.new_page()
            page.goto(f"{origin}/web/roundtrip.html")
            page.wait_for_function("window.roundTripReady === true")
            resolution = page_timer_resolution_ms(page)
            python = PythonLoop(connect(host))
            via_bridge = PythonLoop(connect(BridgeEndpoint(websocket_url, origin)))
            bridge_cpu = measure_rounds(
                page, python, via_bridge, runs, rounds, warmup, samples, bridge_pid
            )
            python.npu.close()
            via_bridge.npu.close()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "page_vs_python_roundtrip_ratio": medians["page"] / medians["python"],
        "bridge_vs_python_roundtrip_ratio": medians["python via bridge"] / medians["python"],
        "page_vs_python_round_ratios": [
            page / python for page, python in zip(samples["page"], samples["python"], strict=True)
        ],
        "page_roundtrip_ms": medians["page"],
        "python_roundtrip_ms": medians["python"],
        "python_via_bridge_roundtrip_ms": medians["python via bridge"],
        "runs": runs,
        "rounds": rounds,
        "bridge": bridge_mode,
        "page_timer_resolution_ms": resolution,
        # None with --bridge thread: the bridge's CPU is then not told apart from the bench's.
        "bridge_cpu_ms_per_page_roundtrip": bridge_cpu["page"],
        "bridge_cpu_ms_per_python_roundtrip": bridge_cpu["python via bridge"],
        "samples_ms": samples,
    }


def measure_rounds(
    page: Any,
    python: PythonLoop,
    via_bridge: PythonLoop,
    runs: int,
    rounds: int,
    warmup: int,
    samples: dict[str, list[float]],
    bridge_pid: int | None,
) -> dict[str, float | None]:
    """Interleaved rounds into `samples`; the bridge process's CPU per round trip (ms) while
    the page's loops and the Python-via-bridge loops ran (warm-up trips included: they cross
    the bridge too), or None for a bridge on a thread."""
    cpu = {"page": 0, "python via bridge": 0}
    for _ in range(rounds):
        before = cpu_ns(bridge_pid)
        result = page.evaluate("([n, w]) => window.measureRoundTrip(n, w)", [runs, warmup])
        cpu["page"] += cpu_ns(bridge_pid) - before
        if result["result"] != [0, 2, 0, 4]:
            raise SystemExit(f"the page computed {result['result']}")
        samples["page"].append(result["medianMs"])
        samples["python"].append(python.measure(runs, warmup))
        before = cpu_ns(bridge_pid)
        samples["python via bridge"].append(via_bridge.measure(runs, warmup))
        cpu["python via bridge"] += cpu_ns(bridge_pid) - before
    trips = rounds * (runs + warmup)
    return {k: None if bridge_pid is None else v / trips / 1e6 for k, v in cpu.items()}


def table(figures: dict[str, Any]) -> str:
    python = figures["python_roundtrip_ms"]
    rows = [
        ("page (polyfill, WebSocket, bridge)", figures["page_roundtrip_ms"]),
        ("python via bridge (WebSocket)", figures["python_via_bridge_roundtrip_ms"]),
        ("python (own channel: baseline)", python),
    ]
    lines = [
        f"dispatch round trip: relu float32[4], write + dispatch + submit + read, "
        f"median of {figures['runs']} x {figures['rounds']} rounds; bridge in its own "
        f"{figures['bridge']}; page timer resolution "
        f"{figures['page_timer_resolution_ms'] * 1000:.1f} us (cross-origin isolated)",
        f"{'path':<38}{'median ms':>10}{'ratio':>8}",
        "-" * 56,
    ]
    lines += [f"{name:<38}{ms:>10.3f}{ms / python:>7.2f}x" for name, ms in rows]
    ratio = figures["page_vs_python_roundtrip_ratio"]
    lines.append(f"page_vs_python_roundtrip_ratio = {ratio:.2f} (goal <= 2)")
    if figures["bridge_cpu_ms_per_page_roundtrip"] is not None:
        page_cpu = figures["bridge_cpu_ms_per_page_roundtrip"]
        python_cpu = figures["bridge_cpu_ms_per_python_roundtrip"]
        lines.append(
            f"bridge process CPU per round trip: page {page_cpu:.3f} ms, "
            f"python via bridge {python_cpu:.3f} ms"
        )
    per_round = figures["page_vs_python_round_ratios"]
    lines.append(
        f"per round: {min(per_round):.2f} .. {max(per_round):.2f} "
        f"({sum(r <= 2 for r in per_round)} of {len(per_round)} rounds <= 2)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="round trips per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--bridge",
        choices=("process", "thread"),
        default="process",
        help="run the bridge as its own process (as deployed) or on a thread of this one",
    )
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    try:
        figures = measure(args.runs, args.rounds, args.warmup, args.bridge)
    except NotIsolated as refused:
        print(f"bench/browser.py: refusing to report: {refused}", file=sys.stderr)
        return 1
    print(table(figures))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
