"""Samplers: hypergeometric, binomial, multinomial and bounded integers, exact and O(1).

The expected cost of every draw is bounded whatever the population size. Counts are
``int64``; random streams are the ``state`` arrays of :mod:`.rng`.

* :func:`hypergeometric` ``(ngood, nbad, nsample, state)``: number of good balls in
  ``nsample`` draws without replacement. The parameters are first reduced by the two
  symmetries of the law (swap good/bad, complement the sample) to ``m = min(ngood, nbad)``
  marked balls and a sample ``s <= N/2``. If ``min(m, s) <= 32`` (support of at most 33
  values): sequential inversion from zero with the usual pmf recurrence (algorithm HIN of
  Kachitvichyanukul & Schmeiser 1985; :func:`hypergeometric_inversion`); ``P(X = 0)`` comes
  from the exact table of ``log k!`` when ``N < 128`` (one ``exp``), else from a product of
  at most 32 ratios. Otherwise: Stadlober's ratio-of-uniforms algorithm HRUA (Stadlober 1989,
  1990; :func:`hypergeometric_hrua`), whose table-mountain hat (``a = mean + 1/2``, ``h = D1 *
  sqrt(var + 1/2) + D2``) bounds the expected number of trials (~1.4) for every parameter.
* :func:`hypergeometric_table` ``(ngood, nbad, nsample, lf, state)``: the same law, for the
  random tables, with the run's table ``lf[k] = log k!`` (:func:`espri_gpu.kernels.registry.
  logfactorial_table`, built once per driver call for totals up to 2**17): where it covers the
  population, HRUA evaluates ``T(K)`` as eight table entries (:func:`hypergeometric_hrua_table`:
  no bracket set-up, no Stirling step; 30% less time per 10 x 15 table at total 4.1e4). Each
  entry is within 3 ulps of ``log k!`` (< 1e-9 up to 2**17), so ``T`` is within 1e-8 and the
  acceptance probability of a candidate within a relative 1e-8 of plain HRUA's, far below what
  any Monte-Carlo run resolves. It consumes the same uniforms and makes HRUA's decisions,
  so it draws what :func:`hypergeometric` draws save where a last-bit difference decides
  (a candidate within ~1e-8 of acceptance, ``x`` within an ulp of an integer); elsewhere
  (larger populations, inversion) it draws exactly that.
* :func:`binomial` ``(n, p, state)``: inversion from zero (BINV, Kachitvichyanukul &
  Schmeiser 1988) when ``n * min(p, 1 - p) < 30``, else Stadlober's ratio of uniforms BRUA
  (same hat).
* :func:`multinomial` ``(n, weights, out, state)``: sequential conditional binomials ``X_i ~
  Bin(n - sum_{j<i} X_j, w_i / sum_{j>=i} w_j)``, last category by subtraction. Exactly
  multinomial when the weights are integer-valued (as counts are); the remaining weight is
  then computed without rounding.
* :func:`below` ``(bound, state)``: a uniform integer in ``[0, bound)``, exactly (Lemire 2019);
  :func:`below2` two of them (bounds ``bound`` and ``bound - 1``: two balls drawn without
  replacement) from one 64-bit draw.

Log-densities. In HRUA and BRUA the log-density ratio ``T(K) = log f(K) - log f(mode)`` is
evaluated from log-factorial differences whose error scales with ``|K - mode|``
(:mod:`.logfactorials`; :func:`hrua_log_ratio`, :func:`brua_log_ratio`), pair by pair
(Stirling steps where both arguments are >= TABLE_SIZE, the table below); the ``log b`` terms
collapse into one logarithm per evaluation. HRUA adds a squeeze of ours: for ``|K - mode| <= w``
(``w ~ 8 sd``, at most half the smallest of ``mode, m - mode, s - mode, rest + mode``; no
window when that is below 4), ``T(K)`` is bracketed by the Taylor expansion of ``log f(x + 1)
/ f(x)`` at the mode with a Lagrange remainder bounded over the window (a quadratic plus a
cubic in ``K - mode`` whose coefficient is known to within a few ``w / mode``;
:func:`hrua_bracket`), and ``2 log u`` by its series in ``1 - u`` (:func:`log_u_bounds`).
Where the smallest of those is below 128 the bracket is wider but still decides most trials
(without it such draws took twice as long, at total 4e4). On the 10 x 15 benchmark table at
total 4e6 (1.36 trials per draw), 93% of the trials are decided by the brackets alone, 1.4%
need ``log u``, 4% fall outside the window and evaluate ``T``, 1.4% fall outside the hat's
support; the setup needs no logarithm (``log rho(mode)`` by a series). The brackets are
rigorous (with a ``1e-12 (1 + |K - mode|)`` allowance for rounding), so the accept/reject
decisions are those of plain HRUA.

``sqrt`` is :func:`math.sqrt`; the CPU target rebinds it to an inline ``llvm.sqrt`` (both are
correctly rounded: same draws). Device functions, compiled per target by
:mod:`espri_gpu.kernels.targets`; those marked :func:`~espri_gpu.kernels.targets.inline` are
inlined into their callers on the CPU.
"""

from __future__ import annotations

import math
from math import sqrt

import numpy as np

from espri_gpu.kernels.targets import inline

from .logfactorials import (
    TABLE_LEN,
    TABLE_SIZE,
    log1p_series,
    logfactorial,
    logfactorial_ratio,
    stirling_step,
    stirling_tail_recip,
)
from .rng import GOLDEN, mix64, next_u64, uniform, uniform_open

__all__ = ["BINOMIAL_INVERSION_MEAN", "INVERSION_MAX", "below", "below2", "below2_from",
           "binomial", "hypergeometric", "hypergeometric_table", "multinomial"]

#: Hypergeometric draws whose support has at most ``INVERSION_MAX + 1`` values use inversion.
INVERSION_MAX = 32
#: Binomial draws with ``n * min(p, 1 - p)`` below this use inversion.
BINOMIAL_INVERSION_MEAN = 30.0
# Stadlober's hat constants: D1 = 2 sqrt(2/e), D2 = 3 - 2 sqrt(3/e).
_D1 = 2.0 * math.sqrt(2.0 / math.e)
_D2 = 3.0 - 2.0 * math.sqrt(3.0 / math.e)
_SCALE_UP = 2.0**500
_SCALE_DOWN = 2.0**-500
#: Half-width of the HRUA bracket window, in standard deviations.
_BRACKET_SD = 8.0
_SHIFT32 = np.uint64(32)
_MASK32 = np.uint64(0xFFFFFFFF)
_TWO32 = np.uint64(1 << 32)


# ----------------------------------------------------------------------------- hypergeometric
@inline
def hypergeometric_inversion(m, total, s, state):
    """HG(m, total - m, s) by inversion from 0; needs m + s <= total, min(m, s) small."""
    k = min(m, s)
    if total < TABLE_LEN:  # P(X = 0) = (N-m)! (N-s)! / (N! (N-m-s)!), exact log terms
        # read through logfactorial (the table's entries): a CUDA kernel then holds one
        # copy of the table in constant memory, not two
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


@inline
def hrua_bracket_setup(b0, b1, b2, b3, w):
    """``(l_up, g0, g2_lo, g2_hi)`` of :func:`hrua_setup` for the window half-width ``w > 0``.

    ``b_j`` are the mode-side factorial arguments ``mode, m - mode, s - mode, rest + mode``;
    ``l_up = log rho(mode)`` with ``rho(x) = f(x + 1) / f(x)``, ``g0 = g(mode)`` and ``[g2_lo,
    g2_hi]`` bound ``g'`` on ``[mode - w, mode + w]``, where ``g = -(log rho)'`` (see
    :func:`hrua_bracket`).
    """
    # rho(x) = (m - x)(s - x) / ((x + 1)(rest + x + 1)); at x = mode + t the four
    # factors are b1 - t, b2 - t, b0 + 1 + t, b3 + 1 + t, with reciprocals (at t = 0)
    # c1, c2, c0, c3, all from one division.
    e0, e3 = b0 + 1.0, b3 + 1.0
    p12 = b1 * b2
    p03 = e0 * e3
    r = 1.0 / (p12 * p03)
    c1, c2, c0, c3 = r * b2 * p03, r * b1 * p03, r * p12 * e3, r * p12 * e0
    # l_up = log rho(mode) = log1p(y), y = rho - 1 = (p12 - p03) / p03 (1/p03 = p12 r);
    # rho(mode) <= 1 <= rho(mode - 1), so |y| is small unless some b_j is: a series
    # to y**8 (error < |y|**9 / 9 < 4e-15, well inside the bracket's slack).
    y = (p12 - p03) * (p12 * r)
    if abs(y) <= 1.0 / 32.0:
        l_up = log1p_series(y)
    else:
        l_up = math.log(p12 / p03)
    g0 = (c0 + c1) + (c2 + c3)
    # g'(mode + t) = 1/(b1-t)^2 + 1/(b2-t)^2 - 1/(b0+1+t)^2 - 1/(b3+1+t)^2 and, for
    # |t| c <= 1/2, c^2 (1 - 2|t|c) <= 1/(b -+ t)^2 = c^2/(1 -+ tc)^2 <= c^2 (1 + 6|t|c).
    wf = float(w)
    q0, q1, q2, q3 = c0 * c0, c1 * c1, c2 * c2, c3 * c3
    g2_hi = (q1 * (1.0 + 6.0 * wf * c1) + q2 * (1.0 + 6.0 * wf * c2)
             - q0 * (1.0 - 2.0 * wf * c0) - q3 * (1.0 - 2.0 * wf * c3))
    g2_lo = (q1 * (1.0 - 2.0 * wf * c1) + q2 * (1.0 - 2.0 * wf * c2)
             - q0 * (1.0 + 6.0 * wf * c0) - q3 * (1.0 + 6.0 * wf * c3))
    return l_up, g0, g2_lo, g2_hi


@inline
def hrua_hat(m, total, s):
    """``(a, h, upper, c, mode)`` of HRUA for HG(m, total - m, s): the table-mountain hat
    (centre ``a = mean + 1/2``, width ``h``, support end ``upper``), ``c = sqrt(var + 1/2)``
    and the exact integer mode ``floor((s + 1)(m + 1) / (total + 2))``."""
    mf = float(m)
    nf = float(total)
    sf = float(s)
    nn1 = nf * (nf - 1.0)
    both = 1.0 / (nn1 * (nf + 2.0))  # one division for 1/(N(N-1)) and 1/(N+2)
    inv = both * (nf + 2.0)
    mean = sf * mf * (inv * (nf - 1.0))
    var = mean * (nf - mf) * (nf - sf) * inv
    a = mean + 0.5
    c = sqrt(var + 0.5)
    h = _D1 * c + _D2
    upper = min(float(min(m, s) + 1), a + 16.0 * c)
    num = (s + 1) * (m + 1)
    mode = int(float(num) * (both * nn1))
    if mode * (total + 2) > num:
        mode -= 1
    elif (mode + 1) * (total + 2) <= num:
        mode += 1
    return a, h, upper, c, mode


@inline
def hrua_setup(m, total, s):
    """Per-draw constants of HRUA for HG(m, total - m, s), m and s <= total / 2.

    Returns the tuple ``(m, s, rest, mode, w, fast, a, h, upper, b0, b1, b2, b3, l_up,
    g0, g2_lo, g2_hi)`` read by :func:`hrua_log_ratio` and :func:`hrua_bracket`: ``b_j``
    are the mode-side factorial arguments ``mode, m - mode, s - mode, rest + mode``,
    ``fast`` whether all four are at least TABLE_SIZE (the bracket is then narrow; tests),
    ``l_up = log rho(mode)`` with ``rho(x) = f(x + 1) / f(x)``, ``g0 = g(mode)`` and
    ``[g2_lo, g2_hi]`` bounds of ``g'`` on ``[mode - w, mode + w]`` (see
    :func:`hrua_bracket`).
    """
    a, h, upper, c, mode = hrua_hat(m, total, s)
    rest = total - m - s
    b0, b1, b2, b3 = float(mode), float(m - mode), float(s - mode), float(rest + mode)
    bmin = min(min(b0, b1), min(b2, b3))
    fast = bmin >= TABLE_SIZE + 0.0
    l_up, g0, g2_lo, g2_hi = 0.0, 0.0, 0.0, 0.0
    # The bracket needs w <= 1/(2 c_j) for the four reciprocals below (w < bmin / 2); with
    # bmin < 4 there is no window (w <= 0) and every trial evaluates T.
    w = min(int(_BRACKET_SD * c) + 1, int(0.5 * bmin) - 1)
    if w > 0:
        l_up, g0, g2_lo, g2_hi = hrua_bracket_setup(b0, b1, b2, b3, w)
    return (m, s, rest, mode, w, fast, a, h, upper, b0, b1, b2, b3, l_up, g0, g2_lo, g2_hi)


def hrua_log_ratio(st, k):
    """T(k) = log f(k) - log f(mode) of the hypergeometric law set up in ``st``.

    T(k) = -sum_j (log a_j! - log b_j!) over the factorial arguments ``a_j = k, m - k, s -
    k, rest + k`` and their mode-side ``b_j``, ``a_j = b_j + d_j`` with ``d_j = +-(k -
    mode)``. Each pair whose arguments are both >= TABLE_SIZE is a Stirling step,
    ``log a! - log b! = step(b, 1/b, d) + d (log b - 1) - tail(b)``, and the ``d_j log b_j``
    of those pairs collapse into one logarithm; the other pairs come from the table.
    """
    m, s, rest, mode = st[0], st[1], st[2], st[3]
    dk = float(k - mode)
    total = 0.0  # sum_j (log a_j! - log b_j!)
    num = 1.0  # product of the Stirling b_j with d_j = +dk, over those with d_j = -dk
    den = 1.0
    dsum = 0.0  # sum of the Stirling d_j
    if min(k, mode) >= TABLE_SIZE:
        b = st[9]
        inv = 1.0 / b
        total += stirling_step(b, inv, dk) - stirling_tail_recip(inv)
        num *= b
        dsum += dk
    else:
        total += logfactorial(k) - logfactorial(mode)
    if min(m - k, m - mode) >= TABLE_SIZE:
        b = st[10]
        inv = 1.0 / b
        total += stirling_step(b, inv, -dk) - stirling_tail_recip(inv)
        den *= b
        dsum -= dk
    else:
        total += logfactorial(m - k) - logfactorial(m - mode)
    if min(s - k, s - mode) >= TABLE_SIZE:
        b = st[11]
        inv = 1.0 / b
        total += stirling_step(b, inv, -dk) - stirling_tail_recip(inv)
        den *= b
        dsum -= dk
    else:
        total += logfactorial(s - k) - logfactorial(s - mode)
    if min(rest + k, rest + mode) >= TABLE_SIZE:
        b = st[12]
        inv = 1.0 / b
        total += stirling_step(b, inv, dk) - stirling_tail_recip(inv)
        num *= b
        dsum += dk
    else:
        total += logfactorial(rest + k) - logfactorial(rest + mode)
    # sum over the Stirling pairs of d_j (log b_j - 1) = dk log(num / den) - sum d_j
    if num != den:
        total += dk * math.log(num / den)
    return dsum - total


@inline
def log_u_bounds(u):
    """(upper, lower) bounds of 2 log u for 0 < u < 1, without a logarithm.

    2 log u = -2 sum_{k>=1} d^k / k with d = 1 - u: the partial sum to d^6 gives the
    upper bound; its tail is at most d^7 / (7 (1 - d)) = d^7 / (7 u).
    """
    d = 1.0 - u
    d2 = d * d
    d3 = d2 * d
    part = d * (1.0 + 0.5 * d) + d3 * ((1.0 / 3.0 + 0.25 * d) + d2 * (0.2 + d * (1.0 / 6.0)))
    hi = -2.0 * part
    # (hi < 0: the factors widen both bounds by far more than their rounding errors)
    return hi * (1.0 - 1e-14), (hi - 2.0 * (d3 * d3 * d) / (7.0 * u)) * (1.0 + 1e-14)


@inline
def hrua_bracket(st, k):
    """(lower, upper) bounds of T(k), valid for |k - mode| <= w (see hrua_setup).

    With j = k - mode, T(j) = sum_{i=0}^{j-1} L(mode + i) (minus the sum over j..-1 when
    j < 0), L = log rho, L' = -g, L'' = -g'. Taylor at the mode with Lagrange remainder,
    L(mode + i) = l_up - g0 i - g'(xi_i) i^2 / 2, summed: T(j) = j l_up - g0 j(j-1)/2 -
    G j(j-1)(2j-1)/12 for some G in [g2_lo, g2_hi] (the same formula for j < 0, where
    the cubic is negative).
    """
    jf = float(k - st[3])
    q = 0.5 * jf * (jf - 1.0)
    base = jf * st[13] - st[14] * q
    h3 = q * (2.0 * jf - 1.0) * (1.0 / 6.0)
    x_lo = h3 * st[15]
    x_hi = h3 * st[16]
    slack = 1e-12 * (1.0 + abs(jf))
    return base - max(x_lo, x_hi) - slack, base - min(x_lo, x_hi) + slack


@inline
def hypergeometric_hrua(m, total, s, state):
    """HG(m, total - m, s) by Stadlober's HRUA; needs m <= total/2 and s <= total/2."""
    st = hrua_setup(m, total, s)
    mode, w, a, h, upper = st[3], st[4], st[6], st[7], st[8]
    while True:
        u = uniform_open(state)
        x = a + h * (uniform(state) - 0.5) / u
        if x < 0.0 or x >= upper:
            continue
        k = int(x)
        if abs(k - mode) <= w:  # decide from the bracket of T when it suffices
            lower, higher = hrua_bracket(st, k)
            if u * (4.0 - u) - 3.0 <= lower:  # squeeze: 2 log u <= u (4 - u) - 3
                return k
            if u * (u - higher) >= 1.0:  # squeeze: 2 log u >= u - 1/u
                continue
            lu_hi, lu_lo = log_u_bounds(u)  # series bounds of 2 log u
            if lu_hi <= lower:
                return k
            if lu_lo > higher:
                continue
            lu = 2.0 * math.log(u)
            if lu <= lower:
                return k
            if lu > higher:
                continue
            if lu <= hrua_log_ratio(st, k):
                return k
            continue
        t = hrua_log_ratio(st, k)
        if u * (4.0 - u) - 3.0 <= t:
            return k
        if u * (u - t) >= 1.0:
            continue
        if 2.0 * math.log(u) <= t:
            return k


@inline
def hypergeometric(ngood, nbad, nsample, state):
    """Number of good balls among ``nsample`` drawn without replacement (int64)."""
    if nsample <= 0 or ngood <= 0:
        return 0
    if nbad <= 0:
        return nsample
    total = ngood + nbad
    m = min(ngood, nbad)
    s = min(nsample, total - nsample)
    if min(m, s) <= INVERSION_MAX:
        x = hypergeometric_inversion(m, total, s, state)
    else:
        x = hypergeometric_hrua(m, total, s, state)
    if s < nsample:  # marked balls left out of the complementary sample
        x = m - x
    if m < ngood:  # we counted the bad balls
        x = nsample - x
    return x


@inline
def hypergeometric_hrua_table(m, total, s, lf, state):
    """HRUA as :func:`hypergeometric_hrua`, ``T(k)`` read from ``lf`` (``lf[k] = log k!``
    for ``k <= total``): eight entries, no squeeze set-up (needs m, s <= total/2)."""
    a, h, upper, c, mode = hrua_hat(m, total, s)
    rest = total - m - s
    at_mode = (lf[mode] + lf[m - mode]) + (lf[s - mode] + lf[rest + mode])
    while True:
        u = uniform_open(state)
        x = a + h * ((uniform(state) - 0.5) / u)
        if x < 0.0 or x >= upper:
            continue
        k = int(x)
        t = at_mode - ((lf[k] + lf[m - k]) + (lf[s - k] + lf[rest + k]))
        if u * (4.0 - u) - 3.0 <= t:  # squeeze: 2 log u <= u (4 - u) - 3
            return k
        if u * (u - t) >= 1.0:  # squeeze: 2 log u >= u - 1/u
            continue
        if 2.0 * math.log(u) <= t:
            return k


@inline
def hypergeometric_table(ngood, nbad, nsample, lf, state):
    """:func:`hypergeometric` with the log-factorial table ``lf`` of the run (``lf[k] =
    log k!``, :func:`espri_gpu.kernels.registry.logfactorial_table`): populations it covers
    (``ngood + nbad < len(lf)``) that need HRUA take :func:`hypergeometric_hrua_table`,
    the others the draw of :func:`hypergeometric`."""
    total = ngood + nbad
    if total >= lf.shape[0] or nsample <= 0 or ngood <= 0 or nbad <= 0:
        return hypergeometric(ngood, nbad, nsample, state)
    m = min(ngood, nbad)
    s = min(nsample, total - nsample)
    if min(m, s) <= INVERSION_MAX:
        x = hypergeometric_inversion(m, total, s, state)
    else:
        x = hypergeometric_hrua_table(m, total, s, lf, state)
    if s < nsample:
        x = m - x
    if m < ngood:
        x = nsample - x
    return x

# ----------------------------------------------------------------- binomial


# ----------------------------------------------------------------------------- binomial
def binomial_inversion(n, p, state):
    """Bin(n, p) by inversion from 0 (BINV); needs p <= 1/2 and n p < 30."""
    q = 1.0 - p
    qn = math.exp(float(n) * math.log1p(-p))
    ratio = p / q
    g = ratio * float(n + 1)
    bound = min(n, int(float(n) * p + 10.0 * sqrt(float(n) * p * q + 1.0)))
    while True:
        u = uniform(state)
        x = 0
        px = qn
        while u > px:
            u -= px
            x += 1
            if x > bound:
                break
            px *= g / float(x) - ratio
        if x <= bound:
            return x


@inline
def brua_setup(n, p):
    """Per-draw constants of BRUA for Bin(n, p), p <= 1/2: ``(n, mode, fast, a, h, upper,
    log_odds, b0, b1, i0, i1, log_ratio)``, read by :func:`brua_log_ratio`."""
    nf = float(n)
    q = 1.0 - p
    mean = nf * p
    a = mean + 0.5
    c = sqrt(mean * q + 0.5)
    h = _D1 * c + _D2
    upper = min(nf + 1.0, a + 16.0 * c)
    mode = int((nf + 1.0) * p)
    log_odds = math.log(p / q)
    b0, b1 = float(mode), float(n - mode)
    fast = min(b0, b1) >= TABLE_SIZE + 0.0
    log_ratio = 0.0
    i0, i1 = 1.0, 1.0
    if fast:  # as in HRUA, with the odds folded into log_ratio
        i0, i1 = 1.0 / b0, 1.0 / b1
        log_ratio = math.log((q * b0) / (p * b1))
    return n, mode, fast, a, h, upper, log_odds, b0, b1, i0, i1, log_ratio


def brua_log_ratio(st, k):
    """T(k) = log f(k) - log f(mode) of the binomial law set up in ``st``."""
    n, mode = st[0], st[1]
    dk = float(k - mode)
    if st[2] and min(k, n - k) >= TABLE_SIZE:
        tails = stirling_tail_recip(st[9]) + stirling_tail_recip(st[10])
        return tails - dk * st[11] - (stirling_step(st[7], st[9], dk)
                                      + stirling_step(st[8], st[10], -dk))
    return dk * st[6] + logfactorial_ratio(mode, k) + logfactorial_ratio(n - mode, n - k)


@inline
def binomial_brua(n, p, state):
    """Bin(n, p) by Stadlober's BRUA; needs p <= 1/2."""
    st = brua_setup(n, p)
    a, h, upper = st[3], st[4], st[5]
    while True:
        u = uniform_open(state)
        x = a + h * (uniform(state) - 0.5) / u
        if x < 0.0 or x >= upper:
            continue
        k = int(x)
        t = brua_log_ratio(st, k)
        if u * (4.0 - u) - 3.0 <= t:
            return k
        if u * (u - t) >= 1.0:
            continue
        if 2.0 * math.log(u) <= t:
            return k


def binomial(n, p, state):
    """Number of successes in ``n`` Bernoulli(p) trials (int64)."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    if float(n) * pp < BINOMIAL_INVERSION_MEAN:
        x = binomial_inversion(n, pp, state)
    else:
        x = binomial_brua(n, pp, state)
    return n - x if flip else x


# ----------------------------------------------------------------------------- multinomial
def multinomial(n, weights, out, state):
    """Fill ``out`` with Multinomial(n, weights / sum(weights)) counts."""
    k = weights.shape[0]
    rest = 0.0
    for i in range(k):
        rest += weights[i]
    left = n
    for i in range(k - 1):
        x = 0
        if left > 0 and weights[i] > 0.0:
            x = binomial(left, weights[i] / rest, state)
        out[i] = x
        left -= x
        rest -= weights[i]
    out[k - 1] = left

# ----------------------------------------------------------------- random tables


# ----------------------------------------------------------------------------- integers
@inline
def below(bound, state):
    """Uniform integer in [0, bound) for 0 < bound < 2**32, exactly (Lemire 2019: a
    32 x 32-bit product of the draw's top half, rejecting the 2**32 mod bound low ends)."""
    b = np.uint64(bound)
    m = (next_u64(state) >> _SHIFT32) * b
    low = m & _MASK32
    if low < b:
        threshold = (_TWO32 - b) % b
        while low < threshold:
            m = (next_u64(state) >> _SHIFT32) * b
            low = m & _MASK32
    return int(m >> _SHIFT32)


@inline
def below_from(bound, half, s):
    """``(k, s)``: a uniform integer k in [0, bound) from the 32-bit ``half`` (Lemire's
    product), drawn again from the next words of the SplitMix64 state ``s`` (as
    :func:`below`) when it falls in the rejected low end; ``s`` advanced past them."""
    b = np.uint64(bound)
    m = half * b
    low = m & _MASK32
    if low < b:
        threshold = (_TWO32 - b) % b
        while low < threshold:
            s = s + GOLDEN
            m = (mix64(s) >> _SHIFT32) * b
            low = m & _MASK32
    return int(m >> _SHIFT32), s


@inline
def below2_from(bound, s):
    """``(k1, k2, s)``: :func:`below2` on the SplitMix64 state ``s`` held in a register
    (loops of draws keep it out of memory), ``s`` advanced."""
    s = s + GOLDEN
    word = mix64(s)
    first, s = below_from(bound, word >> _SHIFT32, s)
    second, s = below_from(bound - 1, word & _MASK32, s)
    return first, second, s


@inline
def below2(bound, state):
    """Two uniform integers, in [0, bound) and [0, bound - 1) (2 <= bound < 2**32), exactly,
    from the two 32-bit halves of one draw (top half first); a half that Lemire's test
    rejects is replaced by fresh draws, as in :func:`below`."""
    first, second, s = below2_from(bound, state[0])
    state[0] = s
    return first, second
