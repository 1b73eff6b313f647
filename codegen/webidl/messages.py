"""What a syntax error message says: the offending token, and what could have come instead.

The parser's tables know which tokens may come next; a message lists them the way a reader
thinks of them ("expected a member or '}'", not two dozen keywords), points at a misspelt
keyword rather than at the token after it, and says nothing of what was expected when the
list would be too long to help. Kept apart from recovery so that the wording can change
without touching how the parse carries on, and the other way round.
"""

from __future__ import annotations

import ply.yacc as yacc

from codegen.webidl import lexer as lexmod
from codegen.webidl.lalr import accepts, progress
from codegen.webidl.lexer import Token

_DISPLAY = {v: f"'{k}'" for k, v in lexmod.KEYWORDS.items()}
_DISPLAY.update(
    IDENTIFIER="an identifier",
    INTEGER="an integer",
    DECIMAL="a decimal number",
    STRING="a string",
    ELLIPSIS="'...'",
    OTHER="a symbol",
    FLOATTYPE="'float' or 'double'",
    STRINGTYPE="a string type",
    BUFFERTYPE="a buffer type",
)
_DISPLAY["$end"] = "end of file"
_MAX_EXPECTED = 6

# The tokens that can start a type (inside a union, all but `any` and `Promise`).
_TYPE_START = frozenset(
    [
        "IDENTIFIER",
        "STRINGTYPE",
        "BUFFERTYPE",
        "OBJECT",
        "SYMBOL",
        "UNDEFINED",
        "BOOLEAN",
        "BYTE",
        "OCTET",
        "BIGINT",
        "FLOATTYPE",
        "UNRESTRICTED",
        "UNSIGNED",
        "SHORT",
        "LONG",
        "SEQUENCE",
        "ASYNC_SEQUENCE",
        "FROZENARRAY",
        "OBSERVABLEARRAY",
        "RECORD",
        "ANY",
        "PROMISE",
        "(",
    ]
)
_MEMBER_KEYWORDS = frozenset(
    [
        "ATTRIBUTE",
        "CONST",
        "CONSTRUCTOR",
        "GETTER",
        "SETTER",
        "DELETER",
        "STATIC",
        "STRINGIFIER",
        "READONLY",
        "INHERIT",
        "ITERABLE",
        "ASYNC_ITERABLE",
        "MAPLIKE",
        "SETLIKE",
        "ASYNC",
    ]
)
# The keywords that start a definition (error recovery also uses them, to spot a definition
# where a member should be).
DEFINITION_KEYWORDS = frozenset(
    ["CALLBACK", "DICTIONARY", "ENUM", "INTERFACE", "NAMESPACE", "PARTIAL", "TYPEDEF"]
)
_CONST_VALUES = frozenset(
    ["TRUE", "FALSE", "INTEGER", "DECIMAL", "INFINITY", "MINUSINFINITY", "NAN"]
)
_DEFAULT_VALUES = _CONST_VALUES | {"STRING", "NULL", "UNDEFINED", "[", "{"}

# A long list of what the parser could accept reads badly; these name the groups it is made
# of. (label, tokens that must all be acceptable for the label to apply, tokens it stands for)
# The order matters: argument names include every definition keyword, for instance.
_GROUPS = (
    (
        "an argument name",
        frozenset({"IDENTIFIER", "ATTRIBUTE", "CALLBACK", "INTERFACE"}),
        frozenset({"IDENTIFIER"}) | {lexmod.KEYWORDS[k] for k in lexmod.ARGUMENT_NAME_KEYWORDS},
    ),
    ("a definition", DEFINITION_KEYWORDS, DEFINITION_KEYWORDS | {"IDENTIFIER", "["}),
    (
        "a member",
        frozenset({"ATTRIBUTE", "CONST", "READONLY"}),
        _MEMBER_KEYWORDS | _TYPE_START | {"["},
    ),
    (
        "a dictionary member",
        frozenset({"REQUIRED", "IDENTIFIER", "STRINGTYPE"}),
        _TYPE_START | {"REQUIRED", "["},
    ),
    (
        "an argument",
        frozenset({"OPTIONAL", "IDENTIFIER", "STRINGTYPE", "["}),
        _TYPE_START | {"OPTIONAL", "["},
    ),
    ("a type", frozenset({"IDENTIFIER", "STRINGTYPE", "SEQUENCE"}), _TYPE_START | {"["}),
    # A constant's type: a primitive type or a name.
    ("a type", frozenset({"IDENTIFIER", "BOOLEAN", "UNSIGNED", "UNRESTRICTED"}), _TYPE_START),
    ("a default value", frozenset({"NULL", "UNDEFINED", "TRUE"}), _DEFAULT_VALUES),
    ("a number or boolean", frozenset({"TRUE", "INTEGER", "NAN"}), _CONST_VALUES),
)
# Inside an extended attribute almost any token may come next.
_EXT_ATTR_ONLY = frozenset({"=", "*", "INTEGER", "ELLIPSIS", "OTHER"})
_CLOSER = {"(": ")", "[": "]", "{": "}"}

# Symbols after which an identifier starts a definition, member or dictionary member.
_STARTS = frozenset({"Definitions", "Members", "Fields"})


def describe_syntax_error(
    parser: yacc.LRParser, tok: Token, tokens: list[Token]
) -> tuple[int, str, int]:
    """What to report for the offending token `tok`: (offset, message, width).

    Usually "unexpected `tok`", pointing at it; but an empty `[]` is named as such, and an
    identifier just before `tok` that is a keyword misspelt is pointed at instead. `tokens`
    are the file's tokens, in which `tok.index` is the offending token's place.
    """
    symstack = parser.symstack
    previous = symstack[-1]
    if tok.type == "]" and previous.type == "[" and isinstance(previous, Token):
        width = tok.lexpos + 1 - previous.lexpos
        return previous.lexpos, "an extended attribute list cannot be empty", width
    word = tokens[tok.index - 1] if tok.index > 0 else None
    if (
        word is not None
        and word.type == "IDENTIFIER"
        and previous.type in ("IDENTIFIER", "Type")  # the word, perhaps taken as a type
        and len(symstack) > 2
    ):
        before = symstack[-2].type
        if before == "ExtendedAttributeList" and len(symstack) > 3:
            before = symstack[-3].type
        if before in _STARTS:
            hint = _misspelt_keyword(parser, word.value, tok)
            if hint:
                message = f"'{word.value}' is not a keyword; did you mean '{hint}'?"
                return word.lexpos, message, len(word.value)
    found = f"string {tok.value}" if tok.type == "STRING" else f"'{tok.value}'"
    width = len(tok.value) if tok.value else 1
    return tok.lexpos, unexpected(found, parser), width


def unexpected(found: str, parser: yacc.LRParser) -> str:
    """The message for an unexpected `found`, with what could have come instead if it is short."""
    expected = _expected(parser)
    if expected and len(expected) <= _MAX_EXPECTED:
        return f"unexpected {found}; expected {_or_list(expected)}"
    return f"unexpected {found}"


def _acceptable(parser: yacc.LRParser) -> list[str]:
    """The tokens the parser could shift next, as a sorted list of token types.

    The LALR tables merge states, so the current state's action row can list tokens that only
    some other context allows; trying each one's reductions on the real state stack (as
    Bison's LAC does) keeps just the tokens that would really be shifted.
    """
    return sorted(
        t
        for t in parser.action[parser.state]
        if t not in ("error", "ARGUMENTS_START") and accepts(parser, [t])
    )


def _expected(parser: yacc.LRParser) -> list[str]:
    """What the parser could have accepted here, for the message: groups, then tokens."""
    remaining = set(_acceptable(parser))
    if remaining >= _EXT_ATTR_ONLY:
        return _expected_in_extended_attribute(parser.symstack, remaining)
    labels = []
    for label, required, covers in _GROUPS:
        if required <= remaining:
            remaining -= covers
            labels.append(label)
    names = {_DISPLAY.get(t, f"'{t}'") for t in remaining}
    end = ["end of file"] if "end of file" in names else []
    quoted = sorted(n for n in names if n.startswith("'"))
    described = sorted(n for n in names if not n.startswith("'") and n != "end of file")
    return labels + quoted + described + end


def _expected_in_extended_attribute(symstack: list, acceptable: set[str]) -> list[str]:
    """Inside `[...]` nearly any token may follow: say what would close it, or start one."""
    for i in range(len(symstack) - 1, 0, -1):
        sym = symstack[i]
        if sym.type in _CLOSER and isinstance(sym, Token):
            after = symstack[i + 1].type if i + 1 < len(symstack) else ""
            if after == "ExtAttrInner":  # an open bracket inside the attribute
                return [f"'{_CLOSER[sym.type]}'"]
            break
    if "]" in acceptable:
        return ["','", "']'"]
    return ["an extended attribute"]


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _misspelt_keyword(parser: yacc.LRParser, word: str, tok: Token) -> str | None:
    """The keyword that the identifier `word`, the parser's top symbol, probably misspells.

    One close in spelling to `word`, that the parser would have taken there followed by the
    offending token `tok`: `atribute long x;` but not `GLboolean }` (a type, then a slip).
    """
    import difflib  # only ever needed for an error, so not imported with the parser

    close = difflib.get_close_matches(word, _WORD_KEYWORDS, n=3, cutoff=0.75)
    before = parser.statestack[:-1]  # the word is the top symbol (as itself or as a Type)
    for keyword in close:
        if progress(parser, [lexmod.KEYWORDS[keyword], tok.type], before) == 2:
            return keyword
    return None


_WORD_KEYWORDS = [k for k in lexmod.KEYWORDS if k[0].isalpha()]
