"""Every implementation class the generated bindings (`python_service/generated/interfaces.py`)
inherit from, by the name the generator expects: `<Interface>Impl`.

The generator writes `class NPUDevice(impl.NPUDeviceImpl)` for each interface of the IDL, so
this module is the contract between generated and hand-written code: a test checks that every
interface has its implementation here and every operation its `_<name>` method.
"""

from __future__ import annotations

from python_service.client.graph_builder import NPUGraphBuilderImpl, NPUOperandImpl
from python_service.client.objects import (
    NPUAdapterImpl,
    NPUBufferImpl,
    NPUCommandBufferImpl,
    NPUCommandEncoderImpl,
    NPUDeviceImpl,
    NPUGraphImpl,
    NPUImpl,
    NPUQueueImpl,
)
from python_service.client.values import (
    NPUAdapterInfoImpl,
    NPUDeviceLostInfoImpl,
    NPUErrorImpl,
    NPUInternalErrorImpl,
    NPUOutOfMemoryErrorImpl,
    NPUSupportedFeaturesImpl,
    NPUSupportedLimitsImpl,
    NPUUncapturedErrorEventImpl,
    NPUValidationErrorImpl,
)

__all__ = [
    "NPUAdapterImpl",
    "NPUAdapterInfoImpl",
    "NPUBufferImpl",
    "NPUCommandBufferImpl",
    "NPUCommandEncoderImpl",
    "NPUDeviceImpl",
    "NPUDeviceLostInfoImpl",
    "NPUErrorImpl",
    "NPUGraphBuilderImpl",
    "NPUGraphImpl",
    "NPUImpl",
    "NPUInternalErrorImpl",
    "NPUOperandImpl",
    "NPUOutOfMemoryErrorImpl",
    "NPUQueueImpl",
    "NPUSupportedFeaturesImpl",
    "NPUSupportedLimitsImpl",
    "NPUUncapturedErrorEventImpl",
    "NPUValidationErrorImpl",
]
