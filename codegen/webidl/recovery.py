"""Carrying on after a syntax error, so that one run reports every independent error.

After an error the parser first tries to mend a one-token slip (a missing `;` or `}`, one
punctuation mark for another) by checking which repair lets it read on; failing that, it skips
to the end of the broken member (the `;` inside a body) or definition (the `;` at top level,
stepping over a `{...}` body) and carries on. Either way one run reports independent errors,
not the echoes of the first one.

`ErrorRecovery` works on the token stream ply reads from: it skips ahead by taking tokens off
it, and puts tokens back (or puts in synthetic ones) for ply to read next. Reporting the
error is the caller's job; this module only decides how the parse goes on.
"""

from __future__ import annotations

import ply.yacc as yacc

from codegen.webidl.lalr import progress
from codegen.webidl.lexer import SyntheticToken, Token
from codegen.webidl.messages import DEFINITION_KEYWORDS

# How many `None`s (ply's end of input) sit under the tokens of a stream: ply may ask for a
# token again after the end while it recovers.
SENTINELS = 4

_MATCHING = {")": "(", "]": "[", "}": "{"}


class ErrorRecovery:
    """Error repair and resynchronisation over one file's token stream.

    `tokens` are the file's tokens; `pending` is the stream ply reads them from: the tokens
    still to come, last first, over `SENTINELS` `None`s. Recovery can skip ahead or push a
    token back with `pop` and `append`.
    """

    def __init__(self, tokens: list[Token], pending: list[Token | None]) -> None:
        self.tokens = tokens
        self._pending = pending
        # Open brackets before token `_scanned`, kept between errors (see `_brackets_before`).
        self._scanned = 0
        self._open: list[str] = []

    def _brackets_before(self, index: int) -> list[str]:
        """The brackets still open before `tokens[index]`, outermost first.

        A closing bracket closes the innermost opening one of its kind, and with it any left
        open inside (so a `}` still ends a body after a stray `(`); a closing bracket with no
        match is ignored. Errors come in token order, so the scan carries on from the last.
        """
        if index < self._scanned:
            self._scanned, self._open = 0, []
        stack = self._open
        for tok in self.tokens[self._scanned : index]:
            kind = tok.type
            if kind in _OPENING:
                stack.append(kind)
            elif kind in _MATCHING:
                _close(stack, kind)
        self._scanned = max(self._scanned, index)
        return list(stack)

    def skip_definition(self, tok: Token) -> Token | None:
        """Skip to the `;` ending the definition `tok` is in; the token after it (or None)."""
        stack = self._brackets_before(tok.index)
        pending = self._pending
        while tok.type != ";" or stack:
            if len(pending) <= SENTINELS:
                return None
            _step(stack, tok)
            tok = pending.pop()
        return pending.pop() if len(pending) > SENTINELS else None

    def repair(self, parser: yacc.LRParser, tok: Token | None) -> Token | None:
        """Mend a one-token slip by pretending the right token was there, if that fits.

        The usual slips are a `;` left out after a member or definition, a body's `}` left
        out before the next definition, or one punctuation mark typed for another. Each
        candidate (insert tokens before the offending one, or replace it) is tried on the
        parser's state stack against the tokens that follow; the one that gets furthest wins,
        if it gets at least a few tokens past the slip (as Burke and Fisher's repair does).
        Return the first token for ply to carry on with, having put the rest back: nothing is
        skipped, so what follows the slip is neither lost nor reported again.
        """
        if not self.tokens:
            return None
        pending = self._pending
        after = []  # the types of the tokens after `tok`, up to the end of the file
        if tok is not None:
            for i in range(1, _REPAIR_WINDOW + 1):
                t = pending[-i]
                after.append(t.type if t is not None else "$end")
                if t is None:
                    break
        offending = tok.type if tok is not None else "$end"
        candidates = [(inserted, True) for inserted in _INSERTIONS]
        if tok is not None:
            candidates += [([kind], False) for kind in _REPLACEMENTS if kind != tok.type]
        best, best_beyond = None, -1
        for tokens, keep in candidates:
            through = tokens + [offending] if keep else tokens
            kinds = through + after
            taken = progress(parser, kinds)
            beyond = taken - len(through)  # how many of the tokens after `tok` it took
            if beyond < 0 or (taken < len(kinds) and beyond < _REPAIR_MINIMUM):
                continue
            if beyond > best_beyond:
                best, best_beyond = (tokens, keep), beyond
        if best is None:
            return None
        tokens, keep = best
        like = tok if tok is not None else self.tokens[-1]
        if keep and tok is not None:
            pending.append(tok)
        for kind in reversed(tokens[1:]):
            pending.append(_synthetic(like, kind))
        return _synthetic(like, tokens[0])

    def resynchronise(self, parser: yacc.LRParser, tok: Token) -> None:
        """Skip to the end of the broken member or definition.

        ply pops its stacks back to the innermost state that can shift `error`: a member list
        ("body"), an enum's braces ("enum") or the definition list ("top"). In a body, skip to
        the next `;` directly inside the body's braces, or stop before the `}` closing the body
        and put a `;` in front of it so the member-level error rule can complete. At top level,
        skip to the `;` ending the definition, stepping over any `{...}` (to the `};`, if the
        broken part is the header of a definition with a body). In an enum, skip to its `}`.

        ply discards the offending token after shifting `error`, so when the offending token
        is itself the end of the construct it is handed out again.
        """
        context = _error_context(parser)
        stack = self._brackets_before(tok.index)
        body = stack.index("{") if context != "top" and "{" in stack else -1
        pending = self._pending
        if body >= 0 and tok.type in DEFINITION_KEYWORDS and _after_member_attributes(parser):
            # `[Exposed=Window] interface B` where a member should start: the body's `}` is
            # missing (without the extended attributes, `repair` would have put it in).
            # Close the body there; the definition is parsed without its attributes.
            pending.append(tok)
            pending.append(_synthetic(tok, ";"))
            pending.append(_synthetic(tok, "}"))
            pending.append(_synthetic(tok, ";"))
            return
        # A definition with a body whose header is broken ends at `};`, not at the first `;`
        # (which may well be its first member's, if the `{` is what is missing).
        until_brace = context == "top" and _header_of_body(parser.symstack, tok)
        if tok.type == "{" and context == "body":
            # A `{` never starts anything inside a member: a stray one, not a bracket to match.
            tok.type = "SKIPPED"
        first = tok
        previous = None
        while True:
            if (
                tok.type == ";"
                and context != "enum"
                and len(stack) == body + 1
                and (not until_brace or (previous is not None and previous.type == "}"))
            ):
                if tok is not first:
                    pending.append(tok)
                return
            if tok.type == "}" and body >= 0 and "{" not in stack[body + 1 :]:
                # The body's `}`: an enum's error rule takes it; a member list needs a `;`
                # first (and a re-read `}` would be thrown away, so hand it out again).
                if context == "body":
                    pending.append(tok)
                    pending.append(_synthetic(tok, ";"))
                elif tok is not first:
                    pending.append(tok)
                return
            if tok is first and tok.type == (";" if context != "enum" else "}"):
                # Not the end after all (a `;` inside parentheses, say): make sure ply throws
                # the re-read token away instead of finishing the error rule with it.
                tok.type = "SKIPPED"
            if len(pending) <= SENTINELS:
                return
            _step(stack, tok)
            previous = tok
            tok = pending.pop()


# --- brackets --------------------------------------------------------------------------------

_OPENING = frozenset("([{")


def _close(stack: list[str], kind: str) -> None:
    opener = _MATCHING[kind]
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] == opener:
            del stack[i:]
            return


def innermost_unclosed(tokens: list[Token]) -> Token | None:
    """The last bracket of `tokens` left open (matched as `_brackets_before` does)."""
    stack: list[Token] = []
    for tok in tokens:
        kind = tok.type
        if kind in _OPENING:
            stack.append(tok)
        elif kind in _MATCHING:
            opener = _MATCHING[kind]
            for i in range(len(stack) - 1, -1, -1):
                if stack[i].type == opener:
                    del stack[i:]
                    break
    return stack[-1] if stack else None


def _step(stack: list[str], tok: Token) -> None:
    """Update the open-bracket `stack` past `tok`."""
    kind = tok.type
    if kind in _OPENING:
        stack.append(kind)
    elif kind in _MATCHING:
        _close(stack, kind)


# --- where the parser stands -----------------------------------------------------------------


def _error_context(parser: yacc.LRParser) -> str:
    """Where ply's recovery will resume: in a member "body", an "enum" body, or at "top" level.

    ply pops states until `error` can be taken (reducing first where the tables say so, as
    for an empty member list), then shifts it. The symbol it is shifted after says which of
    the grammar's error rules it is: `Members error ';'`, `Fields error ';'`,
    `ENUM IDENTIFIER '{' error '}' ';'` or `Definitions error ';'`.
    """
    actions, goto, productions = parser.action, parser.goto, parser.productions
    defaulted = parser.defaulted_states
    states = parser.statestack
    symbols = [s.type for s in parser.symstack]
    for top in range(len(states) - 1, 0, -1):
        if "error" not in actions[states[top]]:
            continue  # popped straight away (deep stacks have many of these: skip the copy)
        st, sy = states[: top + 1], symbols[: top + 1]
        while True:
            action = defaulted.get(st[-1]) or actions[st[-1]].get("error")
            if action is None:
                break
            if action > 0:
                kind = sy[-1]
                if kind in ("Members", "Fields"):
                    return "body"
                return "enum" if kind == "{" else "top"
            production = productions[-action]
            if production.len:
                del st[-production.len :], sy[-production.len :]
            st.append(goto[st[-1]][production.name])
            sy.append(production.name)
    return "top"


# What `ErrorRecovery.repair` tries, in order (earlier ones win ties): tokens to insert before
# the offending one, and tokens to put in its place. A repair must let the parser take the
# offending token (or its replacement) and this many more, or reach the end of the file.
_INSERTIONS = ([";"], ["}"], ["}", ";"], [")"], [">"], [","], ["IDENTIFIER"], ["INTEGER"])
_REPLACEMENTS = (";", "}", ")", "(", "=", ",", "IDENTIFIER", "INTEGER")
_REPAIR_MINIMUM = 3
_REPAIR_WINDOW = 16

_BODY_KEYWORDS = frozenset(["INTERFACE", "DICTIONARY", "ENUM", "NAMESPACE", "PARTIAL"])


def _after_member_attributes(parser: yacc.LRParser) -> bool:
    """Whether the parser has just read the extended attributes of a member to come."""
    symstack = parser.symstack
    return (
        len(symstack) > 2
        and symstack[-1].type == "ExtendedAttributeList"
        and symstack[-2].type in ("Members", "Fields", "{")
    )


def _header_of_body(symstack: list, tok: Token) -> bool:
    """Whether the error is in the header of a definition that has a `{...}` body."""
    for i in range(len(symstack)):
        if symstack[i].type == "Definitions":
            rest = [s.type for s in symstack[i + 1 :]]
            break
    else:
        return False
    if rest and rest[0] == "ExtendedAttributeList":
        rest = rest[1:]
    if not rest:
        return False  # the offending token starts the definition: nothing known about it
    if "{" in rest:
        return False  # past the header
    return (
        rest[0] in _BODY_KEYWORDS
        or rest[:2] == ["CALLBACK", "INTERFACE"]
        or (rest == ["CALLBACK"] and tok.type == "INTERFACE")
    )


def _synthetic(like: Token, type_: str) -> Token:
    """A token of type `type_` put in by error repair, where `like` is."""
    return SyntheticToken(type_, _SYNTHETIC_VALUES.get(type_, type_), like.lexpos, like.index)


# What a repaired file's AST shows where repair put in a name or a number.
_SYNTHETIC_VALUES = {"IDENTIFIER": "<missing>", "INTEGER": "0"}
