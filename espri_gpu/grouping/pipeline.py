"""The grouping pipeline: :func:`groups` validates its arguments, :func:`_groups` runs the steps.

Answer patterns (:mod:`.patterns`), the Ward tree and the choice of k (:mod:`.ward`), the
k-means consolidation (:mod:`.consolidation`, :mod:`.kmeans`), PCA (:mod:`.pca`), stability
(:mod:`.stability`) and profiles (:mod:`.profiles`), gathered into a
:class:`~espri_gpu.grouping.result.Groups` of host data.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..backend import Backend, resolve_backend
from ..errors import SurveyInputError
from ..stats.resampling import make_seed
from ..survey import Answers, Survey
from .consolidation import LEAF_STARTS, consolidate, preclusters
from .patterns import (
    SMALL_ROWS,
    answer_patterns,
    group_sums,
    group_weights,
    one_thread_if,
    weighted_means,
)
from .pca import weighted_pca
from .profiles import group_profiles
from .result import STABLE_ARI, Groups
from .stability import bootstrap_stability
from .ward import choice_of_k, cut_linkage, ward_linkage

__all__ = ["groups"]


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
    >>> from espri_gpu.grouping import groups
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
    start_seeds = [int(s) for s in streams[0].generate_state(LEAF_STARTS * n_init + 2)]
    rng_sample = np.random.default_rng(streams[1])
    rng_boot = np.random.default_rng(streams[2])

    used, pattern_of, X, w = answer_patterns(answers, b)
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
        leaf_of_pattern, leaves, leaf_w, within_leaves = preclusters(
            b, ml, X, w, w_host, kk, rng_sample, start_seeds[-1])
        tree_leaves = "pre-clusters"
    leaves_h, leaf_w_h = b.asnumpy(leaves), b.asnumpy(leaf_w)
    L = leaves_h.shape[0]
    Z = ward_linkage(leaves_h, leaf_w_h)
    k_hi = min(k_max, L, max(2, n_used // 2))
    within, criterion = choice_of_k(Z, within_leaves, min(k_min, k_hi), k_hi)
    k_auto = k == "auto"
    if k_auto:
        k = int(criterion.idxmin())
    if k > L:  # a given k beyond the pre-clusters: no tree start
        tree_init = None
    else:
        tree_groups = cut_linkage(Z, k)
        tree_init = weighted_means(tree_groups, leaves_h, leaf_w_h, k)

    fit, init = consolidate(b, ml, X, w, leaves, leaf_w, tree_init, k, n_init, start_seeds,
                             exact=tree_leaves == "patterns", rng=rng_sample, w_host=w_host)
    order = np.argsort(-b.asnumpy(group_weights(fit.labels, w, k, xp)), kind="stable")
    relabel = xp.asarray(np.argsort(order).astype(np.int64))
    labels_p = relabel[fit.labels]
    centers = fit.centers[xp.asarray(order)]

    pca = weighted_pca(X, w, backend=b)
    comps = pca.components[:n_components]
    coords_p = (X - pca.mean) @ comps.T

    with one_thread_if(not b.is_gpu and L <= SMALL_ROWS):
        scores = bootstrap_stability(b, ml, X, w, w_host, labels_p, leaf_of_pattern, L, k, n_init,
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
    counts = b.asnumpy(group_sums(labels_p, X, w, k, xp))
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
        profiles=group_profiles(np.rint(counts), sizes, columns), seed=seed, backend=b.name,
        warnings=tuple(notes))



def _names(answers: list[Answers]) -> str:
    return ", ".join(f"`{a.question.keyword}`" for a in answers)
