"""The namespace wrapper (python_service/sandbox/ns_init.py): new namespaces, and the command's
end reported faithfully, which util-linux 2.38's unshare does not do for SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from python_service.sandbox.launch import NS_INIT, find_service_pid, namespaces_unavailable

PYTHON = [sys.executable, "-I", "-S"]


def wrapped(*command: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([*PYTHON, str(NS_INIT), "--", *command], **kwargs)


def test_this_machine_allows_the_namespaces():
    # CI and developer machines run the service with every layer; if this fails, the
    # message says why (e.g. user namespaces disabled by sysctl).
    assert namespaces_unavailable() is None, namespaces_unavailable()


def test_the_command_is_pid_1_of_new_namespaces_and_root_maps_to_us():
    result = subprocess.run(
        [
            *PYTHON,
            str(NS_INIT),
            "--",
            "/bin/sh",
            "-c",
            "echo $$; cat /proc/self/uid_map; readlink /proc/self/ns/net",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    pid, uid_map, net = result.stdout.splitlines()
    assert pid == "1"
    assert uid_map.split() == ["0", str(os.geteuid()), "1"]
    assert net != os.readlink("/proc/self/ns/net")


def test_exit_status_passes_through():
    assert wrapped("/bin/sh", "-c", "exit 7").wait(30) == 7


def test_a_command_killed_from_outside_ends_the_wrapper_the_same_way():
    process = wrapped("/bin/sleep", "60")
    try:
        os.kill(_child(process.pid), signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL  # util-linux unshare says 1 here
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_command_that_crashes_ends_the_wrapper_with_its_signal():
    crash = "import resource, ctypes; resource.setrlimit(resource.RLIMIT_CORE, (0, 0)); "
    crash += "ctypes.string_at(0)"
    assert wrapped(sys.executable, "-c", crash).wait(30) == -signal.SIGSEGV


def test_the_command_dies_with_the_wrapper():
    process = wrapped("/bin/sleep", "60")
    child = _child(process.pid)
    process.kill()
    process.wait(30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{child}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":  # dead, waiting for init to reap it
            break
        time.sleep(0.01)
    else:
        pytest.fail(f"the wrapped command {child} outlived its wrapper")


def _child(pid: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = f.read().split()
        if children:
            return int(children[0])
        time.sleep(0.01)
    raise AssertionError("the wrapper started no command")


def test_find_service_pid_skips_the_wrapper():
    process = wrapped(sys.executable, "-c", "import time; time.sleep(60)", "python_service.service")
    try:
        child = _child(process.pid)
        # Until the fork has exec'd, the child still has the wrapper's command line.
        deadline = time.monotonic() + 30
        while find_service_pid(process.pid) != child and time.monotonic() < deadline:
            time.sleep(0.01)
        assert find_service_pid(process.pid) == child
    finally:
        os.kill(_child(process.pid), signal.SIGKILL)
        process.wait(30)
