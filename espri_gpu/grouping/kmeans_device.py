"""k-means on the device: cuML's ``KMeans`` with scikit-learn's meaning (the GPU backend).

cuML's estimator differs from scikit-learn's where espri_gpu relies on it (RAPIDS 26):

* ``tol``: cuML hands it to cuVS as an *absolute* bound on the total squared shift of the
  centres; scikit-learn multiplies it by the mean variance of the columns. cuML is given
  the scaled value, ``tol`` × the mean weighted variance (:func:`~.patterns.absolute_tol`).
* starts: cuML's k-means++ and random starts ignore ``sample_weight``, and our rows are
  weighted answer patterns. The starts are drawn here, weighted, with scikit-learn's
  algorithm, arithmetic and ``RandomState(seed)`` stream (the CPU's starts for the same
  seed), on the backend's namespace; each is one cuML fit from an ``init`` array with
  ``n_init=1`` (cuML's ``n_init="auto"`` would run 10 fits from the same array).

``espri_gpu/gpu_contract.py`` (``KEYWORD_SEMANTICS``) records these assumptions and the
contract run checks them against the installed cuML.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import Backend
from .kmeans_host import kmeans_fit_of
from .patterns import absolute_tol, partition_key
from .result import KMeansFit


def fit_cuml(b: Backend, ml: Any, X: Any, w: Any, k: int, init: Any, n_init: int,
              seed: int, max_iter: int, tol: float) -> KMeansFit:
    """cuML's k-means with scikit-learn's meaning of ``tol`` and weighted starts.

    cuML hands ``tol`` to cuVS as an absolute bound on the total squared shift of the
    centres, so it gets scikit-learn's threshold, ``tol`` × the mean (weighted) variance of
    the columns. Its k-means++ and random starts ignore ``sample_weight``, so the starts
    are drawn here, weighted, by scikit-learn's algorithms and random stream
    (``RandomState(seed)``, one start after the other, on the backend's arrays): each start
    is one cuML fit from an ``init`` array with ``n_init=1``, and the lowest inertia wins
    as in scikit-learn (a later start only replaces a different partition).
    """
    xp = b.xp
    tol = absolute_tol(X, w, tol, xp)
    if not isinstance(init, str):
        return _fit_cuml_from(b, ml, X, w, k, init, max_iter, tol, seed)
    rng = np.random.RandomState(int(seed) % (2**31))
    w_host = b.asnumpy(w)
    Xc = X - xp.mean(X, axis=0)  # scikit-learn draws its starts on the centred rows
    norms = xp.einsum("ij,ij->i", Xc, Xc)
    best, best_key = None, b""
    for _ in range(n_init):
        if init == "k-means++":
            chosen = _kmeans_plusplus(Xc, norms, w, w_host, k, rng, xp)
        else:  # "random": k distinct rows, drawn with probability ∝ weight
            chosen = b.asarray(rng.choice(X.shape[0], size=k, replace=False,
                                          p=w_host / w_host.sum()))
        fit = _fit_cuml_from(b, ml, X, w, k, X[chosen], max_iter, tol, seed)
        if best is None:
            best, best_key = fit, partition_key(b.asnumpy(fit.labels))
        elif fit.inertia < best.inertia:
            key = partition_key(b.asnumpy(fit.labels))
            if key != best_key:
                best, best_key = fit, key
    return best



def _fit_cuml_from(b: Backend, ml: Any, X: Any, w: Any, k: int, centers: Any, max_iter: int,
                   tol: float, seed: int) -> KMeansFit:
    """One cuML fit from the given starting centres (``tol`` already absolute)."""
    model = ml.KMeans(n_clusters=k, init=centers, n_init=1, max_iter=max_iter, tol=tol,
                      random_state=int(seed) % (2**31))
    model.fit(X, sample_weight=w)
    return kmeans_fit_of(model, X, w, k, b.xp)



def _kmeans_plusplus(Xc: Any, norms: Any, w: Any, w_host: np.ndarray, k: int,
                     rng: np.random.RandomState, xp: Any) -> Any:
    """Rows of weighted greedy k-means++ starts, as scikit-learn's ``_kmeans_plusplus``.

    The same draws from ``rng`` and the same arithmetic (on centred rows ``Xc`` with squared
    norms ``norms``): the first row with probability ∝ weight, then for each further centre
    2 + ⌊ln k⌋ candidates with probability ∝ weight × squared distance to the nearest
    centre, keeping the one that most lowers the weighted potential.
    """
    n = Xc.shape[0]
    trials = 2 + int(np.log(k))
    first = int(rng.choice(n, p=w_host / w_host.sum()))
    chosen = [xp.asarray([first])]
    # scikit-learn's array shapes, for its rounding: (1, n) @ (n,), then (t, n) @ (n, 1)
    closest = _squared_distances(Xc[first][None, :], Xc, norms, xp)
    potential = closest @ w
    for _ in range(1, k):
        draws = xp.asarray(rng.uniform(size=trials)) * potential
        candidates = xp.searchsorted(xp.cumsum(w * closest), draws)
        candidates = xp.minimum(candidates, n - 1)  # rounding can run past the end
        dist = xp.minimum(closest, _squared_distances(Xc[candidates], Xc, norms, xp))
        pots = dist @ w.reshape(-1, 1)
        best = int(xp.argmin(pots))
        potential, closest = pots[best], dist[best]
        chosen.append(candidates[best:best + 1])
    return xp.concatenate(chosen)



def _squared_distances(A: Any, X: Any, x_norms: Any, xp: Any) -> Any:
    """Squared distances of the rows of ``A`` to those of ``X`` (scikit-learn's formula)."""
    d = -2.0 * (A @ X.T)
    d += xp.einsum("ij,ij->i", A, A)[:, None]
    d += x_norms[None, :]
    return xp.maximum(d, 0.0)
