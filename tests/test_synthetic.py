"""Synthetic exports: seeded, and their truth is what their files and codebooks say.

The files are read back here with the csv module and the codebook TOML only (a naive reader
written for this test), independently of espri_gpu's reader.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tomllib
from datetime import datetime
from types import SimpleNamespace

import numpy as np
import pytest

from espri_gpu import read_survey
from espri_gpu.codebook import load_codebook, parse_codebook
from espri_gpu.example import example_path
from espri_gpu.synthetic import synthetic_survey
from espri_gpu.synthetic_layouts import LAYOUTS, read_back_check, synthetic_export

NOT_TICKED = {"", "0", "N", "No", "Non", "False", "FALSE", "false"}
TOP_KEYS = {"name", "title", "language", "separator", "header_rows", "columns"}
COLUMN_KEYS = {"keyword", "header", "kind", "label", "required", "options", "other", "ordered",
               "separator", "layout", "other_column", "rows"}
OPTION_KEYS = {"keyword", "text", "column", "none"}
KINDS = {"single", "multiple", "free", "timestamp", "personal", "grid", "ignore"}


def test_synthetic_survey_output_unchanged() -> None:
    # hash of synthetic_survey's frame and truth computed on the code before issue #13
    codebook = load_codebook(example_path("espri2020", "codebook.toml"))
    s = synthetic_survey(codebook, 300, seed=5, p_other=0.1)
    h = hashlib.sha256(s.frame.to_csv(index=False, lineterminator="\n").encode())
    for keyword in sorted(s.truth):
        matrix, answered, levels = s.truth[keyword]
        for part in (keyword.encode(), matrix.tobytes(), answered.tobytes(),
                     "|".join(levels).encode()):
            h.update(part)
    assert h.hexdigest() == "ed6a0a8355668389aa0f968df11c2b00b6895d12d31ad55e269370c472d204cb"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_same_seed_same_bytes(layout) -> None:
    first = synthetic_export(40, layout=layout, seed=7)
    again = synthetic_export(40, layout=layout, seed=7)
    other = synthetic_export(40, layout=layout, seed=8)
    assert dict(first.files) == dict(again.files)
    assert first.codebook_toml == again.codebook_toml
    assert dict(first.files) != dict(other.files)


def test_same_answers_in_every_layout() -> None:
    exports = [synthetic_export(120, layout=layout, seed=3) for layout in LAYOUTS]
    for export in exports[1:]:
        for keyword, truth in export.truth.items():
            if keyword in exports[0].truth:
                assert np.array_equal(truth.matrix, exports[0].truth[keyword].matrix), keyword
                assert truth.levels == exports[0].truth[keyword].levels
    grids = {e.layout for e in exports if "satisf.calcul" in e.truth}
    assert grids == {"forms-grid", "limesurvey", "limesurvey-01"}


def test_truth_holds_skips_nones_and_other_answers() -> None:
    truth = synthetic_export(300, layout="forms", seed=0).truth
    assert truth["labo"].answered.all()                       # required
    assert 0 < (~truth["niveau"].answered).sum() < 100        # skipped by some
    outils, usages = truth["outils"], truth["usages"]
    assert len(outils.levels) > 5 and "Fortran, C++" in outils.levels  # typed answers
    assert outils.matrix[:, 5:].any(axis=1).sum() >= 5
    assert (outils.matrix[:, 5:].sum(axis=1) <= 1).all()      # one "Autre" box
    none = usages.matrix[:, usages.levels.index("aucun")] == 1
    assert none.sum() > 10 and (usages.matrix[none].sum(axis=1) == 1).all()  # exclusive
    assert (~usages.answered).any()
    for t in truth.values():
        assert np.array_equal(t.matrix.any(axis=1), t.answered)


def test_unknown_layout_and_bad_size_raise() -> None:
    with pytest.raises(ValueError, match="unknown `layout` 'qualtrics'; expected one of forms"):
        synthetic_export(10, layout="qualtrics")
    with pytest.raises(ValueError, match="`n` must be at least 1, got 0"):
        synthetic_export(0, layout="forms")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_codebook_toml_uses_the_spec_keys(layout) -> None:
    data = tomllib.loads(synthetic_export(5, layout=layout).codebook_toml)
    assert set(data) <= TOP_KEYS
    kinds = set()
    for entry in data["columns"]:
        assert set(entry) <= COLUMN_KEYS, entry
        assert entry["kind"] in KINDS
        kinds.add((entry["kind"], entry.get("layout")))
        assert ("header" in entry) != (entry.get("layout") == "columns")
        assert entry.get("header") != "" or entry["kind"] == "ignore"
        for option in entry.get("options", []) + entry.get("rows", []):
            assert set(option) <= OPTION_KEYS
    expect = {"forms-semicolon": data.get("separator") == ";",
              "forms-grid": ("grid", None) in kinds,
              "typeform": data.get("header_rows") == 2 and ("multiple", "columns") in kinds,
              "limesurvey": ("grid", None) in kinds and ("multiple", "columns") in kinds,
              "kaggle": data.get("header_rows") == 2 and ("multiple", "columns") in kinds,
              "r-resaved": data["columns"][0] == {"header": "", "kind": "ignore"}}
    assert expect.get(layout, True)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_truth_is_what_the_files_say(layout) -> None:
    export = synthetic_export(150, layout=layout, seed=11, p_other=0.1)
    (raw,) = export.files.values()
    codebook = tomllib.loads(export.codebook_toml)
    derived, stamps, free, used = _read_naively(raw, codebook)
    assert used == set(range(len(used))), "every column of the file is in the codebook"
    assert set(derived) == set(export.truth)
    for keyword, truth in export.truth.items():
        matrix, answered, levels, texts = derived[keyword]
        assert levels == truth.levels, keyword
        assert texts == truth.texts, keyword
        assert np.array_equal(matrix, truth.matrix), keyword
        assert np.array_equal(answered, truth.answered), keyword
    for keyword, expected in export.timestamps.items():
        assert np.array_equal(stamps[keyword], expected)
    assert set(stamps) == set(export.timestamps)
    assert all(np.array_equal(free[k], v) for k, v in export.free_text.items())
    assert any("\n" in t for t in export.free_text["projet"])  # quoted line breaks


def _read_naively(raw: bytes, codebook: dict):
    """Question keyword -> (matrix, answered, levels, texts), timestamps, free texts."""
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    n_header = codebook.get("header_rows", 1)
    head, data = rows[:n_header], rows[n_header:]
    used: set[int] = set()

    def column(name: str) -> list[str]:
        for header in head:  # the first header row, then the second (Typeform option texts)
            if header.count(name) == 1:
                used.add(header.index(name))
                return [row[header.index(name)] for row in data]
        raise AssertionError(f"column {name!r} not found once in the header rows")

    derived, stamps, free = {}, {}, {}
    for entry in codebook["columns"]:
        kind = entry["kind"]
        if entry.get("layout") == "columns":
            cells = [column(o["column"]) for o in entry["options"]]
            others = column(entry["other_column"]) if "other_column" in entry else None
            ticks = [[c[i] not in NOT_TICKED for c in cells] for i in range(len(data))]
            derived[entry["keyword"]] = _indicator(entry["options"], ticks, others)
            continue
        if kind == "grid":
            for row in entry["rows"]:
                cells = column(row.get("column", f"{entry['header']} [{row['text']}]"))
                derived[f"{entry['keyword']}.{row['keyword']}"] = _single(entry["options"], cells)
            continue
        cells = column(entry["header"])
        if kind == "single":
            derived[entry["keyword"]] = _single(entry["options"], cells)
        elif kind == "multiple":
            separator = entry.get("separator", codebook.get("separator", ", "))
            ticks, others = zip(*(_split(c, entry["options"], separator) for c in cells),
                                strict=True)
            derived[entry["keyword"]] = _indicator(entry["options"], ticks, others)
        elif kind == "timestamp":
            stamps[entry["keyword"]] = np.array([_stamp(c) for c in cells], dtype="datetime64[s]")
        elif kind == "free":
            free[entry["keyword"]] = np.array(cells, dtype=object)
    return derived, stamps, free, used


def _split(cell: str, options: list[dict], separator: str):
    """Option texts in codebook order at the start of the cell, then the "other" text."""
    ticks, rest = [], cell
    for option in options:
        text = option["text"]
        on = rest == text or rest.startswith(text + separator)
        ticks.append(on)
        if on:
            rest = rest[len(text) + len(separator):]
    return ticks, rest


def _single(options: list[dict], cells: list[str]):
    index = {o["text"]: j for j, o in enumerate(options)}
    ticks = [[j == index.get(c) for j in range(len(options))] for c in cells]
    assert all(c == "" or c in index for c in cells)
    return _indicator(options, ticks, None)


def _indicator(options: list[dict], ticks, others):
    others = others or [""] * len(ticks)
    typed = list(dict.fromkeys(o for o in others if o))
    matrix = np.array([list(t) + [o == x for x in typed] for t, o in zip(ticks, others,
                                                                        strict=True)],
                      dtype=np.uint8).reshape(len(ticks), len(options) + len(typed))
    levels = tuple(o["keyword"] for o in options) + tuple(typed)
    texts = tuple(o["text"] for o in options) + tuple(typed)
    return matrix, matrix.any(axis=1), levels, texts


def _stamp(cell: str) -> datetime:
    for form in ("%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(cell, form)
        except ValueError:
            pass
    raise AssertionError(f"unreadable timestamp {cell!r}")


def test_bytes_as_the_tools_write_them() -> None:
    forms = synthetic_export(30, layout="forms", seed=1).files["responses.csv"]
    assert forms.startswith(b"Horodateur,") and b"\r\n" in forms
    lime = synthetic_export(30, layout="limesurvey", seed=1).files["results-survey123456.csv"]
    assert lime.startswith(b'\xef\xbb\xbf"id","submitdate"') and b'"Q4[SQ001]"' in lime
    r = synthetic_export(30, layout="r-resaved", seed=1).files["responses.csv"]
    assert r.startswith(b'"","Horodateur"') and b'\n"1","' in r and b"\r" not in r
    kaggle = synthetic_export(30, layout="kaggle", seed=1).files["kaggle_survey_responses.csv"]
    lines = kaggle.split(b"\n")
    assert lines[0].startswith(b"Time from Start to Finish (seconds),Q1,Q2,Q3_Part_1")
    assert lines[1].startswith(b"Duration (in seconds),")
    typeform = synthetic_export(30, layout="typeform", seed=1).files["responses.csv"]
    first, second = list(csv.reader(io.StringIO(typeform.decode(), newline="")))[:2]
    assert first[0] == "#" and first.count("Quels outils utilisez-vous ?") == 6
    assert second[first.index("Quels outils utilisez-vous ?"):][:6] == [
        "Python", "R", "Julia", "Editeurs (Vim, Emacs)", "Jupyter", "Other"]


def _stand_in(export, flip=None):
    """A survey-like object whose answers are the truth (one distinct cell per respondent)."""
    n = export.n_respondents

    def answers_to(keyword):
        truth = export.truth[keyword]
        cells = truth.matrix.copy()
        if flip and flip[0] == keyword:
            cells[flip[1], flip[2]] ^= 1
        return SimpleNamespace(codes=np.where(truth.answered, np.arange(n), -1), cells=cells,
                               answered=truth.answered, keywords=truth.levels)

    return SimpleNamespace(n_respondents=n, answers_to=answers_to, timestamps=None,
                           free_text=None)


def test_read_back_check_finds_any_difference() -> None:
    export = synthetic_export(60, layout="forms-grid", seed=2)
    read_back_check(export, _stand_in(export))
    row = int(np.flatnonzero(export.truth["outils"].answered)[0])
    with pytest.raises(AssertionError, match=f"`outils`, level 'r': data row {row + 1}"):
        read_back_check(export, _stand_in(export, flip=("outils", row, 1)))
    with pytest.raises(AssertionError, match="`satisf.stockage`, level 'un_peu'"):
        read_back_check(export, _stand_in(export, flip=("satisf.stockage", row, 1)))


def test_read_back_check_on_forms_with_the_current_reader(tmp_path) -> None:
    # the Forms export needs no reader change; `ordered` is dropped for codebooks of before #13
    export = synthetic_export(300, layout="forms", seed=4)
    path = export.write(tmp_path)
    data = tomllib.loads(export.codebook_toml.replace("ordered = true\n", ""))
    survey = read_survey(path, parse_codebook(data, str(tmp_path / "codebook.toml")))
    read_back_check(export, survey)
    assert survey.timestamps is not None and "projet" in survey.free_text
