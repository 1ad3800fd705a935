"""Reading the export into columns: each column's name as the reader gives it, its header
row(s) and its cells, with a second header row (Typeform, Kaggle, SurveyMonkey) recognised
and read as :func:`espri_gpu.tables.read_table` does with ``header_rows=2``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import SurveyInputError
from ..redaction import redact_personal_data
from ..tables import read_table
from ..timestamps import parse_timestamps
from .text import NUMBER, cell_counts


@dataclass
class Column:
    """One export column: its name as the reader gives it, its header row(s), its cells."""

    name: str       # what the codebook's `header` / `column` must say
    top: str        # first header row
    sub: str        # second header row ("" with one header row)
    cells: pd.Series


def read_export(path: str | Path) -> tuple[list[Column], int, int]:
    """The export's columns, number of data rows and number of header rows (1 or 2)."""
    try:
        table = read_table(path)
    except SurveyInputError as first_error:
        # a header naming a question over several columns (Typeform's first row)
        try:
            table = read_table(path, header_rows=2)
        except SurveyInputError:
            raise first_error from None
        pairs = [_split_combined(str(c)) for c in table.frame.columns]
        return ([Column(str(c), top, sub, table.frame[c])
                 for c, (top, sub) in zip(table.frame.columns, pairs, strict=True)],
                len(table.frame), 2)
    frame = table.frame
    if _second_header_row(frame):
        two = read_table(path, header_rows=2).frame
        tops = [str(c) for c in frame.columns]
        subs = [frame.iloc[0, i].strip() for i in range(frame.shape[1])]
        return ([Column(str(name), top, sub, two.iloc[:, i])
                 for i, (name, top, sub) in enumerate(zip(two.columns, tops, subs,
                                                          strict=True))], len(two), 2)
    return ([Column(str(c), str(c), "", frame[c]) for c in frame.columns], len(frame), 1)


def _split_combined(name: str) -> tuple[str, str]:
    """(first row, second row) of a column named ``"first [second]"`` by the reader."""
    match = re.fullmatch(r"(.*) \[([^\[\]]*)\]", name)
    return (match.group(1), match.group(2)) if match else (name, "")


def _second_header_row(frame: pd.DataFrame) -> bool:
    """Whether the first data row is a second header row (Typeform, Kaggle, SurveyMonkey).

    It is when it fills (nearly) every column and no column holds a respondent's answer
    there: no date in a date column, no number in a number column, no usual answer of a
    choice column (per-option columns holding their own option text excepted), no e-mail.
    """
    if len(frame) < 3 or frame.shape[1] < 2:
        return False
    first = [str(v).strip() for v in frame.iloc[0]]
    rest = frame.iloc[1:]
    if sum(v == "" for v in first) > 0.2 * len(first):
        return False
    evidence = 0
    for i, value in enumerate(first):
        counts = cell_counts(rest.iloc[:, i])
        if value == "" or counts.empty:
            continue
        if redact_personal_data(value)[1]:
            return False
        if len(counts) == 1 and value == counts.index[0]:
            continue  # a per-option column's own text: a header, or a respondent who ticked
        if value in counts.index and counts[value] >= 2:
            return False  # a usual answer: a respondent
        texts = pd.Series(counts.index, dtype=object)
        if texts.str.fullmatch(NUMBER.pattern).mean() > 0.9:
            if NUMBER.fullmatch(value):
                return False
            evidence += 1
        elif looks_like_dates(counts):
            if looks_like_dates(pd.Series([1], [value])):
                return False
            evidence += 1
        elif len(counts) < 0.8 * len(rest) or value in ("Response", "Réponse"):
            evidence += 1  # a choice column: the value is none of its answers
    return evidence >= max(2, len(first) // 3)


def looks_like_dates(counts: pd.Series) -> bool:
    texts = pd.Series(counts.index, dtype=object).astype(str)
    if texts.empty or not texts.str.match(r"\d").all():
        return False
    stamps, _ = parse_timestamps(texts)
    return bool(stamps.notna().all())
