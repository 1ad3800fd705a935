"""The in-memory survey: answers stored once per distinct cell, and the load report.

Surveys repeat themselves: thousands of respondents give the same handful of answer
strings. An :class:`Answers` therefore keeps, for one question, a code per respondent
(``-1`` = did not answer) and a small indicator table with one row per *distinct* cell.
Encoding, counting and crossing are then gathers and products on these small tables, on the
CPU or the GPU, and each distinct string is parsed only once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .codebook import Codebook, Question
from .display import FrameRepr
from .errors import SurveyInputError

__all__ = ["Answers", "Level", "LoadReport", "SkippedRow", "Survey", "UnmatchedAnswer"]


@dataclass(frozen=True)
class Level:
    """One category of a question: a codebook option, or a respondent's own "other" answer.

    ``keyword`` is what tables and figures show (for an "other" answer: its first spelling,
    trimmed); ``text`` is the option text of the form (for "other": the same as keyword).
    """

    keyword: str
    text: str
    is_other: bool = False


@dataclass(frozen=True, eq=False)
class Answers:
    """All respondents' answers to one question.

    Attributes
    ----------
    question : Question
    codes : numpy.ndarray of int32, shape (n_respondents,)
        Index of each respondent's distinct cell in ``cells``; -1 = did not answer.
    cells : numpy.ndarray of uint8, shape (n_distinct_cells, n_levels)
        Row c is the indicator of the levels ticked in distinct cell c.
    levels : tuple of Level
        Columns of ``cells``: the codebook options in order, then "other" answers in order
        of first appearance.
    """

    question: Question
    codes: np.ndarray
    cells: np.ndarray
    levels: tuple[Level, ...]

    @property
    def answered(self) -> np.ndarray:
        """Boolean mask of the respondents who answered this question."""
        return self.codes >= 0

    @property
    def n_answered(self) -> int:
        """Number of respondents who answered."""
        return int(np.count_nonzero(self.codes >= 0))

    @property
    def keywords(self) -> tuple[str, ...]:
        """Display keyword of each level."""
        return tuple(level.keyword for level in self.levels)


@dataclass(frozen=True)
class SkippedRow:
    """A respondent that was not read, with the reason (``row`` counts the header as row 1)."""

    row: int
    reason: str


@dataclass(frozen=True)
class UnmatchedAnswer:
    """A free "other" answer: text that matched no option of the codebook."""

    question: str
    text: str
    count: int


@dataclass(frozen=True)
class LoadReport(FrameRepr):
    """What happened while reading a survey: nothing is dropped without being listed here.

    Examples
    --------
    >>> from espri_gpu import load_example
    >>> report = load_example("espri2020").report
    >>> report.n_rows == report.n_respondents + len(report.skipped)
    True
    """

    source: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    n_rows: int
    n_respondents: int
    skipped: tuple[SkippedRow, ...] = ()
    unmatched: tuple[UnmatchedAnswer, ...] = ()
    personal_columns_dropped: tuple[str, ...] = ()
    unanswered_questions: tuple[str, ...] = ()
    #: (column keyword, number of e-mail addresses and phone numbers replaced in its answers)
    personal_data_redacted: tuple[tuple[str, int], ...] = ()
    interpretations: str | None = None
    interpretations_dropped: int = 0
    warnings: tuple[str, ...] = ()
    #: (file row, column keyword) of each cell whose undecodable bytes were replaced by
    #: U+FFFD (read with ``errors='skip'``); rows where it was a choice cell are skipped.
    undecodable: tuple[tuple[int, str], ...] = ()

    def to_text(self) -> str:
        """A plain-text summary, one fact per line (safe to log: no personal data)."""
        how = self.file_format + (f", encoding {self.encoding}" if self.encoding else "")
        if self.delimiter:
            how += f", delimiter {self.delimiter!r}"
        lines = [f"source: {self.source} ({how})",
                 f"rows read: {self.n_rows}; respondents kept: {self.n_respondents}; "
                 f"rows skipped: {len(self.skipped)}"]
        lines += [f"  skipped row {s.row}: {s.reason}" for s in self.skipped]
        if self.undecodable:
            lines.append(f"cells with undecodable bytes (replaced by U+FFFD): "
                         f"{len(self.undecodable)}")
            lines += [f"  row {row}, column `{column}`" for row, column in self.undecodable]
        if self.personal_columns_dropped:
            lines.append("personal columns dropped unread: "
                         + ", ".join(self.personal_columns_dropped))
        if self.personal_data_redacted:
            lines.append("e-mail addresses and phone numbers typed in answers, replaced by "
                         "[e-mail] / [téléphone]: " + ", ".join(
                             f"{keyword} x{n}" for keyword, n in self.personal_data_redacted))
        if self.interpretations:
            lines.append(f"interpretations: {self.interpretations}"
                         + (f" ({self.interpretations_dropped} rows of skipped respondents "
                            "ignored)" if self.interpretations_dropped else ""))
        if self.unanswered_questions:
            lines.append("questions nobody answered: " + ", ".join(self.unanswered_questions))
        lines.append(f"free 'other' answers (matched no option): {len(self.unmatched)}")
        lines += [f"  {u.question}: {u.text!r} x{u.count}" for u in self.unmatched]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The unmatched answers, skipped rows and personal data replaced as one tidy table."""
        rows = [{"kind": "other_answer", "question": u.question, "text": u.text,
                 "count": u.count, "row": pd.NA} for u in self.unmatched]
        rows += [{"kind": "personal_data_redacted", "question": keyword, "text": pd.NA,
                  "count": n, "row": pd.NA} for keyword, n in self.personal_data_redacted]
        rows += [{"kind": "skipped_row", "question": pd.NA, "text": s.reason, "count": 1,
                  "row": s.row} for s in self.skipped]
        rows += [{"kind": "undecodable_cell", "question": column,
                  "text": "undecodable bytes replaced by U+FFFD", "count": 1, "row": row}
                 for row, column in self.undecodable]
        return pd.DataFrame(rows, columns=["kind", "question", "text", "count", "row"])


@dataclass(frozen=True, eq=False)
class Survey:
    """A survey read against its codebook.

    Attributes
    ----------
    codebook : Codebook
    answers : Mapping[str, Answers]
        Keyword -> answers, for every choice question and every interpreted free question
        whose interpretations were given.
    respondents : numpy.ndarray of int64
        1-based data row of each kept respondent in the source file (row 1 = first answer).
    timestamps : pandas.Series or None
        The submission times, if the codebook has a ``timestamp`` column.
    free_text : pandas.DataFrame
        Non-personal free-text columns, by keyword (never written by espri_gpu).
    report : LoadReport
    """

    codebook: Codebook
    answers: Mapping[str, Answers]
    respondents: np.ndarray
    report: LoadReport
    timestamps: pd.Series | None = None
    free_text: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def n_respondents(self) -> int:
        """Number of respondents read."""
        return int(self.respondents.shape[0])

    @property
    def questions(self) -> tuple[str, ...]:
        """Keywords of the questions that have answers, in codebook order."""
        return tuple(k for k in self.codebook.question_keywords if k in self.answers)

    def answers_to(self, keyword: str) -> Answers:
        """The answers to question ``keyword``.

        Raises
        ------
        SurveyInputError
            Unknown question (the valid ones are listed), or an interpreted question read
            without its interpretations file.
        """
        question = self.codebook.question(keyword)
        if question.keyword not in self.answers:
            raise SurveyInputError(
                f"question `{question.keyword}` is interpreted from the free column "
                f"`{question.source}`; pass its interpretations file (--interpretations FILE)")
        return self.answers[question.keyword]
