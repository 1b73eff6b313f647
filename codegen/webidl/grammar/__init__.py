"""The WebIDL grammar as ply.yacc productions, one module per part of the standard's grammar.

Each `p_*` function's docstring is a production (ply's convention) and its body builds the
AST node. The grammar accepts the language of the WebIDL standard's LL(1) grammar (§A), but is
written LALR-style: left-recursive lists and fewer chain rules, since every reduction is a
Python call and the whole web platform's IDL goes through here.
"""
