"""Running the service with uvicorn: what ``number-generator serve`` calls."""

from __future__ import annotations

import os
from pathlib import Path

from ..compose import SequenceGenerator
from ..datasets import DATA_DIR_ENV, DATASETS, SPLIT_ENV, DigitDataset
from .settings import ENV_PREFIX, get_settings

__all__ = ["prepare", "serve"]


def prepare(
    dataset: str | Path | None = None,
    *,
    split: str | None = None,
    data_dir: str | Path | None = None,
) -> DigitDataset:
    """Load the served dataset once, before any worker starts.

    A missing or corrupt dataset is then an error before the server starts,
    and the decoded-array cache is filled, so that every worker memory-maps
    it instead of parsing the gzip files. ``dataset`` (a registered name or
    a path, default ``$NUMBER_GENERATOR_DATASET`` or MNIST), ``split`` and
    ``data_dir`` are passed to the workers through their environment variables.

    Raises
    ------
    NumberGeneratorError
        The settings or the dataset are not usable.
    """
    if dataset is not None:
        name = str(dataset)
        if not (isinstance(dataset, str) and name.lower() in DATASETS):
            name = str(Path(name).expanduser().resolve())  # the workers may start elsewhere
        os.environ[f"{ENV_PREFIX}DATASET"] = name
    if split is not None:
        os.environ[SPLIT_ENV] = split
    if data_dir is not None:
        os.environ[DATA_DIR_ENV] = str(Path(data_dir).expanduser().resolve())
    get_settings.cache_clear()
    return SequenceGenerator(get_settings().dataset).dataset


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve :func:`~number_generator.service.create_app` with uvicorn until interrupted.

    Idle keep-alive connections close after 5 s; a request not fully received
    within ``NUMBER_GENERATOR_REQUEST_TIMEOUT`` seconds is answered 408 and
    closed (:mod:`.protocol`).
    """
    import uvicorn

    from .protocol import PROTOCOL

    uvicorn.run(
        "number_generator.service:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        http=PROTOCOL,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
    )
