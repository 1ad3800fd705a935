"""Seeded synthetic survey exports of any size, for tests and benchmarks.

Answers are drawn per question from skewed distributions; multiple-choice options are
correlated through a latent respondent profile (as real surveys are: neural-network users
tick MLP *and* deep learning); a few respondents type their own "other" answer, some skip
questions. The strings are written exactly as Google Forms exports them, so the same answer
strings repeat as they do in real exports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .codebook import Codebook, Question

__all__ = ["SyntheticSurvey", "synthetic_survey"]

OTHER_TEXTS = ("Gaussian Mixture Model", "processus gaussiens, krigeage", "Reservoir Computing",
               "serveur du labo, sans GPU")
N_PROFILES = 3


@dataclass(frozen=True, eq=False)
class SyntheticSurvey:
    """A synthetic export and the truth it was drawn from.

    Attributes
    ----------
    frame : pandas.DataFrame
        The export: one column per codebook column, headers as the codebook says, strings.
    truth : dict
        Question keyword -> (indicator matrix over ``levels``, answered mask, levels), where
        levels are the option keywords then the "other" texts that occur.
    """

    frame: pd.DataFrame
    truth: dict[str, tuple[np.ndarray, np.ndarray, tuple[str, ...]]]

    def to_csv(self, path: str) -> None:
        """Write the export as a Google Forms CSV (UTF-8, comma, minimal quoting)."""
        self.frame.to_csv(path, index=False, lineterminator="\n")


def synthetic_survey(codebook: Codebook, n: int, *, seed: int = 0, p_skip: float = 0.15,
                     p_other: float = 0.02) -> SyntheticSurvey:
    """Draw ``n`` synthetic respondents for the columns of ``codebook``.

    Parameters
    ----------
    codebook : Codebook
    n : int
        Number of respondents.
    seed : int
        Seed of NumPy's PCG64 generator: the same seed gives the same export.
    p_skip : float
        Probability that a respondent skips an optional question.
    p_other : float
        Probability of a free "other" answer where the question allows one.

    Returns
    -------
    SyntheticSurvey

    Examples
    --------
    >>> from espri_gpu.codebook import load_codebook
    >>> from espri_gpu.example import example_path
    >>> cb = load_codebook(example_path("espri2020", "codebook.toml"))
    >>> s = synthetic_survey(cb, 100, seed=1)
    >>> s.frame.shape
    (100, 17)
    """
    rng = np.random.default_rng(seed)
    profile = rng.integers(0, N_PROFILES, size=n)
    columns: dict[str, np.ndarray] = {}
    truth: dict[str, tuple[np.ndarray, np.ndarray, tuple[str, ...]]] = {}
    for column in codebook.columns:
        if column.kind in ("single", "multiple"):
            question = codebook.question(column.keyword)
            strings, matrix, answered, levels = _choice_column(question, profile, rng, p_skip,
                                                               p_other)
            truth[question.keyword] = (matrix, answered, levels)
            columns[column.header] = strings
        elif column.kind == "timestamp":
            seconds = np.sort(rng.integers(0, 40 * 86400, size=n))
            stamps = pd.Timestamp("2020-05-26 09:00:00") + pd.to_timedelta(seconds, unit="s")
            columns[column.header] = stamps.strftime("%d/%m/%Y %H:%M:%S").to_numpy(dtype=object)
        elif column.kind == "personal":
            has = rng.random(n) < 0.3
            columns[column.header] = np.where(
                has, np.char.add(np.char.add("personne", np.arange(n).astype(str)),
                                 "@example.org"), "").astype(object)
        else:
            texts = np.array(["", "Télédétection des nuages", "Simulations climatiques, CMIP6",
                              "Océan et biogéochimie"], dtype=object)
            columns[column.header] = texts[rng.integers(0, len(texts), size=n)]
    return SyntheticSurvey(pd.DataFrame(columns), truth)


def _choice_column(question: Question, profile: np.ndarray, rng: np.random.Generator,
                   p_skip: float, p_other: float):
    n = profile.shape[0]
    k = len(question.options)
    answered = np.ones(n, dtype=bool) if question.required else rng.random(n) >= p_skip
    others = OTHER_TEXTS if question.other else ()
    matrix = np.zeros((n, k + len(others)), dtype=np.uint8)
    if question.multiple:
        # each profile ticks each option with its own probability: correlated options
        p = rng.beta(0.6, 2.0, size=(N_PROFILES, k))
        matrix[:, :k] = rng.random((n, k)) < p[profile]
    else:
        weights = rng.dirichlet(np.full(k, 0.7), size=N_PROFILES)
        cumulative = weights.cumsum(axis=1)[profile]
        choice = (rng.random((n, 1)) > cumulative).sum(axis=1).clip(0, k - 1)
        matrix[np.arange(n), choice] = 1
    if others:
        typed = rng.random(n) < p_other
        which = rng.integers(0, len(others), size=n)
        matrix[typed, k + which[typed]] = 1
        if not question.multiple:
            matrix[typed, :k] = 0
    matrix[~answered] = 0
    answered &= matrix.any(axis=1)
    # build each distinct answer string once, then gather
    patterns, inverse = np.unique(matrix, axis=0, return_inverse=True)
    texts = [o.text for o in question.options] + list(others)
    strings = np.array([", ".join(t for t, on in zip(texts, row, strict=True) if on)
                        for row in patterns], dtype=object)[inverse.ravel()]
    present = tuple(o.keyword for o in question.options) + tuple(others)
    return strings, matrix, answered, present
