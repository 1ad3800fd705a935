"""Reading a survey export against its codebook: :func:`read_survey`.

Each choice column is factorized (one code per respondent, one entry per distinct cell),
each distinct cell is parsed once by :class:`~espri_gpu.splitting.OptionMatcher`, and the
result is an indicator table per distinct cell. ``personal`` columns are deleted before any
parsing and never stored; e-mail addresses and phone numbers typed in choice ("Autre") and
free-text answers are replaced (:mod:`espri_gpu.redaction`) in each distinct cell before it
is parsed or stored. Every row is either kept or listed in the load report with why.

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

import difflib
import logging
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .backend import Backend, resolve_backend
from .codebook import NOT_TICKED, Codebook, Column, Question, load_codebook, normalize_text
from .codebook_toml import toml_string
from .errors import SurveyInputError
from .factorize import factorize
from .interpretations import read_interpretations
from .redaction import redact_column, redact_personal_data
from .splitting import CellReadings, OptionMatcher
from .survey import (
    Answers,
    Level,
    LoadReport,
    SkippedRow,
    Survey,
    UnmatchedAnswer,
    other_answer_counts,
)
from .tables import RawTable, blank_cells, read_table
from .timestamps import parse_timestamps

__all__ = ["ParsedColumn", "assemble_survey", "match_header", "parse_choice_column",
           "read_survey"]

log = logging.getLogger(__name__)

#: How :func:`read_survey` treats a row with a bad cell.
ErrorMode = Literal["raise", "skip"]


def read_survey(
    path: str | Path,
    codebook: str | Path | Codebook,
    *,
    interpretations: str | Path | None = None,
    errors: ErrorMode = "raise",
    backend: str | Backend | None = None,
) -> Survey:
    """Read a Google Forms export (CSV, ``.xlsx`` or ``.ods``) against a codebook.

    Parameters
    ----------
    path : str or Path
        The responses file, as exported (UTF-8 or Windows-1252, ``,`` ``;`` or tab).
    codebook : str, Path or Codebook
        The codebook (a TOML file or an already loaded :class:`Codebook`).
    interpretations : str or Path, optional
        Sidecar file (CSV, ``.xlsx``, ``.ods``) with columns ``respondent``, ``question``,
        ``keyword``: the keywords a person gave to free-text answers.
    errors : {"raise", "skip"}
        What to do with a row holding a bad cell (two options in a single-choice question,
        an answer outside the codebook where no "other" is allowed, an empty required
        question): stop with an error naming the row, or skip the row and list it in
        ``survey.report.skipped``. A column whose cells join option texts with another
        separator than ``", "`` is an error either way (see the module docstring).
    backend : {"auto", "cpu", "gpu"}, optional
        Where the answer strings are factorized (the result is the same on every backend).

    Returns
    -------
    Survey

    Raises
    ------
    SurveyInputError
        One sentence naming the file, row, column or value, and what to do.

    Examples
    --------
    >>> from espri_gpu import read_survey
    >>> from espri_gpu.example import example_path
    >>> s = read_survey(example_path("espri2020", "responses.csv"),
    ...                 example_path("espri2020", "codebook.toml"))
    >>> s.n_respondents, s.answers_to("ml_méthodes").n_answered
    (62, 44)
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"`errors` is {errors!r}; expected 'raise' or 'skip'")
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    b = resolve_backend(backend)
    table = read_table(path, tuple(c.header for c in codebook.columns),
                       header_rows=codebook.header_rows)
    if table.header_cells:
        table = _name_by_either_header_row(table, codebook)
    by_keyword = match_header(table, codebook)
    personal = tuple(c.keyword for c in codebook.columns if c.kind == "personal")
    ignored = [c.keyword for c in codebook.columns if c.kind == "ignore"]
    frame = table.frame.drop(columns=[by_keyword.pop(k) for k in (*personal, *ignored)])
    keyword_of = {name: keyword for keyword, name in by_keyword.items()}
    frame.columns = [keyword_of[c] for c in frame.columns]
    if frame.empty:
        raise SurveyInputError(f"{table.path} has a header but no respondent rows")

    blank = np.logical_and.reduce([blank_cells(frame[k]) for k in frame.columns])
    parsed = {}
    for question in codebook.questions:
        if question.interpreted:
            continue
        if question.layout == "columns":
            parsed[question.keyword] = ParsedColumn.from_option_columns(frame, question, b)
        else:
            parsed[question.keyword] = ParsedColumn.parse(frame[question.keyword], question, b)
    undecodable = tuple((row, keyword_of[name]) for row, name in table.undecodable
                        if name in keyword_of)
    return assemble_survey(table, codebook, frame, blank, parsed, personal,
                           interpretations=interpretations, errors=errors,
                           undecodable=undecodable)


def assemble_survey(table: RawTable, codebook: Codebook, frame: pd.DataFrame,
                    blank: np.ndarray, parsed: dict[str, ParsedColumn],
                    personal: tuple[str, ...], *, interpretations: str | Path | None,
                    errors: ErrorMode, undecodable: tuple[tuple[int, str], ...] = ()) -> Survey:
    """The :class:`Survey` from parsed choice columns (codebook order) and the other columns.

    ``frame`` holds (at least) the timestamp and free columns by keyword, one row per data row;
    ``blank`` marks the rows whose every non-personal cell is blank; ``undecodable`` lists
    the (0-based data row, keyword) of cells whose undecodable bytes became U+FFFD. Shared by
    :func:`read_survey` and the partitioned reader
    (:func:`~espri_gpu.responses_partitioned.read_survey_distributed`).
    """
    state = _RowState(n_rows=len(blank), first_row=table.first_row)
    _check_undecodable(undecodable, parsed, state, table.path, errors)
    for i in np.flatnonzero(blank):
        state.skip(int(i), "empty row")
    for column_parse in parsed.values():
        column_parse.check(state, table.path, errors)
    keep = state.keep_mask()
    answers: dict[str, Answers] = {}
    unmatched: list[UnmatchedAnswer] = []
    redacted: dict[str, int] = {}
    for keyword, column_parse in parsed.items():
        answers[keyword] = column_parse.answers(keep)
        unmatched += other_answer_counts(answers[keyword])
        redacted[keyword] = column_parse.redacted_in(keep)

    report_kwargs: dict = {}
    respondents = np.flatnonzero(keep).astype(np.int64) + 1
    if interpretations is not None:
        result = read_interpretations(interpretations, codebook, n_rows=len(blank), keep=keep)
        answers.update(result.answers)
        report_kwargs.update(interpretations=result.path, interpretations_dropped=result.dropped)

    warnings = list(table.warnings)
    warnings += [w for p in parsed.values() if (w := p.order_warning(Path(table.path).name))]
    timestamps = _timestamps(frame, codebook, keep, warnings, Path(table.path).name,
                             table.first_row)
    free = [c.keyword for c in codebook.columns if c.kind == "free"]
    free_text = frame.loc[keep, free].reset_index(drop=True)
    for keyword in free:
        free_text[keyword], redacted[keyword] = redact_column(free_text[keyword])
    unanswered = tuple(k for k, a in answers.items() if a.n_answered == 0)
    for keyword in unanswered:
        warnings.append(f"nobody answered question `{keyword}` in {Path(table.path).name}")
    report = LoadReport(
        source=table.path, file_format=table.file_format, encoding=table.encoding,
        delimiter=table.delimiter, n_rows=len(blank), n_respondents=int(keep.sum()),
        skipped=tuple(state.skipped()), unmatched=tuple(unmatched),
        set_aside=LoadReport.set_aside_of(codebook),
        personal_columns_dropped=personal, unanswered_questions=unanswered,
        personal_data_redacted=tuple((c.keyword, redacted[c.keyword]) for c in codebook.columns
                                     if redacted.get(c.keyword)),
        warnings=tuple(warnings),
        undecodable=tuple((r + table.first_row, k) for r, k in undecodable),
        **report_kwargs)
    for warning in warnings:
        log.warning(warning)
    if report.skipped:
        log.warning("%s: %d row(s) skipped (listed in the load report)", table.path,
                    len(report.skipped))
    return Survey(codebook, answers, respondents, report, timestamps, free_text)


def _check_undecodable(undecodable: tuple[tuple[int, str], ...],
                       parsed: dict[str, ParsedColumn], state: _RowState, path: str,
                       errors: ErrorMode) -> None:
    """Stop at the first cell with undecodable bytes, or skip the rows where it is a choice.

    A replaced character in a choice cell would silently turn an option into an "other"
    answer, so such rows are skipped (and listed); free-text and timestamp cells are kept
    with U+FFFD in place of the bytes. Every such cell is listed in the load report.
    """
    if not undecodable:
        return
    if errors == "raise":
        row, keyword = undecodable[0]
        more = len(undecodable) - 1
        tail = f" ({more} more such cell(s) in the file)" if more else ""
        raise SurveyInputError(
            f"{path}, row {row + state.first_row}, column `{keyword}`: undecodable bytes in "
            f"an otherwise UTF-8 file{tail}; fix the cell or re-export as 'CSV UTF-8', or "
            "replace them and list the cells with --skip-bad-rows (errors='skip')")
    for row, keyword in undecodable:
        if keyword in parsed:
            state.skip(row, f"column `{keyword}`: undecodable bytes")


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
    parsed.check(_RowState(len(values)), "<column>", "raise")
    if warning := parsed.order_warning("<column>"):
        log.warning(warning)
    return parsed.answers(np.ones(len(values), dtype=bool))


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _name_by_either_header_row(table: RawTable, codebook: Codebook) -> RawTable:
    """With two header rows, a codebook header may also be a column's first-row cell or its
    second-row cell alone (``Q3_Part_1``, or ``Python`` under its question), when exactly
    one column has it; the combined name ``"first [second]"`` always works."""
    names = list(table.frame.columns)
    folded = {normalize_text(n) for n in names}
    rows = [[normalize_text(c) for c in row] for row in table.header_cells]
    claimed: set[int] = set()
    for column in codebook.columns:
        wanted = normalize_text(column.header)
        if wanted in folded:
            continue
        found = [i for i in range(len(names))
                 if i not in claimed and any(row[i] == wanted for row in rows)]
        if len(found) == 1:
            claimed.add(found[0])
            names[found[0]] = column.header
    frame = table.frame.copy(deep=False)
    frame.columns = names
    return replace(table, frame=frame)


def match_header(table: RawTable, codebook: Codebook) -> dict[str, str]:
    """Codebook keyword -> header of the file; exact match first, then lenient.

    Raises
    ------
    SurveyInputError
        A codebook column that matches no header, or a header that matches no column.
    """
    headers = list(table.frame.columns)
    exact = {h: h for h in headers}
    folded = {normalize_text(h): h for h in headers}
    found: dict[str, str] = {}
    missing: list[Column] = []
    for column in codebook.columns:
        name = exact.get(column.header) or folded.get(normalize_text(column.header))
        if name is None or name in found.values():
            missing.append(column)
        else:
            found[column.keyword] = name
    unknown = [h for h in headers if h not in found.values()]
    if missing or unknown:
        parts = []
        if unknown:
            parts.append("unknown column(s) " + ", ".join(
                repr(_middle(h)) + _closest_header(h, missing) for h in unknown))
        if missing:
            parts.append("missing column(s) " + ", ".join(
                f"`{c.keyword}` ({_middle(c.header)!r})" for c in missing))
        raise SurveyInputError(
            f"{table.path}: header does not match codebook {codebook.path}: "
            + "; ".join(parts) + "; fix the `header` entries of the codebook or the file")
    return found


def _middle(text: str, head: int = 40, tail: int = 30) -> str:
    """``text`` cut in its middle when long: grid headers differ at their end (``[row]``)."""
    return text if len(text) <= head + tail + 1 else f"{text[:head]}…{text[-tail:]}"


def _closest_header(header: str, columns: list[Column]) -> str:
    """`` (closest codebook header …, first difference …)`` for an unknown file header, or ''.

    The texts are compared as :func:`normalize_text` folds them (what matching ignores is no
    difference); the difference is shown in the texts as written, ``»`` marking where.
    """
    by_folded = {normalize_text(c.header): c for c in columns}
    key = normalize_text(header)
    close = difflib.get_close_matches(key, list(by_folded), n=1, cutoff=0.6)
    if not close:
        return ""
    column = by_folded[close[0]]
    same = len(os.path.commonprefix([key, close[0]]))
    at_file = _unfold_position(header, key, same)
    at_codebook = _unfold_position(column.header, close[0], same)
    return (f" (closest: missing `{column.keyword}`, first difference at character "
            f"{at_file + 1}: {_around(header, at_file)!r} in the file, "
            f"{_around(column.header, at_codebook)!r} in the codebook)")


def _unfold_position(text: str, folded: str, at: int) -> int:
    """Index in ``text`` of the character that ``folded[at]`` (its folded form) comes from."""
    low, high = 0, len(text)  # smallest p with len(normalize_text(text[:p + 1])) > at
    while low < high:
        mid = (low + high) // 2
        if len(normalize_text(text[: mid + 1])) > at:
            high = mid
        else:
            low = mid + 1
    if folded[at : at + 1] == " ":  # a folded prefix never ends with its space
        while low > 0 and text[low - 1].isspace():
            low -= 1
    return low


def _around(text: str, at: int, before: int = 25, after: int = 15) -> str:
    start, end = max(0, at - before), at + after
    return (("…" if start else "") + text[start:at].lstrip() + "»" + text[at:end]
            + ("…" if end < len(text) else ""))


@dataclass
class _RowState:
    """Rows to skip, with their reasons (0-based data row -> reason)."""

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

    def check(self, state: _RowState, path: str, errors: ErrorMode) -> None:
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


def _timestamps(frame: pd.DataFrame, codebook: Codebook, keep: np.ndarray,
                warnings: list[str], source: str, first_row: int = 2) -> pd.Series | None:
    stamps = [c.keyword for c in codebook.columns if c.kind == "timestamp"]
    if not stamps:
        return None
    raw = frame.loc[keep, stamps[0]].reset_index(drop=True)
    parsed, problems = parse_timestamps(raw, column=f"column `{stamps[0]}` of {source}",
                                        rows=np.flatnonzero(keep) + first_row)
    warnings += problems
    return parsed.rename(stamps[0])
