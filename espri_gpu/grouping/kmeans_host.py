"""k-means on the host: scikit-learn's ``KMeans`` on weighted rows (the CPU backend).

scikit-learn draws weighted k-means++ / random starts itself and scales ``tol`` by the mean
unweighted variance of the columns, so :func:`fit_sklearn` only rescales ``tol`` for the
weights. :func:`kmeans_fit_of` reads a fitted estimator back (scikit-learn's or cuML's) as
a :class:`~espri_gpu.grouping.result.KMeansFit`: the weighted means of its final groups and
the inertia around them.
"""

from __future__ import annotations

import warnings
from typing import Any

from ..backend import Backend
from .patterns import weighted_inertia, weighted_means
from .result import KMeansFit


def fit_sklearn(b: Backend, ml: Any, X: Any, w: Any, k: int, init: Any, n_init: int,
                 seed: int, max_iter: int = 300, tol: float = 1e-4) -> KMeansFit:
    """scikit-learn's ``KMeans`` on weighted rows, its relative ``tol`` rescaled for them.

    scikit-learn scales ``tol`` by the mean *unweighted* variance of the columns and draws
    weighted k-means++ / random starts itself; the tolerance it is given is ``tol`` ×
    weighted / unweighted mean variance, so that it stops where it would on the expanded
    rows.
    """
    xp = b.xp
    n = float(xp.sum(w))
    mean = (w @ X) / n
    weighted_var = float(xp.mean((w @ (X * X)) / n - mean * mean))
    plain_var = float(xp.mean(xp.var(X, axis=0)))
    scaled_tol = tol * weighted_var / plain_var if plain_var > 0 else tol
    model = ml.KMeans(n_clusters=k, init=init, n_init=n_init, max_iter=max_iter,
                      tol=scaled_tol, random_state=int(seed) % (2**31))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Number of distinct clusters")
        model.fit(X, sample_weight=w)
    return kmeans_fit_of(model, X, w, k, xp)


def kmeans_fit_of(model: Any, X: Any, w: Any, k: int, xp: Any) -> KMeansFit:
    """The fitted estimator's groups, their weighted means and the inertia around them."""
    labels = xp.asarray(model.labels_).astype(xp.int64)
    centers = weighted_means(labels, X, w, k, xp)
    empty = ~xp.isfinite(centers[:, 0])
    if bool(xp.any(empty)):  # keep the estimator's centre for a group that ended empty
        centers[empty] = xp.asarray(model.cluster_centers_, dtype=xp.float64)[empty]
    return KMeansFit(centers, labels, weighted_inertia(X, w, centers, labels, xp))
