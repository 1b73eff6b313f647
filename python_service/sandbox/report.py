"""The start-up frame: the service's first and only unsolicited frame on the control channel.

Once the sandbox is complete (or has failed) the service sends one frame to the host:

    b"sandbox " + JSON {"ready": true,  "layers": {name: bool, ...}}
    b"sandbox " + JSON {"ready": false, "layers": {...}, "layer": name, "reason": text}

`layers` is every layer's probe, run inside the sandboxed process after all layers were
applied (python_service/sandbox/policy.py). The host waits for this frame before handing out
connections (launch.py), so a refusal reaches `ServiceUnavailable` with the service's own
words, and `python -m python_service --sandbox-report` prints what the service measured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from python_service.sandbox import LAYERS

TAG = b"sandbox "
_MAX_REASON = 1500  # the control channel's frames are at most 4 KiB


@dataclass(frozen=True)
class StartupReport:
    ready: bool
    layers: dict[str, bool] = field(default_factory=dict)
    layer: str | None = None  # the layer that made the service refuse to start
    reason: str | None = None

    @property
    def message(self) -> str:
        if self.ready:
            return "the service is ready"
        return f"the service refused to start: sandbox layer {self.layer!r} unavailable: " + (
            self.reason or "no reason given"
        )

    def encode(self) -> bytes:
        body: dict[str, object] = {"ready": self.ready, "layers": self.layers}
        if not self.ready:
            body["layer"] = self.layer
            body["reason"] = (self.reason or "")[:_MAX_REASON]
        return TAG + json.dumps(body, sort_keys=True).encode()

    @classmethod
    def decode(cls, payload: bytes) -> StartupReport:
        """ValueError if `payload` is not a start-up frame."""
        if not payload.startswith(TAG):
            raise ValueError(f"not a sandbox start-up frame: {payload[:16]!r}")
        body = json.loads(payload[len(TAG) :])
        layers = body.get("layers")
        if not isinstance(body.get("ready"), bool) or not isinstance(layers, dict):
            raise ValueError("malformed sandbox start-up frame")
        return cls(
            ready=body["ready"],
            layers={name: layers.get(name) is True for name in LAYERS},
            layer=body.get("layer"),
            reason=body.get("reason"),
        )


def format_table(layers: dict[str, bool], allowed_missing: frozenset[str] = frozenset()) -> str:
    lines = [f"{'layer':<20}active"]
    for name in LAYERS:
        active = layers.get(name, False)
        note = "" if active else ("  (allowed missing)" if name in allowed_missing else "  MISSING")
        lines.append(f"{name:<20}{'yes' if active else 'no':<8}{note}".rstrip())
    return "\n".join(lines)
