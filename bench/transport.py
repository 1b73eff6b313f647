"""Transport overhead: Channel against a raw socketpair, sealed memfd against memcpy.

    python bench/transport.py [--round-trips N] [--repeat R] [--json FILE]

Every figure is a ratio measured in the same run, against a second process started here:

- `channel_vs_raw_roundtrip_ratio`: a 16-byte ping-pong through `Channel` (framing, limits,
  descriptor bookkeeping) divided by the same ping-pong with bare `send`/`recv` on a
  socketpair. 1.0 would mean framing is free.
- `shared_memory_bandwidth_fraction`: the time of an in-process 64 MiB memcpy divided by the
  time of a 64 MiB transfer (the other process creates, seals and fills a memfd and sends its
  descriptor; we map it and copy it out). 1.0 would mean the transfer costs one memcpy.
- `reused_region_bandwidth_fraction` (for context): the same, but the region is created and
  shared once and each round is the peer filling it and us copying it out (two memcpys, so
  about 0.5 is the ceiling). The gap to the figure above is the kernel allocating, zeroing
  and freeing a fresh 64 MiB of shmem pages per transfer.

Ratios only; nothing is asserted on timings. The best of `--repeat` rounds is used for each
side, which filters scheduler noise on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from python_service.ipc import Channel, ChannelClosed, SharedMemory  # noqa: E402

MiB = 1 << 20
PING = b"p" * 16
SIZE = struct.Struct("<Q")


# --- the other process ------------------------------------------------------------------


def child_raw(sock: socket.socket) -> None:
    while data := sock.recv(64):
        sock.sendall(data)


def child_channel(sock: socket.socket) -> None:
    with Channel.from_socket(sock) as channel:
        while True:
            try:
                message = channel.receive()
            except ChannelClosed:
                return
            channel.send(message.payload)


def child_shm(sock: socket.socket) -> None:
    """Per request: create a sealed memfd of the asked size, fill it, send the descriptor."""
    source: np.ndarray | None = None
    with Channel.from_socket(sock) as channel:
        while True:
            try:
                (size,) = SIZE.unpack(channel.receive().payload)
            except ChannelClosed:
                return
            if source is None or source.size != size:
                source = np.full(size, 7, dtype=np.uint8)  # prepared outside the timed part
                channel.send(b"ready")
                continue
            with SharedMemory.create(size) as shm:
                target = np.frombuffer(shm.view(), dtype=np.uint8)
                np.copyto(target, source)
                del target
                channel.send(SIZE.pack(size), [shm.fd])
                channel.receive()  # the reader's ack: it has finished with the mapping


def child_shm_reuse(sock: socket.socket) -> None:
    """One region for the whole run (as a buffer's memfd lives as long as the buffer)."""
    with Channel.from_socket(sock) as channel:
        (size,) = SIZE.unpack(channel.receive().payload)
        source = np.full(size, 7, dtype=np.uint8)
        with SharedMemory.create(size) as shm:
            target = np.frombuffer(shm.view(), dtype=np.uint8)
            channel.send(SIZE.pack(size), [shm.fd])
            while True:
                try:
                    channel.receive()
                except ChannelClosed:
                    break
                np.copyto(target, source)
                channel.send(b"done")
            del target


CHILDREN = {
    "raw": child_raw,
    "channel": child_channel,
    "shm": child_shm,
    "shm_reuse": child_shm_reuse,
}


def start_child(mode: str) -> tuple[socket.socket, subprocess.Popen[bytes]]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with theirs:
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", mode, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
        )
    return ours, process


# --- measurements -----------------------------------------------------------------------


def ping_pong_raw(round_trips: int) -> float:
    sock, process = start_child("raw")
    with sock:
        sock.sendall(PING)
        sock.recv(64)  # warm-up
        start = time.perf_counter()
        for _ in range(round_trips):
            sock.sendall(PING)
            got = 0
            while got < len(PING):
                got += len(sock.recv(64))
        elapsed = time.perf_counter() - start
    process.wait()
    return elapsed


def ping_pong_channel(round_trips: int) -> float:
    sock, process = start_child("channel")
    with Channel.from_socket(sock) as channel:
        channel.send(PING)
        channel.receive()  # warm-up
        start = time.perf_counter()
        for _ in range(round_trips):
            channel.send(PING)
            channel.receive()
        elapsed = time.perf_counter() - start
    process.wait()
    return elapsed


def shared_memory_transfers(size: int, repeat: int) -> list[float]:
    sock, process = start_child("shm")
    destination = np.ones(size, dtype=np.uint8)  # touched, so page faults are not timed here
    times = []
    with Channel.from_socket(sock) as channel:
        channel.send(SIZE.pack(size))
        channel.receive()  # the child has prepared its source buffer
        for _ in range(repeat):
            start = time.perf_counter()
            channel.send(SIZE.pack(size))
            with channel.receive() as message:
                (fd,) = message.take_fds()
            with SharedMemory.from_fd(fd, size, readonly=True) as shm:
                source = np.frombuffer(shm.view(), dtype=np.uint8)
                np.copyto(destination, source)
                del source
            times.append(time.perf_counter() - start)
            assert destination[0] == 7 and destination[-1] == 7
            channel.send(b"ack")
    process.wait()
    return times


def shared_memory_reused(size: int, repeat: int) -> list[float]:
    """Per round: the peer fills an already shared region, we copy it out. Two memcpys."""
    sock, process = start_child("shm_reuse")
    destination = np.ones(size, dtype=np.uint8)
    times = []
    with Channel.from_socket(sock) as channel:
        channel.send(SIZE.pack(size))
        with channel.receive() as message:
            (fd,) = message.take_fds()
        with SharedMemory.from_fd(fd, size, readonly=True) as shm:
            source = np.frombuffer(shm.view(), dtype=np.uint8)
            for _ in range(repeat):
                start = time.perf_counter()
                channel.send(b"go")
                channel.receive()
                np.copyto(destination, source)
                times.append(time.perf_counter() - start)
            del source
    process.wait()
    return times


def memcpy(size: int, repeat: int) -> list[float]:
    source = np.full(size, 7, dtype=np.uint8)
    destination = np.ones(size, dtype=np.uint8)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        np.copyto(destination, source)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round-trips", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size-mib", type=int, default=64)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, fd = args.child
        CHILDREN[mode](socket.socket(fileno=int(fd)))
        return

    raw, chan = [], []
    for _ in range(args.repeat):  # interleaved so noise hits both alike
        raw.append(ping_pong_raw(args.round_trips))
        chan.append(ping_pong_channel(args.round_trips))
    size = args.size_mib * MiB
    transfer = shared_memory_transfers(size, args.repeat)
    reused = shared_memory_reused(size, args.repeat)
    copy = memcpy(size, args.repeat)

    raw_us = min(raw) / args.round_trips * 1e6
    chan_us = min(chan) / args.round_trips * 1e6
    results = {
        "channel_vs_raw_roundtrip_ratio": min(chan) / min(raw),
        "shared_memory_bandwidth_fraction": min(copy) / min(transfer),
        "reused_region_bandwidth_fraction": min(copy) / min(reused),
        "raw_roundtrip_us": raw_us,
        "channel_roundtrip_us": chan_us,
        "transfer_ms": min(transfer) * 1e3,
        "reused_region_ms": min(reused) * 1e3,
        "memcpy_ms": min(copy) * 1e3,
        "transfer_bytes": size,
        "round_trips": args.round_trips,
        "repeat": args.repeat,
    }
    gib = size / (1 << 30)
    print(f"{'measure':<34}{'ours':>12}{'baseline':>12}{'ratio':>8}")
    print(
        f"{'16 B round trip (us)':<34}{chan_us:>12.1f}{raw_us:>12.1f}"
        f"{results['channel_vs_raw_roundtrip_ratio']:>8.2f}  channel / raw socketpair"
    )
    print(
        f"{f'{args.size_mib} MiB memfd transfer (GiB/s)':<34}"
        f"{gib / min(transfer):>12.2f}{gib / min(copy):>12.2f}"
        f"{results['shared_memory_bandwidth_fraction']:>8.2f}  fraction of memcpy bandwidth"
    )
    print(
        f"{f'{args.size_mib} MiB reused region (GiB/s)':<34}"
        f"{gib / min(reused):>12.2f}{gib / min(copy):>12.2f}"
        f"{results['reused_region_bandwidth_fraction']:>8.2f}  peer fills, we copy out"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
