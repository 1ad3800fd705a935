"""Drafting a codebook from an export: what each column looks like, written as TOML to edit.

:func:`draft_codebook_toml` reads an export (CSV, ``.xlsx``, ``.ods``) and writes one
``[[columns]]`` entry per column (or per group of columns: a grid, a question spread over one
column per option) with a keyword made from the header, the exact header, a kind inferred from
the header and the cells, and the options with their number of respondents in comments. Where
the inference is unsure the draft says so in a comment starting with ``CHECK:``.

How each kind is recognised (the first rule that fits wins):

* ``ignore``: an empty header, cells ``1, 2, …, n`` (``0, …, n-1``) in row order (the row
  numbers R and pandas write), response tokens (``#``, ``id`` over distinct cells), a column
  where every respondent gave the same answer, and every date column but the submission time.
* ``timestamp``: a Forms header ("Horodateur", "Timestamp", "Date", "Submit Date", …), or every
  cell a date (:func:`espri_gpu.timestamps.parse_timestamps`) and nearly every cell distinct.
* ``personal``: most cells are e-mail addresses or phone numbers, or a header such as
  "Adresse e-mail", "Email Address", "Nom", "Prénom", "Name", "Téléphone" over mostly distinct
  cells. Never shown in the draft.
* grids and per-option columns: headers sharing a stem (``Stem [row]``, ``Q1[SQ001]``,
  ``Q7_Part_1``, ``Q7_1``, a question text over the columns of its options in a two-row
  header). Columns that hold a single value each (or Y/1/Oui against blank/N/0) are one
  multiple-choice question (``layout = "columns"``; a column "other"/``Q7_OTHER`` of typed
  texts is its ``other_column``; "Aucun"/"None" is its ``none`` option); columns sharing one
  set of values are a ``grid``.
* ``multiple``: cells that join other cells' values (or frequent pieces) with ``", "`` or
  ``";"``, or a header saying "plusieurs choix possibles" / "select all that apply". Option
  texts may contain the separator ("Editeurs (Atom, Emacs, Vim)"): a piece that always comes
  right after the same piece, which is never followed by anything else, is glued to it, and so
  is everything inside unclosed brackets. Options are listed in the order the cells show them
  (Google Forms writes ticked options in form order); a value given by one respondent, always
  last in its cell, is read as a respondent's own "Autre" answer (``other = true``).
* numbers: a few distinct integers (a 1–5 or 0–10 scale) are a ``single`` question with
  ``ordered = true``; other numbers are left ``free``.
* ``single``: at most 30 distinct values, most given by several respondents (or up to 30
  repeated values and a tail of answers given once, read as "Autre" texts); otherwise
  ``free`` (also any column with answers on several lines).

Options of a single-choice question or a grid are ordered as a human expects: a known scale
(Likert agreement, frequency, level, satisfaction, in French or English; numbers; texts
starting with a number) in scale order with ``ordered = true``, else by frequency.

A second header row (Typeform, Kaggle) is recognised when the first row names a question
twice, or when the first data row fills every column with no respondent's answer (no date, no
number, no usual answer of a choice column): the draft says ``header_rows = 2`` and names the
columns as :func:`espri_gpu.tables.read_table` does then.

Known failure cases: two options always ticked together by the same respondents (with no
other option between them) are drafted as one option whose text contains the separator, and
said so in a comment; an option ticked by a single respondent as the last of their options is
drafted as an "Autre" answer (said so, with the texts); an option nobody ticked is absent; a
single-choice question answered by few respondents, each with another answer, is drafted as
free text; per-option columns holding only Y/1 get their column codes as option texts.
"""

from __future__ import annotations

import os
import re
import shlex
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import NOT_TICKED, Codebook, load_codebook_text, normalize_text
from ..errors import SurveyInputError
from ..redaction import redact_personal_data
from ..tables import read_table
from ..timestamps import parse_timestamps

__all__ = ["draft_codebook", "draft_codebook_toml", "draft_from_frame"]

#: Longest keyword drafted (before a ``_2`` suffix that keeps keywords unique).
KEYWORD_LENGTH = 20
#: Longest label drafted from a header (figure titles).
LABEL_LENGTH = 70
#: Separators tried on multiple-choice cells, most common first.
SEPARATORS = (", ", ";")
#: Most frequent distinct cells a column's kind is decided on.
DECIDE_ON = 5000
#: Most values an ordered scale has.
MAX_SCALE = 12
#: Texts shown in a CHECK comment, at most.
SHOWN = 4

_STOP_WORDS = frozenset("""
a ai as au aux avec avez avons c ce ces cet cette d dans de des du elle en est et etes etait
etiez il ils j je l la le les leur leurs lui m ma mais me mes moi mon n ne nous on ou par
pour qu quel quelle quelles quels que qui quoi s sa se ses si son sont sur t ta te tes toi ton
tu un une vos votre vous y deja
an and any are as at be by can did do does for from had has have how i if in into is it its
me my of on or our please that the their them there these this to was we were what when where
which who why will with would you your
""".split())
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_LEADING_NUMBER = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*(?:[-–—:.)/=]|\s|$)")
_OPEN = re.compile(r"[(\[{]")
_CLOSE = re.compile(r"[)\]}]")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")
_MULTIPLE_HINT = re.compile(
    r"plusieurs (?:choix|reponses)|choix multiples?|reponses? multiples?|cochez|"
    r"select all|all that apply|check all|choose all|tick all|multiple (?:answers|choices)|"
    r"\(multiple\)|one or more|un ou plusieurs|une ou plusieurs")
_TIMESTAMP_HEADERS = frozenset(normalize_text(h) for h in (
    "Horodateur", "Horodatage", "Timestamp", "Date", "Date de soumission", "Date de réponse",
    "Submitted at", "Submit Date", "Submit Date (UTC)", "Start Date", "Start Date (UTC)",
    "End Date", "Date submitted", "Submission date", "Recorded Date", "Date de début",
    "Date de fin", "Date d'envoi", "startdate", "submitdate", "datestamp"))
_PERSONAL_WORDS = re.compile(
    r"\b(?:e-?mail|courriel|adresse mail|mail address|telephone|phone|portable number|"
    r"mobile number|numero de portable|ip address|adresse ip)\b")
_PERSONAL_HEADERS = frozenset((
    "nom", "prenom", "nom prenom", "prenom nom", "nom et prenom", "prenom et nom", "nom complet",
    "nom de famille", "nom d'utilisateur", "name", "full name", "first name", "last name",
    "surname", "given name", "family name", "first and last name", "username", "user name",
    "signature", "email", "e-mail", "mail"))
_PERSONAL_FRAME = re.compile(r"^(?:votre|vos|your)\s+|\s+(?:optionnel|optional|facultatif)$")
_TICKED = frozenset(("1", "y", "yes", "oui", "o", "true", "x", "vrai", "checked", "selected"))
_NONE_OPTIONS = re.compile(r"^(?:aucun|aucune|none|rien|nothing|no answer|pas de reponse|"
                           r"none of the above|aucun de ceux-ci|aucune de ces reponses)\b")

#: Ordered scales: each a list of ranks, each rank the folded texts it may be written as.
_SCALES: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("pas du tout",), ("un peu", "peu"), ("moyennement", "assez"), ("beaucoup",),
     ("enormement", "tout a fait", "extremement", "passionnement")),
    (("jamais",), ("rarement",), ("parfois", "de temps en temps", "occasionnellement"),
     ("souvent", "regulierement"), ("tres souvent",), ("toujours", "systematiquement")),
    (("aucun", "aucune", "aucune connaissance", "non initie"), ("debutant", "novice"),
     ("intermediaire",), ("avance", "confirme"), ("expert",)),
    (("pas du tout d'accord", "totalement en desaccord", "tout a fait en desaccord"),
     ("pas d'accord", "en desaccord"), ("plutot pas d'accord", "plutot en desaccord"),
     ("ni d'accord ni pas d'accord", "neutre", "sans avis", "ni en accord ni en desaccord"),
     ("plutot d'accord",), ("d'accord",), ("tout a fait d'accord", "totalement d'accord")),
    (("tres insatisfait", "pas du tout satisfait"), ("insatisfait", "pas satisfait",
                                                     "peu satisfait"),
     ("neutre", "moyennement satisfait", "ni satisfait ni insatisfait"),
     ("satisfait", "assez satisfait", "plutot satisfait"), ("tres satisfait",)),
    (("non",), ("plutot non", "plutot pas"), ("plutot oui",), ("oui",)),
    (("pas important", "pas du tout important"), ("peu important",),
     ("moyennement important", "assez important"), ("important",), ("tres important",),
     ("essentiel", "indispensable")),
    (("tres faible",), ("faible",), ("moyen", "moyenne", "modere"), ("eleve", "fort", "forte"),
     ("tres eleve", "tres fort", "tres forte")),
    (("strongly disagree",), ("disagree",), ("somewhat disagree", "slightly disagree"),
     ("neither agree nor disagree", "neutral", "neither agree or disagree"),
     ("somewhat agree", "slightly agree"), ("agree",), ("strongly agree",)),
    (("never",), ("rarely", "seldom"), ("sometimes", "occasionally"),
     ("often", "frequently", "usually"), ("very often",), ("always",)),
    (("none", "no experience"), ("beginner", "novice", "basic"), ("intermediate",),
     ("advanced",), ("expert",)),
    (("very dissatisfied",), ("dissatisfied", "somewhat dissatisfied"),
     ("neutral", "neither satisfied nor dissatisfied"), ("satisfied", "somewhat satisfied"),
     ("very satisfied",)),
    (("not at all",), ("a little", "slightly", "a bit"), ("somewhat", "moderately"),
     ("very", "a lot", "very much", "quite a bit"), ("extremely", "completely")),
    (("very poor",), ("poor",), ("fair", "average"), ("good",), ("very good",), ("excellent",)),
    (("very unlikely",), ("unlikely", "somewhat unlikely"), ("neutral", "neither likely nor "
                                                             "unlikely"),
     ("likely", "somewhat likely"), ("very likely",)),
    (("not important", "not at all important"), ("slightly important",),
     ("moderately important",), ("important",), ("very important",), ("extremely important",)),
    (("very low",), ("low",), ("medium", "moderate"), ("high",), ("very high",)),
)
#: Answers that sit outside a scale, listed after it ("Je ne sais pas", "N/A").
_NO_OPINION = frozenset(("je ne sais pas", "ne sais pas", "nsp", "sans opinion",
                         "ne se prononce pas", "don't know", "do not know", "not sure", "n/a",
                         "na", "not applicable",
                         "non concerne", "non applicable", "prefer not to say",
                         "je prefere ne pas repondre"))


@dataclass
class _Option:
    text: str
    count: int
    keyword: str = ""
    column: str | None = None
    none: bool = False
    note: str = ""


@dataclass
class _Row:
    text: str
    column: str | None
    keyword: str = ""


@dataclass
class _Entry:
    """One ``[[columns]]`` entry being drafted."""

    header: str
    kind: str
    base: str  # text the keyword is made from
    options: list[_Option] = field(default_factory=list)
    other: bool | None = None
    ordered: bool = False
    separator: str | None = None
    layout: str | None = None
    rows: list[_Row] = field(default_factory=list)
    other_column: str | None = None
    notes: list[str] = field(default_factory=list)
    other_note: str = ""
    answered: int = 0
    keyword: str = ""


# --- public API ------------------------------------------------------------------------------


def draft_codebook_toml(path: str | Path, *, output: str = "codebook.toml") -> str:
    """Draft a codebook for an export: TOML text with comments, to check and edit.

    Parameters
    ----------
    path : str or Path
        The export (CSV, ``.xlsx`` or ``.ods``), read with :func:`espri_gpu.tables.read_table`.
        A second header row (Typeform, Kaggle) is recognised and drafted as
        ``header_rows = 2``.
    output : str
        Where the codebook will be saved, for the command shown in the header comment.

    Returns
    -------
    str
        The codebook, in the format of README "Codebook format (TOML)"; comments give each
        option's number of respondents and flag unsure guesses with ``CHECK:``.

    Raises
    ------
    SurveyInputError
        If the export cannot be read.

    Examples
    --------
    >>> from espri_gpu.example import example_path
    >>> text = draft_codebook_toml(example_path("espri2020", "responses.csv"))
    >>> text.count("[[columns]]"), text.count('kind = "multiple"')
    (17, 6)
    >>> print(text.split("[[columns]]")[2].split("options")[0].strip())
    keyword = "laboratoire"
    header = "A quel laboratoire êtes vous rattaché·e ?"
    kind = "single"
    label = "A quel laboratoire êtes vous rattaché·e ?"
    other = false
    """
    columns, n, header_rows = _read_export(path)
    return _draft(columns, n, header_rows, source=str(path), output=output)


def draft_codebook(path: str | Path) -> Codebook:
    """Draft a codebook for an export and load it (see :func:`draft_codebook_toml`).

    Parameters
    ----------
    path : str or Path
        The export (CSV, ``.xlsx`` or ``.ods``).

    Returns
    -------
    Codebook
        What :func:`~espri_gpu.codebook.load_codebook_text` gives for the draft; its
        ``to_toml()`` is the draft without its comments.

    Examples
    --------
    >>> from espri_gpu.example import example_path
    >>> cb = draft_codebook(example_path("espri2020", "responses.csv"))
    >>> [c.kind for c in cb.columns][:4]
    ['timestamp', 'single', 'free', 'single']
    >>> cb.question("outils_programmation").options[1].text
    'Editeurs de texte (Atom, Emacs, Sublime Texte, Vim, etc.)'
    """
    return load_codebook_text(draft_codebook_toml(path), f"drafted for {path}")


def draft_from_frame(frame: pd.DataFrame, *, source: str = "export.csv",
                     output: str = "codebook.toml") -> str:
    """Draft a codebook (TOML text) for a table of strings whose columns are the export's.

    Parameters
    ----------
    frame : pandas.DataFrame
        One column per export column, headers as exported (one header row), cells as
        strings (blanks ``""``), as :func:`espri_gpu.tables.read_table` returns them.
    source : str
        The export's path, shown in the header comment and the re-run command.
    output : str
        Where the codebook will be saved, for the re-run command.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Niveau ?": ["Débutant", "Expert", "Intermédiaire", "Débutant"]})
    >>> print(draft_from_frame(frame).split("[[columns]]")[1].strip())
    keyword = "niveau"
    header = "Niveau ?"
    kind = "single"
    label = "Niveau ?"
    ordered = true  # a scale: options in scale order
    other = false
    options = [
        { keyword = "debutant", text = "Débutant" },  # 2 respondents
        { keyword = "intermediaire", text = "Intermédiaire" },  # 1 respondent
        { keyword = "expert", text = "Expert" },  # 1 respondent
    ]
    """
    frame = frame.fillna("").astype(str)
    names = [str(c).strip() for c in frame.columns]
    columns = [_Column(name, name, "", frame.iloc[:, i].reset_index(drop=True))
               for i, name in enumerate(names)]
    return _draft(columns, len(frame), 1, source=source, output=output)


@dataclass
class _Column:
    """One export column: its name as the reader gives it, its header row(s), its cells."""

    name: str       # what the codebook's `header` / `column` must say
    top: str        # first header row
    sub: str        # second header row ("" with one header row)
    cells: pd.Series


def _read_export(path: str | Path) -> tuple[list[_Column], int, int]:
    """The export's columns, number of data rows and number of header rows (1 or 2)."""
    try:
        table = read_table(path)
    except SurveyInputError as first_error:
        # a header naming a question over several columns (Typeform's first row)
        try:
            table = read_table(path, header_rows=2)
        except SurveyInputError:
            raise first_error from None
        pairs = [_split_combined(str(c)) for c in table.frame.columns]
        return ([_Column(str(c), top, sub, table.frame[c])
                 for c, (top, sub) in zip(table.frame.columns, pairs, strict=True)],
                len(table.frame), 2)
    frame = table.frame
    if _second_header_row(frame):
        two = read_table(path, header_rows=2).frame
        tops = [str(c) for c in frame.columns]
        subs = [frame.iloc[0, i].strip() for i in range(frame.shape[1])]
        return ([_Column(str(name), top, sub, two.iloc[:, i])
                 for i, (name, top, sub) in enumerate(zip(two.columns, tops, subs,
                                                          strict=True))], len(two), 2)
    return ([_Column(str(c), str(c), "", frame[c]) for c in frame.columns], len(frame), 1)


def _split_combined(name: str) -> tuple[str, str]:
    """(first row, second row) of a column named ``"first [second]"`` by the reader."""
    match = re.fullmatch(r"(.*) \[([^\[\]]*)\]", name)
    return (match.group(1), match.group(2)) if match else (name, "")


def _draft(columns: list[_Column], n: int, header_rows: int, *, source: str,
           output: str) -> str:
    entries = _draft_entries(columns, n)
    _one_timestamp(entries)
    _assign_keywords(entries)
    return _render(entries, source=source, output=output, n=n, header_rows=header_rows)


# --- reading the cells -----------------------------------------------------------------------


def _values(column: pd.Series) -> pd.Series:
    """Respondents per distinct non-blank cell (stripped), most frequent first."""
    cells = column.astype(str).str.strip()
    return cells[cells != ""].value_counts(sort=True)


def _second_header_row(frame: pd.DataFrame) -> bool:
    """Whether the first data row is a second header row (Typeform, Kaggle, SurveyMonkey).

    It is when it fills (nearly) every column and no column holds a respondent's answer
    there: no date in a date column, no number in a number column, no usual answer of a
    choice column (per-option columns holding their own option text excepted), no e-mail.
    """
    if len(frame) < 3 or frame.shape[1] < 2:
        return False
    first = [str(v).strip() for v in frame.iloc[0]]
    rest = frame.iloc[1:]
    if sum(v == "" for v in first) > 0.2 * len(first):
        return False
    evidence = 0
    for i, value in enumerate(first):
        counts = _values(rest.iloc[:, i])
        if value == "" or counts.empty:
            continue
        if redact_personal_data(value)[1]:
            return False
        if len(counts) == 1 and value == counts.index[0]:
            continue  # a per-option column's own text: a header, or a respondent who ticked
        if value in counts.index and counts[value] >= 2:
            return False  # a usual answer: a respondent
        texts = pd.Series(counts.index, dtype=object)
        if texts.str.fullmatch(_NUMBER.pattern).mean() > 0.9:
            if _NUMBER.fullmatch(value):
                return False
            evidence += 1
        elif _looks_like_dates(counts):
            if _looks_like_dates(pd.Series([1], [value])):
                return False
            evidence += 1
        elif len(counts) < 0.8 * len(rest) or value in ("Response", "Réponse"):
            evidence += 1  # a choice column: the value is none of its answers
    return evidence >= max(2, len(first) // 3)


def _looks_like_dates(counts: pd.Series) -> bool:
    texts = pd.Series(counts.index, dtype=object).astype(str)
    if texts.empty or not texts.str.match(r"\d").all():
        return False
    stamps, _ = parse_timestamps(texts)
    return bool(stamps.notna().all())


def _fold(text: str) -> str:
    """ASCII lower-case words of a text (for keywords and scales)."""
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).encode(
        "ascii", "ignore").decode().lower()


# --- entries ---------------------------------------------------------------------------------

_STEMS = (
    re.compile(r"^(?P<stem>.+?)\s*\[(?P<row>[^\[\]]+)\]$"),     # Forms grids, LimeSurvey
    re.compile(r"^(?P<stem>.+?)_Part_(?P<row>\d+)$", re.I),     # Kaggle
    re.compile(r"^(?P<stem>Q\d+(?:\.\d+)?)_(?P<row>\d+)$", re.I),  # Qualtrics
)
#: Columns of a question's typed "other" answers: Kaggle ``Q7_OTHER``, Qualtrics ``Q7_8_TEXT``.
_OTHER_COLUMN = re.compile(r"^(?P<stem>.+?)(?:_OTHER(?:_TEXT)?|_\d+_TEXT)$", re.I)
#: Row texts of an "other" column inside a group (LimeSurvey ``Q1[other]``, Typeform "Other").
_OTHER_ROW = re.compile(r"^(?:other|others|autre|autres|other \(please specify\)|"
                        r"autre \(precisez\)|.*\bother\b.*\btext\b)$")
_ID_HEADERS = frozenset(("#", "id", "response id", "responseid", "respondent id", "token",
                         "network id", "identifiant", "submission id", "_id", "uuid"))
_SUBMIT_HEADERS = frozenset(normalize_text(h) for h in (
    "Horodateur", "Horodatage", "Timestamp", "Submit Date (UTC)", "Submit Date", "submitdate",
    "Submitted at", "Date submitted", "datestamp", "Recorded Date", "End Date",
    "Date de soumission", "Date de réponse", "Date d'envoi"))


def _stem(column: _Column) -> tuple[str, str] | None:
    """(stem, row) of a column that may share a question with others, else None.

    ``Stem [row]`` (Forms grids, LimeSurvey ``Q1[SQ001]``), ``Q7_Part_1`` (Kaggle), ``Q7_1``
    (Qualtrics), or a question text over several option columns (Typeform's first header row).
    """
    top = column.top.strip()
    for pattern in _STEMS:
        match = pattern.match(top)
        if match:
            return match.group("stem").strip(), column.sub or match.group("row").strip()
    match = _OTHER_COLUMN.match(top)
    if match:
        return match.group("stem").strip(), column.sub or "other"
    if column.sub and column.sub != top:
        return top, column.sub
    return None


def _draft_entries(columns: list[_Column], n: int) -> list[_Entry]:
    stems = [_stem(c) for c in columns]
    by_stem: dict[str, list[int]] = defaultdict(list)
    for i, stem in enumerate(stems):
        if stem is not None:
            by_stem[stem[0]].append(i)
    done: set[int] = set()
    entries: list[_Entry] = []
    for i, column in enumerate(columns):
        if i in done:
            continue
        stem = stems[i]
        if stem is not None and len(by_stem[stem[0]]) >= 2:
            group = by_stem[stem[0]]
            entry = _group_entry([columns[j] for j in group], [stems[j][1] for j in group],
                                 stem[0], n)
            if entry is not None:
                done.update(group)
                entries.append(entry)
                continue
        entries.append(_column_entry(column, n))
        done.add(i)
    return _per_option_runs(columns, entries)


def _is_indicator(counts: pd.Series) -> str | None:
    """The ticked value of a per-option column (one value besides "not ticked"), or None."""
    ticked = [t for t in counts.index if t.strip().casefold() not in NOT_TICKED]
    if len(ticked) == 1:
        return ticked[0]
    if ticked and len(ticked) <= 2 and all(t.strip().casefold() in _TICKED for t in ticked):
        return ticked[0]
    return None


def _group_entry(group: list[_Column], rows: list[str], stem: str, n: int) -> _Entry | None:
    """One question over the columns of ``group``: per-option columns, or a grid; or None."""
    counts = [_values(c.cells) for c in group]
    is_other = [bool(_OTHER_ROW.match(_scale_fold(r))) or bool(_OTHER_COLUMN.match(c.top))
                for c, r in zip(group, rows, strict=True)]
    indicator = [_is_indicator(k) for k in counts]
    options = [j for j in range(len(group)) if not is_other[j] or (
        indicator[j] is not None and indicator[j].casefold() in _TICKED)]
    others = [j for j in range(len(group)) if j not in options]
    if len(options) >= 2 and len(others) <= 1 and all(
            indicator[j] is not None or counts[j].empty for j in options):
        return _columns_entry(group, rows, stem, counts, indicator, options, others, n)
    if others:
        return None
    # a grid: every row a single choice over one shared set of values
    pooled: Counter[str] = Counter()
    for k in counts:
        pooled.update(dict(k))
    if any(_joins(k) for k in counts) or len(pooled) > max(12, n // 2) or any(
            "\n" in t for t in pooled):
        return None
    total = sum(pooled.values())
    shared = sum(v for t, v in pooled.items()
                 if sum(t in k.index for k in counts) >= max(2, len(group) // 2))
    if not total or shared / total < 0.8:
        return None
    entry = _Entry(stem, "grid", stem)
    for column, row in zip(group, rows, strict=True):
        entry.rows.append(_Row(row, None if column.name == f"{stem} [{row}]" else column.name))
    cells = np.column_stack([(c.cells.astype(str).str.strip() != "").to_numpy() for c in group])
    entry.answered = int(cells.any(axis=1).sum())
    entry.options, entry.ordered = _ordered_options(pooled)
    if _codes([o.text for o in entry.options]):
        entry.notes.append("CHECK: the scale is written as answer codes (A1, A2…): name the "
                           "option keywords after what they stand for")
    return entry


def _codes(texts: list[str]) -> bool:
    return bool(texts) and all(re.fullmatch(r"[A-Z]{1,3}\d{1,3}", t) for t in texts)


def _joins(counts: pd.Series) -> bool:
    """Whether some cells join other cells' values with a separator (a checkbox grid)."""
    values = set(counts.index)
    for sep in SEPARATORS:
        for text in values:
            pieces = [p.strip() for p in text.split(sep)]
            if len(pieces) >= 2 and sum(p in values for p in pieces) >= 2:
                return True
    return False


def _group_base(group: list[_Column], stem: str) -> str:
    """The question text of a group: the stem, or what second-row texts share (Kaggle's
    ``"Question - Selected Choice - Option"``)."""
    subs = [c.sub for c in group if c.sub]
    if len(subs) < 2 or not re.fullmatch(r"[A-Za-z]{0,3}\d+(?:\.\d+)?", stem):
        return stem
    prefix = os.path.commonprefix(subs)
    prefix = re.split(r" - Selected Choice| - ", prefix)[0].strip(" -:")
    return prefix if len(prefix) >= 8 else stem


def _option_text(column: _Column, row: str, ticked: str | None, base: str) -> str:
    if ticked is not None and ticked.casefold() not in _TICKED:
        return ticked  # the column holds its option's text (Kaggle, Typeform)
    sub = column.sub
    if sub and base != column.top and sub.startswith(base):
        rest = sub[len(base):].split(" - ")[-1].strip(" -:")
        if rest:
            return rest
    return sub or row


def _columns_entry(group: list[_Column], rows: list[str], stem: str,
                   counts: list[pd.Series], indicator: list[str | None], options: list[int],
                   others: list[int], n: int) -> _Entry:
    base = _group_base(group, stem)
    entry = _Entry(stem, "multiple", base)
    entry.layout = "columns"
    seen: set[str] = set()
    coded = False
    for j in options:
        column, ticked = group[j], indicator[j]
        text = _option_text(column, rows[j], ticked, base)
        coded = coded or text == rows[j] and (ticked is None or ticked.casefold() in _TICKED)
        if normalize_text(text) in seen:
            text = f"{text} ({column.name})"
        seen.add(normalize_text(text))
        count = int(counts[j].get(ticked, 0)) if ticked is not None else 0
        entry.options.append(_Option(text, count, column=column.name,
                                     none=bool(_NONE_OPTIONS.match(_scale_fold(text)))))
    ticked_any = np.zeros(n, dtype=bool)
    for j in options:
        cells = group[j].cells.astype(str).str.strip().str.casefold()
        ticked_any |= ~cells.isin(NOT_TICKED).to_numpy()
    if others:
        other = group[others[0]]
        entry.other_column = other.name
        entry.other = True
        ticked_any |= (other.cells.astype(str).str.strip() != "").to_numpy()
        typed = _values(other.cells)
        entry.other_note = (f"{int(typed.sum())} respondent(s) typed their own answer in "
                            f"{_quote(_shown(other.name))}")
    else:
        entry.other = False
    entry.answered = int(ticked_any.sum())
    if coded:
        entry.notes.append("CHECK: the option texts are the column codes; write the texts the "
                           "form showed")
    if not any(o.none for o in entry.options):
        entry.notes.append("one column per option: a respondent with no option ticked did not "
                           "answer; mark an explicit \"none\" option with none = true")
    return entry


def _per_option_runs(columns: list[_Column], entries: list[_Entry]) -> list[_Entry]:
    """Merge runs of stem-less per-option columns (one header row, each named by its option
    and holding its option text when ticked) into one question each."""
    out: list[_Entry] = []
    run: list[_Entry] = []
    cells = {c.name: c.cells for c in columns}

    def own_text(e: _Entry) -> bool:
        return (e.kind == "single" and len(e.options) == 1 and not e.layout
                and e.options[0].text == e.header)

    def flush() -> None:
        if len(run) >= 2:
            entry = _Entry(run[0].header, "multiple", run[0].header)
            entry.layout = "columns"
            entry.other = False
            for e in run:
                text = e.options[0].text
                entry.options.append(_Option(text, e.options[0].count, column=e.header,
                                             none=bool(_NONE_OPTIONS.match(_scale_fold(text)))))
            answered = np.column_stack([(cells[e.header].astype(str).str.strip() != "")
                                        .to_numpy() for e in run])
            entry.answered = int(answered.any(axis=1).sum())
            entry.notes.append("CHECK: one column per option, each named by its option (a "
                               "Typeform export?): give the question a keyword and a label")
            out.append(entry)
        else:
            out.extend(run)
        run.clear()

    for e in entries:
        if own_text(e):
            run.append(e)
            continue
        flush()
        out.append(e)
    flush()
    return out


def _column_entry(column: _Column, n: int) -> _Entry:
    header = column.name
    base = column.sub or column.top
    counts = _values(column.cells)
    answered = int(counts.sum())
    entry = _Entry(header, "free", base or "colonne")
    entry.answered = answered
    folded = normalize_text(column.top)
    if not header or header.startswith("Unnamed:"):
        entry.kind = "ignore"
        entry.notes.append("a column without a header (row numbers?): left unread")
        return entry
    if answered == 0:
        entry.notes.append("no respondent answered: read as free text")
        return entry
    if _row_numbers(column.cells):
        entry.kind = "ignore"
        entry.notes.append("row numbers 1..n: left unread")
        return entry
    if folded in _TIMESTAMP_HEADERS or (
            len(counts) >= 0.9 * answered and _looks_like_dates(counts)):
        entry.kind = "timestamp"
        if folded not in _TIMESTAMP_HEADERS:
            entry.notes.append("CHECK: every cell is a date: read as the submission time")
        return entry
    if _is_personal(base, counts):
        entry.kind = "personal"
        entry.notes.append("personal data: dropped when the export is read, never shown")
        return entry
    if _identifiers(folded, counts, answered):
        entry.kind = "ignore"
        entry.notes.append("respondent identifiers: left unread")
        return entry
    if len(counts) == 1 and answered == n >= 10:
        entry.kind = "ignore"
        entry.notes.append("every respondent gave the same answer: left unread; "
                           "kind = \"single\" counts it")
        return entry
    texts = pd.Series(counts.index, dtype=object)
    if texts.str.fullmatch(_NUMBER.pattern).all():
        return _number_entry(entry, counts)
    return _choice_entry(entry, base, counts)


def _identifiers(folded_header: str, counts: pd.Series, answered: int) -> bool:
    """Response tokens: a header such as ``#``/``id`` over distinct cells, or distinct
    space-free codes of one length."""
    distinct = len(counts) == answered
    if folded_header in _ID_HEADERS and distinct:
        return True
    texts = list(counts.index)
    return (distinct and answered >= 10 and len({len(t) for t in texts}) == 1
            and len(texts[0]) >= 8 and all(re.fullmatch(r"[0-9A-Za-z_-]+", t) for t in texts)
            and any(re.search(r"\d", t) for t in texts))


def _one_timestamp(entries: list[_Entry]) -> None:
    """Keep one timestamp column (the submission time); other date columns are ignored."""
    stamps = [e for e in entries if e.kind == "timestamp"]
    if len(stamps) < 2:
        return
    kept = next((e for e in stamps if normalize_text(e.header) in _SUBMIT_HEADERS), stamps[0])
    for entry in stamps:
        if entry is not kept:
            entry.kind = "ignore"
            entry.notes = [f"dates: left unread (the submission time is {_quote(kept.header)}); "
                           "kind = \"free\" keeps them"]


def _row_numbers(column: pd.Series) -> bool:
    cells = column.str.strip()
    if len(cells) < 3 or not cells.str.fullmatch(r"\d+").all():
        return False
    numbers = cells.astype(np.int64).to_numpy()
    start = numbers[0]
    return start in (0, 1) and bool((numbers == np.arange(start, start + len(numbers))).all())


def _is_personal(header: str, counts: pd.Series) -> bool:
    texts = list(counts.index[:200])
    typed = sum(redact_personal_data(t)[1] > 0 for t in texts)
    if typed >= 0.5 * len(texts):
        return True
    words = " ".join(re.sub(r"[^\w'@-]+", " ", _fold(header)).split())
    named = bool(_PERSONAL_WORDS.search(words)) or _PERSONAL_FRAME.sub("", words) in \
        _PERSONAL_HEADERS
    return named and (typed > 0 or len(counts) >= 0.5 * counts.sum())


def _number_entry(entry: _Entry, counts: pd.Series) -> _Entry:
    texts = list(counts.index)
    integers = all(_INTEGER.fullmatch(t) for t in texts)
    values = sorted(float(t.replace(",", ".")) for t in texts)
    if integers and len(texts) <= 11 and values[-1] - values[0] <= 10:
        entry.kind = "single"
        entry.ordered = True
        entry.other = False
        entry.options = [_Option(t, int(counts[t])) for t in
                         sorted(texts, key=lambda t: float(t.replace(",", ".")))]
        entry.notes.append("numbers on a short scale: a single-choice question in numeric "
                           "order")
        return entry
    entry.notes.append(f"CHECK: numbers ({len(texts)} distinct, {_number(values[0])} to "
                       f"{_number(values[-1])}): read as free text; numeric questions are not "
                       "analysed yet")
    return entry


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


# --- choice columns --------------------------------------------------------------------------


@dataclass
class _Segmentation:
    """Cells cut into units (option texts or "Autre" texts) with one separator."""

    separator: str
    units: dict[str, list[str]]     # cell -> its units, in cell order
    respondents: Counter[str]       # unit -> respondents who gave it
    cells: Counter[str]             # unit -> distinct cells holding it
    alone: set[str]                 # units that are a whole cell somewhere
    last_only: set[str]             # units that always end their cell
    evidence: int                   # respondents whose cell joins >= 2 units seen elsewhere
    strong: int                     # ... >= 2 units that are whole cells elsewhere


def _segment(counts: pd.Series, separator: str) -> _Segmentation:
    """Cut the cells at ``separator`` and glue back the pieces of option texts.

    A piece is glued to the next one inside unclosed brackets, and when it is always
    followed by that piece, which always follows it: such pieces never stand apart, so they
    are one text ("K-Nearest Neighbour, Kmeans et variantes").
    """
    split = {}
    for cell in counts.index:
        pieces = [p.strip() for p in cell.split(separator)]
        split[cell] = [p for p in pieces if p] or [cell]
    after: dict[str, set[str | None]] = defaultdict(set)
    before: dict[str, set[str | None]] = defaultdict(set)
    for pieces in split.values():
        for i, piece in enumerate(pieces):
            after[piece].add(pieces[i + 1] if i + 1 < len(pieces) else None)
            before[piece].add(pieces[i - 1] if i else None)
    units: dict[str, list[str]] = {}
    for cell, pieces in split.items():
        groups = [[pieces[0]]]
        depth = _depth(pieces[0])
        for previous, piece in zip(pieces, pieces[1:], strict=False):
            if depth > 0 or (after[previous] == {piece} and before[piece] == {previous}):
                groups[-1].append(piece)
                depth += _depth(piece)
            else:
                groups.append([piece])
                depth = _depth(piece)
        units[cell] = [separator.join(g) for g in groups]
    respondents: Counter[str] = Counter()
    cells: Counter[str] = Counter()
    alone: set[str] = set()
    not_last: set[str] = set()
    for cell, found in units.items():
        for unit in dict.fromkeys(found):
            respondents[unit] += int(counts[cell])
            cells[unit] += 1
        if len(found) == 1:
            alone.add(found[0])
        not_last.update(found[:-1])
    evidence = strong = 0
    for cell, found in units.items():
        if len(found) < 2:
            continue
        if sum(u in alone or cells[u] >= 2 for u in found) >= 2:
            evidence += int(counts[cell])
        if sum(u in alone for u in found) >= 2:
            strong += int(counts[cell])
    return _Segmentation(separator, units, respondents, cells, alone,
                         set(respondents) - not_last, evidence, strong)


def _depth(piece: str) -> int:
    return len(_OPEN.findall(piece)) - len(_CLOSE.findall(piece))


def _choice_entry(entry: _Entry, header: str, counts: pd.Series) -> _Entry:
    hinted = bool(_MULTIPLE_HINT.search(_fold(header)))
    # decided on the most frequent distinct cells: a free-text column may have millions
    sample = counts.iloc[:DECIDE_ON]
    best = max((_segment(sample, sep) for sep in SEPARATORS),
               key=lambda s: (s.strong, s.evidence, s.separator == ", "))
    m = int(sample.sum())
    mentions = sum(best.respondents.values())
    covered = sum(v for v in best.respondents.values() if v >= 2) / mentions
    strong = best.strong >= max(2, 0.03 * m)
    weak = (best.evidence >= max(2, 0.05 * m) and covered >= 0.85
            and len(best.respondents) <= max(3, m / 3))
    if strong or weak or hinted:
        separator = best.separator if strong or weak else ", "
        return _multiple_entry(entry, _segment(counts, separator),
                               hinted and not (strong or weak))
    return _single_or_free(entry, counts)


def _multiple_entry(entry: _Entry, seg: _Segmentation, header_only: bool) -> _Entry:
    entry.kind = "multiple"
    if seg.separator != ", ":
        entry.separator = seg.separator
    kept = sum(1 for v in seg.respondents.values() if v >= 2)
    others = [u for u, v in seg.respondents.items()
              if v == 1 and u in seg.last_only and kept >= 2]
    order = _cell_order(seg)
    if order is None:
        order = sorted(seg.respondents, key=lambda u: -seg.respondents[u])
        entry.notes.append("CHECK: the cells list the options in different orders (not a "
                           "Google Forms export?): options ordered by frequency")
    personal = [u for u in order if redact_personal_data(u)[1]]
    entry.options = [_Option(u, seg.respondents[u]) for u in order
                     if u not in others and u not in personal]
    for option in entry.options:
        if seg.separator.strip() in _BRACKETED.sub("", option.text):
            option.note = (f"CHECK: one option whose text holds {seg.separator.strip()!r}? "
                           "(else two options always ticked together)")
    if others or personal:
        entry.other = True
        shown = ", ".join(_quote(_shown(u)) for u in others[:SHOWN])
        more = f" and {len(others) - SHOWN} more" if len(others) > SHOWN else ""
        entry.other_note = (f"CHECK: {len(others)} answer(s) given by one respondent each, "
                            f"last in their cell, are read as 'Autre' texts: {shown}{more}; "
                            "move one to `options` if the form offered it")
        if personal:
            entry.other_note += f"; {len(personal)} answer(s) holding personal data left out"
    else:
        entry.other = False
    if header_only:
        entry.notes.append("multiple choice by its header (no cell joins two answers)")
    return entry


def _cell_order(seg: _Segmentation) -> list[str] | None:
    """Units in the order the cells list them (form order), or None if cells disagree."""
    follows: dict[str, set[str]] = defaultdict(set)
    waiting: Counter[str] = Counter()
    for found in seg.units.values():
        for a, b in zip(found, found[1:], strict=False):
            if a != b and b not in follows[a]:
                follows[a].add(b)
                waiting[b] += 1
    ready = [u for u in seg.respondents if waiting[u] == 0]
    order: list[str] = []
    while ready:
        ready.sort(key=lambda u: (-seg.respondents[u], u))
        unit = ready.pop(0)
        order.append(unit)
        for b in follows[unit]:
            waiting[b] -= 1
            if waiting[b] == 0:
                ready.append(b)
    return order if len(order) == len(seg.respondents) else None


def _single_or_free(entry: _Entry, counts: pd.Series) -> _Entry:
    n = int(counts.sum())
    distinct = len(counts)
    unique = int(counts[counts == 1].sum())
    length = float(np.mean([len(t) for t in counts.index[:DECIDE_ON]]))
    ordered = distinct <= MAX_SCALE and _scale_rank(list(counts.index)) is not None
    if any("\n" in t for t in counts.index):
        entry.notes.append(f"free text ({distinct} distinct answers among {n} respondents, "
                           "some on several lines): not counted")
        return entry
    repeated = counts[counts >= 2]
    if distinct > 30 and len(repeated) <= 30 and repeated.sum() >= 0.7 * n and n >= 20 and \
            not _joins_options(counts[counts == 1].index, set(repeated.index)):
        return _single_with_autre(entry, counts, repeated)
    if (ordered and distinct <= MAX_SCALE) or (distinct <= 30 and unique <= 0.3 * n):
        pass
    elif distinct <= 30 and unique <= 0.6 * n and length <= 60 and n >= 10:
        entry.notes.append(f"CHECK: {distinct} distinct answers among {n} respondents: single "
                           "choice or free text?")
    else:
        if distinct <= 30 and n >= 5 and unique < 0.8 * n:
            entry.notes.append(f"CHECK: {distinct} distinct answers among {n} respondents: "
                               "free text or single choice?")
        entry.notes.append(f"free text ({distinct} distinct answers among {n} respondents): "
                           "not counted; kind = \"personal\" if answers may identify someone")
        return entry
    entry.kind = "single"
    options, ordered = _ordered_options(Counter(dict(counts)))
    personal = [o for o in options if redact_personal_data(o.text)[1]]
    entry.options = [o for o in options if o not in personal]
    entry.ordered = ordered
    if _codes([o.text for o in entry.options]):
        entry.notes.append("CHECK: answer codes (A1, A2…): name the option keywords after "
                           "what they stand for")
    entry.other = bool(personal)
    if personal:
        entry.other_note = f"{len(personal)} answer(s) holding personal data left out"
    return entry


def _joins_options(texts: Iterable[str], options: set[str]) -> bool:
    """Whether a text joins two option texts with a separator (the reader refuses it in a
    single-choice column)."""
    return any(sum(p.strip() in options for p in t.split(sep)) >= 2
               for t in texts for sep in SEPARATORS if sep in t)


def _single_with_autre(entry: _Entry, counts: pd.Series, repeated: pd.Series) -> _Entry:
    """A single-choice question whose answers given once are typed "Autre" answers."""
    entry.kind = "single"
    options, entry.ordered = _ordered_options(Counter(dict(repeated)))
    entry.options = [o for o in options if not redact_personal_data(o.text)[1]]
    rare = [t for t in counts.index if counts[t] == 1]
    shown = ", ".join(_quote(_shown(t)) for t in rare[:SHOWN])
    more = f" and {len(rare) - SHOWN} more" if len(rare) > SHOWN else ""
    entry.other = True
    entry.other_note = (f"CHECK: {len(rare)} answers given by one respondent each are read as "
                        f"'Autre' texts: {shown}{more}; move one to `options` if the form "
                        "offered it")
    return entry


def _scale_fold(text: str) -> str:
    text = normalize_text(text)
    text = re.sub(r"\((?:e|s|es)\)|[·.](?:e|s|es)\b", "", text)
    return _fold(text).strip(" .!;:").replace("’", "'")


def _scale_rank(texts: Sequence[str]) -> dict[str, float] | None:
    """Rank of each text on one known scale (numbers, a leading number, words), or None."""
    if not 2 <= len(texts) <= MAX_SCALE:
        return None
    if all(_NUMBER.fullmatch(t.strip()) for t in texts):
        return {t: float(t.strip().replace(",", ".")) for t in texts}
    leading = {t: _LEADING_NUMBER.match(t) for t in texts}
    if all(leading.values()):
        ranks = {t: float(m.group(1).replace(",", ".")) for t, m in leading.items()}
        if len(set(ranks.values())) == len(ranks):
            return ranks
    folded = {t: _scale_fold(t) for t in texts}
    scale_texts = [t for t in texts if folded[t] not in _NO_OPINION]
    for scale in _SCALES:
        ranks: dict[str, float] = {}
        for t in scale_texts:
            key = folded[t]
            for rank, forms in enumerate(scale):
                if key in forms or (key.endswith("e") and key[:-1] in forms) or (
                        key.endswith("s") and key[:-1] in forms):
                    ranks[t] = rank
                    break
            else:
                break
        if len(ranks) == len(scale_texts) and len(ranks) >= 2 and (
                scale is not _SCALES[5] or len(ranks) >= 3):
            for t in texts:
                ranks.setdefault(t, len(scale) + 1.0)
            return ranks
    return None


def _ordered_options(counts: Counter[str]) -> tuple[list[_Option], bool]:
    """Options in scale order (and True), or by frequency (and False)."""
    texts = list(counts)
    ranks = _scale_rank(texts)
    if ranks is not None:
        order = sorted(texts, key=lambda t: (ranks[t], t))
        return [_Option(t, int(counts[t])) for t in order], True
    order = sorted(texts, key=lambda t: (-counts[t], t))
    return [_Option(t, int(counts[t])) for t in order], False


# --- keywords and TOML -----------------------------------------------------------------------


def _keyword(text: str, taken: set[str], fallback: str) -> str:
    """A short ASCII keyword for ``text`` (first meaningful words), unique among ``taken``."""
    words = re.findall(r"[a-z0-9]+", _fold(text))
    meaningful = [w for w in words if w not in _STOP_WORDS] or words
    keyword = ""
    for word in meaningful:
        longer = f"{keyword}_{word}" if keyword else word
        if len(longer) > KEYWORD_LENGTH:
            keyword = keyword or word[:KEYWORD_LENGTH]
            break
        keyword = longer
    keyword = keyword or fallback
    unique, k = keyword, 2
    while unique in taken:
        suffix = f"_{k}"
        unique = keyword[:KEYWORD_LENGTH - len(suffix)] + suffix
        k += 1
    taken.add(unique)
    return unique


def _assign_keywords(entries: list[_Entry]) -> None:
    taken: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        entry.keyword = _keyword(entry.base, taken, f"colonne_{i}")
        option_keys: set[str] = set()
        for j, option in enumerate(entry.options, start=1):
            option.keyword = _keyword(option.text, option_keys, f"option_{j}")
        row_keys: set[str] = set()
        for j, row in enumerate(entry.rows, start=1):
            row.keyword = _keyword(row.text, row_keys, f"ligne_{j}")


def _toml_string(text: str) -> str:
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _quote(text: str) -> str:
    return "'" + text.replace("\n", " ") + "'"


def _shown(text: str, width: int = 50) -> str:
    text = redact_personal_data(text)[0]
    return text if len(text) <= width else text[:width - 1] + "…"


def _comment(text: str) -> str:
    return text.replace("\n", " ")


def _label(header: str) -> str:
    text = " ".join(header.split())
    if len(text) <= LABEL_LENGTH:
        return text
    cut = text[:LABEL_LENGTH - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:(") + "…"


def _respondents(n: int) -> str:
    return f"{n} respondent" + ("" if n == 1 else "s")


def _render(entries: list[_Entry], *, source: str, output: str, n: int,
            header_rows: int) -> str:
    kinds = Counter(e.kind for e in entries)
    summary = ", ".join(f"{kinds[k]} {k}" for k in ("single", "multiple", "grid", "free",
                                                     "timestamp", "personal", "ignore")
                        if kinds[k])
    separators = {e.separator or ", " for e in entries if e.kind == "multiple" and not e.layout}
    common = separators.pop() if len(separators) == 1 else ", "
    stem = Path(source).stem
    name = _keyword(stem, set(), "survey")
    lines = [
        f"# Codebook DRAFTED by espri_gpu from {Path(source).name} ({n} respondents): "
        f"{summary}.",
        "#",
        "# Check it before trusting the report, then edit:",
        "#   - kind: single | multiple | grid | free | timestamp | personal | ignore;",
        "#   - keyword: the short name used in tables and file names (rename freely);",
        "#   - label: the title of figures;",
        "#   - options: keep each `text` exactly as in the export; the comments give the",
        "#     number of respondents; `ordered = true` keeps the listed order in tables;",
        "#   - lines marked CHECK are guesses the drafter was unsure about.",
        "# Re-run with it:",
        f"#   python -m espri_gpu report {shlex.quote(source)} --codebook {shlex.quote(output)}",
        "",
        f"name = {_toml_string(name)}",
        f"title = {_toml_string(stem)}",
    ]
    if header_rows != 1:
        lines.append(f"header_rows = {header_rows}  # the second header row holds option "
                     "texts / sub-headers")
    if common != ", ":
        lines.append(f"separator = {_toml_string(common)}  # joins the answers of "
                     "multiple-choice cells")
    for entry in entries:
        lines += ["", "[[columns]]"]
        lines += [f"# {_comment(note)}" for note in entry.notes]
        if entry.kind != "ignore" or entry.header:
            lines.append(f"keyword = {_toml_string(entry.keyword)}")
        if entry.layout != "columns":
            lines.append(f"header = {_toml_string(entry.header)}")
        lines.append(f"kind = {_toml_string(entry.kind)}")
        if entry.kind in ("single", "multiple", "grid"):
            lines.append(f"label = {_toml_string(_label(entry.base))}")
        if entry.layout:
            lines.append(f"layout = {_toml_string(entry.layout)}")
        if entry.separator and entry.separator != common:
            lines.append(f"separator = {_toml_string(entry.separator)}")
        if entry.ordered:
            lines.append("ordered = true  # a scale: options in scale order")
        if entry.other is not None and entry.kind in ("single", "multiple"):
            note = f"  # {_comment(entry.other_note)}" if entry.other_note else ""
            lines.append(f"other = {'true' if entry.other else 'false'}{note}")
        if entry.other_column:
            lines.append(f"other_column = {_toml_string(entry.other_column)}")
        if entry.kind in ("single", "multiple", "grid"):
            lines.append("options = [")
            for option in entry.options:
                fields = [f"keyword = {_toml_string(option.keyword)}",
                          f"text = {_toml_string(option.text)}"]
                if option.column is not None:
                    fields.append(f"column = {_toml_string(option.column)}")
                if option.none:
                    fields.append("none = true")
                note = _respondents(option.count) if entry.kind != "grid" else \
                    f"{option.count} answers"
                if option.note:
                    note += f"; {option.note}"
                lines.append(f"    {{ {', '.join(fields)} }},  # {_comment(note)}")
            lines.append("]")
        if entry.rows:
            lines.append("rows = [")
            for row in entry.rows:
                fields = [f"keyword = {_toml_string(row.keyword)}",
                          f"text = {_toml_string(row.text)}"]
                if row.column is not None:
                    fields.append(f"column = {_toml_string(row.column)}")
                lines.append(f"    {{ {', '.join(fields)} }},")
            lines.append("]")
    return "\n".join(lines) + "\n"
