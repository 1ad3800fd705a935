"""Random tables with both margins fixed, filled two ways from one random stream.

* :func:`random_table` ``(row_sums, col_sums, table, rowrem, state)``: uniform over the r x c
  tables with the given margins (the law of Patefield 1981), filled column by column with
  ``table[i, j] ~ Hypergeometric(rowrem[i], sum_{i' > i} rowrem[i'], remaining of column j)``
  (:func:`espri_gpu.kernels.samplers.hypergeometric`); last row and last column by
  subtraction, so both margins are exact on every draw.
* :func:`shuffle_products` ``(row_sums, col_sums, a_ind, b_ind, m_out, ra, cb, labels,
  state)``: a table of the same law in ``total`` draws (each column's balls drawn without
  replacement from the urn of row labels: a partial Fisher-Yates shuffle with exact bounded
  integers, :func:`espri_gpu.kernels.samplers.below`), reduced on the fly to ``A' J B`` and
  the margins (:func:`espri_gpu.kernels.statistics.pattern_products`); with identity
  indicators ``A' J B`` is the table itself. The MMI/SPMI drivers use it when the pattern
  table has many more cells than respondents
  (:func:`espri_gpu.kernels.registry.shuffle_labels`).

Device functions, compiled per target by :mod:`espri_gpu.kernels.targets`.
"""

from __future__ import annotations

from .samplers import below, hypergeometric
from .statistics import zero_products

__all__ = ["random_table", "shuffle_products"]


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
