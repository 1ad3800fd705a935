"""Groups of respondents: Ward tree, k-means, PCA, stability and profiles against SciPy and
scikit-learn on small data, the pattern shortcuts, the choice of k and the bundled example."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.cluster import hierarchy
from scipy.stats import hypergeom
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from espri_gpu import SurveyInputError, load_example
from espri_gpu import backend as backend_mod
from espri_gpu.backend import Backend, cpu_backend, probe_gpu
from espri_gpu.grouping import (
    STABLE_ARI,
    adjusted_rand,
    cut_linkage,
    groups,
    ward_linkage,
    weighted_kmeans,
    weighted_pca,
    write_centres,
)
from espri_gpu.workloads import (
    _synthetic,
    groups_data,
    groups_data_worst,
    groups_espri,
    groups_sklearn,
)

METHODS_USAGES = ["ml_méthodes", "ml_usages"]
METHODS_PLATFORMS = ["ml_méthodes", "exec_plateformes"]


# --------------------------------------------------------------------------- helpers


def separated_ticks(k: int, n_per_group: int = 50, sizes=(12, 12), seed: int = 0,
                    p_core: float = 0.9, p_noise: float = 0.03):
    """Indicator rows of k well-separated groups (disjoint core options) and the truth."""
    rng = np.random.default_rng(seed)
    width = sum(sizes)
    probs = np.full((k, width), p_noise)
    start = 0
    for size in sizes:
        per = size // k if k > 4 else 3
        for g in range(k):
            probs[g, start + g * per:start + (g + 1) * per] = p_core
        start += size
    truth = np.repeat(np.arange(k), n_per_group)
    rng.shuffle(truth)
    return rng.random((truth.size, width)) < probs[truth], truth


def survey_of(ticks: np.ndarray, sizes=(12, 12)):
    data = _synthetic(ticks, tuple(sizes), 2)
    return data.survey, list(data.questions)


def patterns_of(rows: np.ndarray):
    patterns, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    return patterns.astype(float), inverse.ravel(), counts


def sk_kmeans(rows: np.ndarray, k: int, **kwargs) -> KMeans:
    """scikit-learn's KMeans on one thread (small data: threads only cost here)."""
    with threadpool_limits(limits=1):
        return KMeans(k, **kwargs).fit(rows)


def same_partition(a, b) -> bool:
    return adjusted_rand_score(np.asarray(a), np.asarray(b)) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def example():
    return load_example("espri2020")


@pytest.fixture(scope="module")
def methods_usages(example):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return groups(example, METHODS_USAGES, backend="cpu", seed=0)


# --------------------------------------------------------------------------- Ward tree


def test_ward_linkage_equals_scipy_on_rows():
    x = np.random.default_rng(1).normal(size=(40, 3))
    np.testing.assert_allclose(ward_linkage(x), hierarchy.linkage(x, "ward"), rtol=1e-10)


def test_weighted_ward_on_patterns_is_the_tree_of_the_expanded_rows():
    rng = np.random.default_rng(2)
    points = rng.normal(size=(25, 4))
    counts = rng.integers(1, 5, size=25)
    rows = np.repeat(points, counts, axis=0)
    ours = ward_linkage(points, counts)
    theirs = hierarchy.linkage(rows, "ward")
    # the rows' tree first merges duplicates at height 0, then follows the weighted tree
    nonzero = theirs[theirs[:, 2] > 1e-12]
    np.testing.assert_allclose(ours[:, 2], nonzero[:, 2], rtol=1e-9)
    assert hierarchy.is_valid_linkage(ours) and ours[-1, 3] == 25  # leaves, not weights
    leaf = np.repeat(np.arange(25), counts)
    for k in range(1, 26):
        assert same_partition(cut_linkage(ours, k)[leaf], cut_linkage(theirs, k)), k


def test_weighted_ward_on_binary_patterns_keeps_the_within_sums_of_the_rows():
    rows = (np.random.default_rng(3).random((300, 8)) < 0.3).astype(float)
    patterns, inverse, counts = patterns_of(rows)
    ours = ward_linkage(patterns, counts)
    theirs = hierarchy.linkage(rows, "ward")
    # with ties the trees may differ; the total within-sum path may not: check both ends
    total = ((rows - rows.mean(0)) ** 2).sum()
    assert (ours[:, 2] ** 2 / 2).sum() == pytest.approx(total)
    assert (theirs[:, 2] ** 2 / 2).sum() == pytest.approx(total)
    assert hierarchy.is_valid_linkage(ours)
    for k in (2, 3, 4):  # within(k) of our cut is the sum of squares of that partition
        labels = cut_linkage(ours, k)[inverse]
        within = sum(((rows[labels == g] - rows[labels == g].mean(0)) ** 2).sum()
                     for g in range(k))
        n = ours.shape[0] + 1
        assert (ours[: n - k, 2] ** 2 / 2).sum() == pytest.approx(within)


def test_cut_linkage_matches_fcluster_without_ties():
    x = np.random.default_rng(4).normal(size=(30, 2))
    Z = ward_linkage(x)
    for k in range(1, 8):
        assert same_partition(cut_linkage(Z, k), hierarchy.fcluster(Z, k, "maxclust"))


def test_ward_linkage_rejects_bad_input():
    with pytest.raises(SurveyInputError, match="`points` has 1 row"):
        ward_linkage([[0.0, 1.0]])
    with pytest.raises(SurveyInputError, match="`weights` must hold one positive"):
        ward_linkage([[0.0], [1.0]], weights=[1, 0])


def test_the_function_groups_and_the_package_grouping_do_not_clash() -> None:
    """``espri_gpu.groups`` is the function (the public API, README); the package is
    ``espri_gpu.grouping``, so importing one never hides the other."""
    import importlib

    import espri_gpu

    grouping = importlib.import_module("espri_gpu.grouping")
    from espri_gpu.grouping import patterns, pipeline

    assert espri_gpu.groups is pipeline.groups and callable(espri_gpu.groups)
    assert espri_gpu.grouping is grouping and patterns.__name__ == "espri_gpu.grouping.patterns"


# --------------------------------------------------------------------------- answer patterns


@pytest.mark.parametrize("key_limit", [2**62, 4])
def test_answer_patterns_are_the_distinct_indicator_rows(example, monkeypatch, key_limit):
    from espri_gpu import one_hot
    from espri_gpu.grouping import patterns

    monkeypatch.setattr(patterns, "_KEY_LIMIT", key_limit)  # 4: renumber at every question
    questions = ["lab", "ml_méthodes", "ml_usages", "exec_plateformes"]
    answers = [example.answers_to(q) for q in questions]
    used, pattern_of, X, w = patterns.answer_patterns(answers, cpu_backend())
    ind = one_hot(example, questions, backend="cpu")
    np.testing.assert_array_equal(used, ind.answered.all(axis=1))
    rows = ind.matrix[used].astype(float)
    np.testing.assert_array_equal(X[pattern_of], rows)
    distinct, counts = np.unique(rows, axis=0, return_counts=True)
    assert len(X) == len(distinct) and sorted(w) == sorted(counts)


# --------------------------------------------------------------------------- k-means, PCA, ARI


@pytest.mark.parametrize("seed", range(5))
def test_weighted_kmeans_on_patterns_equals_sklearn_on_rows_from_the_same_centres(seed):
    # Initial centres off the 0/1 grid: from binary centres, indicator rows are often at
    # exactly equal distances of two centres, and each code breaks such ties by rounding.
    ticks, _ = separated_ticks(3, n_per_group=80, seed=seed, p_core=0.7, p_noise=0.15)
    rows = ticks.astype(float)
    patterns, inverse, counts = patterns_of(rows)
    init = np.random.default_rng(seed).random((3, rows.shape[1]))
    sk = KMeans(3, init=init, n_init=1).fit(rows)
    ours = weighted_kmeans(patterns, 3, sample_weight=counts, init=init, n_init=1,
                           backend="cpu")
    plain = weighted_kmeans(rows, 3, init=init, n_init=1, backend="cpu")
    assert len(patterns) < len(rows)
    assert same_partition(ours.labels[inverse], sk.labels_)
    assert same_partition(plain.labels, sk.labels_)
    assert ours.inertia == pytest.approx(sk.inertia_, rel=1e-10)
    assert plain.inertia == pytest.approx(sk.inertia_, rel=1e-10)


def test_weighted_kmeans_on_weighted_points_equals_sklearn_on_repeated_rows():
    rng = np.random.default_rng(9)
    points, counts = rng.normal(size=(60, 5)), rng.integers(1, 8, 60)
    rows = np.repeat(points, counts, axis=0)
    init = points[:4]
    sk = KMeans(4, init=init, n_init=1).fit(rows)
    ours = weighted_kmeans(points, 4, sample_weight=counts, init=init, n_init=1, backend="cpu")
    assert same_partition(np.repeat(ours.labels, counts), sk.labels_)
    assert ours.inertia == pytest.approx(sk.inertia_, rel=1e-10)


def test_weighted_kmeans_plus_plus_reaches_sklearn_inertia():
    ticks, _ = separated_ticks(4, n_per_group=60)
    rows = ticks.astype(float)
    patterns, _, counts = patterns_of(rows)
    ours = weighted_kmeans(patterns, 4, sample_weight=counts, seed=0, backend="cpu")
    sk = sk_kmeans(rows, 4, n_init=10, random_state=0)
    assert ours.inertia <= sk.inertia_ * (1 + 1e-9)


def test_weighted_pca_equals_sklearn_on_rows():
    rows = (np.random.default_rng(5).random((200, 7)) < [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    rows = rows.astype(float)
    patterns, inverse, counts = patterns_of(rows)
    ours = weighted_pca(patterns, counts, backend="cpu")
    sk = PCA().fit(rows)
    np.testing.assert_allclose(ours.explained_variance, sk.explained_variance_, rtol=1e-9,
                               atol=1e-12)
    np.testing.assert_allclose(ours.explained_variance_ratio, sk.explained_variance_ratio_,
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.components, sk.components_, atol=1e-9)
    np.testing.assert_allclose(ours.transform(patterns)[inverse], sk.transform(rows), atol=1e-9)


def test_adjusted_rand_with_weights_equals_sklearn_on_expanded_items():
    rng = np.random.default_rng(6)
    a, b = rng.integers(0, 3, 40), rng.integers(0, 4, 40)
    w = rng.integers(1, 6, 40)
    expected = adjusted_rand_score(np.repeat(a, w), np.repeat(b, w))
    assert adjusted_rand(a, b, w) == pytest.approx(expected, rel=1e-12)
    assert adjusted_rand(a, a) == 1.0


# --------------------------------------------------------------------------- groups()


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6])
def test_auto_k_recovers_well_separated_groups(k):
    ticks, truth = separated_ticks(k, seed=k)
    survey, questions = survey_of(ticks)
    g = groups(survey, questions, backend="cpu", seed=1, n_bootstrap=10)
    assert g.k_auto and g.k == k
    assert g.criterion.idxmin() == k
    assert list(g.criterion.index) == list(range(2, 11))
    assert adjusted_rand(g.labels, truth) > 0.95
    assert g.stability > 0.9 and g.stable
    assert not g.warnings


def test_pure_noise_is_reported_unstable():
    ticks = np.random.default_rng(7).random((300, 16)) < 0.3
    survey, questions = survey_of(ticks, sizes=(8, 8))
    with pytest.warns(UserWarning, match="grouping is unstable: mean adjusted Rand index"):
        g = groups(survey, questions, backend="cpu", seed=0, n_bootstrap=10)
    assert g.stability < STABLE_ARI and not g.stable
    assert g.warnings and "may be noise" in g.warnings[0]


@pytest.mark.filterwarnings("ignore:the grouping is unstable")
def test_same_seed_same_groups_and_other_seed_other_draws():
    ticks, _ = separated_ticks(3, sizes=(6, 6), p_core=0.6, p_noise=0.2)
    survey, questions = survey_of(ticks, sizes=(6, 6))
    runs = [groups(survey, questions, k=3, backend="cpu", seed=s, n_bootstrap=5)
            for s in (11, 11, 12)]
    np.testing.assert_array_equal(runs[0].labels, runs[1].labels)
    np.testing.assert_array_equal(runs[0].centroids, runs[1].centroids)
    np.testing.assert_array_equal(runs[0].stability_scores, runs[1].stability_scores)
    assert runs[0].seed == 11
    assert not np.array_equal(runs[0].stability_scores, runs[2].stability_scores)


def test_result_agrees_with_sklearn_on_the_rows_it_grouped():
    ticks, _ = separated_ticks(4, n_per_group=40)
    survey, questions = survey_of(ticks)
    g = groups(survey, questions, k=4, backend="cpu", n_bootstrap=0)
    rows = ticks.astype(float)
    sk = sk_kmeans(rows, 4, n_init=10, random_state=0)
    assert g.inertia <= sk.inertia_ * (1 + 1e-9)
    for j in range(4):  # centroids are the share of each group ticking each option
        np.testing.assert_allclose(g.centroids[j], rows[g.labels == j].mean(0))
    assert list(g.sizes) == sorted(g.sizes, reverse=True)
    pca = PCA(2).fit(rows)
    np.testing.assert_allclose(g.explained_variance[:2], pca.explained_variance_)
    np.testing.assert_allclose(g.pca_coordinates, pca.transform(rows), atol=1e-9)
    np.testing.assert_allclose(g.pca_centroids, pca.transform(g.centroids), atol=1e-9)
    assert np.isnan(g.stability) and g.stability_scores.size == 0


def test_tree_within_and_criterion_follow_the_hcpc_definition():
    ticks, _ = separated_ticks(3, n_per_group=30)
    survey, questions = survey_of(ticks)
    g = groups(survey, questions, backend="cpu", n_bootstrap=0)
    rows = ticks.astype(float)
    assert g.within[1] == pytest.approx(((rows - rows.mean(0)) ** 2).sum())
    ratios = g.within.to_numpy()[1:] / g.within.to_numpy()[:-1]
    np.testing.assert_allclose(g.criterion.to_numpy(), ratios)
    assert list(g.criterion.index) == list(range(2, 11))
    hcpc = groups(survey, questions, backend="cpu", n_bootstrap=0, k_min=3)  # HCPC's default
    assert list(hcpc.criterion.index) == list(range(3, 11))
    assert hcpc.k == 3 and np.allclose(hcpc.within, g.within)
    assert g.tree_leaves == "patterns" and g.linkage.shape == (g.n_patterns - 1, 4)
    assert g.linkage[-1, 3] == g.n_patterns and g.leaf_sizes.sum() == g.n_used
    assert hierarchy.is_valid_linkage(g.linkage)
    assert len(hierarchy.dendrogram(g.linkage, no_plot=True)["leaves"]) == g.n_patterns


def test_large_n_path_uses_preclusters_and_finds_the_same_groups():
    ticks, truth = separated_ticks(4, n_per_group=1500, seed=8)
    survey, questions = survey_of(ticks)
    big = groups(survey, questions, backend="cpu", n_bootstrap=5, tree_max=200,
                 n_preclusters=40)
    exact = groups(survey, questions, backend="cpu", n_bootstrap=0)
    assert big.tree_leaves == "pre-clusters" and exact.tree_leaves == "patterns"
    assert big.linkage.shape[0] + 1 == len(big.leaf_sizes) <= 40
    assert big.leaf_sizes.sum() == big.n_used == 6000
    assert big.k == exact.k == 4
    assert adjusted_rand(big.labels, exact.labels) == pytest.approx(1.0)
    assert adjusted_rand(big.labels, truth) > 0.95
    assert big.inertia == pytest.approx(exact.inertia, rel=1e-9)
    assert big.stability > 0.9


def test_large_n_path_on_realistic_answers_is_as_good_as_sklearn():
    data = groups_data(20_000, seed=3)
    g = groups(data.survey, data.questions, k=data.k, backend="cpu", n_bootstrap=0,
               tree_max=500, n_preclusters=60)
    assert g.tree_leaves == "pre-clusters" and g.n_patterns > 500
    sk = sk_kmeans(data.matrix, data.k, n_init=10, random_state=0)
    assert g.inertia <= sk.inertia_ * 1.001


def test_respondents_who_skipped_a_question_are_counted_not_grouped(example, methods_usages):
    g = methods_usages
    answered = np.logical_and.reduce([example.answers_to(q).answered for q in METHODS_USAGES])
    assert g.n_respondents == 62 and g.n_used == answered.sum() and g.n_excluded > 0
    np.testing.assert_array_equal(g.labels >= 0, answered)
    np.testing.assert_array_equal(np.isnan(g.pca_coordinates[:, 0]), ~answered)
    assert (g.leaf_of >= 0).sum() == g.n_used


# --------------------------------------------------------------------------- profiles, outputs


def test_profiles_give_counts_shares_vtests_and_exact_pvalues(methods_usages):
    g = methods_usages
    prof = g.profiles
    assert len(prof) == g.k * len(g.columns)
    assert list(prof.columns) == ["group", "size", "question", "option", "count", "pct_group",
                                  "pct_all", "pct_of_option", "v_test", "pvalue"]
    n = g.n_used
    for row in prof.sample(10, random_state=0).itertuples():
        column = g.columns.get_loc((row.question, row.option))
        assert row.count == round(g.centroids[row.group, column] * row.size)
        n_j = round(row.pct_all * n / 100)
        dist = hypergeom(n, n_j, row.size)
        p = min(1.0, 2 * min(dist.sf(row.count - 1), dist.cdf(row.count)))
        assert row.pvalue == pytest.approx(p)
        expected = row.size * n_j / n
        var = row.size * (n - row.size) / (n - 1) * n_j / n * (1 - n_j / n)
        assert row.v_test == pytest.approx((row.count - expected) / np.sqrt(var) if var else 0)
    for _, block in prof.groupby("group"):  # sorted by decreasing v-test within a group
        assert block["v_test"].is_monotonic_decreasing


def test_example_groups_with_sizes_and_profiles(example, methods_usages):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        platforms = groups(example, METHODS_PLATFORMS, backend="cpu", seed=0)
    for g, questions in ((methods_usages, METHODS_USAGES), (platforms, METHODS_PLATFORMS)):
        assert g.questions == tuple(questions)
        assert 2 <= g.k <= 10 and g.sizes.sum() == g.n_used and (g.sizes > 0).all()
        assert set(g.columns.get_level_values("question")) == set(questions)
        assert 0 <= g.stability <= 1
        text = g.summary()
        assert text.count("\ngroup ") == g.k and "respondents" in text
        significant = g.profiles[g.profiles["pvalue"] < 0.05]
        assert len(significant) > 0  # the groups differ on some options
    assert methods_usages.n_used == 44  # the 44 who described their methods and usages


def test_write_centres_file_name_and_content(tmp_path, methods_usages):
    path = write_centres(methods_usages, tmp_path)
    assert path.name == "kmeans_centres_ml_méthodes_ml_usages.csv"
    back = pd.read_csv(path, index_col="group")
    assert back["size"].tolist() == methods_usages.sizes.tolist()
    assert "ml_méthodes:cah/cdh" in back.columns
    np.testing.assert_allclose(back.iloc[:, 2:].to_numpy(), methods_usages.centroids)
    renamed = dataclasses.replace(methods_usages, questions=("cah/cdh", "usages ML"))
    from espri_gpu.outputs import safe_name

    name = write_centres(renamed, tmp_path).name
    assert name == f"kmeans_centres_{safe_name('cah/cdh')}_{safe_name('usages ML')}.csv"
    assert name.startswith("kmeans_centres_cah_cdh-") and "/" not in name


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"k": "best"}, r'`k` is \'best\'; expected "auto" or an integer >= 2'),
    ({"k": 1}, r'`k` is 1; expected "auto" or an integer >= 2'),
    ({"k": 500}, r"`k` is 500; the 44 respondents give only \d+ distinct answer patterns"),
    ({"n_init": 0}, r"`n_init` is 0; expected an integer >= 1"),
    ({"k_min": 4, "k_max": 3}, r"`k_max` is 3; expected an integer >= 4"),
    ({"n_bootstrap": -1}, r"`n_bootstrap` is -1"),
    ({"n_components": 99}, r"`n_components` is 99; these questions have only \d+ options"),
    ({"seed": -3}, r"`seed` is -3"),
])
def test_bad_arguments_are_named(example, kwargs, message):
    with pytest.raises(SurveyInputError, match=message):
        groups(example, METHODS_USAGES, backend="cpu", **kwargs)


def test_unknown_or_missing_questions(example):
    with pytest.raises(SurveyInputError, match="unknown question `nope`"):
        groups(example, ["ml_méthodes", "nope"], backend="cpu")
    with pytest.raises(SurveyInputError, match="`questions` is empty"):
        groups(example, [], backend="cpu")


def test_single_pattern_cannot_be_grouped():
    survey, questions = survey_of(np.ones((10, 4), dtype=bool), sizes=(2, 2))
    with pytest.raises(SurveyInputError, match="1 distinct answer pattern"):
        groups(survey, questions, backend="cpu")


# --------------------------------------------------------------------------- backends


def test_ml_namespace_of_the_cpu_is_scikit_learn():
    ml = cpu_backend().ml()
    assert ml.name == "sklearn" and ml.KMeans is KMeans and ml.PCA is PCA


def test_gpu_code_path_with_numpy_standing_in_for_cupy_and_cuml(monkeypatch, methods_usages,
                                                                  example):
    """The GPU branch (``b.ml()`` resolving cuML) runs the same code; fake cuML by sklearn."""
    import importlib

    aliases = {"cuml.cluster": "sklearn.cluster", "cuml.decomposition": "sklearn.decomposition"}
    monkeypatch.setattr(backend_mod, "_import_module",
                        lambda name: importlib.import_module(aliases.get(name, name)))
    backend_mod._ml_namespace.cache_clear()
    try:
        fake = Backend("gpu", np, pd, "test")
        assert fake.ml().name == "cuml"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            g = groups(example, METHODS_USAGES, backend=fake, seed=0)
    finally:
        backend_mod._ml_namespace.cache_clear()
    assert g.backend == "gpu"
    np.testing.assert_array_equal(g.labels, methods_usages.labels)
    np.testing.assert_array_equal(g.stability_scores, methods_usages.stability_scores)


def test_gpu_backend_without_cuml_runs_kmeans_on_the_host(monkeypatch):
    import importlib

    def without_cuml(name):
        if name.startswith("cuml"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return importlib.import_module(name)

    monkeypatch.setattr(backend_mod, "_import_module", without_cuml)
    backend_mod._ml_namespace.cache_clear()
    try:
        assert Backend("gpu", np, pd).ml().name == "sklearn (host)"
        X = np.random.default_rng(1).normal(size=(40, 3))
        gpu = weighted_kmeans(X, 3, backend=Backend("gpu", np, pd))
    finally:
        backend_mod._ml_namespace.cache_clear()
    cpu = weighted_kmeans(X, 3, backend="cpu")
    np.testing.assert_array_equal(gpu.labels, cpu.labels)


@pytest.mark.gpu
@pytest.mark.skipif(not probe_gpu().usable, reason="needs a CUDA GPU and RAPIDS")
def test_gpu_groups_agree_with_cpu():
    data = groups_data(50_000, seed=1)
    cpu = groups(data.survey, data.questions, k=5, backend="cpu", n_bootstrap=3)
    gpu = groups(data.survey, data.questions, k=5, backend="gpu", n_bootstrap=3)
    assert gpu.n_patterns == cpu.n_patterns
    assert gpu.inertia == pytest.approx(cpu.inertia, rel=1e-3)
    np.testing.assert_allclose(gpu.explained_variance, cpu.explained_variance, rtol=1e-8)


# --------------------------------------------------------------------------- benchmark workload


@pytest.mark.parametrize("make", [groups_data, groups_data_worst])
def test_workload_pair_computes_the_same_thing(make):
    data = make(3000, 2)
    ours = groups_espri(data, cpu_backend())
    with threadpool_limits(limits=1):
        model, coords = groups_sklearn(data)
    assert ours.k == model.n_clusters == data.k
    assert ours.inertia <= model.inertia_ * 1.01
    np.testing.assert_allclose(np.abs(ours.pca_coordinates), np.abs(coords), atol=1e-9)


@pytest.mark.slow
def test_realistic_workload_inertia_gap_at_scale():
    data = groups_data(200_000, seed=4)
    ours = groups_espri(data, cpu_backend())
    model, _ = groups_sklearn(data)
    assert ours.tree_leaves == "pre-clusters"
    assert ours.inertia <= model.inertia_ * 1.001
