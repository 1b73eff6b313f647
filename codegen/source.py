"""Source text and locations: offsets turned into `file:line:column` when someone asks.

The parser records a location for every AST node; resolving line and column eagerly for all
of them would cost a binary search each, so a `Location` keeps the offset and resolves lazily.
"""

from __future__ import annotations

import bisect


class SourceText:
    """A source file's text with a line index, to turn offsets into line and column."""

    __slots__ = ("path", "text", "_line_starts")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._line_starts: list[int] | None = None

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            pos = find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._line_starts = starts
        return self._line_starts

    def line_column(self, offset: int) -> tuple[int, int]:
        starts = self._starts()
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def location(self, offset: int) -> Location:
        return Location(self, offset)

    def line_text(self, line: int) -> str:
        """The text of 1-based `line`, without its line break."""
        starts = self._starts()
        if not 1 <= line <= len(starts):
            return ""
        start = starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : end if end != -1 else len(self.text)].rstrip("\r")


class Location:
    """A point in a source file; `line` and `column` are 1-based."""

    __slots__ = ("_source", "_offset", "_file", "_line", "_column")

    def __init__(self, source: SourceText | None, offset: int = 0) -> None:
        self._source = source
        self._offset = offset
        self._line = 0

    @classmethod
    def at(cls, file: str, line: int, column: int) -> Location:
        """A location given directly (generated definitions, tests)."""
        loc = cls(None)
        loc._file, loc._line, loc._column = file, line, column
        return loc

    def _resolve(self) -> None:
        source = self._source
        if source is not None and self._line == 0:
            self._line, self._column = source.line_column(self._offset)
            self._file = source.path

    @property
    def file(self) -> str:
        self._resolve()
        return self._file

    @property
    def line(self) -> int:
        self._resolve()
        return self._line

    @property
    def column(self) -> int:
        self._resolve()
        return self._column

    @property
    def source(self) -> SourceText | None:
        return self._source

    @property
    def offset(self) -> int:
        """Offset in the source text (0 for a location given by line and column)."""
        return self._offset

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def __repr__(self) -> str:
        return f"Location({self})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return (self.file, self.line, self.column) == (other.file, other.line, other.column)

    def __hash__(self) -> int:
        return hash((self.file, self.line, self.column))


NOWHERE = Location.at("<generated>", 0, 0)
