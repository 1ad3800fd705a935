"""Answer patterns and weighted rows: the data every step of the grouping runs on.

Respondents with the same answers have the same indicator row, so the grouping runs on the
*distinct* rows (patterns) weighted by their counts (:func:`answer_patterns`). The helpers
here compute, on the backend's namespace ``xp`` and in row blocks, what the weighted steps
share: per-group sums, weights and means, nearest centres, inertia, scikit-learn's absolute
k-means tolerance, a canonical key of a partition, and the one-thread guard for small CPU
fits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..backend import Backend
from ..survey import Answers
from .nearest import Rows, nearest, prepare_centres, prepare_rows

#: Rows per block when distances to many centres are computed.
CHUNK_ROWS = 1 << 16
#: Below this many rows, CPU k-means runs on one thread (OpenMP start-up costs more than it
#: saves, and much more when other processes hold the cores).
SMALL_ROWS = 20_000
#: Pattern keys are renumbered before they could pass this bound (int64 arithmetic).
_KEY_LIMIT = 2**62


@contextlib.contextmanager
def one_thread_if(condition: bool) -> Iterator[None]:
    """Limit OpenMP/BLAS to one thread inside the block when ``condition`` holds."""
    if not condition:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield



def answer_patterns(answers: list[Answers], b: Backend) -> tuple[np.ndarray, Any, Any, Any]:
    """Distinct concatenated indicator rows of the respondents who answered every question.

    Returns ``(used, pattern_of, X, w)``: host mask of the respondents used, the pattern of
    each used respondent, the patterns (float64, one row each) and their counts, the last
    three on the backend. Each question's distinct cells are first reduced to distinct
    indicator rows, then the per-question row ids are combined into one integer key (mixed
    radix, compacted whenever it would overflow) and counted with ``xp.unique``.
    """
    xp = b.xp
    used = np.logical_and.reduce([a.codes >= 0 for a in answers])
    index = np.flatnonzero(used)
    key = None
    bound = 1
    per_question = []
    for a in answers:
        rows, inverse = np.unique(a.cells, axis=0, return_inverse=True)
        code = b.asarray(inverse.ravel().astype(np.int64))[b.asarray(a.codes[index])]
        per_question.append((b.asarray(rows), code))
        m = rows.shape[0]
        if key is None:
            key, bound = code, m
            continue
        if bound * m >= _KEY_LIMIT:
            _, key = xp.unique(key, return_inverse=True)
            key = key.ravel().astype(xp.int64)
            bound = int(key.max()) + 1 if key.size else 1
        key = key * m + code
        bound *= m
    if key is None or key.size == 0:
        width = sum(len(a.levels) for a in answers)
        return used, xp.zeros(0, dtype=xp.int64), xp.zeros((0, width)), xp.zeros(0)
    _, first, pattern_of, counts = xp.unique(key, return_index=True, return_inverse=True,
                                             return_counts=True)
    X = xp.concatenate([rows[code[first]] for rows, code in per_question], axis=1)
    return used, pattern_of.ravel(), X.astype(xp.float64), counts.astype(xp.float64)



def group_sums(labels: Any, X: Any, w: Any, k: int, xp: Any) -> Any:
    """Weighted column sums of the rows of ``X`` per label (k rows), in row blocks."""
    p = X.shape[1]
    out = xp.zeros(k * p, dtype=xp.float64)
    cols = xp.arange(p)
    for start in range(0, X.shape[0], CHUNK_ROWS):
        lab = labels[start:start + CHUNK_ROWS]
        index = (lab[:, None] * p + cols[None, :]).ravel()
        values = (X[start:start + CHUNK_ROWS] * w[start:start + CHUNK_ROWS, None]).ravel()
        out += xp.bincount(index, weights=values, minlength=k * p)
    return out.reshape(k, p)



def group_weights(labels: Any, w: Any, k: int, xp: Any) -> Any:
    """Total weight of each label 0..k-1."""
    return xp.bincount(labels, weights=w, minlength=k)



def weighted_means(labels: np.ndarray, X: Any, w: Any, k: int, xp: Any = np) -> Any:
    """Weighted mean row of each label 0..k-1 (NaN for an empty label)."""
    sums = group_sums(xp.asarray(labels), X, w, k, xp)
    totals = group_weights(xp.asarray(labels), w, k, xp)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / totals[:, None]



def nearest_centre(X: Any, centers: Any, xp: Any, rows: Rows | None = None) -> Any:
    """Index of the nearest centre of each row, in row blocks.

    The argmin of the float64 distances (lowest index on ties), from float32 products
    wherever :func:`.nearest.nearest` proves the result the same. ``rows``: ``X`` prepared
    by :func:`.nearest.prepare_rows`, for callers that search the same rows many times.
    """
    rows = prepare_rows(X, xp) if rows is None else rows
    centres = prepare_centres(centers, xp)
    labels = xp.empty(X.shape[0], dtype=xp.int64)
    for start in range(0, X.shape[0], CHUNK_ROWS):
        block, _ = nearest(rows, start, start + CHUNK_ROWS, centres, centres.c.shape[0], xp)
        labels[start:start + CHUNK_ROWS] = block[:, 0]
    return labels



def weighted_inertia(X: Any, w: Any, centers: Any, labels: Any, xp: Any) -> float:
    """Weighted sum of squared distances of the rows to their centres, in row blocks."""
    total = 0.0
    for start in range(0, X.shape[0], CHUNK_ROWS):
        diff = X[start:start + CHUNK_ROWS] - centers[labels[start:start + CHUNK_ROWS]]
        total += float(xp.sum(w[start:start + CHUNK_ROWS] * xp.sum(diff * diff, axis=1)))
    return total



def absolute_tol(X: Any, w: Any, tol: float, xp: Any) -> float:
    """scikit-learn's tolerance on the centre shift: ``tol`` × mean (weighted) variance."""
    n = float(xp.sum(w))
    mean = (w @ X) / n
    return tol * float(xp.mean((w @ (X * X)) / n - mean * mean))



def partition_key(labels: np.ndarray) -> bytes:
    """The same bytes for two labelings that differ only by the names of the groups."""
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[np.searchsorted(np.unique(labels), labels)].tobytes()
