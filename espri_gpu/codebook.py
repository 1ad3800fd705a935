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

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import CodebookError, SurveyInputError

__all__ = ["Codebook", "Column", "Option", "Question", "load_codebook", "normalize_text"]

Kind = Literal["single", "multiple", "free", "timestamp", "personal"]
KINDS: tuple[str, ...] = ("single", "multiple", "free", "timestamp", "personal")
_COLUMN_KEYS = {"keyword", "header", "kind", "label", "required", "options", "other"}
_INTERPRETATION_KEYS = {"keyword", "source", "label", "options", "other"}
_OPTION_KEYS = {"keyword", "text"}
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
    """One answer option: its short ``keyword`` and the ``text`` shown in the form."""

    keyword: str
    text: str


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
    """

    keyword: str
    label: str
    multiple: bool
    options: tuple[Option, ...]
    other: bool
    source: str
    interpreted: bool = False
    required: bool = False

    @property
    def kind(self) -> str:
        """``"multiple"`` or ``"single"``."""
        return "multiple" if self.multiple else "single"


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


def parse_codebook(data: dict[str, Any], where: str = "<codebook>") -> Codebook:
    """Validate an already-parsed codebook mapping (the content of the TOML file)."""
    unknown = set(data) - {"name", "title", "columns", "interpretations"}
    if unknown:
        raise CodebookError(f"codebook {where}: unknown top-level key(s) {sorted(unknown)}; "
                            "expected name, title, columns, interpretations")
    entries = data.get("columns")
    if not isinstance(entries, list) or not entries:
        raise CodebookError(f"codebook {where} has no [[columns]] entries")
    columns: list[Column] = []
    questions: list[Question] = []
    for i, entry in enumerate(entries, start=1):
        column, question = _parse_column(entry, f"codebook {where}, [[columns]] entry {i}")
        columns.append(column)
        if question is not None:
            questions.append(question)
    _check_unique([c.keyword for c in columns], where, "column keyword")
    _check_unique([normalize_text(c.header) for c in columns], where, "column header",
                  [c.header for c in columns])
    free = {c.keyword for c in columns if c.kind == "free"}
    for i, entry in enumerate(data.get("interpretations", []), start=1):
        questions.append(_parse_interpretation(entry, f"codebook {where}, [[interpretations]] "
                                               f"entry {i}", free))
    _check_unique([q.keyword for q in questions], where, "question keyword")
    name = str(data.get("name") or Path(where).stem)
    return Codebook(name, str(data.get("title") or name), tuple(columns), tuple(questions), where)


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
        options.append(Option(keyword, text.strip()))
    _check_unique([o.keyword for o in options], where, "option keyword")
    _check_unique([normalize_text(o.text) for o in options], where, "option text",
                  [o.text for o in options])
    return tuple(options)


def _parse_column(entry: Any, where: str) -> tuple[Column, Question | None]:
    _check_keys(entry, _COLUMN_KEYS, where)
    keyword = _require_str(entry, "keyword", where)
    where = f"{where} ({keyword!r})"
    header = _require_str(entry, "header", where)
    kind = entry.get("kind")
    if kind not in KINDS:
        raise CodebookError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    label = str(entry.get("label") or keyword)
    required = bool(entry.get("required", False))
    column = Column(keyword, header, kind, label, required)
    if kind not in ("single", "multiple"):
        if "options" in entry or "other" in entry:
            raise CodebookError(f"{where}: a {kind} column takes no `options` or `other`")
        return column, None
    options = _parse_options(entry, where)
    other = bool(entry.get("other", kind == "multiple"))
    if not options and not other:
        raise CodebookError(f"{where}: a {kind} column needs `options` (or `other = true`)")
    question = Question(keyword, label, kind == "multiple", options, other, keyword,
                        required=required)
    return column, question


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
