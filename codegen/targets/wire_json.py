"""The `wire-json` target: the wire model (docs/wire.md §2) as JSON, for review and for tools
outside Python. Locations are relative to the output directory, as in `ir-json`. The schema
hash (docs/wire.md §2.4) is a hex string, as the `python` target's `SCHEMA_HASH` spells it."""

from __future__ import annotations

import dataclasses
import json

from codegen.model.ir import Model
from codegen.output import OutputFile
from codegen.targets.context import Context
from codegen.targets.wire_source import wire_of


def _to_json(value, context: Context):
    if dataclasses.is_dataclass(value):
        obj = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if f.name == "location":
                item = context.relative_location(item)
            obj[f.name] = _to_json(item, context)
        return obj
    if isinstance(value, tuple | list):
        return [_to_json(v, context) for v in value]
    return value


def generate(model: Model, context: Context) -> list[OutputFile]:
    wire = wire_of(model)
    if wire is None:
        return []
    document = {"ordinals": wire.ordinals(), **_to_json(wire, context)}
    document["schema_hash"] = f"0x{wire.schema_hash:016x}"  # §2.4, as `SCHEMA_HASH` spells it
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    return [OutputFile(f"generated/wire/{context.api_name}.json", text.encode("utf-8"))]
