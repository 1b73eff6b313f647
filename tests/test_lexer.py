"""The WebIDL tokenizer (`codegen.webidl.lexer`): every token kind, comments, lexical errors.

Token rules are those of the standard's lexical grammar (WebIDL §A "Lexical grammar");
keywords are identifiers looked up after the match.
"""

from __future__ import annotations

import pytest

from codegen.webidl import lexer
from codegen.webidl.lexer import ARGUMENT_NAME_KEYWORDS, KEYWORDS, Token, tokenize


class Lexed:
    """The result of tokenizing one text: tokens, lexical errors and doc comments."""

    def __init__(self, text: str) -> None:
        self.errors: list[tuple[int, str, int]] = []
        self.doc_comments: list[tuple[int, int, str]] = []
        self.tokens: list[Token] = tokenize(
            text,
            lambda offset, message, width: self.errors.append((offset, message, width)),
            self.doc_comments,
        )

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(t.type, t.value) for t in self.tokens]


def lex(text: str) -> list[tuple[str, str]]:
    """(type, value) of each token; fails on a lexical error."""
    result = Lexed(text)
    assert result.errors == []
    return result.pairs


def one(text: str) -> tuple[str, str]:
    (pair,) = lex(text)
    return pair


# --- identifiers and keywords -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["foo", "Foo", "x", "foo_bar", "foo-bar", "a1", "A-9_z", "_escaped", "-foo", "_a", "-B"],
)
def test_identifier(text):
    assert one(text) == ("IDENTIFIER", text)


@pytest.mark.parametrize("keyword", sorted(KEYWORDS))
def test_every_keyword_is_its_own_token(keyword):
    assert one(keyword) == (KEYWORDS[keyword], keyword)


@pytest.mark.parametrize("keyword", sorted(k for k in KEYWORDS if k[0].isalpha()))
def test_keyword_prefix_or_suffix_makes_an_identifier(keyword):
    # `interfaceName`, `longer`, `myinterface`: the whole word is matched, then looked up.
    assert one(keyword + "Name") == ("IDENTIFIER", keyword + "Name")
    assert one(keyword + "-x") == ("IDENTIFIER", keyword + "-x")
    assert one("my" + keyword) == ("IDENTIFIER", "my" + keyword)


@pytest.mark.parametrize("keyword", sorted(k for k in KEYWORDS if k[0].isalpha()))
def test_underscore_escapes_a_keyword(keyword):
    # The token keeps its underscore; the grammar strips it from names (WebIDL §2.1).
    assert one("_" + keyword) == ("IDENTIFIER", "_" + keyword)


def test_keyword_families_keep_their_spelling():
    assert lex("float double") == [("FLOATTYPE", "float"), ("FLOATTYPE", "double")]
    assert lex("ByteString DOMString USVString") == [
        ("STRINGTYPE", "ByteString"),
        ("STRINGTYPE", "DOMString"),
        ("STRINGTYPE", "USVString"),
    ]


@pytest.mark.parametrize(
    "name",
    [
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
    ],
)
def test_every_buffer_type(name):
    assert one(name) == ("BUFFERTYPE", name)


def test_infinity_and_minus_infinity():
    assert lex("Infinity -Infinity NaN") == [
        ("INFINITY", "Infinity"),
        ("MINUSINFINITY", "-Infinity"),
        ("NAN", "NaN"),
    ]
    # Longer words are identifiers, and `- Infinity` is two tokens.
    assert one("-Infinityx") == ("IDENTIFIER", "-Infinityx")
    assert lex("- Infinity") == [("-", "-"), ("INFINITY", "Infinity")]


def test_case_matters():
    assert one("Interface") == ("IDENTIFIER", "Interface")
    assert one("domstring") == ("IDENTIFIER", "domstring")
    assert one("infinity") == ("IDENTIFIER", "infinity")


def test_every_keyword_type_is_a_declared_token():
    assert set(KEYWORDS.values()) <= set(lexer.tokens)
    assert {KEYWORDS[k] for k in ARGUMENT_NAME_KEYWORDS} <= set(lexer.tokens)


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "7",
        "42",
        "1234567890",
        "-1",
        "-42",
        "0x0",
        "0x1F",
        "0XaBcD",
        "-0x10",
        "00",
        "017",
        "-017",
        "0777",
    ],
)
def test_integer(text):
    assert one(text) == ("INTEGER", text)


def test_integer_octal_stops_at_a_non_octal_digit():
    # The lexical grammar's `0[0-7]*` takes `0`; `8` starts the next token (longest match).
    assert lex("08") == [("INTEGER", "0"), ("INTEGER", "8")]
    assert lex("0x") == [("INTEGER", "0"), ("IDENTIFIER", "x")]


@pytest.mark.parametrize(
    "text",
    [
        "1.5",
        "0.0",
        ".5",
        "5.",
        "-.5",
        "-1.5",
        "1e10",
        "1E10",
        "1e+10",
        "1e-10",
        "1.5e3",
        ".5E-3",
        "-2.5e+3",
        "5.e2",
        "-1e9",
    ],
)
def test_decimal(text):
    assert one(text) == ("DECIMAL", text)


def test_decimal_exponent_needs_digits():
    assert lex("1.5e") == [("DECIMAL", "1.5"), ("IDENTIFIER", "e")]
    assert lex("1e") == [("INTEGER", "1"), ("IDENTIFIER", "e")]


def test_minus_before_a_number_is_part_of_it():
    assert lex("-5 - 5") == [("INTEGER", "-5"), ("-", "-"), ("INTEGER", "5")]


# --- strings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ['""', '"abc"', '"with spaces"', '"a\nb"', '"\\"', '"it\'s"', '"/* not a comment */"']
)
def test_string(text):
    # Strings keep their quotes, have no escapes, and may span lines.
    assert one(text) == ("STRING", text)


def test_adjacent_strings_are_two_tokens():
    assert lex('"a""b"') == [("STRING", '"a"'), ("STRING", '"b"')]


# --- punctuation and other characters -----------------------------------------------------------


@pytest.mark.parametrize("char", list("()[]{}<>=;:,?*.-"))
def test_every_punctuation_character(char):
    assert one(char) == (char, char)


def test_ellipsis():
    assert one("...") == ("ELLIPSIS", "...")
    assert lex("....") == [("ELLIPSIS", "..."), (".", ".")]
    assert lex("..") == [(".", "."), (".", ".")]
    assert lex("long... args") == [("LONG", "long"), ("ELLIPSIS", "..."), ("IDENTIFIER", "args")]


@pytest.mark.parametrize(
    "char",
    [
        "@",
        "#",
        "$",
        "%",
        "&",
        "!",
        "+",
        "/",
        "\\",
        "|",
        "~",
        "^",
        "'",
        "`",
        "_",
        "é",
        "\u00a0",
        "\x00",
        "\f",
        "\v",
        "😀",
    ],
)
def test_any_other_character_is_an_other_token(char):
    assert one(char) == ("OTHER", char)


def test_lone_underscore_and_dash_before_a_digit():
    assert lex("_5") == [("OTHER", "_"), ("INTEGER", "5")]
    assert lex("_-a") == [("OTHER", "_"), ("IDENTIFIER", "-a")]


# --- whitespace and comments -------------------------------------------------------------------


def test_whitespace_separates_tokens_and_is_dropped():
    assert lex(" \t\r\n a \t\r\n b \r\n") == [("IDENTIFIER", "a"), ("IDENTIFIER", "b")]


def test_nothing_but_whitespace_and_comments():
    assert lex("") == []
    assert lex("  \n\t// c\n/* d */ /** e */") == []


def test_line_comment():
    assert lex("a // b c\nd") == [("IDENTIFIER", "a"), ("IDENTIFIER", "d")]
    assert lex("a // at the end, no newline") == [("IDENTIFIER", "a")]
    assert lex("a//b") == [("IDENTIFIER", "a")]


def test_block_comment():
    assert lex("a /* b\n c */ d") == [("IDENTIFIER", "a"), ("IDENTIFIER", "d")]
    assert lex("a/**/b") == [("IDENTIFIER", "a"), ("IDENTIFIER", "b")]
    # Block comments do not nest: the first `*/` ends it.
    assert lex("/* /* */ x */") == [("IDENTIFIER", "x"), ("*", "*"), ("OTHER", "/")]
    assert lex("/* // */ y") == [("IDENTIFIER", "y")]


def test_comment_markers_inside_a_string_are_text():
    assert lex('"// x" "/* y */"') == [("STRING", '"// x"'), ("STRING", '"/* y */"')]


def test_lone_slash_is_an_other_token():
    assert lex("a / b") == [("IDENTIFIER", "a"), ("OTHER", "/"), ("IDENTIFIER", "b")]


def test_doc_comments_are_recorded_with_their_offsets():
    text = "/** Doc of A. */\ninterface A {\n  /** Doc\n   * of x. */ attribute long x;\n};"
    result = Lexed(text)
    first = "/** Doc of A. */"
    second = "/** Doc\n   * of x. */"
    start = text.index(second)
    assert result.doc_comments == [
        (0, len(first), first),
        (start, start + len(second), second),
    ]


def test_plain_comments_are_not_doc_comments():
    result = Lexed("/* a */ // b\n/**/ /*** c */ x")
    # `/**/` is an empty comment; `/*** c */` starts with `/**` like any doc comment.
    assert result.doc_comments == [(13 + 5, 13 + 5 + 9, "/*** c */")]
    assert result.pairs == [("IDENTIFIER", "x")]


# --- lexical errors ------------------------------------------------------------------------------


def test_unterminated_string():
    result = Lexed('a "bc\nd e')
    assert result.errors == [(2, "unterminated string: '\"' has no closing '\"'", 1)]
    # The string runs to the end of the file: its text is not read as more tokens.
    assert result.pairs == [("IDENTIFIER", "a")]


def test_unterminated_comment():
    result = Lexed("a /* bc\n d")
    assert result.errors == [(2, "unterminated comment: '/*' has no closing '*/'", 2)]
    assert result.pairs == [("IDENTIFIER", "a")]


def test_unterminated_doc_comment_is_not_recorded():
    result = Lexed("/** never closed")
    assert result.errors == [(0, "unterminated comment: '/*' has no closing '*/'", 2)]
    assert result.doc_comments == []


def test_string_closed_later_is_not_an_error():
    # A quote inside a comment still pairs with the next quote: strings are matched first
    # wherever a `"` starts a token, and comments only where `/` does.
    assert lex('"a /* b" */') == [("STRING", '"a /* b"'), ("*", "*"), ("OTHER", "/")]


# --- positions --------------------------------------------------------------------------------


def test_token_offsets_and_indexes():
    text = "interface  A\n{\t/* c */ long x = -1.5; };"
    tokens = Lexed(text).tokens
    assert [(t.value, t.lexpos, t.index) for t in tokens] == [
        ("interface", 0, 0),
        ("A", 11, 1),
        ("{", 13, 2),
        ("long", 23, 3),
        ("x", 28, 4),
        ("=", 30, 5),
        ("-1.5", 32, 6),
        (";", 36, 7),
        ("}", 38, 8),
        (";", 39, 9),
    ]
    for t in tokens:
        assert text[t.lexpos : t.lexpos + len(t.value)] == t.value


def test_tokens_tile_the_text():
    # Every character is whitespace, a comment, or part of exactly one token.
    text = 'interface _A : -B { const long x = 0x10; [X=(a,b)] undefined f(long... a); }; @ é "s"'
    tokens = Lexed(text).tokens
    rebuilt = list(" " * len(text))
    for t in tokens:
        rebuilt[t.lexpos : t.lexpos + len(t.value)] = t.value
    assert "".join(rebuilt) == text


def test_crlf_line_breaks():
    assert lex("a\r\nb\r\n") == [("IDENTIFIER", "a"), ("IDENTIFIER", "b")]
