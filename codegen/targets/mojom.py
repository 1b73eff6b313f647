"""The `mojom` target: the wire model as a Mojo interface (`services/webnpu/public/mojom/`).

Everything is derived from `codegen/model/wire.py`; this module only decides how each wire
concept is spelled in Mojo, following `services/webnn/public/mojom/` upstream:

- each `[WireObject]` interface is a mojom `interface`, its methods carrying their wire method
  ordinals (`CreateBuffer@3`), so traces and the wire protocol name a method by one number;
- creating an object passes a `pending_receiver<T>` (the renderer makes the pipe, so there is
  no round trip, as with the wire's client-allocated ids) and the new object's `ObjectHandle`,
  by which later messages name it (as WebNN names tensors by `WebNNTensorToken`);
- an interface with events gets a `<Interface>Client` interface whose `pending_remote` travels
  in the message that creates the object;
- a `reply`/`build` method answers with a `<Method>Result` union of its resolved struct and the
  core `Rejection` (WebNN's `CreateTensorResult` pattern);
- the command stream of `finish` (docs/wire.md §4) is an `array<<Encoder>Command>` union of the
  command structs: Mojo validates structure itself, so the stream needs no byte encoding here;
- `Bytes` is `mojo_base.mojom.BigBuffer` (inline when small, shared memory when large: the
  wire's own rule), `SharedMemoryRef` is a `mojo_base.mojom.UnsafeSharedMemoryRegion`;
- `release` and the `hello` handshake are not messages: closing a pipe releases its object,
  and Mojo checks both ends were built from the same `.mojom`.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.model import wire as w
from codegen.model.ir import Attribute, Model
from codegen.output import OutputFile
from codegen.render import render
from codegen.targets.chromium_naming import (
    MOJOM_MODULE,
    MOJOM_PATH,
    enum_constant,
    event_method,
    message_struct_name,
    mojom_field,
    mojom_struct_name,
    upper_camel,
)
from codegen.targets.clang_layout import comment_block
from codegen.targets.context import Context
from codegen.targets.gn import gn_list
from codegen.targets.wire_source import wire_of

_SCALARS = {
    "bool": "bool",
    "i8": "int8",
    "u8": "uint8",
    "i16": "int16",
    "u16": "uint16",
    "i32": "int32",
    "u32": "uint32",
    "i64": "int64",
    "u64": "uint64",
    "f32": "float",
    "f64": "double",
    "i128": "Int128",  # mojom has no 128-bit integer: a core struct of two halves
}
BIG_BUFFER = "mojo_base.mojom.BigBuffer"
SHARED_MEMORY = "mojo_base.mojom.UnsafeSharedMemoryRegion"
IMPORTS = {
    BIG_BUFFER: "mojo/public/mojom/base/big_buffer.mojom",
    SHARED_MEMORY: "mojo/public/mojom/base/shared_memory.mojom",
}
HANDLE = "ObjectHandle"
WIDTH = 80  # Chromium's line length, which mojom_format.py also wraps at


@dataclass(frozen=True)
class MojomField:
    type: str
    name: str
    ordinal: int | None = None


@dataclass(frozen=True)
class MojomEnum:
    name: str
    comment: str
    values: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class MojomStruct:
    name: str
    comment: str
    fields: tuple[MojomField, ...]
    union: bool = False


@dataclass(frozen=True)
class MojomMethod:
    name: str
    ordinal: int
    comment: str
    parameters: tuple[MojomField, ...]
    response: tuple[MojomField, ...] | None  # None: no reply


@dataclass(frozen=True)
class MojomInterface:
    name: str
    comment: str
    methods: tuple[MojomMethod, ...]


def mojom_type(t: w.WireType, optional: bool = False) -> str:
    """A wire type in mojom: `array<uint32>`, `map<string, ObjectHandle>`, `NPUNumber?`."""
    if isinstance(t, w.Scalar):
        text = _SCALARS[t.name]
    elif isinstance(t, w.Enum):
        text = t.name
    elif isinstance(t, w.Handle):
        text = HANDLE
        optional = optional or t.nullable
    elif isinstance(t, w.SharedMemoryRef):
        text = SHARED_MEMORY
    elif isinstance(t, w.String):
        text = "string"
    elif isinstance(t, w.Bytes):
        text = BIG_BUFFER
    elif isinstance(t, w.Array):
        text = f"array<{mojom_type(t.element)}>"
    elif isinstance(t, w.Record):
        text = f"map<{mojom_type(t.key)}, {mojom_type(t.value)}>"
    elif isinstance(t, w.StructRef):
        text = mojom_struct_name(t.name)
    elif isinstance(t, w.Union):
        text = t.name
    else:
        raise ValueError(f"no mojom spelling for {t}")
    return text + ("?" if optional else "")


class _Builder:
    """Collects the mojom definitions of one wire model, each struct after what it uses."""

    def __init__(self, model: Model, wire: w.WireModel) -> None:
        self.model = model
        self.wire = wire
        self.enums: dict[str, MojomEnum] = {}
        self.structs: dict[str, MojomStruct] = {}
        self.wire_structs = {s.name: s for s in wire.structs}
        for op in wire.graph_ops:
            if op.struct is not None:
                self.wire_structs[op.struct.name] = op.struct
        self.uses: set[str] = set()  # imported types used

    def doc(self, name: str) -> str:
        definition = self.model.get(name)
        return definition.doc if definition is not None else ""

    def member_doc(self, interface: str, member: str) -> str:
        definition = self.model.get(interface)
        for m in getattr(definition, "members", ()):
            if getattr(m, "name", None) == member:
                return m.doc
        return ""

    def field(self, f: w.WireField) -> MojomField:
        self.use(f.type)
        return MojomField(mojom_type(f.type, f.optional), mojom_field(f.name))

    def use(self, t: w.WireType) -> None:
        """Define what `t` needs (enums, structs, unions) before whatever uses it."""
        if isinstance(t, w.Enum) and t.name not in self.enums:
            values = tuple((enum_constant(v), i) for i, v in enumerate(t.values))
            self.enums[t.name] = MojomEnum(t.name, self.doc(t.name), values)
        elif isinstance(t, w.Array):
            self.use(t.element)
        elif isinstance(t, w.Record):
            self.use(t.key)
            self.use(t.value)
        elif isinstance(t, w.StructRef):
            self.struct(self.wire_structs[t.name], self.doc(t.name))
        elif isinstance(t, w.Union):
            self.union(t)
        elif isinstance(t, w.Scalar) and t.name == "i128":
            self.int128()
        elif isinstance(t, w.Handle):
            self.object_handle()
        elif isinstance(t, w.Bytes | w.SharedMemoryRef):
            self.uses.add(mojom_type(t))

    def struct(self, s: w.WireStruct, doc: str, name: str | None = None) -> str:
        name = name or mojom_struct_name(s.name)
        if name not in self.structs:
            fields = tuple(self.field(f) for f in s.fields)
            self.structs[name] = MojomStruct(name, doc, fields)
        return name

    def union(self, u: w.Union) -> None:
        if u.name in self.structs:
            return
        graph_op = u.name == "GraphOperation"  # arms numbered by their graph op (§5)
        arms = []
        for arm in u.arms:
            self.use(arm.type)
            arms.append(
                MojomField(
                    mojom_type(arm.type), mojom_field(arm.name), arm.tag if graph_op else None
                )
            )
        self.structs[u.name] = MojomStruct(u.name, self.doc(u.name), tuple(arms), union=True)

    def int128(self) -> None:
        self.structs.setdefault(
            "Int128",
            MojomStruct(
                "Int128",
                "A two's-complement 128-bit integer (a WebIDL bigint on the wire).",
                (MojomField("uint64", "low"), MojomField("int64", "high")),
            ),
        )

    def object_handle(self) -> None:
        self.structs.setdefault(
            HANDLE,
            MojomStruct(
                HANDLE,
                "Names an object the renderer created, in later messages: the id the renderer "
                "allocated and its generation (never reused). Its interface is implied by the "
                "parameter it is passed as.",
                (MojomField("uint32", "id"), MojomField("uint32", "generation")),
            ),
        )

    # --- interfaces ---------------------------------------------------------------------

    def method(self, m: w.WireMessage, events: dict[str, list[w.WireEvent]]) -> MojomMethod:
        interface = self.model[m.interface]
        member = next((x for x in interface.members if getattr(x, "name", None) == m.method), None)
        name = upper_camel(m.method)
        if isinstance(member, Attribute):
            name = "Set" + name  # a writable attribute's setter
        parameters: list[MojomField] = []
        created = iter(m.creates)
        for f in m.request.fields:
            if f.name == "self":
                continue  # the pipe the message travels on
            if f.name.startswith("result") and isinstance(f.type, w.Handle):
                target = next(created)
                stem = mojom_field(target)
                self.use(f.type)
                parameters.append(MojomField(HANDLE, stem))
                parameters.append(MojomField(f"pending_receiver<{target}>", stem + "_receiver"))
                if events.get(target):
                    parameters.append(
                        MojomField(f"pending_remote<{target}Client>", stem + "_client")
                    )
                continue
            if m.kind == "finish" and f.name == "command_count":
                continue  # an array carries its own count
            if m.kind == "finish" and f.name == "commands":
                parameters.append(MojomField(f"array<{m.interface}Command>", "commands"))
                continue
            parameters.append(self.field(f))
        response = None
        if m.reply is not None:
            stem = message_struct_name(m.interface, m.method)
            resolved = self.struct(m.reply, f"What {m.name}() resolves to.", stem + "Resolved")
            self.use(self.wire_rejection())
            result = stem + "Result"
            self.structs[result] = MojomStruct(
                result,
                f"The answer to {m.name}(): its resolved value, or why its promise rejects.",
                (MojomField(resolved, "success"), MojomField("Rejection", "error")),
                union=True,
            )
            response = (MojomField(result, "result"),)
        doc = member.doc if member is not None else ""
        return MojomMethod(name, m.ordinal & 0xFFFF, doc, tuple(parameters), response)

    def wire_rejection(self) -> w.StructRef:
        return w.StructRef("Rejection", core=True)

    def commands(self, interface: str) -> None:
        """`<Encoder>Command`: the union of an encoder's commands, tagged by method ordinal."""
        arms = []
        for c in self.wire.commands:
            if c.interface != interface:
                continue
            name = self.struct(
                c.request,
                self.member_doc(interface, c.method),
                message_struct_name(interface, c.method),
            )
            arms.append(MojomField(name, mojom_field(c.method), c.ordinal & 0xFFFF))
        self.structs[interface + "Command"] = MojomStruct(
            interface + "Command",
            f"One command recorded by an {interface}, in the order recorded.",
            tuple(arms),
            union=True,
        )

    def interfaces(self) -> list[MojomInterface]:
        events: dict[str, list[w.WireEvent]] = {}
        for e in self.wire.events:
            events.setdefault(e.interface, []).append(e)
        result = []
        for wi in self.wire.interfaces:
            if wi.kind != "object":
                continue
            if any(c.interface == wi.name for c in self.wire.commands):
                self.commands(wi.name)
            methods = tuple(
                self.method(m, events)
                for m in self.wire.messages
                if m.interface == wi.name and m.kind != "release"
            )
            result.append(MojomInterface(wi.name, self.doc(wi.name), methods))
            if events.get(wi.name):
                result.append(self.client(wi.name, events[wi.name]))
        return result

    def client(self, interface: str, events: list[w.WireEvent]) -> MojomInterface:
        methods = []
        for e in events:
            assert e.struct is not None
            parameters = tuple(self.field(f) for f in e.struct.fields if f.name != "self")
            methods.append(
                MojomMethod(
                    event_method(e.member),
                    e.ordinal & 0x7FFF,
                    self.member_doc(interface, e.member),
                    parameters,
                    None,
                )
            )
        return MojomInterface(
            interface + "Client",
            f"Events the service sends to the renderer's {interface}; bound at its creation.",
            tuple(methods),
        )


def method_text(m: MojomMethod, indent: int = 2) -> str:
    """`Name@N(params) => (result);`, one parameter a line when it does not fit in 80."""
    pad = " " * indent
    params = [f"{p.type} {p.name}" for p in m.parameters]
    head = f"{pad}{m.name}@{m.ordinal}("
    tail = ";"
    if m.response is not None:
        tail = " => (" + ", ".join(f"{p.type} {p.name}" for p in m.response) + ");"
    one_line = head + ", ".join(params) + ")" + tail
    if len(one_line) <= WIDTH:
        return one_line
    inner = " " * len(head)
    return head + (",\n" + inner).join(params) + ")" + tail


def generate(model: Model, context: Context) -> list[OutputFile]:
    wire = wire_of(model)
    if wire is None:
        return []
    builder = _Builder(model, wire)
    interfaces = builder.interfaces()
    text = render(
        "mojom/webnpu.mojom.jinja",
        {"comment": comment_block, "method_text": method_text},
        module=MOJOM_MODULE,
        imports=sorted(IMPORTS[t] for t in builder.uses),
        enums=sorted(builder.enums.values(), key=lambda e: e.name),
        structs=list(builder.structs.values()),
        interfaces=interfaces,
        schema_hash=f"{wire.schema_hash:016x}",
        sources=[context.relative_path(s) for s in model.sources],
    )
    directory = MOJOM_PATH.rsplit("/", 1)[0]
    build = render(
        "mojom/BUILD.gn.jinja",
        {"gn_list": gn_list},
        mojom_file=MOJOM_PATH.rsplit("/", 1)[1],
        deps=["//mojo/public/mojom/base"] if builder.uses else [],
    )
    return [
        OutputFile(f"generated/chromium/{MOJOM_PATH}", text.encode("utf-8")),
        OutputFile(f"generated/chromium/{directory}/BUILD.gn", build.encode("utf-8")),
    ]
