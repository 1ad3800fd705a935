"""Timestamp columns: one format per column, decided from the values, parsed vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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


def _general_path(values: pd.Series, monkeypatch) -> tuple[pd.Series, list[str]]:
    import espri_gpu.timestamps as module

    with monkeypatch.context() as patch:
        patch.setattr(module, "_fixed_width", lambda *args: None)
        return parse_timestamps(values)


@pytest.mark.parametrize("layout", ["%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S",
                                    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"])
@pytest.mark.parametrize("span_days", [10, 400])
def test_fixed_width_fast_path_equals_the_general_path(monkeypatch, layout, span_days) -> None:
    """Zero-padded columns (Forms in French, spreadsheet cells) parsed from their bytes."""
    rng = np.random.default_rng(span_days)
    times = (np.datetime64("2019-12-28T00:00:00")
             + rng.integers(0, span_days * 86400, 3000).astype("timedelta64[s]"))
    cells = pd.Series(pd.to_datetime(times).strftime(layout), dtype=str)
    cells[rng.random(3000) < 0.1] = ""
    fast, fast_warnings = parse_timestamps(cells)
    slow, slow_warnings = _general_path(cells, monkeypatch)
    pd.testing.assert_series_equal(fast, slow)
    assert fast_warnings == slow_warnings
    expected = pd.Series(times.astype("datetime64[us]")).where(cells.ne(""))
    np.testing.assert_array_equal(fast.to_numpy(), expected.to_numpy())


@pytest.mark.parametrize("bad", ["31/02/2020 10:00:00", "12/13/2020 10:00:00",
                                 "01/05/2020 24:00:00", "01/05/2020 10:60:00",
                                 "0a/05/2020 10:00:00", "2020-02-30 10:00:00"])
def test_fixed_width_cells_that_are_not_dates_go_to_the_general_path(monkeypatch, bad) -> None:
    cells = pd.Series(["26/05/2020 14:03:12", "01/06/2020 09:00:00", bad], dtype=str)
    if bad.startswith("2020"):
        cells = pd.Series(["2020-05-26 14:03:12", "2020-06-01 09:00:00", bad], dtype=str)
    fast, warnings = parse_timestamps(cells)
    slow, slow_warnings = _general_path(cells, monkeypatch)
    pd.testing.assert_series_equal(fast, slow)
    assert warnings == slow_warnings and warnings
    assert fast.iloc[0] == pd.Timestamp("2020-05-26 14:03:12")


def test_ambiguous_fixed_width_column_warns_once() -> None:
    stamps, warnings = parse_timestamps(pd.Series(["01/02/2020 10:00:00"] * 3, dtype=str))
    assert stamps.iloc[0] == pd.Timestamp("2020-02-01 10:00:00")
    assert len(warnings) == 1 and "ambiguous" in warnings[0]
