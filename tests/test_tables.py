"""Reading CSV files: pyarrow on record-aligned chunks, encodings decided with evidence."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from espri_gpu import SurveyInputError, counts, read_survey
from espri_gpu import tables as tables_module
from espri_gpu.csv_blocks import record_blocks
from espri_gpu.tables import read_table

from .conftest import HEADER, MINI_ROWS, csv_text

ASCII_CODEBOOK = """\
name = "ascii"
title = "ASCII headers, accented options"

[[columns]]
keyword = "lab"
header = "Lab"
kind = "single"
options = ["Météo-France", "LMD", "Élysée"]

[[columns]]
keyword = "comment"
header = "Comment"
kind = "free"
"""


def _tricky_rows(n: int, seed: int = 0) -> list[list[str]]:
    """Cells with quoted line breaks (LF and CRLF), doubled quotes, delimiters, accents."""
    rng = np.random.default_rng(seed)
    pieces = ["a", "é", "x, y", 'il a dit "oui"', "ligne 1\nligne 2", "l1\r\nl2", "", " ",
              "œuvre; ça", "\n", '"', "fin\n"]
    return [[str(i)] + [pieces[j] for j in rng.integers(0, len(pieces), 3)] for i in range(n)]


@pytest.mark.parametrize("chunk_bytes", [37, 200, 1 << 20])
@pytest.mark.parametrize("lineterminator", ["\n", "\r\n"])
def test_chunked_parse_equals_the_csv_module(tmp_path, monkeypatch, chunk_bytes,
                                             lineterminator) -> None:
    """Chunks cut only between records: a cell with line breaks is never split."""
    monkeypatch.setattr(tables_module, "_CHUNK_BYTES", chunk_bytes)
    header = ["id", "a", "b", "c"]
    rows = _tricky_rows(300)
    text = csv_text(rows, header=header, lineterminator=lineterminator)
    path = tmp_path / "tricky.csv"
    path.write_bytes(text.encode("utf-8"))
    expected = list(csv.reader(io.StringIO(text, newline="")))[1:]
    table = read_table(path)
    assert list(table.frame.columns) == header
    assert table.frame.to_numpy().tolist() == expected


@pytest.mark.parametrize("block", [1, 5, 64, 1000, 1 << 20])
def test_record_blocks_end_on_record_ends(block) -> None:
    text = csv_text(_tricky_rows(200, seed=3), header=["id", "a", "b", "c"]).encode("utf-8")
    body = io.BytesIO(text[text.index(b"\n") + 1:])
    blocks = [bytes(b) for b in record_blocks(body.read(block), lambda: body.read(block))]
    assert b"".join(blocks) == text[text.index(b"\n") + 1:]
    records = [list(csv.reader(io.StringIO(b.decode("utf-8"), newline=""))) for b in blocks]
    assert [r for chunk in records for r in chunk] == list(
        csv.reader(io.StringIO(text.decode("utf-8"), newline="")))[1:]
    assert all(len(r) == 4 for chunk in records for r in chunk)


def test_blank_line_is_a_counted_empty_row(export, codebook_path) -> None:
    """Irregular files go through pandas' parser: a blank line is a counted empty row."""
    path = export()
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(4, "")  # after data row 2 (whose first cell holds a line break)
    path.write_text("\n".join(lines), encoding="utf-8")
    survey = read_survey(path, codebook_path)
    assert survey.report.n_rows == 5
    assert [(s.row, s.reason) for s in survey.report.skipped] == [(4, "empty row")]
    assert survey.respondents.tolist() == [1, 2, 4, 5]


def test_utf8_with_stray_bytes_is_not_read_as_windows_1252(tmp_path) -> None:
    """ASCII headers: decoding all as Windows-1252 would count every accented option 0."""
    codebook = tmp_path / "ascii.toml"
    codebook.write_text(ASCII_CODEBOOK, encoding="utf-8")
    rows = [["Météo-France", "ok"], ["Élysée", "très bien"], ["LMD", "pas mal"],
            ["Météo-France", "bof"], ["Météo-France", "caf\xe9"]]
    data = csv_text(rows, header=["Lab", "Comment"]).encode("utf-8")
    data = data.replace("caf\xe9".encode(), b"caf\xe9")  # one stray Latin-1 byte
    path = tmp_path / "stray.csv"
    path.write_bytes(data)
    with pytest.raises(SurveyInputError, match=r"stray\.csv, row 6, column `comment`: "
                                               "undecodable bytes"):
        read_survey(path, codebook)
    survey = read_survey(path, codebook, errors="skip")
    assert survey.report.encoding == "utf-8"
    assert counts(survey, "lab", backend="cpu").table["count"].to_dict() == {
        "Météo-France": 3, "LMD": 1, "Élysée": 1}
    assert survey.report.undecodable == ((6, "comment"),)
    assert survey.free_text["comment"].iloc[4] == "caf\ufffd"
    assert "row 6, column `comment`" in survey.report.to_text()
    assert not survey.report.skipped  # a free-text cell: kept, replaced and listed


def test_stray_bytes_in_a_choice_cell_skip_the_row(tmp_path) -> None:
    codebook = tmp_path / "ascii.toml"
    codebook.write_text(ASCII_CODEBOOK, encoding="utf-8")
    rows = [["Météo-France", "ok"], ["Élysée", "oui"], ["LMD", "non"]]
    data = csv_text(rows, header=["Lab", "Comment"]).encode("utf-8")
    data = data.replace("Élysée".encode(), "Élysée".encode("cp1252"))
    path = tmp_path / "stray.csv"
    path.write_bytes(data)
    survey = read_survey(path, codebook, errors="skip")
    assert [(s.row, s.reason) for s in survey.report.skipped] == [
        (3, "column `lab`: undecodable bytes")]
    assert survey.answers_to("lab").keywords == ("Météo-France", "LMD", "Élysée")
    assert counts(survey, "lab", backend="cpu").table["count"].tolist() == [1, 1, 0]


def test_windows_1252_file_with_ascii_headers_still_reads(tmp_path) -> None:
    codebook = tmp_path / "ascii.toml"
    codebook.write_text(ASCII_CODEBOOK, encoding="utf-8")
    rows = [["Météo-France", "été"], ["Élysée", "œuvre"], ["LMD", "€"]]
    path = tmp_path / "excel.csv"
    path.write_bytes(csv_text(rows, header=["Lab", "Comment"]).encode("cp1252"))
    survey = read_survey(path, codebook)
    assert survey.report.encoding == "cp1252"
    assert any("Windows-1252" in w for w in survey.report.warnings)
    assert counts(survey, "lab", backend="cpu").table["count"].tolist() == [1, 1, 1]
    assert survey.free_text["comment"].tolist() == ["été", "œuvre", "€"]


def test_latin1_byte_undefined_in_windows_1252(tmp_path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("Lab,Comment\nMétéo-France,x\x81y\n".encode("latin-1"))
    table = read_table(path)
    assert table.encoding == "latin-1" and any("Latin-1" in w for w in table.warnings)
    assert table.frame["Comment"].tolist() == ["x\x81y"]


def test_same_frame_as_pandas_on_the_mini_export(export) -> None:
    import pandas as pd

    path = export()
    expected = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = read_table(path, tuple(HEADER)).frame
    assert frame.to_numpy().tolist() == expected.to_numpy().tolist()
    assert len(frame) == len(MINI_ROWS)


def test_windows_1252_only_in_the_header_or_with_a_blank_line(tmp_path) -> None:
    codebook = tmp_path / "accents.toml"
    codebook.write_text(ASCII_CODEBOOK.replace('header = "Lab"', 'header = "Laboratoire é"'),
                        encoding="utf-8")
    path = tmp_path / "excel.csv"
    path.write_bytes("Laboratoire é,Comment\nLMD,ok\n\nLMD,été\n".encode("cp1252"))
    survey = read_survey(path, codebook)
    assert survey.report.encoding == "cp1252"
    assert [(s.row, s.reason) for s in survey.report.skipped] == [(3, "empty row")]
    assert survey.free_text["comment"].tolist() == ["ok", "été"]
    path.write_bytes("Laboratoire é,Comment\nLMD,ok\n".encode("cp1252"))
    assert read_survey(path, codebook).report.encoding == "cp1252"
