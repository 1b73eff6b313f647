// The digit demo: the network of python_service/demo/network.py (conv2d+bias, relu, maxPool2d,
// conv2d, batchNormalization, relu, averagePool2d, reshape, gemm, softmax), built with the
// polyfill's graph builder on weights from a seeded PRNG, run on the drawn digit.
// `window.runDemo()` returns everything a test needs to recompute the result independently:
// the input pixels, every weight, the probabilities and the timings.
import { NPUBufferUsage } from "../generated/js/webnpu.js";
import { openDevice, toBase64, median } from "./npu.js";

const SHAPE = [1, 1, 28, 28];
const EPSILON = 1e-5;

// mulberry32 + Box-Muller: small, seeded, the same numbers in every browser.
function normalGenerator(seed) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    normal: () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
  };
}

export function makeWeights(seed = 20240607) {
  const rng = normalGenerator(seed);
  const normal = (count, scale) => Float32Array.from({ length: count }, () => rng.normal() * scale);
  const uniform = (count, low, high) =>
    Float32Array.from({ length: count }, () => low + (high - low) * rng.uniform());
  return {
    conv1_filter: { shape: [8, 1, 3, 3], data: normal(72, Math.sqrt(2 / 9)) },
    conv1_bias: { shape: [8], data: normal(8, 0.1) },
    conv2_filter: { shape: [16, 8, 3, 3], data: normal(1152, Math.sqrt(2 / 72)) },
    bn_mean: { shape: [16], data: normal(16, 0.1) },
    bn_variance: { shape: [16], data: uniform(16, 0.5, 1.5) },
    bn_scale: { shape: [16], data: uniform(16, 0.8, 1.2) },
    bn_bias: { shape: [16], data: normal(16, 0.1) },
    fc_weight: { shape: [784, 10], data: normal(7840, Math.sqrt(2 / 784)) },
    fc_bias: { shape: [10], data: normal(10, 0.1) },
  };
}

export function buildNetwork(builder, w) {
  const constant = ({ shape, data }) => builder.constant({ dataType: "float32", shape }, data);
  let x = builder.input("image", { dataType: "float32", shape: SHAPE });
  x = builder.conv2d(x, constant(w.conv1_filter), {
    padding: [1, 1, 1, 1], bias: constant(w.conv1_bias), label: "conv1",
  });
  x = builder.relu(x);
  x = builder.maxPool2d(x, { windowDimensions: [2, 2], strides: [2, 2] });
  x = builder.conv2d(x, constant(w.conv2_filter), { padding: [1, 1, 1, 1], label: "conv2" });
  x = builder.batchNormalization(x, constant(w.bn_mean), constant(w.bn_variance), {
    scale: constant(w.bn_scale), bias: constant(w.bn_bias), epsilon: EPSILON,
  });
  x = builder.relu(x);
  x = builder.averagePool2d(x, { windowDimensions: [2, 2], strides: [2, 2] });
  x = builder.reshape(x, [1, 784]);
  x = builder.gemm(x, constant(w.fc_weight), { c: constant(w.fc_bias) });
  return builder.softmax(x, 1);
}

// --- drawing -------------------------------------------------------------------------------

const pad = document.getElementById("pad");
const small = document.getElementById("small");
const ink = pad.getContext("2d");

function clearPad() {
  ink.fillStyle = "black";
  ink.fillRect(0, 0, pad.width, pad.height);
  ink.strokeStyle = "white";
  ink.lineWidth = 32;
  ink.lineCap = ink.lineJoin = "round";
}

function drawSeven() {
  // The strokes of the Python demo's '7' (python_service/demo/network.py), 10x larger.
  clearPad();
  ink.beginPath();
  ink.moveTo(70, 60); ink.lineTo(210, 60); ink.lineTo(120, 230);
  ink.moveTo(110, 140); ink.lineTo(180, 140);
  ink.stroke();
}

let drawing = false;
pad.addEventListener("pointerdown", (e) => { drawing = true; ink.beginPath(); ink.moveTo(e.offsetX, e.offsetY); });
pad.addEventListener("pointermove", (e) => { if (drawing) { ink.lineTo(e.offsetX, e.offsetY); ink.stroke(); } });
addEventListener("pointerup", () => { drawing = false; });

function pixels() {
  // Downsample to 28 x 28 and take the luminance in [0, 1], as MNIST-style input.
  const context = small.getContext("2d", { willReadFrequently: true });
  context.drawImage(pad, 0, 0, 28, 28);
  const rgba = context.getImageData(0, 0, 28, 28).data;
  return Float32Array.from({ length: 784 }, (_, i) => rgba[4 * i] / 255);
}

// --- running -------------------------------------------------------------------------------

const status = document.getElementById("status");
let devicePromise = null;
let graphPromise = null;
const weights = makeWeights();

async function prepare() {
  devicePromise ??= openDevice();
  const device = await devicePromise;
  let buildMs = null;
  if (graphPromise === null) {
    const start = performance.now();
    const builder = device.createGraphBuilder();
    const output = buildNetwork(builder, weights);
    graphPromise = builder.build({ probabilities: output });
    await graphPromise;
    buildMs = performance.now() - start;
  }
  return { device, graph: await graphPromise, buildMs };
}

async function runOnce(device, graph, input, buffers) {
  device.queue.writeBuffer(buffers.input, 0, input);
  const encoder = device.createCommandEncoder();
  encoder.dispatch(graph, { image: buffers.input }, { probabilities: buffers.output });
  device.queue.submit([encoder.finish()]);
  return new Float32Array(await device.queue.readBuffer(buffers.output));
}

export async function runDemo(runs = Number(document.getElementById("runs").value) || 20) {
  status.className = "";
  status.textContent = "running…";
  const { device, graph, buildMs } = await prepare();
  const input = pixels();
  const buffers = {
    input: device.createBuffer({
      size: input.byteLength,
      usage: NPUBufferUsage.INPUT | NPUBufferUsage.COPY_DST,
      tensor: { dataType: "float32", shape: SHAPE },
    }),
    output: device.createBuffer({
      size: 40,
      usage: NPUBufferUsage.OUTPUT | NPUBufferUsage.COPY_SRC,
      tensor: { dataType: "float32", shape: [1, 10] },
    }),
  };
  let start = performance.now();
  const probabilities = await runOnce(device, graph, input, buffers);
  const firstMs = performance.now() - start;
  const times = [];
  for (let i = 0; i < runs; i++) {
    start = performance.now();
    await runOnce(device, graph, input, buffers);
    times.push(performance.now() - start);
  }
  buffers.input.destroy();
  buffers.output.destroy();
  const result = {
    input: toBase64(input),
    weights: Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, toBase64(v.data)])),
    probabilities: toBase64(probabilities),
    timings: { buildMs, firstMs, medianMs: median(times), runs },
  };
  show(probabilities, result.timings);
  return result;
}

function show(probabilities, timings) {
  const ranked = [...probabilities].map((p, c) => [c, p]).sort((a, b) => b[1] - a[1]);
  document.getElementById("classes").innerHTML =
    "<tr><th>class</th><th>probability</th><th></th></tr>" +
    ranked.map(([c, p]) =>
      `<tr><td>${c}</td><td>${p.toFixed(4)}</td>` +
      `<td style="text-align:left"><span class="bar" style="width:${(p * 200).toFixed(0)}px"></span></td></tr>`).join("");
  const ms = (v) => (v === null ? "(built before)" : `${v.toFixed(2)} ms`);
  document.getElementById("timings").innerHTML =
    `<tr><th>build()</th><td>${ms(timings.buildMs)}</td></tr>` +
    `<tr><th>first run</th><td>${ms(timings.firstMs)}</td></tr>` +
    `<tr><th>median of ${timings.runs} runs</th><td>${ms(timings.medianMs)}</td></tr>`;
  status.textContent = `top class: ${ranked[0][0]} (a run = writeBuffer + dispatch + readBuffer)`;
}

function fail(error) {
  status.className = "error";
  status.textContent = `${error.name}: ${error.message}`;
  throw error;
}

window.runDemo = (runs) => runDemo(runs).catch(fail);
document.getElementById("run").addEventListener("click", () => window.runDemo());
document.getElementById("clear").addEventListener("click", clearPad);
drawSeven();
window.demoReady = true;
window.demoFirstRun = window.runDemo();
