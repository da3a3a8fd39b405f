"""The page for people: `GET /` serves an API reference and a console, `GET /console/NAME` its assets.

The assets are hand-written files in gateway/console/ (package data), read once when the app is made. The
page renders from `GET /openrpc.json` in the browser and sends calls to `POST /v2.0`, like any client: the
gateway does nothing for it beyond serving these files. Everything is same-origin, so the Content-Security-
Policy allows 'self' and nothing else (no inline script or style either).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Final

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import request_response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HEADERS", "Page"]

_PAGE: Final = "index.html"
# The assets by the name they are served under, with their media type; nothing else in the folder is served.
_ASSETS: Final = {
    "console.js": "text/javascript",
    "console.css": "text/css",
    "icon.svg": "image/svg+xml",
}
CSP: Final = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
HEADERS: Final = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",  # frame-ancestors' twin for browsers that predate it
    "referrer-policy": "no-referrer",
    # The asset names carry no version, so a browser asks again each time (a 304 when unchanged by ETag):
    # after an upgrade the page and its script never disagree.
    "cache-control": "no-cache",
}


@dataclass(frozen=True, slots=True)
class _Asset:
    body: bytes
    media_type: str
    etag: str


def _load(name: str, media_type: str) -> _Asset:
    body = resources.files("gateway").joinpath("console", name).read_bytes()
    return _Asset(body, media_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


class Page:
    """The two endpoints. Reads the files when made, so an install without them fails at start-up."""

    def __init__(self) -> None:
        self._page = _load(_PAGE, "text/html")
        self._assets = {name: _load(name, media_type) for name, media_type in _ASSETS.items()}
        # `index` as an ASGI object: a Route made with a function takes GET only, one made with an object
        # takes every method, and `index` answers them itself.
        self.index_app: ASGIApp = _EveryMethod(request_response(self.index))

    async def index(self, request: Request) -> Response:
        # The route takes every method so that a POST to / stays 404, as before the page (contract §1:
        # any other path is 404), rather than becoming a 405.
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("Not Found", status_code=404)
        return _serve(request, self._page)

    async def asset(self, request: Request) -> Response:
        found = self._assets.get(request.path_params["name"])
        if found is None:
            return PlainTextResponse("Not Found", status_code=404)
        return _serve(request, found)


class _EveryMethod:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def _serve(request: Request, asset: _Asset) -> Response:
    headers = {**HEADERS, "etag": asset.etag}
    asked = request.headers.get("if-none-match", "")
    if asked.strip() == "*" or asset.etag in (tag.strip().removeprefix("W/") for tag in asked.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
