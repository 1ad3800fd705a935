"""Respondents' rare free answers pooled into one category for figures and page tables.

A survey with an "Autre" box collects free answers typed by one or two respondents each; a
bar or a heat-map column per such answer makes figures unreadable (a question with 5,000
distinct free answers would get 5,000 bars) without telling anything. For *showing*, every
free "other" answer given by fewer than :data:`MIN_COUNT` respondents is pooled into one
category (the same threshold as the tests' pooling, :mod:`espri_gpu.stats.pooling`); codebook
options are never pooled, however rare. The CSV files keep every answer apart, and
``report --keep-rare-answers`` keeps them apart in figures too.

Pooling is exact: a respondent gives at most one free answer per question (one "Autre"
box), so summing the pooled rows counts each respondent once.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .counting import Counts
from .stats.pooling import MIN_COUNT

__all__ = ["MIN_COUNT", "POOLED_KEY", "pool_counts", "pool_table"]

#: Key of the pooled category (its shown text is given by the caller, in the page's language).
POOLED_KEY = "__rare_free_answers__"


def _rare(counts: np.ndarray, other: list[bool] | np.ndarray, min_count: int) -> np.ndarray:
    return np.asarray(other, dtype=bool) & (np.asarray(counts) < min_count)


def pool_counts(c: Counts, label: str, min_count: int = MIN_COUNT) -> Counts:
    """``c`` with its free answers given by fewer than ``min_count`` respondents in one row.

    Examples
    --------
    >>> from espri_gpu import counts, load_example
    >>> c = counts(load_example("espri2020"), "ml_méthodes")
    >>> p = pool_counts(c, "rare")
    >>> len(c.table) - len(p.table) + 1 == int(c.table["other"].sum())
    True
    >>> int(p.table["count"].sum()) == int(c.table["count"].sum()), p.labels[POOLED_KEY]
    (True, 'rare')
    """
    rare = _rare(c.table["count"].to_numpy(), c.table["other"].to_numpy(), min_count)
    if rare.sum() < 2:
        return c
    kept = c.table.loc[~rare]
    pooled = c.table.loc[rare, ["count", "pct_of_respondents", "pct_of_mentions"]].sum()
    row = pd.DataFrame({**{k: [v] for k, v in pooled.items()}, "other": [True]},
                       index=pd.Index([POOLED_KEY], name=c.table.index.name))
    row["count"] = row["count"].astype(c.table["count"].dtype)
    table = pd.concat([kept, row])
    labels = {**{k: v for k, v in c.labels.items() if k in kept.index}, POOLED_KEY: label}
    return dataclasses.replace(c, table=table, labels=labels)


def pool_table(table: pd.DataFrame, label: str, min_count: int = MIN_COUNT) -> pd.DataFrame:
    """A cross table (:func:`espri_gpu.crosstab`) with rare free answers of each question
    pooled, rows and columns alike (rareness among the respondents of the table).

    Examples
    --------
    >>> from espri_gpu import crosstab, load_example
    >>> t = crosstab(load_example("espri2020"), "lab", "ml_méthodes")
    >>> p = pool_table(t, "rare")
    >>> p.shape[1] < t.shape[1], int(p.to_numpy().sum()) == int(t.to_numpy().sum())
    (True, True)
    """
    attrs = dict(table.attrs)
    for axis, side in ((0, "row"), (1, "column")):
        other = attrs.get(f"{side}_other")
        base = attrs.get(f"{side}_respondents")
        if other is None or base is None:
            continue
        rare = _rare(np.asarray(base), other, min_count)
        if rare.sum() < 2:
            continue
        keep = ~rare
        names = table.index if axis == 0 else table.columns
        pooled = (table.loc[rare] if axis == 0 else table.loc[:, rare]).sum(axis=axis)
        if axis == 0:
            table = pd.concat([table.loc[keep], pooled.to_frame(POOLED_KEY).T])
            table.index.name = names.name
        else:
            table = pd.concat([table.loc[:, keep], pooled.rename(POOLED_KEY)], axis=1)
            table.columns.name = names.name
        for key, extra in ((f"{side}_labels", label), (f"{side}_respondents",
                                                         int(np.asarray(base)[rare].sum())),
                           (f"{side}_other", True)):
            values = attrs.get(key)
            if values is not None:
                attrs[key] = [v for v, k in zip(values, keep, strict=True) if k] + [extra]
    table.attrs = attrs
    return table
