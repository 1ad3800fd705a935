"""Counts per question and cross counts of two questions.

Both work on the compressed answers (a code per respondent, an indicator row per distinct
cell): counts are ``bincount(codes) @ cells``; a cross table is
``cells_aᵀ · joint(codes_a, codes_b) · cells_b``, exact integer arithmetic, on the backend's
array namespace. When two questions have so many distinct cells that the joint table would
be larger than the data, the cross table falls back to the product of the indicator matrices,
accumulated in chunks so that float32 GPU sums stay exact.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .backend import Backend, resolve_backend
from .display import FrameRepr
from .encoding import encode, gather_rows
from .errors import SurveyInputError
from .survey import Answers, Survey

__all__ = ["Counts", "all_crosstabs", "counts", "crosstab", "transposed"]

Percent = Literal[None, "row", "column", "total"]

#: Rows per chunk of an indicator product: float32 sums of 0/1 are exact below 2**24.
EXACT_FLOAT32_ROWS = 2**24 - 1
#: Rows per chunk of the all-pairs Gram matrix (bounds the float32 copy: 2^17 rows x width).
GRAM_CHUNK_ROWS = 1 << 17
#: Fewest respondents per Gram partition sent to a Dask worker; smaller surveys are crossed
#: in this process.
MIN_GRAM_ROWS = 1 << 16
#: The joint table of distinct cells is used while it has at most this many entries...
JOINT_MIN_CELLS = 1 << 20
#: ... and at most this many times the number of respondents used.
JOINT_ROWS_FACTOR = 4


@dataclass(frozen=True, eq=False)
class Counts(FrameRepr):
    """Answers to one question, counted.

    Attributes
    ----------
    question : str
    n_respondents : int
        Respondents in the survey.
    n_answered : int
        Respondents who answered this question (base of ``pct_of_respondents``).
    n_mentions : int
        Answers given in all (base of ``pct_of_mentions``; larger than ``n_answered`` for
        a multiple-choice question).
    table : pandas.DataFrame
        Indexed by level keyword: ``count``, ``pct_of_respondents`` (% of those who
        answered; may sum past 100 for multiple choice), ``pct_of_mentions`` (% of all
        answers given; sums to 100), ``other`` (a respondent's own "other" answer).
    """

    question: str
    n_respondents: int
    n_answered: int
    n_mentions: int
    table: pd.DataFrame
    #: The options are a scale (``ordered = true``): shown in codebook order, never by count.
    ordered: bool = False
    #: What figures and tables show for each level keyword (the option's label or text).
    labels: Mapping[str, str] = field(default_factory=dict)
    #: The question's label.
    title: str = ""

    def to_frame(self) -> pd.DataFrame:
        """The counts table."""
        return self.table


def counts(survey: Survey, question: str, *, backend: str | Backend | None = None) -> Counts:
    """Count the answers to one question, with both percentage bases labelled.

    Parameters
    ----------
    survey : Survey
    question : str
        Question keyword.
    backend : {"auto", "cpu", "gpu"}, optional

    Returns
    -------
    Counts

    Examples
    --------
    >>> from espri_gpu import counts, load_example
    >>> c = counts(load_example("espri2020"), "big_data", backend="cpu")
    >>> c.n_answered, c.n_mentions, int(c.table.loc["volume", "count"])
    (24, 27, 12)
    """
    a = survey.answers_to(question)
    b = resolve_backend(backend)
    xp = b.xp
    codes = b.asarray(a.codes)
    per_cell = xp.bincount(codes[codes >= 0], minlength=a.cells.shape[0])
    level_counts = b.asnumpy(per_cell @ b.asarray(a.cells, dtype=xp.int64)).astype(np.int64)
    n_answered = int(b.asnumpy(per_cell.sum()))
    n_mentions = int(level_counts.sum())
    table = pd.DataFrame({
        "count": level_counts,
        "pct_of_respondents": _percent(level_counts, n_answered),
        "pct_of_mentions": _percent(level_counts, n_mentions),
        "other": [lv.is_other for lv in a.levels],
    }, index=pd.Index(a.keywords, name=a.question.keyword))
    return Counts(a.question.keyword, survey.n_respondents, n_answered, n_mentions, table,
                  a.question.ordered, {k: a.question.shown(k) for k in a.keywords},
                  a.question.label)


def _percent(values: np.ndarray, base: int) -> np.ndarray:
    if base == 0:
        return np.full(values.shape, np.nan)
    return 100.0 * values / base


def crosstab(survey: Survey, a: str, b: str, *, percent: Percent = None,
             backend: str | Backend | None = None) -> pd.DataFrame:
    """Cross counts of two choice questions (single or multiple, in any combination).

    Cell (i, j) is the number of respondents who gave answer i to ``a`` and answer j to
    ``b``; a respondent with several answers counts in several cells. Respondents who skipped
    either question are excluded; ``table.attrs`` holds ``n_used``, ``n_excluded`` and, per
    level, ``row_respondents`` / ``column_respondents``.

    Parameters
    ----------
    survey : Survey
    a, b : str
        Question keywords: rows are the levels of ``a``, columns the levels of ``b``.
    percent : {None, "row", "column", "total"}
        Instead of counts, percentages of the respondents giving the row answer (``row``),
        the column answer (``column``) or of all respondents used (``total``). With a
        multiple-choice question these bases are respondents, not ticks, so a row or
        column may sum past 100.
    backend : {"auto", "cpu", "gpu"}, optional

    Returns
    -------
    pandas.DataFrame
        int64 counts (float percentages), every level of both questions (zero rows kept).

    Examples
    --------
    >>> from espri_gpu import crosstab, load_example
    >>> s = load_example("espri2020")
    >>> t = crosstab(s, "lab", "ml_méthodes", backend="cpu")
    >>> int(t.loc["LATMOS", "kmeans"]), t.attrs["n_used"]
    (8, 44)
    >>> row = crosstab(s, "compétence", "maturité_projet", percent="row").loc["interet"]
    >>> float(row.sum().round(6))
    100.0
    """
    if percent not in (None, "row", "column", "total"):
        raise SurveyInputError(f"`percent` is {percent!r}; expected None, 'row', 'column' or "
                               "'total'")
    answers_a, answers_b = survey.answers_to(a), survey.answers_to(b)
    back = resolve_backend(backend)
    table, n_used = cross_counts(answers_a, answers_b, back)
    rows_base, cols_base = _bases(answers_a, answers_b)
    frame = pd.DataFrame(table, index=pd.Index(answers_a.keywords, name=answers_a.question.keyword),
                         columns=pd.Index(answers_b.keywords, name=answers_b.question.keyword))
    with np.errstate(divide="ignore", invalid="ignore"):
        if percent == "row":
            frame = 100.0 * frame.div(rows_base, axis=0)
        elif percent == "column":
            frame = 100.0 * frame.div(cols_base, axis=1)
        elif percent == "total":
            frame = 100.0 * frame / n_used if n_used else frame * np.nan
    frame.attrs.update(n_used=n_used, n_excluded=survey.n_respondents - n_used,
                       row_respondents=rows_base.tolist(), column_respondents=cols_base.tolist(),
                       **_labels(_shown(answers_a), _shown(answers_b)))
    return frame


def _shown(a: Answers) -> tuple[list[str], str, list[bool]]:
    """What figures show of one question's levels: their labels, the question's label, and
    which levels are respondents' own answers."""
    return ([a.question.shown(k) for k in a.keywords], a.question.label,
            [lv.is_other for lv in a.levels])


def _labels(a: tuple[list[str], str, list[bool]],
            b: tuple[list[str], str, list[bool]]) -> dict[str, object]:
    """The ``attrs`` of a cross table of ``a`` by ``b`` saying what its rows and columns show
    (``a``, ``b``: :func:`_shown` of each question)."""
    return {"row_labels": a[0], "column_labels": b[0], "row_title": a[1],
            "column_title": b[1], "row_other": a[2], "column_other": b[2]}


def transposed(table: pd.DataFrame) -> pd.DataFrame:
    """A cross table of ``a`` by ``b`` as the table of ``b`` by ``a`` (``attrs`` swapped).

    Examples
    --------
    >>> from espri_gpu import crosstab, load_example
    >>> s = load_example("espri2020")
    >>> t, other = transposed(crosstab(s, "lab", "compétence")), crosstab(s, "compétence", "lab")
    >>> t.equals(other), t.attrs == other.attrs
    (True, True)
    """
    flipped = table.T
    attrs = dict(table.attrs)
    for row, column in (("row_respondents", "column_respondents"),
                        ("row_labels", "column_labels"), ("row_title", "column_title"),
                        ("row_other", "column_other")):
        if row in attrs or column in attrs:
            attrs[row], attrs[column] = table.attrs.get(column), table.attrs.get(row)
    flipped.attrs = attrs
    return flipped


def _bases(a: Answers, b: Answers) -> tuple[np.ndarray, np.ndarray]:
    """Respondents (answering both) giving each level of ``a`` and of ``b``."""
    both = (a.codes >= 0) & (b.codes >= 0)
    per_a = np.bincount(a.codes[both], minlength=a.cells.shape[0])
    per_b = np.bincount(b.codes[both], minlength=b.cells.shape[0])
    return per_a @ a.cells.astype(np.int64), per_b @ b.cells.astype(np.int64)


def all_crosstabs(survey: Survey, questions: Sequence[str] | None = None, *,
                  backend: str | Backend | None = None) -> dict[tuple[str, str], pd.DataFrame]:
    """Cross tables of every pair of questions from one Gram matrix XᵀX.

    X concatenates the indicator matrices of the questions; a respondent who skipped a
    question has zeros there, so each block of XᵀX counts exactly the respondents who
    answered both questions. The product is accumulated in chunks of rows, in float32
    (exact below 2^24 per chunk) on the GPU and the CPU, summed in int64.

    Parameters
    ----------
    survey : Survey
    questions : sequence of str, optional
        Default: every question with answers.
    backend : {"auto", "cpu", "gpu"} or Backend, optional
        A backend with a Dask client (``resolve_backend("cpu", client=client)``) sums the
        Gram matrices of partitions of respondents computed on its workers (same tables).

    Returns
    -------
    dict
        ``(a, b) -> DataFrame`` for every pair a before b in ``questions`` order, each equal
        to ``crosstab(survey, a, b)`` (same ``attrs``).

    Examples
    --------
    >>> from espri_gpu import all_crosstabs, crosstab, load_example
    >>> s = load_example("espri2020")
    >>> tables = all_crosstabs(s, ["lab", "ml_méthodes", "ml_usages"])
    >>> tables[("lab", "ml_méthodes")].equals(crosstab(s, "lab", "ml_méthodes"))
    True
    """
    keywords = list(questions) if questions is not None else list(survey.questions)
    answers = [survey.answers_to(k) for k in keywords]
    back = resolve_backend(backend)
    gram, used = indicator_gram(answers, back)
    offsets = np.cumsum([0] + [len(a.levels) for a in answers])
    shown = [_shown(a) for a in answers]  # once per question, not once per pair
    tables = {}
    for i, j in itertools.combinations(range(len(answers)), 2):
        a, b = answers[i], answers[j]
        block = gram[offsets[i]:offsets[i + 1], offsets[j]:offsets[j + 1]]
        frame = pd.DataFrame(block, index=pd.Index(a.keywords, name=a.question.keyword),
                             columns=pd.Index(b.keywords, name=b.question.keyword))
        rows_base, cols_base = _bases(a, b)
        n_used = int(used[i, j])
        frame.attrs.update(n_used=n_used, n_excluded=survey.n_respondents - n_used,
                           row_respondents=rows_base.tolist(),
                           column_respondents=cols_base.tolist(),
                           **_labels(shown[i], shown[j]))
        tables[(a.question.keyword, b.question.keyword)] = frame
    return tables


def indicator_gram(answers: Sequence[Answers], back: Backend) -> tuple[np.ndarray, np.ndarray]:
    """XᵀX of the concatenated indicators and the respondents answering each pair (int64).

    Where ``back``'s executor runs tasks on Dask workers (:meth:`Backend.on`), the sum of
    the Gram matrices of partitions of respondents (:data:`MIN_GRAM_ROWS` at least): each
    worker gets the codes of one partition (4 bytes per respondent and question) and the
    small distinct-cell tables, builds that partition's indicator rows and returns its Gram
    matrix, so that no worker holds the whole indicator matrix. Exact in int64: the same
    result as in one process.
    """
    executor = back.executor
    n = int(answers[0].codes.shape[0])
    tasks = executor.n_tasks(n, MIN_GRAM_ROWS)
    if tasks <= 1:
        return _gram_block(answers, back)
    size = math.ceil(n / tasks)
    blocks = [[_slice_codes(a, start, start + size) for a in answers]
              for start in range(0, n, size)]
    results = executor.map(functools.partial(_gram_block, backend=executor.portable(back)),
                           blocks, what=f"the Gram matrix of {len(answers)} questions",
                           scatter=True)
    gram = np.sum([g for g, _ in results], axis=0, dtype=np.int64)
    used = np.sum([u for _, u in results], axis=0, dtype=np.int64)
    return gram, used


def _gram_block(answers: Sequence[Answers], backend: str | Backend
                ) -> tuple[np.ndarray, np.ndarray]:
    """The Gram matrix of one partition of respondents, in chunks of rows (a task: on a
    worker, ``backend`` is a name resolved there)."""
    back = resolve_backend(backend)
    xp = back.xp
    n = answers[0].codes.shape[0]
    width = sum(len(a.levels) for a in answers)
    gram = np.zeros((width, width), dtype=np.int64)
    used = np.zeros((len(answers), len(answers)), dtype=np.int64)
    for start in range(0, n, GRAM_CHUNK_ROWS):
        stop = min(n, start + GRAM_CHUNK_ROWS)
        chunk = [_slice_codes(a, start, stop) for a in answers]
        x, answered = encode(chunk, back)
        x, answered = x.astype(xp.float32), answered.astype(xp.float32)
        gram += np.rint(back.asnumpy(x.T @ x)).astype(np.int64)
        used += np.rint(back.asnumpy(answered.T @ answered)).astype(np.int64)
    return gram, used


def _slice_codes(a: Answers, start: int, stop: int) -> Answers:
    return Answers(a.question, a.codes[start:stop], a.cells, a.levels)


def cross_counts(a: Answers, b: Answers, back: Backend) -> tuple[np.ndarray, int]:
    """Host int64 cross table of two questions and the number of respondents used."""
    xp = back.xp
    codes_a, codes_b = back.asarray(a.codes), back.asarray(b.codes)
    both = (codes_a >= 0) & (codes_b >= 0)
    ca, cb = codes_a[both], codes_b[both]
    n_used = int(back.asnumpy(both.sum()))
    na, nb = a.cells.shape[0], b.cells.shape[0]
    if na * nb <= max(JOINT_ROWS_FACTOR * n_used, JOINT_MIN_CELLS):
        joint = xp.bincount(ca.astype(xp.int64) * nb + cb, minlength=na * nb).reshape(na, nb)
        cells_a = back.asarray(a.cells, dtype=xp.int64)
        cells_b = back.asarray(b.cells, dtype=xp.int64)
        return back.asnumpy(cells_a.T @ joint @ cells_b).astype(np.int64), n_used
    return _indicator_product(a, b, ca, cb, back), n_used


def _indicator_product(a: Answers, b: Answers, ca: Any, cb: Any, back: Backend) -> np.ndarray:
    """XaᵀXb over the used respondents, in chunks exact in float32 (GPU) or float64 (CPU)."""
    xp = back.xp
    dtype = xp.float32 if back.is_gpu else xp.float64
    total = np.zeros((len(a.levels), len(b.levels)), dtype=np.int64)
    for start in range(0, int(ca.shape[0]), EXACT_FLOAT32_ROWS):
        stop = start + EXACT_FLOAT32_ROWS
        xa = gather_rows(a, back, ca[start:stop]).astype(dtype)
        xb = gather_rows(b, back, cb[start:stop]).astype(dtype)
        total += np.rint(back.asnumpy(xa.T @ xb)).astype(np.int64)
    return total
