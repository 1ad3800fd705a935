"""Drafting a codebook from an export: what each column looks like, written as TOML to edit.

:func:`draft_codebook_toml` reads an export (CSV, ``.xlsx``, ``.ods``) and writes one
``[[columns]]`` entry per column (or per group of columns: a grid, a question spread over one
column per option) with a keyword made from the header, the exact header, a kind inferred from
the header and the cells, and the options with their number of respondents in comments. Where
the inference is unsure the draft says so in a comment starting with ``CHECK:``.

How each kind is recognised (the first rule that fits wins):

* ``ignore``: an empty header (``Unnamed: 0``), or cells ``1, 2, …, n`` (``0, …, n-1``) in row
  order: the row numbers R and pandas write.
* ``timestamp``: a Forms header ("Horodateur", "Timestamp", "Date", "Submit Date", …), or every
  cell a date (:func:`espri_gpu.timestamps.parse_timestamps`) and nearly every cell distinct.
* ``personal``: most cells are e-mail addresses or phone numbers, or a header such as
  "Adresse e-mail", "Email Address", "Nom", "Prénom", "Name", "Téléphone" over mostly distinct
  cells. Never shown in the draft.
* grids and per-option columns: headers sharing a stem (``Stem [row]``, ``Q1[SQ001]``,
  ``Q7_Part_1``, ``Q7_1``). Columns that hold a single value each (or Y/1/Oui against
  blank/N/0) are one multiple-choice question (``layout = "columns"``); columns sharing one set
  of values are a ``grid``.
* ``multiple``: cells that join other cells' values (or frequent pieces) with ``", "`` or
  ``";"``, or a header saying "plusieurs choix possibles" / "select all that apply". Option
  texts may contain the separator ("Editeurs (Atom, Emacs, Vim)"): a piece that always comes
  right after the same piece, which is never followed by anything else, is glued to it, and so
  is everything inside unclosed brackets. Options are listed in the order the cells show them
  (Google Forms writes ticked options in form order); a value given by one respondent, always
  last in its cell, is read as a respondent's own "Autre" answer (``other = true``).
* numbers: a few distinct integers (a 1–5 or 0–10 scale) are a ``single`` question with
  ``ordered = true``; other numbers are left ``free``.
* ``single``: few distinct values, most given by several respondents; otherwise ``free``.

Options of a single-choice question or a grid are ordered as a human expects: a known scale
(Likert agreement, frequency, level, satisfaction, in French or English; numbers; texts
starting with a number) in scale order with ``ordered = true``, else by frequency.

Known failure cases: two options always ticked together by the same respondents (with no
other option between them) are drafted as one option whose text contains the separator, and
said so in a comment; an option ticked by a single respondent as the last of their options is
drafted as an "Autre" answer; a single-choice question answered by few respondents, each with
another answer, is drafted as free text.
"""

from __future__ import annotations

import re
import shlex
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .codebook import Codebook, normalize_text
from .redaction import redact_personal_data
from .tables import read_table
from .timestamps import parse_timestamps

__all__ = ["draft_codebook", "draft_codebook_toml", "draft_from_frame"]

#: Longest keyword drafted (before a ``_2`` suffix that keeps keywords unique).
KEYWORD_LENGTH = 20
#: Longest label drafted from a header (figure titles).
LABEL_LENGTH = 70
#: Separators tried on multiple-choice cells, most common first.
SEPARATORS = (", ", ";")
#: Texts shown in a CHECK comment, at most.
SHOWN = 4

_STOP_WORDS = frozenset("""
a ai as au aux avec avez avons c ce ces cet cette d dans de des du elle en est et etes etait
etiez il ils j je l la le les leur leurs lui m ma mais me mes moi mon n ne nous on ou par pas
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
_PERSONAL_FRAME = re.compile(r"^(?:votre|vos|your)\s+|\s*\((?:optionnel|optional|facultatif)\)$")
#: Per-option cells that mean "not ticked" (spec: blank, 0, N, No, Non, False).
_UNTICKED = frozenset(("", "0", "n", "no", "non", "false"))
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
    table = read_table(path)
    return draft_from_frame(table.frame, source=str(path), output=output)


def draft_codebook(path: str | Path) -> Codebook:
    """Draft a codebook for an export and load it (see :func:`draft_codebook_toml`).

    Parameters
    ----------
    path : str or Path
        The export (CSV, ``.xlsx`` or ``.ods``).

    Returns
    -------
    Codebook

    Examples
    --------
    >>> from espri_gpu.example import example_path
    >>> cb = draft_codebook(example_path("espri2020", "responses.csv"))
    >>> [c.kind for c in cb.columns][:4]
    ['timestamp', 'single', 'free', 'single']
    """
    return _load_text(draft_codebook_toml(path), str(path))


def draft_from_frame(frame: pd.DataFrame, *, source: str = "export.csv",
                     output: str = "codebook.toml") -> str:
    """Draft a codebook (TOML text) for a table of strings whose columns are the export's.

    Parameters
    ----------
    frame : pandas.DataFrame
        One column per export column, headers as exported, cells as strings (blanks ``""``),
        as :func:`espri_gpu.tables.read_table` returns them.
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
    header_rows = 1
    subheader: dict[str, str] = {}
    if _second_header_row(frame):
        header_rows = 2
        subheader = {c: frame[c].iloc[0].strip() for c in frame.columns}
        frame = frame.iloc[1:].reset_index(drop=True)
    entries = _draft_entries(frame, subheader)
    _assign_keywords(entries)
    return _render(entries, source=source, output=output, n=len(frame),
                   header_rows=header_rows)


def _load_text(text: str, where: str) -> Codebook:
    """Load a drafted codebook (through ``load_codebook_text`` once the codebook model has it)."""
    from . import codebook as model

    loader = getattr(model, "load_codebook_text", None)
    if loader is not None:
        return loader(text, where)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "codebook.toml"
        path.write_text(text, encoding="utf-8")
        cb = model.load_codebook(path)
    return Codebook(cb.name, cb.title, cb.columns, cb.questions, where)


# --- reading the cells -----------------------------------------------------------------------


def _values(column: pd.Series) -> pd.Series:
    """Respondents per distinct non-blank cell (stripped), most frequent first."""
    cells = column.str.strip()
    return cells[cells != ""].value_counts(sort=True)


def _second_header_row(frame: pd.DataFrame) -> bool:
    """Whether the first data row is a second header row (Typeform, SurveyMonkey).

    It is when it fills (nearly) every column, no timestamp or number column has a date or a
    number in it, each per-option column holds its own option text (the value of that column
    in other rows), and the choice columns do not hold one of their usual answers there.
    """
    if len(frame) < 3 or frame.shape[1] < 2:
        return False
    first = frame.iloc[0].str.strip()
    rest = frame.iloc[1:]
    if (first == "").mean() > 0.2:
        return False
    evidence = 0
    for name in frame.columns:
        value = first[name]
        counts = _values(rest[name])
        if value == "" or counts.empty:
            continue
        texts = counts.index
        if len(counts) == 1 and value == texts[0]:  # a per-option column's own text
            evidence += 1
            continue
        if value in counts.index and counts[value] >= 2:
            return False  # a usual answer: a respondent
        numeric = texts.str.fullmatch(_NUMBER.pattern).mean() > 0.9
        if numeric and not _NUMBER.fullmatch(value):
            evidence += 1
        elif _looks_like_dates(counts) and not _looks_like_dates(pd.Series([1], [value])):
            evidence += 1
        elif value in (name, "Response", "Réponse", "Open-Ended Response") or (
                len(counts) <= max(3, len(rest) // 4) and value not in counts.index):
            evidence += 1
    return evidence >= max(2, frame.shape[1] // 2)


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
_OTHER_COLUMN = re.compile(r"^(?P<stem>.+?)(?:\s*\[other\]|_OTHER(?:_TEXT)?|_\d+_TEXT|"
                           r"\s*\[Autre\]|\s*\[Other\])$", re.I)


def _stem(header: str) -> tuple[str, str] | None:
    for pattern in _STEMS:
        match = pattern.match(header.strip())
        if match:
            return match.group("stem").strip(), match.group("row").strip()
    return None


def _draft_entries(frame: pd.DataFrame, subheader: dict[str, str]) -> list[_Entry]:
    headers = list(frame.columns)
    stems = {h: _stem(str(h)) for h in headers}
    by_stem: dict[str, list[str]] = defaultdict(list)
    for h in headers:
        if stems[h] is not None:
            by_stem[stems[h][0]].append(h)
    others: dict[str, str] = {}
    for h in headers:
        match = _OTHER_COLUMN.match(str(h))
        if match and match.group("stem").strip() in by_stem and stems[h] is None:
            others[match.group("stem").strip()] = h
    done: set[str] = set()
    entries: list[_Entry] = []
    for h in headers:
        if h in done:
            continue
        stem = stems[h][0] if stems[h] else None
        if stem is not None and len(by_stem[stem]) >= 2:
            group = by_stem[stem]
            entry = _group_entry(frame, stem, group, stems, subheader, others.get(stem))
            if entry is not None:
                done.update(group)
                if entry.other_column:
                    done.add(entry.other_column)
                entries.append(entry)
                continue
        entries.append(_column_entry(str(h), frame[h], len(frame), subheader.get(h, "")))
        done.add(h)
    typeform = _per_option_runs(frame, entries, subheader)
    return typeform


def _is_indicator(counts: pd.Series) -> str | None:
    """The ticked value of a per-option column (one value besides "not ticked"), or None."""
    ticked = [t for t in counts.index if t.strip().casefold() not in _UNTICKED]
    if len(ticked) == 1:
        return ticked[0]
    if ticked and all(t.strip().casefold() in _TICKED for t in ticked) and len(ticked) <= 2:
        return ticked[0]
    return None


def _group_entry(frame: pd.DataFrame, stem: str, group: list[str],
                 stems: dict[str, tuple[str, str] | None], subheader: dict[str, str],
                 other_column: str | None) -> _Entry | None:
    """A per-option multiple-choice question or a grid over the columns of ``group``."""
    counts = {h: _values(frame[h]) for h in group}
    indicator = {h: _is_indicator(counts[h]) for h in group}
    if all(indicator[h] is not None or counts[h].empty for h in group):
        return _columns_entry(frame, stem, group, stems, subheader, other_column, counts,
                              indicator)
    # a grid: every row a single choice over one shared set of values
    pooled: Counter[str] = Counter()
    for h in group:
        pooled.update(dict(counts[h]))
    if any(_joins(counts[h]) for h in group) or len(pooled) > max(12, len(frame) // 2):
        return None
    total = sum(pooled.values())
    shared = sum(pooled[t] for t in pooled
                 if sum(t in counts[h].index for h in group) >= max(2, len(group) // 2))
    if total and shared / total < 0.8:
        return None
    rows = []
    for h in group:
        text = subheader.get(h) or stems[h][1]
        rows.append(_Row(text, None if h == f"{stem} [{stems[h][1]}]" else h))
    entry = _Entry(stem, "grid", stem)
    entry.rows = rows
    entry.answered = int((frame[group].apply(lambda c: c.str.strip() != "")).any(axis=1).sum())
    entry.options, entry.ordered, note = _ordered_options(Counter(pooled))
    if note:
        entry.notes.append(note)
    return entry


def _joins(counts: pd.Series) -> bool:
    """Whether some cells join other cells' values with a separator (a checkbox grid)."""
    values = set(counts.index)
    for sep in SEPARATORS:
        for text in values:
            pieces = [p.strip() for p in text.split(sep)]
            if len(pieces) >= 2 and sum(p in values for p in pieces) >= 2:
                return True
    return False


def _columns_entry(frame: pd.DataFrame, stem: str, group: list[str],
                   stems: dict[str, tuple[str, str] | None], subheader: dict[str, str],
                   other_column: str | None, counts: dict[str, pd.Series],
                   indicator: dict[str, str | None]) -> _Entry:
    entry = _Entry(stem, "multiple", stem)
    entry.layout = "columns"
    options = []
    constant_texts = all(v is None or v.casefold() not in _TICKED for v in indicator.values())
    for h in group:
        value = indicator[h]
        if subheader.get(h):
            text = subheader[h]
        elif value is not None and constant_texts:
            text = value  # the column holds its option's text (Kaggle, Typeform)
        else:
            text = stems[h][1] if stems[h] else h
        n = int(counts[h].get(value, 0)) if value is not None else 0
        option = _Option(text, n, column=h)
        option.none = bool(_NONE_OPTIONS.match(_fold(text)))
        options.append(option)
    entry.options = options
    ticked = np.zeros(len(frame), dtype=bool)
    for h in group:
        cells = frame[h].str.strip()
        ticked |= ~cells.str.casefold().isin(_UNTICKED).to_numpy()
    if other_column is not None:
        entry.other_column = other_column
        ticked |= (frame[other_column].str.strip() != "").to_numpy()
        entry.other = True
    entry.answered = int(ticked.sum())
    if not constant_texts and not any(subheader.get(h) for h in group):
        entry.notes.append("CHECK: the option texts are the column codes; write the texts the "
                           "form showed")
    if not any(o.none for o in options):
        entry.notes.append("respondents with every option column blank are non-respondents; "
                           "mark an explicit \"none\" option with none = true")
    return entry


def _per_option_runs(frame: pd.DataFrame, entries: list[_Entry],
                     subheader: dict[str, str]) -> list[_Entry]:
    """Merge runs of stem-less per-option columns (Typeform) into one question each.

    A run is two or more adjacent columns drafted as single-choice questions with one value
    each, that value being the column's own header or second-header text.
    """
    out: list[_Entry] = []
    run: list[_Entry] = []

    def own_text(e: _Entry) -> bool:
        if e.kind != "single" or len(e.options) != 1 or e.layout:
            return False
        text = e.options[0].text
        return text in (e.header, subheader.get(e.header, "")) or (
            bool(subheader.get(e.header)) and text.casefold() in _TICKED)

    def flush() -> None:
        if len(run) >= 2:
            entry = _Entry(run[0].header, "multiple", run[0].header)
            entry.layout = "columns"
            entry.options = [_Option(subheader.get(e.header) or e.options[0].text,
                                     e.options[0].count, column=e.header) for e in run]
            for o in entry.options:
                o.none = bool(_NONE_OPTIONS.match(_fold(o.text)))
            cells = frame[[e.header for e in run]].apply(lambda c: c.str.strip() != "")
            entry.answered = int(cells.any(axis=1).sum())
            entry.notes.append("CHECK: one column per option (a Typeform export?); give the "
                               "question a keyword and label")
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


def _column_entry(header: str, column: pd.Series, n: int, subheader: str) -> _Entry:
    base = header if header and not header.startswith("Unnamed:") else subheader
    counts = _values(column)
    answered = int(counts.sum())
    entry = _Entry(header, "free", base or "colonne")
    entry.answered = answered
    folded = normalize_text(header)
    if not header or header.startswith("Unnamed:"):
        entry.kind = "ignore"
        entry.notes.append("a column without a header (row numbers?): left unread")
        return entry
    if answered == 0:
        entry.notes.append("no respondent answered: read as free text")
        return entry
    texts = pd.Series(counts.index, dtype=object)
    if _row_numbers(column):
        entry.kind = "ignore"
        entry.notes.append("row numbers 1..n: left unread")
        return entry
    if folded in _TIMESTAMP_HEADERS or (
            len(counts) >= 0.9 * answered and _looks_like_dates(counts)):
        entry.kind = "timestamp"
        if folded not in _TIMESTAMP_HEADERS:
            entry.notes.append("CHECK: every cell is a date; the first timestamp column is "
                               "read as the submission time")
        return entry
    if _is_personal(header, counts):
        entry.kind = "personal"
        entry.notes.append("personal data: dropped when the export is read, never shown")
        return entry
    if texts.str.fullmatch(_NUMBER.pattern).all():
        return _number_entry(entry, counts)
    return _choice_entry(entry, header, counts)


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
    n = int(counts.sum())
    hinted = bool(_MULTIPLE_HINT.search(_fold(header)))
    best = max((_segment(counts, sep) for sep in SEPARATORS),
               key=lambda s: (s.strong, s.evidence, s.separator == ", "))
    mentions = sum(best.respondents.values())
    covered = sum(v for v in best.respondents.values() if v >= 2) / mentions
    strong = best.strong >= max(2, 0.03 * n)
    weak = (best.evidence >= max(2, 0.05 * n) and covered >= 0.85
            and len(best.respondents) <= max(3, n / 3))
    if strong or weak or hinted:
        if not (strong or weak):
            best = _segment(counts, ", ")
        return _multiple_entry(entry, best, hinted and not (strong or weak))
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
    length = float(np.mean([len(t) for t in counts.index]))
    options, ordered, note = _ordered_options(Counter(dict(counts)))
    if (ordered and distinct <= 12) or (distinct <= 30 and unique <= 0.3 * n):
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
    personal = [o for o in options if redact_personal_data(o.text)[1]]
    entry.options = [o for o in options if o not in personal]
    entry.ordered = ordered
    if note:
        entry.notes.append(note)
    entry.other = bool(personal)
    if personal:
        entry.other_note = f"{len(personal)} answer(s) holding personal data left out"
    return entry


def _scale_fold(text: str) -> str:
    text = normalize_text(text)
    text = re.sub(r"\((?:e|s|es)\)|[·.](?:e|s|es)\b", "", text)
    return _fold(text).strip(" .!;:").replace("’", "'")


def _scale_rank(texts: Sequence[str]) -> dict[str, float] | None:
    """Rank of each text on one known scale (numbers, a leading number, words), or None."""
    if len(texts) < 2:
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


def _ordered_options(counts: Counter[str]) -> tuple[list[_Option], bool, str]:
    """Options in scale order (ordered) or by frequency; a note on what was decided."""
    texts = list(counts)
    ranks = _scale_rank(texts)
    if ranks is not None:
        order = sorted(texts, key=lambda t: (ranks[t], t))
        return [_Option(t, int(counts[t])) for t in order], True, ""
    order = sorted(texts, key=lambda t: (-counts[t], t))
    return [_Option(t, int(counts[t])) for t in order], False, ""


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
