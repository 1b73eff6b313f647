"""The wire model a target renders, derived once per target run the same way for all."""

from __future__ import annotations

from codegen.diagnostics import DiagnosticSink
from codegen.model import ir
from codegen.model import wire as w


def wire_of(model: ir.Model) -> w.WireModel | None:
    """`model`'s wire model, or None when there is nothing to render: the pipeline already ran
    the same pass and stopped on its errors, and an API without any `Wire*` attribute has no
    wire protocol."""
    sink = DiagnosticSink()
    wire = w.derive_wire(model, sink)
    if sink.has_errors or not wire.interfaces:
        return None
    return wire
