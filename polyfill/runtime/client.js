// The polyfill's client: the renderer's role, as python_service/client/ plays it in Python
// (docs/client.md). A `Connection` batches messages into frames: a reply-expecting message
// flushes at once (with everything queued before it); anything else, `submit` and `destroy`
// included, waits for the end of the current task (a microtask), as a browser flushes at task
// end, so a task's writeBuffer + finish + submit + readBuffer is one frame. It allocates
// handles with generations (§2.2), matches replies to
// promises by request id, delivers events to devices, and on loss (the transport closed, or a
// bad message from the service) rejects every pending promise with AbortError and resolves
// every device's `lost`. The implementation classes below hold each interface's behaviour;
// the generated classes (generated/js/webnpu.js) convert arguments and call them.

import * as idl from "./webidl.js";
import * as rules from "./graph_rules.js";
import * as writeMapping from "./write_mapping.js";
import { BadMessage, MAX_INLINE_BYTES, MessageReader, MessageWriter, WireCodec, decodeBridgeMessage, encodeBridgeMessage, FLAG_IS_REPLY } from "./wire.js";

const ROOT_HANDLE = Object.freeze({ id: 1, generation: 1 });
const FLUSH_BYTES = 64 * 1024;
const FLUSH_ATTACHMENTS = 60;
const MAP_READ = 1;
const MAP_WRITE = 2;

let BINDINGS = null; // the generated module's schema and classes, given at connect()
let CODEC = null;

function setBindings(bindings) {
  if (BINDINGS === bindings) return;
  BINDINGS = bindings;
  CODEC = new WireCodec(bindings.schema);
  idl.registerInterfaces(bindings.interfaces);
}

/** A new binding object of `interfaceName` with implementation `impl`. */
function create(interfaceName, impl) {
  const cls = BINDINGS.interfaces[interfaceName];
  const obj = new cls(idl.INTERNAL);
  impl.binding = obj;
  return idl.attach(obj, impl);
}

function domException(message, name) {
  return new DOMException(message, name);
}

function exceptionFor(name, message) {
  if (name === "TypeError") return new TypeError(message);
  if (name === "RangeError") return new RangeError(message);
  return domException(message, name);
}

/** `Bytes` (§2.5): inline up to 64 KiB, else an attachment (the polyfill's shared memory). */
function bytesValue(data) {
  if (data.length <= MAX_INLINE_BYTES) return data.slice();
  return { attachment: data.slice(), size: data.length };
}

function bytesOf(value) {
  return value instanceof Uint8Array ? value : value.attachment;
}

// --- handles and the connection ------------------------------------------------------------

class HandleAllocator {
  constructor(reserved = 0) {
    this.nextId = reserved + 1;
    this.free = [];
  }

  allocate() {
    const old = this.free.pop();
    if (old) return { id: old.id, generation: old.generation + 1 };
    return { id: this.nextId++, generation: 1 };
  }
}

export class Connection {
  constructor(transport) {
    this.transport = transport;
    this.writer = new MessageWriter();
    CODEC.encodeMessage(this.writer, "Connection.hello", { schema_hash: BigInt(BINDINGS.schema.schema_hash), reserved: 0 });
    this.requests = new Map();
    this.nextRequest = 1;
    this.allocators = new Map([[1, new HandleAllocator(1)]]);
    this.sinks = new Map();
    this.lossListeners = new Set();
    this.releases = [];
    this.lostMessage = null;
    this.flushQueued = false;
    this.framesSent = 0;
    this.registry = new FinalizationRegistry(([iface, handle]) => this.releases.push([iface, handle]));
    transport.onmessage = (payload, attachments) => this.receive(payload, attachments);
    transport.onclose = (reason) => this.lose(reason || "the NPU service connection closed");
  }

  get lost() {
    return this.lostMessage !== null;
  }

  allocate(iface) {
    let allocator = this.allocators.get(iface);
    if (!allocator) this.allocators.set(iface, (allocator = new HandleAllocator()));
    return allocator.allocate();
  }

  free(iface, handle) {
    this.allocators.get(iface).free.push(handle);
  }

  /** Queue `release` (method 0) when the page drops `obj` (the object's handle comes back). */
  track(obj, iface, handle) {
    this.registry.register(obj, [iface, handle]);
  }

  send(name, value, flush = false) {
    if (this.lost) return;
    this.drainReleases();
    CODEC.encodeMessage(this.writer, name, value);
    if (flush || this.writer.length >= FLUSH_BYTES || this.writer.attachments.length >= FLUSH_ATTACHMENTS) {
      this.flush();
    } else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Send a reply-expecting message now; the promise settles with `onResolved(value)`. */
  request(name, value, onResolved, onRejected = null) {
    if (this.lost) {
      if (onRejected) onRejected();
      return Promise.reject(aborted(this.lostMessage));
    }
    this.drainReleases();
    let requestId;
    do {
      requestId = this.nextRequest;
      this.nextRequest = (requestId % 0xffffffff) + 1;
    } while (this.requests.has(requestId));
    const promise = new Promise((resolve, reject) => {
      this.requests.set(requestId, { resolve, reject, onResolved, onRejected });
    });
    CODEC.encodeMessage(this.writer, name, value, requestId);
    this.flush();
    return promise;
  }

  flush() {
    this.flushQueued = false;
    if (this.lost || !this.writer.length) return;
    const [payload, attachments] = this.writer.finish();
    this.writer = new MessageWriter();
    this.transport.send(payload, attachments);
    this.framesSent += 1;
  }

  drainReleases() {
    while (this.releases.length) {
      const [iface, handle] = this.releases.shift();
      CODEC.encodeMessage(this.writer, BINDINGS.schema.releaseNames[iface], { self: handle });
      this.free(iface, handle);
    }
  }

  watch(handle, sink) {
    if (this.lost) sink.connectionLost(this.lostMessage);
    else this.sinks.set(`${handle.id}:${handle.generation}`, sink);
  }

  receive(payload, attachments) {
    if (this.lost) return;
    let decoded;
    try {
      const reader = new MessageReader(payload, attachments);
      const pending = new Set(this.requests.keys());
      decoded = [];
      let found;
      // The whole frame is decoded before anything in it is acted on (§3.1).
      while ((found = CODEC.readServiceMessage(reader, pending)) !== null) {
        if (found.header.flags & FLAG_IS_REPLY) pending.delete(found.header.requestId);
        decoded.push(found);
      }
      reader.finish();
    } catch (error) {
      if (!(error instanceof BadMessage)) throw error;
      this.lose(`the NPU service sent a bad message (${error.message})`);
      this.transport.close?.();
      return;
    }
    for (const message of decoded) {
      if (message.kind === "reply") this.settle(message.header.requestId, message.value);
      else this.sinks.get(`${message.value.self.id}:${message.value.self.generation}`)?.serviceEvent(message);
    }
  }

  settle(requestId, result) {
    const request = this.requests.get(requestId);
    this.requests.delete(requestId);
    if (result.rejected) {
      if (request.onRejected) request.onRejected();
      request.reject(exceptionFor(result.rejected.exception, result.rejected.message));
      return;
    }
    try {
      request.resolve(request.onResolved(result.resolved));
    } catch (error) {
      request.reject(error);
    }
  }

  lose(message) {
    if (this.lost) return;
    this.lostMessage = message;
    const requests = [...this.requests.values()];
    this.requests.clear();
    const sinks = [...this.sinks.values()];
    this.sinks.clear();
    for (const listener of this.lossListeners) listener.connectionLost(message);
    this.lossListeners.clear();
    for (const request of requests) {
      if (request.onRejected) request.onRejected();
      request.reject(aborted(message));
    }
    for (const sink of sinks) sink.connectionLost(message);
  }

  close() {
    this.flush();
    this.lose("the connection was closed by the client");
    this.transport.close?.();
  }
}

function aborted(message) {
  return domException(`The device was lost: ${message}`, "AbortError");
}

// --- values --------------------------------------------------------------------------------

function lostInfo(reason, message) {
  return create("NPUDeviceLostInfo", { reason, message });
}

const ERROR_CLASSES = { validation: "NPUValidationError", "out-of-memory": "NPUOutOfMemoryError", internal: "NPUInternalError" };

function errorFromReport(report) {
  return create(ERROR_CLASSES[report.type], { message: report.message });
}

function tensorInfos(infos) {
  return Object.freeze(infos.map((i) => Object.freeze({ dataType: i.dataType, shape: Object.freeze([...i.shape]), name: i.name })));
}

function valueObject(interfaceName, value) {
  if (interfaceName === "NPUSupportedFeatures") return create(interfaceName, { entries: new Set(value.values) });
  return create(interfaceName, { ...value });
}

// Constructors of the [WireLocal] errors and the event (the IDL gives them one).
export function construct(obj, interfaceName, args) {
  if (args === null) return; // create() attaches the state
  if (interfaceName === "NPUUncapturedErrorEvent") {
    idl.attach(obj, { error: args[1].error });
  } else {
    idl.attach(obj, { message: args[0] });
  }
}

export function superArguments(interfaceName, args) {
  return [args[0]]; // Event(type)
}

// --- NPU, adapters, devices -----------------------------------------------------------------

class NPUImpl {
  constructor(connection) {
    this.connection = connection;
  }

  requestAdapter(options) {
    const connection = this.connection;
    const iface = BINDINGS.schema.interfaces.NPUAdapter;
    const handle = connection.allocate(iface);
    return connection.request(
      "NPU.requestAdapter",
      { self: ROOT_HANDLE, result: handle, options: options ?? {} },
      (value) => {
        if (value.features === null) {
          connection.free(iface, handle);
          return null;
        }
        const impl = new NPUAdapterImpl(connection, handle, value);
        create("NPUAdapter", impl);
        return impl.tracked();
      },
      () => connection.free(iface, handle),
    );
  }
}

class WireObject {
  constructor(connection, iface, handle, label = "") {
    this.connection = connection;
    this.iface = BINDINGS.schema.interfaces[iface];
    this.interfaceName = iface;
    this.handle = handle;
    this.label = label;
  }

  set_label(value) {
    this.label = value;
    this.connection.send(`${this.interfaceName}.label`, { self: this.handle, value });
  }

  tracked() {
    this.connection.track(this.binding, this.iface, this.handle);
    return this.binding;
  }
}

class NPUAdapterImpl extends WireObject {
  constructor(connection, handle, value) {
    super(connection, "NPUAdapter", handle);
    this.features = valueObject("NPUSupportedFeatures", value.features);
    this.limits = valueObject("NPUSupportedLimits", value.limits);
    this.info = valueObject("NPUAdapterInfo", value.info);
  }

  requestDevice(descriptor) {
    const connection = this.connection;
    const ifaces = BINDINGS.schema.interfaces;
    const device = connection.allocate(ifaces.NPUDevice);
    const queue = connection.allocate(ifaces.NPUQueue);
    const wireDescriptor = { ...descriptor, requiredLimits: descriptor.requiredLimits ?? null };
    return connection.request(
      "NPUAdapter.requestDevice",
      { self: this.handle, result: device, result_1: queue, descriptor: wireDescriptor },
      (value) => {
        const impl = new NPUDeviceImpl(connection, device, queue, value, descriptor);
        create("NPUDevice", impl);
        impl.start();
        return impl.tracked();
      },
      () => {
        connection.free(ifaces.NPUDevice, device);
        connection.free(ifaces.NPUQueue, queue);
      },
    );
  }
}

class NPUDeviceImpl extends WireObject {
  constructor(connection, handle, queue, value, descriptor) {
    super(connection, "NPUDevice", handle, descriptor.label);
    this.features = valueObject("NPUSupportedFeatures", value.features);
    this.limits = valueObject("NPUSupportedLimits", value.limits);
    this.queueHandle = queue;
    this.queueLabel = descriptor.defaultQueue?.label ?? "";
    this.lost = new Promise((resolve) => (this.resolveLost = resolve));
    this.lostResolved = false;
    this.handler = null;
  }

  start() {
    this.queue = create("NPUQueue", new NPUQueueImpl(this, this.queueHandle, this.queueLabel));
    this.connection.watch(this.handle, this);
  }

  get onuncapturederror() {
    return this.handler;
  }

  set_onuncapturederror(handler) {
    if (this.handler) this.binding.removeEventListener("uncapturederror", this.handler);
    this.handler = handler;
    if (handler) this.binding.addEventListener("uncapturederror", handler);
  }

  serviceEvent(message) {
    if (message.name === "NPUDevice.lost") {
      this.resolveLostWith(message.value.info.reason, message.value.info.message);
    } else {
      const error = errorFromReport(message.value.error);
      const event = new BINDINGS.interfaces.NPUUncapturedErrorEvent("uncapturederror", { error });
      this.binding.dispatchEvent(event);
    }
  }

  connectionLost(message) {
    this.resolveLostWith("unknown", message);
  }

  resolveLostWith(reason, message) {
    if (this.lostResolved) return;
    this.lostResolved = true;
    this.resolveLost(lostInfo(reason, message));
  }

  destroy() {
    // Flushed at task end like submit: nothing the page can observe (lost, a rejected map)
    // arrives before the service runs it, and that needs a frame the task's end sends anyway.
    this.connection.send("NPUDevice.destroy", { self: this.handle });
  }

  createBuffer(descriptor) {
    const handle = this.connection.allocate(BINDINGS.schema.interfaces.NPUBuffer);
    this.connection.send("NPUDevice.createBuffer", { self: this.handle, result: handle, descriptor });
    return new NPUBufferImpl(this, handle, descriptor).make();
  }

  createGraphBuilder() {
    const handle = this.connection.allocate(BINDINGS.schema.interfaces.NPUGraphBuilder);
    this.connection.send("NPUDevice.createGraphBuilder", { self: this.handle, result: handle });
    return new NPUGraphBuilderImpl(this, handle).make();
  }

  loadModel(onnxBytes) {
    const connection = this.connection;
    const iface = BINDINGS.schema.interfaces.NPUGraph;
    const handle = connection.allocate(iface);
    return connection.request(
      "NPUDevice.loadModel",
      { self: this.handle, result: handle, onnxBytes: bytesValue(onnxBytes) },
      (value) => new NPUGraphImpl(this, handle, value).make(),
      () => connection.free(iface, handle),
    );
  }

  createCommandEncoder(descriptor) {
    const handle = this.connection.allocate(BINDINGS.schema.interfaces.NPUCommandEncoder);
    this.connection.send("NPUDevice.createCommandEncoder", { self: this.handle, result: handle, descriptor });
    return new NPUCommandEncoderImpl(this, handle, descriptor.label).make();
  }

  pushErrorScope(filter) {
    this.connection.send("NPUDevice.pushErrorScope", { self: this.handle, filter });
  }

  popErrorScope() {
    return this.connection.request("NPUDevice.popErrorScope", { self: this.handle }, (value) =>
      value.error === null ? null : errorFromReport(value.error));
  }
}

class DeviceChild extends WireObject {
  constructor(device, iface, handle, label = "") {
    super(device.connection, iface, handle, label);
    this.device = device;
  }

  make() {
    create(this.interfaceName, this);
    return this.tracked();
  }
}

class NPUQueueImpl extends DeviceChild {
  constructor(device, handle, label) {
    super(device, "NPUQueue", handle, label); // created with its device, no release of its own
  }

  submit(commandBuffers) {
    const handles = commandBuffers.map((b) => idl.implOrNull(b).handle);
    // Not flushed at once, unlike the Python client (which has no task end to wait for): the
    // microtask flush sends it before the page can yield, and a request later in this task
    // (readBuffer, onSubmittedWorkDone) carries it in its own frame. Releases cannot overtake
    // it: they are drained into the same writer after it (drainReleases), so order is kept.
    this.connection.send("NPUQueue.submit", { self: this.handle, commandBuffers: handles });
    for (const b of commandBuffers) idl.implOrNull(b).uses = [];
  }

  onSubmittedWorkDone() {
    return this.connection.request("NPUQueue.onSubmittedWorkDone", { self: this.handle }, () => undefined);
  }

  writeBuffer(buffer, bufferOffset, data, dataOffset, size) {
    // `dataOffset` and `size` count elements of a typed array, as WebGPU's writeBuffer does.
    const view = data.view ?? data;
    const item = data.itemSize ?? 1;
    const available = Math.floor(view.length / item);
    const count = size === undefined ? available - dataOffset : size;
    if (dataOffset > available || count < 0 || dataOffset + count > available) {
      throw domException(
        `Failed to execute 'writeBuffer' on 'NPUQueue': the data range [${dataOffset}, ${dataOffset + Math.max(count, 0)}) exceeds the ${available} elements of data.`,
        "OperationError",
      );
    }
    const raw = view.subarray(dataOffset * item, (dataOffset + count) * item);
    this.connection.send("NPUQueue.writeBuffer", {
      self: this.handle,
      buffer: idl.implOrNull(buffer).handle,
      bufferOffset,
      data: bytesValue(raw),
      dataOffset: 0,
      size: null,
    });
  }

  readBuffer(buffer, offset, size) {
    return this.connection.request(
      "NPUQueue.readBuffer",
      { self: this.handle, buffer: idl.implOrNull(buffer).handle, offset, size: size ?? null },
      (value) => {
        const bytes = bytesOf(value.data);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      },
    );
  }
}

class NPUBufferImpl extends DeviceChild {
  constructor(device, handle, descriptor) {
    super(device, "NPUBuffer", handle, descriptor.label);
    this.size = descriptor.size;
    this.usage = descriptor.usage;
    this.mapState = "unmapped";
    this.mapping = null;
    this.mappedRange = [0, 0];
    this.views = [];
    this.mapGeneration = 0;
    this.writeToken = null; // the bridge's token for a write mapping's memfd (write_mapping.js)
    // Before any reply can carry an attachment: tokens count every attachment received.
    this.canWriteBack = writeMapping.watchAttachments(this.connection);
  }

  mapAsync(mode, offset, size) {
    const write = (mode & MAP_WRITE) !== 0;
    if (write && !this.canWriteBack) {
      // The page gets copies of the buffer's memfd; only a bridge that writes them back
      // (webSocketTransport's) can carry a write mapping.
      return Promise.reject(domException(
        "Failed to execute 'mapAsync' on 'NPUBuffer': this transport cannot write a mapping back.",
        "NotSupportedError",
      ));
    }
    if (this.mapState !== "unmapped") {
      return Promise.reject(domException(
        `Failed to execute 'mapAsync' on 'NPUBuffer': the buffer is ${this.mapState}.`,
        "OperationError",
      ));
    }
    if (write && !writeMapping.reserve(this.connection, this)) {
      return Promise.reject(domException(
        `Failed to execute 'mapAsync' on 'NPUBuffer': at most ${writeMapping.MAX_WRITE_MAPPINGS} write mappings at once over the bridge.`,
        "OperationError",
      ));
    }
    this.mapState = "pending";
    const generation = ++this.mapGeneration;
    const end = size === undefined ? this.size : offset + size;
    return this.connection.request(
      "NPUBuffer.mapAsync",
      { self: this.handle, mode, offset, size: size ?? null },
      (value) => {
        if (this.mapGeneration !== generation || this.mapState !== "pending") {
          throw domException("unmap() was called before the mapping resolved", "AbortError");
        }
        this.mapping = value.mapping.attachment;
        // Pinned now, inside the frame's delivery, before the bridge can drop it.
        if (write) this.writeToken = writeMapping.pin(this.connection, this.mapping);
        this.mappedRange = [offset, end];
        this.mapState = "mapped";
        this.connection.lossListeners.add(this);
        return undefined;
      },
      () => {
        if (this.mapGeneration === generation) {
          this.mapState = "unmapped";
          writeMapping.unreserve(this.connection, this);
        }
      },
    );
  }

  getMappedRange(offset, size) {
    const fail = (detail) => domException(`Failed to execute 'getMappedRange' on 'NPUBuffer': ${detail}`, "OperationError");
    if (this.mapState !== "mapped" || this.mapping === null) throw fail(`the buffer is ${this.mapState}, not mapped.`);
    const [start, end] = this.mappedRange;
    const stop = size === undefined ? end : offset + size;
    if (offset < start || stop > end || stop < offset) throw fail(`[${offset}, ${stop}) is outside the mapped range [${start}, ${end}).`);
    for (const [s, e] of this.views) {
      if (offset < e && s < stop) throw fail(`[${offset}, ${stop}) overlaps a range already returned.`);
    }
    const copy = this.mapping.slice(offset, stop).buffer;
    this.views.push([offset, stop, copy]);
    return copy;
  }

  /** Ends the mapping here; `writeBack`: a write mapping's ranges go back to the service's
   * memory first (unmap), else they are dropped (destroy, loss). */
  unmapLocally(writeBack = false) {
    if (this.mapState === "unmapped") return false;
    this.mapState = "unmapped";
    this.mapGeneration += 1;
    const token = this.writeToken;
    this.writeToken = null;
    writeMapping.unreserve(this.connection, this);
    if (token !== null && this.connection.lost) {
      writeMapping.forget(this.connection, token); // the bridge dropped it with the socket
    } else if (token !== null) {
      for (const [start, , buffer] of writeBack ? this.views : []) {
        // A range the page detached itself (transferred) has nothing left to write.
        if (buffer.byteLength) writeMapping.writeBack(this.connection, token, start, new Uint8Array(buffer));
      }
      writeMapping.release(this.connection, token);
    }
    for (const [, , buffer] of this.views) {
      if (typeof structuredClone === "function") {
        try { structuredClone(buffer, { transfer: [buffer] }); } catch { /* already detached */ }
      }
    }
    this.views = [];
    this.mapping = null;
    return true;
  }

  connectionLost() {
    this.unmapLocally();
  }

  unmap() {
    // The write-back goes out before the unmap: the bridge writes it into the buffer's memfd
    // before it passes the unmap on, so the service sees the bytes as if written in place.
    if (this.unmapLocally(true)) this.connection.send("NPUBuffer.unmap", { self: this.handle });
  }

  destroy() {
    this.unmapLocally();
    this.connection.send("NPUBuffer.destroy", { self: this.handle }); // at task end, as submit
  }
}

class NPUGraphImpl extends DeviceChild {
  constructor(device, handle, value) {
    super(device, "NPUGraph", handle);
    this.inputs = tensorInfos(value.inputs);
    this.outputs = tensorInfos(value.outputs);
  }

  destroy() {
    this.connection.send("NPUGraph.destroy", { self: this.handle });
  }
}

class NPUCommandEncoderImpl extends DeviceChild {
  constructor(device, handle, label) {
    super(device, "NPUCommandEncoder", handle, label);
    this.stream = new MessageWriter();
    this.count = 0;
    this.uses = [];
    this.finished = false;
  }

  checkOpen(method) {
    if (this.finished) {
      throw domException(`Failed to execute '${method}' on 'NPUCommandEncoder': the encoder is finished.`, "InvalidStateError");
    }
  }

  dispatch(graph, inputs, outputs) {
    this.checkOpen("dispatch");
    const handles = (named) => new Map([...named].map(([name, b]) => [name, idl.implOrNull(b).handle]));
    CODEC.encodeMessage(this.stream, "NPUCommandEncoder.dispatch", {
      graph: idl.implOrNull(graph).handle,
      inputs: handles(inputs),
      outputs: handles(outputs),
    });
    this.count += 1;
    this.uses.push(graph, ...inputs.values(), ...outputs.values());
  }

  copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, size) {
    this.checkOpen("copyBufferToBuffer");
    CODEC.encodeMessage(this.stream, "NPUCommandEncoder.copyBufferToBuffer", {
      source: idl.implOrNull(source).handle,
      sourceOffset,
      destination: idl.implOrNull(destination).handle,
      destinationOffset,
      size,
    });
    this.count += 1;
    this.uses.push(source, destination);
  }

  finish(descriptor) {
    // A second finish() is sent too (empty): the service reports it, as WebGPU does.
    const [stream] = this.stream.finish();
    const count = this.count;
    const uses = this.uses;
    this.stream = new MessageWriter();
    this.count = 0;
    this.uses = [];
    this.finished = true;
    const handle = this.connection.allocate(BINDINGS.schema.interfaces.NPUCommandBuffer);
    this.connection.send("NPUCommandEncoder.finish", {
      self: this.handle,
      result: handle,
      descriptor,
      command_count: count,
      commands: bytesValue(stream),
    });
    const buffer = new DeviceChild(this.device, "NPUCommandBuffer", handle, descriptor.label);
    buffer.uses = uses; // kept until submit, so no release overtakes a use
    return buffer.make();
  }
}

// --- the graph builder (recorded here, sent whole at build, docs/wire.md §5) ----------------

class NPUOperandImpl {
  constructor(builder, id, descriptor) {
    this.builder = builder;
    this.id = id;
    this.descriptor = descriptor; // inferred at the call for an operation's result (graph_rules.js)
  }

  get dataType() {
    return this.descriptor.dataType;
  }

  get shape() {
    return this.descriptor.shape; // frozen: the SameObject-like array the page reads
  }
}

function builderError(method, detail) {
  return new TypeError(`Failed to execute '${method}' on 'NPUGraphBuilder': ${detail}`);
}

class NPUGraphBuilderImpl extends DeviceChild {
  constructor(device, handle) {
    super(device, "NPUGraphBuilder", handle);
    this.inputs = [];
    this.constants = [];
    this.operations = [];
    this.descriptors = new Map(); // operand id -> descriptor, what each call is checked against
    this.built = false;
    this.names = new Set();
    this.limits = rules.limitsOf(device.limits); // the device's, as the Python builder uses
    this.installOperations();
  }

  get nextId() {
    return this.descriptors.size + 1; // a refused call takes no id
  }

  checkUsable(method) {
    if (this.built) {
      throw domException(`Failed to execute '${method}' on 'NPUGraphBuilder': build() was already called.`, "InvalidStateError");
    }
  }

  operand(descriptor) {
    const id = this.nextId;
    this.descriptors.set(id, descriptor);
    return create("NPUOperand", new NPUOperandImpl(this, id, descriptor));
  }

  /** A shared rule's GraphError (or TensorError) as the TypeError a WebNN builder throws. */
  sharedRule(method, rule) {
    try {
      return rule();
    } catch (error) {
      if (error instanceof rules.GraphError) throw builderError(method, `${error.message}.`);
      if (error instanceof rules.TensorError) throw builderError(method, `Invalid descriptor: ${error.message}.`);
      throw error;
    }
  }

  input(name, descriptor) {
    this.checkUsable("input");
    const id = this.nextId;
    const checked = this.sharedRule("input", () => {
      const d = rules.descriptor(descriptor.dataType, descriptor.shape);
      return rules.validateInput(id, name, d, this.names, this.limits);
    });
    this.names.add(name);
    this.inputs.push({ id, name, descriptor: { dataType: checked.dataType, shape: [...checked.shape] } });
    return this.operand(checked);
  }

  constant(descriptor, buffer) {
    this.checkUsable("constant");
    const id = this.nextId;
    const checked = this.sharedRule("constant", () => {
      const d = rules.descriptor(descriptor.dataType, descriptor.shape);
      return rules.validateConstant(id, d, buffer.length, this.limits);
    });
    this.constants.push({ id, descriptor: { dataType: checked.dataType, shape: [...checked.shape] }, data: buffer.slice() });
    return this.operand(checked);
  }

  idOf(op, operand) {
    if (operand === undefined || operand === null) return 0; // NO_OPERAND
    const impl = idl.implOrNull(operand);
    if (impl.builder !== this) throw builderError(op, "An operand belongs to another builder.");
    return impl.id;
  }

  /** One method per graph op of the schema: the op struct's fields from the arguments. */
  installOperations() {
    for (const [name, spec] of Object.entries(BINDINGS.schema.graph_ops)) {
      this[name] = (...args) => this.record(name, spec, args);
    }
  }

  record(op, spec, args) {
    const options = args[args.length - 1] ?? {};
    let index = 0;
    const variadic = spec.variadic_slot ? args[index++] : null;
    // The Python builder refuses an empty concat before it looks at the builder's state.
    if (variadic && !variadic.length) throw builderError(op, "At least one input is required.");
    this.checkUsable(op);
    const value = { output_id: 0, label: options.label ?? "" };
    // Each operand's id by its rules slot (0: an absent optional one), checked in the order
    // operations.py lists the slots (the wire struct's order may differ), as the Python builder.
    const ruleSpec = rules.OPERATIONS[op];
    const ids = new Map();
    if (variadic) {
      value[spec.variadic_slot] = variadic.map((o, i) => {
        const id = this.idOf(op, o);
        ids.set(`inputs[${i}]`, id);
        return id;
      });
    }
    for (const slot of spec.slots) ids.set(slot, this.idOf(op, args[index++]));
    for (const slot of ruleSpec.optionalInputs) ids.set(slot, this.idOf(op, options[slot]));
    for (const slot of [...spec.slots, ...spec.optional_slots]) value[slot] = ids.get(slot);
    // Positional attributes (softmax's axis, reshape's newShape, ...) come next, then the
    // options dictionary's members.
    const attributes = {};
    for (const name of spec.attributes) {
      let v = name in options ? options[name] : undefined;
      if (v === undefined && index < args.length - 1) v = args[index++];
      value[name] = v === undefined ? null : v;
      attributes[name] = value[name];
    }
    const operands = [...ids].flatMap(([slot, id]) => (id ? [{ slot, id, descriptor: this.descriptors.get(id) }] : []));
    const operationIndex = this.operations.length;
    const descriptor = this.sharedRule(op, () =>
      rules.validateOperation(operationIndex, op, value.label, operands, attributes, this.limits));
    value.output_id = this.nextId;
    this.operations.push({ tag: spec.number, value });
    return this.operand(descriptor);
  }

  build(outputs) {
    if (this.built) {
      return Promise.reject(domException("Failed to execute 'build' on 'NPUGraphBuilder': build() was already called.", "InvalidStateError"));
    }
    for (const [name, operand] of outputs) {
      if (idl.implOrNull(operand).builder !== this) {
        return Promise.reject(new TypeError(`Failed to execute 'build' on 'NPUGraphBuilder': The output '${name}' belongs to another builder.`));
      }
    }
    this.built = true;
    // The constant arena: each constant 8-aligned, zero padded (wire/graph.py pack_constants).
    let size = 0;
    const places = this.constants.map((c) => {
      const at = size;
      size += c.data.length + (-c.data.length & 7);
      return at;
    });
    const arena = new Uint8Array(size);
    this.constants.forEach((c, i) => arena.set(c.data, places[i]));
    const graph = {
      inputs: this.inputs,
      constants: this.constants.map((c, i) => ({ offset: places[i], length: c.data.length, id: c.id, descriptor: c.descriptor })),
      operations: this.operations,
      outputs: [...outputs].map(([name, operand]) => ({ id: idl.implOrNull(operand).id, name })),
      constant_data: bytesValue(arena),
    };
    this.inputs = [];
    this.constants = [];
    this.operations = [];
    const connection = this.connection;
    const iface = BINDINGS.schema.interfaces.NPUGraph;
    const handle = connection.allocate(iface);
    return connection.request(
      "NPUGraphBuilder.build",
      { self: this.handle, result: handle, graph },
      (value) => new NPUGraphImpl(this.device, handle, value).make(),
      () => connection.free(iface, handle),
    );
  }
}

// --- entry points --------------------------------------------------------------------------

export function connect(transport, bindings) {
  setBindings(bindings);
  if (!bindings.schema.releaseNames) {
    bindings.schema.releaseNames = {};
    for (const m of bindings.schema.messages) {
      if (m.kind === "release") bindings.schema.releaseNames[m.ordinal >> 16] = m.name;
    }
  }
  const connection = new Connection(transport);
  const npu = create("NPU", new NPUImpl(connection));
  return npu;
}

/** The connection behind an NPU object (tests and tools: flush, close, framesSent). */
export function connectionOf(npu) {
  return idl.implOrNull(npu).connection;
}

/**
 * Make JavaScript classes look like WebIDL interfaces: a class body defines its methods and
 * accessors non-enumerable, but WebIDL (§3.7.6 operations, §3.7.7 attributes) makes every
 * regular operation and attribute of an interface prototype object [[Enumerable]]: true, and
 * idlharness checks it.
 */
export function exposeAsInterfaces(interfaces) {
  for (const cls of Object.values(interfaces)) {
    if (typeof cls !== "function") continue; // a namespace's constants object
    const proto = cls.prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === "constructor") continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (descriptor.configurable && !descriptor.enumerable) {
        Object.defineProperty(proto, name, { ...descriptor, enumerable: true });
      }
    }
  }
}

export function install(navigatorLike, transport, bindings) {
  const npu = connect(transport, bindings);
  // `navigator.npu` is an attribute of a partial interface Navigator, so in a page it lives
  // on Navigator.prototype (as it would in a browser shipping WebNPU), not on the instance.
  const isNavigator = typeof navigator !== "undefined" && navigatorLike === navigator;
  const holder = isNavigator ? Object.getPrototypeOf(navigatorLike) : navigatorLike;
  Object.defineProperty(holder, "npu", { get: () => npu, configurable: true, enumerable: true });
  if (isNavigator) {
    for (const [name, cls] of Object.entries(bindings.interfaces)) {
      if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value: cls, writable: true, configurable: true });
    }
  }
  return npu;
}

/** A transport over the bridge's WebSocket (binary messages in the bridge framing). */
export function webSocketTransport(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    const transport = {
      onmessage: null,
      onclose: null,
      writeBack: true, // the bridge takes write_mapping.js's control messages
      send(payload, attachments) {
        socket.send(encodeBridgeMessage(payload, attachments));
      },
      close() {
        socket.close();
      },
    };
    socket.onopen = () => resolve(transport);
    socket.onerror = () => reject(new Error(`could not open ${url}`));
    socket.onmessage = (event) => {
      let message;
      try {
        message = decodeBridgeMessage(new Uint8Array(event.data));
      } catch (error) {
        transport.onclose?.(`the bridge sent a bad message (${error.message})`);
        socket.close();
        return;
      }
      transport.onmessage?.(message.payload, message.attachments);
    };
    socket.onclose = (event) => transport.onclose?.(event.reason || "the bridge connection closed");
  });
}
