"""The end-to-end operation cases (tests/e2e/test_operations.py) as JSON a page can replay.

Each case function records its graph on a builder. Here the builder is a `RecordingBuilder`:
every call becomes `{"method": IDL name, "args": JSON}` and returns a token standing for the
operand, so the page can replay the same calls on the polyfill's NPUGraphBuilder. Names are
mapped from the Python bindings' spelling back to the IDL's through the IDL model (the same
mechanical rule the generator used), never by a hand-written table. Inputs go as base64 arrays;
the expected outputs stay in Python, computed by the same numpy references as the e2e tests.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from codegen.model.naming import python_identifier
from codegen.pipeline import load
from tests.e2e.test_operations import CASES, Case

MODEL = load(["idl/webnpu.idl"]).model


def _idl_names() -> dict[str, str]:
    """Python spelling -> IDL spelling of every builder operation and dictionary member."""
    names: dict[str, str] = {}
    for member in MODEL["NPUGraphBuilder"].members:
        name = getattr(member, "name", None)
        if name:
            names[python_identifier(name)] = name
    for dictionary in MODEL.dictionaries:
        for member in dictionary.members:
            names[python_identifier(member.name)] = member.name
    return names


IDL_NAMES = _idl_names()


@dataclass(frozen=True)
class Operand:
    index: int


def array_json(array: np.ndarray) -> dict[str, Any]:
    array = np.ascontiguousarray(array)
    return {
        "$array": {
            "dataType": str(array.dtype),
            "shape": list(array.shape),
            "base64": base64.b64encode(array.tobytes()).decode(),
        }
    }


def to_json(value: Any) -> Any:
    if isinstance(value, Operand):
        return {"$operand": value.index}
    if isinstance(value, np.ndarray):
        return array_json(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {IDL_NAMES.get(k, k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        # JSON has no infinities or NaN; the page revives this with Number().
        return {"$number": "NaN" if np.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    return value


class RecordingBuilder:
    """Stands for NPUGraphBuilder: records each call, returns an `Operand` token."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __getattr__(self, python_name: str) -> Any:
        if python_name not in IDL_NAMES:
            raise AttributeError(f"NPUGraphBuilder has no {python_name!r}")
        method = IDL_NAMES[python_name]

        def record(*args: Any) -> Operand:
            self.calls.append({"method": method, "args": to_json(list(args))})
            return Operand(len(self.calls) - 1)

        return record


@dataclass
class ExportedCase:
    id: str
    case: Case
    table_entry: dict[str, Any]


def export_cases() -> list[ExportedCase]:
    """Every case, with the inputs the e2e test would draw for it (same seed: the crc32 of
    the e2e test's own node name)."""
    exported = []
    for op, case_id, function in CASES:
        node_name = f"test_operation[{op}-{case_id}]"
        rng = np.random.default_rng(zlib.crc32(node_name.encode()))
        builder = RecordingBuilder()
        case = function(builder, rng)
        entry = {
            "id": f"{op}-{case_id}",
            "calls": builder.calls,
            "outputs": {name: operand.index for name, operand in case.outputs.items()},
            "inputs": {name: array_json(array) for name, array in case.inputs.items()},
        }
        exported.append(ExportedCase(entry["id"], case, entry))
    return exported


def decode_output(output: dict[str, Any]) -> np.ndarray:
    data = base64.b64decode(output["base64"])
    return np.frombuffer(data, np.dtype(output["dataType"])).reshape(output["shape"])
