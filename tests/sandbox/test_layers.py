"""Each sandbox layer is active, read back from outside the service wherever the kernel shows
it (/proc/<service_pid>/...), and from inside through the service's start-up report.

That each layer also *blocks* is shown in-process by the escape attempts (test_escape.py):
with the whole sandbox, and with seccomp off to show the inner layers on their own.
"""

from __future__ import annotations

import os
import re
import stat

from python_service.sandbox import LAYERS, launch
from python_service.sandbox.clean_environment import environment
from python_service.service.config import DEFAULT_ADDRESS_SPACE_LIMIT, DEFAULT_MAX_OPEN_FILES
from tests.sandbox.support import (
    proc_environ,
    proc_fds,
    proc_limits,
    proc_status,
    run_workload,
)


def test_the_service_reports_every_layer_active(host):
    assert host.sandbox_report is not None
    assert host.sandbox_report.layers == dict.fromkeys(LAYERS, True)


def test_service_pid_is_the_real_service_inside_its_pid_namespace(host):
    pid = host.service_pid
    assert pid is not None and pid != host.process.pid, "the service runs inside a wrapper"
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        assert b"python_service.service" in f.read().split(b"\0")
    # NSpid: its pid here, then 1 in its own namespace.
    assert proc_status(pid)["NSpid"].split()[-1] == "1"


def test_no_new_privs_not_dumpable_no_capabilities_seccomp_from_outside(host):
    status = proc_status(host.service_pid)
    assert status["NoNewPrivs"] == "1"
    assert status["Seccomp"] == "2"  # filter mode
    assert int(status["Seccomp_filters"]) >= 1
    for capability_set in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[capability_set], 16) == 0, (capability_set, status[capability_set])
    # Not dumpable has no /proc field; the service's own probe (PR_GET_DUMPABLE) is in the
    # report, which test_the_service_reports_every_layer_active checks.


def test_rlimits_from_outside(host):
    limits = proc_limits(host.service_pid)
    assert limits["Max address space"] == (str(DEFAULT_ADDRESS_SPACE_LIMIT),) * 2
    assert limits["Max open files"] == (str(DEFAULT_MAX_OPEN_FILES),) * 2
    assert limits["Max core file size"] == ("0", "0")


def test_environment_is_exactly_the_clean_one(host):
    assert proc_environ(host.service_pid) == environment(str(launch.PACKAGE_ROOT))
    assert proc_environ(host.service_pid)["ORT_DISABLE_TELEMETRY"] == "1"


def test_namespaces_differ_from_ours(host):
    pid = host.service_pid
    for kind in ("user", "pid", "net"):
        ours, theirs = os.readlink(f"/proc/self/ns/{kind}"), os.readlink(f"/proc/{pid}/ns/{kind}")
        assert ours != theirs, f"the service shares our {kind} namespace ({ours})"
    # Root inside is our uid outside, and nothing else is mapped.
    with open(f"/proc/{pid}/uid_map") as f:
        assert f.read().split() == ["0", str(os.geteuid()), "1"]
    # Its network namespace has the loopback only.
    with open(f"/proc/{pid}/net/dev") as f:
        interfaces = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    assert interfaces == ["lo"]


def test_descriptors_are_stdio_control_client_sockets_and_memfds(host, service_log):
    npu, device = run_workload(host)
    try:
        fds = proc_fds(host.service_pid)
        assert fds[0] == "/dev/null"
        others = {fd: target for fd, target in fds.items() if fd > 2}
        unexpected = {
            fd: target
            for fd, target in others.items()
            if not re.fullmatch(r"socket:\[\d+\]|/memfd:.* \(deleted\)", target)
        }
        assert not unexpected, f"the service holds descriptors it should not: {unexpected}"
        sockets = [t for t in others.values() if t.startswith("socket:")]
        assert len(sockets) >= 2, "the control socket and the client's"
    finally:
        device.destroy()
        npu.close()


def test_landlock_and_warm_up_nothing_is_read_after_the_sandbox(host, service_log):
    # The whole workload ran inside Landlock: a module imported late, or a data file read on
    # first use, would have failed it, and the late-import guard logs any attempt.
    npu, _device = run_workload(host)
    npu.close()
    log = service_log.read_text()
    assert "late import" not in log, log
    assert "Permission denied" not in log, log


def test_stdin_is_dev_null(host):
    target = os.stat(f"/proc/{host.service_pid}/fd/0")
    assert stat.S_ISCHR(target.st_mode) and target.st_rdev == os.makedev(1, 3)
