"""moz.build (Python syntax, mozbuild's sandbox variables), the pref entry and the other
fragments of upstream files."""

from __future__ import annotations

import ast
import re

import pytest


class _Exports:
    """`EXPORTS.mozilla.dom.webnpu += [...]`: the namespaces mozbuild's sandbox offers."""

    def __init__(self) -> None:
        self.children: dict[str, _Exports] = {}
        self.files: list[str] = []

    def __getattr__(self, name: str) -> _Exports:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.children.setdefault(name, _Exports())

    def __iadd__(self, files: list[str]) -> _Exports:
        self.files += files
        return self


class _Files:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __enter__(self) -> _Files:
        return self

    def __exit__(self, *exc) -> None:
        return None


def run_moz_build(text: str) -> dict:
    """Execute a moz.build the way mozbuild does: Python with the sandbox's names."""
    included: list[str] = []
    namespace = {
        "EXPORTS": _Exports(),
        "UNIFIED_SOURCES": [],
        "IPDL_SOURCES": [],
        "LOCAL_INCLUDES": [],
        "Files": _Files,
        "include": included.append,
        "__builtins__": {},
    }
    exec(compile(text, "moz.build", "exec"), namespace)  # noqa: S102 - our generated file
    namespace["included"] = included
    return namespace


def test_moz_build_is_python_and_assigns_the_module_variables(gecko_files):
    text = gecko_files["dom/webnpu/moz.build"]
    tree = ast.parse(text)
    targets = [
        t
        for node in ast.walk(tree)
        for t in (
            [node.target] if isinstance(node, ast.AugAssign) else getattr(node, "targets", [])
        )
    ]
    assigned = {ast.unparse(t) for t in targets}
    assert {
        "EXPORTS.mozilla.dom.webnpu",
        "UNIFIED_SOURCES",
        "IPDL_SOURCES",
        "FINAL_LIBRARY",
    } <= assigned


def test_moz_build_lists_every_generated_file_in_sorted_order(gecko_files):
    sandbox = run_moz_build(gecko_files["dom/webnpu/moz.build"])
    module = {p.removeprefix("dom/webnpu/") for p in gecko_files if p.startswith("dom/webnpu/")}
    headers = sandbox["EXPORTS"].mozilla.dom.webnpu.files
    assert set(headers) == {p for p in module if p.endswith(".h")}
    assert set(sandbox["UNIFIED_SOURCES"]) == {p for p in module if p.endswith(".cpp")}
    assert set(sandbox["IPDL_SOURCES"]) == {"ipc/PWebNPU.ipdl", "ipc/PWebNPUTypes.ipdlh"}
    for files in (headers, sandbox["UNIFIED_SOURCES"], sandbox["IPDL_SOURCES"]):
        # mozbuild's StrictOrderingOnAppendList refuses unsorted lists.
        assert files == sorted(files, key=str.lower)
    assert sandbox["FINAL_LIBRARY"] == "xul"
    # The actor and the conversions are built with the classes; commands are encoded by the
    # native wire library, included as "native/..." from its parent directory.
    assert {"ipc/WebNPUChild.h", "WireConversions.h"} <= set(headers)
    assert {"ipc/WebNPUChild.cpp", "WireConversions.cpp"} <= set(sandbox["UNIFIED_SOURCES"])
    assert sandbox["LOCAL_INCLUDES"] == ["/dom/webnpu"]
    assert sandbox["included"] == ["/ipc/chromium/chromium-config.mozbuild"]


def test_the_sandbox_rejects_an_unknown_variable():
    with pytest.raises(NameError):
        run_moz_build("SOURCES += ['a.cpp']\n")


def test_pref_entry_in_static_pref_list_format(gecko_files):
    text = gecko_files["fragments/modules/libpref/init/StaticPrefList.yaml"]
    entries = re.findall(r"^- name: (\S+)\n((?:  \w+: .*\n)+)", text, re.MULTILINE)
    assert len(entries) == 1
    name, body = entries[0]
    fields = dict(line.strip().split(": ", 1) for line in body.splitlines())
    assert name == "dom.webnpu.enabled"
    assert fields == {"type": "RelaxedAtomicBool", "value": "false", "mirror": "always"}


def test_bindings_conf_maps_every_class(gecko_files):
    text = gecko_files["fragments/dom/bindings/Bindings.conf"]
    entries = ast.literal_eval("{" + text.split("\n\n", 1)[1] + "}")
    assert entries["NPUDevice"] == {"nativeType": "mozilla::dom::webnpu::Device"}
    assert entries["NPU"] == {"nativeType": "mozilla::dom::webnpu::Instance"}
    headers = {p for p in gecko_files if p.startswith("dom/webnpu/") and p.endswith(".h")}
    for native in (e["nativeType"] for e in entries.values()):
        assert f"dom/webnpu/{native.rsplit('::', 1)[1]}.h" in headers
