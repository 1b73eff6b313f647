"""Identifier rules several targets share, so the names of one wire struct or event agree
between the Python codec, the C++ wire library and the browsers' IPC declarations.

- `pascal_case` joins the words of a compound name: `NPUDevice.createBuffer` ->
  `NPUDeviceCreateBuffer`, `record<string, u64>` -> `RecordStringU64`, "low-power" ->
  `LowPower` (each word's first letter raised, the rest kept: acronyms stay `NPU`).
- `event_type` is the event an EventHandler member handles: `onuncapturederror` ->
  `uncapturederror` (the HTML rule: the handler is `on` + the event type); a member named
  after its event (`lost`, a promise attribute) is kept.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")


def pascal_case(name: str) -> str:
    return "".join(word[0].upper() + word[1:] for word in _SEPARATORS.split(name) if word)


def event_type(member: str) -> str:
    return member[2:] if member.startswith("on") else member
