"""The CUDA entry kernels: one ``<name>_kernel`` per entry of :data:`.registry.KERNELS`.

Compiled by :func:`espri_gpu.kernels.targets.kernel` (``numba.cuda.jit`` with the registry's
signature and ``cache=True``) and launched by the drivers of :mod:`espri_gpu.kernels.cuda`
with the launch shapes computed there:

* the two-target kernels: one thread per replicate, thread ``i`` computing replicate
  ``start + i`` with global-memory scratch row ``i``; the ``observed_*`` kernels run on one
  thread;
* ``table_statistics_shared``: the draws of ``table_statistics``, one thread per replicate
  with its scratch in the block's dynamic shared memory (see the kernel).

Precision (the RTX 2080 Ti runs FP64 at 1/32 of FP32): counts stay integers (tables ``int32`` in
shared memory, remaining row sums ``int64``, the pattern fill's urn ``int32`` and its ``J B``
counts summed as packed 8-bit fields in ``uint64`` words); FP64 stays where a draw or a tie
depends on it. The samplers' uniforms (53-bit), HRUA's hat, squeezes, log-density brackets and
logarithms and the inversion's pmf recurrence decide which value is drawn: in FP32 a uniform
near a boundary would give another value, so the draws would no longer be the CPU's. The
statistics (X^2, G, MMI, SPMI) are FP64 so that a replicate equal to the observed table ties
with it exactly (the observed value comes from the same device functions). The 8 KiB
log-factorial table is in constant memory once per kernel (every sampler reads it through
:func:`.logfactorials.logfactorial`); the table kernels also read the run's ``lf``
(:func:`.registry.logfactorial_table`, up to 1 MiB) from global memory.

``cuda`` is ``numba.cuda``, bound by the CUDA target when it compiles this module (a module
global: the CUDA simulator swaps in its per-thread fake module), and ``strided_view`` its
2-D view of a 1-D array (:func:`.targets.strided_view`); importing the module as such never
imports ``numba.cuda``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from numba import int32, int64, uint64

from .replicates import pattern_replicate, table_replicate
from .rng import stream_start, uniform
from .samplers import hypergeometric, multinomial
from .statistics import observed_patterns, table_statistic
from .table_fill import random_table

if TYPE_CHECKING:  # bound by espri_gpu.kernels.targets for the CUDA target
    from numba import cuda

    from .targets import strided_view

__all__ = ["hypergeometric_kernel", "multinomial_kernel", "observed_patterns_kernel",
           "observed_table_kernel", "pattern_statistics_kernel",
           "table_statistics_kernel", "table_statistics_shared_kernel", "tables_kernel",
           "uniform_kernel"]


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


def tables_kernel(row_sums, col_sums, lf, seed, start, out, rowrem, states):
    """``out[i]``: the random table of replicate ``start + i``."""
    i = cuda.grid(1)
    if i < out.shape[0]:
        states[i, 0] = stream_start(seed, start + i)
        random_table(row_sums, col_sums, out[i], rowrem[i], lf, states[i])


def table_statistics_kernel(row_sums, col_sums, lf, n, statistic, seed, start, out, tables,
                            rowrem, states):
    """``out[i]``: the statistic of replicate ``start + i``'s random table."""
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i] = table_replicate(row_sums, col_sums, lf, n, statistic, seed, start + i,
                                 tables[i], rowrem[i], states[i])


def table_statistics_shared_kernel(row_sums, col_sums, lf, n, statistic, seed, start, out):
    """``out[i]``: the statistic of replicate ``start + i``'s random table (the draws and
    value of ``table_statistics_kernel``), the scratch in dynamic shared memory.

    Per thread: the remaining row sums (``int64``), the stream state and the table
    (``int32``: the drivers launch it for totals below 2**31 only; the sampler gets the
    same ``int64`` arguments). Interleaved by thread (word ``w`` of thread ``t`` at ``w T +
    t``), so that the threads of a warp touch consecutive banks: ``T (8 (r + 1) + 4 r c)``
    bytes per block of ``T`` threads (:func:`espri_gpu.kernels.cuda.table_shared_bytes`).
    """
    nr = row_sums.shape[0]
    nc = col_sums.shape[0]
    t = cuda.threadIdx.x
    nt = cuda.blockDim.x
    words = cuda.shared.array(0, int64)
    states = cuda.shared.array(0, uint64)
    cells = cuda.shared.array(0, int32)
    rowrem = words[t:nr * nt:nt]
    state = states[nr * nt + t:nr * nt + t + 1]
    tab = strided_view(cells, 2 * (nr + 1) * nt + t, nr, nc, nc * nt, nt)
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i] = table_replicate(row_sums, col_sums, lf, n, statistic, seed, start + i, tab,
                                 rowrem, state)


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
