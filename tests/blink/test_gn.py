"""Generated BUILD.gn and .gni files are exactly what `gn format` writes."""

from __future__ import annotations

import subprocess

import pytest

from tests.blink.conftest import BLINK_MODULE, CHROMIUM, MOJOM_DIR
from tests.codegen_tools import require_tool

GN_FILES = sorted(CHROMIUM.rglob("*.gn")) + sorted(CHROMIUM.rglob("*.gni"))


def test_the_gn_files_exist():
    assert {p.relative_to(CHROMIUM).as_posix() for p in GN_FILES} >= {
        "services/webnpu/public/mojom/BUILD.gn",
        "third_party/blink/renderer/modules/webnpu/BUILD.gn",
        "third_party/blink/renderer/modules/webnpu/idls.gni",
    }


@pytest.mark.parametrize("path", GN_FILES, ids=lambda p: p.relative_to(CHROMIUM).as_posix())
def test_gn_format_dry_run(path):
    proc = subprocess.run(
        [require_tool("gn", "generate-ninja"), "format", "--dry-run", str(path)],
        capture_output=True,
    )
    assert proc.returncode == 0, f"gn format would change {path}"


def test_gn_format_catches_a_misformatted_file(tmp_path):
    """The check can fail: a list gn would wrap differently is reported."""
    bad = tmp_path / "BUILD.gn"
    bad.write_text('group("x") {\n  deps = [\n    "//a",\n  ]\n}\n')
    proc = subprocess.run(
        [require_tool("gn", "generate-ninja"), "format", "--dry-run", str(bad)], capture_output=True
    )
    assert proc.returncode != 0


def test_mojom_target_and_module_sources():
    build = (MOJOM_DIR / "BUILD.gn").read_text()
    assert 'mojom("mojom")' in build and '"webnpu.mojom"' in build
    module = (BLINK_MODULE / "BUILD.gn").read_text()
    assert 'blink_modules_sources("webnpu")' in module
    assert "//services/webnpu/public/mojom:mojom_blink" in module
    listed = (BLINK_MODULE / "idls.gni").read_text()
    for idl in BLINK_MODULE.glob("*.idl"):
        assert f'"{idl.name}"' in listed
    for source in BLINK_MODULE.glob("*.cc"):
        assert f'"{source.name}"' in module
