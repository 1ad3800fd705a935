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
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["LAYOUTS", "QuestionTruth", "SyntheticExport", "read_back_check", "synthetic_export"]

LAYOUTS: tuple[str, ...] = ("forms", "forms-semicolon", "forms-grid", "typeform", "limesurvey",
                            "limesurvey-01", "kaggle", "r-resaved")

# ---------------------------------------------------------------------------------------------
# The built-in survey: (keyword, text) of each option, in form order.
_TIMESTAMP = "Horodateur"
_EMAIL = "Adresse e-mail"
_LABO = ("labo", "Dans quel laboratoire travaillez-vous ?",
         (("LATMOS", "LATMOS"), ("LMD", "LMD"), ("LSCE", "LSCE"), ("LOCEAN", "LOCEAN")))
_NIVEAU = ("niveau", "Quel est votre niveau en Machine Learning ?",
           (("débutant", "Débutant"), ("intermédiaire", "Intermédiaire"), ("avancé", "Avancé")))
_OUTILS = ("outils", "Quels outils utilisez-vous ?",
           (("python", "Python"), ("r", "R"), ("julia", "Julia"),
            ("éditeurs", "Editeurs (Vim, Emacs)"), ("jupyter", "Jupyter")))
_USAGES = ("usages", "Pour quels usages ?",
           (("classification", "Classification"), ("régression", "Régression"),
            ("clustering", "Clustering"), ("aucun", "Aucun pour l'instant")))
_PROJET = ("projet", "Décrivez votre projet en quelques lignes")
_GRID = ("satisf", "Êtes-vous satisfait·e de")
_GRID_ROWS = (("calcul", "Moyens de calcul"), ("stockage", "Stockage"),
              ("formation", "Formation"))
_SCALE = (("pas_du_tout", "Pas du tout"), ("un_peu", "Un peu"), ("beaucoup", "Beaucoup"))
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
        One of :data:`LAYOUTS`.
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
    draw = _draw(n, seed, p_skip, p_other)
    writer = {"forms": _forms, "forms-semicolon": _forms, "forms-grid": _forms,
              "r-resaved": _forms, "typeform": _typeform, "limesurvey": _limesurvey,
              "limesurvey-01": _limesurvey, "kaggle": _kaggle}[layout]
    return writer(draw, layout, np.random.default_rng([seed, 1]))


# ---------------------------------------------------------------------------------------------
# Drawing the answers (layout-independent)

@dataclass(frozen=True, eq=False)
class _Draw:
    stamps: np.ndarray                 # datetime64[s], sorted
    emails: list[str]
    single: dict[str, np.ndarray]      # keyword -> option index, -1 = skipped
    ticks: dict[str, np.ndarray]       # keyword -> bool (n, n_options)
    others: list[str]                  # typed "other" tool per respondent, "" = none
    projects: list[str]

    @property
    def n(self) -> int:
        return len(self.projects)


def _draw(n: int, seed: int, p_skip: float, p_other: float) -> _Draw:
    rng = np.random.default_rng(seed)
    stamps = _START + np.sort(rng.integers(0, 30 * 86400, size=n)).astype("timedelta64[s]")
    emails = [f"personne{i}@example.org" if has else ""
              for i, has in enumerate(rng.random(n) < 0.4)]
    single = {"labo": rng.choice(len(_P_LABO), size=n, p=_P_LABO)}
    niveau = rng.choice(len(_P_NIVEAU), size=n, p=_P_NIVEAU)
    single["niveau"] = np.where(rng.random(n) < p_skip, -1, niveau)
    for row, _ in _GRID_ROWS:
        scale = rng.choice(len(_P_SCALE), size=n, p=_P_SCALE)
        single[f"satisf.{row}"] = np.where(rng.random(n) < p_skip, -1, scale)

    skip = rng.random(n) < p_skip
    outils = (rng.random((n, len(_P_OUTILS))) < _P_OUTILS) & ~skip[:, None]
    typed = (rng.random(n) < p_other) & ~skip
    which = rng.integers(0, len(_OTHER_TEXTS), size=n)
    others = [_OTHER_TEXTS[w] if t else "" for t, w in zip(typed, which, strict=True)]

    skip = rng.random(n) < p_skip
    none = rng.random(n) < _P_NONE
    usages = np.zeros((n, len(_USAGES[2])), dtype=bool)
    usages[:, :-1] = rng.random((n, len(_P_USAGES))) < _P_USAGES
    usages[none] = False
    usages[none, -1] = True
    usages[skip] = False
    projects = [_PROJECT_TEXTS[k] if k < len(_PROJECT_TEXTS) else ""
                for k in rng.integers(0, 2 * len(_PROJECT_TEXTS), size=n)]
    return _Draw(stamps, emails, single, {"outils": outils, "usages": usages}, others, projects)


def _truth(draw: _Draw, keyword: str, keywords: tuple[str, ...],
           texts: tuple[str, ...]) -> QuestionTruth:
    """The truth of one question; ``texts`` are its option texts as the export writes them."""
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


def _options(spec: tuple) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(k for k, _ in spec[2]), tuple(t for _, t in spec[2])


# ---------------------------------------------------------------------------------------------
# The layouts. Each returns the export from columns: (header row 1, header row 2, cells).

def _forms(draw: _Draw, layout: str, rng: np.random.Generator) -> SyntheticExport:
    sep = ";" if layout == "forms-semicolon" else ", "
    columns = [(_TIMESTAMP, "", [_french(t) for t in draw.stamps.tolist()]),
               (_EMAIL, "", draw.emails)]
    entries: list[dict[str, Any]] = [
        {"keyword": "date", "header": _TIMESTAMP, "kind": "timestamp"},
        {"keyword": "email", "header": _EMAIL, "kind": "personal"}]
    truth: dict[str, QuestionTruth] = {}
    for spec in (_LABO, _NIVEAU):
        keyword, header, options = spec
        truth[keyword] = _truth(draw, keyword, *_options(spec))
        columns.append((header, "", _single_cells(draw.single[keyword], _options(spec)[1])))
        entries.append(_choice_entry(spec, "single"))
    for spec in (_OUTILS, _USAGES):
        keyword, header, _ = spec
        truth[keyword] = _truth(draw, keyword, *_options(spec))
        texts = _options(spec)[1]
        others = draw.others if keyword == "outils" else [""] * draw.n
        cells = [sep.join([t for t, on in zip(texts, row, strict=True) if on] + ([o] if o else []))
                 for row, o in zip(draw.ticks[keyword], others, strict=True)]
        columns.append((header, "", cells))
        entries.append(_choice_entry(spec, "multiple"))
    columns.append((_PROJET[1], "", draw.projects))
    entries.append({"keyword": "projet", "header": _PROJET[1], "kind": "free"})
    if layout == "forms-grid":
        keywords, texts = zip(*_SCALE, strict=True)
        for row, row_text in _GRID_ROWS:
            truth[f"satisf.{row}"] = _truth(draw, f"satisf.{row}", keywords, texts)
            columns.append((f"{_GRID[1]} [{row_text}]", "",
                            _single_cells(draw.single[f"satisf.{row}"], texts)))
        entries.append(_grid_entry())
    top: dict[str, Any] = {"separator": sep} if sep != ", " else {}
    stamps = {"date": draw.stamps}
    free = {"projet": np.array(draw.projects, dtype=object)}
    if layout == "r-resaved":
        columns.insert(0, ("", "", [str(i) for i in range(1, draw.n + 1)]))
        entries.insert(0, {"header": "", "kind": "ignore"})
        data = _csv(columns, 1, quoting=csv.QUOTE_ALL, lineterminator="\n")
    else:
        data = _csv(columns, 1, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    toml = _toml(f"synthetic-{layout}", top, entries)
    return SyntheticExport(layout, {"responses.csv": data}, toml, truth, stamps, free)


def _typeform(draw: _Draw, layout: str, rng: np.random.Generator) -> SyntheticExport:
    n = draw.n
    columns = [("#", "", [rng.bytes(16).hex() for _ in range(n)]),
               (_EMAIL, "", draw.emails)]
    entries: list[dict[str, Any]] = [{"keyword": "token", "header": "#", "kind": "ignore"},
                                     {"keyword": "email", "header": _EMAIL, "kind": "personal"}]
    truth: dict[str, QuestionTruth] = {}
    for spec in (_LABO, _NIVEAU):
        keyword, header, _ = spec
        truth[keyword] = _truth(draw, keyword, *_options(spec))
        columns.append((header, "", _single_cells(draw.single[keyword], _options(spec)[1])))
        entries.append(_choice_entry(spec, "single"))
    for spec in (_OUTILS, _USAGES):
        keyword, header, options = spec
        truth[keyword] = _truth(draw, keyword, *_options(spec))
        for (_, text), ticked in zip(options, draw.ticks[keyword].T, strict=True):
            columns.append((header, text, [text if t else "" for t in ticked]))
        other = "Other" if keyword == "outils" else None
        if other:
            columns.append((header, other, draw.others))
        entries.append(_columns_entry(spec, [text for _, text in options], other))
    columns.append((_PROJET[1], "", draw.projects))
    entries.append({"keyword": "projet", "header": _PROJET[1], "kind": "free"})
    started = draw.stamps - rng.integers(30, 900, size=n).astype("timedelta64[s]")
    columns += [("Start Date (UTC)", "", [_iso(t) for t in started.tolist()]),
                ("Submit Date (UTC)", "", [_iso(t) for t in draw.stamps.tolist()]),
                ("Network ID", "", [rng.bytes(5).hex() for _ in range(n)])]
    entries += [{"keyword": "début", "header": "Start Date (UTC)", "kind": "ignore"},
                {"keyword": "date", "header": "Submit Date (UTC)", "kind": "timestamp"},
                {"keyword": "réseau", "header": "Network ID", "kind": "ignore"}]
    data = _csv(columns, 2, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    toml = _toml("synthetic-typeform", {"header_rows": 2}, entries)
    return SyntheticExport(layout, {"responses.csv": data}, toml, truth, {"date": draw.stamps},
                           {"projet": np.array(draw.projects, dtype=object)})


def _limesurvey(draw: _Draw, layout: str, rng: np.random.Generator) -> SyntheticExport:
    n = draw.n
    on, off = ("1", "0") if layout == "limesurvey-01" else ("Y", "")
    columns = [("id", "", [str(i) for i in range(1, n + 1)]),
               ("submitdate", "", [_iso(t) for t in draw.stamps.tolist()]),
               ("lastpage", "", ["3"] * n), ("startlanguage", "", ["fr"] * n),
               ("seed", "", [str(s) for s in rng.integers(10**8, 10**9, size=n)]),
               ("Q1", "", draw.emails)]
    entries: list[dict[str, Any]] = [
        {"keyword": "id", "header": "id", "kind": "ignore"},
        {"keyword": "date", "header": "submitdate", "kind": "timestamp"},
        {"keyword": "lastpage", "header": "lastpage", "kind": "ignore"},
        {"keyword": "langue", "header": "startlanguage", "kind": "ignore"},
        {"keyword": "seed", "header": "seed", "kind": "ignore"},
        {"keyword": "email", "header": "Q1", "kind": "personal"}]
    truth: dict[str, QuestionTruth] = {}
    for code, spec in (("Q2", _LABO), ("Q3", _NIVEAU)):
        keywords, _ = _options(spec)
        codes = tuple(f"A{i}" for i in range(1, len(keywords) + 1))
        truth[spec[0]] = _truth(draw, spec[0], keywords, codes)
        columns.append((code, "", _single_cells(draw.single[spec[0]], codes)))
        entries.append(_choice_entry((spec[0], code, tuple(zip(keywords, codes, strict=True))),
                                     "single", label=spec[1]))
    for code, spec in (("Q4", _OUTILS), ("Q5", _USAGES)):
        keyword, _, options = spec
        truth[keyword] = _truth(draw, keyword, *_options(spec))
        shown = truth[keyword].answered
        names = [f"{code}[SQ{i:03d}]" for i in range(1, len(options) + 1)]
        for name, ticked in zip(names, draw.ticks[keyword].T, strict=True):
            columns.append((name, "", [on if t else (off if s else "")
                                       for t, s in zip(ticked, shown, strict=True)]))
        other = f"{code}[other]" if keyword == "outils" else None
        if other:
            columns.append((other, "", draw.others))
        entries.append(_columns_entry(spec, names, other, label=spec[1]))
    columns.append(("Q6", "", draw.projects))
    entries.append({"keyword": "projet", "header": "Q6", "kind": "free", "label": _PROJET[1]})
    keywords, _ = zip(*_SCALE, strict=True)
    codes = tuple(f"A{i}" for i in range(1, len(_SCALE) + 1))
    for i, (row, _) in enumerate(_GRID_ROWS, start=1):
        truth[f"satisf.{row}"] = _truth(draw, f"satisf.{row}", keywords, codes)
        columns.append((f"Q7[SQ{i:03d}]", "", _single_cells(draw.single[f"satisf.{row}"], codes)))
    entries.append(_grid_entry(header="Q7", scale=tuple(zip(keywords, codes, strict=True)),
                               columns=[f"Q7[SQ{i:03d}]" for i in range(1, len(_GRID_ROWS) + 1)]))
    data = _csv(columns, 1, quoting=csv.QUOTE_ALL, lineterminator="\r\n", bom=True)
    toml = _toml(f"synthetic-{layout}", {}, entries)
    return SyntheticExport(layout, {"results-survey123456.csv": data}, toml, truth,
                           {"date": draw.stamps}, {"projet": np.array(draw.projects, dtype=object)})


def _kaggle(draw: _Draw, layout: str, rng: np.random.Generator) -> SyntheticExport:
    duration = "Time from Start to Finish (seconds)"
    columns = [(duration, "Duration (in seconds)",
                [str(s) for s in rng.integers(120, 3600, size=draw.n)])]
    entries: list[dict[str, Any]] = [{"keyword": "durée", "header": duration, "kind": "ignore"}]
    truth: dict[str, QuestionTruth] = {}
    for code, spec in (("Q1", _LABO), ("Q2", _NIVEAU)):
        keyword, header, _ = spec
        truth[keyword] = _truth(draw, keyword, *_options(spec))
        columns.append((code, header, _single_cells(draw.single[keyword], _options(spec)[1])))
        entries.append(_choice_entry((keyword, code, spec[2]), "single", label=header))
    for code, spec in (("Q3", _OUTILS), ("Q4", _USAGES)):
        keyword, header, options = spec
        truth[keyword] = _truth(draw, keyword, *_options(spec))
        names = [f"{code}_Part_{i}" for i in range(1, len(options) + 1)]
        for name, (_, text), ticked in zip(names, options, draw.ticks[keyword].T, strict=True):
            columns.append((name, f"{header} (Plusieurs choix possibles) - Selected Choice - "
                            f"{text}", [text if t else "" for t in ticked]))
        other = f"{code}_OTHER" if keyword == "outils" else None
        if other:
            columns.append((other, f"{header} (Plusieurs choix possibles) - Selected Choice - "
                            "Other - Text", draw.others))
        entries.append(_columns_entry(spec, names, other, label=header))
    columns.append(("Q5", _PROJET[1], draw.projects))
    entries.append({"keyword": "projet", "header": "Q5", "kind": "free", "label": _PROJET[1]})
    data = _csv(columns, 2, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    toml = _toml("synthetic-kaggle", {"header_rows": 2}, entries)
    return SyntheticExport(layout, {"kaggle_survey_responses.csv": data}, toml, truth, {},
                           {"projet": np.array(draw.projects, dtype=object)})


def _single_cells(index: np.ndarray, texts: tuple[str, ...]) -> list[str]:
    return [texts[i] if i >= 0 else "" for i in index.tolist()]


def _french(t) -> str:
    return t.strftime("%d/%m/%Y %H:%M:%S")


def _iso(t) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _csv(columns: list[tuple[str, str, list[str]]], header_rows: int, *, quoting: int,
         lineterminator: str, bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=quoting, lineterminator=lineterminator)
    names, subs, cells = zip(*columns, strict=True)
    writer.writerow(names)
    if header_rows == 2:
        writer.writerow(subs)
    writer.writerows(zip(*cells, strict=True))
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


# ---------------------------------------------------------------------------------------------
# Codebook entries and their TOML text

def _choice_entry(spec: tuple, kind: str, label: str | None = None) -> dict[str, Any]:
    keyword, header, options = spec
    entry: dict[str, Any] = {"keyword": keyword, "header": header, "kind": kind}
    if label:
        entry["label"] = label
    if keyword == "labo":
        entry["required"] = True
    if keyword == "niveau":
        entry["ordered"] = True
    if kind == "multiple" or keyword == "labo":
        entry["other"] = keyword == "outils"
    entry["options"] = [{"keyword": k, "text": t} for k, t in options]
    return entry


def _columns_entry(spec: tuple, names: list[str], other: str | None,
                   label: str | None = None) -> dict[str, Any]:
    keyword, header, options = spec
    entry: dict[str, Any] = {"keyword": keyword, "kind": "multiple", "layout": "columns",
                             "label": label or header, "other": other is not None}
    entry["options"] = [{"keyword": k, "text": t, "column": name} | ({"none": True}
                                                                     if k == "aucun" else {})
                        for (k, t), name in zip(options, names, strict=True)]
    if other:
        entry["other_column"] = other
    return entry


def _grid_entry(header: str = _GRID[1], scale: tuple = _SCALE,
                columns: list[str] | None = None) -> dict[str, Any]:
    rows = [{"keyword": k, "text": t} for k, t in _GRID_ROWS]
    for row, column in zip(rows, columns or [], strict=False):
        row["column"] = column
    entry: dict[str, Any] = {"keyword": _GRID[0], "kind": "grid", "header": header}
    if header != _GRID[1]:
        entry["label"] = _GRID[1]
    entry |= {"ordered": True, "options": [{"keyword": k, "text": t} for k, t in scale],
              "rows": rows}
    return entry


def _toml(name: str, top: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    lines = [f"# Codebook of a synthetic export ({name}), written by "
             "espri_gpu.synthetic_layouts.", "",
             f"name = {_value(name)}", f"title = {_value('Synthetic survey: ' + name)}"]
    lines += [f"{key} = {_value(value)}" for key, value in top.items()]
    for entry in entries:
        lines += ["", "[[columns]]"]
        for key, value in entry.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                lines.append(f"{key} = [")
                lines += [f"    {_value(item)}," for item in value]
                lines.append("]")
            else:
                lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(_value(v) for v in value) + "]"


# ---------------------------------------------------------------------------------------------

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
