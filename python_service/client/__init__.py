"""The client side of WebNPU (the renderer's role): WebIDL argument conversion and bindings.

`conversions` is the hand-written runtime of WebIDL's value conversions; the converters for
each dictionary, enum and operation of the API are generated into
`python_service.generated.conversions`.
"""

from python_service.client.conversions import (
    Context,
    EnforceRangeError,
    RangeError,
    WebIDLTypeError,
    register_interface,
)

__all__ = ["Context", "EnforceRangeError", "RangeError", "WebIDLTypeError", "register_interface"]
