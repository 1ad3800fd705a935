"""The GPU code path on the CPU: espri_gpu's ``backend="gpu"`` branches with their namespaces
substituted (NumPy for CuPy, a pandas stand-in for cuDF, scikit-learn for cuML).

:data:`EMULATED_GPU` is a :class:`~espri_gpu.backend.Backend` named ``"gpu"``, so every
``is_gpu`` branch of the package takes its GPU side (factorize renumbering, float32 Gram
products, the CUDA kernel module for resampling), but its arrays are NumPy arrays. Its
``xdf`` is a cuDF stand-in whose ``from_pandas(...).factorize`` returns codes in a scrambled
order, as cuDF's hash-based factorize may, and whose ``factorize`` has cuDF's keywords only.
Its :meth:`ml` gives scikit-learn's estimators (cuML's have the same arguments for what
espri_gpu uses; the real signatures are checked by ``tests/gpu_contract``).

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
    """A ``"gpu"`` backend on NumPy whose :meth:`ml` is scikit-learn's (no cuML needed)."""

    def ml(self) -> MLNamespace:
        return cpu_backend().ml()

    def synchronize(self) -> None:  # numpy has no ``cuda.get_current_stream``
        return None


EMULATED_GPU = EmulatedGpuBackend("gpu", np, FAKE_CUDF, "GPU code path on NumPy (test)")
