"""Every common export layout read back exactly: separators, grids, one column per option,
ignored columns, two header rows (issue #13, "Any survey in")."""

from __future__ import annotations

import numpy as np
import pytest

from espri_gpu import SurveyInputError, counts, read_survey
from espri_gpu.codebook import load_codebook_text
from espri_gpu.synthetic_layouts import LAYOUTS, read_back_check, synthetic_export

from .conftest import csv_text

CODEBOOK = """\
name = "layouts"
title = "Layouts"

[[columns]]
header = ""
kind = "ignore"

[[columns]]
keyword = "niveau"
header = "Votre niveau ?"
kind = "single"
ordered = true
options = ["Débutant", "Intermédiaire", "Avancé"]

[[columns]]
keyword = "outils"
header = "Outils ?"
kind = "multiple"
separator = ";"
options = [{ keyword = "vim", text = "Editeurs (Vim, Emacs)" }, "Spyder", "Jupyter"]

[[columns]]
keyword = "satisf"
header = "Satisfait·e de"
kind = "grid"
ordered = true
options = ["Pas du tout", "Un peu", "Beaucoup"]
rows = [{ keyword = "calcul", text = "Calcul" }, { keyword = "stockage", text = "Stockage" }]

[[columns]]
keyword = "lang"
kind = "multiple"
layout = "columns"
other_column = "Q7_OTHER"
options = [{ keyword = "python", text = "Python", column = "Q7_Part_1" },
           { keyword = "r", text = "R", column = "Q7_Part_2" },
           { keyword = "aucun", text = "Aucun", column = "Q7_Part_3", none = true }]
"""

HEADER = ["", "Votre niveau ?", "Outils ?", "Satisfait·e de [Calcul]", "Satisfait·e de [Stockage]",
          "Q7_Part_1", "Q7_Part_2", "Q7_Part_3", "Q7_OTHER"]
ROWS = [
    ["1", "Avancé", "Editeurs (Vim, Emacs);Jupyter", "Beaucoup", "Un peu", "Python", "R", "", ""],
    ["2", "Débutant", "Spyder; emacs et vi", "Un peu", "", "", "", "", "Julia"],
    ["3", "", "", "", "", "", "", "Aucun", ""],
    ["4", "Intermédiaire", "Jupyter", "Pas du tout", "Beaucoup", "", "", "", ""],
]


def _survey(tmp_path, rows=ROWS, header=HEADER, codebook=CODEBOOK, **kwargs):
    path = tmp_path / "export.csv"
    path.write_text(csv_text(rows, header=header), encoding="utf-8")
    return read_survey(path, load_codebook_text(codebook), backend="cpu", **kwargs)


def _ticks(survey, keyword):
    a = survey.answers_to(keyword)
    return a.keywords, (a.cells[np.maximum(a.codes, 0)] * a.answered[:, None]).tolist()


def test_every_layout_reads_back(tmp_path) -> None:
    survey = _survey(tmp_path)
    assert survey.n_respondents == 4
    assert _ticks(survey, "outils") == (
        ("vim", "Spyder", "Jupyter", "emacs et vi"),
        [[1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 1, 0]])
    assert survey.answers_to("outils").answered.tolist() == [True, True, False, True]
    assert _ticks(survey, "satisf.calcul")[1] == [[0, 0, 1], [0, 1, 0], [0, 0, 0], [1, 0, 0]]
    assert survey.answers_to("satisf.stockage").answered.tolist() == [True, False, False, True]
    keywords, ticks = _ticks(survey, "lang")
    assert keywords == ("python", "r", "aucun", "Julia")
    assert ticks == [[1, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0]]
    # nothing ticked, no "other" text: did not answer; the explicit "none" option: answered
    assert survey.answers_to("lang").answered.tolist() == [True, True, True, False]
    assert "" not in survey.free_text.columns


def test_ordered_scale_keeps_codebook_order_in_counts_and_bars(tmp_path) -> None:
    from espri_gpu.plotting import bar_chart

    rows = [list(r) for r in ROWS] + [["5", "Avancé", *ROWS[0][2:]]]
    result = counts(_survey(tmp_path, rows), "niveau", backend="cpu")
    assert list(result.table.index) == ["Débutant", "Intermédiaire", "Avancé"]
    assert result.table["count"].tolist() == [1, 1, 2]
    ax = bar_chart(result)
    top_down = [t.get_text() for t in ax.get_yticklabels()][::-1]
    assert top_down == ["Débutant", "Intermédiaire", "Avancé"]


@pytest.mark.parametrize("ticked", ["Y", "1", "Oui", "x", "TRUE"])
@pytest.mark.parametrize("unticked", ["", "N", "0", "Non", "false"])
def test_limesurvey_style_ticks(tmp_path, ticked, unticked) -> None:
    rows = [[r[0], r[1], r[2], r[3], r[4],
             *[ticked if c else unticked for c in r[5:8]], r[8]] for r in ROWS]
    assert _ticks(_survey(tmp_path, rows), "lang")[1] == [
        [1, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0]]


def test_two_header_rows(tmp_path) -> None:
    """Typeform-like: the question over its option columns, option texts below."""
    codebook = CODEBOOK.replace('name = "layouts"', 'name = "layouts"\nheader_rows = 2')
    for column, header in (("Q7_Part_1", "Langages ? [Python]"), ("Q7_Part_2", "Langages ? [R]"),
                           ("Q7_Part_3", "Langages ? [Aucun]"), ("Q7_OTHER", "Langages ? [Other]")):
        codebook = codebook.replace(f'"{column}"', f'"{header}"')
    first = ["", "Votre niveau ?", "Outils ?", "Satisfait·e de [Calcul]",
             "Satisfait·e de [Stockage]", "Langages ?", "", "", ""]
    second = ["", "", "", "", "", "Python", "R", "Aucun", "Other"]
    survey = _survey(tmp_path, [second, *ROWS], first, codebook)
    assert survey.n_respondents == 4
    assert _ticks(survey, "lang")[1] == [[1, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 0, 0]]
    bad = [list(r) for r in ROWS]
    bad[1][1] = "Expert"
    with pytest.raises(SurveyInputError, match=r"row 4, column `niveau`"):  # 2 header rows
        _survey(tmp_path, [second, *bad], first, codebook)


def test_ignored_column_does_not_make_empty_rows_count(tmp_path) -> None:
    rows = [*ROWS, ["5", "", "", "", "", "", "", "", ""]]
    survey = _survey(tmp_path, rows, errors="skip")
    assert [(s.row, s.reason) for s in survey.report.skipped] == [(6, "empty row")]


def test_semicolon_column_rejects_comma_joins(tmp_path) -> None:
    rows = [list(r) for r in ROWS]
    rows[0][2] = "Spyder, Jupyter"
    with pytest.raises(SurveyInputError, match=r"join option texts with ', ', not ';'; set "
                                               r"`separator = \", \"`"):
        _survey(tmp_path, rows)


def test_grid_rows_are_not_crossed_with_each_other_by_default(tmp_path) -> None:
    from espri_gpu import screen
    from espri_gpu.report import parse_pairs

    survey = _survey(tmp_path)
    default = parse_pairs(None, survey, list(survey.questions))
    assert ("satisf.calcul", "satisf.stockage") not in default
    assert ("niveau", "satisf.calcul") in default and len(default) == 9
    asked = parse_pairs("satisf.calcul:satisf.stockage", survey, [])
    assert asked == [("satisf.calcul", "satisf.stockage")]
    table = screen(survey, n_resamples=99, backend="cpu").to_frame()
    assert len(table) == 9 and not ((table["a"] == "satisf.calcul")
                                    & (table["b"] == "satisf.stockage")).any()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("seed", [0, 1])
def test_generated_exports_of_every_tool_read_back_exactly(tmp_path, layout, seed) -> None:
    """The synthetic generator writes each tool's layout; the reader gives back its truth."""
    export = synthetic_export(400, layout=layout, seed=seed)
    path = export.write(tmp_path)
    survey = read_survey(path, tmp_path / "codebook.toml", backend="cpu")
    read_back_check(export, survey)
    assert survey.report.n_rows == export.n_respondents
