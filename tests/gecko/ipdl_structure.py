"""A small structural reader for the IPDL the gecko target writes (not upstream's parser,
`ipc/ipdl/ipdl/parser.py`, which these tests do not run): `using` imports, `include`s,
namespaces, structs, unions and one protocol with its `parent:`/`child:` messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r'\s+|//[^\n]*|/\*.*?\*/|"[^"]*"|[A-Za-z_]\w*(?:::\w+)*|\[\]|[{}();,:?\[\]<>]', re.S
)
BUILTIN = {
    "bool", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t",
    "uint64_t", "float", "double", "nsCString", "nsString",
}  # fmt: skip


class IpdlSyntaxError(ValueError):
    pass


@dataclass
class Message:
    name: str
    params: list[tuple[str, str]]
    returns: list[tuple[str, str]] | None


@dataclass
class IpdlFile:
    usings: list[str] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    structs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    unions: dict[str, list[str]] = field(default_factory=dict)
    protocol: str | None = None
    parent: list[Message] = field(default_factory=list)
    child: list[Message] = field(default_factory=list)


def tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise IpdlSyntaxError(f"unexpected character {text[pos]!r} at offset {pos}")
        pos = m.end()
        tok = m.group()
        if not tok.isspace() and not tok.startswith(("//", "/*")):
            tokens.append(tok)
    return tokens


class _Reader:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise IpdlSyntaxError(f"expected {expected or 'a token'}, found {tok!r}")
        self.i += 1
        return tok

    def type(self) -> str:
        text = self.take()
        while self.peek() in ("[]", "?"):
            text += self.take()
        return text

    def typed_list(self) -> list[tuple[str, str]]:
        self.take("(")
        items = []
        while self.peek() != ")":
            items.append((self.type(), self.take()))
            if self.peek() == ",":
                self.take(",")
        self.take(")")
        return items


def parse(text: str) -> IpdlFile:
    r, out = _Reader(tokenize(text)), IpdlFile()
    depth = 0
    while r.peek() is not None:
        tok = r.take()
        if tok == "[":  # [MoveOnly] before a using
            while r.take() != "]":
                pass
        elif tok == "using":
            parts = []
            while r.peek() != ";":
                parts.append(r.take())
            r.take(";")
            if "from" not in parts:
                raise IpdlSyntaxError(f"using without from: {parts}")
            out.usings.append(parts[parts.index("from") - 1].rsplit("::", 1)[-1])
        elif tok == "include":
            out.includes.append(r.take())
            r.take(";")
        elif tok == "namespace":
            out.namespaces.append(r.take())
            r.take("{")
            depth += 1
        elif tok == "struct":
            name = r.take()
            r.take("{")
            fields = []
            while r.peek() != "}":
                fields.append((r.type(), r.take()))
                r.take(";")
            r.take("}")
            r.take(";")
            out.structs[name] = fields
        elif tok == "union":
            name = r.take()
            r.take("{")
            arms = []
            while r.peek() != "}":
                arms.append(r.type())
                r.take(";")
            r.take("}")
            r.take(";")
            out.unions[name] = arms
        elif tok == "async" and r.peek() == "protocol":
            r.take("protocol")
            out.protocol = r.take()
            _protocol_body(r, out)
        elif tok == "}":
            depth -= 1
            if depth < 0:
                raise IpdlSyntaxError("unbalanced '}'")
        else:
            raise IpdlSyntaxError(f"unexpected {tok!r}")
    if depth:
        raise IpdlSyntaxError(f"{depth} namespace(s) left open")
    return out


def _protocol_body(r: _Reader, out: IpdlFile) -> None:
    r.take("{")
    section = None
    while r.peek() != "}":
        tok = r.take()
        if tok in ("parent", "child"):
            r.take(":")
            section = getattr(out, tok)
            continue
        if tok != "async" or section is None:
            raise IpdlSyntaxError(f"expected a message in a parent:/child: section, found {tok!r}")
        name = r.take()
        params = r.typed_list()
        returns = None
        if r.peek() == "returns":
            r.take("returns")
            returns = r.typed_list()
        r.take(";")
        section.append(Message(name, params, returns))
    r.take("}")
    r.take(";")
