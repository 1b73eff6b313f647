"""Chromium-style C++ layout for generated declarations, so the output passes
`clang-format --style=Chromium` as written (the drift test keeps it byte-stable; running a
formatter at generation time would tie the output to one clang-format version).

The rules Chromium shares with Mozilla's style (80 columns, `//` comments, parameter lists
broken one a line) are `clang_layout.py`'s; Chromium's own is the continuation indent of four.
"""

from __future__ import annotations

from codegen.targets.clang_layout import parameter_lines

CONTINUATION = "    "  # Chromium's ContinuationIndentWidth


def signature(head: str, parameters: list[str], tail: str, indent: int) -> str:
    """`head(parameters)tail`, e.g. head `  void NPUQueue::submit`, tail ` {` or `;`."""
    return "\n".join(parameter_lines(head, parameters, tail, " " * indent, CONTINUATION))
