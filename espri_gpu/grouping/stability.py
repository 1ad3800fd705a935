"""Stability of the groups: the weighted adjusted Rand index and its bootstrap.

:func:`adjusted_rand` compares two labelings of weighted items (patterns with counts);
:func:`bootstrap_stability` re-runs k-means on bootstrap resamples of the respondents and compares
the reported groups with each replicate's (every respondent assigned to the nearest
replicate centre).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import Backend
from .kmeans import fit_kmeans
from .nearest import prepare_rows
from .patterns import group_sums, group_weights, nearest_centre

__all__ = ["adjusted_rand"]


def adjusted_rand(a: Any, b: Any, weights: Any = None) -> float:
    """Adjusted Rand index of two labelings of weighted items (Hubert & Arabie 1985).

    An item of weight c counts as c items with the same labels, so on patterns with counts
    this is ``sklearn.metrics.adjusted_rand_score`` on the respondents.

    Examples
    --------
    >>> adjusted_rand([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> round(adjusted_rand([0, 1, 1], [0, 0, 1], weights=[2, 1, 3]), 6)
    0.324324
    """
    a = np.asarray(a, dtype=np.int64).ravel()
    b = np.asarray(b, dtype=np.int64).ravel()
    w = np.ones(a.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    ka = int(a.max()) + 1 if a.size else 1
    kb = int(b.max()) + 1 if b.size else 1
    table = np.bincount(a.ravel() * kb + b.ravel(), weights=w, minlength=ka * kb)
    table = table.astype(np.float64).reshape(ka, kb)

    def pairs(x: np.ndarray) -> float:
        return float(np.sum(x * (x - 1.0)) / 2.0)

    n = float(w.sum())
    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / pairs(np.array([n])) if n > 1 else 0.0
    top = (rows + cols) / 2.0
    if top == expected:
        return 1.0
    return float((index - expected) / (top - expected))



def bootstrap_stability(b: Backend, ml: Any, X: Any, w: Any, w_host: np.ndarray, labels: Any,
               leaf_of_pattern: Any, n_leaves: int, k: int, n_init: int, n_bootstrap: int,
               rng: np.random.Generator) -> np.ndarray:
    """Adjusted Rand index of the reported groups against each bootstrap replicate.

    A replicate draws n respondents with replacement (multinomial counts on the patterns),
    recomputes the weighted tree leaves (patterns or pre-clusters) from them, runs the
    k-means++ starts on the leaves, and assigns every original respondent to the nearest
    replicate centre.
    """
    xp = b.xp
    n = int(round(w_host.sum()))
    labels_h = b.asnumpy(labels)
    scores = []
    seeds = rng.integers(0, 2**31 - 1, size=n_bootstrap)
    rows = prepare_rows(X, xp) if n_bootstrap else None  # float32 copy once for all replicates
    for r in range(n_bootstrap):
        counts = rng.multinomial(n, w_host / w_host.sum()).astype(np.float64)
        cw = b.asarray(counts)
        leaf_w = group_weights(leaf_of_pattern, cw, n_leaves, xp)
        keep = b.asnumpy(leaf_w) > 0
        if int(keep.sum()) < k:
            continue
        sums = group_sums(leaf_of_pattern, X, cw, n_leaves, xp)
        keep_d = b.asarray(keep)
        leaves = sums[keep_d] / leaf_w[keep_d][:, None]
        fit = fit_kmeans(b, ml, leaves, leaf_w[keep_d], k, "k-means++", n_init, int(seeds[r]))
        replicate = nearest_centre(X, fit.centers, xp, rows)
        scores.append(adjusted_rand(labels_h, b.asnumpy(replicate), w_host))
    return np.asarray(scores, dtype=np.float64)
