"""The GPU code path on the CPU: espri_gpu's ``backend="gpu"`` branches with their namespaces
substituted (NumPy for CuPy, a pandas stand-in for cuDF, scikit-learn for cuML).

:data:`EMULATED_GPU` is a :class:`~espri_gpu.backend.Backend` named ``"gpu"``, so every
``is_gpu`` branch of the package takes its GPU side (factorize renumbering, float32 Gram
products, the CUDA kernel module for resampling), but its arrays are NumPy arrays. Its
``xdf`` is a cuDF stand-in whose ``from_pandas(...).factorize`` returns codes in a scrambled
order, as cuDF's hash-based factorize may, and whose ``factorize`` has cuDF's keywords only.
Its :meth:`ml` is a cuML stand-in (:class:`FakeCumlKMeans`, on scikit-learn) with cuML's
meanings where they differ from scikit-learn's (absolute ``tol``, unweighted starts), so the
groups run their cuML branch; the real signatures are checked by ``tests/gpu_contract``.

This tests the GPU path's *logic* line by line; ``tests/gpu_contract`` checks its *calls*
against the installed RAPIDS packages; ``tests/test_kernels_cuda.py`` checks the CUDA
kernels in Numba's simulator. Extends the stand-in of ``tests/test_factorize.py``.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

import numpy as np
import pandas as pd

from espri_gpu.backend import Backend, MLNamespace, cpu_backend


class FakeCumlKMeans:
    """``cuml.cluster.KMeans`` as espri_gpu relies on it, computed by scikit-learn.

    Where cuML differs from scikit-learn it behaves as cuML does (RAPIDS 25-26): ``tol`` is
    an absolute bound on the total squared shift of the centres (cuVS), not a fraction of
    the mean variance of ``X``; the ``"k-means++"`` and ``"random"`` starts ignore
    ``sample_weight`` (the Lloyd iterations use it); ``n_init="auto"`` runs 10 starts unless
    ``init`` is k-means++. Every constructor call's keywords are appended to :data:`calls`.
    """

    calls: list[dict] = []

    def __init__(self, *, n_clusters=8, max_iter=300, tol=1e-4, random_state=None,
                 init="scalable-k-means++", n_init="auto") -> None:
        FakeCumlKMeans.calls.append(dict(n_clusters=n_clusters, max_iter=max_iter, tol=tol,
                                         random_state=random_state, init=init, n_init=n_init))
        self.n_clusters, self.max_iter, self.tol = n_clusters, max_iter, tol
        self.random_state, self.init, self.n_init = random_state, init, n_init

    def fit(self, X, y=None, sample_weight=None):
        from sklearn.cluster import KMeans, kmeans_plusplus

        X = np.asarray(X, dtype=np.float64)
        w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
        variance = float(np.mean(np.var(X, axis=0)))
        relative = self.tol / variance if variance > 0 else self.tol  # scikit-learn's meaning
        rng = np.random.RandomState(self.random_state)
        if isinstance(self.init, str):
            starts = 1 if self.n_init == "auto" and self.init != "random" else (
                10 if self.n_init == "auto" else self.n_init)
            inits = [kmeans_plusplus(X, self.n_clusters, random_state=rng)[0]
                     if self.init != "random" else
                     X[rng.choice(X.shape[0], size=self.n_clusters, replace=False)]
                     for _ in range(starts)]  # unweighted, as cuML's
        else:
            starts = 10 if self.n_init == "auto" else self.n_init
            inits = [np.asarray(self.init, dtype=np.float64)] * starts
        best = None
        for init in inits:
            model = KMeans(n_clusters=self.n_clusters, init=init, n_init=1,
                           max_iter=self.max_iter, tol=relative).fit(X, sample_weight=w)
            if best is None or model.inertia_ < best.inertia_:
                best = model
        self.labels_ = best.labels_.astype(np.int32)
        self.cluster_centers_ = best.cluster_centers_
        self.inertia_ = best.inertia_
        return self


def fake_cuml() -> MLNamespace:
    """cuML's namespace as far as espri_gpu uses it: :class:`FakeCumlKMeans`, and PCA."""
    return MLNamespace("cuml", FakeCumlKMeans, cpu_backend().ml().PCA)


class ScrambledSeries:
    """A cudf.Series stand-in: ``factorize`` numbers the distinct values in reverse order."""

    def __init__(self, values: pd.Series) -> None:
        if not isinstance(values, pd.Series):
            raise TypeError(f"from_pandas got {type(values).__name__}; expected a pandas Series")
        self.values = values

    def factorize(self, sort: bool = False, use_na_sentinel: bool = True):  # cuDF's keywords
        codes, uniques = pd.factorize(self.values, sort=sort, use_na_sentinel=use_na_sentinel)
        n = len(uniques)
        codes = np.where(codes >= 0, n - 1 - codes, -1)
        index = pd.Index(list(uniques)[::-1])
        return codes, types.SimpleNamespace(to_pandas=lambda: index)


#: ``cudf`` as far as espri_gpu uses it (see ``espri_gpu/gpu_contract.py``).
FAKE_CUDF = types.SimpleNamespace(__name__="cudf (emulated)", from_pandas=ScrambledSeries)


@dataclass(frozen=True)
class EmulatedGpuBackend(Backend):
    """A ``"gpu"`` backend on NumPy whose :meth:`ml` is the cuML stand-in (no cuML needed)."""

    def ml(self) -> MLNamespace:
        return fake_cuml()

    def synchronize(self) -> None:  # numpy has no ``cuda.get_current_stream``
        return None


EMULATED_GPU = EmulatedGpuBackend("gpu", np, FAKE_CUDF, "GPU code path on NumPy (test)")
