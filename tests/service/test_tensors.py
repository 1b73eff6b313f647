"""Data types, descriptors and the checked size arithmetic of python_service.shared.tensors."""

import numpy as np
import pytest

from python_service.shared.tensors import (
    DEFAULT_LIMITS,
    MAX_DIMENSION,
    DataType,
    Limits,
    OperandDescriptor,
    TensorError,
    check_descriptor,
    checked_element_count,
    make_descriptor,
)


def test_data_types_match_the_idl_enum():
    assert [t.value for t in DataType] == [
        "float32",
        "float16",
        "int32",
        "uint32",
        "int64",
        "uint64",
        "int8",
        "uint8",
    ]


@pytest.mark.parametrize("data_type", list(DataType))
def test_element_size_matches_numpy(data_type):
    assert data_type.numpy_dtype.itemsize == data_type.element_size
    assert data_type.numpy_dtype.byteorder in "<|="


def test_float_types():
    assert {t for t in DataType if t.is_float} == {DataType.FLOAT32, DataType.FLOAT16}


def test_parse_refuses_unknown_names():
    assert DataType.parse("int8") is DataType.INT8
    with pytest.raises(TensorError, match="'float64' is not a valid NPUDataType"):
        DataType.parse("float64")


def test_default_limits():
    assert DEFAULT_LIMITS.max_tensor_rank == 8
    assert DEFAULT_LIMITS.max_tensor_byte_length == 2**31 - 1
    with pytest.raises(TensorError, match="maxTensorRank"):
        Limits(max_tensor_rank=9)


def test_descriptor_is_frozen_and_normalized():
    descriptor = OperandDescriptor("float32", [2, np.int64(3)])
    assert descriptor == OperandDescriptor(DataType.FLOAT32, (2, 3))
    assert hash(descriptor) == hash(OperandDescriptor(DataType.FLOAT32, (2, 3)))
    assert descriptor.element_count == 6 and descriptor.byte_length == 24
    with pytest.raises(AttributeError):
        descriptor.shape = (1,)


def test_scalar_has_one_element():
    scalar = make_descriptor("int64", [])
    assert scalar.element_count == 1 and scalar.byte_length == 8


def test_rank_limit():
    make_descriptor("uint8", [1] * 8)
    with pytest.raises(TensorError, match="^rank 9 exceeds maxTensorRank 8$"):
        make_descriptor("uint8", [1] * 9)
    with pytest.raises(TensorError, match="^rank 3 exceeds maxTensorRank 2$"):
        make_descriptor("uint8", [1] * 3, Limits(max_tensor_rank=2))


@pytest.mark.parametrize("dim", [0, -1, MAX_DIMENSION + 1])
def test_dimension_range(dim):
    with pytest.raises(TensorError, match=f"^dimension 1 is {dim}, outside 1..2147483647$"):
        make_descriptor("float32", [2, dim])


@pytest.mark.parametrize("dim", [True, 2.0, "3", None])
def test_dimension_must_be_an_integer(dim):
    with pytest.raises(TensorError, match="^dimension 0 is not an integer"):
        make_descriptor("float32", [dim])


def test_largest_dimension_is_allowed_when_bytes_fit():
    assert make_descriptor("uint8", [MAX_DIMENSION]).byte_length == MAX_DIMENSION


def test_byte_length_limit_counts_the_element_size():
    limits = Limits(max_tensor_byte_length=1024)
    make_descriptor("float32", [16, 16], limits)
    with pytest.raises(
        TensorError, match=r"^byte length of float32\[16, 17\] exceeds maxTensorByteLength 1024$"
    ):
        make_descriptor("float32", [16, 17], limits)
    make_descriptor("uint8", [16, 64], limits)


def test_byte_limit_is_checked_without_huge_products():
    # 8 dimensions of 2^31-1 would be a 248-bit product; the check stops at the first overflow.
    with pytest.raises(TensorError, match="exceeds maxTensorByteLength"):
        check_descriptor(OperandDescriptor("float32", [MAX_DIMENSION] * 8), DEFAULT_LIMITS)


def test_checked_element_count_stops_at_the_limit():
    assert checked_element_count((3, 5), 15) == 15
    with pytest.raises(TensorError, match=r"^element count of shape \[3, 5, 2\] exceeds 16$"):
        checked_element_count((3, 5, 2), 16)
