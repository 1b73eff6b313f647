"""The service descriptors a page may still write back into (docs/bridge.md, "Write mappings").

A page gets copies of the service's memfds, never the memfds, so a write mapping's bytes have
to be written back by the bridge. Every descriptor the bridge sends a page as an attachment is
named by a token, its ordinal among all the attachments sent on that page's socket (1, 2, ...):
the page counts them as they arrive, so tokens need no room in the message layout.

Two tables, both per page and both bounded:

- `recent`: every attachment the bridge sent, held until the page pins it or newer ones push
  it out: at most `max_recent` descriptors and `max_recent_bytes` bytes (the newest frame's
  always fit, whatever their size). Holding a descriptor keeps its memory alive after the
  service has let go of it, hence the byte bound. A page pins a write mapping's descriptor as
  soon as the mapAsync reply arrives, so only a page with more than `max_recent` attachments
  in flight at once can lose one before pinning it; its pin then names an unknown token.
- `pinned`: the descriptors of the page's write mappings, at most `max_pinned`; a pin beyond
  that is refused (the polyfill checks the same bound before it maps, so only a page that
  ignores it is closed). They are closed when the page releases them (at unmap), and all of
  them when the page goes away.

Everything here runs on the bridge's event loop; a write-back that is done on a thread takes a
duplicate of the descriptor (`duplicate_pinned`), so eviction here can never make it write into
a reused descriptor number.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass

from python_service.bad_message import BadMessage, BadMessageKind

# Far above the 64 write-mapping replies the polyfill lets a page have in flight (it pins
# each as it arrives), so only hundreds of large readBuffer replies in flight at once push a
# write mapping's descriptor out before its pin arrives.
DEFAULT_MAX_RECENT = 256
DEFAULT_MAX_PINNED = 64


@dataclass(frozen=True)
class Held:
    fd: int  # ours: a duplicate of the service's descriptor
    size: int


class HeldDescriptors:
    def __init__(
        self,
        max_recent_bytes: int,
        max_recent: int = DEFAULT_MAX_RECENT,
        max_pinned: int = DEFAULT_MAX_PINNED,
    ) -> None:
        self.max_recent = max_recent
        self.max_recent_bytes = max_recent_bytes
        self.max_pinned = max_pinned
        self.recent: OrderedDict[int, Held] = OrderedDict()
        self.recent_bytes = 0
        self.pinned: dict[int, Held] = {}
        self.last_token = 0

    def hold_frame(self, fds: list[int], sizes: list[int]) -> None:
        """Duplicate one service frame's descriptors under the next tokens, then push out the
        oldest held ones beyond the bounds (never this frame's own)."""
        for fd, size in zip(fds, sizes, strict=True):
            self.last_token += 1
            self.recent[self.last_token] = Held(os.dup(fd), size)
            self.recent_bytes += size
        keep = len(fds)
        while len(self.recent) > max(self.max_recent, keep) or (
            self.recent_bytes > self.max_recent_bytes and len(self.recent) > keep
        ):
            _, held = self.recent.popitem(last=False)
            self.recent_bytes -= held.size
            os.close(held.fd)

    def pin(self, token: int) -> None:
        held = self.recent.pop(token, None)
        if held is None:
            raise _bad(BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE, f"no recent token {token}")
        self.recent_bytes -= held.size
        if len(self.pinned) >= self.max_pinned:
            os.close(held.fd)
            raise _bad(
                BadMessageKind.WEBNPU_ERROR_TOO_MANY_HANDLES,
                f"more than {self.max_pinned} write mappings pinned",
            )
        self.pinned[token] = held

    def writable_range(self, token: int, offset: int, length: int) -> Held:
        """The pinned descriptor `token` names, if [offset, offset + length) lies inside it."""
        held = self.pinned.get(token)
        if held is None:
            raise _bad(BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE, f"token {token} not pinned")
        if offset > held.size or length > held.size - offset:
            raise _bad(
                BadMessageKind.VALIDATION_ERROR_ILLEGAL_MEMORY_RANGE,
                f"write of {length} bytes at {offset} outside token {token}'s {held.size}",
            )
        return held

    def release(self, token: int) -> None:
        held = self.pinned.pop(token, None)
        if held is None:
            raise _bad(BadMessageKind.VALIDATION_ERROR_ILLEGAL_HANDLE, f"token {token} not pinned")
        os.close(held.fd)

    def close(self) -> None:
        for held in [*self.recent.values(), *self.pinned.values()]:
            os.close(held.fd)
        self.recent.clear()
        self.pinned.clear()
        self.recent_bytes = 0


def _bad(kind: BadMessageKind, detail: str) -> BadMessage:
    return BadMessage(kind, f"bridge control: {detail}")
