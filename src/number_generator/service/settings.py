"""Service settings, read from environment variables by one cached function.

Every setting has a default that is safe to expose; the limits protect the
server and are checked before any work is done. The library's own variables
(``NUMBER_GENERATOR_DATA_DIR``, ``NUMBER_GENERATOR_SPLIT``,
``NUMBER_GENERATOR_CACHE_DIR``, ``NUMBER_GENERATOR_MIRRORS``) choose where
the digits come from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from .._util.params import MAX_DIGITS, MAX_IMAGE_HEIGHT, MAX_IMAGE_WIDTH, MIN_IMAGE_HEIGHT
from ..datasets import DEFAULT_DATASET
from ..errors import InvalidParameterError

__all__ = ["ENV_PREFIX", "Settings", "get_settings"]

ENV_PREFIX = "NUMBER_GENERATOR_"

#: Bounds every configured limit must respect: (smallest, largest).
_LIMIT_RANGES: dict[str, tuple[int, int]] = {
    "max_digits": (1, MAX_DIGITS),
    "max_image_width": (1, MAX_IMAGE_WIDTH),
    "max_image_height": (MIN_IMAGE_HEIGHT, MAX_IMAGE_HEIGHT),
    "max_body_bytes": (256, 1024 * 1024),
    "request_timeout": (1, 3600),
}


@dataclass(frozen=True)
class Settings:
    """What the web service serves and the limits it enforces.

    Each field is read from ``NUMBER_GENERATOR_<FIELD NAME IN CAPITALS>``,
    e.g. ``NUMBER_GENERATOR_MAX_IMAGE_WIDTH=2048``.

    Attributes
    ----------
    dataset:
        Registered dataset name (``"mnist"``) or a path to an IDX folder,
        ``.npz`` file or per-class PNG folder.
    save_dir:
        Folder where every generated image is also saved as
        ``{taskId}_{digits}.png``; ``None`` (default) saves nothing.
    max_digits:
        Most digits in one image (default 64).
    max_image_width, max_image_height:
        Largest output size in pixels (defaults 4096 and 256). The composed
        digits before fitting may also cover at most
        ``max_image_width * max_image_height`` pixels.
    max_body_bytes:
        Largest request body in bytes (default 16 KiB); larger bodies are
        refused with 413 before they are parsed.
    request_timeout:
        Seconds a client may take to send a whole request (line, headers and
        body; default 10). A connection still sending after that is answered
        408 and closed, so half-sent requests cannot hold the server's
        connections open (``number-generator serve`` and the gunicorn
        configuration enforce it).
    """

    dataset: str = DEFAULT_DATASET
    save_dir: Path | None = None
    max_digits: int = 64
    max_image_width: int = 4096
    max_image_height: int = 256
    max_body_bytes: int = 16 * 1024
    request_timeout: int = 10

    def __post_init__(self) -> None:
        for name, (low, high) in _LIMIT_RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidParameterError(
                    f"{ENV_PREFIX}{name.upper()}={value!r}: must be an integer {low}..{high}",
                    param=name,
                    value=value,
                )

    @property
    def max_pixels(self) -> int:
        """Largest area, in pixels, of the composed digits before fitting."""
        return self.max_image_width * self.max_image_height

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``environ`` (default ``os.environ``); unset variables keep defaults.

        Raises
        ------
        InvalidParameterError
            A variable holds a value that is not allowed; the message names it.
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = env.get(ENV_PREFIX + field.name.upper(), "").strip()
            if not raw:
                continue
            if field.name == "dataset":
                values["dataset"] = raw
            elif field.name == "save_dir":
                values["save_dir"] = Path(raw).expanduser()
            else:
                try:
                    values[field.name] = int(raw)
                except ValueError:
                    raise InvalidParameterError(
                        f"{ENV_PREFIX}{field.name.upper()}={raw!r}: expected an integer",
                        param=field.name,
                        value=raw,
                    ) from None
        return cls(**values)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings.from_env()
