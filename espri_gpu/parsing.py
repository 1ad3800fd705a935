"""Parsing one exported choice column into :class:`~espri_gpu.answers.Answers`.

Each choice column is factorized (one code per respondent, one entry per distinct cell),
each distinct cell is parsed once by :class:`~espri_gpu.splitting.OptionMatcher`, and the
result is an indicator table per distinct cell (:class:`ParsedColumn`). E-mail addresses and
phone numbers typed in a cell are replaced (:mod:`espri_gpu.redaction`) before it is parsed
or stored. The readers (:func:`~espri_gpu.responses.read_survey`, the partitioned reader,
:meth:`Survey.from_frame <espri_gpu.survey.Survey.from_frame>`) parse their columns here.

Rules for choice columns, decided per column from its distinct cells:

* **"Autre" comes last.** Google Forms writes the ticked options in form order and the
  respondent's "Autre" text last, so in a multiple-choice question that takes "other"
  answers, an option text standing after free text belongs to that free text: with options
  "Jupyter Notebook" and "Spyder", ``"Jupyter Notebook, Emacs, Spyder"`` is Jupyter Notebook
  plus the "Autre" answer ``"Emacs, Spyder"``. The codebook must list the options in the
  form's order.
* **Unless the column is not in form order.** A column is taken as re-sorted or written by
  another tool (or as listed in another order by the codebook than by the form) if some
  cell holds two option texts next to each other in another order than the codebook's, or
  if at least three distinct cells have an option text after free text and they are most of
  the distinct cells holding free text. Its option texts are then matched wherever they
  stand, and the load report says so in a warning naming the column and a sample cell.
  Single-choice questions and questions without "other" answers have no "Autre" text: their
  option texts are always matched wherever they stand.
* **Other separators are an error.** A cell whose unmatched text holds two or more option
  texts joined by another separator than ``", "`` (``;``, ``|``, `` / ``, a line break, or
  ``,`` without a space) means the whole column was written by another tool or re-saved:
  :class:`~espri_gpu.errors.SurveyInputError` names the column, a sample cell and the
  separator, whatever ``errors`` says. Free answers such as ``"R; Julia"``, whose pieces
  are not option texts, stay free answers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .answers import Answers, Level, SkippedRow
from .backend import Backend, resolve_backend
from .codebook import NOT_TICKED, Question, normalize_text
from .codebook_toml import toml_string
from .errors import SurveyInputError
from .factorize import factorize
from .redaction import redact_personal_data
from .splitting import CellReadings, OptionMatcher

__all__ = ["ErrorMode", "ParsedColumn", "RowState", "parse_choice_column"]

log = logging.getLogger(__name__)

#: How a reader treats a row with a bad cell.
ErrorMode = Literal["raise", "skip"]


def parse_choice_column(values: pd.Series, question: Question,
                        backend: str | Backend | None = None) -> Answers:
    """Parse one exported choice column (strings as exported) into :class:`Answers`.

    The building block of :func:`read_survey`, exposed for benchmarks and for callers
    that already hold the column in memory, with the same rules (module docstring). Invalid
    cells raise :class:`SurveyInputError`; a column read with options matched anywhere
    (not in Google Forms order) is logged as a warning.

    Examples
    --------
    >>> import pandas as pd
    >>> from espri_gpu.codebook import Option, Question
    >>> q = Question("outils", "Outils", True, (Option("jupyter", "Jupyter Notebook"),
    ...              Option("vim", "Editeurs (Vim, Emacs)")), True, "outils")
    >>> a = parse_choice_column(pd.Series(["Jupyter Notebook, Editeurs (Vim, Emacs)", "",
    ...                                    "Editeurs (Vim, Emacs), nano"]), q)
    >>> a.keywords, a.codes.tolist()
    (('jupyter', 'vim', 'nano'), [0, -1, 2])
    """
    parsed = ParsedColumn.parse(values, question, resolve_backend(backend))
    parsed.check(RowState(len(values)), "<column>", "raise")
    if warning := parsed.order_warning("<column>"):
        log.warning(warning)
    return parsed.answers(np.ones(len(values), dtype=bool))


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class RowState:
    """Rows to skip, with their reasons (0-based data row -> reason), shared by the columns
    of one reading (:meth:`ParsedColumn.check`)."""

    n_rows: int
    reasons: dict[int, str] = field(default_factory=dict)
    first_row: int = 2             # the file row of data row 0 (after the header rows)

    def skip(self, row: int, reason: str) -> None:
        self.reasons.setdefault(row, reason)

    def keep_mask(self) -> np.ndarray:
        keep = np.ones(self.n_rows, dtype=bool)
        keep[list(self.reasons)] = False
        return keep

    def skipped(self) -> list[SkippedRow]:
        return [SkippedRow(row + self.first_row, reason)
                for row, reason in sorted(self.reasons.items())]


@dataclass
class ParsedColumn:
    """One choice column, factorized, each distinct cell parsed once.

    Built from the column's strings (:meth:`parse`), from codes into its distinct cells
    (:meth:`from_codes`: the partitioned reader's global codes) or from one indicator column
    per option (:meth:`from_option_columns`); :meth:`check` lists its invalid rows,
    :meth:`answers` gives the :class:`~espri_gpu.survey.Answers` of the kept rows.
    """

    question: Question
    codes: np.ndarray                      # per row, index into `cells`; -1 = blank
    cells: list[tuple[tuple[int, ...], tuple[str, ...]] | None]
    problems: dict[int, str]               # distinct cell -> why it is invalid
    raw: list[str]                         # distinct cells, personal data replaced
    redactions: np.ndarray                 # per distinct cell, personal data replaced
    not_forms_order: str | None = None     # why options are matched anywhere, if they are
    mismatch: str | None = None            # why the whole column cannot be read, if so

    @classmethod
    def parse(cls, values: pd.Series, question: Question, b: Backend) -> ParsedColumn:
        codes, raw = factorize(values, b)
        return cls.from_codes(question, codes, raw)

    @classmethod
    def from_codes(cls, question: Question, codes: np.ndarray, raw: list[str]) -> ParsedColumn:
        """Parse each distinct cell of ``raw`` once; ``codes`` index ``raw`` (-1: missing).

        E-mail addresses and phone numbers in a cell are replaced before it is parsed, so that
        neither the answers nor the error messages hold them.
        """
        matcher = OptionMatcher([o.text for o in question.options], question.separator)
        redactions = np.zeros(len(raw) + 1, dtype=np.int64)  # last slot: code -1
        texts = list(raw)
        for k, text in enumerate(texts):
            texts[k], redactions[k] = redact_personal_data(text.strip())
        readings: dict[int, CellReadings] = {}
        if question.multiple and question.other:  # the only case where "Autre" comes last
            readings = {k: matcher.read(text) for k, text in enumerate(texts) if text}
        not_forms_order = _not_forms_order(readings, texts)
        cells: list = []
        problems: dict[int, str] = {}
        mismatch = None
        for k, text in enumerate(texts):
            if not text:
                cells.append(None)
                continue
            reading = readings.get(k)
            if reading is not None:
                split = reading.anywhere if not_forms_order else reading.forms
                options, free, problem = split.options, split.free, None
            else:
                options, free, problem = _parse_cell(text, question, matcher)
            cells.append((options, free))
            if problem:
                problems[k] = problem
            if mismatch is None:
                mismatch = _separator_mismatch(text, free, problem, question, matcher)
        blank = np.array([c is None for c in cells] + [True], dtype=bool)
        codes = np.where(blank[codes], -1, codes).astype(np.int32)
        return cls(question, codes, cells, problems, texts, redactions, not_forms_order,
                   mismatch)

    @classmethod
    def from_option_columns(cls, frame: pd.DataFrame, question: Question,
                            b: Backend) -> ParsedColumn:
        """A question written one column per option (``layout = "columns"``).

        A cell in :data:`~espri_gpu.codebook.NOT_TICKED` (blank, ``0``, ``N``, ``Non``…) is
        not ticked, any other is. A respondent with no option ticked and no "other" text did
        not answer (an explicit "none" option, ``none = true``, is how a form says "answered,
        none of these"). Each distinct (ticks, other text) combination is one cell.
        """
        keyword = question.keyword
        ticked = np.column_stack([~_not_ticked(frame[f"{keyword}[{o.keyword}]"])
                                  for o in question.options])
        if question.other_column:
            other_codes, other_texts = factorize(frame[f"{keyword}[other]"], b)
        else:
            other_codes, other_texts = np.full(len(frame), -1, dtype=np.int32), []
        other_codes = np.where(other_codes >= 0, other_codes, -1)
        combined = np.column_stack([ticked, other_codes[:, None] + 1]).astype(np.int64)
        distinct, codes = np.unique(combined, axis=0, return_inverse=True)
        codes = np.asarray(codes).ravel().astype(np.int32)
        k = len(question.options)
        texts, redactions = [], np.zeros(len(distinct) + 1, dtype=np.int64)
        cells: list = []
        for j, row in enumerate(distinct):
            options = tuple(int(i) for i in np.flatnonzero(row[:k]))
            free: tuple[str, ...] = ()
            if row[k] > 0:
                text, redactions[j] = redact_personal_data(other_texts[row[k] - 1].strip())
                free = (text,) if text else ()
            cells.append((options, free) if options or free else None)
            texts.append(question.separator.join(
                [question.options[i].text for i in options] + list(free)))
        blank = np.array([c is None for c in cells] + [True], dtype=bool)
        codes = np.where(blank[codes], -1, codes).astype(np.int32)
        return cls(question, codes, cells, {}, texts, redactions)

    def order_warning(self, source: str) -> str | None:
        """The load-report warning of a column read with options matched anywhere, or None."""
        if self.not_forms_order is None:
            return None
        return (f"{source}: column `{self.question.keyword}`: {self.not_forms_order}, so it is "
                "not in Google Forms order (re-sorted, written by another tool, or the codebook "
                "lists the options in another order than the form); its option texts are "
                "matched wherever they stand, not only before the 'Autre' text")

    def redacted_in(self, keep: np.ndarray) -> int:
        """Personal data replaced in the cells of the kept rows."""
        return int(self.redactions[self.codes[keep]].sum())

    def check(self, state: RowState, path: str, errors: ErrorMode) -> None:
        q = self.question
        if self.mismatch:  # the whole column is misread: no row to skip
            raise SurveyInputError(f"{path}: column `{q.keyword}`: {self.mismatch}")
        bad_rows: list[tuple[int, str]] = []
        if self.problems:
            bad = np.isin(self.codes, np.fromiter(self.problems, dtype=np.int32))
            bad_rows += [(int(r), self.problems[int(self.codes[r])]) for r in np.flatnonzero(bad)]
        if q.required:
            empty = np.flatnonzero(self.codes < 0)
            bad_rows += [(int(r), "required question is empty") for r in empty
                         if int(r) not in state.reasons]
        if not bad_rows:
            return
        bad_rows.sort()
        if errors == "raise":
            row, reason = bad_rows[0]
            more = len({r for r, _ in bad_rows}) - 1
            tail = f" ({more} more row(s) with problems in this column)" if more else ""
            raise SurveyInputError(
                f"{path}, row {row + state.first_row}, column `{q.keyword}`: {reason}{tail}; "
                "fix the cell, "
                "or skip such rows with --skip-bad-rows (errors='skip')")
        for row, reason in bad_rows:
            state.skip(row, f"column `{q.keyword}`: {reason}")

    def answers(self, keep: np.ndarray) -> Answers:
        q = self.question
        levels = [Level(o.keyword, o.text) for o in q.options]
        other_index: dict[str, int] = {}
        codes = self.codes[keep]
        used = np.zeros(len(self.cells) + 1, dtype=bool)
        used[codes] = True  # -1 marks the extra last slot, ignored
        for k in np.flatnonzero(used[:-1]):
            for text in self.cells[k][1]:
                key = normalize_text(text)
                if key not in other_index:
                    other_index[key] = len(levels)
                    levels.append(Level(text, text, is_other=True))
        table = np.zeros((len(self.cells), len(levels)), dtype=np.uint8)
        for k, cell in enumerate(self.cells):
            if cell is None or k in self.problems:
                continue
            options, free = cell
            table[k, list(options)] = 1
            for text in free:
                index = other_index.get(normalize_text(text))
                if index is not None:
                    table[k, index] = 1
        return Answers(q, np.ascontiguousarray(codes), table, tuple(levels))


def _parse_cell(text: str, question: Question, matcher: OptionMatcher
                ) -> tuple[tuple[int, ...], tuple[str, ...], str | None]:
    """(options, free texts, problem or None) for one non-blank distinct cell of a
    single-choice question or of a multiple-choice question without "other" answers."""
    if not question.multiple:
        index = matcher.match(text)
        if index is not None:
            return (index,), (), None
        split = matcher.split(text, autre_last=False)
        if len(split.options) >= 2:
            shown = " + ".join(question.options[i].keyword for i in split.options)
            return (), (), (f"{_short(text)!r} gives two options ({shown}) to a single-choice "
                            "question")
        if question.other:
            return (), (text,), None
        return (), (), f"{_short(text)!r} is not an option of the codebook"
    split = matcher.split(text, autre_last=False)
    if split.free and not question.other:
        return (), (), (f"{_short(split.free[0])!r} is not an option of the codebook "
                        "(and this question takes no 'other' answers)")
    return split.options, split.free, None


#: Separators other than ", " that join option texts in exports not written by Google Forms:
#: (name shown, pattern). A bare "/" is left out: option texts and answers use it ("LSCE/IPSL").
_OTHER_SEPARATORS = ((";", re.compile(r"\s*;\s*")), ("|", re.compile(r"\s*\|\s*")),
                     (" / ", re.compile(r"\s+/\s*|\s*/\s+")), ("\n", re.compile(r"\s*\n\s*")),
                     (",", re.compile(r",(?!\s)")))
_ANY_OTHER_SEPARATOR = re.compile(r"[;|/\n]|,(?!\s)")


def _not_forms_order(readings: dict[int, CellReadings], texts: list[str]) -> str | None:
    """Why the cells of a column are not in Google Forms order, or None if they may be."""
    for k, reading in readings.items():
        if reading.out_of_order:
            return f"cells such as {_short(texts[k])!r} list option texts out of codebook order"
    late = [k for k, reading in readings.items() if reading.option_after_free]
    with_free = sum(1 for reading in readings.values() if reading.anywhere.free)
    if len(late) >= 3 and 2 * len(late) > with_free:
        return (f"{len(late)} of the {with_free} distinct cells holding free text have option "
                f"texts after it, such as {_short(texts[late[0]])!r}")
    return None


def _separator_mismatch(text: str, free: tuple[str, ...], problem: str | None,
                        question: Question, matcher: OptionMatcher) -> str | None:
    """Why the column joins option texts with another separator, if ``text`` shows it does.

    Looked for in what matched no option: the free texts, or the whole cell of a
    single-choice question that is no option. Two or more of the pieces cut by the other
    separator must be option texts (leniently compared).
    """
    if not question.multiple:
        leftovers = (text,) if problem or free else ()
    elif problem:  # free text where no "other" answer is allowed
        leftovers = matcher.split(text, autre_last=False).free
    else:
        leftovers = free
    own = question.separator
    candidates = [(name, pattern) for name, pattern in _OTHER_SEPARATORS
                  if name.strip() != own.strip() or (name == "," and own != ",")]
    if own != ", ":
        candidates.append((", ", re.compile(r",\s*")))
    for leftover in leftovers:
        if own == ", " and not _ANY_OTHER_SEPARATOR.search(leftover):
            continue
        for name, pattern in candidates:
            pieces = pattern.split(leftover)
            if len(pieces) >= 2 and sum(matcher.match(p) is not None for p in pieces) >= 2:
                return (f"cells such as {_short(text)!r} join option texts with {name!r}, not "
                        f"{own!r}; set `separator = {toml_string(name)}` for this column (or "
                        "for the whole codebook) if the export is written that way, or edit "
                        "such cells if they are a respondent's own words")
    return None


def _not_ticked(values: pd.Series) -> np.ndarray:
    """Cells of a per-option column that mean "not ticked" (blank, 0, N, Non, False…)."""
    codes, uniques = factorize(values, resolve_backend("cpu"))
    lookup = np.array([u.strip().casefold() in NOT_TICKED for u in uniques] + [True])
    return lookup[codes]
