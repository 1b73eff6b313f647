"""The wire model: which interfaces are service objects and which methods cross the process
boundary, derived once from the resolved model (docs/wire.md §1, §2).

`derive_wire(model, sink)` reads the `Wire*` extended attributes of `idl/webnpu.idl`, checks
their use (one function per rule of docs/wire.md §1.4, each reporting at the member's
`file:line:col`), and returns a `WireModel` of frozen dataclasses: per interface its object
kind and ordinal, per method its message kind, ordinal (`interface << 16 | method`) and request
and reply fields with their wire types. The WebIDL validation pass ignores these attributes;
only this pass gives them meaning.

Not here yet (docs/wire.md §2, §3): `FixedLayout` offsets, the derived structs of dictionaries,
the graph op attribute structs, and the schema hash.
"""

from __future__ import annotations

from dataclasses import dataclass

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

_SCALARS = {
    "boolean": "bool",
    "byte": "i8",
    "octet": "u8",
    "short": "i16",
    "unsigned short": "u16",
    "long": "i32",
    "unsigned long": "u32",
    "long long": "i64",
    "unsigned long long": "u64",
    "float": "f32",
    "unrestricted float": "f32",
    "double": "f64",
    "unrestricted double": "f64",
    "bigint": "i128",
    "DOMString": "string",
    "USVString": "string",
    "ByteString": "string",
}
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


@dataclass(frozen=True)
class WireField:
    name: str
    type: str  # the wire type, spelled as docs/wire.md does: `u64`, `Handle<NPUBuffer>`, ...
    optional: bool = False
    index: int = 0  # declaration order within its struct


@dataclass(frozen=True)
class WireStruct:
    name: str
    fields: tuple[WireField, ...]


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


@dataclass(frozen=True)
class WireEvent:
    """A service-to-client event: `interface << 16 | 0x8000 | N`."""

    name: str
    interface: str
    member: str
    ordinal: int
    payload: str
    location: str = ""


@dataclass(frozen=True)
class WireGraphOp:
    name: str
    number: int
    location: str = ""


@dataclass(frozen=True)
class WireModel:
    interfaces: tuple[WireInterface, ...]
    messages: tuple[WireMessage, ...]  # top level, by ordinal
    commands: tuple[WireMessage, ...]  # inside a command stream, by ordinal
    events: tuple[WireEvent, ...]
    graph_ops: tuple[WireGraphOp, ...]

    def ordinals(self) -> dict[str, int]:
        """Every name -> number the wire fixes: what tests/wire/ordinals.golden.json pins."""
        table: dict[str, int] = {}
        for i in self.interfaces:
            if i.kind == "object":
                table[f"interface {i.name}"] = i.ordinal
        for m in self.messages:
            table[f"message {m.name}"] = m.ordinal
        for c in self.commands:
            table[f"command {c.name}"] = c.ordinal
        for e in self.events:
            table[f"event {e.name}"] = e.ordinal
        for g in self.graph_ops:
            table[f"graph op {g.name}"] = g.number
        return dict(sorted(table.items()))


# --- helpers --------------------------------------------------------------------------------


def uses_wire(ext_attr_names) -> bool:
    """Whether any of these extended attribute names is a wire attribute (or a typo of one)."""
    return any(name.startswith("Wire") for name in ext_attr_names)


def model_uses_wire(model: ir.Model) -> bool:
    return uses_wire(a.name for holder in _holders(model) for a in holder.ext_attrs)


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
            payload = _spell(t.arguments[0]) if t.kind == "Promise" else "ErrorReport"
            events.append(WireEvent(self.where, d.name, m.name, ordinal, payload, m.location))

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
        op = WireGraphOp(m.name, number, m.location)
        numbers[number] = op
        return op

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
        request = WireStruct(
            f"{wire.name}.{RELEASE}", (WireField("self", f"Handle<{wire.name}>", False, 0),)
        )
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
        fields: list[WireField] = []
        if kind != "command":
            fields.append(WireField("self", f"Handle<{d.name}>"))
        creates: list[str] = []
        if created is not None:
            creates.append(created.name)
            child_iface = self.model.get(created.name)
            for child in getattr(child_iface, "members", ()):
                if isinstance(child, ir.Attribute) and _attr(child, "WireChild"):
                    creates.append(child.type.name)
            for i, name in enumerate(creates):
                fields.append(WireField("result" if i == 0 else f"result_{i}", f"Handle<{name}>"))
        ok = True
        for arg in arguments:
            graph_outputs = kind == "build"
            wire_type = self._wire_type(arg.type, allow_operand=graph_outputs)
            if isinstance(wire_type, _Problem):
                self.error(m.location, f"argument '{arg.name}' of {self.where} {wire_type.text}")
                ok = False
                continue
            optional = arg.type.nullable or arg.optional and arg.default is None
            fields.append(WireField(arg.name, wire_type, optional))
        if kind == "finish":
            fields += [WireField("command_count", "u32"), WireField("commands", "Bytes")]
        if kind == "build":
            fields = [f for f in fields if f.name not in {a.name for a in arguments}]
            fields.append(WireField("graph", "GraphDescription"))
        if not ok:
            return None
        fields = [WireField(f.name, f.type, f.optional, i) for i, f in enumerate(fields)]
        name = f"{d.name}.{m.name}"
        reply = None
        if kind in ("reply", "build"):
            reply = WireStruct(f"{name}.reply", self._reply_fields(m, promised, created))
        return WireMessage(
            name,
            d.name,
            m.name,
            wire.ordinal << 16 | number,
            kind,
            WireStruct(name, tuple(fields)),
            reply,
            tuple(creates),
            m.location,
        )

    def _reply_fields(self, m, promised: ir.Type, created) -> tuple[WireField, ...]:
        """The resolved value R of `Settled { resolved(R), rejected(Rejection) }` (§2.3)."""
        if created is not None:
            iface = self.model[created.name]
            results = [
                a
                for a in iface.members
                if isinstance(a, ir.Attribute) and _attr(a, "WireResult") is not None
            ]
            return tuple(
                WireField(a.name, str(self._wire_type(a.type)), promised.nullable, i)
                for i, a in enumerate(results)
            )
        if promised.kind == "builtin" and promised.name == "undefined":
            if _attr(m, "WireMapsMemory") is not None:
                return (WireField("mapping", "SharedMemoryRef"),)
            return ()
        local = self.interfaces.get(promised.name) if promised.kind == "interface" else None
        if local is not None and local.kind == "local":  # NPUError?: the core report (§2.5)
            return (WireField("error", "ErrorReport", promised.nullable),)
        wire_type = self._wire_type(promised)
        if isinstance(wire_type, _Problem):
            self.error(m.location, f"the promised value of {self.where} {wire_type.text}")
            return ()
        return (WireField("data" if wire_type == "Bytes" else "value", wire_type),)

    def _wire_type(self, t: ir.Type, allow_operand: bool = False) -> str | _Problem:
        """`t` on the wire (docs/wire.md §3.3), or why it cannot cross."""
        if t.typedef in _BYTES:  # AllowSharedBufferSource: a union of buffer types
            return "Bytes"
        if t.kind == "builtin":
            if t.name in _SCALARS:
                return _SCALARS[t.name]
            if t.name in _BYTES:
                return "Bytes"
            return _Problem(f"has type {_spell(t)}, which cannot cross the wire")
        if t.kind == "interface":
            target = self.interfaces.get(t.name)
            if target is None:
                return _Problem(f"has type {_spell(t)}, which is not a wire interface")
            if target.kind == "object":
                return f"Handle<{t.name}>"
            if target.kind == "value":
                return f"struct {t.name}"
            if target.kind == "operand" and allow_operand:
                return "u32"
            return _Problem(
                f"has type {_spell(t)}, a [Wire{target.kind.capitalize()}] interface, "
                "which cannot cross the wire"
            )
        if t.kind == "dictionary":
            return f"struct {t.name}"
        if t.kind == "enum":
            return f"enum {t.name}"
        if t.kind in ("sequence", "FrozenArray", "record", "union"):
            inner = [self._wire_type(a, allow_operand) for a in t.arguments]
            for i in inner:
                if isinstance(i, _Problem):
                    return i
            if t.kind == "record":
                return f"record<{inner[0]}, {inner[1]}>"
            if t.kind == "union":
                return f"union<{' | '.join(inner)}>"
            return f"array<{inner[0]}>"
        return _Problem(f"has type {_spell(t)}, which cannot cross the wire")

    def derive(self) -> WireModel:
        self.where = ""
        self.check_attribute_names()
        self.check_definition_kinds()
        self.derive_interfaces()
        messages, commands, events, graph_ops = self.derive_members()
        return WireModel(
            tuple(self.interfaces[n] for n in sorted(self.interfaces)),
            tuple(sorted(messages, key=lambda m: m.ordinal)),
            tuple(sorted(commands, key=lambda m: m.ordinal)),
            tuple(sorted(events, key=lambda e: e.ordinal)),
            tuple(sorted(graph_ops, key=lambda g: g.number)),
        )


@dataclass(frozen=True)
class _Problem:
    text: str

    def __str__(self) -> str:
        return self.text


def derive_wire(model: ir.Model, sink: DiagnosticSink) -> WireModel:
    """The wire model of `model`; misuse of the `Wire*` attributes is reported into `sink`."""
    return _Deriver(model, sink).derive()
