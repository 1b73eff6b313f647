"""Promises and DOM exceptions as the Python bindings give them to callers.

A `Promise` is a `concurrent.futures.Future`: `.result(timeout)` waits for it from any thread,
and `await promise` works inside asyncio (through `asyncio.wrap_future`). The connection's
reader thread settles it when the service's reply arrives, so a caller never polls.

Rejections use the exception a browser would: `TypeError` (the bindings' `WebIDLTypeError`),
`RangeError`, or a `DOMException` whose `name` is the DOMException name ("OperationError",
"AbortError"), as WebIDL's "reject with an OperationError" means.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Generator
from typing import Any, TypeVar

from python_service.client.conversions import RangeError, WebIDLTypeError

T = TypeVar("T")


class DOMException(Exception):  # noqa: N818 (the platform's name)
    """WebIDL's DOMException: `name` says which ("OperationError", "AbortError", ...)."""

    def __init__(self, message: str = "", name: str = "Error") -> None:
        super().__init__(message)
        self.message = message
        self.name = name

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


class Promise(concurrent.futures.Future[T]):
    """A Future that can also be awaited from asyncio."""

    def __await__(self) -> Generator[Any, None, T]:
        return asyncio.wrap_future(self).__await__()


def resolved(value: T) -> Promise[T]:
    promise: Promise[T] = Promise()
    promise.set_result(value)
    return promise


def rejected(error: BaseException) -> Promise[Any]:
    promise: Promise[Any] = Promise()
    promise.set_exception(error)
    return promise


def exception_for(name: str, message: str) -> Exception:
    """The exception a browser rejects with for a `Rejection.exception` name (wire.md §2.5)."""
    if name == "TypeError":
        return WebIDLTypeError(message)
    if name == "RangeError":
        return RangeError(message)
    return DOMException(message, name)
