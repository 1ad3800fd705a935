"""Naive, easily auditable implementations used as test oracles."""

from __future__ import annotations

import itertools

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
