"""Tensor data types, descriptors and checked size arithmetic (WebNN "MLOperandDescriptor").

Sizes come from an untrusted renderer, so every count is computed with explicit bounds rather
than trusting Python's unbounded integers to be harmless later (numpy, ONNX Runtime and the
C++ serializer all use fixed-width integers).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# WebNN "valid dimension": a positive integer that fits in int32, so backends indexing with
# 32-bit signed integers cannot overflow on one dimension.
MAX_DIMENSION = 2**31 - 1

# The rank cap WebNN implementations use; NPUSupportedLimits.maxTensorRank may lower it, never
# raise it.
MAX_TENSOR_RANK = 8


class TensorError(ValueError):
    """A tensor descriptor breaks a size rule (rank, dimension range, byte limit)."""


class DataType(enum.Enum):
    """NPUDataType: the element types of tensors, valued by their IDL enum strings."""

    FLOAT32 = "float32"
    FLOAT16 = "float16"
    INT32 = "int32"
    UINT32 = "uint32"
    INT64 = "int64"
    UINT64 = "uint64"
    INT8 = "int8"
    UINT8 = "uint8"

    @property
    def element_size(self) -> int:
        """Bytes per element."""
        return _ELEMENT_SIZES[self]

    @property
    def numpy_dtype(self) -> np.dtype:
        """The little-endian numpy dtype of one element (tensor bytes are little-endian)."""
        return np.dtype(_NUMPY_DTYPES[self])

    @property
    def is_float(self) -> bool:
        return self in FLOAT_TYPES

    @classmethod
    def parse(cls, value: str | DataType) -> DataType:
        """The data type named by an IDL enum string; TensorError for anything else."""
        if isinstance(value, DataType):
            return value
        try:
            return cls(value)
        except ValueError:
            raise TensorError(f"{value!r} is not a valid NPUDataType") from None


_ELEMENT_SIZES = {
    DataType.FLOAT32: 4,
    DataType.FLOAT16: 2,
    DataType.INT32: 4,
    DataType.UINT32: 4,
    DataType.INT64: 8,
    DataType.UINT64: 8,
    DataType.INT8: 1,
    DataType.UINT8: 1,
}

_NUMPY_DTYPES = {
    DataType.FLOAT32: "<f4",
    DataType.FLOAT16: "<f2",
    DataType.INT32: "<i4",
    DataType.UINT32: "<u4",
    DataType.INT64: "<i8",
    DataType.UINT64: "<u8",
    DataType.INT8: "i1",
    DataType.UINT8: "u1",
}

FLOAT_TYPES = frozenset({DataType.FLOAT32, DataType.FLOAT16})


@dataclass(frozen=True)
class Limits:
    """The NPUSupportedLimits members the graph rules need, with WebNPU's default values.

    - max_tensor_rank (maxTensorRank): 8, the most any WebNN backend supports.
    - max_tensor_byte_length (maxTensorByteLength): 2 GiB - 1, so every byte offset fits in
      int32 as in Chromium's WebNN (`kMaxTensorByteLength` style caps).
    - max_graph_operands (maxGraphOperands): 65,536 inputs, constants and results per graph,
      bounding the service's work per build.
    """

    max_tensor_rank: int = MAX_TENSOR_RANK
    max_tensor_byte_length: int = 2**31 - 1
    max_graph_operands: int = 65_536

    def __post_init__(self) -> None:
        if not 0 <= self.max_tensor_rank <= MAX_TENSOR_RANK:
            raise TensorError(f"maxTensorRank must be within 0..{MAX_TENSOR_RANK}")
        if self.max_tensor_byte_length < 0 or self.max_graph_operands < 0:
            raise TensorError("limits must not be negative")


DEFAULT_LIMITS = Limits()


def _is_int(value: object) -> bool:
    # bool is an int subclass, but True is not a dimension.
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_shape(shape: Iterable[object], limits: Limits = DEFAULT_LIMITS) -> tuple[int, ...]:
    """The shape as a tuple of ints, after WebNN's rank and "valid dimension" rules."""
    dims = tuple(shape)
    if len(dims) > limits.max_tensor_rank:
        raise TensorError(f"rank {len(dims)} exceeds maxTensorRank {limits.max_tensor_rank}")
    for index, dim in enumerate(dims):
        if not _is_int(dim):
            raise TensorError(f"dimension {index} is not an integer: {dim!r}")
        if not 1 <= int(dim) <= MAX_DIMENSION:
            raise TensorError(f"dimension {index} is {dim}, outside 1..{MAX_DIMENSION}")
    return tuple(int(d) for d in dims)


def checked_element_count(shape: tuple[int, ...], limit: int) -> int:
    """The product of the dimensions, refusing to exceed `limit` at any intermediate step.

    Checking each step (rather than the final product) mirrors the C++ side, where the
    product is computed in a fixed-width integer and must not wrap.
    """
    count = 1
    for dim in shape:
        count *= dim
        if count > limit:
            raise TensorError(f"element count of shape {list(shape)} exceeds {limit}")
    return count


@dataclass(frozen=True)
class OperandDescriptor:
    """NPUTensorDescriptor as validated data: an element type and a shape ([] is a scalar)."""

    data_type: DataType
    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        # Normalize eagerly so equal descriptors compare and hash equal whatever was passed in.
        object.__setattr__(self, "data_type", DataType.parse(self.data_type))
        object.__setattr__(self, "shape", check_shape(self.shape, Limits()))

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def element_count(self) -> int:
        # Unbounded here; `check_descriptor` applies the per-tensor byte limit.
        return checked_element_count(self.shape, 2**64)

    @property
    def byte_length(self) -> int:
        return self.element_count * self.data_type.element_size

    def describe(self) -> str:
        return f"{self.data_type.value}{list(self.shape)}"


def check_descriptor(descriptor: OperandDescriptor, limits: Limits) -> OperandDescriptor:
    """The descriptor, if its rank and byte length are within `limits`; TensorError if not."""
    check_shape(descriptor.shape, limits)
    max_elements = limits.max_tensor_byte_length // descriptor.data_type.element_size
    try:
        checked_element_count(descriptor.shape, max_elements)
    except TensorError:
        raise TensorError(
            f"byte length of {descriptor.describe()} exceeds maxTensorByteLength "
            f"{limits.max_tensor_byte_length}"
        ) from None
    return descriptor


def make_descriptor(
    data_type: str | DataType, shape: Iterable[object], limits: Limits = DEFAULT_LIMITS
) -> OperandDescriptor:
    """A descriptor checked against `limits`: the usual way to build one from untrusted data."""
    return check_descriptor(
        OperandDescriptor(DataType.parse(data_type), check_shape(shape, limits)), limits
    )
