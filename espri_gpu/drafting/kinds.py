"""The kind of one ungrouped column: ignored (no header, row numbers, identifiers, one answer
for all), timestamp, personal, numbers (a short scale or free), or a choice column handed to
:mod:`espri_gpu.drafting.choices`; and keeping a single timestamp column."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..codebook import normalize_text
from ..redaction import redact_personal_data
from .choices import choice_entry
from .columns import Column, looks_like_dates
from .entries import Entry, Option
from .text import NUMBER, cell_counts, fold, quote

_INTEGER = re.compile(r"[+-]?\d+")
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
_ID_HEADERS = frozenset(("#", "id", "response id", "responseid", "respondent id", "token",
                         "network id", "identifiant", "submission id", "_id", "uuid"))
_SUBMIT_HEADERS = frozenset(normalize_text(h) for h in (
    "Horodateur", "Horodatage", "Timestamp", "Submit Date (UTC)", "Submit Date", "submitdate",
    "Submitted at", "Date submitted", "datestamp", "Recorded Date", "End Date",
    "Date de soumission", "Date de réponse", "Date d'envoi"))


def column_entry(column: Column, n: int) -> Entry:
    """The entry of one column that shares no question with others (first rule that fits)."""
    header = column.name
    base = column.sub or column.top
    counts = cell_counts(column.cells)
    answered = int(counts.sum())
    entry = Entry(header, "free", base or "colonne")
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
            len(counts) >= 0.9 * answered and looks_like_dates(counts)):
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
    if texts.str.fullmatch(NUMBER.pattern).all():
        return _number_entry(entry, counts)
    return choice_entry(entry, base, counts)


def _row_numbers(column: pd.Series) -> bool:
    cells = column.str.strip()
    if len(cells) < 3 or not cells.str.fullmatch(r"\d+").all():
        return False
    numbers = cells.astype(np.int64).to_numpy()
    start = numbers[0]
    return start in (0, 1) and bool((numbers == np.arange(start, start + len(numbers))).all())


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


def _is_personal(header: str, counts: pd.Series) -> bool:
    texts = list(counts.index[:200])
    typed = sum(redact_personal_data(t)[1] > 0 for t in texts)
    if typed >= 0.5 * len(texts):
        return True
    words = " ".join(re.sub(r"[^\w'@-]+", " ", fold(header)).split())
    named = bool(_PERSONAL_WORDS.search(words)) or _PERSONAL_FRAME.sub("", words) in \
        _PERSONAL_HEADERS
    return named and (typed > 0 or len(counts) >= 0.5 * counts.sum())


def _number_entry(entry: Entry, counts: pd.Series) -> Entry:
    texts = list(counts.index)
    integers = all(_INTEGER.fullmatch(t) for t in texts)
    values = sorted(float(t.replace(",", ".")) for t in texts)
    if integers and len(texts) <= 11 and values[-1] - values[0] <= 10:
        entry.kind = "single"
        entry.ordered = True
        entry.other = False
        entry.options = [Option(t, int(counts[t])) for t in
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


def one_timestamp(entries: list[Entry]) -> None:
    """Keep one timestamp column (the submission time); other date columns are ignored."""
    stamps = [e for e in entries if e.kind == "timestamp"]
    if len(stamps) < 2:
        return
    kept = next((e for e in stamps if normalize_text(e.header) in _SUBMIT_HEADERS), stamps[0])
    for entry in stamps:
        if entry is not kept:
            entry.kind = "ignore"
            entry.notes = [f"dates: left unread (the submission time is {quote(kept.header)}); "
                           "kind = \"free\" keeps them"]
