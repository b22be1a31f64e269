"""How many threads OpenBLAS starts in the package's own processes (commands, export helpers)."""

from __future__ import annotations

import os

__all__ = ["BLAS_THREAD_VARIABLES", "blas_threads_chosen"]

#: Variables OpenBLAS reads for its thread count, in its order; any set one is the user's choice.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def blas_threads_chosen() -> bool:
    """Whether the environment already says how many threads OpenBLAS starts.

    Examples
    --------
    >>> import os
    >>> os.environ["OMP_NUM_THREADS"] = "2"
    >>> blas_threads_chosen()
    True
    >>> del os.environ["OMP_NUM_THREADS"]
    """
    return any(name in os.environ for name in BLAS_THREAD_VARIABLES)
