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
    or anything with `connect() -> Channel`)."""
    from python_service.client.base import create
    from python_service.client.connection import Connection
    from python_service.generated import interfaces  # noqa: F401 (registers the classes)

    return create("NPU", Connection(host.connect()))


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
