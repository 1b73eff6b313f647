"""The `wire-json` target: the wire model (docs/wire.md §2) as JSON, for review and for tools
outside Python. Locations are relative to the output directory, as in `ir-json`. The schema
hash (docs/wire.md §2.4) is a hex string, as the `python` target's `SCHEMA_HASH` spells it."""

from __future__ import annotations

import dataclasses
import json

from codegen.diagnostics import DiagnosticSink
from codegen.model.ir import Model
from codegen.model.wire import derive_wire
from codegen.output import OutputFile
from codegen.targets.context import Context


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
    sink = DiagnosticSink()
    wire = derive_wire(model, sink)
    # The pipeline ran the same pass and stopped on its errors; an API without any `Wire*`
    # attribute has no wire protocol, so there is nothing to write.
    if sink.has_errors or not wire.interfaces:
        return []
    document = {"ordinals": wire.ordinals(), **_to_json(wire, context)}
    document["schema_hash"] = f"0x{wire.schema_hash:016x}"  # §2.4, as `SCHEMA_HASH` spells it
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    return [OutputFile(f"generated/wire/{context.api_name}.json", text.encode("utf-8"))]
