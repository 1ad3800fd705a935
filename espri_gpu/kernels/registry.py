"""What the CPU and CUDA drivers share, declared once.

* the entry kernels, with their explicit signatures (:data:`KERNELS`): each has a CPU version
  in :mod:`.cpu_kernels` and a CUDA version in :mod:`.cuda_kernels`, both named
  ``<name>_kernel`` and compiled by :func:`espri_gpu.kernels.targets.kernel`;
* the statistic codes the kernels take (:data:`STATISTIC_CODES`, :data:`PATTERN_KINDS`,
  :data:`RESAMPLING_MODES`);
* the public drivers that :mod:`.cpu` and :mod:`.cuda` both define, same names and
  signatures (:data:`DRIVERS`);
* the preparation of their arguments and the exceedance count (:func:`seed_word`,
  :func:`as_counts`, :func:`as_indicator`, :func:`table_scratch`,
  :func:`logfactorial_table`, :func:`pattern_labels`, :func:`pack_items`,
  :func:`count_exceedances`).

Importing this module imports NumPy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

__all__ = ["BALL_COLUMN_RATIO", "BOOTSTRAP", "DRIVERS", "EXCEEDANCE_RTOL", "G", "KERNELS",
           "LOGFACTORIAL_TABLE_MAX", "MMI",
           "PATTERN_BALL_RATIO", "PATTERN_KINDS", "PEARSON", "PERMUTATION", "RESAMPLING_MODES",
           "SPMI", "STATISTIC_CODES", "Kernel", "as_counts", "as_indicator", "ball_limit",
           "count_exceedances", "logfactorial_table", "pack_items", "pattern_labels",
           "pattern_limit", "seed_word", "table_scratch"]

# ------------------------------------------------------------------------- statistic codes
#: ``statistic`` of the table kernels: Pearson's X^2 or the likelihood ratio G.
PEARSON, G = 0, 1
#: ``kind`` of the pattern kernels: MMI (single x multiple choice) or SPMI (multiple x multiple).
MMI, SPMI = 0, 1
#: ``mode`` of the pattern kernels: permutation (margins fixed) or bootstrap under independence.
PERMUTATION, BOOTSTRAP = 0, 1
STATISTIC_CODES = {"pearson": PEARSON, "g": G}
PATTERN_KINDS = {"mmi": MMI, "spmi": SPMI}
RESAMPLING_MODES = {"permutation": PERMUTATION, "bootstrap": BOOTSTRAP}


# ------------------------------------------------------------------------- entry kernels
@dataclass(frozen=True)
class Kernel:
    """One entry kernel: its Numba signature (C-contiguous arrays; the first dimension of a
    scratch array is the block on the CPU, the replicate on CUDA) and whether it computes
    replicates (``prange`` over blocks on the CPU, one thread each on CUDA) or one value;
    ``targets``: where it exists (the CUDA-only kernels are GPU-shaped versions of a
    two-target one, same draws)."""

    name: str
    signature: str
    per_replicate: bool = True
    targets: tuple[str, ...] = ("cpu", "cuda")


KERNELS = {k.name: k for k in (
    Kernel("uniform", "void(uint64, int64, float64[:, ::1], uint64[:, ::1])"),
    Kernel("hypergeometric",
           "void(int64, int64, int64, uint64, int64, int64[::1], uint64[:, ::1])"),
    Kernel("multinomial",
           "void(int64, float64[::1], uint64, int64, int64[:, ::1], uint64[:, ::1])"),
    Kernel("tables", "void(int64[::1], int64[::1], float64[::1], uint64, int64, "
                     "int64[:, :, ::1], int64[:, ::1], uint64[:, ::1])"),
    Kernel("table_statistics", "void(int64[::1], int64[::1], float64[::1], int64, int64, uint64, "
                               "int64, float64[::1], int64[:, :, ::1], int64[:, ::1], "
                               "uint64[:, ::1])"),
    Kernel("pattern_statistics",
           "void(int64[::1], int64[::1], float64[::1], float64[::1], float64[:, ::1], "
           "float64[:, ::1], uint64[:, ::1], int64, int64, uint64, int64, float64[::1], "
           "int64[:, :, ::1], int64[:, ::1], int32[:, ::1], int64[:, ::1], int64[:, ::1], "
           "float64[:, :, ::1], float64[:, ::1], float64[:, ::1], uint64[:, ::1])"),
    # observed statistics: one value, by the device functions that score the replicates
    Kernel("observed_table",
           "void(int64[:, ::1], int64[::1], int64[::1], int64, int64, float64[::1])", False),
    Kernel("observed_patterns",
           "void(int64[:, ::1], float64[:, ::1], float64[:, ::1], int64, float64[:, ::1], "
           "float64[::1], float64[::1], float64[:, ::1], float64[::1])", False),
    # CUDA only: scratch in shared memory; the draws of table_statistics
    Kernel("table_statistics_shared",
           "void(int64[::1], int64[::1], float64[::1], int64, int64, uint64, int64, "
           "float64[::1])",
           targets=("cuda",)),
)}

#: The public drivers of :mod:`espri_gpu.kernels.cpu` and :mod:`espri_gpu.kernels.cuda`.
DRIVERS = ("uniform_draws", "hypergeometric_draws", "multinomial_draws", "random_tables",
           "table_statistics", "table_exceedances", "pattern_statistics", "pattern_exceedances",
           "table_statistic", "pearson_statistic", "g_statistic", "pattern_item_statistics",
           "mmi_statistic", "spmi_statistic")

# ------------------------------------------------------------------------- arguments
#: A replicate counts as "at least as extreme" when its statistic is >= observed * (1 - this).
#: The observed statistic comes from the same compiled functions as the replicates (the
#: ``observed_*`` kernels), so a replicate equal to the observed table ties exactly; the
#: allowance only absorbs last-bit differences between targets (an observed value computed
#: on the CPU compared with replicates drawn on a GPU).
EXCEEDANCE_RTOL = 64 * 2.22e-16
_MASK64 = (1 << 64) - 1
#: A column of a random table whose total is below this many times (rows - 1) is filled ball
#: by ball (one exact bounded integer per unit, from the urn of those columns' balls: ~2 ns
#: each) rather than by one conditional hypergeometric draw per row (20-70 ns each; measured
#: on 10 x 15 and 2 x 3 tables of totals 300 to 8000, where 32 was the best of 4 to 48).
BALL_COLUMN_RATIO = 32


def ball_limit(n_rows: int) -> int:
    """Column total from which a random table's column is filled by hypergeometric draws
    rather than ball by ball (:data:`BALL_COLUMN_RATIO`); the device functions use the same
    rule.

    Examples
    --------
    >>> ball_limit(10), ball_limit(1)
    (288, 0)
    """
    return BALL_COLUMN_RATIO * (n_rows - 1)


def table_scratch(row_sums, col_sums) -> int:
    """Length of the ``int64`` scratch row of a random table: the remaining row sums, then
    the urn of the balls of the columns filled ball by ball (:func:`ball_limit`).

    Examples
    --------
    >>> table_scratch([3, 2, 2], [4, 3]), table_scratch([300, 200], [400, 100])
    (10, 2)
    """
    cols = np.asarray(col_sums, dtype=np.int64)
    rows = len(row_sums)
    return int(rows + cols[cols < ball_limit(rows)].sum())


#: Largest total of a random table whose run gets a log-factorial table
#: (:func:`logfactorial_table`, 1 MiB at most: it stays in a core's L2 cache).
LOGFACTORIAL_TABLE_MAX = 2**17


@cache
def _logfactorial_head() -> np.ndarray:
    return np.array([math.log(math.factorial(k)) for k in range(1024)])


def logfactorial_table(total: int) -> np.ndarray:
    """``log k!`` for ``k <= total`` (``float64``), the table the random-table kernels read
    their hypergeometric log-densities from
    (:func:`espri_gpu.kernels.samplers.hypergeometric_table`); a single 0 when ``total``
    exceeds :data:`LOGFACTORIAL_TABLE_MAX` (no population is then covered).

    Below 1024 the entries are the exact ``log k!`` rounded (those of
    :mod:`espri_gpu.kernels.logfactorials`), above Stirling's series to ``x**-7`` (error <
    1e-22): within 3 ulps of ``log k!`` (< 1e-9 up to 2**17).

    Examples
    --------
    >>> import math
    >>> lf = logfactorial_table(5000)
    >>> lf.shape, bool(abs(lf[4321] - math.lgamma(4322.0)) < 1e-9), logfactorial_table(2**20).shape
    ((5001,), True, (1,))
    """
    if total > LOGFACTORIAL_TABLE_MAX:
        return np.zeros(1)
    head = _logfactorial_head()
    if total < head.size:
        return head[:total + 1].copy()
    x = np.arange(head.size, total + 1, dtype=np.float64)
    q = 1.0 / x
    q2 = q * q
    tail = q * (1.0 / 12.0 - q2 * (1.0 / 360.0 - q2 * (1.0 / 1260.0 - q2 / 1680.0)))
    body = ((x + 0.5) * np.log(x) - x) + (0.5 * math.log(2.0 * math.pi) + tail)
    return np.concatenate([head, body])


#: A column of a pattern table whose count is below this many times (patterns of the first
#: question - 1) is filled ball by ball, the others by conditional hypergeometric draws
#: (:func:`espri_gpu.kernels.table_fill.pattern_ticks`).
PATTERN_BALL_RATIO = 32


def pattern_limit(n_row_patterns: int) -> int:
    """Column count from which a pattern table's column is drawn rather than filled ball by
    ball (:data:`PATTERN_BALL_RATIO`); the device functions use the same rule.

    Examples
    --------
    >>> pattern_limit(10)
    288
    """
    return PATTERN_BALL_RATIO * (n_row_patterns - 1)


def pattern_labels(row_counts, col_counts, mode: int) -> int:
    """Length of the ``int32`` urn of the pattern kernel: the balls of the columns filled ball
    by ball, or their most over resampled column counts (``mode`` BOOTSTRAP); at least 1.

    Examples
    --------
    >>> pattern_labels([5, 5], [3, 300, 4], PERMUTATION), pattern_labels([5, 5], [3, 300, 4],
    ...                                                                  BOOTSTRAP)
    (7, 10)
    """
    cols = np.asarray(col_counts, dtype=np.int64)
    limit = pattern_limit(len(row_counts))
    if mode == BOOTSTRAP:
        return max(1, min(int(np.sum(row_counts)), cols.size * max(limit - 1, 0)))
    return max(1, int(cols[cols < limit].sum()))


def pack_items(b_ind) -> np.ndarray:
    """The 0/1 pattern x item matrix B packed for
    :func:`espri_gpu.kernels.table_fill.pattern_ticks`: item k of pattern q in bits
    ``8 (k % 8) ..`` of word ``k // 8`` of row q, two words per 16 items (a ball adds its
    pattern's words to 8-bit counters, emptied every 255 balls).

    Examples
    --------
    >>> pack_items([[1, 0, 1], [0, 1, 0]]).tolist()
    [[65537, 0], [256, 0]]
    """
    b = np.asarray(b_ind, dtype=np.float64)
    if not np.isin(b, (0.0, 1.0)).all():
        raise ValueError("`b_ind` holds values other than 0 and 1; expected a 0/1 indicator "
                         "matrix")
    npb, nk = b.shape
    words = np.zeros((npb, 2 * max(1, -(-nk // 16))), dtype=np.uint64)
    for k in range(nk):
        words[:, k // 8] |= b[:, k].astype(np.uint64) << np.uint64(8 * (k % 8))
    return words


def seed_word(seed) -> np.uint64:
    """The run seed as the ``uint64`` the kernels take (Python ints are reduced mod 2**64).

    Examples
    --------
    >>> int(seed_word(-1)) == 2**64 - 1
    True
    """
    return np.uint64(int(seed) & _MASK64)


def as_counts(values) -> np.ndarray:
    """C-contiguous ``int64`` copy-free view of counts."""
    return np.ascontiguousarray(values, dtype=np.int64)


def as_indicator(values) -> np.ndarray:
    """C-contiguous ``float64`` 2-D indicator matrix."""
    return np.ascontiguousarray(values, dtype=np.float64)


def count_exceedances(statistics: np.ndarray, observed: float) -> int:
    """Number of ``statistics`` >= ``observed * (1 - EXCEEDANCE_RTOL)``.

    Examples
    --------
    >>> count_exceedances([1.0, 2.0, 3.0], 2.0)
    2
    """
    threshold = float(observed) * (1.0 - EXCEEDANCE_RTOL)
    return int(np.count_nonzero(np.asarray(statistics) >= threshold))
