"""Extended attributes (WebIDL §2.14) in their general, balanced-token form.

The standard's grammar accepts any balanced token sequence in an extended attribute
(`ExtendedAttributeInner`); browsers rely on that (`[ReflectRange=(0, 8)]`). So the grammar
collects tokens, and `classify` afterwards recognises the forms the standard names, re-parsing
argument lists with the full argument grammar.
"""

from __future__ import annotations

from codegen.webidl import lexer
from codegen.webidl.ast import ExtendedAttribute

# Every token that may stand inside an extended attribute besides brackets and commas
# (the standard's `Other`, which lists every keyword and literal).
OTHER_TOKENS = lexer.tokens + ("'<'", "'>'", "'='", "';'", "':'", "'?'", "'*'", "'.'", "'-'")


def p_extended_attribute_list(p):
    """ExtendedAttributeList : '[' ExtendedAttributes ']'"""
    p[0] = [p.lexer.classify(tokens) for tokens in p[2]]


def p_extended_attributes(p):
    """ExtendedAttributes : ExtAttrTokens
    | ExtendedAttributes ',' ExtAttrTokens"""
    if len(p) == 2:
        p[0] = [p[1]]
    else:
        attrs = p[1]
        attrs.append(p[3])
        p[0] = attrs


def p_ext_attr_tokens_first(p):
    # Docstring below: an extended attribute starts with any token but a bracket or comma.
    p[0] = [p.slice[1]]


p_ext_attr_tokens_first.__doc__ = "ExtAttrTokens : " + "\n    | ".join(OTHER_TOKENS)


def p_ext_attr_tokens_more(p):
    # One reduction per token: the attribute's tokens are collected flat, in order.
    items = p[1]
    items.append(p.slice[2])
    p[0] = items


p_ext_attr_tokens_more.__doc__ = "ExtAttrTokens : " + "\n    | ".join(
    f"ExtAttrTokens {t}" for t in OTHER_TOKENS
)


def p_ext_attr_tokens_group(p):
    """ExtAttrTokens : ExtAttrGroup
    | ExtAttrTokens ExtAttrGroup"""
    if len(p) == 2:
        p[0] = p[1]
    else:
        items = p[1]
        items.extend(p[2])
        p[0] = items


def p_ext_attr_group(p):
    """ExtAttrGroup : '(' ExtAttrInner ')'
    | '[' ExtAttrInner ']'
    | '{' ExtAttrInner '}'"""
    items = [p.slice[1]]
    items.extend(p[2])
    items.append(p.slice[3])
    p[0] = items


def p_ext_attr_inner(p):
    """ExtAttrInner : empty
    | ExtAttrInner ExtAttrGroup"""
    if len(p) == 2:
        p[0] = []
    else:
        items = p[1]
        items.extend(p[2])
        p[0] = items


def p_ext_attr_inner_token(p):
    # Inside brackets commas are ordinary tokens.
    items = p[1]
    items.append(p.slice[2])
    p[0] = items


p_ext_attr_inner_token.__doc__ = "ExtAttrInner : " + "\n    | ".join(
    f"ExtAttrInner {t}" for t in OTHER_TOKENS + ("','",)
)


def p_empty(p):
    """empty :"""


_LITERAL_FORMS = {
    "IDENTIFIER": "ident",
    "STRING": "string",
    "INTEGER": "integer",
    "DECIMAL": "decimal",
}


def classify(tokens: list, location, parse_arguments) -> ExtendedAttribute:
    """Recognise one of the standard's extended-attribute forms in a balanced token list.

    `tokens` are ply tokens; `location(tok)` gives a token's Location and
    `parse_arguments(tokens)` returns an argument list, or None if the tokens are not one.
    """
    texts = tuple(t.value for t in tokens)
    types = [t.type for t in tokens]
    first = tokens[0]
    where = location(first)
    if types[0] != "IDENTIFIER":
        return ExtendedAttribute(texts[0], "balanced", tokens=texts, loc=where)
    name = texts[0]
    n = len(tokens)
    if n == 1:
        return ExtendedAttribute(name, "no-args", tokens=texts, loc=where)
    if types[1] == "(" and types[-1] == ")":
        args = parse_arguments(tokens[2:-1])
        if args is not None:
            return ExtendedAttribute(name, "arg-list", arguments=args, tokens=texts, loc=where)
    elif types[1] == "=" and n >= 3:
        if n == 3:
            if types[2] == "*":
                return ExtendedAttribute(name, "wildcard", value="*", tokens=texts, loc=where)
            form = _LITERAL_FORMS.get(types[2])
            if form:
                return ExtendedAttribute(name, form, value=texts[2], tokens=texts, loc=where)
        elif types[2] == "(" and types[-1] == ")":
            values = _value_list(tokens[3:-1])
            if values is not None:
                return ExtendedAttribute(name, "ident-list", values=values, tokens=texts, loc=where)
        elif types[2] == "IDENTIFIER" and types[3] == "(" and types[-1] == ")":
            args = parse_arguments(tokens[4:-1])
            if args is not None:
                return ExtendedAttribute(
                    name,
                    "named-arg-list",
                    value=texts[2],
                    arguments=args,
                    tokens=texts,
                    loc=where,
                )
    return ExtendedAttribute(name, "balanced", tokens=texts, loc=where)


def _value_list(tokens: list) -> tuple[str, ...] | None:
    """`a, b, c` (identifiers, strings or numbers) -> ("a", "b", "c"); None otherwise."""
    if not tokens:
        return None
    values = []
    for i, tok in enumerate(tokens):
        if i % 2:
            if tok.type != ",":
                return None
        elif tok.type in _LITERAL_FORMS:
            values.append(tok.value)
        else:
            return None
    if len(tokens) % 2 == 0:  # a trailing comma
        return None
    return tuple(values)
