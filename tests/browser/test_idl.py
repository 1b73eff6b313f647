"""The interface check (web/idlharness.js, after WPT's idlharness) on a page with the polyfill
installed, over expectations derived from the IDL model (idl_expectations.py)."""

from __future__ import annotations

from typing import Any

from python_service.bridge import Bridge

from .conftest import open_page
from .idl_expectations import MODEL, check_count, expectations

RUN = """async (entries) => {
  const { openNPU } = await import("/web/npu.js");
  await openNPU();  // installs navigator.npu and the interface objects
  const { checkInterfaces } = await import("/web/idlharness.js");
  return checkInterfaces(entries);
}"""


def test_expectations_cover_the_model() -> None:
    entries = expectations()
    names = {e["name"] for e in entries if e["kind"] == "interface"}
    assert names == {i.name for i in MODEL.interfaces if not i.external}
    assert {"NPUBufferUsage", "NPUMapMode"} <= {e["name"] for e in entries}
    navigator = next(e for e in entries if e["name"] == "Navigator")
    assert navigator["attributes"] == [{"name": "npu", "readonly": True, "static": False}]
    builder = next(e for e in entries if e["name"] == "NPUGraphBuilder")
    lengths = {o["name"]: o["length"] for o in builder["operations"]}
    assert lengths["input"] == 2 and lengths["relu"] == 1 and lengths["conv2d"] == 2


def run_check(page: Any, bridge: Bridge) -> dict[str, Any]:
    entries = expectations()
    open_page(page, bridge, "index.html")
    result = page.evaluate(RUN, entries)
    assert result["checks"] == check_count(entries)  # no check was skipped
    return result


def test_window_matches_the_idl(page: Any, bridge: Bridge) -> None:
    """Every check passes, the [enumerable] members and the [partial] Navigator attribute on
    Navigator.prototype included (both were js-target defects, fixed in the runtime)."""
    result = run_check(page, bridge)
    assert result["failures"] == []
    assert page.evaluate("navigator.npu === navigator.npu")  # [SameObject]
    assert page.evaluate(
        "Object.hasOwn(Navigator.prototype, 'npu') && !Object.hasOwn(navigator, 'npu')"
    )
