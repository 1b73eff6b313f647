"""Implementations of the interfaces that hold values: the `[WireValue]` ones (filled in from a
reply or event struct) and the `[WireLocal]` errors and events (built on this side from the
core `ErrorReport`, docs/wire.md §2.5)."""

from __future__ import annotations

import dataclasses
from typing import Any

from python_service.client import conversions as c
from python_service.client.base import create
from python_service.client.events import Event
from python_service.generated import wire as gen

# NPUErrorFilter value -> the NPUError subclass that reports it.
_ERROR_CLASSES = {
    "validation": "NPUValidationError",
    "out-of-memory": "NPUOutOfMemoryError",
    "internal": "NPUInternalError",
}


class _Struct:
    """Readonly attributes copied from a wire struct, each under `_<python name>`."""

    def _setup(self, struct: Any) -> None:
        for f in dataclasses.fields(struct):
            setattr(self, "_" + f.name, getattr(struct, f.name))

    def __repr__(self) -> str:
        names = [n for n in vars(self) if n.startswith("_") and not n.startswith("__")]
        inner = ", ".join(f"{n[1:]}={getattr(self, n)!r}" for n in names)
        return f"{type(self).__name__}({inner})"


class NPUSupportedFeaturesImpl:
    _entries: tuple[str, ...]

    def _setup(self, struct: gen.NPUSupportedFeatures) -> None:
        self._entries = tuple(struct.values)

    def __repr__(self) -> str:
        return f"NPUSupportedFeatures({set(self._entries)!r})"


class NPUSupportedLimitsImpl(_Struct):
    pass


class NPUAdapterInfoImpl(_Struct):
    pass


class NPUDeviceLostInfoImpl(_Struct):
    pass


class NPUErrorImpl:
    _message: str

    def _construct(self, message: str) -> None:
        self._message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._message!r})"


class NPUValidationErrorImpl(NPUErrorImpl):
    pass


class NPUOutOfMemoryErrorImpl(NPUErrorImpl):
    pass


class NPUInternalErrorImpl(NPUErrorImpl):
    pass


def error_from_report(report: gen.ErrorReport) -> Any:
    """The NPUError subclass instance an `ErrorReport` stands for."""
    return c.interface_class(_ERROR_CLASSES[report.type])(report.message)


class NPUUncapturedErrorEventImpl(Event):
    _error: Any

    def _construct(self, type_: str, init: Any) -> None:
        self._init_event(type_)
        self._error = init.error


def uncaptured_error_event(report: gen.ErrorReport) -> Any:
    event_class = c.interface_class("NPUUncapturedErrorEvent")
    return event_class("uncapturederror", {"error": error_from_report(report)})


def lost_info(reason: str, message: str) -> Any:
    return create("NPUDeviceLostInfo", gen.NPUDeviceLostInfo(reason=reason, message=message))
