"""Codebook loading and validation."""

from __future__ import annotations

import pytest

from espri_gpu import CodebookError, SurveyInputError, load_codebook

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
