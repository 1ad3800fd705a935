"""The built-in survey of :mod:`espri_gpu.synthetic_layouts`, its answers drawn once per seed,
and what a synthetic export holds.

The survey (a timestamp, an e-mail, two single-choice questions, two multiple-choice
questions, a free-text column and a grid) is given as ``(keyword, text, options)`` tuples
(:data:`LABO`, :data:`OUTILS`, ...), the options as ``(keyword, text)`` pairs in form order.
:func:`draw_answers` draws ``n`` respondents from a seed, whatever the layout;
:func:`question_truth` gives the :class:`QuestionTruth` of one question as an export writes
it; the writers of :mod:`espri_gpu.synthetic_writers` return a :class:`SyntheticExport`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["EMAIL", "GRID", "GRID_ROWS", "LABO", "NIVEAU", "OUTILS", "PROJET", "SCALE",
           "TIMESTAMP", "USAGES", "Draw", "QuestionTruth", "SyntheticExport", "draw_answers",
           "question_truth", "spec_options"]

#: The built-in survey: (keyword, text) of each option, in form order.
TIMESTAMP = "Horodateur"
EMAIL = "Adresse e-mail"
LABO = ("labo", "Dans quel laboratoire travaillez-vous ?",
        (("LATMOS", "LATMOS"), ("LMD", "LMD"), ("LSCE", "LSCE"), ("LOCEAN", "LOCEAN")))
NIVEAU = ("niveau", "Quel est votre niveau en Machine Learning ?",
          (("débutant", "Débutant"), ("intermédiaire", "Intermédiaire"), ("avancé", "Avancé")))
OUTILS = ("outils", "Quels outils utilisez-vous ?",
          (("python", "Python"), ("r", "R"), ("julia", "Julia"),
           ("éditeurs", "Editeurs (Vim, Emacs)"), ("jupyter", "Jupyter")))
USAGES = ("usages", "Pour quels usages ?",
          (("classification", "Classification"), ("régression", "Régression"),
           ("clustering", "Clustering"), ("aucun", "Aucun pour l'instant")))
PROJET = ("projet", "Décrivez votre projet en quelques lignes")
GRID = ("satisf", "Êtes-vous satisfait·e de")
GRID_ROWS = (("calcul", "Moyens de calcul"), ("stockage", "Stockage"),
             ("formation", "Formation"))
SCALE = (("pas_du_tout", "Pas du tout"), ("un_peu", "Un peu"), ("beaucoup", "Beaucoup"))
#: Typed "Autre" answers of `outils` (one holds ", ": it is still ONE answer, written last).
_OTHER_TEXTS = ("Matlab", "Fortran, C++", "scripts shell")
_PROJECT_TEXTS = ("Télédétection des nuages\nsur les images MODIS",
                  'Emulation d\'un modèle "physique", en Python',
                  "Prévision d'ensemble ;\npost-traitement\n\n(stage M2)",
                  "Océan et biogéochimie")
_P_LABO = (0.4, 0.2, 0.25, 0.15)
_P_NIVEAU = (0.3, 0.45, 0.25)
_P_OUTILS = (0.7, 0.3, 0.1, 0.25, 0.45)
_P_USAGES = (0.45, 0.35, 0.2)  # the options before "aucun"
_P_NONE = 0.15
_P_SCALE = (0.2, 0.5, 0.3)
_START = np.datetime64("2020-05-26T09:00:00", "s")


@dataclass(frozen=True, eq=False)
class QuestionTruth:
    """The answers drawn for one question (a grid row is a question ``"grid.row"``).

    Attributes
    ----------
    matrix : numpy.ndarray of uint8, shape (n, n_levels)
        Indicator of the levels each respondent gave (zero rows for non-respondents).
    answered : numpy.ndarray of bool, shape (n,)
        Who answered the question.
    levels : tuple of str
        Level keywords: the codebook options in order, then the typed "other" answers in
        order of first appearance (keyword = the text typed).
    texts : tuple of str
        The text of each level as this export writes it in the codebook (``"A1"`` for
        LimeSurvey answer codes).
    """

    matrix: np.ndarray
    answered: np.ndarray
    levels: tuple[str, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class SyntheticExport:
    """A synthetic export written as one survey tool writes it, its codebook and its truth.

    Attributes
    ----------
    layout : str
        One of :data:`~espri_gpu.synthetic_layouts.LAYOUTS`.
    files : Mapping[str, bytes]
        File name -> the exact bytes of the export file(s).
    codebook_toml : str
        The codebook a person would write for this export.
    truth : Mapping[str, QuestionTruth]
        Question keyword (``"grid.row"`` for grid rows) -> the answers drawn.
    timestamps : Mapping[str, numpy.ndarray]
        Timestamp column keyword -> submission times (``datetime64[s]``), where the export
        has one.
    free_text : Mapping[str, numpy.ndarray]
        Free-text column keyword -> the answers (object array, ``""`` = no answer).
    """

    layout: str
    files: Mapping[str, bytes]
    codebook_toml: str
    truth: Mapping[str, QuestionTruth]
    timestamps: Mapping[str, np.ndarray]
    free_text: Mapping[str, np.ndarray]

    @property
    def n_respondents(self) -> int:
        """Number of respondents (data rows) in the export."""
        return int(next(iter(self.truth.values())).answered.shape[0])

    def write(self, folder: str | Path) -> Path:
        """Write the export file(s) and ``codebook.toml`` into ``folder``.

        Returns
        -------
        Path
            The export file (the first of :attr:`files`).

        Examples
        --------
        >>> import tempfile
        >>> from espri_gpu.synthetic_layouts import synthetic_export
        >>> export = synthetic_export(5, layout="forms")
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = export.write(folder)
        ...     path.name, path.read_bytes() == export.files["responses.csv"]
        ('responses.csv', True)
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        (folder / "codebook.toml").write_text(self.codebook_toml, encoding="utf-8")
        return folder / next(iter(self.files))


@dataclass(frozen=True, eq=False)
class Draw:
    """The answers of ``n`` respondents to the built-in survey, before any layout writes them
    (grid rows are single-choice questions ``"satisf.<row>"``)."""

    stamps: np.ndarray                 # datetime64[s], sorted
    emails: list[str]
    single: dict[str, np.ndarray]      # keyword -> option index, -1 = skipped
    ticks: dict[str, np.ndarray]       # keyword -> bool (n, n_options)
    others: list[str]                  # typed "other" tool per respondent, "" = none
    projects: list[str]

    @property
    def n(self) -> int:
        """Number of respondents."""
        return len(self.projects)


def draw_answers(n: int, seed: int, p_skip: float, p_other: float) -> Draw:
    """Draw ``n`` respondents from NumPy's PCG64 generator seeded with ``seed``.

    ``p_skip`` is the probability of skipping an optional question (or a grid row),
    ``p_other`` that of typing an "other" tool. The same arguments give the same answers,
    whatever layout writes them.

    Examples
    --------
    >>> draw = draw_answers(4, seed=0, p_skip=0.0, p_other=0.0)
    >>> draw.n, draw.ticks["outils"].shape, bool((draw.single["niveau"] >= 0).all())
    (4, (4, 5), True)
    """
    rng = np.random.default_rng(seed)
    stamps = _START + np.sort(rng.integers(0, 30 * 86400, size=n)).astype("timedelta64[s]")
    emails = [f"personne{i}@example.org" if has else ""
              for i, has in enumerate(rng.random(n) < 0.4)]
    single = {"labo": rng.choice(len(_P_LABO), size=n, p=_P_LABO)}
    niveau = rng.choice(len(_P_NIVEAU), size=n, p=_P_NIVEAU)
    single["niveau"] = np.where(rng.random(n) < p_skip, -1, niveau)
    for row, _ in GRID_ROWS:
        scale = rng.choice(len(_P_SCALE), size=n, p=_P_SCALE)
        single[f"satisf.{row}"] = np.where(rng.random(n) < p_skip, -1, scale)

    skip = rng.random(n) < p_skip
    outils = (rng.random((n, len(_P_OUTILS))) < _P_OUTILS) & ~skip[:, None]
    typed = (rng.random(n) < p_other) & ~skip
    which = rng.integers(0, len(_OTHER_TEXTS), size=n)
    others = [_OTHER_TEXTS[w] if t else "" for t, w in zip(typed, which, strict=True)]

    skip = rng.random(n) < p_skip
    none = rng.random(n) < _P_NONE
    usages = np.zeros((n, len(USAGES[2])), dtype=bool)
    usages[:, :-1] = rng.random((n, len(_P_USAGES))) < _P_USAGES
    usages[none] = False
    usages[none, -1] = True
    usages[skip] = False
    projects = [_PROJECT_TEXTS[k] if k < len(_PROJECT_TEXTS) else ""
                for k in rng.integers(0, 2 * len(_PROJECT_TEXTS), size=n)]
    return Draw(stamps, emails, single, {"outils": outils, "usages": usages}, others, projects)


def question_truth(draw: Draw, keyword: str, keywords: tuple[str, ...],
                   texts: tuple[str, ...]) -> QuestionTruth:
    """The truth of one question; ``texts`` are its option texts as the export writes them.

    Examples
    --------
    >>> draw = draw_answers(3, seed=0, p_skip=0.0, p_other=0.0)
    >>> truth = question_truth(draw, "labo", *spec_options(LABO))
    >>> truth.matrix.sum(axis=1).tolist(), truth.levels[0]
    ([1, 1, 1], 'LATMOS')
    """
    if keyword in draw.single:
        index = draw.single[keyword]
        matrix = np.zeros((draw.n, len(keywords)), dtype=np.uint8)
        matrix[index >= 0, index[index >= 0]] = 1
        return QuestionTruth(matrix, index >= 0, keywords, texts)
    ticks = draw.ticks[keyword].astype(np.uint8)
    if keyword == "outils":
        typed = list(dict.fromkeys(t for t in draw.others if t))
        extra = np.array([[t == o for o in typed] for t in draw.others],
                         dtype=np.uint8).reshape(draw.n, len(typed))
        ticks = np.hstack([ticks, extra])
        keywords, texts = keywords + tuple(typed), texts + tuple(typed)
    return QuestionTruth(ticks, ticks.any(axis=1), keywords, texts)


def spec_options(spec: tuple) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The option keywords and the option texts of a question of the built-in survey.

    Examples
    --------
    >>> spec_options(NIVEAU)
    (('débutant', 'intermédiaire', 'avancé'), ('Débutant', 'Intermédiaire', 'Avancé'))
    """
    return tuple(k for k, _ in spec[2]), tuple(t for _, t in spec[2])
