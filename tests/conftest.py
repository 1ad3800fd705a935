"""Shared fixtures: a small codebook with the traps of real exports, and file writers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

MINI_CODEBOOK = """\
name = "mini"
title = "Mini survey"

[[columns]]
keyword = "date"
header = "Horodateur"
kind = "timestamp"

[[columns]]
keyword = "lab"
header = "À quel laboratoire êtes-vous rattaché·e ?"
kind = "single"
required = true
options = ["LATMOS", "LMD", "LSCE"]

[[columns]]
keyword = "niveau"
header = "Quel est votre niveau ?"
kind = "single"
options = [
  { keyword = "débutant", text = "Je débute, mais j'apprends" },
  { keyword = "expert", text = "Expert" },
]

[[columns]]
keyword = "méthodes"
header = "Quelles méthodes (plusieurs choix possibles) ?"
kind = "multiple"
options = [
  { keyword = "kmeans", text = "K-Nearest Neighbour, Kmeans et variantes" },
  { keyword = "fac", text = "Méthodes factorielles (EOF, ACP, AFC, ACM, AFDM, AFM, etc.)" },
  { keyword = "mlp", text = "Perceptron Multi Couches (MLP)" },
  { keyword = "som", text = "SOM" },
]

[[columns]]
keyword = "email"
header = "Votre email"
kind = "personal"

[[columns]]
keyword = "remarques"
header = "Remarques ?"
kind = "free"

[[interpretations]]
keyword = "thèmes"
source = "remarques"
options = [{ keyword = "océan", text = "Océan" }, { keyword = "atmosphère", text = "Atmosphère" }]
"""

HEADER = ["Horodateur", "À quel laboratoire êtes-vous rattaché·e ?", "Quel est votre niveau ?",
          "Quelles méthodes (plusieurs choix possibles) ?", "Votre email", "Remarques ?"]

KMEANS = "K-Nearest Neighbour, Kmeans et variantes"
FAC = "Méthodes factorielles (EOF, ACP, AFC, ACM, AFDM, AFM, etc.)"
MLP = "Perceptron Multi Couches (MLP)"
DEB = "Je débute, mais j'apprends"

#: Rows of a valid mini export (email values are fake personal data that must never leak).
MINI_ROWS = [
    ["26/05/2020 10:00:00", "LATMOS", DEB, f"{KMEANS}, {FAC}", "alice.secret@example.org",
     "Océan,\nvraiment"],
    ["26/05/2020 11:00:00", "LMD", "Expert", f"{FAC}, {MLP}, Gaussian Mixture Model", "", ""],
    ["27/05/2020 09:30:00", "LSCE", "", "", "bob.secret@example.org", ""],
    ["28/05/2020 17:45:10", "LATMOS", "Expert", f"{MLP}, gaussian mixture model", "", "rien"],
]


def csv_text(rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",",
             lineterminator: str = "\n") -> str:
    """Rows as CSV text, quoted like Google Forms / Excel do."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def mini_codebook(folder: Path, extra: str = ""):
    """:data:`MINI_CODEBOOK` (plus ``extra`` TOML entries) written to ``folder/codebook.toml``
    and loaded."""
    from espri_gpu import load_codebook

    path = folder / "codebook.toml"
    path.write_text(MINI_CODEBOOK + extra, encoding="utf-8")
    return load_codebook(path)


def mini_survey(folder: Path, n: int, *, seed: int, extra: str = "", **draw):
    """``n`` synthetic respondents of :func:`mini_codebook` (``draw``: options of
    :func:`espri_gpu.synthetic.synthetic_survey`), written to ``folder/responses.csv`` and
    read back: ``(synthetic, survey)``."""
    from espri_gpu import read_survey
    from espri_gpu.synthetic import synthetic_survey

    codebook = mini_codebook(folder, extra)
    synthetic = synthetic_survey(codebook, n, seed=seed, **draw)
    synthetic.to_csv(folder / "responses.csv")
    return synthetic, read_survey(folder / "responses.csv", codebook)


@pytest.fixture
def codebook_path(tmp_path: Path) -> Path:
    path = tmp_path / "codebook.toml"
    path.write_text(MINI_CODEBOOK, encoding="utf-8")
    return path


@pytest.fixture
def export(tmp_path: Path):
    """Write a responses file: export(rows, name=..., encoding=..., ...) -> Path."""

    def write(rows: list[list[str]] = MINI_ROWS, name: str = "responses.csv",
              encoding: str = "utf-8", **kwargs) -> Path:
        path = tmp_path / name
        path.write_bytes(csv_text(rows, **kwargs).encode(encoding))
        return path

    return write
