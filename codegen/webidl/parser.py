"""The WebIDL parser: ply.yacc over the grammar modules, with error reporting and recovery.

`parse(text, path)` returns an `IdlFile` or raises `IdlError` with every syntax error it
could find. After an error the parser first tries to mend a one-token slip (a missing `;` or
`}`, one punctuation mark for another) by checking which repair lets it read on; failing that,
it skips to the end of the broken member (the `;` inside a body) or definition (the `;` at top
level, stepping over a `{...}` body) and carries on. Either way one run reports independent
errors, not the echoes of the first one.

The LALR tables are generated into `codegen/webidl/generated/parsetab.pickle` (checked in,
drift-tested; ply's pickle format, protocol 0, so it is text and loads in milliseconds where a
Python table module costs a tenth of a second to compile when no bytecode cache is written).
If the grammar changed and they are stale, they are rebuilt in memory and a warning says how
to regenerate them.
"""

from __future__ import annotations

import copy
import pickle
import types
import warnings
from pathlib import Path

import ply.yacc as yacc

from codegen.diagnostics import DiagnosticSink, IdlError
from codegen.source import SourceText
from codegen.webidl import lexer as lexmod
from codegen.webidl.ast import Argument, IdlFile, Location
from codegen.webidl.grammar import definitions, extended_attributes, members
from codegen.webidl.grammar import types as type_grammar
from codegen.webidl.lexer import SyntheticToken, Token, tokenize

GENERATED_DIR = Path(__file__).parent / "generated"
TABLE_FILE = GENERATED_DIR / "parsetab.pickle"

_GRAMMAR_MODULES = (definitions, members, type_grammar, extended_attributes)


def _grammar_namespace() -> types.SimpleNamespace:
    """Every production of every grammar module, plus what ply.yacc looks up by name."""
    ns: dict[str, object] = {}
    for module in _GRAMMAR_MODULES:
        for name, value in vars(module).items():
            if name.startswith("p_") and callable(value):
                ns[name] = value
    ns["tokens"] = lexmod.tokens + ("ARGUMENTS_START",)
    ns["start"] = "Start"
    ns["p_error"] = _on_syntax_error
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


_PARSERS: list[yacc.LRParser] = []


def _parser(depth: int) -> yacc.LRParser:
    """The parser for nesting `depth`.

    An extended attribute's argument list is parsed while its file's parse is under way, and
    ply keeps per-parse state on the parser object; so each nesting level has its own object,
    all sharing one set of tables.
    """
    while len(_PARSERS) <= depth:
        if not _PARSERS:
            _PARSERS.append(_with_default_reductions(_load_parser()))
        else:
            _PARSERS.append(copy.copy(_PARSERS[0]))
    return _PARSERS[depth]


def _load_parser() -> yacc.LRParser:
    ns = _grammar_namespace()
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


# --- error messages --------------------------------------------------------------------------

_DISPLAY = {v: f"'{k}'" for k, v in lexmod.KEYWORDS.items()}
_DISPLAY.update(
    IDENTIFIER="an identifier",
    INTEGER="an integer",
    DECIMAL="a decimal number",
    STRING="a string",
    ELLIPSIS="'...'",
    OTHER="a symbol",
    FLOATTYPE="'float' or 'double'",
    STRINGTYPE="a string type",
    BUFFERTYPE="a buffer type",
)
_DISPLAY["$end"] = "end of file"
_MAX_EXPECTED = 6

# The tokens that can start a type (inside a union, all but `any` and `Promise`).
_TYPE_START = frozenset(
    [
        "IDENTIFIER",
        "STRINGTYPE",
        "BUFFERTYPE",
        "OBJECT",
        "SYMBOL",
        "UNDEFINED",
        "BOOLEAN",
        "BYTE",
        "OCTET",
        "BIGINT",
        "FLOATTYPE",
        "UNRESTRICTED",
        "UNSIGNED",
        "SHORT",
        "LONG",
        "SEQUENCE",
        "ASYNC_SEQUENCE",
        "FROZENARRAY",
        "OBSERVABLEARRAY",
        "RECORD",
        "ANY",
        "PROMISE",
        "(",
    ]
)
_MEMBER_KEYWORDS = frozenset(
    [
        "ATTRIBUTE",
        "CONST",
        "CONSTRUCTOR",
        "GETTER",
        "SETTER",
        "DELETER",
        "STATIC",
        "STRINGIFIER",
        "READONLY",
        "INHERIT",
        "ITERABLE",
        "ASYNC_ITERABLE",
        "MAPLIKE",
        "SETLIKE",
        "ASYNC",
    ]
)
_DEFINITION_KEYWORDS = frozenset(
    ["CALLBACK", "DICTIONARY", "ENUM", "INTERFACE", "NAMESPACE", "PARTIAL", "TYPEDEF"]
)
_CONST_VALUES = frozenset(
    ["TRUE", "FALSE", "INTEGER", "DECIMAL", "INFINITY", "MINUSINFINITY", "NAN"]
)
_DEFAULT_VALUES = _CONST_VALUES | {"STRING", "NULL", "UNDEFINED", "[", "{"}
_EXT_ATTR_TOKENS = frozenset(
    t.strip("'") for t in extended_attributes.OTHER_TOKENS + ("'('", "'['", "'{'")
)

# A long list of what the parser could accept reads badly; these name the groups it is made
# of. (label, tokens that must all be acceptable for the label to apply, tokens it stands for)
# The order matters: argument names include every definition keyword, for instance.
_GROUPS = (
    (
        "an argument name",
        frozenset({"IDENTIFIER", "ATTRIBUTE", "CALLBACK", "INTERFACE"}),
        frozenset({"IDENTIFIER"}) | {lexmod.KEYWORDS[k] for k in lexmod.ARGUMENT_NAME_KEYWORDS},
    ),
    ("a definition", _DEFINITION_KEYWORDS, _DEFINITION_KEYWORDS | {"IDENTIFIER", "["}),
    (
        "a member",
        frozenset({"ATTRIBUTE", "CONST", "READONLY"}),
        _MEMBER_KEYWORDS | _TYPE_START | {"["},
    ),
    (
        "a dictionary member",
        frozenset({"REQUIRED", "IDENTIFIER", "STRINGTYPE"}),
        _TYPE_START | {"REQUIRED", "["},
    ),
    (
        "an argument",
        frozenset({"OPTIONAL", "IDENTIFIER", "STRINGTYPE", "["}),
        _TYPE_START | {"OPTIONAL", "["},
    ),
    ("a type", frozenset({"IDENTIFIER", "STRINGTYPE", "SEQUENCE"}), _TYPE_START | {"["}),
    # A constant's type: a primitive type or a name.
    ("a type", frozenset({"IDENTIFIER", "BOOLEAN", "UNSIGNED", "UNRESTRICTED"}), _TYPE_START),
    ("a default value", frozenset({"NULL", "UNDEFINED", "TRUE"}), _DEFAULT_VALUES),
    ("a number or boolean", frozenset({"TRUE", "INTEGER", "NAN"}), _CONST_VALUES),
)
# Inside an extended attribute almost any token may come next.
_EXT_ATTR_ONLY = frozenset({"=", "*", "INTEGER", "ELLIPSIS", "OTHER"})
_CLOSER = {"(": ")", "[": "]", "{": "}"}


def _acceptable(parser: yacc.LRParser) -> list[str]:
    """The tokens the parser could shift next, as a sorted list of token types.

    The LALR tables merge states, so the current state's action row can list tokens that only
    some other context allows; trying each one's reductions on the real state stack (as
    Bison's LAC does) keeps just the tokens that would really be shifted.
    """
    return sorted(
        t
        for t in parser.action[parser.state]
        if t not in ("error", "ARGUMENTS_START") and _accepts(parser, [t])
    )


def _expected(parser: yacc.LRParser) -> list[str]:
    """What the parser could have accepted here, for the message: groups, then tokens."""
    remaining = set(_acceptable(parser))
    if remaining >= _EXT_ATTR_ONLY:
        return _expected_in_extended_attribute(parser.symstack, remaining)
    labels = []
    for label, required, covers in _GROUPS:
        if required <= remaining:
            remaining -= covers
            labels.append(label)
    names = {_DISPLAY.get(t, f"'{t}'") for t in remaining}
    end = ["end of file"] if "end of file" in names else []
    quoted = sorted(n for n in names if n.startswith("'"))
    described = sorted(n for n in names if not n.startswith("'") and n != "end of file")
    return labels + quoted + described + end


def _expected_in_extended_attribute(symstack: list, acceptable: set[str]) -> list[str]:
    """Inside `[...]` nearly any token may follow: say what would close it, or start one."""
    for i in range(len(symstack) - 1, 0, -1):
        sym = symstack[i]
        if sym.type in _CLOSER and isinstance(sym, Token):
            after = symstack[i + 1].type if i + 1 < len(symstack) else ""
            if after == "ExtAttrInner":  # an open bracket inside the attribute
                return [f"'{_CLOSER[sym.type]}'"]
            break
    if "]" in acceptable:
        return ["','", "']'"]
    return ["an extended attribute"]


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


class _NotAnArgumentList(Exception):
    """An extended attribute's tokens are not an argument list (see `_ArgumentStream`)."""


def _on_syntax_error(tok: Token | None) -> Token | None:
    """ply's error hook: report the error, then repair or recover.

    Returning a token after `errok()` makes ply carry on with it as the next token; returning
    None lets ply's own recovery run (pop to a state that shifts `error`, then the grammar's
    error rules), for which `resynchronise` has lined up the tokens.
    """
    parser = _ACTIVE[-1]
    session = parser.session
    if session.quiet:
        raise _NotAnArgumentList
    if tok is None:
        # After an unterminated string or comment the tokens stop early; that error says why.
        if session.truncated:
            return None
        message = _message("end of file", parser)
        bracket = _innermost_unclosed(session.tokens)
        if bracket is not None:
            where = session.source.location(bracket.lexpos)
            message += f" (the '{bracket.value}' at {where.line}:{where.column} is not closed)"
        session._report_syntax_error(session.end_offset(), message)
    else:
        session.report_syntax_error(parser, tok)
        if len(parser.statestack) <= 1:
            # An error at the very first token: ply cannot shift `error` in its start state,
            # and would drop tokens unreported until three were shifted. Skip the broken
            # definition here instead, and hand ply the token after it.
            parser.errok()
            return session.skip_definition(tok)
    repair = session.repair(parser, tok)
    if repair is not None:
        parser.errok()
        return repair
    if tok is not None:
        session.resynchronise(parser, tok)
    return None


def _message(found: str, parser: yacc.LRParser) -> str:
    expected = _expected(parser)
    if expected and len(expected) <= _MAX_EXPECTED:
        return f"unexpected {found}; expected {_or_list(expected)}"
    return f"unexpected {found}"


_ACTIVE: list[yacc.LRParser] = []
_SENTINELS = 4  # ply may ask for a token again after the end while it recovers

# Symbols after which an identifier starts a definition, member or dictionary member.
_STARTS = frozenset({"Definitions", "Members", "Fields"})
_MATCHING = {")": "(", "]": "[", "}": "{"}


class ParseSession:
    """One file's parse: its tokens (as ply's lexer), diagnostics and error recovery.

    ply calls `token()` once per token; it is `list.pop` on the reversed token list, so
    handing out a token costs no Python frame, and error recovery can skip ahead or push a
    token back with `pop` and `append`.
    """

    quiet = False

    def __init__(self, source: SourceText, sink: DiagnosticSink) -> None:
        self.source = source
        self.sink = sink
        self.truncated = False  # a lexical error took the rest of the file
        self._syntax_errors: set[tuple[int, int]] = set()  # (line, column) of each
        self.doc_comments: list[tuple[int, int, str]] = []
        self.tokens = tokenize(source.text, self._lexical_error, self.doc_comments)
        self._pending: list[Token | None] = [None] * _SENTINELS + self.tokens[::-1]
        self.token = self._pending.pop
        # Open brackets before token `_scanned`, kept between errors (see `_brackets_before`).
        self._scanned = 0
        self._open: list[str] = []

    # Reporting, for grammar actions (p.lexer is this object) and the error handler. A grammar
    # action's complaint at a token where a syntax error was already reported (a union left
    # with one member by a repair, say) is an echo of that error, and is dropped.
    def report(self, offset: int, message: str, width: int = 1) -> None:
        self.report_at(self.source.location(offset), message, width)

    def report_at(self, where: Location, message: str, width: int = 1) -> None:
        if (where.line, where.column) not in self._syntax_errors:
            self.sink.error(where, message, width)

    def _report_syntax_error(self, offset: int, message: str, width: int = 1) -> None:
        where = self.source.location(offset)
        self._syntax_errors.add((where.line, where.column))
        self.sink.error(where, message, width)

    def _lexical_error(self, offset: int, message: str, width: int) -> None:
        self.truncated = True
        self.report(offset, message, width)

    def end_offset(self) -> int:
        """Where an "unexpected end of file" points: just after the last token.

        That is where the missing text goes, and unlike the end of the text (often an empty
        last line) it has a source line to show.
        """
        if self.tokens:
            last = self.tokens[-1]
            return last.lexpos + len(last.value)
        return len(self.source.text)

    def report_syntax_error(self, parser: yacc.LRParser, tok: Token) -> None:
        symstack = parser.symstack
        previous = symstack[-1]
        if tok.type == "]" and previous.type == "[" and isinstance(previous, Token):
            width = tok.lexpos + 1 - previous.lexpos
            self._report_syntax_error(
                previous.lexpos, "an extended attribute list cannot be empty", width
            )
            return
        word = self.tokens[tok.index - 1] if tok.index > 0 else None
        if (
            word is not None
            and word.type == "IDENTIFIER"
            and previous.type in ("IDENTIFIER", "Type")  # the word, perhaps taken as a type
            and len(symstack) > 2
        ):
            before = symstack[-2].type
            if before == "ExtendedAttributeList" and len(symstack) > 3:
                before = symstack[-3].type
            if before in _STARTS:
                hint = _misspelt_keyword(parser, word.value, tok)
                if hint:
                    message = f"'{word.value}' is not a keyword; did you mean '{hint}'?"
                    self._report_syntax_error(word.lexpos, message, len(word.value))
                    return
        found = f"string {tok.value}" if tok.type == "STRING" else f"'{tok.value}'"
        width = len(tok.value) if tok.value else 1
        self._report_syntax_error(tok.lexpos, _message(found, parser), width)

    def classify(self, tokens: list[Token]):
        return extended_attributes.classify(tokens, self._token_location, self._arguments)

    def _token_location(self, tok: Token) -> Location:
        return self.source.location(tok.lexpos)

    def _arguments(self, tokens: list[Token]) -> list[Argument] | None:
        stream = _ArgumentStream(tokens, self)
        try:
            result = _run(stream)
        except _NotAnArgumentList:
            return None
        return None if stream.failed or result is None else result

    # --- error recovery ----------------------------------------------------------------------

    def _brackets_before(self, index: int) -> list[str]:
        """The brackets still open before `tokens[index]`, outermost first.

        A closing bracket closes the innermost opening one of its kind, and with it any left
        open inside (so a `}` still ends a body after a stray `(`); a closing bracket with no
        match is ignored. Errors come in token order, so the scan carries on from the last.
        """
        if index < self._scanned:
            self._scanned, self._open = 0, []
        stack = self._open
        for tok in self.tokens[self._scanned : index]:
            kind = tok.type
            if kind in _OPENING:
                stack.append(kind)
            elif kind in _MATCHING:
                _close(stack, kind)
        self._scanned = max(self._scanned, index)
        return list(stack)

    def skip_definition(self, tok: Token) -> Token | None:
        """Skip to the `;` ending the definition `tok` is in; the token after it (or None)."""
        stack = self._brackets_before(tok.index)
        pending = self._pending
        while tok.type != ";" or stack:
            if len(pending) <= _SENTINELS:
                return None
            _step(stack, tok)
            tok = pending.pop()
        return pending.pop() if len(pending) > _SENTINELS else None

    def repair(self, parser: yacc.LRParser, tok: Token | None) -> Token | None:
        """Mend a one-token slip by pretending the right token was there, if that fits.

        The usual slips are a `;` left out after a member or definition, a body's `}` left
        out before the next definition, or one punctuation mark typed for another. Each
        candidate (insert tokens before the offending one, or replace it) is tried on the
        parser's state stack against the tokens that follow; the one that gets furthest wins,
        if it gets at least a few tokens past the slip (as Burke and Fisher's repair does).
        Return the first token for ply to carry on with, having put the rest back: nothing is
        skipped, so what follows the slip is neither lost nor reported again.
        """
        if not self.tokens:
            return None
        pending = self._pending
        after = []  # the types of the tokens after `tok`, up to the end of the file
        if tok is not None:
            for i in range(1, _REPAIR_WINDOW + 1):
                t = pending[-i]
                after.append(t.type if t is not None else "$end")
                if t is None:
                    break
        offending = tok.type if tok is not None else "$end"
        candidates = [(inserted, True) for inserted in _INSERTIONS]
        if tok is not None:
            candidates += [([kind], False) for kind in _REPLACEMENTS if kind != tok.type]
        best, best_beyond = None, -1
        for tokens, keep in candidates:
            through = tokens + [offending] if keep else tokens
            kinds = through + after
            progress = _progress(parser, kinds)
            beyond = progress - len(through)  # how many of the tokens after `tok` it took
            if beyond < 0 or (progress < len(kinds) and beyond < _REPAIR_MINIMUM):
                continue
            if beyond > best_beyond:
                best, best_beyond = (tokens, keep), beyond
        if best is None:
            return None
        tokens, keep = best
        like = tok if tok is not None else self.tokens[-1]
        if keep and tok is not None:
            pending.append(tok)
        for kind in reversed(tokens[1:]):
            pending.append(_synthetic(like, kind))
        return _synthetic(like, tokens[0])

    def resynchronise(self, parser: yacc.LRParser, tok: Token) -> None:
        """Skip to the end of the broken member or definition.

        ply pops its stacks back to the innermost state that can shift `error`: a member list
        ("body"), an enum's braces ("enum") or the definition list ("top"). In a body, skip to
        the next `;` directly inside the body's braces, or stop before the `}` closing the body
        and put a `;` in front of it so the member-level error rule can complete. At top level,
        skip to the `;` ending the definition, stepping over any `{...}` (to the `};`, if the
        broken part is the header of a definition with a body). In an enum, skip to its `}`.

        ply discards the offending token after shifting `error`, so when the offending token
        is itself the end of the construct it is handed out again.
        """
        context = _error_context(parser)
        stack = self._brackets_before(tok.index)
        body = stack.index("{") if context != "top" and "{" in stack else -1
        pending = self._pending
        if body >= 0 and tok.type in _DEFINITION_KEYWORDS and _after_member_attributes(parser):
            # `[Exposed=Window] interface B` where a member should start: the body's `}` is
            # missing (without the extended attributes, `repair` would have put it in).
            # Close the body there; the definition is parsed without its attributes.
            pending.append(tok)
            pending.append(_synthetic(tok, ";"))
            pending.append(_synthetic(tok, "}"))
            pending.append(_synthetic(tok, ";"))
            return
        # A definition with a body whose header is broken ends at `};`, not at the first `;`
        # (which may well be its first member's, if the `{` is what is missing).
        until_brace = context == "top" and _header_of_body(parser.symstack, tok)
        if tok.type == "{" and context == "body":
            # A `{` never starts anything inside a member: a stray one, not a bracket to match.
            tok.type = "SKIPPED"
        first = tok
        previous = None
        while True:
            if (
                tok.type == ";"
                and context != "enum"
                and len(stack) == body + 1
                and (not until_brace or (previous is not None and previous.type == "}"))
            ):
                if tok is not first:
                    pending.append(tok)
                return
            if tok.type == "}" and body >= 0 and "{" not in stack[body + 1 :]:
                # The body's `}`: an enum's error rule takes it; a member list needs a `;`
                # first (and a re-read `}` would be thrown away, so hand it out again).
                if context == "body":
                    pending.append(tok)
                    pending.append(_synthetic(tok, ";"))
                elif tok is not first:
                    pending.append(tok)
                return
            if tok is first and tok.type == (";" if context != "enum" else "}"):
                # Not the end after all (a `;` inside parentheses, say): make sure ply throws
                # the re-read token away instead of finishing the error rule with it.
                tok.type = "SKIPPED"
            if len(pending) <= _SENTINELS:
                return
            _step(stack, tok)
            previous = tok
            tok = pending.pop()


_OPENING = frozenset("([{")


def _close(stack: list[str], kind: str) -> None:
    opener = _MATCHING[kind]
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] == opener:
            del stack[i:]
            return


def _innermost_unclosed(tokens: list[Token]) -> Token | None:
    """The last bracket of `tokens` left open (matched as `_brackets_before` does)."""
    stack: list[Token] = []
    for tok in tokens:
        kind = tok.type
        if kind in _OPENING:
            stack.append(tok)
        elif kind in _MATCHING:
            opener = _MATCHING[kind]
            for i in range(len(stack) - 1, -1, -1):
                if stack[i].type == opener:
                    del stack[i:]
                    break
    return stack[-1] if stack else None


def _step(stack: list[str], tok: Token) -> None:
    """Update the open-bracket `stack` past `tok`."""
    kind = tok.type
    if kind in _OPENING:
        stack.append(kind)
    elif kind in _MATCHING:
        _close(stack, kind)


def _error_context(parser: yacc.LRParser) -> str:
    """Where ply's recovery will resume: in a member "body", an "enum" body, or at "top" level.

    ply pops states until `error` can be taken (reducing first where the tables say so, as
    for an empty member list), then shifts it. The symbol it is shifted after says which of
    the grammar's error rules it is: `Members error ';'`, `Fields error ';'`,
    `ENUM IDENTIFIER '{' error '}' ';'` or `Definitions error ';'`.
    """
    actions, goto, productions = parser.action, parser.goto, parser.productions
    defaulted = parser.defaulted_states
    states = parser.statestack
    symbols = [s.type for s in parser.symstack]
    for top in range(len(states) - 1, 0, -1):
        if "error" not in actions[states[top]]:
            continue  # popped straight away (deep stacks have many of these: skip the copy)
        st, sy = states[: top + 1], symbols[: top + 1]
        while True:
            action = defaulted.get(st[-1]) or actions[st[-1]].get("error")
            if action is None:
                break
            if action > 0:
                kind = sy[-1]
                if kind in ("Members", "Fields"):
                    return "body"
                return "enum" if kind == "{" else "top"
            production = productions[-action]
            if production.len:
                del st[-production.len :], sy[-production.len :]
            st.append(goto[st[-1]][production.name])
            sy.append(production.name)
    return "top"


def _accepts(parser: yacc.LRParser, kinds: list[str]) -> bool:
    """Whether the parser, as it stands, would take tokens of these types in turn."""
    return _progress(parser, kinds) == len(kinds)


def _progress(parser: yacc.LRParser, kinds: list[str], states: list[int] | None = None) -> int:
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


# What `ParseSession.repair` tries, in order (earlier ones win ties): tokens to insert before
# the offending one, and tokens to put in its place. A repair must let the parser take the
# offending token (or its replacement) and this many more, or reach the end of the file.
_INSERTIONS = ([";"], ["}"], ["}", ";"], [")"], [">"], [","], ["IDENTIFIER"], ["INTEGER"])
_REPLACEMENTS = (";", "}", ")", "(", "=", ",", "IDENTIFIER", "INTEGER")
_REPAIR_MINIMUM = 3
_REPAIR_WINDOW = 16

_BODY_KEYWORDS = frozenset(["INTERFACE", "DICTIONARY", "ENUM", "NAMESPACE", "PARTIAL"])


def _after_member_attributes(parser: yacc.LRParser) -> bool:
    """Whether the parser has just read the extended attributes of a member to come."""
    symstack = parser.symstack
    return (
        len(symstack) > 2
        and symstack[-1].type == "ExtendedAttributeList"
        and symstack[-2].type in ("Members", "Fields", "{")
    )


def _header_of_body(symstack: list, tok: Token) -> bool:
    """Whether the error is in the header of a definition that has a `{...}` body."""
    for i in range(len(symstack)):
        if symstack[i].type == "Definitions":
            rest = [s.type for s in symstack[i + 1 :]]
            break
    else:
        return False
    if rest and rest[0] == "ExtendedAttributeList":
        rest = rest[1:]
    if not rest:
        return False  # the offending token starts the definition: nothing known about it
    if "{" in rest:
        return False  # past the header
    return (
        rest[0] in _BODY_KEYWORDS
        or rest[:2] == ["CALLBACK", "INTERFACE"]
        or (rest == ["CALLBACK"] and tok.type == "INTERFACE")
    )


def _misspelt_keyword(parser: yacc.LRParser, word: str, tok: Token) -> str | None:
    """The keyword that the identifier `word`, the parser's top symbol, probably misspells.

    One close in spelling to `word`, that the parser would have taken there followed by the
    offending token `tok`: `atribute long x;` but not `GLboolean }` (a type, then a slip).
    """
    import difflib  # only ever needed for an error, so not imported with the parser

    close = difflib.get_close_matches(word, _WORD_KEYWORDS, n=3, cutoff=0.75)
    before = parser.statestack[:-1]  # the word is the top symbol (as itself or as a Type)
    for keyword in close:
        if _progress(parser, [lexmod.KEYWORDS[keyword], tok.type], before) == 2:
            return keyword
    return None


_WORD_KEYWORDS = [k for k in lexmod.KEYWORDS if k[0].isalpha()]


def _synthetic(like: Token, type_: str) -> Token:
    """A token of type `type_` put in by error repair, where `like` is."""
    return SyntheticToken(type_, _SYNTHETIC_VALUES.get(type_, type_), like.lexpos, like.index)


# What a repaired file's AST shows where repair put in a name or a number.
_SYNTHETIC_VALUES = {"IDENTIFIER": "<missing>", "INTEGER": "0"}


class _ArgumentStream:
    """Feeds an extended attribute's tokens back through the parser as an argument list.

    The grammar's start symbol has a second alternative, `ARGUMENTS_START ArgumentList`, so
    the same tables parse `[LegacyFactoryFunction=Image(unsigned long w)]`'s arguments.
    Errors here are not reported: tokens that are not an argument list are simply the
    general ("balanced") form of extended attribute.
    """

    quiet = True

    def __init__(self, tokens: list[Token], session: ParseSession) -> None:
        start = Token("ARGUMENTS_START", "", tokens[0].lexpos if tokens else 0, -1)
        self._pending = [None] * _SENTINELS + [start, *tokens][::-1]
        self.token = self._pending.pop
        self.session = session
        self.failed = False

    def report(self, offset: int, message: str, width: int = 1) -> None:
        self.failed = True

    def report_at(self, where: Location, message: str, width: int = 1) -> None:
        self.failed = True

    def classify(self, tokens: list[Token]):
        return self.session.classify(tokens)

    @property
    def source(self) -> SourceText:
        return self.session.source


def _run(stream) -> object:
    parser = _parser(len(_ACTIVE))
    parser.session = stream
    _ACTIVE.append(parser)
    try:
        return parser.parse(lexer=stream, tracking=False)
    finally:
        _ACTIVE.pop()


def parse_into(source: SourceText, sink: DiagnosticSink) -> IdlFile:
    """Parse one file, adding any syntax errors to `sink` (which is not raised)."""
    sink.add_source(source)
    before = len(sink.diagnostics)
    session = ParseSession(source, sink)
    try:
        result = _run(session)
    except RecursionError:
        session.report(0, "the file nests too deeply to parse")
        result = None
    if result is None and len(sink.diagnostics) == before:
        session.report(session.end_offset(), "unexpected end of file")
    return IdlFile(source.path, result or [], session.doc_comments)


def parse(text: str, path: str = "<string>") -> IdlFile:
    """Parse one file's text; raise `IdlError` listing every syntax error found."""
    sink = DiagnosticSink()
    result = parse_into(SourceText(path, text), sink)
    sink.raise_if_errors()
    return result


def parse_file(path: str | Path) -> IdlFile:
    return parse(Path(path).read_text(encoding="utf-8"), str(path))


__all__ = ["IdlError", "build_tables", "parse", "parse_file", "parse_into"]
