"""web/operations.html runs every end-to-end operation case (tests/e2e/test_operations.py)
through the polyfill, and each result is checked with the e2e suite's own tolerances."""

from __future__ import annotations

from typing import Any

from python_service.bridge import Bridge
from tests.e2e.test_operations import CASES, check_outputs

from .conftest import open_page
from .operation_cases import decode_output, export_cases


def test_every_e2e_case_is_exported() -> None:
    exported = export_cases()
    assert [c.id for c in exported] == [f"{op}-{case_id}" for op, case_id, _ in CASES]
    for case in exported:
        assert case.table_entry["calls"], case.id
        assert set(case.table_entry["outputs"]) == set(case.case.expected), case.id


def test_operations_page_runs_every_case(page: Any, bridge: Bridge) -> None:
    exported = export_cases()
    open_page(page, bridge, "operations.html", "window.operationsReady")
    report = page.evaluate(
        "cases => window.runOperationCases(cases)", [c.table_entry for c in exported]
    )
    failures = []
    for case in exported:
        entry = report[case.id]
        if "error" in entry:
            failures.append(f"{case.id}: {entry['error']}")
            continue
        got = {name: decode_output(output) for name, output in entry["outputs"].items()}
        try:
            check_outputs(None, case.case, got)
        except AssertionError as error:
            failures.append(f"{case.id}: {error}")
    assert not failures, f"{len(failures)} of {len(exported)} cases failed:\n" + "\n".join(failures)
    assert page.text_content("#status") == f"{len(exported)} of {len(exported)} cases run"
