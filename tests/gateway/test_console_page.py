"""The console page over plain HTTP, no JavaScript engine: GET / and its assets from a real uvicorn gateway
(nothing behind it: the page needs no service), their headers and content types, and that the page names
nothing outside the gateway. The page's behaviour in a browser is test_console_browser.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest

from tests.gateway.conftest import LoneGateway

# Each asset the page names, with the content type it must be served as (nosniff makes the browser hold
# the server to it).
ASSETS = {
    "console/console.js": "text/javascript; charset=utf-8",
    "console/console.css": "text/css; charset=utf-8",
    "console/icon.svg": "image/svg+xml",
}
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)  # a scheme, or protocol-relative


class _References(HTMLParser):
    """Every URL the markup points at: src, href, action, srcset, and url(...) in a style attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is not None and name in ("src", "href", "action", "srcset", "poster", "data"):
                self.found.append(value)
            if value is not None and name == "style":
                self.found.extend(re.findall(r"url\(([^)]*)\)", value))


def base(gateway: LoneGateway) -> str:
    return f"http://127.0.0.1:{gateway.port}"


async def test_the_page_is_html_with_a_self_only_csp_nosniff_and_revalidation(lone_gateway: LoneGateway) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        page = await client.get(base(lone_gateway) + "/")
        again = await client.get(base(lone_gateway) + "/", headers={"if-none-match": page.headers["etag"]})
        head = await client.head(base(lone_gateway) + "/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == directives["base-uri"] == directives["form-action"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp and "script-src" not in csp and "style-src" not in csp  # nothing inline, ever
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert again.status_code == 304 and again.content == b""
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == page.headers["etag"]
    # No inline script or style for the CSP to refuse: the page would not work.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text) and "<style" not in page.text
    assert not re.search(r"\son[a-z]+\s*=", page.text), "an inline event handler"


async def test_the_page_names_only_its_own_assets_and_each_is_served_as_its_type(lone_gateway: LoneGateway) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        page = await client.get(base(lone_gateway) + "/")
        references = _References()
        references.feed(page.text)
        assert references.found, "the parser found no references"
        external = [url for url in references.found if EXTERNAL.match(url)]
        assert not external, external
        assert not re.search(r"https?://", page.text)
        assert set(ASSETS) <= set(references.found)
        for path, content_type in ASSETS.items():
            asset = await client.get(f"{base(lone_gateway)}/{path}")
            assert asset.status_code == 200, path
            assert asset.headers["content-type"] == content_type, path
            assert asset.headers["x-content-type-options"] == "nosniff", path
            assert asset.headers["cache-control"] == "no-cache", path
            # Neither the script nor the style loads anything from elsewhere (the SVG's xmlns is a name).
            text = asset.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
            assert not re.search(r"https?://|@import|url\(\s*['\"]?//", text), path
        links = [url for url in references.found if not url.startswith("console/")]
    assert links == ["openrpc.json"]


@pytest.mark.parametrize(
    "path", ["/console/index.html", "/console/nothing.js", "/console/", "/console/..%2Fpage.py", "/index.html"]
)
async def test_nothing_else_is_served(lone_gateway: LoneGateway, path: str) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(base(lone_gateway) + path)
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_the_page_answers_only_get_and_other_methods_stay_404(lone_gateway: LoneGateway, method: str) -> None:
    # As before the page: contract §1 answers 404 for any path but /v2.0, and clients that post to / by
    # mistake see the same answer as before.
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.request(method, base(lone_gateway) + "/", content=b"{}")
    assert response.status_code == 404
