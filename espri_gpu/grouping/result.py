"""The results of :func:`~espri_gpu.grouping.groups`: :class:`Groups` and :class:`KMeansFit`.

:class:`Groups` holds host NumPy / pandas data (labels, centroids, tree, PCA coordinates,
stability, profiles) with its centroid table (:meth:`Groups.to_frame`) and a one-line-per-group
:meth:`Groups.summary`; :class:`KMeansFit` is one weighted k-means solution on the backend
that computed it. :data:`STABLE_ARI` is the stability threshold both the result and the
warning use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..display import FrameRepr

__all__ = ["STABLE_ARI", "Groups", "KMeansFit"]


#: Mean adjusted Rand index under which :func:`groups` warns that the groups may be noise.
STABLE_ARI = 0.6


@dataclass(frozen=True, eq=False)
class Groups(FrameRepr):
    """Groups of respondents found by :func:`groups` (host NumPy / pandas data).

    Groups are numbered 0 .. k-1 from the largest to the smallest.

    Attributes
    ----------
    questions : tuple of str
        The questions whose indicator rows were grouped.
    columns : pandas.MultiIndex
        ``(question, keyword)`` of each option (the columns of ``centroids``).
    k : int
        Number of groups.
    k_auto : bool
        True when k was chosen by the criterion, False when it was given.
    labels : numpy.ndarray of int32, shape (n_respondents,)
        Group of each respondent; -1 for respondents who did not answer every question.
    sizes : numpy.ndarray of int64, shape (k,)
        Respondents per group.
    centroids : numpy.ndarray of float64, shape (k, n_options)
        Share of each group ticking each option (the k-means centroids).
    inertia : float
        Within-group sum of squares of the indicator rows (scikit-learn's ``inertia_``).
    init : str
        Which start gave the reported groups: ``"tree"`` (HCPC consolidation) or
        ``"k-means++"``.
    n_patterns : int
        Distinct answer patterns among the respondents used.
    tree_leaves : str
        ``"patterns"`` (exact weighted Ward tree) or ``"pre-clusters"`` (tree on k-means
        pre-clusters of the patterns, beyond ``tree_max`` patterns).
    linkage : numpy.ndarray, shape (n_leaves - 1, 4)
        SciPy-format linkage matrix of the weighted Ward tree over the leaves (heights as
        ``scipy.cluster.hierarchy.linkage(..., "ward")`` on the respondents' rows; 4th
        column = leaves under the node, respondents are in ``leaf_sizes``), for
        ``scipy.cluster.hierarchy.dendrogram``.
    leaf_of : numpy.ndarray of int32, shape (n_respondents,)
        Tree leaf of each respondent (-1 if not used).
    leaf_sizes : numpy.ndarray of int64, shape (n_leaves,)
        Respondents per leaf.
    within : pandas.Series
        Within-group sum of squares of the tree's partition into k groups, k = 1 ..
        ``k_max`` (respondents' rows, pre-cluster spread included).
    criterion : pandas.Series
        within(k) / within(k - 1) for every k tried (``k_min`` .. ``k_max``, bounded by
        the number of leaves and n / 2); ``k="auto"`` takes its minimum.
    pca_coordinates : numpy.ndarray, shape (n_respondents, n_components)
        Respondents on the first principal components (NaN if not used).
    pca_centroids : numpy.ndarray, shape (k, n_components)
        The centroids on the same components.
    pca_components : numpy.ndarray, shape (n_components, n_options)
    explained_variance, explained_variance_ratio : numpy.ndarray, shape (n_options,)
        Variance (``n - 1`` denominator) and share of the total of every component.
    stability : float
        Mean adjusted Rand index between the reported groups and the groups of the
        bootstrap resamples (NaN without resamples).
    stability_scores : numpy.ndarray
        The index of each resample.
    profiles : pandas.DataFrame
        One row per group and option: ``group``, ``size``, ``question``, ``option``,
        ``count``, ``pct_group`` (% of the group ticking it), ``pct_all`` (% of all used
        respondents), ``pct_of_option`` (% of those ticking it who are in the group),
        ``v_test`` and ``pvalue``; sorted by group then decreasing v-test.
    seed : int
    backend : str
    warnings : tuple of str
    """

    questions: tuple[str, ...]
    columns: pd.MultiIndex
    k: int
    k_auto: bool
    labels: np.ndarray
    sizes: np.ndarray
    centroids: np.ndarray
    inertia: float
    init: str
    n_patterns: int
    tree_leaves: str
    linkage: np.ndarray
    leaf_of: np.ndarray
    leaf_sizes: np.ndarray
    within: pd.Series
    criterion: pd.Series
    pca_coordinates: np.ndarray
    pca_centroids: np.ndarray
    pca_components: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray
    stability: float
    stability_scores: np.ndarray
    profiles: pd.DataFrame
    seed: int
    backend: str
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_respondents(self) -> int:
        """Respondents in the survey."""
        return int(self.labels.shape[0])

    @property
    def n_used(self) -> int:
        """Respondents grouped (those who answered every question)."""
        return int(self.sizes.sum())

    @property
    def n_excluded(self) -> int:
        """Respondents left out because they skipped a question."""
        return self.n_respondents - self.n_used

    @property
    def stable(self) -> bool:
        """True when the mean adjusted Rand index reaches :data:`STABLE_ARI`.

        Stability says that the same groups come back on other samples of respondents,
        not that the groups are separated: with very many respondents, k-means splits
        even unstructured but anisotropic answers the same way every time.
        """
        return bool(self.stability >= STABLE_ARI)

    def to_frame(self) -> pd.DataFrame:
        """The centroid table: one row per group, its size, then the share ticking each option.

        Option columns are named ``question:keyword``.
        """
        names = [f"{q}:{kw}" for q, kw in self.columns]
        frame = pd.DataFrame(self.centroids, columns=names)
        frame.insert(0, "pct_respondents", 100.0 * self.sizes / max(self.n_used, 1))
        frame.insert(0, "size", self.sizes)
        frame.index = pd.RangeIndex(self.k, name="group")
        return frame

    def summary(self, *, alpha: float = 0.05, top: int = 5) -> str:
        """One line per group: its size, the options over- and under-represented in it.

        An option is listed when its hypergeometric p-value is below ``alpha``, by
        decreasing absolute v-test, at most ``top`` each way.
        """
        lines = [f"{self.k} groups of {self.n_used} respondents ({self.n_excluded} left out: "
                 f"did not answer every question); stability (mean ARI) {self.stability:.2f}"]
        for g in range(self.k):
            rows = self.profiles[(self.profiles["group"] == g) & (self.profiles["pvalue"] < alpha)]
            over = rows[rows["v_test"] > 0].nlargest(top, "v_test")
            under = rows[rows["v_test"] < 0].nsmallest(top, "v_test")

            def show(table: pd.DataFrame) -> str:
                return ", ".join(f"{r.question}:{r.option} {r.pct_group:.0f}% (all "
                                 f"{r.pct_all:.0f}%)" for r in table.itertuples()) or "none"

            size = int(self.sizes[g])
            lines.append(f"group {g}: {size} respondents ({100 * size / self.n_used:.0f}%); "
                         f"over: {show(over)}; under: {show(under)}")
        return "\n".join(lines)



@dataclass(frozen=True, eq=False)
class KMeansFit:
    """A weighted k-means solution (arrays of the backend that computed it).

    ``centers`` are the weighted means of the final groups, ``inertia`` the weighted
    within-group sum of squares around them.
    """

    centers: Any
    labels: Any
    inertia: float
