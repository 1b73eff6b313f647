"""The structure-aware fuzzer's input: a compact sequence of actions, and the client that
turns it into frames.

Encoding (any bytes parse): repeated `[opcode u8][n u8][n entropy bytes]`, at most
`MAX_ACTIONS` actions of at most `MAX_ENTROPY` bytes. The opcode picks one of `ACTIONS`: every
client→service message of the wire model (`wire_values.message_specs()`, so the IDL drives
it), plus `flush` (end the frame here) and `corrupt` (flip one bit of the frame being built).
The entropy fills the message's fields through `wire_values.ValueBuilder`, with the `Client`
supplying what only a client knows: which handles are live, buffer sizes, each graph's input
and output names, a valid command stream, a graph or a model to send.

The `Client` also predicts what the service must do with each frame (`Verdict`): a frame that
names only live handles must not drop the connection; a frame naming a released or never
created handle must. The runner (service_runner.py) holds the service to that.
"""

from __future__ import annotations

import dataclasses
import enum
import random
from dataclasses import dataclass, field
from functools import cache

from fuzz.palette import INPUT_NAMES, OUTPUT_NAME, SHAPES, graph, model_bytes
from fuzz.wire_values import INTERESTING, Entropy, MessageSpec, ValueBuilder, message_specs
from python_service.generated import wire as gen
from python_service.wire import graph as wire_graph
from python_service.wire import runtime as rt

MAX_ACTIONS = 48
MAX_ENTROPY = 32
FLUSH = "flush"
CORRUPT = "corrupt"
ROOT = rt.Handle(1, 1)
# NPUBufferUsage values, valid combinations first and most often (MAP_READ 0x1, MAP_WRITE 0x2,
# COPY_SRC 0x4, COPY_DST 0x8, INPUT 0x10, OUTPUT 0x20), then a few invalid ones.
USAGES = (0x4 | 0x8, 0x10 | 0x8, 0x20 | 0x4, 0x10 | 0x4 | 0x8, 0x20 | 0x4 | 0x8, 0x4 | 0x8,
          0x1 | 0x8, 0x2 | 0x4, 0x10, 0x20, 0x3F, 0, 0x40)  # fmt: skip


@cache
def actions() -> tuple[MessageSpec | str, ...]:
    return tuple(s for s in message_specs() if not s.command) + (FLUSH, CORRUPT)


@cache
def commands() -> tuple[MessageSpec, ...]:
    return tuple(s for s in message_specs() if s.command)


def action_named(name: str) -> int:
    """The opcode of a message (`"NPUDevice.createBuffer"`) or of `flush`/`corrupt`."""
    for opcode, action in enumerate(actions()):
        if action == name or getattr(action, "name", None) == name:
            return opcode
    raise KeyError(name)


@dataclass(frozen=True)
class Action:
    opcode: int
    entropy: bytes = b""

    @property
    def what(self) -> MessageSpec | str:
        table = actions()
        return table[self.opcode % len(table)]


def parse(data: bytes) -> list[Action]:
    result = []
    i = 0
    while i < len(data) and len(result) < MAX_ACTIONS:
        opcode = data[i]
        n = min(data[i + 1], MAX_ENTROPY) if i + 1 < len(data) else 0
        result.append(Action(opcode, bytes(data[i + 2 : i + 2 + n])))
        i += 2 + n
    return result


def serialize(items: list[Action]) -> bytes:
    out = bytearray()
    for action in items[:MAX_ACTIONS]:
        entropy = action.entropy[:MAX_ENTROPY]
        out += bytes((action.opcode & 0xFF, len(entropy))) + entropy
    return bytes(out)


# --- the custom mutator ----------------------------------------------------------------------

# Sequences a client really sends, by message name: inserted whole, so the fuzzer reaches
# submit/dispatch/read without having to discover a five-message prefix by chance.
RECIPES = (
    ("NPUDevice.createBuffer", "NPUDevice.createBuffer", "NPUDevice.createCommandEncoder",
     "NPUCommandEncoder.finish", "NPUQueue.submit", FLUSH),
    ("NPUDevice.createGraphBuilder", "NPUGraphBuilder.build", FLUSH, "NPUDevice.createBuffer",
     "NPUDevice.createBuffer", "NPUDevice.createBuffer", "NPUQueue.writeBuffer",
     "NPUDevice.createCommandEncoder", "NPUCommandEncoder.finish", "NPUQueue.submit",
     "NPUQueue.readBuffer", FLUSH),
    ("NPUDevice.createBuffer", "NPUQueue.writeBuffer", "NPUQueue.readBuffer", FLUSH),
    ("NPUDevice.createBuffer", "NPUBuffer.mapAsync", FLUSH, "NPUBuffer.unmap", FLUSH),
    ("NPUDevice.loadModel", FLUSH),
    ("NPUDevice.pushErrorScope", "NPUDevice.createBuffer", "NPUDevice.popErrorScope", FLUSH),
)  # fmt: skip


def _entropy(rng: random.Random) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(4, MAX_ENTROPY)))


def mutate(data: bytes, max_size: int, seed: int) -> bytes:
    """libFuzzer's custom mutator: structural edits on the action list, or byte-level ones
    (atheris.Mutate) on one action's entropy or on the whole input."""
    import atheris

    rng = random.Random(seed)
    items = parse(data)
    choice = rng.randrange(9)
    if choice in (0, 8) or not items:
        recipe = rng.choice(RECIPES)
        at = rng.randint(0, len(items))
        items[at:at] = [Action(action_named(n), _entropy(rng)) for n in recipe]
    elif choice == 1:
        items.insert(rng.randint(0, len(items)), Action(rng.randrange(256), _entropy(rng)))
    elif choice == 2:
        del items[rng.randrange(len(items))]
    elif choice == 3:
        i = rng.randrange(len(items))
        items.insert(rng.randint(0, len(items)), items[i])
    elif choice == 4:
        i, j = rng.randrange(len(items)), rng.randrange(len(items))
        items[i], items[j] = items[j], items[i]
    elif choice in (5, 6):
        i = rng.randrange(len(items))
        entropy = atheris.Mutate(items[i].entropy, MAX_ENTROPY)
        items[i] = Action(items[i].opcode, entropy)
    else:
        return atheris.Mutate(data, max_size)
    out = serialize(items)
    while len(out) > max_size and items:
        items.pop()
        out = serialize(items)
    return out


def crossover(data1: bytes, data2: bytes, max_out_size: int, seed: int) -> bytes:
    """Splice: a prefix of one action list and a suffix of the other."""
    rng = random.Random(seed)
    a, b = parse(data1), parse(data2)
    out = serialize(a[: rng.randint(0, len(a))] + b[rng.randint(0, len(b)) :])
    return out[:max_out_size]


# --- the client model ------------------------------------------------------------------------


class Verdict(enum.IntEnum):
    """What the service must do with a frame (the worst of its messages)."""

    PASS = 0  # only live handles: dropping the client would be a bug
    EITHER = 1  # a handle whose creation may have been rejected, or a corrupted byte
    DROP = 2  # a released or never created handle, or an unknown method: a bad message


@dataclass
class Frame:
    writer: rt.MessageWriter = field(default_factory=rt.MessageWriter)
    messages: list = field(default_factory=list)
    verdict: Verdict = Verdict.PASS
    corrupt: list[tuple[int, int]] = field(default_factory=list)  # (entropy, bit)
    request_ids: list[int] = field(default_factory=list)

    def worsen(self, verdict: Verdict) -> None:
        self.verdict = max(self.verdict, verdict)


@dataclass
class Expectation:
    """What a request's reply must be like, for the runner to check."""

    message: object
    creates: tuple[tuple[str, rt.Handle], ...] = ()
    read_size: int | None = None  # readBuffer: the bytes a resolved reply carries
    map_size: int | None = None  # mapAsync: the mapping's size


class Client:
    """The renderer: live handles per interface, what it knows of each object, request ids."""

    def __init__(self) -> None:
        self.live: dict[str, list[rt.Handle]] = {"NPU": [ROOT]}
        self.dead: list[tuple[str, rt.Handle]] = []
        self.pending: set[rt.Handle] = set()  # created by a reply/build of the current frame
        self.next_id: dict[str, int] = {}
        self.buffer_sizes: dict[rt.Handle, int] = {}
        self.signatures: dict[rt.Handle, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.next_request = 1
        self.expected: dict[int, Expectation] = {}
        self.frame = Frame()
        self._creating: list[tuple[str, rt.Handle]] = []
        self._stream_count = 0

    # --- handles

    def allocate(self, interface: str) -> rt.Handle:
        n = self.next_id.get(interface, 1)
        self.next_id[interface] = n + 1
        return rt.Handle(n, 1)

    def use(self, interface: str, e: Entropy) -> rt.Handle:
        pool = self.live.get(interface, [])
        if pool and not e.chance(6):
            # Mostly one of the newest: a client uses what it just made.
            handle = pool[-1 - e.below(min(3, len(pool)))] if e.chance(192) else e.choice(pool)
            if handle in self.pending:
                self.frame.worsen(Verdict.EITHER)
            return handle
        # A handle no live object has: a released one, or one never created.
        dead = [h for i, h in self.dead if i == interface]
        handle = e.choice(dead) if dead and e.chance(128) else rt.Handle(1000 + e.below(8), 1)
        self.frame.worsen(Verdict.DROP)
        return handle

    def _handle(self, interface: str, e: Entropy) -> rt.Handle:
        return self.use(interface, e)

    def _forget(self, interface: str, handle: rt.Handle) -> None:
        pool = self.live.get(interface, [])
        if handle in pool:
            pool.remove(handle)
            self.dead.append((interface, handle))

    # --- integers a client would send

    def _integer(self, name: str, t: dict, e: Entropy) -> int | None:
        if name == "usage":
            return e.choice(USAGES)
        if name == "mode":
            return e.choice((1, 2, 1, 2, 3, 0))
        if name in ("size", "offset", "bufferOffset", "dataOffset", "sourceOffset",
                    "destinationOffset"):  # fmt: skip
            sizes = sorted(set(self.buffer_sizes.values())) or [16]
            small = (0, 0, 4, 8, 12, 16, e.choice(sizes), e.choice(sizes) // 2)
            return e.choice(small) if not e.chance(24) else e.choice(INTERESTING)
        return None

    # --- building messages

    def add(self, action: Action) -> None:
        what = action.what
        e = Entropy(action.entropy)
        if what == FLUSH:
            return
        if what == CORRUPT:
            self.frame.corrupt.append((e.int(4), e.below(8)))
            self.frame.worsen(Verdict.EITHER)
            return
        self._build(what, e)

    def _build(self, spec: MessageSpec, e: Entropy) -> None:
        builder = ValueBuilder(self._handle, self._integer)
        self._creating = []
        if spec.cls not in gen.MESSAGES.values():  # NPU.release: an unknown method (§3.5)
            self.frame.worsen(Verdict.DROP)
        message = builder.build(spec.fields, spec.cls, e, self._override(spec, builder))
        if isinstance(message, gen.NPUCommandEncoderFinish):  # the count the stream holds
            message = dataclasses.replace(message, command_count=self._stream_count)
        request_id = 0
        if spec.cls.EXPECTS_REPLY:
            request_id = self.next_request
            self.next_request += 1
            message.encode(self.frame.writer, request_id)
            self.expected[request_id] = self._expectation(message)
            self.frame.request_ids.append(request_id)
        else:
            message.encode(self.frame.writer)
        self.frame.messages.append(message)
        self._after(spec, message, request_id)

    def _override(self, spec: MessageSpec, builder: ValueBuilder):
        creates = iter(spec.creates)

        def override(f: dict, e: Entropy):
            name = f["name"]
            if name.startswith("result"):
                interface = next(creates)
                handle = self.allocate(interface)
                self._creating.append((interface, handle))
                return handle
            if spec.name == "NPUDevice.createBuffer" and name == "descriptor":
                return self._buffer_descriptor(e)
            if spec.name == "NPUGraphBuilder.build" and name == "graph":
                return wire_graph.to_wire(graph(e))
            if spec.name == "NPUDevice.loadModel" and name == "onnxBytes":
                return model_bytes(e)
            if spec.name == "NPUQueue.writeBuffer" and name == "data":
                return bytes(range(e.choice((0, 4, 8, 16, 24, 32, 64))))
            if spec.name == "NPUCommandEncoder.finish" and name == "command_count":
                return NotImplemented  # filled in with the stream below
            if spec.name == "NPUQueue.submit" and name == "commandBuffers" and e.chance(192):
                return (self.use("NPUCommandBuffer", e),)
            if spec.name == "NPUCommandEncoder.finish" and name == "commands":
                return self._stream(builder, e)
            return NotImplemented

        return override

    def _buffer_descriptor(self, e: Entropy) -> gen.NPUBufferDescriptor:
        shape = e.choice(SHAPES)
        size = 4
        for d in shape:
            size *= d
        tensor = gen.NPUTensorDescriptor("float32", shape) if e.chance(160) else None
        if e.chance(16):
            size = e.choice(INTERESTING)
        return gen.NPUBufferDescriptor(e.choice(("", "b")), size, tensor, e.choice(USAGES))

    def _stream(self, builder: ValueBuilder, e: Entropy) -> bytes:
        w = rt.MessageWriter()
        count = e.choice((1, 1, 1, 2, 2, 3, 0))
        copy, dispatch = (next(c for c in commands() if c.name.endswith(n))
                          for n in (".copyBufferToBuffer", ".dispatch"))  # fmt: skip
        for _ in range(count):
            # One bad command makes the whole buffer invalid: dispatch only with a graph to name.
            spec = dispatch if self.live.get("NPUGraph") and e.chance(128) else copy
            if spec is dispatch:
                graph_handle = self.use("NPUGraph", e)
                names = self.signatures.get(graph_handle, (INPUT_NAMES, (OUTPUT_NAME,)))
                inputs = {n: self.use("NPUBuffer", e) for n in names[0] if not e.chance(8)}
                outputs = {n: self.use("NPUBuffer", e) for n in names[1] if not e.chance(8)}
                command = gen.NPUCommandEncoderDispatch(graph_handle, inputs, outputs)
            else:
                command = builder.build(spec.fields, spec.cls, e)
            command.encode(w)
        self._stream_count = count
        return w.finish()[0]

    def _expectation(self, message: object) -> Expectation:
        expectation = Expectation(message, tuple(self._creating))
        if isinstance(message, gen.NPUQueueReadBuffer):
            known = self.buffer_sizes.get(message.buffer)
            if message.size is not None:
                expectation.read_size = message.size
            elif known is not None:
                expectation.read_size = known - message.offset
        elif isinstance(message, gen.NPUBufferMapAsync):
            expectation.map_size = self.buffer_sizes.get(message.self_)
        return expectation

    def _after(self, spec: MessageSpec, message: object, request_id: int) -> None:
        if spec.kind == "release":
            self._forget(spec.name.split(".")[0], message.self_)
            return
        for interface, handle in self._creating:
            self.live.setdefault(interface, []).append(handle)
            if request_id:
                self.pending.add(handle)
        if isinstance(message, gen.NPUDeviceCreateBuffer):
            self.buffer_sizes[message.result] = message.descriptor.size
        elif isinstance(message, gen.NPUGraphBuilderBuild):
            graph_ = message.graph
            self.signatures[message.result] = (
                tuple(i.name for i in graph_.inputs),
                tuple(o.name for o in graph_.outputs),
            )

    def take_frame(self) -> tuple[bytes, Frame] | None:
        """The frame built so far (corruptions applied), or None if it holds no message."""
        frame, self.frame = self.frame, Frame()
        if not frame.messages:
            return None
        payload = bytearray(frame.writer.finish()[0])
        for where, bit in frame.corrupt:
            payload[where % len(payload)] ^= 1 << bit
        if frame.corrupt:  # a flipped request id is answered under another: expect nothing
            for request_id in frame.request_ids:
                self.expected.pop(request_id, None)
        return bytes(payload), frame

    def settled(self, request_id: int, resolved: bool) -> None:
        """A reply arrived: a rejected creation leaves no object (docs/wire.md §2.2)."""
        expectation = self.expected.pop(request_id, None)
        if expectation is None:
            return
        for interface, handle in expectation.creates:
            self.pending.discard(handle)
            if not resolved:
                self._forget(interface, handle)
