"""chi2_test against SciPy, on random tables and edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.stats import contingency

from espri_gpu import SurveyInputError, chi2_test

from ._reference import exact_pvalue, reference_g, reference_pearson


def _random_tables(count: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        r, c = rng.integers(2, 6, size=2)
        table = rng.poisson(rng.uniform(2, 30), size=(r, c))
        table[table.sum(axis=1) == 0, 0] += 1
        table[0, table.sum(axis=0) == 0] += 1
        yield table


@pytest.mark.parametrize("table", list(_random_tables(25)))
def test_asymptotic_equals_scipy(table) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = chi2_test(table)
        g = chi2_test(table, statistic="g")
    ref = sps.chi2_contingency(table, correction=False)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
    assert ours.dof == ref.dof
    np.testing.assert_allclose(ours.expected.to_numpy(), ref.expected_freq)
    ref_g = sps.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    assert g.statistic == pytest.approx(ref_g.statistic, rel=1e-12)
    assert g.pvalue == pytest.approx(ref_g.pvalue, rel=1e-9, abs=1e-300)
    assert ours.cramers_v == pytest.approx(contingency.association(table, method="cramer"))


def test_bergsma_correction_by_hand() -> None:
    table = np.array([[20, 5, 3], [4, 15, 6], [2, 3, 12], [5, 5, 5]])
    result = chi2_test(table)
    n, (r, k) = table.sum(), table.shape
    phi2 = max(0, result.statistic / n - (k - 1) * (r - 1) / (n - 1))
    r_c, k_c = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    assert result.cramers_v_corrected == pytest.approx(np.sqrt(phi2 / min(k_c - 1, r_c - 1)))
    assert result.cramers_v_corrected < result.cramers_v


def test_adjusted_residuals_by_hand() -> None:
    table = np.array([[30, 10], [10, 30]])
    result = chi2_test(table)
    n = 80
    e = 20.0
    expected = (30 - e) / np.sqrt(e * (1 - 40 / n) * (1 - 40 / n))
    assert result.residuals.iloc[0, 0] == pytest.approx(expected)
    # for a 2x2 table the adjusted residual squared is the Pearson statistic
    assert result.residuals.iloc[0, 0] ** 2 == pytest.approx(result.statistic)


def test_fisher_for_2x2_only() -> None:
    table = [[8, 2], [1, 5]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = chi2_test(table)
    assert result.fisher_pvalue == pytest.approx(sps.fisher_exact(table).pvalue)
    assert chi2_test([[10, 12, 9], [11, 10, 13]]).fisher_pvalue is None


def test_empty_rows_and_columns_dropped_and_reported() -> None:
    frame = pd.DataFrame([[5, 0, 7], [0, 0, 0], [9, 0, 3]], index=["x", "y", "z"],
                         columns=["p", "q", "r"])
    result = chi2_test(frame)
    assert result.dropped_rows == ("y",) and result.dropped_columns == ("q",)
    ref = sps.chi2_contingency([[5, 7], [9, 3]], correction=False)
    assert result.statistic == pytest.approx(ref.statistic)
    assert list(result.observed.index) == ["x", "z"]


def test_doubtful_approximation_warns_and_says_what_to_use() -> None:
    with pytest.warns(UserWarning, match="method='montecarlo'"):
        result = chi2_test([[1, 2, 0], [3, 0, 4]])
    assert result.share_expected_below_5 == 1.0 and result.warnings


@pytest.mark.parametrize(("table", "message"), [
    ([[1, 2], [3, -1]], "non-negative whole counts"),
    ([[1.5, 2], [3, 1]], "non-negative whole counts"),
    ([[0, 0], [3, 4]], "1 non-empty row"),
    ([[1, 2, 3]], "1 non-empty row"),
    ([], "non-empty 2-D table"),
])
def test_bad_tables(table, message) -> None:
    with pytest.raises(SurveyInputError, match=message):
        chi2_test(table)


def test_bad_arguments() -> None:
    with pytest.raises(SurveyInputError, match="`method` is 'exact'"):
        chi2_test([[1, 2], [3, 4]], method="exact")
    with pytest.raises(SurveyInputError, match="`statistic` is 'x'"):
        chi2_test([[1, 2], [3, 4]], statistic="x")
    with pytest.raises(SurveyInputError, match="`seed` is -1"):
        chi2_test([[1, 2], [3, 4]], method="montecarlo", seed=-1)


def test_issue_15_montecarlo_g_ties_with_the_observed_table() -> None:
    """Issue 15: the observed G came from NumPy, the replicates' from the kernels; the
    rounding difference made the observed table itself not "as extreme" as its replicate."""
    r = chi2_test([[10, 1], [12, 1]], method="montecarlo", statistic="g", n_resamples=100000,
                  seed=23)
    assert r.pvalue == 1.0  # the observed table has the smallest G of its margins


SMALL_TABLES = [[[10, 1], [12, 1]], [[3, 1], [1, 3]], [[5, 0], [1, 4]], [[6, 2], [1, 1]],
                [[3, 1, 2], [0, 4, 1]], [[2, 2, 1], [1, 1, 3]], [[2, 0, 1], [1, 2, 0], [0, 1, 3]],
                [[3, 1, 2], [0, 4, 5], [4, 1, 0]]]


@pytest.mark.parametrize("statistic", ["pearson", "g"])
@pytest.mark.parametrize("table", SMALL_TABLES)
def test_montecarlo_p_within_error_of_exact_enumeration(table, statistic) -> None:
    """Monte-Carlo p against the exact p: every table with the observed margins, weighted by
    its hypergeometric probability (independent oracle, exact arithmetic)."""
    oracle = reference_pearson if statistic == "pearson" else reference_g
    exact = exact_pvalue(table, oracle)
    b = 20_000
    p = chi2_test(table, method="montecarlo", statistic=statistic, n_resamples=b,
                  seed=29).pvalue
    assert abs(p - exact) <= 4.5 * np.sqrt(exact * (1 - exact) / b) + 2 / b, (p, exact)


@pytest.mark.parametrize("statistic", ["pearson", "g"])
def test_observed_statistic_is_bit_identical_to_the_replicates(statistic) -> None:
    """A table drawn as replicate r, tested as the observed table, scores exactly what
    replicate r scored (one compiled function for both)."""
    from espri_gpu.kernels import cpu

    rows, cols, code = [7, 3, 9], [4, 6, 2, 7], {"pearson": 0, "g": 1}[statistic]
    tables = cpu.random_tables(rows, cols, seed=8, start=0, count=300)
    scored = cpu.table_statistics(rows, cols, code, seed=8, start=0, count=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t, s in zip(tables, scored, strict=True):
            if (t.sum(0) > 0).all():
                assert chi2_test(t, statistic=statistic).statistic == s


@pytest.mark.filterwarnings("ignore:.*expected counts are below 5:UserWarning")
def test_heatmap_colours_are_chi2_residuals() -> None:
    """One residual implementation (issue #17): a heat map is coloured by chi2_test's
    adjusted standardized residuals, taken from the result or computed the same way."""
    import matplotlib.pyplot as plt

    from espri_gpu import plotting
    from espri_gpu.stats.residuals import standardized_residuals

    rng = np.random.default_rng(17)
    table = pd.DataFrame(rng.poisson(6, size=(4, 5)), index=[f"r{i}" for i in range(4)],
                         columns=[f"c{j}" for j in range(5)])
    table.iloc[2, :] = 0
    table.iloc[:, 1] = 0  # an empty row and column: left out by the test and the heat map
    result = chi2_test(table)
    assert result.residuals.shape == (3, 4)
    for given in (result, None):
        ax = plotting.heatmap(table, color="residual", result=given)
        np.testing.assert_array_equal(ax.images[0].get_array(), result.residuals.to_numpy())
        plt.close(ax.figure)
    assert plotting.residuals is standardized_residuals  # the report's reading uses it too
    ax = plotting.heatmap(table, result=result)
    assert ax.get_title().startswith("Pearson's χ²: p = ")
    plt.close(ax.figure)
    with pytest.raises(ValueError, match=r"residuals of a 3 × 4 table, not of this 3 × 3"):
        plotting.heatmap(table.iloc[:, :4], color="residual", result=result)
    plt.close("all")


def test_standardized_residuals_by_the_definition() -> None:
    rng = np.random.default_rng(5)
    table = rng.poisson(4, size=(3, 6)) + 1
    n, rows, cols = table.sum(), table.sum(axis=1), table.sum(axis=0)
    expected = np.empty(table.shape)
    by_hand = np.empty(table.shape)
    for i in range(3):
        for j in range(6):
            expected[i, j] = rows[i] * cols[j] / n
            by_hand[i, j] = (table[i, j] - expected[i, j]) / np.sqrt(
                expected[i, j] * (1 - rows[i] / n) * (1 - cols[j] / n))
    result = chi2_test(table, method="montecarlo", n_resamples=9, seed=0)
    np.testing.assert_allclose(result.residuals.to_numpy(), by_hand, rtol=1e-12)
    np.testing.assert_allclose(result.expected.to_numpy(), expected, rtol=1e-12)
