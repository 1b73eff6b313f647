"""Diagnostics a person can act on: `path:line:col: error: message`, the line, and a caret.

Every stage (lexer, parser, validation, model) reports through `Diagnostic`, so the CLI
prints them all the same way and never shows a Python traceback for bad input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.source import Location, SourceText


@dataclass(frozen=True)
class Diagnostic:
    """One error or note, anchored at a source location."""

    loc: Location
    message: str
    severity: str = "error"
    source_line: str = ""  # the text of loc.line, for the snippet
    width: int = 1  # how many characters the caret run underlines

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
        source = loc.source or self._sources.get(loc.file)
        line = source.line_text(loc.line) if source else ""
        self.diagnostics.append(Diagnostic(loc, message, "error", line, width))

    def raise_if_errors(self) -> None:
        if self.diagnostics:
            raise IdlError(sorted(self.diagnostics, key=_order))


def _order(d: Diagnostic) -> tuple[str, int, int]:
    return (d.loc.file, d.loc.line, d.loc.column)
