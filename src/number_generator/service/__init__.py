"""The web service: a FastAPI app factory, its settings and the browser playground.

Needs the ``service`` extra (``pip install "handwritten-digit-strings[service]"``).

>>> from number_generator.service import create_app  # doctest: +SKIP
>>> app = create_app()  # settings from NUMBER_GENERATOR_* environment variables
"""

from __future__ import annotations

from .app import create_app
from .settings import Settings, get_settings

__all__ = ["Settings", "create_app", "get_settings"]
