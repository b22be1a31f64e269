"""The service's loaded data: a generator that becomes ready in the background."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from .._util.files import prepare_output_dir
from ..compose import SequenceGenerator
from .settings import Settings

__all__ = ["ServiceState"]

logger = logging.getLogger("number_generator")


class ServiceState:
    """Holds the settings and, once loaded, the :class:`SequenceGenerator`.

    Parameters
    ----------
    settings:
        The service's settings.
    loader:
        Builds the generator; default: load ``settings.dataset``. The
        library memory-maps its decoded-array cache, so each worker process
        loads in milliseconds and shares the pages with the others.
    """

    def __init__(
        self,
        settings: Settings,
        loader: Callable[[], SequenceGenerator] | None = None,
    ) -> None:
        self.settings = settings
        self.generator: SequenceGenerator | None = None
        self.error: str | None = None
        self.save_dir: Path | None = None
        if settings.save_dir is not None:
            self.save_dir = prepare_output_dir(settings.save_dir, "NUMBER_GENERATOR_SAVE_DIR")
        self._loader = loader or (lambda: SequenceGenerator(settings.dataset))
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        return self.generator is not None

    def start_loading(self) -> None:
        """Load the data in a background thread (once); ``/health`` says 503 until done."""
        with self._lock:
            if self.generator is not None or self._thread is not None:
                return
            self._thread = threading.Thread(
                target=self._load, name="number-generator-load", daemon=True
            )
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background load; ``True`` once the generator is ready."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.ready

    def _load(self) -> None:
        try:
            generator = self._loader()
        except Exception as exc:  # reported by /health; the server keeps answering
            logger.exception("loading the dataset failed")
            self.error = f"{type(exc).__name__}: {exc}"
            return
        self.generator = generator
        logger.info("dataset ready: %r", generator.dataset)
