"""Doc comments: each `/** ... */` belongs to the definition or member right after it.

The tokenizer records every doc comment's offsets; a node's location is its name token. A
comment documents the first node after it, provided only that node's own leading words (its
extended attributes, keywords and type) stand between them: no `;`, `{` or `}`, which would
mean the comment sat at the end of a body or before something that is not a node.
"""

from __future__ import annotations

import bisect
import re

from codegen.webidl import ast

_CONTINUATION = re.compile(r"^\s*\* ?", re.MULTILINE)
_BREAKS = frozenset(";{}")


def clean(comment: str) -> str:
    """`/** A\n * B */` -> "A\nB": no delimiters, no leading stars, no common indent."""
    first, *rest = comment[3:-2].split("\n")
    lines = [first.strip(), *(_CONTINUATION.sub("", line, count=1) for line in rest)]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip() for line in lines)


def _documented_nodes(idl: ast.IdlFile):
    for d in idl.definitions:
        yield d
        yield from getattr(d, "members", ())
        yield from getattr(d, "values", ())


class DocComments:
    """Maps nodes to their doc comment's text, file by file."""

    def __init__(self, files: list[ast.IdlFile]) -> None:
        self._docs: dict[int, str] = {}
        for idl in files:
            if idl.doc_comments:
                self._attach(idl)

    def _attach(self, idl: ast.IdlFile) -> None:
        nodes = sorted(_documented_nodes(idl), key=lambda n: n.loc.offset)
        offsets = [n.loc.offset for n in nodes]
        text = nodes[0].loc.source.text if nodes and nodes[0].loc.source else ""
        for _start, end, comment in idl.doc_comments:
            i = bisect.bisect_left(offsets, end)
            if i == len(nodes):
                continue
            between = text[end : offsets[i]]
            if _BREAKS.isdisjoint(between) and "/*" not in between:
                self._docs[id(nodes[i])] = clean(comment)

    def for_node(self, node) -> str:
        return self._docs.get(id(node), "")
