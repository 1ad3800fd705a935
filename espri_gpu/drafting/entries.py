"""The codebook entries being drafted: one ``[[columns]]`` entry with its options and rows.

Every drafting step fills in these mutable records (kind, options, notes for ``CHECK:``
comments); :mod:`espri_gpu.drafting.render` writes them as TOML.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Option:
    """One option being drafted, with its number of respondents (or answers, in a grid)."""

    text: str
    count: int
    keyword: str = ""
    column: str | None = None
    none: bool = False
    note: str = ""


@dataclass
class Row:
    """One row of a grid: its text and its column when the reader's name differs."""

    text: str
    column: str | None
    keyword: str = ""


@dataclass
class Entry:
    """One ``[[columns]]`` entry being drafted."""

    header: str
    kind: str
    base: str  # text the keyword is made from
    options: list[Option] = field(default_factory=list)
    other: bool | None = None
    ordered: bool = False
    separator: str | None = None
    layout: str | None = None
    rows: list[Row] = field(default_factory=list)
    other_column: str | None = None
    notes: list[str] = field(default_factory=list)
    other_note: str = ""
    answered: int = 0
    keyword: str = ""
