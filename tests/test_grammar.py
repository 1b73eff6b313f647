"""The WebIDL grammar (`codegen/webidl/grammar`): one test per production of the standard's
grammar (WebIDL §A, https://webidl.spec.whatwg.org/#idl-grammar), each asserting the AST built.

Tests are named after the production they exercise (`test_InterfaceRest`, ...). AST nodes
compare without their locations; `loc` is checked on its own at the end.
"""

from __future__ import annotations

import pytest

from codegen.webidl import parse
from codegen.webidl.ast import (
    Argument,
    Attribute,
    Callback,
    CallbackInterface,
    Const,
    Constructor,
    Declaration,
    Dictionary,
    Enum,
    EnumValue,
    ExtendedAttribute,
    Field,
    GenericType,
    Includes,
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

# --- helpers -----------------------------------------------------------------------------------


def definitions(text: str) -> list:
    return parse(text, "test.idl").definitions


def definition(text: str):
    (only,) = definitions(text)
    return only


def members(text: str) -> list:
    return definition(f"interface I {{ {text} }};").members


def member(text: str):
    (only,) = members(text)
    return only


def type_of(text: str):
    """The type in `typedef <text> T;` (a TypeWithExtendedAttributes)."""
    return definition(f"typedef {text} T;").type


def return_type(text: str):
    """The type in `<text> f();` (a plain Type: no extended attributes)."""
    return member(f"{text} f();").return_type


def arguments(text: str) -> list[Argument]:
    return member(f"undefined f({text});").arguments


def argument(text: str) -> Argument:
    (only,) = arguments(text)
    return only


def ext_attrs(text: str) -> list[ExtendedAttribute]:
    return definition(f"[{text}] interface I {{}};").ext_attrs


def ext_attr(text: str) -> ExtendedAttribute:
    (only,) = ext_attrs(text)
    return only


def T(name: str, nullable: bool = False, ext: list | None = None) -> SimpleType:
    """A built-in type."""
    return SimpleType(name, False, nullable, ext or [])


def Ref(name: str, nullable: bool = False) -> SimpleType:
    """A type naming a definition."""
    return SimpleType(name, True, nullable)


def Gen(generic: str, *args, nullable: bool = False) -> GenericType:
    return GenericType(generic, list(args), nullable)


def Union(*members, nullable: bool = False) -> UnionType:
    return UnionType(list(members), nullable)


def NoArgs(name: str) -> ExtendedAttribute:
    return ExtendedAttribute(name, "no-args", tokens=(name,))


LONG = T("long")
UNDEFINED = T("undefined")
DOMSTRING = T("DOMString")


# --- Definitions -------------------------------------------------------------------------------


def test_Definitions_empty():
    assert definitions("") == []
    assert definitions("  // nothing\n/* here */\n") == []


def test_Definitions_in_source_order_with_extended_attributes():
    defs = definitions('interface A {}; [X] dictionary B {}; enum C { "c" };')
    assert [(type(d).__name__, d.name) for d in defs] == [
        ("Interface", "A"),
        ("Dictionary", "B"),
        ("Enum", "C"),
    ]
    assert defs[0].ext_attrs == []
    assert defs[1].ext_attrs == [NoArgs("X")]


def test_parse_returns_the_path():
    assert parse("", "some/file.idl").path == "some/file.idl"


# --- interfaces --------------------------------------------------------------------------------


def test_InterfaceRest():
    assert definition("interface A {};") == Interface("A", [])


def test_Inheritance():
    assert definition("interface A : B {};") == Interface("A", [], inherits="B")
    assert definition("interface A {};").inherits is None


def test_escaped_identifiers_lose_their_underscore():
    assert definition("interface _interface : _Base {};") == Interface(
        "interface", [], inherits="Base"
    )
    assert definition("interface _A { attribute _B _c; };") == Interface(
        "A", [Attribute("c", Ref("B"))]
    )


def test_identifiers_starting_with_a_dash():
    assert definition("interface -A { attribute long -b; };") == Interface(
        "-A", [Attribute("-b", LONG)]
    )


def test_Partial_PartialInterfaceRest():
    assert definition("partial interface A { attribute long x; };") == Interface(
        "A", [Attribute("x", LONG)], partial=True
    )


def test_InterfaceMembers_in_source_order():
    got = members("const long a = 1; attribute long b; undefined c(); constructor();")
    assert [type(m).__name__ for m in got] == ["Const", "Attribute", "Operation", "Constructor"]


def test_InterfaceMembers_with_extended_attributes():
    got = members("[A] attribute long a; [B, C] undefined f(); [D] const long x = 1;")
    assert [[a.name for a in m.ext_attrs] for m in got] == [["A"], ["B", "C"], ["D"]]


def test_MixinRest():
    assert definition("interface mixin M { attribute long x; };") == InterfaceMixin(
        "M", [Attribute("x", LONG)]
    )


def test_PartialInterfaceOrPartialMixin_partial_mixin():
    assert definition("partial interface mixin M { const long x = 1; };") == InterfaceMixin(
        "M", [Const("x", LONG, Value("integer", "1"))], partial=True
    )


def test_MixinMembers_every_allowed_kind():
    got = definition(
        "interface mixin M { const long c = 1; undefined op(); stringifier; "
        "stringifier attribute DOMString s; readonly attribute long r; attribute long w; };"
    ).members
    assert got == [
        Const("c", LONG, Value("integer", "1")),
        Operation("op", UNDEFINED, []),
        Operation("", None, [], special="stringifier"),
        Attribute("s", DOMSTRING, special="stringifier"),
        Attribute("r", LONG, readonly=True),
        Attribute("w", LONG),
    ]


def test_IncludesStatement():
    assert definition("Window includes WindowOrWorkerGlobalScope;") == Includes(
        "Window", "WindowOrWorkerGlobalScope"
    )
    assert definition("[X] _A includes _B;") == Includes("A", "B", ext_attrs=[NoArgs("X")])


def test_CallbackRestOrInterface_callback_interface():
    assert definition(
        "callback interface EventListener { undefined handleEvent(Event event); };"
    ) == CallbackInterface(
        "EventListener",
        [Operation("handleEvent", UNDEFINED, [Argument("event", Ref("Event"))])],
    )


def test_CallbackInterfaceMembers():
    got = definition("callback interface C { const short s = 2; boolean f(); };").members
    assert got == [Const("s", T("short"), Value("integer", "2")), Operation("f", T("boolean"), [])]


def test_CallbackRest():
    assert definition("callback F = Promise<any> (DOMString a, optional long b);") == Callback(
        "F",
        Gen("Promise", T("any")),
        [Argument("a", DOMSTRING), Argument("b", LONG, optional=True)],
    )
    assert definition("callback G = undefined ();") == Callback("G", UNDEFINED, [])


def test_Namespace():
    assert definition("namespace console { undefined log(any... data); };") == Namespace(
        "console", [Operation("log", UNDEFINED, [Argument("data", T("any"), variadic=True)])]
    )


def test_PartialDefinition_partial_namespace():
    assert definition("partial namespace N { readonly attribute long x; };") == Namespace(
        "N", [Attribute("x", LONG, readonly=True)], partial=True
    )


def test_NamespaceMembers_every_allowed_kind():
    got = definition(
        "namespace N { undefined f(); readonly attribute long r; const long c = 3; };"
    ).members
    assert got == [
        Operation("f", UNDEFINED, []),
        Attribute("r", LONG, readonly=True),
        Const("c", LONG, Value("integer", "3")),
    ]


# --- dictionaries ------------------------------------------------------------------------------


def test_Dictionary():
    assert definition("dictionary D { long x; };") == Dictionary("D", [Field("x", LONG)])


def test_Dictionary_Inheritance():
    assert definition("dictionary D : Base {};") == Dictionary("D", [], inherits="Base")


def test_PartialDictionary():
    assert definition("partial dictionary D { DOMString s; };") == Dictionary(
        "D", [Field("s", DOMSTRING)], partial=True
    )


def test_DictionaryMemberRest_required():
    assert definition("dictionary D { required long x; };").members == [
        Field("x", LONG, required=True)
    ]


def test_DictionaryMemberRest_required_type_takes_extended_attributes():
    (field,) = definition("dictionary D { required [EnforceRange] long x; };").members
    assert field == Field("x", T("long", ext=[NoArgs("EnforceRange")]), required=True)
    assert field.ext_attrs == []


def test_DictionaryMemberRest_required_with_default_is_left_to_validation():
    # Grammatically a required member has no default; the validation pass reports it, so the
    # parser keeps the default for it to see.
    assert definition("dictionary D { required long x = 1; };").members == [
        Field("x", LONG, required=True, default=Value("integer", "1"))
    ]


def test_DictionaryMember_extended_attributes():
    (field,) = definition("dictionary D { [Clamp] octet x; };").members
    assert field == Field("x", T("octet"), ext_attrs=[NoArgs("Clamp")])


def test_DictionaryMembers_in_source_order():
    got = definition("dictionary D { long b; required long a; long c = 1; };").members
    assert [f.name for f in got] == ["b", "a", "c"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", Value("integer", "0")),
        ("-7", Value("integer", "-7")),
        ("0x10", Value("integer", "0x10")),
        ("017", Value("integer", "017")),
        ("1.5", Value("decimal", "1.5")),
        ("-1e3", Value("decimal", "-1e3")),
        ("Infinity", Value("infinity", "Infinity")),
        ("-Infinity", Value("infinity", "-Infinity")),
        ("NaN", Value("nan", "NaN")),
        ("true", Value("boolean", "true")),
        ("false", Value("boolean", "false")),
        ('"text"', Value("string", '"text"')),
        ('""', Value("string", '""')),
        ("null", Value("null", "null")),
        ("undefined", Value("undefined", "undefined")),
        ("[]", Value("sequence", "[]")),
        ("[ ]", Value("sequence", "[]")),
        ("{}", Value("dictionary", "{}")),
        ("{ }", Value("dictionary", "{}")),
    ],
)
def test_Default_DefaultValue_every_kind(text, value):
    (field,) = definition(f"dictionary D {{ any x = {text}; }};").members
    assert field == Field("x", T("any"), default=value)


# --- enums -------------------------------------------------------------------------------------


def test_Enum_EnumValueList():
    assert definition('enum E { "a", "b-c", "" };') == Enum(
        "E", [EnumValue("a"), EnumValue("b-c"), EnumValue("")]
    )


def test_EnumValueListComma_trailing_comma():
    assert definition('enum E { "a", "b", };') == Enum("E", [EnumValue("a"), EnumValue("b")])


def test_EnumValueListString_single_value():
    assert definition('enum E { "only" };') == Enum("E", [EnumValue("only")])
    assert definition('enum E { "only", };') == Enum("E", [EnumValue("only")])


# --- typedefs ----------------------------------------------------------------------------------


def test_Typedef():
    assert definition("typedef unsigned long GLenum;") == Typedef("GLenum", T("unsigned long"))


def test_Typedef_type_takes_extended_attributes():
    assert definition("typedef [Clamp] octet O;") == Typedef("O", T("octet", ext=[NoArgs("Clamp")]))
    assert definition("[X] typedef long L;").ext_attrs == [NoArgs("X")]


# --- constants ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "type_text",
    [
        "boolean",
        "byte",
        "octet",
        "bigint",
        "short",
        "unsigned short",
        "long",
        "unsigned long",
        "long long",
        "unsigned long long",
        "float",
        "unrestricted float",
        "double",
        "unrestricted double",
    ],
)
def test_Const_ConstType_every_primitive_type(type_text):
    assert member(f"const {type_text} X = 1;") == Const("X", T(type_text), Value("integer", "1"))


def test_ConstType_identifier():
    assert member("const GLenum X = 0x0500;") == Const(
        "X", Ref("GLenum"), Value("integer", "0x0500")
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", Value("boolean", "true")),
        ("false", Value("boolean", "false")),
        ("42", Value("integer", "42")),
        ("-42", Value("integer", "-42")),
        ("0xFF", Value("integer", "0xFF")),
        ("0", Value("integer", "0")),
        ("1.25", Value("decimal", "1.25")),
        ("-.5e-2", Value("decimal", "-.5e-2")),
        ("Infinity", Value("infinity", "Infinity")),
        ("-Infinity", Value("infinity", "-Infinity")),
        ("NaN", Value("nan", "NaN")),
    ],
)
def test_ConstValue_BooleanLiteral_FloatLiteral_integer(text, value):
    assert member(f"const double X = {text};").value == value


def test_Const_name_is_unescaped():
    assert member("const long _const = 1;").name == "const"


# --- attributes --------------------------------------------------------------------------------


def test_ReadWriteAttribute_AttributeRest():
    assert member("attribute DOMString name;") == Attribute("name", DOMSTRING)


def test_ReadOnlyMember_attribute():
    assert member("readonly attribute long x;") == Attribute("x", LONG, readonly=True)


def test_InheritAttribute():
    assert member("inherit attribute long x;") == Attribute("x", LONG, special="inherit")


def test_StaticMember_attribute_OptionalReadOnly():
    assert member("static attribute long x;") == Attribute("x", LONG, special="static")
    assert member("static readonly attribute long y;") == Attribute(
        "y", LONG, readonly=True, special="static"
    )


def test_Stringifier_attribute_OptionalReadOnly():
    assert member("stringifier attribute USVString href;") == Attribute(
        "href", T("USVString"), special="stringifier"
    )
    assert member("stringifier readonly attribute DOMString s;") == Attribute(
        "s", DOMSTRING, readonly=True, special="stringifier"
    )


@pytest.mark.parametrize("name", ["async", "required"])
def test_AttributeNameKeyword(name):
    assert member(f"attribute long {name};") == Attribute(name, LONG)
    assert member(f"readonly attribute long {name};") == Attribute(name, LONG, readonly=True)


def test_AttributeRest_type_takes_extended_attributes():
    assert member("attribute [LegacyNullToEmptyString] DOMString s;") == Attribute(
        "s", T("DOMString", ext=[NoArgs("LegacyNullToEmptyString")])
    )


def test_AttributeName_keyword_escaped():
    assert member("attribute long _attribute;").name == "attribute"


# --- operations --------------------------------------------------------------------------------


def test_RegularOperation():
    assert member("boolean contains(DOMString s);") == Operation(
        "contains", T("boolean"), [Argument("s", DOMSTRING)]
    )


def test_OperationRest_empty_ArgumentList():
    assert member("undefined f();") == Operation("f", UNDEFINED, [])


def test_OperationNameKeyword_includes():
    assert member("boolean includes(any x);") == Operation(
        "includes", T("boolean"), [Argument("x", T("any"))]
    )
    assert member("boolean includes();") == Operation("includes", T("boolean"), [])


def test_OperationName_escaped():
    assert member("undefined _constructor();").name == "constructor"


@pytest.mark.parametrize("special", ["getter", "setter", "deleter"])
def test_SpecialOperation_Special_unnamed(special):
    assert member(f"{special} any (DOMString name);") == Operation(
        "", T("any"), [Argument("name", DOMSTRING)], special=special
    )


@pytest.mark.parametrize("special", ["getter", "setter", "deleter"])
def test_SpecialOperation_Special_named(special):
    assert member(f"{special} any item(unsigned long index);") == Operation(
        "item", T("any"), [Argument("index", T("unsigned long"))], special=special
    )


def test_OptionalOperationName_unnamed_regular_operation():
    # The grammar allows it (OptionalOperationName); whether it means anything is semantics.
    assert member("long (long x);") == Operation("", LONG, [Argument("x", LONG)])


def test_StaticMember_operation():
    assert member("static Promise<undefined> f();") == Operation(
        "f", Gen("Promise", UNDEFINED), [], special="static"
    )


def test_StringifierRest_operation():
    assert member("stringifier DOMString toString();") == Operation(
        "toString", DOMSTRING, [], special="stringifier"
    )


def test_StringifierRest_semicolon():
    assert member("stringifier;") == Operation("", None, [], special="stringifier")


def test_operation_overloads_are_separate_members():
    got = members("undefined f(long a); undefined f(DOMString a, long b); undefined f();")
    assert [(m.name, len(m.arguments)) for m in got] == [("f", 1), ("f", 2), ("f", 0)]


def test_Constructor():
    assert member('constructor(long a, optional DOMString b = "x");') == Constructor(
        [
            Argument("a", LONG),
            Argument("b", DOMSTRING, optional=True, default=Value("string", '"x"')),
        ]
    )
    assert member("constructor();") == Constructor([])


def test_Constructor_extended_attributes():
    assert member("[Throws] constructor();") == Constructor([], ext_attrs=[NoArgs("Throws")])


# --- arguments ---------------------------------------------------------------------------------


def test_ArgumentList_Arguments():
    assert arguments("long a, DOMString b, any c") == [
        Argument("a", LONG),
        Argument("b", DOMSTRING),
        Argument("c", T("any")),
    ]


def test_ArgumentRest_optional():
    assert argument("optional long x") == Argument("x", LONG, optional=True)


def test_ArgumentRest_optional_Default():
    assert argument("optional long x = 5") == Argument(
        "x", LONG, optional=True, default=Value("integer", "5")
    )
    assert argument("optional Options o = {}") == Argument(
        "o", Ref("Options"), optional=True, default=Value("dictionary", "{}")
    )
    assert argument("optional sequence<long> s = []") == Argument(
        "s", Gen("sequence", LONG), optional=True, default=Value("sequence", "[]")
    )
    assert argument("optional long? n = null") == Argument(
        "n", T("long", True), optional=True, default=Value("null", "null")
    )
    assert argument("optional any u = undefined") == Argument(
        "u", T("any"), optional=True, default=Value("undefined", "undefined")
    )


def test_ArgumentRest_optional_type_takes_extended_attributes():
    assert argument("optional [EnforceRange] long x") == Argument(
        "x", T("long", ext=[NoArgs("EnforceRange")]), optional=True
    )


def test_Ellipsis_variadic():
    assert argument("long... rest") == Argument("rest", LONG, variadic=True)
    assert argument("(long or DOMString)... rest") == Argument(
        "rest", Union(LONG, DOMSTRING), variadic=True
    )


def test_Argument_ExtendedAttributeList():
    assert argument("[Clamp] long x") == Argument("x", LONG, ext_attrs=[NoArgs("Clamp")])
    assert argument("[A] optional [B] long x") == Argument(
        "x", T("long", ext=[NoArgs("B")]), optional=True, ext_attrs=[NoArgs("A")]
    )
    assert argument("[A] long... x") == Argument("x", LONG, variadic=True, ext_attrs=[NoArgs("A")])
    assert argument("[A] optional long x = 1") == Argument(
        "x", LONG, optional=True, default=Value("integer", "1"), ext_attrs=[NoArgs("A")]
    )


@pytest.mark.parametrize("keyword", sorted(ARGUMENT_NAME_KEYWORDS))
def test_ArgumentNameKeyword_every_keyword(keyword):
    assert argument(f"long {keyword}") == Argument(keyword, LONG)
    assert argument(f"optional long {keyword} = 1") == Argument(
        keyword, LONG, optional=True, default=Value("integer", "1")
    )
    assert argument(f"long... {keyword}") == Argument(keyword, LONG, variadic=True)


def test_ArgumentName_escaped_identifier():
    assert argument("long _x").name == "x"


# --- iterable, async_iterable, maplike, setlike ------------------------------------------------


def test_Iterable_one_type():
    assert member("iterable<long>;") == Declaration("iterable", [LONG])


def test_Iterable_OptionalType_two_types():
    assert member("iterable<DOMString, [Clamp] octet>;") == Declaration(
        "iterable", [DOMSTRING, T("octet", ext=[NoArgs("Clamp")])]
    )


def test_AsyncIterable_without_OptionalArgumentList():
    assert member("async_iterable<long>;") == Declaration("async_iterable", [LONG])
    assert member("async_iterable<long, DOMString>;") == Declaration(
        "async_iterable", [LONG, DOMSTRING]
    )


def test_AsyncIterable_OptionalArgumentList():
    assert member("async_iterable<long>(optional Options o = {});") == Declaration(
        "async_iterable",
        [LONG],
        arguments=[Argument("o", Ref("Options"), optional=True, default=Value("dictionary", "{}"))],
    )
    assert member("async_iterable<long, long>();") == Declaration(
        "async_iterable", [LONG, LONG], arguments=[]
    )


def test_ReadWriteMaplike_MaplikeRest():
    assert member("maplike<DOMString, long>;") == Declaration("maplike", [DOMSTRING, LONG])


def test_ReadOnlyMember_maplike():
    assert member("readonly maplike<DOMString, long>;") == Declaration(
        "maplike", [DOMSTRING, LONG], readonly=True
    )


def test_ReadWriteSetlike_SetlikeRest():
    assert member("setlike<DOMString>;") == Declaration("setlike", [DOMSTRING])


def test_ReadOnlyMember_setlike():
    assert member("readonly setlike<long>;") == Declaration("setlike", [LONG], readonly=True)


# --- types -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("boolean", "boolean"),
        ("byte", "byte"),
        ("octet", "octet"),
        ("bigint", "bigint"),
        ("short", "short"),
        ("unsigned short", "unsigned short"),
        ("long", "long"),
        ("unsigned long", "unsigned long"),
        ("long long", "long long"),
        ("unsigned long long", "unsigned long long"),
        ("float", "float"),
        ("unrestricted float", "unrestricted float"),
        ("double", "double"),
        ("unrestricted double", "unrestricted double"),
        ("unsigned  \n long\tlong", "unsigned long long"),
    ],
)
def test_PrimitiveType_every_spelling(text, name):
    assert type_of(text) == T(name)
    assert type_of(text + "?") == T(name, nullable=True)


@pytest.mark.parametrize("name", ["ByteString", "DOMString", "USVString"])
def test_StringType(name):
    assert type_of(name) == T(name)
    assert type_of(name + "?") == T(name, nullable=True)


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
def test_BufferRelatedType(name):
    assert type_of(name) == T(name)
    assert type_of(name + "?") == T(name, nullable=True)


@pytest.mark.parametrize("name", ["object", "symbol", "undefined"])
def test_DistinguishableType_keyword_types(name):
    assert type_of(name) == T(name)
    assert type_of(name + "?") == T(name, nullable=True)


def test_SingleType_any():
    assert type_of("any") == T("any")


def test_DistinguishableType_identifier_Null():
    assert type_of("Node") == Ref("Node")
    assert type_of("Node?") == Ref("Node", nullable=True)


@pytest.mark.parametrize(
    "generic", ["sequence", "FrozenArray", "ObservableArray", "async_sequence"]
)
def test_DistinguishableType_generic(generic):
    assert type_of(f"{generic}<long>") == Gen(generic, LONG)
    assert type_of(f"{generic}<Node?>?") == Gen(generic, Ref("Node", True), nullable=True)
    assert type_of(f"{generic}<[Clamp] octet>") == Gen(generic, T("octet", ext=[NoArgs("Clamp")]))


def test_nested_generics():
    assert type_of("sequence<sequence<FrozenArray<long>>>") == Gen(
        "sequence", Gen("sequence", Gen("FrozenArray", LONG))
    )


@pytest.mark.parametrize("key", ["ByteString", "DOMString", "USVString"])
def test_RecordType(key):
    assert type_of(f"record<{key}, any>") == Gen("record", T(key), T("any"))
    assert type_of(f"record<{key}, [Clamp] long>?") == Gen(
        "record", T(key), T("long", ext=[NoArgs("Clamp")]), nullable=True
    )


def test_PromiseType():
    assert type_of("Promise<undefined>") == Gen("Promise", UNDEFINED)
    assert type_of("Promise<sequence<Node>>") == Gen("Promise", Gen("sequence", Ref("Node")))
    assert type_of("Promise<any>") == Gen("Promise", T("any"))


def test_UnionType():
    assert type_of("(long or DOMString)") == Union(LONG, DOMSTRING)
    assert type_of("(long or DOMString or Node or sequence<long>)") == Union(
        LONG, DOMSTRING, Ref("Node"), Gen("sequence", LONG)
    )


def test_UnionType_Null():
    assert type_of("(long or DOMString)?") == Union(LONG, DOMSTRING, nullable=True)


def test_UnionMemberType_nullable_members():
    assert type_of("(long? or Node?)") == Union(T("long", True), Ref("Node", True))


def test_UnionMemberType_nested_union():
    assert type_of("(long or (DOMString or Node)? or boolean)") == Union(
        LONG, Union(DOMSTRING, Ref("Node"), nullable=True), T("boolean")
    )


def test_UnionMemberType_ExtendedAttributeList():
    assert type_of("([Clamp] octet or [EnforceRange] long? or DOMString)") == Union(
        T("octet", ext=[NoArgs("Clamp")]),
        T("long", True, ext=[NoArgs("EnforceRange")]),
        DOMSTRING,
    )


@pytest.mark.parametrize(
    "text",
    [
        "boolean",
        "unsigned long long",
        "unrestricted double",
        "USVString",
        "Float16Array",
        "object",
        "symbol",
        "undefined",
        "bigint",
        "Node",
        "sequence<long>",
        "FrozenArray<long>",
        "ObservableArray<long>",
        "async_sequence<long>",
        "record<DOMString, long>",
    ],
)
def test_UnionMemberType_every_distinguishable_type(text):
    assert type_of(f"({text} or long)").members[0] == type_of(text)


def test_TypeWithExtendedAttributes():
    assert type_of("[EnforceRange] unsigned long") == T(
        "unsigned long", ext=[NoArgs("EnforceRange")]
    )
    union = type_of("[A, B] (long or DOMString)?")
    assert union == UnionType([LONG, DOMSTRING], True, [NoArgs("A"), NoArgs("B")])


def test_Type_as_operation_return_type():
    assert return_type("Promise<(long or DOMString)>") == Gen("Promise", Union(LONG, DOMSTRING))
    assert return_type("sequence<long>?") == Gen("sequence", LONG, nullable=True)
    assert return_type("any") == T("any")


def test_type_names_that_start_like_keywords_are_references():
    assert type_of("interfaceName") == Ref("interfaceName")
    assert type_of("longer?") == Ref("longer", nullable=True)
    assert type_of("_long") == Ref("long")


# --- extended attributes -----------------------------------------------------------------------


def test_ExtendedAttributeNoArgs():
    assert ext_attr("Replaceable") == ExtendedAttribute(
        "Replaceable", "no-args", tokens=("Replaceable",)
    )


def test_ExtendedAttributeArgList():
    attr = ext_attr("X(long a, optional DOMString b)")
    assert (attr.name, attr.form, attr.value) == ("X", "arg-list", None)
    assert attr.arguments == [Argument("a", LONG), Argument("b", DOMSTRING, optional=True)]
    assert attr.tokens == ("X", "(", "long", "a", ",", "optional", "DOMString", "b", ")")


def test_ExtendedAttributeArgList_empty():
    attr = ext_attr("X()")
    assert (attr.form, attr.arguments) == ("arg-list", [])


def test_ExtendedAttributeArgList_arguments_with_extended_attributes():
    attr = ext_attr("X([Clamp] octet a, optional [EnforceRange] long b = 0)")
    assert attr.form == "arg-list"
    assert attr.arguments == [
        Argument("a", T("octet"), ext_attrs=[NoArgs("Clamp")]),
        Argument(
            "b",
            T("long", ext=[NoArgs("EnforceRange")]),
            optional=True,
            default=Value("integer", "0"),
        ),
    ]


def test_ExtendedAttributeIdent():
    assert ext_attr("PutForwards=name") == ExtendedAttribute(
        "PutForwards", "ident", value="name", tokens=("PutForwards", "=", "name")
    )


def test_ExtendedAttributeString():
    assert ext_attr('Reflect="for"') == ExtendedAttribute(
        "Reflect", "string", value='"for"', tokens=("Reflect", "=", '"for"')
    )


def test_ExtendedAttributeInteger():
    assert ext_attr("Priority=-3") == ExtendedAttribute(
        "Priority", "integer", value="-3", tokens=("Priority", "=", "-3")
    )


def test_ExtendedAttributeDecimal():
    assert ext_attr("Ratio=1.5") == ExtendedAttribute(
        "Ratio", "decimal", value="1.5", tokens=("Ratio", "=", "1.5")
    )


def test_ExtendedAttributeWildcard():
    assert ext_attr("Exposed=*") == ExtendedAttribute(
        "Exposed", "wildcard", value="*", tokens=("Exposed", "=", "*")
    )


def test_ExtendedAttributeIdentList_IdentifierList():
    assert ext_attr("Exposed=(Window,Worker)") == ExtendedAttribute(
        "Exposed",
        "ident-list",
        values=("Window", "Worker"),
        tokens=("Exposed", "=", "(", "Window", ",", "Worker", ")"),
    )
    assert ext_attr("Exposed=(Window)").values == ("Window",)


def test_ExtendedAttributeIdentList_of_numbers():
    attr = ext_attr("ReflectRange=(0, 8)")
    assert (attr.name, attr.form, attr.values) == ("ReflectRange", "ident-list", ("0", "8"))


def test_ExtendedAttributeNamedArgList():
    attr = ext_attr("LegacyFactoryFunction=Image(DOMString src)")
    assert (attr.name, attr.form, attr.value) == (
        "LegacyFactoryFunction",
        "named-arg-list",
        "Image",
    )
    assert attr.arguments == [Argument("src", DOMSTRING)]
    assert ext_attr("LegacyFactoryFunction=Audio()").arguments == []


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Foo=(a b) c", ("Foo", "=", "(", "a", "b", ")", "c")),
        ("Foo=[1, 2]", ("Foo", "=", "[", "1", ",", "2", "]")),
        ("Foo={a: 1}", ("Foo", "=", "{", "a", ":", "1", "}")),
        ("Foo=()", ("Foo", "=", "(", ")")),
        ("Foo=(a,)", ("Foo", "=", "(", "a", ",", ")")),
        ("Foo(1, 2)", ("Foo", "(", "1", ",", "2", ")")),
        ("Foo=Bar(1)", ("Foo", "=", "Bar", "(", "1", ")")),
        ("Foo=a.b", ("Foo", "=", "a", ".", "b")),
        ("Foo=-Infinity", ("Foo", "=", "-Infinity")),
        ("Foo bar baz", ("Foo", "bar", "baz")),
        ("Foo=interface", ("Foo", "=", "interface")),
        ("Foo=a=b", ("Foo", "=", "a", "=", "b")),
        (
            "Foo=(a (b [c {d}]))",
            ("Foo", "=", "(", "a", "(", "b", "[", "c", "{", "d", "}", "]", ")", ")"),
        ),
        ("Foo=@", ("Foo", "=", "@")),
        ("Foo=<long>?...;:", ("Foo", "=", "<", "long", ">", "?", "...", ";", ":")),
    ],
)
def test_ExtendedAttribute_general_balanced_form(text, tokens):
    attr = ext_attr(text)
    assert (attr.name, attr.form, attr.tokens) == ("Foo", "balanced", tokens)


@pytest.mark.parametrize(
    ("text", "name"),
    [("(a) b", "("), ("[a]", "["), ("{a}", "{"), ("1", "1"), ('"s"', '"s"'), ("*", "*")],
)
def test_ExtendedAttribute_not_starting_with_an_identifier(text, name):
    attr = ext_attr(text)
    assert (attr.name, attr.form) == (name, "balanced")


def test_ExtendedAttributes_list_order_and_commas_inside_brackets():
    got = ext_attrs("A, B=(x, y), C=[1, 2], D")
    assert [(a.name, a.form) for a in got] == [
        ("A", "no-args"),
        ("B", "ident-list"),
        ("C", "balanced"),
        ("D", "no-args"),
    ]


def test_extended_attributes_on_every_construct():
    defs = definitions(
        """
        [D1] interface I {
          [M1] attribute [T1] long a;
          [M2] undefined f([A1] long x, optional [T2] long y);
          [M3] const long c = 1;
          [M4] constructor();
          [M5] iterable<[T3] long>;
        };
        [D2] dictionary Dict { [F1] long x; required [T4] long y; };
        [D3] enum E { "e" };
        [D4] callback C = undefined ([A2] long x);
        [D5] typedef [T5] long L;
        [D6] I includes M;
        [D7] namespace N {};
        [D8] interface mixin M {};
        [D9] callback interface CI {};
        """
    )
    names = [[a.name for a in d.ext_attrs] for d in defs]
    assert names == [[f"D{i}"] for i in range(1, 10)]
    interface, dictionary, _, callback, typedef = defs[:5]
    a, f, c, ctor, it = interface.members
    assert a.ext_attrs == [NoArgs("M1")] and a.type.ext_attrs == [NoArgs("T1")]
    assert f.ext_attrs == [NoArgs("M2")]
    assert f.arguments[0].ext_attrs == [NoArgs("A1")]
    assert f.arguments[1].type.ext_attrs == [NoArgs("T2")]
    assert c.ext_attrs == [NoArgs("M3")]
    assert ctor.ext_attrs == [NoArgs("M4")]
    assert it.ext_attrs == [NoArgs("M5")] and it.types[0].ext_attrs == [NoArgs("T3")]
    assert dictionary.members[0].ext_attrs == [NoArgs("F1")]
    assert dictionary.members[1].type.ext_attrs == [NoArgs("T4")]
    assert callback.arguments[0].ext_attrs == [NoArgs("A2")]
    assert typedef.type.ext_attrs == [NoArgs("T5")]


# --- locations ---------------------------------------------------------------------------------


LOCATED = """\
[Exposed=Window]
interface Widget : Base {
  constructor(optional long size = 0);
  const short LIMIT = 3;
  readonly attribute (long or DOMString) value;
\tundefined   resize([Clamp] unsigned long width, long... rest);
  iterable<long>;
};
dictionary Options { required DOMString name; };
enum Mode { "a",
  "b" };
typedef sequence<long> Longs;
callback Done = undefined (any result);
Widget includes Mixin;
"""


def where(node) -> tuple[str, int, int]:
    return (node.loc.file, node.loc.line, node.loc.column)


def test_locations_of_definitions():
    defs = parse(LOCATED, "dir/widget.idl").definitions
    interface, dictionary, enum, typedef, callback, includes = defs
    assert where(interface) == ("dir/widget.idl", 2, 11)  # the name
    assert where(interface.ext_attrs[0]) == ("dir/widget.idl", 1, 2)
    assert where(dictionary) == ("dir/widget.idl", 9, 12)
    assert where(enum) == ("dir/widget.idl", 10, 6)
    assert [where(v)[1:] for v in enum.values] == [(10, 13), (11, 3)]
    assert where(typedef) == ("dir/widget.idl", 12, 24)
    assert where(typedef.type) == ("dir/widget.idl", 12, 9)
    assert where(callback) == ("dir/widget.idl", 13, 10)
    assert where(includes) == ("dir/widget.idl", 14, 1)


def test_locations_of_members_arguments_types_and_values():
    interface = parse(LOCATED, "w.idl").definitions[0]
    ctor, const, attribute, operation, iterable = interface.members
    assert where(ctor)[1:] == (3, 3)
    assert where(ctor.arguments[0])[1:] == (3, 29)
    assert where(ctor.arguments[0].default)[1:] == (3, 36)
    assert where(const)[1:] == (4, 15)
    assert where(const.type)[1:] == (4, 9)
    assert where(const.value)[1:] == (4, 23)
    assert where(attribute)[1:] == (5, 42)
    assert where(attribute.type)[1:] == (5, 22)
    assert where(attribute.type.members[1])[1:] == (5, 31)
    # Columns count characters: a tab is one.
    assert where(operation)[1:] == (6, 14)
    assert where(operation.return_type)[1:] == (6, 2)
    width, rest = operation.arguments
    assert where(width)[1:] == (6, 43)
    assert where(width.ext_attrs[0])[1:] == (6, 22)
    assert where(width.type)[1:] == (6, 29)
    assert where(rest)[1:] == (6, 58)
    assert where(iterable)[1:] == (7, 3)
    assert where(iterable.types[0])[1:] == (7, 12)


def test_location_of_a_field():
    dictionary = parse(LOCATED, "w.idl").definitions[1]
    assert where(dictionary.members[0])[1:] == (9, 41)
    assert where(dictionary.members[0].type)[1:] == (9, 31)


def test_location_of_a_keyword_argument_name():
    (arg,) = (
        parse("interface I {\n  undefined f(long  callback);\n};", "k.idl")
        .definitions[0]
        .members[0]
        .arguments
    )
    assert where(arg) == ("k.idl", 2, 21)


def test_location_of_extended_attribute_arguments():
    attr = (
        parse("[F=Image(\n  DOMString src)] interface I {};", "e.idl").definitions[0].ext_attrs[0]
    )
    assert where(attr.arguments[0]) == ("e.idl", 2, 13)
    assert where(attr.arguments[0].type) == ("e.idl", 2, 3)


def test_locations_after_crlf_line_breaks():
    interface = parse("interface A {\r\n  attribute long x;\r\n};\r\n", "c.idl").definitions[0]
    assert where(interface.members[0]) == ("c.idl", 2, 18)


# --- the web platform's own spellings ----------------------------------------------------------


def test_a_realistic_interface():
    idl = """
    [Exposed=(Window,Worker), SecureContext]
    interface GPUBuffer {
      readonly attribute GPUSize64Out size;
      readonly attribute GPUFlagsConstant usage;
      Promise<undefined> mapAsync(GPUMapModeFlags mode, optional GPUSize64 offset = 0,
                                  optional GPUSize64 size);
      [NewObject] ArrayBuffer getMappedRange(optional GPUSize64 offset = 0);
      undefined unmap();
      undefined destroy();
    };
    """
    (buffer,) = definitions(idl)
    assert [a.form for a in buffer.ext_attrs] == ["ident-list", "no-args"]
    assert [(type(m).__name__, getattr(m, "name", "")) for m in buffer.members] == [
        ("Attribute", "size"),
        ("Attribute", "usage"),
        ("Operation", "mapAsync"),
        ("Operation", "getMappedRange"),
        ("Operation", "unmap"),
        ("Operation", "destroy"),
    ]
    assert buffer.members[2].arguments[2] == Argument("size", Ref("GPUSize64"), optional=True)
