"""Drivers of the resampling kernels: seeds, backend choice, replicate chunks.

Every replicate r of a run with seed s draws from its own counter-based stream (s, r)
(:mod:`espri_gpu.kernels.rng`), so a run can be cut into chunks of replicates — threads,
GPU blocks, Dask workers — without changing a single draw: the same seed gives the same
p-value on the CPU, the GPU and any number of workers. The backend's executor
(:mod:`espri_gpu.execution`) says how many chunks and where they run: one chunk in this
process, or several per worker thread of a Dask cluster, whose exceedance counts are summed.
"""

from __future__ import annotations

import functools
import math
import secrets
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

from ..backend import Backend, resolve_backend
from ..defaults import DEFAULT_RESAMPLES as _DEFAULT_RESAMPLES
from ..errors import SurveyInputError
from ..kernels.registry import PATTERN_KINDS as MR_KINDS
from ..kernels.registry import RESAMPLING_MODES as MR_MODES
from ..kernels.registry import STATISTIC_CODES

__all__ = ["DEFAULT_RESAMPLES", "MIN_REPLICATES_PER_TASK", "chunks", "exceedance_chunk",
           "kernels_for", "make_seed", "observed_pattern_statistics", "observed_table_statistic",
           "pattern_exceedances", "table_exceedances"]

#: Default number of random tables / resamples of every Monte-Carlo and resampling test
#: (:func:`~espri_gpu.stats.chi2_test`, :func:`~espri_gpu.independence_test`,
#: :func:`~espri_gpu.screen`, the ``report`` pipeline and command): defined in
#: :mod:`espri_gpu.defaults`, which the command line reads before any heavy import.
DEFAULT_RESAMPLES = _DEFAULT_RESAMPLES

#: Fewest replicates per chunk sent to a Dask worker (below, the task overhead would dominate).
MIN_REPLICATES_PER_TASK = 1000


def make_seed(seed: int | None) -> int:
    """A valid seed: ``seed`` itself, or a fresh random one when None.

    Examples
    --------
    >>> make_seed(42)
    42
    >>> 0 <= make_seed(None) < 2**63
    True
    """
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise SurveyInputError(f"`seed` is {seed!r}; expected an integer in [0, 2**63)")
    return int(seed)


def kernels_for(backend: str | Backend | None) -> ModuleType:
    """The kernel module of a backend: :mod:`espri_gpu.kernels.cpu` or ``.cuda``."""
    b = resolve_backend(backend)
    if b.is_gpu:
        from ..kernels import cuda

        return cuda
    from ..kernels import cpu

    return cpu


def chunks(n_resamples: int, size: int) -> Iterator[tuple[int, int]]:
    """(start, count) pairs covering replicates 0..n_resamples-1.

    Examples
    --------
    >>> list(chunks(10, 4))
    [(0, 4), (4, 4), (8, 2)]
    """
    for start in range(0, n_resamples, size):
        yield start, min(size, n_resamples - start)


def observed_table_statistic(table: Any, statistic: str,
                             backend: str | Backend | None) -> float:
    """Pearson's X² or G of ``table`` by the compiled function that scores the random tables
    on ``backend``: a random table equal to the observed one ties with it exactly.

    Examples
    --------
    >>> round(observed_table_statistic([[10, 20], [20, 10]], "pearson", "cpu"), 6)
    6.666667
    """
    kernels = kernels_for(backend)
    return float(kernels.table_statistic(np.ascontiguousarray(table, dtype=np.int64),
                                         STATISTIC_CODES[statistic]))


def observed_pattern_statistics(joint: Any, a: Any, b: Any, kind: str,
                                backend: str | Backend | None) -> tuple[float, np.ndarray]:
    """MMI/SPMI of a pattern table and its item statistics, by the compiled functions that
    score the resampled tables on ``backend`` (exact ties; items as in
    :func:`espri_gpu.kernels.cpu.pattern_item_statistics`).

    Examples
    --------
    >>> import numpy as np
    >>> b = np.array([[1., 0.], [0., 1.], [1., 1.]])
    >>> stat, items = observed_pattern_statistics([[4, 0, 1], [0, 4, 1]], np.eye(2), b, "mmi",
    ...                                           "cpu")
    >>> round(stat, 6), items.shape
    (13.333333, (2,))
    """
    kernels = kernels_for(backend)
    return kernels.pattern_item_statistics(
        np.ascontiguousarray(joint, dtype=np.int64), np.ascontiguousarray(a, dtype=np.float64),
        np.ascontiguousarray(b, dtype=np.float64), MR_KINDS[kind])


def table_exceedances(row_sums: Any, col_sums: Any, observed: float, statistic: str,
                      n_resamples: int, seed: int, backend: str | Backend | None) -> int:
    """Number of random tables (margins fixed) whose statistic reaches ``observed``."""
    args = (np.ascontiguousarray(row_sums, dtype=np.int64),
            np.ascontiguousarray(col_sums, dtype=np.int64), float(observed),
            STATISTIC_CODES[statistic])
    return _exceedances("table_exceedances", args, n_resamples, seed, backend)


def pattern_exceedances(row_counts: Any, col_counts: Any, a: Any, b: Any, kind: str, mode: str,
                        observed: float, n_resamples: int, seed: int,
                        backend: str | Backend | None) -> int:
    """Number of resampled pattern tables whose MMI/SPMI statistic reaches ``observed``."""
    args = (np.ascontiguousarray(row_counts, dtype=np.int64),
            np.ascontiguousarray(col_counts, dtype=np.int64),
            np.ascontiguousarray(a, dtype=np.float64), np.ascontiguousarray(b, dtype=np.float64),
            MR_KINDS[kind], MR_MODES[mode], float(observed))
    return _exceedances("pattern_exceedances", args, n_resamples, seed, backend)


def _exceedances(driver: str, args: tuple, n_resamples: int, seed: int,
                 backend: str | Backend | None) -> int:
    """Replicates 0 .. n_resamples - 1 of ``driver``, in the chunks the backend's executor
    asks for (one in this process; several per thread of a Dask cluster), summed: the same
    total whatever the chunks."""
    b = resolve_backend(backend)
    n = int(n_resamples)
    if n <= 0:
        return 0
    executor = b.executor
    size = math.ceil(n / executor.n_tasks(n, MIN_REPLICATES_PER_TASK))
    run = functools.partial(exceedance_chunk, driver, executor.portable(b), args, int(seed))
    return int(sum(executor.map(run, list(chunks(n, size)),
                                what=f"{driver} ({n} replicates, seed {seed})")))


def exceedance_chunk(driver: str, backend: str | Backend, args: tuple, seed: int,
                     chunk: tuple[int, int]) -> int:
    """``kernels.<driver>(*args, seed, start, count)``: the exceedances among replicates
    ``start .. start + count - 1`` of ``chunk = (start, count)``.

    ``driver`` is ``"table_exceedances"`` or ``"pattern_exceedances"``, ``args`` their
    leading arguments as the kernels take them. Chunk ``(start, count)`` draws replicates
    ``start .. start + count - 1`` from their own streams, so the chunks of a run add up to
    the single-process count, whatever the number of workers.

    Examples
    --------
    >>> import numpy as np
    >>> args = (np.array([12, 5]), np.array([3, 10]), 4.0, 0)  # margins, X^2 >= 4, Pearson
    >>> whole = exceedance_chunk("table_exceedances", "cpu", args, 7, (0, 1000))
    >>> whole == sum(exceedance_chunk("table_exceedances", "cpu", args, 7, chunk)
    ...              for chunk in chunks(1000, 300))
    True
    """
    start, count = chunk
    return int(getattr(kernels_for(backend), driver)(*args, np.uint64(seed), start, count))
