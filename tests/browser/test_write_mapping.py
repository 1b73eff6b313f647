"""mapAsync(WRITE) in the page: the page writes into copies of the buffer's memfd, and the
polyfill writes them back through the bridge at unmap() (polyfill/runtime/write_mapping.js).
The same calls run in the Python client, which writes into the memfd in place; the page must
end up with the same buffer contents."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from python_service.bridge import Bridge
from python_service.client import DOMException, connect
from python_service.generated.interfaces import NPUBufferUsage, NPUMapMode

from .conftest import open_page

TIMEOUT = 30.0
WRITABLE = NPUBufferUsage.MAP_WRITE | NPUBufferUsage.COPY_SRC
LARGE = 1 << 20  # attachments both ways, and a write-back over the bridge's loop limit

# The page's side: the same calls as `python_side` below.
PAGE_SCRIPT = """async ([large, writable]) => {
  const { openDevice, toBase64 } = await import("/web/npu.js");
  const device = await openDevice();
  const WRITE = 2;
  const small = device.createBuffer({ size: 32, usage: writable });
  await small.mapAsync(WRITE, 8, 16);
  new Float32Array(small.getMappedRange(8, 8)).set([1.5, -2]);
  new Float32Array(small.getMappedRange(16, 8)).set([3, 4e6]);
  small.unmap();
  const afterFirst = toBase64(new Uint8Array(await device.queue.readBuffer(small)));
  // A second write mapping starts from what the first one wrote.
  await small.mapAsync(WRITE);
  const seen = toBase64(new Uint8Array(small.getMappedRange(0, 32)));
  small.unmap();

  const big = device.createBuffer({ size: large, usage: writable });
  await big.mapAsync(WRITE);
  const bytes = new Uint8Array(big.getMappedRange());
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 12)) & 255;
  big.unmap();
  const bigAfter = toBase64(new Uint8Array(await device.queue.readBuffer(big)));
  return { afterFirst, seen, bigAfter, mapState: small.mapState };
}"""


def python_side(device: Any) -> dict[str, bytes]:
    queue = device.queue
    small = device.create_buffer({"size": 32, "usage": WRITABLE})
    small.map_async(NPUMapMode.WRITE, 8, 16).result(TIMEOUT)
    small.get_mapped_range(8, 8)[:] = np.float32([1.5, -2]).tobytes()
    small.get_mapped_range(16, 8)[:] = np.float32([3, 4e6]).tobytes()
    small.unmap()
    after_first = bytes(queue.read_buffer(small).result(TIMEOUT))
    small.map_async(NPUMapMode.WRITE).result(TIMEOUT)
    seen = bytes(small.get_mapped_range(0, 32))
    small.unmap()

    big = device.create_buffer({"size": LARGE, "usage": WRITABLE})
    big.map_async(NPUMapMode.WRITE).result(TIMEOUT)
    index = np.arange(LARGE)
    big.get_mapped_range()[:] = ((index * 7 + (index >> 12)) & 255).astype(np.uint8).tobytes()
    big.unmap()
    big_after = bytes(queue.read_buffer(big).result(TIMEOUT))
    return {"afterFirst": after_first, "seen": seen, "bigAfter": big_after}


def test_write_mapping_in_the_page_matches_the_python_client(page: Any, bridge: Bridge) -> None:
    open_page(page, bridge, "index.html")
    got = page.evaluate(PAGE_SCRIPT, [LARGE, WRITABLE])
    npu = connect(bridge.host)
    try:
        device = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
        expected = python_side(device)
    finally:
        npu.close()
    assert got["mapState"] == "unmapped"
    for name, value in expected.items():
        assert base64.b64decode(got[name]) == value, name
    assert expected["afterFirst"][8:24] == np.float32([1.5, -2, 3, 4e6]).tobytes()


BOUND_SCRIPT = """async ([count, writable]) => {
  const { openDevice } = await import("/web/npu.js");
  const device = await openDevice();
  const buffers = [];
  for (let i = 0; i < count; i++) buffers.push(device.createBuffer({ size: 8, usage: writable }));
  const outcomes = await Promise.allSettled(buffers.map((b) => b.mapAsync(2)));
  const refused = outcomes.flatMap((o, i) =>
    o.status === "rejected" ? [[i, o.reason.name, buffers[i].mapState]] : []);
  // Room again once the others unmap: the refused buffer maps, writes and reads back.
  for (const b of buffers) b.unmap();
  const last = buffers[count - 1];
  await last.mapAsync(2);
  new Uint8Array(last.getMappedRange()).set([9, 8, 7, 6, 5, 4, 3, 2]);
  last.unmap();
  return { refused, after: Array.from(new Uint8Array(await device.queue.readBuffer(last))) };
}"""


def test_write_mappings_beyond_the_bridges_bound_are_refused(page: Any, bridge: Bridge) -> None:
    """The bridge pins at most 64 write mappings per page; the polyfill refuses the 65th
    (OperationError, the buffer left unmapped) instead of letting the bridge close the page."""
    open_page(page, bridge, "index.html")
    got = page.evaluate(BOUND_SCRIPT, [65, WRITABLE])
    assert got["refused"] == [[64, "OperationError", "unmapped"]]
    assert got["after"] == [9, 8, 7, 6, 5, 4, 3, 2]


def test_write_mapping_needs_map_write_usage_as_in_python(page: Any, bridge: Bridge) -> None:
    open_page(page, bridge, "index.html")
    name = page.evaluate(
        """async () => {
          const { openDevice } = await import("/web/npu.js");
          const device = await openDevice();
          const buffer = device.createBuffer({ size: 8, usage: 4 });
          try { await buffer.mapAsync(2); return "no error"; } catch (e) { return e.name; }
        }"""
    )
    npu = connect(bridge.host)
    try:
        device = npu.request_adapter().result(TIMEOUT).request_device().result(TIMEOUT)
        buffer = device.create_buffer({"size": 8, "usage": NPUBufferUsage.COPY_SRC})
        try:
            buffer.map_async(NPUMapMode.WRITE).result(TIMEOUT)
            expected = "no error"
        except DOMException as error:
            expected = error.name
    finally:
        npu.close()
    assert name == expected == "OperationError"
