"""Load and fairness: 8 clients x 1,000 checked dispatches, without and then with a flooder.

    python bench/load.py [--quick] [--json FILE] [--clients 8] [--dispatches 1000]

One real service (`ServiceHost`, default settings). Every client is a *process* of its own
(this file, `--role client`), as pages are: in threads of one process the bench's own
interpreter lock would add the latency being measured. Each client builds y = relu(a + b) * 2
on float32[1024], then does its dispatches one after another, each with distinct inputs:
writeBuffer a, writeBuffer b, dispatch, submit, readBuffer y; the latency of one dispatch is
from its first writeBuffer to its readBuffer resolving, and every result is compared with
numpy (the graph is exact in float32, so equality is required).

- Phase A: the clients alone.
- Phase B: the same clients (a new round of dispatches), while a ninth process floods the
  service: garbage frames, oversized frames, and valid-but-abusive traffic (createBuffer
  requests over every quota, bursts of empty submits past the pending-submit limit, floods of
  error-scope messages), reconnecting each time it is cut off.

Reported: p50 and p99 latency of each phase over all clients' dispatches;
`p99_ratio_with_flooder` = p99(B) / p99(A) (goal <= 3), `lost_results` (dispatches whose
result never arrived, in either phase; goal 0), `wrong_results` (goal 0), and
`flooder_cut_off` (connections the service dropped for bad messages). Nothing is asserted on
timings; tests/fairness/test_load.py runs this at a small scale and asserts lost = wrong = 0
and that the flooder was cut off.

Connections: the clients ask this process for each connection over a SOCK_SEQPACKET broker
socket; it makes it with `ServiceHost.connect()` and passes the socket with SCM_RIGHTS.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

os.environ["ORT_DISABLE_TELEMETRY"] = "1"

import numpy as np  # noqa: E402

from python_service.ipc.channel import HEADER, Channel, ChannelClosed  # noqa: E402

TIMEOUT = 60.0
log = logging.getLogger("bench.load")
SIZE = 1024
GOAL_RATIO = 3.0


# --- the broker: connections for the worker processes ------------------------------------


class Broker:
    """Serves `connect` requests of one worker process on a SEQPACKET socket pair, and counts
    its "ready" words (a client worker sends one when its warm-up is done)."""

    def __init__(self, host: Any) -> None:
        self.host = host
        self._ready = threading.Semaphore(0)
        self.ours, self.theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                request = self.ours.recv(16)
            except OSError:
                return
            if request == b"connect":
                channel = self.host.connect()
                try:
                    socket.send_fds(self.ours, [b"fd"], [channel.fileno()])
                except OSError:
                    return
                self.connections += 1
                # Dropping the Channel closes our descriptor without shutdown(): close()
                # would shut the connection down for the worker too.
                del channel
            elif request == b"ready":
                self._ready.release()
            elif request in (b"", b"bye"):
                return

    def await_ready(self) -> None:
        if not self._ready.acquire(timeout=10 * TIMEOUT):
            raise TimeoutError("a client never got ready")

    def send(self, word: bytes) -> None:
        self.ours.send(word)

    def close(self) -> None:
        self.ours.close()
        self.theirs.close()


class BrokerHost:
    """In a worker: `connect()` asks the parent for a new connection to the service."""

    def __init__(self, fd: int) -> None:
        self.sock = socket.socket(fileno=fd)
        self.stop = threading.Event()

    def connect(self) -> Channel:
        return Channel.from_socket(self.connect_raw())

    def connect_raw(self) -> socket.socket:
        self.sock.send(b"connect")
        while True:
            data, fds, _flags, _addr = socket.recv_fds(self.sock, 16, 4)
            if data == b"stop":
                self.stop.set()
            if fds:
                return socket.socket(fileno=fds[0])
            if not data:
                raise ChannelClosed("the bench went away")


# --- the client role ----------------------------------------------------------------------


def client_main(args: argparse.Namespace) -> None:
    from python_service.client import connect
    from python_service.generated.interfaces import NPUBufferUsage as U

    broker = BrokerHost(args.broker_fd)
    npu = connect(broker)
    device = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
    tensor = {"data_type": "float32", "shape": [SIZE]}
    builder = device.create_graph_builder()
    a, b = builder.input("a", tensor), builder.input("b", tensor)
    two = builder.constant({"data_type": "float32", "shape": [1]}, np.array([2], np.float32))
    graph = builder.build({"y": builder.mul(builder.relu(builder.add(a, b)), two)}).result(TIMEOUT)
    size = SIZE * 4
    ins = {
        n: device.create_buffer({"size": size, "usage": U.INPUT | U.COPY_DST, "tensor": tensor})
        for n in "ab"
    }
    out = device.create_buffer({"size": size, "usage": U.OUTPUT | U.COPY_SRC, "tensor": tensor})
    rng = np.random.default_rng(args.index)
    queue = device.queue

    def dispatch(i: int, latencies: list[float] | None) -> str:
        x = rng.standard_normal(SIZE).astype(np.float32) + i
        y = rng.standard_normal(SIZE).astype(np.float32)
        start = time.perf_counter()
        queue.write_buffer(ins["a"], 0, x)
        queue.write_buffer(ins["b"], 0, y)
        encoder = device.create_command_encoder()
        encoder.dispatch(graph, ins, {"y": out})
        queue.submit([encoder.finish()])
        try:
            data = queue.read_buffer(out).result(TIMEOUT)
        except Exception:  # rejected or timed out: the result never arrived
            return "lost"
        if latencies is not None:
            latencies.append(time.perf_counter() - start)
        got = np.frombuffer(data, np.float32)
        return "ok" if np.array_equal(got, np.maximum(x + y, 0) * 2) else "wrong"

    for i in range(args.warmup):
        dispatch(-1 - i, None)
    results = []
    for _phase in range(args.phases):
        broker.sock.send(b"ready")
        if broker.sock.recv(16) != b"go":  # b"": the bench is gone, and so are we
            raise SystemExit("the bench went away")
        latencies: list[float] = []
        outcomes = [dispatch(i, latencies) for i in range(args.dispatches)]
        results.append(
            {
                "latencies": latencies,
                "lost": outcomes.count("lost"),
                "wrong": outcomes.count("wrong"),
            }
        )
    npu.close()
    json.dump(results, sys.stdout)


# --- the flooder role ---------------------------------------------------------------------


def flooder_main(args: argparse.Namespace) -> None:
    from python_service.client import connect
    from python_service.generated import wire as gen
    from python_service.generated.interfaces import NPUBufferUsage as U
    from python_service.wire import runtime as rt

    broker = BrokerHost(args.broker_fd)
    rng = np.random.default_rng(99)
    counts = {"garbage": 0, "oversized": 0, "abusive": 0, "cut_off": 0}
    writer = rt.MessageWriter()
    gen.ConnectionHello(gen.SCHEMA_HASH).encode(writer)
    hello, _fds = writer.finish()

    def cut_off(sock: socket.socket) -> bool:
        """Whether the service closed this connection (EOF) within a while."""
        sock.settimeout(TIMEOUT)
        try:
            while sock.recv(65536):
                pass  # replies and events to earlier valid messages
            return True
        except ConnectionResetError:  # closed with our bytes unread: cut off too
            return True
        except OSError:  # timed out: still connected
            return False
        finally:
            sock.close()

    round_ = 0
    while not broker.stop.is_set():
        round_ += 1
        kind = args.flood[round_ % len(args.flood)]
        counts[kind] += 1
        if kind == "abusive":
            npu = connect(broker)
            try:
                device = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
                for _ in range(20):  # over maxBufferSize, then over the client quota
                    device.create_buffer({"size": (1 << 31) - 1, "usage": U.COPY_DST})
                    device.create_buffer({"size": (1 << 30) + 1, "usage": U.COPY_DST})
                encoders = [device.create_command_encoder() for _ in range(200)]
                # Past the 64 pending submits: validation errors, nothing queued beyond it.
                device.queue.submit([e.finish() for e in encoders])
                for _ in range(2_000):
                    device.push_error_scope("validation")
                device.pop_error_scope().result(TIMEOUT)
            except Exception:  # noqa: BLE001 (a rejection is as good as a reply here)
                pass
            finally:
                npu.close()
            continue
        sock = broker.connect_raw()
        try:
            if kind == "garbage":  # a valid hello, then 4 KiB of random messages
                junk = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
                payload = hello + junk
                sock.sendall(HEADER.pack(len(payload), 0, 0) + payload)
            else:  # a header announcing 64 MiB, past the 4 MiB frame limit
                sock.sendall(HEADER.pack(64 << 20, 0, 0) + bytes(1024))
        except OSError:
            pass  # already dropped
        if cut_off(sock):
            counts["cut_off"] += 1
    json.dump(counts, sys.stdout)


# --- the parent ---------------------------------------------------------------------------


def start_worker(role: str, broker: Broker, *extra: str) -> subprocess.Popen[bytes]:
    fd = broker.theirs.fileno()
    command = [sys.executable, __file__, "--role", role, "--broker-fd", str(fd), *extra]
    return subprocess.Popen(command, pass_fds=[fd], stdout=subprocess.PIPE)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def run(
    clients: int,
    dispatches: int,
    warmup: int,
    service_log: Path,
    flood: list[str],
    service_args: list[str],
) -> dict[str, Any]:
    from python_service.host import ServiceHost

    # The service logs every client it drops; that goes to `service_log`, not the table.
    log_fd = os.open(service_log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with ServiceHost(service_args=service_args, stderr=log_fd) as host:
        host.start()
        phases = 2
        brokers = [Broker(host) for _ in range(clients)]
        workers = [
            start_worker(
                "client",
                b,
                "--index",
                str(i),
                "--dispatches",
                str(dispatches),
                "--warmup",
                str(warmup),
                "--phases",
                str(phases),
            )
            for i, b in enumerate(brokers)
        ]
        flooder_broker = Broker(host)
        flooder = None
        try:
            for phase in range(phases):
                for broker in brokers:
                    broker.await_ready()
                log.warning("phase %s starts", "AB"[phase])
                if phase == 1:
                    flooder = start_worker("flooder", flooder_broker, "--flood", ",".join(flood))
                    time.sleep(1.0)  # let the flood get going before the clients start
                for broker in brokers:
                    broker.send(b"go")
            outputs = [json.loads(w.communicate(timeout=10 * TIMEOUT)[0]) for w in workers]
            log.warning("clients done")
            assert flooder is not None
            flooder_broker.send(b"stop")
            flood = json.loads(flooder.communicate(timeout=TIMEOUT)[0])
        finally:
            # On any failure, no worker outlives the bench.
            for worker in [*workers, *([flooder] if flooder else [])]:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()
            for broker in [*brokers, flooder_broker]:
                broker.close()
    os.close(log_fd)
    a = [x for out in outputs for x in out[0]["latencies"]]
    b = [x for out in outputs for x in out[1]["latencies"]]
    p99_a, p99_b = percentile(a, 99), percentile(b, 99)
    return {
        "clients": clients,
        "dispatches_per_client": dispatches,
        "without_flooder": {"p50_ms": percentile(a, 50) * 1e3, "p99_ms": p99_a * 1e3},
        "with_flooder": {"p50_ms": percentile(b, 50) * 1e3, "p99_ms": p99_b * 1e3},
        "p99_ratio_with_flooder": p99_b / p99_a,
        "lost_results": sum(p["lost"] for out in outputs for p in out),
        "wrong_results": sum(p["wrong"] for out in outputs for p in out),
        "checked_results": sum(len(p["latencies"]) for out in outputs for p in out),
        "flooder": flood,
        "flooder_cut_off": flood["cut_off"],
        "flooder_connections": flooder_broker.connections,
    }


def print_table(result: dict[str, Any]) -> None:
    a, b = result["without_flooder"], result["with_flooder"]
    print(f"{result['clients']} clients x {result['dispatches_per_client']} dispatches per phase")
    print(f"{'phase':<16}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'no flooder':<16}{a['p50_ms']:>10.2f}{a['p99_ms']:>10.2f}")
    print(f"{'with flooder':<16}{b['p50_ms']:>10.2f}{b['p99_ms']:>10.2f}")
    ratio = result["p99_ratio_with_flooder"]
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(f"p99_ratio_with_flooder  {ratio:.2f}  (goal <= {GOAL_RATIO:g}: {verdict})")
    print(f"lost_results {result['lost_results']}  wrong_results {result['wrong_results']}  "
          f"(of {result['checked_results']} checked)")  # fmt: skip
    flood = result["flooder"]
    print(
        f"flooder: cut off {flood['cut_off']} times; connections: {flood['garbage']} garbage, "
        f"{flood['oversized']} oversized, {flood['abusive']} abusive"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=["bench", "client", "flooder"], default="bench")
    parser.add_argument("--broker-fd", type=int)
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--dispatches", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--phases", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="200 dispatches per client")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument(
        "--service-args", type=lambda text: text.split(), default=[],
        help="extra service command-line arguments, e.g. '--message-rate 5000'",
    )  # fmt: skip
    parser.add_argument(
        "--flood", type=lambda text: text.split(","), default=["garbage", "oversized", "abusive"],
        help="what the flooder sends, in turn (comma-separated)",
    )  # fmt: skip
    parser.add_argument(
        "--service-log", type=Path, default=Path("/tmp/webnpu-load-service.log"),
        help="where the service's stderr goes",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.role == "client":
        client_main(args)
        return 0
    if args.role == "flooder":
        flooder_main(args)
        return 0
    logging.basicConfig(format="%(asctime)s %(name)s: %(message)s", level=logging.WARNING)
    dispatches = args.dispatches or (200 if args.quick else 1_000)
    result = run(
        args.clients, dispatches, args.warmup, args.service_log, args.flood, args.service_args
    )
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
