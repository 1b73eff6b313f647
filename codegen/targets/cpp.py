"""The `cpp` target: the renderer-side C++17 wire library of docs/wire.md (`native/generated/`).

Blink and Gecko encode the requests and commands the renderer sends, and decode the replies and
events the service sends back, with this code; it is generated from the same wire model
(`codegen/model/wire.py`) as the Python codec, and decodes with the same checks, in the same
order, naming the same bad-message kinds (tests/native/ holds the two to that). The byte-level
work is the hand-written runtime in `native/runtime/`; this module only decides the C++ spelling
of every struct, field and enum and which runtime call reads or writes each field, and renders
`codegen/templates/cpp/`.

The output is already in `clang-format --style=Chromium` form: statements are kept under 80
columns, and the few lists that cannot be (long `std::variant` alternatives, parameter lists)
are broken one item per line, aligned after the opening bracket, as clang-format breaks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codegen.model import wire as w
from codegen.model.ir import Model
from codegen.model.naming import snake_case
from codegen.output import OutputFile
from codegen.render import render
from codegen.targets.clang_layout import COLUMNS, assignment_lines
from codegen.targets.context import Context
from codegen.targets.cpp_layout import CONTINUATION
from codegen.targets.cpp_names import WIRE_SCALARS, k_constant, unreserved
from codegen.targets.identifiers import event_type, pascal_case
from codegen.targets.wire_source import wire_of
from codegen.targets.wire_walk import walk

HEADER = "native/generated/{api}_wire.h"
SOURCE = "native/generated/{api}_wire.cc"

# Scalars by wire name: C++ type (a bigint is the runtime's BigInt), then FixedPart loader and
# default member initializer.
_SCALAR_TYPES = {**WIRE_SCALARS, "i128": "BigInt"}
_SCALARS = {
    "bool": ("U8", "false"),
    "u8": ("U8", "0"),
    "u16": ("U16", "0"),
    "u32": ("U32", "0"),
    "u64": ("U64", "0"),
    "i8": ("U8", "0"),
    "i16": ("U16", "0"),
    "i32": ("U32", "0"),
    "i64": ("U64", "0"),
    "f32": ("F32", "0.0f"),
    "f64": ("F64", "0.0"),
    "i128": ("I128", None),
}


class UnsupportedWireType(ValueError):
    """A wire type the C++ runtime has no reader for yet; raised at generation, so a new IDL
    type fails loudly here instead of decoding with fewer checks than the Python side."""


# --- names ------------------------------------------------------------------------------------


def type_name(name: str) -> str:
    """A struct's C++ name: `NPUDevice.createBuffer` -> `NPUDeviceCreateBuffer`,
    `GraphOp.add` -> `GraphOpAdd`, `record<string, u64>` -> `RecordStringU64Entry`; the same
    words as the Python codec's class names."""
    joined = pascal_case(name)
    return joined + "Entry" if name.startswith("record<") else joined


def member_name(name: str) -> str:
    """A field: `bufferOffset` -> `buffer_offset` (Chromium's struct member style)."""
    return unreserved(snake_case(name))


def enumerator(value: str) -> str:
    """An IDL enum value: `high-performance` -> `kHighPerformance`, `float32` -> `kFloat32`."""
    return k_constant(value)


def constant_name(name: str) -> str:
    """A limit: `WIRE_MAX_STRING_BYTES` -> `kWireMaxStringBytes`."""
    return "k" + "".join(p.capitalize() for p in name.lower().split("_"))


def reply_name(m: w.WireMessage) -> str:
    return type_name(m.name) + "Reply"


def resolved_name(m: w.WireMessage) -> str:
    return type_name(m.name) + "Resolved"


def event_name(e: w.WireEvent) -> str:
    """`NPUDevice.onuncapturederror` -> `NPUDeviceUncapturederrorEvent`, as in Python."""
    return type_name(f"{e.interface}.{event_type(e.member)}") + "Event"


def one_per_line(head: str, items: list[str], tail: str, indent: str = "") -> str:
    """`head` + items joined by ", " + `tail` on one line if it fits in 80 columns, else one
    item per line aligned after `head` (clang-format's break for parameter lists and template
    arguments under the Chromium style)."""
    line = indent + head + ", ".join(items) + tail
    if len(line) <= COLUMNS or len(items) < 2:
        return line
    pad = " " * (len(indent) + len(head))
    rest = [f"{pad}{item}," for item in items[1:-1]] + [pad + items[-1] + tail]
    return "\n".join([indent + head + items[0] + ","] + rest)


def declaration(head: str, initializer: str, indent: str = "  ") -> str:
    """A struct member `head = initializer;`, broken after `=` when over 80 columns."""
    if not initializer:
        return f"{indent}{head};"
    return "\n".join(assignment_lines(head, initializer, indent, CONTINUATION))


# --- the view the templates render --------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """A runtime call with the value (or `&target`) between `before` and `after`."""

    callee: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    def with_value(self, value: str) -> str:
        return f"{self.callee}({', '.join((*self.before, value, *self.after))})"


@dataclass(frozen=True)
class Field:
    name: str  # the wire (IDL) name
    member: str
    type: str  # the member's C++ type, std::optional<...> if wire-optional
    declaration: str  # the member's declaration line(s), initializer included
    optional: bool
    mask: str  # the presence bit, "0x1u"; "" if not optional
    # Fixed fields: where and how; `check` is the reader's checking getter, or "" when the
    # value is taken as loaded (`load`).
    offset: int = -1
    size: int = 0
    check: str = ""
    check_args: str = ""
    load: str = ""
    # Variable fields: the runtime calls that write and read it.
    write: Call | None = None
    read: Call | None = None


@dataclass(frozen=True)
class Struct:
    name: str  # the C++ name
    wire_name: str
    fields: tuple[Field, ...]
    fixed_size: int  # the fixed part, tail padding included
    fixed_body: int  # where the tail padding starts
    presence_offset: int  # -1 without optional members
    optional_count: int
    fixed_fields: tuple[Field, ...]  # in slot order
    variable_fields: tuple[Field, ...]  # in declaration order
    # Constants of a top-level type (kOrdinal, kFlags), as declarations.
    constants: tuple[str, ...] = ()
    comment: str = ""


@dataclass(frozen=True)
class Arm:
    index: int  # in the std::variant
    tag: int
    name: str
    type: str
    fixed: Field | None  # a scalar arm, read from its own fixed part at offset 0
    fixed_size: int = 0


@dataclass(frozen=True)
class Union:
    name: str
    wire_name: str
    arms: tuple[Arm, ...]
    value_type: str  # the `using Value = std::variant<...>;` line(s), formatted


@dataclass(frozen=True)
class Enum:
    name: str
    values: tuple[tuple[str, str], ...]  # (enumerator, IDL value)


@dataclass(frozen=True)
class Reply:
    name: str
    resolved: str
    ordinal: int


def _check_supported(t: w.WireType, where: str) -> None:
    if isinstance(t, w.Scalar) and t.name not in _SCALARS:
        raise UnsupportedWireType(f"{where}: scalar {t.name}")
    if isinstance(t, w.Array):
        e = t.element
        if isinstance(e, w.Scalar) and (
            e.name not in ("u32", "u64") or e.restricted or e.enforce_range
        ):
            raise UnsupportedWireType(f"{where}: {t} (only u32 and u64 scalar arrays)")
        if isinstance(e, (w.Array, w.Record, w.Bytes, w.SharedMemoryRef, w.Reserved)):
            raise UnsupportedWireType(f"{where}: {t}")
    if isinstance(t, w.Record) and not isinstance(t.key, w.String):
        raise UnsupportedWireType(f"{where}: {t} (record keys are strings)")


class _Builder:
    """Turns wire structs and unions into the C++ view, collecting the enums fields use."""

    def __init__(self) -> None:
        self.enums: dict[str, w.Enum] = {}

    def cpp_type(self, t: w.WireType) -> str:
        if isinstance(t, w.Scalar):
            return _SCALAR_TYPES[t.name]
        if isinstance(t, w.Reserved):
            return _SCALAR_TYPES[f"u{t.size * 8}"]
        if isinstance(t, w.Enum):
            self.enums.setdefault(t.name, t)
            return t.name
        if isinstance(t, w.Handle):
            return "Handle"
        if isinstance(t, w.SharedMemoryRef):
            return "SharedMemoryRef"
        if isinstance(t, w.String):
            return "std::string"
        if isinstance(t, w.Bytes):
            return "Bytes"
        if isinstance(t, w.Array):
            return f"std::vector<{self.cpp_type(t.element)}>"
        if isinstance(t, w.Record):
            self.cpp_type(t.key)
            self.cpp_type(t.value)
            return f"std::vector<{type_name(t.entry.name)}>"
        if isinstance(t, w.Union):
            for arm in t.arms:
                self.cpp_type(arm.type)
            return type_name(t.name)
        return type_name(t.name)

    def initializer(self, t: w.WireType) -> str:
        if isinstance(t, w.Scalar):
            return _SCALARS[t.name][1] or ""
        if isinstance(t, w.Reserved):
            return "0"
        if isinstance(t, w.Enum):
            return f"{t.name}::{enumerator(t.values[0])}"
        return ""

    def fixed_access(self, t: w.WireType, at: int) -> tuple[str, str, str]:
        """(checking getter, its extra arguments, plain load) for a fixed type at `at`."""
        if isinstance(t, w.Scalar):
            if t.name == "bool":
                return "GetBool", "", ""
            if t.restricted:
                return "GetFinite", "", ""
            if t.enforce_range:
                return "GetInRange", "", ""
            cpp, (loader, _) = _SCALAR_TYPES[t.name], _SCALARS[t.name]
            load = f"f.{loader}({at})"
            if cpp.startswith("int"):  # the loaders are unsigned
                load = f"static_cast<{cpp}>({load})"
            return "", "", load
        if isinstance(t, w.Reserved):
            return "GetReserved", "", ""
        if isinstance(t, w.Enum):
            return "GetEnum", "", ""
        if isinstance(t, w.Handle):
            return "GetHandle", ", " + ("true" if t.nullable else "false"), ""
        if isinstance(t, w.SharedMemoryRef):
            return "GetSharedMemoryRef", "", ""
        raise UnsupportedWireType(str(t))

    def variable_calls(self, t: w.WireType) -> tuple[Call, Call]:
        """(write, read) runtime calls for a variable-part type."""
        if isinstance(t, w.String):
            cap = str(t.max_bytes)
            return Call("w.WriteString", (), (cap,)), Call("r.ReadString", (cap,))
        if isinstance(t, w.Bytes):
            return Call("w.WriteBytes"), Call("r.ReadBytes")
        if isinstance(t, w.Array):
            cap = str(t.max_count)
            e = t.element
            if isinstance(e, w.Scalar):
                reader = {"u32": "r.ReadU32Array", "u64": "r.ReadU64Array"}[e.name]
                return Call("w.WriteScalarArray", (), (cap,)), Call(reader, (cap,))
            if isinstance(e, w.Enum):
                return Call("w.WriteScalarArray", (), (cap,)), Call("r.ReadEnumArray", (cap,))
            if isinstance(e, w.Handle):
                return Call("w.WriteHandleArray", (), (cap,)), Call("r.ReadHandleArray", (cap,))
            if isinstance(e, w.String):
                caps = (cap, str(e.max_bytes))
                return Call("w.WriteStringArray", (), caps), Call("r.ReadStringArray", caps)
            return (
                Call("WriteItems", ("w",), (cap,)),
                Call("ReadItems", ("r", str(e.min_size), cap)),
            )
        if isinstance(t, w.Record):
            cap = str(t.max_count)
            return (
                Call("WriteRecord", ("w",), (cap,)),
                Call("ReadRecord", ("r", str(t.entry.min_size), cap)),
            )
        return Call("Write", ("w",)), Call("Read", ("r",))

    def struct(self, s: w.WireStruct, name: str, constants=(), comment: str = "") -> Struct:
        fields: dict[int, Field] = {}
        presence_offset = -1
        fixed_order = []
        for slot in s.fixed.slots:
            if slot.index < 0:
                presence_offset = slot.offset
                continue
            fixed_order.append(slot.index)
        offsets = {slot.index: slot for slot in s.fixed.slots}
        for f in s.fields:
            _check_supported(f.type, f"{s.name}.{f.name}")
            cpp = self.cpp_type(f.type)
            member = member_name(f.name)
            cpp = f"std::optional<{cpp}>" if f.optional else cpp
            initializer = "" if f.optional else self.initializer(f.type)
            common = dict(
                name=f.name,
                member=member,
                type=cpp,
                declaration=declaration(f"{cpp} {member}", initializer),
                optional=f.optional,
                mask=f"0x{1 << f.presence_bit:x}u" if f.optional else "",
            )
            if f.type.fixed:
                slot = offsets[f.index]
                check, args, load = self.fixed_access(f.type, slot.offset)
                fields[f.index] = Field(
                    **common,
                    offset=slot.offset,
                    size=slot.size,
                    check=check,
                    check_args=args,
                    load=load,
                )
            else:
                write, read = self.variable_calls(f.type)
                fields[f.index] = Field(**common, write=write, read=read)
        body = sum(slot.size for slot in s.fixed.slots)
        return Struct(
            name=name,
            wire_name=s.name,
            fields=tuple(fields[f.index] for f in s.fields),
            fixed_size=s.fixed.size,
            fixed_body=body,
            presence_offset=presence_offset,
            optional_count=s.optional_count,
            fixed_fields=tuple(fields[i] for i in fixed_order),
            variable_fields=tuple(fields[f.index] for f in s.variable),
            constants=tuple(constants),
            comment=comment,
        )

    def union(self, u: w.Union) -> Union:
        arms = []
        for index, arm in enumerate(u.arms):
            cpp = self.cpp_type(arm.type)
            fixed = None
            size = 0
            if arm.type.fixed:
                check, args, load = self.fixed_access(arm.type, 0)
                fixed = Field(
                    name=arm.name,
                    member="",
                    type=cpp,
                    declaration="",
                    optional=False,
                    mask="",
                    offset=0,
                    size=arm.type.size,
                    check=check,
                    check_args=args,
                    load=load,
                )
                size = arm.type.size + -arm.type.size % 8
            arms.append(Arm(index, arm.tag, arm.name, cpp, fixed, size))
        value_type = one_per_line("using Value = std::variant<", [a.type for a in arms], ">;", "  ")
        return Union(type_name(u.name), u.name, tuple(arms), value_type)


def _ordered_definitions(wire: w.WireModel) -> list[w.WireStruct | w.Union]:
    """Every struct, record entry and union used by value, each after what it contains (a
    C++ type must be complete before a member holds it)."""
    structs = {s.name: s for s in wire.structs}
    done: set[str] = set()
    order: list[w.WireStruct | w.Union] = []

    def visit_type(t: w.WireType) -> None:
        for inner in walk(t):
            if isinstance(inner, w.StructRef):
                visit(structs[inner.name])
            elif isinstance(inner, w.Record):
                visit(inner.entry)
            elif isinstance(inner, w.Union):
                for arm in inner.arms:
                    visit_type(arm.type)
                if inner.name not in done:
                    done.add(inner.name)
                    order.append(inner)

    def visit(s: w.WireStruct) -> None:
        if s.name in done:
            return
        done.add(s.name)
        for f in s.fields:
            visit_type(f.type)
        order.append(s)

    for s in wire.structs:
        visit(s)
    # Record entries used only by top-level payloads (dispatch's bindings).
    tops = [m.request for m in wire.control + wire.messages + wire.commands]
    tops += [m.reply for m in wire.messages if m.reply is not None]
    tops += [e.struct for e in wire.events if e.struct is not None]
    for s in tops:
        for f in s.fields:
            visit_type(f.type)
    return order


def _flags(m: w.WireMessage) -> str:
    return "kFlagExpectsReply" if m.expects_reply else "0"


def generate(model: Model, context: Context) -> list[OutputFile]:
    wire = wire_of(model)
    if wire is None:
        return []
    b = _Builder()

    definitions = []
    for d in _ordered_definitions(wire):
        if isinstance(d, w.Union):
            definitions.append(("union", b.union(d)))
        else:
            definitions.append(("struct", b.struct(d, type_name(d.name))))

    def ordinal(value: int) -> str:
        return f"static constexpr uint32_t kOrdinal = 0x{value:08X};"

    def message(m: w.WireMessage, command: bool) -> Struct:
        constants = [ordinal(m.ordinal)]
        if not command:
            constants.append(f"static constexpr uint32_t kFlags = {_flags(m)};")
        what = "command" if command else "message"
        comment = f"`{m.name}`: {what} 0x{m.ordinal:08X} ({m.kind})."
        return b.struct(m.request, type_name(m.name), constants, comment)

    control = [message(m, False) for m in wire.control]
    messages = [message(m, False) for m in wire.messages]
    decodable = [
        s for s, m in zip(messages, wire.messages, strict=True) if not wire.root_release(m)
    ]
    commands = [message(m, True) for m in wire.commands]
    replied = [m for m in wire.messages if m.reply is not None]
    resolved = [
        b.struct(m.reply, resolved_name(m), comment=f"The resolved value of `{m.name}`.")
        for m in replied
    ]
    replies = [Reply(reply_name(m), resolved_name(m), m.ordinal) for m in replied]
    events = [
        b.struct(
            e.struct,
            event_name(e),
            [ordinal(e.ordinal), "static constexpr uint32_t kFlags = 0;"],
            f"`{e.name}`: event 0x{e.ordinal:08X} ({e.payload}).",
        )
        for e in wire.events
        if e.struct is not None
    ]
    # Enums are collected while the fields are built.
    enums = [
        Enum(e.name, tuple((enumerator(v), v) for v in e.values))
        for e in sorted(b.enums.values(), key=lambda e: e.name)
    ]
    header_path = HEADER.format(api=context.api_name)
    guard = re.sub(r"[^A-Za-z0-9]", "_", header_path).upper() + "_"
    params = dict(
        api_name=context.api_name,
        header_path=header_path,
        guard=guard,
        schema_hash=wire.schema_hash,
        limits=[(constant_name(n), v) for n, v in wire.limits],
        enums=enums,
        definitions=definitions,
        control=control,
        messages=messages,
        decodable=decodable,
        commands=commands,
        resolved=resolved,
        replies=replies,
        events=events,
        message_variant=one_per_line(
            "using Message = std::variant<", [s.name for s in decodable], ">;"
        ),
        command_variant=one_per_line(
            "using Command = std::variant<", [s.name for s in commands], ">;"
        ),
        service_variant=one_per_line(
            "using ServiceMessage = std::variant<",
            [r.name for r in replies] + [e.name for e in events],
            ">;",
        ),
    )
    helpers = {"one_per_line": one_per_line}
    return [
        OutputFile(header_path, render("cpp/wire.h.jinja", helpers, **params).encode("utf-8")),
        OutputFile(
            SOURCE.format(api=context.api_name),
            render("cpp/wire.cc.jinja", helpers, **params).encode("utf-8"),
        ),
    ]


def cpp_type(t: w.WireType) -> str:
    """The C++ spelling of a wire type, as the generated structs declare it (for tools that
    write C++ values of the generated types, such as tests/native/)."""
    return _Builder().cpp_type(t)
