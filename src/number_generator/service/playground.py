"""``GET /``: the browser playground, a dependency-free HTML page with its script and styles."""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

__all__ = ["router"]

router = APIRouter(tags=["playground"])

#: Everything the page loads comes from this server; generated images are blob: URLs.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_ASSETS = {
    "playground.js": "text/javascript; charset=utf-8",
    "playground.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


@cache
def _asset(name: str) -> str:
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse, summary="The browser playground")
async def playground() -> HTMLResponse:
    """A small page to try the generator in a browser: fill in the form, press Generate."""
    return HTMLResponse(_asset("playground.html"), headers=_HEADERS)


@router.get("/playground.js", include_in_schema=False)
async def playground_js() -> Response:
    return Response(_asset("playground.js"), media_type=_ASSETS["playground.js"], headers=_HEADERS)


@router.get("/playground.css", include_in_schema=False)
async def playground_css() -> Response:
    return Response(
        _asset("playground.css"), media_type=_ASSETS["playground.css"], headers=_HEADERS
    )


@router.get("/favicon.svg", include_in_schema=False)
async def favicon() -> Response:
    return Response(_asset("favicon.svg"), media_type=_ASSETS["favicon.svg"], headers=_HEADERS)
