"""Tests of independence when a question accepts several answers (multiple response).

A respondent of a multiple-choice question counts in several cells of a tick table, so the
table's plain χ² is not a valid test (its cells are not independent observations).
Following Agresti & Liu (1999) and Bilder & Loughin (2004) — used here as specifications
only — the statistic sums item-level Pearson statistics:

* **MMI** (single × multiple): Σ_k X²_k, X²_k the Pearson statistic of the I × 2 table
  level × (item k ticked, not ticked);
* **SPMI** (multiple × multiple): Σ_{i,k} X²_ik over the 2 × 2 tables (item i of ``a``
  ticked?) × (item k of ``b`` ticked?).

Their null distribution is obtained by resampling respondents (permutation of one
question's answer vectors, or the bootstrap under independence), by the Rao–Scott
second-order correction, or bounded by Bonferroni. Under independence the standardized
item-level deviations have covariance R_a ⊗ R_b (the items' correlation matrices), so the
statistics are asymptotically Σ λ χ² with λ the eigenvalues of R_b (each (I−1) times) for
MMI and of R_a ⊗ R_b for SPMI; the Rao–Scott correction matches the first two moments:
X² / (Σλ² / Σλ) ~ χ² with (Σλ)² / Σλ² degrees of freedom (times I−1 for MMI): that is
:func:`rao_scott_independence`. The published correction (Bilder & Loughin 2004), with Σ
estimated from the observed joint answer patterns, is :mod:`espri_gpu.stats.rao_scott`; items
ticked by fewer than 5 respondents are pooled before testing (:mod:`espri_gpu.stats.pooling`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ..backend import Backend
from .patterns import PatternTable
from .resampling import observed_pattern_statistics

__all__ = ["MultipleResponseStats", "mmi_statistics", "rao_scott_independence",
           "spmi_statistics"]


@dataclass(frozen=True)
class MultipleResponseStats:
    """Item-level Pearson statistics of a pattern table and their sum."""

    kind: str
    statistic: float
    item_statistics: np.ndarray
    item_dof: int


def mmi_statistics(table: PatternTable,
                   backend: str | Backend | None = "cpu") -> MultipleResponseStats:
    """MMI for a single-choice ``a`` (rows) and a multiple-choice ``b``.

    Computed by the compiled functions that score the resampled tables on ``backend`` (exact
    ties with them); ``item_statistics[k]`` is the Pearson X² of level × (item k ticked?).

    Examples
    --------
    >>> from espri_gpu import load_example
    >>> from espri_gpu.stats.patterns import pattern_table
    >>> s = load_example("espri2020")
    >>> m = mmi_statistics(pattern_table(s.answers_to("compétence"),
    ...                                  s.answers_to("ml_méthodes")))
    >>> m.kind, m.item_dof, bool(m.statistic > 0)
    ('mmi', 2, True)
    """
    statistic, items = observed_pattern_statistics(
        table.joint, table.a, table.b, "mmi", backend)
    present = table.a.T @ table.row_counts > 0      # levels somebody chose
    return MultipleResponseStats("mmi", statistic, items, int(present.sum()) - 1)


def spmi_statistics(table: PatternTable,
                    backend: str | Backend | None = "cpu") -> MultipleResponseStats:
    """SPMI for two multiple-choice questions.

    Computed by the compiled functions that score the resampled tables on ``backend`` (exact
    ties with them); ``item_statistics[i, k]`` is the Pearson X² of the 2 × 2 table (item i
    ticked?) × (item k ticked?).

    Examples
    --------
    >>> from espri_gpu import load_example
    >>> from espri_gpu.stats.patterns import pattern_table
    >>> s = load_example("espri2020")
    >>> m = spmi_statistics(pattern_table(s.answers_to("ml_méthodes"),
    ...                                   s.answers_to("ml_usages")))
    >>> m.item_statistics.shape
    (16, 12)
    """
    statistic, items = observed_pattern_statistics(
        table.joint, table.a, table.b, "spmi", backend)
    return MultipleResponseStats("spmi", statistic, items, 1)


def _item_correlation(indicators: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Correlation matrix of the items (columns) over respondents, dropping constant items."""
    n = counts.sum()
    mean = counts @ indicators / n
    centred = indicators - mean
    cov = (centred * counts[:, None]).T @ centred / n
    sd = np.sqrt(np.diag(cov))
    keep = sd > 0
    return cov[np.ix_(keep, keep)] / np.outer(sd[keep], sd[keep])


def rao_scott_independence(table: PatternTable,
                           stats: MultipleResponseStats) -> tuple[float, float, float]:
    """Rao–Scott second-order correction with Σ estimated under full independence.

    Returns the corrected statistic, its degrees of freedom and p-value. The covariance of
    the item-level deviations is taken as ``R_a ⊗ R_b``, from each question's own answer
    patterns, and ``Σλ`` is estimated too. This is *not* the published test: the ``rao-scott``
    method of :func:`espri_gpu.independence_test` is :func:`espri_gpu.stats.rao_scott.rao_scott`
    (Bilder & Loughin 2004), which estimates Σ from the observed joint answer patterns. Both
    agree exactly when the joint pattern table is the product of its margins; otherwise this
    one ignores the observed dependence. Kept as a cross-check.
    """
    rb = _item_correlation(table.b, table.col_counts)
    if stats.kind == "mmi":
        sum_l, sum_l2 = np.trace(rb), float((rb**2).sum())
        multiplicity = stats.item_dof
    else:
        ra = _item_correlation(table.a, table.row_counts)
        sum_l, sum_l2 = np.trace(ra) * np.trace(rb), float((ra**2).sum() * (rb**2).sum())
        multiplicity = 1
    if sum_l2 <= 0 or multiplicity <= 0:
        return float("nan"), float("nan"), float("nan")
    scale = sum_l2 / sum_l
    dof = multiplicity * sum_l**2 / sum_l2
    corrected = stats.statistic / scale
    return float(corrected), float(dof), float(sps.chi2.sf(corrected, dof))


def bonferroni(stats: MultipleResponseStats) -> float:
    """Bonferroni bound: number of item tests × the smallest item p-value (capped at 1)."""
    if stats.item_dof <= 0:
        return float("nan")
    p = sps.chi2.sf(stats.item_statistics.ravel(), stats.item_dof)
    return float(min(1.0, p.size * p.min()))
