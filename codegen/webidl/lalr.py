"""The LALR automaton: ply's tables for the grammar, the parser objects that run them, and
trial runs of a parser from where it stands.

The tables are generated into `codegen/webidl/generated/parsetab.pickle` (checked in,
drift-tested; ply's pickle format, protocol 0, so it is text and loads in milliseconds where a
Python table module costs a tenth of a second to compile when no bytecode cache is written).
If the grammar changed and they are stale, they are rebuilt in memory and a warning says how
to regenerate them.

This is the bottom layer of the parser: it knows the grammar and ply, and nothing of how
errors are worded or recovered from. The error messages (which tokens could come next) and
error repair (which fix lets the parse read on) both ask it the same question, `progress`.
"""

from __future__ import annotations

import copy
import pickle
import types
import warnings
from collections.abc import Callable
from pathlib import Path

import ply.yacc as yacc

from codegen.webidl import lexer as lexmod
from codegen.webidl.grammar import definitions, extended_attributes, members
from codegen.webidl.grammar import types as type_grammar
from codegen.webidl.lexer import Token

GENERATED_DIR = Path(__file__).parent / "generated"
TABLE_FILE = GENERATED_DIR / "parsetab.pickle"

_GRAMMAR_MODULES = (definitions, members, type_grammar, extended_attributes)

SyntaxErrorHook = Callable[[Token | None], Token | None]


def _grammar_namespace(on_syntax_error: SyntaxErrorHook | None = None) -> types.SimpleNamespace:
    """Every production of every grammar module, plus what ply.yacc looks up by name.

    `on_syntax_error` becomes ply's `p_error`. The tables do not depend on it (ply leaves it
    out of their signature), so building them needs none.
    """
    ns: dict[str, object] = {}
    for module in _GRAMMAR_MODULES:
        for name, value in vars(module).items():
            if name.startswith("p_") and callable(value):
                ns[name] = value
    ns["tokens"] = lexmod.tokens + ("ARGUMENTS_START",)
    ns["start"] = "Start"
    ns["p_error"] = on_syntax_error
    ns["__file__"] = definitions.__file__
    return types.SimpleNamespace(**ns)


def build_tables(path: Path) -> None:
    """Run LALR table generation and write the tables to `path`."""
    yacc.yacc(
        module=_grammar_namespace(),
        picklefile=str(path),
        write_tables=False,
        debug=False,
        errorlog=yacc.NullLogger(),
    )


def grammar_conflicts() -> list[str]:
    """The shift/reduce and reduce/reduce conflicts LALR generation finds (none, by design).

    ply resolves a conflict silently (shift wins), which would quietly change what parses; a
    test keeps this list empty and `python -m codegen.webidl.tables --conflicts` prints it.
    """
    lines: list[str] = []

    class _Log(yacc.NullLogger):
        def warning(self, msg, *args, **_):
            text = msg % args if args else msg
            if "conflict" in text:
                lines.append(text)

    grammar = yacc.Grammar(lexmod.tokens + ("ARGUMENTS_START",))
    info = yacc.ParserReflect(vars(_grammar_namespace()), log=yacc.NullLogger())
    info.get_all()
    info.validate_pfunctions()  # this is what turns the docstrings into `info.grammar`
    for funcname, gram in info.grammar:
        file, line, prodname, syms = gram
        grammar.add_production(prodname, syms, funcname, file, line)
    grammar.set_start("Start")
    grammar.build_lritems()
    grammar.compute_first()
    grammar.compute_follow()
    table = yacc.LRGeneratedTable(grammar, "LALR", _Log())
    for state, tok, resolution in table.sr_conflicts:
        lines.append(f"shift/reduce conflict in state {state} on {tok} (resolved as {resolution})")
    for state, rule, rejected in table.rr_conflicts:
        lines.append(f"reduce/reduce conflict in state {state}: {rule} vs {rejected}")
    return sorted(set(lines))


class ParserPool:
    """The parser objects, one per nesting level, loaded from the tables on first use.

    An extended attribute's argument list is parsed while its file's parse is under way, and
    ply keeps per-parse state on the parser object; so each nesting level has its own object,
    all sharing one set of tables. The error hook is the parser module's: it is handed in
    rather than imported, so that this module stays below the ones that report and recover.
    """

    def __init__(self, on_syntax_error: SyntaxErrorHook) -> None:
        self._on_syntax_error = on_syntax_error
        self._parsers: list[yacc.LRParser] = []

    def at_depth(self, depth: int) -> yacc.LRParser:
        """The parser for nesting `depth`."""
        parsers = self._parsers
        while len(parsers) <= depth:
            if not parsers:
                parsers.append(_with_default_reductions(_load_parser(self._on_syntax_error)))
            else:
                parsers.append(copy.copy(parsers[0]))
        return parsers[depth]


def _load_parser(on_syntax_error: SyntaxErrorHook) -> yacc.LRParser:
    ns = _grammar_namespace(on_syntax_error)
    try:
        stale = yacc.LRTable().read_pickle(str(TABLE_FILE)) != _signature(ns)
    except (OSError, ValueError, EOFError, pickle.UnpicklingError):
        stale = True
    if not stale:
        return yacc.yacc(
            module=ns,
            picklefile=str(TABLE_FILE),
            write_tables=False,
            debug=False,
            optimize=True,
            errorlog=yacc.NullLogger(),
        )
    # ply would quietly rebuild (and rewrite a checked-in file); build in memory and say so.
    warnings.warn(
        "the checked-in WebIDL parse tables are stale; rebuilding them in memory. "
        "Regenerate them with: python -m codegen.webidl.tables",
        stacklevel=3,
    )
    return yacc.yacc(
        module=ns,
        tabmodule="codegen.webidl.generated.no_such_table_module",
        write_tables=False,
        debug=False,
        errorlog=yacc.NullLogger(),
    )


def _with_default_reductions(parser: yacc.LRParser) -> yacc.LRParser:
    """Reduce without reading the next token wherever only one rule can be reduced.

    ply does so only in states with a single lookahead. Doing it in every state whose actions
    are all the same reduction (the usual LR default reduction) accepts the same language, and
    it finishes an error rule (`Members : Members error ';'`) as soon as its `;` is shifted:
    otherwise a token that cannot follow the recovered construct is thrown away unreported
    while ply is still in recovery mode, and the next independent error goes unseen.

    A state with a goto is left alone: it stays on the stack under what follows it, so error
    recovery can pop back to it, and ply takes a default reduction even when the lookahead is
    `error`: it would reduce, fail, pop back and reduce again, for ever.
    """
    defaults = dict(parser.defaulted_states)
    goto = parser.goto
    for state, actions in parser.action.items():
        rules = set(actions.values())
        if len(rules) == 1 and not goto.get(state):
            (rule,) = rules
            if rule < 0:
                defaults[state] = rule
    parser.defaulted_states = defaults
    return parser


def _signature(ns: types.SimpleNamespace) -> str:
    info = yacc.ParserReflect(vars(ns), log=yacc.NullLogger())
    info.get_all()
    return info.signature()


# --- trial runs ------------------------------------------------------------------------------


def accepts(parser: yacc.LRParser, kinds: list[str]) -> bool:
    """Whether the parser, as it stands, would take tokens of these types in turn."""
    return progress(parser, kinds) == len(kinds)


def progress(parser: yacc.LRParser, kinds: list[str], states: list[int] | None = None) -> int:
    """How many tokens of these types in turn the parser would take.

    It starts from its state stack as it stands, or from `states`. The end of the file
    (`$end`) is taken when the parse would then be complete.
    """
    actions, goto, productions = parser.action, parser.goto, parser.productions
    stack = list(parser.statestack if states is None else states)
    for taken, kind in enumerate(kinds):
        while True:
            action = actions[stack[-1]].get(kind)
            if action is None:
                return taken
            if action == 0:  # accept: only `$end` gets here
                return taken + 1
            if action > 0:
                stack.append(action)
                break
            production = productions[-action]
            if production.len:
                del stack[-production.len :]
            stack.append(goto[stack[-1]][production.name])
    return len(kinds)
