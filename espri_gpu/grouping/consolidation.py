"""HCPC's k-means steps around the tree: pre-clusters, and consolidation from many starts.

Beyond ``tree_max`` patterns the tree is built on k-means pre-clusters of the patterns
(:func:`preclusters`, HCPC's ``kk``). :func:`consolidate` runs k-means from the tree's
groups and from k-means++ starts; with pre-clusters the starts run on them (a coreset), are
refined together by a few batched Lloyd steps on all patterns (:func:`_lloyd`, on the
backend's namespace), and the best are iterated to convergence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import Backend
from .kmeans import fit_kmeans
from .nearest import Rows, nearest, prepare_centres, prepare_rows
from .patterns import (
    SMALL_ROWS,
    absolute_tol,
    group_weights,
    nearest_centre,
    one_thread_if,
    partition_key,
    weighted_inertia,
    weighted_means,
)
from .result import KMeansFit

#: Starts refined on all patterns by a few Lloyd steps, then the best iterated to the end.
_SHORT_ITER = 5
_SHORT_SAMPLE = 1 << 16
_POLISHED_STARTS = 2
#: With pre-clusters, k-means++ starts on them per requested start (they are cheap).
LEAF_STARTS = 5
#: Respondents drawn (per pre-cluster) to seed the pre-clusters.
_PRECLUSTER_SAMPLE = 50
#: Rows per block in the batched Lloyd steps.
_LLOYD_CHUNK = 1 << 14


def preclusters(b: Backend, ml: Any, X: Any, w: Any, w_host: np.ndarray, kk: int,
                 rng: np.random.Generator, seed: int) -> tuple[Any, Any, Any, float]:
    """HCPC's ``kk``: weighted k-means pre-clusters of the patterns, leaves of the tree.

    The centres are fitted on a bootstrap sample of ``_PRECLUSTER_SAMPLE * kk``
    respondents (random weighted start, at most 20 Lloyd iterations), then every pattern
    goes to the nearest centre. Returns the pre-cluster of each pattern, the pre-clusters'
    weighted centroids and weights (empty ones dropped) and the sum of squares inside them.
    """
    xp = b.xp
    P = X.shape[0]
    draws = rng.choice(P, size=_PRECLUSTER_SAMPLE * kk, p=w_host / w_host.sum())
    sample, counts = np.unique(draws, return_counts=True)
    kk = min(kk, sample.shape[0])
    with one_thread_if(not b.is_gpu and sample.shape[0] <= SMALL_ROWS):
        fit = fit_kmeans(b, ml, X[b.asarray(sample)], b.asarray(counts, dtype=np.float64),
                          kk, "random", 1, seed, max_iter=20)
    leaf = nearest_centre(X, fit.centers, xp)
    leaf_w = group_weights(leaf, w, kk, xp)
    keep = b.asnumpy(leaf_w) > 0
    remap = np.cumsum(keep) - 1
    leaf = b.asarray(remap)[leaf]
    leaves = weighted_means(leaf, X, w, int(keep.sum()), xp)
    leaf_w = leaf_w[b.asarray(keep)]
    within = weighted_inertia(X, w, leaves, leaf, xp)
    return leaf, leaves, leaf_w, within



def consolidate(b: Backend, ml: Any, X: Any, w: Any, leaves: Any, leaf_w: Any,
                 tree_init: np.ndarray | None, k: int, n_init: int, seeds: list[int],
                 exact: bool, rng: np.random.Generator,
                 w_host: np.ndarray) -> tuple[KMeansFit, str]:
    """Best k-means solution on the weighted patterns from the tree's groups and k-means++.

    Lloyd iterations run on the tree leaves from the tree's k groups (HCPC consolidation)
    and from ``n_init`` k-means++ starts. When the leaves are the patterns (``exact``) the
    lowest inertia wins. With pre-clusters, ``LEAF_STARTS * n_init`` k-means++ starts run
    on the pre-clusters, the ``n_init`` best distinct leaf solutions (and the tree's) are
    refined by ``_SHORT_ITER`` batched Lloyd steps on the patterns of a sample of
    ``_SHORT_SAMPLE`` respondents (all patterns if fewer), the ``_POLISHED_STARTS`` best
    are iterated to convergence on all patterns, and the lowest inertia wins. Ties go to
    the tree.
    """
    xp = b.xp
    starts: list[tuple[KMeansFit, str]] = []
    with one_thread_if(not b.is_gpu and leaves.shape[0] <= SMALL_ROWS):
        if tree_init is not None:
            starts.append((fit_kmeans(b, ml, leaves, leaf_w, k, b.asarray(tree_init), 1,
                                       seeds[0]), "tree"))
        if exact:
            starts.append((fit_kmeans(b, ml, leaves, leaf_w, k, "k-means++", n_init,
                                       seeds[0]), "k-means++"))
            return min(starts, key=lambda start: start[0].inertia)
        seen, found = set(), []
        for seed in seeds[1:1 + LEAF_STARTS * n_init]:
            fit = fit_kmeans(b, ml, leaves, leaf_w, k, "k-means++", 1, seed)
            key = partition_key(b.asnumpy(fit.labels))
            if key not in seen:  # many starts end in the same partition of the leaves
                seen.add(key)
                found.append(fit)
        found.sort(key=lambda fit: fit.inertia)
        starts += [(fit, "k-means++") for fit in found[:n_init]]
    tol = absolute_tol(X, w, 1e-4, xp)
    centers = xp.stack([fit.centers for fit, _ in starts])
    if X.shape[0] > _SHORT_SAMPLE:
        draws = rng.choice(X.shape[0], size=_SHORT_SAMPLE, p=w_host / w_host.sum())
        sample, counts = np.unique(draws, return_counts=True)
        Xs, ws = X[b.asarray(sample)], b.asarray(counts, dtype=np.float64)
    else:
        Xs, ws = X, w
    rows = prepare_rows(X, xp)  # float32 copy of all patterns, once for both passes
    centers, _, inertia = _lloyd(Xs, ws, centers, _SHORT_ITER, tol, xp,
                                 rows if Xs is X else None)
    best = np.argsort(b.asnumpy(inertia), kind="stable")[:_POLISHED_STARTS]
    centers, labels, _ = _lloyd(X, w, centers[xp.asarray(best)], 300, tol, xp, rows)
    fits = []
    for j in range(len(best)):
        means = weighted_means(labels[:, j], X, w, k, xp)
        means = xp.where(xp.isfinite(means), means, centers[j])
        fits.append(KMeansFit(means, labels[:, j], weighted_inertia(X, w, means, labels[:, j], xp)))
    j = min(range(len(best)), key=lambda j: (fits[j].inertia, j))
    return fits[j], starts[int(best[j])][1]



def _lloyd(X: Any, w: Any, centers: Any, max_iter: int, tol: float, xp: Any,
           rows: Rows | None = None) -> tuple[Any, Any, Any]:
    """Weighted Lloyd iterations for several k-means solutions at once (one pass per step).

    ``centers`` has shape (m, k, d). Each step assigns every row to the nearest centre of
    each solution (one matrix product for all m × k centres, in float32 with the float64
    argmin kept: :func:`.nearest.nearest`) and moves the centres to the weighted means (a
    second product with the weighted assignment matrix, float64 like the inertia). Stops
    when no label changes, when every centre moves by at most ``tol`` (squared), or after
    ``max_iter`` steps. Returns the centres, the labels of the last assignment, shape
    (n, m), and the inertia of each solution's last assignment around its group means.
    ``rows``: ``X`` prepared by :func:`.nearest.prepare_rows` (prepared here if None).
    """
    m, k, d = centers.shape
    n_rows = X.shape[0]
    labels = xp.full((n_rows, m), -1, dtype=xp.int64)
    offsets = (xp.arange(m) * k)[None, :]
    total_x2 = float(w @ xp.sum(X * X, axis=1))
    rows = prepare_rows(X, xp) if rows is None else rows  # float32 copy once per fit
    inertia = xp.zeros(m)
    for _ in range(max_iter):
        flat = centers.reshape(m * k, d)
        centres = prepare_centres(flat, xp)
        sums = xp.zeros((m * k, d))
        totals = xp.zeros(m * k)
        changed = False
        for start in range(0, n_rows, _LLOYD_CHUNK):
            block, wb = X[start:start + _LLOYD_CHUNK], w[start:start + _LLOYD_CHUNK]
            lab = nearest(rows, start, start + _LLOYD_CHUNK, centres, k, xp)[0] + offsets
            changed = changed or bool(xp.any(lab != labels[start:start + _LLOYD_CHUNK]))
            labels[start:start + _LLOYD_CHUNK] = lab
            assign = xp.zeros((block.shape[0], m * k))
            assign[xp.arange(block.shape[0])[:, None], lab] = wb[:, None]
            sums += assign.T @ block
            totals += xp.sum(assign, axis=0)
        safe = xp.maximum(totals, 1e-300)[:, None]
        # sum of squares of each solution around the means of its current groups
        inertia = total_x2 - xp.sum((xp.sum(sums * sums, axis=1) / safe[:, 0]).reshape(m, k),
                                    axis=1)
        if not changed:
            break
        moved = xp.where(totals[:, None] > 0, sums / safe, flat)
        shift = xp.sum(((moved - flat) ** 2).reshape(m, k * d), axis=1)
        centers = moved.reshape(m, k, d)
        if bool(xp.all(shift <= tol)):
            break
    return centers, labels - offsets, inertia
