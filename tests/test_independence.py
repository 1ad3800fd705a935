"""Monte-Carlo χ², the test chosen per pair, screening, and calibration under the null."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import espri_gpu as eg
from espri_gpu import (
    IndependenceResult,
    ScreenResult,
    SurveyInputError,
    UntestedPair,
    chi2_test,
    crosstab,
    independence_test,
    load_example,
    read_survey,
    screen,
)
from espri_gpu.stats import pair_seed
from espri_gpu.synthetic import synthetic_survey

from .conftest import mini_codebook, mini_survey
from .test_example import FIGURE_25, FIGURE_26, LOST_MENTIONS, _published

FIGURES = {"FIGURE_25": FIGURE_25, "FIGURE_26": FIGURE_26}


def _exact_2x2_tail(table: np.ndarray) -> float:
    """P(X²* ≥ X²_obs) over all 2×2 tables with the observed margins (hypergeometric)."""
    r, c = table.sum(axis=1), table.sum(axis=0)
    n = table.sum()
    observed = sps.chi2_contingency(table, correction=False).statistic
    total = 0.0
    for a in range(max(0, r[0] + c[0] - n), min(r[0], c[0]) + 1):
        t = np.array([[a, r[0] - a], [c[0] - a, r[1] - c[0] + a]])
        x2 = sps.chi2_contingency(t, correction=False).statistic if (t.sum(0) > 0).all() else 0
        if x2 >= observed * (1 - 1e-12):
            total += sps.hypergeom.pmf(a, n, r[0], c[0])
    return total


@pytest.mark.parametrize("table", [[[8, 2], [1, 5]], [[12, 5], [3, 10]], [[3, 7], [6, 4]],
                                   [[20, 15], [12, 25]]])
def test_montecarlo_p_within_error_of_exact(table) -> None:
    table = np.array(table)
    exact = _exact_2x2_tail(table)
    b = 20_000
    p = chi2_test(table, method="montecarlo", n_resamples=b, seed=3).pvalue
    assert abs(p - exact) < 4 * np.sqrt(exact * (1 - exact) / b) + 2 / b
    # Fisher's two-sided p orders tables by probability, χ² by deviation: close, not equal
    assert abs(p - sps.fisher_exact(table).pvalue) < 0.05


def test_montecarlo_reproducible_per_seed() -> None:
    table = np.array([[5, 2, 7], [1, 6, 3], [4, 4, 0]])
    first = chi2_test(table, method="montecarlo", n_resamples=2000, seed=11)
    again = chi2_test(table, method="montecarlo", n_resamples=2000, seed=11)
    other = chi2_test(table, method="montecarlo", n_resamples=2000, seed=12)
    assert first.pvalue == again.pvalue and first.seed == 11
    assert other.pvalue != first.pvalue or other.pvalue == 1 / 2001
    drawn = chi2_test(table, method="montecarlo", n_resamples=99)
    assert drawn.seed is not None  # a random seed is recorded so the run can be repeated
    assert chi2_test(table, method="montecarlo", n_resamples=99,
                     seed=drawn.seed).pvalue == drawn.pvalue


@pytest.mark.parametrize("figure", ["FIGURE_25", "FIGURE_26"])
def test_published_tables_match_an_independent_sampler(figure) -> None:
    """On the report's tick tables: same statistic and V as R's chisq.test (= SciPy), and a
    Monte-Carlo p within Monte-Carlo error of one from SciPy's own Patefield sampler.

    What these tables can and cannot tell: they count *ticks*, not respondents (one
    respondent of LATMOS ticking 4 methods adds 4 to the LATMOS row), so their χ² — the
    report's test — treats dependent ticks as independent observations. The published tables
    only allow this descriptive test; the valid test (MMI, permutation of respondents) needs
    the respondent-level data: see test_mmi_calibrated_where_tick_chi2_is_not.
    """
    table = _published(FIGURES[figure], LOST_MENTIONS[figure]).to_numpy()
    with pytest.warns(UserWarning, match="montecarlo"):
        asymptotic = chi2_test(table)
    reference = sps.chi2_contingency(table[table.sum(1) > 0][:, table.sum(0) > 0],
                                     correction=False)
    assert asymptotic.statistic == pytest.approx(reference.statistic)
    assert asymptotic.cramers_v == pytest.approx(
        sps.contingency.association(table[table.sum(1) > 0][:, table.sum(0) > 0]))
    b = 4000
    ours = chi2_test(table, method="montecarlo", n_resamples=b, seed=5).pvalue
    obs = asymptotic.observed.to_numpy()
    draws = sps.random_table(obs.sum(1), obs.sum(0), seed=5).rvs(b, method="patefield")
    expected = asymptotic.expected.to_numpy()
    stats = ((draws - expected) ** 2 / expected).sum(axis=(1, 2))
    scipy_p = (1 + (stats >= asymptotic.statistic * (1 - 1e-12)).sum()) / (b + 1)
    assert abs(ours - scipy_p) < 5 * np.sqrt(max(scipy_p, 1e-3) / b) + 3 / b


def test_auto_picks_the_test_for_the_pair() -> None:
    survey = load_example("espri2020")
    r = independence_test(survey, "compétence", "maturité_projet", seed=1, n_resamples=199)
    assert r.test == "chi2-montecarlo" and "smallest expected count" in r.reason
    assert r.n == 62 and r.n_excluded == 0
    r = independence_test(survey, "ml_méthodes", "lab", seed=1, n_resamples=199)
    assert r.test == "mmi-permutation" and r.dof is None and r.n == 44
    swapped = independence_test(survey, "lab", "ml_méthodes", seed=1, n_resamples=199)
    assert swapped.statistic == pytest.approx(r.statistic)
    r = independence_test(survey, "ml_méthodes", "ml_usages", method="rao-scott")
    assert r.test == "spmi-rao-scott" and r.dof > 0 and 0 <= r.pvalue <= 1
    r = independence_test(survey, "ml_méthodes", "ml_usages", method="bonferroni")
    assert r.test == "spmi-bonferroni"
    r = independence_test(survey, "lab", "ml_usages", method="bootstrap", seed=2,
                          n_resamples=199)
    assert r.test == "mmi-bootstrap"


def test_asymptotic_chosen_with_large_expected_counts(tmp_path) -> None:
    _, survey = mini_survey(tmp_path, 3000, seed=1)
    r = independence_test(survey, "lab", "niveau", seed=1)
    table = crosstab(survey, "lab", "niveau").to_numpy()
    table = table[table.sum(1) > 0][:, table.sum(0) > 0]
    if sps.contingency.expected_freq(table).min() >= 5:
        assert r.test == "chi2-asymptotic"
        assert r.pvalue == pytest.approx(sps.chi2_contingency(table, correction=False).pvalue)


def test_bad_requests() -> None:
    survey = load_example("espri2020")
    with pytest.raises(SurveyInputError, match="both `lab`"):
        independence_test(survey, "lab", "lab")
    with pytest.raises(SurveyInputError, match="single × multiple pair expected one of"):
        independence_test(survey, "lab", "ml_méthodes", method="montecarlo")
    with pytest.raises(SurveyInputError, match="unknown question `labo`"):
        independence_test(survey, "labo", "lab")


def test_screen_table() -> None:
    survey = load_example("espri2020")
    table = screen(survey, ["lab", "compétence", "ml_méthodes"], n_resamples=99,
                   seed=4).to_frame()
    assert len(table) == 3
    assert {"a", "b", "test", "pvalue", "p_holm", "p_bh", "cramers_v", "seed"} <= set(table)
    assert (table["p_holm"] >= table["pvalue"] - 1e-12).all()
    assert (table["p_bh"] <= table["p_holm"] + 1e-12).all()
    again = screen(survey, ["lab", "compétence", "ml_méthodes"], n_resamples=99, seed=4)
    pd.testing.assert_frame_equal(table, again.to_frame())


def test_screen_returns_typed_results_looked_up_by_pair() -> None:
    survey = load_example("espri2020")
    result = screen(survey, ["lab", "compétence", "ml_méthodes"], n_resamples=99, seed=4,
                    backend="cpu")
    assert isinstance(result, ScreenResult) and isinstance(result, eg.ScreenResult)
    assert len(result) == 3 and all(isinstance(r, IndependenceResult) for r in result)
    assert [(r.a, r.b) for r in result] == [("lab", "compétence"), ("lab", "ml_méthodes"),
                                            ("compétence", "ml_méthodes")]
    pair = result["lab", "ml_méthodes"]
    assert pair is result.pair("ml_méthodes", "lab") is result[1]
    assert pair.test == "mmi-permutation"
    # each pair's result is the one independence_test gives with the recorded seed
    again = independence_test(survey, "lab", "ml_méthodes", method="permutation",
                              n_resamples=99, seed=pair.seed, backend="cpu")
    assert again == pair and pair.seed == pair_seed(4, "lab", "ml_méthodes")
    table = result.to_frame()
    assert table["p_bh"].tolist() == list(result.p_bh)
    assert result.adjusted_pvalue("ml_méthodes", "lab") == table["p_bh"].iloc[1]
    assert result.adjusted_pvalue("lab", "ml_méthodes", "holm") == table["p_holm"].iloc[1]
    assert table["pvalue"].tolist() == [r.pvalue for r in result]
    assert repr(result).startswith("ScreenResult(3 pairs, 3 tested, 0 not testable")
    assert "<table" in result._repr_html_()
    with pytest.raises(KeyError, match="'lab', 'niveau'"):
        result["lab", "niveau"]
    with pytest.raises(ValueError, match="`method` is 'bonf'"):
        result.adjusted_pvalue("lab", "compétence", "bonf")


def test_screen_keeps_untestable_pairs_with_their_reason() -> None:
    # nobody answered both `avant` and `après`: that pair cannot be tested
    frame = pd.DataFrame({"avant": ["a", "b", "a", "b", None, None, None, None],
                          "après": [None, None, None, None, "u", "v", "u", "v"],
                          "site": ["x", "y", "x", "y", "x", "y", "y", "x"]})
    survey = eg.Survey.from_frame(frame, single=["avant", "après", "site"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny tables: χ² caveats
        result = screen(survey, ["avant", "après", "site"], n_resamples=19, backend="cpu")
    untested = result["avant", "après"]
    assert isinstance(untested, UntestedPair) and result.untested == (untested,)
    assert "no respondent answered both" in untested.reason
    assert untested.test == "none" and np.isnan(untested.pvalue)
    assert np.isnan(result.adjusted_pvalue("avant", "après"))
    table = result.to_frame()
    assert list(table.columns) == ["a", "b", "kind_a", "kind_b", "n", "n_excluded", "test",
                                   "statistic", "dof", "pvalue", "p_holm", "p_bh",
                                   "cramers_v", "cramers_v_corrected", "min_expected",
                                   "n_resamples", "seed", "reason", "warnings"]
    assert str(table["seed"].dtype) == "Int64" and str(table["n_resamples"].dtype) == "Int64"
    row = table.iloc[0]
    assert (row["a"], row["b"], row["test"]) == ("avant", "après", "none")
    assert np.isnan(row["pvalue"]) and np.isnan(row["p_holm"]) and pd.isna(row["seed"])
    assert row["reason"] == untested.reason
    # the adjustment counts the tested pairs only
    tested = [r.pvalue for r in result if isinstance(r, IndependenceResult)]
    assert len(tested) == 2
    low, high = sorted(tested)
    assert sorted(table["p_holm"].iloc[1:]) == pytest.approx([min(1, 2 * low),
                                                              min(1, max(2 * low, high))])


def _null_surveys(tmp_path, count: int, n: int):
    """Surveys where the single and the multiple question are independent by construction."""
    codebook = mini_codebook(tmp_path)
    for i in range(count):
        synthetic = synthetic_survey(codebook, n, seed=1000 + i, p_other=0.0)
        frame = synthetic.frame.copy()
        lab = codebook.columns[1].header
        rng = np.random.default_rng(i)
        frame[lab] = rng.permutation(frame[lab].to_numpy())  # break any link
        path = tmp_path / f"null{i}.csv"
        frame.to_csv(path, index=False)
        yield read_survey(path, codebook)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["permutation", "bootstrap", "rao-scott"])
def test_mmi_calibrated_where_tick_chi2_is_not(tmp_path, method) -> None:
    rejections = tick_rejections = 0
    count = 200
    for i, survey in enumerate(_null_surveys(tmp_path, count, 300)):
        r = independence_test(survey, "lab", "méthodes", method=method, seed=i,
                              n_resamples=199)
        rejections += r.pvalue < 0.05
        ticks = crosstab(survey, "lab", "méthodes").to_numpy()
        ticks = ticks[ticks.sum(1) > 0][:, ticks.sum(0) > 0]
        tick_rejections += sps.chi2_contingency(ticks, correction=False).pvalue < 0.05
    assert 0.025 <= rejections / count <= 0.075, rejections
    # the report's tick-level χ² is not a valid test of these data (it is conservative here)
    assert tick_rejections / count < 0.025 or tick_rejections / count > 0.075


@pytest.mark.slow
def test_spmi_permutation_calibrated(tmp_path) -> None:
    extra = ('\n[[columns]]\nkeyword = "outils"\nheader = "Outils ?"\nkind = "multiple"\n'
             'options = ["Jupyter", "Vim", "Emacs", "Spyder"]\n')
    codebook = mini_codebook(tmp_path, extra)
    # 600 null surveys: the rate is about 0.04 (p = (1 + k) / 200 counts ties as extreme), so
    # 200 surveys left the count within a standard deviation or two of the lower bound
    rejections, count = 0, 600
    for i in range(count):
        frame = synthetic_survey(codebook, 300, seed=2000 + i, p_other=0.0).frame
        tools = "Outils ?"
        frame[tools] = np.random.default_rng(i).permutation(frame[tools].to_numpy())
        frame.to_csv(tmp_path / "s.csv", index=False)
        survey = read_survey(tmp_path / "s.csv", codebook)
        r = independence_test(survey, "méthodes", "outils", seed=i, n_resamples=199)
        rejections += r.pvalue < 0.05
    assert 0.025 <= rejections / count <= 0.075, rejections
