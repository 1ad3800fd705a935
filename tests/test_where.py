"""Survey.where and ``report --where``: subgroups of respondents, checked against a truth
computed on the generated data, and the filter recorded in the load report and summary.json."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import espri_gpu as eg
from espri_gpu import Survey, SurveyInputError
from espri_gpu.cli import main
from espri_gpu.survey import parse_where

from .test_cli import QUICK

LABS = ["LMD", "LSCE", "LATMOS", "LOCEAN"]
TOOLS = ["vim", "jupyter", "emacs"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(13)
    n = 300
    lab = rng.choice(LABS + [None], n, p=[0.3, 0.3, 0.2, 0.1, 0.1])
    tools = [None if rng.random() < 0.1 else [t for t in TOOLS if rng.random() < 0.4]
             for _ in range(n)]
    level = rng.choice(["débutant", "expert"], n)
    return pd.DataFrame({"lab": lab, "outils": tools, "niveau": level},
                        index=pd.Index([f"id{i:03d}" for i in rng.permutation(n)], name="id"))


@pytest.fixture(scope="module")
def survey(data) -> Survey:
    return Survey.from_frame(data, single=["lab", "niveau"], multiple=["outils"])


def _counts(survey: Survey, question: str) -> dict[str, int]:
    return eg.counts(survey, question, backend="cpu").table["count"].to_dict()


def test_dict_is_or_within_a_question_and_across_questions_and(data, survey) -> None:
    has = data["outils"].map(lambda v: v is not None and bool({"vim", "emacs"} & set(v)))
    truth = data["lab"].isin(["LMD", "LSCE"]) & has & (data["niveau"] == "expert")
    sub = survey.where({"lab": ["LMD", "LSCE"], "outils": ["vim", "emacs"],
                        "niveau": "expert"})
    assert sub.ids.equals(data.index[truth.to_numpy()])
    assert sub.n_respondents == truth.sum() > 0
    assert sub.report.filter == "lab=LMD,LSCE;outils=vim,emacs;niveau=expert"
    assert (sub.report.n_before_filter, sub.report.n_respondents) == (300, truth.sum())
    expected = Survey.from_frame(data[truth.to_numpy()], single=["lab", "niveau"],
                                 multiple=["outils"], options={
                                     q: list(survey.answers_to(q).keywords)
                                     for q in survey.questions})
    for q in survey.questions:
        assert _counts(sub, q) == _counts(expected, q)
        pd.testing.assert_frame_equal(eg.crosstab(sub, "lab", q), eg.crosstab(expected, "lab", q))
    assert _counts(sub, "lab")["LMD"] + _counts(sub, "lab")["LSCE"] == truth.sum()
    assert "filter: lab=LMD,LSCE;outils=vim,emacs;niveau=expert" in sub.report.to_text()


def test_string_form_and_option_texts_match_the_dict_form(survey) -> None:
    by_dict = survey.where({"lab": ["LMD", "LSCE"], "niveau": ["expert"]})
    by_text = survey.where("lab = lmd,LSCE ; niveau=Expert")     # lenient, as the CLI takes it
    assert by_text.ids.equals(by_dict.ids)
    assert by_text.report.filter == by_dict.report.filter == "lab=LMD,LSCE;niveau=expert"
    assert parse_where("lab=LMD,LSCE;niveau=expert") == {"lab": ["LMD,LSCE"],
                                                         "niveau": ["expert"]}


def test_masks_series_and_callables(data, survey) -> None:
    mask = (data["niveau"] == "expert").to_numpy()
    assert survey.where(mask).ids.equals(data.index[mask])
    shuffled = pd.Series(mask, index=data.index).sample(frac=1, random_state=0)
    assert survey.where(shuffled).ids.equals(data.index[mask])          # aligned on ids
    assert survey.where(list(mask)).n_respondents == mask.sum()
    by_callable = survey.where(lambda s: s.answers_to("niveau").codes == 1)
    assert by_callable.report.filter == f"mask ({by_callable.n_respondents} of 300)"
    nullable = pd.Series(mask, index=data.index, dtype="boolean")
    nullable.iloc[np.flatnonzero(mask)[0]] = pd.NA                      # NA is not kept
    assert survey.where(nullable).n_respondents == mask.sum() - 1


def test_chained_filters_and_what_follows_the_respondents(survey) -> None:
    once = survey.where({"lab": "LMD"})
    twice = once.where({"niveau": "expert"})
    assert twice.report.filter == "lab=LMD;niveau=expert"
    assert twice.report.n_before_filter == 300
    assert twice.ids.equals(survey.where({"lab": "LMD", "niveau": "expert"}).ids)
    assert len(twice.free_text) == twice.n_respondents
    assert twice.respondents.tolist() == sorted(twice.respondents.tolist())


def test_on_the_example_times_free_texts_and_other_answers_follow(tmp_path) -> None:
    s = eg.load_example()
    sub = s.where({"lab": "LSCE"})
    keep = eg.one_hot(s, "lab").to_frame()[("lab", "LSCE")].to_numpy() == 1
    assert sub.respondents.tolist() == s.respondents[keep].tolist()
    pd.testing.assert_series_equal(sub.timestamps, s.timestamps[keep].reset_index(drop=True))
    pd.testing.assert_frame_equal(sub.free_text, s.free_text[keep].reset_index(drop=True))
    others = [lv.keyword for lv in sub.answers_to("exec_plateformes").levels if lv.is_other]
    assert others == [u.text for u in sub.report.unmatched if u.question == "exec_plateformes"]
    assert "Cluster LSCE" in others and "cluster CPU du LISA" not in others
    assert sum(_counts(sub, "lab").values()) == 10
    eg.independence_test(sub, "compétence", "ml_méthodes", n_resamples=99, seed=0)


def test_errors_name_the_question_or_answer_and_list_the_valid_ones(survey) -> None:
    with pytest.raises(SurveyInputError, match=r"unknown question `labo`.*lab, outils, niveau"):
        survey.where({"labo": ["LMD"]})
    with pytest.raises(SurveyInputError,
                       match=r"'IPSL' is not an answer to `lab`; answers are: LATMOS, LMD"):
        survey.where("lab=IPSL")
    with pytest.raises(SurveyInputError, match=r"'lab' is not QUESTION=ANSWER"):
        survey.where("lab")
    with pytest.raises(SurveyInputError, match=r"leaves no respondent \(of 300\)"):
        survey.where(np.zeros(300, dtype=bool))
    with pytest.raises(SurveyInputError, match=r"shape \(3,\); expected \(300,\)"):
        survey.where(np.ones(3, dtype=bool))
    with pytest.raises(SurveyInputError, match="must be booleans"):
        survey.where(np.arange(300))
    with pytest.raises(SurveyInputError, match="index does not match"):
        survey.where(pd.Series(True, index=range(300)))


def test_report_where_end_to_end(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["report", "--out", str(out), "--backend", "cpu", *QUICK,
                 "--where", "lab=LMD,LSCE;compétence=autonome"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    s = eg.load_example().where({"lab": ["LMD", "LSCE"], "compétence": "autonome"})
    assert summary["filter"] == "lab=LMD,LSCE;compétence=autonome"
    assert summary["respondents_before_filter"] == 62
    assert summary["respondents"] == s.n_respondents < 20
    assert "filter: lab=LMD,LSCE;compétence=autonome" in (
        out / "load_report.txt").read_text(encoding="utf-8")
    lab = pd.read_csv(out / "counts" / "lab.csv", index_col=0)["count"]
    assert lab.sum() == s.n_respondents and set(lab[lab > 0].index) <= {"LMD", "LSCE"}
    capsys.readouterr()


@pytest.mark.parametrize("spec, message", [
    ("labo=LMD", "unknown question `labo`"),
    ("lab=Paris", "'Paris' is not an answer to `lab`"),
    ("lab=CEREA;compétence=autonome;gpu_projets=amd", "leaves no respondent"),
])
def test_report_bad_where_exits_2_with_one_line(tmp_path, capsys, spec, message) -> None:
    assert main(["report", "--out", str(tmp_path / "o"), "--backend", "cpu", *QUICK,
                 "--where", spec]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("espri_gpu: error:")]
    assert len(errors) == 1 and message in errors[0]
