// The polyfill's transport over this process's stdin/stdout, for the node drivers in
// tests/js: each bridge message (encodeBridgeMessage) behind a u32 length; the Python end is
// tests/js/stdio_framing.py.

import { encodeBridgeMessage, decodeBridgeMessage } from "../../generated/js/webnpu.js";

export function stdioTransport() {
  const transport = {
    onmessage: null,
    onclose: null,
    send(payload, attachments) {
      const message = encodeBridgeMessage(payload, attachments);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(message.length);
      process.stdout.write(Buffer.concat([length, message]));
    },
    close() {
      process.stdin.destroy();
    },
  };
  let pending = Buffer.alloc(0);
  process.stdin.on("data", (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
      const size = pending.readUInt32LE(0);
      const message = new Uint8Array(pending.subarray(4, 4 + size));
      pending = pending.subarray(4 + size);
      const { payload, attachments } = decodeBridgeMessage(message);
      transport.onmessage?.(payload, attachments);
    }
  });
  process.stdin.on("end", () => transport.onclose?.("the relay closed"));
  return transport;
}
