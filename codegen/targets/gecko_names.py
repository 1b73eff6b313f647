"""How the `gecko` target names things in C++: one rule each, shared by the .webidl (which must
say `BinaryName` where the rule renames a member) and the C++ classes."""

from __future__ import annotations

from codegen.model.ir import Attribute


def native_name(interface: str, root: str) -> str:
    """`NPUAdapter` -> `Adapter`; the root interface `NPU` -> `Instance` (WebGPU's `GPU`)."""
    if interface == root:
        return "Instance"
    return interface[len(root) :] if interface.startswith(root) else interface


def method_name(name: str) -> str:
    """Gecko's `MakeNativeName`: the IDL name with its first letter capitalised."""
    return name[0].upper() + name[1:]


def getter_binary_name(attribute: Attribute, root: str) -> str | None:
    """`getQueue` for `NPUQueue queue`: a getter named like the class it returns (`Queue()`)
    would hide the class inside the C++ class, so it is renamed, as WebGPU's
    `[BinaryName="getQueue"] readonly attribute GPUQueue queue` is."""
    t = attribute.type
    if t.kind == "interface" and native_name(t.name, root) == method_name(attribute.name):
        return "get" + method_name(attribute.name)
    return None
