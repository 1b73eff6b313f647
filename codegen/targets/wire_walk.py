"""Walks over the wire model's types (`codegen/model/wire.py`), for targets that collect what
a set of messages uses (enums, unions, record entries) before declaring it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from codegen.model import wire as w


def walk(t: w.WireType) -> Iterator[w.WireType]:
    """`t`, then every type inside it: union arms, array elements, record keys and values.
    A struct reference is not followed (its fields are the struct's own business)."""
    yield t
    if isinstance(t, w.Union):
        for arm in t.arms:
            yield from walk(arm.type)
    elif isinstance(t, w.Array):
        yield from walk(t.element)
    elif isinstance(t, w.Record):
        yield from walk(t.key)
        yield from walk(t.value)


def field_types(structs: Iterable[w.WireStruct]) -> Iterator[w.WireType]:
    """Every type of every field of `structs`, nested ones included."""
    for s in structs:
        for f in s.fields:
            yield from walk(f.type)
