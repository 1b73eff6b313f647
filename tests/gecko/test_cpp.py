"""dom/webnpu/ C++: clang-format's Mozilla style, and the class shapes Gecko's bindings need."""

from __future__ import annotations

import re
import subprocess

from tests.codegen_tools import require_tool


def cpp_files(files: dict[str, str]) -> list[str]:
    return sorted(p for p in files if p.startswith("dom/webnpu/") and p.endswith((".h", ".cpp")))


def test_generated_cpp_passes_clang_format_mozilla_style(gecko_files, written):
    clang_format = require_tool("clang-format")
    paths = [str(written / p) for p in cpp_files(gecko_files)]
    proc = subprocess.run(
        [clang_format, "--dry-run", "-Werror", "--style=Mozilla", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[:4000]


def test_clang_format_check_catches_a_misformatted_file(written):
    # The check above can fail: the same command rejects a line clang-format would break.
    clang_format = require_tool("clang-format")
    bad = written / "bad.h"
    bad.write_text(
        "void F(int aFirstArgument, int aSecondArgument, int aThirdArgument, int aFourth);\n"
    )
    proc = subprocess.run(
        [clang_format, "--dry-run", "-Werror", "--style=Mozilla", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0


def test_one_class_per_interface_except_generated_events(loaded, gecko_files):
    interfaces = {d.name for d in loaded.model.interfaces}
    wrapped = {
        m.group(1)
        for p in cpp_files(gecko_files)
        for m in re.finditer(r"dom::(\w+)_Binding::Wrap\(", gecko_files[p])
    }
    # NPUUncapturedErrorEvent's C++ is written by Gecko's event codegen.
    assert wrapped == interfaces - {"NPUUncapturedErrorEvent"}


def test_class_shapes_follow_webgpu(gecko_files):
    adapter = gecko_files["dom/webnpu/Adapter.h"]
    assert "class Adapter final : public nsWrapperCache" in adapter
    assert "NS_DECL_CYCLE_COLLECTION_NATIVE_WRAPPERCACHE_CLASS(Adapter)" in adapter
    assert "NS_INLINE_DECL_CYCLE_COLLECTING_NATIVE_REFCOUNTING(Adapter)" in adapter
    assert "nsIGlobalObject* GetParentObject() const" in adapter
    assert re.search(
        r"already_AddRefed<dom::Promise> RequestDevice\(\s*"
        r"const dom::NPUDeviceDescriptor& aDescriptor,\s*ErrorResult& aRv\);",
        adapter,
    )
    cpp = gecko_files["dom/webnpu/Adapter.cpp"]
    assert re.search(r"NS_IMPL_CYCLE_COLLECTION_WRAPPERCACHE\(Adapter,\s*mGlobal,\s*mFeatures", cpp)
    assert "PWebNPU::NPUAdapterRequestDevice (0x00020001)" in cpp

    device = gecko_files["dom/webnpu/Device.h"]
    assert "class Device final : public DOMEventTargetHelper" in device
    assert "NS_DECL_CYCLE_COLLECTION_CLASS_INHERITED(Device, DOMEventTargetHelper)" in device
    assert "IMPL_EVENT_HANDLER(uncapturederror)" in device
    # `queue` would hide the Queue class: renamed as WebGPU's getQueue.
    assert "Queue* GetQueue() const" in device
    assert "dom::Promise* GetLost(ErrorResult& aRv);" in device

    error = gecko_files["dom/webnpu/ValidationError.h"]
    assert "class ValidationError final : public Error" in error
    assert "static already_AddRefed<ValidationError> Constructor(" in error
    assert "class Error : public nsWrapperCache" in gecko_files["dom/webnpu/Error.h"]
