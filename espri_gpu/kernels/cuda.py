"""CUDA drivers of the resampling kernels (``numba.cuda``, one thread per replicate).

Same names, signatures, return values and random streams as :mod:`espri_gpu.kernels.cpu`:
for a given seed, replicate ``r`` draws the same numbers here and there. ``numba.cuda`` is
imported on the first call of a driver, never at import time, so this module can be imported
(and its docstrings read) on a machine without CUDA. With ``NUMBA_ENABLE_CUDASIM=1`` set before
Numba is imported, the drivers run in Numba's CUDA simulator (slow; tiny inputs only), which
executes the device functions as Python with the host's libm and is bit-identical to the CPU.

Launch shapes (:func:`table_statistics_shape`, :func:`pattern_statistics_shape`,
:func:`replicate_shape`: pure functions of the sizes and of the GPU's limits, tested on the
CPU; :data:`RTX_2080_TI` is HAL's card, the drivers read the current device's):

* Monte-Carlo tables (``table_statistics``): one thread per replicate (the fill of a table is
  sequential: each draw depends on the previous ones), with the thread's table, remaining row
  sums and stream state in the block's shared memory (``8 (r + 1) + 4 r c`` bytes per thread,
  688 for 10 x 15), block size from :func:`threads_per_block` (at B = 4999, 10 x 15: 162
  blocks of 31 threads, 3 per SM, every SM busy, all resident at once). Tables whose
  scratch for a warp (32 threads) does not fit in the 48 KiB a block may have (above about
  350 cells), or whose total reaches 2**31, take the global-memory kernel (logged).
* MMI / SPMI (``pattern_statistics``): one thread per replicate
  (:func:`.table_fill.pattern_ticks`: the large columns of the pattern table by
  hypergeometric draws, the small ones ball by ball from an urn of their balls, with the
  pattern rows summed as packed 8-bit fields in registers); the urn (``4`` bytes per ball of a
  small column, 0.3 MB at 10^5 respondents, 2 MB at 10^6 in the benchmark shapes) is global
  scratch, as many replicates per launch as :data:`SCRATCH_BYTES` holds, and blocks small
  enough that every SM gets one (:func:`pattern_statistics_shape`). A block per replicate
  would leave its other threads idle: the draws, most of the work, are sequential, and the
  sums are register additions fused into them.
* everything else (the tables, draws and observed statistics): one thread per replicate with
  global-memory scratch, replicates launched in chunks whose scratch stays under
  :data:`SCRATCH_BYTES`, block size from :func:`threads_per_block`.

The chunking and the shapes do not change any draw (counter-based streams). Results come back
to the host as NumPy arrays or ints.

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

import logging
from dataclasses import dataclass

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

__all__ = ["EXCEEDANCE_RTOL", "KERNEL_REGISTERS", "MAX_LAUNCH", "RTX_2080_TI", "SCRATCH_BYTES",
           "THREADS_PER_BLOCK", "DeviceLimits", "LaunchShape", "count_exceedances",
           "pattern_statistics_shape", "replicate_shape", "resident_blocks",
           "table_shared_bytes", "table_statistics_shape", "threads_per_block", *DRIVERS]

_log = logging.getLogger(__name__)

#: Most threads per block of the one-thread-per-replicate kernels.
THREADS_PER_BLOCK = 128
#: Threads per block of the block-per-replicate pattern kernel (one warp).
PATTERN_BLOCK_THREADS = 32
#: Most device memory a launch's scratch and outputs may take (also at most a quarter of the
#: free memory, where the driver can tell).
SCRATCH_BYTES = 2**30
#: Most replicates per launch.
MAX_LAUNCH = 2**20
_WARP = 32
_INT32_MAX = 2**31 - 1
#: Registers per thread the launch shapes assume for the larger kernels: bounds on
#: what ptxas gives them for sm_75 (``benchmarks/gpu_static.py`` checks that they hold).
KERNEL_REGISTERS = {"table_statistics_shared": 160, "pattern_statistics": 232}

#: ``numba.cuda``, bound by :func:`_bind_cuda` on the first call of a driver (the kernels get
#: theirs from :mod:`.targets`).
cuda = None


def _bind_cuda() -> None:
    """Import ``numba.cuda`` (never at import time: this module imports without CUDA)."""
    global cuda
    if cuda is None:
        from numba import cuda as numba_cuda

        cuda = numba_cuda


# --------------------------------------------------------------------- launch shapes
@dataclass(frozen=True)
class DeviceLimits:
    """The limits of a GPU that a launch shape depends on (defaults: HAL's RTX 2080 Ti,
    compute capability 7.5)."""

    name: str = "NVIDIA GeForce RTX 2080 Ti"
    sms: int = 68
    max_threads_per_sm: int = 1024
    max_blocks_per_sm: int = 16
    shared_per_block: int = 48 * 1024
    shared_per_sm: int = 64 * 1024
    registers_per_sm: int = 65536


#: HAL's GPU: 68 SMs, 48 KiB of shared memory per block and 64 KiB per SM.
RTX_2080_TI = DeviceLimits()


@dataclass(frozen=True)
class LaunchShape:
    """How a driver launches a kernel for ``count`` replicates.

    ``path`` is ``"shared"`` (one thread per replicate, scratch in shared memory) or
    ``"global"`` (one thread per replicate, scratch in global memory); ``note`` says why a
    faster path was not taken. ``blocks`` and ``threads`` are those of the largest launch;
    ``shared_bytes`` its dynamic shared memory per block; ``scratch_bytes`` its global scratch;
    ``resident_per_sm`` how many of its blocks an SM holds at once (shared memory, threads,
    registers when given); ``sms_filled`` how many SMs get at least one block.
    """

    kernel: str
    path: str
    count: int
    launches: int
    blocks: int
    threads: int
    shared_bytes: int
    scratch_bytes: int
    resident_per_sm: int
    sms_filled: int
    note: str = ""

    def as_dict(self) -> dict:
        """The fields, for a JSON report."""
        return dict(vars(self))


def resident_blocks(threads: int, shared_bytes: int = 0, registers: int = 0,
                    device: DeviceLimits = RTX_2080_TI) -> int:
    """Blocks of ``threads`` threads (``shared_bytes`` of shared memory, ``registers`` per
    thread, 0 = not counted) that one SM of ``device`` holds at once.

    Examples
    --------
    >>> resident_blocks(32, 32 * 648), resident_blocks(128), resident_blocks(32, 0, 198)
    (3, 8, 10)
    """
    warps = -(-threads // _WARP)
    fit = min(device.max_blocks_per_sm, device.max_threads_per_sm // (warps * _WARP))
    if shared_bytes:
        fit = min(fit, device.shared_per_sm // shared_bytes)
    if registers:
        fit = min(fit, device.registers_per_sm // (registers * warps * _WARP))
    return fit


def threads_per_block(count: int, device: DeviceLimits = RTX_2080_TI,
                      shared_per_thread: int = 0, registers: int = 0) -> int:
    """Threads per block (1 to 128) for ``count`` one-thread-per-replicate replicates.

    Each replicate is a sequential chain of FP64-heavy draws and a warp issues for all its
    lanes, so a launch lasts about as long as its busiest SM's warps: the block size is the
    one that gives the fewest warps to the busiest SM (blocks spread evenly), then the
    fewest waves (all blocks resident at once), then blocks on the most SMs, then whole
    warps, then the largest. Sizes whose shared memory (``shared_per_thread`` bytes a
    thread) exceeds a block's are left out.

    Examples
    --------
    >>> threads_per_block(4999), threads_per_block(4999, shared_per_thread=688)
    (32, 31)
    >>> threads_per_block(10**6), threads_per_block(640), threads_per_block(5)
    (128, 10, 1)
    """
    best, best_key = 1, None
    for t in range(1, THREADS_PER_BLOCK + 1):
        shared = t * shared_per_thread
        if shared > device.shared_per_block:
            break
        resident = resident_blocks(t, shared, registers, device)
        if resident < 1:
            break
        blocks = -(-count // t)
        per_sm = -(-blocks // device.sms)
        key = (per_sm * -(-t // _WARP), -(-per_sm // resident), -min(blocks, device.sms),
               t % _WARP != 0, -t)
        if best_key is None or key < best_key:
            best, best_key = t, key
    return best


def _shape(kernel: str, path: str, count: int, per_launch: int, threads: int,
           shared_per_thread: int, scratch: int, device: DeviceLimits, note: str = "",
           registers: int = 0) -> LaunchShape:
    blocks = -(-per_launch // threads) if per_launch else 0
    shared = threads * shared_per_thread
    return LaunchShape(kernel, path, count, -(-count // per_launch) if per_launch else 0, blocks,
                       threads, shared, scratch,
                       resident_blocks(threads, shared, registers, device),
                       min(blocks, device.sms), note)


def replicate_shape(kernel: str, count: int, bytes_per_replicate: int,
                    device: DeviceLimits = RTX_2080_TI, budget: int = SCRATCH_BYTES,
                    note: str = "", registers: int = 0) -> LaunchShape:
    """Shape of a one-thread-per-replicate kernel with global-memory scratch: chunks of at
    most :data:`MAX_LAUNCH` replicates whose scratch stays under ``budget``, in blocks of
    :func:`threads_per_block`, smaller when that leaves SMs without a block (chunks of a few
    hundred replicates, limited by memory, whose threads wait on global memory: every SM
    working on some of them hides more latency than fewer, fuller warps).

    Examples
    --------
    >>> s = replicate_shape("tables", 4999, 8 * (150 + 10 + 1))
    >>> s.launches, s.blocks, s.threads, s.sms_filled
    (1, 157, 32, 68)
    """
    per_launch = max(1, min(count, MAX_LAUNCH, budget // max(1, bytes_per_replicate)))
    threads = threads_per_block(per_launch, device, registers=registers)
    if device.sms <= per_launch < threads * device.sms:  # memory-bound launches: every SM
        threads = per_launch // device.sms
    return _shape(kernel, "global", count, per_launch, threads, 0,
                  per_launch * bytes_per_replicate, device, note, registers)


def table_shared_bytes(rows: int, cols: int) -> int:
    """Shared memory per thread of ``table_statistics_shared``: the remaining row sums and
    the stream state (``int64``) and the table (``int32``).

    Examples
    --------
    >>> table_shared_bytes(10, 15)
    688
    """
    return 8 * (rows + 1) + 4 * rows * cols


def table_statistics_shape(rows: int, cols: int, total: int, count: int,
                           device: DeviceLimits = RTX_2080_TI, budget: int = SCRATCH_BYTES,
                           registers: int | None = None) -> LaunchShape:
    """Shape of the Monte-Carlo table launch (``table_statistics``): shared memory when a
    warp's scratch fits a block's shared memory (up to about 350 cells) and ``total <
    2**31``, else global (fewer threads per SM than in global memory otherwise).

    Examples
    --------
    >>> s = table_statistics_shape(10, 15, 4 * 10**6, 4999)
    >>> s.kernel, s.blocks, s.threads, s.shared_bytes, s.resident_per_sm, s.sms_filled
    ('table_statistics_shared', 162, 31, 21328, 3, 68)
    >>> table_statistics_shape(100, 200, 10**5, 4999).path
    'global'
    """
    per_thread = table_shared_bytes(rows, cols)
    if registers is None:
        registers = KERNEL_REGISTERS["table_statistics_shared"]
    if total <= _INT32_MAX and _WARP * per_thread <= device.shared_per_block:
        per_launch = max(1, min(count, MAX_LAUNCH))
        threads = threads_per_block(per_launch, device, per_thread, registers)
        return _shape("table_statistics_shared", "shared", count, per_launch, threads,
                      per_thread, 0, device, registers=registers)
    why = (f"the total {total} reaches 2**31" if total > _INT32_MAX else
           f"a warp's {rows} x {cols} tables need {_WARP * per_thread} bytes of shared "
           f"memory, more than a block's {device.shared_per_block}")
    return replicate_shape("table_statistics", count, 8 * (rows * cols + rows + 2), device,
                           budget, f"global memory: {why}")


def pattern_bytes(n_labels: int, npa: int, npb: int, ni: int, nk: int) -> int:
    """Global scratch of one MMI / SPMI replicate: the ``J B`` counts, remaining row counts,
    resampled margins, products and stream state (8 bytes each) and the urn of ``n_labels``
    balls (:func:`.registry.pattern_labels`, 4 bytes each).

    Examples
    --------
    >>> pattern_bytes(71936, 10, 5670, 10, 15)
    335880
    """
    return 8 * (npa * nk + 2 * npa + npb + ni * nk + ni + nk + 2) + 4 * n_labels


def pattern_statistics_shape(n_labels: int, npa: int, npb: int, ni: int, nk: int, count: int,
                             device: DeviceLimits = RTX_2080_TI, budget: int = SCRATCH_BYTES,
                             registers: int | None = None) -> LaunchShape:
    """Shape of the MMI / SPMI replicate launch (one thread per replicate) for ``npa x npb``
    patterns, ``ni x nk`` options and an urn of ``n_labels`` balls: as many replicates per
    launch as ``budget`` holds (:func:`pattern_bytes` each), spread over every block slot of
    the GPU (one-warp blocks, as many per SM as its registers allow) before warps are filled.

    A replicate is mostly random reads of its own urn (a different place per thread, and
    loops of a different length: lanes of a warp wait for one another), integer work with
    little FP64, so the SMs are fed by many independent warps rather than by full ones: with
    the memory budget capping a launch at a few hundred to a few thousand replicates, a
    block per replicate slot gives each SM up to ``resident_per_sm`` warps (9 at 207
    registers) where full 32-thread blocks would give it one or two.

    Examples
    --------
    >>> s = pattern_statistics_shape(496310, 792, 700, 10, 10, 4999)
    >>> s.launches, s.blocks, s.threads, s.resident_per_sm, s.sms_filled
    (10, 519, 1, 8, 68)
    >>> s = pattern_statistics_shape(71936, 10, 5670, 10, 15, 4999)
    >>> s.launches, s.blocks, s.threads, s.resident_per_sm, s.sms_filled
    (2, 533, 6, 8, 68)
    """
    if registers is None:
        registers = KERNEL_REGISTERS["pattern_statistics"]
    per_replicate = pattern_bytes(n_labels, npa, npb, ni, nk)
    per_launch = max(1, min(count, MAX_LAUNCH, budget // max(1, per_replicate)))
    slots = device.sms * max(1, resident_blocks(_WARP, 0, registers, device))
    threads = min(_WARP, -(-per_launch // slots))
    if threads == _WARP:  # enough replicates to fill every slot with whole warps
        threads = threads_per_block(per_launch, device, registers=registers)
    return _shape("pattern_statistics", "global", count, per_launch, threads, 0,
                  per_launch * per_replicate, device, "", registers)


#: DeviceLimits field -> numba-cuda device attribute (CUDA's CU_DEVICE_ATTRIBUTE_* names).
_DEVICE_ATTRIBUTES = {
    "sms": "MULTIPROCESSOR_COUNT",
    "max_threads_per_sm": "MAX_THREADS_PER_MULTI_PROCESSOR",
    "max_blocks_per_sm": "MAX_BLOCKS_PER_MULTIPROCESSOR",
    "shared_per_block": "MAX_SHARED_MEMORY_PER_BLOCK",
    "shared_per_sm": "MAX_SHARED_MEMORY_PER_MULTIPROCESSOR",
    "registers_per_sm": "MAX_REGISTERS_PER_MULTIPROCESSOR",
}


def _device_limits() -> DeviceLimits:
    """The current device's limits (those of :data:`RTX_2080_TI` where it does not tell,
    as in the simulator)."""
    try:
        dev = cuda.get_current_device()
        found: dict = {"name": "current device"}
        for field_name, attribute in _DEVICE_ATTRIBUTES.items():
            value = getattr(dev, attribute, None)
            if isinstance(value, int) and value > 0:
                found[field_name] = value
        return DeviceLimits(**found)
    except Exception:  # noqa: BLE001 - no device attributes: the defaults
        return RTX_2080_TI


def _budget() -> int:
    """:data:`SCRATCH_BYTES`, or a quarter of the free device memory if that is less."""
    try:
        free, _ = cuda.current_context().get_memory_info()
        return max(2**20, min(SCRATCH_BYTES, int(free) // 4))
    except Exception:  # noqa: BLE001 - the simulator, or no memory information
        return SCRATCH_BYTES


def _kernel(name: str):
    """The CUDA entry kernel ``name`` of :data:`.registry.KERNELS` (loaded from Numba's disk
    cache, or compiled, on first use; kept for the process)."""
    return targets.kernel("cuda", name)


def _chunks(count: int, bytes_per_replicate: int):
    """(offset, size) of the launches covering ``count`` replicates."""
    size = max(1, min(count, MAX_LAUNCH, _budget() // max(1, bytes_per_replicate)))
    for offset in range(0, count, size):
        yield offset, min(size, count - offset)


def _launch(kernel, size: int, *args) -> None:
    threads = threads_per_block(size, _device_limits())
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
    d_lf = cuda.to_device(logfactorial_table(int(rows.sum())))
    scratch = table_scratch(rows, cols)
    for lo, m in _chunks(count, 8 * (r * c + scratch + 1)):
        d_out = _empty(m, r, c)
        _launch(_kernel("tables"), m, d_rows, d_cols, d_lf, seed_word(seed), start + lo, d_out,
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
    if not count:
        return out
    shape = table_statistics_shape(r, c, int(rows.sum()), count, _device_limits(), _budget())
    d_rows, d_cols = cuda.to_device(rows), cuda.to_device(cols)
    d_lf = cuda.to_device(logfactorial_table(int(rows.sum())))  # global memory
    scratch = table_scratch(rows, cols)
    # the shared-memory kernel holds the remaining row sums only: tables with columns filled
    # ball by ball (their urn in the scratch, registry.table_scratch) use the global kernel
    if shape.path == "shared" and scratch == r:
        kernel = _kernel("table_statistics_shared")
        per = shape.blocks * shape.threads
        for lo in range(0, count, per):
            m = min(per, count - lo)
            d_out = _empty(m, dtype=np.float64)
            kernel[-(-m // shape.threads), shape.threads, 0, shape.shared_bytes](
                d_rows, d_cols, d_lf, int(rows.sum()), int(statistic), seed_word(seed),
                start + lo, d_out)
            out[lo:lo + m] = d_out.copy_to_host()
        return out
    note = shape.note if shape.path != "shared" else (
        "columns below the ball-fill limit keep an urn in the scratch: global memory")
    _log.info("espri_gpu: table_statistics on %d x %d tables: %s", r, c, note)
    for lo, m in _chunks(count, 8 * (r * c + scratch + 2)):
        d_out = _empty(m, dtype=np.float64)
        _launch(_kernel("table_statistics"), m, d_rows, d_cols, d_lf, int(rows.sum()),
                int(statistic), seed_word(seed), start + lo, d_out, _empty(m, r, c),
                _empty(m, scratch), _empty(m, 1, dtype=np.uint64))
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
    if not count:
        return out
    inputs = [cuda.to_device(x) for x in (rows, cols, rows.astype(np.float64),
                                          cols.astype(np.float64), a, b, pack_items(b))]
    n_labels = pattern_labels(rows, cols, mode)
    device, budget = _device_limits(), _budget()
    shape = pattern_statistics_shape(n_labels, npa, npb, ni, nk, count, device, budget)
    per = -(-count // shape.launches)  # launches of equal size
    for lo in range(0, count, per):
        m = min(per, count - lo)
        threads = pattern_statistics_shape(n_labels, npa, npb, ni, nk, m, device,
                                           budget).threads
        d_out = _empty(m, dtype=np.float64)
        _kernel("pattern_statistics")[-(-m // threads), threads](
            *inputs, int(kind), int(mode), seed_word(seed), start + lo, d_out,
            _empty(m, npa, nk), _empty(m, npa), _empty(m, n_labels, dtype=np.int32),
            _empty(m, npa), _empty(m, npb), _empty(m, ni, nk, dtype=np.float64),
            _empty(m, ni, dtype=np.float64), _empty(m, nk, dtype=np.float64),
            _empty(m, 1, dtype=np.uint64))
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
