"""Choice columns: cutting multiple-choice cells into options (separators, option texts that
contain the separator, form order, one-respondent "Autre" answers), and telling a
single-choice question (with or without typed "Autre" answers) from free text."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..redaction import redact_personal_data
from .entries import Entry, Option
from .scales import MAX_SCALE, ordered_options, scale_rank
from .text import answer_codes, excerpt, fold, quote

#: Separators tried on multiple-choice cells, most common first.
SEPARATORS = (", ", ";")
#: Most frequent distinct cells a column's kind is decided on.
DECIDE_ON = 5000
#: Texts shown in a CHECK comment, at most.
SHOWN = 4
_OPEN = re.compile(r"[(\[{]")
_CLOSE = re.compile(r"[)\]}]")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")
_MULTIPLE_HINT = re.compile(
    r"plusieurs (?:choix|reponses)|choix multiples?|reponses? multiples?|cochez|"
    r"select all|all that apply|check all|choose all|tick all|multiple (?:answers|choices)|"
    r"\(multiple\)|one or more|un ou plusieurs|une ou plusieurs")


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


def choice_entry(entry: Entry, header: str, counts: pd.Series) -> Entry:
    hinted = bool(_MULTIPLE_HINT.search(fold(header)))
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


def _multiple_entry(entry: Entry, seg: _Segmentation, header_only: bool) -> Entry:
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
    entry.options = [Option(u, seg.respondents[u]) for u in order
                     if u not in others and u not in personal]
    for option in entry.options:
        if seg.separator.strip() in _BRACKETED.sub("", option.text):
            option.note = (f"CHECK: one option whose text holds {seg.separator.strip()!r}? "
                           "(else two options always ticked together)")
    if others or personal:
        entry.other = True
        shown = ", ".join(quote(excerpt(u)) for u in others[:SHOWN])
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


def _single_or_free(entry: Entry, counts: pd.Series) -> Entry:
    n = int(counts.sum())
    distinct = len(counts)
    unique = int(counts[counts == 1].sum())
    length = float(np.mean([len(t) for t in counts.index[:DECIDE_ON]]))
    ordered = distinct <= MAX_SCALE and scale_rank(list(counts.index)) is not None
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
    options, ordered = ordered_options(Counter(dict(counts)))
    personal = [o for o in options if redact_personal_data(o.text)[1]]
    entry.options = [o for o in options if o not in personal]
    entry.ordered = ordered
    if answer_codes([o.text for o in entry.options]):
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


def _single_with_autre(entry: Entry, counts: pd.Series, repeated: pd.Series) -> Entry:
    """A single-choice question whose answers given once are typed "Autre" answers."""
    entry.kind = "single"
    options, entry.ordered = ordered_options(Counter(dict(repeated)))
    entry.options = [o for o in options if not redact_personal_data(o.text)[1]]
    rare = [t for t in counts.index if counts[t] == 1]
    shown = ", ".join(quote(excerpt(t)) for t in rare[:SHOWN])
    more = f" and {len(rare) - SHOWN} more" if len(rare) > SHOWN else ""
    entry.other = True
    entry.other_note = (f"CHECK: {len(rare)} answers given by one respondent each are read as "
                        f"'Autre' texts: {shown}{more}; move one to `options` if the form "
                        "offered it")
    return entry
