"""The generator's command line, driven as a user drives it (a real subprocess)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from codegen.targets import TARGETS

IFACE = """\
[Exposed=Window]
interface Thing {
  readonly attribute long size;
};
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_help_lists_every_option(run_codegen):
    proc = run_codegen("--help")
    assert proc.returncode == 0
    for option in (
        "--outdir",
        "--targets",
        "--check",
        "--depfile",
        "--syntax-only",
        "--validate-only",
        "--no-platform",
        "--werror",
    ):
        assert option in proc.stdout
    assert "treat warnings as errors" in proc.stdout


def test_no_input_is_a_usage_error(run_codegen):
    proc = run_codegen()
    assert proc.returncode == 2
    assert "no IDL files given" in proc.stderr


def test_unknown_target_is_a_usage_error(run_codegen, tmp_path):
    proc = run_codegen(write(tmp_path, "a.idl", IFACE), "--targets", "cobol")
    assert proc.returncode == 2
    assert f"unknown target 'cobol'; available: {', '.join(TARGETS)}" in proc.stderr


def test_list_targets(run_codegen):
    proc = run_codegen("--list-targets")
    assert proc.returncode == 0
    # The registry's order, which `--targets all` runs.
    assert proc.stdout.split() == list(TARGETS)
    assert proc.stdout.split()[:3] == ["ir-json", "wire-json", "python"]


def test_syntax_error_is_reported_with_caret_and_exit_1(run_codegen, tmp_path):
    write(
        tmp_path, "bad.idl", "[Exposed=Window]\ninterface Thing {\n  readonly attribute long;\n};\n"
    )
    proc = run_codegen("bad.idl", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("bad.idl:3:26: error: unexpected ';'"), proc.stderr
    assert "  readonly attribute long;\n                         ^\n" in proc.stderr
    assert proc.stderr.endswith("1 error\n")


def test_missing_file_is_reported_not_raised(run_codegen, tmp_path):
    proc = run_codegen("nope.idl", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == "nope.idl: error: no such file\n1 error\n"


def test_non_utf8_file_is_reported(run_codegen, tmp_path):
    (tmp_path / "latin.idl").write_bytes(b"// caf\xe9\n")
    proc = run_codegen("latin.idl", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == "latin.idl: error: not UTF-8 text (invalid byte at offset 6)\n1 error\n"


def test_syntax_only_accepts_fragments_naming_undefined_types(run_codegen, tmp_path):
    fragment = write(tmp_path, "frag.idl", "partial interface Elsewhere { Unknown make(); };\n")
    assert run_codegen("--syntax-only", fragment).returncode == 0
    proc = run_codegen("--validate-only", fragment)
    assert proc.returncode == 1
    assert "unknown type 'Unknown'" in proc.stderr


def test_syntax_only_writes_nothing(run_codegen, tmp_path):
    idl = write(tmp_path, "a.idl", IFACE)
    out = tmp_path / "out"
    assert run_codegen("--syntax-only", idl, "-o", str(out)).returncode == 0
    assert not out.exists()


def test_several_files_form_one_definition_set(run_codegen, tmp_path):
    a = write(tmp_path, "a.idl", IFACE)
    b = write(tmp_path, "b.idl", "partial interface Thing { undefined grow(); };\n")
    out = tmp_path / "out"
    proc = run_codegen(a, b, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    ir = json.loads((out / "generated/ir/a.json").read_text())
    (thing,) = [d for d in ir["definitions"] if d["name"] == "Thing"]
    assert [(m["name"], m["origin"]) for m in thing["members"]] == [
        ("size", ""),
        ("grow", "partial"),
    ]
    assert ir["sources"] == ["../a.idl", "../b.idl"]


def test_writes_only_what_changed(run_codegen, tmp_path):
    idl = write(tmp_path, "a.idl", IFACE)
    out = tmp_path / "out"
    first = run_codegen(idl, "-o", str(out))
    assert first.returncode == 0
    assert first.stdout == f"wrote {out / 'generated/ir/a.json'}\n"
    target = out / "generated/ir/a.json"
    os.utime(target, (1_000_000, 1_000_000))
    second = run_codegen(idl, "-o", str(out))
    assert second.returncode == 0
    assert second.stdout == ""
    assert target.stat().st_mtime == 1_000_000


def test_check_reports_drift_and_missing_files(run_codegen, tmp_path):
    idl = write(tmp_path, "a.idl", IFACE)
    out = tmp_path / "out"
    missing = run_codegen(idl, "-o", str(out), "--check")
    assert missing.returncode == 1
    assert f"{out / 'generated/ir/a.json'}: missing" in missing.stderr
    assert run_codegen(idl, "-o", str(out)).returncode == 0
    assert run_codegen(idl, "-o", str(out), "--check").returncode == 0
    (out / "generated/ir/a.json").write_text("{}\n")
    drift = run_codegen(idl, "-o", str(out), "--check")
    assert drift.returncode == 1
    assert f"{out / 'generated/ir/a.json'}: differs from what the generator writes" in drift.stderr
    assert (out / "generated/ir/a.json").read_text() == "{}\n"  # --check writes nothing


def test_depfile_lists_the_idl_inputs(run_codegen, tmp_path):
    idl = write(tmp_path, "a.idl", IFACE)
    out = tmp_path / "out"
    dep = tmp_path / "gen.d"
    assert run_codegen(idl, "-o", str(out), "--depfile", str(dep)).returncode == 0
    text = dep.read_text()
    head, deps = text.split(":", 1)
    assert head == str(out / "generated/ir/a.json")
    listed = deps.replace("\\\n", " ").split()
    assert listed[0] == idl
    assert listed[1].endswith("codegen/platform/web_platform.idl")


def test_output_does_not_depend_on_the_working_directory(run_codegen, tmp_path):
    idl = write(tmp_path, "a.idl", IFACE)
    out = tmp_path / "out"
    assert run_codegen(idl, "-o", str(out)).returncode == 0
    first = (out / "generated/ir/a.json").read_bytes()
    elsewhere = tmp_path / "sub"
    elsewhere.mkdir()
    assert run_codegen("../a.idl", "-o", "../out", "--check", cwd=elsewhere).returncode == 0
    assert (out / "generated/ir/a.json").read_bytes() == first


def test_no_platform_leaves_web_platform_names_undefined(run_codegen, tmp_path):
    idl = write(tmp_path, "a.idl", "[Exposed=Window] interface Thing : EventTarget {};\n")
    assert run_codegen(idl, "--validate-only").returncode == 0
    proc = run_codegen(idl, "--validate-only", "--no-platform")
    assert proc.returncode == 1
    assert "EventTarget" in proc.stderr


# IDL that breaks rules of the standard the way browsers' own IDL does: warnings.
WARNED = """\
dictionary Options {};
dictionary Init {
  Options? options;
};
[Exposed=Window]
interface Thing {
  constructor(optional Init init = {});
  readonly attribute Options? current;
};
"""

WARNINGS = (
    "warned.idl:3:3: warning: nullable dictionary type 'Options?' is not allowed for "
    "dictionary member 'options'\n"
    "  Options? options;\n"
    "  ^^^^^^^\n"
    "warned.idl:8:31: warning: attribute 'current' has type 'Options?', but attributes cannot "
    "hold dictionaries\n"
    "  readonly attribute Options? current;\n"
    "                              ^^^^^^^\n"
)


def test_warnings_are_reported_but_do_not_fail(run_codegen, tmp_path):
    write(tmp_path, "warned.idl", WARNED)
    proc = run_codegen("warned.idl", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == WARNINGS + "2 warnings\n"
    assert proc.stdout == f"wrote {Path('out') / 'generated/ir/warned.json'}\n"
    assert run_codegen("warned.idl", "--validate-only", cwd=tmp_path).stderr.endswith(
        "\n2 warnings\n"
    )


def test_errors_and_warnings_come_in_location_order_with_both_counts(run_codegen, tmp_path):
    broken = WARNED.replace("readonly attribute", "attribute Missing m;\n  readonly attribute")
    write(tmp_path, "warned.idl", broken)
    proc = run_codegen("warned.idl", "--validate-only", cwd=tmp_path)
    assert proc.returncode == 1
    heads = [line for line in proc.stderr.splitlines() if line.startswith("warned.idl:")]
    assert heads == [
        "warned.idl:3:3: warning: nullable dictionary type 'Options?' is not allowed for "
        "dictionary member 'options'",
        "warned.idl:8:13: error: unknown type 'Missing'",
        "warned.idl:9:31: warning: attribute 'current' has type 'Options?', but attributes "
        "cannot hold dictionaries",
    ]
    assert proc.stderr.endswith("\n1 error, 2 warnings\n")


def test_werror_makes_warnings_errors(run_codegen, tmp_path):
    write(tmp_path, "warned.idl", WARNED)
    proc = run_codegen("warned.idl", "-o", "out", "--werror", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == (
        WARNINGS.replace(": warning: ", ": error: ")
        .replace("'options'\n", "'options' [--werror]\n")
        .replace("dictionaries\n", "dictionaries [--werror]\n")
        + "2 errors\n"
    )
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()
    assert run_codegen("warned.idl", "--validate-only", "--werror", cwd=tmp_path).returncode == 1
    assert run_codegen("warned.idl", "--syntax-only", "--werror", cwd=tmp_path).returncode == 0


def test_webnpu_has_no_warnings(run_codegen):
    # Our own API keeps every rule of the standard, even those browsers' IDL is let off with.
    proc = run_codegen("idl/webnpu.idl", "--validate-only", "--werror")
    assert proc.returncode == 0
    assert proc.stderr == ""
