// Write mappings over the bridge (docs/bridge.md "Write mappings"; the bridge's side is
// python_service/bridge/framing.py "Control messages" and held_descriptors.py).
//
// The Python client maps the service's memfd and writes in place; a page only ever gets a
// copy of it, so on unmap() the polyfill sends what it wrote back to the bridge, which writes
// it into that memfd before it passes on the unmap. A descriptor is named by its token: the
// ordinal of its attachment among all the attachments this page's socket has received, from
// 1. The bridge counts what it sends, the page counts what it receives, so tokens take no
// room in the messages. A control message is a bridge message with an empty wire payload
// whose first attachment says what to do (a wire frame is never empty).

const PIN = 1;
const WRITE = 2;
const RELEASE = 3;
const EMPTY = new Uint8Array(0);
// held_descriptors.py's DEFAULT_MAX_PINNED: the bridge closes a page that pins more.
export const MAX_WRITE_MAPPINGS = 64;
// One WRITE's bytes, well under the bridge's 64 MiB per message.
const MAX_WRITE_BYTES = 16 * 1024 * 1024;

/** One connection's attachment count and the tokens of its pinned write mappings. */
class AttachmentTokens {
  constructor(connection) {
    this.connection = connection;
    this.received = 0;
    this.tokens = new WeakMap(); // attachment (Uint8Array) -> token
    this.pinned = new Set();
    this.writers = new Set(); // buffers with a write mapping pending or mapped
    // Counted before the connection decodes the frame, so a reply's handler, which runs
    // inside that decoding, already finds its attachment's token.
    const transport = connection.transport;
    const deliver = transport.onmessage;
    transport.onmessage = (payload, attachments) => {
      for (const attachment of attachments) this.tokens.set(attachment, ++this.received);
      deliver(payload, attachments);
    };
  }

  control(body, data = null) {
    // Everything queued before goes first: the bridge handles a page's messages in order.
    this.connection.flush();
    this.connection.transport.send(EMPTY, data ? [body, data] : [body]);
  }
}

const trackers = new WeakMap(); // Connection -> AttachmentTokens

/**
 * Whether `connection` can carry write mappings, counting its attachments from now on. Call it
 * before any service frame can carry an attachment: only readBuffer and mapAsync replies do,
 * so creating a buffer is early enough. A transport says it speaks the bridge's control
 * messages with `writeBack: true` (webSocketTransport); others (a test's stand-in) do not.
 */
export function watchAttachments(connection) {
  if (trackers.has(connection)) return true;
  if (connection.transport?.writeBack !== true) return false;
  trackers.set(connection, new AttachmentTokens(connection));
  return true;
}

/**
 * Counts `buffer`'s write mapping from its mapAsync on, so that pins never exceed the bridge's
 * bound, whatever is in flight; false when MAX_WRITE_MAPPINGS are pending or mapped already.
 */
export function reserve(connection, buffer) {
  const tracker = trackers.get(connection);
  if (tracker.writers.size >= MAX_WRITE_MAPPINGS) return false;
  tracker.writers.add(buffer);
  return true;
}

/** `buffer`'s write mapping is over (unmapped, rejected, lost). */
export function unreserve(connection, buffer) {
  trackers.get(connection)?.writers.delete(buffer);
}

function controlBody(kind, token, offset = null) {
  const body = new Uint8Array(offset === null ? 8 : 16);
  const view = new DataView(body.buffer);
  view.setUint32(0, kind, true);
  view.setUint32(4, token, true);
  if (offset !== null) view.setBigUint64(8, BigInt(offset), true);
  return body;
}

/** Keep the descriptor behind `attachment` (a mapAsync(WRITE) reply's) for write-back. */
export function pin(connection, attachment) {
  const tracker = trackers.get(connection);
  const token = tracker.tokens.get(attachment);
  tracker.pinned.add(token);
  tracker.control(controlBody(PIN, token));
  return token;
}

/** Write `bytes` (a Uint8Array) at `offset` of the pinned descriptor `token`. */
export function writeBack(connection, token, offset, bytes) {
  const tracker = trackers.get(connection);
  for (let at = 0; at < bytes.length; at += MAX_WRITE_BYTES) {
    const piece = bytes.subarray(at, at + MAX_WRITE_BYTES);
    tracker.control(controlBody(WRITE, token, offset + at), piece);
  }
}

export function release(connection, token) {
  const tracker = trackers.get(connection);
  tracker.pinned.delete(token);
  tracker.control(controlBody(RELEASE, token));
}

/** The connection is gone, and the bridge dropped its descriptors with it. */
export function forget(connection, token) {
  trackers.get(connection)?.pinned.delete(token);
}
