"""pydantic's validation errors reworded as the library words its own.

FastAPI checks types and bounds before the service sees a request, and
pydantic words its answers generically ("Input should be greater than or
equal to 1"). Every 422 of the service instead names the field, shows the
value and says what is allowed, as the library does
(``image_width=0: must be in the range 1..4096``); the answer keeps FastAPI's
shape: a ``detail`` list of ``{type, loc, msg, input}``, one item per field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._util.params import FITS, MIN_IMAGE_HEIGHT, SPACING_MODES
from .._util.text import allowed_separators
from ..datasets.writers import WRITER_MODES
from .jobs import augment_message, shown
from .schemas import MAX_SEED, MIN_SPACING, GenerateRequest
from .settings import Settings

__all__ = ["reword"]

_EXAMPLE = '{"number": 42}'
_DIGITS_RULE = f"the separators {allowed_separators()} may stand between the digits"
#: What a missing or null value of an optional integer field means.
_NULL_MEANS = {"image_width": "the natural width", "seed": "a random seed"}


def _ranges(settings: Settings) -> dict[str, tuple[int, int]]:
    """The allowed range of each integer field on this server."""
    return {
        "image_width": (1, settings.max_image_width),
        "image_height": (MIN_IMAGE_HEIGHT, settings.max_image_height),
        "spacing_min": (MIN_SPACING, settings.max_image_width),
        "spacing_max": (MIN_SPACING, settings.max_image_width),
        "seed": (0, MAX_SEED),
    }


def _as_int(value: Any) -> Any:
    """A query string's integer value (``"-3"`` -> ``-3``); anything else unchanged."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    return value


def _message(where: str, field: str, error: Mapping[str, Any], settings: Settings) -> str:
    """The library's wording for pydantic's ``error`` about ``field``."""
    kind = error.get("type", "")
    value = error.get("input")
    name = f"{field}={shown(value)}"
    ranges = _ranges(settings)
    if kind == "missing":
        if field in ("number", "digits"):
            return f"{field} is required: give the digits to draw, e.g. {field}=0901234567"
        return f"{field} is required"
    if kind == "extra_forbidden":
        allowed = ", ".join(GenerateRequest.model_fields)
        return f"{name}: unknown field; the fields are {allowed}"
    if field in ranges:
        low, high = ranges[field]
        null = ""
        if field in _NULL_MEANS:
            null = f", or {'null' if where == 'body' else 'nothing'} for {_NULL_MEANS[field]}"
        number = _as_int(value) if where == "query" else value
        if isinstance(number, int) and not isinstance(number, bool):
            return f"{field}={number!r}: must be in the range {low}..{high}"
        return f"{name}: expected an integer {low}..{high}{null}"
    if field == "fit":
        return f"{name}: expected one of {', '.join(map(repr, FITS))}"
    if field == "writer":
        return f"{name}: expected one of {', '.join(map(repr, WRITER_MODES))}"
    if field == "spacing_mode":
        return f"{name}: expected one of {', '.join(map(repr, SPACING_MODES))}"
    if field == "augment":
        return augment_message(value)
    if field == "number":
        return f"{name}: expected a non-negative integer or a string of digits ({_DIGITS_RULE})"
    if field == "digits":
        place = "string" if where == "query" else "string or a list of ints 0-9"
        return f"{name}: expected the digits as a {place} ({_DIGITS_RULE})"
    return f"{name}: {error.get('msg', 'not allowed')}"


def _body_message(error: Mapping[str, Any]) -> str:
    """The wording for a problem with the body as a whole (not one field)."""
    kind = error.get("type", "")
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "malformed JSON")
        loc = error.get("loc", ())
        at = f" at character {loc[1]}" if len(loc) > 1 else ""
        return f"the body is not valid JSON: {reason}{at}; send a JSON object, e.g. {_EXAMPLE}"
    if kind == "missing":
        return f"the body is missing: send a JSON object, e.g. {_EXAMPLE}"
    return (
        f"body={shown(error.get('input'))}: expected a JSON object with the fields "
        f"{', '.join(GenerateRequest.model_fields)}, e.g. {_EXAMPLE}"
    )


def reword(errors: Iterable[Mapping[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """pydantic's ``errors`` in the library's words, one item per field, in FastAPI's shape.

    A union field (``number``, ``digits``, ``augment``) yields one error per
    branch from pydantic; they are merged into one item located at the field.
    """
    items: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for error in errors:
        loc = tuple(error.get("loc", ()))
        where = str(loc[0]) if loc else "body"
        field = loc[1] if len(loc) > 1 and isinstance(loc[1], str) else None
        key = (where, field)
        if key in seen:
            continue
        seen.add(key)
        if field is None:
            message = _body_message(error)
            value = error.get("input")
        else:
            message = _message(where, field, error, settings)
            # A union's branch error holds the element, not the field's value.
            value = error.get("input") if len(loc) <= 3 else None
        items.append(
            {
                "type": error.get("type", "value_error"),
                "loc": [where, field] if field is not None else [where],
                "msg": message,
                "input": value,
            }
        )
    return items
