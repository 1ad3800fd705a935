"""Weighted k-means: the public :func:`weighted_kmeans` and the choice of estimator.

:func:`fit_kmeans` runs one weighted k-means with scikit-learn's meaning of every argument:
through scikit-learn on the CPU backend (:mod:`.kmeans_host`), through cuML with an absolute
``tol`` and weighted starts drawn by espri_gpu on the GPU backend (:mod:`.kmeans_device`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import Backend, resolve_backend
from .kmeans_device import fit_cuml
from .kmeans_host import fit_sklearn
from .result import KMeansFit

__all__ = ["weighted_kmeans"]


def weighted_kmeans(X: Any, k: int, *, sample_weight: Any = None, init: Any = "k-means++",
                    n_init: int = 10, seed: int = 0, max_iter: int = 300, tol: float = 1e-4,
                    backend: str | Backend | None = None) -> KMeansFit:
    """k-means of weighted rows (the backend's ``KMeans``: scikit-learn or cuML).

    A row with weight c counts as c identical rows: on distinct answer patterns with their
    counts the objective is exactly the one on all rows. ``tol`` has scikit-learn's meaning
    on the expanded rows: the iterations stop when the centres move (total squared shift)
    by at most ``tol`` × the mean weighted variance of the columns. scikit-learn's estimator
    gets its relative ``tol`` rescaled for the weights (it uses unweighted variances);
    cuML's, whose ``tol`` is that absolute threshold and whose own starts ignore the
    weights, gets the threshold and weighted starts drawn here by scikit-learn's algorithm
    and seeds (one fit per start, ``init`` array, ``n_init=1``). From the same initial
    centres the iterations are those on all rows.

    Parameters
    ----------
    X : array_like, shape (n, d)
    k : int
    sample_weight : array_like, shape (n,), optional
    init : "k-means++" or array of shape (k, d)
    n_init : int
        Starts for ``"k-means++"`` (the best is kept); 1 for given centres.
    seed : int
        ``random_state`` of the estimator (on the GPU: of the starts drawn for cuML).
    max_iter, tol
        As in scikit-learn's ``KMeans``.
    backend : optional

    Returns
    -------
    KMeansFit
        Centres = weighted means of the final groups; inertia around them.

    Examples
    --------
    >>> import numpy as np
    >>> rows = np.array([[0.0, 0], [0, 0], [0, 1], [1, 1], [1, 1], [1, 1]])
    >>> patterns, counts = np.array([[0.0, 0], [0, 1], [1, 1]]), np.array([2, 1, 3])
    >>> a = weighted_kmeans(rows, 2, init=rows[[0, 3]], n_init=1, backend="cpu")
    >>> b = weighted_kmeans(patterns, 2, sample_weight=counts, init=rows[[0, 3]], n_init=1,
    ...                     backend="cpu")
    >>> round(a.inertia, 6) == round(b.inertia, 6), b.labels.tolist()
    (True, [0, 0, 1])
    """
    b = resolve_backend(backend)
    xp = b.xp
    X = b.asarray(X, dtype=np.float64)
    w = xp.ones(X.shape[0]) if sample_weight is None else b.asarray(sample_weight,
                                                                     dtype=np.float64)
    if not isinstance(init, str):
        init = b.asarray(init, dtype=np.float64)
    return fit_kmeans(b, b.ml(), X, w, k, init, n_init, seed, max_iter, tol)


def fit_kmeans(b: Backend, ml: Any, X: Any, w: Any, k: int, init: Any, n_init: int,
                seed: int, max_iter: int = 300, tol: float = 1e-4) -> KMeansFit:
    """One weighted k-means through the backend's estimator, with scikit-learn's meaning.

    ``tol`` is scikit-learn's (relative to the mean variance of the rows) and the starts are
    weighted: scikit-learn's estimator (CPU backend) through
    :func:`~.kmeans_host.fit_sklearn`, its tolerance rescaled for the weights; cuML's (GPU
    backend: its ``tol`` is absolute and its starts ignore ``sample_weight``) through
    :func:`~.kmeans_device.fit_cuml`.
    """
    if b.is_gpu:
        return fit_cuml(b, ml, X, w, k, init, n_init, seed, max_iter, tol)
    return fit_sklearn(b, ml, X, w, k, init, n_init, seed, max_iter, tol)
