"""Line layout for the `gecko` target's C++, in the shape `clang-format --style=Mozilla` gives.

The generator does not run clang-format (output must not depend on which version is
installed); it lays code out by the few rules of that style its output needs, and
`tests/gecko/test_cpp_format.py` checks every file with the real tool:

- 80 columns, 2-space indent, continuation indent 2;
- a parameter list that does not fit on one line puts each parameter on its own line
  (`BinPackParameters: false`), aligned after the `(` if that fits (`AlignAfterOpenBracket`),
  else starting on the next line, indented (`AllowAllParametersOfDeclarationOnNextLine:
  false` keeps them one per line there too); this and comment wrapping are the rules the
  Chromium style shares, in `clang_layout.py`;
- a top-level function definition has its return type on a line of its own
  (`AlwaysBreakAfterReturnType: TopLevel`) and its braces on lines of their own;
- comments are wrapped here, so clang-format has nothing to reflow.
"""

from __future__ import annotations

from codegen.targets.clang_layout import COLUMNS
from codegen.targets.clang_layout import assignment_lines as _assignment_lines
from codegen.targets.clang_layout import parameter_lines as _parameter_lines

INDENT = "  "  # Mozilla's indent and continuation indent


def parameter_lines(head: str, params: list[str], tail: str, indent: str) -> list[str]:
    """`head(params)tail` at `indent`, broken as clang-format's Mozilla style breaks it."""
    return _parameter_lines(head, params, tail, indent, INDENT)


def assignment_lines(left: str, right: str, indent: str) -> list[str]:
    """`left = right;`, breaking after `=` when it is too long (continuation indent 2)."""
    return _assignment_lines(left, right, indent, INDENT)


def definition_lines(
    return_type: str, qualified: str, params: list[str], qualifiers: str, body: list[str]
) -> list[str]:
    """A top-level function definition: the return type on its own line, then the
    declarator, then the body (already indented) between braces on their own lines."""
    head = [return_type] if return_type else []
    head += parameter_lines(qualified, params, qualifiers, "")
    return [*head, "{", *body, "}"]


def call_lines(lead: str, callee: str, args: list[str], indent: str, tail: str = ";") -> list[str]:
    """`lead callee(args)tail` in a function body, broken as the Mozilla style breaks a call
    (`BinPackArguments: false`, `AllowAllArgumentsOnNextLine: true`): on one line if it fits;
    else, when that saves a line, every argument together on the next line (indented 2);
    else one argument a line aligned after the `(`; else one a line on the next lines."""
    joined = ", ".join(args)
    head = f"{indent}{lead}{callee}("
    if len(f"{head}{joined}){tail}") <= COLUMNS:
        return [f"{head}{joined}){tail}"]
    rest = f"{indent}{INDENT}{callee}({joined}){tail}"
    if lead.endswith("= ") and len(rest) <= COLUMNS:  # breaking after `=` is cheapest
        return [f"{indent}{lead.rstrip()}", rest]
    ends = [","] * (len(args) - 1) + [")" + tail]
    next_line = f"{indent}{INDENT}{joined}){tail}"
    aligned = [head + args[0] + ends[0]] + [
        " " * len(head) + a + e for a, e in zip(args[1:], ends[1:], strict=True)
    ]
    aligned_fits = all(len(line) <= COLUMNS for line in aligned)
    if len(next_line) <= COLUMNS and (len(args) != 2 or not aligned_fits):
        return [head, next_line]
    if aligned_fits:
        return aligned
    return [head] + [f"{indent}{INDENT}{a}{e}" for a, e in zip(args, ends, strict=True)]
