"""The environment variables that choose where digits come from (read by the loaders)."""

from __future__ import annotations

__all__ = ["DATA_DIR_ENV", "MIRRORS_ENV", "SPLIT_ENV"]

#: Folder holding a registered dataset's files (instead of the user cache folder).
DATA_DIR_ENV = "NUMBER_GENERATOR_DATA_DIR"
#: Split used when none is given.
SPLIT_ENV = "NUMBER_GENERATOR_SPLIT"
#: Replaces every dataset's mirrors (read by :func:`.download.mirrors_from_env`).
MIRRORS_ENV = "NUMBER_GENERATOR_MIRRORS"
