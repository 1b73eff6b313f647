"""`python -m codegen`: WebIDL files -> every binding, the wire protocol and the patches.

Exit status: 0 on success; 1 when the IDL has errors or `--check` found drift; 2 for a
command-line mistake. Problems in the IDL are printed as `path:line:col: error: message` (or
`warning:`) with the source line and a caret, never as a Python traceback, then a count such as
`2 errors, 11 warnings`. Warnings (rules of the standard that browsers' own IDL breaks) do not
change the exit status, unless `--werror` makes them errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen.diagnostics import Diagnostic, DiagnosticSink, summary
from codegen.output import depfile_text, drifted, write_outputs
from codegen.pipeline import PLATFORM_IDL, load, parse_files
from codegen.targets import TARGETS, load_target

EXAMPLES = """\
examples:
  python -m codegen idl/webnpu.idl                 generate every target into .
  python -m codegen idl/webnpu.idl --check         exit 1 if checked-in output is stale
  python -m codegen a.idl b.idl --validate-only    parse and validate, write nothing
  python -m codegen idl/webnpu.idl --werror        fail on warnings too
  python -m codegen --syntax-only fragment.idl     grammar only (names may be undefined)
  python -m codegen idl/webnpu.idl --chromium-src ~/chromium/src
                                                   also put WebNPU into a Chromium checkout
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m codegen",
        description=(
            "Generate WebNPU's bindings, wire protocol and browser patches from WebIDL. "
            "Several files form one definition set, as the web platform's files do."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("idl", nargs="*", metavar="IDL", help="WebIDL files (one definition set)")
    parser.add_argument(
        "-o",
        "--outdir",
        type=Path,
        default=Path("."),
        help="directory generated paths are relative to (default: the current directory)",
    )
    parser.add_argument(
        "--targets",
        default="all",
        help=f"comma-separated targets to run, or 'all' (available: {', '.join(TARGETS)})",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and name each output that differs from what is on disk",
    )
    mode.add_argument(
        "--validate-only",
        action="store_true",
        help="parse and validate the definition set; write nothing",
    )
    mode.add_argument(
        "--syntax-only",
        action="store_true",
        help="check the grammar alone and write nothing (for fragments naming types "
        "defined elsewhere)",
    )
    parser.add_argument(
        "--depfile",
        type=Path,
        help="also write a make/gn depfile listing the IDL inputs of the outputs",
    )
    parser.add_argument(
        "--werror",
        action="store_true",
        help="treat warnings as errors (warnings flag IDL that breaks a rule of the WebIDL "
        "standard although browsers ship such IDL)",
    )
    parser.add_argument(
        "--no-platform",
        action="store_true",
        help=f"do not fill in web platform names from {PLATFORM_IDL.name}",
    )
    parser.add_argument(
        "--list-targets", action="store_true", help="print the available targets and exit"
    )
    for browser, flag in (("Chromium", "--chromium-src"), ("Firefox", "--gecko-src")):
        parser.add_argument(
            flag,
            type=Path,
            metavar="PATH",
            help=f"also write WebNPU's files into the {browser} checkout at PATH and add it to "
            "the registration lists there, each at its sorted place (patches/README.md)",
        )
    return parser


def _install_in_trees(args: argparse.Namespace, model: object, context: object) -> int:
    """The in-tree mode; 1 with `file:line: message` if a registration list is missing."""
    from codegen.browser_patches.intree import install
    from codegen.browser_patches.lists import ListNotFound
    from codegen.targets.patches import browser_outputs, has_browser_trees

    outputs = browser_outputs(model, context)  # type: ignore[arg-type]
    if not has_browser_trees(outputs):
        print("error: this IDL has no [WireRoot] interface, so no browser files", file=sys.stderr)
        return 1
    for browser, src in (("chromium", args.chromium_src), ("firefox", args.gecko_src)):
        if src is None:
            continue
        try:
            changed = install(browser, outputs, src)
        except ListNotFound as e:
            print(f"{e}", file=sys.stderr)
            print(f"nothing was written to {src}", file=sys.stderr)
            return 1
        for path in changed:
            print(f"wrote {src / path}")
    return 0


def _report(diagnostics: list[Diagnostic]) -> None:
    """Print errors and warnings as the stages reported them (in location order), then the
    count of each; nothing at all when there are none."""
    if not diagnostics:
        return
    for d in diagnostics:
        print(d.format(), file=sys.stderr)
    print(summary(diagnostics), file=sys.stderr)


def _selected_targets(spec: str, parser: argparse.ArgumentParser) -> list[str]:
    if spec == "all":
        return list(TARGETS)
    names = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in TARGETS]
    if unknown or not names:
        parser.error(
            f"unknown target {', '.join(map(repr, unknown)) or repr(spec)}; "
            f"available: {', '.join(TARGETS)}"
        )
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list_targets:
        print("\n".join(TARGETS))
        return 0
    if not args.idl:
        parser.error("no IDL files given")
    targets = _selected_targets(args.targets, parser)

    if args.syntax_only:
        sink = DiagnosticSink()
        parse_files(args.idl, sink)
        if args.werror:
            sink.treat_warnings_as_errors()
        _report(sink.diagnostics)
        return 1 if sink.has_errors else 0

    result = load(
        args.idl,
        platform=not args.no_platform,
        build=not args.validate_only,
        werror=args.werror,
    )
    _report(result.sink.diagnostics)
    if not result.ok:
        return 1
    if args.validate_only:
        return 0

    assert result.model is not None
    from codegen.targets.context import Context  # the targets only load when they run

    context = Context(args.outdir, Path(args.idl[0]).stem)
    outputs = [out for name in targets for out in load_target(name)(result.model, context)]

    if args.check:
        stale = drifted(args.outdir, outputs)
        for path, why in stale:
            print(f"{args.outdir / path}: {why}", file=sys.stderr)
        if stale:
            print(
                f"{len(stale)} generated file(s) out of date; regenerate with: "
                f"python -m codegen {' '.join(args.idl)}",
                file=sys.stderr,
            )
            return 1
        return 0

    written = write_outputs(args.outdir, outputs)
    for path in written:
        print(f"wrote {args.outdir / path}")
    if args.depfile:
        inputs = [*args.idl, *(sorted(result.platform_files))]
        first = [str(args.outdir / outputs[0].path)] if outputs else []
        args.depfile.parent.mkdir(parents=True, exist_ok=True)
        args.depfile.write_text(depfile_text(first, inputs), encoding="utf-8")
    if args.chromium_src or args.gecko_src:
        return _install_in_trees(args, result.model, context)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
