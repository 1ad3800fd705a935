"""Counts per question and cross counts of two questions.

Both work on the compressed answers (a code per respondent, an indicator row per distinct
cell): counts are ``bincount(codes) @ cells``; a cross table is
``cells_aᵀ · joint(codes_a, codes_b) · cells_b``, exact integer arithmetic, on the backend's
array namespace. When two questions have so many distinct cells that the joint table would
be larger than the data, the cross table falls back to the product of the indicator matrices,
accumulated in chunks so that float32 GPU sums stay exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .backend import Backend, resolve_backend
from .encoding import gather_rows
from .survey import Answers, Survey

__all__ = ["Counts", "counts", "crosstab"]

#: Rows per chunk of an indicator product: float32 sums of 0/1 are exact below 2**24.
EXACT_FLOAT32_ROWS = 2**24 - 1
#: The joint table of distinct cells is used while it has at most this many entries...
JOINT_MIN_CELLS = 1 << 20
#: ... and at most this many times the number of respondents used.
JOINT_ROWS_FACTOR = 4


@dataclass(frozen=True, eq=False)
class Counts:
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
    return Counts(a.question.keyword, survey.n_respondents, n_answered, n_mentions, table)


def _percent(values: np.ndarray, base: int) -> np.ndarray:
    if base == 0:
        return np.full(values.shape, np.nan)
    return 100.0 * values / base


def crosstab(survey: Survey, a: str, b: str, *,
             backend: str | Backend | None = None) -> pd.DataFrame:
    """Cross counts of two choice questions (single or multiple, in any combination).

    Cell (i, j) is the number of respondents who gave answer i to ``a`` and answer j to
    ``b``; a respondent with several answers counts in several cells. Respondents who skipped
    either question are excluded; ``table.attrs`` holds ``n_used`` and ``n_excluded``.

    Parameters
    ----------
    survey : Survey
    a, b : str
        Question keywords: rows are the levels of ``a``, columns the levels of ``b``.
    backend : {"auto", "cpu", "gpu"}, optional

    Returns
    -------
    pandas.DataFrame
        int64 counts, every level of both questions (zero rows included).

    Examples
    --------
    >>> from espri_gpu import crosstab, load_example
    >>> t = crosstab(load_example("espri2020"), "lab", "ml_méthodes", backend="cpu")
    >>> int(t.loc["LATMOS", "kmeans"]), t.attrs["n_used"]
    (8, 44)
    """
    answers_a, answers_b = survey.answers_to(a), survey.answers_to(b)
    back = resolve_backend(backend)
    table, n_used = cross_counts(answers_a, answers_b, back)
    frame = pd.DataFrame(table, index=pd.Index(answers_a.keywords, name=answers_a.question.keyword),
                         columns=pd.Index(answers_b.keywords, name=answers_b.question.keyword))
    frame.attrs.update(n_used=n_used, n_excluded=survey.n_respondents - n_used)
    return frame


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
