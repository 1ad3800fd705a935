"""CUDA drivers of the resampling kernels (``numba.cuda``, one thread per replicate).

Same names, signatures, return values and random streams as :mod:`espri_gpu.kernels.cpu`:
for a given seed, replicate ``r`` draws the same numbers here and there. ``numba.cuda`` is
imported on the first call of a driver, never at import time, so this module can be imported
(and its docstrings read) on a machine without CUDA. With ``NUMBA_ENABLE_CUDASIM=1`` set before
Numba is imported, the drivers run in Numba's CUDA simulator (slow; tiny inputs only), which
executes the device functions as Python with the host's libm and is bit-identical to the CPU.

Per-thread scratch (random tables, remaining row sums, RNG states, ...) is allocated by the
host wrappers as device arrays of shape ``(replicates, ...)``; replicates are launched in
chunks so that the scratch stays under :data:`SCRATCH_BYTES`. The chunking does not change any
draw (counter-based streams). Results come back to the host as NumPy arrays or ints.

On a real GPU, libdevice's ``log``/``log1p`` can differ from the CPU's libm by an ulp, and NVVM
may contract ``a * b + c`` into an FMA (Numba passes NVVM's ``-fma`` option only with
``fastmath=True``; NVVM's default allows contraction). The ratio-of-uniforms acceptance tests
are computed so that such differences change a decision only when a uniform falls within about
1e-13 (relative) of the acceptance boundary: expect a differing replicate about once per
~1e12 hypergeometric draws (see :mod:`espri_gpu.kernels`). Integer bookkeeping, uniforms,
inversion samplers and the Pearson, MMI and SPMI statistics use IEEE ``+ - * /`` only, with
every product that feeds an addition exact.

The kernels (:mod:`.cuda_kernels`) are compiled with ``cache=True``: numba-cuda keeps them on
disk per compute capability (``__pycache__`` next to the source, Numba's user-wide cache when
that is read-only, or ``NUMBA_CACHE_DIR``), so later processes skip NVVM. The simulator
ignores the cache.
"""

from __future__ import annotations

import numpy as np

from . import targets
from .registry import (
    DRIVERS,
    EXCEEDANCE_RTOL,
    MMI,
    as_counts,
    as_indicator,
    count_exceedances,
    pack_items,
    pattern_labels,
    seed_word,
    table_scratch,
)

__all__ = ["EXCEEDANCE_RTOL", "MAX_LAUNCH", "SCRATCH_BYTES", "THREADS_PER_BLOCK",
           "count_exceedances", *DRIVERS]

#: Threads per CUDA block.
THREADS_PER_BLOCK = 128
#: Most device memory a launch's per-thread scratch and outputs may take.
SCRATCH_BYTES = 256 * 2**20
#: Most replicates per launch.
MAX_LAUNCH = 2**20

#: ``numba.cuda``, bound by :func:`_bind_cuda` on the first call of a driver (the kernels get
#: theirs from :mod:`.targets`).
cuda = None


def _bind_cuda() -> None:
    """Import ``numba.cuda`` (never at import time: this module imports without CUDA)."""
    global cuda
    if cuda is None:
        from numba import cuda as numba_cuda

        cuda = numba_cuda


def _kernel(name: str):
    """The CUDA entry kernel ``name`` of :data:`.registry.KERNELS` (loaded from Numba's disk
    cache, or compiled, on first use; kept for the process)."""
    return targets.kernel("cuda", name)


def _chunks(count: int, bytes_per_replicate: int):
    """(offset, size) of the launches covering ``count`` replicates."""
    size = max(1, min(count, MAX_LAUNCH, SCRATCH_BYTES // max(1, bytes_per_replicate)))
    for offset in range(0, count, size):
        yield offset, min(size, count - offset)


def _launch(kernel, size: int, *args) -> None:
    threads = min(THREADS_PER_BLOCK, size)
    kernel[(size + threads - 1) // threads, threads](*args)


def _empty(*shape, dtype=np.int64):
    return cuda.device_array(shape, dtype=dtype)


# --------------------------------------------------------------------- drivers
def uniform_draws(seed: int, start: int, count: int, size: int) -> np.ndarray:
    """The first ``size`` uniforms of the streams of replicates ``start ..`` (CUDA).

    See :func:`espri_gpu.kernels.cpu.uniform_draws`.

    Examples
    --------
    >>> from espri_gpu.kernels import cpu, cuda
    >>> u = cuda.uniform_draws(7, 0, 4, 3)  # doctest: +SKIP
    >>> bool((u == cpu.uniform_draws(7, 0, 4, 3)).all())  # doctest: +SKIP
    True
    """
    _bind_cuda()
    out = np.zeros((count, size), dtype=np.float64)
    for lo, m in _chunks(count, 8 * (size + 1)):
        d_out = _empty(m, size, dtype=np.float64)
        _launch(_kernel("uniform"), m, seed_word(seed), start + lo, d_out,
                _empty(m, 1, dtype=np.uint64))
        out[lo:lo + m] = d_out.copy_to_host()
    return out


def hypergeometric_draws(ngood: int, nbad: int, nsample: int, seed: int, start: int,
                         count: int) -> np.ndarray:
    """One Hypergeometric(``ngood``, ``nbad``, ``nsample``) draw per replicate (CUDA).

    See :func:`espri_gpu.kernels.cpu.hypergeometric_draws`.

    Examples
    --------
    >>> from espri_gpu.kernels import cuda
    >>> cuda.hypergeometric_draws(10**6, 10**6, 10**3, 1, 0, 2).shape  # doctest: +SKIP
    (2,)
    """
    _bind_cuda()
    out = np.zeros(count, dtype=np.int64)
    for lo, m in _chunks(count, 16):
        d_out = _empty(m)
        _launch(_kernel("hypergeometric"), m, int(ngood), int(nbad), int(nsample), seed_word(seed),
                start + lo, d_out, _empty(m, 1, dtype=np.uint64))
        out[lo:lo + m] = d_out.copy_to_host()
    return out


def multinomial_draws(n: int, weights, seed: int, start: int, count: int) -> np.ndarray:
    """One Multinomial(``n``, ``weights / sum(weights)``) vector per replicate (CUDA).

    See :func:`espri_gpu.kernels.cpu.multinomial_draws`.

    Examples
    --------
    >>> from espri_gpu.kernels import cuda
    >>> x = cuda.multinomial_draws(100, [1, 2, 7], seed=3, start=0, count=5)  # doctest: +SKIP
    >>> x.sum(axis=1).tolist()  # doctest: +SKIP
    [100, 100, 100, 100, 100]
    """
    _bind_cuda()
    w = np.ascontiguousarray(weights, dtype=np.float64)
    out = np.zeros((count, w.size), dtype=np.int64)
    d_w = cuda.to_device(w)
    for lo, m in _chunks(count, 8 * (w.size + 1)):
        d_out = _empty(m, w.size)
        _launch(_kernel("multinomial"), m, int(n), d_w, seed_word(seed), start + lo, d_out,
                _empty(m, 1, dtype=np.uint64))
        out[lo:lo + m] = d_out.copy_to_host()
    return out


def random_tables(row_sums, col_sums, seed: int, start: int, count: int) -> np.ndarray:
    """Random tables with both margins fixed, one per replicate (CUDA).

    See :func:`espri_gpu.kernels.cpu.random_tables`.

    Examples
    --------
    >>> from espri_gpu.kernels import cuda
    >>> cuda.random_tables([3, 2, 2], [4, 3], seed=0, start=0, count=3).shape  # doctest: +SKIP
    (3, 3, 2)
    """
    _bind_cuda()
    rows, cols = as_counts(row_sums), as_counts(col_sums)
    r, c = rows.size, cols.size
    out = np.zeros((count, r, c), dtype=np.int64)
    d_rows, d_cols = cuda.to_device(rows), cuda.to_device(cols)
    scratch = table_scratch(rows, cols)
    for lo, m in _chunks(count, 8 * (r * c + scratch + 1)):
        d_out = _empty(m, r, c)
        _launch(_kernel("tables"), m, d_rows, d_cols, seed_word(seed), start + lo, d_out,
                _empty(m, scratch), _empty(m, 1, dtype=np.uint64))
        out[lo:lo + m] = d_out.copy_to_host()
    return out


def table_statistics(row_sums, col_sums, statistic: int, seed: int, start: int,
                     count: int) -> np.ndarray:
    """Statistic (0 = Pearson X^2, 1 = G) of each replicate's random table (CUDA).

    See :func:`espri_gpu.kernels.cpu.table_statistics`.

    Examples
    --------
    >>> from espri_gpu.kernels import cuda
    >>> cuda.table_statistics([3, 2, 2], [4, 3], 0, 0, 0, 2).shape  # doctest: +SKIP
    (2,)
    """
    _bind_cuda()
    rows, cols = as_counts(row_sums), as_counts(col_sums)
    r, c = rows.size, cols.size
    out = np.zeros(count, dtype=np.float64)
    d_rows, d_cols = cuda.to_device(rows), cuda.to_device(cols)
    scratch = table_scratch(rows, cols)
    for lo, m in _chunks(count, 8 * (r * c + scratch + 2)):
        d_out = _empty(m, dtype=np.float64)
        _launch(_kernel("table_statistics"), m, d_rows, d_cols, int(rows.sum()), int(statistic),
                seed_word(seed), start + lo, d_out, _empty(m, r, c), _empty(m, scratch),
                _empty(m, 1, dtype=np.uint64))
        out[lo:lo + m] = d_out.copy_to_host()
    return out


def table_exceedances(row_sums, col_sums, observed: float, statistic: int, seed: int,
                      start: int, count: int) -> int:
    """Number of random tables whose statistic is at least ``observed`` (CUDA).

    See :func:`espri_gpu.kernels.cpu.table_exceedances`; the counts are identical.

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels import cpu, cuda
    >>> t = np.array([[12, 5], [3, 10]])
    >>> x2 = cpu.pearson_statistic(t)
    >>> args = (t.sum(1), t.sum(0), x2, 0, 1, 0, 200)
    >>> cuda.table_exceedances(*args) == cpu.table_exceedances(*args)  # doctest: +SKIP
    True
    """
    stats = table_statistics(row_sums, col_sums, statistic, seed, start, count)
    return count_exceedances(stats, observed)


def pattern_statistics(row_counts, col_counts, a_ind, b_ind, kind: int, mode: int, seed: int,
                       start: int, count: int) -> np.ndarray:
    """MMI (``kind`` 0) or SPMI (1) of each replicate's random pattern table (CUDA).

    See :func:`espri_gpu.kernels.cpu.pattern_statistics`.

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels import cuda
    >>> b = np.array([[1., 0.], [0., 1.], [1., 1.]])
    >>> cuda.pattern_statistics([5, 5], [3, 4, 3], np.eye(2), b, 0, 0, 0, 0, 3)  # doctest: +SKIP
    array([...])
    """
    _bind_cuda()
    rows, cols = as_counts(row_counts), as_counts(col_counts)
    a, b = as_indicator(a_ind), as_indicator(b_ind)
    npa, npb, ni, nk = rows.size, cols.size, a.shape[1], b.shape[1]
    out = np.zeros(count, dtype=np.float64)
    inputs = [cuda.to_device(x) for x in (rows, cols, rows.astype(np.float64),
                                          cols.astype(np.float64), a, b, pack_items(b))]
    n_labels = pattern_labels(rows, cols, mode)
    per = 8 * (npa * nk + 2 * npa + npb + ni * nk + ni + nk + 2) + 4 * n_labels
    for lo, m in _chunks(count, per):
        d_out = _empty(m, dtype=np.float64)
        _launch(_kernel("pattern_statistics"), m, *inputs, int(kind), int(mode),
                seed_word(seed), start + lo, d_out, _empty(m, npa, nk), _empty(m, npa),
                _empty(m, n_labels, dtype=np.int32), _empty(m, npa), _empty(m, npb),
                _empty(m, ni, nk, dtype=np.float64), _empty(m, ni, dtype=np.float64),
                _empty(m, nk, dtype=np.float64), _empty(m, 1, dtype=np.uint64))
        out[lo:lo + m] = d_out.copy_to_host()
    return out


def pattern_exceedances(row_counts, col_counts, a_ind, b_ind, kind: int, mode: int,
                        observed: float, seed: int, start: int, count: int) -> int:
    """Number of random pattern tables whose MMI / SPMI is at least ``observed`` (CUDA).

    See :func:`espri_gpu.kernels.cpu.pattern_exceedances`; the counts are identical.

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels import cuda
    >>> a = np.array([[1., 0.], [0., 1.], [1., 1.]])
    >>> cuda.pattern_exceedances([7, 7, 6], [7, 7, 6], a, a, 1, 0, 0.0, 5, 0, 4)
    ... # doctest: +SKIP
    4
    """
    stats = pattern_statistics(row_counts, col_counts, a_ind, b_ind, kind, mode, seed, start,
                               count)
    return count_exceedances(stats, observed)


# --------------------------------------------------------------------- observed statistics
def table_statistic(table, statistic: int) -> float:
    """Pearson's X^2 (``statistic`` 0) or G (1) of a table, computed on the GPU by the device
    function that scores the replicates of :func:`table_statistics` (exact ties there).

    See :func:`espri_gpu.kernels.cpu.table_statistic`.

    Examples
    --------
    >>> from espri_gpu.kernels import cpu, cuda
    >>> cuda.table_statistic([[1, 9], [3, 2]], 1) == cpu.table_statistic([[1, 9], [3, 2]], 1)
    ... # doctest: +SKIP
    True
    """
    _bind_cuda()
    t = as_counts(np.atleast_2d(table))
    out = cuda.device_array(1, dtype=np.float64)
    _launch(_kernel("observed_table"), 1, cuda.to_device(t), cuda.to_device(as_counts(t.sum(1))),
            cuda.to_device(as_counts(t.sum(0))), int(t.sum()), int(statistic), out)
    return float(out.copy_to_host()[0])


def pearson_statistic(table) -> float:
    """Pearson's X^2 of a table on the GPU: ``table_statistic(table, 0)``.

    Examples
    --------
    >>> from espri_gpu.kernels import cuda
    >>> round(cuda.pearson_statistic([[10, 20], [20, 10]]), 6)  # doctest: +SKIP
    6.666667
    """
    return table_statistic(table, 0)


def g_statistic(table) -> float:
    """G statistic of a table on the GPU: ``table_statistic(table, 1)``.

    Examples
    --------
    >>> from espri_gpu.kernels import cuda
    >>> round(cuda.g_statistic([[10, 20], [20, 10]]), 6)  # doctest: +SKIP
    6.795961
    """
    return table_statistic(table, 1)


def pattern_item_statistics(joint, a_ind, b_ind, kind: int) -> tuple[float, np.ndarray]:
    """MMI (``kind`` 0) or SPMI (1) of a pattern table and its item statistics, on the GPU.

    See :func:`espri_gpu.kernels.cpu.pattern_item_statistics`.

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels import cuda
    >>> b = np.array([[1., 0.], [0., 1.], [1., 1.]])
    >>> round(cuda.pattern_item_statistics([[4, 0, 1], [0, 4, 1]], np.eye(2), b, 0)[0], 6)
    ... # doctest: +SKIP
    13.333333
    """
    _bind_cuda()
    j, a, b = as_counts(np.atleast_2d(joint)), as_indicator(a_ind), as_indicator(b_ind)
    ni, nk = a.shape[1], b.shape[1]
    d_items = cuda.to_device(np.zeros((1 if kind == MMI else ni, nk)))
    out = cuda.device_array(1, dtype=np.float64)
    _launch(_kernel("observed_patterns"), 1, cuda.to_device(j), cuda.to_device(a),
            cuda.to_device(b), int(kind), cuda.to_device(np.zeros((ni, nk))),
            cuda.to_device(np.zeros(ni)), cuda.to_device(np.zeros(nk)), d_items, out)
    items = d_items.copy_to_host()
    return float(out.copy_to_host()[0]), items[0] if kind == MMI else items


def mmi_statistic(joint, a_ind, b_ind) -> float:
    """MMI statistic of a pattern table on the GPU (see :func:`pattern_item_statistics`).

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels import cuda
    >>> b = np.array([[1., 0.], [0., 1.], [1., 1.]])
    >>> round(cuda.mmi_statistic([[4, 0, 1], [0, 4, 1]], np.eye(2), b), 6)  # doctest: +SKIP
    13.333333
    """
    return pattern_item_statistics(joint, a_ind, b_ind, 0)[0]


def spmi_statistic(joint, a_ind, b_ind) -> float:
    """SPMI statistic of a pattern table on the GPU (see :func:`pattern_item_statistics`).

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels import cuda
    >>> a = np.array([[1., 0.], [0., 1.], [1., 1.]])
    >>> round(cuda.spmi_statistic([[3, 0, 0], [0, 3, 0], [0, 0, 2]], a, a), 6)  # doctest: +SKIP
    21.76
    """
    return pattern_item_statistics(joint, a_ind, b_ind, 1)[0]
