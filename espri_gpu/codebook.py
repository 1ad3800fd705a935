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

This module reads and validates the file (:func:`load_codebook`, :func:`load_codebook_text`,
:func:`parse_codebook`); the objects it builds are defined in :mod:`espri_gpu.codebook_model`
and importable from here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# NOT_TICKED and Kind are not used here: imported so that they stay importable from here
from .codebook_model import NOT_TICKED as NOT_TICKED
from .codebook_model import Codebook, Column, Grid, Option, Question, normalize_text
from .codebook_model import Kind as Kind
from .errors import CodebookError

__all__ = ["Codebook", "Column", "Grid", "Option", "Question", "load_codebook",
           "load_codebook_text", "normalize_text"]

#: Kinds a codebook entry may have (``grid`` entries become one ``single`` column per row).
KINDS: tuple[str, ...] = ("single", "multiple", "free", "timestamp", "personal", "grid",
                          "ignore")
_COLUMN_KEYS = {"keyword", "header", "kind", "label", "required", "options", "other", "ordered",
                "separator", "layout", "other_column", "rows"}
_TOP_KEYS = {"name", "title", "columns", "interpretations", "language", "separator",
             "header_rows"}
_INTERPRETATION_KEYS = {"keyword", "source", "label", "options", "other"}
_OPTION_KEYS = {"keyword", "text", "column", "none", "label"}
LANGUAGES = ("fr", "en")


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
