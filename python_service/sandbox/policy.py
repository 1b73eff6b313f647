"""Fail closed: apply each layer, and refuse to go on if one is missing and not allowed to be.

`Sandbox.apply(name, ...)` runs a layer's `apply` and then its `probe`: a layer counts only if
the kernel says it is in force afterwards. A layer that fails raises `LayerUnavailable`
(the service then tells the host why and exits), unless the user named it in
`--allow-missing-layer`: then it is logged and reported false, and start-up goes on.

`--test-fail-layer NAME` makes that one layer's apply fail, so tests can show the refusal on a
machine where every layer works. It only ever weakens nothing: it removes a layer, which fails
closed like any other missing layer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any

from python_service.sandbox import LAYERS, LayerUnavailable

log = logging.getLogger("python_service.sandbox")


def _module(layer: str) -> Any:
    return import_module(f"python_service.sandbox.{layer}")


class Sandbox:
    def __init__(self, allow_missing: Iterable[str] = (), fail_layer: str | None = None) -> None:
        self.allow_missing = frozenset(allow_missing)
        unknown = (self.allow_missing | {fail_layer} - {None}) - set(LAYERS)
        if unknown:
            raise ValueError(f"unknown sandbox layers: {sorted(unknown)}")
        self.fail_layer = fail_layer
        self.missing: dict[str, str] = {}  # layer -> why, for the layers allowed to be missing

    def apply(self, layer: str, *args: Any, **kwargs: Any) -> None:
        """Apply `layer` with the given arguments; LayerUnavailable if it is not in force and
        not allowed to be missing."""
        module = _module(layer)
        try:
            if layer == self.fail_layer:
                raise RuntimeError("forced to fail by --test-fail-layer")
            module.apply(*args, **kwargs)
            if not module.probe():
                raise RuntimeError("applied, but its probe says it is not in force")
        except Exception as e:
            reason = str(e) or type(e).__name__
            if layer not in self.allow_missing:
                raise LayerUnavailable(layer, reason) from e
            log.warning("sandbox layer %s missing (allowed): %s", layer, reason)
            self.missing[layer] = reason

    def report(self) -> dict[str, bool]:
        """Each layer's probe, run now (after everything has been applied)."""
        return {layer: self._probe(layer) for layer in LAYERS}

    def _probe(self, layer: str) -> bool:
        if layer in self.missing:
            return False
        probe: Callable[[], bool] = _module(layer).probe
        try:
            return bool(probe())
        except Exception:  # a probe that cannot read the state cannot vouch for it
            return False
