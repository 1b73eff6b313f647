"""Line breaking of call expressions the way clang-format chooses it, for generated C++ bodies.

clang-format does not wrap greedily: it searches the ways to break a statement and keeps the
one of least penalty. The generated Blink bodies are statements whose only structure is calls
(`remote_->Foo(a, mojo::ConvertTo<T>(b), WTF::BindOnce(...))`), so this module models that
search over calls alone, with the penalties clang-format charges (its `TokenAnnotator::
splitPenalty` and `ContinuationIndenter::addTokenOnNewLine`, clang/lib/Format upstream):

- a break costs 20 per level of parenthesis nesting of the token after it (its binding
  strength), plus 1 after a comma, 1 after the `(` of a call with several arguments but 19
  after the `(` of a call with one (`PenaltyBreakBeforeFirstCallParameter` and the fixed
  one-parameter cost), 2 after an assignment's `=` (`PenaltyBreakAssignment`);
- the first break inside a pair of parentheses costs 15 more (breaks are cheaper where the
  line is already broken);
- every character past the column limit costs 1,000,000 (`PenaltyExcessCharacter`), so
  overflowing is a last resort, never an error;
- arguments are bin-packed (`BinPackArguments`); after an argument that spans lines, the next
  one starts a line; arguments either follow the `(` and align after it
  (`AlignAfterOpenBracket`) or start on the next line at the continuation indent;
- a call that is an argument breaks after its own `(` only if it starts a line, or if it is
  the first argument right after an unbroken `(`: then its arguments go on the next lines
  indented from the enclosing call's indent, and calls among them do not break at all
  (clang-format does not hang arguments off a call in mid-line otherwise); each further line
  such a hung list needs costs HUNG_BREAK more, a value fitted to clang-format 14's choices
  (any value from 14 to 73 reproduces them on the shapes `tests/blink/test_layout.py` sweeps);
- among layouts of equal penalty, the one whose first break comes latest wins (the order in
  which clang-format's best-first search reaches them).

A statement laid out here passes `clang-format --dry-run -Werror` unchanged; tests check the
generated files with the real tool, so a construct this model gets wrong cannot go unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from codegen.targets.clang_layout import COLUMNS

EXCESS = 1_000_000  # per character past the column limit
NESTING = 20  # per level of parentheses around the token after a break
FIRST_BREAK = 15  # the first break inside a pair of parentheses
AFTER_COMMA = 1
AFTER_OPEN_MANY = 1  # after the `(` of a call with several arguments
AFTER_OPEN_ONE = 19  # after the `(` of a call with one argument
AFTER_ASSIGN = 2
HUNG_BREAK = 40  # fitted: a hung argument list (see below) that needs a second line
# May a call break after its `(`?
FREE = "free"
NEVER = "never"
HUNG = "hung"  # yes, but then the calls among its arguments do not break at all
FLAT = "flat"  # no break anywhere in it


@dataclass(frozen=True)
class Call:
    """`callee(args)`: the callee (`remote_->Foo`, `MakeGarbageCollected<T>`) never breaks."""

    callee: str
    args: tuple[Expr, ...] = ()

    def __str__(self) -> str:
        return f"{self.callee}({', '.join(str(a) for a in self.args)})"


Expr = str | Call


def call(callee: str, *args: Expr) -> Call:
    return Call(callee, tuple(args))


@dataclass(frozen=True)
class Statement:
    """`lead expr;` (lead like `return `), or `target = expr;` when `target` is set."""

    expr: Expr
    lead: str = ""
    target: str = ""
    block: int = 0  # how many blocks deep inside the function body (each indents 2 more)


@dataclass(frozen=True)
class _Layout:
    lines: tuple[str, ...]  # the first continues the current line; the rest are whole lines
    penalty: int
    breaks: tuple[int, ...]  # where in the one-line text each break falls, for ties

    def key(self) -> tuple:
        return (self.penalty, tuple(-b for b in self.breaks))


@dataclass(frozen=True)
class _Partial:
    """An argument list laid out up to some argument."""

    lines: tuple[str, ...]
    penalty: int
    breaks: tuple[int, ...]
    broken: bool  # this level has a line break (the next one costs no FIRST_BREAK)
    spanned: bool  # the last argument spans lines: the next starts a new one

    def key(self) -> tuple:
        return (self.penalty, tuple(-b for b in self.breaks))


def _excess(end: int) -> int:
    return max(0, end - COLUMNS) * EXCESS


def _end(lines: tuple[str, ...], col: int) -> int:
    """The column after the last character of `lines` laid out from column `col`."""
    return col + len(lines[0]) if len(lines) == 1 else len(lines[-1])


def _keep_best(items: list, slot) -> list:
    """The cheapest item per slot: the only facts a caller's later choices depend on."""
    kept: dict = {}
    for item in items:
        s = slot(item)
        if s not in kept or item.key() < kept[s].key():
            kept[s] = item
    return list(kept.values())


@cache
def _layouts(
    expr: Expr, col: int, indent: int, depth: int, tail: int, offset: int, hang: str
) -> tuple[_Layout, ...]:
    """Layouts of `expr` starting at column `col` and followed by `tail` characters.

    `indent` is where the enclosing argument list starts (a break after this call's `(`
    indents four past it), `depth` the nesting of `expr`'s own tokens, `offset` its place in
    the statement's one-line text; `hang` says whether this call may break after its `(`
    (FREE, NEVER, HUNG) or anywhere at all (FLAT). Every line is charged for its overflow by
    the layout that ends it.
    """
    text = str(expr)
    if isinstance(expr, str) or not expr.args or hang == FLAT:
        return (_Layout((text,), _excess(col + len(text) + tail), ()),)
    head = expr.callee + "("
    inner = depth + 1
    results: list[_Layout] = []
    modes = [False] if hang == NEVER else [False, True]
    for broken in modes:
        if broken:
            arg_col = indent + 4
            cost = NESTING * inner + FIRST_BREAK
            cost += AFTER_OPEN_MANY if len(expr.args) > 1 else AFTER_OPEN_ONE
            cost += _excess(col + len(head))
            start = _Partial((head, " " * arg_col), cost, (offset + len(head),), True, False)
        else:
            arg_col = col + len(head)
            start = _Partial((head,), 0, (), False, False)
        partials = [start]
        arg_offset = offset + len(head)
        for i, arg in enumerate(expr.args):
            last = i == len(expr.args) - 1
            closer = ")" if last else ","
            arg_tail = 1 + tail if last else 1
            extended: list[_Partial] = []
            for p in partials:
                choices = []  # (lines before the argument, penalty, breaks, broken)
                if i == 0:
                    choices.append((p.lines, p.penalty, p.breaks, p.broken))
                else:
                    if not p.spanned:
                        same = p.lines[:-1] + (p.lines[-1] + " ",)
                        choices.append((same, p.penalty, p.breaks, p.broken))
                    cost = NESTING * inner + AFTER_COMMA + (0 if p.broken else FIRST_BREAK)
                    if broken and hang == HUNG:
                        cost += HUNG_BREAK
                    choices.append(
                        (
                            p.lines + (" " * arg_col,),
                            p.penalty + cost,
                            p.breaks + (arg_offset,),
                            True,
                        )
                    )
                for lines, penalty, breaks, level_broken in choices:
                    at = _end(lines, col)
                    sub_indent = arg_col
                    if broken and hang == HUNG:
                        may_hang = FLAT
                    elif len(lines) > 1 and at == arg_col:  # the argument starts a line
                        may_hang = FREE
                    elif i == 0:  # right after this call's `(`, which is not broken
                        may_hang, sub_indent = HUNG, indent
                    else:
                        may_hang = NEVER
                    subs = _layouts(arg, at, sub_indent, inner, arg_tail, arg_offset, may_hang)
                    for sub in subs:
                        joined = lines[:-1] + (lines[-1] + sub.lines[0],) + sub.lines[1:]
                        joined = joined[:-1] + (joined[-1] + closer,)
                        spans = len(sub.lines) > 1
                        extended.append(
                            _Partial(
                                joined,
                                penalty + sub.penalty,
                                breaks + sub.breaks,
                                level_broken or spans,
                                spans,
                            )
                        )
            partials = _keep_best(
                extended,
                lambda p: (len(p.lines) > 1, _end(p.lines, col), p.broken, p.spanned),
            )
            arg_offset += len(str(arg)) + 2
        results += [_Layout(p.lines, p.penalty, p.breaks) for p in partials]
    return tuple(_keep_best(results, lambda r: (len(r.lines) > 1, _end(r.lines, col))))


def _best(layouts) -> _Layout:
    return min(layouts, key=_Layout.key)


def statement_lines(statement: Statement, indent: int) -> list[str]:
    """`statement` as clang-format lays it out at `indent` (Chromium's continuation of 4)."""
    pad = " " * indent
    if statement.target:
        lead = f"{statement.target} = "
        stay = _layouts(statement.expr, indent + len(lead), indent, 1, 1, len(lead), FREE)
        options = [(pad + lead, layout) for layout in stay]
        cost = NESTING + AFTER_ASSIGN + FIRST_BREAK
        rhs = indent + 4
        for layout in _layouts(statement.expr, rhs, rhs, 1, 1, len(lead), FREE):
            moved = _Layout(layout.lines, layout.penalty + cost, (len(lead),) + layout.breaks)
            options.append((f"{pad}{statement.target} =\n{' ' * rhs}", moved))
        prefix, best = min(options, key=lambda o: o[1].key())
    else:
        lead = statement.lead
        prefix = pad + lead
        best = _best(_layouts(statement.expr, indent + len(lead), indent, 1, 1, len(lead), FREE))
    text = prefix + "\n".join(best.lines) + ";"
    return text.split("\n")
