"""Chromium's spellings of WebNPU names, shared by the `blink` and `mojom` targets.

One rule per kind of name, so the Blink C++ that calls the Mojo interface and the `.mojom` that
declares it cannot disagree: `NPUDevice.createBuffer` is `CreateBuffer` in both, the enum value
"low-power" is `kLowPower` in both, and `GraphOp.add` is the struct `GraphOpAdd`.
"""

from __future__ import annotations

import re

from codegen.model.naming import snake_case
from codegen.targets.cpp_names import k_constant
from codegen.targets.identifiers import event_type

MOJOM_MODULE = "webnpu.mojom"
MOJOM_NAMESPACE = "webnpu::mojom::blink"  # the Blink variant of the generated Mojo bindings
MOJOM_PATH = "services/webnpu/public/mojom/webnpu.mojom"
MOJOM_TARGET = "//services/webnpu/public/mojom:mojom_blink"
BLINK_MODULE_DIR = "third_party/blink/renderer/modules/webnpu"
RUNTIME_FEATURE = "WebNPU"


def file_stem(name: str) -> str:
    """Blink's file name for a definition: `NPUDevice` -> `npu_device` (as `MLContext` lives
    in `ml_context.idl`)."""
    return snake_case(name)


def upper_camel(name: str) -> str:
    """A method as Mojo and Blink C++ spell it: `createBuffer` -> `CreateBuffer`."""
    return name[:1].upper() + name[1:]


def mojom_struct_name(name: str) -> str:
    """A wire struct's mojom name: `GraphOp.add` -> `GraphOpAdd`, `NPUTensorDescriptor` as is."""
    return "".join(upper_camel(part) for part in name.split("."))


def message_struct_name(interface: str, method: str) -> str:
    """The stem of a method's own structs: `NPUDevice`, `loadModel` -> `NPUDeviceLoadModel`."""
    return interface + upper_camel(method)


def enum_constant(value: str) -> str:
    """An enum value as a Chromium constant: "low-power" -> `kLowPower`, "float16" ->
    `kFloat16`, "TypeError" -> `kTypeError` (Blink's V8 enum classes use the same rule)."""
    return k_constant(value)


def mojom_field(name: str) -> str:
    """A field or parameter: `bufferOffset` -> `buffer_offset` (Mojo's style guide);
    `unrestricted double` (a union arm named after its type) -> `unrestricted_double`."""
    return re.sub(r"[^a-z0-9]+", "_", snake_case(name)).strip("_")


def event_method(member: str) -> str:
    """The client method of an event: `lost` -> `OnLost`; `onuncapturederror` ->
    `OnUncapturederror` (an EventHandler's `on` dropped; the rest has no word breaks to find)."""
    return "On" + upper_camel(event_type(member))
