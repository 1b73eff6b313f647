// The one place the pages reach the service: the generated polyfill over the bridge that
// served this page (python -m python_service.bridge). `install` defines navigator.npu and the
// interface objects on window, as a browser that shipped WebNPU would.
import { install, webSocketTransport } from "../generated/js/webnpu.js";

export async function openNPU() {
  if (navigator.npu) return navigator.npu;
  const transport = await webSocketTransport(`ws://${location.host}/npu`);
  return install(navigator, transport);
}

export async function openDevice() {
  const npu = await openNPU();
  const adapter = await npu.requestAdapter();
  if (adapter === null) throw new Error("the NPU service offers no adapter");
  return adapter.requestDevice();
}

// Float32/Int32... bytes <-> base64, for reporting results to a test (Playwright returns JSON).
export function toBase64(view) {
  const bytes = new Uint8Array(view.buffer ?? view, view.byteOffset ?? 0, view.byteLength);
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

export function fromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export const TYPED_ARRAYS = {
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
};

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
