"""Re-derive the seccomp allow-list from what the service really does, and diff it.

    python -m python_service.sandbox.trace            # run the workloads, print the diff
    python -m python_service.sandbox.trace --write    # ... and rewrite syscalls.ALLOWED
    python -m python_service.sandbox.trace --workload demo   # just the demo (quicker)

How: with WEBNPU_SANDBOX_TRACE_DIR set, every service the host launches runs under
`strace -f` (launch.py) with `--trace-syscalls`, which replaces the seccomp filter by a marker
(an open of /webnpu-sandbox-point) at the exact point the filter would be loaded. The workloads
are the demo and the test suites that drive the service (end-to-end, service, client,
lifecycle, fairness); test failures under strace's slowdown are reported but do not stop the
derivation, since only the system calls matter here. Every system call a service thread made
after its marker is needed after the sandbox point; the namespace wrapper's calls are not
(it is outside the sandbox). Calls with argument rules (seccomp.CONDITIONAL) are listed
separately.

Exit status 1 if the service made a call the checked-in list lacks (it would be killed), or
a call the filter refuses with EPERM (syscalls.DENIED: the service would break).
Also printed: files the service tried to open after the sandbox point (a Landlock EACCES: the
warm-up missed something, usually a lazy import).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from python_service.sandbox import landlock, launch, syscalls
from python_service.sandbox.seccomp import CONDITIONAL, TRACE_MARKER

ROOT = launch.PACKAGE_ROOT
SYSCALLS_FILE = Path(syscalls.__file__)
TEST_WORKLOAD = [
    "tests/e2e",
    "tests/service",
    "tests/client",
    "tests/test_demo.py",
    "tests/lifecycle",
    "tests/fairness",
]
# `PID name(` or `PID <... name resumed>`
_CALL = re.compile(r"^(\d+)\s+(?:<\.\.\. )?([a-z_][a-z0-9_]*)(?:\(| resumed>)")
_DENIED_OPEN = re.compile(r'^\d+\s+(?:open|openat|openat2)\(.*?"([^"]*)".*= -1 EACCES')


@dataclass
class Trace:
    calls: set[str] = field(default_factory=set)
    denied_opens: set[str] = field(default_factory=set)
    marked: bool = False


def parse(lines: Iterable[str]) -> Trace:
    """The calls made after the marker by every process but the first one traced when that
    one is not the service (the namespace wrapper)."""
    trace = Trace()
    first_pid: str | None = None
    service_pid: str | None = None
    for line in lines:
        match = _CALL.match(line)
        if not match:
            continue
        pid, name = match.groups()
        first_pid = first_pid or pid
        if not trace.marked:
            if TRACE_MARKER in line:
                trace.marked, service_pid = True, pid
            continue
        if pid == first_pid and pid != service_pid:
            continue
        trace.calls.add(name)
        denied = _DENIED_OPEN.match(line)
        if denied:
            trace.denied_opens.add(denied.group(1))
    return trace


def run_workloads(trace_dir: Path, workload: str) -> list[str]:
    """Run them with tracing on; the commands that failed."""
    env = {**os.environ, launch.TRACE_DIR_ENV: str(trace_dir), "PYTHONDONTWRITEBYTECODE": "1"}
    commands = []
    if workload in ("demo", "all"):
        commands.append([sys.executable, "-m", "python_service.demo"])
    if workload in ("tests", "all"):
        paths = [p for p in TEST_WORKLOAD if (ROOT / p).exists()]
        commands.append([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths])
    failed = []
    for command in commands:
        print(f"==> {' '.join(command[1:])} (under strace)", file=sys.stderr)
        if subprocess.run(command, cwd=ROOT, env=env).returncode != 0:
            failed.append(" ".join(command[1:]))
    return failed


def _format_block(names: Iterable[str]) -> str:
    body = "".join(f'        "{name}",\n' for name in sorted(names))
    return f"ALLOWED = frozenset(\n    {{\n{body}    }}\n)\n"


def write(names: Iterable[str]) -> None:
    text = SYSCALLS_FILE.read_text()
    begin = text.index("\n", text.index("# BEGIN DERIVED")) + 1
    end = text.index("# END DERIVED")
    SYSCALLS_FILE.write_text(text[:begin] + _format_block(names) + text[end:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m python_service.sandbox.trace")
    parser.add_argument("--workload", choices=("demo", "tests", "all"), default="all")
    parser.add_argument("--write", action="store_true", help="rewrite syscalls.ALLOWED")
    parser.add_argument("--keep", type=Path, help="keep the strace output in this directory")
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="read the traces kept in this directory, run nothing",
    )
    args = parser.parse_args(argv)
    failed: list[str] = []
    if args.source is not None:
        trace_dir = args.source
    else:
        if shutil.which("strace") is None:
            print("strace is needed: apt-get install strace", file=sys.stderr)
            return 2
        trace_dir = args.keep or Path(tempfile.mkdtemp(prefix="webnpu-trace-"))
        trace_dir.mkdir(parents=True, exist_ok=True)
        failed = run_workloads(trace_dir, args.workload)
    total = Trace()
    files = sorted(trace_dir.glob("trace.*"))
    for path in files:
        with open(path, errors="replace") as f:
            one = parse(f)
        if one.marked:
            total.marked = True
            total.calls |= one.calls
            total.denied_opens |= one.denied_opens
    if args.keep is None and args.source is None:
        shutil.rmtree(trace_dir)
    if not total.marked:
        print(f"no service reached the sandbox point in {len(files)} traces", file=sys.stderr)
        return 2
    needed = total.calls - CONDITIONAL
    missing = sorted(needed - syscalls.ALLOWED - syscalls.DENIED - syscalls.RUNTIME_EXTRAS)
    unused = sorted(syscalls.ALLOWED - needed)
    needed_extras = needed & syscalls.RUNTIME_EXTRAS
    refused = sorted(needed & syscalls.DENIED)
    print(f"{len(files)} service processes traced; {len(needed)} calls after the sandbox point")
    print(f"argument-filtered (seccomp.CONDITIONAL): {sorted(total.calls & CONDITIONAL)}")
    for name in missing:
        print(f"+ {name}    (made by the service, not on the checked-in list)")
    if needed_extras:
        print(f"seen, from syscalls.RUNTIME_EXTRAS: {sorted(needed_extras)}")
    for name in unused:
        print(f"- {name}    (on the checked-in list, not seen)")
    for name in refused:
        print(f"! {name}    (made by the service, refused with EPERM by syscalls.DENIED)")
    # The landlock probe's own denied opens are expected.
    for path in sorted(total.denied_opens - {"/", landlock.__file__}):
        print(f"? open {path} after the sandbox point (Landlock refused it)")
    if failed:
        print(f"workloads that failed under strace: {failed}", file=sys.stderr)
    if args.write:
        write(needed - syscalls.DENIED - syscalls.RUNTIME_EXTRAS)
        print(f"wrote {SYSCALLS_FILE.relative_to(ROOT)}")
    return 1 if missing or refused else 0


if __name__ == "__main__":
    sys.exit(main())
