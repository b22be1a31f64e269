"""The FastAPI application factory.

``create_app()`` builds the app from :func:`get_settings` (environment
variables); the dataset is loaded in the background when the app starts, and
``/health`` answers 503 until it is ready. Run it with
``number-generator serve`` or gunicorn (``number_generator.service.gunicorn_conf``).
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._util.text import SEPARATORS
from .._version import __version__
from ..compose import SequenceGenerator
from ..errors import NumberGeneratorError, ParameterError
from . import docs, generate, health, playground
from .body_limit import BodyLimitMiddleware
from .jobs import AUGMENT_WORDS, LibraryValidationError
from .messages import reword
from .schemas import GenerateRequest
from .settings import Settings, get_settings
from .state import ServiceState

__all__ = ["create_app"]

#: Library parameters sent under another name: the request field to blame instead.
_RENAMED_FIELDS = {"spacing_range": "spacing_min"}


def create_app(
    settings: Settings | None = None,
    *,
    generator: SequenceGenerator | None = None,
    loader: Callable[[], SequenceGenerator] | None = None,
) -> FastAPI:
    """Build the web service.

    Parameters
    ----------
    settings:
        Default: :func:`get_settings`, read from ``NUMBER_GENERATOR_*``
        environment variables.
    generator:
        A ready generator to serve (the app is ready at once; for tests and
        embedding).
    loader:
        Builds the generator in a background thread when the app starts;
        default: load ``settings.dataset``.

    Examples
    --------
    >>> from fastapi.testclient import TestClient
    >>> from number_generator import SequenceGenerator
    >>> app = create_app(generator=SequenceGenerator(split="test"))
    >>> TestClient(app).get("/health").json()["status"]
    'ok'
    """
    settings = settings or get_settings()
    state = ServiceState(settings, loader)
    if generator is not None:
        state.generator = generator

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.start_loading()
        yield

    app = FastAPI(
        title="number_generator",
        version=__version__,
        summary="Images of handwritten digit sequences drawn from real MNIST digits.",
        description=_description(settings),
        lifespan=lifespan,
        docs_url=None,  # served by .docs from local files, under a CSP
        redoc_url=None,  # ReDoc would load from a CDN
    )
    app.state.service = state
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_exception_handler(NumberGeneratorError, _library_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(health.router)
    app.include_router(generate.router)
    app.include_router(playground.router)
    app.include_router(docs.router)
    _document_limits(app, settings)
    return app


async def _library_error(request: Request, exc: Exception) -> JSONResponse:
    """Any library error left unchecked by the service is the client's input: 422."""
    where = "body" if request.method == "POST" else "query"
    field = _field_of(exc)
    loc = [where, field] if field else [where]
    return JSONResponse(
        {"detail": [{"type": "value_error", "loc": loc, "msg": str(exc)}]}, status_code=422
    )


def _field_of(exc: Exception) -> str | None:
    """The request field a library error is about (from its ``param``), if it is one."""
    param = exc.param if isinstance(exc, ParameterError) else None
    field = _RENAMED_FIELDS.get(param, param) if param is not None else None
    return field if field in GenerateRequest.model_fields else None


def _json_safe(value: Any) -> Any:
    """``value`` with non-finite floats (``NaN`` sent as a body value) spelled as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 answer in the library's words, safe for any input.

    The service's own checks (:class:`LibraryValidationError`) are worded
    already; pydantic's are reworded by :func:`.messages.reword`. (``NaN``
    sent as a value is not valid JSON output: it is answered as a string.)
    """
    errors = list(exc.errors()) if isinstance(exc, RequestValidationError) else []
    if not isinstance(exc, LibraryValidationError):
        settings: Settings = request.app.state.service.settings
        errors = reword(errors, settings)
    return JSONResponse({"detail": _json_safe(jsonable_encoder(errors))}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's answer, except that a body it could not parse is a 422 like any bad input.

    (FastAPI answers 400 when decoding fails other than as malformed JSON,
    e.g. an integer of more than 4,300 digits.)
    """
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 400:
        cause = exc.__cause__
        message = f"the body could not be parsed as JSON: {cause}" if cause else str(exc.detail)
        return JSONResponse(
            {"detail": [{"type": "json_invalid", "loc": ["body"], "msg": message}]},
            status_code=422,
        )
    return await http_exception_handler(request, exc)  # type: ignore[arg-type]


def _description(settings: Settings) -> str:
    return f"""\
Draws images of digit strings (numbers, phone numbers, any sequence) from real
handwritten MNIST digits. `POST /generate` takes the original service's JSON
payload and answers JSON, or PNG bytes with `Accept: image/png`;
`GET /generate.png?digits=…` answers a PNG for `<img>` tags and curl. The
playground page is at [`/`](/).

Limits of this server (checked before any work; over a limit → 422 naming the
field, an oversized body → 413):

| limit | value |
| --- | --- |
| digits per image | {settings.max_digits} |
| `image_width` | {settings.max_image_width} px |
| `image_height` | {settings.max_image_height} px |
| composed digits before fitting | {settings.max_pixels} px |
| request body | {settings.max_body_bytes} bytes |
"""


_BOUND_BY_TYPE = {"integer": "maximum", "string": "maxLength", "array": "maxItems"}


def _set_bound(schema: dict[str, Any], value: int) -> None:
    """Set the upper bound of each typed branch of ``schema`` (``anyOf`` included)."""
    key = _BOUND_BY_TYPE.get(schema.get("type", ""))
    if key is not None:
        schema[key] = value
    for branch in schema.get("anyOf", ()):
        _set_bound(branch, value)


def _any_case(word: str) -> str:
    """``word`` as a regular expression matching it in any case (ECMA and Python alike)."""
    return "".join(
        f"[{char.lower()}{char.upper()}]" if char.isalpha() else re.escape(char) for char in word
    )


#: The ``augment`` strings the server accepts, as documented in the OpenAPI schema.
AUGMENT_PATTERN = r"^\s*(?:" + "|".join(_any_case(word) for word in AUGMENT_WORDS) + r")\s*$"


def digits_pattern(max_digits: int) -> str:
    """The digit strings the server accepts: 1 to ``max_digits`` digits, separators between."""
    between = "[-" + SEPARATORS.replace("-", "") + "]*"  # "-" first: literal in a class
    return f"^{between}(?:[0-9]{between}){{1,{max_digits}}}$"


def _document_string(schema: dict[str, Any], **keys: Any) -> None:
    """Set ``keys`` on the string branch of ``schema`` (itself, or one of its ``anyOf``)."""
    for branch in [schema, *schema.get("anyOf", ())]:
        if branch.get("type") == "string":
            branch.update(keys)


def _document_limits(app: FastAPI, settings: Settings) -> None:
    """Write this server's limits and accepted words into the OpenAPI document."""
    bounds = {
        "digits": settings.max_digits,
        "image_width": settings.max_image_width,
        "image_height": settings.max_image_height,
        "spacing_min": settings.max_image_width,
        "spacing_max": settings.max_image_width,
    }
    text = {"pattern": digits_pattern(settings.max_digits), "maxLength": 2 * settings.max_digits}
    words = ", ".join(f"`{word}`" if word else '`""`' for word in AUGMENT_WORDS)
    augment = {
        "pattern": AUGMENT_PATTERN,
        "description": f"One of these words, in any case: {words}.",
    }
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            request = schema["components"]["schemas"]["GenerateRequest"]["properties"]
            query = {
                p["name"]: p["schema"]
                for p in schema["paths"]["/generate.png"]["get"]["parameters"]
            }
            for name, value in bounds.items():
                for target in (request[name], query.get(name, {})):
                    _set_bound(target, value)
            for branch in request["number"].get("anyOf", ()):
                if branch.get("type") == "integer":  # an int of at most max_digits digits
                    branch.update(minimum=0, maximum=10**settings.max_digits - 1)
            for target in (request["number"], request["digits"], query["digits"]):
                _document_string(target, **text)
            for target in (request["augment"], query["augment"]):
                _document_string(target, **augment)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
