"""Device-level sampling maths and table statistics, written once, compiled per target.

:func:`build` turns the plain-Python functions below into a namespace of functions compiled by
one ``jit`` decorator (``numba.njit`` for :mod:`.cpu`, ``numba.cuda.jit(device=True)`` for
:mod:`.cuda`, the identity for pure Python); helpers are passed by closure, so every function
calls the same-target version of its helpers. Counts are ``int64``; random streams are the
``state`` arrays of :mod:`.rng`.

Samplers (expected cost bounded whatever the population size)
-------------------------------------------------------------
* ``hypergeometric(ngood, nbad, nsample, state)``: number of good balls in ``nsample`` draws
  without replacement. The parameters are first reduced by the two symmetries of the law
  (swap good/bad, complement the sample) to ``m = min(ngood, nbad)`` marked balls and a sample
  ``s <= N/2``. If ``min(m, s) <= 32`` (support of at most 33 values): sequential inversion
  from zero with the usual pmf recurrence (algorithm HIN of Kachitvichyanukul & Schmeiser
  1985); ``P(X = 0)`` comes from the exact table of ``log k!`` when ``N < 128`` (one ``exp``),
  else from a product of at most 32 ratios. Otherwise: Stadlober's ratio-of-uniforms algorithm
  HRUA (Stadlober 1989, 1990), whose table-mountain hat (``a = mean + 1/2``, ``h = D1 *
  sqrt(var + 1/2) + D2``) bounds the expected number of trials (~1.4) for every parameter.
* ``binomial(n, p, state)``: inversion from zero (BINV, Kachitvichyanukul & Schmeiser 1988)
  when ``n * min(p, 1 - p) < 30``, else Stadlober's ratio of uniforms BRUA (same hat).
* ``multinomial(n, weights, out, state)``: sequential conditional binomials
  ``X_i ~ Bin(n - sum_{j<i} X_j, w_i / sum_{j>=i} w_j)``, last category by subtraction.
  Exactly multinomial when the weights are integer-valued (as counts are); the remaining
  weight is then computed without rounding.
* ``random_table(row_sums, col_sums, table, rowrem, state)``: uniform over the r x c tables
  with the given margins (the law of Patefield 1981), filled column by column with
  ``table[i, j] ~ Hypergeometric(rowrem[i], sum_{i' > i} rowrem[i'], remaining of column j)``;
  last row and last column by subtraction, so both margins are exact on every draw.
* ``shuffle_products(row_sums, col_sums, a_ind, b_ind, m_out, ra, cb, labels, state)``: a
  table of the same law in ``total`` draws (each column's balls drawn without replacement
  from the urn of row labels: a partial Fisher-Yates shuffle with exact bounded integers,
  :func:`below`), reduced on the fly to ``A' J B`` and the margins; with identity indicators
  ``A' J B`` is the table itself. The MMI/SPMI drivers use it when the pattern table has many
  more cells than respondents.

Log-densities. Log-factorials come from a table of ``log k!`` (exact, ``k < 128``) and
Stirling's series above. In HRUA and BRUA the log-density ratio ``T(K) = log f(K) - log
f(mode)`` is a signed sum of ``log a! - log b!`` with ``b`` the mode-side argument and ``a = b
+- (K - mode)``; each is evaluated as ``(a + 1/2) log1p((a - b) / b) + (a - b)(log b - 1) +
tail(a) - tail(b)``, whose size (and rounding error) scales with ``|K - mode|`` instead of ``N
log N``; the ``log b`` terms collapse into one logarithm per draw and ``log1p`` of small
arguments is a short series (:func:`hrua_log_ratio`). HRUA adds a squeeze of ours: for
``|K - mode| <= w`` (``w ~ 8 sd``), ``T(K)`` is bracketed by the Taylor expansion of ``log
f(x + 1) / f(x)`` at the mode with a Lagrange remainder bounded over the window (a quadratic
plus a cubic in ``K - mode`` whose coefficient is known to within a few ``w / mode``;
:func:`hrua_bracket`), and ``2 log u`` by its series in ``1 - u`` (:func:`log_u_bounds`).
On the 10 x 15 benchmark table at total 4e6 (1.36 trials per draw), 93% of the trials are
decided by the brackets alone, 1.4% need ``log u``, 4% fall outside the window and evaluate
``T``, 1.4% fall outside the hat's support; the setup needs no logarithm (``log rho(mode)``
by a series). The brackets are
rigorous (with a ``1e-12 (1 + |K - mode|)`` allowance for rounding), so the accept/reject
decisions are those of plain HRUA.

Statistics (``pearson``, ``g_statistic``, ``pattern_products``, ``mmi``, ``spmi``) take the
table and its margins; cells with zero expected count are skipped. Consequences: a table with
a zero margin gets the statistic of the table without that row/column; a 2 x 2 table (SPMI)
or an I x 2 table with a zero column margin (MMI) contributes 0; MMI drops the rows of options
nobody chose. G is summed as ``2 sum [O ln(O/E) - (O - E)]`` (equal to ``2 sum O ln(O/E)``
because both tables share margins), whose terms are all >= 0 and, for ``|O/E - 1| < 1/8``,
come from a series: no cancellation, few-ulp accuracy.

One implementation per statistic: ``table_statistic`` (X^2 or G) and ``pattern_statistic``
(MMI = sum over k of ``mmi_item``, SPMI = sum over (i, k) of ``spmi_item``) score every
replicate, and the same functions score the observed table (``table_statistic``,
``observed_patterns``, which also returns the item statistics used by Bonferroni), called
through the drivers' ``table_statistic`` / ``pattern_item_statistics`` on each target. A
replicate equal to the observed table therefore ties with it exactly.

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
and ties with the observed value are absorbed by the ``64 eps`` tolerance of the
exceedance count.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from . import rng

__all__ = ["INVERSION_MAX", "LOGFACTORIAL_TABLE", "build"]

#: Hypergeometric draws whose support has at most ``INVERSION_MAX + 1`` values use inversion.
INVERSION_MAX = 32
_SHIFT32 = np.uint64(32)
_MASK32 = np.uint64(0xFFFFFFFF)
_TWO32 = np.uint64(1 << 32)
#: Binomial draws with ``n * min(p, 1 - p)`` below this use inversion.
BINOMIAL_INVERSION_MEAN = 30.0
#: Arguments below which log-factorial differences use the table rather than Stirling.
_TABLE_SIZE = 128
#: ``log(k!)`` for ``k < 1024``, from the exact integer ``k!`` (8 KiB).
LOGFACTORIAL_TABLE = np.array([math.log(math.factorial(k)) for k in range(1024)])
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# Stadlober's hat constants: D1 = 2 sqrt(2/e), D2 = 3 - 2 sqrt(3/e).
_D1 = 2.0 * math.sqrt(2.0 / math.e)
_D2 = 3.0 - 2.0 * math.sqrt(3.0 / math.e)
# (1 + d) log1p(d) - d = d**2 * sum_j (-1)**j d**j / ((j + 1)(j + 2)), used for |d| < 1/8.
_G_SERIES_MAX = 0.125
_G_SERIES = np.array([(-1.0) ** j / ((j + 1) * (j + 2)) for j in range(18)])
_SCALE_UP = 2.0**500
#: Half-width of the HRUA bracket window, in standard deviations.
_BRACKET_SD = 8.0
_SCALE_DOWN = 2.0**-500
#: Bootstrap resamples in which an item or a level that varies in the data does not vary are
#: discarded and drawn again (Bilder & Loughin 2004), at most this many times per replicate;
#: a replicate still degenerate then scores :data:`DEGENERATE` (it never counts as extreme).
MAX_REDRAWS = 1000
#: Statistic of a replicate left degenerate after :data:`MAX_REDRAWS` draws.
DEGENERATE = -1.0


def build(jit, leaf_jit=None, sqrt=math.sqrt):
    """Compile the sampling and statistics device functions with ``jit``.

    Parameters
    ----------
    jit : callable
        Decorator applied to every function (``numba.njit(...)``,
        ``numba.cuda.jit(device=True)`` or ``lambda f: f``).
    leaf_jit : callable, optional
        Decorator for the functions on the hot path (uniforms, Stirling steps, the HRUA and
        BRUA loops); defaults to ``jit``. The CPU passes ``numba.njit(inline="always")``:
        inlining the HRUA loop into the table filler cut the time per 10 x 15 table at total
        4e6 by 15%; the rarely taken exact log-density paths stay out of line (compilation
        time stays a few seconds).
    sqrt : callable, optional
        Square root used by the samplers (default :func:`math.sqrt`). The CPU passes an inline
        ``llvm.sqrt`` (Numba lowers ``math.sqrt`` to a library call); both are correctly
        rounded, so the draws are the same.

    Returns
    -------
    types.SimpleNamespace
        The compiled functions (see the module docstring), plus ``rng``, the namespace of
        :func:`espri_gpu.kernels.rng.build` compiled by the same ``jit``.
    """
    leaf_jit = jit if leaf_jit is None else leaf_jit
    r = rng.build(jit, leaf_jit)
    uniform, uniform_open, stream_start = r.uniform, r.uniform_open, r.stream_start
    next_u64 = r.next_u64
    shift32, mask32, two32 = _SHIFT32, _MASK32, _TWO32
    table, half_log_2pi, d1, d2 = LOGFACTORIAL_TABLE, _HALF_LOG_2PI, _D1, _D2
    table_len = LOGFACTORIAL_TABLE.shape[0]
    g_series, g_series_max = _G_SERIES, _G_SERIES_MAX
    bracket_sd = _BRACKET_SD
    max_redraws, degenerate = MAX_REDRAWS, DEGENERATE

    # ----------------------------------------------------------------- log-factorials
    @leaf_jit
    def stirling_tail_recip(q):
        """log(x!) - [(x + 1/2) log x - x + log(2 pi)/2] from q = 1/x, x >= 128 (err < 1e-22)."""
        q2 = q * q
        return q * (1.0 / 12.0 - q2 * (1.0 / 360.0 - q2 * (1.0 / 1260.0 - q2 / 1680.0)))

    @leaf_jit
    def stirling_tail(x):
        """The Stirling-series remainder of log(x!) for x >= 128."""
        return stirling_tail_recip(1.0 / x)

    @jit
    def logfactorial(k):
        """log(k!) for an integer k >= 0."""
        if k < table_len:
            return table[k]
        x = float(k)
        return (x + 0.5) * math.log(x) - x + half_log_2pi + stirling_tail(x)

    @leaf_jit
    def atanh2_series(z):
        """2 atanh(z) = log((1 + z) / (1 - z)) for |z| <= 0.053 (7 terms, ~1 ulp)."""
        z2 = z * z
        tail = z2 * (1.0 / 3.0 + z2 * (1.0 / 5.0 + z2 * (1.0 / 7.0 + z2 * (
            1.0 / 9.0 + z2 * (1.0 / 11.0 + z2 * (1.0 / 13.0 + z2 * (1.0 / 15.0)))))))
        return 2.0 * z * (1.0 + tail)

    @jit
    def logfactorial_ratio(a, b):
        """log(a!) - log(b!), accurate to a few ulps of |a - b| log(max(a, b))."""
        if a < _TABLE_SIZE or b < _TABLE_SIZE:
            return logfactorial(a) - logfactorial(b)
        x = float(a)
        y = float(b)
        d = x - y
        tails = stirling_tail(x) - stirling_tail(y)
        return (x + 0.5) * math.log1p(d / y) + d * (math.log(y) - 1.0) + tails

    @leaf_jit
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

    @leaf_jit
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

    # ----------------------------------------------------------------- hypergeometric
    @leaf_jit
    def hypergeometric_inversion(m, total, s, state):
        """HG(m, total - m, s) by inversion from 0; needs m + s <= total, min(m, s) small."""
        k = min(m, s)
        if total < table_len:  # P(X = 0) = (N-m)! (N-s)! / (N! (N-m-s)!), exact log terms
            p = math.exp((table[total - m] - table[total]) + (table[total - s]
                                                              - table[total - m - s]))
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

    @leaf_jit
    def hrua_setup(m, total, s):
        """Per-draw constants of HRUA for HG(m, total - m, s), m and s <= total / 2.

        Returns the tuple ``(m, s, rest, mode, w, fast, a, h, upper, b0, b1, b2, b3, l_up,
        g0, g2_lo, g2_hi)`` read by :func:`hrua_log_ratio` and :func:`hrua_bracket`: ``b_j``
        are the mode-side factorial arguments ``mode, m - mode, s - mode, rest + mode``,
        ``l_up = log rho(mode)`` with ``rho(x) = f(x + 1) / f(x)``, ``g0 = g(mode)`` and
        ``[g2_lo, g2_hi]`` bounds of ``g'`` on ``[mode - w, mode + w]`` (see
        :func:`hrua_bracket`).
        """
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
        h = d1 * c + d2
        upper = min(float(min(m, s) + 1), a + 16.0 * c)
        num = (s + 1) * (m + 1)
        mode = int(float(num) * (both * nn1))
        if mode * (total + 2) > num:
            mode -= 1
        elif (mode + 1) * (total + 2) <= num:
            mode += 1
        rest = total - m - s
        b0, b1, b2, b3 = float(mode), float(m - mode), float(s - mode), float(rest + mode)
        bmin = min(min(b0, b1), min(b2, b3))
        fast = bmin >= _TABLE_SIZE + 0.0
        l_up, g0, g2_lo, g2_hi = 0.0, 0.0, 0.0, 0.0
        # The bracket needs w <= 1/(2 c_j) for the four reciprocals below (w < bmin / 2).
        # Below that size T(k) is a few table lookups: no bracket (w = -1).
        w = min(int(bracket_sd * c) + 1, int(0.5 * bmin) - 1) if fast else -1
        if w > 0:
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
        return (m, s, rest, mode, w, fast, a, h, upper, b0, b1, b2, b3, l_up, g0, g2_lo, g2_hi)

    @jit
    def hrua_log_ratio(st, k):
        """T(k) = log f(k) - log f(mode) of the hypergeometric law set up in ``st``."""
        m, s, rest, mode = st[0], st[1], st[2], st[3]
        if st[5] and min(min(k, m - k), min(s - k, rest + k)) >= _TABLE_SIZE:
            # Stirling: log a! - log b! = step(b, d) + d (log b - 1) - tail(b), and
            # sum_j d_j (log b_j - 1) = (k - mode) log(b0 b3 / (b1 b2)).
            b0, b1, b2, b3 = st[9], st[10], st[11], st[12]
            p01 = b0 * b1
            p23 = b2 * b3
            r = 1.0 / (p01 * p23)
            i0, i1, i2, i3 = r * b1 * p23, r * b0 * p23, r * p01 * b3, r * p01 * b2  # 1 / b_j
            log_ratio = math.log((b0 * b3) / (b1 * b2))
            dk = float(k - mode)
            tails = ((stirling_tail_recip(i0) + stirling_tail_recip(i1))
                     + (stirling_tail_recip(i2) + stirling_tail_recip(i3)))
            return tails - dk * log_ratio - (
                (stirling_step(b0, i0, dk) + stirling_step(b1, i1, -dk))
                + (stirling_step(b2, i2, -dk) + stirling_step(b3, i3, dk)))
        return (logfactorial_ratio(mode, k) + logfactorial_ratio(m - mode, m - k)
                + logfactorial_ratio(s - mode, s - k) + logfactorial_ratio(rest + mode, rest + k))

    @leaf_jit
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

    @leaf_jit
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

    @leaf_jit
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

    @leaf_jit
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

    # ----------------------------------------------------------------- binomial
    @jit
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

    @leaf_jit
    def brua_setup(n, p):
        """Per-draw constants of BRUA for Bin(n, p), p <= 1/2: ``(n, mode, fast, a, h, upper,
        log_odds, b0, b1, i0, i1, log_ratio)``, read by :func:`brua_log_ratio`."""
        nf = float(n)
        q = 1.0 - p
        mean = nf * p
        a = mean + 0.5
        c = sqrt(mean * q + 0.5)
        h = d1 * c + d2
        upper = min(nf + 1.0, a + 16.0 * c)
        mode = int((nf + 1.0) * p)
        log_odds = math.log(p / q)
        b0, b1 = float(mode), float(n - mode)
        fast = min(b0, b1) >= _TABLE_SIZE + 0.0
        log_ratio = 0.0
        i0, i1 = 1.0, 1.0
        if fast:  # as in HRUA, with the odds folded into log_ratio
            i0, i1 = 1.0 / b0, 1.0 / b1
            log_ratio = math.log((q * b0) / (p * b1))
        return n, mode, fast, a, h, upper, log_odds, b0, b1, i0, i1, log_ratio

    @jit
    def brua_log_ratio(st, k):
        """T(k) = log f(k) - log f(mode) of the binomial law set up in ``st``."""
        n, mode = st[0], st[1]
        dk = float(k - mode)
        if st[2] and min(k, n - k) >= _TABLE_SIZE:
            tails = stirling_tail_recip(st[9]) + stirling_tail_recip(st[10])
            return tails - dk * st[11] - (stirling_step(st[7], st[9], dk)
                                          + stirling_step(st[8], st[10], -dk))
        return dk * st[6] + logfactorial_ratio(mode, k) + logfactorial_ratio(n - mode, n - k)

    @leaf_jit
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

    @jit
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

    @jit
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
    @jit
    def random_table(row_sums, col_sums, out, rowrem, state):
        """Fill ``out`` (r x c) with a uniform random table of the given margins."""
        nr, nc = out.shape
        total = 0
        for i in range(nr):
            rowrem[i] = row_sums[i]
            total += row_sums[i]
        for j in range(nc - 1):
            need = col_sums[j]
            rest = total
            last = nr - 1
            for i in range(nr - 1):
                if need == 0:  # the rest of the column is 0 (a draw of 0 balls uses no uniform)
                    last = i
                    break
                rest -= rowrem[i]
                x = hypergeometric(rowrem[i], rest, need, state)
                out[i, j] = x
                rowrem[i] -= x
                need -= x
            for i in range(last, nr):
                out[i, j] = 0
            out[last, j] = need
            rowrem[last] -= need
            total -= col_sums[j]
        for i in range(nr):
            out[i, nc - 1] = rowrem[i]

    @leaf_jit
    def below(bound, state):
        """Uniform integer in [0, bound) for 0 < bound < 2**32, exactly (Lemire 2019: a
        32 x 32-bit product of the draw's top half, rejecting the 2**32 mod bound low ends)."""
        b = np.uint64(bound)
        m = (next_u64(state) >> shift32) * b
        low = m & mask32
        if low < b:
            threshold = (two32 - b) % b
            while low < threshold:
                m = (next_u64(state) >> shift32) * b
                low = m & mask32
        return int(m >> shift32)

    @leaf_jit
    def zero_products(m_out, ra, cb):
        """Set the outputs of :func:`pattern_products` / :func:`shuffle_products` to 0."""
        ni, nk = m_out.shape
        for i in range(ni):
            ra[i] = 0.0
            for k in range(nk):
                m_out[i, k] = 0.0
        for k in range(nk):
            cb[k] = 0.0

    @jit
    def shuffle_products(row_sums, col_sums, a_ind, b_ind, m_out, ra, cb, labels, state):
        """:func:`pattern_products` of a random table with margins ``row_sums`` x
        ``col_sums`` (the law of :func:`random_table`), without forming the table; returns n.

        The urn holds one ball per unit of ``row_sums``, labelled with its row (``labels``,
        length >= n); column q takes ``col_sums[q]`` balls drawn without replacement (partial
        Fisher-Yates), the last column what is left. The A rows of a column's balls are summed
        into ``ra`` (a scratch until the end), then ``M += sum B[q]``. Every sum is an
        integer below 2**53, so M, ra, cb equal those of the drawn table exactly; with
        identity ``a_ind`` and ``b_ind``, M is the table. Cost: n (I + 1) plus, per column,
        I K at most, instead of the table's Pa Pb cells, twice.
        """
        nr = row_sums.shape[0]
        nc = col_sums.shape[0]
        ni = a_ind.shape[1]
        nk = b_ind.shape[1]
        zero_products(m_out, ra, cb)
        left = 0
        for p in range(nr):
            for _ in range(row_sums[p]):
                labels[left] = p
                left += 1
        n = float(left)
        for q in range(nc):
            c = col_sums[q]
            if c <= 0:
                continue
            for k in range(nk):
                cb[k] += b_ind[q, k] * float(c)
            for i in range(ni):
                ra[i] = 0.0
            if q < nc - 1:
                for _ in range(c):
                    t = below(left, state)
                    p = labels[t]
                    left -= 1
                    labels[t] = labels[left]
                    for i in range(ni):
                        ra[i] += a_ind[p, i]
            else:  # the last column takes the balls left
                for ball in range(left):
                    p = labels[ball]
                    for i in range(ni):
                        ra[i] += a_ind[p, i]
            for i in range(ni):
                ti = ra[i]
                if ti != 0.0:
                    for k in range(nk):
                        m_out[i, k] += ti * b_ind[q, k]
        for i in range(ni):
            ra[i] = 0.0
        for p in range(nr):
            if row_sums[p] > 0:
                for i in range(ni):
                    ra[i] += a_ind[p, i] * float(row_sums[p])
        return n

    # ----------------------------------------------------------------- statistics
    @jit
    def pearson(tab, row_sums, col_sums, n):
        """Pearson's X^2 = sum (O - E)^2 / E, E = r_i c_j / n, cells with E = 0 skipped."""
        nr, nc = tab.shape
        nf = float(n)
        stat = 0.0
        if n <= 0:
            return stat
        for i in range(nr):
            ri = float(row_sums[i])
            for j in range(nc):
                e = ri * float(col_sums[j]) / nf
                if e > 0.0:
                    d = float(tab[i, j]) - e
                    stat += d * d / e
        return stat

    @jit
    def g_statistic(tab, row_sums, col_sums, n):
        """G = 2 sum O ln(O/E) (O = 0 terms are 0), summed as 2 sum [O ln(O/E) - (O - E)]."""
        nr, nc = tab.shape
        nf = float(n)
        stat = 0.0
        if n <= 0:
            return stat
        for i in range(nr):
            ri = float(row_sums[i])
            for j in range(nc):
                e = ri * float(col_sums[j]) / nf
                if e > 0.0:
                    o = float(tab[i, j])
                    d = (o - e) / e
                    if o == 0.0:
                        stat += e
                    elif abs(d) < g_series_max:
                        poly = 0.0
                        for jj in range(g_series.shape[0] - 1, -1, -1):
                            poly = poly * d + g_series[jj]
                        stat += e * (d * d * poly)
                    else:
                        stat += o * math.log(o / e) - (o - e)
        return 2.0 * stat

    @jit
    def pattern_products(joint, a_ind, b_ind, m_out, ra, cb):
        """M = A' J B, ra = A' (J 1), cb = B' (J' 1) into the outputs; returns n = sum J."""
        npa, npb = joint.shape
        ni = a_ind.shape[1]
        nk = b_ind.shape[1]
        zero_products(m_out, ra, cb)
        # Only the nonzero cells of J (at most n of them) are visited. With integer-valued
        # J, A and B every partial sum is an integer below 2**53: exact in any order.
        n = 0.0
        for p in range(npa):
            row = 0.0
            for q in range(npb):
                jpq = float(joint[p, q])
                if jpq != 0.0:
                    row += jpq
                    for k in range(nk):
                        cb[k] += jpq * b_ind[q, k]
            if row == 0.0:
                continue
            n += row
            for i in range(ni):
                aip = a_ind[p, i]
                if aip == 0.0:
                    continue
                ra[i] += aip * row
                for q in range(npb):
                    jpq = float(joint[p, q])
                    if jpq != 0.0:
                        v = aip * jpq
                        for k in range(nk):
                            m_out[i, k] += v * b_ind[q, k]
        return n

    @jit
    def mmi_item(m_in, ra, tot, k):
        """Pearson's X^2 of the I x 2 table [M[:, k], ra - M[:, k]] (``tot`` = sum ra); 0
        when a column margin is 0; rows with ``ra[i] = 0`` skipped."""
        ni = m_in.shape[0]
        s1 = 0.0
        for i in range(ni):
            s1 += m_in[i, k]
        s0 = tot - s1
        stat = 0.0
        if s1 == 0.0 or s0 == 0.0:
            return stat
        for i in range(ni):
            if ra[i] > 0.0:
                e1 = ra[i] * s1 / tot
                e0 = ra[i] * s0 / tot
                d1_ = m_in[i, k] - e1
                d0_ = (ra[i] - m_in[i, k]) - e0
                stat += d1_ * d1_ / e1
                stat += d0_ * d0_ / e0
        return stat

    @jit
    def mmi(m_in, ra, cb, n):
        """Sum over k (in order) of :func:`mmi_item`: the MMI statistic."""
        ni, nk = m_in.shape
        tot = 0.0
        for i in range(ni):
            tot += ra[i]
        stat = 0.0
        for k in range(nk):
            stat += mmi_item(m_in, ra, tot, k)
        return stat

    @jit
    def spmi_item(m_in, ra, cb, n, i, k):
        """Pearson's X^2 of the 2 x 2 table of (A_i, B_k) co-selection; 0 when a margin
        is 0."""
        r1 = ra[i]
        r0 = n - r1
        c1 = cb[k]
        c0 = n - c1
        if r1 == 0.0 or r0 == 0.0 or c1 == 0.0 or c0 == 0.0:
            return 0.0
        n11 = m_in[i, k]
        det = n11 * (r0 - c1 + n11) - (r1 - n11) * (c1 - n11)
        return n * det * det / (r1 * r0 * c1 * c0)

    @jit
    def spmi(m_in, ra, cb, n):
        """Sum over (i, k) (row-major order) of :func:`spmi_item`: the SPMI statistic."""
        ni, nk = m_in.shape
        stat = 0.0
        for i in range(ni):
            for k in range(nk):
                stat += spmi_item(m_in, ra, cb, n, i, k)
        return stat

    @jit
    def table_statistic(tab, row_sums, col_sums, n, statistic):
        """Pearson's X^2 (``statistic`` 0) or G (1) of a table: what every replicate and the
        observed table are scored with."""
        if statistic == 0:
            return pearson(tab, row_sums, col_sums, n)
        return g_statistic(tab, row_sums, col_sums, n)

    @jit
    def pattern_statistic(m_in, ra, cb, n, kind):
        """MMI (``kind`` 0) or SPMI (1) from the products of :func:`pattern_products`."""
        if kind == 0:
            return mmi(m_in, ra, cb, n)
        return spmi(m_in, ra, cb, n)

    @jit
    def observed_patterns(joint, a_ind, b_ind, kind, m_out, ra, cb, items):
        """Statistic (returned) and item statistics (into ``items``: 1 x K for MMI, I x K for
        SPMI) of an observed pattern table, from the products the replicates use."""
        n = pattern_products(joint, a_ind, b_ind, m_out, ra, cb)
        ni, nk = m_out.shape
        if kind == 0:
            tot = 0.0
            for i in range(ni):
                tot += ra[i]
            for k in range(nk):
                items[0, k] = mmi_item(m_out, ra, tot, k)
        else:
            for i in range(ni):
                for k in range(nk):
                    items[i, k] = spmi_item(m_out, ra, cb, n, i, k)
        return pattern_statistic(m_out, ra, cb, n, kind)

    @jit
    def varying_columns(counts, ind, totals):
        """Number of columns of ``ind`` whose total over the patterns weighted by ``counts``
        is strictly between 0 and n = sum(counts) (``totals`` is scratch, >= ind columns)."""
        npat, ncol = ind.shape
        for j in range(ncol):
            totals[j] = 0.0
        n = 0.0
        for p in range(npat):
            c = float(counts[p])
            if c > 0.0:
                n += c
                for j in range(ncol):
                    totals[j] += ind[p, j] * c
        v = 0
        for j in range(ncol):
            if 0.0 < totals[j] < n:
                v += 1
        return v

    # ----------------------------------------------------------------- one replicate
    @jit
    def table_replicate(row_sums, col_sums, n, statistic, seed, replicate, tab, rowrem, state):
        """Draw replicate ``replicate``'s table into ``tab``; return its statistic."""
        state[0] = stream_start(seed, replicate)
        random_table(row_sums, col_sums, tab, rowrem, state)
        return table_statistic(tab, row_sums, col_sums, n, statistic)

    @jit
    def pattern_replicate(row_counts, col_counts, row_weights, col_weights, a_ind, b_ind,
                          kind, mode, shuffle, seed, replicate, joint, rowrem, labels,
                          a_counts, b_counts, m_out, ra, cb, state):
        """Draw replicate ``replicate``'s pattern table; return its MMI (0) / SPMI (1).

        ``shuffle`` 1: :func:`shuffle_products` (``labels`` holds >= n; ``joint`` and
        ``rowrem`` unused); 0: :func:`random_table` then :func:`pattern_products` (same law,
        other draws; the drivers choose, the same way on every target).

        ``mode`` 1 (bootstrap): both margins are resampled first; a resample in which a
        column of ``a_ind`` or ``b_ind`` (an item, or a level of a single-choice question)
        that varies in the data does not vary is discarded and drawn again from the same
        stream, as Bilder & Loughin (2004) discard them (up to ``MAX_REDRAWS`` times; then
        the replicate scores ``DEGENERATE``).
        """
        state[0] = stream_start(seed, replicate)
        rows, cols = row_counts, col_counts
        if mode == 1:  # bootstrap: both margins resampled first
            n = 0
            for p in range(row_counts.shape[0]):
                n += row_counts[p]
            want_a = varying_columns(row_counts, a_ind, ra)
            want_b = varying_columns(col_counts, b_ind, cb)
            valid = False
            for _ in range(max_redraws):
                multinomial(n, row_weights, a_counts, state)
                multinomial(n, col_weights, b_counts, state)
                if (varying_columns(a_counts, a_ind, ra) == want_a
                        and varying_columns(b_counts, b_ind, cb) == want_b):
                    valid = True
                    break
            if not valid:
                return degenerate
            rows, cols = a_counts, b_counts
        if shuffle == 1:
            total = shuffle_products(rows, cols, a_ind, b_ind, m_out, ra, cb, labels, state)
        else:
            random_table(rows, cols, joint, rowrem, state)
            total = pattern_products(joint, a_ind, b_ind, m_out, ra, cb)
        return pattern_statistic(m_out, ra, cb, total, kind)

    return SimpleNamespace(
        rng=r, logfactorial=logfactorial, logfactorial_ratio=logfactorial_ratio,
        log1p_series=log1p_series, log_u_bounds=log_u_bounds,
        hrua_setup=hrua_setup, hrua_log_ratio=hrua_log_ratio, hrua_bracket=hrua_bracket,
        brua_setup=brua_setup, brua_log_ratio=brua_log_ratio, hypergeometric=hypergeometric,
        binomial=binomial, multinomial=multinomial,
        below=below, random_table=random_table, shuffle_products=shuffle_products,
        pearson=pearson, g_statistic=g_statistic,
        pattern_products=pattern_products, mmi_item=mmi_item, mmi=mmi, spmi_item=spmi_item,
        spmi=spmi, table_statistic=table_statistic, pattern_statistic=pattern_statistic,
        observed_patterns=observed_patterns, varying_columns=varying_columns,
        table_replicate=table_replicate, pattern_replicate=pattern_replicate,
    )
