"""Block-cooperative pattern replicates for the CUDA target (one block per replicate).

:func:`block_pattern_replicate` draws the replicate that
:func:`.replicates.pattern_replicate` draws with ``shuffle`` 1 (same stream, same uniforms,
same statistic, bit for bit), with the block's threads sharing the work:

1. thread 0 starts the replicate's stream, resamples the margins (bootstrap:
   :func:`bootstrap_margins`, the redraws of :func:`.replicates.pattern_replicate`) and writes
   the row and column offsets of the urn;
2. all threads write the urn (``labels``: ball ``j`` of row ``p``, in row order) and zero the
   block's counts;
3. thread 0 draws the partial Fisher-Yates shuffle of :func:`.table_fill.shuffle_products`
   (:func:`shuffle_to_tail`: the same ``below`` draws, sequential by nature), each drawn ball
   stored at the end of the urn, so that column ``q``'s balls end up in one segment;
4. all threads, one column each in turn, count the A options of their column's balls
   (integers, per thread in shared memory) and add ``count x B[q]`` to the block's ``A' J B``
   counts with shared-memory integer atomics (integer sums: exact in any order);
5. thread 0 converts the counts (integers below 2**31, exact as doubles) and scores them with
   :func:`.statistics.pattern_statistic`, as the CPU does.

The indicator matrices are given twice: ``a_ind`` / ``b_ind`` (``float64``, for the bootstrap's
degeneracy checks and the margins ``ra``, ``cb``) and ``a_int`` / ``b_int`` (``int32`` copies,
0/1, for the per-ball counting). The counts are exact integers either way; with 0/1
indicators the CPU's double sums are the same integers, so the statistic is the same double.

Shared memory (``shared``, ``int32``): the ``I x K`` counts, then ``I`` counters per thread
(interleaved: counter ``i`` of thread ``t`` at ``I K + i T + t``), then one flag:
``4 (I K + I T + 1)`` bytes (:func:`espri_gpu.kernels.cuda.pattern_shuffle_shape`).
Per-block global scratch: the urn (``n`` labels), the offsets (``Pa + Pb + 2``), the resampled
margins and the double products.

``cuda`` is ``numba.cuda``, bound by the CUDA target (the simulator swaps in its per-thread
module); device functions compiled by :mod:`.targets` for CUDA only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from espri_gpu.kernels.registry import BOOTSTRAP

from .replicates import DEGENERATE, MAX_REDRAWS, varying_columns
from .rng import stream_start
from .samplers import below, multinomial
from .statistics import pattern_statistic

if TYPE_CHECKING:  # bound by espri_gpu.kernels.targets for the CUDA target
    from numba import cuda

__all__ = ["block_pattern_replicate", "bootstrap_margins", "shuffle_to_tail"]


def bootstrap_margins(row_counts, col_counts, row_weights, col_weights, a_ind, b_ind,
                      a_counts, b_counts, ra, cb, state):
    """The margins of a bootstrap replicate into ``a_counts``, ``b_counts`` (the draws and
    redraws of :func:`.replicates.pattern_replicate`); False when still degenerate after
    ``MAX_REDRAWS`` draws."""
    n = 0
    for p in range(row_counts.shape[0]):
        n += row_counts[p]
    want_a = varying_columns(row_counts, a_ind, ra)
    want_b = varying_columns(col_counts, b_ind, cb)
    for _ in range(MAX_REDRAWS):
        multinomial(n, row_weights, a_counts, state)
        multinomial(n, col_weights, b_counts, state)
        if (varying_columns(a_counts, a_ind, ra) == want_a
                and varying_columns(b_counts, b_ind, cb) == want_b):
            return True
    return False


def shuffle_to_tail(col_sums, labels, n, state):
    """The partial Fisher-Yates draws of :func:`.table_fill.shuffle_products` on the urn
    ``labels[:n]``, each drawn ball stored at the urn's end: afterwards column ``q < last``
    holds ``labels[n - S(q + 1) : n - S(q)]`` (``S(q)`` = sum of the first ``q`` column
    sums) and the last column ``labels[:n - S(last)]``."""
    left = n
    for q in range(col_sums.shape[0] - 1):
        for _ in range(col_sums[q]):
            t = below(left, state)
            p = labels[t]
            left -= 1
            labels[t] = labels[left]
            labels[left] = p


def block_pattern_replicate(row_counts, col_counts, row_weights, col_weights, a_ind, b_ind,
                            a_int, b_int, kind, mode, seed, replicate, labels, offsets,
                            a_counts, b_counts, m_out, ra, cb, state, shared):
    """Replicate ``replicate``'s MMI / SPMI by the whole block (returned on thread 0; the
    other threads return 0); every thread of the block must call it."""
    t = cuda.threadIdx.x
    nt = cuda.blockDim.x
    npa, ni = a_int.shape
    npb, nk = b_int.shape
    cells = ni * nk
    flag = cells + nt * ni
    base = npa + 1
    if t == 0:
        state[0] = stream_start(seed, replicate)
        ok = 1
        if mode == BOOTSTRAP:
            if not bootstrap_margins(row_counts, col_counts, row_weights, col_weights, a_ind,
                                     b_ind, a_counts, b_counts, ra, cb, state):
                ok = 0
        rows = a_counts if mode == BOOTSTRAP else row_counts
        cols = b_counts if mode == BOOTSTRAP else col_counts
        total = 0
        for p in range(npa):
            offsets[p] = total
            total += rows[p]
        offsets[npa] = total
        done = 0
        for q in range(npb):
            offsets[base + q] = done
            done += cols[q]
        offsets[base + npb] = done
        shared[flag] = ok
    cuda.syncthreads()
    ok = shared[flag]
    cuda.syncthreads()  # thread 0 rewrites the flag for the next replicate
    if ok == 0:
        return DEGENERATE
    n = offsets[npa]
    for x in range(t, cells, nt):
        shared[x] = 0
    for p in range(npa):
        for j in range(offsets[p] + t, offsets[p + 1], nt):
            labels[j] = p
    cuda.syncthreads()
    if t == 0:
        shuffle_to_tail(b_counts if mode == BOOTSTRAP else col_counts, labels, n, state)
    cuda.syncthreads()
    for q in range(t, npb, nt):
        lo = n - offsets[base + q + 1]
        hi = n - offsets[base + q]
        if hi <= lo:
            continue
        for i in range(ni):
            shared[cells + i * nt + t] = 0
        for j in range(lo, hi):
            p = labels[j]
            for i in range(ni):
                shared[cells + i * nt + t] += a_int[p, i]
        for i in range(ni):
            v = shared[cells + i * nt + t]
            if v != 0:
                for k in range(nk):
                    w = b_int[q, k]
                    if w != 0:
                        cuda.atomic.add(shared, i * nk + k, v * w)
    cuda.syncthreads()
    stat = 0.0
    if t == 0:
        rows = a_counts if mode == BOOTSTRAP else row_counts
        cols = b_counts if mode == BOOTSTRAP else col_counts
        for i in range(ni):
            ra[i] = 0.0
            for k in range(nk):
                m_out[i, k] = float(shared[i * nk + k])
        for k in range(nk):
            cb[k] = 0.0
        for q in range(npb):
            c = cols[q]
            if c > 0:
                for k in range(nk):
                    cb[k] += b_ind[q, k] * float(c)
        for p in range(npa):
            if rows[p] > 0:
                for i in range(ni):
                    ra[i] += a_ind[p, i] * float(rows[p])
        stat = pattern_statistic(m_out, ra, cb, float(n), kind)
    return stat
