"""Chromium-style C++ layout for generated declarations, so the output passes
`clang-format --style=Chromium` as written (the drift test keeps it byte-stable; running a
formatter at generation time would tie the output to one clang-format version).

Only the shapes the generators emit are handled: a function signature, wrapped the way
Chromium's style wraps one (`BinPackParameters: false`: all on one line, else one parameter a
line aligned after the parenthesis, else each on its own line indented four spaces), and
`//` comments wrapped at 80 columns.
"""

from __future__ import annotations

import textwrap

WIDTH = 80


def signature(head: str, parameters: list[str], tail: str, indent: int) -> str:
    """`head(parameters)tail`, e.g. head `  void NPUQueue::submit`, tail ` {` or `;`."""
    pad = " " * indent
    one = f"{pad}{head}({', '.join(parameters)}){tail}"
    if len(one) <= WIDTH or not parameters:
        return one
    opening = f"{pad}{head}("
    aligned = [opening + parameters[0]]
    aligned += [" " * len(opening) + p for p in parameters[1:]]
    aligned = [line + "," for line in aligned[:-1]] + [aligned[-1] + ")" + tail]
    if all(len(line) <= WIDTH for line in aligned):
        return "\n".join(aligned)
    inner = pad + "    "
    lines = [opening] + [inner + p + "," for p in parameters[:-1]]
    lines.append(inner + parameters[-1] + ")" + tail)
    return "\n".join(lines)


def comment(text: str, indent: int) -> str:
    """A doc comment as `//` lines ("" when there is none)."""
    pad = " " * indent
    width = WIDTH - indent - 3
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]
    lines: list[str] = []
    for p in paragraphs:
        if lines:
            lines.append("")
        lines += textwrap.wrap(p, width, break_on_hyphens=False, break_long_words=False)
    return "".join(f"{pad}//{' ' + line if line else ''}\n" for line in lines)
