"""GN list assignments spelled the way `gn format` writes them, so generated BUILD.gn and
.gni files pass `gn format --dry-run` without a formatter run: an empty or one-item list on
one line, a longer one an item a line with a trailing comma (gn's own rule, see
`tools/gn/src/gn/command_format.cc` upstream)."""

from __future__ import annotations


def gn_list(name: str, items: list[str], indent: int = 0, op: str = "=") -> str:
    """`name = [ "a" ]` or the multi-line form, without a trailing newline."""
    pad = " " * indent
    quoted = [f'"{item}"' for item in items]
    if len(quoted) <= 1:
        return f"{pad}{name} {op} [ {' '.join(quoted)} ]" if quoted else f"{pad}{name} {op} []"
    body = "".join(f"{pad}  {q},\n" for q in quoted)
    return f"{pad}{name} {op} [\n{body}{pad}]"
