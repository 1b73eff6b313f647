"""The Mojo validation-test text format (fuzz/validation_data.py): every item type, and the
errors a hand-written vector can contain, each naming the item and its line."""

from __future__ import annotations

import struct

import pytest

from fuzz.validation_data import (
    DEFAULT_MEMFD_BYTES,
    VectorSyntaxError,
    load,
    parse,
    read_expected,
)


def test_integers_little_endian_decimal_and_hex():
    data = parse("[u1]1 [u2]0x0203 [u4]4 [u8]0X05 7 // a bare 7 is [u1]").data
    assert data == bytes([1, 3, 2, 4, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 7])


def test_signed_integers():
    data = parse("[s1]-1 [s2]-2 [s4]+3 [s8]-0x10").data
    assert data == struct.pack("<bhiq", -1, -2, 3, -16)


def test_bits_floats_doubles():
    data = parse("[b]00000010 [b]10000000 [f]1.5 [d]-2.25e1").data
    assert data == bytes([2, 128]) + struct.pack("<fd", 1.5, -22.5)


def test_distance_counts_from_the_distance_item():
    data = parse("[u4]9 [dist4]x [u4]0 [anchr]x [dist8]y [anchr]y").data
    assert struct.unpack("<IIIQ", data) == (9, 8, 0, 8)


def test_len4_counts_from_its_start_mark():
    # a channel frame: num_bytes excludes the 8-byte header
    data = parse("[len4]f [u2]0 [u2]0 [start]f [u8]1 [u8]2 [anchr]f").data
    assert struct.unpack_from("<IHH", data) == (16, 0, 0)
    assert len(data) == 24


def test_descriptors_from_handles_and_memfd_in_order():
    parsed = parse("[memfd]65544 [u4]0 [handles]2 [memfd]16")
    assert parsed.descriptors == (65544, DEFAULT_MEMFD_BYTES, DEFAULT_MEMFD_BYTES, 16)
    assert parsed.data == bytes(4)


def test_comments_and_blank_lines():
    assert parse("// nothing\n\n  [u1]1 // one\n//[u1]2\n").data == b"\x01"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[u1]256", "out of range for [u1]"),
        ("[u4]-1", "not an unsigned integer"),
        ("[s1]128", "out of range for [s1]"),
        ("[u4]12ab", "not an unsigned integer"),
        ("[b]0101", "exactly eight"),
        ("[b]0101010a", "exactly eight"),
        ("[f]x", "not a floating-point number"),
        ("[q]1", "unknown type [q]"),
        ("[anchr]x", "has no distance before it"),
        ("[dist4]x [dist4]x", "already has a distance"),
        ("[dist4]x [anchr]x [anchr]x", "appears twice"),
        ("[dist4]a-b", "needs an id"),
        ("[start]x", "needs one [len4]x"),
        ("[len4]x [anchr]x", "has no [start]x"),
        ("[handles]z", "not a descriptor count"),
    ],
)
def test_errors_name_the_item_and_line(text: str, why: str):
    with pytest.raises(VectorSyntaxError) as raised:
        parse("[u1]0\n" + text, "v.data")
    message = str(raised.value)
    assert message.startswith("v.data:2: error occurred when parsing")
    assert why in message


def test_unmatched_distance_is_an_error():
    with pytest.raises(VectorSyntaxError, match=r"matching \[dist4/8\] and \[anchr\].*'x'"):
        parse("[dist4]x [u4]0")


def test_expected_lines(tmp_path):
    assert read_expected("PASS\n") == ("PASS",)
    assert read_expected("// why\n uncaptured validation: a \n\nb\n") == (
        "uncaptured validation: a",
        "b",
    )
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "v.data").write_text("[u4]1")
    with pytest.raises(VectorSyntaxError, match="no v.expected"):
        load(tmp_path / "g" / "v.data", tmp_path)
    (tmp_path / "g" / "v.expected").write_text("VALIDATION_ERROR_ILLEGAL_HANDLE\n")
    vector = load(tmp_path / "g" / "v.data", tmp_path)
    assert (vector.name, vector.expected) == ("g/v", ("VALIDATION_ERROR_ILLEGAL_HANDLE",))
