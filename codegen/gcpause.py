"""Pausing Python's cyclic garbage collector around work that builds large acyclic trees.

Parsing, validating and modelling the web platform's IDL allocates hundreds of thousands of
small objects, none in reference cycles (reference counting frees them). Each allocation burst
makes the cyclic collector walk everything alive, which costs more than the work itself. The
pause nests: only the outermost `paused_gc` turns collection back on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
