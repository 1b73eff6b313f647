"""How the `python` target spells IDL types in Python: the built-in type families (taken from
the validation pass's type system, so there is one list of them) and type annotations.

`annotation(t, model)` is the type of a *converted* value (`generated/conversions.py`, where
interface classes are not importable); with `bindings=True` it is what the binding classes
(`generated/interfaces.py`) take and return: converted dictionaries as `conv.<Name>`, interface
classes by name, promises as `Promise[T]`, callbacks as callables.
"""

from __future__ import annotations

from dataclasses import replace

from codegen.model.ir import Model, Type
from codegen.model.naming import python_identifier, snake_case
from codegen.model.validation.typesystem import (
    BUFFER_SOURCE_TYPES,
    FLOAT_TYPES,
    INTEGER_RANGES,
    STRING_TYPES,
    UNRESTRICTED_FLOAT_TYPES,
)

INTEGER_TYPES = frozenset(INTEGER_RANGES)
ALL_FLOAT_TYPES = FLOAT_TYPES | UNRESTRICTED_FLOAT_TYPES
SEQUENCE_KINDS = ("sequence", "FrozenArray", "ObservableArray")


def is_buffer(t: Type) -> bool:
    """A buffer source type, or a union of them (typedefs such as AllowSharedBufferSource are
    already resolved into unions in the model)."""
    if t.kind == "builtin":
        return t.name in BUFFER_SOURCE_TYPES
    return t.kind == "union" and all(is_buffer(a) for a in t.arguments)


def annotation(t: Type | None, model: Model, *, bindings: bool = False) -> str:
    if t is None:
        return "None"

    def inner(u: Type) -> str:
        return annotation(u, model, bindings=bindings)

    if t.nullable:
        text = inner(replace(t, nullable=False))
        return text if text == "Any" or text.endswith("| None") else f"{text} | None"
    if is_buffer(t):
        return "memoryview"
    if t.kind == "builtin":
        if t.name in INTEGER_TYPES or t.name == "bigint":
            return "int"
        if t.name in ALL_FLOAT_TYPES:
            return "float"
        if t.name in STRING_TYPES:
            return "str"
        return {"boolean": "bool", "undefined": "None"}.get(t.name, "Any")
    if t.kind == "enum":
        return "str"
    if t.kind in SEQUENCE_KINDS:
        return f"tuple[{inner(t.arguments[0])}, ...]"
    if t.kind == "record":
        return f"dict[str, {inner(t.arguments[1])}]"
    if t.kind == "union":
        return " | ".join(dict.fromkeys(inner(a) for a in t.arguments))
    external = t.kind in ("dictionary", "interface") and model[t.name].external
    if t.kind == "dictionary" and not external:
        return f"conv.{t.name}" if bindings else t.name
    if bindings and t.kind == "interface" and not external:
        return t.name
    if bindings and t.kind == "callback":
        return "Callable[..., Any]"
    if bindings and t.kind == "Promise":
        return f"Promise[{inner(t.arguments[0])}]"
    return "Any"


def converter_function(kind: str, interface: str, member: str = "") -> str:
    """The name of a generated conversion function (`generated/conversions.py`), which the
    binding classes (`generated/interfaces.py`) call: kind "args" (an operation), "ctor" or
    "attr" (an attribute setter). One rule for both files."""
    name = f"convert_{kind}_{snake_case(interface)}"
    return f"{name}_{python_identifier(member)}" if member else name
