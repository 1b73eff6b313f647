"""The `ir-json` target: the resolved model as JSON, for inspection and for tools outside Python.

Every dataclass becomes an object with its fields in declaration order plus its `kind` (and a
member's `member_kind`); locations are written relative to the output directory so the file is
the same whatever directory the generator ran from.
"""

from __future__ import annotations

import dataclasses
import json

from codegen.model.ir import Model
from codegen.output import OutputFile
from codegen.targets.context import Context

# Fields every definition and member shares go after its own, so each object reads name-first.
_SHARED = ("origin", "ext_attrs", "doc", "location", "external")


def _fields(value) -> list[dataclasses.Field]:
    fields = dataclasses.fields(value)
    own = [f for f in fields if f.name not in _SHARED]
    return own + [f for f in fields if f.name in _SHARED]


def _to_json(value, context: Context):
    if dataclasses.is_dataclass(value):
        obj = {}
        for kind_attr in ("kind", "member_kind"):
            if kind_attr in type(value).__dict__:
                obj[kind_attr] = getattr(value, kind_attr)
        for f in _fields(value):
            if f.name.startswith("_"):
                continue
            item = getattr(value, f.name)
            if f.name == "location":
                item = context.relative_location(item)
            obj[f.name] = _to_json(item, context)
        return obj
    if isinstance(value, tuple | list):
        return [_to_json(v, context) for v in value]
    return value


def generate(model: Model, context: Context) -> list[OutputFile]:
    document = {
        "sources": [context.relative_path(s) for s in model.sources],
        "definitions": _to_json(model.definitions, context),
    }
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    return [OutputFile(f"generated/ir/{context.api_name}.json", text.encode("utf-8"))]
