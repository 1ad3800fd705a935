"""One-hot encoding, counts and cross tables against the truth of synthetic surveys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from espri_gpu import counting as counting_module
from espri_gpu import counts, crosstab, one_hot
from espri_gpu.synthetic import synthetic_survey

from ._reference import naive_crosstab
from .conftest import mini_survey


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    return mini_survey(tmp_path_factory.mktemp("synthetic"), 700, seed=3, p_other=0.1)


def _truth_sets(truth, question):
    matrix, answered, levels = truth[question]
    return [({levels[j] for j in np.flatnonzero(row)} if ok else None)
            for row, ok in zip(matrix, answered, strict=True)]


@pytest.mark.parametrize("questions", [["lab"], ["méthodes"], ["lab", "niveau", "méthodes"]])
def test_one_hot_equals_truth(drawn, questions) -> None:
    synthetic, survey = drawn
    ind = one_hot(survey, questions, backend="cpu")
    assert ind.matrix.dtype == np.uint8
    assert ind.matrix.shape == (700, len(ind.columns))
    for j, q in enumerate(questions):
        matrix, answered, levels = synthetic.truth[q]
        assert ind.answered[:, j].tolist() == answered.tolist()
        for level, column in zip(levels, matrix.T, strict=True):
            if column.any():
                assert ind.to_frame()[(q, level)].tolist() == column.tolist(), (q, level)
        assert ind.matrix[:, ind.columns.get_level_values("question") == q].sum() == matrix.sum()


def test_counts_equal_truth_with_both_bases(drawn) -> None:
    synthetic, survey = drawn
    matrix, answered, levels = synthetic.truth["méthodes"]
    result = counts(survey, "méthodes", backend="cpu")
    assert result.n_answered == answered.sum()
    assert result.n_mentions == matrix.sum()
    for level, column in zip(levels, matrix.T, strict=True):
        if column.any():
            row = result.table.loc[level]
            assert row["count"] == column.sum()
            assert row["pct_of_respondents"] == pytest.approx(100 * column.sum() / answered.sum())
            assert row["pct_of_mentions"] == pytest.approx(100 * column.sum() / matrix.sum())
    assert result.table["pct_of_mentions"].sum() == pytest.approx(100)
    assert result.table.loc["Gaussian Mixture Model", "other"]


@pytest.mark.parametrize(("a", "b"), [("lab", "niveau"), ("lab", "méthodes"),
                                      ("méthodes", "niveau"), ("méthodes", "méthodes")])
@pytest.mark.parametrize("path", ["joint", "product", "product_chunked"])
def test_crosstab_equals_respondent_loop(drawn, monkeypatch, a, b, path) -> None:
    synthetic, survey = drawn
    if path != "joint":
        monkeypatch.setattr(counting_module, "JOINT_MIN_CELLS", 0)
        monkeypatch.setattr(counting_module, "JOINT_ROWS_FACTOR", 0)
    if path == "product_chunked":
        monkeypatch.setattr(counting_module, "EXACT_FLOAT32_ROWS", 97)
    table = crosstab(survey, a, b, backend="cpu")
    expected = naive_crosstab(_truth_sets(synthetic.truth, a), _truth_sets(synthetic.truth, b),
                              list(table.index), list(table.columns))
    np.testing.assert_array_equal(table.to_numpy(), expected)
    both = synthetic.truth[a][1] & synthetic.truth[b][1]
    assert table.attrs["n_used"] == both.sum()
    assert table.attrs["n_excluded"] == 700 - both.sum()


def test_unknown_question_in_one_hot(drawn) -> None:
    from espri_gpu import SurveyInputError

    with pytest.raises(SurveyInputError, match="unknown question `labos`"):
        one_hot(drawn[1], "labos", backend="cpu")
    with pytest.raises(ValueError, match="`questions` is empty"):
        one_hot(drawn[1], [], backend="cpu")


def test_synthetic_generator_is_seeded(drawn) -> None:
    codebook = drawn[1].codebook
    first = synthetic_survey(codebook, 50, seed=9).frame
    assert first.equals(synthetic_survey(codebook, 50, seed=9).frame)
    assert not first.equals(synthetic_survey(codebook, 50, seed=10).frame)


@pytest.mark.parametrize("chunk", [None, 61])
def test_all_crosstabs_equal_pairwise_crosstabs(drawn, monkeypatch, chunk) -> None:
    from espri_gpu import all_crosstabs

    if chunk:
        monkeypatch.setattr(counting_module, "GRAM_CHUNK_ROWS", chunk)
    survey = drawn[1]
    tables = all_crosstabs(survey, ["lab", "niveau", "méthodes"], backend="cpu")
    assert set(tables) == {("lab", "niveau"), ("lab", "méthodes"), ("niveau", "méthodes")}
    for (a, b), table in tables.items():
        reference = crosstab(survey, a, b, backend="cpu")
        pd.testing.assert_frame_equal(table, reference)
        assert table.attrs == reference.attrs


def test_crosstab_percentages_use_respondent_bases(drawn) -> None:
    synthetic, survey = drawn
    counts_table = crosstab(survey, "lab", "méthodes", backend="cpu")
    rows = crosstab(survey, "lab", "méthodes", percent="row", backend="cpu")
    both = synthetic.truth["lab"][1] & synthetic.truth["méthodes"][1]
    lab_matrix, _, lab_levels = synthetic.truth["lab"]
    for level in ("LATMOS", "LMD"):
        base = lab_matrix[both, lab_levels.index(level)].sum()
        np.testing.assert_allclose(rows.loc[level], 100 * counts_table.loc[level] / base)
    total = crosstab(survey, "lab", "méthodes", percent="total", backend="cpu")
    np.testing.assert_allclose(total.to_numpy(), 100 * counts_table.to_numpy() / both.sum())
    single = crosstab(survey, "lab", "niveau", percent="column", backend="cpu")
    assert np.allclose(single.sum(axis=0).dropna(), 100)
    with pytest.raises(ValueError, match="`percent` is 'rows'"):
        crosstab(survey, "lab", "niveau", percent="rows")
