"""The wire model: which interfaces are service objects and which methods cross the process
boundary, derived once from the resolved model (docs/wire.md §1, §2).

`derive_wire(model, sink)` reads the `Wire*` extended attributes of `idl/webnpu.idl`, checks
their use (one function per rule of docs/wire.md §1.4, each reporting at the member's
`file:line:col`), and returns a `WireModel` of frozen dataclasses: per interface its object
kind and ordinal, per method its message kind, ordinal (`interface << 16 | method`) and request
and reply fields with their wire types. The WebIDL validation pass ignores these attributes;
only this pass gives them meaning.

Wire types are the typed `WireType` dataclasses below; every struct (message payloads, the
dictionaries used on the wire, record entries, `ErrorReport`) carries its `FixedLayout` and
presence bits (§3.3), computed once here for every target.

Also laid out here: unions (`NPUNumber`, and `GraphOperation` whose arms are the graph op
structs of §5), the structs of [WireValue] interfaces, the core `Rejection` of replies (§2.3),
`GraphDescription` with its parts (§5), and one struct per event (its object's handle, then the
payload). Connection control (§2.4, interface 0): the `hello` message, the first of every
connection, and the schema hash it carries (`WireModel.schema_hash`, SHA-256 over the model's
canonical JSON, so two builds of different IDL refuse each other).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from codegen.diagnostics import DiagnosticSink
from codegen.model import ir
from codegen.source import Location

# docs/wire.md §1.1, every attribute this pass knows. Anything else starting with "Wire" is a
# typo, and an error: as a warning it would silently leave a method local.
WIRE_ATTRIBUTES = (
    "Wire",
    "WireChild",
    "WireEvent",
    "WireGraphOp",
    "WireLocal",
    "WireMapsMemory",
    "WireObject",
    "WireOperand",
    "WireOrdinal",
    "WireResult",
    "WireRoot",
    "WireValue",
)
# The attributes that say what an interface is on the wire; each interface has exactly one.
MARKERS = {
    "WireObject": "object",
    "WireValue": "value",
    "WireLocal": "local",
    "WireOperand": "operand",
}
METHOD_KINDS = ("send", "reply", "command", "finish", "build", "local")
MAX_ORDINAL = 0x7FFF  # interface and method ordinals: 1..0x7FFF (0 is reserved)
MAX_GRAPH_OP = 0xFFFF
EVENT_BIT = 0x8000
RELEASE = "release"  # the implicit method 0 of every WireObject

_SCALARS = {  # IDL builtin -> (wire name, struct code, restricted)
    "boolean": ("bool", "B", False),
    "byte": ("i8", "b", False),
    "octet": ("u8", "B", False),
    "short": ("i16", "h", False),
    "unsigned short": ("u16", "H", False),
    "long": ("i32", "i", False),
    "unsigned long": ("u32", "I", False),
    "long long": ("i64", "q", False),
    "unsigned long long": ("u64", "Q", False),
    "float": ("f32", "f", True),
    "unrestricted float": ("f32", "f", False),
    "double": ("f64", "d", True),
    "unrestricted double": ("f64", "d", False),
    "bigint": ("i128", "Qq", False),
}
_STRINGS = {"DOMString", "USVString", "ByteString"}

# docs/wire.md §3.4: the `WIRE_*` limits, emitted by the targets and shared by both sides.
LIMITS = (
    ("WIRE_MAX_MESSAGE_BYTES", 4 * 1024 * 1024),
    ("WIRE_MAX_HANDLES", 64),
    ("WIRE_MAX_INLINE_BYTES", 65_536),
    ("WIRE_MAX_STRING_BYTES", 65_536),
    ("WIRE_MAX_COUNT", 65_536),
    ("WIRE_MAX_SHAPE_COUNT", 8),
    ("WIRE_MAX_COMMANDS", 65_536),
    ("WIRE_MAX_COMMAND_STREAM_BYTES", 16 * 1024 * 1024),
    ("WIRE_MAX_DEPTH", 8),
)
_LIMIT = dict(LIMITS)
_BYTES = {
    "ArrayBuffer",
    "SharedArrayBuffer",
    "ArrayBufferView",
    "BufferSource",
    "AllowSharedBufferSource",
    "DataView",
    "Int8Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "BigInt64Array",
    "BigUint64Array",
    "Float16Array",
    "Float32Array",
    "Float64Array",
}


# --- the model ------------------------------------------------------------------------------


# --- wire types (docs/wire.md §3.3) ---------------------------------------------------------
#
# Each type knows where it goes in a struct: `fixed` types (scalars, enums, handles,
# SharedMemoryRef) sit in the struct's fixed part with their `code` (struct module format,
# little-endian, no padding), `size` and `align`; the others are encoded in the variable part,
# in declaration order, and `min_size` is their smallest encoding (for the count checks of
# §3.4). `str()` spells a type as docs/wire.md does.

_CODE_SIZES = {"B": 1, "b": 1, "H": 2, "h": 2, "I": 4, "i": 4, "Q": 8, "q": 8, "f": 4, "d": 8}


class _Packed:
    """A fixed type whose layout is its struct `code`: size from the code, natural alignment."""

    code: str

    @property
    def size(self) -> int:
        return sum(_CODE_SIZES[c] for c in self.code)

    @property
    def align(self) -> int:
        return min(self.size, 8)


@dataclass(frozen=True)
class Scalar(_Packed):
    name: str  # "u32", "f64", "bool", "i128", ...
    code: str  # struct format of the value: "I", "d", "B"; "Qq" for i128 (low, high)
    enforce_range: bool = False  # [EnforceRange] u64: at most 2^53 - 1
    restricted: bool = False  # restricted double: finite
    kind: str = field(default="scalar", init=False, repr=False)
    fixed = True

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Enum:
    """An IDL enum: its u32 declaration index (§2.1), < len(values)."""

    name: str
    values: tuple[str, ...]
    kind: str = field(default="enum", init=False, repr=False)
    fixed = True
    code = "I"
    size = 4
    align = 4

    def __str__(self) -> str:
        return f"enum {self.name}"


@dataclass(frozen=True)
class Handle:
    """An object handle {u32 id, u32 generation} (§2.2); a nullable one is (0, 0) when null."""

    interface: str
    nullable: bool = False
    kind: str = field(default="handle", init=False, repr=False)
    fixed = True
    code = "II"
    size = 8
    align = 4

    def __str__(self) -> str:
        return f"Handle<{self.interface}>" + ("?" if self.nullable else "")


@dataclass(frozen=True)
class SharedMemoryRef:
    """{u32 handle_index, u32 reserved = 0, u64 size} (§2.5): a descriptor of the frame."""

    kind: str = field(default="shared_memory", init=False, repr=False)
    fixed = True
    code = "IIQ"
    size = 16
    align = 8

    def __str__(self) -> str:
        return "SharedMemoryRef"


@dataclass(frozen=True)
class Reserved(_Packed):
    """A reserved scalar (`u64 reserved = 0` of `hello`, §2.4): written as 0, and any other
    value is `DESERIALIZATION_FAILED` on decode (§3.5, canonical encoding)."""

    code: str = "Q"
    kind: str = field(default="reserved", init=False, repr=False)
    fixed = True

    def __str__(self) -> str:
        return f"reserved u{self.size * 8}"


@dataclass(frozen=True)
class String:
    max_bytes: int = 65_536
    kind: str = field(default="string", init=False, repr=False)
    fixed = False
    min_size = 8

    def __str__(self) -> str:
        return "string"


@dataclass(frozen=True)
class Bytes:
    """The `Bytes` union (§2.5): inline up to 64 KiB, else a sealed memfd."""

    kind: str = field(default="bytes", init=False, repr=False)
    fixed = False
    min_size = 16

    def __str__(self) -> str:
        return "Bytes"


@dataclass(frozen=True)
class Array:
    element: WireType
    max_count: int = 65_536
    kind: str = field(default="array", init=False, repr=False)
    fixed = False
    min_size = 8

    @property
    def align8(self) -> bool:
        """Whether the elements start 8-aligned after the count (§3.3)."""
        return not self.element.fixed or self.element.align == 8

    def __str__(self) -> str:
        return f"array<{self.element}>"


@dataclass(frozen=True)
class Record:
    """`record<K, V>`: an array of `entry` structs {K key; V value}, keys unique (§3.3)."""

    key: WireType
    value: WireType
    entry: WireStruct
    max_count: int = 65_536
    kind: str = field(default="record", init=False, repr=False)
    fixed = False
    min_size = 8
    align8 = True

    def __str__(self) -> str:
        return f"record<{self.key}, {self.value}>"


@dataclass(frozen=True)
class StructRef:
    """A nested struct: a dictionary, a [WireValue] interface or a core struct (§2.5).

    `derived` is False for a struct the model does not lay out; targets skip the messages that
    use one. (Every struct of webnpu.idl is laid out today.)
    """

    name: str
    core: bool = False
    derived: bool = True
    min_size: int = 8
    kind: str = field(default="struct", init=False, repr=False)
    fixed = False

    def __str__(self) -> str:
        return self.name if self.core else f"struct {self.name}"


@dataclass(frozen=True)
class UnionArm:
    tag: int  # the u32 union tag: member index in flattened order, or the graph op number
    name: str
    type: WireType


@dataclass(frozen=True)
class Union:
    """`u32 tag, u32 0`, then the arm's encoding padded to 8 (§3.3). `NPUNumber`'s arms are
    scalars (bigint, unrestricted double); `GraphOperation`'s are the graph op structs (§5)."""

    name: str
    arms: tuple[UnionArm, ...]
    kind: str = field(default="union", init=False, repr=False)
    fixed = False

    @property
    def min_size(self) -> int:
        sizes = [
            a.type.size + -a.type.size % 8 if a.type.fixed else a.type.min_size for a in self.arms
        ]
        return 8 + min(sizes)

    def __str__(self) -> str:
        return f"union {self.name}"


WireType = (
    Scalar
    | Enum
    | Handle
    | SharedMemoryRef
    | Reserved
    | String
    | Bytes
    | Array
    | Record
    | StructRef
    | Union
)


def type_derived(t: WireType) -> bool:
    """Whether every struct inside `t` has a layout in the model."""
    if isinstance(t, StructRef):
        return t.derived
    if isinstance(t, Union):
        return all(type_derived(a.type) for a in t.arms)
    if isinstance(t, Array):
        return type_derived(t.element)
    if isinstance(t, Record):
        return type_derived(t.key) and type_derived(t.value)
    return True


# --- structs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WireField:
    name: str
    type: WireType
    optional: bool = False  # wire-optional: a presence bit (fixed: zeros when absent)
    index: int = 0  # declaration order within its struct
    presence_bit: int = -1  # its bit in the presence word, -1 if not optional


@dataclass(frozen=True)
class FixedSlot:
    """One entry of a fixed part: the field at `index` in its struct, or the presence word
    (`index` = -1)."""

    name: str
    index: int
    offset: int
    size: int
    code: str


@dataclass(frozen=True)
class FixedLayout:
    """The fixed part (§3.3 rule 1): slots sorted by (alignment descending, presence word first
    among 4-byte fields, declaration index), so none needs padding; `size` includes the zero
    tail padding up to a multiple of 8."""

    format: str  # struct module format, e.g. "<QII" (tail padding not included)
    size: int
    slots: tuple[FixedSlot, ...]

    @property
    def offsets(self) -> tuple[int, ...]:
        return tuple(s.offset for s in self.slots)


@dataclass(frozen=True)
class WireStruct:
    name: str
    fields: tuple[WireField, ...]
    fixed: FixedLayout = None  # type: ignore[assignment]  # filled in by make_struct
    variable: tuple[WireField, ...] = ()
    optional_count: int = 0
    min_size: int = 0  # the smallest encoding: fixed part plus each required variable field


MAX_OPTIONAL_MEMBERS = 32  # bits of the presence word


def fixed_layout(fields: tuple[WireField, ...], optional_count: int) -> FixedLayout:
    """Lay out a struct's fixed part per docs/wire.md §3.3 rule 1 (as Mojo's pack.py does)."""
    entries = []  # (sort key, field or None, size, code)
    if optional_count:
        entries.append(((-4, 0, -1), "presence", -1, 4, "I"))
    for f in fields:
        if f.type.fixed:
            key = (-f.type.align, 1, f.index)
            entries.append((key, f.name, f.index, f.type.size, f.type.code))
    entries.sort(key=lambda e: e[0])
    slots, offset = [], 0
    for _, name, index, size, code in entries:
        slots.append(FixedSlot(name, index, offset, size, code))
        offset += size
    return FixedLayout("<" + "".join(s.code for s in slots), offset + (-offset % 8), tuple(slots))


def make_struct(name: str, fields) -> WireStruct:
    """A struct from (name, type, optional) in declaration order: indices, presence bits,
    fixed layout, variable part, minimum size."""
    numbered, bit = [], 0
    for i, (fname, ftype, optional) in enumerate(fields):
        if isinstance(ftype, Handle) and optional:  # a nullable handle is (0, 0), no bit
            ftype, optional = Handle(ftype.interface, True), False
        numbered.append(WireField(fname, ftype, optional, i, bit if optional else -1))
        bit += optional
    fields = tuple(numbered)
    fixed = fixed_layout(fields, bit)
    variable = tuple(f for f in fields if not f.type.fixed)
    min_size = fixed.size + sum(f.type.min_size for f in variable if not f.optional)
    return WireStruct(name, fields, fixed, variable, bit, min_size)


@dataclass(frozen=True)
class WireInterface:
    name: str
    ordinal: int  # 0 unless kind == "object"
    kind: str  # "object", "value", "local" or "operand"
    root: bool = False
    location: str = ""


@dataclass(frozen=True)
class WireMessage:
    """A top-level message (`send`, `reply`, `finish`, `build`, `release`) or a command
    (`command`), client to service."""

    name: str  # "NPUDevice.createBuffer"
    interface: str
    method: str
    ordinal: int  # interface_ordinal << 16 | method_ordinal
    kind: str
    request: WireStruct
    reply: WireStruct | None  # the resolved value of a `reply`/`build`; None for the others
    creates: tuple[str, ...] = ()  # interfaces of the result handles, in request order
    location: str = ""

    @property
    def expects_reply(self) -> bool:
        """Whether its header carries `EXPECTS_REPLY` (§3.1): a `reply` or `build`, whose
        resolved value comes back."""
        return self.kind in ("reply", "build")


@dataclass(frozen=True)
class WireEvent:
    """A service-to-client event: `interface << 16 | 0x8000 | N`.

    `struct` is its payload on the wire: `self`, the handle of the object it concerns (so a
    client with several devices knows which one), then the payload (`NPUDeviceLostInfo` as
    `info`, `ErrorReport` as `error`)."""

    name: str
    interface: str
    member: str
    ordinal: int
    payload: str
    location: str = ""
    struct: WireStruct | None = None


@dataclass(frozen=True)
class WireGraphOp:
    """A graph operation kind (§5): its number (the `GraphOperation` union tag) and its struct
    `{u32 output_id; string label; operand slots; attributes}`. `slots` are the IDL names of
    its required operand arguments, `optional_slots` the NPUOperand members of its options
    (u32, 0 = NO_OPERAND), `variadic_slot` the `sequence<NPUOperand>` argument (concat), and
    `attributes` the IDL names of every other field, in struct order."""

    name: str
    number: int
    location: str = ""
    slots: tuple[str, ...] = ()
    optional_slots: tuple[str, ...] = ()
    variadic_slot: str | None = None
    attributes: tuple[str, ...] = ()
    struct: WireStruct | None = None


@dataclass(frozen=True)
class WireModel:
    interfaces: tuple[WireInterface, ...]
    messages: tuple[WireMessage, ...]  # top level, by ordinal
    commands: tuple[WireMessage, ...]  # inside a command stream, by ordinal
    events: tuple[WireEvent, ...]
    graph_ops: tuple[WireGraphOp, ...]
    # Every laid-out struct used on the wire (dictionaries, core structs), each after the
    # structs it contains.
    structs: tuple[WireStruct, ...] = ()
    limits: tuple[tuple[str, int], ...] = LIMITS
    # Connection control (interface 0, §2.4): `hello`. Not in `messages`: it is valid only as
    # the first message of a connection, and nowhere else.
    control: tuple[WireMessage, ...] = ()
    # The first 8 bytes of SHA-256 over `canonical_json()`, big-endian (§2.4); 0 until derived.
    schema_hash: int = 0

    def ordinals(self) -> dict[str, int]:
        """Every name -> number the wire fixes: what tests/wire/ordinals.golden.json pins."""
        table: dict[str, int] = {}
        for i in self.interfaces:
            if i.kind == "object":
                table[f"interface {i.name}"] = i.ordinal
        for m in self.control + self.messages:
            table[f"message {m.name}"] = m.ordinal
        for c in self.commands:
            table[f"command {c.name}"] = c.ordinal
        for e in self.events:
            table[f"event {e.name}"] = e.ordinal
        for g in self.graph_ops:
            table[f"graph op {g.name}"] = g.number
        return dict(sorted(table.items()))

    def root_release(self, m: WireMessage) -> bool:
        """Whether `m` is the `release` of a `[WireRoot]` interface: an unknown method on the
        wire (docs/wire.md §3.5), so no codec decodes it."""
        roots = {i.name for i in self.interfaces if i.root}
        return m.kind == "release" and m.interface in roots

    def canonical_json(self) -> str:
        """The model as the schema hash sees it (§2.4): every interface, message and command
        (ordinals, kinds, request and reply fields with their full wire types, enums with their
        values), event, graph op, struct, limit and the control messages; sorted keys, no
        whitespace, no source locations (moving a line of the IDL changes no byte on the wire)."""
        document = _canonical(dataclasses.replace(self, schema_hash=0))
        del document["schema_hash"]
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def compute_schema_hash(self) -> int:
        digest = hashlib.sha256(self.canonical_json().encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big")


def _canonical(value):
    """Dataclasses as {"class": name, field: value...}, without `location`; tuples as lists."""
    if dataclasses.is_dataclass(value):
        out = {"class": type(value).__name__}
        for f in dataclasses.fields(value):
            if f.name != "location":
                out[f.name] = _canonical(getattr(value, f.name))
        return out
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    return value


# --- connection control (docs/wire.md §2.4) ------------------------------------------------

CONTROL_INTERFACE = "Connection"  # interface 0: no objects, only `hello`
HELLO_ORDINAL = 0x00000001


def hello_message() -> WireMessage:
    """`hello` (0x00000001, client to service, the first message of the first frame):
    `{u64 schema_hash, u64 reserved = 0}`."""
    name = f"{CONTROL_INTERFACE}.hello"
    request = make_struct(
        name, [("schema_hash", Scalar("u64", "Q"), False), ("reserved", Reserved("Q"), False)]
    )
    return WireMessage(name, CONTROL_INTERFACE, "hello", HELLO_ORDINAL, "hello", request, None)


# --- helpers --------------------------------------------------------------------------------


def uses_wire(ext_attr_names) -> bool:
    """Whether any of these extended attribute names is a wire attribute (or a typo of one)."""
    return any(name.startswith("Wire") for name in ext_attr_names)


def _holders(model: ir.Model):
    """Every definition and member of the API's own definitions."""
    for d in model.definitions:
        if d.external:
            continue
        yield d
        yield from getattr(d, "members", ())


def _attr(holder, name: str) -> ir.ExtAttr | None:
    return next((a for a in holder.ext_attrs if a.name == name), None)


def _member_label(member) -> str:
    return getattr(member, "name", "") or member.member_kind


def _spell(t: ir.Type) -> str:
    """The IDL spelling of a resolved type, for messages."""
    if t.kind == "union":
        inner = "(" + " or ".join(_spell(a) for a in t.arguments) + ")"
    elif t.arguments:
        inner = f"{t.name}<{', '.join(_spell(a) for a in t.arguments)}>"
    else:
        inner = t.typedef or t.name
    return inner + ("?" if t.nullable else "")


class _Deriver:
    def __init__(self, model: ir.Model, sink: DiagnosticSink) -> None:
        self.model = model
        self.sink = sink
        self.interfaces: dict[str, WireInterface] = {}
        self.structs: dict[str, WireStruct] = {}  # in completion order: contained ones first
        self._deriving: set[str] = set()

    def error(self, location: str, message: str) -> None:
        file, line, column = location.rsplit(":", 2) if location else ("<wire>", "0", "0")
        self.sink.error(Location.at(file, int(line), int(column)), message)

    def integer(self, holder, name: str, what: str, high: int) -> int | None:
        """The value of `[name=N]` on `holder`, or None after reporting why it is not usable."""
        attr = _attr(holder, name)
        assert attr is not None
        try:
            value = int(attr.value or "", 0) if attr.form == "integer" else None
        except ValueError:
            value = None
        if value is None:
            self.error(holder.location, f"[{name}] needs an integer {what}, as in [{name}=1]")
            return None
        if not 1 <= value <= high:
            self.error(holder.location, f"{what} {value} of {self.where} is outside 1..{high:#x}")
            return None
        return value

    # --- rules ----------------------------------------------------------------------------

    def check_attribute_names(self) -> None:
        """An unknown `Wire*` attribute is an error (docs/wire.md §1.4, last rule)."""
        for holder in _holders(self.model):
            for a in holder.ext_attrs:
                if a.name.startswith("Wire") and a.name not in WIRE_ATTRIBUTES:
                    self.error(
                        holder.location,
                        f"unknown wire attribute [{a.name}]; the wire attributes are "
                        + ", ".join(WIRE_ATTRIBUTES),
                    )

    def check_definition_kinds(self) -> None:
        """Wire attributes on a definition other than an interface mean nothing: say so."""
        for d in self.model.definitions:
            if d.external or d.kind == "interface":
                continue
            for a in d.ext_attrs:
                if a.name in WIRE_ATTRIBUTES:
                    self.error(
                        d.location,
                        f"[{a.name}] is only allowed on an interface, not on {d.kind} {d.name}",
                    )
            if d.kind != "interface mixin":
                for m in getattr(d, "members", ()):
                    for a in m.ext_attrs:
                        if a.name in WIRE_ATTRIBUTES:
                            self.error(
                                m.location,
                                f"[{a.name}] is only allowed on members of an interface or "
                                f"interface mixin, not of {d.kind} {d.name}",
                            )

    def derive_interfaces(self) -> None:
        """Exactly one marker per interface; unique interface ordinals in 1..0x7FFF."""
        seen: dict[int, WireInterface] = {}
        for d in self.model.interfaces:
            self.where = d.name
            marks = [a.name for a in d.ext_attrs if a.name in MARKERS]
            if not marks:
                self.error(
                    d.location,
                    f"interface {d.name} has no wire marker: add one of [WireObject=N], "
                    "[WireValue], [WireLocal], [WireOperand]",
                )
                continue
            if len(marks) > 1:
                self.error(
                    d.location,
                    f"interface {d.name} has more than one wire marker: "
                    + ", ".join(f"[{m}]" for m in marks),
                )
                continue
            kind = MARKERS[marks[0]]
            root = _attr(d, "WireRoot") is not None
            if root and kind != "object":
                self.error(d.location, f"[WireRoot] on interface {d.name} needs [WireObject=N]")
            ordinal = 0
            if kind == "object":
                ordinal = self.integer(d, "WireObject", "interface ordinal", MAX_ORDINAL)
                if ordinal is None:
                    continue
                if ordinal in seen:
                    other = seen[ordinal]
                    self.error(
                        d.location,
                        f"interface ordinal {ordinal} of {d.name} is already used by "
                        f"{other.name} ({other.location})",
                    )
                    continue
            wire = WireInterface(d.name, ordinal, kind, root, d.location)
            if kind == "object":
                seen[ordinal] = wire
            self.interfaces[d.name] = wire

    def derive_members(self) -> tuple[list, list, list, list]:
        messages: list[WireMessage] = []
        commands: list[WireMessage] = []
        events: list[WireEvent] = []
        graph_ops: list[WireGraphOp] = []
        op_numbers: dict[int, WireGraphOp] = {}
        for d in self.model.interfaces:
            wire = self.interfaces.get(d.name)
            is_object = wire is not None and wire.kind == "object"
            ordinals: dict[int, str] = {}
            kinds: dict[str, list] = {}
            if is_object:
                messages.append(self._release(wire))
            for m in d.members:
                self.where = f"{d.name}.{_member_label(m)}"
                names = {a.name for a in m.ext_attrs}
                if not is_object:
                    for name in sorted(names & set(WIRE_ATTRIBUTES)):
                        self.error(
                            m.location,
                            f"[{name}] on {self.where}, but interface {d.name} is not a "
                            "[WireObject]",
                        )
                    continue
                self._check_attribute_placement(d, m, names, events, wire)
                regular = isinstance(m, ir.Operation) and m.special == ""
                setter = isinstance(m, ir.Attribute) and "Wire" in names
                if not (regular or setter):
                    continue
                kind = self._kind(m)
                if kind is None:
                    continue
                if kind == "local":
                    if "WireOrdinal" in names:
                        self.error(
                            m.location,
                            f"{self.where} is [Wire=local] and must not have a [WireOrdinal]",
                        )
                    if "WireGraphOp" in names:
                        op = self._graph_op(m, op_numbers)
                        if op is not None:
                            graph_ops.append(op)
                    continue
                if "WireGraphOp" in names:
                    self.error(m.location, f"[WireGraphOp] on {self.where} needs [Wire=local]")
                if "WireOrdinal" not in names:
                    self.error(
                        m.location, f"{self.where} is [Wire={kind}] but has no [WireOrdinal=N]"
                    )
                    continue
                number = self.integer(m, "WireOrdinal", "method ordinal", MAX_ORDINAL)
                if number is None:
                    continue
                if number in ordinals:
                    self.error(
                        m.location,
                        f"method ordinal {number} of {self.where} is already used by "
                        f"{ordinals[number]}",
                    )
                    continue
                ordinals[number] = self.where
                kinds.setdefault(kind, []).append(m)
                message = self._message(d, wire, m, kind, number)
                if message is not None:
                    (commands if kind == "command" else messages).append(message)
            self._check_pairs(d, kinds)
        return messages, commands, events, graph_ops

    def _kind(self, m) -> str | None:
        attr = _attr(m, "Wire")
        if attr is None:
            self.error(
                m.location,
                f"operation {self.where} has no [Wire=K]; add [Wire=local] if it does not "
                "cross the process boundary",
            )
            return None
        if attr.value not in METHOD_KINDS:
            self.error(
                m.location,
                f"unknown [Wire] kind {attr.value!r} on {self.where}; expected one of "
                + ", ".join(METHOD_KINDS),
            )
            return None
        if isinstance(m, ir.Attribute) and (m.readonly or attr.value != "send"):
            self.error(
                m.location,
                f"[Wire] on attribute {self.where} must be [Wire=send] on a writable attribute "
                "(its setter)",
            )
            return None
        return attr.value

    def _check_attribute_placement(self, d, m, names, events, wire) -> None:
        is_attribute = isinstance(m, ir.Attribute)
        for name in ("WireResult", "WireChild"):
            if name in names and not (is_attribute and m.readonly):
                self.error(m.location, f"[{name}] on {self.where} needs a readonly attribute")
        if "WireChild" in names and is_attribute and m.readonly:
            target = self.interfaces.get(m.type.name) if m.type.kind == "interface" else None
            if target is None or target.kind != "object":
                self.error(
                    m.location,
                    f"[WireChild] on {self.where} needs a [WireObject] type, not {_spell(m.type)}",
                )
        if "WireResult" in names and is_attribute and m.readonly:
            problem = self._wire_type(m.type)
            if isinstance(problem, _Problem):
                self.error(m.location, f"[WireResult] {self.where} {problem}")
        for name in ("WireRoot", "WireObject", "WireValue", "WireLocal", "WireOperand"):
            if name in names:
                self.error(m.location, f"[{name}] belongs on an interface, not on {self.where}")
        if "WireMapsMemory" in names:
            attr = _attr(m, "Wire")
            if attr is None or attr.value != "reply":
                self.error(m.location, f"[WireMapsMemory] on {self.where} needs [Wire=reply]")
        if "WireEvent" in names:
            t = m.type if is_attribute else None
            handler = t is not None and "EventHandler" in (t.typedef, t.name)
            promise = t is not None and t.kind == "Promise" and m.readonly
            ok = handler or promise
            if not ok:
                self.error(
                    m.location,
                    f"[WireEvent] on {self.where} needs an EventHandler attribute or a "
                    "readonly Promise attribute",
                )
                return
            number = self.integer(m, "WireEvent", "event number", MAX_ORDINAL)
            if number is None:
                return
            ordinal = wire.ordinal << 16 | EVENT_BIT | number
            clash = next((e for e in events if e.ordinal == ordinal), None)
            if clash is not None:
                self.error(
                    m.location,
                    f"event number {number} of {self.where} is already used by {clash.name}",
                )
                return
            if t.kind == "Promise":
                payload, value = _spell(t.arguments[0]), self._wire_type(t.arguments[0])
                field_name = "info"
            else:
                payload, value, field_name = "ErrorReport", self._error_report(), "error"
            if isinstance(value, _Problem):
                self.error(m.location, f"the payload of {self.where} {value.text}")
                return
            struct = make_struct(
                self.where, [("self", Handle(d.name), False), (field_name, value, False)]
            )
            events.append(
                WireEvent(self.where, d.name, m.name, ordinal, payload, m.location, struct)
            )

    def _graph_op(self, m, numbers: dict[int, WireGraphOp]) -> WireGraphOp | None:
        returns = m.return_type
        target = self.interfaces.get(returns.name) if returns is not None else None
        if target is None or target.kind != "operand" or returns.nullable:
            self.error(
                m.location,
                f"[WireGraphOp] {self.where} must return the [WireOperand] interface",
            )
            return None
        number = self.integer(m, "WireGraphOp", "graph op number", MAX_GRAPH_OP)
        if number is None:
            return None
        if number in numbers:
            self.error(
                m.location,
                f"graph op number {number} of {self.where} is already used by "
                f"{numbers[number].name}",
            )
            return None
        op = self._graph_op_struct(m, number)
        if op is None:
            return None
        numbers[number] = op
        return op

    def _is_operand(self, t: ir.Type) -> bool:
        target = self.interfaces.get(t.name) if t.kind == "interface" else None
        return target is not None and target.kind == "operand"

    def _graph_op_struct(self, m, number: int) -> WireGraphOp | None:
        """The op's struct (§5): output id and label, operand slots as u32 ids (in argument
        order), then every other argument and options member under its IDL name."""
        fields: list[tuple] = [("output_id", _U32, False), ("label", String(), False)]
        slots, optional_slots, attributes, variadic = [], [], [], None
        members: list[tuple] = []  # (name, ir type, optional, from the options dictionary)
        for arg in m.arguments:
            t = arg.type
            if t.kind == "dictionary" and arg.optional:  # the options: flattened
                for member in self.model.all_dictionary_members(t.name):
                    if member.name == "label":
                        continue
                    optional = member.type.nullable or (
                        not member.required and member.default is None
                    )
                    members.append((member.name, member.type, optional, True))
            else:
                members.append((arg.name, t, arg.optional and arg.default is None, False))
        for name, t, optional, in_options in members:
            if self._is_operand(t):
                (optional_slots if in_options else slots).append(name)
                fields.append((name, _U32, False))  # optional ones: 0 = NO_OPERAND, no bit
                continue
            if t.kind == "sequence" and self._is_operand(t.arguments[0]):
                variadic = name
                fields.append((name, Array(_U32), False))
                continue
            wire_type = self._wire_type(t)
            if isinstance(wire_type, _Problem):
                self.error(m.location, f"argument '{name}' of {self.where} {wire_type.text}")
                return None
            attributes.append(name)
            fields.append((name, wire_type, optional))
        struct = make_struct(f"GraphOp.{m.name}", fields)
        return WireGraphOp(
            m.name,
            number,
            m.location,
            tuple(slots),
            tuple(optional_slots),
            variadic,
            tuple(attributes),
            struct,
        )

    def _check_pairs(self, d: ir.Interface, kinds: dict[str, list]) -> None:
        commands, finishes = kinds.get("command", []), kinds.get("finish", [])
        if commands and len(finishes) != 1:
            self.error(
                commands[0].location,
                f"[Wire=command] methods of {d.name} need exactly one [Wire=finish] method "
                f"in the same interface (found {len(finishes)})",
            )
        if finishes and not commands:
            self.error(
                finishes[0].location,
                f"[Wire=finish] {d.name}.{finishes[0].name} needs [Wire=command] methods in the "
                "same interface",
            )
        builds = kinds.get("build", [])
        has_ops = any(_attr(m, "WireGraphOp") for m in d.members)
        for b in builds:
            if not has_ops:
                self.error(
                    b.location,
                    f"[Wire=build] {d.name}.{b.name} needs [WireGraphOp] methods in the same "
                    "interface",
                )

    # --- messages -----------------------------------------------------------------------

    def _release(self, wire: WireInterface) -> WireMessage:
        request = make_struct(f"{wire.name}.{RELEASE}", [("self", Handle(wire.name), False)])
        return WireMessage(
            f"{wire.name}.{RELEASE}",
            wire.name,
            RELEASE,
            wire.ordinal << 16,
            "release",
            request,
            None,
            (),
            wire.location,
        )

    def _object(self, t: ir.Type | None) -> WireInterface | None:
        if t is None or t.kind != "interface":
            return None
        found = self.interfaces.get(t.name)
        return found if found is not None and found.kind == "object" else None

    def _message(self, d, wire, m, kind: str, number: int) -> WireMessage | None:
        """The request and reply of one method, after checking its return type fits `kind`."""
        if isinstance(m, ir.Attribute):  # a label-like setter: {self, value}
            arguments = (ir.Argument("value", m.type),)
            returns = None
        else:
            arguments = m.arguments
            returns = m.return_type
        promised = (
            returns.arguments[0] if returns is not None and returns.kind == "Promise" else None
        )
        created = self._object(promised if promised is not None else returns)
        is_undefined = returns is None or returns.kind == "builtin" and returns.name == "undefined"
        fits = {
            "send": is_undefined or (created is not None and promised is None),
            "reply": promised is not None,
            "command": is_undefined,
            "finish": created is not None and promised is None,
            "build": promised is not None and created is not None,
        }[kind]
        if not fits:
            allowed = {
                "send": "undefined or a [WireObject] interface",
                "reply": "a Promise",
                "command": "undefined",
                "finish": "a [WireObject] interface",
                "build": "a Promise of a [WireObject] interface",
            }[kind]
            self.error(
                m.location,
                f"{self.where} is [Wire={kind}] and must return {allowed}, not "
                f"{_spell(returns) if returns is not None else 'nothing'}",
            )
            return None
        fields: list[tuple] = []  # (name, type, optional)
        if kind != "command":
            fields.append(("self", Handle(d.name), False))
        creates: list[str] = []
        if created is not None:
            creates.append(created.name)
            child_iface = self.model.get(created.name)
            for child in getattr(child_iface, "members", ()):
                if isinstance(child, ir.Attribute) and _attr(child, "WireChild"):
                    creates.append(child.type.name)
            for i, name in enumerate(creates):
                fields.append(("result" if i == 0 else f"result_{i}", Handle(name), False))
        ok = True
        for arg in arguments:
            graph_outputs = kind == "build"
            wire_type = self._wire_type(arg.type, allow_operand=graph_outputs)
            if isinstance(wire_type, _Problem):
                self.error(m.location, f"argument '{arg.name}' of {self.where} {wire_type.text}")
                ok = False
                continue
            optional = arg.type.nullable or arg.optional and arg.default is None
            fields.append((arg.name, wire_type, optional))
        if kind == "finish":
            fields += [("command_count", _U32, False), ("commands", Bytes(), False)]
        if kind == "build":
            fields = [f for f in fields if f[0] not in {a.name for a in arguments}]
            fields.append(("graph", StructRef("GraphDescription", core=True), False))
        if not ok:
            return None
        name = f"{d.name}.{m.name}"
        reply = None
        if kind in ("reply", "build"):
            reply = make_struct(f"{name}.reply", self._reply_fields(m, promised, created))
        return WireMessage(
            name,
            d.name,
            m.name,
            wire.ordinal << 16 | number,
            kind,
            make_struct(name, fields),
            reply,
            tuple(creates),
            m.location,
        )

    def _reply_fields(self, m, promised: ir.Type, created) -> list[tuple]:
        """The resolved value R of `Settled { resolved(R), rejected(Rejection) }` (§2.3)."""
        if created is not None:
            iface = self.model[created.name]
            results = [
                a
                for a in iface.members
                if isinstance(a, ir.Attribute) and _attr(a, "WireResult") is not None
            ]
            return [(a.name, self._wire_type(a.type), promised.nullable) for a in results]
        if promised.kind == "builtin" and promised.name == "undefined":
            if _attr(m, "WireMapsMemory") is not None:
                return [("mapping", SharedMemoryRef(), False)]
            return []
        local = self.interfaces.get(promised.name) if promised.kind == "interface" else None
        if local is not None and local.kind == "local":  # NPUError?: the core report (§2.5)
            return [("error", self._error_report(), promised.nullable)]
        wire_type = self._wire_type(promised)
        if isinstance(wire_type, _Problem):
            self.error(m.location, f"the promised value of {self.where} {wire_type.text}")
            return []
        return [("data" if isinstance(wire_type, Bytes) else "value", wire_type, False)]

    def _error_report(self) -> StructRef:
        """The core `ErrorReport` {NPUErrorFilter type; string message} (§2.5)."""
        name = "ErrorReport"
        if name not in self.structs:
            filter_enum = self.model.get("NPUErrorFilter")
            values = tuple(v.value for v in getattr(filter_enum, "values", ()))
            fields = [("type", Enum("NPUErrorFilter", values), False), ("message", String(), False)]
            self.structs[name] = make_struct(name, fields)
        return StructRef(name, core=True, min_size=self.structs[name].min_size)

    def _core(self, name: str, fields) -> StructRef:
        """A core struct (§2.5), laid out once."""
        if name not in self.structs:
            self.structs[name] = make_struct(name, fields)
        return StructRef(name, core=True, min_size=self.structs[name].min_size)

    def rejection(self) -> StructRef:
        """`Rejection {u32 exception; string message}`, the rejected arm of `Settled` (§2.3)."""
        return self._core(
            "Rejection", [("exception", REJECTION_EXCEPTION, False), ("message", String(), False)]
        )

    def graph_description(self, graph_ops: list[WireGraphOp]) -> None:
        """`GraphDescription` and its parts (§5); the operations are the `GraphOperation` union
        of the graph op structs, tagged by op number."""
        descriptor = self._dictionary(self.model_type("NPUTensorDescriptor"), False)
        if isinstance(descriptor, _Problem):
            return
        for op in graph_ops:
            self.structs[op.struct.name] = op.struct
        arms = tuple(
            UnionArm(op.number, op.name, StructRef(op.struct.name, min_size=op.struct.min_size))
            for op in sorted(graph_ops, key=lambda g: g.number)
        )
        string = String(_LIMIT["WIRE_MAX_STRING_BYTES"])
        graph_input = self._core(
            "GraphInput",
            [("id", _U32, False), ("name", string, False), ("descriptor", descriptor, False)],
        )
        graph_constant = self._core(
            "GraphConstant",
            [
                ("offset", Scalar("u64", "Q"), False),
                ("length", Scalar("u64", "Q"), False),
                ("id", _U32, False),
                ("descriptor", descriptor, False),
            ],
        )
        graph_output = self._core("GraphOutput", [("id", _U32, False), ("name", string, False)])
        self._core(
            "GraphDescription",
            [
                ("inputs", Array(graph_input), False),
                ("constants", Array(graph_constant), False),
                ("operations", Array(Union("GraphOperation", arms)), False),
                ("outputs", Array(graph_output), False),
                ("constant_data", Bytes(), False),
            ],
        )

    def model_type(self, name: str) -> ir.Type:
        return ir.Type(kind="dictionary", name=name)

    def _value_struct(self, name: str) -> StructRef | _Problem:
        """A [WireValue] interface: its readonly attributes in member order; a
        `setlike<DOMString>` crosses as `array<string>` named `values` (§1.1)."""
        if name in self.structs:
            return StructRef(name, min_size=self.structs[name].min_size)
        fields = []
        for member in self.model[name].members:
            if isinstance(member, ir.Attribute) and member.readonly:
                wire_type = self._wire_type(member.type)
            elif isinstance(member, ir.Declaration) and member.kind == "setlike":
                wire_type = self._wire_type(
                    ir.Type(kind="sequence", name="sequence", arguments=member.types)
                )
                member = ir.Argument("values", member.types[0])
            else:
                continue
            if isinstance(wire_type, _Problem):
                return _Problem(f"(member {name}.{member.name}) {wire_type.text}")
            fields.append((member.name, wire_type, False))
        self.structs[name] = make_struct(name, fields)
        return StructRef(name, min_size=self.structs[name].min_size)

    def _dictionary(self, t: ir.Type, allow_operand: bool) -> StructRef | _Problem:
        """A dictionary as a nested struct over `all_dictionary_members()` (§3.3)."""
        name = t.name
        if name in self.structs:
            return StructRef(name, min_size=self.structs[name].min_size)
        if name in self._deriving:
            return _Problem(f"has type {name}, which contains itself (recursive structs)")
        self._deriving.add(name)
        fields = []
        try:
            for member in self.model.all_dictionary_members(name):
                wire_type = self._wire_type(member.type, allow_operand)
                if isinstance(wire_type, _Problem):
                    return _Problem(f"(member {name}.{member.name}) {wire_type.text}")
                if member.name == "shape" and isinstance(wire_type, Array):
                    # A tensor shape: at most MAX_TENSOR_RANK dimensions (§3.4).
                    wire_type = Array(wire_type.element, _LIMIT["WIRE_MAX_SHAPE_COUNT"])
                optional = member.type.nullable or (not member.required and member.default is None)
                fields.append((member.name, wire_type, optional))
        finally:
            self._deriving.discard(name)
        struct = make_struct(name, fields)
        if struct.optional_count > MAX_OPTIONAL_MEMBERS:
            return _Problem(f"has type {name}, with more than 32 optional members")
        self.structs[name] = struct
        return StructRef(name, min_size=struct.min_size)

    def _wire_type(self, t: ir.Type, allow_operand: bool = False) -> WireType | _Problem:
        """`t` on the wire (docs/wire.md §3.3), or why it cannot cross."""
        if t.typedef in _BYTES:  # AllowSharedBufferSource: a union of buffer types
            return Bytes()
        if t.kind == "builtin":
            if t.name in _SCALARS:
                name, code, restricted = _SCALARS[t.name]
                enforce = name == "u64" and any(a.name == "EnforceRange" for a in t.ext_attrs)
                return Scalar(name, code, enforce, restricted)
            if t.name in _STRINGS:
                return String(_LIMIT["WIRE_MAX_STRING_BYTES"])
            if t.name in _BYTES:
                return Bytes()
            return _Problem(f"has type {_spell(t)}, which cannot cross the wire")
        if t.kind == "interface":
            target = self.interfaces.get(t.name)
            if target is None:
                return _Problem(f"has type {_spell(t)}, which is not a wire interface")
            if target.kind == "object":
                return Handle(t.name, t.nullable)
            if target.kind == "value":
                return self._value_struct(t.name)
            if target.kind == "operand" and allow_operand:
                return _U32
            return _Problem(
                f"has type {_spell(t)}, a [Wire{target.kind.capitalize()}] interface, "
                "which cannot cross the wire"
            )
        if t.kind == "dictionary":
            return self._dictionary(t, allow_operand)
        if t.kind == "union":  # NPUNumber: u32 tag (flattened member index), then the member
            arms = []
            for tag, member in enumerate(t.arguments):
                arm = self._wire_type(member, allow_operand)
                if isinstance(arm, _Problem):
                    return arm
                if not arm.fixed:
                    return _Problem(f"has type {_spell(t)}, a union with a non-scalar member")
                arms.append(UnionArm(tag, _spell(member), arm))
            return Union(t.typedef or _spell(t), tuple(arms))
        if t.kind == "enum":
            return Enum(t.name, tuple(v.value for v in self.model[t.name].values))
        if t.kind in ("sequence", "FrozenArray", "record"):
            inner = [self._wire_type(a, allow_operand) for a in t.arguments]
            for i in inner:
                if isinstance(i, _Problem):
                    return i
            if t.kind == "record":
                key, value = inner
                entry = make_struct(
                    f"record<{key}, {value}>", [("key", key, False), ("value", value, False)]
                )
                return Record(key, value, entry)
            return Array(inner[0])
        return _Problem(f"has type {_spell(t)}, which cannot cross the wire")

    def derive(self) -> WireModel:
        self.where = ""
        self.check_attribute_names()
        self.check_definition_kinds()
        self.derive_interfaces()
        messages, commands, events, graph_ops = self.derive_members()
        if any(m.reply is not None for m in messages):
            self.rejection()
        if any(m.kind == "build" for m in messages):
            self.graph_description(graph_ops)
        model = WireModel(
            tuple(self.interfaces[n] for n in sorted(self.interfaces)),
            tuple(sorted(messages, key=lambda m: m.ordinal)),
            tuple(sorted(commands, key=lambda m: m.ordinal)),
            tuple(sorted(events, key=lambda e: e.ordinal)),
            tuple(sorted(graph_ops, key=lambda g: g.number)),
            tuple(self.structs.values()),
            control=(hello_message(),),
        )
        return dataclasses.replace(model, schema_hash=model.compute_schema_hash())


_U32 = Scalar("u32", "I")
# `Rejection.exception` (§2.5): the exception a rejected promise gets.
REJECTION_EXCEPTION = Enum(
    "RejectionException", ("TypeError", "RangeError", "OperationError", "AbortError")
)


@dataclass(frozen=True)
class _Problem:
    text: str

    def __str__(self) -> str:
        return self.text


def derive_wire(model: ir.Model, sink: DiagnosticSink) -> WireModel:
    """The wire model of `model`; misuse of the `Wire*` attributes is reported into `sink`."""
    return _Deriver(model, sink).derive()
