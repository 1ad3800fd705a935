"""Resampling kernels: counter-based RNG, O(1) samplers, random tables, Monte-Carlo drivers.

Device functions, written once as plain module-level Python and compiled for the CPU
(``numba.njit``), CUDA (``numba.cuda.jit(device=True)``) or left as Python by
:mod:`.targets`, grouped by job:

* :mod:`.rng`: counter-based random streams (SplitMix64), one per replicate;
* :mod:`.logfactorials`: ``log k!`` and its stable differences, for the log-densities;
* :mod:`.samplers`: hypergeometric, binomial, multinomial draws and bounded integers;
* :mod:`.statistics`: X^2, G, MMI and SPMI of a table or a pattern table;
* :mod:`.table_fill`: random tables with both margins fixed (two fills);
* :mod:`.replicates`: one replicate of a test (stream, table, statistic).

Entry kernels, one per entry of :data:`.registry.KERNELS`: :mod:`.cpu_kernels` (``prange``
over blocks of replicates) and :mod:`.cuda_kernels` (one thread per replicate, scratch in
shared memory where it fits), compiled with
``cache=True`` (once per machine, see :mod:`.targets`). Drivers, what the rest of the package
calls: :mod:`.cpu` and :mod:`.cuda` (imported lazily) expose :data:`.registry.DRIVERS` with
the same names, signatures and random streams, so that one seed gives the same draws on both.
Nothing here imports ``numba.cuda`` unless ``espri_gpu.kernels.cuda`` is used.

Bit-identical draws across targets
----------------------------------
Uniforms and all integer bookkeeping are exact everywhere. The CUDA simulator runs this very
Python with the host's libm and is bit-identical to the CPU (tested). On a real GPU,
libdevice's ``exp``/``log``/``log1p`` may differ from the CPU's libm by an ulp and NVVM may
fuse ``a * b + c`` into one FMA, so a computed log-density or probability may differ in its
last bits. A draw then changes only if a uniform falls within that difference of an
acceptance or inversion boundary: of the order of 1e-15 (inversion) to 1e-12 (HRUA with huge
populations) per draw, i.e. expect no differing replicate in a realistic run. Pearson, MMI and
SPMI use ``+ - * /`` only, with every product that feeds an addition exact; G uses ``log``,
and ties with the observed value are absorbed by the ``64 eps`` tolerance of the exceedance
count.
"""
