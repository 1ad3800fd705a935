"""Factorizing a column of answer strings on the backend, in order of first appearance.

pandas returns distinct values in order of first appearance; cuDF's hash-based factorize
does not promise any order. Because the first spelling of a free "other" answer is the one
shown, espri_gpu renumbers GPU codes into first-appearance order, so that both backends
give identical results. The renumbering uses only array operations common to NumPy and
CuPy and is tested on NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .backend import Backend

__all__ = ["factorize", "first_appearance_order"]


def factorize(values: pd.Series, b: Backend) -> tuple[np.ndarray, list[str]]:
    """Codes (host int32, -1 for missing) and distinct strings in order of first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> from espri_gpu.backend import cpu_backend
    >>> codes, uniques = factorize(pd.Series(["b", "a", "b", "c"]), cpu_backend())
    >>> codes.tolist(), uniques
    ([0, 1, 0, 2], ['b', 'a', 'c'])
    """
    codes, uniques = b.series(values).factorize(use_na_sentinel=True)
    uniques = getattr(uniques, "to_pandas", lambda: uniques)()  # cuDF Index -> pandas
    strings = [str(u) for u in uniques]
    codes = b.xp.asarray(codes)
    if b.is_gpu and len(strings) > 1:
        rank = first_appearance_order(codes, len(strings), b.xp)
        codes = b.xp.where(codes >= 0, rank[b.xp.maximum(codes, 0)], -1)
        new_to_old = np.argsort(b.asnumpy(rank))
        strings = [strings[i] for i in new_to_old]
    return b.asnumpy(codes).astype(np.int32, copy=False), strings


def first_appearance_order(codes: Any, n_uniques: int, xp: Any) -> Any:
    """For each code, its rank by first appearance in ``codes`` (codes < 0 are ignored).

    Examples
    --------
    >>> import numpy as np
    >>> first_appearance_order(np.array([2, -1, 0, 2, 1, 0]), 3, np).tolist()
    [1, 2, 0]
    """
    n = codes.shape[0]
    rows = xp.arange(n, dtype=xp.int64)
    valid = codes >= 0
    keys = codes[valid].astype(xp.int64) * n + rows[valid]  # sort by (code, row)
    keys = xp.sort(keys)
    starts = xp.searchsorted(keys // n, xp.arange(n_uniques, dtype=xp.int64))
    first_row = keys[starts] % n  # every code 0..n_uniques-1 occurs at least once
    order = xp.argsort(first_row)  # codes sorted by their first row
    rank = xp.empty(n_uniques, dtype=xp.int64)
    rank[order] = xp.arange(n_uniques, dtype=xp.int64)
    return rank
