"""Weighted Ward tree (SciPy linkage format), its cuts, and the choice of k (HCPC criterion).

:func:`ward_linkage` builds the tree of weighted points (answer patterns and their counts,
or pre-clusters and their sizes) by the nearest-neighbour chain; :func:`cut_linkage` cuts
it into k groups; :func:`choice_of_k` gives within(k) and FactoMineR's HCPC ratio
within(k) / within(k - 1). The tree is built on the host (NumPy), whatever the backend.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SurveyInputError

__all__ = ["cut_linkage", "ward_linkage"]


def ward_linkage(points: Any, weights: Any = None) -> np.ndarray:
    """Ward hierarchical clustering of weighted points, as a SciPy linkage matrix.

    Point i stands for ``weights[i]`` identical observations (a distinct answer pattern
    and its count, or a pre-cluster centroid and its size). Merging clusters A and B
    increases the within-group sum of squares by

        Δ(A, B) = w_A w_B / (w_A + w_B) · ||c_A − c_B||²

    (c = weighted centroid, w = total weight); Ward's method merges the pair with the
    smallest Δ. This is the quantity that the Lance–Williams recurrence for Ward's method
    updates; here it is computed directly from the stored centroids and weights, so no
    n × n distance matrix is kept. The nearest-neighbour-chain algorithm (as in SciPy,
    same tie rules) finds the merges in O(n² d) time and O(n d) memory. With unit
    weights the result is ``scipy.cluster.hierarchy.linkage(points, "ward")``; with
    weights it is the tree of the expanded rows after their zero-height merges.

    Parameters
    ----------
    points : array_like, shape (n, d)
    weights : array_like, shape (n,), optional
        Positive weights (default 1).

    Returns
    -------
    numpy.ndarray, shape (n - 1, 4)
        Rows ``[i, j, height, leaves]`` sorted by height, SciPy's conventions (valid for
        ``scipy.cluster.hierarchy``): node ``n + r`` is the cluster made at row r,
        ``height = sqrt(2 Δ)``, and the last column counts the leaves (not the weights)
        under the node.

    Raises
    ------
    SurveyInputError
        Fewer than two points, or a weight that is not positive and finite.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.cluster.hierarchy import linkage
    >>> x = np.array([[0.0, 0.0], [0.0, 1.0], [3.0, 0.0], [3.0, 1.5]])
    >>> np.allclose(ward_linkage(x), linkage(x, "ward"))
    True
    >>> ward_linkage([[0.0], [1.0]], weights=[3, 1]).round(4).tolist()
    [[0.0, 1.0, 1.2247, 2.0]]
    """
    X = np.array(points, dtype=np.float64, copy=True, ndmin=2)
    n = X.shape[0]
    if n < 2:
        raise SurveyInputError(f"`points` has {n} row(s); a tree needs at least 2")
    w = np.ones(n) if weights is None else np.array(weights, dtype=np.float64).ravel().copy()
    if w.shape[0] != n or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise SurveyInputError("`weights` must hold one positive finite weight per point")
    active = np.ones(n, dtype=bool)
    merges = np.empty((n - 1, 3))
    last = np.zeros(n)  # Δ of the merge that made the cluster held in each slot
    chain: list[int] = []
    for m in range(n - 1):
        if not chain:
            chain.append(int(np.argmax(active)))
        while True:
            a = chain[-1]
            diff = X - X[a]
            d = np.einsum("ij,ij->i", diff, diff) * (w[a] * w / (w[a] + w))
            d[~active] = np.inf
            d[a] = np.inf
            nearest = int(np.argmin(d))
            if len(chain) > 1 and d[chain[-2]] <= d[nearest]:
                nearest = chain[-2]
                break
            chain.append(nearest)
        chain.pop()
        chain.pop()
        x, y = min(a, nearest), max(a, nearest)
        delta = max(float(d[nearest]), last[x], last[y])  # Ward is monotone: absorb rounding
        merges[m] = (x, y, delta)
        total = w[x] + w[y]
        X[y] = (w[x] * X[x] + w[y] * X[y]) / total
        w[y] = total
        last[y] = delta
        active[x] = False
    return _label_merges(merges, n)



def _label_merges(merges: np.ndarray, n: int) -> np.ndarray:
    """Sort merges by height and name clusters as SciPy does (union-find over leaves)."""
    merges = merges[np.argsort(merges[:, 2], kind="mergesort")]
    parent = np.arange(2 * n - 1)
    size = np.concatenate([np.ones(n), np.zeros(n - 1)])

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    Z = np.empty((n - 1, 4))
    for r in range(n - 1):
        rx, ry = find(int(merges[r, 0])), find(int(merges[r, 1]))
        rx, ry = min(rx, ry), max(rx, ry)
        size[n + r] = size[rx] + size[ry]
        parent[rx] = parent[ry] = n + r
        Z[r] = (rx, ry, math.sqrt(2.0 * merges[r, 2]), size[n + r])
    return Z



def cut_linkage(Z: np.ndarray, k: int) -> np.ndarray:
    """Leaf groups 0..k-1 after the first ``n - k`` merges of a linkage matrix.

    Unlike ``fcluster(Z, k, "maxclust")``, tied heights never give fewer than k groups.
    Groups are numbered by their smallest leaf.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0], [0.1], [5.0], [5.2], [9.0]])
    >>> cut_linkage(ward_linkage(x), 3).tolist()
    [0, 0, 1, 1, 2]
    """
    n = Z.shape[0] + 1
    if not 1 <= k <= n:
        raise SurveyInputError(f"`k` is {k}; the tree has {n} leaves")
    parent = np.arange(2 * n - 1)
    for r in range(n - k):
        parent[int(Z[r, 0])] = parent[int(Z[r, 1])] = n + r
    root = np.arange(n)
    while True:
        up = parent[root]
        if np.array_equal(up, root):
            break
        root = up
    _, first, labels = np.unique(root, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # number groups by their smallest leaf
    return order[labels.ravel()].astype(np.int64)



def choice_of_k(Z: np.ndarray, within_leaves: float, k_min: int,
                 k_max: int) -> tuple[pd.Series, pd.Series]:
    """within(k) of the tree's cuts for k = 1..k_max; the HCPC ratio for k = k_min..k_max.

    within(k) = spread inside the leaves + the Δ of the first n - k merges (Δ = height² / 2).
    """
    n = Z.shape[0] + 1
    deltas = Z[:, 2] ** 2 / 2.0
    cumulative = np.concatenate([[0.0], np.cumsum(deltas)])  # after r merges
    ks = np.arange(1, k_max + 1)
    within = pd.Series(within_leaves + cumulative[n - ks], index=pd.Index(ks, name="k"),
                       name="within")
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = within.to_numpy()[1:] / within.to_numpy()[:-1]
    criterion = pd.Series(np.nan_to_num(ratio, nan=1.0), index=pd.Index(ks[1:], name="k"),
                          name="within(k)/within(k-1)")
    return within, criterion.loc[k_min:]
