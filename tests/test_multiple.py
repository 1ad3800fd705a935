"""Multiple-response statistics (MMI, SPMI) against respondent-level brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from espri_gpu import load_codebook, read_survey
from espri_gpu.stats.multiple import bonferroni, mmi_statistics, rao_scott, spmi_statistics
from espri_gpu.stats.patterns import pattern_table
from espri_gpu.synthetic import synthetic_survey

from ._reference import pearson_of_nonempty


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    from .conftest import MINI_CODEBOOK

    folder = tmp_path_factory.mktemp("mr")
    (folder / "codebook.toml").write_text(
        MINI_CODEBOOK + '\n[[columns]]\nkeyword = "outils"\nheader = "Outils ?"\n'
        'kind = "multiple"\noptions = ["Jupyter", "Vim", "Emacs"]\n', encoding="utf-8")
    codebook = load_codebook(folder / "codebook.toml")
    synthetic_survey(codebook, 400, seed=11, p_other=0.05).to_csv(folder / "r.csv")
    return read_survey(folder / "r.csv", codebook)


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
    from espri_gpu.stats.multiple import MultipleResponseStats
    from espri_gpu.stats.patterns import PatternTable

    # 4 b-patterns over 2 items with exactly zero correlation (balanced 2x2 design)
    b = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    a = np.eye(3)
    joint = np.full((3, 4), 5)
    table = PatternTable(joint, a, b, ("x", "y", "z"), ("p", "q"), int(joint.sum()))
    stats = MultipleResponseStats("mmi", 7.0, np.array([3.0, 4.0]), 2)
    statistic, dof, pvalue = rao_scott(table, stats)
    assert statistic == pytest.approx(7.0) and dof == pytest.approx(4.0)
    assert pvalue == pytest.approx(sps.chi2.sf(7.0, 4))


@pytest.mark.parametrize("kind", ["mmi", "spmi"])
def test_issue_15_observed_statistics_are_the_replicates_own(kind) -> None:
    """A pattern table drawn as replicate r scores, as an observed table, exactly what
    replicate r scored; its item statistics come from the same tables and add up (in the
    kernels' order) to it, bit for bit."""
    import functools
    import operator

    from espri_gpu.kernels import cpu
    from espri_gpu.stats.patterns import PatternTable

    a = np.eye(3) if kind == "mmi" else np.array([[1, 0], [0, 1], [1, 1]], dtype=float)
    b = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=float)
    joint = np.random.default_rng(3).integers(1, 9, size=(3, 4))
    rows, cols = joint.sum(1), joint.sum(0)
    assert cpu.shuffle_labels(int(rows.sum()), 3, 4) == 0  # replicates = random_tables
    tables = cpu.random_tables(rows, cols, seed=4, start=0, count=200)
    scored = cpu.pattern_statistics(rows, cols, a, b, int(kind == "spmi"), 0, seed=4, start=0,
                                    count=200)
    function = mmi_statistics if kind == "mmi" else spmi_statistics
    levels_a, levels_b = tuple("xyz"[:a.shape[1]]), ("p", "q", "r")
    for t, s in zip(tables, scored, strict=True):
        stats = function(PatternTable(t, a, b, levels_a, levels_b, int(t.sum())))
        assert stats.statistic == s
        assert functools.reduce(operator.add, stats.item_statistics.ravel().tolist(), 0.0) == s
