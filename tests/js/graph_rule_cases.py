"""Builder call sequences for the graph-rule differential test (tests/js/test_graph_rules.py).

A case is a list of NPUGraphBuilder calls in the IDL's spelling, as a page writes them; the
last call is the one under test, the ones before it set up its operands. `systematic_cases`
walks `python_service.shared.operations.OPERATIONS`: every operation with valid arguments and
with each kind of mistake its rules name. `random_cases` draws operations, shapes, data types
and attributes from the same table with hypothesis (derandomized, so the same cases each run).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from codegen.model.naming import python_identifier
from codegen.pipeline import load
from python_service.client import DOMException
from python_service.shared.operations import OPERATIONS, AttributeSpec
from python_service.shared.tensors import DataType

DATA_TYPES = [t.value for t in DataType]
MODEL = load(["idl/webnpu.idl"]).model


def _enum_values() -> dict[str, tuple[str, ...]]:
    """Attribute name -> the IDL enum's values (so drawn values pass WebIDL conversion and
    reach the rules, which decide)."""
    enums = {e.name: tuple(v.value for v in e.values) for e in MODEL.enums}
    found: dict[str, tuple[str, ...]] = {}
    for dictionary in MODEL.dictionaries:
        for member in dictionary.members:
            name = getattr(member.type, "name", None)
            if name in enums:
                found[member.name] = enums[name]
    return found


ENUM_VALUES = _enum_values()


@dataclass(frozen=True)
class Operand:
    index: int

    def as_json(self) -> dict[str, int]:
        return {"$operand": self.index}


@dataclass(frozen=True)
class Bytes:
    count: int


@dataclass(frozen=True)
class BigInt:
    value: int


@dataclass
class Case:
    """One sequence of calls on a device with limit set `limits` (0: roomy, 1: small)."""

    label: str
    limits: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)
    operands: int = 0
    names: int = 0

    def call(self, method: str, *args: Any, builder: int = 0) -> Operand:
        self.calls.append({"builder": builder, "method": method, "args": list(args)})
        self.operands += 1
        return Operand(self.operands - 1)

    def input(self, shape: list[int], data_type: str = "float32", builder: int = 0) -> Operand:
        self.names += 1
        descriptor = {"dataType": data_type, "shape": shape}
        return self.call("input", f"x{self.names}", descriptor, builder=builder)

    def constant(self, shape: list[int], data_type: str = "float32") -> Operand:
        size = math.prod(shape) * DataType(data_type).element_size
        return self.call("constant", {"dataType": data_type, "shape": shape}, Bytes(size))


def to_json(value: Any) -> Any:
    """The page's spelling of an argument: tokens the JS driver turns into values."""
    if isinstance(value, Operand):
        return value.as_json()
    if isinstance(value, Bytes):
        return {"$bytes": value.count}
    if isinstance(value, BigInt):
        return {"$bigint": str(value.value)}
    if isinstance(value, float) and not math.isfinite(value):
        return {
            "$double": "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        }
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def python_value(value: Any, operands: list[Any]) -> Any:
    """A case's argument as the Python bindings take it (the counterpart of `to_json`)."""
    if isinstance(value, Operand):
        return operands[value.index]
    if isinstance(value, Bytes):
        return bytes(value.count)
    if isinstance(value, BigInt):
        return value.value
    if isinstance(value, list):
        return [python_value(v, operands) for v in value]
    if isinstance(value, dict):
        return {python_identifier(k): python_value(v, operands) for k, v in value.items()}
    return value


def python_answers(device: Any, case: Case) -> list[Any]:
    """The Python builder's answer to each call of `case`, up to the first error: a result's
    descriptor, or [error type, message] with the JavaScript name of the type."""
    builders: dict[int, Any] = {}
    operands: list[Any] = []
    answers: list[Any] = []
    for call in case.calls:
        if call["builder"] not in builders:
            builders[call["builder"]] = device.create_graph_builder()
        method = getattr(builders[call["builder"]], python_identifier(call["method"]))
        try:
            result = method(*python_value(call["args"], operands))
        except DOMException as error:
            answers.append([error.name, error.message])
            break
        except TypeError as error:
            answers.append(["TypeError", str(error)])
            break
        except ValueError as error:  # the bindings' RangeError
            answers.append(["RangeError", str(error)])
            break
        operands.append(result)
        answers.append({"dataType": result.data_type, "shape": list(result.shape)})
    return answers


# --- systematic cases --------------------------------------------------------------------


def _case(label: str, build: Any, limits: int = 0) -> Case:
    case = Case(label, limits)
    build(case)
    return case


def _binary(op: str) -> list[Case]:
    cases = []
    for a, b in ([[2, 3], [2, 3]], [[2, 1, 4], [3, 1]], [[], [5]], [[2, 3], [4]], [[3, 2], [2, 3]]):
        cases.append(_case(f"{op} {a} {b}", lambda c, a=a, b=b: c.call(op, c.input(a), c.input(b))))
    for ta, tb in (
        ("float32", "float16"),
        ("int8", "int8"),
        ("uint32", "uint32"),
        ("int64", "int64"),
    ):
        cases.append(
            _case(
                f"{op} {ta} {tb}",
                lambda c, ta=ta, tb=tb: c.call(op, c.input([2], ta), c.input([2], tb)),
            )
        )
    cases.append(
        _case(
            f"{op} other builder",
            lambda c: c.call(op, c.input([2]), c.input([2], builder=1)),
        )
    )
    cases.append(
        _case(
            f"{op} labelled",
            lambda c: c.call(op, c.input([2]), c.input([3]), {"label": "it's"}),
        )
    )
    return cases


def _matmul() -> list[Case]:
    shapes = [
        ([2, 3], [3, 4]),
        ([5, 2, 3], [3, 4]),
        ([2, 1, 2, 3], [4, 3, 2]),
        ([3], [3, 4]),
        ([2, 3], [4, 5]),
        ([2, 2, 3], [3, 3, 4]),
    ]
    cases = [
        _case(f"matmul {a} {b}", lambda c, a=a, b=b: c.call("matmul", c.input(a), c.input(b)))
        for a, b in shapes
    ]
    cases.append(
        _case("matmul int32", lambda c: c.call("matmul", c.input([2, 2], "int32"), c.input([2, 2])))
    )
    cases.append(
        _case(
            "matmul result over the byte limit",
            lambda c: c.call("matmul", c.input([8, 1]), c.input([1, 16])),
            limits=1,
        )
    )
    return cases


def _gemm() -> list[Case]:
    cases = []
    for options, c_shape in (
        ({}, None),
        ({"aTranspose": True}, None),
        ({"bTranspose": True, "alpha": 0.5}, [4]),
        ({}, [3, 1]),
        ({}, [2, 4]),
        ({"aTranspose": True, "bTranspose": True}, None),
    ):

        def build(c: Case, options=options, c_shape=c_shape) -> None:
            extra = dict(options)
            if c_shape is not None:
                extra["c"] = c.input(c_shape)
            c.call("gemm", c.input([3, 4]), c.input([4, 4]), extra)

        cases.append(_case(f"gemm {options} c={c_shape}", build))
    cases.append(
        _case("gemm rank 3", lambda c: c.call("gemm", c.input([1, 3, 4]), c.input([4, 4])))
    )
    cases.append(
        _case(
            "gemm c type",
            lambda c: c.call(
                "gemm", c.input([2, 2]), c.input([2, 2]), {"c": c.input([2], "float16")}
            ),
        )
    )
    return cases


def _conv2d() -> list[Case]:
    variants: list[tuple[str, list[int], list[int], dict[str, Any], list[int] | None]] = [
        ("valid", [1, 3, 8, 8], [4, 3, 3, 3], {}, None),
        (
            "padding strides",
            [1, 3, 8, 8],
            [4, 3, 3, 3],
            {"padding": [1, 1, 1, 1], "strides": [2, 2]},
            [4],
        ),
        ("dilations", [1, 2, 9, 9], [2, 2, 3, 3], {"dilations": [2, 3]}, None),
        ("groups", [1, 4, 5, 5], [4, 1, 3, 3], {"groups": 4}, None),
        ("groups 0", [1, 4, 5, 5], [4, 1, 3, 3], {"groups": 0}, None),
        ("groups indivisible", [1, 4, 5, 5], [3, 2, 3, 3], {"groups": 3}, None),
        ("filter channels", [1, 4, 5, 5], [4, 2, 3, 3], {"groups": 1}, None),
        ("out channels per group", [1, 4, 5, 5], [3, 2, 3, 3], {"groups": 2}, None),
        ("bias shape", [1, 3, 5, 5], [4, 3, 3, 3], {}, [3]),
        ("padding length", [1, 3, 5, 5], [4, 3, 3, 3], {"padding": [1, 1]}, None),
        ("strides 0", [1, 3, 5, 5], [4, 3, 3, 3], {"strides": [0, 1]}, None),
        ("dilations length", [1, 3, 5, 5], [4, 3, 3, 3], {"dilations": [1, 1, 1]}, None),
        ("window too big", [1, 3, 2, 2], [4, 3, 3, 3], {}, None),
        # Layouts (WebNN MLInputOperandLayout, MLConv2dFilterOperandLayout): valid ones...
        ("nhwc", [1, 5, 6, 3], [4, 3, 3, 3], {"inputLayout": "nhwc"}, [4]),
        ("hwio", [1, 3, 5, 6], [3, 2, 3, 4], {"filterLayout": "hwio"}, [4]),
        ("ohwi", [1, 3, 5, 6], [4, 3, 2, 3], {"filterLayout": "ohwi"}, [4]),
        (
            "nhwc ohwi groups",
            [2, 5, 6, 4],
            [6, 3, 2, 2],
            {"inputLayout": "nhwc", "filterLayout": "ohwi", "groups": 2, "strides": [2, 1]},
            [6],
        ),
        (
            "nhwc ihwo depthwise",
            [1, 5, 5, 3],
            [1, 3, 3, 3],
            {"inputLayout": "nhwc", "filterLayout": "ihwo", "groups": 3, "padding": [1, 1, 0, 2]},
            None,
        ),
        (
            "nhwc hwio",
            [1, 4, 4, 2],
            [2, 2, 2, 5],
            {"inputLayout": "nhwc", "filterLayout": "hwio"},
            None,
        ),
        # ...and the mistakes, with each size read from where its layout puts it.
        ("nhwc channels", [1, 3, 5, 5], [4, 3, 3, 3], {"inputLayout": "nhwc"}, None),
        ("hwio channels", [1, 3, 5, 5], [3, 3, 4, 4], {"filterLayout": "hwio"}, None),
        (
            "ohwi channels",
            [1, 5, 5, 3],
            [4, 3, 3, 4],
            {"inputLayout": "nhwc", "filterLayout": "ohwi"},
            None,
        ),
        ("ihwo channels", [1, 4, 5, 5], [4, 3, 3, 2], {"filterLayout": "ihwo", "groups": 2}, None),
        (
            "nhwc groups indivisible",
            [1, 5, 5, 6],
            [4, 3, 3, 2],
            {"inputLayout": "nhwc", "filterLayout": "ohwi", "groups": 4},
            None,
        ),
        (
            "ihwo out channels per group",
            [1, 4, 5, 5],
            [2, 3, 3, 3],
            {"filterLayout": "ihwo", "groups": 2},
            None,
        ),
        ("hwio bias shape", [1, 3, 5, 5], [3, 3, 3, 4], {"filterLayout": "hwio"}, [3]),
        (
            "ihwo bias shape",
            [1, 5, 5, 3],
            [3, 1, 1, 2],
            {"inputLayout": "nhwc", "filterLayout": "ihwo"},
            [3],
        ),
        ("nhwc window too big", [1, 2, 6, 3], [4, 3, 3, 3], {"inputLayout": "nhwc"}, None),
        ("ohwi window too big", [1, 3, 5, 5], [4, 3, 6, 3], {"filterLayout": "ohwi"}, None),
        ("rank 3", [3, 5, 5], [4, 3, 3, 3], {}, None),
    ]
    cases = []
    for name, x, w, options, bias in variants:

        def build(c: Case, x=x, w=w, options=options, bias=bias) -> None:
            extra = dict(options)
            if bias is not None:
                extra["bias"] = c.input(bias)
            c.call("conv2d", c.input(x), c.input(w), extra)

        cases.append(_case(f"conv2d {name}", build))
    cases.append(
        _case(
            "conv2d int8",
            lambda c: c.call(
                "conv2d", c.input([1, 1, 3, 3], "int8"), c.input([1, 1, 1, 1], "int8")
            ),
        )
    )
    return cases


def _pools() -> list[Case]:
    variants: list[tuple[str, list[int], dict[str, Any], str]] = [
        ("global", [1, 2, 4, 4], {}, "float32"),
        ("window", [1, 2, 5, 5], {"windowDimensions": [2, 2], "strides": [2, 2]}, "float32"),
        (
            "ceil",
            [1, 1, 5, 5],
            {"windowDimensions": [2, 2], "strides": [2, 2], "roundingType": "ceil"},
            "float32",
        ),
        (
            "ceil padding only",
            [1, 1, 4, 4],
            {
                "windowDimensions": [2, 2],
                "strides": [2, 2],
                "padding": [0, 1, 0, 1],
                "roundingType": "ceil",
            },
            "float32",
        ),
        ("window 0", [1, 1, 4, 4], {"windowDimensions": [0, 2]}, "float32"),
        ("window length", [1, 1, 4, 4], {"windowDimensions": [2]}, "float32"),
        ("nhwc global", [1, 4, 3, 2], {"layout": "nhwc"}, "float32"),
        (
            "nhwc window",
            [1, 5, 7, 2],
            {
                "layout": "nhwc",
                "windowDimensions": [2, 3],
                "strides": [2, 2],
                "roundingType": "ceil",
            },
            "float32",
        ),
        (
            "nhwc window too big",
            [1, 2, 8, 3],
            {"layout": "nhwc", "windowDimensions": [3, 3]},
            "float32",
        ),
        ("nhwc uint8", [1, 4, 4, 3], {"layout": "nhwc", "windowDimensions": [2, 2]}, "uint8"),
        ("uint8", [1, 1, 4, 4], {"windowDimensions": [2, 2]}, "uint8"),
        ("int32", [1, 1, 4, 4], {}, "int32"),
        ("rank 2", [4, 4], {}, "float32"),
    ]
    cases = []
    for op in ("averagePool2d", "maxPool2d"):
        for name, x, options, dt in variants:
            cases.append(
                _case(
                    f"{op} {name}",
                    lambda c, op=op, x=x, options=options, dt=dt: c.call(
                        op, c.input(x, dt), options
                    ),
                )
            )
    return cases


def _unary() -> list[Case]:
    return [
        _case(f"{op} {dt}", lambda c, op=op, dt=dt: c.call(op, c.input([2, 3], dt)))
        for op in ("relu", "sigmoid", "tanh", "gelu")
        for dt in DATA_TYPES
    ]


def _softmax() -> list[Case]:
    cases = [
        _case(f"softmax axis {axis}", lambda c, axis=axis: c.call("softmax", c.input([2, 3]), axis))
        for axis in (0, 1, 2, 7)
    ]
    cases.append(_case("softmax int8", lambda c: c.call("softmax", c.input([2], "int8"), 0)))
    cases.append(_case("softmax no axis", lambda c: c.call("softmax", c.input([2]))))
    return cases


def _clamp() -> list[Case]:
    bounds: list[dict[str, Any]] = [
        {},
        {"minValue": 0.0, "maxValue": 6.0},
        {"minValue": 3.0, "maxValue": 1.0},
        {"minValue": 2.5},
        {"maxValue": -1e-7},
        {"minValue": 1e20, "maxValue": 3.0},
        {"minValue": float("nan")},
        {"maxValue": float("-inf")},
        {"minValue": BigInt(5), "maxValue": BigInt(2)},
        {"minValue": BigInt(5), "maxValue": 2.0},
        {"minValue": 0.1, "maxValue": 1e-5},
    ]
    return [_case(f"clamp {b}", lambda c, b=b: c.call("clamp", c.input([2]), b)) for b in bounds]


def _reshape() -> list[Case]:
    shapes = [[6], [3, 2], [1, 6, 1], [4], [0, 6], [1, 1, 1, 1, 1, 1, 1, 1, 6], []]
    cases = [
        _case(f"reshape {s}", lambda c, s=s: c.call("reshape", c.input([2, 3]), s)) for s in shapes
    ]
    cases.append(
        _case(
            "reshape over maxTensorRank", lambda c: c.call("reshape", c.input([8]), [2, 2, 2, 1]), 1
        )
    )
    cases.append(_case("reshape scalar", lambda c: c.call("reshape", c.input([]), [1, 1])))
    return cases


def _transpose() -> list[Case]:
    perms: list[Any] = [None, [1, 0, 2], [2, 0, 1], [0, 0, 1], [0, 1], [0, 1, 3]]
    cases = []
    for p in perms:
        options = {} if p is None else {"permutation": p}
        cases.append(
            _case(
                f"transpose {p}",
                lambda c, options=options: c.call("transpose", c.input([2, 3, 4]), options),
            )
        )
    return cases


def _concat() -> list[Case]:
    variants = [
        ("axis 0", [[2, 3], [4, 3]], 0, "float32"),
        ("axis 1", [[2, 3], [2, 1], [2, 5]], 1, "float32"),
        ("one", [[2, 3]], 1, "float32"),
        ("axis out", [[2, 3], [2, 3]], 2, "float32"),
        ("rank mismatch", [[2, 3], [2, 3, 1]], 0, "float32"),
        ("dim mismatch", [[2, 3], [3, 4]], 0, "float32"),
    ]
    cases = []
    for name, shapes, axis, dt in variants:
        cases.append(
            _case(
                f"concat {name}",
                lambda c, shapes=shapes, axis=axis, dt=dt: c.call(
                    "concat", [c.input(s, dt) for s in shapes], axis
                ),
            )
        )
    cases.append(
        _case(
            "concat type",
            lambda c: c.call("concat", [c.input([2]), c.input([2], "int32")], 0),
        )
    )
    cases.append(_case("concat empty", lambda c: c.call("concat", [], 0)))
    cases.append(
        _case(
            "concat other builder",
            lambda c: c.call("concat", [c.input([2]), c.input([2], builder=1)], 0),
        )
    )
    return cases


def _slice() -> list[Case]:
    variants = [
        ([0, 1], [2, 2]),
        ([1, 0], [1, 3]),
        ([1, 2], [2, 2]),
        ([0], [1]),
        ([0, 0], [0, 1]),
        ([0, 0], [1, 1, 1]),
    ]
    return [
        _case(
            f"slice {s} {z}",
            lambda c, s=s, z=z: c.call("slice", c.input([2, 3]), s, z),
        )
        for s, z in variants
    ]


def _batch_normalization() -> list[Case]:
    variants: list[tuple[str, list[int], list[int], dict[str, list[int]], dict[str, Any]]] = [
        ("valid", [1, 3, 2, 2], [3], {}, {}),
        ("scale bias", [1, 3, 2, 2], [3], {"scale": [3], "bias": [3]}, {}),
        ("bias only", [1, 3, 2, 2], [3], {"bias": [3]}, {"epsilon": 0.001}),
        ("axis", [2, 5], [2], {}, {"axis": 0}),
        ("axis out", [2, 5], [5], {}, {"axis": 2}),
        ("mean shape", [1, 3, 2, 2], [2], {}, {}),
        ("bias shape", [1, 3, 2, 2], [3], {"bias": [1, 3]}, {}),
    ]
    cases = []
    for name, x, mean, optional, options in variants:

        def build(c: Case, x=x, mean=mean, optional=optional, options=options) -> None:
            extra = dict(options)
            for slot, shape in optional.items():
                extra[slot] = c.input(shape)
            c.call("batchNormalization", c.input(x), c.input(mean), c.input(mean), extra)

        cases.append(_case(f"batchNormalization {name}", build))
    return cases


def _layer_normalization() -> list[Case]:
    variants: list[tuple[str, list[int], dict[str, list[int]], dict[str, Any]]] = [
        ("default axes", [2, 3, 4], {"scale": [3, 4]}, {}),
        ("axes", [2, 3, 4], {"bias": [4]}, {"axes": [2]}),
        ("axes repeated", [2, 3, 4], {}, {"axes": [1, 1]}),
        ("axes out", [2, 3, 4], {}, {"axes": [3]}),
        ("scale shape", [2, 3, 4], {"scale": [4, 3]}, {}),
        ("int32", [2, 3], {}, {}),
    ]
    cases = []
    for name, x, optional, options in variants:

        def build(c: Case, x=x, optional=optional, options=options, name=name) -> None:
            extra = dict(options)
            for slot, shape in optional.items():
                extra[slot] = c.input(shape)
            c.call(
                "layerNormalization", c.input(x, "int32" if name == "int32" else "float32"), extra
            )

        cases.append(_case(f"layerNormalization {name}", build))
    return cases


def _cast() -> list[Case]:
    return [
        _case(f"cast {dt}", lambda c, dt=dt: c.call("cast", c.input([2, 2], "int8"), dt))
        for dt in DATA_TYPES
    ] + [
        _case(
            "cast over the byte limit", lambda c: c.call("cast", c.input([40], "int8"), "int64"), 1
        )
    ]


def _inputs_and_constants() -> list[Case]:
    def twice(c: Case) -> None:
        c.call("input", "x", {"dataType": "float32", "shape": [2]})
        c.call("input", "x", {"dataType": "float32", "shape": [2]})

    return [
        _case("input valid", lambda c: c.input([2, 3], "uint64")),
        _case("input scalar", lambda c: c.input([])),
        _case("input dimension 0", lambda c: c.input([2, 0])),
        _case("input rank 9", lambda c: c.input([1] * 9)),
        _case("input over maxTensorRank", lambda c: c.input([1, 1, 1, 1]), 1),
        _case("input over maxTensorByteLength", lambda c: c.input([65]), 1),
        _case("input at maxTensorByteLength", lambda c: c.input([64]), 1),
        _case("input huge", lambda c: c.input([2**31 - 1, 2**31 - 1, 4])),
        _case("input name twice", twice),
        _case(
            "input empty name", lambda c: c.call("input", "", {"dataType": "int8", "shape": [1]})
        ),
        _case("constant valid", lambda c: c.constant([2, 2], "float16")),
        _case(
            "constant bytes",
            lambda c: c.call("constant", {"dataType": "float32", "shape": [2]}, Bytes(7)),
        ),
        _case("constant over the byte limit", lambda c: c.constant([17, 2], "int64"), 1),
        _case(
            "constant dimension 0",
            lambda c: c.call("constant", {"dataType": "float32", "shape": [0]}, Bytes(0)),
        ),
        _case(
            "constant then operation",
            lambda c: c.call("add", c.constant([2], "int32"), c.input([1], "int32")),
        ),
        _case(
            "the second operation's index and operand ids",
            lambda c: (
                c.call("relu", c.input([2])),
                c.call("add", Operand(1), c.input([3])),
            ),
        ),
    ]


def systematic_cases() -> list[Case]:
    groups = [
        *(_binary(op) for op in ("add", "sub", "mul", "div", "max", "min", "pow")),
        _matmul(),
        _gemm(),
        _conv2d(),
        _pools(),
        _unary(),
        _softmax(),
        _clamp(),
        _reshape(),
        _transpose(),
        _concat(),
        _slice(),
        _batch_normalization(),
        _layer_normalization(),
        _cast(),
        _inputs_and_constants(),
    ]
    cases = [case for group in groups for case in group]
    covered = {call["method"] for case in cases for call in case.calls}
    missing = set(OPERATIONS) - covered
    assert not missing, f"operations without systematic cases: {sorted(missing)}"
    return cases


# --- random cases ------------------------------------------------------------------------

_DIMS = st.integers(1, 4)
_SHAPES = st.lists(_DIMS, max_size=4)


def _attribute(name: str, spec: AttributeSpec) -> st.SearchStrategy[Any]:
    """Values WebIDL conversion lets through (the rules decide), or absent (None)."""
    small = st.integers(0, 4)
    values: dict[str, st.SearchStrategy[Any]] = {
        "uint": small,
        "uints": st.lists(small, max_size=5),
        "double": st.floats(-10, 10),
        "number": st.one_of(
            st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5).map(BigInt)
        ),
        "bool": st.booleans(),
        "datatype": st.sampled_from(DATA_TYPES),
        "enum": st.sampled_from(ENUM_VALUES.get(name, spec.choices)),
    }
    drawn = values[spec.kind]
    return drawn if spec.required else st.one_of(st.none(), drawn)


def _related(shape: list[int]) -> st.SearchStrategy[list[int]]:
    """A shape like `shape` (same, broadcast-compatible, or a 1-D per-channel vector) or any."""
    broadcast = st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)).map(
        lambda ones: [1 if one else d for one, d in zip(ones, shape, strict=True)]
    )
    channel = st.sampled_from([[d] for d in shape] or [[1]])
    return st.one_of(st.just(shape), broadcast, channel, _SHAPES)


@st.composite
def _random_case(draw: st.DrawFn) -> Case:
    op = draw(st.sampled_from(sorted(OPERATIONS)))
    spec = OPERATIONS[op]
    case = Case(f"random {op}", limits=draw(st.sampled_from([0, 0, 0, 1])))
    data_type = draw(st.sampled_from(["float32"] * 4 + DATA_TYPES))
    rank = 4 if op in ("conv2d", "averagePool2d", "maxPool2d") else draw(st.integers(0, 4))
    first = draw(st.lists(_DIMS, min_size=rank, max_size=rank))

    def operand(shape: list[int]) -> Operand:
        other = draw(st.sampled_from([data_type] * 6 + DATA_TYPES))
        return case.input(shape, other)

    x = case.input(first, data_type)
    if spec.variadic:
        inputs = [x] + [operand(draw(_related(first))) for _ in range(draw(st.integers(0, 2)))]
        args: list[Any] = [inputs]
    else:
        args = [x] + [operand(draw(_related(first))) for _ in spec.inputs[1:]]
    options: dict[str, Any] = {}
    for slot in spec.optional_inputs:
        if draw(st.booleans()):
            options[slot] = operand(draw(_related(first)))
    positional = {"softmax": ["axis"], "reshape": ["newShape"], "concat": ["axis"]}
    positional.update({"slice": ["starts", "sizes"], "cast": ["dataType"]})
    for name, attribute in spec.attributes.items():
        value = draw(_attribute(name, attribute))
        if name in positional.get(op, []):
            args.append(value)
        elif value is not None:
            options[name] = value
    case.call(op, *args, options)
    return case


def random_cases(count: int) -> list[Case]:
    """`count` drawn cases, the same ones every run (derandomized)."""
    found: list[Case] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(_random_case())
    def collect(case: Case) -> None:
        found.append(case)

    collect()
    return found
