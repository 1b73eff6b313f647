"""C++ names and identifier rules shared by every target that writes C++ (`cpp`, `blink`, `gecko`).

One list of the words C++ reserves, so a field the IDL names `delete` or `and` is renamed the
same way whichever browser's code declares it, and one table of the fixed-width C++ types the
WebIDL primitive types and the wire model's scalars map to (both engines' bindings use
`<cstdint>` types for them: Blink's `IDLTypes`, Gecko's `Codegen.py` builtin names).
"""

from __future__ import annotations

from codegen.targets.identifiers import pascal_case

# The C++17 keywords and alternative tokens an identifier made from an IDL name could meet
# (`and`/`or`/`not` are operators in C++, not just in Python).
CPP_KEYWORDS = frozenset(
    (
        "alignas",
        "alignof",
        "and",
        "asm",
        "auto",
        "bool",
        "break",
        "case",
        "catch",
        "char",
        "class",
        "const",
        "constexpr",
        "continue",
        "default",
        "delete",
        "do",
        "double",
        "else",
        "enum",
        "explicit",
        "export",
        "extern",
        "false",
        "float",
        "for",
        "friend",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "mutable",
        "namespace",
        "new",
        "noexcept",
        "not",
        "nullptr",
        "operator",
        "or",
        "private",
        "protected",
        "public",
        "register",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "struct",
        "switch",
        "template",
        "this",
        "throw",
        "true",
        "try",
        "typedef",
        "typeid",
        "typename",
        "union",
        "unsigned",
        "using",
        "virtual",
        "void",
        "volatile",
        "while",
        "xor",
    )
)

# WebIDL's primitive types as C++ spells their values.
IDL_PRIMITIVES = {
    "boolean": "bool",
    "byte": "int8_t",
    "octet": "uint8_t",
    "short": "int16_t",
    "unsigned short": "uint16_t",
    "long": "int32_t",
    "unsigned long": "uint32_t",
    "long long": "int64_t",
    "unsigned long long": "uint64_t",
    "float": "float",
    "unrestricted float": "float",
    "double": "double",
    "unrestricted double": "double",
}

# The wire model's fixed-size scalars (docs/wire.md §2.1) as C++ types; `i128` (a bigint) is
# left to each target, which has its own type for it.
WIRE_SCALARS = {
    "bool": "bool",
    "u8": "uint8_t",
    "u16": "uint16_t",
    "u32": "uint32_t",
    "u64": "uint64_t",
    "i8": "int8_t",
    "i16": "int16_t",
    "i32": "int32_t",
    "i64": "int64_t",
    "f32": "float",
    "f64": "double",
}


def k_constant(words: str) -> str:
    """A constant or enumerator in Google C++ style, which Chromium and the native library
    follow: "low-power" -> `kLowPower`, "float16" -> `kFloat16`."""
    return "k" + pascal_case(words)


def unreserved(name: str) -> str:
    """`name`, with `_` appended if C++ reserves it (`delete` -> `delete_`)."""
    return name + "_" if name in CPP_KEYWORDS else name
