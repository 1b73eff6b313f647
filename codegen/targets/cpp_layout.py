"""Chromium-style C++ layout for generated declarations, so the output passes
`clang-format --style=Chromium` as written (the drift test keeps it byte-stable; running a
formatter at generation time would tie the output to one clang-format version).

The rules Chromium shares with Mozilla's style (80 columns, `//` comments, parameter lists
broken one a line) are `clang_layout.py`'s; Chromium's own is the continuation indent of four.
"""

from __future__ import annotations

from codegen.targets.call_layout import Statement, statement_lines
from codegen.targets.clang_layout import COLUMNS, assignment_lines, parameter_lines

CONTINUATION = "    "  # Chromium's ContinuationIndentWidth


def signature(head: str, parameters: list[str], tail: str, indent: int) -> str:
    """`head(parameters)tail`, e.g. head `  void NPUQueue::submit`, tail ` {` or `;`."""
    return "\n".join(parameter_lines(head, parameters, tail, " " * indent, CONTINUATION))


def statement(item: str | Statement, indent: int) -> list[str]:
    """A body line as written, or a `Statement` broken as clang-format breaks it."""
    if isinstance(item, str):
        return [" " * indent + item if item else ""]
    return statement_lines(item, indent + 2 * item.block)


def alias(name: str, type_: str, indent: int) -> str:
    """`using name = type;`, broken after `=` when too long."""
    return "\n".join(assignment_lines(f"using {name}", type_, " " * indent, CONTINUATION))


def constructor(
    qualified: str, parameters: list[str], initializers: list[str], body: list[str]
) -> list[str]:
    """A constructor definition. Chromium puts the initializer list after ` : ` on the
    declarator's line when everything fits, else on the next line indented 4, all on one
    line or one a line (`ConstructorInitializerAllOnOneLineOrOnePerLine`); an empty body is
    `{}` on the last line (`AllowShortFunctionsOnASingleLine: Inline` implies empty)."""
    tail = " {}" if not body else " {"
    closing = [] if not body else [*body, "}"]
    if not initializers:
        return [*parameter_lines(qualified, parameters, tail, "", CONTINUATION), *closing]
    joined = ", ".join(initializers)
    one_line = f"{qualified}({', '.join(parameters)}) : {joined}{tail}"
    if len(one_line) <= COLUMNS:
        return [one_line, *closing]
    lines = parameter_lines(qualified, parameters, "", "", CONTINUATION)
    if len(f"{CONTINUATION}: {joined}{tail}") <= COLUMNS:
        return [*lines, f"{CONTINUATION}: {joined}{tail}", *closing]
    ends = [","] * (len(initializers) - 1) + [tail]
    first, *rest = [i + end for i, end in zip(initializers, ends, strict=True)]
    return [*lines, f"{CONTINUATION}: {first}", *(f"{CONTINUATION}  {i}" for i in rest), *closing]


def class_head(head: str, bases: list[str]) -> str:
    """`head : public A, public B {`; when that is too long, one base a line aligned after
    the colon, and if that does not fit either, the colon starts the next line."""
    public = [f"public {b}" for b in bases]
    if not public:
        return f"{head} {{"
    one_line = f"{head} : {', '.join(public)} {{"
    if len(one_line) <= COLUMNS:
        return one_line
    ends = [","] * (len(public) - 1) + [" {"]
    column = " " * (len(head) + 3)
    lines = [f"{head} : {public[0]}{ends[0]}"]
    lines += [f"{column}{b}{end}" for b, end in zip(public[1:], ends[1:], strict=True)]
    if all(len(line) <= COLUMNS for line in lines):
        return "\n".join(lines)
    lines = [head, f"{CONTINUATION}: {public[0]}{ends[0]}"]
    lines += [f"{CONTINUATION}  {b}{end}" for b, end in zip(public[1:], ends[1:], strict=True)]
    return "\n".join(lines)


def template_head(head: str, arguments: list[str], tail: str) -> str:
    """`head<arguments>tail`, e.g. a specialization `struct TypeConverter<To, From> {`: on
    one line, else one argument a line aligned after `<`, else all on the next lines."""
    one_line = f"{head}<{', '.join(arguments)}>{tail}"
    if len(one_line) <= COLUMNS:
        return one_line
    ends = [","] * (len(arguments) - 1) + [f">{tail}"]
    column = " " * (len(head) + 1)
    lines = [f"{head}<{arguments[0]}{ends[0]}"]
    lines += [f"{column}{a}{end}" for a, end in zip(arguments[1:], ends[1:], strict=True)]
    if all(len(line) <= COLUMNS for line in lines):
        return "\n".join(lines)
    lines = [f"{head}<"] + [
        f"{CONTINUATION}{a}{end}" for a, end in zip(arguments, ends, strict=True)
    ]
    return "\n".join(lines)
