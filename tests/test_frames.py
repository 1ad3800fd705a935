"""Survey.from_frame: every input shape, missing values, "answered, ticked none", and the
bundled example read from a DataFrame equal to the CSV path for every public function."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import espri_gpu as eg
from espri_gpu import Survey, SurveyInputError
from espri_gpu.codebook import load_codebook_text
from espri_gpu.example import example_path


def _counts(survey: Survey, question: str) -> dict[str, int]:
    return eg.counts(survey, question, backend="cpu").table["count"].to_dict()


# ----------------------------------------------------------------- single-choice columns


def test_single_choice_strings_numbers_and_missing_values() -> None:
    df = pd.DataFrame({"lab": ["LMD", None, "LSCE", "", "LMD", np.nan, "  "],
                       "note": [3, 1, np.nan, 3, 2, 1, pd.NA]})
    s = Survey.from_frame(df, single=["lab", "note"])
    lab = s.answers_to("lab")
    assert lab.keywords == ("LMD", "LSCE")                 # sorted distinct values
    assert lab.answered.tolist() == [True, False, True, False, True, False, False]
    assert _counts(s, "lab") == {"LMD": 2, "LSCE": 1}
    note = s.answers_to("note")
    assert note.keywords == ("1", "2", "3")                # numbers sorted as numbers, 3.0 -> "3"
    assert _counts(s, "note") == {"1": 2, "2": 1, "3": 2}
    assert s.n_respondents == 7 and s.report.file_format == "dataframe"
    assert not s.codebook.question("lab").ordered


def test_categoricals_keep_their_category_order_and_unused_categories() -> None:
    levels = ["jamais", "parfois", "souvent", "toujours"]   # not alphabetical
    values = ["toujours", "jamais", None, "toujours", "parfois"]
    df = pd.DataFrame({"likert": pd.Categorical(values, categories=levels, ordered=True),
                       "plain": pd.Categorical(values, categories=levels[::-1])})
    s = Survey.from_frame(df)
    table = eg.counts(s, "likert", backend="cpu").table
    assert list(table.index) == levels and table["count"].tolist() == [1, 1, 0, 2]
    assert s.codebook.question("likert").ordered
    assert list(eg.counts(s, "plain").table.index) == levels[::-1]
    assert not s.codebook.question("plain").ordered
    tab = eg.crosstab(s, "likert", "plain", backend="cpu")
    assert list(tab.index) == levels and list(tab.columns) == levels[::-1]


def test_ordered_scale_given_for_a_string_column() -> None:
    df = pd.DataFrame({"niveau": ["expert", "débutant", "moyen", "expert"]})
    s = Survey.from_frame(df, single=["niveau"],
                          ordered={"niveau": ["débutant", "moyen", "expert", "guru"]})
    assert s.codebook.question("niveau").ordered
    assert _counts(s, "niveau") == {"débutant": 1, "moyen": 1, "expert": 2, "guru": 0}
    assert list(eg.counts(s, "niveau").table.index) == ["débutant", "moyen", "expert", "guru"]
    with pytest.raises(SurveyInputError, match=r"row 0: 'expert' is not an option of "
                       r"`niveau`; options: débutant, moyen"):
        Survey.from_frame(df, single=["niveau"], ordered={"niveau": ["débutant", "moyen"]})


# ---------------------------------------------------------------- multiple-choice columns


def test_list_like_cells_missing_and_answered_none() -> None:
    df = pd.DataFrame({"langages": [["python", "r"], ("julia",), {"python"}, [], None,
                                    np.array(["r", "python"]), np.nan, ["python", "python"]]})
    s = Survey.from_frame(df)                                # inferred: list cells -> multiple
    a = s.answers_to("langages")
    assert s.codebook.question("langages").multiple
    assert a.keywords == ("julia", "python", "r")
    assert a.answered.tolist() == [True, True, True, True, False, True, False, True]
    x = eg.one_hot(s, "langages", backend="cpu")
    assert x.matrix.tolist() == [[0, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0],
                                 [0, 1, 1], [0, 0, 0], [0, 1, 0]]
    assert x.answered[:, 0].tolist() == a.answered.tolist()
    c = eg.counts(s, "langages")
    assert (c.n_answered, c.n_mentions) == (6, 7)           # [] answered, ticked none
    assert c.table.loc["python", "pct_of_respondents"] == pytest.approx(100 * 4 / 6)


def test_joined_strings_are_split_on_the_separator() -> None:
    df = pd.DataFrame({"outils": ["Vim;Jupyter", "", "Jupyter", None, "Emacs ; Vim"]})
    s = Survey.from_frame(df, multiple=["outils"], separator=";")
    assert _counts(s, "outils") == {"Emacs": 1, "Jupyter": 2, "Vim": 2}
    assert s.answers_to("outils").answered.tolist() == [True, False, True, False, True]
    assert s.codebook.question("outils").separator == ";"
    default = Survey.from_frame(df.assign(outils=df["outils"].str.replace(";", ", ")),
                                multiple=["outils"])
    assert _counts(default, "outils") == {"Emacs": 1, "Jupyter": 2, "Vim": 2}


def test_indicator_block_zeros_are_non_respondents_unless_answered() -> None:
    df = pd.DataFrame({"py": [1, 0, 0, 1, np.nan], "r": [True, False, False, False, False],
                       "julia": ["Yes", "", "0", "x", None], "fait": [True, True, False,
                                                                       True, False]})
    block = {"langages": ["py", "r", "julia"]}
    s = Survey.from_frame(df, multiple=block)
    a = s.answers_to("langages")
    assert a.keywords == ("py", "r", "julia")
    assert a.answered.tolist() == [True, False, False, True, False]
    assert eg.one_hot(s, "langages").matrix.tolist() == [[1, 1, 1], [0, 0, 0], [0, 0, 0],
                                                         [1, 0, 1], [0, 0, 0]]
    marked = Survey.from_frame(df, multiple=block, answered={"langages": "fait"})
    assert marked.answers_to("langages").answered.tolist() == [True, True, False, True, False]
    assert eg.counts(marked, "langages").n_answered == 3
    assert "fait" not in marked.questions                    # the mask column is no question
    q = marked.codebook.question("langages")
    assert q.layout == "columns" and [o.column for o in q.options] == ["py", "r", "julia"]
    assert load_codebook_text(marked.codebook.to_toml()).questions == marked.codebook.questions


def test_answered_mask_turns_missing_cells_into_answered_none_and_checks_conflicts() -> None:
    df = pd.DataFrame({"outils": [["vim"], None, None]})
    s = Survey.from_frame(df, multiple=["outils"], answered={"outils": [True, True, False]})
    assert s.answers_to("outils").answered.tolist() == [True, True, False]
    assert eg.counts(s, "outils").n_mentions == 1
    with pytest.raises(SurveyInputError, match=r"row 'b'.*`answered` says"):
        Survey.from_frame(pd.DataFrame({"o": [["x"], ["y"]]}, index=["a", "b"]),
                          multiple=["o"], answered={"o": np.array([True, False])})
    with pytest.raises(SurveyInputError, match="not a multiple-choice question"):
        Survey.from_frame(pd.DataFrame({"lab": ["a"]}), single=["lab"],
                          answered={"lab": [True]})


def test_mixed_shapes_and_identifiers_kept() -> None:
    ids = pd.Index(["r17", "r03", "r42"], name="id")
    df = pd.DataFrame({"lab": ["LMD", "LSCE", "LMD"], "langages": [["py"], ["r", "py"], []],
                       "py": [1, 0, 1], "r": [0, 1, 0]}, index=ids)
    s = Survey.from_frame(df, multiple={"bloc": ["py", "r"], "langages": None},
                          single=["lab"])
    assert s.questions == ("lab", "langages", "bloc")                  # in frame order
    assert s.ids.equals(ids) and s.index.equals(ids)
    assert s.respondents.tolist() == [1, 2, 3]
    assert eg.load_example().index.name == "row"               # a file: its data rows
    for cb in (s.codebook, load_codebook_text(s.codebook.to_toml())):   # the built codebook
        again = Survey.from_frame(df, cb)                                # reads the frame back
        for q in s.questions:
            assert _counts(again, q) == _counts(s, q)


def test_columns_not_named_are_read_unless_single_is_given() -> None:
    df = pd.DataFrame({"lab": ["LMD", "LSCE"], "l": [["a"], ["b", "c"]], "py": [1, 0],
                       "r": [0, 1], "ok": [True, True]})
    rest = Survey.from_frame(df, multiple={"bloc": ["py", "r"]}, answered={"bloc": "ok"})
    assert rest.questions == ("lab", "l", "bloc")
    assert rest.codebook.question("l").multiple and not rest.codebook.question("lab").multiple
    assert Survey.from_frame(df, single=["lab"], multiple=["l"]).questions == ("lab", "l")


def test_errors_name_the_argument_or_the_cell() -> None:
    df = pd.DataFrame({"lab": ["LMD", "LSCE"], "l": [["a"], ["b", "c"]]}, index=["x", "y"])
    with pytest.raises(SurveyInputError, match=r"`single` names column 'nope'.*'lab', 'l'"):
        Survey.from_frame(df, single=["nope"])
    with pytest.raises(SurveyInputError, match=r"'l' holds list-like cells.*`multiple=`"):
        Survey.from_frame(df, single=["l"])
    with pytest.raises(SurveyInputError, match=r"`ordered` names 'l'.*single-choice columns: lab"):
        Survey.from_frame(df, ordered=["l"])
    with pytest.raises(SurveyInputError, match="`lab` is named twice"):
        Survey.from_frame(df, single=["lab"], multiple=["lab"])
    with pytest.raises(SurveyInputError, match="must be a pandas DataFrame"):
        Survey.from_frame({"lab": ["LMD"]})
    with pytest.raises(SurveyInputError, match="no rows"):
        Survey.from_frame(df.iloc[:0])
    with pytest.raises(SurveyInputError, match="with `codebook`, the codebook describes"):
        Survey.from_frame(df, example_path("espri2020", "codebook.toml"), single=["lab"])


# ------------------------------------------------------------------------ with a codebook

CODEBOOK = """
[[columns]]
keyword = "lab"
header = "Votre laboratoire ?"
kind = "single"
required = true
options = ["LMD", "LSCE"]

[[columns]]
keyword = "niveau"
header = "Votre niveau ?"
kind = "single"
options = [{ keyword = "deb", text = "Je débute" }, { keyword = "exp", text = "Expert" }]

[[columns]]
keyword = "outils"
header = "Vos outils ?"
kind = "multiple"
options = [{ keyword = "jupyter", text = "Jupyter Notebook" }, { keyword = "vim", text = "Vim" }]

[[columns]]
keyword = "langages"
kind = "multiple"
layout = "columns"
options = [{ keyword = "python", text = "Python", column = "Q7_Part_1" },
           { keyword = "r", text = "R", column = "Q7_Part_2" }]

[[columns]]
keyword = "email"
header = "E-mail"
kind = "personal"

[[columns]]
keyword = "avis"
header = "Un avis ?"
kind = "free"
"""


def test_codebook_matches_headers_or_keywords_and_reads_cells_like_an_export() -> None:
    cb = load_codebook_text(CODEBOOK)
    df = pd.DataFrame({
        "lab": ["LMD", "lsce", "LMD", "LSCE"],                 # by keyword; text leniently
        "Votre niveau ?": pd.Categorical(["deb", "Je débute", None, "Expert"]),  # keyword/text
        "Vos outils ?": [["jupyter", "Vim"], [], None, ["Emacs", "écrire à a.b@lsce.fr"]],
        "Q7_Part_1": ["Python", "", "", "Python"], "Q7_Part_2": [None, "R", "", ""],
        "E-mail": ["a@b.fr", "", "", ""], "Un avis ?": ["écrire à a.b@lsce.fr", "", "ok", ""]})
    s = Survey.from_frame(df, cb)
    assert _counts(s, "lab") == {"LMD": 2, "LSCE": 2}
    assert _counts(s, "niveau") == {"deb": 2, "exp": 1}
    outils = s.answers_to("outils")
    assert outils.keywords == ("jupyter", "vim", "Emacs", "écrire à [e-mail]")
    assert outils.answered.tolist() == [True, True, False, True]
    assert _counts(s, "langages") == {"python": 2, "r": 1}
    assert s.answers_to("langages").answered.tolist() == [True, True, False, True]
    assert s.report.personal_columns_dropped == ("email",)
    assert s.free_text["avis"].tolist() == ["écrire à [e-mail]", "", "ok", ""]
    assert dict(s.report.personal_data_redacted) == {"outils": 1, "avis": 1}
    assert [u.text for u in s.report.unmatched] == ["Emacs", "écrire à [e-mail]"]
    joined = df.assign(**{"Vos outils ?": ["Jupyter Notebook, Vim", "", "",
                                           "Vim, écrire à a.b@lsce.fr"]})
    again = Survey.from_frame(joined, cb)
    assert _counts(again, "outils") == {"jupyter": 1, "vim": 2, "écrire à [e-mail]": 1}
    assert dict(again.report.personal_data_redacted) == {"outils": 1, "avis": 1}


def test_codebook_mismatches_and_bad_cells_are_one_sentence_errors() -> None:
    cb = load_codebook_text(CODEBOOK)
    df = pd.DataFrame({"lab": ["LMD", "LSCE"], "niveau": ["exp", None], "outils": ["", ""],
                       "Q7_Part_1": [1, 0],
                       "Q7_Part_2": [0, 0]}, index=["ana", "bo"])
    Survey.from_frame(df, cb)                                  # personal/free may be absent
    with pytest.raises(SurveyInputError, match=r"unknown column\(s\) 'age'.*kind = \"ignore\""):
        Survey.from_frame(df.assign(age=[30, 40]), cb)
    with pytest.raises(SurveyInputError, match=r"missing column\(s\) `lab`"):
        Survey.from_frame(df.drop(columns="lab"), cb)
    with pytest.raises(SurveyInputError,
                       match=r"DataFrame column 'lab', row 'bo': 'LOCEAN' is not an option"):
        Survey.from_frame(df.assign(lab=["LMD", "LOCEAN"]), cb)
    with pytest.raises(SurveyInputError, match=r"column 'lab', row 'ana': required"):
        Survey.from_frame(df.assign(lab=[None, "LMD"]), cb)


# ------------------------------------------------- the bundled example: DataFrame == CSV


@pytest.fixture(scope="module")
def csv_survey() -> Survey:
    return eg.load_example("espri2020")


def _example_from_frame(**read_csv) -> Survey:
    df = pd.read_csv(example_path("espri2020", "responses.csv"), **read_csv)
    return Survey.from_frame(df, example_path("espri2020", "codebook.toml"),
                             interpretations=example_path("espri2020", "interpretations.csv"))


@pytest.fixture(scope="module", params=["strings", "pandas-defaults"])
def frame_survey(request) -> Survey:
    """The example's CSV read by pandas: as strings ("" for blanks), or with NaN for blanks."""
    if request.param == "strings":
        return _example_from_frame(dtype=str, keep_default_na=False)
    return _example_from_frame()


PAIRS = [("lab", "compétence"), ("compétence", "ml_méthodes"), ("ml_méthodes", "ml_usages"),
         ("lab", "thème")]


def _same_everywhere(a: Survey, b: Survey, *, other_column: bool = True) -> None:
    assert a.questions == b.questions and a.n_respondents == b.n_respondents
    for q in a.questions:
        ta, tb = eg.counts(a, q, backend="cpu").table, eg.counts(b, q, backend="cpu").table
        if not other_column:
            ta, tb = ta.drop(columns="other"), tb.drop(columns="other")
        pd.testing.assert_frame_equal(ta, tb)
    xa, xb = eg.one_hot(a, list(a.questions)), eg.one_hot(b, list(b.questions))
    np.testing.assert_array_equal(xa.matrix, xb.matrix)
    np.testing.assert_array_equal(xa.answered, xb.answered)
    for p, q in PAIRS:
        pd.testing.assert_frame_equal(eg.crosstab(a, p, q), eg.crosstab(b, p, q))
        ra = eg.independence_test(a, p, q, n_resamples=199, seed=3, backend="cpu")
        rb = eg.independence_test(b, p, q, n_resamples=199, seed=3, backend="cpu")
        assert (ra.test, ra.pvalue, ra.statistic) == (rb.test, rb.pvalue, rb.statistic)
    ca, cb = eg.all_crosstabs(a, ["lab", "ml_usages"]), eg.all_crosstabs(b, ["lab", "ml_usages"])
    for key in ca:
        pd.testing.assert_frame_equal(ca[key], cb[key])
    questions = ["lab", "compétence", "ml_méthodes", "gpu_projets"]
    pd.testing.assert_frame_equal(
        eg.screen(a, questions, n_resamples=99, seed=1, backend="cpu").to_frame(),
        eg.screen(b, questions, n_resamples=99, seed=1, backend="cpu").to_frame())
    ga = eg.groups(a, ["ml_méthodes", "ml_usages"], seed=0, n_bootstrap=10, backend="cpu")
    gb = eg.groups(b, ["ml_méthodes", "ml_usages"], seed=0, n_bootstrap=10, backend="cpu")
    np.testing.assert_array_equal(ga.labels, gb.labels)
    pd.testing.assert_frame_equal(ga.to_frame(), gb.to_frame())
    assert ga.stability == gb.stability


def test_example_from_a_frame_equals_the_csv_path(csv_survey, frame_survey) -> None:
    _same_everywhere(frame_survey, csv_survey)
    assert frame_survey.report.unmatched == csv_survey.report.unmatched
    assert frame_survey.report.personal_columns_dropped == ("email", "commentaires")
    pd.testing.assert_series_equal(frame_survey.timestamps, csv_survey.timestamps)
    pd.testing.assert_frame_equal(frame_survey.free_text, csv_survey.free_text)


def test_example_rebuilt_without_codebook_equals_the_csv_path(csv_survey) -> None:
    """Categoricals of level keywords and lists of keywords, no codebook: same results."""
    columns = {}
    for q in csv_survey.questions:
        a = csv_survey.answers_to(q)
        ticked = a.cells[np.maximum(a.codes, 0)].astype(bool)
        if a.question.multiple:
            columns[q] = [[k for k, t in zip(a.keywords, row, strict=True) if t] if ok else None
                          for row, ok in zip(ticked, a.answered, strict=True)]
        else:
            picked = [a.keywords[int(np.argmax(row))] if ok else None
                      for row, ok in zip(ticked, a.answered, strict=True)]
            columns[q] = pd.Categorical(picked, categories=list(a.keywords))
    options = {q: list(csv_survey.answers_to(q).keywords) for q in csv_survey.questions
               if csv_survey.codebook.question(q).multiple}        # unticked options included
    frame = Survey.from_frame(pd.DataFrame(columns), options=options)
    assert [frame.codebook.question(q).multiple for q in frame.questions] == [
        csv_survey.codebook.question(q).multiple for q in csv_survey.questions]
    _same_everywhere(frame, csv_survey, other_column=False)


def test_run_report_takes_a_survey_from_a_frame(tmp_path) -> None:
    import io
    import json

    from espri_gpu.progress import Progress
    from espri_gpu.report import run_report

    quick = {"backend": "cpu", "pairs": "lab,compétence,ml_méthodes", "groups": "",
             "n_resamples": 99, "progress": Progress(io.StringIO())}
    frame_survey = _example_from_frame()
    r = run_report(frame_survey, out=tmp_path / "frame", **quick)
    run_report(out=tmp_path / "csv", **quick)
    assert r.n_respondents == 62
    for name in ("tests.csv", "counts/ml_méthodes.csv", "crosstabs/lab__ml_méthodes.csv"):
        assert (tmp_path / "frame" / name).read_bytes() == (tmp_path / "csv" / name).read_bytes()
    summary = json.loads((tmp_path / "frame" / "summary.json").read_text(encoding="utf-8"))
    assert summary["respondents"] == 62 and summary["inputs_sha256"] == {}
    with pytest.raises(SurveyInputError, match="already holds its codebook"):
        run_report(frame_survey, codebook=example_path("espri2020", "codebook.toml"),
                   out=tmp_path / "x")
