"""``GET /docs``: Swagger UI served from this server, so it works offline and under a CSP.

FastAPI's own ``/docs`` page loads Swagger UI from a CDN with an inline
script: blank without network access, and no Content-Security-Policy can
allow it without ``'unsafe-inline'``. This page loads the copy of Swagger UI
that the ``swagger-ui-bundle-v2`` package ships (``swagger_ui_bundle``) and a
small script of this package, all from this server (relative URLs, so a
path prefix in front of the service keeps working).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]  # ships no types

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: Everything /docs loads comes from this server; Swagger UI draws some icons as data: URLs.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_CACHE = {**_HEADERS, "Cache-Control": "public, max-age=86400"}


@cache
def _static(name: str) -> str:
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


def _bundled(name: str) -> Path:
    return Path(str(swagger_ui_path)) / name


@router.get("/docs", response_class=HTMLResponse)
async def docs() -> HTMLResponse:
    """The interactive API documentation."""
    return HTMLResponse(_static("docs.html"), headers={**_HEADERS, "Cache-Control": "no-cache"})


@router.get("/docs/init.js")
async def docs_init() -> Response:
    return Response(
        _static("docs.js"), media_type="text/javascript; charset=utf-8", headers=_HEADERS
    )


@router.get("/docs/swagger-ui-bundle.js")
async def swagger_js() -> FileResponse:
    return FileResponse(
        _bundled("swagger-ui-bundle.js"),
        media_type="text/javascript; charset=utf-8",
        headers=_CACHE,
    )


@router.get("/docs/swagger-ui.css")
async def swagger_css() -> FileResponse:
    return FileResponse(
        _bundled("swagger-ui.css"), media_type="text/css; charset=utf-8", headers=_CACHE
    )
