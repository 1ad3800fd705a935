"""Log-factorials and their differences, for the log-densities of the samplers.

``log k!`` comes from a table (exact, ``k < 1024``; used below :data:`TABLE_SIZE`) and
Stirling's series above. The ratio-of-uniforms samplers (:mod:`.samplers`) need ``T(K) = log
f(K) - log f(mode)``, a signed sum of ``log a! - log b!`` with ``b`` the mode-side argument
and ``a = b +- (K - mode)``; each is evaluated as ``(a + 1/2) log1p((a - b) / b) + (a - b)(log
b - 1) + tail(a) - tail(b)`` (:func:`logfactorial_ratio`, :func:`stirling_step`), whose size
(and rounding error) scales with ``|K - mode|`` instead of ``N log N``. ``log1p`` of small
arguments is a short series (:func:`atanh2_series`, :func:`log1p_series`).

Device functions, compiled per target by :mod:`espri_gpu.kernels.targets`.
"""

from __future__ import annotations

import math

import numpy as np

from espri_gpu.kernels.targets import inline

__all__ = ["LOGFACTORIAL_TABLE", "TABLE_SIZE", "atanh2_series", "log1p_series", "logfactorial",
           "logfactorial_ratio", "stirling_step", "stirling_tail", "stirling_tail_recip"]

#: Arguments below which log-factorial differences use the table rather than Stirling.
TABLE_SIZE = 128
#: ``log(k!)`` for ``k < 1024``, from the exact integer ``k!`` (8 KiB).
LOGFACTORIAL_TABLE = np.array([math.log(math.factorial(k)) for k in range(1024)])
TABLE_LEN = LOGFACTORIAL_TABLE.shape[0]
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


@inline
def stirling_tail_recip(q):
    """log(x!) - [(x + 1/2) log x - x + log(2 pi)/2] from q = 1/x, x >= 128 (err < 1e-22)."""
    q2 = q * q
    return q * (1.0 / 12.0 - q2 * (1.0 / 360.0 - q2 * (1.0 / 1260.0 - q2 / 1680.0)))


@inline
def stirling_tail(x):
    """The Stirling-series remainder of log(x!) for x >= 128."""
    return stirling_tail_recip(1.0 / x)


def logfactorial(k):
    """log(k!) for an integer k >= 0."""
    if k < TABLE_LEN:
        return LOGFACTORIAL_TABLE[k]
    x = float(k)
    return (x + 0.5) * math.log(x) - x + _HALF_LOG_2PI + stirling_tail(x)


@inline
def atanh2_series(z):
    """2 atanh(z) = log((1 + z) / (1 - z)) for |z| <= 0.053 (7 terms, ~1 ulp)."""
    z2 = z * z
    tail = z2 * (1.0 / 3.0 + z2 * (1.0 / 5.0 + z2 * (1.0 / 7.0 + z2 * (
        1.0 / 9.0 + z2 * (1.0 / 11.0 + z2 * (1.0 / 13.0 + z2 * (1.0 / 15.0)))))))
    return 2.0 * z * (1.0 + tail)


def logfactorial_ratio(a, b):
    """log(a!) - log(b!), accurate to a few ulps of |a - b| log(max(a, b))."""
    if a < TABLE_SIZE or b < TABLE_SIZE:
        return logfactorial(a) - logfactorial(b)
    x = float(a)
    y = float(b)
    d = x - y
    tails = stirling_tail(x) - stirling_tail(y)
    return (x + 0.5) * math.log1p(d / y) + d * (math.log(y) - 1.0) + tails


@inline
def log1p_series(y):
    """log(1 + y) for |y| <= 1/32 (Taylor series to y**8, absolute error < 4e-15).

    Estrin's scheme: the powers and the four pairs are independent (short latency).
    """
    y2 = y * y
    y4 = y2 * y2
    p01 = y * (1.0 - 0.5 * y)
    p23 = (1.0 / 3.0) - 0.25 * y
    p45 = 0.2 - (1.0 / 6.0) * y
    p67 = (1.0 / 7.0) - 0.125 * y
    return p01 + y2 * y * (p23 + y2 * p45 + y4 * p67)


@inline
def stirling_step(b, inv_b, d):
    """(a + 1/2) log(a / b) + tail(a) for a = b + d, a and b >= 128 (floats, inv_b = 1/b).

    log(a!) - log(b!) = stirling_step(b, 1/b, d) + d (log b - 1) - tail(b); the last two
    terms depend on the candidate only through d and are summed once per draw. One
    division: r = 1 / ((1 + x)(2 + x)) gives both x / (2 + x) and 1 / a.
    """
    x = d * inv_b
    p = 1.0 + x
    q = 2.0 + x
    r = 1.0 / (p * q)
    if abs(x) <= 0.1:
        lr = atanh2_series(x * (r * p))  # log(1 + x) = 2 atanh(x / (2 + x))
    else:
        lr = math.log1p(x)
    return (b + d + 0.5) * lr + stirling_tail_recip(inv_b * (r * q))
