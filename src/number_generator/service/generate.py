"""``POST /generate`` (seed 004's JSON API, or PNG by ``Accept``) and ``GET /generate.png``.

The endpoints are plain ``def``: drawing is CPU work, so FastAPI runs them in
its thread pool instead of blocking the event loop.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from .._util.params import DEFAULT_SPACING_RANGE, MIN_IMAGE_HEIGHT
from ..compose import SequenceGenerator
from .deps import ReadyGenerator, State
from .jobs import Job, Rendered, build_job, image_json, render, save
from .schemas import (
    MAX_SEED,
    MIN_SPACING,
    ErrorResponse,
    GenerateRequest,
    GenerateResponse,
    NotReadyResponse,
)
from .state import ServiceState

__all__ = ["router", "wants_png"]

router = APIRouter(tags=["generate"])

PNG = "image/png"
_PNG_SCHEMA = {"schema": {"type": "string", "format": "binary"}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "The request body is over the size limit."},
    422: {"model": ErrorResponse, "description": "A field is missing, malformed or over a limit."},
    503: {"model": NotReadyResponse, "description": "The data is not loaded (yet)."},
}
_SPACING_MIN, _SPACING_MAX = DEFAULT_SPACING_RANGE


def wants_png(accept: str | None) -> bool:
    """Whether an ``Accept`` header prefers ``image/png`` to ``application/json``.

    JSON wins ties and is the default, so ``*/*`` (what most clients send)
    keeps seed 004's JSON answer.

    Examples
    --------
    >>> wants_png("image/png"), wants_png("*/*"), wants_png("application/json;q=0.5, image/*")
    (True, False, True)
    """
    if not accept:
        return False
    png = json_ = (-1, 0.0)  # (specificity, quality) of the best matching media range
    for part in accept.split(","):
        media, _, params = part.partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        for target, kind in ((PNG, "png"), ("application/json", "json")):
            major = target.split("/")[0]
            specificity = {target: 2, f"{major}/*": 1, "*/*": 0}.get(media)
            if specificity is None:
                continue
            best = png if kind == "png" else json_
            if specificity > best[0]:
                if kind == "png":
                    png = (specificity, quality)
                else:
                    json_ = (specificity, quality)
    return png[1] > 0 and png[1] > json_[1]


def _run(
    state: ServiceState, generator: SequenceGenerator, job: Job
) -> tuple[Rendered, bytes | None]:
    rendered = render(generator, job)
    png = None
    if state.save_dir is not None:
        png = rendered.png()
        save(rendered, state.save_dir, png)
    return rendered, png


def _png_response(rendered: Rendered, png: bytes | None) -> Response:
    job = rendered.job
    return Response(
        rendered.png() if png is None else png,
        media_type=PNG,
        headers={
            "X-Task-Id": rendered.task_id,
            "X-Seed": str(job.seed),
            "X-Digits": job.digits if len(job.digits) <= 256 else f"{job.digits[:256]}...",
            "X-Writers": ",".join(map(str, rendered.image.writers[:256].tolist())),
            "Content-Disposition": f'inline; filename="{job.digits[:128]}.png"',
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/generate",
    response_model=GenerateResponse,
    summary="Draw a number (JSON, or PNG with Accept: image/png)",
    responses={
        200: {
            "content": {PNG: _PNG_SCHEMA},
            "description": "The image: JSON by default (seed 004's keys); PNG bytes when the "
            "request's Accept header prefers image/png.",
        },
        **_ERRORS,
    },
)
def generate(
    payload: GenerateRequest, request: Request, state: State, generator: ReadyGenerator
) -> Response:
    """Draw ``number`` (or ``digits``) with real MNIST digits.

    Accepts the original service's payload unchanged (``augment``, ``number``,
    ``spacing_min``, ``spacing_max``, ``image_width``) and answers with its
    keys (``generatedImage`` is a list of rows of floats in [0, 1], 0.0 =
    black ink) plus ``digits``, ``image_height``, ``fit`` and the ``seed``
    used. Send ``digits`` as a string to keep leading zeros.
    """
    digits = payload.digits
    job = build_job(
        state.settings,
        where="body",
        number=payload.number,
        digits=digits,
        spacing_min=payload.spacing_min,
        spacing_max=payload.spacing_max,
        image_width=payload.image_width,
        image_height=payload.image_height,
        fit=payload.fit,
        augment=payload.augment,
        seed=payload.seed,
        writer=payload.writer,
        spacing_mode=payload.spacing_mode,
    )
    rendered, png = _run(state, generator, job)
    if wants_png(request.headers.get("accept")):
        return _png_response(rendered, png)
    number: int | str = payload.number if payload.number is not None else job.text
    fields = json.dumps(
        {
            "number": number,
            "spacing_min": job.options.spacing_range[0],
            "spacing_max": job.options.spacing_range[1],
            "image_width": rendered.width,
            "taskId": rendered.task_id,
            "digits": job.digits,
            "image_height": job.options.image_height,
            "fit": job.options.fit,
            "spacing_mode": job.options.spacing_mode,
            "seed": job.seed,
            "writer": job.options.writer,
            "writers": rendered.image.writers.tolist(),
        }
    )
    body = (
        f'{{"augment": {json.dumps(payload.augment)}, '
        f'"generatedImage": {image_json(rendered)}, {fields[1:]}'
    )
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.get(
    "/generate.png",
    response_class=Response,
    summary="Draw a number as a PNG (for <img> tags and curl)",
    responses={200: {"content": {PNG: _PNG_SCHEMA}, "description": "The PNG image."}, **_ERRORS},
)
def generate_png(
    state: State,
    generator: ReadyGenerator,
    digits: Annotated[
        str,
        Query(
            description="The digits to draw, e.g. 0901234567; the separators and symbols "
            "- / . , + ( ) : and ' ' may stand between them (090-1234-5678, 1,234.56) and are "
            "drawn too.",
        ),
    ],
    spacing_min: Annotated[
        int, Query(ge=MIN_SPACING, description="Fewest pixels between ink.")
    ] = _SPACING_MIN,
    spacing_max: Annotated[
        int, Query(ge=MIN_SPACING, description="Most pixels between ink.")
    ] = _SPACING_MAX,
    image_width: Annotated[
        int | None,
        Query(ge=1, description="Output width; omitted: natural width."),
    ] = None,
    image_height: Annotated[int, Query(ge=MIN_IMAGE_HEIGHT, description="Output height.")] = 28,
    fit: Annotated[Literal["pad", "stretch"], Query(description="pad or stretch.")] = "pad",
    spacing_mode: Annotated[
        Literal["ink", "contour"], Query(description="ink or contour spacing.")
    ] = "ink",
    augment: Annotated[
        str,
        Query(
            max_length=64,
            description="An on/off word, a preset or a transform name (see the pattern).",
        ),
    ] = "false",
    seed: Annotated[
        int | None, Query(ge=0, le=MAX_SEED, description="Random seed; omitted: drawn.")
    ] = None,
    writer: Annotated[
        Literal["any", "same"],
        Query(description="any: digits from any writer; same: one writer's hand."),
    ] = "any",
) -> Response:
    """The PNG of ``digits``; the seed used is in the ``X-Seed`` header, the writer of each
    glyph in ``X-Writers`` (comma-separated, -1 for a stroke)."""
    job = build_job(
        state.settings,
        where="query",
        digits=digits,
        spacing_min=spacing_min,
        spacing_max=spacing_max,
        image_width=image_width,
        image_height=image_height,
        fit=fit,
        augment=augment,
        seed=seed,
        writer=writer,
        spacing_mode=spacing_mode,
    )
    rendered, png = _run(state, generator, job)
    return _png_response(rendered, png)
