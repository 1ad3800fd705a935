"""CUDA-target versions of sampler device functions: the same draws, other memory layout.

:mod:`.targets` compiles the device functions of :mod:`.samplers` for CUDA with the names
listed in its ``overrides`` replaced by these (the CPU and pure-Python targets keep the
originals). Numba gives every compiled function that reads a global NumPy array its own copy
of that array in constant memory; :func:`.samplers.hypergeometric_inversion` reads
:data:`.logfactorials.LOGFACTORIAL_TABLE` directly, :func:`.logfactorials.logfactorial` too,
so every CUDA kernel carried the 8 KiB table twice (16 of the 64 KiB of constant memory).
Here the table is read through :func:`.logfactorials.logfactorial` (for ``k < 1024`` it
returns the table's entry: the same double), so one copy remains.

Kept bit-identical with the original by the CUDA-simulator tests (``tests/test_kernels_cuda.py``
draws hypergeometric variates by inversion with ``N < 1024`` and above); a change to the
original must be made here too (or, better, the original read the table through
:func:`.logfactorials.logfactorial` and this module go).
"""

from __future__ import annotations

import math

from .logfactorials import TABLE_LEN, logfactorial
from .rng import uniform

__all__ = ["hypergeometric_inversion"]

_SCALE_UP = 2.0**500
_SCALE_DOWN = 2.0**-500


def hypergeometric_inversion(m, total, s, state):
    """HG(m, total - m, s) by inversion from 0; needs m + s <= total, min(m, s) small
    (:func:`.samplers.hypergeometric_inversion`, the table read by ``logfactorial``)."""
    k = min(m, s)
    if total < TABLE_LEN:  # P(X = 0) = (N-m)! (N-s)! / (N! (N-m-s)!), exact log terms
        p = math.exp((logfactorial(total - m) - logfactorial(total))
                     + (logfactorial(total - s) - logfactorial(total - m - s)))
    else:  # the same as prod_i (N - max(m, s) - i) / (N - i), i < min(m, s)
        big = max(m, s)
        num = 1.0
        den = 1.0
        for i in range(k):
            num *= float(total - big - i)
            den *= float(total - i)
            if den > _SCALE_UP:
                num *= _SCALE_DOWN
                den *= _SCALE_DOWN
        p = num / den
    u = uniform(state)
    x = 0
    rest = total - m - s
    while u > p and x < k:
        u -= p
        p *= float((m - x) * (s - x)) / float((x + 1) * (rest + x + 1))
        x += 1
    return x
