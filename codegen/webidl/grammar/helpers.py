"""What every grammar module needs: source locations and identifier unescaping."""

from __future__ import annotations

from codegen.source import Location


def loc(p, i: int) -> Location:
    """The location of terminal `i` of production `p`."""
    return Location(p.lexer.source, p.slice[i].lexpos)


def unescape(identifier: str) -> str:
    """`_interface` names `interface`: a leading underscore escapes a keyword (WebIDL §2.1)."""
    return identifier[1:] if identifier[0] == "_" else identifier
