"""The WebIDL tokenizer, on ply.lex.

Token regular expressions are the ones in the grammar's lexical section (WebIDL §A "Lexical
grammar"). Keywords are recognised after an identifier matches, so `interfaceName` stays an
identifier. A leading `_` escapes a keyword (`_interface` is the identifier `interface`).

`tokenize` returns the whole file's tokens as a list; the parser hands them to ply.yacc and
its error recovery looks back and ahead in that list.
"""

from __future__ import annotations

import ply.lex as lex

# BufferRelatedType: ArrayBuffer, DataView and the typed arrays (WebIDL §2.13.32-34).
BUFFER_TYPES = (
    "ArrayBuffer",
    "SharedArrayBuffer",
    "DataView",
    "Int8Array",
    "Int16Array",
    "Int32Array",
    "Uint8Array",
    "Uint16Array",
    "Uint32Array",
    "Uint8ClampedArray",
    "BigInt64Array",
    "BigUint64Array",
    "Float16Array",
    "Float32Array",
    "Float64Array",
)

# Keyword text -> token type. Every terminal of the grammar that is spelled like an identifier.
KEYWORDS: dict[str, str] = {
    "async": "ASYNC",
    "attribute": "ATTRIBUTE",
    "callback": "CALLBACK",
    "const": "CONST",
    "constructor": "CONSTRUCTOR",
    "deleter": "DELETER",
    "dictionary": "DICTIONARY",
    "enum": "ENUM",
    "getter": "GETTER",
    "includes": "INCLUDES",
    "inherit": "INHERIT",
    "interface": "INTERFACE",
    "iterable": "ITERABLE",
    "maplike": "MAPLIKE",
    "mixin": "MIXIN",
    "namespace": "NAMESPACE",
    "partial": "PARTIAL",
    "readonly": "READONLY",
    "required": "REQUIRED",
    "setlike": "SETLIKE",
    "setter": "SETTER",
    "static": "STATIC",
    "stringifier": "STRINGIFIER",
    "typedef": "TYPEDEF",
    "unrestricted": "UNRESTRICTED",
    "async_iterable": "ASYNC_ITERABLE",
    "async_sequence": "ASYNC_SEQUENCE",
    "FrozenArray": "FROZENARRAY",
    "ObservableArray": "OBSERVABLEARRAY",
    "Promise": "PROMISE",
    "record": "RECORD",
    "sequence": "SEQUENCE",
    "Infinity": "INFINITY",
    "-Infinity": "MINUSINFINITY",
    "NaN": "NAN",
    "true": "TRUE",
    "false": "FALSE",
    "null": "NULL",
    "undefined": "UNDEFINED",
    "or": "OR",
    "optional": "OPTIONAL",
    "any": "ANY",
    "object": "OBJECT",
    "symbol": "SYMBOL",
    "bigint": "BIGINT",
    "boolean": "BOOLEAN",
    "byte": "BYTE",
    "octet": "OCTET",
    "short": "SHORT",
    "long": "LONG",
    "unsigned": "UNSIGNED",
    # One token type per family keeps the grammar small; the value keeps the spelling.
    "float": "FLOATTYPE",
    "double": "FLOATTYPE",
    "ByteString": "STRINGTYPE",
    "DOMString": "STRINGTYPE",
    "USVString": "STRINGTYPE",
    **dict.fromkeys(BUFFER_TYPES, "BUFFERTYPE"),
}

# Keywords the grammar lets stand as an argument name (ArgumentNameKeyword).
ARGUMENT_NAME_KEYWORDS = frozenset(
    """async attribute callback const constructor deleter dictionary enum getter includes
    inherit interface iterable maplike mixin namespace partial readonly required setlike setter
    static stringifier typedef unrestricted""".split()  # noqa: SIM905 - the standard's list, as written there
)

PUNCTUATION = "()[]{}<>=;:,?*.-"

tokens = tuple(sorted(set(KEYWORDS.values()))) + (
    "IDENTIFIER",
    "INTEGER",
    "DECIMAL",
    "STRING",
    "ELLIPSIS",
    "OTHER",
)
literals = PUNCTUATION

_keyword_type = KEYWORDS.get
_punct_type = {ch: ch for ch in PUNCTUATION}.get


# The token rules. ply.lex checks them and joins them into one master regular expression;
# function rules keep their definition order there, so comments win over "/", decimals over
# integers, and an unterminated string or comment is only matched when nothing else is.
# Whitespace and identifiers come first because they are most of the input (each rule tried
# before the one that matches costs time); neither can match where another rule should.
# `tokenize` below does what each rule means (keyword lookup, reporting), per match.


def t_WHITESPACE(t):
    r"[\t\n\r ]+"
    return t


def t_IDENTIFIER(t):
    r"[_-]?[A-Za-z][0-9A-Z_a-z-]*"
    return t


def t_COMMENT(t):
    r"/\*[\s\S]*?\*/|//[^\n]*"
    return t


def t_UNTERMINATED_COMMENT(t):
    r"/\*[\s\S]*"
    return t


def t_DECIMAL(t):
    r"-?(([0-9]+\.[0-9]*|[0-9]*\.[0-9]+)([Ee][+-]?[0-9]+)?|[0-9]+[Ee][+-]?[0-9]+)"
    return t


def t_INTEGER(t):
    r"-?([1-9][0-9]*|0[Xx][0-9A-Fa-f]+|0[0-7]*)"
    return t


def t_STRING(t):
    r'"[^"]*"'
    return t


def t_UNTERMINATED_STRING(t):
    r'"[^"]*'
    # Only reached when STRING failed, i.e. no `"` follows: the string runs to the end of the
    # file. Taking it all (rather than the quote alone) keeps its text from being read as
    # tokens that would each be reported as another, bogus, error.
    return t


def t_PUNCT(t):
    r"\.\.\.|[^\t\n\r 0-9A-Za-z]"
    return t


def t_error(t):  # pragma: no cover - every character matches one of the rules above
    raise AssertionError(f"no WebIDL token rule matches {t.value[0]!r}")


class Token:
    """One token. ply.yacc reads `type`, `value` and `lexpos`; `index` is its place in the file."""

    __slots__ = ("type", "value", "lexpos", "index", "lexer")
    lineno = 0  # ply asks for it; locations come from `lexpos` instead

    def __init__(self, type_: str, value: str, lexpos: int, index: int) -> None:
        self.type = type_
        self.value = value
        self.lexpos = lexpos
        self.index = index


class SyntheticToken(Token):
    """A token the parser's error repair put in (a missing `;`, say): not in the text."""

    __slots__ = ()


_RULES: tuple | None = None


def _rules() -> tuple:
    """ply's master regular expression for the rules above, and group index -> rule name.

    ply.lex validates the rules and builds the alternation in the order the lexical grammar
    needs; `tokenize` then runs that expression over the whole text in one pass instead of
    calling ply's per-token `token()`, which is several times slower on the web platform's IDL.
    """
    global _RULES
    if _RULES is None:
        import sys

        built = lex.lex(module=sys.modules[__name__])
        ((regex, index_to_rule),) = built.lexre
        names: list[str | None] = [None] * (regex.groups + 1)
        for i, entry in enumerate(index_to_rule):
            if entry is not None and entry[0] is not None:
                names[i] = entry[0].__name__[2:]  # t_IDENTIFIER -> IDENTIFIER
        _RULES = (regex, names)
    return _RULES


def tokenize(text: str, report, doc_comments: list) -> list[Token]:
    """All tokens of `text`. Lexical errors go to `report(offset, message, width)`.

    Both lexical errors (an unterminated string or comment) take the rest of the file, so
    after one the tokens stop early: the parser need not report the end of file it then sees.

    The rules match every character (PUNCT takes whatever nothing else does), so the matches
    of `finditer` tile the text with no gaps.
    """
    regex, names = _rules()
    tokens: list[Token] = []
    append = tokens.append
    keyword = _keyword_type
    punct = _punct_type
    for m in regex.finditer(text):
        name = names[m.lastindex]
        if name == "WHITESPACE":
            continue
        value = m.group()
        if name == "IDENTIFIER":
            append(Token(keyword(value, "IDENTIFIER"), value, m.start(), len(tokens)))
        elif name == "PUNCT":
            kind = punct(value, "OTHER") if value != "..." else "ELLIPSIS"
            append(Token(kind, value, m.start(), len(tokens)))
        elif name == "COMMENT":
            if value.startswith("/**") and value != "/**/":  # `/**/` is an empty comment
                doc_comments.append((m.start(), m.end(), value))
        elif name == "UNTERMINATED_COMMENT":
            report(m.start(), "unterminated comment: '/*' has no closing '*/'", 2)
        elif name == "UNTERMINATED_STRING":
            report(m.start(), "unterminated string: '\"' has no closing '\"'", 1)
        else:  # DECIMAL, INTEGER, STRING
            append(Token(name, value, m.start(), len(tokens)))
    return tokens
