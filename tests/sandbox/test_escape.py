"""Escape attempts from inside the sandboxed service (python_service/sandbox/escape.py).

The service is launched exactly as the host launches it, with the test-only `--escape-probe`
flag: once the whole sandbox is in place, at the point where it would start serving, it tries
each escape in-process and prints what happened. Every attempt must fail with the errno of
the layer expected to stop it. A second run with the seccomp layer off shows what the inner
layers (Landlock, namespaces, rlimits, dropped capabilities) stop on their own.
"""

from __future__ import annotations

import json
import signal

import pytest

from tests.sandbox.support import escape_records, run_service

ATTEMPTS = {
    "read /etc/passwd": ("EACCES", "landlock"),
    "read own source": ("EACCES", "landlock"),
    "write /tmp": ("EACCES", "landlock"),
    "write the repository": ("EACCES", "landlock"),
    "TCP connect": ("EPERM", "seccomp"),
    "UDP send": ("EPERM", "seccomp"),
    "Unix socket": ("EPERM", "seccomp"),
    "connect to an abstract Unix socket": ("EPERM", "seccomp"),
    "fork": ("EPERM", "seccomp"),
    "exec /bin/true": ("EPERM", "seccomp"),
    "signal the host": ("EPERM", "seccomp"),
    "ptrace the host": ("EPERM", "seccomp"),
    "raise RLIMIT_NOFILE": ("EPERM", "seccomp"),
    "raise RLIMIT_AS": ("EPERM", "seccomp"),
    "map more than RLIMIT_AS": ("ENOMEM", "rlimits"),
    "open more than RLIMIT_NOFILE": ("EMFILE", "rlimits"),
    "unshare a user namespace": ("EPERM", "seccomp"),
    "mount a tmpfs": ("EPERM", "seccomp"),
    "become dumpable again": ("EPERM", "seccomp"),
}

# With seccomp off: what each inner layer refuses by itself (None: seccomp is the only wall).
WITHOUT_SECCOMP = {
    "read /etc/passwd": ("EACCES", "landlock"),
    "read own source": ("EACCES", "landlock"),
    "write /tmp": ("EACCES", "landlock"),
    "write the repository": ("EACCES", "landlock"),
    "TCP connect": ("EACCES", "landlock"),
    "UDP send": ("ENETUNREACH", "namespaces"),
    "Unix socket": None,
    "connect to an abstract Unix socket": ("ECONNREFUSED", "namespaces"),
    "fork": None,
    "exec /bin/true": ("EACCES", "landlock"),
    "signal the host": ("ESRCH", "namespaces"),
    "ptrace the host": ("ESRCH", "namespaces"),
    "raise RLIMIT_NOFILE": ("EPERM", "no_new_privs"),
    "raise RLIMIT_AS": ("EPERM", "no_new_privs"),
    "map more than RLIMIT_AS": ("ENOMEM", "rlimits"),
    "open more than RLIMIT_NOFILE": ("EMFILE", "rlimits"),
    "unshare a user namespace": None,
    "mount a tmpfs": ("EPERM", "no_new_privs"),
    "become dumpable again": None,
}


def by_name(records: list[dict]) -> dict[str, dict]:
    found = {}
    for record in records:
        name = record["attempt"]
        if name.startswith("open /proc/"):  # names the host's pid
            name = "open /proc/<host>/mem"
        found[name] = record
    return found


@pytest.fixture(scope="module")
def sandboxed() -> dict[str, dict]:
    return by_name(escape_records())


@pytest.fixture(scope="module")
def without_seccomp() -> dict[str, dict]:
    return by_name(
        escape_records(allow_missing=["seccomp"], extra=["--test-fail-layer", "seccomp"])
    )


def test_every_attempt_was_made(sandboxed):
    assert set(sandboxed) == {*ATTEMPTS, "open /proc/<host>/mem"}
    assert all(record["seccomp"] for record in sandboxed.values())


@pytest.mark.parametrize("attempt", sorted(ATTEMPTS))
def test_each_escape_is_blocked(sandboxed, attempt):
    record = sandboxed[attempt]
    errno_name, layer = ATTEMPTS[attempt]
    assert not record["succeeded"], record
    assert (record["errno"], record["blocked_by"]) == (errno_name, layer), record


def test_the_hosts_memory_is_out_of_reach(sandboxed):
    record = sandboxed["open /proc/<host>/mem"]
    assert (record["succeeded"], record["errno"], record["blocked_by"]) == (
        False,
        "EACCES",
        "landlock",
    )


@pytest.mark.parametrize("attempt", sorted(a for a, e in WITHOUT_SECCOMP.items() if e))
def test_inner_layers_block_on_their_own(without_seccomp, attempt):
    record = without_seccomp[attempt]
    assert not record["seccomp"], "this run is meant to have no seccomp filter"
    errno_name, layer = WITHOUT_SECCOMP[attempt]
    assert not record["succeeded"], record
    assert (record["errno"], record["blocked_by"]) == (errno_name, layer), record


def test_where_seccomp_is_the_only_wall(without_seccomp):
    # Recorded, so a change in what the inner layers cover shows up here: without seccomp,
    # these succeed (fork), or fail for reasons that are no sandbox's (unshare: the process
    # is multi-threaded).
    only_seccomp = {a: without_seccomp[a] for a, e in WITHOUT_SECCOMP.items() if e is None}
    assert only_seccomp["fork"]["succeeded"], only_seccomp["fork"]
    assert only_seccomp["Unix socket"]["succeeded"], only_seccomp["Unix socket"]


def test_a_system_call_outside_the_allow_list_kills_the_service_with_sigsys():
    result, failure = run_service(["--escape-probe", "forbidden-syscall"])
    assert failure is None, failure
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [{"calling": "keyctl"}], "the call returned instead of killing the process"
    # The namespace wrapper ends the way the service did.
    assert result.returncode == -signal.SIGSYS, result.returncode
