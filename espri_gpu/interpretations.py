"""Interpretations of free-text answers: the sidecar file merged into a survey.

In the ESPRI-IA 2020 analysis a person read each free answer (themes, data sources,
expectations, languages…) and wrote keywords for it in a spreadsheet, which a script
(``concatenation.py``) merged into the data. espri_gpu reads that sidecar in a long, tidy
format, one keyword per line::

    respondent,question,keyword
    1,thème,atmosphère
    1,thème,télédétection
    4,langages,python

``respondent`` is the 1-based data row of the responses file (the first answer is 1),
``question`` an ``[[interpretations]]`` keyword of the codebook, ``keyword`` one of its
options (or anything, where the codebook says ``other = true``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .answers import Answers, Level
from .codebook import Codebook, Question, normalize_text
from .errors import SurveyInputError
from .tables import read_table

__all__ = ["InterpretationsResult", "read_interpretations"]

REQUIRED = ("respondent", "question", "keyword")


@dataclass(frozen=True)
class InterpretationsResult:
    """Answers built from a sidecar file, and how many of its rows were ignored."""

    path: str
    answers: dict[str, Answers]
    dropped: int


def read_interpretations(path: str | Path, codebook: Codebook, *, n_rows: int,
                         keep: np.ndarray | None = None) -> InterpretationsResult:
    """Read an interpretations sidecar and build the interpreted questions' answers.

    Parameters
    ----------
    path : str or Path
        CSV, ``.xlsx`` or ``.ods`` with columns respondent, question, keyword.
    codebook : Codebook
    n_rows : int
        Number of data rows of the responses file (respondents are 1..n_rows).
    keep : numpy.ndarray of bool, optional
        Rows of the responses file that were kept; interpretations of skipped rows are
        ignored and counted in ``dropped``.

    Returns
    -------
    InterpretationsResult

    Raises
    ------
    SurveyInputError
        Missing columns, a respondent outside 1..n_rows, an unknown question or a keyword
        outside the codebook; the message names the file, row and value.

    Examples
    --------
    >>> from espri_gpu.codebook import load_codebook
    >>> from espri_gpu.example import example_path
    >>> cb = load_codebook(example_path("espri2020", "codebook.toml"))
    >>> r = read_interpretations(example_path("espri2020", "interpretations.csv"), cb, n_rows=62)
    >>> r.answers["thème"].n_answered
    56
    """
    table = read_table(path, REQUIRED)
    frame = table.frame.rename(columns=lambda c: normalize_text(str(c)))
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise SurveyInputError(f"{table.path}: missing column(s) {', '.join(missing)}; an "
                               "interpretations file has columns respondent, question, keyword")
    keep = np.ones(n_rows, dtype=bool) if keep is None else keep
    interpreted = {q.keyword: q for q in codebook.questions if q.interpreted}
    folded = {normalize_text(k): q for k, q in interpreted.items()}
    rows: dict[str, list[tuple[int, int]]] = {k: [] for k in interpreted}
    others: dict[str, list[str]] = {k: [] for k in interpreted}
    dropped = 0
    for line, (resp, qname, keyword) in enumerate(
            frame[list(REQUIRED)].itertuples(index=False), start=2):
        resp, qname, keyword = resp.strip(), qname.strip(), keyword.strip()
        if not (resp or qname or keyword):
            continue
        where = f"{table.path}, row {line}"
        question = interpreted.get(qname) or folded.get(normalize_text(qname))
        if question is None:
            raise SurveyInputError(f"{where}: unknown question {qname!r}; interpreted questions "
                                   f"of codebook {codebook.path}: {', '.join(interpreted)}")
        try:
            respondent = int(resp)
        except ValueError:
            respondent = 0
        if not 1 <= respondent <= n_rows:
            raise SurveyInputError(f"{where}: respondent {resp!r} is not a data row number "
                                   f"between 1 and {n_rows} of the responses file")
        if not keyword:
            raise SurveyInputError(f"{where}: empty keyword for question `{question.keyword}`")
        level = _level(question, keyword, others[question.keyword])
        if level is None:
            raise SurveyInputError(f"{where}: keyword {keyword!r} is not an option of "
                                   f"`{question.keyword}` in codebook {codebook.path}; add it "
                                   "to the codebook or correct the file")
        if not keep[respondent - 1]:
            dropped += 1
            continue
        rows[question.keyword].append((respondent - 1, level))
    answers = {k: _answers(interpreted[k], rows[k], others[k], keep) for k in interpreted}
    return InterpretationsResult(table.path, answers, dropped)


def _level(question: Question, keyword: str, others: list[str]) -> int | None:
    for j, option in enumerate(question.options):
        if keyword in (option.keyword, option.text):
            return j
    folded = normalize_text(keyword)
    for j, option in enumerate(question.options):
        if folded in (normalize_text(option.keyword), normalize_text(option.text)):
            return j
    if not question.other:
        return None
    for j, text in enumerate(others):
        if normalize_text(text) == folded:
            return len(question.options) + j
    others.append(keyword)
    return len(question.options) + len(others) - 1


def _answers(question: Question, pairs: list[tuple[int, int]], others: list[str],
             keep: np.ndarray) -> Answers:
    levels = [Level(o.keyword, o.text) for o in question.options]
    levels += [Level(t, t, is_other=True) for t in others]
    n_rows = keep.shape[0]
    sets: list[set[int]] = [set() for _ in range(n_rows)]
    for row, level in pairs:
        sets[row].add(level)
    keys = pd.Series([",".join(map(str, sorted(s))) for s in sets])[keep]
    codes, uniques = pd.factorize(keys)
    cells = np.zeros((len(uniques), len(levels)), dtype=np.uint8)
    blank = np.zeros(len(uniques) + 1, dtype=bool)
    blank[-1] = True
    for k, key in enumerate(uniques):
        if key:
            cells[k, [int(j) for j in key.split(",")]] = 1
        else:
            blank[k] = True
    codes = np.where(blank[codes], -1, codes).astype(np.int32)
    return Answers(question, codes, cells, tuple(levels))
