"""Drafting a codebook from an export: kinds, options, layouts, and the same counts as a person's
codebook (issue #13, item 1)."""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import espri_gpu
from espri_gpu import counts, read_survey
from espri_gpu.cli import main
from espri_gpu.codebook import load_codebook, load_codebook_text, normalize_text
from espri_gpu.drafting import draft_codebook, draft_codebook_toml, draft_from_frame
from espri_gpu.example import example_path
from espri_gpu.synthetic import synthetic_survey
from espri_gpu.synthetic_layouts import LAYOUTS, synthetic_export

EXAMPLE = example_path("espri2020", "responses.csv")


def _counts_by_text(survey, keyword: str) -> tuple[int, dict[str, int]]:
    """(respondents who answered, count per level text) of one question; zero rows dropped."""
    c = counts(survey, keyword)
    text = {o.keyword: o.text for o in survey.codebook.question(keyword).options}
    return int(c.n_answered), {normalize_text(text.get(k, k)): int(v)
                               for k, v in c.table["count"].items() if v > 0}


def _same_counts_as(export: Path, codebook) -> None:
    """Every question of ``codebook`` has the same counts (matched by option text) as the
    question of the drafted codebook that reads the same column."""
    hand = read_survey(export, codebook)
    drafted = draft_codebook(export)
    draft = read_survey(export, drafted)
    by_header = {normalize_text(c.header): c.keyword for c in drafted.columns}
    header = {c.keyword: c.header for c in codebook.columns}
    for question in codebook.questions:
        if question.interpreted:
            continue
        keyword = by_header[normalize_text(header[question.keyword])]
        assert _counts_by_text(draft, keyword) == _counts_by_text(hand, question.keyword), \
            question.keyword


def _frame_toml(columns: dict[str, list[str]]) -> dict:
    return tomllib.loads(draft_from_frame(pd.DataFrame(columns)))


def _entry(data: dict, header: str) -> dict:
    return next(c for c in data["columns"] if c.get("header") == header)


# --- acceptance: the bundled example and the synthetic exports ----------------------------------

def test_bundled_example_same_counts_as_the_handwritten_codebook() -> None:
    _same_counts_as(EXAMPLE, load_codebook(example_path("espri2020", "codebook.toml")))


def test_bundled_example_kinds_options_and_autre_answers() -> None:
    cb = draft_codebook(EXAMPLE)
    def kind(start: str) -> str:
        return next(c.kind for c in cb.columns if c.header.startswith(start))

    assert kind("Horodateur") == "timestamp"
    assert kind("Si vous souhaitez être contacté") == "personal"
    assert kind("Quels sont vos thèmes scientifiques") == "free"
    assert kind("A quel laboratoire") == "single"
    assert sum(c.kind == "multiple" for c in cb.columns) == 6
    methods = next(q for q in cb.questions if q.label.startswith("Quelles méthodes ML"))
    texts = [o.text for o in methods.options]
    # option texts holding ", " kept whole; the order of the cells (the form's) kept
    assert texts[:2] == ["K-Nearest Neighbour, Kmeans et variantes",
                         "Classification Ascendante/Descendante Hiérarchique (CAH et CDH)"]
    assert "Méthodes factorielles (EOF, ACP, AFC, ACM, AFDM, AFM, etc.)" in texts
    # answers of one respondent, last in their cell: 'Autre' texts, not options
    assert methods.other and "Shallow Neural Network" not in texts
    assert "processus gaussiens, krigeage" not in texts
    tools = next(q for q in cb.questions if q.label.startswith("Quels outils"))
    # 'Eclipse' (one respondent) comes before another option: an option, not an 'Autre' text
    assert "Eclipse" in [o.text for o in tools.options]
    assert "Netbeans" not in [o.text for o in tools.options]


def test_bundled_example_draft_comments() -> None:
    text = draft_codebook_toml(EXAMPLE)
    assert text.startswith("# Codebook DRAFTED by espri_gpu from responses.csv (62 respondents)")
    assert f"python -m espri_gpu report {EXAMPLE} --codebook codebook.toml" in text
    assert '{ keyword = "latmos", text = "LATMOS" },  # 25 respondents' in text
    assert "# 1 respondent\n" in text
    assert "are read as 'Autre' texts: 'Shallow Neural Network'" in text
    # a ", " outside brackets is flagged; inside brackets it is certain
    line = next(s for s in text.splitlines() if '"K-Nearest Neighbour, Kmeans' in s)
    assert "CHECK: one option whose text holds ','" in line
    line = next(s for s in text.splitlines() if '"Méthodes factorielles (EOF' in s)
    assert "CHECK" not in line
    assert "@example.org" not in text


@pytest.mark.parametrize("n,seed", [(30, 0), (62, 1), (500, 2)])
def test_synthetic_forms_export_same_counts(tmp_path, n, seed) -> None:
    cb = load_codebook(example_path("espri2020", "codebook.toml"))
    path = tmp_path / "export.csv"
    synthetic_survey(cb, n, seed=seed).to_csv(str(path))
    _same_counts_as(path, cb)


def _truth_counts(truth) -> tuple[int, list[int]]:
    return int(truth.answered.sum()), sorted(int(v) for v in truth.matrix.sum(axis=0) if v)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_synthetic_layouts_same_counts_as_the_truth(tmp_path, layout) -> None:
    export = synthetic_export(150, layout=layout, seed=4)
    path = export.write(tmp_path)
    (tmp_path / "codebook.toml").unlink()
    cb = draft_codebook(path)
    survey = read_survey(path, cb)
    drafted = {q.keyword: _counts_by_text(survey, q.keyword) for q in cb.questions}
    person = load_codebook_text(export.codebook_toml)
    for keyword, truth in export.truth.items():
        answered = int(truth.answered.sum())
        want = {normalize_text(t): int(v) for t, v in zip(truth.texts, truth.matrix.sum(axis=0),
                                                          strict=True) if v}
        if layout.startswith("limesurvey") and person.question(keyword).layout == "columns":
            # the export holds Y/1 ticks, no option text: the draft names options by column
            question = person.question(keyword)
            text = {o.column: o.text for o in question.options}
            found = [q for q in cb.questions if q.layout == "columns" and {
                o.column for o in q.options} == set(text)]
            assert len(found) == 1, keyword
            got_answered, got = drafted[found[0].keyword]
            got = {normalize_text(text.get(o.column, o.text)): got.get(normalize_text(o.text), 0)
                   for o in found[0].options} | {k: v for k, v in got.items()
                                                 if k not in {normalize_text(o.text) for o in
                                                              found[0].options}}
            assert (got_answered, {k: v for k, v in got.items() if v}) == (answered, want)
        else:
            assert (answered, want) in drafted.values(), keyword
    kinds = {q.grid for q in cb.questions}
    assert (layout in ("forms-grid", "limesurvey", "limesurvey-01")) == (kinds != {None})


def test_synthetic_layout_kinds(tmp_path) -> None:
    typeform = tomllib.loads(draft_codebook_toml(synthetic_export(80, layout="typeform")
                                                 .write(tmp_path / "t")))
    assert typeform["header_rows"] == 2
    tools = next(c for c in typeform["columns"] if c.get("layout") == "columns"
                 and c["label"] == "Quels outils utilisez-vous ?")
    assert [o["text"] for o in tools["options"]][3] == "Editeurs (Vim, Emacs)"
    assert tools["other_column"] == "Quels outils utilisez-vous ? [Other]"
    usages = next(c for c in typeform["columns"] if c.get("label") == "Pour quels usages ?")
    assert [o.get("none", False) for o in usages["options"]] == [False, False, False, True]
    kinds = {c["header"]: c["kind"] for c in typeform["columns"] if "header" in c}
    assert kinds["Submit Date (UTC)"] == "timestamp" and kinds["Start Date (UTC)"] == "ignore"
    assert kinds["#"] == "ignore" and kinds["Adresse e-mail"] == "personal"

    semicolon = tomllib.loads(draft_codebook_toml(synthetic_export(
        80, layout="forms-semicolon").write(tmp_path / "s")))
    assert semicolon["separator"] == ";"
    grid = tomllib.loads(draft_codebook_toml(synthetic_export(
        80, layout="forms-grid").write(tmp_path / "g")))
    entry = next(c for c in grid["columns"] if c["kind"] == "grid")
    assert entry["header"] == "Êtes-vous satisfait·e de" and entry["ordered"] is True
    assert [o["text"] for o in entry["options"]] == ["Pas du tout", "Un peu", "Beaucoup"]
    assert [r["text"] for r in entry["rows"]] == ["Moyens de calcul", "Stockage", "Formation"]
    resaved = tomllib.loads(draft_codebook_toml(synthetic_export(
        80, layout="r-resaved").write(tmp_path / "r")))
    assert resaved["columns"][0] == {"header": "", "kind": "ignore"} | {
        k: v for k, v in resaved["columns"][0].items() if k == "keyword"}


# --- kinds, column by column ------------------------------------------------------------------

def test_keywords_are_short_ascii_and_unique() -> None:
    data = _frame_toml({
        "Quel est votre degré de compétences en Machine Learning ?": ["a", "b"] * 10,
        "Quel est votre degré de compétences en Machine Learning (bis) ?": ["a", "b"] * 10,
        "Êtes-vous rattaché·e à l'œuvre ?": ["x", "y"] * 10,
        "???": ["x", "y"] * 10})
    keywords = [c["keyword"] for c in data["columns"]]
    assert keywords == ["degre_competences", "degre_competences_2", "rattachee_oeuvre",
                        "colonne_4"]
    assert all(len(k) <= 20 and k.isascii() for k in keywords)


def test_timestamps_by_header_and_by_values() -> None:
    n = 12
    data = _frame_toml({
        "Timestamp": [f"5/{d}/2020 14:03:12" for d in range(1, n + 1)],
        "Quand ?": [f"2020-06-{d:02d} 10:00:00" for d in range(1, n + 1)],
        "Date": ["2020-06-01"] * n})
    kinds = [c["kind"] for c in data["columns"]]
    # one submission time: the one named so; the other dates are left unread
    assert kinds == ["timestamp", "ignore", "ignore"]


def test_personal_by_values_and_by_header() -> None:
    n = 12
    data = _frame_toml({
        "Contact": [f"p{i}@lab.fr" if i % 2 else "" for i in range(n)],
        "Téléphone": [f"06 12 34 56 {i:02d}" for i in range(n)],
        "Nom": [f"Nom{i}" for i in range(n)],
        "Prénom (optionnel)": [f"Prénom{i}" for i in range(n)],
        "Nombre de projets": ["1", "2", "3", "2"] * 3,
        "Votre nom d'équipe": ["A", "B"] * 6})
    kinds = {c["header"]: c["kind"] for c in data["columns"]}
    assert kinds == {"Contact": "personal", "Téléphone": "personal", "Nom": "personal",
                     "Prénom (optionnel)": "personal", "Nombre de projets": "single",
                     "Votre nom d'équipe": "single"}
    assert "@lab.fr" not in draft_from_frame(pd.DataFrame({"Contact": ["p@lab.fr"] * 3}))


def test_ignored_columns_row_numbers_and_empty_header(tmp_path) -> None:
    path = tmp_path / "resaved.csv"
    rows = [["", "Labo"]] + [[str(i), lab] for i, lab in enumerate(["LMD", "LSCE"] * 5, 1)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    data = tomllib.loads(draft_codebook_toml(path))
    assert data["columns"][0]["kind"] == "ignore" and data["columns"][0]["header"] == ""
    frame = pd.DataFrame({"n": [str(i) for i in range(1, 21)], "Labo": ["LMD", "LSCE"] * 10})
    assert tomllib.loads(draft_from_frame(frame))["columns"][0]["kind"] == "ignore"
    cb = draft_codebook(path)
    assert read_survey(path, cb).n_respondents == 10


def test_single_free_and_numbers() -> None:
    n = 40
    rng = np.random.default_rng(0)
    data = _frame_toml({
        "Labo": list(rng.choice(["LMD", "LSCE", "LATMOS"], n)),
        "Remarques": [f"Remarque numéro {i}, sans suite" for i in range(n)],
        "Note (1 à 5)": [str(v) for v in rng.integers(1, 6, n)],
        "Âge": [str(v) for v in rng.integers(20, 65, n)],
        "Projet": ["Une ligne\net une autre", "Court"] * (n // 2)})
    labo, remarks, note, age, project = data["columns"]
    assert labo["kind"] == "single" and "ordered" not in labo
    assert remarks["kind"] == "free" and project["kind"] == "free"
    assert note["kind"] == "single" and note["ordered"] is True
    assert [o["text"] for o in note["options"]] == ["1", "2", "3", "4", "5"]
    assert age["kind"] == "free"
    assert "CHECK: numbers" in draft_from_frame(pd.DataFrame({"Âge": [str(v) for v in range(
        20, 60)]}))


@pytest.mark.parametrize("values,order", [
    (["Souvent", "Jamais", "Toujours", "Parfois"], ["Jamais", "Parfois", "Souvent", "Toujours"]),
    (["Beaucoup", "Pas du tout", "Moyennement", "Un peu"],
     ["Pas du tout", "Un peu", "Moyennement", "Beaucoup"]),
    (["Expert·e", "Débutant·e", "Avancé·e", "Intermédiaire"],
     ["Débutant·e", "Intermédiaire", "Avancé·e", "Expert·e"]),
    (["Agree", "Strongly disagree", "Neutral", "Strongly agree", "Disagree"],
     ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]),
    (["5 - Tout à fait", "1 - Pas du tout", "3", "2", "4"],
     ["1 - Pas du tout", "2", "3", "4", "5 - Tout à fait"]),
    (["10", "9", "2", "0"], ["0", "2", "9", "10"]),
])
def test_scales_in_scale_order(values, order) -> None:
    cells = [v for i, v in enumerate(values) for _ in range(i + 2)]
    entry = _frame_toml({"Q ?": cells})["columns"][0]
    assert entry["kind"] == "single" and entry["ordered"] is True
    assert [o["text"] for o in entry["options"]] == order


def test_other_options_by_frequency() -> None:
    entry = _frame_toml({"Q ?": ["b"] * 3 + ["a"] * 5 + ["c"] * 3})["columns"][0]
    assert "ordered" not in entry and [o["text"] for o in entry["options"]] == ["a", "b", "c"]


# --- multiple choice --------------------------------------------------------------------------

def test_multiple_choice_with_a_separator_inside_an_option_text() -> None:
    # "Editeurs (Vim, Emacs)" holds ", " inside brackets; "A, B" is always written whole
    cells = ["Python, Editeurs (Vim, Emacs)", "Python", "Editeurs (Vim, Emacs)",
             "Python, Jupyter", "Jupyter", "Editeurs (Vim, Emacs), Jupyter",
             "A, B", "A, B, Jupyter", "Python, A, B"] * 3
    entry = _frame_toml({"Outils ?": cells})["columns"][0]
    assert entry["kind"] == "multiple" and "separator" not in entry
    texts = [o["text"] for o in entry["options"]]
    # in an order the cells agree with (Python first, Jupyter last), each text whole
    assert texts[0] == "Python" and texts[-1] == "Jupyter"
    assert set(texts) == {"Python", "Editeurs (Vim, Emacs)", "A, B", "Jupyter"}
    text = draft_from_frame(pd.DataFrame({"Outils ?": cells}))
    assert "CHECK: one option whose text holds ','" in next(
        s for s in text.splitlines() if '"A, B"' in s)


def test_multiple_choice_joined_with_semicolons() -> None:
    cells = ["Python;R", "Python", "R", "Julia;Python", "Python;R;Julia", "Julia"] * 4
    data = _frame_toml({"Langages ?": cells, "Labo": ["LMD", "LSCE"] * 12})
    assert data["separator"] == ";"
    entry = data["columns"][0]
    assert entry["kind"] == "multiple" and {o["text"] for o in entry["options"]} == {
        "Python", "R", "Julia"}


def test_rare_last_answers_are_autre_texts(tmp_path) -> None:
    cells = (["Python, R", "Python", "R", "Python, Julia", "Julia"] * 4
             + ["Python, Fortran, C++", "R, mon propre code", "perl", "Julia, me@lab.fr"])
    text = draft_from_frame(pd.DataFrame({"Langages (plusieurs choix possibles) ?": cells}))
    entry = tomllib.loads(text)["columns"][0]
    assert entry["other"] is True
    assert [o["text"] for o in entry["options"]][0] == "Python"
    assert {o["text"] for o in entry["options"]} == {"Python", "R", "Julia"}
    assert "'Fortran, C++'" in text and "'mon propre code'" in text and "'perl'" in text
    assert "me@lab.fr" not in text  # personal data typed in an 'Autre' box is never shown
    path = tmp_path / "export.csv"
    pd.DataFrame({"Langages (plusieurs choix possibles) ?": cells}).to_csv(path, index=False)
    survey = read_survey(path, draft_codebook(path))
    assert _counts_by_text(survey, survey.codebook.questions[0].keyword) == (24, {
        "python": 13, "r": 9, "julia": 9, "fortran, c++": 1, "mon propre code": 1, "perl": 1,
        "[e-mail]": 1})


def test_multiple_choice_by_header_alone() -> None:
    cells = ["Oui, souvent", "Non"] * 6
    entry = _frame_toml({"Vos usages (plusieurs choix possibles) ?": cells})["columns"][0]
    assert entry["kind"] == "multiple"


# --- layouts ----------------------------------------------------------------------------------

def test_grid_columns_sharing_a_stem() -> None:
    scale = ["Pas du tout", "Un peu", "Beaucoup"]
    rng = np.random.default_rng(1)
    data = _frame_toml({f"Satisfait·e de [{row}]": list(rng.choice(scale, 30))
                        for row in ("Calcul", "Stockage")} | {"Labo": ["LMD"] * 29 + ["LSCE"]})
    grid = data["columns"][0]
    assert grid["kind"] == "grid" and grid["header"] == "Satisfait·e de"
    assert grid["ordered"] is True and [o["text"] for o in grid["options"]] == scale
    assert grid["rows"] == [{"keyword": "calcul", "text": "Calcul"},
                            {"keyword": "stockage", "text": "Stockage"}]


@pytest.mark.parametrize("names,ticked,unticked", [
    (["Q1[SQ001]", "Q1[SQ002]", "Q1[SQ003]"], "Y", ""),
    (["Q7_1", "Q7_2", "Q7_3"], "1", "0"),
])
def test_one_column_per_option_with_codes(names, ticked, unticked) -> None:
    rng = np.random.default_rng(2)
    ticks = rng.random((30, 3)) < 0.5
    data = _frame_toml({name: [ticked if t else unticked for t in ticks[:, j]]
                        for j, name in enumerate(names)})
    entry = data["columns"][0]
    assert entry["layout"] == "columns" and entry["kind"] == "multiple"
    assert [o["column"] for o in entry["options"]] == names
    assert [o["text"] for o in entry["options"]] == [n.split("[")[-1].strip("]").split("_")[-1]
                                                      for n in names]
    assert "CHECK: the option texts are the column codes" in draft_from_frame(pd.DataFrame(
        {name: [ticked if t else unticked for t in ticks[:, j]]
         for j, name in enumerate(names)}))


def test_kaggle_columns_named_by_their_option_text(tmp_path) -> None:
    frame = pd.DataFrame({"Q7_Part_1": ["Python", "", "Python", ""] * 5,
                          "Q7_Part_2": ["R", "R", "", ""] * 5,
                          "Q7_OTHER_TEXT": ["", "", "", "Perl"] + [""] * 16})
    entry = tomllib.loads(draft_from_frame(frame))["columns"][0]
    assert [(o["text"], o["column"]) for o in entry["options"]] == [
        ("Python", "Q7_Part_1"), ("R", "Q7_Part_2")]
    assert entry["other_column"] == "Q7_OTHER_TEXT" and entry["other"] is True
    path = tmp_path / "kaggle.csv"
    frame.to_csv(path, index=False)
    survey = read_survey(path, draft_codebook(path))
    assert _counts_by_text(survey, survey.codebook.questions[0].keyword) == (
        16, {"python": 10, "r": 10, "perl": 1})


def test_typeform_second_header_row_detected(tmp_path) -> None:
    rows = [["Horodateur", "Labo", "Langages ?", "Langages ?", "Langages ?"],
            ["", "", "Python", "R", "Aucun"]]
    rng = np.random.default_rng(3)
    for i in range(20):
        picks = rng.random(2) < 0.5
        rows.append([f"2020-05-{i + 1:02d} 10:00:00", ["LMD", "LSCE"][i % 2],
                     "Python" if picks[0] else "", "R" if picks[1] else "",
                     "" if picks.any() else "Aucun"])
    path = tmp_path / "typeform.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    text = draft_codebook_toml(path)
    data = tomllib.loads(text)
    assert data["header_rows"] == 2
    entry = data["columns"][2]
    assert [(o["text"], o.get("none", False)) for o in entry["options"]] == [
        ("Python", False), ("R", False), ("Aucun", True)]
    survey = read_survey(path, draft_codebook(path))
    assert survey.n_respondents == 20
    assert _counts_by_text(survey, entry["keyword"])[0] == 20


def test_second_header_row_not_seen_in_ordinary_exports() -> None:
    frame = pd.DataFrame({"Labo": ["LMD", "LSCE", "LMD", "LSCE"],
                          "Niveau": ["Expert", "Débutant", "Expert", "Débutant"],
                          "Remarques": ["a", "b", "c", "d"]})
    assert "header_rows" not in tomllib.loads(draft_from_frame(frame))


def test_toml_escapes_headers_and_texts() -> None:
    header = 'Un "titre" \\ avec\ttab'
    data = _frame_toml({header: ['Oui "vraiment"', "Non"] * 5})
    assert data["columns"][0]["header"] == header
    assert {o["text"] for o in data["columns"][0]["options"]} == {'Oui "vraiment"', "Non"}


def test_draft_codebook_is_exported() -> None:
    assert "draft_codebook" in espri_gpu.__all__
    assert espri_gpu.draft_codebook is draft_codebook


# --- command line -----------------------------------------------------------------------------

def test_cli_codebook_writes_refuses_to_overwrite_and_prints(tmp_path, capsys) -> None:
    out = tmp_path / "cb.toml"
    assert main(["codebook", str(EXAMPLE), "-o", str(out)]) == 0
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and f"drafted {out}" in line
    assert f"python -m espri_gpu report {EXAMPLE} --codebook {out}" in line
    assert load_codebook(out).columns
    out.write_text("# edited\n", encoding="utf-8")
    assert main(["codebook", str(EXAMPLE), "-o", str(out)]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "# edited\n"
    assert main(["codebook", str(EXAMPLE), "-o", str(out), "--force"]) == 0
    capsys.readouterr()
    assert main(["codebook", str(EXAMPLE), "-o", "-"]) == 0
    assert capsys.readouterr().out == draft_codebook_toml(EXAMPLE, output="-")
    assert main(["codebook", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("espri_gpu: error:") and err.count("\n") == 1


QUICK = ["--groups", "", "--resamples", "99", "--backend", "cpu"]


def test_report_without_codebook_drafts_one(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["report", str(EXAMPLE), "--out", str(out), *QUICK]) == 0
    printed = capsys.readouterr().out
    drafted = out / "codebook.toml"
    assert drafted.read_text(encoding="utf-8") == draft_codebook_toml(EXAMPLE,
                                                                      output=str(drafted))
    line = printed.splitlines()[-1]
    assert line.startswith(f"no --codebook given: drafted and used {drafted}")
    assert f"--codebook {drafted}" in line
    assert (out / "counts" / "laboratoire.csv").is_file()
    summary = (out / "summary.json").read_text(encoding="utf-8")
    assert '"codebook_drafted": true' in summary
    # the same command again: the same draft, used again
    assert main(["report", str(EXAMPLE), "--out", str(out), *QUICK]) == 0
    capsys.readouterr()
    # edited, then used with --codebook: kept (never removed as a stale output)
    drafted.write_text(drafted.read_text(encoding="utf-8").replace(
        'label = "A quel laboratoire êtes vous rattaché·e ?"', 'label = "Labo"'),
        encoding="utf-8")
    assert main(["report", str(EXAMPLE), "--codebook", str(drafted), "--out", str(out),
                 *QUICK]) == 0
    assert 'label = "Labo"' in drafted.read_text(encoding="utf-8")
    # without --codebook, an edited draft is never overwritten
    assert main(["report", str(EXAMPLE), "--out", str(out), *QUICK]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("espri_gpu: error:") and "already exists and differs from a new" in err
    assert 'label = "Labo"' in drafted.read_text(encoding="utf-8")


def test_report_without_codebook_keeps_personal_data_out(tmp_path) -> None:
    out = tmp_path / "out"
    assert main(["report", str(EXAMPLE), "--out", str(out), *QUICK]) == 0
    for path in out.rglob("*"):
        if path.is_file():
            assert b"@example.org" not in path.read_bytes(), path


@pytest.mark.parametrize("layout", [pytest.param(layout, marks=pytest.mark.slow)
                                    if layout not in ("forms", "typeform") else layout
                                    for layout in LAYOUTS])
def test_report_without_codebook_on_each_layout(tmp_path, capsys, layout) -> None:
    path = synthetic_export(60, layout=layout, seed=5).write(tmp_path / "in")
    (tmp_path / "in" / "codebook.toml").unlink()
    out = tmp_path / "out"
    assert main(["report", str(path), "--out", str(out), *QUICK]) == 0, capsys.readouterr().err
    assert (out / "codebook.toml").is_file() and (out / "report.html").is_file()
    assert "drafted and used" in capsys.readouterr().out


def test_draft_is_deterministic() -> None:
    frame = pd.DataFrame({"Q ?": ["a, b", "b", "a", "c"] * 5})
    assert draft_from_frame(frame) == draft_from_frame(frame.sample(frac=1, random_state=1)
                                                       .reset_index(drop=True))
    assert draft_codebook_toml(EXAMPLE) == draft_codebook_toml(EXAMPLE)


def test_draft_text_io_roundtrip_through_the_codebook_model() -> None:
    cb = draft_codebook(EXAMPLE)
    assert load_codebook_text(cb.to_toml()).questions == cb.questions
    assert io.StringIO(draft_codebook_toml(EXAMPLE)).read().count("CHECK:") >= 3


def test_single_choice_with_many_autre_answers(tmp_path) -> None:
    rng = np.random.default_rng(6)
    cells = list(rng.choice(["LMD", "LSCE", "LATMOS"], 100)) + [f"Labo n°{i}" for i in range(35)]
    text = draft_from_frame(pd.DataFrame({"Labo ?": cells}))
    entry = tomllib.loads(text)["columns"][0]
    assert entry["kind"] == "single" and entry["other"] is True
    assert {o["text"] for o in entry["options"]} == {"LMD", "LSCE", "LATMOS"}
    assert "CHECK: 35 answers given by one respondent each are read as 'Autre' texts" in text
    path = tmp_path / "export.csv"
    pd.DataFrame({"Labo ?": cells}).to_csv(path, index=False)
    survey = read_survey(path, draft_codebook(path))
    answered, got = _counts_by_text(survey, survey.codebook.questions[0].keyword)
    assert answered == 135 and got["labo n°7"] == 1 and sum(got.values()) == 135
