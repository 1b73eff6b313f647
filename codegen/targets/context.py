"""What a target knows besides the model: where outputs go and what the API is called."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Context:
    outdir: Path
    api_name: str  # the first input file's stem: `webnpu` for idl/webnpu.idl

    def relative_path(self, path: str) -> str:
        """`path` relative to the output directory, POSIX style, for reproducible output."""
        if not path or path.startswith("<"):
            return path
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(self.outdir))
        return Path(rel).as_posix()

    def relative_location(self, location: str) -> str:
        """A `file:line:col` location with its file made relative to the output directory."""
        if not location:
            return location
        file, line, column = location.rsplit(":", 2)
        return f"{self.relative_path(file)}:{line}:{column}"
