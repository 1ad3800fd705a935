"""Questions spread over several columns: columns grouped by a shared stem (``Stem [row]``,
``Q7_Part_1``, ``Q7_1``, a two-row header) drafted as a grid or as one multiple-choice
question with one column per option (its "other" column, its "none" option), and runs of
stem-less per-option columns merged into one question."""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict

import numpy as np
import pandas as pd

from ..codebook import NOT_TICKED, normalize_text
from .choices import SEPARATORS
from .columns import Column
from .entries import Entry, Option, Row
from .kinds import column_entry
from .scales import ordered_options, scale_fold
from .text import answer_codes, cell_counts, excerpt, quote

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
_TICKED = frozenset(("1", "y", "yes", "oui", "o", "true", "x", "vrai", "checked", "selected"))
_NONE_OPTIONS = re.compile(r"^(?:aucun|aucune|none|rien|nothing|no answer|pas de reponse|"
                           r"none of the above|aucun de ceux-ci|aucune de ces reponses)\b")


def _stem(column: Column) -> tuple[str, str] | None:
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


def draft_entries(columns: list[Column], n: int) -> list[Entry]:
    stems = [_stem(c) for c in columns]
    by_stem: dict[str, list[int]] = defaultdict(list)
    for i, stem in enumerate(stems):
        if stem is not None:
            by_stem[stem[0]].append(i)
    done: set[int] = set()
    entries: list[Entry] = []
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
        entries.append(column_entry(column, n))
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


def _group_entry(group: list[Column], rows: list[str], stem: str, n: int) -> Entry | None:
    """One question over the columns of ``group``: per-option columns, or a grid; or None."""
    counts = [cell_counts(c.cells) for c in group]
    is_other = [bool(_OTHER_ROW.match(scale_fold(r))) or bool(_OTHER_COLUMN.match(c.top))
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
    entry = Entry(stem, "grid", stem)
    for column, row in zip(group, rows, strict=True):
        entry.rows.append(Row(row, None if column.name == f"{stem} [{row}]" else column.name))
    cells = np.column_stack([(c.cells.astype(str).str.strip() != "").to_numpy() for c in group])
    entry.answered = int(cells.any(axis=1).sum())
    entry.options, entry.ordered = ordered_options(pooled)
    if answer_codes([o.text for o in entry.options]):
        entry.notes.append("CHECK: the scale is written as answer codes (A1, A2…): name the "
                           "option keywords after what they stand for")
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


def _group_base(group: list[Column], stem: str) -> str:
    """The question text of a group: the stem, or what second-row texts share (Kaggle's
    ``"Question - Selected Choice - Option"``)."""
    subs = [c.sub for c in group if c.sub]
    if len(subs) < 2 or not re.fullmatch(r"[A-Za-z]{0,3}\d+(?:\.\d+)?", stem):
        return stem
    prefix = os.path.commonprefix(subs)
    prefix = re.split(r" - Selected Choice| - ", prefix)[0].strip(" -:")
    return prefix if len(prefix) >= 8 else stem


def _option_text(column: Column, row: str, ticked: str | None, base: str) -> str:
    if ticked is not None and ticked.casefold() not in _TICKED:
        return ticked  # the column holds its option's text (Kaggle, Typeform)
    sub = column.sub
    if sub and base != column.top and sub.startswith(base):
        rest = sub[len(base):].split(" - ")[-1].strip(" -:")
        if rest:
            return rest
    return sub or row


def _columns_entry(group: list[Column], rows: list[str], stem: str,
                   counts: list[pd.Series], indicator: list[str | None], options: list[int],
                   others: list[int], n: int) -> Entry:
    base = _group_base(group, stem)
    entry = Entry(stem, "multiple", base)
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
        entry.options.append(Option(text, count, column=column.name,
                                     none=bool(_NONE_OPTIONS.match(scale_fold(text)))))
    ticked_any = np.zeros(n, dtype=bool)
    for j in options:
        cells = group[j].cells.astype(str).str.strip().str.casefold()
        ticked_any |= ~cells.isin(NOT_TICKED).to_numpy()
    if others:
        other = group[others[0]]
        entry.other_column = other.name
        entry.other = True
        ticked_any |= (other.cells.astype(str).str.strip() != "").to_numpy()
        typed = cell_counts(other.cells)
        entry.other_note = (f"{int(typed.sum())} respondent(s) typed their own answer in "
                            f"{quote(excerpt(other.name))}")
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


def _per_option_runs(columns: list[Column], entries: list[Entry]) -> list[Entry]:
    """Merge runs of stem-less per-option columns (one header row, each named by its option
    and holding its option text when ticked) into one question each."""
    out: list[Entry] = []
    run: list[Entry] = []
    cells = {c.name: c.cells for c in columns}

    def own_text(e: Entry) -> bool:
        return (e.kind == "single" and len(e.options) == 1 and not e.layout
                and e.options[0].text == e.header)

    def flush() -> None:
        if len(run) >= 2:
            entry = Entry(run[0].header, "multiple", run[0].header)
            entry.layout = "columns"
            entry.other = False
            for e in run:
                text = e.options[0].text
                entry.options.append(Option(text, e.options[0].count, column=e.header,
                                             none=bool(_NONE_OPTIONS.match(scale_fold(text)))))
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
