"""The CPU entry kernels: one ``<name>_kernel`` per entry of :data:`.registry.KERNELS`.

Compiled by :func:`espri_gpu.kernels.targets.kernel` (``numba.njit`` with the registry's
signature, ``parallel=True`` for the replicate kernels, ``cache=True``) and called by the
drivers of :mod:`espri_gpu.kernels.cpu`. The replicates ``start .. start + count - 1`` are cut
into ``states.shape[0]`` contiguous blocks run by ``prange``, each with its own scratch rows
(the first dimension of every scratch array); results do not depend on the number of blocks
or threads, because replicate ``r`` always draws from its own stream.
"""

from __future__ import annotations

from numba import prange

from .replicates import pattern_replicate, table_replicate, table_replicates2
from .rng import stream_start, uniform
from .samplers import hypergeometric, multinomial
from .statistics import observed_patterns, table_statistic
from .table_fill import random_table

__all__ = ["hypergeometric_kernel", "multinomial_kernel", "observed_patterns_kernel",
           "observed_table_kernel", "pattern_statistics_kernel", "table_statistics_kernel",
           "tables_kernel", "uniform_kernel"]


def uniform_kernel(seed, start, out, states):
    """``out[i]``: the first uniforms of replicate ``start + i``."""
    count, nblocks = out.shape[0], states.shape[0]
    for b in prange(nblocks):
        for i in range(b * count // nblocks, (b + 1) * count // nblocks):
            states[b, 0] = stream_start(seed, start + i)
            for k in range(out.shape[1]):
                out[i, k] = uniform(states[b])


def hypergeometric_kernel(ngood, nbad, nsample, seed, start, out, states):
    """``out[i]``: one hypergeometric draw of replicate ``start + i``."""
    count, nblocks = out.shape[0], states.shape[0]
    for b in prange(nblocks):
        for i in range(b * count // nblocks, (b + 1) * count // nblocks):
            states[b, 0] = stream_start(seed, start + i)
            out[i] = hypergeometric(ngood, nbad, nsample, states[b])


def multinomial_kernel(n, weights, seed, start, out, states):
    """``out[i]``: one multinomial vector of replicate ``start + i``."""
    count, nblocks = out.shape[0], states.shape[0]
    for b in prange(nblocks):
        for i in range(b * count // nblocks, (b + 1) * count // nblocks):
            states[b, 0] = stream_start(seed, start + i)
            multinomial(n, weights, out[i], states[b])


def tables_kernel(row_sums, col_sums, lf, seed, start, out, rowrem, states):
    """``out[i]``: the random table of replicate ``start + i``."""
    count, nblocks = out.shape[0], states.shape[0]
    for b in prange(nblocks):
        for i in range(b * count // nblocks, (b + 1) * count // nblocks):
            states[b, 0] = stream_start(seed, start + i)
            random_table(row_sums, col_sums, out[i], rowrem[b], lf, states[b])


def table_statistics_kernel(row_sums, col_sums, lf, n, statistic, seed, start, out, tables,
                            rowrem, states):
    """``out[i]``: the statistic of replicate ``start + i``'s random table.

    The scratch has two rows per block: a block draws its replicates two at a time
    (:func:`.replicates.table_replicates2`, the same tables), the last one alone."""
    count, nblocks = out.shape[0], states.shape[0] // 2
    for b in prange(nblocks):
        lo, hi = b * count // nblocks, (b + 1) * count // nblocks
        for i in range(lo, hi - 1, 2):
            out[i], out[i + 1] = table_replicates2(
                row_sums, col_sums, lf, n, statistic, seed, start + i, tables[2 * b],
                tables[2 * b + 1], rowrem[2 * b], rowrem[2 * b + 1], states[2 * b],
                states[2 * b + 1])
        if (hi - lo) % 2 == 1:
            out[hi - 1] = table_replicate(row_sums, col_sums, lf, n, statistic, seed,
                                          start + hi - 1, tables[2 * b], rowrem[2 * b],
                                          states[2 * b])


def pattern_statistics_kernel(row_counts, col_counts, row_weights, col_weights, a_ind, b_ind,
                              b_words, kind, mode, seed, start, out, ticks, rowrem, labels,
                              a_counts, b_counts, m_out, ra, cb, states):
    """``out[i]``: the MMI / SPMI of replicate ``start + i``'s pattern table."""
    count, nblocks = out.shape[0], states.shape[0]
    for b in prange(nblocks):
        for i in range(b * count // nblocks, (b + 1) * count // nblocks):
            out[i] = pattern_replicate(row_counts, col_counts, row_weights, col_weights,
                                       a_ind, b_ind, b_words, kind, mode, seed, start + i,
                                       ticks[b], rowrem[b], labels[b], a_counts[b],
                                       b_counts[b], m_out[b], ra[b], cb[b], states[b])


def observed_table_kernel(tab, row_sums, col_sums, n, statistic, out):
    """``out[0]``: the statistic of the observed table ``tab``."""
    out[0] = table_statistic(tab, row_sums, col_sums, n, statistic)


def observed_patterns_kernel(joint, a_ind, b_ind, kind, m_out, ra, cb, items, out):
    """``out[0]``: the statistic of the observed pattern table; its items into ``items``."""
    out[0] = observed_patterns(joint, a_ind, b_ind, kind, m_out, ra, cb, items)
