"""The printer and the parser agree: AST -> print -> parse gives the same AST.

Generated ASTs (tests/strategies.py) cover every production and every extended-attribute
form; the hand-written samples pin the canonical layout and the spellings a generator does not
produce (comments, odd spacing, escapes the printer drops, a trailing comma in an enum).
Node equality ignores source locations, so the comparisons are exact otherwise.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codegen.diagnostics import IdlError
from codegen.webidl.ast import (
    Argument,
    CallbackInterface,
    Const,
    Definition,
    Dictionary,
    ExtendedAttribute,
    GenericType,
    IdlType,
    Interface,
    InterfaceMixin,
    Namespace,
    Operation,
    SimpleType,
    Typedef,
    UnionType,
    Value,
)
from codegen.webidl.lexer import ARGUMENT_NAME_KEYWORDS
from codegen.webidl.parser import parse
from codegen.webidl.printer import print_idl, print_type
from tests import strategies, webref

ROOT = Path(__file__).resolve().parent.parent


def generated(examples: int):
    """Settings for the generated-AST tests (together they take some ten seconds)."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


_DOM = SimpleType("DOMString")
_LONG = SimpleType("long")


def assert_round_trip(definitions: list[Definition]) -> None:
    """print -> parse gives `definitions` back, and printing that again changes nothing."""
    text = print_idl(definitions)
    parsed = parse(text, "<printed>").definitions
    assert parsed == definitions, f"printed as:\n{text}"
    assert print_idl(parsed) == text


# --- generated ASTs ---------------------------------------------------------------------------


@generated(120)
@given(strategies.definition_lists())
def test_generated_files_round_trip(definitions):
    assert_round_trip(definitions)


@pytest.mark.parametrize(
    "kind",
    [Interface, InterfaceMixin, Namespace, CallbackInterface, Dictionary],
    ids=lambda cls: cls.__name__,
)
@generated(40)
@given(data=st.data())
def test_generated_members_round_trip(kind, data):
    # One container kind per test, with every member kind it allows in each example, so each
    # member production gets a budget of its own. Types nest less deeply here than in the
    # whole-file test: this one is about members.
    definition = data.draw(strategies.definitions_of(kind, 1, dense=True), label="definition")
    assert_round_trip([definition])


@generated(200)
@given(strategies.idl_types())
def test_generated_types_round_trip(t: IdlType):
    assert_round_trip([Typedef("T", t)])


@generated(200)
@given(strategies.extended_attribute_lists())
def test_generated_extended_attributes_round_trip(attrs: list[ExtendedAttribute]):
    assert_round_trip([Interface("I", [], ext_attrs=attrs)])


# --- every keyword alternative, deterministically ---------------------------------------------

_CLAMP = [ExtendedAttribute("Clamp", "no-args", tokens=("Clamp",))]


@pytest.mark.parametrize("name", strategies.BUILTIN_TYPES + ("any",))
def test_every_builtin_type_in_every_position(name):
    # Each builtin alone, nullable, with extended attributes, inside a generic, and (except
    # `any`) as a member of a union, plain and nullable: the grammar spells each out apart.
    def t(**kwargs) -> SimpleType:
        return SimpleType(name, **kwargs)

    types: list[IdlType] = [t(), t(ext_attrs=_CLAMP), GenericType("sequence", [t()])]
    if name != "any":
        types += [t(nullable=True), UnionType([t(), t(nullable=True, ext_attrs=_CLAMP)])]
    assert_round_trip([Typedef(f"T{i}", type_) for i, type_ in enumerate(types)])


@pytest.mark.parametrize("name", strategies.PRIMITIVE_TYPES)
def test_every_const_type(name):
    assert_round_trip([Interface("I", [Const("C", SimpleType(name), Value("integer", "1"))])])


def test_every_argument_name_keyword():
    # Each may stand bare as an argument name; the printer writes them bare.
    names = sorted(ARGUMENT_NAME_KEYWORDS)
    arguments = [
        argument
        for name in names
        for argument in (
            Argument(name, _LONG),
            Argument(name, _LONG, optional=True),
            Argument(name, _LONG, optional=True, default=Value("integer", "0")),
            Argument(name, _LONG, variadic=True),
        )
    ]
    operation = Operation("f", SimpleType("undefined"), arguments)
    assert_round_trip([Interface("I", [operation])])
    assert "long interface, optional long interface" in print_idl([Interface("I", [operation])])


# --- a sample with every construct, in canonical layout -----------------------------------------

# Printed exactly as the printer writes it, so print(parse(SAMPLE)) == SAMPLE.
SAMPLE = """\
[Exposed=(Window,Worker), SecureContext, Constructor(long x), Reflect="for", Priority=3]
interface Sample : Base {
    constructor();
    [CEReactions] constructor(optional SampleInit init = {}, long... rest);
    const unsigned long long MAX = 0xFFFFFFFF;
    const unrestricted double BIG = -Infinity;
    const double NOTHING = NaN;
    const boolean YES = true;
    const octet BITS = 017;
    const _long ESCAPED = 0;
    attribute DOMString name;
    readonly attribute [Clamp] unsigned short? count;
    static attribute long counter;
    static readonly attribute boolean ready;
    stringifier attribute USVString href;
    stringifier readonly attribute DOMString text;
    inherit attribute EventHandler onchange;
    [SameObject, PutForwards=value] readonly attribute Node node;
    attribute long async;
    attribute long required;
    attribute long _interface;
    undefined includes(long includes);
    Promise<undefined> wait();
    Promise<sequence<(long or DOMString)?>> results();
    any get(any key, optional any fallback = null);
    getter DOMString (unsigned long index);
    getter any named(DOMString name);
    setter undefined (DOMString name, any value);
    deleter undefined (DOMString name);
    static Sample create(optional record<DOMString, sequence<long>> init = {});
    stringifier DOMString describe();
    stringifier;
    undefined keywords(long interface, long required, long async, long callback, long _long);
    undefined defaults(optional long a = -1, optional double b = .5, optional DOMString c = "");
    undefined defaults(optional sequence<long> d = [], optional object? e = null);
    undefined defaults(optional any f = undefined, optional boolean g = false);
    undefined buffers(ArrayBuffer a, Uint8Array b, BigInt64Array c, Float16Array d, DataView e);
    undefined primitives(bigint g, symbol h, object i, ByteString j, long long k, byte n);
    undefined numbers(unsigned long long l, short m, float o, unrestricted float p);
    undefined generics(FrozenArray<long> a, ObservableArray<DOMString> b, async_sequence<long> c);
    undefined records(record<USVString, any> e, record<ByteString, (long or [Clamp] octet)> f);
    undefined nested(sequence<sequence<long>>? d, _Promise p);
    undefined unions((long or (DOMString or boolean)? or sequence<long>) a);
    undefined unions(([EnforceRange] long or [AllowShared] Float32Array or Node?)? b);
    [Attr] undefined extended([Clamp] long a, [EnforceRange] optional [Clamp] long b);
    undefined variadic([Arg] long... c);
    iterable<long>;
};

interface Pairs {
    iterable<DOMString, long>;
    async_iterable<long>;
};

interface AsyncPairs {
    async_iterable<DOMString, [Clamp] long>(optional long start = 0);
    maplike<DOMString, long>;
};

interface Readonly {
    async_iterable<long>();
    readonly maplike<DOMString, long>;
};

interface Sets {
    setlike<long>;
};

interface ReadonlySets {
    readonly setlike<[EnforceRange] long>;
};

interface Empty {};

partial interface Sample {
    attribute long more;
};

interface mixin SampleMixin {
    const long M = 1;
    attribute long mixed;
    readonly attribute long fixed;
    stringifier attribute DOMString label;
    long operate();
    stringifier;
};

partial interface mixin SampleMixin {
    stringifier DOMString text();
};

Sample includes SampleMixin;

_interface includes _mixin;

callback interface SampleListener {
    const short PHASE = 2;
    undefined handleEvent(Event event);
};

callback SampleCallback = Promise<any> (DOMString message, optional long code);

callback Nothing = undefined ();

namespace SampleSpace {
    const long N = 3;
    readonly attribute long answer;
    double compute(double x);
};

partial namespace SampleSpace {
    undefined more();
};

dictionary SampleInit : BaseInit {
    required DOMString id;
    required [EnforceRange] unsigned long size;
    [Ext] long number = 42;
    DOMString label = "sample";
    sequence<long> list = [];
    SampleInit? parent = null;
    (long or DOMString) either;
    long _required;
};

partial dictionary SampleInit {
    boolean extra = false;
};

dictionary EmptyInit {};

enum SampleKind {
    "",
    "plain",
    "with space",
    "with-dash"
};

typedef [Clamp] unsigned long Clamped;

typedef (Int8Array or Int16Array or Int32Array or Uint8ClampedArray or Float64Array) Arrays;

[LegacyFactoryFunction=Image(DOMString src, optional unsigned long width = 0), Weight=-1.5e3]
interface Attributed {};

[Global=*, LegacyNamespace=CSS, LegacyWindowAlias=(webkitThing,"alias",0x1F)]
interface MoreAttributed {};

[ReflectRange=(0,8), Balanced=(a b), Other=Thing more]
interface MostAttributed {};

[Exposed=Window]
typedef record<DOMString, Promise<long>> PromiseMap;
"""


def test_sample_prints_as_written():
    idl = parse(SAMPLE, "sample.idl")
    assert print_idl(idl) == SAMPLE


def test_sample_round_trips():
    idl = parse(SAMPLE, "sample.idl")
    again = parse(print_idl(idl), "printed.idl")
    assert again.definitions == idl.definitions


def test_sample_covers_every_definition_and_member_kind():
    definitions = parse(SAMPLE).definitions
    kinds = {type(d).__name__ for d in definitions}
    assert kinds == {
        "Interface",
        "InterfaceMixin",
        "CallbackInterface",
        "Namespace",
        "Dictionary",
        "Enum",
        "Typedef",
        "Callback",
        "Includes",
    }
    members = [m for d in definitions for m in getattr(d, "members", [])]
    specials = {(type(m).__name__, getattr(m, "special", "")) for m in members}
    for special in ("getter", "setter", "deleter", "static", "stringifier"):
        assert ("Operation", special) in specials
    for special in ("static", "stringifier", "inherit"):
        assert ("Attribute", special) in specials
    declarations = {(m.kind, m.readonly, len(m.types)) for m in members if hasattr(m, "kind")}
    assert declarations >= {
        ("iterable", False, 1),
        ("iterable", False, 2),
        ("async_iterable", False, 1),
        ("async_iterable", False, 2),
        ("maplike", False, 2),
        ("maplike", True, 2),
        ("setlike", False, 1),
        ("setlike", True, 1),
    }
    forms = {a.form for d in definitions for a in d.ext_attrs}
    assert forms == {
        "no-args",
        "arg-list",
        "ident",
        "string",
        "integer",
        "decimal",
        "wildcard",
        "ident-list",
        "named-arg-list",
        "balanced",
    }


# --- spellings the printer normalises -----------------------------------------------------------

MESSY = """\
// A comment, and a doc comment: neither is part of the AST.
/** Docs. */
[Exposed = ( Window , Worker ),SecureContext]interface   Messy:_Base{
  readonly   attribute  unsigned   long   long  size ;
  [LegacyFactoryFunction=Image(long _interface, _Promise _x)] attribute long _y;
  undefined f ( [Clamp]long a,optional  DOMString b="x" ) ;
  getter long(unsigned long i);
};
enum Trailing { "a", "b", };
typedef _void Nothing;
"""

MESSY_PRINTED = """\
[Exposed=(Window,Worker), SecureContext]
interface Messy : Base {
    readonly attribute unsigned long long size;
    [LegacyFactoryFunction=Image(long _interface, _Promise _x)] attribute long y;
    undefined f([Clamp] long a, optional DOMString b = "x");
    getter long (unsigned long i);
};

enum Trailing {
    "a",
    "b"
};

typedef _void Nothing;
"""


def test_messy_idl_prints_canonically():
    idl = parse(MESSY, "messy.idl")
    printed = print_idl(idl)
    assert printed == MESSY_PRINTED
    assert parse(printed).definitions == idl.definitions


def test_required_member_with_default_round_trips():
    # Grammatical (the parser keeps the default for the validation pass to reject).
    idl = "dictionary D {\n    required long x = 1;\n};\n"
    assert print_idl(parse(idl)) == idl


def test_escaped_identifiers_in_extended_attribute_arguments_keep_their_tokens():
    # The arguments unescape `_interface` to `interface`; the printer would write the argument
    # name bare, which lexes to other tokens, so it prints the attribute's own tokens instead.
    idl = parse("[F(long _interface, _Foo x)] interface I {};")
    (attr,) = idl.definitions[0].ext_attrs
    assert attr.form == "arg-list"
    assert [a.name for a in attr.arguments] == ["interface", "x"]
    assert attr.arguments[1].type == SimpleType("Foo", is_reference=True)
    assert print_idl(idl) == "[F(long _interface, _Foo x)]\ninterface I {};\n"
    assert parse(print_idl(idl)).definitions == idl.definitions


def test_extended_attributes_built_without_tokens_print_from_their_form():
    # Code that builds an AST by hand need not fill in `tokens`.
    attr = ExtendedAttribute(
        "LegacyFactoryFunction",
        "named-arg-list",
        value="Image",
        arguments=parse("[X(DOMString src)] interface I {};").definitions[0].ext_attrs[0].arguments,
    )
    text = print_idl([Interface("I", [], ext_attrs=[attr])])
    assert text == "[LegacyFactoryFunction=Image(DOMString src)]\ninterface I {};\n"


@pytest.mark.parametrize(
    ("tokens", "printed"),
    [
        (("Range", "=", "(", "0", ",", "a", "b", ")"), "Range=(0, a b)"),
        (("Foo", "=", "a", "b"), "Foo=a b"),
        (("Foo", "(", "1", ",", '"x"', ")"), 'Foo(1, "x")'),
        (("Foo", "[", "a", "=", "b", "]"), "Foo [a = b]"),
        (("Foo", "<", "long", ">", "?"), "Foo<long>?"),
        (("interface",), "interface"),
        # `-` then `x` would lex as the identifier `-x`, `-` then `8` as the integer `-8`,
        # and `/` then `*` as a comment.
        (("Foo", "=", "-", "x"), "Foo=- x"),
        (("Foo", "=", "(", "-", "8", ")"), "Foo=(- 8)"),
        (("Foo", "/", "*", "x"), "Foo / * x"),
    ],
)
def test_balanced_extended_attributes_print_their_tokens(tokens, printed):
    text = print_idl(
        [Interface("I", [], ext_attrs=[ExtendedAttribute(tokens[0], "balanced", tokens=tokens)])]
    )
    assert text == f"[{printed}]\ninterface I {{}};\n"
    (attr,) = parse(text).definitions[0].ext_attrs
    assert attr.form == "balanced"
    assert attr.tokens == tokens


# --- print_type, for messages and documentation -----------------------------------------------


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (SimpleType("unsigned long long"), "unsigned long long"),
        (SimpleType("Node", is_reference=True, nullable=True), "Node?"),
        (SimpleType("interface", is_reference=True), "_interface"),
        (SimpleType("void", is_reference=True), "_void"),
        (GenericType("Promise", [SimpleType("undefined")]), "Promise<undefined>"),
        (
            GenericType("record", [_DOM, GenericType("sequence", [_LONG])]),
            "record<DOMString, sequence<long>>",
        ),
        (
            UnionType([_LONG, GenericType("FrozenArray", [_DOM], nullable=True)], nullable=True),
            "(long or FrozenArray<DOMString>?)?",
        ),
        (SimpleType("long", ext_attrs=[ExtendedAttribute("Clamp", "no-args")]), "[Clamp] long"),
    ],
)
def test_print_type(t, text):
    assert print_type(t) == text


def test_print_idl_of_nothing_is_empty():
    assert print_idl([]) == ""


# --- real IDL --------------------------------------------------------------------------------


def test_webnpu_idl_round_trips():
    path = ROOT / "idl" / "webnpu.idl"
    idl = parse(path.read_text(encoding="utf-8"), str(path))
    printed = print_idl(idl)
    assert parse(printed, "printed.idl").definitions == idl.definitions
    assert print_idl(parse(printed)) == printed


@pytest.mark.slow
def test_web_platform_idl_round_trips():
    # Every file of the pinned @webref/idl that parses (which files may not, and why, is
    # tests/test_webref.py's business) prints back to the same AST, stably.
    try:
        files = webref.corpus_files()
    except webref.WebrefUnavailable as e:
        pytest.fail(str(e))
    problems = []
    for path in files:
        try:
            idl = parse(path.read_text(encoding="utf-8"), path.name)
        except IdlError:
            continue
        printed = print_idl(idl)
        again = parse(printed, f"{path.name} (printed)")
        if again.definitions != idl.definitions:
            problems.append(f"{path.name}: printing changed the AST")
        elif print_idl(again) != printed:
            problems.append(f"{path.name}: printing is not stable")
    assert not problems
    assert len(files) == webref.EXPECTED_FILE_COUNT


def test_printed_layout():
    printed = print_idl(parse("[A] interface I { [B] attribute [C] long x; };"))
    assert printed == textwrap.dedent(
        """\
        [A]
        interface I {
            [B] attribute [C] long x;
        };
        """
    )
