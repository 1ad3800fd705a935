"""CPU drivers of the resampling kernels (``numba.njit(parallel=True)``).

Every driver here has a twin of the same name and signature in :mod:`espri_gpu.kernels.cuda`
that draws the same random streams (:mod:`.rng`): replicate ``r`` of a run seeded ``seed`` gives
the same table on both, whichever chunk ``(start, count)`` it is computed in.

The entry kernels (:mod:`.cpu_kernels`, compiled by :func:`.targets.kernel`) are compiled
once per machine: on first use a process loads them from Numba's disk cache, or compiles them
(explicit signatures, a few seconds each) and saves them there; then they are kept for the
process. The replicates ``start .. start + count - 1`` are cut into ``4 x`` Numba's thread
count contiguous blocks run by ``prange``, each with its own preallocated scratch rows (padded
to a cache line); results do not depend on the number of blocks or threads. Calls from several
Python threads at once (a threaded Dask scheduler) need Numba's ``tbb`` or ``omp`` threading
layer: ``workqueue`` is not thread-safe. Arguments are validated by the callers
(``espri_gpu.stats``); here they are only converted to the kernels' dtypes.

Statistic codes (:mod:`.registry`): ``statistic`` 0 = Pearson X^2, 1 = G (likelihood ratio);
``kind`` 0 = MMI, 1 = SPMI; ``mode`` 0 = permutation, 1 = bootstrap under independence.

Why ~550 lines: one public function per driver of :data:`.registry.DRIVERS` (the CUDA module
has the same list), each short, most of the module being their numpydoc docstrings and
runnable examples.
"""

from __future__ import annotations

import numba
import numpy as np

from . import targets
from .registry import (
    DRIVERS,
    EXCEEDANCE_RTOL,
    MMI,
    as_counts,
    as_indicator,
    count_exceedances,
    logfactorial_table,
    pack_items,
    pattern_labels,
    seed_word,
    table_scratch,
)

__all__ = ["EXCEEDANCE_RTOL", "count_exceedances", *DRIVERS]


def _kernel(name: str):
    """The CPU entry kernel ``name`` of :data:`.registry.KERNELS`: loaded from Numba's disk
    cache, or compiled, on first use, and kept for the process."""
    return targets.kernel("cpu", name)


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
        _kernel("tables")(rows, cols, logfactorial_table(int(rows.sum())), seed_word(seed),
                          start, out,
                          _scratch(nblocks, table_scratch(rows, cols)), _states(nblocks))
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
        rows2 = 2 * _blocks(count)  # two scratch rows per block: replicates in pairs
        _kernel("table_statistics")(
            rows, cols, logfactorial_table(int(rows.sum())), int(rows.sum()), int(statistic),
            seed_word(seed), start, out,
            np.zeros((rows2, rows.size, cols.size), np.int64),
            _scratch(rows2, table_scratch(rows, cols)), _states(rows2))
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
    >>> bool(0.015 < p < 0.04)  # the exact p is 0.0253 (Monte-Carlo sd 0.0035)
    True
    """
    stats = table_statistics(row_sums, col_sums, statistic, seed, start, count)
    return count_exceedances(stats, observed)


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
    npa, ni, nk = rows.size, a.shape[1], b.shape[1]
    out = np.zeros(count, dtype=np.float64)
    if count:
        nb = _blocks(count)
        _kernel("pattern_statistics")(
            rows, cols, roww, colw, a, b, pack_items(b), int(kind), int(mode),
            seed_word(seed), start, out, np.zeros((nb, npa, nk), np.int64), _scratch(nb, npa),
            np.zeros((nb, pattern_labels(rows, cols, mode) + 16), np.int32), _scratch(nb, npa),
            _scratch(nb, cols.size), np.zeros((nb, ni, nk), np.float64),
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
    out = np.zeros(1)
    _kernel("observed_table")(t, as_counts(t.sum(axis=1)), as_counts(t.sum(axis=0)),
                              int(t.sum()), int(statistic), out)
    return float(out[0])


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
    items = np.zeros((1 if kind == MMI else a.shape[1], b.shape[1]))
    out = np.zeros(1)
    _kernel("observed_patterns")(j, a, b, int(kind), m, ra, cb, items, out)
    return float(out[0]), items[0] if kind == MMI else items


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
