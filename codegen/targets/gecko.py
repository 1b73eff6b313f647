"""The `gecko` target: WebNPU for Firefox, laid out as in mozilla-central (`generated/gecko/`).

- `dom/webidl/WebNPU.webidl` (and one file per generated event), `codegen/targets/gecko_webidl.py`;
- `dom/webnpu/<Class>.h`/`.cpp`, one class per interface, `codegen/targets/gecko_cpp.py`;
- `dom/webnpu/ipc/PWebNPU.ipdl` and `PWebNPUTypes.ipdlh` from the wire model,
  `codegen/targets/gecko_ipdl.py`;
- `dom/webnpu/ipc/WebNPUChild.h`/`.cpp`, the content process's PWebNPU actor, and
  `dom/webnpu/WireConversions.h`/`.cpp`, `codegen/targets/gecko_child.py`;
- `dom/webnpu/moz.build`;
- `fragments/`: the entries the Firefox patch adds to existing upstream files (the pref in
  `modules/libpref/init/StaticPrefList.yaml`, the native types in `dom/bindings/Bindings.conf`,
  the `includes` for `Navigator.webidl`/`WorkerNavigator.webidl`, the `dom/webidl/moz.build`
  lists), each under that file's path.
"""

from __future__ import annotations

from codegen.model import wire as w
from codegen.model.ir import Interface, Model
from codegen.output import OutputFile
from codegen.render import render
from codegen.targets import gecko_webidl as idl
from codegen.targets.context import Context
from codegen.targets.gecko_bridge import Bridge
from codegen.targets.gecko_child import (
    child_header,
    child_source,
    conversions_header,
    conversions_source,
)
from codegen.targets.gecko_cpp import EXPORT_DIR, NAMESPACE, ClassBuilder
from codegen.targets.gecko_ipdl import protocol
from codegen.targets.gecko_names import native_name
from codegen.targets.wire_source import wire_of

OUT = "generated/gecko"
CPP_MODELINE = "/* -*- Mode: C++; tab-width: 8; indent-tabs-mode: nil; c-basic-offset: 2 -*- */"
LICENSE = {
    "cpp": {"open": "/*", "middle": " *", "close": " */"},
    "webidl": {"open": "/*", "middle": " *", "close": ""},
    "python": {"open": "#", "middle": "#", "close": ""},
}


def is_generated_event(d: Interface, model: Model) -> bool:
    """An Event subclass Gecko's event codegen writes the C++ for (GENERATED_EVENTS_WEBIDL_FILES):
    it goes in a .webidl of its own and gets no class here."""
    return d.inherits == "Event"


def root_interface(wire: w.WireModel) -> str:
    roots = [i.name for i in wire.interfaces if i.root]
    if len(roots) != 1:
        raise ValueError(f"the gecko target needs exactly one [WireRoot] interface, not {roots}")
    return roots[0]


def _event_dictionaries(d: Interface) -> set[str]:
    return {
        a.type.name
        for m in d.members
        if m.member_kind == "constructor"
        for a in m.arguments
        if a.type.kind == "dictionary"
    }


def _out(path: str, text: str) -> OutputFile:
    return OutputFile(f"{OUT}/{path}", text.encode("utf-8"))


def _source(context: Context, model: Model) -> str:
    return context.relative_path(model.sources[0]) if model.sources else "the IDL"


def generate(model: Model, context: Context) -> list[OutputFile]:
    wire = wire_of(model)
    if wire is None:
        return []
    root = root_interface(wire)
    source = _source(context, model)
    outputs = [*webidl_files(model, root, source), *class_files(model, wire, root, source)]
    outputs += ipdl_files(wire, source)
    outputs += actor_files(model, wire, root, source)
    outputs.append(moz_build(outputs, source))
    outputs += fragments(model, root, source, outputs)
    return outputs


# --- WebIDL -----------------------------------------------------------------------------------


def webidl_files(model: Model, root: str, source: str) -> list[OutputFile]:
    events = [d for d in model.interfaces if is_generated_event(d, model)]
    in_event_files = {d.name for d in events} | {n for d in events for n in _event_dictionaries(d)}
    dialect = idl.Dialect.of(model, root)
    mixins = idl.partial_mixins(model, dialect)
    definitions = [idl.print_mixin(m, dialect) for m in mixins]
    definitions += [
        idl.print_definition(d, dialect)
        for d in model.definitions
        if not d.external and d.name not in in_event_files
    ]
    files = [_webidl("dom/webidl/WebNPU.webidl", definitions, source)]
    for event in events:
        parts = [idl.print_definition(event, dialect)]
        parts += [
            idl.print_definition(model[n], dialect) for n in sorted(_event_dictionaries(event))
        ]
        files.append(_webidl(f"dom/webidl/{event.name}.webidl", parts, source))
    return files


def _webidl(path: str, definitions: list[list[str]], source: str) -> OutputFile:
    modeline = "/* -*- Mode: IDL; tab-width: 4; indent-tabs-mode: nil; c-basic-offset: 4 -*- */"
    text = render(
        "gecko/WebNPU.webidl.jinja", source=source, definitions=definitions, **LICENSE["webidl"]
    )
    return _out(path, modeline + "\n" + text)


# --- C++ --------------------------------------------------------------------------------------


def classes(model: Model, wire: w.WireModel, root: str):
    builder = ClassBuilder(model, wire, root)
    return [builder.build(d) for d in model.interfaces if not is_generated_event(d, model)]


def class_files(model: Model, wire: w.WireModel, root: str, source: str) -> list[OutputFile]:
    out = []
    for cls in classes(model, wire, root):
        guard = f"{EXPORT_DIR.replace('/', '_')}_{cls.name}_h"
        params = {"source": source, "cls": cls, **LICENSE["cpp"]}
        header = render("gecko/class.h.jinja", guard=guard, **params)
        body = render("gecko/class.cpp.jinja", **params)
        out.append(_out(f"dom/webnpu/{cls.name}.h", CPP_MODELINE + "\n" + header))
        out.append(_out(f"dom/webnpu/{cls.name}.cpp", CPP_MODELINE + "\n" + body))
    return out


# --- IPDL and moz.build -----------------------------------------------------------------------


def ipdl_files(wire: w.WireModel, source: str) -> list[OutputFile]:
    params = {
        "source": source,
        "ipdl": protocol(wire),
        "schema_hash": wire.schema_hash,
        **LICENSE["cpp"],
    }
    modeline = CPP_MODELINE + "\n"
    return [
        _out(
            "dom/webnpu/ipc/PWebNPU.ipdl", modeline + render("gecko/PWebNPU.ipdl.jinja", **params)
        ),
        _out(
            "dom/webnpu/ipc/PWebNPUTypes.ipdlh",
            modeline + render("gecko/PWebNPUTypes.ipdlh.jinja", **params),
        ),
    ]


def actor_files(model: Model, wire: w.WireModel, root: str, source: str) -> list[OutputFile]:
    """`ipc/WebNPUChild.h`/`.cpp` and `WireConversions.h`/`.cpp` (`gecko_child.py`)."""
    bridge = Bridge(model, wire, root)
    params = {"source": source, **LICENSE["cpp"]}
    units = [
        (
            "ipc/WebNPUChild",
            ["unordered_map"],
            ["mozilla/dom/webnpu/PWebNPUChild.h", "mozilla/dom/webnpu/PWebNPUTypes.h"],
            child_header(bridge, wire.schema_hash),
            [
                "mozilla/ClearOnShutdown.h",
                "mozilla/StaticPtr.h",
                "mozilla/dom/webnpu/Device.h",
                "nsThreadUtils.h",
            ],
            child_source(bridge),
        ),
        (
            "WireConversions",
            [],
            [
                "mozilla/dom/Promise.h",
                "mozilla/dom/WebNPUBinding.h",
                "mozilla/dom/webnpu/PWebNPUTypes.h",
                "mozilla/ipc/BigBuffer.h",
                "native/runtime/wire_types.h",
                "nsIGlobalObject.h",
                "nsTArray.h",
            ],
            conversions_header(bridge),
            [
                "mozilla/dom/webnpu/InternalError.h",
                "mozilla/dom/webnpu/OutOfMemoryError.h",
                "mozilla/dom/webnpu/ValidationError.h",
                "mozilla/Unused.h",
                "nsString.h",
            ],
            conversions_source(bridge),
        ),
    ]
    out = []
    for path, system, includes, header, source_includes, source_lines in units:
        name = path.rsplit("/", 1)[-1]
        guard = f"{EXPORT_DIR.replace('/', '_')}_{name}_h"
        h = render(
            "gecko/unit.h.jinja",
            guard=guard,
            system_includes=system,
            includes=includes,
            lines=header,
            **params,
        )
        cpp = render(
            "gecko/unit.cpp.jinja",
            own=f"{EXPORT_DIR}/{name}.h",
            includes=sorted(source_includes),
            lines=source_lines,
            **params,
        )
        out.append(_out(f"dom/webnpu/{path}.h", CPP_MODELINE + "\n" + h))
        out.append(_out(f"dom/webnpu/{path}.cpp", CPP_MODELINE + "\n" + cpp))
    return out


def _module_files(outputs: list[OutputFile], suffix: str) -> list[str]:
    """Paths under dom/webnpu/ ending in `suffix`, sorted as mozbuild's strictly ordered lists
    require (case-insensitively)."""
    prefix = f"{OUT}/dom/webnpu/"
    paths = [o.path[len(prefix) :] for o in outputs if o.path.startswith(prefix)]
    return sorted((p for p in paths if p.endswith(suffix)), key=str.lower)


def moz_build(outputs: list[OutputFile], source: str) -> OutputFile:
    text = render(
        "gecko/moz.build.jinja",
        source=source,
        headers=_module_files(outputs, ".h"),
        sources=_module_files(outputs, ".cpp"),
        ipdl_sources=_module_files(outputs, ".ipdl") + _module_files(outputs, ".ipdlh"),
        **LICENSE["python"],
    )
    return _out("dom/webnpu/moz.build", text)


# --- fragments of upstream files --------------------------------------------------------------


def fragments(model: Model, root: str, source: str, outputs: list[OutputFile]) -> list[OutputFile]:
    bindings = [
        (d.name, f"{NAMESPACE}::{native_name(d.name, root)}")
        for d in model.interfaces
        if not is_generated_event(d, model)
    ]
    webidl = sorted(
        o.path.rsplit("/", 1)[-1] for o in outputs if o.path.startswith(f"{OUT}/dom/webidl/")
    )
    events = sorted(f"{d.name}.webidl" for d in model.interfaces if is_generated_event(d, model))
    includes = idl.navigator_includes(idl.partial_mixins(model, idl.Dialect.of(model, root)))
    return [
        _out(
            "fragments/modules/libpref/init/StaticPrefList.yaml",
            render("gecko/StaticPrefList.yaml.jinja", source=source, pref=idl.PREF),
        ),
        _out(
            "fragments/dom/bindings/Bindings.conf",
            render("gecko/Bindings.conf.jinja", source=source, bindings=bindings),
        ),
        _out(
            "fragments/dom/webidl/moz.build",
            render(
                "gecko/webidl.moz.build.jinja",
                source=source,
                webidl=[f for f in webidl if f not in events],
                events=events,
            ),
        ),
        _out(
            "fragments/dom/webidl/Navigator.webidl",
            render("gecko/includes.webidl.jinja", source=source, includes=includes),
        ),
    ]
