"""Weighted PCA from the weighted covariance matrix (``xp.linalg.eigh``), scikit-learn's
conventions: ``n - 1`` denominator, each component signed so that its largest loading is
positive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backend import Backend, resolve_backend
from ..errors import SurveyInputError
from .patterns import CHUNK_ROWS

__all__ = ["PCAFit", "weighted_pca"]


@dataclass(frozen=True, eq=False)
class PCAFit:
    """Weighted PCA: ``mean``, ``components`` (rows), variances of all components."""

    mean: Any
    components: Any
    explained_variance: Any
    explained_variance_ratio: Any

    def transform(self, X: Any) -> Any:
        """Coordinates of rows ``X`` on the components."""
        return (X - self.mean) @ self.components.T



def weighted_pca(X: Any, sample_weight: Any = None, *,
                 backend: str | Backend | None = None) -> PCAFit:
    """PCA of weighted rows from their weighted covariance matrix (``xp.linalg.eigh``).

    With integer weights (pattern counts) the result is scikit-learn's ``PCA`` on the
    expanded rows: covariance with an ``n - 1`` denominator (n = total weight), components
    signed so that their largest absolute loading is positive.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> rows = np.array([[0.0, 0, 1], [0, 0, 1], [1, 0, 1], [1, 1, 0], [1, 1, 0]])
    >>> patterns, counts = np.unique(rows, axis=0, return_counts=True)
    >>> fit = weighted_pca(patterns, counts, backend="cpu")
    >>> np.allclose(fit.explained_variance, PCA().fit(rows).explained_variance_)
    True
    """
    b = resolve_backend(backend)
    xp = b.xp
    X = b.asarray(X, dtype=np.float64)
    w = xp.ones(X.shape[0]) if sample_weight is None else b.asarray(sample_weight,
                                                                     dtype=np.float64)
    n = float(xp.sum(w))
    if n <= 1:
        raise SurveyInputError(f"PCA needs a total weight above 1, got {n}")
    mean = (w @ X) / n
    if X.shape[0] <= CHUNK_ROWS:
        scaled = (X - mean) * xp.sqrt(w)[:, None]
        cov = scaled.T @ scaled / (n - 1.0)
    else:  # large: no centred copy (indicator columns have means in [0, 1])
        cov = (X.T @ (X * w[:, None]) - n * xp.outer(mean, mean)) / (n - 1.0)
    values, vectors = xp.linalg.eigh(cov)
    values = xp.maximum(values[::-1], 0.0)
    components = vectors[:, ::-1].T.copy()
    biggest = xp.argmax(xp.abs(components), axis=1)
    signs = xp.sign(components[xp.arange(components.shape[0]), biggest])
    components *= xp.where(signs == 0, 1.0, signs)[:, None]
    total = float(xp.sum(values))
    ratio = values / total if total > 0 else xp.zeros_like(values)
    return PCAFit(mean, components, values, ratio)
