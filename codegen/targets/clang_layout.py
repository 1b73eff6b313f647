"""The line layout rules that clang-format's Chromium and Mozilla styles share, for targets
that write C++ (or mojom, which Chromium wraps the same way) already in formatted shape.

Both styles have an 80-column limit, wrap `//` comments at it, and break a parameter list
that does not fit with `BinPackParameters: false`: every parameter on its own line, aligned
after the `(` if that fits (`AlignAfterOpenBracket`), else all starting on the next line. They
differ in the continuation indent (Chromium 4, Mozilla 2), which callers pass.
`codegen/targets/cpp_layout.py` (Chromium) and `gecko_layout.py` (Mozilla) hold what is
particular to each style.
"""

from __future__ import annotations

import textwrap

COLUMNS = 80


def comment_lines(text: str, indent: str) -> list[str]:
    """`text` as `//` lines that fit the column limit, paragraphs apart ([] when empty).
    Words are never split nor broken at hyphens: an identifier or URL stays whole."""
    width = COLUMNS - len(indent) - 3
    lines: list[str] = []
    for paragraph in (p for p in text.strip().split("\n\n") if p.strip()):
        if lines:
            lines.append(f"{indent}//")
        wrapped = textwrap.wrap(
            " ".join(paragraph.split()), width, break_on_hyphens=False, break_long_words=False
        )
        lines += [f"{indent}// {line}" for line in wrapped]
    return lines


def comment_block(text: str, indent: int = 0) -> str:
    """`comment_lines` as text, each line ended ("" when there is no comment)."""
    return "".join(line + "\n" for line in comment_lines(text, " " * indent))


def parameter_lines(
    head: str, params: list[str], tail: str, indent: str, continuation: str
) -> list[str]:
    """`head(params)tail` at `indent`, broken as clang-format breaks a parameter list."""
    one_line = f"{indent}{head}({', '.join(params)}){tail}"
    if len(one_line) <= COLUMNS or not params:
        return [one_line]
    ends = [","] * (len(params) - 1) + [f"){tail}"]
    column = " " * (len(indent) + len(head) + 1)
    aligned = [f"{indent}{head}({params[0]}{ends[0]}"]
    aligned += [f"{column}{p}{end}" for p, end in zip(params[1:], ends[1:], strict=True)]
    if all(len(line) <= COLUMNS for line in aligned):
        return aligned
    inner = indent + continuation
    lines = [f"{indent}{head}("]
    for p, end in zip(params, ends, strict=True):
        lines += _parameter(p, end, inner, continuation)
    return lines


def _parameter(param: str, end: str, indent: str, continuation: str) -> list[str]:
    """One parameter on its own line; if even that is too long, its name goes on the next
    line, one continuation further in (clang-format breaks between type and declarator)."""
    line = f"{indent}{param}{end}"
    declarator, equals, default = param.partition(" = ")
    type_, _, name = declarator.rpartition(" ")
    name += equals + default
    if len(line) <= COLUMNS or not type_:
        return [line]
    return [f"{indent}{type_}", f"{indent}{continuation}{name}{end}"]


def assignment_lines(left: str, right: str, indent: str, continuation: str) -> list[str]:
    """`left = right;`, broken after `=` when it does not fit."""
    line = f"{indent}{left} = {right};"
    if len(line) <= COLUMNS:
        return [line]
    return [f"{indent}{left} =", f"{indent}{continuation}{right};"]
