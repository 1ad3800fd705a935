"""Naive, easily auditable implementations used as test oracles."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np


def naive_split(cell: str, texts: list[str]) -> tuple[set[int], list[str]]:
    """Brute force: try every way to cut ``cell`` at ", " and keep a parse with the fewest
    unmatched characters (options first); unmatched consecutive pieces form one free text."""
    pieces = cell.split(", ")
    n = len(pieces)
    best: tuple[int, int, set[int], list[str]] | None = None
    for mask in range(1 << (n - 1)):
        groups, current = [], [pieces[0]]
        for i in range(1, n):
            if mask >> (i - 1) & 1:
                groups.append(current)
                current = [pieces[i]]
            else:
                current.append(pieces[i])
        groups.append(current)
        options: set[int] = set()
        free: list[str] = []
        run: list[str] = []
        unmatched = 0
        for group in groups:
            text = ", ".join(group)
            if text in texts:
                if run:
                    free.append(", ".join(run))
                    run = []
                options.add(texts.index(text))
            else:
                run.append(text)
                unmatched += len(text)
        if run:
            free.append(", ".join(run))
        key = (unmatched, len(free))
        if best is None or key < best[:2]:
            best = (unmatched, len(free), options, free)
    assert best is not None
    return best[2], best[3]


def naive_forms_split(cell: str, texts: list[str]) -> tuple[set[int], tuple[str, ...]]:
    """Brute force of the Google Forms reading: the longest run of leading ", " pieces that
    option texts cover in codebook order (non-decreasing) is ticked, the rest is one free
    text."""
    pieces = cell.split(", ")
    n = len(pieces)
    for covered in range(n, -1, -1):
        for mask in range(1 << max(covered - 1, 0)):
            groups, current = [], []
            for i in range(covered):
                current.append(pieces[i])
                if i == covered - 1 or mask >> i & 1:
                    groups.append(", ".join(current))
                    current = []
            indices = [texts.index(g) if g in texts else None for g in groups]
            if None in indices or indices != sorted(indices):
                continue
            free = ", ".join(pieces[covered:]).strip()
            return set(indices), (free,) if free else ()
    raise AssertionError("covered = 0 always succeeds")


def naive_crosstab(rows_a: list[set[str] | None], rows_b: list[set[str] | None],
                   levels_a: list[str], levels_b: list[str]) -> np.ndarray:
    """Count, respondent by respondent, the pairs of answers given to two questions."""
    table = np.zeros((len(levels_a), len(levels_b)), dtype=np.int64)
    for answers_a, answers_b in zip(rows_a, rows_b, strict=True):
        if answers_a is None or answers_b is None:
            continue
        for x, y in itertools.product(answers_a, answers_b):
            table[levels_a.index(x), levels_b.index(y)] += 1
    return table


# --------------------------------------------------------------------------- contingency tables
def tables_with_margins(rows, cols) -> list[np.ndarray]:
    """Every table with the given margins (brute force over the free cells)."""
    r, c = len(rows), len(cols)
    ranges = [range(min(rows[i], cols[j]) + 1) for i in range(r - 1) for j in range(c - 1)]
    found = []
    for free in itertools.product(*ranges):
        t = np.zeros((r, c), dtype=np.int64)
        t[:-1, :-1] = np.reshape(free, (r - 1, c - 1))
        t[:-1, -1] = np.asarray(rows[:-1]) - t[:-1, :-1].sum(axis=1)
        t[-1, :] = np.asarray(cols) - t[:-1, :].sum(axis=0)
        if (t >= 0).all() and t[-1].sum() == rows[-1]:
            found.append(t)
    return found


def table_probability(t: np.ndarray) -> float:
    """prod r_i! prod c_j! / (n! prod x_ij!), exactly (integers), as a float: the probability
    of a table given both margins under independence (multivariate hypergeometric)."""
    num = math.prod(math.factorial(int(v)) for v in [*t.sum(axis=1), *t.sum(axis=0)])
    den = math.factorial(int(t.sum())) * math.prod(math.factorial(int(v)) for v in t.ravel())
    return num / den


def reference_pearson(t) -> float:
    """Pearson's X² in exact rational arithmetic (cells with a zero expected count skipped)."""
    t = np.asarray(t)
    rows, cols, n = t.sum(axis=1), t.sum(axis=0), int(t.sum())
    total = Fraction(0)
    for i, j in itertools.product(range(t.shape[0]), range(t.shape[1])):
        e = Fraction(int(rows[i]) * int(cols[j]), n)
        if e > 0:
            total += (int(t[i, j]) - e) ** 2 / e
    return float(total)


def reference_g(t) -> float:
    """G = 2 Σ O ln(O n / (r c)) over cells with O > 0, as a correctly summed float."""
    t = np.asarray(t)
    rows, cols, n = t.sum(axis=1), t.sum(axis=0), int(t.sum())
    return 2.0 * math.fsum(
        int(t[i, j]) * math.log(Fraction(int(t[i, j]) * n, int(rows[i]) * int(cols[j])))
        for i, j in itertools.product(range(t.shape[0]), range(t.shape[1])) if t[i, j] > 0)


def pearson_of_nonempty(table) -> float:
    """SciPy's Pearson X² of ``table`` without its empty rows and columns; 0 when fewer than
    two of either remain (no association can be measured)."""
    from scipy import stats

    t = np.asarray(table)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return 0.0
    return float(stats.chi2_contingency(t, correction=False).statistic)


def exact_pvalue(table, statistic, rtol: float = 1e-9) -> float:
    """P(T* >= T_obs) over every table with the observed margins, each with its exact
    probability; values within ``rtol`` of the observed one count as ties (>=)."""
    t = np.asarray(table)
    observed = statistic(t)
    threshold = observed - rtol * max(abs(observed), 1.0)
    return math.fsum(table_probability(x) for x in
                     tables_with_margins(t.sum(axis=1).tolist(), t.sum(axis=0).tolist())
                     if statistic(x) >= threshold)


def nearest_float64(X, C, k: int | None = None) -> np.ndarray:
    """The float64 nearest centres: for each row and each run of ``k`` consecutive centres
    (all centres by default), the argmin of ``‖c‖² - 2 x·c`` (lowest index on ties), shape
    (rows, len(C) / k)."""
    X, C = np.asarray(X, dtype=np.float64), np.asarray(C, dtype=np.float64)
    k = C.shape[0] if k is None else k
    dist = np.sum(C * C, axis=1)[None, :] - 2.0 * (X @ C.T)
    return np.argmin(dist.reshape(X.shape[0], -1, k), axis=2)
