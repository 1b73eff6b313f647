// Replays exported graph-builder cases (tests/browser/operation_cases.py writes them):
// each case is a list of builder calls whose arguments are JSON, with {"$operand": i} for the
// i-th operand made so far, {"$number": "-Infinity"} for what JSON cannot spell, and {"$array": {dataType, shape, base64}} for tensor data.
import { NPUBufferUsage } from "../generated/js/webnpu.js";
import { openDevice, fromBase64, toBase64, TYPED_ARRAYS } from "./npu.js";

function typed(dataType, bytes) {
  const Type = TYPED_ARRAYS[dataType];
  return new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
}

function revive(value, operands) {
  if (Array.isArray(value)) return value.map((v) => revive(v, operands));
  if (value === null || typeof value !== "object") return value;
  if ("$number" in value) return Number(value.$number);
  if ("$operand" in value) return operands[value.$operand];
  if ("$array" in value) return typed(value.$array.dataType, fromBase64(value.$array.base64));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v, operands)]));
}

function byteSize(info) {
  return info.shape.reduce((a, b) => a * b, 1) * TYPED_ARRAYS[info.dataType].BYTES_PER_ELEMENT;
}

async function runCase(device, testCase) {
  const builder = device.createGraphBuilder();
  const operands = [];
  for (const call of testCase.calls) {
    operands.push(builder[call.method](...revive(call.args, operands)));
  }
  const outputs = Object.fromEntries(
    Object.entries(testCase.outputs).map(([name, index]) => [name, operands[index]]));
  const graph = await builder.build(outputs);
  const inputs = {};
  for (const info of graph.inputs) {
    const data = revive(testCase.inputs[info.name], operands);
    inputs[info.name] = device.createBuffer({
      size: byteSize(info), usage: NPUBufferUsage.INPUT | NPUBufferUsage.COPY_DST,
      tensor: { dataType: info.dataType, shape: info.shape },
    });
    device.queue.writeBuffer(inputs[info.name], 0, data);
  }
  const bound = {};
  for (const info of graph.outputs) {
    bound[info.name] = device.createBuffer({
      size: byteSize(info), usage: NPUBufferUsage.OUTPUT | NPUBufferUsage.COPY_SRC,
      tensor: { dataType: info.dataType, shape: info.shape },
    });
  }
  const encoder = device.createCommandEncoder();
  encoder.dispatch(graph, inputs, bound);
  device.queue.submit([encoder.finish()]);
  const results = {};
  for (const info of graph.outputs) {
    const data = await device.queue.readBuffer(bound[info.name]);
    results[info.name] = {
      dataType: info.dataType, shape: Array.from(info.shape), base64: toBase64(new Uint8Array(data)),
    };
  }
  for (const buffer of [...Object.values(inputs), ...Object.values(bound)]) buffer.destroy();
  graph.destroy();
  return results;
}

export async function runOperationCases(cases) {
  const device = await openDevice();
  const status = document.getElementById("status");
  const table = document.getElementById("results");
  const report = {};
  let done = 0;
  for (const testCase of cases) {
    try {
      report[testCase.id] = { outputs: await runCase(device, testCase) };
    } catch (error) {
      report[testCase.id] = { error: `${error.name}: ${error.message}` };
    }
    const row = table.insertRow();
    row.insertCell().textContent = testCase.id;
    row.insertCell().textContent = report[testCase.id].error ?? "ran";
    status.textContent = `${++done} of ${cases.length} cases run`;
  }
  return report;
}

window.runOperationCases = runOperationCases;
window.operationsReady = true;
