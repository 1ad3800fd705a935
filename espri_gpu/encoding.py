"""One-hot (indicator) encoding of survey questions, on the CPU or the GPU.

The indicator row of a respondent is the row of their distinct cell in the question's
small ``cells`` table, so encoding is a single gather ``cells[codes]`` per question, written
once against the backend's array namespace (NumPy or CuPy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .backend import Backend, resolve_backend
from .survey import Answers, Survey

__all__ = ["Indicators", "one_hot"]


@dataclass(frozen=True, eq=False)
class Indicators:
    """An indicator matrix with its column index and answer masks (host data).

    Attributes
    ----------
    matrix : numpy.ndarray of uint8, shape (n_respondents, n_columns)
        1 where the respondent gave that answer. A respondent who skipped a question has
        zeros there *and* False in ``answered``: tell them apart with ``answered``.
    columns : pandas.MultiIndex
        Levels ``question``, ``keyword`` (display label) and ``other`` (True for a
        respondent's own "other" answer).
    answered : numpy.ndarray of bool, shape (n_respondents, n_questions)
        Whether each respondent answered each question.
    questions : tuple of str
    backend : str
        Where the encoding ran ("cpu" or "gpu").
    """

    matrix: np.ndarray
    columns: pd.MultiIndex
    answered: np.ndarray
    questions: tuple[str, ...]
    backend: str

    def to_frame(self) -> pd.DataFrame:
        """The matrix as a DataFrame with ``(question, keyword)`` columns."""
        columns = self.columns.droplevel("other")
        return pd.DataFrame(self.matrix, columns=columns)


def one_hot(survey: Survey, questions: str | Sequence[str], *,
            backend: str | Backend | None = None) -> Indicators:
    """Indicator (one-hot) matrix of one or several questions.

    Parameters
    ----------
    survey : Survey
    questions : str or sequence of str
        Question keywords; their columns are concatenated in this order.
    backend : {"auto", "cpu", "gpu"}, optional
        Where to compute (default: ``$ESPRI_GPU_BACKEND`` or auto). The result is brought
        back to the host.

    Returns
    -------
    Indicators

    Raises
    ------
    SurveyInputError
        For an unknown question.

    Examples
    --------
    >>> from espri_gpu import load_example, one_hot
    >>> ind = one_hot(load_example("espri2020"), ["compétence", "big_data"], backend="cpu")
    >>> ind.matrix.shape[0], ind.answered.sum(axis=0).tolist()
    (62, [62, 24])
    """
    if isinstance(questions, str):
        questions = [questions]
    if not questions:
        raise ValueError("`questions` is empty; give at least one question keyword")
    answers = [survey.answers_to(q) for q in questions]
    b = resolve_backend(backend)
    matrix, answered = encode(answers, b)
    tuples = [(a.question.keyword, lv.keyword, lv.is_other) for a in answers for lv in a.levels]
    columns = pd.MultiIndex.from_tuples(tuples, names=["question", "keyword", "other"])
    return Indicators(b.asnumpy(matrix), columns, b.asnumpy(answered),
                      tuple(a.question.keyword for a in answers), b.name)


def gather_rows(answers: Answers, b: Backend, codes: Any = None) -> Any:
    """Indicator rows of ``answers`` on backend ``b`` (for ``codes``, default: everyone)."""
    xp = b.xp
    cells = b.asarray(answers.cells)
    table = xp.concatenate([cells, xp.zeros((1, cells.shape[1]), dtype=xp.uint8)])
    codes = b.asarray(answers.codes if codes is None else codes)
    return table[xp.where(codes < 0, cells.shape[0], codes)]


def encode(answers: Sequence[Answers], b: Backend) -> tuple[Any, Any]:
    """Device indicator matrix and answered mask for several questions (internal)."""
    xp = b.xp
    n = answers[0].codes.shape[0]
    width = sum(len(a.levels) for a in answers)
    matrix = xp.empty((n, width), dtype=xp.uint8)
    answered = xp.empty((n, len(answers)), dtype=bool)
    start = 0
    for j, a in enumerate(answers):
        stop = start + len(a.levels)
        matrix[:, start:stop] = gather_rows(a, b)
        answered[:, j] = b.asarray(a.codes) >= 0
        start = stop
    return matrix, answered
