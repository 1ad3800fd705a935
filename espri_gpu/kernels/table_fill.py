"""Random tables with both margins fixed, filled two ways from one random stream.

* :func:`random_table` ``(row_sums, col_sums, table, rowrem, state)``: uniform over the r x c
  tables with the given margins (the law of Patefield 1981). The columns whose total reaches
  :func:`~espri_gpu.kernels.registry.ball_limit` (``32 (r - 1)``) are filled first, in order,
  with ``table[i, j] ~ Hypergeometric(rowrem[i], sum_{i' > i} rowrem[i'], remaining of column
  j)`` (:func:`espri_gpu.kernels.samplers.hypergeometric`; last row by subtraction), the
  other columns then ball by ball (:func:`ball_columns`: each row draws its remaining sum of
  balls from the urn of those columns' balls, the fullest row takes the rest); when every
  column is filled by draws, the last column is the remaining row sums. Both margins are
  exact on every draw. Every way of filling gives the same law (a column of a uniform table
  is multivariate hypergeometric, and the rest uniform given it). Tables with small
  columns (total 258 in a 10 x 15 table, say) used to be filled by draws too: for them a
  seed now gives other tables than it did before the ball fill (same law, same p-values up
  to Monte-Carlo error); tables whose columns all reach the limit draw what they drew.
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

from espri_gpu.kernels.registry import BALL_COLUMN_RATIO

from .samplers import below, hypergeometric
from .statistics import zero_products

__all__ = ["ball_columns", "hypergeometric_column", "random_table", "shuffle_products"]


def hypergeometric_column(j, need, total, out, rowrem, state):
    """Fill column ``j`` of ``out`` with ``need`` balls by conditional hypergeometric draws
    from the remaining row sums ``rowrem`` (their sum is ``total``), row by row, the last
    row (or the first with nothing left to place) by subtraction."""
    nr = out.shape[0]
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


def ball_columns(col_sums, limit, out, rowrem, state):
    """Fill the columns of ``out`` whose total is below ``limit`` ball by ball.

    The urn (``rowrem[nr:]``) holds one ball per unit of those columns, labelled with its
    column; each row but the fullest takes its remaining sum ``rowrem[i]`` of balls drawn
    without replacement (partial Fisher-Yates with exact bounded integers), the fullest row
    the balls left.
    """
    nr, nc = out.shape
    left = 0
    for j in range(nc):
        if col_sums[j] < limit:
            for i in range(nr):
                out[i, j] = 0
            for _ in range(col_sums[j]):
                rowrem[nr + left] = j
                left += 1
    last = 0
    for i in range(1, nr):
        if rowrem[i] > rowrem[last]:
            last = i
    for i in range(nr):
        if i != last:
            for _ in range(rowrem[i]):
                t = below(left, state)
                left -= 1
                j = rowrem[nr + t]
                rowrem[nr + t] = rowrem[nr + left]
                out[i, j] += 1
    for t in range(left):
        out[last, rowrem[nr + t]] += 1


def random_table(row_sums, col_sums, out, rowrem, state):
    """Fill ``out`` (r x c) with a uniform random table of the given margins.

    ``rowrem`` is scratch of length :func:`espri_gpu.kernels.registry.table_scratch`: the
    remaining row sums, then the urn of the columns filled ball by ball.
    """
    nr, nc = out.shape
    total = 0
    for i in range(nr):
        rowrem[i] = row_sums[i]
        total += row_sums[i]
    limit = BALL_COLUMN_RATIO * (nr - 1)
    balls = 0
    for j in range(nc):
        if col_sums[j] < limit:
            balls += col_sums[j]
    for j in range(nc):
        need = col_sums[j]
        if need < limit:
            continue
        if balls == 0 and j == nc - 1:  # the last column takes what is left
            for i in range(nr):
                out[i, j] = rowrem[i]
        else:
            hypergeometric_column(j, need, total, out, rowrem, state)
            total -= need
    if balls > 0:
        ball_columns(col_sums, limit, out, rowrem, state)


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
