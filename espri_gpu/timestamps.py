"""Reading a column of submission times: the format is decided once, then parsed vectorised.

Formats recognised (each with an optional time ``h:mm`` or ``h:mm:ss``, 24-hour or with
``AM``/``PM``):

* ISO ``yyyy-mm-dd[ T]hh:mm[:ss[.ffffff]]``: what date cells of ``.xlsx``/``.ods``
  spreadsheets become when read (see :mod:`espri_gpu.tables`), and what Sheets gives in an
  ISO locale; never ambiguous.
* ``yyyy/mm/dd``, with an optional zone label (``GMT+2``, ``UTC``) that is dropped: the
  wall-clock time is kept, as for the formats without a zone.
* ``dd/mm/yyyy`` (Google Forms in French, Excel in a French locale) or ``m/d/yyyy``
  (English). The order is decided for the whole column from the values: a first field above
  12 means day first, a second field above 12 means month first; where no field is above 12
  the column is read day first (the French default) with a warning saying so.

A cell that matches none of these is left empty (``NaT``) and reported by row.

Columns whose every cell is zero-padded and 19 characters long (``dd/mm/yyyy hh:mm:ss``,
``mm/dd/yyyy hh:mm:ss``, ISO ``yyyy-mm-dd hh:mm:ss``: Google Forms in French, spreadsheet
date cells) are parsed from their bytes with NumPy (:func:`_fixed_width`), every field
checked (a 31 February is not a date), about 20 times faster than ``pandas.to_datetime``;
any other column, or one with a single cell that does not fit, takes the general path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["parse_timestamps"]

_CLOCK = r"(?: \d{1,2}:\d{2}(?::\d{2})?(?: [AaPp][Mm])?)?"
_ISO = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
_YEAR_FIRST = r"\d{4}/\d{1,2}/\d{1,2}" + _CLOCK
_YEAR_LAST = r"\d{1,2}/\d{1,2}/\d{4}" + _CLOCK
_ZONE = r" (?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?$"
_ABOVE_12 = r"(?:1[3-9]|[2-9]\d)"
_ORDERS = {"day": ("%d/%m/%Y", "day/month/year"), "month": ("%m/%d/%Y", "month/day/year")}
_SHOWN_ROWS = 5


def parse_timestamps(values: pd.Series, *, column: str = "timestamp",
                     rows: np.ndarray | None = None) -> tuple[pd.Series, list[str]]:
    """Parse exported submission times, one format per column, without guessing per cell.

    Parameters
    ----------
    values : pandas.Series of str
        The cells as read (blanks as ``""``).
    column : str
        How warnings name the column (e.g. "column `date` of responses.csv").
    rows : numpy.ndarray of int, optional
        The row number each value has in the file, for warnings; default ``2, 3, ...``
        (the header is row 1).

    Returns
    -------
    timestamps : pandas.Series of datetime64
        Same index as ``values``; ``NaT`` for blank and unreadable cells.
    warnings : list of str
        Unreadable cells (count and first rows), an ambiguous or mixed day/month order.

    Examples
    --------
    >>> stamps, warnings = parse_timestamps(pd.Series(["5/13/2020 2:03:12 PM", "6/1/2020 9:00",
    ...                                                ""]))
    >>> stamps.tolist(), warnings
    ([Timestamp('2020-05-13 14:03:12'), Timestamp('2020-06-01 09:00:00'), NaT], [])
    >>> stamps, warnings = parse_timestamps(pd.Series(["01/02/2020 10:00:00", "soon"]))
    >>> stamps.iloc[0], len(warnings)
    (Timestamp('2020-02-01 10:00:00'), 2)
    """
    text = values.astype(str).str.strip().reset_index(drop=True)
    if rows is None:
        rows = np.arange(len(text)) + 2
    warnings: list[str] = []
    fast = _fixed_width(text, column, warnings)
    if fast is not None:
        return pd.Series(fast, index=values.index), warnings
    text = text.str.replace(_ZONE, "", regex=True)
    pieces = [_parse(text[text.str.fullmatch(_ISO)], "ISO8601")]
    pieces += _parse_clocks(text[text.str.fullmatch(_YEAR_FIRST)], "%Y/%m/%d")
    year_last = text[text.str.fullmatch(_YEAR_LAST)]
    if len(year_last):
        order = _slash_order(year_last, column, warnings)
        pieces += _parse_clocks(year_last, _ORDERS[order][0])
    parsed = [p for p in pieces if len(p)]
    unit = np.result_type(*[p.dtype for p in parsed]) if parsed else np.dtype("datetime64[ns]")
    stamps = pd.Series(np.full(len(text), np.datetime64("NaT"), dtype=unit))
    for piece in parsed:
        stamps.iloc[piece.index.to_numpy()] = piece.to_numpy().astype(unit)
    bad = np.flatnonzero(stamps.isna().to_numpy() & text.ne("").to_numpy())
    if len(bad):
        warnings.append(f"{len(bad)} timestamp(s) in {column} could not be read as dates and "
                        f"are left empty ({_rows(rows[bad])}); expected e.g. "
                        "26/05/2020 14:03:12 or 2020-05-26 14:03:12")
    stamps.index = values.index
    return stamps, warnings


def _parse(text: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(text, format=fmt, errors="coerce")


def _parse_clocks(text: pd.Series, date: str) -> list[pd.Series]:
    """Slash dates: one explicit format per shape of the time part (``:`` count, AM/PM)."""
    if not len(text):
        return []
    colons = text.str.count(":").to_numpy()
    twelve = text.str.contains("[AaPp][Mm]$", regex=True).to_numpy(dtype=bool)
    pieces = []
    for n_colons in np.unique(colons):
        for am_pm in (False, True):
            mask = (colons == n_colons) & (twelve == am_pm)
            if mask.any():
                clock = ("", " %H:%M", " %H:%M:%S")[int(n_colons)]
                if am_pm:
                    clock = clock.replace("%H", "%I") + " %p"
                pieces.append(_parse(text[mask], date + clock))
    return pieces


def _slash_order(text: pd.Series, column: str, warnings: list[str]) -> str:
    """``"day"`` or ``"month"`` first, from the fields above 12 anywhere in the column."""
    day_first = text.str.match(_ABOVE_12 + "/").to_numpy(dtype=bool)
    month_first = text.str.match(r"\d{1,2}/" + _ABOVE_12 + "/").to_numpy(dtype=bool)
    return _order_from_counts(int(day_first.sum()), int(month_first.sum()), column, warnings)


def _order_from_counts(n_day: int, n_month: int, column: str, warnings: list[str]) -> str:
    """The order said by ``n_day`` first fields and ``n_month`` second fields above 12."""
    if n_day and n_month:
        order = "day" if n_day >= n_month else "month"
        warnings.append(f"timestamps in {column} mix day/month/year ({n_day} row(s)) and "
                        f"month/day/year ({n_month} row(s)) dates; read as "
                        f"{_ORDERS[order][1]}, the other order is left empty")
        return order
    if n_month:
        return "month"
    if not n_day:
        warnings.append(f"timestamps in {column} are ambiguous (no day above 12): read as "
                        "day/month/year, the French Google Forms format; if they are "
                        "month/day/year, export the responses as .xlsx, whose dates are "
                        "not ambiguous")
    return "day"


_SLASH_SEPARATORS = {2: b"/", 5: b"/", 10: b" ", 13: b":", 16: b":"}
_ISO_SEPARATORS = {4: b"-", 7: b"-", 13: b":", 16: b":"}
_WIDTH = 19


def _fixed_width(text: pd.Series, column: str, warnings: list[str]) -> np.ndarray | None:
    """Datetimes of a column of zero-padded 19-character timestamps, or None.

    None (the general path then decides) unless every non-blank cell has one layout, slash
    (``dd/mm/yyyy hh:mm:ss`` or ``mm/dd/yyyy hh:mm:ss``, the order decided as for the
    general path) or ISO (``yyyy-mm-dd hh:mm:ss``, ``T`` allowed), and is a valid date and
    time.
    """
    cells = pa.array(text, type=pa.string())
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    lengths = pc.binary_length(cells).to_numpy(zero_copy_only=False)
    filled = lengths > 0
    if not filled.any() or not (lengths[filled] == _WIDTH).all():
        return None
    cells = pc.filter(cells, pa.array(filled))
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int32)[cells.offset:]
    raw = np.frombuffer(cells.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[0] + _WIDTH
                                                            * len(cells)]
    raw = raw.reshape(len(cells), _WIDTH)

    def has(separators: dict[int, bytes]) -> bool:
        return all((raw[:, i] == ord(c)).all() for i, c in separators.items())

    def number(start: int, stop: int) -> np.ndarray:
        out = np.zeros(len(raw), dtype=np.int32)
        for i in range(start, stop):
            out = out * 10 + (raw[:, i].astype(np.int32) - ord("0"))
        return out

    said: list[str] = []
    if has(_SLASH_SEPARATORS):
        fields = [0, 1, 3, 4, 6, 7, 8, 9, 11, 12, 14, 15, 17, 18]
    elif has(_ISO_SEPARATORS) and np.isin(raw[:, 10], (ord(" "), ord("T"))).all():
        fields = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
    else:
        return None
    if not all(((raw[:, i] - np.uint8(ord("0"))) <= 9).all() for i in fields):
        return None  # (uint8 arithmetic wraps: bytes below "0" become large)
    if fields[2] == 3:  # slash
        first, second, year = number(0, 2), number(3, 5), number(6, 10)
        n_day, n_month = int((first > 12).sum()), int((second > 12).sum())
        if n_day and n_month:
            return None
        order = _order_from_counts(n_day, n_month, column, said)
        day, month = (first, second) if order == "day" else (second, first)
    else:
        year, month, day = number(0, 4), number(5, 7), number(8, 10)
    hour, minute, second_ = number(11, 13), number(14, 16), number(17, 19)
    if not ((month >= 1) & (month <= 12)).all():
        return None
    month_start = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1)
    first_day = month_start.astype("datetime64[D]")
    days_in_month = ((month_start + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    if not ((day >= 1) & (day <= days_in_month) & (hour < 24) & (minute < 60)
            & (second_ < 60)).all():
        return None
    seconds = (day - 1).astype(np.int64) * 86400 + hour * 3600 + minute * 60 + second_
    stamps = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    stamps[filled] = first_day.astype("datetime64[us]") + seconds.astype("timedelta64[s]")
    warnings += said
    return stamps


def _rows(rows: np.ndarray) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:_SHOWN_ROWS])
    more = f" and {len(rows) - _SHOWN_ROWS} more" if len(rows) > _SHOWN_ROWS else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"
