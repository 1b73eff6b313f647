"""The polyfill in node against a REAL service process, through a stand-in for the bridge.

The relay below is the bridge reduced to what the polyfill needs: node's stdout carries bridge
messages (python_service/bridge/framing.py's format, each behind a u32 length), which become
frames on a service channel from `host.connect()` (attachments as sealed memfds); the service's
frames go back with their descriptors' contents as attachments. The page script
(tests/js/e2e_client.mjs) builds and runs a graph whose tensors are over 64 KiB (so inputs,
constants and outputs travel as attachments both ways) and reports what it saw; the results
are checked against numpy.
"""

from __future__ import annotations

import json
import struct
import subprocess
import threading

import numpy as np
import pytest

from python_service.bridge.page_relay import memfds_for, read_attachments
from python_service.generated import wire as gen
from python_service.ipc.channel import ChannelClosed
from tests.conftest import ROOT
from tests.js.harness import require_node
from tests.js.stdio_framing import read_messages, write_message
from tests.service_hosts import service_with

N = 20000
HEADER = struct.Struct("<II")  # a message header's num_bytes and ordinal
SUBMIT = gen.NPUQueueSubmit.ORDINAL
READ_BUFFER = gen.NPUQueueReadBuffer.ORDINAL


def _ordinals(payload: memoryview) -> list[int]:
    """The ordinal of each message in a frame, in order (docs/wire.md §3.1 headers)."""
    ordinals, at = [], 0
    while at < len(payload):
        num_bytes, ordinal = HEADER.unpack_from(payload, at)
        ordinals.append(ordinal)
        at += num_bytes
    return ordinals


def _relay_to_service(stream, channel, frames: list[list[int]]) -> None:
    """node's stdout -> the service channel, until node closes it; each frame's ordinals are
    appended to `frames` (what the page batched together)."""
    for message in read_messages(stream):
        frames.append(_ordinals(message.payload))
        regions = memfds_for(message.attachments)
        try:
            channel.send(bytes(message.payload), [r.fd for r in regions])
        finally:
            for region in regions:
                region.close()


def _relay_to_node(channel, stream) -> None:
    """The service channel -> node's stdin, until the service closes the connection."""
    try:
        while True:
            with channel.receive() as frame:
                attachments = read_attachments(frame.fds, 1 << 30)
                write_message(stream, frame.payload, attachments)
    except (ChannelClosed, BrokenPipeError, ValueError, OSError):
        pass


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> dict:
    node = require_node()
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, N)).astype(np.float32)
    c = rng.standard_normal((1, N)).astype(np.float32)
    work = tmp_path_factory.mktemp("js-e2e")
    data, result = work / "data.json", work / "result.json"
    data.write_text(json.dumps({"x": x[0].tolist(), "c": c[0].tolist()}))
    log = work / "service.log"
    with service_with([], log) as host:
        channel = host.connect()
        proc = subprocess.Popen(
            [node, str(ROOT / "tests/js/e2e_client.mjs"), str(data), str(result)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        frames: list[list[int]] = []
        up = threading.Thread(
            target=_relay_to_service, args=(proc.stdout, channel, frames), daemon=True
        )
        down = threading.Thread(target=_relay_to_node, args=(channel, proc.stdin), daemon=True)
        up.start()
        down.start()
        try:
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
            channel.close()
        up.join(timeout=5)
        stderr = proc.stderr.read().decode()
    assert proc.returncode == 0, f"the page script failed:\n{stderr}\n{log.read_text()[-3000:]}"
    out = json.loads(result.read_text())
    out["_x"], out["_c"], out["_frames"] = x, c, frames
    return out


def test_the_page_runs_a_graph_on_the_service_and_matches_numpy(page):
    x, c = page["_x"], page["_c"]
    y = np.maximum(x * 2 + c, 0)
    z = y.reshape(200, 100)
    s = np.exp(z - z.max(axis=1, keepdims=True))
    s /= s.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(np.array(page["y"], np.float32), y[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.array(page["s"], np.float32), s.reshape(-1), rtol=1e-5, atol=1e-7)
    assert page["scope"] is None
    assert page["graphInputs"] == [{"dataType": "float32", "shape": [1, N], "name": "x"}]
    assert {o["name"]: o["shape"] for o in page["graphOutputs"]} == {"y": [1, N], "s": [200, 100]}


def test_the_page_sees_the_services_errors_as_the_api_says(page):
    assert page["captured"]["isValidation"] is True
    assert page["captured"]["message"]
    assert page["emptyPop"]["type"] == "OperationError"
    assert page["badBuild"]["type"] == "TypeError"
    assert page["writeMap"]["type"] == "NotSupportedError"


def test_a_read_mapping_and_device_loss_reach_the_page(page):
    assert page["mapped"] == [5, 6, 7, 8, 9, 10, 11, 12]
    assert page["mapState"] == "unmapped"
    assert page["lost"] == {"reason": "destroyed"}
    assert page["adapter"]["vendor"] == "onnxruntime"
    assert page["adapter"]["maxTensorRank"] == 8


def test_a_submit_and_a_read_in_one_task_leave_as_one_frame(page):
    # e2e_client.mjs's first submit is followed, in the same task, by readBuffer: the page
    # holds the submit until the task ends, so the request carries it (one frame, not two).
    with_submit = [f for f in page["_frames"] if SUBMIT in f]
    assert len(with_submit) == 2, page["_frames"]
    first = with_submit[0]
    assert READ_BUFFER in first[first.index(SUBMIT) :], first


def test_a_submit_alone_in_its_task_is_sent_when_the_task_ends(page):
    counts = page["submitFlush"]
    assert counts["framesAfterSubmit"] == counts["framesBeforeSubmit"]  # held, not flushed
    assert counts["framesAtTaskEnd"] == counts["framesBeforeSubmit"] + 1
    # ...and at the relay the second submit's frame ends with it: nothing else was queued.
    second = [f for f in page["_frames"] if SUBMIT in f][1]
    assert second[-1] == SUBMIT, second
