"""Codebooks: what each column of a survey export is, and the keywords of its answers.

A codebook is a TOML file (format documented in README.md, section "Codebook format")::

    name = "espri2020"
    title = "Sondage ESPRI-IA 2020"

    [[columns]]
    keyword = "lab"
    header = "A quel laboratoire êtes vous rattaché·e ?"
    kind = "single"            # single | multiple | free | timestamp | personal
    required = true
    options = [{ keyword = "LATMOS", text = "LATMOS" }]

    [[interpretations]]        # keywords given to a free-text column by a person
    keyword = "thème"
    source = "thème"           # the free column they interpret
    options = [{ keyword = "atmosphère", text = "Atmosphère" }]

Choice columns (``single``, ``multiple``) and interpretations are the *questions* that can
be counted, crossed and encoded. ``personal`` columns (e-mail, comments that may identify
someone) are dropped when an export is read and never stored.
"""

from __future__ import annotations

import itertools
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .codebook_toml import codebook_to_toml
from .errors import CodebookError, SurveyInputError

__all__ = ["Codebook", "Column", "Grid", "Option", "Question", "load_codebook",
           "load_codebook_text", "normalize_text"]

Kind = Literal["single", "multiple", "free", "timestamp", "personal", "ignore", "option",
               "option_other"]
#: Kinds a codebook entry may have (``grid`` entries become one ``single`` column per row).
KINDS: tuple[str, ...] = ("single", "multiple", "free", "timestamp", "personal", "grid",
                          "ignore")
#: Cells of a per-option column (``layout = "columns"``) that mean "not ticked".
NOT_TICKED = ("", "0", "n", "no", "non", "false", "faux", "0.0")
_COLUMN_KEYS = {"keyword", "header", "kind", "label", "required", "options", "other", "ordered",
                "separator", "layout", "other_column", "rows"}
_TOP_KEYS = {"name", "title", "columns", "interpretations", "language", "separator",
             "header_rows"}
_INTERPRETATION_KEYS = {"keyword", "source", "label", "options", "other"}
_OPTION_KEYS = {"keyword", "text", "column", "none", "label"}
LANGUAGES = ("fr", "en")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "«": '"', "»": '"', "“": '"',
                         "”": '"', "\u00a0": " ", "\u202f": " ", "–": "-", "—": "-"})
#: Spaces that exports add or drop: before ``?!:;]`)``, after ``?:[(``.
_LOOSE_SPACES = re.compile(r" (?=[?!:;\])])|(?<=[?:\[(]) ")


def normalize_text(text: str) -> str:
    """Fold a text for lenient matching: accents, case, quotes and spacing are ignored.

    Used to match headers and option texts that an export or a spreadsheet program changed
    slightly (curly quotes, non-breaking spaces, a space before ``?`` or ``:``, spaces inside
    the brackets of a grid header ``Question [ row ]``), and to recognise two spellings of
    the same free answer.

    Examples
    --------
    >>> normalize_text("  Mésocentre IPSL  (Ciclad & Climserv) ")
    'mesocentre ipsl (ciclad & climserv)'
    >>> normalize_text("À quel laboratoire êtes-vous rattaché·e?") == normalize_text(
    ...     "A quel laboratoire êtes-vous rattaché·e ?")
    True
    >>> normalize_text("Langages ? [ Python ]") == normalize_text("Langages ?[Python]")
    True
    """
    text = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return _LOOSE_SPACES.sub("", " ".join(text.split()))


@dataclass(frozen=True)
class Option:
    """One answer option: its short ``keyword`` and the ``text`` shown in the form.

    ``column`` is the export column of the option when each option has its own column
    (``layout = "columns"``); ``none`` marks an explicit "none of these" option there.
    ``label`` is an optional short text for figures and tables (default: ``text``).
    """

    keyword: str
    text: str
    column: str | None = None
    none: bool = False
    label: str | None = None

    @property
    def shown(self) -> str:
        """What figures and tables show: ``label``, else the form's ``text``."""
        return self.label or self.text


@dataclass(frozen=True)
class Column:
    """One column of the export, as the codebook describes it."""

    keyword: str
    header: str
    kind: Kind
    label: str
    required: bool = False


@dataclass(frozen=True)
class Question:
    """A categorical question that can be counted, crossed and encoded.

    Attributes
    ----------
    keyword : str
        Short name used everywhere (``ml_méthodes``).
    label : str
        Readable title for figures.
    multiple : bool
        True when a respondent may give several answers (multiple-choice columns and
        interpretations of free text).
    options : tuple of Option
        Known answers, in codebook order.
    other : bool
        Whether answers outside ``options`` are kept as their own "other" categories
        (Google Forms' "Autre" box); if False they are errors.
    source : str
        Keyword of the export column the answers come from.
    interpreted : bool
        True when the answers come from an interpretations file, not from the export.
    required : bool
        An empty answer is an error.
    ordered : bool
        The options are a scale (Likert, levels): their codebook order is kept everywhere.
    separator : str
        What joins the ticked options in a multiple-choice cell (``", "`` for Google Forms).
    grid : str or None
        Keyword of the grid this question is a row of (``kind = "grid"``).
    layout : {"cell", "columns"}
        ``"columns"``: one export column per option (``Option.column``), as Typeform,
        LimeSurvey, Qualtrics and Kaggle write them.
    other_column : str or None
        With ``layout = "columns"``, the header of the column of free "other" texts.
    """

    keyword: str
    label: str
    multiple: bool
    options: tuple[Option, ...]
    other: bool
    source: str
    interpreted: bool = False
    required: bool = False
    ordered: bool = False
    separator: str = ", "
    grid: str | None = None
    layout: str = "cell"
    other_column: str | None = None

    @property
    def kind(self) -> str:
        """``"multiple"`` or ``"single"``."""
        return "multiple" if self.multiple else "single"

    def shown(self, keyword: str) -> str:
        """What figures and tables show for the answer ``keyword``: the option's ``label``
        or form text; a respondent's own "other" answer is shown as typed.

        Examples
        --------
        >>> from espri_gpu import load_example
        >>> q = load_example("espri2020").codebook.question("compétence")
        >>> q.shown("interet")[:30], q.shown("Something else")
        ("Je n'ai pas de compétence en M", 'Something else')
        """
        for option in self.options:
            if option.keyword == keyword:
                return option.shown
        return keyword


@dataclass(frozen=True)
class Grid:
    """A grid question (Google Forms "Question [row]" columns): rows sharing one scale.

    Each row is also a single-choice :class:`Question` of keyword ``"<grid>.<row>"``.
    """

    keyword: str
    header: str
    label: str
    options: tuple[Option, ...]
    rows: tuple[Option, ...]          # a row's ``column`` is its header when not the default
    ordered: bool = False
    required: bool = False
    other: bool = False


@dataclass(frozen=True)
class Codebook:
    """A validated codebook: the export's columns and the questions built from them.

    Examples
    --------
    >>> from espri_gpu import load_example
    >>> cb = load_example("espri2020").codebook
    >>> cb.question("ml_méthodes").multiple
    True
    """

    name: str
    title: str
    columns: tuple[Column, ...]
    questions: tuple[Question, ...]
    path: str = "<codebook>"
    language: str = "fr"
    separator: str = ", "
    header_rows: int = 1
    grids: tuple[Grid, ...] = ()

    def default_pairs(self, keywords: Sequence[str]) -> list[tuple[str, str]]:
        """Every pair of ``keywords`` but rows of one grid (which share a scale, and are
        crossed with each other only when asked for).

        Examples
        --------
        >>> cb = load_codebook_text('''
        ... [[columns]]
        ... keyword = "g"
        ... header = "Satisfait·e de"
        ... kind = "grid"
        ... options = ["Non", "Oui"]
        ... rows = ["calcul", "stockage"]
        ... [[columns]]
        ... keyword = "lab"
        ... header = "Labo"
        ... kind = "single"
        ... options = ["LMD", "LSCE"]
        ... ''')
        >>> cb.default_pairs(["g.calcul", "g.stockage", "lab"])
        [('g.calcul', 'lab'), ('g.stockage', 'lab')]
        """
        grid = {q.keyword: q.grid for q in self.questions}
        return [(a, b) for a, b in itertools.combinations(keywords, 2)
                if grid.get(a) is None or grid.get(a) != grid.get(b)]

    def to_toml(self) -> str:
        """The codebook as TOML text (``load_codebook_text(cb.to_toml())`` gives it back).

        Examples
        --------
        >>> from espri_gpu import load_example
        >>> cb = load_example("espri2020").codebook
        >>> load_codebook_text(cb.to_toml()).questions == cb.questions
        True
        """
        return codebook_to_toml(self)

    @property
    def question_keywords(self) -> tuple[str, ...]:
        """Keywords of every question, in codebook order."""
        return tuple(q.keyword for q in self.questions)

    def question(self, keyword: str) -> Question:
        """The question called ``keyword``.

        Raises
        ------
        SurveyInputError
            If there is no such question; the message lists the valid keywords.
        """
        for q in self.questions:
            if q.keyword == keyword:
                return q
        folded = normalize_text(keyword)
        for q in self.questions:
            if normalize_text(q.keyword) == folded:
                return q
        kinds = {c.keyword: c.kind for c in self.columns}
        why = f" (a {kinds[keyword]} column, not a question)" if keyword in kinds else ""
        raise SurveyInputError(
            f"unknown question `{keyword}`{why} in codebook {self.path}; "
            f"questions are: {', '.join(self.question_keywords)}"
        )


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook TOML file.

    Parameters
    ----------
    path : str or Path
        The ``.toml`` file.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        For a missing or unreadable file, TOML syntax errors, unknown kinds or keys,
        duplicate keywords, duplicate options and interpretations of unknown columns; the
        message names the file and the entry.

    Examples
    --------
    >>> from espri_gpu.codebook import load_codebook
    >>> from espri_gpu.example import example_path
    >>> cb = load_codebook(example_path("espri2020", "codebook.toml"))
    >>> cb.name, len(cb.columns)
    ('espri2020', 17)
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CodebookError(f"codebook {path} does not exist; pass --codebook FILE") from None
    except OSError as exc:
        raise CodebookError(f"codebook {path} cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CodebookError(f"codebook {path} is not UTF-8 (byte {exc.start}); "
                            "save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise CodebookError(f"codebook {path} is not valid TOML: {exc}") from None
    return parse_codebook(data, str(path))


def load_codebook_text(text: str, path: str = "<text>") -> Codebook:
    """Validate a codebook given as TOML text (``path`` names it in error messages).

    Examples
    --------
    >>> cb = load_codebook_text('''
    ... [[columns]]
    ... keyword = "niveau"
    ... header = "Votre niveau ?"
    ... kind = "single"
    ... ordered = true
    ... options = ["Débutant", "Intermédiaire", "Avancé"]
    ... ''')
    >>> cb.question("niveau").ordered
    True
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CodebookError(f"codebook {path} is not valid TOML: {exc}") from None
    return parse_codebook(data, path)


def parse_codebook(data: dict[str, Any], where: str = "<codebook>") -> Codebook:
    """Validate an already-parsed codebook mapping (the content of the TOML file)."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise CodebookError(f"codebook {where}: unknown top-level key(s) {sorted(unknown)}; "
                            f"expected {', '.join(sorted(_TOP_KEYS))}")
    language = data.get("language", "fr")
    if language not in LANGUAGES:
        raise CodebookError(f"codebook {where}: `language` is {language!r}; expected one of "
                            f"{', '.join(LANGUAGES)}")
    separator = _separator(data, ", ", f"codebook {where}")
    header_rows = data.get("header_rows", 1)
    if header_rows not in (1, 2) or isinstance(header_rows, bool):
        raise CodebookError(f"codebook {where}: `header_rows` is {header_rows!r}; expected 1, "
                            "or 2 for exports with a second header row (Typeform)")
    entries = data.get("columns")
    if not isinstance(entries, list) or not entries:
        raise CodebookError(f"codebook {where} has no [[columns]] entries")
    columns: list[Column] = []
    questions: list[Question] = []
    grids: list[Grid] = []
    for i, entry in enumerate(entries, start=1):
        parsed = _parse_column(entry, f"codebook {where}, [[columns]] entry {i}", i, separator)
        columns += parsed.columns
        questions += parsed.questions
        grids += [parsed.grid] if parsed.grid else []
    _check_unique([c.keyword for c in columns], where, "column keyword")
    named = [c for c in columns if c.kind != "ignore" or c.header]
    _check_unique([normalize_text(c.header) for c in named], where, "column header",
                  [c.header for c in named])
    free = {c.keyword for c in columns if c.kind == "free"}
    for i, entry in enumerate(data.get("interpretations", []), start=1):
        questions.append(_parse_interpretation(entry, f"codebook {where}, [[interpretations]] "
                                               f"entry {i}", free))
    _check_unique([q.keyword for q in questions], where, "question keyword")
    name = str(data.get("name") or Path(where).stem)
    return Codebook(name, str(data.get("title") or name), tuple(columns), tuple(questions), where,
                    language, separator, header_rows, tuple(grids))


def _separator(entry: dict[str, Any], default: str, where: str) -> str:
    value = entry.get("separator", default)
    if not isinstance(value, str) or not value.strip(" "):
        raise CodebookError(f"{where}: `separator` must be a non-blank string such as \", \" "
                            f"or \";\", got {value!r}")
    return value


def _check_unique(keys: list[str], where: str, what: str, shown: list[str] | None = None) -> None:
    seen: set[str] = set()
    for key, show in zip(keys, shown or keys, strict=True):
        if key in seen:
            raise CodebookError(f"codebook {where}: duplicate {what} {show!r}; each must be unique")
        seen.add(key)


def _require_str(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CodebookError(f"{where}: `{key}` must be a non-empty string, got {value!r}")
    return value.strip()


def _check_keys(entry: Any, allowed: set[str], where: str) -> None:
    if not isinstance(entry, dict):
        raise CodebookError(f"{where}: expected a table, got {entry!r}")
    unknown = set(entry) - allowed
    if unknown:
        raise CodebookError(f"{where}: unknown key(s) {sorted(unknown)}; "
                            f"allowed: {sorted(allowed)}")


def _parse_options(entry: dict[str, Any], where: str) -> tuple[Option, ...]:
    raw = entry.get("options", [])
    if not isinstance(raw, list):
        raise CodebookError(f"{where}: `options` must be a list of {{keyword, text}} tables")
    options = []
    for j, item in enumerate(raw, start=1):
        here = f"{where}, option {j}"
        if isinstance(item, str):
            item = {"keyword": item, "text": item}
        _check_keys(item, _OPTION_KEYS, here)
        keyword = _require_str(item, "keyword", here)
        text = item.get("text", keyword)
        if not isinstance(text, str) or not text.strip():
            raise CodebookError(f"{here}: `text` must be a non-empty string, got {text!r}")
        column = item.get("column")
        if column is not None and (not isinstance(column, str) or not column.strip()):
            raise CodebookError(f"{here}: `column` must be the header of the option's column, "
                                f"got {column!r}")
        label = item.get("label")
        if label is not None and (not isinstance(label, str) or not label.strip()):
            raise CodebookError(f"{here}: `label` must be a short non-empty text, got "
                                f"{label!r}")
        options.append(Option(keyword, text.strip(), column.strip() if column else None,
                              bool(item.get("none", False)),
                              " ".join(label.split()) if label else None))
    _check_unique([o.keyword for o in options], where, "option keyword")
    _check_unique([normalize_text(o.text) for o in options], where, "option text",
                  [o.text for o in options])
    return tuple(options)


@dataclass(frozen=True)
class _Parsed:
    columns: list[Column]
    questions: list[Question]
    grid: Grid | None = None


def _parse_column(entry: Any, where: str, index: int, separator: str) -> _Parsed:
    _check_keys(entry, _COLUMN_KEYS, where)
    kind = entry.get("kind")
    named = entry.get("keyword")
    if isinstance(named, str) and named.strip():
        where = f"{where} ({named.strip()!r})"
    if kind not in KINDS:
        raise CodebookError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == "ignore":
        return _parse_ignored(entry, where, index)
    keyword = _require_str(entry, "keyword", where)
    layout = entry.get("layout", "cell")
    if layout not in ("cell", "columns"):
        raise CodebookError(f"{where}: `layout` is {layout!r}; expected 'cell' (one column) or "
                            "'columns' (one column per option)")
    if layout == "columns":
        return _parse_option_columns(entry, keyword, where, separator)
    header = _require_str(entry, "header", where)
    label = str(entry.get("label") or keyword)
    required = bool(entry.get("required", False))
    extra = {"ordered", "separator", "rows", "other_column"} & set(entry)
    if kind == "grid":
        return _parse_grid(entry, keyword, header, label, required, where)
    if "rows" in entry:
        raise CodebookError(f"{where}: only a grid column takes `rows`")
    column = Column(keyword, header, kind, label, required)
    if kind not in ("single", "multiple"):
        if "options" in entry or "other" in entry or extra:
            raise CodebookError(f"{where}: a {kind} column takes no `options`, `other`, "
                                "`ordered` or `separator`")
        return _Parsed([column], [])
    if "other_column" in entry:
        raise CodebookError(f"{where}: `other_column` goes with layout = \"columns\"")
    if kind == "single" and "separator" in entry:
        raise CodebookError(f"{where}: a single-choice column takes no `separator`")
    options = _parse_options(entry, where)
    _no_option_columns(options, where)
    other = bool(entry.get("other", kind == "multiple"))
    if not options and not other:
        raise CodebookError(f"{where}: a {kind} column needs `options` (or `other = true`)")
    ordered = _ordered(entry, kind, where)
    question = Question(keyword, label, kind == "multiple", options, other, keyword,
                        required=required, ordered=ordered,
                        separator=_separator(entry, separator, where))
    return _Parsed([column], [question])


def _ordered(entry: dict[str, Any], kind: str, where: str) -> bool:
    ordered = entry.get("ordered", False)
    if not isinstance(ordered, bool):
        raise CodebookError(f"{where}: `ordered` must be true or false, got {ordered!r}")
    if ordered and kind == "multiple":
        raise CodebookError(f"{where}: `ordered` is for single-choice and grid scales, not for "
                            "a multiple-choice column")
    return ordered


def _no_option_columns(options: tuple[Option, ...], where: str) -> None:
    if any(o.column or o.none for o in options):
        raise CodebookError(f"{where}: option `column` and `none` go with "
                            "layout = \"columns\" (one export column per option)")


def _parse_ignored(entry: dict[str, Any], where: str, index: int) -> _Parsed:
    header = entry.get("header")
    if not isinstance(header, str):
        raise CodebookError(f"{where}: `header` must be the column's header (\"\" for an "
                            f"unnamed column), got {header!r}")
    if set(entry) - {"keyword", "header", "kind", "label"}:
        raise CodebookError(f"{where}: an ignore column takes only `keyword` and `header`")
    keyword = entry.get("keyword") or f"_ignored_{index}"
    return _Parsed([Column(str(keyword), header.strip(), "ignore", str(keyword))], [])


def _parse_grid(entry: dict[str, Any], keyword: str, header: str, label: str, required: bool,
                where: str) -> _Parsed:
    if "separator" in entry or "other_column" in entry:
        raise CodebookError(f"{where}: a grid takes no `separator` or `other_column`")
    options = _parse_options(entry, where)
    _no_option_columns(options, where)
    if not options:
        raise CodebookError(f"{where}: a grid needs `options` (its scale)")
    rows = _parse_options({"options": entry.get("rows", [])}, f"{where}, `rows`")
    if not rows:
        raise CodebookError(f"{where}: a grid needs `rows`, e.g. rows = [{{ keyword = \"calcul\", "
                            "text = \"Moyens de calcul\" }]")
    if any(r.none for r in rows):
        raise CodebookError(f"{where}: grid rows take no `none`")
    ordered = _ordered(entry, "grid", where)
    other = bool(entry.get("other", False))
    grid = Grid(keyword, header, label, options, rows, ordered, required, other)
    columns, questions = [], []
    for row in rows:
        row_keyword = f"{keyword}.{row.keyword}"
        row_label = f"{label} — {row.shown}"
        columns.append(Column(row_keyword, row.column or f"{header} [{row.text}]", "single",
                              row_label, required))
        questions.append(Question(row_keyword, row_label, False, options, other, row_keyword,
                                  required=required, ordered=ordered, grid=keyword))
    return _Parsed(columns, questions, grid)


def _parse_option_columns(entry: dict[str, Any], keyword: str, where: str,
                          separator: str) -> _Parsed:
    if entry.get("kind") != "multiple":
        raise CodebookError(f"{where}: layout = \"columns\" is for multiple-choice questions")
    if {"rows", "ordered", "separator"} & set(entry):
        raise CodebookError(f"{where}: layout = \"columns\" takes no `rows`, `ordered` or "
                            "`separator`")
    options = _parse_options(entry, where)
    missing = [o.keyword for o in options if not o.column]
    if not options or missing:
        raise CodebookError(f"{where}: with layout = \"columns\" every option names its "
                            f"`column` (missing for {', '.join(missing) or 'all: no options'})")
    header = entry.get("header")
    label = str(entry.get("label") or header or keyword)
    required = bool(entry.get("required", False))
    other_column = entry.get("other_column")
    if other_column is not None and (not isinstance(other_column, str)
                                     or not other_column.strip()):
        raise CodebookError(f"{where}: `other_column` must be a header, got {other_column!r}")
    other = bool(entry.get("other", other_column is not None))
    if other and other_column is None:
        raise CodebookError(f"{where}: `other = true` with layout = \"columns\" needs "
                            "`other_column`, the column of the free texts")
    columns = [Column(f"{keyword}[{o.keyword}]", o.column, "option", label, False)
               for o in options]
    if other_column:
        columns.append(Column(f"{keyword}[other]", other_column.strip(), "option_other", label))
    question = Question(keyword, label, True, options, other, keyword, required=required,
                        separator=separator, layout="columns",
                        other_column=other_column.strip() if other_column else None)
    return _Parsed(columns, [question])


def _parse_interpretation(entry: Any, where: str, free: set[str]) -> Question:
    _check_keys(entry, _INTERPRETATION_KEYS, where)
    keyword = _require_str(entry, "keyword", where)
    where = f"{where} ({keyword!r})"
    source = _require_str(entry, "source", where)
    if source not in free:
        raise CodebookError(f"{where}: `source` {source!r} is not a free column of the codebook; "
                            f"free columns: {', '.join(sorted(free)) or 'none'}")
    options = _parse_options(entry, where)
    other = bool(entry.get("other", not options))
    label = str(entry.get("label") or keyword)
    return Question(keyword, label, True, options, other, source, interpreted=True)
