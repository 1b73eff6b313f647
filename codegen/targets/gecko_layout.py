"""Line layout for the `gecko` target's C++, in the shape `clang-format --style=Mozilla` gives.

The generator does not run clang-format (output must not depend on which version is
installed); it lays code out by the few rules of that style its output needs, and
`tests/gecko/test_cpp_format.py` checks every file with the real tool:

- 80 columns, 2-space indent, continuation indent 2;
- a parameter list that does not fit on one line puts each parameter on its own line
  (`BinPackParameters: false`), aligned after the `(` if that fits (`AlignAfterOpenBracket`),
  else starting on the next line, indented (`AllowAllParametersOfDeclarationOnNextLine:
  false` keeps them one per line there too);
- a top-level function definition has its return type on a line of its own
  (`AlwaysBreakAfterReturnType: TopLevel`) and its braces on lines of their own;
- comments are wrapped here, so clang-format has nothing to reflow.
"""

from __future__ import annotations

import textwrap

COLUMNS = 80
INDENT = "  "


def parameter_lines(head: str, params: list[str], tail: str, indent: str) -> list[str]:
    """`head(params)tail` at `indent`, broken as clang-format's Mozilla style breaks it."""
    one_line = f"{indent}{head}({', '.join(params)}){tail}"
    if len(one_line) <= COLUMNS or not params:
        return [one_line]
    ends = [","] * (len(params) - 1) + [f"){tail}"]
    column = " " * (len(indent) + len(head) + 1)
    aligned = [f"{indent}{head}({params[0]}{ends[0]}"]
    aligned += [f"{column}{p}{end}" for p, end in zip(params[1:], ends[1:], strict=True)]
    if all(len(line) <= COLUMNS for line in aligned):
        return aligned
    inner = indent + INDENT
    return [f"{indent}{head}("] + [f"{inner}{p}{end}" for p, end in zip(params, ends, strict=True)]


def assignment_lines(left: str, right: str, indent: str) -> list[str]:
    """`left = right;`, breaking after `=` when it is too long (continuation indent 2)."""
    line = f"{indent}{left} = {right};"
    if len(line) <= COLUMNS:
        return [line]
    return [f"{indent}{left} =", f"{indent}{INDENT}{right};"]


def comment_lines(text: str, indent: str) -> list[str]:
    """`text` as `//` comment lines that fit the column limit; paragraphs kept apart."""
    width = COLUMNS - len(indent) - 3
    lines: list[str] = []
    for paragraph in (p for p in text.strip().split("\n\n") if p.strip()):
        if lines:
            lines.append(f"{indent}//")
        wrapped = textwrap.wrap(" ".join(paragraph.split()), width, break_on_hyphens=False)
        lines += [f"{indent}// {line}" for line in wrapped]
    return lines


def definition_lines(
    return_type: str, qualified: str, params: list[str], qualifiers: str, body: list[str]
) -> list[str]:
    """A top-level function definition: the return type on its own line, then the
    declarator, then the body (already indented) between braces on their own lines."""
    head = [return_type] if return_type else []
    head += parameter_lines(qualified, params, qualifiers, "")
    return [*head, "{", *body, "}"]
