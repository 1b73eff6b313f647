"""The `gecko` target's IPDL: the wire model as `dom/webnpu/ipc/PWebNPU.ipdl` and its types,
`PWebNPUTypes.ipdlh` (the split of `dom/webgpu/ipc/PWebGPU.ipdl` and `PWebGPUTypes.ipdlh`).

One async protocol. `parent:` holds the client-to-service messages of the wire model (`hello`,
then every message by ordinal, `release` included except the root's, which the service
refuses); a `reply`/`build` message `returns` a union
of its resolved value and the core `Rejection` (docs/wire.md §2.3). `child:` holds the events.
Commands are not messages: they travel encoded in `NPUCommandEncoder.finish`'s command stream,
as WebGPU batches its commands into one `ByteBuf`.

Wire types map to IPDL types: scalars to `uint32_t`/`double`/..., enums to their `uint32_t`
index, handles to the `WebNPUHandle` struct, `bigint` to `WebNPUInt128`, strings to
`nsCString` (UTF-8 on the wire), `Bytes` to `mozilla::ipc::BigBuffer` (inline when small,
shared memory otherwise: tensor data never crosses as a copy through the channel, like the
wire's memfd arm), `SharedMemoryRef` (a buffer's own storage, from mapAsync) to
`MutableSharedMemoryHandle`, arrays and records to `T[]`, optional fields to `T?`. Reserved
fields (`hello`'s) exist only on the wire and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.model import wire as w
from codegen.targets.cpp_names import WIRE_SCALARS, unreserved
from codegen.targets.gecko_cpp import ipdl_message_name, method_name
from codegen.targets.identifiers import pascal_case

HANDLE = "WebNPUHandle"
INT128 = "WebNPUInt128"
# Imported types: (IPDL declaration, what uses it).
USINGS = {
    "BigBuffer": '[MoveOnly] using class mozilla::ipc::BigBuffer from "mozilla/ipc/BigBuffer.h";',
    "MutableSharedMemoryHandle": (
        "[MoveOnly] using mozilla::ipc::MutableSharedMemoryHandle"
        ' from "mozilla/ipc/SharedMemoryHandle.h";'
    ),
}


def type_name(name: str) -> str:
    """`GraphOp.add` -> `GraphOpAdd`; `record<string, u64>` -> `RecordStringU64`."""
    return pascal_case(name)


def field_name(name: str) -> str:
    """A struct field: camelCase as in the IDL (`command_count` -> `commandCount`)."""
    head, *rest = name.split("_")
    text = head + "".join(method_name(p) for p in rest if p)
    # IPDL struct fields become C++ accessors of the same name.
    return unreserved(text)


def param_name(name: str) -> str:
    return "a" + method_name(field_name(name).rstrip("_"))


@dataclass(frozen=True)
class IpdlStruct:
    name: str
    fields: tuple[tuple[str, str], ...]  # (IPDL type, field name)


@dataclass(frozen=True)
class IpdlUnion:
    name: str
    arms: tuple[str, ...]


@dataclass(frozen=True)
class IpdlMessage:
    name: str
    ordinal: int
    wire_name: str
    params: tuple[tuple[str, str], ...]
    returns: str | None  # the union a reply resolves to


@dataclass
class IpdlProtocol:
    declarations: list[IpdlStruct | IpdlUnion]  # each after the types it uses
    parent: list[IpdlMessage]
    child: list[IpdlMessage]
    protocol_usings: list[str]
    types_usings: list[str]


class _Builder:
    def __init__(self, wire: w.WireModel) -> None:
        self.by_name = {s.name: s for s in wire.structs}
        self.declared: dict[str, IpdlStruct | IpdlUnion] = {}
        self.order: list[IpdlStruct | IpdlUnion] = []

    def add(self, decl: IpdlStruct | IpdlUnion) -> str:
        if decl.name not in self.declared:
            self.declared[decl.name] = decl
            self.order.append(decl)
        return decl.name

    def type(self, t: w.WireType) -> str:
        if isinstance(t, w.Scalar):
            if t.name == "i128":
                return self.add(IpdlStruct(INT128, (("uint64_t", "low"), ("int64_t", "high"))))
            return WIRE_SCALARS[t.name]
        if isinstance(t, w.Enum):
            return "uint32_t"  # the value's declaration index (docs/wire.md §2.1)
        if isinstance(t, w.Handle):
            handle = IpdlStruct(HANDLE, (("uint32_t", "id"), ("uint32_t", "generation")))
            return self.add(handle) + ("?" if t.nullable else "")
        if isinstance(t, w.String):
            return "nsCString"
        if isinstance(t, w.Bytes):
            return "BigBuffer"
        if isinstance(t, w.SharedMemoryRef):
            return "MutableSharedMemoryHandle"
        if isinstance(t, w.Array):
            return self.type(t.element) + "[]"
        if isinstance(t, w.Record):
            return self.struct(t.entry) + "[]"
        if isinstance(t, w.StructRef):
            return self.struct(self.by_name[t.name])
        if isinstance(t, w.Union):
            arms = tuple(self.type(a.type) for a in t.arms)
            return self.add(IpdlUnion(type_name(t.name), arms))
        raise TypeError(f"no IPDL type for {t}")

    def fields(self, struct: w.WireStruct) -> tuple[tuple[str, str], ...]:
        out = []
        for f in struct.fields:
            if isinstance(f.type, w.Reserved):
                continue
            ipdl = self.type(f.type)
            if f.optional and not ipdl.endswith("?"):
                ipdl += "?"
            out.append((ipdl, f.name))
        return tuple(out)

    def struct(self, struct: w.WireStruct) -> str:
        name = type_name(struct.name)
        if name not in self.declared:
            fields = tuple((t, field_name(n)) for t, n in self.fields(struct))
            self.add(IpdlStruct(name, fields))
        return name

    def message(self, m: w.WireMessage | w.WireEvent, struct: w.WireStruct) -> IpdlMessage:
        params = tuple((t, param_name(n)) for t, n in self.fields(struct))
        returns = None
        if isinstance(m, w.WireMessage) and m.reply is not None:
            rejection = self.struct(self.by_name["Rejection"])
            if m.reply.fields:
                reply = self.struct(m.reply)
                returns = self.add(IpdlUnion(type_name(m.name) + "Result", (reply, rejection)))
            else:  # resolves to nothing: a rejection or none
                returns = rejection + "?"
        name = "Hello" if m.name == "Connection.hello" else ipdl_message_name(m)
        return IpdlMessage(name, m.ordinal, m.name, params, returns)


def protocol(wire: w.WireModel) -> IpdlProtocol:
    b = _Builder(wire)
    # The root's implicit `release` is in the wire model but no service accepts it (the root
    # is never released: an unknown method on the wire, docs/wire.md §3.5), so no actor sends it.
    sent = [m for m in wire.control + wire.messages if not wire.root_release(m)]
    parent = [b.message(m, m.request) for m in sent]
    child = [b.message(e, e.struct) for e in wire.events if e.struct is not None]
    used_in_types = {
        name
        for d in b.order
        for t in (d.fields if isinstance(d, IpdlStruct) else [(a, "") for a in d.arms])
        for name in USINGS
        if t[0].removesuffix("[]").removesuffix("?") == name
    }
    used_in_protocol = {
        name
        for m in parent + child
        for t, _ in m.params
        for name in USINGS
        if t.removesuffix("[]").removesuffix("?") == name
    }
    return IpdlProtocol(
        b.order,
        parent,
        child,
        [USINGS[n] for n in sorted(used_in_protocol)],
        [USINGS[n] for n in sorted(used_in_types)],
    )
