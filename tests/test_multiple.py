"""Multiple-response statistics (MMI, SPMI) against respondent-level brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from espri_gpu.stats.multiple import (
    MultipleResponseStats,
    bonferroni,
    mmi_statistics,
    rao_scott_independence,
    spmi_statistics,
)
from espri_gpu.stats.patterns import PatternTable, pattern_table
from espri_gpu.stats.pooling import POOLED, pool_rare_items
from espri_gpu.stats.rao_scott import rao_scott

from ._reference import pearson_of_nonempty
from .conftest import mini_survey


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    extra = ('\n[[columns]]\nkeyword = "outils"\nheader = "Outils ?"\nkind = "multiple"\n'
             'options = ["Jupyter", "Vim", "Emacs"]\n')
    return mini_survey(tmp_path_factory.mktemp("mr"), 400, seed=11, p_other=0.05,
                       extra=extra)[1]


def _respondent_rows(survey, keyword):
    a = survey.answers_to(keyword)
    rows = a.cells[np.maximum(a.codes, 0)].astype(int)
    return rows, a.answered


def test_mmi_equals_sum_of_item_tables(survey) -> None:
    xa, ok_a = _respondent_rows(survey, "lab")
    xb, ok_b = _respondent_rows(survey, "méthodes")
    both = ok_a & ok_b
    level = xa[both].argmax(axis=1)
    expected = []
    for k in range(xb.shape[1]):
        ticked = xb[both][:, k]
        table = np.zeros((xa.shape[1], 2))
        for lv, t in zip(level, ticked, strict=True):
            table[lv, 1 - t] += 1
        expected.append(pearson_of_nonempty(table))
    stats = mmi_statistics(pattern_table(survey.answers_to("lab"),
                                         survey.answers_to("méthodes")))
    np.testing.assert_allclose(stats.item_statistics, expected, rtol=1e-10, atol=1e-12)
    assert stats.statistic == pytest.approx(sum(expected))
    assert stats.item_dof == len(set(level)) - 1


def test_spmi_equals_sum_of_item_pair_tables(survey) -> None:
    xa, ok_a = _respondent_rows(survey, "méthodes")
    xb, ok_b = _respondent_rows(survey, "outils")
    both = ok_a & ok_b
    expected = np.zeros((xa.shape[1], xb.shape[1]))
    for i in range(xa.shape[1]):
        for k in range(xb.shape[1]):
            table = np.zeros((2, 2))
            for u, v in zip(xa[both][:, i], xb[both][:, k], strict=True):
                table[u, v] += 1
            expected[i, k] = pearson_of_nonempty(table)
    stats = spmi_statistics(pattern_table(survey.answers_to("méthodes"),
                                          survey.answers_to("outils")))
    np.testing.assert_allclose(stats.item_statistics, expected, rtol=1e-10, atol=1e-12)
    p = bonferroni(stats)
    item_p = sps.chi2.sf(expected[expected > 0], 1)
    assert p == pytest.approx(min(1.0, expected.size * item_p.min()))


def test_rao_scott_with_independent_items_is_plain_chi2(survey) -> None:
    """With uncorrelated items (R = I) the correction changes nothing: Σλ = Σλ² = K."""
    # 4 b-patterns over 2 items with exactly zero correlation (balanced 2x2 design)
    b = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    a = np.eye(3)
    joint = np.full((3, 4), 5)
    table = PatternTable(joint, a, b, ("x", "y", "z"), ("p", "q"), int(joint.sum()))
    stats = MultipleResponseStats("mmi", 7.0, np.array([3.0, 4.0]), 2)
    statistic, dof, pvalue = rao_scott_independence(table, stats)
    assert statistic == pytest.approx(7.0) and dof == pytest.approx(4.0)
    assert pvalue == pytest.approx(sps.chi2.sf(7.0, 4))


@pytest.mark.parametrize("kind", ["mmi", "spmi"])
def test_issue_15_observed_statistics_are_the_replicates_own(kind) -> None:
    """A pattern table drawn as replicate r scores, as an observed table, exactly what
    replicate r scored; its item statistics come from the same tables and add up (in the
    kernels' order) to it, bit for bit."""
    import functools
    import operator

    from espri_gpu.kernels import cpu, targets
    from espri_gpu.kernels.registry import pack_items, pattern_labels
    from espri_gpu.stats.patterns import PatternTable

    a = np.eye(3) if kind == "mmi" else np.array([[1, 0], [0, 1], [1, 1]], dtype=float)
    b = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=float)
    joint = np.random.default_rng(3).integers(1, 9, size=(3, 4))
    rows, cols = joint.sum(1), joint.sum(0)
    tables = []  # the replicates' tables: the fill read with identity indicators (J B = J)
    dev, eye = targets.device_functions("cpu"), np.eye(4)
    for r in range(200):
        state = np.array([dev.stream_start(np.uint64(4), r)], dtype=np.uint64)
        tables.append(np.zeros((3, 4), dtype=np.int64))
        dev.pattern_ticks(rows, cols, eye, pack_items(eye), tables[-1], np.zeros(3, np.int64),
                          np.zeros(pattern_labels(rows, cols, 0), np.int32), state)
    scored = cpu.pattern_statistics(rows, cols, a, b, int(kind == "spmi"), 0, seed=4, start=0,
                                    count=200)
    function = mmi_statistics if kind == "mmi" else spmi_statistics
    levels_a, levels_b = tuple("xyz"[:a.shape[1]]), ("p", "q", "r")
    for t, s in zip(tables, scored, strict=True):
        stats = function(PatternTable(t, a, b, levels_a, levels_b, int(t.sum())))
        assert stats.statistic == s
        assert functools.reduce(operator.add, stats.item_statistics.ravel().tolist(), 0.0) == s


# ------------------------------------------------------------------ rare items (issue 15)
def _table(joint, a, b) -> PatternTable:
    joint = np.asarray(joint, dtype=np.int64)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return PatternTable(joint, a, b, tuple(f"a{i}" for i in range(a.shape[1])),
                        tuple(f"b{k}" for k in range(b.shape[1])), int(joint.sum()))


def _respondents(table: PatternTable) -> tuple[np.ndarray, np.ndarray]:
    """One indicator row per respondent of each question (brute-force expansion)."""
    p, q = np.nonzero(table.joint)
    reps = table.joint[p, q]
    return np.repeat(table.a[p], reps, axis=0), np.repeat(table.b[q], reps, axis=0)


def test_rare_options_pooled_for_testing() -> None:
    # b: items 0, 1 frequent; 2 and 3 ticked by 3 and 2 respondents (pooled: 5 ticks);
    # item 4 ticked by nobody; item 5 by all but 2 (dropped)
    rng = np.random.default_rng(0)
    n = 60
    xb = (rng.random((n, 6)) < [0.4, 0.5, 0, 0, 0, 1]).astype(float)
    xb[[1, 2, 3], 2] = 1
    xb[[4, 5], 3] = 1
    xb[[7, 8], 5] = 0
    level = np.r_[np.zeros(28, int), np.ones(29, int), [2, 2, 3]]   # levels 2, 3: 2 and 1
    xa = np.eye(4)[level]
    pa, ia = np.unique(xa, axis=0, return_inverse=True)
    pb, ib = np.unique(xb, axis=0, return_inverse=True)
    joint = np.zeros((len(pa), len(pb)), dtype=np.int64)
    np.add.at(joint, (ia.ravel(), ib.ravel()), 1)
    table, pool_a, pool_b = pool_rare_items(_table(joint, pa, pb), False, True)
    assert table.levels_b == ("b0", "b1", POOLED) and table.n == n
    assert (pool_b.pooled, pool_b.dropped, pool_b.kept) == (2, 1, 3)
    assert table.levels_a == ("a0", "a1", POOLED) and pool_a.pooled == 2
    ra, rb = _respondents(table)
    expected_b = np.c_[xb[:, :2], xb[:, 2:4].max(axis=1)]
    expected_a = np.c_[xa[:, :2], xa[:, 2:].max(axis=1)]
    # same respondents, same answers (as a multiset of rows)
    key = lambda x, y: sorted(map(tuple, np.c_[x, y]))  # noqa: E731
    assert key(ra, rb) == key(expected_a, expected_b)
    stats = mmi_statistics(table)
    assert stats.item_statistics.size == 3          # Bonferroni counts the 3 tested items
    assert bonferroni(stats) == pytest.approx(
        min(1.0, 3 * sps.chi2.sf(stats.item_statistics, stats.item_dof).min()))


def test_pooled_item_still_rare_is_dropped() -> None:
    b = np.array([[1, 0], [0, 1], [0, 0]], dtype=float)
    table, _, pool_b = pool_rare_items(_table([[20, 1, 19], [20, 1, 19]], np.eye(2), b),
                                       False, True)
    assert table.levels_b == ("b0",) and pool_b.dropped == 1 and pool_b.pooled == 0


def test_bootstrap_redraws_resamples_where_an_item_vanishes() -> None:
    """An item ticked by one respondent vanishes from ~e^-1 of the bootstrap resamples;
    those were kept with the item contributing 0 (MMI = 0 here). Now they are drawn again."""
    from espri_gpu.kernels.cpu import pattern_statistics

    b = np.array([[1.0], [0.0]])                     # one item, ticked by 1 of 40
    rows, cols = np.array([20, 20]), np.array([1, 39])
    stats = pattern_statistics(rows, cols, np.eye(2), b, 0, 1, seed=3, start=0, count=2000)
    # MMI = 0 when the item vanished (kept, before), or by an exact tie of the shares
    assert np.mean(stats == 0) < 0.05, np.mean(stats == 0)   # it was e^-1 ~ 0.37
    perm = pattern_statistics(rows, cols, np.eye(2), b, 0, 0, seed=3, start=0, count=200)
    assert (perm > 0).all()                          # permutation: margins fixed anyway
    # a level that vanishes is redrawn too (single-choice level chosen by one respondent)
    b2 = np.array([[1.0], [0.0]])
    stats = pattern_statistics([1, 39], [20, 20], np.array([[1.0, 0.0], [0.0, 1.0]]), b2, 0, 1,
                               seed=4, start=0, count=2000)
    assert np.mean(stats == 0) < 0.05, np.mean(stats == 0)


# ------------------------------------------------------------ published Rao–Scott (issue 15)
def test_rao_scott_spmi_single_items_by_hand() -> None:
    """One item each (a 2 × 2 table): Σ̂ is the variance of (a − p)(b − q) over respondents,
    λ = (E[u²v²] − d²) / (p(1−p) q(1−q)), the test X² / λ² on 1 / λ² degrees of freedom."""
    one = np.array([[1.0], [0.0]])
    joint = np.array([[30, 12], [9, 49]])
    table = _table(joint, one, one)
    n = joint.sum()
    p, q = joint[0].sum() / n, joint[:, 0].sum() / n
    cells = [(1, 1, 30), (1, 0, 12), (0, 1, 9), (0, 0, 49)]
    psi = np.array([(x - p) * (y - q) for x, y, _ in cells])
    w = np.array([c for *_, c in cells]) / n
    lam = (w @ psi**2 - (w @ psi) ** 2) / (p * (1 - p) * q * (1 - q))
    x2 = sps.chi2_contingency(joint, correction=False).statistic
    assert spmi_statistics(table).statistic == pytest.approx(x2)
    r = rao_scott(table, "spmi", x2)
    assert r.sum_l2 == pytest.approx(lam**2) and r.t == 1
    assert r.statistic == pytest.approx(x2 / lam**2) and r.dof == pytest.approx(1 / lam**2)
    assert r.pvalue == pytest.approx(sps.chi2.sf(x2 / lam**2, 1 / lam**2))


def test_rao_scott_mmi_two_levels_one_item_by_hand() -> None:
    """Two levels, one item: √n(π̂₁ − π̂₂) has variance π₁(1−π₁)/a₁ + π₂(1−π₂)/a₂ (levels
    fixed), so λ = (a₂ π₁(1−π₁) + a₁ π₂(1−π₂)) / (π̄(1−π̄))."""
    one = np.array([[1.0], [0.0]])
    joint = np.array([[18, 12], [7, 33]])           # level 1: 18 of 30 tick, level 2: 7 of 40
    table = _table(joint, np.eye(2), one)
    a1, a2 = 30 / 70, 40 / 70
    p1, p2, pbar = 18 / 30, 7 / 40, 25 / 70
    lam = (a2 * p1 * (1 - p1) + a1 * p2 * (1 - p2)) / (pbar * (1 - pbar))
    x2 = sps.chi2_contingency(joint, correction=False).statistic
    assert mmi_statistics(table).statistic == pytest.approx(x2)
    r = rao_scott(table, "mmi", x2)
    assert r.sum_l2 == pytest.approx(lam**2)
    assert r.statistic == pytest.approx(x2 / lam**2) and r.dof == pytest.approx(1 / lam**2)


def _correlated_patterns(k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pats = np.array([[(m >> j) & 1 for j in range(k)] for m in range(2**k)], dtype=float)
    weights = rng.integers(1, 6, size=2**k) * (1 + 3 * (pats.sum(1) % 2 == 0))
    return pats, weights


@pytest.mark.parametrize("kind", ["mmi", "spmi"])
def test_rao_scott_equals_independence_variant_on_a_product_table(kind) -> None:
    """When the joint pattern table is exactly the product of its margins, Σ̂ from the
    joint patterns is R_a ⊗ R_b: the published and the full-independence variants agree.
    They differ on a table with dependence."""
    b, wb = _correlated_patterns(3, 1)
    if kind == "mmi":
        a, wa = np.eye(3), np.array([1, 2, 3])
    else:
        a, wa = _correlated_patterns(2, 2)
    joint = np.outer(wa, wb) * 4
    table = _table(joint, a, b)
    stats = mmi_statistics(table) if kind == "mmi" else spmi_statistics(table)
    published = rao_scott(table, kind, 7.5)
    plain = rao_scott_independence(table, MultipleResponseStats(kind, 7.5, stats.item_statistics,
                                                                stats.item_dof))
    assert published.statistic == pytest.approx(plain[0], rel=1e-10)
    assert published.dof == pytest.approx(plain[1], rel=1e-10)
    joint[0, 0] += 40                               # dependence: the estimates part
    table = _table(joint, a, b)
    assert rao_scott(table, kind, 7.5).dof != pytest.approx(
        rao_scott_independence(table, MultipleResponseStats(kind, 7.5, stats.item_statistics,
                                                            stats.item_dof))[1], rel=1e-3)


def _delta_method_sum_l2(table: PatternTable, kind: str) -> float:
    """Independent oracle: Σ = F V Fᵀ with F the numerical Jacobian of the item-level
    deviations in the joint pattern probabilities, V the multinomial covariance, then the
    eigenvalues of D⁻¹ Σ by numpy."""
    joint = table.joint.astype(float)
    n = joint.sum()
    if kind == "spmi":
        def dev(tau):
            t = tau.reshape(joint.shape)
            pij = table.a.T @ t @ table.b
            return (pij - np.outer(table.a.T @ t.sum(1), table.b.T @ t.sum(0))).ravel()
        tau = (joint / n).ravel()
        v = np.diag(tau) - np.outer(tau, tau)
        pa, pb = table.a.T @ (joint.sum(1) / n), table.b.T @ (joint.sum(0) / n)
        d = np.outer(pa * (1 - pa), pb * (1 - pb)).ravel()
    else:
        share = joint.sum(1) / n
        def dev(tau):
            t = tau.reshape(joint.shape)              # row i: pattern law within level i
            pij = t @ table.b
            return (pij - share @ pij).ravel()
        tau = (joint / joint.sum(1, keepdims=True)).ravel()
        blocks = [(np.diag(r) - np.outer(r, r)) / s for r, s in
                  zip(tau.reshape(joint.shape), share, strict=True)]
        v = np.zeros((tau.size, tau.size))
        m = joint.shape[1]
        for i, blk in enumerate(blocks):
            v[i * m:(i + 1) * m, i * m:(i + 1) * m] = blk
        pbar = share @ (tau.reshape(joint.shape) @ table.b)
        d = np.kron(1 / share, pbar * (1 - pbar))
    h = 1e-6
    f = np.array([(dev(tau + h * e) - dev(tau - h * e)) / (2 * h) for e in np.eye(tau.size)]).T
    lam = np.linalg.eigvals((f @ v @ f.T) / d[:, None])
    return float((lam.real**2).sum())


@pytest.mark.parametrize("kind", ["mmi", "spmi"])
def test_rao_scott_matches_the_delta_method_oracle(kind) -> None:
    rng = np.random.default_rng(7)
    b, _ = _correlated_patterns(3, 3)
    a = np.eye(3) if kind == "mmi" else _correlated_patterns(2, 4)[0]
    joint = rng.integers(1, 15, size=(a.shape[0], b.shape[0]))
    table = _table(joint, a, b)
    assert rao_scott(table, kind, 1.0).sum_l2 == pytest.approx(
        _delta_method_sum_l2(table, kind), rel=1e-6)


def test_independence_test_pools_rare_options_and_uses_the_published_rao_scott() -> None:
    from espri_gpu import independence_test, load_example

    s = load_example("espri2020")
    table = pattern_table(s.answers_to("ml_méthodes"), s.answers_to("ml_usages"))
    pooled, _, _ = pool_rare_items(table, True, True)
    stats = spmi_statistics(pooled)
    expected = rao_scott(pooled, "spmi", stats.statistic)
    r = independence_test(s, "ml_méthodes", "ml_usages", method="rao-scott")
    assert r.statistic == pytest.approx(expected.statistic) and r.dof == pytest.approx(
        expected.dof)
    assert "pooled" in r.reason and "Bilder & Loughin" in r.reason
    r = independence_test(s, "ml_méthodes", "ml_usages", method="bonferroni")
    assert r.pvalue == pytest.approx(bonferroni(stats))
    assert f"the {stats.item_statistics.size} item-level tests" in r.reason
    # only options that vary, each ticked by at least MIN_COUNT respondents, are tested
    n = pooled.n
    for ind, counts in ((pooled.a, pooled.row_counts), (pooled.b, pooled.col_counts)):
        totals = counts @ ind
        assert ((totals >= 5) & (n - totals >= 5)).all()
