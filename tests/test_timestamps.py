"""Timestamp columns: one format per column, decided from the values, parsed vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from espri_gpu.timestamps import parse_timestamps


def _parse(values: list[str], **kwargs) -> tuple[list, list[str]]:
    stamps, warnings = parse_timestamps(pd.Series(values, dtype=object), **kwargs)
    return stamps.tolist(), warnings


def test_month_first_evidence_anywhere_decides_the_whole_column() -> None:
    values = ["1/2/2020 10:00:00"] * 50 + ["1/31/2020 10:00:00"]
    stamps, warnings = _parse(values)
    assert stamps[0] == pd.Timestamp("2020-01-02 10:00:00")
    assert warnings == []


def test_year_first_with_am_pm_and_zone_label_keeps_the_wall_clock_time() -> None:
    stamps, warnings = _parse(["2020/05/03 2:03:12 PM GMT+2", "2020/05/04 9:00:00 AM UTC",
                               "2020/05/05 12:30:00 AM"])
    assert stamps == [pd.Timestamp("2020-05-03 14:03:12"), pd.Timestamp("2020-05-04 09:00:00"),
                      pd.Timestamp("2020-05-05 00:30:00")]
    assert warnings == []


def test_spreadsheet_datetimes_with_fractions_of_a_second() -> None:
    stamps, _ = _parse(["2020-05-03 14:03:12.500000", "2020-05-04 09:00:00"])
    assert stamps[0] == pd.Timestamp("2020-05-03 14:03:12.5")


def test_mixed_day_and_month_first_reads_the_majority_and_reports_the_rest() -> None:
    values = ["13/01/2020 10:00", "14/01/2020 10:00", "1/15/2020 10:00", "02/03/2020 10:00"]
    stamps, warnings = _parse(values, column="column `t`", rows=np.array([2, 3, 5, 6]))
    assert stamps[:2] == [pd.Timestamp("2020-01-13 10:00"), pd.Timestamp("2020-01-14 10:00")]
    assert pd.isna(stamps[2]) and stamps[3] == pd.Timestamp("2020-03-02 10:00")
    assert "mix day/month/year (2 row(s)) and month/day/year (1 row(s))" in warnings[0]
    assert "(row 5)" in warnings[1]


def test_unreadable_rows_are_counted_and_the_first_ones_listed() -> None:
    values = ["26/05/2020 10:00:00"] + ["?"] * 7 + ["", "32/05/2020 10:00:00"]
    stamps, warnings = _parse(values)
    assert stamps[0] == pd.Timestamp("2020-05-26 10:00:00")
    assert all(pd.isna(s) for s in stamps[1:])
    [warning] = warnings
    assert warning.startswith("8 timestamp(s) in timestamp could not be read as dates")
    assert "(rows 3, 4, 5, 6, 7 and 3 more)" in warning


def test_blank_and_unreadable_column_gives_datetimes() -> None:
    stamps, warnings = parse_timestamps(pd.Series(["", " "]))
    assert stamps.dtype.kind == "M" and stamps.isna().all() and warnings == []
