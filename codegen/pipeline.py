"""IDL files -> parsed definition set -> validated -> model. What the CLI and tests drive.

Several files form one definition set, as the web platform's files do. The bundled web
platform stand-ins (`codegen/platform/web_platform.idl`) fill in names the inputs use but do
not define (`EventTarget`, `Navigator`...); the model marks those definitions external.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.diagnostics import DiagnosticSink
from codegen.gcpause import paused_gc
from codegen.model.index import DefinitionSet
from codegen.model.validation import validate
from codegen.source import Location, SourceText
from codegen.webidl import ast
from codegen.webidl.parser import parse_into

if TYPE_CHECKING:
    from codegen.model import ir
    from codegen.model.wire import WireModel

PLATFORM_IDL = Path(__file__).parent / "platform" / "web_platform.idl"


@dataclass
class LoadResult:
    files: list[ast.IdlFile]
    sink: DiagnosticSink
    platform_files: frozenset[str] = frozenset()
    model: ir.Model | None = None
    wire: WireModel | None = None  # only when the inputs use the `Wire*` attributes

    @property
    def ok(self) -> bool:
        """No errors (warnings do not stop the pipeline)."""
        return not self.sink.has_errors


def read_source(path: str | Path, sink: DiagnosticSink) -> SourceText | None:
    """The file's text, or None after reporting why it cannot be read."""
    name = str(path)
    try:
        return SourceText(name, Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        sink.error(Location.at(name, 0, 0), "no such file")
    except IsADirectoryError:
        sink.error(Location.at(name, 0, 0), "is a directory, not an IDL file")
    except UnicodeDecodeError as err:
        sink.error(Location.at(name, 0, 0), f"not UTF-8 text (invalid byte at offset {err.start})")
    except OSError as err:
        sink.error(Location.at(name, 0, 0), f"cannot read: {err.strerror}")
    return None


def parse_files(paths: Sequence[str | Path], sink: DiagnosticSink) -> list[ast.IdlFile]:
    """Parse every file, collecting every file's syntax errors into `sink`."""
    files = []
    with paused_gc():  # see codegen/gcpause.py: a third of the web platform's parse time
        for path in paths:
            source = read_source(path, sink)
            if source is not None:
                files.append(parse_into(source, sink))
    return files


def platform_file(inputs: list[ast.IdlFile], sink: DiagnosticSink) -> ast.IdlFile:
    """The web platform stand-ins the inputs do not define themselves."""
    defined = {
        d.name
        for f in inputs
        for d in f.definitions
        if not isinstance(d, ast.Includes) and not getattr(d, "partial", False)
    }
    (platform,) = parse_files([PLATFORM_IDL], sink)
    kept = [
        d for d in platform.definitions if not isinstance(d, ast.Includes) and d.name not in defined
    ]
    return ast.IdlFile(platform.path, kept, platform.doc_comments)


def load(
    paths: Sequence[str | Path], *, platform: bool = True, build: bool = True, werror: bool = False
) -> LoadResult:
    """Parse, validate and (when free of errors and `build`) build the model of `paths`.

    Warnings (rules of the standard that browsers' own IDL breaks) are collected in the sink
    but do not stop the build, unless `werror` makes them errors.
    """
    with paused_gc():  # one pause for the whole load: re-enabling between stages would
        return _load(paths, platform, build, werror)  # collect over the full AST each time


def _load(paths: Sequence[str | Path], platform: bool, build: bool, werror: bool) -> LoadResult:
    sink = DiagnosticSink()
    files = parse_files(paths, sink)
    result = LoadResult(files, sink)
    if not result.ok:
        return result
    all_files = list(files)
    if platform:
        extra = platform_file(files, sink)
        all_files.append(extra)
        result.platform_files = frozenset({extra.path})
    definitions = DefinitionSet.build(all_files)
    validate(definitions, sink)
    if werror:
        sink.treat_warnings_as_errors()
    wire = _uses_wire(files)
    if result.ok and (build or wire):
        from codegen.model.build import build_model  # only when building: see model/__init__

        model = build_model(definitions, result.platform_files)
        if wire:  # the wire pass checks the `Wire*` attributes, so it runs for --validate-only
            from codegen.model.wire import derive_wire

            result.wire = derive_wire(model, sink)
        if build:
            result.model = model
    return result


def _uses_wire(files: list[ast.IdlFile]) -> bool:
    """Whether any input uses a `Wire*` extended attribute: only then does the wire pass run,
    so plain WebIDL (the web platform's own files) is checked and timed exactly as before."""
    for f in files:
        for d in f.definitions:
            for holder in (d, *getattr(d, "members", ())):
                if any(a.name.startswith("Wire") for a in getattr(holder, "ext_attrs", ())):
                    return True
    return False
