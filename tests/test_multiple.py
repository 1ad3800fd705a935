"""Multiple-response statistics (MMI, SPMI) against respondent-level brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from espri_gpu import load_codebook, read_survey
from espri_gpu.stats.multiple import (
    bonferroni,
    mmi_statistics,
    rao_scott_independence,
    spmi_statistics,
)
from espri_gpu.stats.patterns import pattern_table
from espri_gpu.synthetic import synthetic_survey


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


def _pearson(table: np.ndarray) -> float:
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return 0.0
    return sps.chi2_contingency(table, correction=False).statistic


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
        expected.append(_pearson(table))
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
            expected[i, k] = _pearson(table)
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
    statistic, dof, pvalue = rao_scott_independence(table, stats)
    assert statistic == pytest.approx(7.0) and dof == pytest.approx(4.0)
    assert pvalue == pytest.approx(sps.chi2.sf(7.0, 4))
