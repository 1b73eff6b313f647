"""The builder throws at the call, with the shared graph rules' words (WebNN's synchronous
TypeErrors), and sends nothing until build()."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from python_service.client import DOMException, WebIDLTypeError

from .test_connection import LIMITS, open_device, pair  # noqa: F401 (the fixture)

F32 = {"data_type": "float32", "shape": [2, 2]}


@pytest.fixture
def builder(pair):  # noqa: F811
    connection, peer = pair
    return open_device(connection, peer).create_graph_builder()


def test_input_names_follow_the_shared_rules(builder):
    builder.input("x", F32)
    with pytest.raises(
        WebIDLTypeError,
        match=r"'input' on 'NPUGraphBuilder': input 'x' \(operand 2\): the name is already used",
    ):
        builder.input("x", F32)
    with pytest.raises(WebIDLTypeError, match="the name must not be empty"):
        builder.input("", F32)
    # The refused calls took no operand id: the next input is operand 2.
    assert builder.input("y", F32)._id == 2


def test_descriptors_are_checked_against_the_devices_limits(pair):  # noqa: F811
    # Limits below WebNPU's defaults (rank 8, 2 GiB - 1), so only the device's can refuse.
    limits = dataclasses.replace(LIMITS, max_tensor_rank=2, max_tensor_byte_length=64)
    builder = open_device(*pair, limits).create_graph_builder()
    with pytest.raises(WebIDLTypeError, match="Invalid descriptor: dimension 0 is 0"):
        builder.input("x", {"data_type": "float32", "shape": [0]})
    with pytest.raises(WebIDLTypeError, match="rank 3 exceeds maxTensorRank 2"):
        builder.input("x", {"data_type": "float32", "shape": [1, 1, 1]})
    with pytest.raises(WebIDLTypeError, match="exceeds maxTensorByteLength 64"):
        builder.constant({"data_type": "float32", "shape": [17]}, np.zeros(17, np.float32))
    assert builder.input("x", {"data_type": "float32", "shape": [4, 4]}).shape == (4, 4)


def test_constant_bytes_must_match_the_descriptor(builder):
    with pytest.raises(
        WebIDLTypeError, match=r"12 bytes do not match float32\[2, 2\] \(16 bytes\)"
    ):
        builder.constant(F32, np.zeros(3, np.float32))
    constant = builder.constant(F32, np.zeros(4, np.float32))
    assert (constant.data_type, constant.shape) == ("float32", (2, 2))


def test_operations_are_inferred_and_refused_at_the_call(builder):
    x = builder.input("x", F32)
    y = builder.matmul(x, builder.constant(F32, np.eye(2, dtype=np.float32)))
    assert y.shape == (2, 2)
    with pytest.raises(
        WebIDLTypeError, match="'add' on 'NPUGraphBuilder': add .*not broadcastable"
    ):
        builder.add(x, builder.input("z", {"data_type": "float32", "shape": [3]}))


def test_build_once(builder):
    x = builder.input("x", F32)
    builder.build({"y": builder.relu(x)})
    with pytest.raises(DOMException) as info:
        builder.relu(x)
    assert info.value.name == "InvalidStateError"
