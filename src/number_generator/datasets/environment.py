"""The environment variables that choose where digits come from, and the user cache folder."""

from __future__ import annotations

import os
import sys

__all__ = ["DATA_DIR_ENV", "MIRRORS_ENV", "SPLIT_ENV", "user_cache_dir"]

#: Folder holding a registered dataset's files (instead of the user cache folder).
DATA_DIR_ENV = "NUMBER_GENERATOR_DATA_DIR"
#: Split used when none is given.
SPLIT_ENV = "NUMBER_GENERATOR_SPLIT"
#: Replaces every dataset's mirrors (read by :func:`.download.mirrors_from_env`).
MIRRORS_ENV = "NUMBER_GENERATOR_MIRRORS"

_APP = "number_generator"


def user_cache_dir() -> str:
    """The package's user cache folder, as ``platformdirs.user_cache_dir("number_generator")``.

    On Linux with an absolute ``$HOME`` and ``$XDG_CACHE_HOME`` absolute or unset (the
    usual case), the XDG rule is applied here, so a process drawing from cached data
    does not import platformdirs; anywhere else platformdirs decides.
    """
    environ = os.environ
    android = hasattr(sys, "getandroidapilevel") or "ANDROID_DATA" in environ
    if sys.platform == "linux" and not android:
        xdg = environ.get("XDG_CACHE_HOME", "")
        if os.path.isabs(xdg):
            return os.path.join(xdg, _APP)
        if not xdg and os.path.isabs(environ.get("HOME", "")):
            return os.path.join(os.path.expanduser("~/.cache"), _APP)
    import platformdirs

    return platformdirs.user_cache_dir(_APP)
