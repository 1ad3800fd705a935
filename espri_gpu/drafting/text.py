"""Small text helpers every drafting step shares: folding to ASCII, counting a column's
distinct cells, quoting and shortening answers for comments (personal data redacted), and
recognising numbers and answer codes."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from ..redaction import redact_personal_data

NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def fold(text: str) -> str:
    """ASCII lower-case words of a text (for keywords and scales)."""
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).encode(
        "ascii", "ignore").decode().lower()


def cell_counts(column: pd.Series) -> pd.Series:
    """Respondents per distinct non-blank cell (stripped), most frequent first."""
    cells = column.astype(str).str.strip()
    return cells[cells != ""].value_counts(sort=True)


def quote(text: str) -> str:
    """``text`` in single quotes on one line, for a comment."""
    return "'" + text.replace("\n", " ") + "'"


def excerpt(text: str, width: int = 50) -> str:
    """``text`` with personal data redacted, cut to ``width`` characters, for a comment."""
    text = redact_personal_data(text)[0]
    return text if len(text) <= width else text[:width - 1] + "…"


def answer_codes(texts: list[str]) -> bool:
    """Whether every text is an answer code (``A1``, ``SQ002``) rather than its meaning."""
    return bool(texts) and all(re.fullmatch(r"[A-Z]{1,3}\d{1,3}", t) for t in texts)
