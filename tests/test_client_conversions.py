"""WebIDL argument conversion for the client bindings: the runtime rules
(python_service/client/conversions.py), the generated converters
(python_service/generated/conversions.py) and the snake_case naming rule behind them."""

from __future__ import annotations

import math
from array import array

import numpy as np
import pytest

from codegen.model.naming import python_identifier, snake_case
from python_service.client import conversions as c
from python_service.generated import conversions as g

CTX = c.operation_context("op", "I")


def message(excinfo) -> str:
    return str(excinfo.value)


# --- naming ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("idl", "python"),
    [
        ("requestAdapter", "request_adapter"),
        ("maxBufferSize", "max_buffer_size"),
        ("copyBufferToBuffer", "copy_buffer_to_buffer"),
        ("NPUDevice", "npu_device"),
        ("averagePool2d", "average_pool2d"),
        ("NPUConv2dFilterOperandLayout", "npu_conv2d_filter_operand_layout"),
        ("aTranspose", "a_transpose"),
        ("size", "size"),
    ],
)
def test_snake_case(idl, python):
    assert snake_case(idl) == python


def test_python_identifier_avoids_keywords():
    assert python_identifier("from") == "from_"
    assert python_identifier("self") == "self_"


def test_classes_keep_their_idl_names():
    assert g.NPUBufferDescriptor.__name__ == "NPUBufferDescriptor"
    assert hasattr(g, "convert_args_npu_command_encoder_copy_buffer_to_buffer")
    assert hasattr(g, "convert_args_npu_request_adapter")


# --- integers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("idl", "value", "expected"),
    [
        ("octet", 257, 1),
        ("octet", -1, 255),
        ("byte", 128, -128),
        ("unsigned long", 2**32 + 5, 5),
        ("long", 2**31, -(2**31)),
        ("unsigned long long", -1, 2**64 - 1),
        ("unsigned short", 3.9, 3),
        ("short", -3.9, -3),
        ("long", math.nan, 0),
        ("long", math.inf, 0),
        ("unsigned long", True, 1),
        ("unsigned long", np.int64(7), 7),
    ],
)
def test_integer_modulo_by_default(idl, value, expected):
    assert c.IntegerConverter(idl)(value, CTX) == expected


def test_enforce_range():
    convert = c.IntegerConverter("unsigned long", enforce_range=True)
    assert convert(4.7, CTX) == 4
    assert convert(2**32 - 1, CTX) == 2**32 - 1
    with pytest.raises(c.RangeError) as e:
        convert(2**32, CTX)
    assert (
        message(e)
        == "Failed to execute 'op' on 'I': Value is outside the 'unsigned long' value range."
    )
    assert isinstance(e.value, TypeError)  # WebIDL throws a TypeError here
    with pytest.raises(c.WebIDLTypeError) as e:
        convert(-1, CTX)
    assert message(e).endswith("Value is outside the 'unsigned long' value range.")
    with pytest.raises(TypeError) as e:
        convert(math.inf, CTX)
    assert message(e).endswith("Value is infinite and not of type 'unsigned long'.")
    with pytest.raises(TypeError) as e:
        convert(math.nan, CTX)
    assert message(e).endswith("Value is not of type 'unsigned long'.")
    with pytest.raises(TypeError) as e:
        convert("3", CTX)
    assert message(e).endswith("Value is not of type 'unsigned long'.")


def test_clamp():
    convert = c.IntegerConverter("octet", clamp=True)
    assert [convert(v, CTX) for v in (-5, 300, 2.5, 3.5, math.nan, math.inf)] == [
        0,
        255,
        2,
        4,
        0,
        255,
    ]


# --- floats, booleans, strings ---------------------------------------------------------------


def test_restricted_double_rejects_non_finite():
    with pytest.raises(TypeError) as e:
        c.FloatConverter("double")(math.nan, CTX)
    assert message(e) == "Failed to execute 'op' on 'I': The provided double value is non-finite."
    assert math.isinf(c.FloatConverter("unrestricted double")(math.inf, CTX))
    assert c.FloatConverter("double")(2, CTX) == 2.0


def test_float_rounds_to_single_precision():
    assert c.FloatConverter("float")(0.1, CTX) == np.float32(0.1)
    with pytest.raises(TypeError, match="The provided float value is non-finite."):
        c.FloatConverter("float")(1e300, CTX)
    assert c.FloatConverter("unrestricted float")(1e300, CTX) == math.inf


def test_boolean_takes_truth():
    assert c.BooleanConverter()(0, CTX) is False
    assert c.BooleanConverter()("x", CTX) is True


def test_strings():
    assert c.StringConverter("DOMString")("a\ud800", CTX) == "a\ud800"
    assert c.StringConverter("USVString")("a\ud800b", CTX) == "a\ufffdb"
    assert c.StringConverter("USVString")("\ud83d\ude00", CTX) == "\U0001f600"
    with pytest.raises(TypeError) as e:
        c.StringConverter("USVString")(3, CTX)
    assert message(e) == "Failed to execute 'op' on 'I': Value is not of type 'USVString'."


# --- enums, dictionaries, sequences, records -------------------------------------------------


def test_enum_names_the_enum_and_value():
    assert g.convert_npu_power_preference("low-power") == "low-power"
    with pytest.raises(TypeError) as e:
        g.convert_npu_power_preference("fast")
    assert (
        message(e)
        == "The provided value 'fast' is not a valid enum value of type NPUPowerPreference."
    )
    with pytest.raises(TypeError, match="'undefined' is not a valid enum value"):
        g.convert_npu_power_preference(None)


def test_dictionary_required_default_and_unknown_members():
    d = g.convert_npu_tensor_descriptor({"data_type": "int32", "shape": [2, 3], "extra": 1})
    assert d == g.NPUTensorDescriptor(data_type="int32", shape=(2, 3))
    with pytest.raises(TypeError) as e:
        g.convert_npu_tensor_descriptor({"data_type": "int32"})
    assert message(e) == (
        "Failed to read the 'shape' property from 'NPUTensorDescriptor': Required member is "
        "undefined."
    )


def test_dictionary_accepts_idl_names_and_dataclasses():
    by_idl = g.convert_npu_tensor_descriptor({"dataType": "int8", "shape": ()})
    assert by_idl == g.NPUTensorDescriptor(data_type="int8", shape=())
    assert g.convert_npu_tensor_descriptor(by_idl) == by_idl


def test_dictionary_members_inherited_first_then_by_name():
    options = g.convert_npu_conv2d_options({})
    names = [f for f in g.NPUConv2dOptions.__dataclass_fields__]
    assert names == [
        "label",
        "bias",
        "dilations",
        "filter_layout",
        "groups",
        "input_layout",
        "padding",
        "strides",
    ]
    assert (options.label, options.filter_layout, options.groups) == ("", "oihw", 1)
    assert options.padding is None
    # The first bad member in that order is the one reported.
    with pytest.raises(TypeError, match="'dilations' property"):
        g.convert_npu_conv2d_options({"dilations": 1, "strides": 2})


def test_dictionary_defaults_convert_nested_dictionaries():
    d = g.convert_npu_device_descriptor(None)
    assert d.default_queue == g.NPUQueueDescriptor(label="")
    assert d.required_features == ()
    assert d.required_limits is None
    assert g.NPUDeviceDescriptor().default_queue == g.NPUQueueDescriptor()


def test_dictionary_not_a_mapping():
    with pytest.raises(TypeError) as e:
        g.convert_npu_tensor_descriptor(5)
    assert message(e) == "The provided value is not of type 'NPUTensorDescriptor'."


def test_sequences_from_any_non_string_iterable():
    convert = c.SequenceConverter(c.IntegerConverter("long"))
    assert convert(range(3), CTX) == (0, 1, 2)
    assert convert(np.array([4, 5]), CTX) == (4, 5)
    for bad in ("12", {"a": 1}, 7):
        with pytest.raises(TypeError, match="callable @@iterator"):
            convert(bad, CTX)


def test_record_of_limits():
    d = g.convert_npu_device_descriptor({"required_limits": {"maxBufferSize": 2**40}})
    assert d.required_limits == {"maxBufferSize": 2**40}
    with pytest.raises(TypeError) as e:
        g.convert_npu_device_descriptor({"required_limits": {"maxBufferSize": -1}})
    assert message(e) == (
        "Failed to read the 'requiredLimits' property from 'NPUDeviceDescriptor': "
        "Value is outside the 'unsigned long long' value range."
    )
    with pytest.raises(TypeError, match="Value is not of type 'DOMString'"):
        g.convert_npu_device_descriptor({"required_limits": {1: 2}})


# --- nullable, unions, interfaces, buffers ---------------------------------------------------


def test_nullable():
    convert = c.NullableConverter(c.StringConverter())
    assert convert(None, CTX) is None
    assert convert("x", CTX) == "x"


def test_union_npu_number():
    options = g.convert_npu_clamp_options({"min_value": 2**60, "max_value": 1.5})
    assert options.min_value == 2**60 and isinstance(options.min_value, int)
    assert options.max_value == 1.5
    assert math.isnan(g.convert_npu_clamp_options({"max_value": math.nan}).max_value)
    with pytest.raises(TypeError) as e:
        g.convert_npu_clamp_options({"min_value": "1"})
    assert message(e) == (
        "Failed to read the 'minValue' property from 'NPUClampOptions': "
        "The provided value is not of type '(bigint or unrestricted double)'."
    )


def test_union_with_null_and_order():
    union = c.UnionConverter(
        "(DOMString or sequence<long>)?",
        (c.NullableConverter(c.StringConverter()), c.SequenceConverter(c.IntegerConverter("long"))),
    )
    assert union(None, CTX) is None
    assert union("ab", CTX) == "ab"
    assert union([1, 2], CTX) == (1, 2)


class NPUBuffer:
    """Stands in for the binding class of that name."""


class NPUGraph:
    pass


class NPUOperand:
    pass


@pytest.fixture(autouse=True)
def stand_in_bindings(monkeypatch):
    """Interface conversion checks against the registered binding classes. These tests convert
    without a service, so they register stand-ins in place of the generated classes (which may
    be registered already, if another test imported them), and the originals come back after."""
    stand_ins = {"NPUBuffer": NPUBuffer, "NPUGraph": NPUGraph, "NPUOperand": NPUOperand}
    monkeypatch.setattr(c, "_INTERFACES", {**c._INTERFACES, **stand_ins})


def test_interfaces_by_binding_class():
    buffer, graph = NPUBuffer(), NPUGraph()
    args = g.convert_args_npu_command_encoder_copy_buffer_to_buffer((buffer, 0, buffer, 8, 8), {})
    assert args == (buffer, 0, buffer, 8, 8)
    with pytest.raises(TypeError) as e:
        g.convert_args_npu_command_encoder_dispatch((buffer, {}, {}), {})
    assert message(e) == (
        "Failed to execute 'dispatch' on 'NPUCommandEncoder': "
        "parameter 1 is not of type 'NPUGraph'."
    )
    assert g.convert_args_npu_command_encoder_dispatch((graph, {"x": buffer}, {}), {}) == (
        graph,
        {"x": buffer},
        {},
    )


def test_registered_binding_class():
    @c.register_interface("NPUCommandBuffer")
    class CommandBuffer:
        pass

    try:
        cb = CommandBuffer()
        assert g.convert_args_npu_queue_submit(([cb],), {}) == ((cb,),)
        with pytest.raises(TypeError, match="The provided value is not of type 'NPUCommandBuffer'"):
            g.convert_args_npu_queue_submit(([object()],), {})
    finally:
        c._INTERFACES.pop("NPUCommandBuffer")


@pytest.mark.parametrize(
    "value",
    [b"\x01\x02", bytearray(2), memoryview(b"ab"), np.zeros(2, np.uint8), array("B", [1, 2])],
)
def test_buffer_sources(value):
    (view,) = g.convert_args_npu_device_load_model((value,), {})
    assert isinstance(view, memoryview) and view.nbytes == 2


def test_buffer_source_rejects_others():
    for bad in ("ab", [1, 2], np.zeros((4, 4))[:, 0]):
        with pytest.raises(TypeError) as e:
            g.convert_args_npu_device_load_model((bad,), {})
        assert message(e).startswith("Failed to execute 'loadModel' on 'NPUDevice': ")


# --- generated argument converters -----------------------------------------------------------


def test_create_buffer_descriptor():
    (d,) = g.convert_args_npu_device_create_buffer(({"size": 16, "usage": 3},), {})
    assert d == g.NPUBufferDescriptor(size=16, usage=3, label="", tensor=None)
    with pytest.raises(TypeError) as e:
        g.convert_args_npu_device_create_buffer(({"usage": 3},), {})
    assert message(e) == (
        "Failed to execute 'createBuffer' on 'NPUDevice': Failed to read the 'size' property "
        "from 'NPUBufferDescriptor': Required member is undefined."
    )
    with pytest.raises(TypeError) as e:
        g.convert_args_npu_device_create_buffer(({"size": 16},), {})
    assert "'usage' property" in message(e)
    with pytest.raises(TypeError) as e:
        g.convert_args_npu_device_create_buffer((), {})
    assert message(e) == (
        "Failed to execute 'createBuffer' on 'NPUDevice': 1 argument required, but only 0 present."
    )
    with pytest.raises(TypeError) as e:
        g.convert_args_npu_device_create_buffer((7,), {})
    assert message(e) == (
        "Failed to execute 'createBuffer' on 'NPUDevice': parameter 1 is not of type "
        "'NPUBufferDescriptor'."
    )


def test_create_buffer_enforce_range_on_size():
    with pytest.raises(c.RangeError) as e:
        g.convert_args_npu_device_create_buffer(({"size": 2**64, "usage": 1},), {})
    assert message(e) == (
        "Failed to execute 'createBuffer' on 'NPUDevice': Failed to read the 'size' property "
        "from 'NPUBufferDescriptor': Value is outside the 'unsigned long long' value range."
    )
    with pytest.raises(TypeError, match="Value is infinite and not of type 'unsigned long long'"):
        g.convert_args_npu_device_create_buffer(({"size": math.inf, "usage": 1},), {})


def test_request_adapter_power_preference():
    assert g.convert_args_npu_request_adapter((), {}) == (
        g.NPURequestAdapterOptions(power_preference=None),
    )
    (options,) = g.convert_args_npu_request_adapter(
        (), {"options": {"power_preference": "low-power"}}
    )
    assert options.power_preference == "low-power"
    with pytest.raises(TypeError) as e:
        g.convert_args_npu_request_adapter(({"powerPreference": "fastest"},), {})
    assert message(e) == (
        "Failed to execute 'requestAdapter' on 'NPU': Failed to read the 'powerPreference' "
        "property from 'NPURequestAdapterOptions': The provided value 'fastest' is not a valid "
        "enum value of type NPUPowerPreference."
    )


def test_optional_arguments_defaults_and_keywords():
    buffer = NPUBuffer()
    assert g.convert_args_npu_queue_read_buffer((buffer,), {}) == (buffer, 0, None)
    assert g.convert_args_npu_queue_read_buffer((buffer,), {"size": 4}) == (buffer, 0, 4)
    assert g.convert_args_npu_buffer_map_async((1,), {"offset": None}) == (1, 0, None)
    with pytest.raises(TypeError) as e:
        g.convert_args_npu_queue_read_buffer((buffer, -1), {})
    assert message(e) == (
        "Failed to execute 'readBuffer' on 'NPUQueue': Value is outside the 'unsigned long long' "
        "value range."
    )


def test_argument_misuse_is_a_type_error():
    with pytest.raises(TypeError, match="Unknown argument 'sise'"):
        g.convert_args_npu_queue_read_buffer((NPUBuffer(),), {"sise": 4})
    with pytest.raises(TypeError, match="3 arguments expected, but 4 present"):
        g.convert_args_npu_queue_read_buffer((NPUBuffer(), 0, 0, 0), {})
    with pytest.raises(TypeError, match="given by position and by name"):
        g.convert_args_npu_queue_read_buffer((NPUBuffer(),), {"buffer": NPUBuffer()})


def test_sequence_argument_with_enforce_range_elements():
    operand = NPUOperand()
    assert g.convert_args_npu_graph_builder_reshape((operand, [1, 2]), {})[1] == (1, 2)
    with pytest.raises(TypeError) as e:
        g.convert_args_npu_graph_builder_reshape((operand, [1, -2]), {})
    assert message(e) == (
        "Failed to execute 'reshape' on 'NPUGraphBuilder': Value is outside the 'unsigned long' "
        "value range."
    )


def test_variadic_arguments():
    args = c.Arguments((1, 2, 3), {}, CTX, ("first", "rest"), 1, variadic=True)
    convert = c.IntegerConverter("long")
    assert (args.get(0, convert), args.rest(1, convert)) == (1, (2, 3))


def test_64_bit_enforce_range_and_clamp_stop_at_javascripts_safe_integers():
    # WebIDL ConvertToInt step 1: the bounds of a 64-bit type are +-(2^53 - 1).
    unsigned = c.IntegerConverter("unsigned long long", enforce_range=True)
    assert unsigned(2**53 - 1) == 2**53 - 1
    with pytest.raises(c.EnforceRangeError, match="outside the 'unsigned long long' value range"):
        unsigned(2**53)
    signed = c.IntegerConverter("long long", enforce_range=True)
    assert signed(-(2**53) + 1) == -(2**53) + 1
    with pytest.raises(c.EnforceRangeError):
        signed(-(2**53))
    assert c.IntegerConverter("unsigned long long", clamp=True)(2**60) == 2**53 - 1
    # Without either attribute the value still wraps modulo 2^64.
    assert c.IntegerConverter("long long")(2**63) == -(2**63)
    assert c.IntegerConverter("long long")(2**62) == 2**62
    assert c.IntegerConverter("unsigned long long")(2**64 + 5) == 5
