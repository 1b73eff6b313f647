"""Syntax errors: the exact diagnostic for each error path, and recovery that reports every
independent error in a file and nothing else.

Each diagnostic reads `path:line:col: error: message`, then the source line, then a run of
carets under the offending token (`codegen.diagnostics.Diagnostic.format`). `parse` raises
`IdlError`, whose text is every diagnostic in file order.
"""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.diagnostics import Diagnostic, DiagnosticSink, IdlError
from codegen.source import Location, SourceText
from codegen.webidl import parse, parse_into
from codegen.webidl.lexer import KEYWORDS


def errors(text: str, path: str = "t.idl") -> str:
    """The full text of the IdlError that parsing `text` raises."""
    with pytest.raises(IdlError) as info:
        parse(text, path)
    return str(info.value)


def messages(text: str) -> list[str]:
    with pytest.raises(IdlError) as info:
        parse(text, "t.idl")
    return [d.message for d in info.value.diagnostics]


def lines(*parts: str) -> str:
    return "\n".join(parts)


# --- the diagnostic format ---------------------------------------------------------------------


def test_format_is_location_message_line_and_caret():
    assert errors("interface A { attribute long x };") == lines(
        "t.idl:1:32: error: unexpected '}'; expected ';'",
        "interface A { attribute long x };",
        "                               ^",
    )


def test_caret_run_covers_the_whole_token():
    assert errors("interface A { attribute long x interface; };", "dir/a.idl") == lines(
        "dir/a.idl:1:32: error: unexpected 'interface'; expected ';'",
        "interface A { attribute long x interface; };",
        "                               ^^^^^^^^^",
    )


def test_tabs_in_the_source_line_keep_the_caret_aligned():
    text = "\tinterface A {\n\t \tattribute\t5 x;\n\t};"
    assert errors(text) == lines(
        "t.idl:2:14: error: unexpected '5'; expected a type",
        "\t \tattribute\t5 x;",
        "\t \t         \t^",
    )


def test_error_on_the_last_line_without_a_trailing_newline():
    assert errors("interface A {};\ninterface B { attribute 5 x; }") == lines(
        "t.idl:2:25: error: unexpected '5'; expected a type",
        "interface B { attribute 5 x; }",
        "                        ^",
        "t.idl:2:31: error: unexpected end of file; expected ';'",
        "interface B { attribute 5 x; }",
        "                              ^",
    )


def test_end_of_file_points_just_after_the_last_token():
    # Not at the empty line after the final newline, nor after a trailing comment.
    assert errors("interface A {}\n\n// the end\n") == lines(
        "t.idl:1:15: error: unexpected end of file; expected ';'",
        "interface A {}",
        "              ^",
    )


def test_crlf_line_breaks_are_not_shown():
    assert errors("interface A {\r\n  attribute 5 x;\r\n};\r\n") == lines(
        "t.idl:2:13: error: unexpected '5'; expected a type",
        "  attribute 5 x;",
        "            ^",
    )


def test_diagnostics_are_in_file_order():
    diagnostics = pytest.raises(
        IdlError, parse, "interface A { attribute 5 x; };\ninterface B { attribute 6 y; };"
    ).value.diagnostics
    assert [(d.loc.line, d.loc.column) for d in diagnostics] == [(1, 25), (2, 25)]
    assert all(isinstance(d, Diagnostic) and d.severity == "error" for d in diagnostics)


def test_diagnostic_format_clips_the_caret_to_the_line():
    d = Diagnostic(Location.at("f.idl", 1, 3), "boom", source_line="abcd", width=10)
    assert d.format() == "f.idl:1:3: error: boom\nabcd\n  ^^"
    assert Diagnostic(Location.at("f.idl", 1, 3), "boom").format() == "f.idl:1:3: error: boom"


def test_parse_into_collects_without_raising():
    sink = DiagnosticSink()
    result = parse_into(SourceText("x.idl", "interface A { 5 }; interface B {};"), sink)
    assert [d.format().splitlines()[0] for d in sink.diagnostics] == [
        "x.idl:1:15: error: unexpected '5'; expected a member or '}'"
    ]
    assert [d.name for d in result.definitions] == ["A", "B"]


# --- lexical errors ----------------------------------------------------------------------------


def test_unterminated_string():
    # The string runs to the end of the file; nothing after it is reported again.
    assert errors('enum E { "a", "b };\ninterface I {};') == lines(
        "t.idl:1:15: error: unterminated string: '\"' has no closing '\"'",
        'enum E { "a", "b };',
        "              ^",
    )


def test_unterminated_comment():
    assert errors("interface A {\n  /* the rest\n};\n") == lines(
        "t.idl:2:3: error: unterminated comment: '/*' has no closing '*/'",
        "  /* the rest",
        "  ^^",
    )


def test_unterminated_comment_after_complete_definitions():
    assert errors("interface A {};\n/** doc") == lines(
        "t.idl:2:1: error: unterminated comment: '/*' has no closing '*/'",
        "/** doc",
        "^^",
    )


# --- unexpected tokens, with what was expected -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # At top level.
        ("5", "unexpected '5'; expected a definition or end of file"),
        ("interface A {}; };", "unexpected '}'; expected a definition or end of file"),
        ("[X] 5", "unexpected '5'; expected a definition"),
        ("interface { };", "unexpected '{'; expected 'mixin' or an identifier"),
        ("interface A @ {};", "unexpected '@'; expected ':' or '{'"),
        ("interface A : {};", "unexpected '{'; expected an identifier"),
        ("interface Ä {};", "unexpected 'Ä'; expected 'mixin' or an identifier"),
        ("A includes 5;", "unexpected '5'; expected an identifier"),
        ("A B;", "unexpected 'B'; expected 'includes'"),
        (
            "partial callback interface C {};",
            "unexpected 'callback'; expected 'dictionary', 'interface' or 'namespace'",
        ),
        ("partial interface A : B {};", "unexpected ':'; expected '{'"),
        ("callback interface C : B {};", "unexpected ':'; expected '{'"),
        ("callback C = long;", "unexpected ';'; expected '(', '?' or 'long'"),
        ("typedef long;", "unexpected ';'; expected '?', 'long' or an identifier"),
        # In a body.
        ("interface A { 5 };", "unexpected '5'; expected a member or '}'"),
        ("interface A { [X] 5 };", "unexpected '5'; expected a member"),
        ("dictionary D { 5 };", "unexpected '5'; expected a dictionary member or '}'"),
        ("interface A { attribute 5 x; };", "unexpected '5'; expected a type"),
        (
            "interface A { attribute long 5; };",
            "unexpected '5'; expected '?', 'async', 'long', 'required' or an identifier",
        ),
        (
            "interface A { readonly iterable<long>; };",
            "unexpected 'iterable'; expected 'attribute', 'maplike' or 'setlike'",
        ),
        (
            "interface A { static static attribute long x; };",
            "unexpected 'static'; expected a type, 'attribute' or 'readonly'",
        ),
        ("interface A { getter setter long (long i); };", "unexpected 'setter'; expected a type"),
        ("interface A { constructor; };", "unexpected ';'; expected '('"),
        ("interface A { attribute long x = 5; };", "unexpected '='; expected ';'"),
        (
            "interface A { const long x = null; };",
            "unexpected 'null'; expected a number or boolean",
        ),
        (
            'interface A { const long x = "a"; };',
            'unexpected string "a"; expected a number or boolean',
        ),
        ("interface A { const long? x = 1; };", "unexpected '?'; expected an identifier"),
        ("interface A { iterable<>; };", "unexpected '>'; expected a type"),
        ("interface A { iterable<long, long, long>; };", "unexpected ','; expected '>'"),
        ("interface A { maplike<long>; };", "unexpected '>'; expected ','"),
        ("interface A { async_iterable<long>(long x) };", "unexpected '}'; expected ';'"),
        ("dictionary D { long x = ; };", "unexpected ';'; expected a default value"),
        ("dictionary D { long x = [1]; };", "unexpected '1'; expected ']'"),
        (
            "dictionary D { required long required; };",
            "unexpected 'required'; expected an identifier",
        ),
        ("dictionary D { required; };", "unexpected ';'; expected a type"),
        ("dictionary D { long z };", "unexpected '}'; expected ';' or '='"),
        ("enum E { 5 };", "unexpected '5'; expected a string"),
        ("enum E {};", "unexpected '}'; expected a string"),
        ('enum E { "a" "b" };', "unexpected string \"b\"; expected ',' or '}'"),
        # Arguments.
        ("interface A { undefined f(5); };", "unexpected '5'; expected an argument or ')'"),
        ("interface A { undefined f(long a,); };", "unexpected ')'; expected an argument"),
        (
            "interface A { undefined f(long); };",
            "unexpected ')'; expected an argument name, '...' or '?'",
        ),
        ("interface A { undefined f(long... ); };", "unexpected ')'; expected an argument name"),
        (
            "interface A { undefined f(optional long... x); };",
            "unexpected '...'; expected an argument name",
        ),
        ("interface A { undefined f(long x = 5); };", "unexpected '='; expected ')' or ','"),
        ("interface A { undefined f(long x; };", "unexpected ';'; expected ')' or ','"),
        (
            "interface A { undefined f(required long x); };",
            "unexpected 'required'; expected an argument or ')'",
        ),
        # Types.
        ("typedef (any or long) T;", "unexpected 'any'; expected a type"),
        ("typedef (Promise<long> or long) T;", "unexpected 'Promise'; expected a type"),
        ("typedef () T;", "unexpected ')'; expected a type"),
        ("typedef (long or) T;", "unexpected ')'; expected a type"),
        (
            "interface A { attribute any? x; };",
            "unexpected '?'; expected 'async', 'required' or an identifier",
        ),
        ("typedef Promise<long>? P;", "unexpected '?'; expected an identifier"),
        ("typedef record<long, long> R;", "unexpected 'long'; expected a string type"),
        ("typedef record<DOMString> R;", "unexpected '>'; expected ','"),
        ("typedef sequence<long, long> S;", "unexpected ','; expected '>'"),
        ("typedef long long long T;", "unexpected 'long'; expected '?' or an identifier"),
        ("typedef unsigned double T;", "unexpected 'double'; expected 'long' or 'short'"),
        ("typedef unrestricted long T;", "unexpected 'long'; expected 'float' or 'double'"),
        ("typedef long?? T;", "unexpected '?'; expected an identifier"),
        ("typedef [X] [Y] long T;", "unexpected '['; expected a type"),
        ("interface A { const -Infinity X = 1; };", "unexpected '-Infinity'; expected a type"),
        ("interface A { const DOMString X = 1; };", "unexpected 'DOMString'; expected a type"),
    ],
)
def test_unexpected_token_names_what_was_expected(text, message):
    assert messages(text) == [message]


def test_expected_lists_never_name_internal_tokens():
    for text in ["5", "interface A { 5 };", "interface A { undefined f(5); };", "typedef 5 x;"]:
        for message in messages(text):
            assert not re.search(r"'[A-Z][A-Z_]+'|\$end|ARGUMENTS_START|SKIPPED", message)


# --- hints for common mistakes -----------------------------------------------------------------


def test_void_is_not_a_type():
    assert errors("interface A {\n  void f(sequence<void> x);\n};\ncallback C = void ();") == lines(
        "t.idl:2:3: error: `void` is not a WebIDL type: write `undefined`",
        "  void f(sequence<void> x);",
        "  ^^^^",
        "t.idl:2:19: error: `void` is not a WebIDL type: write `undefined`",
        "  void f(sequence<void> x);",
        "                  ^^^^",
        "t.idl:4:14: error: `void` is not a WebIDL type: write `undefined`",
        "callback C = void ();",
        "             ^^^^",
    )


def test_escaped_void_is_an_ordinary_name():
    (typedef,) = parse("typedef _void T;").definitions
    assert typedef.type.name == "void"


def test_legacy_async_iterable():
    assert errors("interface A {\n  async iterable<long, DOMString>(long x);\n};") == lines(
        "t.idl:2:3: error: `async iterable` is not WebIDL any more: write `async_iterable`",
        "  async iterable<long, DOMString>(long x);",
        "  ^^^^^^^^^^^^^^",
    )
    assert messages("interface A { async iterable<long>; };") == [
        "`async iterable` is not WebIDL any more: write `async_iterable`"
    ]


def test_union_with_one_member():
    assert errors("typedef (long) T;") == lines(
        "t.idl:1:14: error: a union type needs at least two member types",
        "typedef (long) T;",
        "             ^",
    )


def test_union_with_one_member_after_a_repair_is_one_error():
    # `(long T;` is repaired as `(long) T;`; the one-member union is an echo of that error.
    assert messages("typedef (long T;") == ["unexpected 'T'; expected ')', '?' or 'or'"]


def test_extended_attributes_on_a_nested_union():
    assert errors("typedef (long or [X] (short or DOMString)) T;") == lines(
        "t.idl:1:22: error: extended attributes cannot apply to a nested union type",
        "typedef (long or [X] (short or DOMString)) T;",
        "                     ^",
    )


def test_inherit_readonly():
    assert errors("interface A { inherit readonly attribute long x; };") == lines(
        "t.idl:1:23: error: an inherited attribute cannot be readonly",
        "interface A { inherit readonly attribute long x; };",
        "                      ^^^^^^^^",
    )


def test_empty_extended_attribute_list():
    assert errors("[] interface A {};") == lines(
        "t.idl:1:1: error: an extended attribute list cannot be empty",
        "[] interface A {};",
        "^^",
    )
    assert errors("interface A { undefined f([ ] long x); };") == lines(
        "t.idl:1:27: error: an extended attribute list cannot be empty",
        "interface A { undefined f([ ] long x); };",
        "                          ^^^",
    )
    assert messages("interface A { [] attribute long x; };") == [
        "an extended attribute list cannot be empty"
    ]
    assert messages("typedef [] long T;") == ["an extended attribute list cannot be empty"]


def test_extended_attribute_list_with_a_trailing_comma():
    assert messages("[X, ] interface A {};") == ["unexpected ']'; expected an extended attribute"]


def test_unclosed_extended_attribute_list():
    assert errors("[X interface A {};") == lines(
        "t.idl:1:19: error: unexpected end of file; expected ',' or ']' "
        "(the '[' at 1:1 is not closed)",
        "[X interface A {};",
        "                  ^",
    )


def test_mismatched_bracket_inside_an_extended_attribute():
    assert messages("[X=(a] interface A {};") == ["unexpected ']'; expected ')'"]
    assert messages("[X=(a, {b]) c] interface A {};") == ["unexpected ']'; expected '}'"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[A][B] interface X {};", "unexpected '['; expected a definition"),
        ("interface X { [A][B] attribute long x; };", "unexpected '['; expected a member"),
        (
            "interface X { undefined f([A][B] long x); };",
            "unexpected '['; expected a type or 'optional'",
        ),
        ("typedef ([A][B] long or short) T;", "unexpected '['; expected a type"),
    ],
)
def test_one_extended_attribute_list_per_construct(text, message):
    assert messages(text) == [message]


@pytest.mark.parametrize(
    ("text", "word", "keyword"),
    [
        ("interfce A {};", "interfce", "interface"),
        ("Interface A {};", "Interface", "interface"),
        ("dictionnary D {};", "dictionnary", "dictionary"),
        ("[X] namespce N {};", "namespce", "namespace"),
        ("interface A { atribute long x; };", "atribute", "attribute"),
        ("interface A { [X] readonl attribute long x; };", "readonl", "readonly"),
        ("interface A { unsinged long x(); };", "unsinged", "unsigned"),
        ("interface A { Promis<long> x(); };", "Promis", "Promise"),
        ("interface A { sequense<long> x(); };", "sequense", "sequence"),
        ("dictionary D { requred long x; };", "requred", "required"),
    ],
)
def test_misspelt_keyword(text, word, keyword):
    assert messages(text) == [f"'{word}' is not a keyword; did you mean '{keyword}'?"]


def test_misspelt_keyword_caret():
    assert errors("interface A {\n  atribute long x;\n};") == lines(
        "t.idl:2:3: error: 'atribute' is not a keyword; did you mean 'attribute'?",
        "  atribute long x;",
        "  ^^^^^^^^",
    )


def test_no_misspelling_hint_for_a_type_name_like_a_keyword():
    # `GLboolean` is a typedef's name; `boolean` would not fit before `}` either.
    assert messages("interface A { GLboolean }; };")[0] == (
        "unexpected '}'; expected '(', '?', 'includes' or an identifier"
    )


# --- members a container does not allow --------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "description", "column", "width"),
    [
        ("constructor();", "a constructor", 21, 11),
        ("static attribute long s;", "a static attribute", 43, 1),
        ("inherit attribute long inh;", "an inherited attribute", 44, 3),
        ("getter long (long x);", "a getter operation", 33, 1),
        ("setter undefined named(long x, long y);", "a setter operation", 38, 5),
        ("deleter undefined (long x);", "a deleter operation", 39, 1),
        ("static undefined f();", "a static operation", 38, 1),
        ("iterable<long>;", "an iterable declaration", 21, 8),
        ("async_iterable<long>;", "an async_iterable declaration", 21, 14),
        ("maplike<long, long>;", "a maplike declaration", 21, 7),
        ("readonly setlike<long>;", "a readonly setlike declaration", 30, 7),
    ],
)
def test_interface_mixin_members(member, description, column, width):
    text = f"interface mixin M {{ {member} }};"
    assert errors(text) == lines(
        f"t.idl:1:{column}: error: an interface mixin cannot have {description}",
        text,
        " " * (column - 1) + "^" * width,
    )


def test_partial_interface_mixin_members():
    assert messages("partial interface mixin M { static undefined f(); };") == [
        "an interface mixin cannot have a static operation"
    ]


@pytest.mark.parametrize(
    ("member", "description"),
    [
        ("attribute long w;", "a writable attribute"),
        ("static undefined f();", "a static operation"),
        ("getter long (long i);", "a getter operation"),
        ("stringifier;", "a stringifier"),
        ("stringifier DOMString f();", "a stringifier operation"),
        ("stringifier readonly attribute long s;", "a stringifier attribute"),
        ("static readonly attribute long s;", "a static attribute"),
        ("constructor();", "a constructor"),
        ("setlike<long>;", "a setlike declaration"),
        ("iterable<long>;", "an iterable declaration"),
    ],
)
def test_namespace_members(member, description):
    assert messages(f"namespace N {{ {member} }};") == [f"a namespace cannot have {description}"]
    assert messages(f"partial namespace N {{ {member} }};") == [
        f"a namespace cannot have {description}"
    ]


@pytest.mark.parametrize(
    ("member", "description"),
    [
        ("attribute long a;", "a writable attribute"),
        ("readonly attribute long a;", "a readonly attribute"),
        ("stringifier;", "a stringifier"),
        ("getter long (long i);", "a getter operation"),
        ("static undefined f();", "a static operation"),
        ("constructor();", "a constructor"),
        ("maplike<long, long>;", "a maplike declaration"),
    ],
)
def test_callback_interface_members(member, description):
    assert messages(f"callback interface C {{ {member} }};") == [
        f"a callback interface cannot have {description}"
    ]


def test_every_disallowed_member_is_reported():
    assert errors("namespace N {\n  attribute long w;\n  constructor();\n};") == lines(
        "t.idl:2:18: error: a namespace cannot have a writable attribute",
        "  attribute long w;",
        "                 ^",
        "t.idl:3:3: error: a namespace cannot have a constructor",
        "  constructor();",
        "  ^^^^^^^^^^^",
    )


# --- `required` --------------------------------------------------------------------------------


def test_required_outside_a_dictionary():
    assert messages("interface A { required attribute long x; };") == [
        "unexpected 'required'; expected a member or '}'"
    ]


def test_required_member_needs_a_type_and_a_name():
    assert messages("dictionary D { required x; };") == [
        "unexpected ';'; expected '?' or an identifier"
    ]


def test_required_member_with_a_default_is_not_a_syntax_error():
    # The validation pass reports it (with its own message); the grammar accepts it.
    (dictionary,) = parse("dictionary D { required long x = 1; };").definitions
    assert dictionary.members[0].default.text == "1"


# --- missing `;` and `}`: one error, and the rest still parsed ---------------------------------


def test_missing_semicolon_after_a_member():
    text = "interface A {\n  attribute long x\n  attribute long y;\n};"
    assert errors(text) == lines(
        "t.idl:3:3: error: unexpected 'attribute'; expected ';'",
        "  attribute long y;",
        "  ^^^^^^^^^",
    )


def test_missing_semicolon_after_a_definition():
    text = "interface A {}\ninterface B { attribute 5 x; };"
    assert errors(text) == lines(
        "t.idl:2:1: error: unexpected 'interface'; expected ';'",
        "interface B { attribute 5 x; };",
        "^^^^^^^^^",
        "t.idl:2:25: error: unexpected '5'; expected a type",
        "interface B { attribute 5 x; };",
        "                        ^",
    )


def test_missing_semicolon_at_the_end_of_the_file():
    assert errors("interface A {}") == lines(
        "t.idl:1:15: error: unexpected end of file; expected ';'",
        "interface A {}",
        "              ^",
    )


def test_missing_closing_brace_before_the_next_definition():
    text = "interface A {\n  attribute long x;\n\ninterface B { attribute 5 y; };"
    assert errors(text) == lines(
        "t.idl:4:1: error: unexpected 'interface'; expected a member or '}'",
        "interface B { attribute 5 y; };",
        "^^^^^^^^^",
        "t.idl:4:25: error: unexpected '5'; expected a type",
        "interface B { attribute 5 y; };",
        "                        ^",
    )


def test_missing_closing_brace_before_a_definition_with_extended_attributes():
    text = "interface A {\n  attribute long x;\n[Exposed=Window]\ninterface B { attribute 5 y; };"
    assert messages(text) == [
        "unexpected 'interface'; expected a member",
        "unexpected '5'; expected a type",
    ]


def test_missing_closing_brace_at_the_end_of_the_file():
    assert errors("interface A {\n  attribute long x;\n") == lines(
        "t.idl:2:20: error: unexpected end of file; expected a member or '}' "
        "(the '{' at 1:13 is not closed)",
        "  attribute long x;",
        "                   ^",
    )


def test_missing_closing_brace_of_an_enum():
    assert messages('enum E { "a", "b"\ninterface B { attribute 5 y; };') == [
        "unexpected 'interface'; expected ',' or '}'",
        "unexpected '5'; expected a type",
    ]


def test_closing_brace_without_semicolon_in_the_middle():
    assert messages("dictionary D { long x; }\ndictionary E { long y = ; };") == [
        "unexpected 'dictionary'; expected ';'",
        "unexpected ';'; expected a default value",
    ]


def test_missing_opening_brace_of_a_dictionary():
    text = "dictionary D\n  long x;\n  long y;\n};\ninterface B { attribute 5 y; };"
    assert messages(text) == [
        "unexpected 'long'; expected ':' or '{'",
        "unexpected '5'; expected a type",
    ]


def test_missing_closing_parenthesis():
    text = "interface A {\n  undefined f(long x;\n  attribute long y;\n  attribute 5 z;\n};"
    assert messages(text) == [
        "unexpected ';'; expected ')' or ','",
        "unexpected '5'; expected a type",
    ]


def test_one_punctuation_mark_for_another():
    text = "interface A {\n  attribute long x}\n  attribute long y;\n  attribute 5 z;\n};"
    assert messages(text) == ["unexpected '}'; expected ';'", "unexpected '5'; expected a type"]


def test_a_second_error_right_after_a_slip_may_go_unreported():
    # Recovery needs a few good tokens after a slip to know how to mend it; without them it
    # skips the rest of the member, and what was in it is not reported.
    text = "interface A {\n  undefined f(long x;\n  attribute 5 y;\n};"
    assert messages(text) == ["unexpected ';'; expected ')' or ','"]


# --- several independent errors, and no echoes -------------------------------------------------


def test_one_error_in_each_of_two_interfaces():
    text = "interface A {\n  attribute long 5;\n};\ninterface B {\n  const long x = ;\n};\n"
    assert errors(text) == lines(
        "t.idl:2:18: error: unexpected '5'; expected '?', 'async', 'long', 'required' or an "
        "identifier",
        "  attribute long 5;",
        "                 ^",
        "t.idl:5:18: error: unexpected ';'; expected a number or boolean",
        "  const long x = ;",
        "                 ^",
    )


def test_two_bad_members_in_one_interface():
    text = "interface A {\n  attribute 5 x;\n  attribute long y;\n  undefined f(6);\n};"
    assert errors(text) == lines(
        "t.idl:2:13: error: unexpected '5'; expected a type",
        "  attribute 5 x;",
        "            ^",
        "t.idl:4:15: error: unexpected '6'; expected an argument or ')'",
        "  undefined f(6);",
        "              ^",
    )


def test_broken_definition_header_then_a_valid_definition():
    text = "interface A : { attribute long x; };\ninterface B { attribute long y; };"
    assert errors(text) == lines(
        "t.idl:1:15: error: unexpected '{'; expected an identifier",
        "interface A : { attribute long x; };",
        "              ^",
    )
    # The missing name is put in, so the rest of the definition is still read.
    sink = DiagnosticSink()
    result = parse_into(SourceText("t.idl", text), sink)
    assert [(d.name, d.inherits, len(d.members)) for d in result.definitions] == [
        ("A", "<missing>", 1),
        ("B", None, 1),
    ]


def test_broken_header_then_a_broken_definition():
    text = "dictionary D : 5 { long x; };\ninterface B { attribute 5 y; };"
    assert messages(text) == [
        "unexpected '5'; expected an identifier",
        "unexpected '5'; expected a type",
    ]


def test_errors_in_every_kind_of_body():
    text = lines(
        "interface A { attribute 1 a; };",
        "interface mixin M { attribute 2 m; };",
        "namespace N { readonly attribute 3 n; };",
        "callback interface C { undefined f(4); };",
        "dictionary D { long d = ; };",
        "enum E { 5 };",
        "partial interface P { const long p = ; };",
        "typedef 6 T;",
        "callback F = undefined (7);",
        "X includes 8;",
    )
    assert messages(text) == [
        "unexpected '1'; expected a type",
        "unexpected '2'; expected a type",
        "unexpected '3'; expected a type",
        "unexpected '4'; expected an argument or ')'",
        "unexpected ';'; expected a default value",
        "unexpected '5'; expected a string",
        "unexpected ';'; expected a number or boolean",
        "unexpected '6'; expected a type",
        "unexpected '7'; expected an argument or ')'",
        "unexpected '8'; expected an identifier",
    ]


def test_error_at_the_first_token_then_another():
    assert messages("5 6; interface A { attribute 7 x; };") == [
        "unexpected '5'; expected a definition or end of file",
        "unexpected '7'; expected a type",
    ]


def test_stray_closing_braces_at_top_level():
    assert messages("};};") == [
        "unexpected '}'; expected a definition or end of file",
        "unexpected '}'; expected a definition or end of file",
    ]


def test_stray_semicolon_in_a_body():
    assert messages("interface A { attribute long x;; attribute 5 y; };") == [
        "unexpected ';'; expected a member or '}'",
        "unexpected '5'; expected a type",
    ]


def test_error_inside_an_enum_then_another_enum():
    assert messages('enum E { "a" 5 };\nenum F { 6 };') == [
        "unexpected '5'; expected ',' or '}'",
        "unexpected '6'; expected a string",
    ]


def test_stray_brace_inside_a_member():
    text = "interface A {\n  readonly { boolean b;\n  attribute 5 c;\n};"
    assert messages(text) == [
        "unexpected '{'; expected 'attribute', 'maplike' or 'setlike'",
        "unexpected '5'; expected a type",
    ]


# --- never a traceback -------------------------------------------------------------------------


def _parse_or_idl_error(text: str) -> None:
    try:
        parse(text, "fuzz.idl")
    except IdlError as error:
        assert error.diagnostics
        for d in error.diagnostics:
            formatted = d.format()
            assert formatted.startswith("fuzz.idl:")
            if d.source_line:
                assert formatted.splitlines()[-1].strip(" \t").startswith("^")
            expected = d.message.partition("; expected ")[2]
            assert not re.search(r"'[A-Z][A-Z_]+'|\$end|ARGUMENTS_START|SKIPPED", expected)


_WORDS = sorted(KEYWORDS) + [
    *"()[]{}<>=;:,?*.-",
    "...",
    "x",
    "Foo",
    "_a",
    "-b",
    "0",
    "-2",
    "0x1F",
    "1.5e3",
    '"s"',
    "@",
    "/* c */",
    "// c\n",
    "\n",
    "\t",
    '"',
    "/*",
    "void",
    "Ä",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_WORDS), max_size=60).map(" ".join))
def test_token_soup_only_ever_raises_idl_error(text):
    _parse_or_idl_error(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_text_only_ever_raises_idl_error(text):
    _parse_or_idl_error(text)


_VALID = """\
[Exposed=(Window,Worker), LegacyFactoryFunction=Img(DOMString src)]
interface Widget : Base {
  constructor(optional WidgetInit init = {});
  const unsigned long LIMIT = 0x10;
  readonly attribute (long or DOMString)? value;
  [NewObject] Promise<sequence<Widget>> find(DOMString q, optional long n = 5, any... rest);
  iterable<DOMString, long>;
  async_iterable<long>(optional long x);
};
dictionary WidgetInit { required DOMString name; record<DOMString, any> extra = {}; };
enum Mode { "a", "b", };
typedef [EnforceRange] unsigned long long Big;
callback Done = undefined (any result);
Widget includes Mixin;
"""


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_valid_idl_only_ever_raises_idl_error(data):
    tokens = re.findall(r"\s+|\"[^\"]*\"|[\w-]+|\.\.\.|.", _VALID)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(tokens) - 1))
        action = data.draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        word = data.draw(st.sampled_from(_WORDS))
        if action == "delete":
            del tokens[i]
        elif action == "insert":
            tokens.insert(i, word)
        elif action == "replace":
            tokens[i] = word
        else:
            tokens.insert(i, tokens[i])
    _parse_or_idl_error("".join(tokens))


# --- deep nesting ------------------------------------------------------------------------------


def test_deeply_nested_types_parse():
    depth = 2000
    text = "typedef " + "sequence<" * depth + "long" + ">" * depth + " T;"
    (typedef,) = parse(text).definitions
    node, levels = typedef.type, 0
    while node.__class__.__name__ == "GenericType":
        node, levels = node.arguments[0], levels + 1
    assert levels == depth


def test_deeply_nested_unions_parse():
    depth = 1000
    text = "typedef " + "(long or " * depth + "short" + ")" * depth + " T;"
    (typedef,) = parse(text).definitions
    assert typedef.type.members[0].name == "long"


def test_deeply_nested_extended_attribute_brackets_parse():
    depth = 2000
    (interface,) = parse("[X=" + "(" * depth + ")" * depth + "] interface A {};").definitions
    assert interface.ext_attrs[0].form == "balanced"


def test_deeply_nested_error_is_reported_not_raised():
    depth = 2000
    text = "typedef " + "sequence<" * depth + "long" + ">" * (depth - 1) + " T;"
    assert messages(text) == ["unexpected 'T'; expected '>'"]


def test_too_deeply_nested_extended_attribute_arguments():
    # Each `X(...)` argument list is parsed by a nested parse: past Python's recursion limit
    # that is an error message, not a RecursionError.
    depth = sys.getrecursionlimit()
    text = "interface A { undefined f(" + "[A(" * depth + ")]" * depth + " long x); };"
    assert errors(text) == lines(
        "t.idl:1:1: error: the file nests too deeply to parse",
        text,
        "^",
    )
