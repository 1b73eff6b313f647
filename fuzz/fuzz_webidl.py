"""IDL text → the WebIDL front end (`codegen.webidl.parse`, then the model build).

The only expected failure is the front end's own `IdlError` (a syntax or semantic error with
its location); any other exception is a finding. Inputs are decoded as UTF-8 with
replacement, as the CLI reads files.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script (libFuzzer, OSS-Fuzz): the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.harness import fuzz, instrumented  # noqa: E402

with instrumented():
    from codegen.diagnostics import IdlError
    from codegen.webidl import parse

MAX_TEXT = 4096


def test_one_input(data: bytes) -> None:
    text = data[:MAX_TEXT].decode("utf-8", errors="replace")
    with contextlib.suppress(IdlError):
        parse(text, "fuzz.idl")


def main() -> None:
    fuzz(test_one_input)


if __name__ == "__main__":
    main()
