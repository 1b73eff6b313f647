// The polyfill as a page would use it, in node, talking to a real NPU service through
// tests/js/test_end_to_end.py's stand-in for the bridge: each bridge message (the bridge
// framing, encodeBridgeMessage) travels over stdin/stdout behind a u32 length.
// Input (argv[2]): a JSON file {x: [...], c: [...]} (float32 data, 20000 values each). Output
// (argv[3], as stdout is the transport): JSON with the results and the errors the page saw.

import { readFileSync, writeFileSync } from "node:fs";
import { connect, NPUBufferUsage, NPUValidationError } from "../../generated/js/webnpu.js";
import { stdioTransport } from "./stdio_transport.mjs";
import { connectionOf } from "../../polyfill/runtime/client.js";

const N = 20000;

async function rejection(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return { type: error.name, message: error.message };
  }
}

async function main() {
  const data = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const npu = connect(stdioTransport());
  const adapter = await npu.requestAdapter();
  const device = await adapter.requestDevice({ label: "js-e2e" });
  const U = NPUBufferUsage;

  const builder = device.createGraphBuilder();
  const x = builder.input("x", { dataType: "float32", shape: [1, N] });
  const c = builder.constant({ dataType: "float32", shape: [1, N] }, new Float32Array(data.c));
  const two = builder.constant({ dataType: "float32", shape: [1, 1] }, new Float32Array([2]));
  const y = builder.relu(builder.add(builder.mul(x, two), c));
  const s = builder.softmax(builder.reshape(y, [200, 100]), 1);
  const graph = await builder.build({ y, s });

  const input = device.createBuffer({ size: 4 * N, usage: U.INPUT | U.COPY_DST });
  const outY = device.createBuffer({ size: 4 * N, usage: U.OUTPUT | U.COPY_SRC });
  const outS = device.createBuffer({ size: 4 * N, usage: U.OUTPUT | U.COPY_SRC });
  device.pushErrorScope("validation");
  device.queue.writeBuffer(input, 0, new Float32Array(data.x)); // 80 KB: an attachment
  const encoder = device.createCommandEncoder();
  encoder.dispatch(graph, { x: input }, { y: outY, s: outS });
  device.queue.submit([encoder.finish()]);
  const yBytes = await device.queue.readBuffer(outY);
  const sBytes = await device.queue.readBuffer(outS);
  const scope = await device.popErrorScope();

  // A submit with no request after it in its task: held until the task's end, then sent.
  const connection = connectionOf(npu);
  const framesBeforeSubmit = connection.framesSent;
  const again = device.createCommandEncoder();
  again.dispatch(graph, { x: input }, { y: outY, s: outS });
  device.queue.submit([again.finish()]);
  const framesAfterSubmit = connection.framesSent;
  await null; // the flush microtask was queued first, so it has run by now
  const framesAtTaskEnd = connection.framesSent;

  // Errors as a page meets them: from the service (a validation error in a scope, a rejected
  // promise) and from the bindings.
  device.pushErrorScope("validation");
  device.createBuffer({ size: 6, usage: U.INPUT | U.MAP_READ | U.MAP_WRITE });
  const captured = await device.popErrorScope();
  const emptyPop = await rejection(device.popErrorScope());
  // The builder refuses a bad operation at the call now (graph_rules.js); an input named as
  // an output is a build() rule only the service applies, so build() rejects.
  const bad = device.createGraphBuilder();
  const a = bad.input("a", { dataType: "float32", shape: [2, 3] });
  const badBuild = await rejection(bad.build({ out: a }));
  const writeMap = await rejection(outY.mapAsync(2));

  // A READ mapping: the bridge sends the mapped bytes.
  const readable = device.createBuffer({ size: 16, usage: U.MAP_READ | U.COPY_DST });
  device.queue.writeBuffer(readable, 0, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]));
  await readable.mapAsync(1);
  const mapped = Array.from(new Uint8Array(readable.getMappedRange(4, 8)));
  readable.unmap();

  device.destroy();
  const lost = await device.lost;
  writeFileSync(process.argv[3], JSON.stringify({
    y: Array.from(new Float32Array(yBytes)),
    s: Array.from(new Float32Array(sBytes)),
    graphInputs: graph.inputs,
    graphOutputs: graph.outputs,
    scope,
    submitFlush: { framesBeforeSubmit, framesAfterSubmit, framesAtTaskEnd },
    captured: captured && { isValidation: captured instanceof NPUValidationError, message: captured.message },
    emptyPop,
    badBuild,
    writeMap,
    mapped,
    mapState: readable.mapState,
    lost: { reason: lost.reason },
    adapter: { vendor: adapter.info.vendor, maxTensorRank: adapter.limits.maxTensorRank, features: [...adapter.features] },
  }));
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
