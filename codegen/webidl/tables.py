"""Regenerate the checked-in LALR tables: `python -m codegen.webidl.tables`.

Run it after changing any production in `codegen/webidl/grammar/`; a test fails while the
checked-in tables differ from what this writes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from codegen.webidl.lalr import TABLE_FILE, build_tables


def render_tables() -> bytes:
    """The tables' bytes, exactly as they would be checked in."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / TABLE_FILE.name
        build_tables(path)
        return path.read_bytes()


def main() -> int:
    data = render_tables()
    if TABLE_FILE.exists() and TABLE_FILE.read_bytes() == data:
        print(f"{TABLE_FILE} is up to date")
        return 0
    TABLE_FILE.write_bytes(data)
    print(f"wrote {TABLE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
