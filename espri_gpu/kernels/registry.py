"""What the CPU and CUDA drivers share, declared once.

* the entry kernels, with their explicit signatures (:data:`KERNELS`): each has a CPU version
  in :mod:`.cpu_kernels` and a CUDA version in :mod:`.cuda_kernels`, both named
  ``<name>_kernel`` and compiled by :func:`espri_gpu.kernels.targets.kernel`;
* the statistic codes the kernels take (:data:`STATISTIC_CODES`, :data:`PATTERN_KINDS`,
  :data:`RESAMPLING_MODES`);
* the public drivers that :mod:`.cpu` and :mod:`.cuda` both define, same names and
  signatures (:data:`DRIVERS`);
* the preparation of their arguments and the exceedance count (:func:`seed_word`,
  :func:`as_counts`, :func:`as_indicator`, :func:`shuffle_labels`, :func:`table_scratch`,
  :func:`count_exceedances`).

Importing this module imports NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BALL_COLUMN_RATIO", "BOOTSTRAP", "DRIVERS", "EXCEEDANCE_RTOL", "G", "KERNELS", "MMI",
           "PATTERN_KINDS", "PEARSON", "PERMUTATION", "RESAMPLING_MODES", "SHUFFLE_CELLS_RATIO",
           "SPMI", "STATISTIC_CODES", "Kernel", "as_counts", "as_indicator", "ball_limit",
           "count_exceedances", "pattern_scratch", "seed_word", "shuffle_labels", "table_scratch"]

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
    Kernel("tables", "void(int64[::1], int64[::1], uint64, int64, int64[:, :, ::1], "
                     "int64[:, ::1], uint64[:, ::1])"),
    Kernel("table_statistics", "void(int64[::1], int64[::1], int64, int64, uint64, int64, "
                               "float64[::1], int64[:, :, ::1], int64[:, ::1], uint64[:, ::1])"),
    Kernel("pattern_statistics",
           "void(int64[::1], int64[::1], float64[::1], float64[::1], float64[:, ::1], "
           "float64[:, ::1], int64, int64, int64, uint64, int64, float64[::1], "
           "int64[:, :, ::1], int64[:, ::1], int32[:, ::1], int64[:, ::1], int64[:, ::1], "
           "float64[:, :, ::1], float64[:, ::1], float64[:, ::1], uint64[:, ::1])"),
    # observed statistics: one value, by the device functions that score the replicates
    Kernel("observed_table",
           "void(int64[:, ::1], int64[::1], int64[::1], int64, int64, float64[::1])", False),
    Kernel("observed_patterns",
           "void(int64[:, ::1], float64[:, ::1], float64[:, ::1], int64, float64[:, ::1], "
           "float64[::1], float64[::1], float64[:, ::1], float64[::1])", False),
    # CUDA only (espri_gpu.kernels.cooperative): scratch in shared memory, one block per
    # pattern replicate; the draws of table_statistics / pattern_statistics
    Kernel("table_statistics_shared",
           "void(int64[::1], int64[::1], int64, int64, uint64, int64, float64[::1])",
           targets=("cuda",)),
    Kernel("pattern_shuffle",
           "void(int64[::1], int64[::1], float64[::1], float64[::1], float64[:, ::1], "
           "float64[:, ::1], int32[:, ::1], int32[:, ::1], int64, int64, uint64, int64, "
           "float64[::1], int32[:, ::1], int64[:, ::1], int64[:, ::1], int64[:, ::1], "
           "float64[:, :, ::1], float64[:, ::1], float64[:, ::1], uint64[:, ::1])",
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
#: Pattern tables are filled by shuffling row labels (``n`` draws) rather than by
#: conditional hypergeometric draws (up to ``(Pa - 1)(Pb - 1)``) when ``n`` is at most this
#: many times the number of free cells (measured: MMI at 1e5 respondents x 15k patterns).
SHUFFLE_CELLS_RATIO = 2


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


def pattern_scratch(row_counts, col_counts, mode: int) -> int:
    """Length of the ``rowrem`` scratch row of the pattern kernel: :func:`table_scratch` of
    the pattern table, or its bound over resampled column counts (``mode`` BOOTSTRAP)."""
    if mode != BOOTSTRAP:
        return table_scratch(row_counts, col_counts)
    rows = len(row_counts)
    return int(rows + min(int(np.sum(row_counts)), len(col_counts) * ball_limit(rows)))


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


def shuffle_labels(n: int, npa: int, npb: int) -> int:
    """Length of the label scratch per replicate: ``n`` when pattern tables are filled by
    shuffling (see :data:`SHUFFLE_CELLS_RATIO`), else 0 (hypergeometric fill). Both targets
    choose with it, so they draw the same tables.

    Examples
    --------
    >>> shuffle_labels(40, 6, 8), shuffle_labels(400, 6, 8)
    (40, 0)
    """
    if 0 < n < 2**31 and n <= SHUFFLE_CELLS_RATIO * (npa - 1) * (npb - 1):
        return n
    return 0
