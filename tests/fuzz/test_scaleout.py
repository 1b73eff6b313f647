"""The ClusterFuzzLite and OSS-Fuzz build files build every fuzz target (a new target cannot be
forgotten), from the Python base image, with the Python language setting."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from fuzz.cli import targets

ROOT = Path(__file__).resolve().parent.parent.parent
LAYOUTS = (ROOT / ".clusterfuzzlite", ROOT / "projects" / "webnpu")


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda p: p.name)
def test_build_lists_every_target(layout):
    build = (layout / "build.sh").read_text(encoding="utf-8")
    listed = set(re.findall(r"\bfuzz_(\w+)\b", build))
    assert listed == set(targets())
    assert "build_webnpu_fuzzer" in build and "pip3 install ." in build


def test_helper_uses_compile_python_fuzzer():
    helper = (ROOT / "fuzz" / "oss_fuzz_build.sh").read_text(encoding="utf-8")
    assert "compile_python_fuzzer" in helper


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda p: p.name)
def test_project_files(layout):
    assert re.search(r"^language: python$", (layout / "project.yaml").read_text(), re.M)
    dockerfile = (layout / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM gcr.io/oss-fuzz-base/base-builder-python" in dockerfile.splitlines()


@pytest.mark.parametrize(
    "script",
    [*(p / "build.sh" for p in LAYOUTS), ROOT / "fuzz" / "oss_fuzz_build.sh"],
    ids=str,
)
def test_build_scripts_parse(script):
    subprocess.run(["bash", "-n", str(script)], check=True)
