"""Request and response bodies of the web service (pydantic models, shown in /docs).

Types are strict (``56.0`` or ``"56"`` is not an ``image_width``) so that a
client's mistake is answered with 422 rather than guessed at. Upper bounds
are the server's configurable limits: they are checked by
:func:`~number_generator.service.jobs.build_job`, with a message that names
the limit, and written into the served OpenAPI document by the app factory.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from .._util.params import DEFAULT_SPACING_RANGE, MAX_IMAGE_HEIGHT, MIN_IMAGE_HEIGHT

__all__ = [
    "MAX_SEED",
    "ErrorDetail",
    "ErrorResponse",
    "GenerateRequest",
    "GenerateResponse",
    "HealthDataset",
    "HealthResponse",
    "NotReadyResponse",
]

#: Largest accepted ``seed``.
MAX_SEED = 2**63 - 1
#: Most negative spacing any height allows (half of the largest glyph height).
MIN_SPACING = -(MAX_IMAGE_HEIGHT // 2)

_SPACING_MIN, _SPACING_MAX = DEFAULT_SPACING_RANGE

AugmentValue = StrictBool | Literal[0, 1] | StrictStr


class GenerateRequest(BaseModel):
    """What to draw. The keys of the original service (seed 004) work unchanged."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # Exactly one of `number` and `digits`, not null (null is the same as absent).
            "oneOf": [
                {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
                for name in ("number", "digits")
            ],
            "examples": [
                {
                    "augment": "false",
                    "number": 42,
                    "spacing_min": 5,
                    "spacing_max": 10,
                    "image_width": 56,
                },
                {"digits": "0901234567", "image_width": 280, "seed": 7, "fit": "pad"},
            ],
        },
    )

    number: StrictInt | StrictStr | None = Field(
        default=None,
        description="The number to draw: a non-negative integer, or a string of digits "
        "(the separators '-', '/', ' ' and the symbols '.', ',', '+', '(', ')', ':' may "
        'stand between them and are drawn too: "090-1234-5678", "1,234.56", "(03) 1234-5678"). '
        "Give `number` or `digits`, not both.",
    )
    digits: StrictStr | list[StrictInt] | None = Field(
        default=None,
        description='The digits to draw as a string ("0901234567": leading zeros survive; '
        "the separators and symbols - / . , + ( ) : and ' ' may stand between digits and are "
        "drawn too) or a list of ints 0-9.",
    )
    spacing_min: StrictInt = Field(
        _SPACING_MIN,
        ge=MIN_SPACING,
        description="Fewest pixels of paper between neighbouring digits' ink; negative "
        "overlaps digits (at most half the image height).",
    )
    spacing_max: StrictInt = Field(
        _SPACING_MAX,
        ge=MIN_SPACING,
        description="Most pixels between neighbouring digits' ink; each gap is drawn "
        "uniformly from [spacing_min, spacing_max].",
    )
    image_width: StrictInt | None = Field(
        None,
        ge=1,
        description="Output width in pixels; omitted or null: the digits' natural width.",
    )
    image_height: StrictInt = Field(28, ge=MIN_IMAGE_HEIGHT, description="Output height in pixels.")
    fit: Literal["pad", "stretch"] = Field(
        "pad",
        description='"pad": centre on white paper, exact spacing, scale down uniformly only '
        'if too wide; "stretch": resize to exactly image_width x image_height.',
    )
    writer: Literal["any", "same"] = Field(
        "any",
        description='"any": each digit from any writer; "same": every digit from one '
        "writer's hand (the response's `writers` tells whose).",
    )
    spacing_mode: Literal["ink", "contour"] = Field(
        "ink",
        description='How a gap is measured: "ink" between the digits\' ink bounding columns; '
        '"contour" the smallest distance between the inks, row by row (digits tuck together; '
        "a spacing of 0 makes strokes touch).",
    )
    augment: AugmentValue = Field(
        False,
        description='Augmentation: "true"/"false" (or booleans, 1/0) as in the original '
        "service, or a string naming an on/off word, a preset or a transform (the string "
        "branch's pattern lists every word; case is ignored).",
    )
    seed: StrictInt | None = Field(
        None,
        ge=0,
        le=MAX_SEED,
        description="Random seed: the same seed and options give the same image. "
        "Omitted: the server draws one and reports it.",
    )


class GenerateResponse(BaseModel):
    """The image and the request that made it (seed 004's keys, plus a few)."""

    augment: AugmentValue = Field(description="`augment` as sent.")
    # camelCase keys: the names seed 004's clients read.
    generatedImage: list[list[float]] = Field(
        description="The image, `image_height` rows of `image_width` floats; "
        "0.0 = black ink, 1.0 = white paper (float32 values)."
    )
    number: StrictInt | StrictStr = Field(
        description="`number` as sent, else `digits` as a string (separators kept)."
    )
    spacing_min: int
    spacing_max: int
    image_width: int = Field(description="Width of the image (the natural width if not sent).")
    taskId: str = Field(description="Identifier of this request.")
    digits: str = Field(description="The digits drawn, as a string (digits only).")
    image_height: int
    fit: str
    spacing_mode: str
    seed: int = Field(description="The seed used; send it back to get the same image.")
    writer: str = Field(description="`writer` as sent (default any).")
    writers: list[int] = Field(
        description="The writer id of every drawn glyph, left to right (-1 for a '-' or '/' "
        "stroke or an unknown writer)."
    )


class HealthDataset(BaseModel):
    """The dataset the digits are drawn from."""

    name: str
    split: str | None
    size: int = Field(description="Number of glyphs.")


class HealthResponse(BaseModel):
    """``status`` is ``"ok"`` once the data is loaded (HTTP 200), else 503."""

    status: Literal["ok", "loading", "error"]
    version: str
    dataset: HealthDataset | None = None
    detail: str | None = Field(default=None, description="Why the service is not ready.")


class ErrorDetail(BaseModel):
    """One problem with the request."""

    type: str
    loc: list[str | int] = Field(description='Where: e.g. ["body", "image_width"].')
    msg: str


class ErrorResponse(BaseModel):
    """Body of every 413/422 answer."""

    detail: list[ErrorDetail]


class NotReadyResponse(BaseModel):
    """Body of a 503 answer: the data is still loading, or failed to load."""

    detail: str
