"""The `blink` target: WebNPU as a Blink module (`generated/chromium/third_party/blink/...`).

Mirrors Chromium's source layout so a patch can copy the tree in place:

- `third_party/blink/renderer/modules/webnpu/*.idl`: one file per definition
  (`codegen/targets/blink_idl.py`), and `idls.gni` listing them the way a module's IDL list
  does (`modules_idl_files`, `modules_dictionary_idl_files`, `modules_dependency_idl_files`);
- `*.h`/`*.cc`: one class per interface and one Supplement per partial interface
  (`codegen/targets/blink_cpp.py`), plus `npu_type_converters.h` declaring the
  `mojo::TypeConverter`s the classes use and the object-handle helpers;
- `BUILD.gn`: `blink_modules_sources("webnpu")` depending on the mojom's Blink variant;
- `third_party/blink/renderer/platform/runtime_enabled_features.webnpu.json5`: the `WebNPU`
  entry for `runtime_enabled_features.json5` (status "experimental", as a new API starts),
  in that file's own format, for the patch to splice in at its sorted place.

The C++ comes out already in clang-format's Chromium style; nothing formats it afterwards.
Blink's own bindings generator pipes its output through clang-format
(`third_party/blink/renderer/bindings/scripts/bind_gen/style_format.py` upstream), which
works there because the checkout pins the formatter binary. Here the output is checked in
and drift-tested, so running whichever clang-format Debian ships would make generation
depend on an external tool and change the files whenever that version changes. Instead the
layout rules live in `cpp_layout.py`/`clang_layout.py` (declarations, class heads,
constructors) and `call_layout.py` (method bodies, as call trees), and `tests/blink/` checks
every generated file, and a sweep of body shapes, with the real clang-format.
"""

from __future__ import annotations

from codegen.model import wire as w
from codegen.model.ir import Model
from codegen.output import OutputFile
from codegen.render import render
from codegen.targets import cpp_layout
from codegen.targets.blink_converters import ConversionBuilder, FreeFunction
from codegen.targets.blink_cpp import (
    HEADERS,
    MOJOM_HEADER,
    ClassBuilder,
    CppClass,
)
from codegen.targets.blink_idl import BlinkIdl
from codegen.targets.chromium_naming import (
    BLINK_MODULE_DIR,
    MOJOM_NAMESPACE,
    MOJOM_TARGET,
    RUNTIME_FEATURE,
    file_stem,
)
from codegen.targets.clang_layout import comment_block
from codegen.targets.context import Context
from codegen.targets.gn import gn_list
from codegen.targets.wire_source import wire_of

ROOT = "generated/chromium"
TRACED = (
    "Member<",
    "HeapVector<",
    "HeapMojoRemote<",
    "HeapMojoReceiver<",
)  # fields Trace() must visit
CONVERTER_INCLUDES = ("mojo/public/cpp/bindings/type_converter.h",)
FEATURE_FILE = "third_party/blink/renderer/platform/runtime_enabled_features.webnpu.json5"


def guard(path: str) -> str:
    return path.upper().replace("/", "_").replace(".", "_") + "_"


def declaration(f, indent: int = 2) -> str:
    head = f"{'static ' if f.static else ''}{f.returns} {f.name}"
    tail = (" const" if f.const else "") + (" override" if f.override else "") + ";"
    return cpp_layout.signature(head, f.parameters, tail, indent)


def definition(c: CppClass, f) -> str:
    head = f"{f.returns} {c.name}::{f.name}"
    tail = (" const" if f.const else "") + " {"
    params = [p.split(" = ")[0] for p in f.parameters]
    lines = [cpp_layout.signature(head, params, tail, 0)]
    lines += [line for item in f.body for line in cpp_layout.statement(item, 2)]
    lines.append("}")
    return "\n".join(lines)


def constructor_definition(c: CppClass) -> str:
    body = [line for item in c.constructor_body for line in cpp_layout.statement(item, 2)]
    qualified = f"{c.name}::{c.name}"
    return "\n".join(cpp_layout.constructor(qualified, c.constructor, c.initializers, body))


def field_declaration(type_: str, name: str) -> str:
    """A class field; clang-format breaks after the type, indenting 4, when it is too long."""
    one = f"  {type_} {name};"
    return one if len(one) <= cpp_layout.COLUMNS else f"  {type_}\n      {name};"


def class_head(c: CppClass, final: bool) -> str:
    head = f"class {'MODULES_EXPORT ' if c.wrapper else ''}{c.name}{' final' if final else ''}"
    return cpp_layout.class_head(head, c.bases)


def class_data(c: CppClass, final: bool) -> dict:
    # Mojo interfaces a class implements (its client) are not garbage collected.
    trace_bases = [
        b for b in c.bases if not b.startswith(("GarbageCollected<", MOJOM_NAMESPACE + "::"))
    ]
    return {
        "c": c,
        "final": final,
        "trace_fields": [name for type_, name in c.fields if type_.startswith(TRACED)],
        "trace_bases": trace_bases,
        "explicit": len(c.constructor) == 1,
        "forward": sorted(c.forward),
    }


def generate(model: Model, context: Context) -> list[OutputFile]:
    wire = wire_of(model)
    if wire is None:
        return []
    sources = ", ".join(context.relative_path(s) for s in model.sources)
    header = f"// Generated by `python -m codegen` from {sources}. Do not edit.\n"
    outputs: list[OutputFile] = []

    def emit(path: str, text: str) -> None:
        outputs.append(OutputFile(f"{ROOT}/{path}", text.encode("utf-8")))

    idl_files = BlinkIdl(model, header).files()
    for f in idl_files:
        emit(f"{BLINK_MODULE_DIR}/{f.name}", f.text)

    classes = ClassBuilder(model, wire).classes()
    parents = {b for c in classes for b in c.bases}
    filters = {
        "declaration": declaration,
        "definition": definition,
        "comment": comment_block,
        "signature": cpp_layout.signature,
        "constructor_definition": constructor_definition,
        "class_head": class_head,
        "field": field_declaration,
        "alias": cpp_layout.alias,
        "template_head": cpp_layout.template_head,
        "gn_list": gn_list,
    }
    cc_sources: list[str] = []
    for c in classes:
        stem = file_stem(c.name)
        h_path = f"{BLINK_MODULE_DIR}/{stem}.h"
        data = class_data(c, c.name not in parents)
        includes_cc = sorted(c.includes_cc - c.includes_h - {h_path})
        emit(
            h_path,
            render(
                "blink/class.h.jinja",
                filters,
                header=header,
                guard=guard(h_path),
                includes=sorted(c.includes_h),
                **data,
            ),
        )
        emit(
            f"{BLINK_MODULE_DIR}/{stem}.cc",
            render(
                "blink/class.cc.jinja",
                filters,
                header=header,
                own_header=h_path,
                includes=includes_cc,
                **data,
            ),
        )
        cc_sources += [f"{stem}.cc", f"{stem}.h"]

    emit_converters(model, wire, header, filters, emit)
    cc_sources += ["npu_type_converters.cc", "npu_type_converters.h"]

    groups: dict[str, list[str]] = {}
    for f in idl_files:
        groups.setdefault(f.group, []).append(f.name)
    emit(
        f"{BLINK_MODULE_DIR}/idls.gni",
        render("blink/idls.gni.jinja", filters, groups=sorted(groups.items())),
    )
    emit(
        f"{BLINK_MODULE_DIR}/BUILD.gn",
        render(
            "blink/BUILD.gn.jinja",
            filters,
            sources=sorted(cc_sources),
            deps=[MOJOM_TARGET],
        ),
    )
    emit(FEATURE_FILE, render("blink/runtime_enabled_features.json5.jinja", name=RUNTIME_FEATURE))
    return outputs


def inline_convert(to: str, from_: str, function: str) -> str:
    """A converter's `Convert`, calling the blink:: function that does the work: on one line
    when it fits (`AllowShortFunctionsOnASingleLine: Inline`), else broken as a definition."""
    body = f"return blink::{function}(input);"
    one_line = f"  static {to} Convert({from_} input) {{ {body} }}"
    if len(one_line) <= cpp_layout.COLUMNS:
        return one_line
    head = cpp_layout.signature(f"static {to} Convert", [f"{from_} input"], " {", 2)
    return f"{head}\n    {body}\n  }}"


def free_definition(f: FreeFunction) -> str:
    lines = [cpp_layout.signature(f"{f.returns} {f.name}", f.parameters, " {", 0)]
    lines += [line for item in f.body for line in cpp_layout.statement(item, 2)]
    lines.append("}")
    return "\n".join(lines)


def emit_converters(model: Model, wire: w.WireModel, header: str, filters: dict, emit) -> None:
    """`npu_type_converters.h` (the `mojo::TypeConverter`s, the functions they call and the
    object-handle helpers) and the `.cc` defining them (`blink_converters.py`)."""
    conversions = ConversionBuilder(model, wire).build()
    filters = {**filters, "inline_convert": inline_convert, "free_definition": free_definition}
    h_path = HEADERS["TypeConverters"]
    emit(
        h_path,
        render(
            "blink/npu_type_converters.h.jinja",
            filters,
            header=header,
            guard=guard(h_path),
            includes=sorted({MOJOM_HEADER, *CONVERTER_INCLUDES, *conversions.header_includes}),
            forward=sorted(conversions.forward | {"ScriptPromiseResolverBase"}),
            functions=conversions.functions,
            converters=conversions.pairs,
        ),
    )
    source = conversions.source_includes - conversions.header_includes
    emit(
        h_path[: -len(".h")] + ".cc",
        render(
            "blink/npu_type_converters.cc.jinja",
            filters,
            header=header,
            own_header=h_path,
            system_includes=sorted(i for i in source if i.startswith("<")),
            includes=sorted(i for i in source if not i.startswith("<")),
            functions=conversions.functions,
        ),
    )
