"""Reading exports: every format people have, every bad input, nothing dropped silently."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from espri_gpu import SurveyInputError, counts, read_survey
from espri_gpu.codebook import load_codebook
from espri_gpu.responses import parse_choice_column
from espri_gpu.survey import Survey

from .conftest import DEB, FAC, HEADER, KMEANS, MINI_ROWS, MLP, csv_text


def _signature(survey: Survey) -> dict:
    """Everything a reader produces that other modules use, in comparable form."""
    return {q: (a.keywords, a.codes.tolist(), a.cells[np.maximum(a.codes, 0)].tolist())
            for q, a in survey.answers.items()}


def test_reads_google_forms_csv(export, codebook_path) -> None:
    survey = read_survey(export(), codebook_path)
    assert survey.n_respondents == 4
    assert survey.respondents.tolist() == [1, 2, 3, 4]
    methods = survey.answers_to("méthodes")
    assert methods.keywords == ("kmeans", "fac", "mlp", "som", "Gaussian Mixture Model")
    rows = methods.cells[np.maximum(methods.codes, 0)] * methods.answered[:, None]
    assert rows.tolist() == [[1, 1, 0, 0, 0], [0, 1, 1, 0, 1], [0, 0, 0, 0, 0], [0, 0, 1, 0, 1]]
    assert methods.answered.tolist() == [True, True, False, True]
    assert survey.answers_to("niveau").answered.tolist() == [True, True, False, True]
    # the "other" answer is matched case-insensitively, first spelling kept, and reported
    [unmatched] = survey.report.unmatched
    assert (unmatched.question, unmatched.text, unmatched.count) == (
        "méthodes", "Gaussian Mixture Model", 2)
    assert survey.timestamps.iloc[3] == pd.Timestamp("2020-05-28 17:45:10")
    assert survey.free_text["remarques"].iloc[0] == "Océan,\nvraiment"  # quoted newline


@pytest.mark.parametrize(
    ("encoding", "delimiter", "lineterminator", "warns"),
    [
        ("utf-8-sig", ",", "\n", False),
        ("utf-8", ",", "\r\n", False),
        ("cp1252", ";", "\r\n", True),
        ("utf-8", ";", "\n", False),
        ("utf-8", "\t", "\n", False),
        ("utf-16", "\t", "\r\n", False),
    ],
)
def test_resaved_csv_variants_read_the_same(export, codebook_path, encoding, delimiter,
                                            lineterminator, warns) -> None:
    reference = read_survey(export(), codebook_path)
    path = export(name=f"resaved_{encoding}.csv", encoding=encoding, delimiter=delimiter,
                  lineterminator=lineterminator)
    survey = read_survey(path, codebook_path)
    assert _signature(survey) == _signature(reference)
    assert survey.report.delimiter == delimiter
    assert any("Windows-1252" in w for w in survey.report.warnings) == warns


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_spreadsheets_read_the_same(tmp_path, export, codebook_path, suffix) -> None:
    reference = read_survey(export(), codebook_path)
    path = tmp_path / f"responses{suffix}"
    pd.DataFrame(MINI_ROWS, columns=HEADER).to_excel(
        path, index=False, engine="openpyxl" if suffix == ".xlsx" else "odf")
    survey = read_survey(path, codebook_path)
    assert survey.report.file_format == suffix[1:]
    assert _signature(survey) == _signature(reference)


def test_lenient_header_matching(export, codebook_path) -> None:
    header = [h.replace("À", "A").replace(" ?", "?") for h in HEADER]
    header[3] = header[3].upper()
    survey = read_survey(export(header=header), codebook_path)
    assert survey.n_respondents == 4


@pytest.mark.parametrize("spaced", ["Note [ Python ]", "Note [Python ]", "Note ( Python )",
                                    "Note ?[Python]", "Note :[Python]"])
def test_header_spacing_inside_brackets_is_ignored(tmp_path, export, spaced) -> None:
    """Issue #14 (5): grid headers exported as `Question [row ]` still match."""
    written = {"Note [ Python ]": "Note [Python]", "Note [Python ]": "Note [Python]",
               "Note ( Python )": "Note (Python)", "Note ?[Python]": "Note ? [Python]",
               "Note :[Python]": "Note : [Python]"}[spaced]
    codebook = tmp_path / "grid.toml"
    codebook.write_text(f'[[columns]]\nkeyword = "python"\nheader = "{written}"\n'
                        'kind = "single"\noptions = ["Bon", "Moyen"]\n', encoding="utf-8")
    survey = read_survey(export([["Bon"], ["Moyen"]], header=[spaced]), codebook)
    assert survey.answers_to("python").codes.tolist() == [0, 1]


def test_header_mismatch_shows_where_long_headers_differ(tmp_path, export) -> None:
    """Issue #14 (5): long headers that differ at their end are told apart, with the
    closest codebook header and the first differing character."""
    question = "Quel est votre niveau dans les langages suivants, utilisés pour le ML ?"
    rows = ["Python", "Fortran", "C++"]
    codebook = tmp_path / "grid.toml"
    codebook.write_text("".join(
        f'[[columns]]\nkeyword = "{r.lower()}"\nheader = "{question} [{r}]"\n'
        'kind = "single"\noptions = ["Bon"]\n\n' for r in rows), encoding="utf-8")
    header = [f"{question} [Python]", f"{question} [Fortran 90]", f"{question} [C+]"]
    with pytest.raises(SurveyInputError) as info:
        read_survey(export([["Bon"] * 3], header=header), codebook)
    message = str(info.value)
    assert "\n" not in message
    assert "[Fortran 90]' (closest: missing `fortran`, first difference at character 81: " \
           "'…sés pour le ML ? [Fortran» 90]' in the file, '…sés pour le ML ? [Fortran»]' in " \
           "the codebook)" in message
    assert "[C+]' (closest: missing `c++`, first difference at character 76: '…utilisés pour " \
           "le ML ? [C+»]' in the file, '…utilisés pour le ML ? [C+»+]' in the codebook)" \
        in message
    assert "missing column(s) `fortran` (" in message and "`c++` (" in message


def test_personal_columns_never_stored(export, codebook_path) -> None:
    survey = read_survey(export(), codebook_path)
    blob = pickle.dumps(survey)
    assert b"secret" not in blob and "secret".encode("utf-16-le") not in blob
    assert "email" in survey.report.personal_columns_dropped
    assert "secret" not in survey.report.to_text()


def test_empty_rows_are_skipped_and_listed(export, codebook_path) -> None:
    rows = [*MINI_ROWS[:2], [""] * 6, *MINI_ROWS[2:]]
    survey = read_survey(export(rows), codebook_path)
    assert survey.n_respondents == 4
    assert [(s.row, s.reason) for s in survey.report.skipped] == [(4, "empty row")]
    assert survey.respondents.tolist() == [1, 2, 4, 5]


def test_interpretations_are_merged(tmp_path, export, codebook_path) -> None:
    sidecar = tmp_path / "interp.csv"
    sidecar.write_text("respondent,question,keyword\n1,thèmes,océan\n1,thèmes,Atmosphère\n"
                       "4,thèmes,atmosphère\n", encoding="utf-8")
    survey = read_survey(export(), codebook_path, interpretations=sidecar)
    table = counts(survey, "thèmes", backend="cpu").table
    assert table["count"].to_dict() == {"océan": 1, "atmosphère": 2}
    assert survey.answers_to("thèmes").answered.tolist() == [True, False, False, True]


def test_interpreted_question_without_sidecar_says_what_to_pass(export, codebook_path) -> None:
    survey = read_survey(export(), codebook_path)
    with pytest.raises(SurveyInputError, match=r"`thèmes`.*--interpretations"):
        survey.answers_to("thèmes")


# --- bad input: one sentence naming the file, row, column or value ----------------------


def test_missing_file(tmp_path, codebook_path) -> None:
    with pytest.raises(SurveyInputError, match=r"nope\.csv does not exist"):
        read_survey(tmp_path / "nope.csv", codebook_path)


def test_empty_file(tmp_path, codebook_path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"  \n")
    with pytest.raises(SurveyInputError, match=r"empty\.csv is empty"):
        read_survey(path, codebook_path)


def test_header_only(export, codebook_path) -> None:
    with pytest.raises(SurveyInputError, match="header but no respondent rows"):
        read_survey(export([]), codebook_path)


def test_header_mismatch_lists_unknown_and_missing(export, codebook_path) -> None:
    header = [*HEADER[:2], "Question ajoutée après coup", *HEADER[3:]]
    with pytest.raises(SurveyInputError, match=r"unknown column\(s\) 'Question ajoutée après "
                       r"coup'; missing column\(s\) `niveau`"):
        read_survey(export(header=header), codebook_path)


def test_duplicate_header(export, codebook_path) -> None:
    header = [*HEADER[:5], HEADER[1]]
    with pytest.raises(SurveyInputError, match=r"column 'À quel laboratoire.*' twice"):
        read_survey(export(header=header), codebook_path)


def test_two_options_in_single_choice_cell(export, codebook_path) -> None:
    rows = [list(r) for r in MINI_ROWS]
    rows[2][1] = "LATMOS, LMD"
    with pytest.raises(SurveyInputError, match=r"responses\.csv, row 4, column `lab`: 'LATMOS, "
                       r"LMD' gives two options \(LATMOS \+ LMD\).*--skip-bad-rows"):
        read_survey(export(rows), codebook_path)


def test_option_not_in_codebook(export, codebook_path) -> None:
    rows = [list(r) for r in MINI_ROWS]
    rows[1][2] = "Intermédiaire"
    with pytest.raises(SurveyInputError, match=r"row 3, column `niveau`: 'Intermédiaire' is not "
                       "an option of the codebook"):
        read_survey(export(rows), codebook_path)


def test_required_question_empty(export, codebook_path) -> None:
    rows = [list(r) for r in MINI_ROWS]
    rows[0][1] = ""
    with pytest.raises(SurveyInputError, match=r"row 2, column `lab`: required question is empty"):
        read_survey(export(rows), codebook_path)


def test_bad_rows_skipped_on_request_and_listed(export, codebook_path) -> None:
    rows = [list(r) for r in MINI_ROWS]
    rows[0][1] = "LATMOS, LMD"
    rows[3][2] = "Intermédiaire"
    survey = read_survey(export(rows), codebook_path, errors="skip")
    assert survey.n_respondents == 2
    assert [s.row for s in survey.report.skipped] == [2, 5]
    assert "column `lab`" in survey.report.skipped[0].reason
    assert survey.report.n_rows == survey.n_respondents + len(survey.report.skipped)
    # the "other" answer of a skipped row is no longer counted
    assert [u.count for u in survey.report.unmatched] == [1]


def test_undecodable_bytes(tmp_path, codebook_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_text(MINI_ROWS).encode("utf-8").replace(b"LMD", b"LM\x81\x8d"))
    with pytest.raises(SurveyInputError, match=r"bad\.csv, row 3, column `lab`: undecodable "
                       r"bytes in an otherwise UTF-8 file; .*--skip-bad-rows"):
        read_survey(path, codebook_path)


def test_binary_file(tmp_path, codebook_path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x00\x00\x00\rIHDR")
    with pytest.raises(SurveyInputError, match="looks binary"):
        read_survey(path, codebook_path)


def test_corrupt_spreadsheet(tmp_path, codebook_path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(SurveyInputError, match=r"broken\.xlsx is not a readable \.xlsx"):
        read_survey(path, codebook_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("respondent,question\n1,thèmes\n", "missing column"),
        ("respondent,question,keyword\n9,thèmes,océan\n", "respondent '9' is not a data row"),
        ("respondent,question,keyword\n1,sujets,océan\n", "unknown question 'sujets'"),
        ("respondent,question,keyword\n1,thèmes,glace\n", "keyword 'glace' is not an option"),
    ],
)
def test_bad_interpretations(tmp_path, export, codebook_path, content, message) -> None:
    sidecar = tmp_path / "interp.csv"
    sidecar.write_text(content, encoding="utf-8")
    with pytest.raises(SurveyInputError, match=message):
        read_survey(export(), codebook_path, interpretations=sidecar)


def test_errors_argument_is_checked(export, codebook_path) -> None:
    with pytest.raises(ValueError, match=r"`errors` is 'ignore'"):
        read_survey(export(), codebook_path, errors="ignore")


def test_unanswered_question_is_reported(export, codebook_path) -> None:
    rows = [[*r[:3], "", *r[4:]] for r in MINI_ROWS]
    survey = read_survey(export(rows), codebook_path)
    assert survey.report.unanswered_questions == ("méthodes",)
    assert any("nobody answered question `méthodes`" in w for w in survey.report.warnings)


def test_kmeans_and_factorial_texts_with_commas(export, codebook_path) -> None:
    rows = [list(r) for r in MINI_ROWS]
    rows[0][3] = f"{KMEANS}, {FAC}, {MLP}"
    rows[0][2] = DEB  # single-choice option text containing a comma
    survey = read_survey(export(rows), codebook_path)
    assert counts(survey, "méthodes", backend="cpu").table.loc["kmeans", "count"] == 1
    assert counts(survey, "niveau", backend="cpu").table.loc["débutant", "count"] == 1


def test_row_with_too_many_fields(export, codebook_path) -> None:
    path = export()
    path.write_text(path.read_text(encoding="utf-8") + "a,b,c,d,e,f,g,h\n", encoding="utf-8")
    with pytest.raises(SurveyInputError, match=r"responses\.csv is not a readable CSV file"):
        read_survey(path, codebook_path)


def test_interpretations_from_ods(tmp_path, export, codebook_path) -> None:
    sidecar = tmp_path / "analyse_champs_libre.ods"
    pd.DataFrame({"respondent": [1, 2], "question": ["thèmes", "thèmes"],
                  "keyword": ["océan", "atmosphère"]}).to_excel(sidecar, index=False,
                                                                engine="odf")
    survey = read_survey(export(), codebook_path, interpretations=sidecar)
    assert survey.answers_to("thèmes").answered.tolist() == [True, True, False, False]


# Issue #14 (dates): a timestamp column has one format, decided from all its values.

def _stamped(stamps: list) -> list[list]:
    """MINI_ROWS with their timestamps replaced."""
    return [[stamp, *row[1:]] for stamp, row in zip(stamps, MINI_ROWS, strict=True)]


#: Days <= 12 only: a reader that swaps day and month gets every one of them wrong.
EARLY_DAYS = [pd.Timestamp("2020-05-03 10:00:00"), pd.Timestamp("2020-01-02 23:59:59"),
              pd.Timestamp("2020-12-11 09:30:00"), pd.Timestamp("2021-02-01 17:45:10")]


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_issue14_spreadsheet_date_cells_are_read_as_they_are(tmp_path, codebook_path,
                                                             suffix) -> None:
    rows = _stamped([t.to_pydatetime() for t in EARLY_DAYS])
    rows[1][5] = 5  # a number in a text column stays the text "5"
    path = tmp_path / f"responses{suffix}"
    pd.DataFrame(rows, columns=HEADER).to_excel(
        path, index=False, engine="openpyxl" if suffix == ".xlsx" else "odf")
    survey = read_survey(path, codebook_path)
    assert survey.timestamps.tolist() == EARLY_DAYS
    assert survey.report.warnings == ()
    assert survey.free_text["remarques"].iloc[1] == "5"


@pytest.mark.parametrize(
    ("stamps", "expected"),
    [
        # English Google Sheets: m/d/yyyy, a day above 12 in the second field in one row
        (["5/3/2020 10:00:00", "1/2/2020 23:59:59", "12/11/2020 9:30:00", "2/13/2021 17:45:10"],
         ["2020-05-03 10:00:00", "2020-01-02 23:59:59", "2020-12-11 09:30:00",
          "2021-02-13 17:45:10"]),
        # the same with AM/PM
        (["5/3/2020 10:00:00 AM", "1/2/2020 11:59:59 PM", "12/11/2020 9:30 AM",
          "2/13/2021 5:45:10 PM"],
         ["2020-05-03 10:00:00", "2020-01-02 23:59:59", "2020-12-11 09:30:00",
          "2021-02-13 17:45:10"]),
        # ISO, as Sheets writes it in an ISO locale, with and without seconds
        (["2020-05-03 10:00:00", "2020-01-02T23:59:59", "2020-12-11 09:30", "2021-02-01"],
         ["2020-05-03 10:00:00", "2020-01-02 23:59:59", "2020-12-11 09:30:00",
          "2021-02-01 00:00:00"]),
        # French Google Forms (and Excel re-saves without seconds), a day above 12 in one row
        (["03/05/2020 10:00:00", "02/01/2020 23:59:59", "11/12/2020 09:30", "13/02/2021 17:45"],
         ["2020-05-03 10:00:00", "2020-01-02 23:59:59", "2020-12-11 09:30:00",
          "2021-02-13 17:45:00"]),
    ],
    ids=["english", "english-am-pm", "iso", "french"],
)
def test_issue14_text_timestamps_in_each_format(export, codebook_path, stamps,
                                                expected) -> None:
    survey = read_survey(export(_stamped(stamps)), codebook_path)
    assert survey.timestamps.tolist() == [pd.Timestamp(t) for t in expected]
    assert survey.report.warnings == ()


def test_issue14_ambiguous_slash_dates_are_read_day_first_with_a_warning(export,
                                                                         codebook_path) -> None:
    stamps = ["03/05/2020 10:00:00", "02/01/2020 23:59:59", "11/12/2020 09:30:00",
              "01/02/2021 17:45:10"]
    survey = read_survey(export(_stamped(stamps)), codebook_path)
    assert survey.timestamps.tolist() == EARLY_DAYS
    [warning] = survey.report.warnings
    assert "column `date` of responses.csv are ambiguous" in warning
    assert "read as day/month/year" in warning


def test_issue14_unreadable_timestamp_is_a_warning_naming_its_row(export,
                                                                  codebook_path) -> None:
    rows = _stamped(["26/05/2020 10:00:00", "26/05/2020 11:00:00", "hier soir",
                     "28/05/2020 17:45:10"])
    rows.insert(1, [""] * len(HEADER))  # an empty row: the bad cell is on row 5 of the file
    survey = read_survey(export(rows), codebook_path)
    assert survey.n_respondents == 4
    assert survey.timestamps.isna().tolist() == [False, False, True, False]
    assert survey.timestamps.iloc[3] == pd.Timestamp("2020-05-28 17:45:10")
    [warning] = survey.report.warnings
    assert warning.startswith("1 timestamp(s) in column `date` of responses.csv could not be "
                              "read as dates and are left empty (row 5)")

# --- issue #14: "Autre" comes last; option texts joined by another separator ------------

OUTILS_CODEBOOK = """\
name = "outils"
title = "Outils"

[[columns]]
keyword = "labo"
header = "Laboratoire ?"
kind = "single"
options = ["LATMOS", "LMD"]

[[columns]]
keyword = "outils"
header = "Quels outils (plusieurs choix possibles) ?"
kind = "multiple"
options = [
  { keyword = "jupyter", text = "Jupyter Notebook" },
  { keyword = "spyder", text = "Spyder" },
  { keyword = "editeurs", text = "Editeurs de texte (Atom, Emacs, Vim, etc.)" },
]
"""
OUTILS = ["Jupyter Notebook", "Spyder", "Editeurs de texte (Atom, Emacs, Vim, etc.)"]
OUTILS_HEADER = ["Laboratoire ?", "Quels outils (plusieurs choix possibles) ?"]


def _outils(tmp_path, cells: list[str], labs: list[str] | None = None):
    """Write the `outils` codebook and an export with these `outils` cells."""
    codebook = tmp_path / "outils.toml"
    codebook.write_text(OUTILS_CODEBOOK, encoding="utf-8")
    labs = labs or ["LATMOS"] * len(cells)
    path = tmp_path / "responses.csv"
    path.write_text(csv_text([[lab, c] for lab, c in zip(labs, cells, strict=True)],
                             header=OUTILS_HEADER), encoding="utf-8")
    return path, codebook


def _ticked(survey: Survey, keyword: str) -> list[set[str]]:
    """Per kept respondent, the keywords (options and "other" texts) of their answer."""
    a = survey.answers_to(keyword)
    rows = a.cells[np.maximum(a.codes, 0)] * a.answered[:, None]
    return [{a.keywords[j] for j in np.flatnonzero(row)} for row in rows]


def _forms_export(others: list[str], resorted: bool = False
                  ) -> tuple[list[str], list[set[str]]]:
    """Every set of ticked options x every "Autre" text, written as Google Forms does
    (options in form order joined by ", ", the "Autre" text last), with the truth.
    ``resorted``: the "Autre" text first, then the options in reverse form order."""
    cells, truth = [], []
    keywords = ["jupyter", "spyder", "editeurs"]
    for mask in range(8):
        ticked = [i for i in range(3) if mask >> i & 1]
        for other in [None, *others]:
            if not ticked and other is None:
                continue
            parts = [OUTILS[i] for i in ticked] + ([other] if other else [])
            cells.append(", ".join(parts[::-1] if resorted else parts))
            truth.append({keywords[i] for i in ticked} | ({other} if other else set()))
    return cells, truth


def test_autre_comes_last_on_a_generated_google_forms_export(tmp_path) -> None:
    # "Autre" texts that hold option texts (one with ", " in it) after a ", ", and free
    # texts with other separators whose pieces are no options
    others = ["Emacs, Spyder", f"nano, {OUTILS[2]}", "Emacs", "R; Julia", "pen / paper",
              "notepad++"]
    cells, truth = _forms_export(others)
    survey = read_survey(*_outils(tmp_path, cells))
    assert _ticked(survey, "outils") == truth
    assert survey.report.warnings == ()
    assert {u.text for u in survey.report.unmatched} == set(others)


def test_autre_comes_last_jupyter_emacs_spyder(tmp_path) -> None:
    cells = ["Jupyter Notebook, Emacs, Spyder", "Jupyter Notebook, Spyder", "Emacs", "Spyder"]
    survey = read_survey(*_outils(tmp_path, cells))
    assert _ticked(survey, "outils") == [{"jupyter", "Emacs, Spyder"}, {"jupyter", "spyder"},
                                         {"Emacs"}, {"spyder"}]
    assert counts(survey, "outils", backend="cpu").table["count"].to_dict() == {
        "jupyter": 2, "spyder": 2, "editeurs": 0, "Emacs, Spyder": 1, "Emacs": 1}


def test_option_with_comma_after_free_text_is_autre(export, codebook_path) -> None:
    rows = [list(r) for r in MINI_ROWS]
    rows[1][3] = f"{KMEANS}, Gaussian Mixture Model, {FAC}"
    survey = read_survey(export(rows), codebook_path)
    assert _ticked(survey, "méthodes")[1] == {"kmeans", f"Gaussian Mixture Model, {FAC}"}
    assert survey.report.warnings == ()


def test_parse_choice_column_reads_autre_last(codebook_path) -> None:
    question = load_codebook(codebook_path).question("méthodes")
    answers = parse_choice_column(pd.Series([f"{MLP}, SOM", f"{MLP}, mon idée, SOM", ""]),
                                  question)
    assert answers.keywords == ("kmeans", "fac", "mlp", "som", "mon idée, SOM")
    assert answers.cells[answers.codes[:2]].tolist() == [[0, 0, 1, 1, 0], [0, 0, 1, 0, 1]]


def test_re_sorted_column_is_read_anywhere_with_a_warning(tmp_path) -> None:
    cells, truth = _forms_export(["Emacs", "nano"], resorted=True)
    survey = read_survey(*_outils(tmp_path, cells))
    assert _ticked(survey, "outils") == truth
    [warning] = survey.report.warnings
    assert warning.startswith("responses.csv: column `outils`: cells such as ")
    assert "out of codebook order" in warning and "not in Google Forms order" in warning


def test_free_text_first_in_most_cells_is_read_anywhere_with_a_warning(tmp_path) -> None:
    # options in form order, but free text sorted before them (no two options out of order)
    cells = ["Emacs, Jupyter Notebook", "nano, Spyder", "Vim, Jupyter Notebook, Spyder",
             "Jupyter Notebook", "Jupyter Notebook, vi"]
    survey = read_survey(*_outils(tmp_path, cells))
    assert _ticked(survey, "outils") == [{"Emacs", "jupyter"}, {"nano", "spyder"},
                                         {"Vim", "jupyter", "spyder"}, {"jupyter"},
                                         {"jupyter", "vi"}]
    [warning] = survey.report.warnings
    assert "`outils`: 3 of the 4 distinct cells holding free text have option texts" in warning


def test_re_sorted_column_warns_in_parse_choice_column(codebook_path, caplog) -> None:
    question = load_codebook(codebook_path).question("méthodes")
    answers = parse_choice_column(pd.Series([f"SOM, {MLP}"]), question)
    assert answers.cells.tolist() == [[0, 0, 1, 1]]
    assert "column `méthodes`: cells such as 'SOM, Perceptron" in caplog.text


@pytest.mark.parametrize(("joined", "shown"), [
    ("Jupyter Notebook;Spyder", "';'"),
    ("Jupyter Notebook ; Spyder", "';'"),
    ("Jupyter Notebook | Spyder", "'|'"),
    ("Jupyter Notebook / Spyder", "' / '"),
    ("Jupyter Notebook\nSpyder", r"'\\n'"),
    ("Jupyter Notebook,Spyder", "','"),
    (f"Spyder;{OUTILS[2]};Emacs", "';'"),
])
@pytest.mark.parametrize("errors", ["raise", "skip"])
def test_option_texts_joined_by_another_separator(tmp_path, joined, shown, errors) -> None:
    cells = ["Jupyter Notebook", joined, "Spyder"]
    with pytest.raises(SurveyInputError, match=(
            rf"responses\.csv: column `outils`: cells such as '.*' join option texts with "
            rf"{shown}, not ', '; set `separator = ")):
        read_survey(*_outils(tmp_path, cells), errors=errors)


@pytest.mark.parametrize("errors", ["raise", "skip"])
def test_single_choice_joined_by_another_separator(tmp_path, errors) -> None:
    path, codebook = _outils(tmp_path, ["Spyder", "Spyder"], labs=["LMD", "LATMOS;LMD"])
    with pytest.raises(SurveyInputError, match=r"column `labo`: cells such as 'LATMOS;LMD' "
                       "join option texts with ';'"):
        read_survey(path, codebook, errors=errors)


def test_separator_mismatch_raised_by_parse_choice_column(codebook_path) -> None:
    question = load_codebook(codebook_path).question("méthodes")
    with pytest.raises(SurveyInputError, match=r"column `méthodes`: cells such as "
                       r"'Perceptron Multi Couches \(MLP\); SOM' join option texts with ';'"):
        parse_choice_column(pd.Series([f"{KMEANS}, {FAC}", f"{MLP}; SOM"]), question)


def test_free_answers_with_other_separators_stay_free(tmp_path) -> None:
    cells = ["Jupyter Notebook, R; Julia", "R; Julia", "Spyder; Julia", "Emacs/Spyder",
             "Jupyter Notebook, pen / paper"]
    survey = read_survey(*_outils(tmp_path, cells))
    assert _ticked(survey, "outils") == [{"jupyter", "R; Julia"}, {"R; Julia"},
                                         {"Spyder; Julia"}, {"Emacs/Spyder"},
                                         {"jupyter", "pen / paper"}]

# --- personal data typed in answers (issue #14, 6) ------------------------------------------

def _rows_with_personal_data() -> list[list[str]]:
    rows = [list(r) for r in MINI_ROWS]
    rows[0][3] = f"{KMEANS}, écrivez-moi : carol.secret@example.org"  # "Autre" of a multiple
    rows[2][3] = rows[0][3]                                           # same cell, twice
    rows[3][5] = "appelez le 06 12 34 56 78 ou le +33 (0)6 12 34 56 79"  # free column
    return rows


def test_personal_data_typed_in_answers_is_replaced_and_counted(export, codebook_path) -> None:
    survey = read_survey(export(_rows_with_personal_data()), codebook_path)
    methods = survey.answers_to("méthodes")
    assert "écrivez-moi : [e-mail]" in methods.keywords
    assert survey.free_text["remarques"].tolist()[3] == "appelez le [téléphone] ou le [téléphone]"
    assert ("méthodes", "écrivez-moi : [e-mail]", 2) in [
        (u.question, u.text, u.count) for u in survey.report.unmatched]
    assert survey.report.personal_data_redacted == (("méthodes", 2), ("remarques", 2))
    assert "replaced by [e-mail] / [téléphone]: méthodes x2, remarques x2" in \
        survey.report.to_text()
    frame = survey.report.to_frame()
    assert frame.loc[frame["kind"] == "personal_data_redacted", "count"].tolist() == [2, 2]
    blob = pickle.dumps(survey)
    for secret in ("carol", "secret", "12 34 56"):
        assert secret.encode() not in blob and secret.encode("utf-16-le") not in blob
        assert secret not in survey.report.to_text()


def test_personal_data_never_in_error_messages_or_skipped_rows(export, codebook_path) -> None:
    rows = [list(r) for r in MINI_ROWS]
    rows[1][1] = "LMD, joindre dan.secret@example.org"  # single choice, no "other" allowed
    with pytest.raises(SurveyInputError, match=r"row 3, column `lab`") as info:
        read_survey(export(rows), codebook_path)
    assert "secret" not in str(info.value) and "[e-mail]" in str(info.value)
    survey = read_survey(export(rows), codebook_path, errors="skip")
    assert [s.row for s in survey.report.skipped] == [3]
    assert "secret" not in survey.report.to_text()
    assert survey.report.personal_data_redacted == ()  # only kept rows are counted


@pytest.mark.parametrize("text", [
    "Python 3.10", "2020-2021", "10 000 images", "1996-1999", "0.05", "p < 0.001",
    "doi:10.1029/2019GL085466", "https://doi.org/10.5194/gmd-13-1234567890", "01/02/2020",
    "version 1.2.3.4", "ISBN 978-2-07-036822-8", "300 000 000 points", "Python@GPU",
    "+1 000 000 images",
])
def test_numbers_that_are_not_phone_numbers_are_kept(export, codebook_path, text) -> None:
    rows = [list(r) for r in MINI_ROWS]
    rows[0][3] = f"{KMEANS}, {text}"
    rows[1][5] = f"sur {text}"
    survey = read_survey(export(rows), codebook_path)
    assert text in survey.answers_to("méthodes").keywords
    assert survey.free_text["remarques"].tolist()[1] == f"sur {text}"
    assert survey.report.personal_data_redacted == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("06 12 34 56 78", "[téléphone]"), ("06.12.34.56.78", "[téléphone]"),
    ("0612345678", "[téléphone]"), ("+33 6 12 34 56 78", "[téléphone]"),
    ("+33 (0)6 12 34 56 78", "[téléphone]"), ("0033 6 12 34 56 78", "[téléphone]"),
    ("+44 20 7946 0958", "[téléphone]"), ("+1 (555) 123-4567.", "[téléphone]."),
    ("tél. 01-44-27-00-00", "tél. [téléphone]"), ("jean.dupont@lsce.ipsl.fr", "[e-mail]"),
    ("Jean.Dupont (at) lsce.ipsl.fr", "[e-mail]"), ("moi: a_b+c@sub.univ-paris.fr, merci",
                                                    "moi: [e-mail], merci"),
])
def test_redact_personal_data(text, expected) -> None:
    from espri_gpu.redaction import redact_personal_data

    assert redact_personal_data(text) == (expected, 1)
