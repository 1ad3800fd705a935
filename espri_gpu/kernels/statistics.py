"""Statistics of a table and of a pattern table, for the observed data and every replicate.

Table statistics (:func:`pearson`, :func:`g_statistic`) take the table and its margins;
pattern statistics (:func:`mmi`, :func:`spmi`) the products ``M = A' J B``, ``ra = A' (J 1)``,
``cb = B' (J' 1)`` of the pattern table ``J`` and the pattern x option indicators ``A``, ``B``
(:func:`pattern_products`, or :func:`ticks_products` from ``J B``, which
:func:`espri_gpu.kernels.table_fill.pattern_ticks` draws without forming ``J``). Cells with
zero expected count are skipped. Consequences: a table with a zero margin gets the statistic
of the table without that row/column; a 2 x 2 table (SPMI) or an I x 2 table with a zero
column margin (MMI) contributes 0; MMI drops the rows of options nobody chose. G is summed as
``2 sum [O ln(O/E) - (O - E)]`` (equal to ``2 sum O ln(O/E)`` because both tables share
margins), whose terms are all >= 0 and, for ``|O/E - 1| < 1/8``, come from a
series: no cancellation, few-ulp accuracy.

One implementation per statistic: :func:`table_statistic` (X^2 or G) and
:func:`pattern_statistic` (MMI = sum over k of :func:`mmi_item`, SPMI = sum over (i, k) of
:func:`spmi_item`) score every replicate, and the same functions score the observed table
(:func:`table_statistic`, :func:`observed_patterns`, which also returns the item statistics
used by Bonferroni), through the ``observed_table`` / ``observed_patterns`` kernels on each
target. A replicate equal to the observed table therefore ties with it exactly. Pearson, MMI
and SPMI use ``+ - * /`` only, with every product that feeds an addition exact; G uses
``log``, and ties with the observed value are absorbed by the ``64 eps`` tolerance of the
exceedance count (:data:`espri_gpu.kernels.registry.EXCEEDANCE_RTOL`).

The codes ``statistic`` and ``kind`` are those of :mod:`espri_gpu.kernels.registry`. Device
functions, compiled per target by :mod:`espri_gpu.kernels.targets`.
"""

from __future__ import annotations

import math

import numpy as np

from espri_gpu.kernels.registry import MMI, PEARSON
from espri_gpu.kernels.targets import inline

__all__ = ["g_statistic", "mmi", "mmi_item", "observed_patterns", "pattern_products",
           "pattern_statistic", "pearson", "spmi", "spmi_item", "table_statistic",
           "ticks_products", "zero_products"]

#: Tables of fewer respondents get Pearson's X^2 from exact integers n O - r c (see pearson).
_PEARSON_EXACT_N = 2**26
# (1 + d) log1p(d) - d = d**2 * sum_j (-1)**j d**j / ((j + 1)(j + 2)), used for |d| < 1/8.
_G_SERIES_MAX = 0.125
_G_SERIES = np.array([(-1.0) ** j / ((j + 1) * (j + 2)) for j in range(18)])


# ----------------------------------------------------------------------------- tables
def pearson(tab, row_sums, col_sums, n):
    """Pearson's X^2 = sum (O - E)^2 / E, E = r_i c_j / n, cells with E = 0 skipped.

    Below n = 2**26 (every Monte-Carlo table but the largest) it is summed as ``(1/n) sum
    (n O - r c)^2 / (r c)``: ``n O - r c`` is an exact integer (every product below
    2**52), so each term has two roundings and one division (the textbook form divides twice
    per cell, which made the statistic ~10 % of a Monte-Carlo replicate at total 4.1e4).
    Every product that feeds an addition or a subtraction is exact, so a contracted FMA (the
    GPU compiler's default) gives the same value.
    """
    nr, nc = tab.shape
    nf = float(n)
    stat = 0.0
    if n <= 0:
        return stat
    if n < _PEARSON_EXACT_N:
        for i in range(nr):
            ri = float(row_sums[i])
            for j in range(nc):
                rc = ri * float(col_sums[j])
                if rc > 0.0:
                    d = float(tab[i, j]) * nf - rc
                    stat += d * d / rc
        return stat / nf
    for i in range(nr):
        ri = float(row_sums[i])
        for j in range(nc):
            e = ri * float(col_sums[j]) / nf
            if e > 0.0:
                d = float(tab[i, j]) - e
                stat += d * d / e
    return stat


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
                elif abs(d) < _G_SERIES_MAX:
                    poly = 0.0
                    for jj in range(_G_SERIES.shape[0] - 1, -1, -1):
                        poly = poly * d + _G_SERIES[jj]
                    stat += e * (d * d * poly)
                else:
                    stat += o * math.log(o / e) - (o - e)
    return 2.0 * stat


# ----------------------------------------------------------------------------- patterns
@inline
def zero_products(m_out, ra, cb):
    """Set the outputs of :func:`pattern_products` / :func:`ticks_products` to 0."""
    ni, nk = m_out.shape
    for i in range(ni):
        ra[i] = 0.0
        for k in range(nk):
            m_out[i, k] = 0.0
    for k in range(nk):
        cb[k] = 0.0


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


def ticks_products(ticks, row_counts, a_ind, m_out, ra, cb):
    """The products of :func:`pattern_products` from ``ticks = J B`` and the row margins of
    J: M = A' ticks, ra = A' (J 1), cb = ticks' 1 (exact integer sums, the same values)."""
    npa, nk = ticks.shape
    ni = a_ind.shape[1]
    zero_products(m_out, ra, cb)
    for p in range(npa):
        rp = float(row_counts[p])
        if rp == 0.0:
            continue
        for k in range(nk):
            cb[k] += float(ticks[p, k])
        for i in range(ni):
            aip = a_ind[p, i]
            if aip == 0.0:
                continue
            ra[i] += aip * rp
            for k in range(nk):
                m_out[i, k] += aip * float(ticks[p, k])


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


def spmi(m_in, ra, cb, n):
    """Sum over (i, k) (row-major order) of :func:`spmi_item`: the SPMI statistic."""
    ni, nk = m_in.shape
    stat = 0.0
    for i in range(ni):
        for k in range(nk):
            stat += spmi_item(m_in, ra, cb, n, i, k)
    return stat


# ----------------------------------------------------------------------------- by code
def table_statistic(tab, row_sums, col_sums, n, statistic):
    """Pearson's X^2 (``statistic`` PEARSON) or G (G) of a table: what every replicate and
    the observed table are scored with."""
    if statistic == PEARSON:
        return pearson(tab, row_sums, col_sums, n)
    return g_statistic(tab, row_sums, col_sums, n)


def pattern_statistic(m_in, ra, cb, n, kind):
    """MMI (``kind`` MMI) or SPMI (SPMI) from the products of :func:`pattern_products`."""
    if kind == MMI:
        return mmi(m_in, ra, cb, n)
    return spmi(m_in, ra, cb, n)


def observed_patterns(joint, a_ind, b_ind, kind, m_out, ra, cb, items):
    """Statistic (returned) and item statistics (into ``items``: 1 x K for MMI, I x K for
    SPMI) of an observed pattern table, from the products the replicates use."""
    n = pattern_products(joint, a_ind, b_ind, m_out, ra, cb)
    ni, nk = m_out.shape
    if kind == MMI:
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
