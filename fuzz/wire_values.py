"""Values for the generated codec's dataclasses, built from the wire model and a few bytes.

The wire model is read from `generated/wire/webnpu.json` (the `wire-json` target's output:
`codegen.model.wire.derive_wire` as JSON, checked in and drift-tested), so a new message,
field or enum value in the IDL reaches the structure-aware fuzzer with no edit here. Values
are drawn from an `Entropy` (the fuzzer's bytes) with a bias towards what a correct client
sends: enum values from the enum, in-range integers from a table of interesting ones, handles
from a caller-supplied pool. Fields whose meaning the model cannot know (a graph, model bytes,
a command stream) are left to `overrides`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

from codegen.model.naming import python_identifier
from fuzz.harness import data_root
from python_service.generated import wire as gen
from python_service.wire import runtime as rt

MAX_U53 = 2**53 - 1  # [EnforceRange] unsigned long long
# Integers a correct client (and an attacker) uses: small sizes and offsets, alignments,
# powers of two around the limits, the edges of each width.
INTERESTING = (0, 1, 2, 3, 4, 7, 8, 12, 16, 24, 32, 48, 64, 100, 256, 4096, 65536, 65537,
               2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**53 - 1)  # fmt: skip


class Entropy:
    """The fuzzer's bytes read front to back; zeros once they run out (never an error, so
    every input means something)."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def int(self, nbytes: int) -> int:
        return int.from_bytes(bytes(self.byte() for _ in range(nbytes)), "little")

    def below(self, n: int) -> int:
        return self.byte() % n if n > 0 else 0

    def choice(self, items: Sequence[Any]) -> Any:
        return items[self.below(len(items))]

    def chance(self, in_256: int) -> bool:
        """True with probability in_256 / 256: bytes run out as zeros, i.e. "no"."""
        return self.byte() >= 256 - in_256


@cache
def wire_model() -> dict:
    path = data_root() / "generated" / "wire" / "webnpu.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def structs() -> dict[str, dict]:
    return {s["name"]: s for s in wire_model()["structs"]}


@dataclass(frozen=True)
class MessageSpec:
    """One client→service message or command of the model, with its generated class."""

    name: str
    ordinal: int
    kind: str
    cls: type
    fields: tuple[dict, ...]
    creates: tuple[str, ...]
    command: bool


def _class_for(ordinal: int, command: bool) -> type | None:
    if command:
        return gen.COMMANDS.get(ordinal)
    cls = gen.MESSAGES.get(ordinal)
    if cls is None:  # NPU.release: in the model, not accepted by the service (§3.5)
        cls = next((c for c in vars(gen).values() if getattr(c, "ORDINAL", None) == ordinal
                    and hasattr(c, "decode") and "Reply" not in c.__name__), None)  # fmt: skip
    return cls


@cache
def message_specs() -> tuple[MessageSpec, ...]:
    """Every message and command of the model whose generated class exists, checked against
    the class's fields (so a generator change that reorders them fails loudly here)."""
    specs = []
    model = wire_model()
    for entry, command in [(m, False) for m in model["messages"]] + [
        (c, True) for c in model["commands"]
    ]:
        cls = _class_for(entry["ordinal"], command)
        if cls is None:
            continue
        wire_fields = tuple(entry["request"]["fields"])
        names = [python_identifier(f["name"]) for f in wire_fields]
        declared = [f.name for f in fields(cls)]
        if names != declared:
            raise AssertionError(f"{entry['name']}: model fields {names}, class {declared}")
        specs.append(
            MessageSpec(
                entry["name"],
                entry["ordinal"],
                entry["kind"],
                cls,
                wire_fields,
                tuple(entry["creates"]),
                command,
            )  # fmt: skip
        )
    return tuple(specs)


def struct_class(name: str) -> type:
    """`NPUBufferDescriptor` → gen.NPUBufferDescriptor; `GraphOp.matmul` → gen.GraphOpMatmul."""
    head, _, op = name.partition(".")
    return getattr(gen, head + op[:1].upper() + op[1:])


# A value for one field: (spec, field, entropy) -> value, or NotImplemented for the default.
Override = Callable[[str, dict, Entropy], Any]


class ValueBuilder:
    """Builds a field's value from its wire type. `handle(interface, entropy)` supplies handles
    (the caller knows which are live); `integer(field_name, type, entropy)` may bias integers."""

    def __init__(
        self,
        handle: Callable[[str, Entropy], rt.Handle],
        integer: Callable[[str, dict, Entropy], int | None] | None = None,
        max_count: int = 4,
    ) -> None:
        self.handle = handle
        self.integer = integer
        self.max_count = max_count

    def build(self, spec_fields: Sequence[dict], cls: type, e: Entropy, override=None) -> Any:
        values = []
        for f in spec_fields:
            value = NotImplemented if override is None else override(f, e)
            if value is NotImplemented:
                value = self.field(f, e)
            values.append(value)
        return cls(*values)

    def field(self, f: dict, e: Entropy) -> Any:
        if f["optional"] and e.chance(96):
            return None
        return self.value(f["type"], e, f["name"])

    def value(self, t: dict, e: Entropy, name: str = "") -> Any:
        kind = t["kind"]
        if kind == "handle":
            return self.handle(t["interface"], e)
        if kind == "scalar":
            return self.scalar(t, e, name)
        if kind == "enum":
            return e.choice(t["values"])
        if kind == "string":
            return e.choice(("", "a", "b", "y", "label", "é"))
        if kind == "bytes":
            return bytes(e.below(4) * 4)
        if kind == "array":
            cap = min(t["max_count"], self.max_count)
            return tuple(self.value(t["element"], e, name) for _ in range(e.below(cap + 1)))
        if kind == "record":
            return {self.value(t["key"], e): self.value(t["value"], e) for _ in range(e.below(3))}
        if kind == "struct":
            s = structs()[t["name"]]
            return self.build(s["fields"], struct_class(t["name"]), e)
        if kind == "union":  # NPUNumber: bigint or unrestricted double
            arm = e.choice(t["arms"])
            return self.value(arm["type"], e, name)
        raise AssertionError(f"no value for wire type {kind}")

    def scalar(self, t: dict, e: Entropy, name: str) -> Any:
        type_name = t["name"]
        if type_name == "bool":
            return bool(e.byte() & 1)
        if type_name.startswith("f"):
            return e.choice((0.0, 1.0, -1.0, 0.5, 1e-5, 6.0, float("inf"), -float("inf")))
        if self.integer is not None:
            chosen = self.integer(name, t, e)
            if chosen is not None:
                return chosen
        bits = int(type_name[1:])
        signed = type_name.startswith("i")
        top = MAX_U53 if t.get("enforce_range") else 2**bits - 1
        value = e.choice(INTERESTING) if not e.chance(16) else e.int(bits // 8)
        if signed:
            return min(value, 2 ** (bits - 1) - 1)
        return min(value, top)
