"""The bridge's HTTP side: the demo pages and the polyfill, read-only, from a few folders.

The pages must come from the bridge's own origin (http://127.0.0.1:PORT), because that is the
origin the WebSocket accepts by default. Only files under the listed roots are served (paths
are resolved, symlinks included, and must stay inside their root); nothing is listed, nothing
is written, and every response says `no-store` so a page always runs the polyfill on disk.
"""

from __future__ import annotations

import email.utils
import http
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Response

REPO = Path(__file__).resolve().parents[2]

# URL prefix -> folder. `web/` holds the hand-written pages; they import the generated polyfill
# and its hand-written runtime by relative URL, so the URL layout mirrors the repository's.
DEFAULT_ROOTS: Mapping[str, Path] = {
    "/web/": REPO / "web",
    "/generated/js/": REPO / "generated" / "js",
    "/polyfill/": REPO / "polyfill",
}
INDEX = "/web/index.html"

# ES modules must be served with a JavaScript MIME type or the browser refuses to run them.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


def response(status: int, body: bytes, content_type: str, **extra: str) -> Response:
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Length", str(len(body))),
            ("Content-Type", content_type),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            # Cross-origin isolation: without it Chromium coarsens a page's performance.now()
            # to 100 us, too coarse for bench/browser.py's 1 ms round trips. Every page and
            # script comes from this origin, so `require-corp` blocks nothing of ours.
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Cross-Origin-Embedder-Policy", "require-corp"),
        ]
    )
    for name, value in extra.items():
        headers[name.replace("_", "-")] = value
    return Response(status, http.HTTPStatus(status).phrase, headers, body)


def text_response(status: int, text: str) -> Response:
    return response(status, text.encode(), "text/plain; charset=utf-8")


class StaticFiles:
    """Maps a request path to a file under one of `roots`, or to an error response."""

    def __init__(self, roots: Mapping[str, Path] = DEFAULT_ROOTS) -> None:
        self.roots = {prefix: root.resolve() for prefix, root in roots.items()}

    def find(self, path: str) -> Path | None:
        """The file `path` names, or None (outside every root, missing, or not a file)."""
        path = unquote(urlsplit(path).path)
        for prefix, root in self.roots.items():
            if not path.startswith(prefix):
                continue
            relative = path[len(prefix) :] or "index.html"
            if relative.endswith("/"):
                relative += "index.html"
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
            return None
        return None

    def serve(self, path: str) -> Response:
        if urlsplit(path).path in ("", "/"):
            return response(302, b"", "text/plain", Location=INDEX)
        found = self.find(path)
        if found is None:
            return text_response(404, "not found\n")
        content_type = CONTENT_TYPES.get(found.suffix) or (
            mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        )
        return response(200, found.read_bytes(), content_type)
