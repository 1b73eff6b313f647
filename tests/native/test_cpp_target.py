"""The `cpp` target's output as C++: it compiles under the strict flags Blink and Gecko builds
use, it is in clang-format's Chromium style, and generating it is deterministic."""

from __future__ import annotations

import re
import subprocess

import pytest

from codegen.model import wire as w
from codegen.pipeline import load
from codegen.targets import TARGETS, cpp
from codegen.targets.context import Context
from tests.codegen_tools import require_tool
from tests.conftest import ROOT
from tests.native.harness import native_sources

WIRE = load([ROOT / "idl/webnpu.idl"]).wire
HEADER = ROOT / "native/generated/webnpu_wire.h"


def test_the_target_is_registered_and_runs_by_default():
    assert TARGETS["cpp"] == "codegen.targets.cpp"


def test_generation_is_deterministic_and_matches_the_checked_in_files():
    model = load([ROOT / "idl/webnpu.idl"]).model
    first = cpp.generate(model, Context(ROOT, "webnpu"))
    second = cpp.generate(model, Context(ROOT, "webnpu"))
    assert [(o.path, o.content) for o in first] == [(o.path, o.content) for o in second]
    for out in first:
        assert (ROOT / out.path).read_bytes() == out.content, f"{out.path} is stale"


@pytest.mark.parametrize("source", [p for p in native_sources() if p.suffix == ".cc"], ids=str)
def test_each_source_compiles_with_strict_warnings(source):
    gxx = require_tool("g++")
    flags = ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only"]
    proc = subprocess.run(
        [gxx, *flags, "-I", str(ROOT), str(source)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_the_native_sources_are_in_chromium_clang_format_style():
    clang_format = require_tool("clang-format")
    files = [str(p) for p in native_sources()]
    proc = subprocess.run(
        [clang_format, "--dry-run", "-Werror", "--style=Chromium", *files],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]


def test_every_message_command_reply_and_event_has_a_struct_with_its_ordinal():
    header = HEADER.read_text()
    declared = dict(
        re.findall(
            r"struct (\w+) \{\n  static constexpr uint32_t kOrdinal = (0x[0-9A-F]{8});", header
        )
    )
    wanted = {
        cpp.type_name(m.name): m.ordinal for m in WIRE.control + WIRE.messages + WIRE.commands
    }
    wanted |= {cpp.reply_name(m): m.ordinal for m in WIRE.messages if m.reply is not None}
    wanted |= {cpp.event_name(e): e.ordinal for e in WIRE.events}
    assert {name: int(value, 16) for name, value in declared.items()} == wanted


def test_the_schema_hash_is_the_models():
    assert f"kSchemaHash = 0x{WIRE.schema_hash:016X}ull;" in HEADER.read_text()


def test_a_wire_type_without_a_cpp_reader_stops_generation():
    """Better no code than a decoder with fewer checks than Python's (here: bool elements,
    which Python checks are 0 or 1)."""
    with pytest.raises(cpp.UnsupportedWireType, match="array<bool>"):
        cpp._check_supported(w.Array(w.Scalar("bool", "B")), "NPUExample.flags")


@pytest.mark.parametrize(
    ("value", "name"),
    [("high-performance", "kHighPerformance"), ("float32", "kFloat32"), ("nchw", "kNchw")],
)
def test_enumerators_follow_chromium_naming(value, name):
    assert cpp.enumerator(value) == name


def test_long_lists_break_one_item_per_line_as_clang_format_does():
    clang_format = require_tool("clang-format")
    items = [f"AlternativeNumber{i}" for i in range(6)]
    text = cpp.one_per_line("using Value = std::variant<", items, ">;") + "\n"
    proc = subprocess.run(
        [clang_format, "--style=Chromium", "--assume-filename=x.h"],
        input=text,
        capture_output=True,
        text=True,
    )
    assert proc.stdout == text
    assert text.count("\n") == len(items)


def test_the_build_files_list_every_source():
    """native/BUILD.gn (Chromium) and native/moz.build (Gecko) name every .cc, so a new
    runtime file cannot be left out of a browser build."""
    sources = {str(p.relative_to(ROOT / "native")) for p in native_sources() if p.suffix == ".cc"}
    for build_file in ("BUILD.gn", "moz.build"):
        text = (ROOT / "native" / build_file).read_text()
        assert set(re.findall(r'"([\w/]+\.cc)"', text)) == sources, build_file


def test_the_gn_build_file_is_gn_formatted():
    gn = require_tool("gn", "generate-ninja")
    proc = subprocess.run(
        [gn, "format", "--dry-run", str(ROOT / "native/BUILD.gn")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
