"""Regenerate the checked-in LALR tables: `python -m codegen.webidl.tables [--conflicts]`.

Run it after changing any production in `codegen/webidl/grammar/`; a test fails while the
checked-in tables differ from what this writes. It refuses to write tables for a grammar with
LALR conflicts (ply would resolve them silently); `--conflicts` lists them.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from codegen.webidl.lalr import TABLE_FILE, build_tables, grammar_conflicts


def render_tables() -> bytes:
    """The tables' bytes, exactly as they would be checked in."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / TABLE_FILE.name
        build_tables(path)
        return path.read_bytes()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    conflicts = grammar_conflicts()
    if conflicts or "--conflicts" in args:
        for line in conflicts:
            print(line)
        if conflicts:
            print(f"{len(conflicts)} LALR conflict(s): tables not written", file=sys.stderr)
            return 1
        print("no LALR conflicts")
        return 0
    data = render_tables()
    if TABLE_FILE.exists() and TABLE_FILE.read_bytes() == data:
        print(f"{TABLE_FILE} is up to date")
        return 0
    TABLE_FILE.write_bytes(data)
    print(f"wrote {TABLE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
