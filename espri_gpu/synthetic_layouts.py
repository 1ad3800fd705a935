"""Seeded synthetic exports in the layouts of common survey tools, with codebook and truth.

One small built-in survey (a timestamp, an e-mail, two single-choice questions -- one an
ordered level "Débutant / Intermédiaire / Avancé" --, two multiple-choice questions -- one with
an option text holding ``", "`` and typed "other" answers, one with an explicit "none"
option --, a free-text column whose answers hold quoted line breaks, and a grid) is drawn once
per seed, then written as each tool writes it. The truth does not depend on the layout: the
same ``n`` and ``seed`` give the same answers in every layout (the grid only where the layout
has it). Each export comes with the codebook a person would write for it (the TOML format of
README.md "Codebook format", extended for issue #13: ``separator``, ``header_rows``,
``ordered``, ``kind = "grid"``, ``layout = "columns"``, ``kind = "ignore"``).

What each layout mimics (bytes as written by the tool, as far as we know them):

``"forms"``
    Google Forms / Sheets CSV download: UTF-8 without BOM, ``,``, minimal quoting, records
    ended by CRLF while line breaks inside answers stay LF, French timestamps
    ``26/05/2020 09:00:00``; a multiple-choice cell joins the ticked option texts with ``", "``
    in form order, the respondent's "Autre" text last; a skipped question is an empty cell.
``"forms-semicolon"``
    The same export with multiple-choice answers joined by ``";"`` (as some tools and
    spreadsheet re-exports write them); the codebook says ``separator = ";"``.
``"forms-grid"``
    The Forms export with a grid question: one column ``"Stem [row text]"`` per row, one
    shared ordered scale, a cell per row (empty when the row was skipped).
``"typeform"``
    Typeform-style CSV with TWO header rows: row 1 holds the question text (repeated over
    every column of a multiple-choice question), row 2 the option text over each option
    column (``"Other"`` over the typed-answer column) and nothing over the other columns. An
    option column holds the option text when ticked, nothing otherwise. First column ``#``
    (a response token), last columns ``Start Date (UTC)``, ``Submit Date (UTC)`` (ISO
    ``2020-05-26 09:00:00``) and ``Network ID``. UTF-8, LF, minimal quoting. The codebook
    names each option column by its row-2 text (``column = "Python"``), ``header_rows = 2``.
``"limesurvey"``
    LimeSurvey "answer codes" CSV export: UTF-8 *with* BOM, every field quoted, CRLF;
    columns ``id``, ``submitdate`` (ISO), ``lastpage``, ``startlanguage``, ``seed``, then one
    column per question code (``Q2``); single-choice cells hold answer codes (``A1``, ...),
    a multiple-choice question has one column per subquestion ``Q4[SQ001]`` holding ``"Y"``
    when ticked and nothing otherwise, plus ``Q4[other]`` for the typed text; the grid
    (an "Array" question) is ``Q7[SQ001]``... holding scale codes.
``"limesurvey-01"``
    The same with ticks converted to ``"1"`` and, for respondents shown the question,
    unticked subquestions written ``"0"`` (non-respondents stay blank).
``"kaggle"``
    Kaggle "ML & Data Science Survey" style: row 1 = question codes (``Q1``, ``Q3_Part_1``,
    ..., ``Q3_OTHER``), row 2 = question texts (``"... - Selected Choice - Python"``),
    an option column holds the option text when ticked; first column
    ``Time from Start to Finish (seconds)``; no timestamp, no e-mail. Written as pandas
    writes it (UTF-8, LF, minimal quoting). Kaggle's own files keep "other" texts in a
    separate file: here ``Q3_OTHER`` holds them.
``"r-resaved"``
    The Forms export read by R (``read.csv(check.names = FALSE)``) and written back with
    ``write.csv``: a first column with an empty header holding the row names ``"1"``,
    ``"2"``, ...; every field quoted; LF. The codebook lists it as ``kind = "ignore"``.

The survey and the drawing of its answers are in :mod:`espri_gpu.synthetic_answers`, one
writer per tool in :mod:`espri_gpu.synthetic_writers`, :func:`read_back_check` in
:mod:`espri_gpu.synthetic_check`; all three public names are importable from here.
"""

from __future__ import annotations

import numpy as np

from .synthetic_answers import QuestionTruth, SyntheticExport, draw_answers
from .synthetic_check import read_back_check
from .synthetic_writers import WRITERS

__all__ = ["LAYOUTS", "QuestionTruth", "SyntheticExport", "read_back_check", "synthetic_export"]

LAYOUTS: tuple[str, ...] = ("forms", "forms-semicolon", "forms-grid", "typeform", "limesurvey",
                            "limesurvey-01", "kaggle", "r-resaved")


def synthetic_export(n: int, *, layout: str, seed: int = 0, p_skip: float = 0.15,
                     p_other: float = 0.05) -> SyntheticExport:
    """Draw ``n`` respondents of the built-in survey and write them as ``layout`` does.

    Parameters
    ----------
    n : int
        Number of respondents (at least 1).
    layout : str
        One of :data:`LAYOUTS` (see the module docstring for what each mimics).
    seed : int
        Seed of NumPy's PCG64 generator: the same seed gives the same bytes, and the same
        answers in every layout.
    p_skip : float
        Probability that a respondent skips an optional question (or a grid row).
    p_other : float
        Probability that a respondent types an "other" tool.

    Returns
    -------
    SyntheticExport

    Raises
    ------
    ValueError
        For an unknown ``layout`` (the valid ones are listed) or ``n < 1``.

    Examples
    --------
    >>> export = synthetic_export(50, layout="limesurvey", seed=1)
    >>> list(export.files)
    ['results-survey123456.csv']
    >>> export.files["results-survey123456.csv"][:21]
    b'\\xef\\xbb\\xbf"id","submitdate",'
    >>> truth = export.truth["outils"]
    >>> truth.levels[:5]
    ('python', 'r', 'julia', 'éditeurs', 'jupyter')
    >>> bool((truth.matrix.any(axis=1) == truth.answered).all())
    True
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown `layout` {layout!r}; expected one of {', '.join(LAYOUTS)}")
    if n < 1:
        raise ValueError(f"`n` must be at least 1, got {n}")
    draw = draw_answers(n, seed, p_skip, p_other)
    return WRITERS[layout](draw, layout, np.random.default_rng([seed, 1]))
