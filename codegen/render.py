"""The generator's one Jinja2 environment (docs/codegen.md): every target renders through it.

Templates live under `codegen/templates/<target>/`. `StrictUndefined` turns a misspelled model
attribute into an error instead of empty output; whitespace control (`trim_blocks`,
`lstrip_blocks`) lets templates indent their logic without indenting the output, and
`keep_trailing_newline` keeps each file's final newline. Nothing is escaped: the outputs are
source code, not HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render(template: str, filters: dict[str, Callable] | None = None, **params) -> str:
    """Render `template` (a path under codegen/templates) with `params`.

    `filters` are a target's own naming rules; they are passed per render (as template
    globals of this one render) so targets cannot leak filters into each other.
    """
    env = environment()
    tmpl = env.get_template(template)
    return tmpl.render(**(filters or {}), **params)
