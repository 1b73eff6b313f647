"""The client side of WebNPU (the renderer's role): the API as Python objects over the wire.

`connect(host)` is what `navigator.npu` is to a page: it opens a connection to the service
through the host and returns the `NPU` object of `idl/webnpu.idl`. Everything else hangs off it:

    npu = connect(host)
    adapter = npu.request_adapter().result()
    device = adapter.request_device().result()

The classes are generated (`python_service/generated/interfaces.py`: argument conversion,
docstrings) over hand-written implementations (`implementation.py` and the modules it names);
`conversions` is the runtime of WebIDL's value conversions.
"""

from __future__ import annotations

from typing import Any

from python_service.client.conversions import (
    Context,
    EnforceRangeError,
    RangeError,
    WebIDLTypeError,
    register_interface,
)
from python_service.client.promise import DOMException, Promise


def connect(host: Any) -> Any:
    """A new `NPU` entry point on its own connection to `host`'s service (a `ServiceHost`,
    or anything with `connect() -> Channel`).

    When the service goes away, the host's `loss_reason(channel, timeout)` (if it has one)
    says why, for `device.lost` and the rejections. While the host refuses to launch the
    service after a crash loop (`AdapterUnavailable`), the entry point is still made, and its
    `request_adapter()` resolves null, as `navigator.gpu.requestAdapter()` does when no
    adapter is available (docs/lifecycle.md)."""
    from python_service.client.base import create
    from python_service.client.connection import LOSS_REASON_WAIT, Connection
    from python_service.generated import interfaces  # noqa: F401 (registers the classes)
    from python_service.host import AdapterUnavailable

    try:
        channel = host.connect()
    except AdapterUnavailable as unavailable:
        return create("NPU", Connection(None, unavailable=str(unavailable)))
    loss_reason = getattr(host, "loss_reason", None)
    explain = None
    if loss_reason is not None:

        def explain() -> str | None:
            return loss_reason(channel, LOSS_REASON_WAIT)

    return create("NPU", Connection(channel, explain_loss=explain))


__all__ = [
    "Context",
    "DOMException",
    "EnforceRangeError",
    "Promise",
    "RangeError",
    "WebIDLTypeError",
    "connect",
    "register_interface",
]
