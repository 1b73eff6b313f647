"""The WebIDL parser: ply.yacc over the grammar modules, with error reporting and recovery.

`parse(text, path)` returns an `IdlFile` or raises `IdlError` with every syntax error it
could find. After an error the parser skips to the end of the broken member (the `;` inside a
body) or definition (the `;` at top level, stepping over a `{...}` body) and carries on, so
one run reports independent errors, not the echoes of the first one.

The LALR tables are generated into `codegen/webidl/generated/parsetab.pickle` (checked in,
drift-tested; ply's pickle format, protocol 0, so it is text and loads in milliseconds where a
Python table module costs a tenth of a second to compile when no bytecode cache is written). If the grammar changed and they are stale, they are rebuilt in memory and a
warning says how to regenerate them.
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
from codegen.webidl.lexer import Token, tokenize

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
            _PARSERS.append(_load_parser())
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


def _expected(parser: yacc.LRParser) -> list[str]:
    """What the parser could have accepted here, for the message."""
    actions = parser.action[parser.state]
    names = {_DISPLAY.get(t, f"'{t}'") for t in actions if t not in ("error", "ARGUMENTS_START")}
    return sorted(names)


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _on_syntax_error(tok: Token | None) -> None:
    parser = _ACTIVE[-1]
    session = parser.session
    if session.quiet:
        session.failed = True
        return
    if tok is None:
        session.report(len(session.source.text), _message("end of file", parser))
        return
    if tok.value == "void":
        message = "`void` is not a WebIDL type: write `undefined`"
    else:
        found = f"string {tok.value}" if tok.type == "STRING" else f"'{tok.value}'"
        message = _message(found, parser)
    session.report(tok.lexpos, message, len(tok.value) if tok.value else 1)
    session.resynchronise(parser, tok)


def _message(found: str, parser: yacc.LRParser) -> str:
    expected = _expected(parser)
    if expected and len(expected) <= _MAX_EXPECTED:
        return f"unexpected {found}; expected {_or_list(expected)}"
    return f"unexpected {found}"


_ACTIVE: list[yacc.LRParser] = []
_SENTINELS = 4  # ply may ask for a token again after the end while it recovers


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
        self.failed = False
        self.doc_comments: list[tuple[int, int, str]] = []
        self.tokens = tokenize(source.text, self.report, self.doc_comments)
        self._pending: list[Token | None] = [None] * _SENTINELS + self.tokens[::-1]
        self.token = self._pending.pop

    # Reporting, for grammar actions (p.lexer is this object) and the error handler.
    def report(self, offset: int, message: str, width: int = 1) -> None:
        self.sink.error(self.source.location(offset), message, width)

    def report_at(self, where: Location, message: str, width: int = 1) -> None:
        self.sink.error(where, message, width)

    def classify(self, tokens: list[Token]):
        return extended_attributes.classify(tokens, self._token_location, self._arguments)

    def _token_location(self, tok: Token) -> Location:
        return self.source.location(tok.lexpos)

    def _arguments(self, tokens: list[Token]) -> list[Argument] | None:
        stream = _ArgumentStream(tokens, self)
        result = _run(stream)
        return None if stream.failed or result is None else result

    def resynchronise(self, parser: yacc.LRParser, tok: Token) -> None:
        """Skip to the end of the broken member or definition.

        WebIDL bodies (`{...}` of interfaces, dictionaries, enums...) only occur at top level,
        so a body's members sit at bracket depth 1. Inside a body, skip to the next `;` at
        depth 1, or stop before the `}` closing the body and push a `;` so the member-level
        error rule can complete. At top level, skip to the `;` ending the definition, stepping
        over any `{...}`. Inside an enum, skip to its `}`.

        ply discards the offending token after shifting `error`, so when the offending token
        is itself the end of the construct it is handed out again.
        """
        context = _error_context(parser.symstack)
        target = 0 if context == "top" else 1
        depth = _depth(self.tokens, tok.index)
        pending = self._pending
        if _ends_construct(tok, depth, target, context):
            # ply re-reads `tok` after shifting `error`: `;` (and an enum's `}`) complete the
            # error rule; a body's `}` does not, so put `;` and `}` in front of what follows.
            if tok.type == "}" and context == "body":
                pending.append(tok)
                pending.append(_synthetic(tok, ";"))
            return
        while len(pending) > _SENTINELS:
            if tok.type in _OPEN:
                depth += 1
            elif tok.type in _CLOSE and depth:
                depth -= 1
            tok = pending.pop()
            if _ends_construct(tok, depth, target, context):
                pending.append(tok)
                if tok.type == "}" and context == "body":
                    pending.append(_synthetic(tok, ";"))
                return


_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")


def _depth(tokens: list[Token], index: int) -> int:
    """Bracket depth before `tokens[index]`."""
    depth = 0
    for tok in tokens[:index]:
        if tok.type in _OPEN:
            depth += 1
        elif tok.type in _CLOSE and depth:
            depth -= 1
    return depth


def _ends_construct(tok: Token, depth: int, target: int, context: str) -> bool:
    if tok.type == ";":
        return context != "enum" and depth <= target
    return tok.type == "}" and context != "top" and depth <= target


def _error_context(symstack: list) -> str:
    """Where the error is: in a member "body", in an "enum" body, or at "top" level."""
    for i in range(len(symstack) - 1, 0, -1):
        if symstack[i].type == "{":
            after = symstack[i + 1].type if i + 1 < len(symstack) else ""
            if after in ("Members", "Fields"):
                return "body"
            if after in ("EnumValues", "") and i >= 2 and symstack[i - 2].type == "ENUM":
                return "enum"
    return "top"


def _synthetic(like: Token, type_: str) -> Token:
    return Token(type_, type_, like.lexpos, like.index)


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
        session.report(len(source.text), "unexpected end of file")
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
