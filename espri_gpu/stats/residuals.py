"""Expected counts and adjusted standardized residuals of a table of counts.

One implementation for the χ² test (:func:`espri_gpu.stats.chi2_test`, its ``residuals``),
the heat maps (:func:`espri_gpu.plotting.heatmap` colours cells by them) and the report's
reading of a related pair. NumPy only: the plotting layer imports it without SciPy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["expected_counts", "standardized_residuals"]


def expected_counts(observed: ArrayLike) -> np.ndarray:
    """Counts expected under independence from the table's own margins: r_i c_j / n.

    Examples
    --------
    >>> expected_counts([[30, 10], [10, 30]]).tolist()
    [[20.0, 20.0], [20.0, 20.0]]
    """
    values = np.asarray(observed, dtype=float)
    return np.outer(values.sum(axis=1), values.sum(axis=0)) / values.sum()


def standardized_residuals(observed: ArrayLike) -> np.ndarray:
    """Adjusted standardized residuals of a two-way table (Agresti, *Categorical Data
    Analysis*, 3rd ed., §2.4.5): ~N(0, 1) under independence.

    (n_ij − e_ij) / √(e_ij (1 − r_i / n)(1 − c_j / n)), with e_ij = r_i c_j / n from the
    table's own margins; 0 where that variance is 0 (an empty row or column, or one that
    holds every count).

    Examples
    --------
    >>> standardized_residuals([[30, 10], [10, 30]]).round(3).tolist()
    [[4.472, -4.472], [-4.472, 4.472]]
    >>> standardized_residuals([[3, 1], [0, 0]]).tolist()  # an empty row: nothing to compare
    [[0.0, 0.0], [0.0, 0.0]]
    """
    values = np.asarray(observed, dtype=float)
    n = values.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = expected_counts(values)
        variance = expected * np.outer(1 - values.sum(axis=1) / n, 1 - values.sum(axis=0) / n)
        return np.where(variance > 0, (values - expected) / np.sqrt(variance), 0.0)
