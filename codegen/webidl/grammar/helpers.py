"""What every grammar module needs: source locations and identifier unescaping."""

from __future__ import annotations

from codegen.source import Location


def loc(p, i: int) -> Location:
    """The location of terminal `i` of production `p`."""
    return Location(p.lexer.source, p.slice[i].lexpos)
