"""Reading a survey export against its codebook: :func:`read_survey`.

The file is read as raw cells (:func:`~espri_gpu.tables.read_table`), its header matched to
the codebook (:func:`match_header`), ``personal`` columns deleted before any parsing and
never stored, each choice column parsed once per distinct cell
(:class:`~espri_gpu.parsing.ParsedColumn`, where the rules for choice columns are written),
free-text answers redacted (:mod:`espri_gpu.redaction`), and the survey assembled
(:func:`assemble_survey`). Every row is either kept or listed in the load report with why.
"""

from __future__ import annotations

import difflib
import logging
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .answers import Answers, LoadReport, UnmatchedAnswer, other_answer_counts
from .backend import Backend, resolve_backend
from .codebook import Codebook, Column, load_codebook, normalize_text
from .errors import SurveyInputError
from .interpretations import read_interpretations
from .parsing import ErrorMode, ParsedColumn, RowState, parse_choice_column
from .redaction import redact_column
from .survey import Survey
from .tables import RawTable, blank_cells, read_table
from .timestamps import parse_timestamps

__all__ = ["assemble_survey", "match_header", "parse_choice_column", "read_survey"]

log = logging.getLogger(__name__)


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
        separator than ``", "`` is an error either way (the rules: :mod:`espri_gpu.parsing`).
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
    state = RowState(n_rows=len(blank), first_row=table.first_row)
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
                       parsed: dict[str, ParsedColumn], state: RowState, path: str,
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
