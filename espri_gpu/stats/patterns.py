"""Answer patterns: respondents with identical answers are interchangeable.

For a pair of questions, the respondents who answered both are summarised by a joint table
of *answer patterns* (distinct indicator rows of each question) with counts. Every
statistic of the tests — the tick table, MMI, SPMI — is a function of this table, and
permuting one question's answers among respondents is drawing a random pattern table with
both margins fixed; so resampling works on a few hundred patterns instead of 10^6 rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..survey import Answers

__all__ = ["PatternTable", "pattern_table"]


@dataclass(frozen=True, eq=False)
class PatternTable:
    """Joint counts of the answer patterns of two questions.

    Attributes
    ----------
    joint : numpy.ndarray of int64, shape (Pa, Pb)
        Respondents with pattern p of ``a`` and pattern q of ``b``.
    a, b : numpy.ndarray of float64, shapes (Pa, I) and (Pb, K)
        Indicator row of each pattern over the levels of each question.
    levels_a, levels_b : tuple of str
    n : int
        Respondents who answered both questions.
    """

    joint: np.ndarray
    a: np.ndarray
    b: np.ndarray
    levels_a: tuple[str, ...]
    levels_b: tuple[str, ...]
    n: int

    @property
    def ticks(self) -> np.ndarray:
        """The level × level table of ticks, Aᵀ J B."""
        return self.a.T @ self.joint @ self.b

    @property
    def row_counts(self) -> np.ndarray:
        """Respondents per pattern of ``a``."""
        return self.joint.sum(axis=1)

    @property
    def col_counts(self) -> np.ndarray:
        """Respondents per pattern of ``b``."""
        return self.joint.sum(axis=0)


def _patterns(answers: Answers, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pattern of each respondent, indicator row of each pattern), used patterns only."""
    # unique rows of the 0/1 cells, on their packed bits (8x less to sort; same order,
    # since packed bytes compare as the bit rows do)
    packed, inverse = np.unique(np.packbits(answers.cells, axis=1), axis=0,
                                return_inverse=True)
    rows = np.unpackbits(packed, axis=1, count=answers.cells.shape[1])
    per_respondent = inverse.ravel()[codes]
    used, compact = np.unique(per_respondent, return_inverse=True)
    return compact.ravel(), rows[used].astype(np.float64)


def pattern_table(a: Answers, b: Answers) -> PatternTable:
    """The joint pattern table of two questions over respondents who answered both.

    Examples
    --------
    >>> from espri_gpu import load_example
    >>> s = load_example("espri2020")
    >>> t = pattern_table(s.answers_to("lab"), s.answers_to("ml_méthodes"))
    >>> t.n, int(t.ticks.sum())
    (44, 168)
    """
    both = (a.codes >= 0) & (b.codes >= 0)
    pa, rows_a = _patterns(a, a.codes[both])
    pb, rows_b = _patterns(b, b.codes[both])
    joint = np.bincount(pa.astype(np.int64) * rows_b.shape[0] + pb,
                        minlength=rows_a.shape[0] * rows_b.shape[0])
    joint = joint.reshape(rows_a.shape[0], rows_b.shape[0]).astype(np.int64)
    return PatternTable(joint, rows_a, rows_b, a.keywords, b.keywords, int(both.sum()))
