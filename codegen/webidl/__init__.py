"""The WebIDL front end: tokenizer, ply grammar, AST, and the parse entry points."""

from codegen.webidl.parser import parse, parse_file, parse_into

__all__ = ["parse", "parse_file", "parse_into"]
