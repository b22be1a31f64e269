"""The gunicorn worker of the shipped configuration: uvicorn's, with the request timeout.

It is ``uvicorn_worker.UvicornWorker`` with the HTTP protocol of
:mod:`.protocol`, so that half-sent requests are closed after
``NUMBER_GENERATOR_REQUEST_TIMEOUT`` seconds under gunicorn too.
"""

from __future__ import annotations

from typing import Any, ClassVar

import uvicorn_worker  # type: ignore[import-untyped]  # no type information shipped

from .protocol import PROTOCOL

__all__ = ["UvicornWorker"]


class UvicornWorker(uvicorn_worker.UvicornWorker):  # type: ignore[misc]
    """``uvicorn_worker.UvicornWorker`` serving with :class:`.protocol.GuardedHttpToolsProtocol`."""

    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {
        **uvicorn_worker.UvicornWorker.CONFIG_KWARGS,
        "http": PROTOCOL,
    }
