"""The `patches` target: `patches/chromium/` and `patches/firefox/` (codegen/browser_patches/).

It needs what the browser targets and the cpp target write, so it runs them (once per model,
however many callers ask: the in-tree mode asks too).
"""

from __future__ import annotations

from codegen.browser_patches.registrations import GECKO_FRAGMENTS, RUNTIME_FEATURE
from codegen.browser_patches.series import patch_files
from codegen.model.ir import Model
from codegen.output import OutputFile
from codegen.targets.context import Context

SOURCE_TARGETS = ("cpp", "gecko", "mojom", "blink")
_cache: dict[tuple[int, Context], dict[str, bytes]] = {}


def browser_outputs(model: Model, context: Context) -> dict[str, bytes]:
    """Path -> bytes of everything the patches are made from."""
    from codegen.targets import load_target

    key = (id(model), context)
    if key not in _cache:
        _cache.clear()  # one model at a time; ids of dead models may be reused
        _cache[key] = {
            out.path: out.content
            for name in SOURCE_TARGETS
            for out in load_target(name)(model, context)
        }
    return _cache[key]


def has_browser_trees(outputs: dict[str, bytes]) -> bool:
    """Whether the browser targets wrote what the patches register (they write nothing for an
    IDL without a `[WireRoot]` interface)."""
    return RUNTIME_FEATURE in outputs and any(p.startswith(GECKO_FRAGMENTS) for p in outputs)


def generate(model: Model, context: Context) -> list[OutputFile]:
    outputs = browser_outputs(model, context)
    if not has_browser_trees(outputs):
        return []  # an IDL without a service interface gets no browser targets, so no patches
    files = patch_files(outputs)
    return [OutputFile(path, content) for path, content in sorted(files.items())]
