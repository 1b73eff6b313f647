"""`rt.slot_init`: the generated dataclasses' faster `__init__` behaves as the dataclass's own."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from python_service.generated import wire as gen
from python_service.wire import runtime as rt


def generated_classes() -> list[type]:
    return [c for c in vars(gen).values() if dataclasses.is_dataclass(c) and isinstance(c, type)]


def test_every_generated_dataclass_has_it() -> None:
    classes = generated_classes()
    assert len(classes) > 100
    for cls in classes:
        assert cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"
        # slot_init's stores through `_set0`...; the dataclass's own through object.__setattr__
        names = cls.__init__.__code__.co_names
        assert "__setattr__" not in names, cls
        assert "_set0" in names or not dataclasses.fields(cls), cls


def test_same_signature_values_and_frozenness() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Plain:
        a: int
        b: str
        c: int = 0

    @rt.slot_init
    @dataclasses.dataclass(frozen=True, slots=True)
    class Fast:
        a: int
        b: str
        c: int = 0

    assert inspect.signature(Fast.__init__) == inspect.signature(Plain.__init__)
    for args, kwargs in [((1, "x"), {}), ((1,), {"b": "y", "c": 5}), ((), {"a": 2, "b": "z"})]:
        fast, plain = Fast(*args, **kwargs), Plain(*args, **kwargs)
        assert (fast.a, fast.b, fast.c) == (plain.a, plain.b, plain.c)
        assert fast == Fast(*args, **kwargs) and hash(fast) == hash(Fast(*args, **kwargs))
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.a = 3
    with pytest.raises(TypeError):
        Fast(1)  # b is required, as for the dataclass
    with pytest.raises(TypeError):
        Fast(1, "x", 2, 3)


def test_refuses_what_it_cannot_serve() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        a: list = dataclasses.field(default_factory=list)

    for cls, message in [(NoSlots, "slotted"), (PostInit, "__post_init__"), (Factory, "plain")]:
        with pytest.raises(TypeError, match=message):
            rt.slot_init(cls)
