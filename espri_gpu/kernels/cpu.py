"""CPU drivers of the resampling kernels (``numba.njit(parallel=True)``).

Every driver here has a twin of the same name and signature in :mod:`espri_gpu.kernels.cuda`
that draws the same random streams (:mod:`.rng`): replicate ``r`` of a run seeded ``seed`` gives
the same table on both, whichever chunk ``(start, count)`` it is computed in.

Kernels are compiled on first use (with explicit signatures, a few seconds each) and kept for
the process. The replicates ``start .. start + count - 1`` are cut into ``4 x`` Numba's thread
count contiguous blocks run by ``prange``, each with its own preallocated scratch rows (padded
to a cache line); results do not depend on the number of blocks or threads. Calls from several
Python threads at once (a threaded Dask scheduler) need Numba's ``tbb`` or ``omp`` threading
layer: ``workqueue`` is not thread-safe. Arguments are validated by the callers
(``espri_gpu.stats``); here they are only converted to the kernels' dtypes.

Statistic codes: ``statistic`` 0 = Pearson X^2, 1 = G (likelihood ratio); ``kind`` 0 = MMI,
1 = SPMI; ``mode`` 0 = permutation, 1 = bootstrap under independence.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from . import sampling

__all__ = [
    "EXCEEDANCE_RTOL",
    "SIGNATURES",
    "count_exceedances",
    "g_statistic",
    "hypergeometric_draws",
    "mmi_statistic",
    "multinomial_draws",
    "pattern_exceedances",
    "pattern_item_statistics",
    "pattern_statistics",
    "pearson_statistic",
    "random_tables",
    "spmi_statistic",
    "table_exceedances",
    "table_statistic",
    "table_statistics",
    "uniform_draws",
]

#: A replicate counts as "at least as extreme" when its statistic is >= observed * (1 - this).
#: The observed statistic comes from the same compiled functions as the replicates
#: (:func:`table_statistic`, :func:`pattern_item_statistics`), so a replicate equal to the
#: observed table ties exactly; the allowance only absorbs last-bit differences between
#: targets (an observed value computed on the CPU compared with replicates drawn on a GPU).
EXCEEDANCE_RTOL = 64 * 2.22e-16
_MASK64 = (1 << 64) - 1

#: Kernel signatures (shared with the CUDA drivers): C-contiguous arrays, scratch first dim =
#: block (CPU) or replicate (CUDA).
SIGNATURES = {
    "uniform": "void(uint64, int64, float64[:, ::1], uint64[:, ::1])",
    "hypergeometric": "void(int64, int64, int64, uint64, int64, int64[::1], uint64[:, ::1])",
    "multinomial": "void(int64, float64[::1], uint64, int64, int64[:, ::1], uint64[:, ::1])",
    "tables": ("void(int64[::1], int64[::1], uint64, int64, int64[:, :, ::1], int64[:, ::1], "
               "uint64[:, ::1])"),
    "table_statistics": ("void(int64[::1], int64[::1], int64, int64, uint64, int64, "
                         "float64[::1], int64[:, :, ::1], int64[:, ::1], uint64[:, ::1])"),
    "pattern_statistics": (
        "void(int64[::1], int64[::1], float64[::1], float64[::1], float64[:, ::1], "
        "float64[:, ::1], int64, int64, int64, uint64, int64, float64[::1], int64[:, :, ::1], "
        "int64[:, ::1], int32[:, ::1], int64[:, ::1], int64[:, ::1], float64[:, :, ::1], "
        "float64[:, ::1], float64[:, ::1], uint64[:, ::1])"),
    # observed statistics (CUDA only: one thread; the CPU calls the device functions)
    "observed_table": "void(int64[:, ::1], int64[::1], int64[::1], int64, int64, float64[::1])",
    "observed_patterns": (
        "void(int64[:, ::1], float64[:, ::1], float64[:, ::1], int64, float64[:, ::1], "
        "float64[::1], float64[::1], float64[:, ::1], float64[::1])"),
}

_device_jit = numba.njit(error_model="numpy", cache=False)
_leaf_jit = numba.njit(error_model="numpy", cache=False, inline="always")


@intrinsic
def _sqrt(typingctx, x):
    """Inline ``llvm.sqrt.f64`` (correctly rounded, like the libm call ``math.sqrt`` becomes)."""
    if not isinstance(x, types.Float):
        return None
    sig = types.float64(types.float64)

    def codegen(context, builder, signature, args):
        value = context.cast(builder, args[0], signature.args[0], types.float64)
        fn = builder.module.declare_intrinsic("llvm.sqrt", [ir.DoubleType()])
        return builder.call(fn, [value])

    return sig, codegen


def _parallel_jit(signature):
    return numba.njit(signature, parallel=True, error_model="numpy", cache=False)


@functools.cache
def _device() -> SimpleNamespace:
    """The device functions compiled for the CPU (compiled lazily, on first call)."""
    return sampling.build(_device_jit, _leaf_jit, sqrt=_sqrt)


def _make_uniform(dev):
    stream_start, uniform = dev.rng.stream_start, dev.rng.uniform

    @_parallel_jit(SIGNATURES["uniform"])
    def uniform_kernel(seed, start, out, states):
        count, nblocks = out.shape[0], states.shape[0]
        for b in numba.prange(nblocks):
            for i in range(b * count // nblocks, (b + 1) * count // nblocks):
                states[b, 0] = stream_start(seed, start + i)
                for k in range(out.shape[1]):
                    out[i, k] = uniform(states[b])

    return uniform_kernel


def _make_hypergeometric(dev):
    stream_start, hypergeometric = dev.rng.stream_start, dev.hypergeometric

    @_parallel_jit(SIGNATURES["hypergeometric"])
    def hypergeometric_kernel(ngood, nbad, nsample, seed, start, out, states):
        count, nblocks = out.shape[0], states.shape[0]
        for b in numba.prange(nblocks):
            for i in range(b * count // nblocks, (b + 1) * count // nblocks):
                states[b, 0] = stream_start(seed, start + i)
                out[i] = hypergeometric(ngood, nbad, nsample, states[b])

    return hypergeometric_kernel


def _make_multinomial(dev):
    stream_start, multinomial = dev.rng.stream_start, dev.multinomial

    @_parallel_jit(SIGNATURES["multinomial"])
    def multinomial_kernel(n, weights, seed, start, out, states):
        count, nblocks = out.shape[0], states.shape[0]
        for b in numba.prange(nblocks):
            for i in range(b * count // nblocks, (b + 1) * count // nblocks):
                states[b, 0] = stream_start(seed, start + i)
                multinomial(n, weights, out[i], states[b])

    return multinomial_kernel


def _make_tables(dev):
    stream_start, random_table = dev.rng.stream_start, dev.random_table

    @_parallel_jit(SIGNATURES["tables"])
    def tables_kernel(row_sums, col_sums, seed, start, out, rowrem, states):
        count, nblocks = out.shape[0], states.shape[0]
        for b in numba.prange(nblocks):
            for i in range(b * count // nblocks, (b + 1) * count // nblocks):
                states[b, 0] = stream_start(seed, start + i)
                random_table(row_sums, col_sums, out[i], rowrem[b], states[b])

    return tables_kernel


def _make_table_statistics(dev):
    table_replicate = dev.table_replicate

    @_parallel_jit(SIGNATURES["table_statistics"])
    def table_statistics_kernel(row_sums, col_sums, n, statistic, seed, start, out, tables,
                                rowrem, states):
        count, nblocks = out.shape[0], states.shape[0]
        for b in numba.prange(nblocks):
            for i in range(b * count // nblocks, (b + 1) * count // nblocks):
                out[i] = table_replicate(row_sums, col_sums, n, statistic, seed, start + i,
                                         tables[b], rowrem[b], states[b])

    return table_statistics_kernel


def _make_pattern_statistics(dev):
    pattern_replicate = dev.pattern_replicate

    @_parallel_jit(SIGNATURES["pattern_statistics"])
    def pattern_statistics_kernel(row_counts, col_counts, row_weights, col_weights, a_ind,
                                  b_ind, kind, mode, shuffle, seed, start, out, joint, rowrem,
                                  labels, a_counts, b_counts, m_out, ra, cb, states):
        count, nblocks = out.shape[0], states.shape[0]
        for b in numba.prange(nblocks):
            for i in range(b * count // nblocks, (b + 1) * count // nblocks):
                out[i] = pattern_replicate(row_counts, col_counts, row_weights, col_weights,
                                           a_ind, b_ind, kind, mode, shuffle, seed, start + i,
                                           joint[b], rowrem[b], labels[b], a_counts[b],
                                           b_counts[b], m_out[b], ra[b], cb[b], states[b])

    return pattern_statistics_kernel


_FACTORIES = {
    "uniform": _make_uniform,
    "hypergeometric": _make_hypergeometric,
    "multinomial": _make_multinomial,
    "tables": _make_tables,
    "table_statistics": _make_table_statistics,
    "pattern_statistics": _make_pattern_statistics,
}


@functools.cache
def _kernel(name: str):
    """The parallel kernel ``name``, compiled on first use and kept for the process."""
    return _FACTORIES[name](_device())


# --------------------------------------------------------------------- argument preparation
# (shared with the CUDA drivers)
def seed_word(seed) -> np.uint64:
    """The run seed as the ``uint64`` the kernels take (Python ints are reduced mod 2**64)."""
    return np.uint64(int(seed) & _MASK64)


def as_counts(values) -> np.ndarray:
    """C-contiguous ``int64`` copy-free view of counts."""
    return np.ascontiguousarray(values, dtype=np.int64)


def as_indicator(values) -> np.ndarray:
    """C-contiguous ``float64`` 2-D indicator matrix."""
    return np.ascontiguousarray(values, dtype=np.float64)


def count_exceedances(statistics: np.ndarray, observed: float) -> int:
    """Number of ``statistics`` >= ``observed * (1 - EXCEEDANCE_RTOL)``."""
    threshold = float(observed) * (1.0 - EXCEEDANCE_RTOL)
    return int(np.count_nonzero(np.asarray(statistics) >= threshold))


def _blocks(count: int) -> int:
    return max(1, min(count, 4 * numba.get_num_threads()))


# Per-block scratch rows are padded by one cache line (8 words): blocks run on different
# threads and rewrite their RNG state and remaining row sums at every draw.
_PAD = 8


def _states(nblocks: int) -> np.ndarray:
    return np.zeros((nblocks, _PAD), dtype=np.uint64)


def _scratch(nblocks: int, size: int, dtype=np.int64) -> np.ndarray:
    return np.zeros((nblocks, size + _PAD), dtype=dtype)


# --------------------------------------------------------------------- drivers
def uniform_draws(seed: int, start: int, count: int, size: int) -> np.ndarray:
    """The first ``size`` uniforms in [0, 1) of the streams of replicates ``start ..``.

    Parameters
    ----------
    seed : int
        Run seed (reduced mod 2**64).
    start, count : int
        First replicate and number of replicates.
    size : int
        Uniforms per replicate.

    Returns
    -------
    numpy.ndarray
        ``float64`` array of shape ``(count, size)``; row ``i`` is replicate ``start + i``.

    Examples
    --------
    >>> from espri_gpu.kernels.cpu import uniform_draws
    >>> u = uniform_draws(seed=7, start=0, count=4, size=3)
    >>> u.shape, bool(((u >= 0) & (u < 1)).all())
    ((4, 3), True)
    >>> bool((uniform_draws(7, 2, 2, 3) == u[2:]).all())  # chunking does not matter
    True
    """
    out = np.zeros((count, size), dtype=np.float64)
    if count:
        _kernel("uniform")(seed_word(seed), start, out, _states(_blocks(count)))
    return out


def hypergeometric_draws(ngood: int, nbad: int, nsample: int, seed: int, start: int,
                         count: int) -> np.ndarray:
    """One Hypergeometric(``ngood``, ``nbad``, ``nsample``) draw per replicate.

    The number of good items among ``nsample`` drawn without replacement from ``ngood`` good
    and ``nbad`` bad ones, by inversion or Stadlober's HRUA (expected cost bounded in the
    population size).

    Parameters
    ----------
    ngood, nbad, nsample : int
        Population and sample sizes (``0 <= nsample <= ngood + nbad``).
    seed, start, count : int
        Run seed, first replicate, number of replicates.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(count,)``.

    Examples
    --------
    >>> from espri_gpu.kernels.cpu import hypergeometric_draws
    >>> x = hypergeometric_draws(10**9, 2 * 10**9, 10**6, seed=1, start=0, count=1000)
    >>> bool(abs(x.mean() - 10**6 / 3) < 100)
    True
    """
    out = np.zeros(count, dtype=np.int64)
    if count:
        _kernel("hypergeometric")(int(ngood), int(nbad), int(nsample), seed_word(seed), start,
                                  out, _states(_blocks(count)))
    return out


def multinomial_draws(n: int, weights, seed: int, start: int, count: int) -> np.ndarray:
    """One Multinomial(``n``, ``weights / sum(weights)``) vector of counts per replicate.

    Sequential conditional binomials (inversion or Stadlober's BRUA); exact for
    integer-valued weights such as counts.

    Parameters
    ----------
    n : int
        Number of trials.
    weights : array_like
        Nonnegative category weights (``k`` of them, not all zero).
    seed, start, count : int
        Run seed, first replicate, number of replicates.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(count, k)``; every row sums to ``n``.

    Examples
    --------
    >>> from espri_gpu.kernels.cpu import multinomial_draws
    >>> x = multinomial_draws(100, [1, 2, 7], seed=3, start=0, count=5)
    >>> x.shape, x.sum(axis=1).tolist()
    ((5, 3), [100, 100, 100, 100, 100])
    """
    w = np.ascontiguousarray(weights, dtype=np.float64)
    out = np.zeros((count, w.size), dtype=np.int64)
    if count:
        _kernel("multinomial")(int(n), w, seed_word(seed), start, out, _states(_blocks(count)))
    return out


def random_tables(row_sums, col_sums, seed: int, start: int, count: int) -> np.ndarray:
    """Random tables with both margins fixed (the law of Patefield's algorithm).

    Replicate ``r`` fills its table column by column with conditional hypergeometric draws;
    both margins hold exactly on every table.

    Parameters
    ----------
    row_sums, col_sums : array_like of int
        Margins (nonnegative, same total).
    seed, start, count : int
        Run seed, first replicate, number of replicates.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(count, len(row_sums), len(col_sums))``.

    Examples
    --------
    >>> from espri_gpu.kernels.cpu import random_tables
    >>> t = random_tables([3, 2, 2], [4, 3], seed=0, start=0, count=3)
    >>> t.sum(axis=2).tolist(), t.sum(axis=1).tolist()
    ([[3, 2, 2], [3, 2, 2], [3, 2, 2]], [[4, 3], [4, 3], [4, 3]])
    """
    rows, cols = as_counts(row_sums), as_counts(col_sums)
    out = np.zeros((count, rows.size, cols.size), dtype=np.int64)
    if count:
        nblocks = _blocks(count)
        _kernel("tables")(rows, cols, seed_word(seed), start, out,
                          _scratch(nblocks, rows.size), _states(nblocks))
    return out


def table_statistics(row_sums, col_sums, statistic: int, seed: int, start: int,
                     count: int) -> np.ndarray:
    """Statistic (0 = Pearson X^2, 1 = G) of each replicate's random table.

    The tables are those of :func:`random_tables` for the same arguments.

    Parameters
    ----------
    row_sums, col_sums : array_like of int
        Margins (nonnegative, same total).
    statistic : int
        0 = Pearson, 1 = G.
    seed, start, count : int
        Run seed, first replicate, number of replicates.

    Returns
    -------
    numpy.ndarray
        ``float64`` array of shape ``(count,)``.

    Examples
    --------
    >>> from espri_gpu.kernels.cpu import random_tables, table_statistics, pearson_statistic
    >>> s = table_statistics([3, 2, 2], [4, 3], 0, seed=0, start=0, count=2)
    >>> t = random_tables([3, 2, 2], [4, 3], seed=0, start=0, count=2)
    >>> bool(s[1] == pearson_statistic(t[1]))
    True
    """
    rows, cols = as_counts(row_sums), as_counts(col_sums)
    out = np.zeros(count, dtype=np.float64)
    if count:
        nblocks = _blocks(count)
        _kernel("table_statistics")(
            rows, cols, int(rows.sum()), int(statistic), seed_word(seed), start, out,
            np.zeros((nblocks, rows.size, cols.size), np.int64),
            _scratch(nblocks, rows.size), _states(nblocks))
    return out


def table_exceedances(row_sums, col_sums, observed: float, statistic: int, seed: int,
                      start: int, count: int) -> int:
    """Number of random tables whose statistic is at least ``observed``.

    Among replicates ``start .. start + count - 1`` (tables with the margins
    ``row_sums`` x ``col_sums``, as in :func:`random_tables`), count those whose statistic
    (0 = Pearson X^2, 1 = G) is ``>= observed * (1 - EXCEEDANCE_RTOL)``. Summed over chunks
    covering ``0 .. B - 1`` this gives the Monte-Carlo p-value ``(1 + total) / (B + 1)``,
    the same however the replicates were split.

    Parameters
    ----------
    row_sums, col_sums : array_like of int
        Margins of the observed table.
    observed : float
        Statistic of the observed table (:func:`pearson_statistic` or :func:`g_statistic`).
    statistic : int
        0 = Pearson, 1 = G.
    seed, start, count : int
        Run seed, first replicate, number of replicates.

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels.cpu import pearson_statistic, table_exceedances
    >>> table = np.array([[12, 5], [3, 10]])
    >>> x2 = pearson_statistic(table)
    >>> k = table_exceedances(table.sum(1), table.sum(0), x2, 0, seed=1, start=0, count=2000)
    >>> p = (1 + k) / (2000 + 1)
    >>> bool(0.005 < p < 0.03)
    True
    """
    stats = table_statistics(row_sums, col_sums, statistic, seed, start, count)
    return count_exceedances(stats, observed)


#: Pattern tables are filled by shuffling row labels (``n`` draws) rather than by
#: conditional hypergeometric draws (up to ``(Pa - 1)(Pb - 1)``) when ``n`` is at most this
#: many times the number of free cells (measured: MMI at 1e5 respondents x 15k patterns).
SHUFFLE_CELLS_RATIO = 2


def shuffle_labels(n: int, npa: int, npb: int) -> int:
    """Length of the label scratch per replicate: ``n`` when pattern tables are filled by
    shuffling (see :data:`SHUFFLE_CELLS_RATIO`), else 0 (hypergeometric fill). Shared with
    the CUDA drivers, so both targets draw the same tables."""
    if 0 < n < 2**31 and n <= SHUFFLE_CELLS_RATIO * (npa - 1) * (npb - 1):
        return n
    return 0


def _pattern_inputs(row_counts, col_counts, a_ind, b_ind):
    rows, cols = as_counts(row_counts), as_counts(col_counts)
    return (rows, cols, rows.astype(np.float64), cols.astype(np.float64), as_indicator(a_ind),
            as_indicator(b_ind))


def pattern_statistics(row_counts, col_counts, a_ind, b_ind, kind: int, mode: int, seed: int,
                       start: int, count: int) -> np.ndarray:
    """MMI (``kind`` 0) or SPMI (1) of each replicate's random pattern table.

    ``mode`` 0 (permutation): a random table of answer-pattern counts with both margins
    ``row_counts`` x ``col_counts`` fixed, i.e. one question's answer vectors permuted among
    the respondents. ``mode`` 1 (bootstrap under independence): margins drawn as
    Multinomial(n, row_counts / n) and Multinomial(n, col_counts / n), then paired at random.

    Parameters
    ----------
    row_counts, col_counts : array_like of int
        Respondents per answer pattern of each question (both sum to ``n``).
    a_ind, b_ind : array_like
        Pattern x option 0/1 indicator matrices (``Pa x I`` and ``Pb x K``).
    kind, mode : int
        See above.
    seed, start, count : int
        Run seed, first replicate, number of replicates.

    Returns
    -------
    numpy.ndarray
        ``float64`` array of shape ``(count,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels.cpu import pattern_statistics
    >>> a = np.eye(2)                                    # single choice, 2 options
    >>> b = np.array([[1., 0.], [0., 1.], [1., 1.]])     # multiple choice: 3 patterns
    >>> pattern_statistics([5, 5], [3, 4, 3], a, b, 0, 0, seed=0, start=0, count=3).shape
    (3,)
    """
    rows, cols, roww, colw, a, b = _pattern_inputs(row_counts, col_counts, a_ind, b_ind)
    npa, npb, ni, nk = rows.size, cols.size, a.shape[1], b.shape[1]
    out = np.zeros(count, dtype=np.float64)
    if count:
        nb = _blocks(count)
        n_labels = shuffle_labels(int(rows.sum()), npa, npb)
        joint_shape = (1, 1) if n_labels else (npa, npb)  # the shuffle forms no table
        _kernel("pattern_statistics")(
            rows, cols, roww, colw, a, b, int(kind), int(mode), int(n_labels > 0),
            seed_word(seed), start, out, np.zeros((nb, *joint_shape), np.int64),
            _scratch(nb, npa), np.zeros((nb, max(n_labels, 1)), np.int32), _scratch(nb, npa),
            _scratch(nb, npb), np.zeros((nb, ni, nk), np.float64),
            _scratch(nb, ni, np.float64), _scratch(nb, nk, np.float64), _states(nb))
    return out


def pattern_exceedances(row_counts, col_counts, a_ind, b_ind, kind: int, mode: int,
                        observed: float, seed: int, start: int, count: int) -> int:
    """Number of random pattern tables whose MMI / SPMI is at least ``observed``.

    Replicates and arguments as in :func:`pattern_statistics`; the comparison is that of
    :func:`table_exceedances`.

    Parameters
    ----------
    row_counts, col_counts, a_ind, b_ind, kind, mode
        See :func:`pattern_statistics`.
    observed : float
        Observed statistic (:func:`mmi_statistic` or :func:`spmi_statistic`).
    seed, start, count : int
        Run seed, first replicate, number of replicates.

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels.cpu import pattern_exceedances, spmi_statistic
    >>> a = np.array([[1., 0.], [0., 1.], [1., 1.]])
    >>> joint = np.array([[6, 0, 1], [0, 6, 1], [1, 1, 4]])
    >>> obs = spmi_statistic(joint, a, a)
    >>> k = pattern_exceedances(joint.sum(1), joint.sum(0), a, a, 1, 0, obs, 5, 0, 500)
    >>> bool(k < 25)
    True
    """
    stats = pattern_statistics(row_counts, col_counts, a_ind, b_ind, kind, mode, seed, start,
                               count)
    return count_exceedances(stats, observed)


# --------------------------------------------------------------------- observed statistics
def table_statistic(table, statistic: int) -> float:
    """Pearson's X^2 (``statistic`` 0) or G (1) of a table, by the replicates' own code.

    The compiled function that scores every random table of :func:`table_statistics` scores
    ``table`` here, so a replicate equal to ``table`` gets exactly this value (exact ties).
    Cells with zero expected count (zero margins) are skipped.

    Parameters
    ----------
    table : array_like of int
        r x c counts.
    statistic : int
        0 = Pearson, 1 = G.

    Returns
    -------
    float

    Examples
    --------
    >>> from espri_gpu.kernels.cpu import table_statistic
    >>> round(table_statistic([[10, 20], [20, 10]], 0), 6), round(table_statistic([[10, 20],
    ...                                                                    [20, 10]], 1), 6)
    (6.666667, 6.795961)
    """
    t = as_counts(np.atleast_2d(table))
    return float(_device().table_statistic(t, as_counts(t.sum(axis=1)),
                                           as_counts(t.sum(axis=0)), int(t.sum()),
                                           int(statistic)))


def pearson_statistic(table) -> float:
    """Pearson's X^2 of a contingency table (no continuity correction): ``table_statistic(table,
    0)``.

    Parameters
    ----------
    table : array_like of int
        r x c counts.

    Returns
    -------
    float

    Examples
    --------
    >>> from espri_gpu.kernels.cpu import pearson_statistic
    >>> round(pearson_statistic([[10, 20], [20, 10]]), 6)
    6.666667
    """
    return table_statistic(table, 0)


def g_statistic(table) -> float:
    """Likelihood-ratio statistic G = 2 sum O ln(O / E): ``table_statistic(table, 1)``.

    Cells with O = 0 contribute 0; cells with zero expected count are skipped.

    Parameters
    ----------
    table : array_like of int
        r x c counts.

    Returns
    -------
    float

    Examples
    --------
    >>> from espri_gpu.kernels.cpu import g_statistic
    >>> round(g_statistic([[10, 20], [20, 10]]), 6)
    6.795961
    """
    return table_statistic(table, 1)


def _observed_inputs(joint, a_ind, b_ind):
    j, a, b = as_counts(np.atleast_2d(joint)), as_indicator(a_ind), as_indicator(b_ind)
    ni, nk = a.shape[1], b.shape[1]
    return j, a, b, np.zeros((ni, nk)), np.zeros(ni), np.zeros(nk)


def pattern_item_statistics(joint, a_ind, b_ind, kind: int) -> tuple[float, np.ndarray]:
    """MMI (``kind`` 0) or SPMI (1) of a pattern table and its item-level statistics.

    Computed by the compiled functions that score the replicates of
    :func:`pattern_statistics` (exact ties). The items are Pearson's X^2 of the ``I x 2``
    tables (option of A) x (item k of B ticked?) for MMI, of the 2 x 2 tables (item i of A
    ticked?) x (item k of B ticked?) for SPMI; the statistic is their sum, in the kernels'
    order.

    Parameters
    ----------
    joint : array_like of int
        ``Pa x Pb`` counts of respondents per pair of answer patterns.
    a_ind, b_ind : array_like
        Pattern x option 0/1 indicator matrices (``Pa x I``, one-hot rows for MMI, and
        ``Pb x K``).
    kind : int
        0 = MMI, 1 = SPMI.

    Returns
    -------
    statistic : float
    items : numpy.ndarray
        ``float64``, shape ``(K,)`` (MMI) or ``(I, K)`` (SPMI).

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels.cpu import pattern_item_statistics
    >>> b = np.array([[1., 0.], [0., 1.], [1., 1.]])
    >>> stat, items = pattern_item_statistics([[4, 0, 1], [0, 4, 1]], np.eye(2), b, 0)
    >>> round(stat, 6), items.round(6).tolist()
    (13.333333, [6.666667, 6.666667])
    """
    j, a, b, m, ra, cb = _observed_inputs(joint, a_ind, b_ind)
    items = np.zeros((1 if kind == 0 else a.shape[1], b.shape[1]))
    stat = _device().observed_patterns(j, a, b, int(kind), m, ra, cb, items)
    return float(stat), items[0] if kind == 0 else items


def mmi_statistic(joint, a_ind, b_ind) -> float:
    """MMI statistic of a single-choice (A one-hot) x multiple-choice pattern table.

    Sum over the options ``k`` of B of Pearson's X^2 of the ``I x 2`` table whose columns are
    ``M[:, k]`` and ``ra - M[:, k]``, with ``M = A' J B`` and ``ra = A' (J 1)``. Options of A
    nobody chose are left out; a column with a zero margin contributes 0. See
    :func:`pattern_item_statistics`.

    Parameters
    ----------
    joint : array_like of int
        ``Pa x Pb`` counts of respondents per pair of answer patterns.
    a_ind, b_ind : array_like
        Pattern x option 0/1 indicator matrices (``Pa x I``, one-hot rows, and ``Pb x K``).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels.cpu import mmi_statistic
    >>> a = np.eye(2)
    >>> b = np.array([[1., 0.], [0., 1.], [1., 1.]])
    >>> round(mmi_statistic([[4, 0, 1], [0, 4, 1]], a, b), 6)  # 2 x X2([[5, 0], [1, 4]])
    13.333333
    """
    return pattern_item_statistics(joint, a_ind, b_ind, 0)[0]


def spmi_statistic(joint, a_ind, b_ind) -> float:
    """SPMI statistic of a multiple x multiple-choice pattern table.

    Sum over option pairs ``(i, k)`` of Pearson's X^2 of the 2 x 2 table of respondents who
    chose / did not choose ``i`` and ``k``; pairs with a zero margin contribute 0. See
    :func:`pattern_item_statistics`.

    Parameters
    ----------
    joint : array_like of int
        ``Pa x Pb`` counts of respondents per pair of answer patterns.
    a_ind, b_ind : array_like
        Pattern x option 0/1 indicator matrices (``Pa x I`` and ``Pb x K``).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.kernels.cpu import spmi_statistic
    >>> a = np.array([[1., 0.], [0., 1.], [1., 1.]])
    >>> round(spmi_statistic([[3, 0, 0], [0, 3, 0], [0, 0, 2]], a, a), 6)  # 8 + 2.88 + 2.88 + 8
    21.76
    """
    return pattern_item_statistics(joint, a_ind, b_ind, 1)[0]
