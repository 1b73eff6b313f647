"""`--chromium-src` / `--gecko-src`: WebNPU written into small checkouts in upstream formats."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from codegen.browser_patches.intree import NotACheckout, install, planned_files
from codegen.browser_patches.lists import ListNotFound
from tests.codegen_tools import require_tool
from tests.patches import trees


def lines_of(root: Path, path: str) -> list[str]:
    return (root / path).read_text(encoding="utf-8").split("\n")


def neighbours(lines: list[str], line: str) -> tuple[str, str]:
    """The lines around `line`, which must occur exactly once."""
    assert lines.count(line) == 1, line
    i = lines.index(line)
    return lines[i - 1], lines[i + 1]


@pytest.fixture
def chromium(tmp_path: Path) -> Path:
    return trees.build(tmp_path / "chromium", trees.CHROMIUM)


@pytest.fixture
def firefox(tmp_path: Path) -> Path:
    return trees.build(tmp_path / "firefox", trees.FIREFOX)


def test_chromium_lists_get_each_entry_at_its_place(chromium, outputs):
    install("chromium", outputs, chromium)
    build = lines_of(chromium, "third_party/blink/renderer/modules/BUILD.gn")
    # after webmidi, not before the out-of-order "webrtc" among the m's
    assert neighbours(build, '    "//third_party/blink/renderer/modules/webnpu",') == (
        '    "//third_party/blink/renderer/modules/webmidi",',
        '    "//third_party/blink/renderer/modules/webshare",',
    )
    gni = lines_of(chromium, "third_party/blink/renderer/modules/modules_idl_files.gni")
    assert neighbours(gni, '  "//third_party/blink/renderer/modules/webnpu/idls.gni",')[0] == (
        '  "//third_party/blink/renderer/modules/webmidi/idls.gni",'
    )
    names = lines_of(
        chromium, "third_party/blink/renderer/modules/event_target_modules_names.json5"
    )
    assert neighbours(names, '    "NPUDevice",') == ('    "GPUDevice",', '    "HID",')
    features = chromium / "third_party/blink/renderer/platform/runtime_enabled_features.json5"
    text = features.read_text(encoding="utf-8")
    assert (
        text.index('name: "WebNFC"') < text.index('name: "WebNPU"') < text.index('name: "WebOTP"')
    )
    # the comment above WebNFC stays with WebNFC
    assert '    },\n    // WebNFC is experimental.\n    {\n      name: "WebNFC"' in text


def test_firefox_lists_get_each_entry_at_its_place(firefox, outputs):
    install("firefox", outputs, firefox)
    dirs = lines_of(firefox, "dom/moz.build")
    assert neighbours(dirs, '    "webnpu",') == ('    "webgpu",', '    "webnpu/native",')
    webidl = lines_of(firefox, "dom/webidl/moz.build")
    assert neighbours(webidl, '    "WebNPU.webidl",') == (
        '    "WebGPU.webidl",',
        '    "WebSocket.webidl",',
    )
    assert neighbours(webidl, '    "NPUUncapturedErrorEvent.webidl",') == (
        '    "NavigationCurrentEntryChangeEvent.webidl",',
        '    "OfflineAudioCompletionEvent.webidl",',
    )
    conf = (firefox / "dom/bindings/Bindings.conf").read_text(encoding="utf-8")
    assert conf.index("'NodeList'") < conf.index("'NPU': {") < conf.index("'NPUValidationError'")
    assert conf.index("'NPUValidationError'") < conf.index("# Out of place upstream too.")
    prefs = (firefox / "modules/libpref/init/StaticPrefList.yaml").read_text(encoding="utf-8")
    assert (
        prefs.index("#endif")
        < prefs.index("dom.webnotifications.enabled")
        < prefs.index("- name: dom.webnpu.enabled")
        < prefs.index("dom.window.clientinformation")
    )
    nav = lines_of(firefox, "dom/webidl/Navigator.webidl")
    assert neighbours(nav, "Navigator includes NavigatorNPU;") == (
        "Navigator includes NavigatorGPU;",
        "Navigator includes GlobalPrivacyControl;",
    )
    worker = lines_of(firefox, "dom/webidl/WorkerNavigator.webidl")
    assert worker[-2:] == ["WorkerNavigator includes NavigatorNPU;", ""]


@pytest.mark.parametrize("browser", ["chromium", "firefox"])
def test_the_added_files_are_the_generated_ones(browser, request, outputs):
    root = request.getfixturevalue(browser)
    install(browser, outputs, root)
    planned = planned_files(browser, outputs)
    assert planned  # the module, the IPC interface and native/
    for path, content in planned.items():
        assert (root / path).read_bytes() == content, path
    native = "third_party/webnpu/native" if browser == "chromium" else "dom/webnpu/native"
    assert (root / native / "generated/webnpu_wire.h").is_file()
    assert (root / native / "runtime/message_reader.cc").is_file()


@pytest.mark.parametrize("browser", ["chromium", "firefox"])
def test_running_twice_changes_nothing(browser, request, outputs):
    root = request.getfixturevalue(browser)
    assert install(browser, outputs, root)
    before = trees.snapshot(root)
    assert install(browser, outputs, root) == []
    assert trees.snapshot(root) == before


def test_edited_gn_files_stay_gn_formatted(chromium, outputs):
    gn = require_tool("gn", "generate-ninja")
    edited = [
        "third_party/blink/renderer/modules/BUILD.gn",
        "third_party/blink/renderer/modules/modules_idl_files.gni",
    ]
    for path in edited:  # the test's own tree is gn-formatted to begin with
        assert subprocess.run([gn, "format", "--dry-run", chromium / path]).returncode == 0, path
    install("chromium", outputs, chromium)
    for path in [*edited, "third_party/webnpu/native/BUILD.gn"]:
        proc = subprocess.run([gn, "format", "--dry-run", chromium / path], capture_output=True)
        assert proc.returncode == 0, (path, proc.stdout, proc.stderr)


def test_a_missing_list_is_reported_with_file_and_line_and_nothing_is_written(chromium, outputs):
    gni = chromium / "third_party/blink/renderer/modules/modules_idl_files.gni"
    gni.write_text(gni.read_text().replace("_idl_imports = [", "_imports = ["), encoding="utf-8")
    before = trees.snapshot(chromium)
    with pytest.raises(ListNotFound) as caught:
        install("chromium", outputs, chromium)
    assert str(caught.value).startswith(f"{gni}:1: no multi-line list `_idl_imports = [`")
    assert trees.snapshot(chromium) == before  # not even the new files


def test_a_broken_list_is_reported_at_its_line(firefox, outputs):
    mozbuild = firefox / "dom/webidl/moz.build"
    text = mozbuild.read_text()
    mozbuild.write_text(
        text[: text.index("GENERATED_EVENTS")]
        + 'GENERATED_EVENTS_WEBIDL_FILES = [\n    "A.webidl",\n',
        encoding="utf-8",
    )
    line = mozbuild.read_text().split("\n").index("GENERATED_EVENTS_WEBIDL_FILES = [") + 1
    with pytest.raises(
        ListNotFound,
        match=rf"^{mozbuild}:{line}: list `GENERATED_EVENTS_WEBIDL_FILES` is never closed",
    ):
        install("firefox", outputs, firefox)


def test_a_directory_that_is_not_a_checkout_is_refused(tmp_path, outputs):
    with pytest.raises(NotACheckout, match="is .* a firefox checkout"):
        install("firefox", outputs, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_flags(tmp_path, run_codegen):
    chromium = trees.build(tmp_path / "chromium", trees.CHROMIUM)
    firefox = trees.build(tmp_path / "firefox", trees.FIREFOX)
    out = tmp_path / "out"
    args = ("idl/webnpu.idl", "-o", str(out), "--targets", "ir-json")
    proc = run_codegen(*args, "--chromium-src", str(chromium), "--gecko-src", str(firefox))
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {chromium}/third_party/blink/renderer/modules/BUILD.gn" in proc.stdout
    assert f"wrote {firefox}/dom/bindings/Bindings.conf" in proc.stdout
    again = run_codegen(*args, "--chromium-src", str(chromium), "--gecko-src", str(firefox))
    assert again.returncode == 0 and "wrote" not in again.stdout.replace(f"wrote {out}", "")

    conf = firefox / "dom/bindings/Bindings.conf"
    conf.write_text("# not the bindings configuration\n", encoding="utf-8")
    before = trees.snapshot(firefox)
    broken = run_codegen(*args, "--gecko-src", str(firefox))
    assert broken.returncode == 1
    assert f"{conf}:1: no dict `DOMInterfaces = {{` found" in broken.stderr
    assert f"nothing was written to {firefox}" in broken.stderr
    assert trees.snapshot(firefox) == before
