"""DOM's EventTarget and Event, as much of them as the bindings need (stand-ins, like
`codegen/platform/web_platform.idl`'s declarations of them).

Listeners run on the thread that dispatches: for service events that is the connection's
reader thread. A listener that raises is logged and the others still run, as a browser reports
an exception in a listener and carries on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[[Any], Any]


class Event:
    """An event of a given type."""

    def _init_event(self, type_: str) -> None:
        self._type = type_

    @property
    def type(self) -> str:
        """The event's type, such as "uncapturederror"."""
        return self._type


class EventTarget:
    """Listeners by event type, plus the `on<type>` handler attributes of the subclass."""

    def _init_event_target(self) -> None:
        self._listeners: dict[str, list[Listener]] = {}
        self._listeners_lock = threading.Lock()

    def add_event_listener(self, type_: str, listener: Listener) -> None:
        """Calls `listener(event)` for each event of `type_` (once per listener, as in DOM)."""
        if not callable(listener):
            raise TypeError("Failed to execute 'addEventListener': the listener is not callable.")
        with self._listeners_lock:
            listeners = self._listeners.setdefault(str(type_), [])
            if listener not in listeners:
                listeners.append(listener)

    def remove_event_listener(self, type_: str, listener: Listener) -> None:
        """Stops calling `listener` for events of `type_`."""
        with self._listeners_lock:
            listeners = self._listeners.get(str(type_), [])
            if listener in listeners:
                listeners.remove(listener)

    def dispatch_event(self, event: Event) -> bool:
        """Calls the `on<type>` handler, then the listeners, in the order they were added."""
        with self._listeners_lock:
            listeners = list(self._listeners.get(event.type, ()))
        handler = getattr(self, "_on" + event.type, None)
        for listener in ([handler] if handler is not None else []) + listeners:
            try:
                listener(event)
            except Exception:
                log.exception("an %r event listener raised", event.type)
        return True
