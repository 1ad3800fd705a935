"""Checking a survey read from a synthetic export against the export's truth
(:func:`read_back_check`, for the exports of :mod:`espri_gpu.synthetic_layouts`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .synthetic_answers import SyntheticExport

__all__ = ["read_back_check"]


def read_back_check(export: SyntheticExport, survey: Any) -> None:
    """Check that a survey read from ``export`` holds exactly its truth.

    For every question of the truth, the answers read (``answers.cells[answers.codes]``
    masked by ``answers.answered``) must equal the truth matrix level by level (levels
    matched by keyword: the option keywords, then the "other" texts; levels read but absent
    from the truth must be empty), and the answered masks must be equal. Timestamps and
    free texts are compared where the survey has them.

    Parameters
    ----------
    export : SyntheticExport
    survey : Survey
        What :func:`espri_gpu.read_survey` gave for ``export.write(folder)`` and the codebook
        ``export.codebook_toml``.

    Raises
    ------
    AssertionError
        At the first difference, naming the question, the level and the first data row
        (1-based) that differs.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import numpy as np
    >>> from espri_gpu.synthetic_layouts import synthetic_export
    >>> export = synthetic_export(3, layout="kaggle", seed=2)
    >>> class Answers:  # a stand-in: one distinct cell per respondent
    ...     def __init__(self, truth):
    ...         self.codes = np.where(truth.answered, np.arange(3), -1)
    ...         self.cells, self.answered = truth.matrix, truth.answered
    ...         self.keywords = truth.levels
    >>> survey = SimpleNamespace(n_respondents=3, timestamps=None, free_text=None,
    ...                          answers_to=lambda k: Answers(export.truth[k]))
    >>> read_back_check(export, survey)
    """
    n = export.n_respondents
    assert survey.n_respondents == n, f"read {survey.n_respondents} respondents, expected {n}"
    for keyword, truth in export.truth.items():
        answers = survey.answers_to(keyword)
        answered = np.asarray(answers.answered, dtype=bool)
        _first_difference(answered, truth.answered, f"`{keyword}`: answered")
        cells = np.asarray(answers.cells)
        got = (cells[np.where(answered, answers.codes, 0)] * answered[:, None] if len(cells)
               else np.zeros((n, len(answers.keywords)), dtype=np.uint8))
        read = list(answers.keywords)
        for j, level in enumerate(truth.levels):
            column = got[:, read.index(level)] if level in read else np.zeros(n, np.uint8)
            _first_difference(column, truth.matrix[:, j], f"`{keyword}`, level {level!r}")
        for j, level in enumerate(read):
            if level not in truth.levels and got[:, j].any():
                row = int(np.flatnonzero(got[:, j])[0]) + 1
                raise AssertionError(f"`{keyword}`: level {level!r} read at data row {row}, "
                                     "absent from the truth")
    if survey.timestamps is not None and export.timestamps:
        expected = next(iter(export.timestamps.values()))
        stamps = np.asarray(survey.timestamps, dtype="datetime64[s]")
        _first_difference(stamps, expected, "timestamps")
    if survey.free_text is not None:
        for keyword, texts in export.free_text.items():
            if keyword in survey.free_text:
                read_texts = survey.free_text[keyword].fillna("").to_numpy(dtype=object)
                _first_difference(read_texts, texts, f"free text `{keyword}`")


def _first_difference(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    differ = np.asarray(got != expected)
    if differ.any():
        row = int(np.flatnonzero(differ)[0])
        raise AssertionError(f"{what}: data row {row + 1} read {got[row]!r}, "
                             f"expected {expected[row]!r}")
