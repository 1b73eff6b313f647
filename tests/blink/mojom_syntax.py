"""A checker for the mojom grammar subset the generator writes, with the upstream parser's
rules as facts (`mojo/public/tools/mojom/mojom/parse/parser.py` upstream): module, imports,
enums, structs, unions, interfaces with `@ordinal` methods and `=> (...)` responses.

The upstream parser itself cannot run here: tests have no network, and upstream code is not
committed. So this checks the same productions, plus what mojom's translate step rejects:
unknown type names, duplicate definitions, fields and method ordinals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(
    r"\s*(?://[^\n]*|(?P<t>=>|[A-Za-z_][A-Za-z0-9_.]*|\d+|\"[^\"]*\"|[{}()<>;,=@?\[\]]))"
)
BUILTIN = {
    "bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
    "float", "double", "string", "handle",
}  # fmt: skip


class MojomError(Exception):
    pass


@dataclass
class Module:
    name: str = ""
    imports: list[str] = field(default_factory=list)
    definitions: dict[str, str] = field(default_factory=dict)  # name -> kind
    used: list[str] = field(default_factory=list)
    methods: dict[str, dict[int, str]] = field(default_factory=dict)


def tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise MojomError(f"unexpected character at {pos}: {text[pos : pos + 20]!r}")
        if m.group("t"):
            tokens.append(m.group("t"))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.t, self.i, self.module = tokens, 0, Module()

    def peek(self) -> str:
        return self.t[self.i] if self.i < len(self.t) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if not token or (expected is not None and token != expected):
            raise MojomError(f"expected {expected!r}, found {token!r} (token {self.i})")
        self.i += 1
        return token

    def name(self) -> str:
        token = self.take()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
            raise MojomError(f"expected a name, found {token!r}")
        return token

    def parse(self) -> Module:
        self.take("module")
        self.module.name = self.take()
        self.take(";")
        while self.peek() == "import":
            self.take()
            self.module.imports.append(self.take().strip('"'))
            self.take(";")
        while self.peek():
            kind = self.take()
            name = self.name()
            if name in self.module.definitions:
                raise MojomError(f"{name} is defined twice")
            self.module.definitions[name] = kind
            {"enum": self.enum, "struct": self.fields, "union": self.fields}.get(
                kind, self.interface
            )(name) if kind in ("enum", "struct", "union", "interface") else self.fail(kind)
            self.take(";")
        return self.module

    def fail(self, kind: str) -> None:
        raise MojomError(f"unknown definition kind {kind!r}")

    def enum(self, name: str) -> None:
        self.take("{")
        values = set()
        while self.peek() != "}":
            value = self.name()
            if value in values:
                raise MojomError(f"{name}.{value} twice")
            values.add(value)
            if self.peek() == "=":
                self.take()
                self.take()
            if self.peek() != "}":
                self.take(",")
        self.take("}")

    def type(self) -> None:
        base = self.take()
        if base in ("array", "map", "pending_receiver", "pending_remote"):
            self.take("<")
            self.type()
            if base == "map":
                self.take(",")
                self.type()
            self.take(">")
        else:
            self.module.used.append(base)
        if self.peek() == "?":
            self.take()

    def ordinal(self) -> int | None:
        if self.peek() != "@":
            return None
        self.take()
        return int(self.take())

    def fields(self, name: str) -> None:
        self.take("{")
        seen = set()
        while self.peek() != "}":
            self.type()
            field_name = self.name()
            if field_name in seen:
                raise MojomError(f"{name}.{field_name} twice")
            seen.add(field_name)
            self.ordinal()
            self.take(";")
        self.take("}")

    def parameters(self) -> None:
        self.take("(")
        while self.peek() != ")":
            self.type()
            self.name()
            if self.peek() != ")":
                self.take(",")
        self.take(")")

    def interface(self, name: str) -> None:
        self.take("{")
        ordinals = self.module.methods.setdefault(name, {})
        while self.peek() != "}":
            method = self.name()
            number = self.ordinal()
            if number is not None:
                if number in ordinals:
                    raise MojomError(f"{name}: ordinal @{number} twice")
                ordinals[number] = method
            self.parameters()
            if self.peek() == "=>":
                self.take()
                self.parameters()
            self.take(";")
        self.take("}")


def parse_mojom(text: str) -> Module:
    """Parse and check `text`; raises MojomError naming the first problem."""
    module = _Parser(tokenize(text)).parse()
    for used in module.used:
        if used in BUILTIN or used in module.definitions:
            continue
        if used.startswith("mojo_base.mojom.") and module.imports:
            continue
        raise MojomError(f"unknown type {used}")
    return module
