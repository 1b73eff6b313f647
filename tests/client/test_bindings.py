"""The generated binding classes against the IDL and against their implementations.

The generator promises (codegen/targets/python_interfaces.py): one class per interface and
namespace, every member under its snake_case name, arguments converted before the
implementation runs, "Illegal constructor" for interfaces without a constructor. These tests
read the IDL model independently of the generated file and check each promise.
"""

from __future__ import annotations

import asyncio
import inspect

import pytest

from codegen.model.ir import Attribute, Constant, Constructor, Operation
from codegen.model.naming import python_identifier
from codegen.pipeline import load
from python_service.client import DOMException, WebIDLTypeError
from python_service.client.events import Event, EventTarget
from python_service.client.promise import exception_for, rejected, resolved
from python_service.generated import interfaces as api

MODEL = load(["idl/webnpu.idl"]).model
INTERFACES = [i for i in MODEL.interfaces if not i.external]
NAMESPACES = list(MODEL.of_kind("namespace"))


def _members(interface, kind):
    return [m for m in interface.members if isinstance(m, kind)]


def test_every_interface_and_namespace_has_a_class():
    expected = sorted(d.name for d in INTERFACES + NAMESPACES)
    assert sorted(api.__all__) == expected
    for name in expected:
        assert inspect.isclass(getattr(api, name)), name


@pytest.mark.parametrize("interface", INTERFACES, ids=lambda i: i.name)
def test_members_are_snake_case_and_implemented(interface):
    cls = getattr(api, interface.name)
    for operation in _members(interface, Operation):
        if not operation.name:
            continue
        py = python_identifier(operation.name)
        assert callable(getattr(cls, py, None)), f"{interface.name}.{py}"
        # The implementation half of the contract: the binding calls self._<name>(...).
        assert callable(getattr(cls, "_" + py, None)), f"{interface.name}._{py} missing"
        assert getattr(cls, py).__doc__.split()[0] != "(Undocumented.)"
    for attribute in _members(interface, Attribute):
        py = python_identifier(attribute.name)
        prop = getattr(cls, py, None)
        assert isinstance(prop, property), f"{interface.name}.{py}"
        assert (prop.fset is None) == attribute.readonly, f"{interface.name}.{py} setter"
        if not attribute.readonly:
            assert callable(getattr(cls, "_set_" + py, None)), f"{interface.name}._set_{py}"


@pytest.mark.parametrize("interface", INTERFACES, ids=lambda i: i.name)
def test_construction_follows_the_idl(interface):
    cls = getattr(api, interface.name)
    if _members(interface, Constructor):
        return  # covered by the error and event tests below
    with pytest.raises(WebIDLTypeError, match=rf"Failed to construct '{interface.name}': Illegal"):
        cls()


def test_subclasses_follow_the_idls_inheritance():
    for interface in INTERFACES:
        parent = interface.inherits
        if parent is not None and not MODEL[parent].external:
            assert issubclass(getattr(api, interface.name), getattr(api, parent))
    assert issubclass(api.NPUDevice, EventTarget)
    assert issubclass(api.NPUUncapturedErrorEvent, Event)


@pytest.mark.parametrize("namespace", NAMESPACES, ids=lambda n: n.name)
def test_namespace_constants_equal_the_idl(namespace):
    cls = getattr(api, namespace.name)
    for constant in _members(namespace, Constant):
        assert getattr(cls, constant.name) == int(constant.value.text, 0)
    with pytest.raises(TypeError, match="namespace"):
        cls()


@pytest.mark.parametrize(
    ("name", "filter_"),
    [
        ("NPUValidationError", "validation"),
        ("NPUOutOfMemoryError", "out-of-memory"),
        ("NPUInternalError", "internal"),
    ],
)
def test_errors_are_constructible_and_share_the_base(name, filter_):
    error = getattr(api, name)("shape mismatch")
    assert error.message == "shape mismatch"
    assert isinstance(error, api.NPUError)
    with pytest.raises(WebIDLTypeError, match=rf"Failed to construct '{name}': 1 argument"):
        getattr(api, name)()


def test_uncaptured_error_event_converts_its_init_dictionary():
    error = api.NPUValidationError("bad")
    event = api.NPUUncapturedErrorEvent("uncapturederror", {"error": error})
    assert event.type == "uncapturederror" and event.error is error
    with pytest.raises(WebIDLTypeError, match="'error' property .*Required member is undefined"):
        api.NPUUncapturedErrorEvent("uncapturederror", {})
    with pytest.raises(WebIDLTypeError, match="is not of type 'NPUError'"):
        api.NPUUncapturedErrorEvent("uncapturederror", {"error": "bad"})


def test_setlike_members_behave_as_a_readonly_set():
    from python_service.generated import wire as gen

    features = api.impl.NPUSupportedFeaturesImpl.__new__(api.NPUSupportedFeatures)
    features._setup(gen.NPUSupportedFeatures(("tensor-float16", "tensor-int64")))
    assert features.size == len(features) == 2
    assert features.has("tensor-int64") and "tensor-float16" in features
    assert not features.has("nope")
    assert list(features) == list(features.keys()) == list(features.values())
    assert list(features.entries()) == [("tensor-float16",) * 2, ("tensor-int64",) * 2]
    seen = []
    features.for_each(lambda value, key, owner: seen.append((value, key, owner)))
    assert seen == [(v, v, features) for v in features]


def test_promises_are_futures_and_awaitable():
    async def both():
        return await resolved(3), await asyncio.wrap_future(resolved(4))

    assert asyncio.run(both()) == (3, 4)
    with pytest.raises(DOMException) as info:
        rejected(exception_for("OperationError", "no")).result()
    assert info.value.name == "OperationError" and info.value.message == "no"
    assert isinstance(exception_for("TypeError", "x"), TypeError)
    assert isinstance(exception_for("RangeError", "x"), ValueError)
