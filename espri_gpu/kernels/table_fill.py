"""Random tables with both margins fixed, from one random stream: as tables or as J B.

* :func:`random_table` ``(row_sums, col_sums, table, rowrem, lf, state)``: uniform over the r x c
  tables with the given margins (the law of Patefield 1981). The columns whose total reaches
  :func:`~espri_gpu.kernels.registry.ball_limit` (``32 (r - 1)``) are filled first, in order,
  with ``table[i, j] ~ Hypergeometric(rowrem[i], sum_{i' > i} rowrem[i'], remaining of column
  j)`` (:func:`espri_gpu.kernels.samplers.hypergeometric_table`, with the run's table ``lf``
  of ``log k!``; last row by subtraction), the
  other columns then ball by ball (:func:`ball_columns`: each row draws its remaining sum of
  balls from the urn of those columns' balls, the fullest row takes the rest); when every
  column is filled by draws, the last column is the remaining row sums. Both margins are
  exact on every draw. Every way of filling gives the same law (a column of a uniform table
  is multivariate hypergeometric, and the rest uniform given it). Tables with small
  columns (total 258 in a 10 x 15 table, say) used to be filled by draws too: for them a
  seed now gives other tables than it did before the ball fill (same law, same p-values up
  to Monte-Carlo error). Tables of total up to
  :data:`~espri_gpu.kernels.registry.LOGFACTORIAL_TABLE_MAX` (2**17) read HRUA's
  log-densities from ``lf`` since #15 (faster): the same uniforms and decisions, so a seed
  gives the tables it gave, save where a last-bit difference decides a draw (none in 60,000
  tables of totals 2e3 to 2**17; same law in any case); larger tables draw what they drew.
* :func:`random_tables2`: :func:`random_table` for two replicates at once, their columns'
  draws interleaved row by row (:func:`hypergeometric_columns2`): the same tables, but the two
  chains of dependent draws (each draw needs the previous one's count) overlap on the CPU's
  out-of-order cores (a 10 x 15 table at total 41,000: 4.75 -> 4.3 us on one thread). The
  CPU's Monte-Carlo kernel draws its replicates in pairs; the GPU, which hides latency with
  other warps, one per thread.
* :func:`pattern_ticks` ``(row_counts, col_counts, b_ind, b_words, ticks, rowrem, labels,
  state)``: ``J B`` of a random pattern table J of the same law, without forming J: the
  columns reaching :func:`~espri_gpu.kernels.registry.pattern_limit` by conditional
  hypergeometric draws down the rows, the others ball by ball from the urn of their balls
  labelled with their column (two exact bounded integers per 64-bit draw), the packed rows
  of B (:func:`~espri_gpu.kernels.registry.pack_items`) of each row's balls summed in
  registers. O(respondents in small columns) integer work per replicate, no float work per
  respondent. The MMI/SPMI replicates use it (:func:`.replicates.pattern_replicate`); it
  replaced a fill that drew every respondent and summed A and B rows in floats, so a seed
  gives other pattern tables than before (same law).

Device functions, compiled per target by :mod:`espri_gpu.kernels.targets`.
"""

from __future__ import annotations

import numpy as np

from espri_gpu.kernels.registry import BALL_COLUMN_RATIO, PATTERN_BALL_RATIO
from espri_gpu.kernels.targets import inline

from .samplers import below, below2, below2_from, hypergeometric, hypergeometric_table

__all__ = ["add_balls", "add_column_ticks", "ball_columns", "fill_urn", "fullest_row",
           "hypergeometric_column", "hypergeometric_columns2", "pattern_ticks", "random_table",
           "random_tables2", "table_plan", "unpack_ticks"]

_FIELD = np.uint64(0xFF)
_FIELD_MAX = 0xFF
_ZERO = np.uint64(0)


def hypergeometric_column(j, need, total, out, rowrem, lf, state):
    """Fill column ``j`` of ``out`` with ``need`` balls by conditional hypergeometric draws
    (:func:`.samplers.hypergeometric_table`, the run's log-factorials ``lf``) from the
    remaining row sums ``rowrem`` (their sum is ``total``), row by row, the last row (or the
    first with nothing left to place) by subtraction."""
    nr = out.shape[0]
    rest = total
    last = nr - 1
    for i in range(nr - 1):
        if need == 0:  # the rest of the column is 0 (a draw of 0 balls uses no uniform)
            last = i
            break
        rest -= rowrem[i]
        x = hypergeometric_table(rowrem[i], rest, need, lf, state)
        out[i, j] = x
        rowrem[i] -= x
        need -= x
    for i in range(last, nr):
        out[i, j] = 0
    out[last, j] = need
    rowrem[last] -= need


@inline
def fill_urn(col_sums, limit, urn, base):
    """Write one ball per unit of each column below ``limit``, labelled with its column, to
    ``urn[base:]`` in column order; return the number of balls."""
    left = 0
    for j in range(col_sums.shape[0]):
        if col_sums[j] < limit:
            for _ in range(col_sums[j]):
                urn[base + left] = j
                left += 1
    return left


@inline
def fullest_row(rowrem, nr):
    """The first of the rows ``0 .. nr - 1`` with the largest ``rowrem``."""
    last = 0
    for i in range(1, nr):
        if rowrem[i] > rowrem[last]:
            last = i
    return last


def ball_columns(col_sums, limit, out, rowrem, state):
    """Fill the columns of ``out`` whose total is below ``limit`` ball by ball.

    The urn (``rowrem[nr:]``) holds one ball per unit of those columns, labelled with its
    column; each row but the fullest takes its remaining sum ``rowrem[i]`` of balls drawn
    without replacement (partial Fisher-Yates with exact bounded integers), the fullest row
    the balls left.
    """
    nr, nc = out.shape
    for j in range(nc):
        if col_sums[j] < limit:
            for i in range(nr):
                out[i, j] = 0
    left = fill_urn(col_sums, limit, rowrem, nr)
    last = fullest_row(rowrem, nr)
    for i in range(nr):
        if i != last:
            s = state[0]
            for _ in range(rowrem[i] // 2):  # two balls per 64-bit draw
                t, u, s = below2_from(left, s)
                left -= 1
                j = rowrem[nr + t]
                rowrem[nr + t] = rowrem[nr + left]
                out[i, j] += 1
                left -= 1
                j = rowrem[nr + u]
                rowrem[nr + u] = rowrem[nr + left]
                out[i, j] += 1
            state[0] = s
            if rowrem[i] % 2 == 1:
                t = below(left, state)
                left -= 1
                j = rowrem[nr + t]
                rowrem[nr + t] = rowrem[nr + left]
                out[i, j] += 1
    for t in range(left):
        out[last, rowrem[nr + t]] += 1


@inline
def table_plan(row_sums, col_sums, rowrem):
    """Start a random table: the row sums copied to ``rowrem``; returns the total, the
    ball-fill limit (:func:`~espri_gpu.kernels.registry.ball_limit`) and the balls of the
    columns below it."""
    nr = row_sums.shape[0]
    total = 0
    for i in range(nr):
        rowrem[i] = row_sums[i]
        total += row_sums[i]
    limit = BALL_COLUMN_RATIO * (nr - 1)
    balls = 0
    for j in range(col_sums.shape[0]):
        if col_sums[j] < limit:
            balls += col_sums[j]
    return total, limit, balls


def random_table(row_sums, col_sums, out, rowrem, lf, state):
    """Fill ``out`` (r x c) with a uniform random table of the given margins.

    ``rowrem`` is scratch of length :func:`espri_gpu.kernels.registry.table_scratch`: the
    remaining row sums, then the urn of the columns filled ball by ball; ``lf`` the
    run's :func:`espri_gpu.kernels.registry.logfactorial_table` of the total.
    """
    nr, nc = out.shape
    total, limit, balls = table_plan(row_sums, col_sums, rowrem)
    for j in range(nc):
        need = col_sums[j]
        if need < limit:
            continue
        if balls == 0 and j == nc - 1:  # the last column takes what is left
            for i in range(nr):
                out[i, j] = rowrem[i]
        else:
            hypergeometric_column(j, need, total, out, rowrem, lf, state)
            total -= need
    if balls > 0:
        ball_columns(col_sums, limit, out, rowrem, state)


def hypergeometric_columns2(j, need, total, out_a, out_b, rowrem_a, rowrem_b, lf, state_a,
                            state_b):
    """:func:`hypergeometric_column` for column ``j`` of two tables at once (same column
    total, each with its own remaining row sums and stream), the two tables' draws
    interleaved row by row: each table's draws are those of :func:`hypergeometric_column`
    (a draw of 0 balls uses no uniform, so drawing on after a column is full changes
    nothing), and the two dependent chains of draws overlap on an out-of-order CPU."""
    nr = out_a.shape[0]
    need_a = need
    need_b = need
    rest_a = total
    rest_b = total
    for i in range(nr - 1):
        rest_a -= rowrem_a[i]
        rest_b -= rowrem_b[i]
        xa = hypergeometric_table(rowrem_a[i], rest_a, need_a, lf, state_a)
        xb = hypergeometric_table(rowrem_b[i], rest_b, need_b, lf, state_b)
        out_a[i, j] = xa
        out_b[i, j] = xb
        rowrem_a[i] -= xa
        rowrem_b[i] -= xb
        need_a -= xa
        need_b -= xb
    out_a[nr - 1, j] = need_a
    out_b[nr - 1, j] = need_b
    rowrem_a[nr - 1] -= need_a
    rowrem_b[nr - 1] -= need_b


def random_tables2(row_sums, col_sums, out_a, out_b, rowrem_a, rowrem_b, lf, state_a,
                   state_b):
    """:func:`random_table` into ``out_a`` and ``out_b`` from the streams ``state_a`` and
    ``state_b`` (the tables :func:`random_table` draws from each), the columns drawn by
    hypergeometric draws interleaved (:func:`hypergeometric_columns2`)."""
    nr, nc = out_a.shape
    total, limit, balls = table_plan(row_sums, col_sums, rowrem_a)
    table_plan(row_sums, col_sums, rowrem_b)
    for j in range(nc):
        need = col_sums[j]
        if need < limit:
            continue
        if balls == 0 and j == nc - 1:  # the last column takes what is left
            for i in range(nr):
                out_a[i, j] = rowrem_a[i]
                out_b[i, j] = rowrem_b[i]
        else:
            hypergeometric_columns2(j, need, total, out_a, out_b, rowrem_a, rowrem_b, lf,
                                    state_a, state_b)
            total -= need
    if balls > 0:
        ball_columns(col_sums, limit, out_a, rowrem_a, state_a)
        ball_columns(col_sums, limit, out_b, rowrem_b, state_b)


@inline
def add_column_ticks(ticks, p, b_ind, q, x):
    """``ticks[p] += x B[q]`` (B a 0/1 indicator matrix)."""
    for k in range(ticks.shape[1]):
        if b_ind[q, k] != 0.0:
            ticks[p, k] += x


@inline
def unpack_ticks(ticks, p, word0, w0, w1):
    """Add the sixteen 8-bit counts packed in ``w0, w1`` (items ``8 word0 ..``) to
    ``ticks[p]``."""
    nk = ticks.shape[1]
    base = 8 * word0
    for f in range(8):
        shift = np.uint64(8 * f)
        if base + f < nk:
            ticks[p, base + f] += int((w0 >> shift) & _FIELD)
        if base + 8 + f < nk:
            ticks[p, base + 8 + f] += int((w1 >> shift) & _FIELD)


@inline
def add_balls(ticks, p, labels, lo, hi, b_words, word0):
    """``ticks[p] += sum of B[labels[t]]`` over ``lo <= t < hi``, items ``8 word0 ..
    8 word0 + 15``: two packed words per ball, unpacked every 255 balls."""
    while lo < hi:
        end = min(hi, lo + _FIELD_MAX)
        w0 = w1 = _ZERO
        for t in range(lo, end):
            x = labels[t]
            w0 += b_words[x, word0]
            w1 += b_words[x, word0 + 1]
        unpack_ticks(ticks, p, word0, w0, w1)
        lo = end


def pattern_ticks(row_counts, col_counts, b_ind, b_words, ticks, rowrem, labels, state):
    """``ticks = J B`` of a random pattern table J with margins ``row_counts`` x
    ``col_counts`` (the law of :func:`random_table`), without forming J; returns n.

    ``b_words`` is B packed eight items per ``uint64`` (8 bits each, two words per 16
    items: :func:`espri_gpu.kernels.registry.pack_items`); sums of up to 255 balls' words
    are exact and are then unpacked into ``ticks``. Columns whose count reaches
    :func:`espri_gpu.kernels.registry.pattern_limit` are drawn first, in order, by
    conditional hypergeometric draws down the rows (the last of them takes the remaining
    row counts when no column is small); the other columns' balls, labelled with their
    column, fill an urn (``labels``), from which each row but the (first) fullest draws its
    remaining count without replacement (partial Fisher-Yates, drawn balls moved to the end
    of the urn) while the packed B rows of its balls are summed in registers; the fullest
    row takes the balls left. All sums are exact integers.
    """
    npa = ticks.shape[0]  # (the counts may be padded scratch rows)
    npb = b_ind.shape[0]
    nw = b_words.shape[1]
    limit = PATTERN_BALL_RATIO * (npa - 1)
    n = 0
    for p in range(npa):
        rowrem[p] = row_counts[p]
        n += row_counts[p]
        for k in range(ticks.shape[1]):
            ticks[p, k] = 0
    small = 0
    last_big = -1
    for q in range(npb):
        c = col_counts[q]
        if c < limit:
            small += c
        elif c > 0:
            last_big = q
    total = n
    for q in range(last_big + 1):
        need = col_counts[q]
        if need < limit or need == 0:
            continue
        if small == 0 and q == last_big:  # the last column takes what is left
            for p in range(npa):
                if rowrem[p] > 0:
                    add_column_ticks(ticks, p, b_ind, q, rowrem[p])
            break
        rest = total
        for p in range(npa - 1):
            if need == 0:
                break
            rest -= rowrem[p]
            x = hypergeometric(rowrem[p], rest, need, state)
            if x > 0:
                rowrem[p] -= x
                need -= x
                add_column_ticks(ticks, p, b_ind, q, x)
        if need > 0:
            rowrem[npa - 1] -= need
            add_column_ticks(ticks, npa - 1, b_ind, q, need)
        total -= col_counts[q]
    if small == 0:
        return n
    left = fill_urn(col_counts, limit, labels, 0)
    fullest = fullest_row(rowrem, npa)
    for p in range(npa):
        if p == fullest or rowrem[p] == 0:
            continue
        hi = left
        pairs = rowrem[p] // 2
        while pairs > 0:  # draw two balls per 64-bit draw, moving them to labels[left:hi]
            part = min(pairs, _FIELD_MAX // 2)
            pairs -= part
            w0 = w1 = _ZERO  # items 0-15, summed here; the others below
            for _ in range(part):
                t, u = below2(left, state)
                left -= 1
                x = labels[t]
                labels[t] = labels[left]
                labels[left] = x
                w0 += b_words[x, 0]
                w1 += b_words[x, 1]
                left -= 1
                x = labels[u]
                labels[u] = labels[left]
                labels[left] = x
                w0 += b_words[x, 0]
                w1 += b_words[x, 1]
            unpack_ticks(ticks, p, 0, w0, w1)
        if rowrem[p] % 2 == 1:
            t = below(left, state)
            left -= 1
            x = labels[t]
            labels[t] = labels[left]
            labels[left] = x
            unpack_ticks(ticks, p, 0, b_words[x, 0], b_words[x, 1])
        for word0 in range(2, nw, 2):  # items 16 and on
            add_balls(ticks, p, labels, left, hi, b_words, word0)
    for word0 in range(0, nw, 2):
        add_balls(ticks, fullest, labels, 0, left, b_words, word0)
    return n


# ----------------------------------------------------------------- statistics
