"""A terse way for tests to write graph descriptions, as the client's builder will record them."""

from __future__ import annotations

from typing import Any

import numpy as np

from python_service.shared.graph import (
    GraphConstant,
    GraphDescription,
    GraphInput,
    GraphOutput,
    Operation,
    ValidatedGraph,
    validate_graph,
)
from python_service.shared.tensors import DEFAULT_LIMITS, DataType, Limits, OperandDescriptor

_DATA_TYPES = {t.numpy_dtype: t for t in DataType}


class Sketch:
    def __init__(self) -> None:
        self.inputs: list[GraphInput] = []
        self.constants: list[GraphConstant] = []
        self.operations: list[Operation] = []
        self._next_id = 1

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def input(self, name: str, data_type: str, shape: tuple[int, ...] | list[int]) -> int:
        operand = self._id()
        self.inputs.append(GraphInput(operand, name, OperandDescriptor(data_type, tuple(shape))))
        return operand

    def constant(self, values: np.ndarray) -> int:
        operand = self._id()
        descriptor = OperandDescriptor(_DATA_TYPES[values.dtype], values.shape)
        self.constants.append(GraphConstant(operand, descriptor, values.tobytes()))
        return operand

    def op(self, op: str, *inputs: int, label: str = "", **attributes: Any) -> int:
        result = self._id()
        self.operations.append(Operation(op, inputs, (result,), attributes, label))
        return result

    def description(self, **outputs: int) -> GraphDescription:
        return GraphDescription(
            tuple(self.inputs),
            tuple(self.constants),
            tuple(self.operations),
            tuple(GraphOutput(name, operand) for name, operand in outputs.items()),
        )

    def validate(self, limits: Limits = DEFAULT_LIMITS, **outputs: int) -> ValidatedGraph:
        return validate_graph(self.description(**outputs), limits)
