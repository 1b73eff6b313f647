"""Wire traces (python_service/ipc/wire_trace.py) and the corpus made from them
(fuzz/corpus_from_traces.py).

A real workload (the Python bindings over a real socketpair to an in-process `ClientSession`
on a real onnxruntime executor) runs with tracing on; its trace must decode with the generated
codec and, replayed into a fresh session, draw the same replies and events the original run
drew: the trace is complete. Tracing off writes nothing (in a fresh process, where the switch
is the environment read at import). The corpus tool is deterministic, and every checked-in
corpus file is an input its target accepts without a finding.
"""

from __future__ import annotations

import dataclasses
import os
import select
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from onnx import TensorProto, helper

from fuzz import corpus_from_traces
from fuzz.harness import ROOT
from fuzz.seeds import seed_dirs
from python_service.client import connect
from python_service.generated import wire as gen
from python_service.generated.interfaces import NPUBufferUsage
from python_service.ipc import Channel, ChannelClosed, SharedMemory, wire_trace
from python_service.service.client_session import ClientSession
from python_service.service.executor import Executor
from python_service.wire import runtime as rt

TIMEOUT = 30.0
LARGE = 32 * 1024  # float32 elements: 128 KiB, above the 64 KiB inline limit (a memfd)


def _model() -> bytes:
    shape = [LARGE]
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    return model.SerializeToString()


class _Tap:
    """Records every frame a channel sends (the service's replies and events) with the
    recorder's own format, so both directions compare the same way."""

    def __init__(self, channel: Channel, path: Path) -> None:
        self.recorder = wire_trace.TraceRecorder(path)
        self._send = channel.send
        channel.send = self.send  # type: ignore[method-assign]

    def send(self, payload: Any, fds: Any = ()) -> None:
        self.recorder.record(payload, fds)
        self._send(payload, fds)


class _Session:
    """A fresh in-process session on its own socketpair, serving on a thread."""

    def __init__(self, executor: Executor, tap: Path) -> None:
        service_end, self.client_end = Channel.pair()
        self.tap = _Tap(service_end, tap)
        self.session = ClientSession(service_end, executor)
        self.thread = threading.Thread(target=self.session.serve, daemon=True)
        self.thread.start()

    def connect(self) -> Channel:  # what `python_service.client.connect` asks a host for
        return self.client_end

    def stop(self) -> None:
        self.client_end.close()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "the session did not end"


def _workload(npu: Any) -> tuple[np.ndarray, bytes]:
    """Adapter, device, a model, a large write (a memfd), dispatch, read back, a validation
    error caught in a scope and one left uncaptured, fenced by onSubmittedWorkDone."""
    model = _model()
    device = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
    graph = device.load_model(model).result(TIMEOUT)
    x = np.linspace(-1, 1, LARGE, dtype=np.float32)
    tensor = {"data_type": "float32", "shape": [LARGE]}
    source = device.create_buffer(
        {"size": x.nbytes, "usage": NPUBufferUsage.INPUT | NPUBufferUsage.COPY_DST,
         "tensor": tensor}
    )  # fmt: skip
    target = device.create_buffer(
        {"size": x.nbytes, "usage": NPUBufferUsage.OUTPUT | NPUBufferUsage.COPY_SRC,
         "tensor": tensor}
    )  # fmt: skip
    device.queue.write_buffer(source, 0, x)
    encoder = device.create_command_encoder()
    encoder.dispatch(graph, {"x": source}, {"y": target})
    device.queue.submit([encoder.finish()])
    y = np.frombuffer(device.queue.read_buffer(target).result(TIMEOUT), np.float32)
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    device.push_error_scope("validation")
    device.create_buffer({"size": 16, "usage": 0})  # no usage: a validation error
    assert device.pop_error_scope().result(TIMEOUT) is not None
    device.create_buffer({"size": 16, "usage": 0})  # uncaptured: an event
    device.queue.on_submitted_work_done().result(TIMEOUT)
    return x, model


def _request_ids(frames: list[wire_trace.TracedFrame]) -> set[int]:
    ids = set()
    for index, frame in enumerate(frames):
        reader = rt.MessageReader(frame.payload, tuple(range(len(frame.descriptors))))
        if index == 0:
            gen.read_hello(reader)
        while (found := gen.read_message(reader)) is not None:
            if found[0].request_id:
                ids.add(found[0].request_id)
        reader.finish()
    return ids


def _normal(value: Any, descriptors: tuple[bytes, ...]) -> Any:
    """A decoded service message with each shared-memory claim replaced by its contents."""
    if isinstance(value, rt.SharedMemoryClaim):
        return ("shared memory", descriptors[value.fd])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (
            type(value).__name__,
            *(_normal(getattr(value, f.name), descriptors) for f in fields),
        )
    if isinstance(value, tuple | list):
        return tuple(_normal(v, descriptors) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _normal(v, descriptors)) for k, v in value.items()))
    return value


def _outcome(service_trace: Path, request_ids: set[int]) -> tuple[dict, list]:
    """What the service sent: replies by request id, and the events in order."""
    replies: dict[int, Any] = {}
    events: list[Any] = []
    pending = set(request_ids)
    for frame in wire_trace.read_trace(service_trace):
        reader = rt.MessageReader(frame.payload, tuple(range(len(frame.descriptors))))
        while (found := gen.read_service_message(reader, pending)) is not None:
            header, message = found
            if header.flags & rt.FLAG_IS_REPLY:
                pending.discard(header.request_id)
                replies[header.request_id] = _normal(message, frame.descriptors)
            else:
                events.append(_normal(message, frame.descriptors))
        reader.finish()
    return replies, events


@pytest.fixture(scope="module")
def executor() -> Iterator[Executor]:
    with Executor(workers=2) as pool:
        yield pool


@pytest.fixture(scope="module")
def recorded(executor: Executor, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The workload run once with tracing on: the client trace, what the service sent, and
    the data the workload wrote and loaded."""
    work = tmp_path_factory.mktemp("recorded")
    traces = work / "traces"
    previous = wire_trace.start(traces)
    served = _Session(executor, work / "service.rec")
    try:
        npu = connect(served)
        written, model = _workload(npu)
        npu.close()
    finally:
        wire_trace.start(previous)
        served.stop()
    files = wire_trace.trace_files(traces)
    return {"dir": traces, "files": files, "service": work / "service.rec", "written": written,
            "model": model}  # fmt: skip


def test_the_trace_holds_whole_frames_that_decode(recorded: dict[str, Any]) -> None:
    assert len(recorded["files"]) == 1, recorded["files"]  # one connection, one file
    name = recorded["files"][0].name
    assert name.startswith(f"{os.getpid()}-") and name.endswith(".trace")
    frames = wire_trace.read_trace(recorded["files"][0])
    assert len(frames) > 3
    kinds = []
    for index, frame in enumerate(frames):
        messages = corpus_from_traces.decode_frame(frame, first=index == 0)
        assert messages is not None, f"frame {index} does not decode"
        kinds += [type(m) for m in messages]
    assert kinds[0] is gen.ConnectionHello
    sent = (gen.NPUDeviceLoadModel, gen.NPUQueueWriteBuffer, gen.NPUCommandEncoderFinish,
            gen.NPUQueueSubmit, gen.NPUQueueReadBuffer, gen.NPUDevicePopErrorScope)  # fmt: skip
    for kind in sent:
        assert kind in kinds, kind
    # The large write went by memfd; the trace kept its contents as they were sent.
    shared = [f.descriptors for f in frames if f.descriptors]
    assert [d for ds in shared for d in ds] == [recorded["written"].tobytes()]


def test_the_trace_replays_to_the_same_replies(
    recorded: dict[str, Any], executor: Executor, tmp_path: Path
) -> None:
    frames = wire_trace.read_trace(recorded["files"][0])
    request_ids = _request_ids(frames)
    original = _outcome(recorded["service"], request_ids)
    assert set(original[0]) == request_ids, "the original run left a request unanswered"
    assert original[1], "the uncaptured validation error was not an event"

    fresh = _Session(executor, tmp_path / "replay.rec")
    try:
        for frame in frames:
            memories = []
            for contents in frame.descriptors:
                memory = SharedMemory.create(len(contents))
                memory.view()[:] = contents
                memories.append(memory)
            fresh.client_end.send(frame.payload, [m.fd for m in memories])
            for memory in memories:
                memory.close()
        # Read until every request is answered (the replies are what the tap recorded).
        answered: set[int] = set()
        while answered != request_ids:
            ready, _, _ = select.select([fresh.client_end], [], [], TIMEOUT)
            assert ready, f"no reply to {sorted(request_ids - answered)}"
            with fresh.client_end.receive() as reply:
                reader = rt.MessageReader(reply.payload, reply.fds)
                pending = request_ids - answered
                while (found := gen.read_service_message(reader, pending)) is not None:
                    if found[0].flags & rt.FLAG_IS_REPLY:
                        answered.add(found[0].request_id)
    except ChannelClosed:
        pytest.fail("the service dropped the replayed connection")
    finally:
        fresh.stop()
    assert _outcome(tmp_path / "replay.rec", request_ids) == original


def test_tracing_off_records_nothing_and_on_records_in_a_fresh_process(tmp_path: Path) -> None:
    """The switch as a user sets it: the environment, read when the module is imported."""
    script = (
        "from python_service.ipc import Channel\n"
        "from python_service.client.connection import Connection\n"
        "a, b = Channel.pair()\n"
        "connection = Connection(a)\n"
        "connection.flush()\n"  # the hello frame
        "with b.receive():\n"
        "    pass\n"
        "connection.close()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != wire_trace.ENV}
    env["PYTHONPATH"] = str(ROOT)
    off, on = tmp_path / "off", tmp_path / "on"
    off.mkdir()
    for extra in ({}, {wire_trace.ENV: str(on)}):
        done = subprocess.run([sys.executable, "-c", script], cwd=off, env=env | extra,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert list(off.iterdir()) == []
    (trace,) = wire_trace.trace_files(on)
    (frame,) = wire_trace.read_trace(trace)
    messages = corpus_from_traces.decode_frame(frame, first=True)
    assert messages == [gen.ConnectionHello(gen.SCHEMA_HASH)]


def test_a_torn_last_record_is_dropped(recorded: dict[str, Any], tmp_path: Path) -> None:
    whole = recorded["files"][0].read_bytes()
    frames = wire_trace.read_trace(recorded["files"][0])
    torn = tmp_path / "torn.trace"
    torn.write_bytes(whole[:-1])
    assert wire_trace.read_trace(torn) == frames[:-1]


def test_the_corpus_tool_is_deterministic(recorded: dict[str, Any], tmp_path: Path) -> None:
    outs = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert corpus_from_traces.main([str(recorded["dir"]), "--out", str(out)]) == 0
        outs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*"))
                     if p.is_file()})  # fmt: skip
    assert outs[0] == outs[1]
    by_target: dict[str, list[bytes]] = {}
    for path, data in outs[0].items():
        by_target.setdefault(path.parts[0], []).append(data)
    assert set(by_target) == set(corpus_from_traces.TARGETS)
    assert by_target["model_loader"] == [recorded["model"]]
    actions = by_target["service_actions"]
    assert len(actions) == 1 and len(actions[0]) > 0
    # The frame with the memfd write is not a decoder seed only if it had too many descriptors.
    assert any(data[1] == 1 for data in by_target["wire_decoder"])


def test_choose_caps_and_prefers_new_features() -> None:
    seeds = [corpus_from_traces.Seed(bytes([i]) * 10, frozenset({"common"})) for i in range(5)]
    seeds.append(corpus_from_traces.Seed(b"rare", frozenset({"rare"})))
    seeds.append(seeds[0])  # a duplicate
    chosen = corpus_from_traces.choose(seeds, max_files=3, max_bytes=1000)
    assert len(chosen) == 3 and len({s.name for s in chosen}) == 3
    assert b"rare" in [s.data for s in chosen]
    assert sum(len(s.data) for s in corpus_from_traces.choose(seeds, 100, 25)) <= 25


@pytest.mark.parametrize("target", corpus_from_traces.TARGETS)
def test_the_checked_in_corpus_is_valid_input(target: str) -> None:
    import importlib

    directory = ROOT / "fuzz" / "corpus" / target
    files = sorted(p for p in directory.iterdir() if p.is_file()) if directory.is_dir() else []
    assert files, f"no corpus in {directory}: see fuzz/README.md, 'Wire traces'"
    assert len(files) <= corpus_from_traces.MAX_FILES
    assert sum(p.stat().st_size for p in files) <= corpus_from_traces.MAX_BYTES
    assert directory in seed_dirs(target)  # what the CLI, the CI runs and bench/fuzz.py read
    module = importlib.import_module(f"fuzz.fuzz_{target}")
    for path in files:
        module.test_one_input(path.read_bytes())  # a Finding (or anything else) fails
