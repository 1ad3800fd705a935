"""Codebook loading and validation."""

from __future__ import annotations

import pytest

from espri_gpu import CodebookError, SurveyInputError, load_codebook
from espri_gpu.codebook import load_codebook_text
from espri_gpu.example import example_path

from .conftest import MINI_CODEBOOK


def _write(tmp_path, text: str):
    path = tmp_path / "cb.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_mini_codebook_loads(codebook_path) -> None:
    cb = load_codebook(codebook_path)
    assert cb.name == "mini"
    assert [c.kind for c in cb.columns] == ["timestamp", "single", "single", "multiple",
                                            "personal", "free"]
    assert cb.question_keywords == ("lab", "niveau", "méthodes", "thèmes")
    lab, niveau, methods, themes = cb.questions
    assert lab.required and not lab.other and not lab.multiple
    assert methods.other and methods.multiple  # multiple choice takes "other" by default
    assert themes.interpreted and themes.source == "remarques" and not themes.other
    assert niveau.options[0].text == "Je débute, mais j'apprends"


def test_unknown_question_lists_valid_ones(codebook_path) -> None:
    cb = load_codebook(codebook_path)
    with pytest.raises(SurveyInputError, match=r"unknown question `labo`.*lab, niveau, méthodes"):
        cb.question("labo")
    with pytest.raises(SurveyInputError, match=r"`email` \(a personal column, not a question\)"):
        cb.question("email")
    assert cb.question("METHODES").keyword == "méthodes"  # lenient on case and accents


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "multiple"', 'kind = "plusieurs"',
         r"entry 4 \('méthodes'\): unknown kind 'plusieurs'; expected one of single, multiple"),
        ('keyword = "niveau"', 'keyword = "lab"', r"duplicate column keyword 'lab'"),
        ('{ keyword = "som", text = "SOM" }', '{ keyword = "som", text = "Perceptron Multi '
         'Couches (MLP)" }', r"duplicate option text 'Perceptron Multi Couches \(MLP\)'"),
        ('{ keyword = "som", text = "SOM" }', '{ keyword = "mlp", text = "SOM" }',
         r"duplicate option keyword 'mlp'"),
        ('required = true', 'requird = true', r"unknown key\(s\) \['requird'\]"),
        ('source = "remarques"', 'source = "lab"', r"`source` 'lab' is not a free column"),
        ('header = "Votre email"', 'header = ""', r"`header` must be a non-empty string"),
        ('title = "Mini survey"', 'title = "Mini survey', r"is not valid TOML"),
        ('[[interpretations]]\nkeyword = "thèmes"', '[[interpretations]]\nkeyword = "lab"',
         r"duplicate question keyword 'lab'"),
    ],
)
def test_codebook_errors_name_the_entry(tmp_path, old, new, message) -> None:
    assert old in MINI_CODEBOOK
    with pytest.raises(CodebookError, match=message):
        load_codebook(_write(tmp_path, MINI_CODEBOOK.replace(old, new, 1)))


def test_missing_codebook(tmp_path) -> None:
    with pytest.raises(CodebookError, match=r"codebook .*none\.toml does not exist"):
        load_codebook(tmp_path / "none.toml")


def test_codebook_without_columns(tmp_path) -> None:
    with pytest.raises(CodebookError, match=r"has no \[\[columns\]\] entries"):
        load_codebook(_write(tmp_path, 'name = "x"\n'))


LAYOUTS_CODEBOOK = """\
name = "layouts"
title = "Every layout"
language = "en"
separator = ";"
header_rows = 2

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
separator = ", "
options = [{ keyword = "vim", text = "Editeurs (Vim, Emacs)" }, "Spyder"]

[[columns]]
keyword = "lang"
header = "Langages ?"
kind = "multiple"
options = ["Python", "R"]

[[columns]]
keyword = "satisf"
header = "Êtes-vous satisfait·e de"
kind = "grid"
ordered = true
options = ["Pas du tout", "Un peu", "Beaucoup"]
rows = [{ keyword = "calcul", text = "Moyens de calcul" },
        { keyword = "stockage", text = "Stockage", column = "Q12_2" }]

[[columns]]
keyword = "q7"
kind = "multiple"
layout = "columns"
label = "Langages utilisés"
other_column = "Q7_OTHER"
options = [{ keyword = "python", text = "Python", column = "Q7_Part_1" },
           { keyword = "aucun", text = "Aucun", column = "Q7_Part_2", none = true }]
"""


def test_layouts_codebook_expands_grids_and_option_columns() -> None:
    cb = load_codebook_text(LAYOUTS_CODEBOOK)
    assert (cb.language, cb.separator, cb.header_rows) == ("en", ";", 2)
    assert [c.kind for c in cb.columns] == ["ignore", "single", "multiple", "multiple", "single",
                                            "single", "option", "option", "option_other"]
    assert cb.columns[0].header == ""
    assert [c.header for c in cb.columns[4:6]] == [
        "Êtes-vous satisfait·e de [Moyens de calcul]", "Q12_2"]
    assert cb.question("niveau").ordered and not cb.question("lang").ordered
    assert cb.question("outils").separator == ", " and cb.question("lang").separator == ";"
    row = cb.question("satisf.stockage")
    assert (row.grid, row.ordered, row.multiple) == ("satisf", True, False)
    assert [o.text for o in row.options] == ["Pas du tout", "Un peu", "Beaucoup"]
    q7 = cb.question("q7")
    assert (q7.layout, q7.other, q7.other_column, q7.label) == (
        "columns", True, "Q7_OTHER", "Langages utilisés")
    assert [(o.column, o.none) for o in q7.options] == [("Q7_Part_1", False),
                                                         ("Q7_Part_2", True)]


def test_to_toml_round_trips() -> None:
    for cb in (load_codebook_text(LAYOUTS_CODEBOOK),
               load_codebook(example_path("espri2020", "codebook.toml"))):
        again = load_codebook_text(cb.to_toml(), cb.path)
        assert again == cb


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('ordered = true\noptions = ["Débutant"', 'ordered = 1\noptions = ["Débutant"',
         r"\('niveau'\): `ordered` must be true or false"),
        ('kind = "multiple"\noptions = ["Python"', 'kind = "multiple"\nordered = true\n'
         'options = ["Python"', r"`ordered` is for single-choice and grid scales"),
        ('rows = [{ keyword = "calcul", text = "Moyens de calcul" },\n        { keyword = '
         '"stockage", text = "Stockage", column = "Q12_2" }]', 'rows = []',
         r"a grid needs `rows`"),
        ('other_column = "Q7_OTHER"\n', 'other = true\n',
         r"`other = true` with layout = \"columns\" needs"),
        ('{ keyword = "python", text = "Python", column = "Q7_Part_1" }',
         '{ keyword = "python", text = "Python" }', r"every option names its `column` "
                                                     r"\(missing for python\)"),
        ('header_rows = 2', 'header_rows = 3', r"`header_rows` is 3"),
        ('language = "en"', 'language = "de"', r"`language` is 'de'; expected one of fr, en"),
        ('separator = ";"', 'separator = " "', r"`separator` must be a non-blank string"),
        ('header = ""\nkind = "ignore"', 'header = ""\nkind = "ignore"\noptions = []',
         r"an ignore column takes only `keyword` and `header`"),
    ],
)
def test_layout_errors_name_the_entry(old, new, message) -> None:
    assert old in LAYOUTS_CODEBOOK
    text = LAYOUTS_CODEBOOK.replace(old, new, 1)
    with pytest.raises(CodebookError, match=message):
        load_codebook_text(text)


def test_toml_string_escapes_every_control_character() -> None:
    import tomllib

    from espri_gpu.codebook_toml import toml_string

    text = "".join(chr(c) for c in range(0, 32)) + '\x7f"\\ é’'
    assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text
