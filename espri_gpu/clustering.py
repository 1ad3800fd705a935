"""Groups of respondents: Ward tree and choice of k, k-means, PCA, stability, group profiles.

The original ESPRI analysis grouped respondents with k-means on the one-hot rows of two
multiple-choice questions, read the number of groups off dendrograms, drew PCA projections
and saved the centroids (``kmeans_centres_methodes_usages.csv``). :func:`groups` does the
same in one reproducible call, HCPC style (Husson, Josse & Pagès):

1. **Answer patterns.** Respondents with the same answers have the same indicator row, so
   everything runs on the *distinct* rows ("patterns") with their counts as weights. The
   weighted k-means objective, the weighted covariance (PCA) and the weighted Ward tree on
   patterns are exactly those on all respondents' rows.
2. **Ward tree and choice of k.** A Ward tree of the patterns (weighted Ward, see
   :func:`ward_linkage`), or, beyond ``tree_max`` distinct patterns, of k-means
   *pre-clusters* of the patterns (HCPC's ``kk``). ``k="auto"`` takes the k in
   [``k_min``, ``k_max``] (default [2, 10], at most n / 2) minimising within(k) /
   within(k - 1), the criterion documented for FactoMineR's ``HCPC`` (used as a
   specification only; HCPC's default ``min`` is 3).
3. **k-means consolidation.** Weighted k-means from the tree's k groups and from
   ``n_init`` k-means++ starts (scikit-learn on the CPU, cuML on the GPU, through
   :meth:`Backend.ml`); the lowest inertia wins. With pre-clusters, the starts run on the
   weighted pre-clusters (a coreset: 5 × ``n_init`` starts, the ``n_init`` best distinct
   kept), are refined together by a few batched Lloyd steps on all patterns (NumPy or
   CuPy), and the two best are iterated to convergence on all patterns.
4. **PCA** from the weighted covariance matrix (``xp.linalg.eigh``), scikit-learn's
   conventions (``n - 1`` denominator, sign of the largest loading positive).
5. **Stability**: k-means (``n_init`` k-means++ starts on the tree leaves, reweighted) is
   re-run on ``n_bootstrap`` bootstrap resamples of the respondents (multinomial counts on
   the patterns) and the mean adjusted Rand index between the reported groups and the
   resampled groups (every respondent assigned to the nearest resampled centroid) is
   reported: near 1 for real groups, low for noise (below :data:`STABLE_ARI` a warning).
6. **Profiles**: for each group and option, the share ticking it in the group and overall,
   Lebart's test value (v-test) and the exact hypergeometric p-value.

Randomness: one integer ``seed`` feeds :class:`numpy.random.SeedSequence`; its children
seed NumPy ``PCG64`` generators (pre-cluster sample, bootstrap draws) and the integer
``random_state`` of each k-means++ start. The same seed gives the same groups on the same
backend. On the GPU the k-means++ starts are drawn by espri_gpu (weighted, scikit-learn's
algorithm and ``RandomState`` stream, so the same starts as on the CPU) and cuML gets
scikit-learn's absolute tolerance (see :func:`weighted_kmeans`).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .backend import Backend, resolve_backend
from .display import FrameRepr
from .errors import SurveyInputError
from .outputs import safe_name, write_csv
from .stats.resampling import make_seed
from .survey import Answers, Survey

__all__ = [
    "STABLE_ARI",
    "Groups",
    "GroupsData",
    "KMeansFit",
    "PCAFit",
    "adjusted_rand",
    "cut_linkage",
    "groups",
    "groups_data",
    "groups_data_worst",
    "groups_espri",
    "groups_sklearn",
    "ward_linkage",
    "weighted_kmeans",
    "weighted_pca",
    "write_centres",
]

#: Mean adjusted Rand index under which :func:`groups` warns that the groups may be noise.
STABLE_ARI = 0.6
#: Starts refined on all patterns by a few Lloyd steps, then the best iterated to the end.
_SHORT_ITER = 5
_SHORT_SAMPLE = 1 << 16
_POLISHED_STARTS = 2
#: With pre-clusters, k-means++ starts on them per requested start (they are cheap).
_LEAF_STARTS = 5
#: Respondents drawn (per pre-cluster) to seed the pre-clusters.
_PRECLUSTER_SAMPLE = 50
#: Rows per block when distances to many centres are computed.
_CHUNK = 1 << 16
#: Below this many rows, CPU k-means runs on one thread (OpenMP start-up costs more than it
#: saves, and much more when other processes hold the cores).
_SMALL_ROWS = 20_000
#: Rows per block in the batched Lloyd steps.
_LLOYD_CHUNK = 1 << 14
#: Pattern keys are renumbered before they could pass this bound (int64 arithmetic).
_KEY_LIMIT = 2**62


# --------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def groups(survey: Survey, questions: str | Sequence[str], *, k: int | str = "auto",
           seed: int = 0, n_init: int = 10, n_bootstrap: int = 20, k_min: int = 2,
           k_max: int = 10,
           n_components: int = 2, tree_max: int = 2000, n_preclusters: int = 100,
           backend: str | Backend | None = None) -> Groups:
    """Group respondents by their answers to one or several (multiple-choice) questions.

    Parameters
    ----------
    survey : Survey
    questions : str or sequence of str
        Question keywords; respondents who answered all of them are grouped on their
        concatenated indicator rows (the others are counted in ``n_excluded``).
    k : "auto" or int
        Number of groups; ``"auto"`` takes the k in [``k_min``, ``k_max``] (at most the
        number of tree leaves and half the respondents) minimising within(k) /
        within(k - 1) on the Ward tree.
    seed : int
        Seeds every random draw (see the module notes); same seed, same groups.
    n_init : int
        k-means++ starts (besides the start from the tree's groups), also used by each
        bootstrap replicate (with pre-clusters: 5 × ``n_init`` cheap starts on them, the
        ``n_init`` best refined on all patterns).
    n_bootstrap : int
        Bootstrap resamples of the respondents for the stability score (0 skips it).
    k_min, k_max : int
        Smallest and largest k tried by ``k="auto"`` and reported in ``criterion``
        (FactoMineR's HCPC uses 3 and 10).
    n_components : int
        Principal components kept for the coordinates.
    tree_max : int
        Most distinct answer patterns on which the Ward tree is built exactly; beyond, it
        is built on ``n_preclusters`` weighted k-means pre-clusters of the patterns.
    n_preclusters : int
    backend : {"auto", "cpu", "gpu"} or Backend, optional
        Where k-means, PCA and the pattern counting run (default ``$ESPRI_GPU_BACKEND``,
        else auto). The Ward tree always runs on the host.

    Returns
    -------
    Groups

    Raises
    ------
    SurveyInputError
        For an unknown question, a bad parameter, fewer than two respondents or distinct
        answer patterns to group, or ``k`` larger than the number of distinct patterns.

    Warns
    -----
    UserWarning
        When the mean adjusted Rand index of the bootstrap replicates is below
        :data:`STABLE_ARI` (the groups may be noise).

    Examples
    --------
    >>> from espri_gpu import load_example
    >>> from espri_gpu.clustering import groups
    >>> g = groups(load_example("espri2020"), ["ml_méthodes", "ml_usages"], backend="cpu")
    >>> g.n_used, g.n_excluded, g.k == len(g.sizes), int(g.sizes.sum()) == g.n_used
    (44, 18, True, True)
    >>> g.stable  # mean adjusted Rand index over 20 bootstrap resamples >= 0.6
    True
    >>> list(g.to_frame().columns[:3])
    ['size', 'pct_respondents', 'ml_méthodes:kmeans']
    """
    if isinstance(questions, str):
        questions = [questions]
    questions = list(questions)
    if not questions:
        raise SurveyInputError("`questions` is empty; give at least one question keyword")
    answers = [survey.answers_to(q) for q in questions]
    _check_int("n_init", n_init, 1)
    _check_int("n_bootstrap", n_bootstrap, 0)
    _check_int("k_min", k_min, 2)
    _check_int("k_max", k_max, k_min)
    _check_int("n_components", n_components, 1)
    _check_int("tree_max", tree_max, 2)
    _check_int("n_preclusters", n_preclusters, 2)
    if not (isinstance(k, str) and k == "auto"):
        _check_int("k", k, 2, extra='"auto" or ')
    seed = make_seed(seed)
    b = resolve_backend(backend)
    return _groups(answers, b, k=k, seed=seed, n_init=n_init, n_bootstrap=n_bootstrap,
                   k_min=k_min, k_max=k_max, n_components=n_components, tree_max=tree_max,
                   n_preclusters=n_preclusters)


def _check_int(name: str, value: Any, low: int, extra: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise SurveyInputError(f"`{name}` is {value!r}; expected {extra}an integer >= {low}")


def _groups(answers: list[Answers], b: Backend, *, k: int | str, seed: int, n_init: int,
            n_bootstrap: int, k_min: int, k_max: int, n_components: int, tree_max: int,
            n_preclusters: int) -> Groups:
    """The worker behind :func:`groups` (validated arguments, resolved backend)."""
    xp = b.xp
    ml = b.ml()
    streams = np.random.SeedSequence(seed).spawn(3)
    start_seeds = [int(s) for s in streams[0].generate_state(_LEAF_STARTS * n_init + 2)]
    rng_sample = np.random.default_rng(streams[1])
    rng_boot = np.random.default_rng(streams[2])

    used, pattern_of, X, w = _answer_patterns(answers, b)
    n_used, P = int(used.sum()), int(X.shape[0])
    width = int(X.shape[1])
    if n_components > width:
        raise SurveyInputError(f"`n_components` is {n_components}; these questions have only "
                               f"{width} options")
    if n_used < 2 or P < 2:
        raise SurveyInputError(
            f"only {n_used} respondents answered every question of {_names(answers)} with "
            f"{P} distinct answer pattern(s); at least two distinct patterns are needed")
    if k != "auto" and k > P:
        raise SurveyInputError(f"`k` is {k}; the {n_used} respondents give only {P} distinct "
                               "answer patterns")
    w_host = b.asnumpy(w)

    # Leaves of the tree: the patterns, or pre-clusters of them (HCPC's kk).
    if P <= max(tree_max, 2):
        leaves, leaf_w = X, w
        leaf_of_pattern = xp.arange(P)
        within_leaves, tree_leaves = 0.0, "patterns"
    else:
        kk = max(n_preclusters, 4 * (k if k != "auto" else 2))
        leaf_of_pattern, leaves, leaf_w, within_leaves = _preclusters(
            b, ml, X, w, w_host, kk, rng_sample, start_seeds[-1])
        tree_leaves = "pre-clusters"
    leaves_h, leaf_w_h = b.asnumpy(leaves), b.asnumpy(leaf_w)
    L = leaves_h.shape[0]
    Z = ward_linkage(leaves_h, leaf_w_h)
    k_hi = min(k_max, L, max(2, n_used // 2))
    within, criterion = _choice_of_k(Z, within_leaves, min(k_min, k_hi), k_hi)
    k_auto = k == "auto"
    if k_auto:
        k = int(criterion.idxmin())
    if k > L:  # a given k beyond the pre-clusters: no tree start
        tree_init = None
    else:
        tree_groups = cut_linkage(Z, k)
        tree_init = _weighted_means(tree_groups, leaves_h, leaf_w_h, k)

    fit, init = _consolidate(b, ml, X, w, leaves, leaf_w, tree_init, k, n_init, start_seeds,
                             exact=tree_leaves == "patterns", rng=rng_sample, w_host=w_host)
    order = np.argsort(-b.asnumpy(_group_weights(fit.labels, w, k, xp)), kind="stable")
    relabel = xp.asarray(np.argsort(order).astype(np.int64))
    labels_p = relabel[fit.labels]
    centers = fit.centers[xp.asarray(order)]

    pca = weighted_pca(X, w, backend=b)
    comps = pca.components[:n_components]
    coords_p = (X - pca.mean) @ comps.T

    with _one_thread_if(not b.is_gpu and L <= _SMALL_ROWS):
        scores = _stability(b, ml, X, w, w_host, labels_p, leaf_of_pattern, L, k, n_init,
                            n_bootstrap, rng_boot)
    stability = float(np.mean(scores)) if scores.size else float("nan")
    notes: list[str] = []
    if scores.size and stability < STABLE_ARI:
        notes.append(f"the grouping is unstable: mean adjusted Rand index {stability:.2f} over "
                     f"{scores.size} bootstrap resamples (< {STABLE_ARI}); the {k} groups may "
                     "be noise")
        warnings.warn(notes[-1], UserWarning, stacklevel=3)

    # Back to respondents (host).
    n_resp = int(used.shape[0])
    pattern_of_h = b.asnumpy(pattern_of)
    labels = np.full(n_resp, -1, dtype=np.int32)
    labels[used] = b.asnumpy(labels_p)[pattern_of_h]
    leaf_of = np.full(n_resp, -1, dtype=np.int32)
    leaf_of[used] = b.asnumpy(leaf_of_pattern)[pattern_of_h]
    coordinates = np.full((n_resp, n_components), np.nan)
    coordinates[used] = b.asnumpy(coords_p)[pattern_of_h]
    sizes = np.bincount(labels[used], minlength=k).astype(np.int64)
    centroids = b.asnumpy(centers)
    columns = pd.MultiIndex.from_tuples(
        [(a.question.keyword, lv.keyword) for a in answers for lv in a.levels],
        names=["question", "keyword"])
    counts = b.asnumpy(_group_sums(labels_p, X, w, k, xp))
    return Groups(
        questions=tuple(a.question.keyword for a in answers), columns=columns, k=int(k),
        k_auto=k_auto, labels=labels, sizes=sizes, centroids=centroids,
        inertia=float(fit.inertia), init=init, n_patterns=P, tree_leaves=tree_leaves,
        linkage=Z, leaf_of=leaf_of, leaf_sizes=np.rint(leaf_w_h).astype(np.int64),
        within=within, criterion=criterion, pca_coordinates=coordinates,
        pca_centroids=b.asnumpy((centers - pca.mean) @ comps.T),
        pca_components=b.asnumpy(comps), explained_variance=b.asnumpy(pca.explained_variance),
        explained_variance_ratio=b.asnumpy(pca.explained_variance_ratio),
        stability=stability, stability_scores=scores,
        profiles=_profiles(np.rint(counts), sizes, columns), seed=seed, backend=b.name,
        warnings=tuple(notes))


@contextlib.contextmanager
def _one_thread_if(condition: bool) -> Iterator[None]:
    """Limit OpenMP/BLAS to one thread inside the block when ``condition`` holds."""
    if not condition:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def _names(answers: list[Answers]) -> str:
    return ", ".join(f"`{a.question.keyword}`" for a in answers)


# --------------------------------------------------------------------------------------
# Answer patterns
# --------------------------------------------------------------------------------------


def _answer_patterns(answers: list[Answers], b: Backend) -> tuple[np.ndarray, Any, Any, Any]:
    """Distinct concatenated indicator rows of the respondents who answered every question.

    Returns ``(used, pattern_of, X, w)``: host mask of the respondents used, the pattern of
    each used respondent, the patterns (float64, one row each) and their counts, the last
    three on the backend. Each question's distinct cells are first reduced to distinct
    indicator rows, then the per-question row ids are combined into one integer key (mixed
    radix, compacted whenever it would overflow) and counted with ``xp.unique``.
    """
    xp = b.xp
    used = np.logical_and.reduce([a.codes >= 0 for a in answers])
    index = np.flatnonzero(used)
    key = None
    bound = 1
    per_question = []
    for a in answers:
        rows, inverse = np.unique(a.cells, axis=0, return_inverse=True)
        code = b.asarray(inverse.ravel().astype(np.int64))[b.asarray(a.codes[index])]
        per_question.append((b.asarray(rows), code))
        m = rows.shape[0]
        if key is None:
            key, bound = code, m
            continue
        if bound * m >= _KEY_LIMIT:
            _, key = xp.unique(key, return_inverse=True)
            key = key.ravel().astype(xp.int64)
            bound = int(key.max()) + 1 if key.size else 1
        key = key * m + code
        bound *= m
    if key is None or key.size == 0:
        width = sum(len(a.levels) for a in answers)
        return used, xp.zeros(0, dtype=xp.int64), xp.zeros((0, width)), xp.zeros(0)
    _, first, pattern_of, counts = xp.unique(key, return_index=True, return_inverse=True,
                                             return_counts=True)
    X = xp.concatenate([rows[code[first]] for rows, code in per_question], axis=1)
    return used, pattern_of.ravel(), X.astype(xp.float64), counts.astype(xp.float64)


def _group_sums(labels: Any, X: Any, w: Any, k: int, xp: Any) -> Any:
    """Weighted column sums of the rows of ``X`` per label (k rows), in row blocks."""
    p = X.shape[1]
    out = xp.zeros(k * p, dtype=xp.float64)
    cols = xp.arange(p)
    for start in range(0, X.shape[0], _CHUNK):
        lab = labels[start:start + _CHUNK]
        index = (lab[:, None] * p + cols[None, :]).ravel()
        values = (X[start:start + _CHUNK] * w[start:start + _CHUNK, None]).ravel()
        out += xp.bincount(index, weights=values, minlength=k * p)
    return out.reshape(k, p)


def _group_weights(labels: Any, w: Any, k: int, xp: Any) -> Any:
    return xp.bincount(labels, weights=w, minlength=k)


def _weighted_means(labels: np.ndarray, X: Any, w: Any, k: int, xp: Any = np) -> Any:
    """Weighted mean row of each label 0..k-1 (NaN for an empty label)."""
    sums = _group_sums(xp.asarray(labels), X, w, k, xp)
    totals = _group_weights(xp.asarray(labels), w, k, xp)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / totals[:, None]


def _nearest(X: Any, centers: Any, xp: Any) -> Any:
    """Index of the nearest centre of each row, in row blocks."""
    c2 = xp.sum(centers * centers, axis=1)
    labels = xp.empty(X.shape[0], dtype=xp.int64)
    for start in range(0, X.shape[0], _CHUNK):
        d = c2[None, :] - 2.0 * (X[start:start + _CHUNK] @ centers.T)
        labels[start:start + _CHUNK] = xp.argmin(d, axis=1)
    return labels


def _inertia(X: Any, w: Any, centers: Any, labels: Any, xp: Any) -> float:
    total = 0.0
    for start in range(0, X.shape[0], _CHUNK):
        diff = X[start:start + _CHUNK] - centers[labels[start:start + _CHUNK]]
        total += float(xp.sum(w[start:start + _CHUNK] * xp.sum(diff * diff, axis=1)))
    return total


# --------------------------------------------------------------------------------------
# Weighted Ward tree
# --------------------------------------------------------------------------------------


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


def _choice_of_k(Z: np.ndarray, within_leaves: float, k_min: int,
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


# --------------------------------------------------------------------------------------
# Weighted k-means
# --------------------------------------------------------------------------------------


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
    return _fit_kmeans(b, b.ml(), X, w, k, init, n_init, seed, max_iter, tol)


def _fit_kmeans(b: Backend, ml: Any, X: Any, w: Any, k: int, init: Any, n_init: int,
                seed: int, max_iter: int = 300, tol: float = 1e-4) -> KMeansFit:
    """One weighted k-means through the backend's estimator, with scikit-learn's meaning.

    ``tol`` is scikit-learn's (relative to the mean variance of the rows) and the starts are
    weighted: scikit-learn's estimator (CPU backend) is called with its tolerance rescaled
    for the weights, cuML's (GPU backend: its ``tol`` is absolute and its starts ignore
    ``sample_weight``) through :func:`_fit_kmeans_cuml`.
    """
    if b.is_gpu:
        return _fit_kmeans_cuml(b, ml, X, w, k, init, n_init, seed, max_iter, tol)
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
    return _kmeans_fit_of(model, X, w, k, xp)


def _kmeans_fit_of(model: Any, X: Any, w: Any, k: int, xp: Any) -> KMeansFit:
    """The fitted estimator's groups, their weighted means and the inertia around them."""
    labels = xp.asarray(model.labels_).astype(xp.int64)
    centers = _weighted_means(labels, X, w, k, xp)
    empty = ~xp.isfinite(centers[:, 0])
    if bool(xp.any(empty)):  # keep the estimator's centre for a group that ended empty
        centers[empty] = xp.asarray(model.cluster_centers_, dtype=xp.float64)[empty]
    return KMeansFit(centers, labels, _inertia(X, w, centers, labels, xp))


def _fit_kmeans_cuml(b: Backend, ml: Any, X: Any, w: Any, k: int, init: Any, n_init: int,
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
    tol = _absolute_tol(X, w, tol, xp)
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
            best, best_key = fit, _partition_key(b.asnumpy(fit.labels))
        elif fit.inertia < best.inertia:
            key = _partition_key(b.asnumpy(fit.labels))
            if key != best_key:
                best, best_key = fit, key
    return best


def _fit_cuml_from(b: Backend, ml: Any, X: Any, w: Any, k: int, centers: Any, max_iter: int,
                   tol: float, seed: int) -> KMeansFit:
    """One cuML fit from the given starting centres (``tol`` already absolute)."""
    model = ml.KMeans(n_clusters=k, init=centers, n_init=1, max_iter=max_iter, tol=tol,
                      random_state=int(seed) % (2**31))
    model.fit(X, sample_weight=w)
    return _kmeans_fit_of(model, X, w, k, b.xp)


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


def _preclusters(b: Backend, ml: Any, X: Any, w: Any, w_host: np.ndarray, kk: int,
                 rng: np.random.Generator, seed: int) -> tuple[Any, Any, Any, float]:
    """HCPC's ``kk``: weighted k-means pre-clusters of the patterns, leaves of the tree.

    The centres are fitted on a bootstrap sample of ``_PRECLUSTER_SAMPLE * kk``
    respondents (random weighted start, at most 20 Lloyd iterations), then every pattern
    goes to the nearest centre. Returns the pre-cluster of each pattern, the pre-clusters'
    weighted centroids and weights (empty ones dropped) and the sum of squares inside them.
    """
    xp = b.xp
    P = X.shape[0]
    draws = rng.choice(P, size=_PRECLUSTER_SAMPLE * kk, p=w_host / w_host.sum())
    sample, counts = np.unique(draws, return_counts=True)
    kk = min(kk, sample.shape[0])
    with _one_thread_if(not b.is_gpu and sample.shape[0] <= _SMALL_ROWS):
        fit = _fit_kmeans(b, ml, X[b.asarray(sample)], b.asarray(counts, dtype=np.float64),
                          kk, "random", 1, seed, max_iter=20)
    leaf = _nearest(X, fit.centers, xp)
    leaf_w = _group_weights(leaf, w, kk, xp)
    keep = b.asnumpy(leaf_w) > 0
    remap = np.cumsum(keep) - 1
    leaf = b.asarray(remap)[leaf]
    leaves = _weighted_means(leaf, X, w, int(keep.sum()), xp)
    leaf_w = leaf_w[b.asarray(keep)]
    within = _inertia(X, w, leaves, leaf, xp)
    return leaf, leaves, leaf_w, within


def _consolidate(b: Backend, ml: Any, X: Any, w: Any, leaves: Any, leaf_w: Any,
                 tree_init: np.ndarray | None, k: int, n_init: int, seeds: list[int],
                 exact: bool, rng: np.random.Generator,
                 w_host: np.ndarray) -> tuple[KMeansFit, str]:
    """Best k-means solution on the weighted patterns from the tree's groups and k-means++.

    Lloyd iterations run on the tree leaves from the tree's k groups (HCPC consolidation)
    and from ``n_init`` k-means++ starts. When the leaves are the patterns (``exact``) the
    lowest inertia wins. With pre-clusters, ``_LEAF_STARTS * n_init`` k-means++ starts run
    on the pre-clusters, the ``n_init`` best distinct leaf solutions (and the tree's) are
    refined by ``_SHORT_ITER`` batched Lloyd steps on the patterns of a sample of
    ``_SHORT_SAMPLE`` respondents (all patterns if fewer), the ``_POLISHED_STARTS`` best
    are iterated to convergence on all patterns, and the lowest inertia wins. Ties go to
    the tree.
    """
    xp = b.xp
    starts: list[tuple[KMeansFit, str]] = []
    with _one_thread_if(not b.is_gpu and leaves.shape[0] <= _SMALL_ROWS):
        if tree_init is not None:
            starts.append((_fit_kmeans(b, ml, leaves, leaf_w, k, b.asarray(tree_init), 1,
                                       seeds[0]), "tree"))
        if exact:
            starts.append((_fit_kmeans(b, ml, leaves, leaf_w, k, "k-means++", n_init,
                                       seeds[0]), "k-means++"))
            return min(starts, key=lambda start: start[0].inertia)
        seen, found = set(), []
        for seed in seeds[1:1 + _LEAF_STARTS * n_init]:
            fit = _fit_kmeans(b, ml, leaves, leaf_w, k, "k-means++", 1, seed)
            key = _partition_key(b.asnumpy(fit.labels))
            if key not in seen:  # many starts end in the same partition of the leaves
                seen.add(key)
                found.append(fit)
        found.sort(key=lambda fit: fit.inertia)
        starts += [(fit, "k-means++") for fit in found[:n_init]]
    tol = _absolute_tol(X, w, 1e-4, xp)
    centers = xp.stack([fit.centers for fit, _ in starts])
    if X.shape[0] > _SHORT_SAMPLE:
        draws = rng.choice(X.shape[0], size=_SHORT_SAMPLE, p=w_host / w_host.sum())
        sample, counts = np.unique(draws, return_counts=True)
        Xs, ws = X[b.asarray(sample)], b.asarray(counts, dtype=np.float64)
    else:
        Xs, ws = X, w
    centers, _, inertia = _lloyd(Xs, ws, centers, _SHORT_ITER, tol, xp)
    best = np.argsort(b.asnumpy(inertia), kind="stable")[:_POLISHED_STARTS]
    centers, labels, _ = _lloyd(X, w, centers[xp.asarray(best)], 300, tol, xp)
    fits = []
    for j in range(len(best)):
        means = _weighted_means(labels[:, j], X, w, k, xp)
        means = xp.where(xp.isfinite(means), means, centers[j])
        fits.append(KMeansFit(means, labels[:, j], _inertia(X, w, means, labels[:, j], xp)))
    j = min(range(len(best)), key=lambda j: (fits[j].inertia, j))
    return fits[j], starts[int(best[j])][1]


def _partition_key(labels: np.ndarray) -> bytes:
    """The same bytes for two labelings that differ only by the names of the groups."""
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[np.searchsorted(np.unique(labels), labels)].tobytes()


def _absolute_tol(X: Any, w: Any, tol: float, xp: Any) -> float:
    """scikit-learn's tolerance on the centre shift: ``tol`` × mean (weighted) variance."""
    n = float(xp.sum(w))
    mean = (w @ X) / n
    return tol * float(xp.mean((w @ (X * X)) / n - mean * mean))


def _lloyd(X: Any, w: Any, centers: Any, max_iter: int, tol: float,
           xp: Any) -> tuple[Any, Any, Any]:
    """Weighted Lloyd iterations for several k-means solutions at once (one pass per step).

    ``centers`` has shape (m, k, d). Each step assigns every row to the nearest centre of
    each solution (one matrix product for all m × k centres) and moves the centres to the
    weighted means (a second product with the weighted assignment matrix). Stops when no
    label changes, when every centre moves by at most ``tol`` (squared), or after
    ``max_iter`` steps. Returns the centres, the labels of the last assignment, shape
    (n, m), and the inertia of each solution's last assignment around its group means.
    """
    m, k, d = centers.shape
    n_rows = X.shape[0]
    labels = xp.full((n_rows, m), -1, dtype=xp.int64)
    offsets = (xp.arange(m) * k)[None, :]
    total_x2 = float(w @ xp.sum(X * X, axis=1))
    inertia = xp.zeros(m)
    for _ in range(max_iter):
        flat = centers.reshape(m * k, d)
        c2 = xp.sum(flat * flat, axis=1)
        sums = xp.zeros((m * k, d))
        totals = xp.zeros(m * k)
        changed = False
        for start in range(0, n_rows, _LLOYD_CHUNK):
            block, wb = X[start:start + _LLOYD_CHUNK], w[start:start + _LLOYD_CHUNK]
            dist = (c2[None, :] - 2.0 * (block @ flat.T)).reshape(-1, m, k)
            lab = xp.argmin(dist, axis=2) + offsets
            changed = changed or bool(xp.any(lab != labels[start:start + _LLOYD_CHUNK]))
            labels[start:start + _LLOYD_CHUNK] = lab
            assign = xp.zeros((block.shape[0], m * k))
            assign[xp.arange(block.shape[0])[:, None], lab] = wb[:, None]
            sums += assign.T @ block
            totals += xp.sum(assign, axis=0)
        safe = xp.maximum(totals, 1e-300)[:, None]
        # sum of squares of each solution around the means of its current groups
        inertia = total_x2 - xp.sum((xp.sum(sums * sums, axis=1) / safe[:, 0]).reshape(m, k),
                                    axis=1)
        if not changed:
            break
        moved = xp.where(totals[:, None] > 0, sums / safe, flat)
        shift = xp.sum(((moved - flat) ** 2).reshape(m, k * d), axis=1)
        centers = moved.reshape(m, k, d)
        if bool(xp.all(shift <= tol)):
            break
    return centers, labels - offsets, inertia


# --------------------------------------------------------------------------------------
# PCA
# --------------------------------------------------------------------------------------


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
    if X.shape[0] <= _CHUNK:
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


# --------------------------------------------------------------------------------------
# Stability
# --------------------------------------------------------------------------------------


def adjusted_rand(a: Any, b: Any, weights: Any = None) -> float:
    """Adjusted Rand index of two labelings of weighted items (Hubert & Arabie 1985).

    An item of weight c counts as c items with the same labels, so on patterns with counts
    this is ``sklearn.metrics.adjusted_rand_score`` on the respondents.

    Examples
    --------
    >>> adjusted_rand([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> round(adjusted_rand([0, 1, 1], [0, 0, 1], weights=[2, 1, 3]), 6)
    0.324324
    """
    a = np.asarray(a, dtype=np.int64).ravel()
    b = np.asarray(b, dtype=np.int64).ravel()
    w = np.ones(a.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    ka = int(a.max()) + 1 if a.size else 1
    kb = int(b.max()) + 1 if b.size else 1
    table = np.bincount(a.ravel() * kb + b.ravel(), weights=w, minlength=ka * kb)
    table = table.astype(np.float64).reshape(ka, kb)

    def pairs(x: np.ndarray) -> float:
        return float(np.sum(x * (x - 1.0)) / 2.0)

    n = float(w.sum())
    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / pairs(np.array([n])) if n > 1 else 0.0
    top = (rows + cols) / 2.0
    if top == expected:
        return 1.0
    return float((index - expected) / (top - expected))


def _stability(b: Backend, ml: Any, X: Any, w: Any, w_host: np.ndarray, labels: Any,
               leaf_of_pattern: Any, n_leaves: int, k: int, n_init: int, n_bootstrap: int,
               rng: np.random.Generator) -> np.ndarray:
    """Adjusted Rand index of the reported groups against each bootstrap replicate.

    A replicate draws n respondents with replacement (multinomial counts on the patterns),
    recomputes the weighted tree leaves (patterns or pre-clusters) from them, runs the
    k-means++ starts on the leaves, and assigns every original respondent to the nearest
    replicate centre.
    """
    xp = b.xp
    n = int(round(w_host.sum()))
    labels_h = b.asnumpy(labels)
    scores = []
    seeds = rng.integers(0, 2**31 - 1, size=n_bootstrap)
    for r in range(n_bootstrap):
        counts = rng.multinomial(n, w_host / w_host.sum()).astype(np.float64)
        cw = b.asarray(counts)
        leaf_w = _group_weights(leaf_of_pattern, cw, n_leaves, xp)
        keep = b.asnumpy(leaf_w) > 0
        if int(keep.sum()) < k:
            continue
        sums = _group_sums(leaf_of_pattern, X, cw, n_leaves, xp)
        keep_d = b.asarray(keep)
        leaves = sums[keep_d] / leaf_w[keep_d][:, None]
        fit = _fit_kmeans(b, ml, leaves, leaf_w[keep_d], k, "k-means++", n_init, int(seeds[r]))
        replicate = _nearest(X, fit.centers, xp)
        scores.append(adjusted_rand(labels_h, b.asnumpy(replicate), w_host))
    return np.asarray(scores, dtype=np.float64)


# --------------------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------------------


def _profiles(counts: np.ndarray, sizes: np.ndarray, columns: pd.MultiIndex) -> pd.DataFrame:
    """Over/under-represented options per group: Lebart's v-test and a hypergeometric p.

    For a group of n_k respondents among n, an option ticked by n_j of them and by n_kj in
    the group: under random groups n_kj is hypergeometric with mean n_k n_j / n and
    variance n_k (n - n_k)/(n - 1) (n_j/n)(1 - n_j/n); the v-test is the standardised
    difference, the p-value doubles the smaller exact tail (at most 1).
    """
    n = int(sizes.sum())
    k, width = counts.shape
    n_j = counts.sum(axis=0)
    g = np.repeat(np.arange(k), width)
    nk = sizes[g].astype(np.float64)
    nkj = counts.ravel()
    nj = np.tile(n_j, k)
    expected = nk * nj / n
    var = nk * (n - nk) / max(n - 1, 1) * (nj / n) * (1.0 - nj / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(var > 0, (nkj - expected) / np.sqrt(var), 0.0)
    dist = sps.hypergeom(n, nj, nk)
    pvalue = np.minimum(1.0, 2.0 * np.minimum(dist.sf(nkj - 1), dist.cdf(nkj)))
    with np.errstate(invalid="ignore", divide="ignore"):
        frame = pd.DataFrame({
            "group": g,
            "size": nk.astype(np.int64),
            "question": np.tile(columns.get_level_values(0).to_numpy(), k),
            "option": np.tile(columns.get_level_values(1).to_numpy(), k),
            "count": nkj.astype(np.int64),
            "pct_group": 100.0 * nkj / nk,
            "pct_all": 100.0 * nj / n,
            "pct_of_option": np.where(nj > 0, 100.0 * nkj / np.maximum(nj, 1), np.nan),
            "v_test": v,
            "pvalue": pvalue,
        })
    frame = frame.sort_values(["group", "v_test"], ascending=[True, False], kind="stable")
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def write_centres(result: Groups, out_dir: str | Path) -> Path:
    """Write the centroid table as ``kmeans_centres_<question>_<question>.csv``.

    As the original analysis did: one row per group with its size and the share of the
    group ticking each option. Question keywords are made file-name safe (``cah/cdh`` →
    ``cah_cdh``); the file is replaced atomically.

    Examples
    --------
    >>> import tempfile
    >>> from espri_gpu import load_example
    >>> g = groups(load_example(), ["ml_méthodes", "exec_plateformes"], backend="cpu",
    ...            n_bootstrap=0)
    >>> write_centres(g, tempfile.mkdtemp()).name
    'kmeans_centres_ml_méthodes_exec_plateformes.csv'
    """
    name = "kmeans_centres_" + "_".join(safe_name(q) for q in result.questions) + ".csv"
    return write_csv(Path(out_dir) / name, result.to_frame())


# --------------------------------------------------------------------------------------
# Benchmark workload: espri_gpu's groups vs scikit-learn on the raw rows
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GroupsData:
    """A synthetic survey for the grouping benchmark, and the same rows for scikit-learn.

    ``survey`` stores the answers as espri_gpu does (codes + distinct cells);
    ``matrix`` holds the respondents' indicator rows as float64 for scikit-learn.
    """

    survey: Survey
    questions: tuple[str, ...]
    matrix: np.ndarray
    k: int


def groups_data(n: int, seed: int = 0, *, sizes: tuple[int, ...] = (16, 14),
                n_profiles: int = 5) -> GroupsData:
    """Realistic answers: ``n`` respondents, two multiple-choice questions (30 options).

    Each respondent belongs to one of ``n_profiles`` latent profiles (Dirichlet shares);
    a profile ticks 3 "core" options of each question with probability 0.45–0.85 and the
    others with probability 0.04 (2–3 ticks per question on average, correlated options,
    so answer patterns repeat: ~125,000 distinct among 10^6). NumPy PCG64 seeded by
    ``seed``.

    Examples
    --------
    >>> data = groups_data(1000, seed=1)
    >>> data.matrix.shape, data.survey.n_respondents
    ((1000, 30), 1000)
    """
    rng = np.random.default_rng(seed)
    width = sum(sizes)
    shares = rng.dirichlet(np.full(n_profiles, 4.0))
    profile = rng.choice(n_profiles, size=n, p=shares)
    probs = np.full((n_profiles, width), 0.04)
    start = 0
    for size in sizes:
        for g in range(n_profiles):
            core = start + rng.choice(size, size=3, replace=False)
            probs[g, core] = rng.uniform(0.45, 0.85, size=3)
        start += size
    ticks = rng.random((n, width)) < probs[profile]
    return _synthetic(ticks, sizes, n_profiles)


def groups_data_worst(n: int, seed: int = 0, *, sizes: tuple[int, ...] = (13, 13),
                      p: float = 0.22) -> GroupsData:
    """Worst case for patterns: independent ticks (26 options, p = 0.22 each).

    About 530,000 distinct answer patterns among 10^6 respondents. NumPy PCG64 seeded by
    ``seed``.

    Examples
    --------
    >>> groups_data_worst(100).matrix.shape
    (100, 26)
    """
    rng = np.random.default_rng(seed)
    ticks = rng.random((n, sum(sizes))) < p
    return _synthetic(ticks, sizes, 5)


def _synthetic(ticks: np.ndarray, sizes: tuple[int, ...], k: int) -> GroupsData:
    from .codebook import Codebook, Column, Option, Question
    from .survey import Level, LoadReport

    n = ticks.shape[0]
    columns, questions, answers = [], [], {}
    start = 0
    for q, size in enumerate(sizes):
        keyword = f"q{q + 1}"
        options = tuple(Option(f"{keyword}_o{j + 1}", f"Option {j + 1}") for j in range(size))
        question = Question(keyword, keyword, True, options, False, keyword)
        block = ticks[:, start:start + size]
        start += size
        key = block.astype(np.int64) @ (np.int64(1) << np.arange(size, dtype=np.int64))
        distinct, codes = np.unique(key, return_inverse=True)
        cells = ((distinct[:, None] >> np.arange(size)) & 1).astype(np.uint8)
        levels = tuple(Level(o.keyword, o.text) for o in options)
        answers[keyword] = Answers(question, codes.ravel().astype(np.int32), cells, levels)
        columns.append(Column(keyword, f"Question {q + 1}", "multiple", keyword))
        questions.append(question)
    codebook = Codebook("synthetic", "synthetic", tuple(columns), tuple(questions))
    report = LoadReport("synthetic", "synthetic", None, None, n, n)
    survey = Survey(codebook, answers, np.arange(1, n + 1, dtype=np.int64), report)
    return GroupsData(survey, tuple(answers), ticks.astype(np.float64), k)


def groups_espri(data: GroupsData, backend: Backend) -> Groups:
    """espri_gpu: :func:`groups` at the data's k (tree, k-means, PCA; no bootstrap)."""
    return groups(data.survey, data.questions, k=data.k, n_bootstrap=0, seed=0,
                  backend=backend)


def groups_sklearn(data: GroupsData) -> tuple[Any, np.ndarray]:
    """The usual way: scikit-learn ``KMeans(n_init=10)`` and ``PCA(2)`` on the raw rows."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    model = KMeans(n_clusters=data.k, n_init=10, random_state=0).fit(data.matrix)
    return model, PCA(n_components=2).fit_transform(data.matrix)
