"""One replicate of a resampling test: its random stream, its table, its statistic.

Replicate ``r`` of a run seeded ``seed`` starts its own stream (:func:`.rng.stream_start`),
whatever chunk, block, thread or device computes it, then draws and scores one table:

* :func:`table_replicate`: a table with the observed margins (:func:`.table_fill.random_table`),
  scored by :func:`.statistics.table_statistic` (Monte-Carlo X^2 / G tests);
  :func:`table_replicates2` two of them, their fills interleaved (the CPU's kernel);
* :func:`pattern_replicate`: a pattern table, permuted (margins fixed) or bootstrapped under
  independence (margins resampled first, degenerate resamples drawn again), scored by
  :func:`.statistics.pattern_statistic` (MMI / SPMI tests).

Device functions, compiled per target by :mod:`espri_gpu.kernels.targets`; the entry kernels
(:mod:`.cpu_kernels`, :mod:`.cuda_kernels`) call them once per replicate.
"""

from __future__ import annotations

from espri_gpu.kernels.registry import BOOTSTRAP

from .rng import stream_start
from .samplers import multinomial
from .statistics import pattern_statistic, table_statistic, ticks_products
from .table_fill import pattern_ticks, random_table, random_tables2

__all__ = ["DEGENERATE", "MAX_REDRAWS", "pattern_replicate", "table_replicate",
           "table_replicates2", "varying_columns"]

#: Bootstrap resamples in which an item or a level that varies in the data does not vary are
#: discarded and drawn again (Bilder & Loughin 2004), at most this many times per replicate;
#: a replicate still degenerate then scores :data:`DEGENERATE` (it never counts as extreme).
MAX_REDRAWS = 1000
#: Statistic of a replicate left degenerate after :data:`MAX_REDRAWS` draws.
DEGENERATE = -1.0


def varying_columns(counts, ind, totals):
    """Number of columns of ``ind`` whose total over the patterns weighted by ``counts``
    is strictly between 0 and n = sum(counts) (``totals`` is scratch, >= ind columns)."""
    npat, ncol = ind.shape
    for j in range(ncol):
        totals[j] = 0.0
    n = 0.0
    for p in range(npat):
        c = float(counts[p])
        if c > 0.0:
            n += c
            for j in range(ncol):
                totals[j] += ind[p, j] * c
    v = 0
    for j in range(ncol):
        if 0.0 < totals[j] < n:
            v += 1
    return v


def table_replicate(row_sums, col_sums, lf, n, statistic, seed, replicate, tab, rowrem,
                    state):
    """Draw replicate ``replicate``'s table into ``tab`` (``lf``: the run's
    :func:`espri_gpu.kernels.registry.logfactorial_table`); return its statistic."""
    state[0] = stream_start(seed, replicate)
    random_table(row_sums, col_sums, tab, rowrem, lf, state)
    return table_statistic(tab, row_sums, col_sums, n, statistic)


def table_replicates2(row_sums, col_sums, lf, n, statistic, seed, replicate, tab_a, tab_b,
                      rowrem_a, rowrem_b, state_a, state_b):
    """Replicates ``replicate`` and ``replicate + 1`` (:func:`table_replicate` each, the
    same tables and statistics), their fills interleaved (:func:`.table_fill.random_tables2`)
    for the CPU's out-of-order cores; returns both statistics."""
    state_a[0] = stream_start(seed, replicate)
    state_b[0] = stream_start(seed, replicate + 1)
    random_tables2(row_sums, col_sums, tab_a, tab_b, rowrem_a, rowrem_b, lf, state_a, state_b)
    return (table_statistic(tab_a, row_sums, col_sums, n, statistic),
            table_statistic(tab_b, row_sums, col_sums, n, statistic))


def pattern_replicate(row_counts, col_counts, row_weights, col_weights, a_ind, b_ind, b_words,
                      kind, mode, seed, replicate, ticks, rowrem, labels, a_counts, b_counts,
                      m_out, ra, cb, state):
    """Draw replicate ``replicate``'s pattern table; return its MMI / SPMI (``kind``).

    The table is drawn as ``ticks = J B`` by :func:`.table_fill.pattern_ticks` (``b_words``:
    B packed by :func:`espri_gpu.kernels.registry.pack_items`; ``labels`` holds
    :func:`espri_gpu.kernels.registry.pattern_labels` entries), then reduced to the products
    the statistics read (:func:`.statistics.ticks_products`).

    ``mode`` BOOTSTRAP: both margins are resampled first; a resample in which a
    column of ``a_ind`` or ``b_ind`` (an item, or a level of a single-choice question)
    that varies in the data does not vary is discarded and drawn again from the same
    stream, as Bilder & Loughin (2004) discard them (up to ``MAX_REDRAWS`` times; then
    the replicate scores ``DEGENERATE``).
    """
    state[0] = stream_start(seed, replicate)
    rows, cols = row_counts, col_counts
    if mode == BOOTSTRAP:  # both margins resampled first
        n = 0
        for p in range(row_counts.shape[0]):
            n += row_counts[p]
        want_a = varying_columns(row_counts, a_ind, ra)
        want_b = varying_columns(col_counts, b_ind, cb)
        valid = False
        for _ in range(MAX_REDRAWS):
            multinomial(n, row_weights, a_counts, state)
            multinomial(n, col_weights, b_counts, state)
            if (varying_columns(a_counts, a_ind, ra) == want_a
                    and varying_columns(b_counts, b_ind, cb) == want_b):
                valid = True
                break
        if not valid:
            return DEGENERATE
        rows, cols = a_counts, b_counts
    total = pattern_ticks(rows, cols, b_ind, b_words, ticks, rowrem, labels, state)
    ticks_products(ticks, rows, a_ind, m_out, ra, cb)
    return pattern_statistic(m_out, ra, cb, float(total), kind)
