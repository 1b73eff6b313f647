"""The `python` target's client binding classes (`python_service/generated/interfaces.py`).

One class per interface and namespace of the API, named as in the IDL, with every member under
its snake_case name (the one mechanical rule, `codegen/model/naming.py`). The split follows
Blink's: the generated class is the *binding* (argument conversion, attribute plumbing, the
IDL's doc comments as docstrings), and it inherits from a hand-written *implementation* class,
`python_service.client.implementation.<Interface>Impl`, which holds the behaviour:

- an operation `foo(*args, **kwargs)` converts with `conversions.convert_args_<iface>_foo` and
  returns `self._foo(*converted)`;
- a readonly attribute `bar` returns `self._bar`; a writable one converts the new value with
  `conversions.convert_attr_<iface>_bar` and calls `self._set_bar(value)`;
- a `constructor(...)` converts with `conversions.convert_ctor_<iface>` and calls
  `self._construct(*converted)`; an interface without one raises "Illegal constructor", and the
  implementation creates its objects with `<Class>._create(...)` (which skips `__init__`);
- a `readonly setlike<T>` gets `has`, `size`, `keys`, `values`, `entries`, `for_each` and the
  Python protocols, over the tuple `self._entries`;
- constants are class attributes.

A generated class inherits from its generated parent (when the parent is part of the API) and
then from its implementation class, so `isinstance(error, NPUError)` holds for every error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from codegen.model.ir import (
    Attribute,
    Constant,
    Constructor,
    Declaration,
    Model,
    Operation,
    Type,
    Value,
)
from codegen.model.naming import python_identifier
from codegen.targets.python_types import annotation, converter_function

Literal = Callable[[Value, Type], str]


@dataclass(frozen=True)
class PropertyDef:
    py: str
    idl: str
    doc: str
    annotation: str
    setter: str | None  # the conversion function of a writable attribute


@dataclass(frozen=True)
class MethodDef:
    py: str
    idl: str
    doc: str
    annotation: str
    function: str  # conversions.convert_args_...


@dataclass(frozen=True)
class ConstantDef:
    name: str
    value: str
    doc: str


@dataclass(frozen=True)
class ClassDef:
    name: str
    kind: str  # "interface" or "namespace"
    doc: str
    bases: tuple[str, ...]
    constructor: str | None  # conversions.convert_ctor_..., or None: "Illegal constructor"
    properties: tuple[PropertyDef, ...]
    methods: tuple[MethodDef, ...]
    constants: tuple[ConstantDef, ...]
    setlike: str | None  # the element annotation of a readonly setlike


def _interface_class(model: Model, interface, literal: Literal) -> ClassDef:
    properties, methods, constants = [], [], []
    constructor = None
    setlike = None
    seen: set[str] = set()
    for member in interface.members:
        if isinstance(member, Attribute) and member.special != "static":
            py = python_identifier(member.name)
            setter = (
                None
                if member.readonly
                else "conv." + converter_function("attr", interface.name, member.name)
            )
            properties.append(
                PropertyDef(
                    py,
                    member.name,
                    member.doc,
                    annotation(member.type, model, bindings=True),
                    setter,
                )
            )
        elif isinstance(member, Operation) and member.name and member.special != "static":
            if member.name in seen:
                continue  # overloads: the API declares none; the first stands for all
            seen.add(member.name)
            py = python_identifier(member.name)
            methods.append(
                MethodDef(
                    py,
                    member.name,
                    member.doc,
                    annotation(member.return_type, model, bindings=True),
                    "conv." + converter_function("args", interface.name, member.name),
                )
            )
        elif isinstance(member, Constructor):
            constructor = "conv." + converter_function("ctor", interface.name)
        elif isinstance(member, Constant):
            constants.append(
                ConstantDef(member.name, literal(member.value, member.type), member.doc)
            )
        elif isinstance(member, Declaration) and member.kind == "setlike":
            setlike = annotation(member.types[0], model, bindings=True)
    parent = interface.inherits
    bases = []
    if parent is not None and not model[parent].external:
        bases.append(parent)
    bases.append(f"impl.{interface.name}Impl")
    return ClassDef(
        name=interface.name,
        kind="interface",
        doc=interface.doc,
        bases=tuple(bases),
        constructor=constructor,
        properties=tuple(properties),
        methods=tuple(methods),
        constants=tuple(constants),
        setlike=setlike,
    )


def _namespace_class(namespace, literal: Literal) -> ClassDef:
    constants = tuple(
        ConstantDef(m.name, literal(m.value, m.type), m.doc)
        for m in namespace.members
        if isinstance(m, Constant)
    )
    return ClassDef(
        name=namespace.name,
        kind="namespace",
        doc=namespace.doc,
        bases=(),
        constructor=None,
        properties=(),
        methods=(),
        constants=constants,
        setlike=None,
    )


def class_defs(model: Model, literal: Literal) -> list[ClassDef]:
    """Every class, each after the generated classes it inherits from. `literal(value, type)`
    spells a constant's value in Python (the conversions' default-value rule)."""
    interfaces = {i.name: i for i in model.interfaces}
    ordered: list[ClassDef] = []
    done: set[str] = set()

    def add(name: str) -> None:
        if name in done:
            return
        interface = interfaces[name]
        if interface.inherits in interfaces:
            add(interface.inherits)
        done.add(name)
        ordered.append(_interface_class(model, interface, literal))

    for name in sorted(interfaces):
        add(name)
    ordered.extend(_namespace_class(n, literal) for n in model.of_kind("namespace"))
    return ordered
