"""Where each question of a DataFrame is: the codebook of :meth:`Survey.from_frame
<espri_gpu.survey.Survey.from_frame>` and the frame columns of its questions.

Without a codebook, one is built from the arguments (``single``, ``multiple``, ``ordered``,
``options``, ``separator``: :func:`codebook_from_arguments`); with one, its columns are matched
to the frame's (:func:`match_codebook`). Either way each question gets a :class:`FrameSource`:
one column of cells, or a block of indicator columns. The rules are those of
:mod:`espri_gpu.frames`' docstring; :mod:`espri_gpu.frames` then reads the answers. The cell
helpers (:func:`is_missing`, :func:`value_text`, :func:`cell_key`, :func:`holds_lists`) serve
both.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .codebook import Codebook, Column, Option, Question, normalize_text
from .errors import SurveyInputError
from .redaction import redact_personal_data

__all__ = ["LISTLIKE", "SOURCE", "FrameSource", "cell_key", "codebook_from_arguments",
           "holds_lists", "is_missing", "match_codebook", "value_text"]

#: What error messages and the load report call a DataFrame.
SOURCE = "<DataFrame>"
#: Cells that hold a list of answers (a multiple-choice cell).
LISTLIKE = (list, tuple, set, frozenset, np.ndarray)


@dataclass(frozen=True)
class FrameSource:
    """Where a question's answers are in the frame.

    Attributes
    ----------
    shape : {"cell", "indicators"}
        One column of cells, or one indicator column per option.
    columns : tuple
        The frame label of the cell column, or of each option's column (codebook order).
    other_column : hashable or None
        With indicators: the column of the typed "other" answers, if any.
    """

    shape: str                                   # "cell" or "indicators"
    columns: tuple[Hashable, ...]                # the cell column, or one per option
    other_column: Hashable | None = None         # indicators: free "other" texts


def value_text(value: Any) -> str:
    """A cell value as an option text (``1.0`` -> ``"1"``).

    Examples
    --------
    >>> value_text(1.0), value_text(" LMD "), value_text(2.5)
    ('1', 'LMD', '2.5')
    """
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def is_missing(value: Any) -> bool:
    """Whether a cell means "did not answer": ``None``, ``NaN``, ``pd.NA``, ``NaT``, a blank
    string; never a list-like cell (an empty list is "answered, ticked none").

    Examples
    --------
    >>> is_missing(None), is_missing(" "), is_missing(float("nan")), is_missing([])
    (True, True, True, False)
    """
    if isinstance(value, LISTLIKE):
        return False
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _sorted_options(values: list[Any]) -> list[Any]:
    if all(isinstance(v, (bool, int, float, np.number)) for v in values):
        return sorted(values, key=float)
    return sorted(values, key=lambda v: (normalize_text(value_text(v)), value_text(v)))


def codebook_from_arguments(frame: pd.DataFrame, single: Sequence[Hashable] | None,
                            multiple: Any, ordered: Any, options: Mapping[Hashable, Any],
                            separator: str | None,
                            used: set[Hashable], name: str, title: str | None
                            ) -> tuple[Codebook, dict[str, FrameSource]]:
    """The codebook that ``single``, ``multiple``, ``ordered``, ``options`` and ``separator``
    describe (see :meth:`Survey.from_frame <espri_gpu.survey.Survey.from_frame>`), and where
    each of its questions is in ``frame``; the columns in ``used`` (those of ``answered``)
    are no questions.

    Raises
    ------
    SurveyInputError
        For a column the frame does not have, a question named twice, options or a scale
        that do not fit, or no question at all.

    Examples
    --------
    >>> frame = pd.DataFrame({"lab": ["LMD", "LSCE", None], "langues": [["R"], [], None]})
    >>> cb, sources = codebook_from_arguments(frame, None, None, (), {}, None, set(),
    ...                                       "demo", None)
    >>> [(q.keyword, q.kind, [o.text for o in q.options]) for q in cb.questions]
    [('lab', 'single', ['LMD', 'LSCE']), ('langues', 'multiple', ['R'])]
    >>> sources["langues"]
    FrameSource(shape='cell', columns=('langues',), other_column=None)
    """
    separator = ", " if separator is None else separator
    if not isinstance(separator, str) or not separator.strip(" "):
        raise SurveyInputError(f"`separator` must be a non-blank string such as \", \" or "
                               f"\";\", got {separator!r}")
    cells: dict[str, tuple[Hashable, bool]] = {}      # keyword -> (column, multiple)
    blocks: dict[str, tuple[Hashable, ...]] = {}      # keyword -> indicator columns
    for column in _names(single, "single"):
        _add(cells, str(column), _column(frame, column, "single"), False)
    if isinstance(multiple, Mapping):
        for keyword, spec in multiple.items():
            if spec is None or (isinstance(spec, Hashable) and not isinstance(spec, tuple)):
                _add(cells, str(keyword), _column(frame, keyword if spec is None else spec,
                                                  "multiple"), True)
            else:
                columns = [_column(frame, c, f"multiple[{keyword!r}]") for c in spec]
                if not columns:
                    raise SurveyInputError(f"`multiple[{keyword!r}]` names no column")
                blocks[str(keyword)] = tuple(columns)
    else:
        for column in _names(multiple, "multiple"):
            _add(cells, str(column), _column(frame, column, "multiple"), True)
    if single is None:  # every other column is a question too: list cells make it multiple
        named = used | {c for c, _ in cells.values()} | {c for b in blocks.values() for c in b}
        for column in frame.columns:
            if column not in named:
                _add(cells, str(column), column, holds_lists(frame[column]))
    scales = _scales(ordered, [k for k, (_, m) in cells.items() if not m])
    declared = {str(k): list(v) for k, v in options.items()}
    for keyword in declared:
        if keyword not in cells:
            raise SurveyInputError(f"`options` names {keyword!r}, which is not a question read "
                                   f"from one column; they are: {', '.join(cells)}")
        if scales.get(keyword) is not None:
            raise SurveyInputError(f"{keyword!r} is given a scale in `ordered` and options in "
                                   "`options`; give them once")
    entries: list[tuple[int, list[Column], Question]] = []   # (frame position, ...)
    sources: dict[str, FrameSource] = {}
    for keyword, (column, is_multiple) in cells.items():
        values = frame[column]
        if is_multiple:
            raw = declared.get(keyword)
            if raw is None:
                raw = _sorted_options(_distinct_items(values, separator))
            question = Question(keyword, keyword, True, _options(raw, keyword), False, keyword,
                                separator=separator)
        else:
            found, is_ordered = _single_options(values, keyword, scales, declared.get(keyword))
            question = Question(keyword, keyword, False, found, False, keyword,
                                ordered=is_ordered)
        entries.append((frame.columns.get_loc(column),
                        [Column(keyword, str(column), question.kind, keyword)], question))
        sources[keyword] = FrameSource("cell", (column,))
    for keyword, block in blocks.items():
        if keyword in cells:
            raise SurveyInputError(f"question `{keyword}` is named twice in `single`/`multiple`")
        found = tuple(Option(str(c), str(c), column=str(c)) for c in block)
        question = Question(keyword, keyword, True, found, False, keyword, layout="columns")
        entries.append((frame.columns.get_loc(block[0]),
                        [Column(f"{keyword}[{o.keyword}]", str(c), "option", keyword)
                         for o, c in zip(found, block, strict=True)], question))
        sources[keyword] = FrameSource("indicators", block)
    if not entries:
        raise SurveyInputError("no question to read: the DataFrame has no columns besides "
                               "those of `answered`; pass `single=` / `multiple=`")
    entries.sort(key=lambda e: e[0])                          # questions in frame order
    cb = Codebook(name, title or name, tuple(c for e in entries for c in e[1]),
                  tuple(e[2] for e in entries), SOURCE, separator=separator)
    return cb, sources


def _add(cells: dict[str, tuple[Hashable, bool]], keyword: str, column: Hashable,
         is_multiple: bool) -> None:
    if keyword in cells:
        raise SurveyInputError(f"question `{keyword}` is named twice in `single`/`multiple`")
    cells[keyword] = (column, is_multiple)


def _names(names: Any, what: str) -> list[Hashable]:
    if names is None:
        return []
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise SurveyInputError(f"`{what}` must be a list of column names, got {names!r}")
    return list(names)


def _column(frame: pd.DataFrame, column: Hashable, what: str) -> Hashable:
    if column in frame.columns:
        return column
    shown = ", ".join(repr(c) for c in frame.columns[:30])
    raise SurveyInputError(f"`{what}` names column {column!r}, which the DataFrame does not "
                           f"have; its columns are: {shown}")


def holds_lists(values: pd.Series) -> bool:
    """Whether the first answered cell of ``values`` is list-like (a multiple-choice column).

    Examples
    --------
    >>> holds_lists(pd.Series([None, ["R", "Python"]])), holds_lists(pd.Series(["R"]))
    (True, False)
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return False
    for value in values:
        if not is_missing(value):
            return isinstance(value, LISTLIKE)
    return False


def _scales(ordered: Any, singles: list[str]) -> dict[str, Sequence[Any] | None]:
    """keyword -> scale (None: the categories or sorted values) of each ordered question."""
    if ordered is True:
        return dict.fromkeys(singles)
    if ordered in (False, None):
        return {}
    if isinstance(ordered, Mapping):
        scales = {str(k): v for k, v in ordered.items()}
    elif isinstance(ordered, Sequence) and not isinstance(ordered, str):
        scales = dict.fromkeys(str(k) for k in ordered)
    else:
        raise SurveyInputError(f"`ordered` must be True, a list of single-choice columns or "
                               f"a mapping column -> scale, got {ordered!r}")
    for keyword in scales:
        if keyword not in singles:
            raise SurveyInputError(f"`ordered` names {keyword!r}, which is not a single-choice "
                                   f"column; single-choice columns: {', '.join(singles)}")
    return scales


def _single_options(values: pd.Series, keyword: str, scales: Mapping[str, Any],
                    declared: Sequence[Any] | None) -> tuple[tuple[Option, ...], bool]:
    if any(isinstance(v, LISTLIKE) for v in values.array):
        raise SurveyInputError(f"single-choice column {keyword!r} holds list-like cells; pass "
                               "it in `multiple=`")
    scale = declared if declared is not None else scales.get(keyword)
    if scale is not None:
        raw = list(scale)
    elif isinstance(values.dtype, pd.CategoricalDtype):
        raw = list(values.cat.categories)
    else:
        raw = _sorted_options(list(dict.fromkeys(v for v in values if not is_missing(v))))
    is_ordered = keyword in scales or (isinstance(values.dtype, pd.CategoricalDtype)
                                       and bool(values.cat.ordered))
    return _options(raw, keyword), is_ordered


def _options(raw: Sequence[Any], keyword: str) -> tuple[Option, ...]:
    """Options from values (keyword = text = the value as a string, personal data replaced)."""
    if isinstance(raw, str):
        raise SurveyInputError(f"the options of {keyword!r} must be a list, got {raw!r}")
    texts = [redact_personal_data(value_text(v))[0] for v in raw]
    if len(set(texts)) != len(texts) or not all(texts):
        raise SurveyInputError(f"the options of {keyword!r} must be distinct and non-blank: "
                               f"{texts}")
    return tuple(Option(t, t) for t in texts)


def _distinct_items(values: pd.Series, separator: str) -> list[Any]:
    items: dict[Any, None] = {}
    for cell in pd.unique(values.map(cell_key(separator)).dropna()):
        items.update(dict.fromkeys(cell))
    return list(items)


def cell_key(separator: str | None) -> Callable[[Any], tuple | None]:
    """Cell -> tuple of the items ticked (None: did not answer).

    List-like cells give their items, strings are split at ``separator`` (None: a string is
    one item), other values are one item; repeated items are kept once.

    Examples
    --------
    >>> key = cell_key(", ")
    >>> key("R, Python, R"), key(["R"]), key(()), key(None), key(3)
    (('R', 'Python'), ('R',), (), None, (3,))
    """

    def key(value: Any) -> tuple | None:
        if isinstance(value, LISTLIKE):
            items = [v for v in (value.tolist() if isinstance(value, np.ndarray) else value)
                     if not is_missing(v)]
            return tuple(dict.fromkeys(items))
        if is_missing(value):
            return None
        if isinstance(value, str) and separator is not None:
            return tuple(dict.fromkeys(p.strip() for p in value.split(separator) if p.strip()))
        return (value,)

    return key


def match_codebook(frame: pd.DataFrame, codebook: Codebook, used: set[Hashable]
                   ) -> dict[str, Any]:
    """Codebook column keyword -> frame column (headers, then keywords; exact, then lenient).

    The columns in ``used`` (those of ``answered``) are left out.

    Raises
    ------
    SurveyInputError
        Naming the frame columns the codebook does not describe and the choice columns of
        the codebook the frame lacks.

    Examples
    --------
    >>> from espri_gpu.codebook import load_codebook_text
    >>> cb = load_codebook_text('''
    ... [[columns]]
    ... keyword = "lab"
    ... header = "Votre laboratoire ?"
    ... kind = "single"
    ... options = ["LMD", "LSCE"]
    ... ''')
    >>> match_codebook(pd.DataFrame({"votre laboratoire?": ["LMD"]}), cb, set())
    {'lab': 'votre laboratoire?'}
    """
    labels = [c for c in frame.columns if c not in used]
    exact = {str(c): c for c in labels}
    folded = {normalize_text(str(c)): c for c in labels}
    found: dict[str, Hashable] = {}
    missing: list[Column] = []
    taken: set[Hashable] = set()
    for column in codebook.columns:
        name = None
        for key in (column.header, column.keyword):
            for candidate in (exact.get(key), folded.get(normalize_text(key))):
                if key and name is None and candidate is not None and candidate not in taken:
                    name = candidate
        if name is None:
            if column.kind in ("single", "multiple", "option"):
                missing.append(column)
        else:
            found[column.keyword] = name
            taken.add(name)
    unknown = [c for c in labels if c not in taken]
    if missing or unknown:
        parts = []
        if unknown:
            parts.append("unknown column(s) " + ", ".join(repr(c) for c in unknown)
                         + " (drop them, or add them to the codebook with kind = \"ignore\")")
        if missing:
            parts.append("missing column(s) " + ", ".join(
                f"`{c.keyword}` ({c.header!r})" for c in missing))
        raise SurveyInputError(f"DataFrame columns do not match codebook {codebook.path}: "
                               + "; ".join(parts))
    return found
