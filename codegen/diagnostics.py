"""Diagnostics a person can act on: `path:line:col: error: message`, the line, and a caret.

Every stage (lexer, parser, validation, model) reports through `Diagnostic`, so the CLI
prints them all the same way and never shows a Python traceback for bad input.

Two severities: an *error* is IDL the generator rejects; a *warning* is IDL that breaks a rule
of the WebIDL standard but that browsers ship anyway (the web platform's own IDL does), so it
is reported, never silently accepted, yet does not stop generation. Only errors fail a stage
(`DiagnosticSink.has_errors`, `raise_if_errors`); `--werror` turns warnings into errors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from codegen.source import Location, SourceText

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning, anchored at a source location."""

    loc: Location
    message: str
    severity: str = ERROR  # ERROR or WARNING
    source_line: str = ""  # the text of loc.line, for the snippet
    width: int = 1  # how many characters the caret run underlines

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def format(self) -> str:
        if self.loc.line == 0:  # about a whole file (cannot read it, ...)
            return f"{self.loc.file}: {self.severity}: {self.message}"
        head = f"{self.loc}: {self.severity}: {self.message}"
        if not self.source_line:
            return head
        # Expand tabs the same way in the line and the caret's indent so the caret lines up.
        prefix = self.source_line[: self.loc.column - 1]
        indent = "".join("\t" if ch == "\t" else " " for ch in prefix)
        width = max(1, min(self.width, len(self.source_line) - len(prefix)))
        return f"{head}\n{self.source_line}\n{indent}{'^' * width}"


@dataclass
class IdlError(Exception):
    """Raised when a stage found errors; carries every diagnostic it collected."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)


class DiagnosticSink:
    """Collects diagnostics; resolves a node's location back to its source line for the snippet."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self._sources: dict[str, SourceText] = {}

    def add_source(self, source: SourceText) -> None:
        self._sources[source.path] = source

    def error(self, loc: Location, message: str, width: int = 1) -> None:
        self._add(loc, message, ERROR, width)

    def warning(self, loc: Location, message: str, width: int = 1) -> None:
        self._add(loc, message, WARNING, width)

    def _add(self, loc: Location, message: str, severity: str, width: int) -> None:
        source = loc.source or self._sources.get(loc.file)
        line = source.line_text(loc.line) if source else ""
        self.diagnostics.append(Diagnostic(loc, message, severity, line, width))

    @property
    def has_errors(self) -> bool:
        return any(d.severity == ERROR for d in self.diagnostics)

    def treat_warnings_as_errors(self) -> None:
        """Make every warning collected so far an error (`--werror`), saying so in its message."""
        self.diagnostics = [
            d
            if d.is_error
            else dataclasses.replace(d, severity=ERROR, message=f"{d.message} [--werror]")
            for d in self.diagnostics
        ]

    def raise_if_errors(self) -> None:
        """Raise `IdlError` with every diagnostic (warnings too, for context) if any is an error."""
        if self.has_errors:
            raise IdlError(sorted(self.diagnostics, key=_order))


def summary(diagnostics: Iterable[Diagnostic]) -> str:
    """`2 errors, 11 warnings`, `1 error`, `3 warnings`; a count of zero is left out ("" if
    there is nothing to count)."""
    errors = warnings = 0
    for d in diagnostics:
        if d.is_error:
            errors += 1
        else:
            warnings += 1
    parts = [
        f"{n} {word}{'s' if n != 1 else ''}"
        for n, word in ((errors, ERROR), (warnings, WARNING))
        if n
    ]
    return ", ".join(parts)


def _order(d: Diagnostic) -> tuple[str, int, int]:
    return (d.loc.file, d.loc.line, d.loc.column)
