"""The CUDA entry kernels: one ``<name>_kernel`` per entry of :data:`.registry.KERNELS`.

Compiled by :func:`espri_gpu.kernels.targets.kernel` (``numba.cuda.jit`` with the registry's
signature and ``cache=True``) and launched by the drivers of :mod:`espri_gpu.kernels.cuda`:
one thread per replicate, thread ``i`` computing replicate ``start + i`` with scratch row
``i``; the ``observed_*`` kernels run on one thread. ``cuda`` is ``numba.cuda``, bound by the
CUDA target when it compiles this module (a module global: the CUDA simulator swaps in its
per-thread fake module); importing the module as such never imports ``numba.cuda``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .replicates import pattern_replicate, table_replicate
from .rng import stream_start, uniform
from .samplers import hypergeometric, multinomial
from .statistics import observed_patterns, table_statistic
from .table_fill import random_table

if TYPE_CHECKING:  # bound by espri_gpu.kernels.targets for the CUDA target
    from numba import cuda

__all__ = ["hypergeometric_kernel", "multinomial_kernel", "observed_patterns_kernel",
           "observed_table_kernel", "pattern_statistics_kernel", "table_statistics_kernel",
           "tables_kernel", "uniform_kernel"]


def uniform_kernel(seed, start, out, states):
    """``out[i]``: the first uniforms of replicate ``start + i``."""
    i = cuda.grid(1)
    if i < out.shape[0]:
        states[i, 0] = stream_start(seed, start + i)
        for k in range(out.shape[1]):
            out[i, k] = uniform(states[i])


def hypergeometric_kernel(ngood, nbad, nsample, seed, start, out, states):
    """``out[i]``: one hypergeometric draw of replicate ``start + i``."""
    i = cuda.grid(1)
    if i < out.shape[0]:
        states[i, 0] = stream_start(seed, start + i)
        out[i] = hypergeometric(ngood, nbad, nsample, states[i])


def multinomial_kernel(n, weights, seed, start, out, states):
    """``out[i]``: one multinomial vector of replicate ``start + i``."""
    i = cuda.grid(1)
    if i < out.shape[0]:
        states[i, 0] = stream_start(seed, start + i)
        multinomial(n, weights, out[i], states[i])


def tables_kernel(row_sums, col_sums, seed, start, out, rowrem, states):
    """``out[i]``: the random table of replicate ``start + i``."""
    i = cuda.grid(1)
    if i < out.shape[0]:
        states[i, 0] = stream_start(seed, start + i)
        random_table(row_sums, col_sums, out[i], rowrem[i], states[i])


def table_statistics_kernel(row_sums, col_sums, n, statistic, seed, start, out, tables, rowrem,
                            states):
    """``out[i]``: the statistic of replicate ``start + i``'s random table."""
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i] = table_replicate(row_sums, col_sums, n, statistic, seed, start + i, tables[i],
                                 rowrem[i], states[i])


def pattern_statistics_kernel(row_counts, col_counts, row_weights, col_weights, a_ind, b_ind,
                              b_words, kind, mode, seed, start, out, ticks, rowrem, labels,
                              a_counts, b_counts, m_out, ra, cb, states):
    """``out[i]``: the MMI / SPMI of replicate ``start + i``'s pattern table."""
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i] = pattern_replicate(row_counts, col_counts, row_weights, col_weights, a_ind,
                                   b_ind, b_words, kind, mode, seed, start + i, ticks[i],
                                   rowrem[i], labels[i], a_counts[i], b_counts[i], m_out[i],
                                   ra[i], cb[i], states[i])


def observed_table_kernel(tab, row_sums, col_sums, n, statistic, out):
    """``out[0]``: the statistic of the observed table ``tab`` (thread 0)."""
    if cuda.grid(1) == 0:
        out[0] = table_statistic(tab, row_sums, col_sums, n, statistic)


def observed_patterns_kernel(joint, a_ind, b_ind, kind, m_out, ra, cb, items, out):
    """``out[0]``: the statistic of the observed pattern table, its items into ``items``
    (thread 0)."""
    if cuda.grid(1) == 0:
        out[0] = observed_patterns(joint, a_ind, b_ind, kind, m_out, ra, cb, items)
