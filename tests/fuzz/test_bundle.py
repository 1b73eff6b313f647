"""The OSS-Fuzz / ClusterFuzzLite build, for real: PyInstaller one-file bundles that start,
find their data under `sys._MEIPASS` and fuzz.

`fuzz/oss_fuzz_build.sh` is sourced in bash exactly as `.clusterfuzzlite/build.sh` and
`projects/webnpu/build.sh` source it, from a copy of the source tree in `$SRC/webnpu` (what
the Dockerfiles' `COPY`/`git clone` make), with `compile_python_fuzzer` re-stated below
(`COMPILE_PYTHON_FUZZER`). The source copy is deleted before anything runs, as on
ClusterFuzz, whose runner image has only `$OUT`: a bundle that still reached into the source
tree, or lacked a data file, a hidden import or onnxruntime's libraries, fails here.

Each bundle then runs as OSS-Fuzz's `run_fuzzer` runs it (infra/base-images/base-runner/
run_fuzzer in google/oss-fuzz): from `$OUT`, without `$OUT` set, the seed corpus unzipped,
`$OUT/NAME.options`'s `[libfuzzer]` flags after the corpus.

Targets: `fuzz_wire_decoder` (the `.options` file; the decode path's instrumentation),
`fuzz_service_actions` (onnxruntime's shared libraries, `--collect-binaries=onnxruntime`, and
the wire model JSON that `fuzz.harness.data_root()` finds, `--add-data`), and
`fuzz_webidl` (the parser tables `--collect-data=codegen` ships). The three build in about
80 s on this machine (fuzz/README.md, "Scale-out, checked here").
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzz.cli import libfuzzer_flags
from tests.fuzz.support import ROOT, require_atheris

# compile_python_fuzzer, re-stated from OSS-Fuzz's infra/base-images/base-builder/
# compile_python_fuzzer (google/oss-fuzz; read at commit 07b4bbb5c977): the same PyInstaller
# invocation (`--distpath $OUT --workpath=$SRC/pyfuzzworkdir/NAME --onefile --name NAME.pkg`,
# then the caller's flags, then the script; no --specpath, so NAME.pkg.spec lands in the
# working directory), the `.pkg` made non-executable (OSS-Fuzz finds fuzz targets by their
# executable bit), and the `/bin/sh` wrapper `$OUT/NAME` that re-enables and runs it. Left
# out: the coverage and fuzz-introspector builds' branches, and the wrapper's LD_PRELOAD of
# sanitizer_with_fuzzer.so and ASAN_OPTIONS, which only mean something in a sanitizer image.
COMPILE_PYTHON_FUZZER = r"""
compile_python_fuzzer() {
  local fuzzer_path="$1"
  shift 1
  local fuzzer_basename fuzzer_package
  fuzzer_basename="$(basename -s .py "$fuzzer_path")"
  fuzzer_package="$fuzzer_basename.pkg"
  local workpath="$SRC/pyfuzzworkdir/$fuzzer_basename"
  rm -rf "$SRC/pyfuzzworkdir"
  mkdir -p "$workpath"
  pyinstaller --distpath "$OUT" --workpath="$workpath" --onefile --name "$fuzzer_package" \
    "$@" "$fuzzer_path"
  chmod -x "$OUT/$fuzzer_package"
  cat > "$OUT/$fuzzer_basename" <<EOF
#!/bin/sh
# LLVMFuzzerTestOneInput for fuzzer detection.
this_dir=\$(dirname "\$0")
chmod +x \$this_dir/$fuzzer_package
\$this_dir/$fuzzer_package \$@
EOF
  chmod +x "$OUT/$fuzzer_basename"
}
"""

TARGETS = ("fuzz_wire_decoder", "fuzz_service_actions", "fuzz_webidl")
SECONDS = 3
# Well below what each target runs in 3 s on this machine (wire decoder ~200k, service
# actions ~1,200, webidl ~1,900 executions; fuzz/README.md): enough that libFuzzer ran
# inputs past the seed corpus, not a speed check.
MIN_EXECUTED = {"fuzz_wire_decoder": 5_000, "fuzz_service_actions": 100, "fuzz_webidl": 100}
# Coverage at INITED (after the seeds) is 400-1,900 edges in the bundle, as from the scripts;
# a bundle whose imports escaped atheris's instrumentation would report a handful.
MIN_COVERAGE = 100


def require_bundler() -> None:
    for tool in ("bash", "zip"):
        assert shutil.which(tool), f"{tool} is missing: apt-get install {tool}"
    if shutil.which("pyinstaller", path=os.path.dirname(sys.executable)) is None:
        pytest.fail(
            "pyinstaller is missing: install the test extra (.venv/bin/pip install -e '.[test]', "
            "or .venv/bin/pip install 'pyinstaller>=6.10')"
        )


def copy_source(destination: Path) -> None:
    """The working tree's files (tracked and new, not ignored), as `COPY . $SRC/webnpu`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


@pytest.fixture(scope="module")
def out() -> Iterator[Path]:
    """`$OUT` after the build, with `$SRC` (the source copy, PyInstaller's work and spec
    files) already deleted; all of it removed afterwards."""
    require_atheris()
    require_bundler()
    with tempfile.TemporaryDirectory(prefix="webnpu-oss-fuzz-") as temp:
        src, out = Path(temp) / "src", Path(temp) / "out"
        (src / "webnpu").mkdir(parents=True)
        out.mkdir()
        copy_source(src / "webnpu")
        script = "set -eu\n" + COMPILE_PYTHON_FUZZER + "source fuzz/oss_fuzz_build.sh\n"
        script += "".join(f"build_webnpu_fuzzer fuzz/{t}.py\n" for t in TARGETS)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(
            OUT=str(out),
            SRC=str(src),
            # pyinstaller and python3 (the seeds): this venv's, as pip3's in the image
            PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}",
            PYTHONDONTWRITEBYTECODE="1",
            # PyInstaller's cache (of processed shared libraries) stays in the temp dir
            PYINSTALLER_CONFIG_DIR=str(Path(temp) / "pyinstaller-config"),
        )
        build = subprocess.run(
            ["bash", "-c", script], cwd=src / "webnpu", env=env,
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
        shutil.rmtree(src)
        yield out


def run_bundle(out: Path, name: str, work: Path) -> tuple[int, str]:
    """`$OUT/NAME` as run_fuzzer starts it; (exit status, libFuzzer's output)."""
    corpus = work / "corpus"
    with zipfile.ZipFile(out / f"{name}_seed_corpus.zip") as seeds:
        seeds.extractall(corpus)
    command = [
        str(out / name),
        f"-max_total_time={SECONDS}",
        "-print_final_stats=1",
        f"-artifact_prefix={work}/",
        str(corpus),
        *libfuzzer_flags(out / f"{name}.options"),
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("OUT", "PYTHONPATH")}
    done = subprocess.run(
        command, cwd=out, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def test_layout(out: Path) -> None:
    """What OSS-Fuzz finds in $OUT: one executable per target, its bundle not executable (or
    it would count as a target too), the seed corpus, the `.options` where the target has one."""
    executables = sorted(p.name for p in out.iterdir() if os.access(p, os.X_OK))
    assert executables == sorted(TARGETS)
    for name in TARGETS:
        assert (out / f"{name}.pkg").stat().st_size > 1_000_000
        assert zipfile.ZipFile(out / f"{name}_seed_corpus.zip").namelist()
    shipped = out / "fuzz_wire_decoder.options"
    assert shipped.read_bytes() == (ROOT / "fuzz" / "fuzz_wire_decoder.options").read_bytes()
    assert not (out / "fuzz_webidl.options").exists()


@pytest.mark.parametrize("name", TARGETS)
def test_bundle_fuzzes(out: Path, name: str, tmp_path: Path) -> None:
    status, output = run_bundle(out, name, tmp_path)
    assert status == 0, output[-4000:]
    assert not list(tmp_path.glob("crash-*")), output[-4000:]
    assert re.search(r"^Done \d+ runs", output, re.M), output[-4000:]
    # the bundled fuzz/fasttrace.c library, not atheris's slower callbacks
    assert "through fuzz/fasttrace.c" in output, output[-4000:]
    executed = int(re.search(r"^stat::number_of_executed_units: (\d+)", output, re.M)[1])
    assert executed >= MIN_EXECUTED[name], output[-4000:]
    coverage = int(re.search(r"INITED cov: (\d+)", output)[1])
    assert coverage >= MIN_COVERAGE, output[-4000:]
    # libFuzzer says so when no -max_len reached it: the shipped .options were not applied.
    applied = "-max_len is not provided" not in output
    assert applied == (out / f"{name}.options").is_file(), output[-4000:]
