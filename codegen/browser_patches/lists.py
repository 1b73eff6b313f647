"""Registration lists in upstream files: find one, pick the place of a new entry, insert it.

Each list kind knows its file format just well enough to find items and their keys:

- `bracket`: a `NAME = [` / `NAME += [` list with one quoted string per line (GN, .gni,
  moz.build, and json5 arrays of strings such as `event_target_modules_names.json5`);
- `json5-dicts`: a json5 array of `{ name: "...", ... }` dicts (`runtime_enabled_features.json5`);
- `dict-entries`: top-level `'Key': {...},` entries of a Python dict file (`Bindings.conf`);
- `yaml-prefs`: the `- name:` entries of one `# Prefs starting with "x."` section of
  `StaticPrefList.yaml`;
- `after-line`: a line inserted after an existing anchor line (the `includes` statements of
  `Navigator.webidl`, which upstream keeps in no sorted order).

Upstream lists are only mostly sorted (a few entries were appended out of order over the years),
so "sorted position" is the place that leaves the fewest entries out of order around the new
one, rather than the first entry that compares greater; lists that are grouped rather than
sorted name the neighbour to follow (`after`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class ListNotFound(Exception):
    """`path:line: message`: the list an edit needs is missing, or not in a form we read."""


@dataclass(frozen=True)
class Entry:
    key: str  # what the list is ordered by: the string, the dict name, the pref name
    lines: tuple[str, ...]  # the text to insert, indented for the list


@dataclass(frozen=True)
class ListEdit:
    path: str  # upstream path, relative to the checkout
    kind: str  # see the module docstring
    name: str  # the list variable, the json5 key, the pref section prefix, or the anchor line
    entries: tuple[Entry, ...]
    order: str = "ascii"  # "ascii", "casefold", or "after:<key>" (grouped lists)

    @property
    def label(self) -> str:
        return f"{self.path} {self.name}"


@dataclass(frozen=True)
class Item:
    key: str
    start: int  # first line of the item (its comments included), 0-based
    end: int  # one past its last line
    movable: bool = True  # False inside a preprocessor block: never insert next to it


@dataclass(frozen=True)
class ParsedList:
    items: tuple[Item, ...]
    body_start: int  # where an entry goes when the list is empty
    body_end: int  # one past the last line of the body (where a last entry goes)
    indent: str


# --- finding the lists ---------------------------------------------------------------------


def _error(path: str, line: int, message: str) -> ListNotFound:
    return ListNotFound(f"{path}:{line}: {message}")


def _parse_bracket(lines: list[str], edit: ListEdit) -> ParsedList:
    head = re.compile(rf"^(\s*){re.escape(edit.name)}\s*(\+?=|:)\s*\[\s*$")
    starts = [i for i, line in enumerate(lines) if head.match(line)]
    if not starts:
        raise _error(
            edit.path, 1, f"no multi-line list `{edit.name} = [` found (needed for {edit.label})"
        )
    start = starts[0]
    outer = head.match(lines[start]).group(1)  # type: ignore[union-attr]
    item = re.compile(r"""^(\s*)(["'])(.*?)\2\s*,?\s*(#.*)?$""")
    items, indent = [], outer + "    "
    for i in range(start + 1, len(lines)):
        if re.match(rf"^{re.escape(outer)}\]", lines[i]):
            found_indent = [item.match(lines[it.start]).group(1) for it in items]  # type: ignore[union-attr]
            return ParsedList(tuple(items), start + 1, i, found_indent[0] if items else indent)
        m = item.match(lines[i])
        if m:
            items.append(Item(m.group(3), i, i + 1))
    raise _error(edit.path, start + 1, f"list `{edit.name}` is never closed with `]`")


def _parse_json5_dicts(lines: list[str], edit: ListEdit) -> ParsedList:
    head = re.compile(rf"^(\s*){re.escape(edit.name)}\s*:\s*\[\s*$")
    starts = [i for i, line in enumerate(lines) if head.match(line)]
    if not starts:
        raise _error(
            edit.path, 1, f"no json5 array `{edit.name}: [` found (needed for {edit.label})"
        )
    start = starts[0]
    outer = head.match(lines[start]).group(1)  # type: ignore[union-attr]
    indent = outer + "  "
    items: list[Item] = []
    i = start + 1
    comment_start: int | None = None
    while i < len(lines):
        line = lines[i]
        if re.match(rf"^{re.escape(outer)}\]", line):
            return ParsedList(tuple(items), start + 1, i, indent)
        stripped = line.strip()
        if stripped.startswith("//"):
            comment_start = i if comment_start is None else comment_start
            i += 1
            continue
        if stripped == "{":
            open_line, depth, name = i, 0, None
            while i < len(lines):
                depth += lines[i].count("{") - lines[i].count("}")
                m = re.match(r'^\s*name\s*:\s*"([^"]*)"', lines[i])
                if m and name is None:
                    name = m.group(1)
                i += 1
                if depth == 0:
                    break
            if name is None:
                raise _error(edit.path, open_line + 1, f"a dict in `{edit.name}` has no name")
            first = comment_start if comment_start is not None else open_line
            items.append(Item(name, first, i))
            comment_start = None
            continue
        comment_start = None
        i += 1
    raise _error(edit.path, start + 1, f"array `{edit.name}` is never closed with `]`")


def _parse_dict_entries(lines: list[str], edit: ListEdit) -> ParsedList:
    head = re.compile(rf"^{re.escape(edit.name)}\s*=\s*\{{\s*$")
    starts = [i for i, line in enumerate(lines) if head.match(line)]
    if not starts:
        raise _error(edit.path, 1, f"no dict `{edit.name} = {{` found (needed for {edit.label})")
    start = starts[0]
    key = re.compile(r"""^(["'])([^"']+)\1\s*:\s*\{""")
    items: list[Item] = []
    open_item: tuple[str, int] | None = None  # (key, first line) of the entry being read
    comment_start: int | None = None
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if open_item is None:
            m = key.match(line)
            if m:
                first = comment_start if comment_start is not None else i
                open_item, comment_start = (m.group(2), first), None
                if re.search(r"\},?\s*$", line):  # a one-line entry
                    items.append(Item(open_item[0], open_item[1], i + 1))
                    open_item = None
            elif re.match(r"^\}\s*$", line):
                end = items[-1].end if items else start + 1
                return ParsedList(tuple(items), start + 1, end, "")
            elif line.startswith("#"):
                comment_start = i if comment_start is None else comment_start
            else:
                comment_start = None
        elif re.match(r"^\s*\},?\s*$", line) and (
            not line.startswith(" ") or line.strip() == "}," and len(line) - len(line.lstrip()) > 4
        ):
            items.append(Item(open_item[0], open_item[1], i + 1))
            open_item = None
    raise _error(edit.path, start + 1, f"dict `{edit.name}` is never closed with `}}`")


_PREPROCESSOR = re.compile(r"^#(if|ifdef|ifndef|elif|else|endif)\b")


def _parse_yaml_prefs(lines: list[str], edit: ListEdit) -> ParsedList:
    banner = f'# Prefs starting with "{edit.name}"'
    starts = [i for i, line in enumerate(lines) if line.startswith(banner)]
    if not starts:
        raise _error(edit.path, 1, f"no section `{banner}` found (needed for {edit.label})")
    start = starts[0] + 2  # the banner's closing `#-----` line
    items: list[Item] = []
    depth = 0
    comment_start: int | None = None
    end = len(lines)
    for i in range(start, len(lines)):
        line = lines[i]
        if line.startswith("#---") and i > start:
            end = i
            break
        if _PREPROCESSOR.match(line):
            depth += 1 if line.startswith("#if") else (-1 if line.startswith("#endif") else 0)
            comment_start = None
            continue
        m = re.match(r"^-\s+name:\s*(\S+)", line)
        if m:
            first = comment_start if comment_start is not None else i
            items.append(Item(m.group(1), first, i + 1, movable=depth == 0))
            comment_start = None
        elif line.startswith("#") and not line.startswith("#---"):
            comment_start = i if comment_start is None else comment_start
        elif line.strip() == "":
            comment_start = None
        elif items:
            items[-1] = Item(items[-1].key, items[-1].start, i + 1, items[-1].movable)
    # the section ends before the blank lines that precede the next banner
    while end > start and not lines[end - 1].strip():
        end -= 1
    return ParsedList(tuple(items), start + 1, end, "")


_PARSERS = {
    "bracket": _parse_bracket,
    "json5-dicts": _parse_json5_dicts,
    "dict-entries": _parse_dict_entries,
    "yaml-prefs": _parse_yaml_prefs,
}


# --- choosing the place --------------------------------------------------------------------


def _sort_key(order: str, key: str) -> str:
    return key.casefold() if order == "casefold" else key


def insertion_index(
    keys: list[str], new: str, order: str, ours: frozenset[str] = frozenset()
) -> int:
    """The index among `keys` where `new` goes.

    Grouped lists (`after:X`): after X and after the entries of ours already placed there.
    Sorted lists: last if it is the greatest, first if the smallest; else, among the places
    between two neighbours that bracket `new` (locally sorted gaps), the one leaving the fewest
    keys on the wrong side of `new` (earliest on ties); if no gap brackets it, the
    fewest-misplaced place overall.
    """
    if order.startswith("after:"):
        neighbour = order.removeprefix("after:")
        if neighbour not in keys:
            return len(keys)
        index = keys.index(neighbour) + 1
        while index < len(keys) and keys[index] in ours:
            index += 1
        return index
    k = [_sort_key(order, x) for x in keys]
    n = _sort_key(order, new)
    # cost(p) = keys before p that are greater than `new` + keys from p on that are smaller
    costs = [sum(1 for x in k if x < n)]
    for x in k:
        costs.append(costs[-1] + (1 if x > n else -1 if x < n else 0))
    if not k or n > max(k):
        return len(k)
    if n < min(k):
        return 0
    # between two entries that bracket it (an append-only tail upstream would otherwise win
    # whenever its entries happen to be smaller)
    gaps = [p for p in range(1, len(k)) if k[p - 1] <= n <= k[p]]
    candidates = gaps or list(range(len(k) + 1))
    return min(candidates, key=lambda p: (costs[p], p))


# --- rendering and inserting ---------------------------------------------------------------


def entry_lines(edit: ListEdit, entry: Entry, indent: str) -> list[str]:
    """The lines one entry adds, including the blank line that separates blocks."""
    if edit.kind == "bracket":
        quote = '"'
        return [f"{indent}{quote}{entry.key}{quote},"]
    if edit.kind == "json5-dicts":
        return [indent + line if line else line for line in entry.lines]
    if edit.kind in ("dict-entries", "yaml-prefs"):
        return [*entry.lines, ""]
    return list(entry.lines)


def _apply_after_line(lines: list[str], edit: ListEdit) -> list[str]:
    try:
        at = lines.index(edit.name) + 1
    except ValueError:
        raise _error(
            edit.path, 1, f"anchor line `{edit.name}` not found (needed for {edit.label})"
        ) from None
    new = [line for e in edit.entries for line in e.lines if line not in lines]
    return lines[:at] + new + lines[at:]


def apply_edit(text: str, edit: ListEdit) -> str:
    """`text` with each entry of `edit` that is not there yet inserted at its place."""
    lines = text.split("\n")
    if edit.kind == "after-line":
        return "\n".join(_apply_after_line(lines, edit))
    for entry in edit.entries:
        parsed = _PARSERS[edit.kind](lines, edit)
        if any(item.key == entry.key for item in parsed.items):
            continue  # already there: running twice changes nothing
        movable = [it for it in parsed.items if it.movable]
        ours = frozenset(e.key for e in edit.entries)
        index = insertion_index([it.key for it in movable], entry.key, edit.order, ours)
        new = entry_lines(edit, entry, parsed.indent)
        if index < len(movable):
            at = movable[index].start
        elif edit.kind in ("dict-entries", "yaml-prefs"):
            # after the last entry: the separating blank line goes first
            at, new = (movable[-1].end if movable else parsed.body_end), ["", *new[:-1]]
        else:
            at = parsed.body_end
        lines[at:at] = new
    return "\n".join(lines)
