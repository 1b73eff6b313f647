"""The WebIDL parser: one file's tokens through ply.yacc, with its syntax errors reported.

`parse(text, path)` returns an `IdlFile` or raises `IdlError` with every syntax error it
could find; `parse_into` adds them to a sink instead. A syntax error is reported here and
then handed to error recovery (`recovery`), which mends a one-token slip or skips the broken
member or definition, so that one run reports independent errors, not the echoes of the
first one.

The rest of the parser is layered below this module, each layer using only those under it:
`recovery` (how the parse carries on), `messages` (what an error says) and `lalr` (the
tables, the ply parser objects, and trial runs of them).
"""

from __future__ import annotations

from pathlib import Path

import ply.yacc as yacc

from codegen.diagnostics import DiagnosticSink, IdlError
from codegen.source import SourceText
from codegen.webidl.ast import Argument, IdlFile, Location
from codegen.webidl.grammar import extended_attributes
from codegen.webidl.lalr import ParserPool
from codegen.webidl.lexer import Token, tokenize
from codegen.webidl.messages import describe_syntax_error, unexpected
from codegen.webidl.recovery import SENTINELS, ErrorRecovery, innermost_unclosed


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
        message = unexpected("end of file", parser)
        bracket = innermost_unclosed(session.tokens)
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
            return session.recovery.skip_definition(tok)
    repair = session.recovery.repair(parser, tok)
    if repair is not None:
        parser.errok()
        return repair
    if tok is not None:
        session.recovery.resynchronise(parser, tok)
    return None


# The parsers in use, innermost last: ply's error hook is not told which parser called it.
_ACTIVE: list[yacc.LRParser] = []
_PARSERS = ParserPool(_on_syntax_error)


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
        self._pending: list[Token | None] = [None] * SENTINELS + self.tokens[::-1]
        self.token = self._pending.pop
        self.recovery = ErrorRecovery(self.tokens, self._pending)

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
        self._report_syntax_error(*describe_syntax_error(parser, tok, self.tokens))

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
        self._pending = [None] * SENTINELS + [start, *tokens][::-1]
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
    parser = _PARSERS.at_depth(len(_ACTIVE))
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


__all__ = ["IdlError", "parse", "parse_file", "parse_into"]
