"""Answers to one question and the load report: what reading a survey produces.

Surveys repeat themselves: thousands of respondents give the same handful of answer
strings. An :class:`Answers` therefore keeps, for one question, a code per respondent
(``-1`` = did not answer) and a small indicator table with one row per *distinct* cell.
Encoding, counting and crossing are then gathers and products on these small tables, on the
CPU or the GPU, and each distinct string is parsed only once. :class:`LoadReport` lists
everything reading did. The readers build these; :class:`~espri_gpu.survey.Survey` holds
them (and re-exports them: ``from espri_gpu.survey import Answers`` works).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .codebook import Codebook, Question
from .display import FrameRepr

__all__ = ["Answers", "Level", "LoadReport", "SkippedRow", "UnmatchedAnswer",
           "other_answer_counts"]


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


#: How the load report names the columns it does not count or test.
_SET_ASIDE = {"free": "free-text columns (read and kept, not counted or tested)",
              "interpreted": "free-text columns (read and kept; the keywords of their "
                             "interpretations counted and tested)",
              "timestamp": "timestamp columns (read as dates, not counted or tested)",
              "ignore": "columns ignored unread (codebook kind \"ignore\")"}


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
    #: The subgroup kept by :meth:`Survey.where` (``"lab=LMD,LSCE"``), or None.
    filter: str | None = None
    #: Respondents before that filter (``n_respondents`` counts those it kept).
    n_before_filter: int | None = None
    #: (column keyword, codebook kind) of the columns read but not counted or tested
    #: (``free`` text, ``timestamp``) and of those left aside unread (``ignore``).
    set_aside: tuple[tuple[str, str], ...] = ()

    @staticmethod
    def set_aside_of(codebook: Codebook) -> tuple[tuple[str, str], ...]:
        """``set_aside`` for a codebook: its free-text, timestamp and ignored columns, a free
        column given keywords by interpretations marked ``interpreted``."""
        interpreted = {q.source for q in codebook.questions if q.interpreted}
        return tuple((c.keyword, "interpreted" if c.kind == "free" and c.keyword in interpreted
                      else c.kind) for c in codebook.columns
                     if c.kind in ("free", "timestamp", "ignore"))

    def to_text(self) -> str:
        """A plain-text summary, one fact per line (safe to log: no personal data)."""
        how = self.file_format + (f", encoding {self.encoding}" if self.encoding else "")
        if self.delimiter:
            how += f", delimiter {self.delimiter!r}"
        lines = [f"source: {self.source} ({how})",
                 f"rows read: {self.n_rows}; respondents kept: {self.n_respondents}; "
                 f"rows skipped: {len(self.skipped)}"]
        if self.filter is not None:
            lines.append(f"filter: {self.filter} ({self.n_respondents} of "
                         f"{self.n_before_filter} respondents kept)")
        lines += [f"  skipped row {s.row}: {s.reason}" for s in self.skipped]
        if self.undecodable:
            lines.append(f"cells with undecodable bytes (replaced by U+FFFD): "
                         f"{len(self.undecodable)}")
            lines += [f"  row {row}, column `{column}`" for row, column in self.undecodable]
        for kind, what in _SET_ASIDE.items():
            keywords = [k for k, c in self.set_aside if c == kind]
            if keywords:
                lines.append(f"{what}: " + ", ".join(keywords))
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


def other_answer_counts(answers: Answers) -> list[UnmatchedAnswer]:
    """How many respondents gave each free "other" answer of a question.

    Examples
    --------
    >>> from espri_gpu import load_example
    >>> counted = other_answer_counts(load_example("espri2020").answers_to("ml_méthodes"))
    >>> all(u.count >= 1 for u in counted)
    True
    """
    others = [j for j, level in enumerate(answers.levels) if level.is_other]
    if not others:
        return []
    per_cell = np.bincount(answers.codes[answers.codes >= 0], minlength=answers.cells.shape[0])
    totals = per_cell @ answers.cells[:, others].astype(np.int64)
    return [UnmatchedAnswer(answers.question.keyword, answers.levels[j].keyword, int(n))
            for j, n in zip(others, totals, strict=True)]
