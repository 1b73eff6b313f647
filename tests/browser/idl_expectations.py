"""What the page's `window` must look like, derived from the IDL model (not hand-listed).

WebIDL's ECMAScript binding rules, the ones WPT's idlharness.js checks first: an interface
object per interface exposed to Window, its `length` (the shortest constructor's required
arguments, 0 without a constructor) and prototype chain; each attribute an accessor on the
prototype (a setter only when writable); each operation a method whose `length` is its
required argument count; constants on the interface object and its prototype; a namespace
an object carrying its constants; `readonly setlike` members; partial interfaces on platform
interfaces (navigator.npu).
"""

from __future__ import annotations

from typing import Any

from codegen.model.ir import (
    Attribute,
    Constant,
    Constructor,
    Declaration,
    Operation,
    required_count,
)
from codegen.pipeline import load

MODEL = load(["idl/webnpu.idl"]).model


def exposed_to_window(definition: Any) -> bool:
    for attr in definition.ext_attrs:
        if attr.name == "Exposed":
            return "Window" in ((attr.value,) if attr.value else attr.values)
    return False


def _members(definition: Any, *, partial_only: bool = False) -> dict[str, Any]:
    members = [m for m in definition.members if not partial_only or m.origin == "partial"]
    operations: dict[tuple[str, bool], int] = {}
    for m in members:
        if isinstance(m, Operation) and m.name:
            key = (m.name, m.special == "static")
            # Overloads: the interface's method length is the shortest overload's.
            operations[key] = min(operations.get(key, 99), required_count(m.arguments))
    return {
        "attributes": [
            {"name": m.name, "readonly": m.readonly, "static": m.special == "static"}
            for m in members
            if isinstance(m, Attribute)
        ],
        "operations": [
            {"name": name, "length": length, "static": static}
            for (name, static), length in operations.items()
        ],
        "constants": [
            {"name": m.name, "value": int(m.value.text, 0)}
            for m in members
            if isinstance(m, Constant)
        ],
        "setlike": any(isinstance(m, Declaration) and m.kind == "setlike" for m in members),
    }


def expectations() -> list[dict[str, Any]]:
    result = []
    for interface in MODEL.interfaces:
        if interface.external:
            continue
        if not exposed_to_window(interface):
            continue
        constructors = [m for m in interface.members if isinstance(m, Constructor)]
        result.append(
            {
                "kind": "interface",
                "name": interface.name,
                "parent": interface.inherits,
                "constructorLength": min(
                    (required_count(c.arguments) for c in constructors), default=0
                ),
                **_members(interface),
            }
        )
    for namespace in MODEL.of_kind("namespace"):
        if exposed_to_window(namespace):
            result.append({"kind": "namespace", "name": namespace.name, **_members(namespace)})
    for platform in MODEL.of_kind("interface", external=True):
        if not exposed_to_window(platform):
            continue  # WorkerNavigator: its `npu` is a worker's
        members = _members(platform, partial_only=True)
        if members["attributes"] or members["operations"] or members["constants"]:
            result.append({"kind": "partial", "name": platform.name, **members})
    return result


def check_count(entries: list[dict[str, Any]]) -> int:
    """How many checks web/idlharness.js makes for `entries` (so a skipped check shows)."""
    count = 0
    for entry in entries:
        if entry["kind"] == "interface":
            count += 6  # object + property, length, name, [[Prototype]] x2, constructor
        elif entry["kind"] == "namespace":
            count += 1
        count += 2 * (len(entry["attributes"]) + len(entry["operations"]))  # + enumerable
        count += len(entry["constants"]) * (2 if entry["kind"] == "interface" else 1)
        count += 6 if entry["setlike"] else 0
    return count
