"""Surveys from pandas DataFrames: what :meth:`espri_gpu.Survey.from_frame` is built from.

Every row of the DataFrame is a respondent; its index is kept as ``survey.ids``. A question
is one of three shapes:

* **a single-choice column**: strings, numbers, booleans or a pandas ``Categorical``;
* **a multiple-choice column**: list-like cells (``list``, ``tuple``, ``set``, NumPy array)
  of the ticked answers, or strings joining them with ``separator``;
* **a block of indicator columns**, one per option: ``0``/``1``, booleans, or the cells of
  an export's per-option columns (blank, ``0``, ``No``, ``Non``, ``False`` … = not ticked).

Missing values (``None``, ``NaN``, ``pd.NA``, ``NaT``, a blank string) mean "did not
answer". An *empty* list, tuple or set means "answered, ticked none". A row of an indicator
block with nothing ticked is a non-respondent (as in an export) unless ``answered=`` says the
respondent answered: ``answered={"langages": df["a_répondu"]}`` (a boolean column, array, or
the name of a column of the frame).

Without a codebook, the codebook is built from the arguments: question keyword = column
name (the key for an indicator block); options = the categories of a ``Categorical`` in their
order, else the distinct values sorted (numbers numerically); option keyword = option text =
the value as a string (``1.0`` shown as ``1``); for an indicator block, the column names in the
order given. With a codebook, columns are matched to its headers or keywords as a file's
header is, and cells are read with the same rules as an export
(:func:`~espri_gpu.responses.read_survey`); list items and single-choice values may also be
option keywords.

Which columns hold which question (the codebook, built or matched) is decided in
:mod:`espri_gpu.frame_layout`; this module reads the answers of each question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .answers import Answers, Level, LoadReport, other_answer_counts
from .backend import Backend
from .codebook import NOT_TICKED, Codebook, Question, load_codebook, normalize_text
from .errors import SurveyInputError
from .frame_layout import (
    SOURCE,
    FrameSource,
    cell_key,
    codebook_from_arguments,
    holds_lists,
    is_missing,
    match_codebook,
    value_text,
)
from .interpretations import read_interpretations
from .parsing import parse_choice_column
from .redaction import redact_column, redact_personal_data
from .timestamps import parse_timestamps

__all__ = ["SurveyParts", "survey_parts_from_frame"]


@dataclass(frozen=True, eq=False)
class SurveyParts:
    """The fields of the :class:`~espri_gpu.survey.Survey` read from a DataFrame (see
    :meth:`Survey.from_frame <espri_gpu.survey.Survey.from_frame>`, which builds it)."""

    codebook: Codebook
    answers: dict[str, Answers]
    respondents: np.ndarray
    report: LoadReport
    timestamps: pd.Series | None
    free_text: pd.DataFrame
    ids: pd.Index


def survey_parts_from_frame(
    frame: pd.DataFrame,
    codebook: str | Path | Codebook | None = None,
    *,
    single: Sequence[Hashable] | None = None,
    multiple: Sequence[Hashable] | Mapping[str, Sequence[Hashable] | Hashable | None] | None = None,
    ordered: bool | Sequence[Hashable] | Mapping[Hashable, Sequence[Any]] = (),
    options: Mapping[Hashable, Sequence[Any]] | None = None,
    separator: str | None = None,
    answered: Mapping[str, Hashable | Sequence[bool] | np.ndarray | pd.Series] | None = None,
    interpretations: str | Path | None = None,
    name: str = "dataframe",
    title: str | None = None,
    backend: str | Backend | None = None,
) -> SurveyParts:
    """What the :class:`~espri_gpu.survey.Survey` of a DataFrame is made of; see
    :meth:`Survey.from_frame <espri_gpu.survey.Survey.from_frame>`."""
    if not isinstance(frame, pd.DataFrame):
        raise SurveyInputError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}")
    if frame.columns.has_duplicates:
        dup = frame.columns[frame.columns.duplicated()].unique().tolist()
        raise SurveyInputError(f"DataFrame has duplicate column name(s) {dup}; rename them")
    masks = _answered_masks(frame, answered or {})
    used = {label for label, _ in masks.values() if label is not None}
    built = codebook is None
    if built:
        codebook, sources = codebook_from_arguments(frame, single, multiple, ordered,
                                                    options or {}, separator, used, name,
                                                    title)
    else:
        given = [f"`{k}`" for k, v in (("single", single), ("multiple", multiple),
                                       ("options", options), ("separator", separator))
                 if v is not None]
        given += ["`ordered`"] if ordered not in ((), [], False, None) else []
        if given:
            raise SurveyInputError(f"{', '.join(given)} describe the columns when no codebook is "
                                   "given; with `codebook`, the codebook describes them")
        if not isinstance(codebook, Codebook):
            codebook = load_codebook(codebook)
        sources = match_codebook(frame, codebook, used)
    return _build(frame, codebook, sources, masks, interpretations, backend,
                  from_codebook=not built)


# --------------------------------------------------------------------------- answers


def _answered_masks(frame: pd.DataFrame, answered: Mapping[str, Any]
                    ) -> dict[str, tuple[Hashable | None, np.ndarray]]:
    """keyword -> (frame column holding the mask or None, boolean mask per row)."""
    if not isinstance(answered, Mapping):
        raise SurveyInputError(f"`answered` must map question keywords to boolean masks, got "
                               f"{answered!r}")
    masks = {}
    for keyword, spec in answered.items():
        column = None
        if isinstance(spec, Hashable) and not isinstance(spec, tuple) and spec in frame.columns:
            column, spec = spec, frame[spec]
        if isinstance(spec, pd.Series) and not spec.index.equals(frame.index):
            raise SurveyInputError(f"`answered[{keyword!r}]` is a Series whose index is not the "
                                   "DataFrame's; pass it aligned, or as a column of the frame")
        values = pd.Series(spec) if not isinstance(spec, pd.Series) else spec
        if len(values) != len(frame):
            raise SurveyInputError(f"`answered[{keyword!r}]` has {len(values)} values for "
                                   f"{len(frame)} rows")
        if values.isna().any() or not (pd.api.types.is_bool_dtype(values)
                                       or set(pd.unique(values)) <= {0, 1}):
            raise SurveyInputError(f"`answered[{keyword!r}]` must be True/False for every row "
                                   f"(or the name of such a column), got {spec!r}")
        masks[str(keyword)] = (column, values.to_numpy().astype(bool))
    return masks


@dataclass
class _Read:
    """What reading one question gave, for the load report."""

    answers: Answers
    redacted: int = 0


def _build(frame: pd.DataFrame, codebook: Codebook, sources: Mapping[str, Any],
           masks: Mapping[str, tuple[Hashable | None, np.ndarray]],
           interpretations: str | Path | None, backend: str | Backend | None, *,
           from_codebook: bool) -> SurveyParts:
    n = len(frame)
    if n == 0:
        raise SurveyInputError("the DataFrame has no rows (no respondents)")
    readable = [q for q in codebook.questions if not q.interpreted]
    multiple = [q.keyword for q in readable if q.multiple]
    for keyword in masks:
        if keyword not in multiple:
            raise SurveyInputError(f"`answered` names {keyword!r}, which is not a "
                                   f"multiple-choice question; they are: {', '.join(multiple)}")
    reads: dict[str, _Read] = {}
    for q in readable:
        source = sources.get(q.keyword)
        if isinstance(source, FrameSource):
            pass
        elif q.layout == "columns":
            source = FrameSource("indicators", tuple(sources[f"{q.keyword}[{o.keyword}]"]
                                                      for o in q.options),
                                 sources.get(f"{q.keyword}[other]"))
        else:
            source = FrameSource("cell", (sources[q.keyword],))
        mask = masks.get(q.keyword, (None, None))[1]
        reads[q.keyword] = _read_question(frame, q, source, mask, from_codebook, backend)
    answers = {k: r.answers for k, r in reads.items()}
    report_kwargs: dict = {}
    if interpretations is not None:
        result = read_interpretations(interpretations, codebook, n_rows=n)
        answers.update(result.answers)
        report_kwargs.update(interpretations=result.path)
    redacted = {k: r.redacted for k, r in reads.items() if r.redacted}
    warnings: list[str] = []
    timestamps = None
    free_text = pd.DataFrame(index=pd.RangeIndex(n))
    for column in codebook.columns:
        label = sources.get(column.keyword)
        if label is None or isinstance(label, FrameSource):
            continue
        if column.kind == "timestamp" and timestamps is None:
            timestamps = _timestamps(frame[label], column.keyword, warnings)
        elif column.kind == "free":
            free_text[column.keyword], count = _free(frame[label])
            if count:
                redacted[column.keyword] = count
    personal = tuple(c.keyword for c in codebook.columns
                     if c.kind == "personal" and c.keyword in sources)
    unanswered = tuple(k for k, a in answers.items() if a.n_answered == 0)
    warnings += [f"nobody answered question `{k}` in the DataFrame" for k in unanswered]
    report = LoadReport(
        source=SOURCE, file_format="dataframe", encoding=None, delimiter=None, n_rows=n,
        n_respondents=n,
        unmatched=tuple(u for a in answers.values() for u in other_answer_counts(a)),
        set_aside=LoadReport.set_aside_of(codebook),
        personal_columns_dropped=personal, unanswered_questions=unanswered,
        personal_data_redacted=tuple(redacted.items()), warnings=tuple(warnings),
        **report_kwargs)
    return SurveyParts(codebook, answers, np.arange(1, n + 1, dtype=np.int64), report,
                       timestamps, free_text, frame.index.copy())


def _read_question(frame: pd.DataFrame, q: Question, source: FrameSource,
                   mask: np.ndarray | None, from_codebook: bool,
                   backend: str | Backend | None) -> _Read:
    if source.shape == "indicators":
        where = f"DataFrame columns of `{q.keyword}`"
        codes, distinct = _indicator_cells(frame, q, source)
    else:
        label = source.columns[0]
        where = f"DataFrame column {label!r}"
        values = frame[label]
        if from_codebook and not holds_lists(values):
            answers, redacted = _parse_strings(values, q, label, frame.index, backend)
            if mask is not None:
                answers = _masked(answers, mask, where, frame.index)
            return _Read(answers, redacted)
        codes, distinct = _factorize(values, cell_key(q.separator if q.multiple else None))
        if not q.multiple:
            _check_single(codes, distinct, where, frame.index)
    codes, distinct = _apply_mask(codes, distinct, mask, q, where, frame.index)
    if q.required and (codes < 0).any():
        row = frame.index[int(np.flatnonzero(codes < 0)[0])]
        raise SurveyInputError(f"{where}, row {row!r}: required question `{q.keyword}` is empty")
    return _answers(q, codes, distinct, where, frame.index)


def _factorize(values: pd.Series, key: Callable[[Any], tuple | None]
               ) -> tuple[np.ndarray, list[tuple]]:
    keys = np.empty(len(values), dtype=object)
    keys[:] = [key(v) for v in values.array]
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    return codes.astype(np.int32), list(uniques)


def _check_single(codes: np.ndarray, distinct: list[tuple], where: str, index: pd.Index
                  ) -> None:
    for k, cell in enumerate(distinct):
        if len(cell) != 1:
            row = index[int(np.flatnonzero(codes == k)[0])]
            raise SurveyInputError(f"{where}, row {row!r}: a single-choice question takes one "
                                   f"value, got {len(cell)}; pass the column in `multiple=`")


def _indicator_cells(frame: pd.DataFrame, q: Question, source: FrameSource
                     ) -> tuple[np.ndarray, list[tuple]]:
    ticks = np.column_stack([_ticked(frame[c]) for c in source.columns])
    other = np.full(len(frame), -1, dtype=np.int64)
    texts: list[str] = []
    if source.other_column is not None:
        other_codes, uniques = pd.factorize(frame[source.other_column].map(
            lambda v: None if is_missing(v) else value_text(v)), use_na_sentinel=True)
        other, texts = other_codes.astype(np.int64), [str(u) for u in uniques]
    rows = np.column_stack([ticks.astype(np.int64), other])
    patterns, first, codes = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)                       # patterns in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    codes = rank[codes.reshape(-1)].astype(np.int32)
    distinct = []
    for p in patterns[order]:
        items = tuple(q.options[j].text for j in np.flatnonzero(p[:-1]))
        distinct.append(items + ((texts[p[-1]],) if p[-1] >= 0 else ()))
    blank = np.array([not d for d in distinct] + [True])
    return np.where(blank[codes], -1, codes).astype(np.int32), distinct


def _ticked(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
        return np.nan_to_num(numbers, nan=0.0) != 0
    return np.array([not is_missing(v) and normalize_text(value_text(v)) not in NOT_TICKED
                     for v in values.array], dtype=bool)


def _apply_mask(codes: np.ndarray, distinct: list[tuple], mask: np.ndarray | None,
                q: Question, where: str, index: pd.Index) -> tuple[np.ndarray, list[tuple]]:
    """Missing cells of respondents who answered become "ticked none"; the others -1."""
    if mask is None:
        return codes, distinct
    ticked = codes >= 0
    ticked[ticked] = [bool(distinct[c]) for c in codes[ticked]]
    conflict = ticked & ~mask
    if conflict.any():
        row = index[int(np.flatnonzero(conflict)[0])]
        raise SurveyInputError(f"{where}, row {row!r}: answers are ticked but `answered` says "
                               f"the respondent did not answer `{q.keyword}`")
    if () not in distinct:
        distinct = [*distinct, ()]
    none = distinct.index(())
    codes = np.where(mask, np.where(codes >= 0, codes, none), -1).astype(np.int32)
    return codes, distinct


def _answers(q: Question, codes: np.ndarray, distinct: list[tuple], where: str,
             index: pd.Index) -> _Read:
    """Answers from distinct cells (tuples of option texts, keywords or other texts)."""
    exact: dict[str, int] = {}
    folded: dict[str, int] = {}
    for j, o in enumerate(q.options):
        exact.setdefault(o.text, j)
        folded.setdefault(normalize_text(o.text), j)
    for j, o in enumerate(q.options):
        exact.setdefault(o.keyword, j)
        folded.setdefault(normalize_text(o.keyword), j)
    levels = [Level(o.keyword, o.text) for o in q.options]
    others: dict[str, int] = {}
    used = np.zeros(len(distinct) + 1, dtype=bool)
    used[codes] = True
    cells = np.zeros((len(distinct), len(q.options)), dtype=np.uint8)
    extra: list[tuple[int, int]] = []
    redacted = 0
    for k in np.flatnonzero(used[:-1]):
        for item in distinct[k]:
            text, count = value_text(item), 0
            j = exact.get(text, folded.get(normalize_text(text)))
            if j is None:  # options made from data hold the text with personal data replaced
                text, count = redact_personal_data(text)
                j = exact.get(text, folded.get(normalize_text(text)))
            rows = int(np.count_nonzero(codes == k)) if count else 0
            redacted += count * rows
            if j is None:
                if not q.other:
                    row = index[int(np.flatnonzero(codes == k)[0])]
                    raise SurveyInputError(
                        f"{where}, row {row!r}: {_short(text)!r} is not an option of "
                        f"`{q.keyword}`; options: {', '.join(o.keyword for o in q.options)}")
                j = others.setdefault(normalize_text(text), len(levels))
                if j == len(levels):
                    levels.append(Level(text, text, is_other=True))
                extra.append((k, j))
                continue
            cells[k, j] = 1
    if others:
        cells = np.hstack([cells, np.zeros((len(distinct), len(others)), dtype=np.uint8)])
        for k, j in extra:
            cells[k, j] = 1
    return _Read(Answers(q, np.ascontiguousarray(codes, dtype=np.int32), cells, tuple(levels)),
                 redacted)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _strings(values: pd.Series, q: Question) -> pd.Series:
    """Cells as the strings an export would hold; single-choice keywords become option texts."""
    texts = {o.keyword: o.text for o in q.options}
    known = {normalize_text(o.text) for o in q.options}

    def text(value: Any) -> str:
        if is_missing(value):
            return ""
        label = value_text(value)
        if not q.multiple and normalize_text(label) not in known:
            return texts.get(label, label)
        return label

    return pd.Series([text(v) for v in values.array], dtype=object)


def _parse_strings(values: pd.Series, q: Question, label: Hashable, index: pd.Index,
                   backend: str | Backend | None) -> tuple[Answers, int]:
    """A string column read with the rules of an export (same code path as a file), and the
    number of e-mail addresses and phone numbers replaced in it (counted as the reader does:
    in each cell)."""
    texts = _strings(values, q)
    try:
        answers = parse_choice_column(texts, q, backend)
    except SurveyInputError as exc:
        raise SurveyInputError(_locate(str(exc), label, index)) from None
    codes, distinct = pd.factorize(texts)
    per_cell = np.array([redact_personal_data(t.strip())[1] for t in distinct] + [0])
    return answers, int(per_cell[codes].sum())


def _masked(a: Answers, mask: np.ndarray, where: str, index: pd.Index) -> Answers:
    """``a`` where respondents marked as answering without an answer ticked none."""
    conflict = (a.codes >= 0) & ~mask
    if conflict.any():
        row = index[int(np.flatnonzero(conflict)[0])]
        raise SurveyInputError(f"{where}, row {row!r}: answers are ticked but `answered` says "
                               f"the respondent did not answer `{a.question.keyword}`")
    cells = np.vstack([a.cells, np.zeros((1, a.cells.shape[1]), dtype=np.uint8)])
    codes = np.where(mask, np.where(a.codes >= 0, a.codes, len(a.cells)), -1).astype(np.int32)
    return Answers(a.question, codes, cells, a.levels)


_ROW = re.compile(r"^<column>, row (\d+), column `[^`]*`: (.*?)(?:; fix the cell, or skip .*)?$",
                  re.S)


def _locate(message: str, label: Hashable, index: pd.Index) -> str:
    """An error of :func:`parse_choice_column` naming the DataFrame column and index label."""
    match = _ROW.match(message)
    if match:
        position = int(match.group(1)) - 2
        row = index[position] if 0 <= position < len(index) else position
        return f"DataFrame column {label!r}, row {row!r}: {match.group(2)}; fix the cell"
    return f"DataFrame column {label!r}: " + re.sub(r"^<column>: (column `[^`]*`: )?", "",
                                                     message)


def _timestamps(values: pd.Series, keyword: str, warnings: list[str]) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.reset_index(drop=True).rename(keyword)
    texts = pd.Series(["" if is_missing(v) else str(v) for v in values.array], dtype=object)
    parsed, problems = parse_timestamps(texts, column=f"DataFrame column {values.name!r}",
                                        rows=np.arange(1, len(values) + 1))
    warnings += problems
    return parsed.rename(keyword)


def _free(values: pd.Series) -> tuple[pd.Series, int]:
    """A free-text column as strings (blank: ``""``), personal data replaced."""
    texts, count = redact_column(pd.Series(["" if is_missing(v) else str(v)
                                            for v in values.array]))
    return pd.Series(texts.tolist()), count  # strings, as the reader's free-text columns
