"""Writing a :class:`~espri_gpu.codebook.Codebook` back as TOML text (the format of README
"Codebook format"): grids and per-option layouts as the single entries a person writes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .codebook import Codebook, Column, Option, Question

__all__ = ["codebook_to_toml", "toml_string"]


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's).

    Examples
    --------
    >>> toml_string('Editeurs "Vim", Emacs')
    '"Editeurs \\\\"Vim\\\\", Emacs"'
    """
    # JSON escapes every control character but DEL, which TOML forbids unescaped
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def codebook_to_toml(codebook: Codebook) -> str:
    """TOML text of ``codebook``; see :meth:`Codebook.to_toml`."""
    lines = [f"name = {toml_string(codebook.name)}", f"title = {toml_string(codebook.title)}"]
    if codebook.language != "fr":
        lines.append(f"language = {toml_string(codebook.language)}")
    if codebook.separator != ", ":
        lines.append(f"separator = {toml_string(codebook.separator)}")
    if codebook.header_rows != 1:
        lines.append(f"header_rows = {codebook.header_rows}")
    questions = {q.keyword: q for q in codebook.questions if not q.interpreted}
    grids = {g.keyword: g for g in codebook.grids}
    done: set[str] = set()
    for column in codebook.columns:
        question = questions.get(column.keyword)
        if column.kind in ("option", "option_other"):
            owner = column.keyword.rsplit("[", 1)[0]
            if owner not in done:
                done.add(owner)
                lines += _option_columns_entry(questions[owner])
            continue
        if question is not None and question.grid is not None:
            if question.grid not in done:
                done.add(question.grid)
                lines += _grid_entry(grids[question.grid])
            continue
        lines += _column_entry(column, question, codebook.separator)
    interpreted = [q for q in codebook.questions if q.interpreted]
    for q in interpreted:
        lines += ["", "[[interpretations]]", f"keyword = {toml_string(q.keyword)}",
                  f"source = {toml_string(q.source)}"]
        if q.label != q.keyword:
            lines.append(f"label = {toml_string(q.label)}")
        lines += _options(q.options)
        if q.other != (not q.options):
            lines.append(f"other = {_bool(q.other)}")
    return "\n".join(lines) + "\n"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _options(options: tuple[Option, ...], key: str = "options") -> list[str]:
    if not options:
        return []
    items = []
    for o in options:
        fields = [f"keyword = {toml_string(o.keyword)}", f"text = {toml_string(o.text)}"]
        if o.column is not None:
            fields.append(f"column = {toml_string(o.column)}")
        if o.none:
            fields.append("none = true")
        if o.label is not None:
            fields.append(f"label = {toml_string(o.label)}")
        items.append("  { " + ", ".join(fields) + " },")
    return [f"{key} = ["] + items + ["]"]


def _column_entry(column: Column, question: Question | None, separator: str) -> list[str]:
    lines = ["", "[[columns]]", f"keyword = {toml_string(column.keyword)}",
             f"header = {toml_string(column.header)}", f"kind = {toml_string(column.kind)}"]
    if column.kind == "ignore":
        return lines
    if column.label != column.keyword:
        lines.append(f"label = {toml_string(column.label)}")
    if column.required:
        lines.append("required = true")
    if question is None:
        return lines
    if question.ordered:
        lines.append("ordered = true")
    if question.multiple and question.separator != separator:
        lines.append(f"separator = {toml_string(question.separator)}")
    if question.other != question.multiple:
        lines.append(f"other = {_bool(question.other)}")
    return lines + _options(question.options)


def _grid_entry(grid) -> list[str]:
    lines = ["", "[[columns]]", f"keyword = {toml_string(grid.keyword)}",
             f"header = {toml_string(grid.header)}", 'kind = "grid"']
    if grid.label != grid.keyword:
        lines.append(f"label = {toml_string(grid.label)}")
    if grid.required:
        lines.append("required = true")
    if grid.ordered:
        lines.append("ordered = true")
    if grid.other:
        lines.append("other = true")
    return lines + _options(grid.options) + _options(grid.rows, "rows")


def _option_columns_entry(question: Question) -> list[str]:
    lines = ["", "[[columns]]", f"keyword = {toml_string(question.keyword)}",
             'kind = "multiple"', 'layout = "columns"']
    if question.label != question.keyword:
        lines.append(f"label = {toml_string(question.label)}")
    if question.required:
        lines.append("required = true")
    if question.other_column is not None:
        lines.append(f"other_column = {toml_string(question.other_column)}")
    return lines + _options(question.options)
