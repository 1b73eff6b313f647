"""The generator's targets: each turns the model into `OutputFile`s.

A target is a function `generate(model, context) -> list[OutputFile]`; this registry is the
only place that lists them, in the order `--targets all` runs them.
"""

from __future__ import annotations

from collections.abc import Callable

from codegen.model import Model
from codegen.output import OutputFile
from codegen.targets import ir_json
from codegen.targets.context import Context

Target = Callable[[Model, Context], list[OutputFile]]

TARGETS: dict[str, Target] = {
    "ir-json": ir_json.generate,
}

__all__ = ["TARGETS", "Context", "Target"]
