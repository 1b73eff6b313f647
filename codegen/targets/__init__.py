"""The generator's targets: each turns the model into `OutputFile`s.

A target is a module with `generate(model, context) -> list[OutputFile]`. This registry is the
only place that lists them, in the order `--targets all` runs them; a target's module is
imported only when it runs, so the command line stays quick for `--validate-only`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codegen.model.ir import Model
    from codegen.output import OutputFile
    from codegen.targets.context import Context

    Target = Callable[[Model, Context], list[OutputFile]]

TARGETS: dict[str, str] = {
    "ir-json": "codegen.targets.ir_json",
    "wire-json": "codegen.targets.wire_json",
    "python": "codegen.targets.python",
    "cpp": "codegen.targets.cpp",
    "gecko": "codegen.targets.gecko",
    "mojom": "codegen.targets.mojom",
    "blink": "codegen.targets.blink",
    "js": "codegen.targets.js",
    "patches": "codegen.targets.patches",
}


def load_target(name: str) -> Target:
    return importlib.import_module(TARGETS[name]).generate
