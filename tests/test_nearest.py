"""Nearest centres from float32 products (grouping.nearest): always the float64 argmin.

The oracle is the float64 computation itself (``tests/_reference.nearest_float64``). The
adversarial data put rows within 1e-10..1e-3 of the bisector of two centres, where a plain
float32 argmin is wrong for thousands of rows; exact ties check the lowest-index rule.
"""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

from espri_gpu import load_example
from espri_gpu.grouping import consolidation, groups, patterns
from espri_gpu.grouping import nearest as nearest_mod
from espri_gpu.grouping.consolidation import _lloyd
from espri_gpu.grouping.nearest import nearest, prepare_centres, prepare_rows
from espri_gpu.grouping.patterns import nearest_centre
from espri_gpu.workloads import groups_data

from ._reference import nearest_float64


def near_ties(rng: np.random.Generator, n: int, d: int, k: int, scale: float = 1.0,
              offset: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose two nearest centres a, b have float64 distances differing by ±1e-10..1e-3
    (× scale², a third of them within 1e-9): a point near the middle of c_a and c_b moved
    along c_b - c_a onto the chosen difference."""
    C = offset + scale * rng.standard_normal((k, d))
    a = rng.integers(0, k, n)
    b = (a + 1 + rng.integers(0, k - 1, n)) % k
    X = (C[a] + C[b]) / 2 + 0.05 * scale * rng.standard_normal((n, d))
    t = rng.choice([-1.0, 1.0], n) * scale**2 * np.where(
        rng.random(n) < 1 / 3, rng.uniform(0, 1e-9, n), 10.0 ** rng.uniform(-10, -3, n))
    e = C[b] - C[a]
    gap = np.sum(C[b] ** 2, axis=1) - np.sum(C[a] ** 2, axis=1)
    X += ((gap - 2 * np.sum(X * e, axis=1) - t) / (2 * np.sum(e * e, axis=1)))[:, None] * e
    return X, C


def plain_float32(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """What the float32 products alone give (the wrong answer the bound must catch)."""
    c2 = np.sum(C * C, axis=1).astype(np.float32)
    return np.argmin(c2[None, :] - 2 * (X.astype(np.float32) @ C.T.astype(np.float32)), axis=1)


def run(X, C, k):
    return nearest(prepare_rows(X, np), 0, X.shape[0], prepare_centres(C, np), k, np)


@pytest.mark.parametrize(("d", "scale", "offset"), [
    (2, 1.0, 0.5),       # short products: float32's error near its bound (a bound 10x too
                         # small gives wrong labels here)
    (8, 1.0, 0.0),       # centred rows (negative values)
    (30, 1.0, 0.5),
    (200, 1.0, 0.0),
    (30, 1000.0, 0.0),   # weighted rows
    (30, 1e-3, 1e-3),
])
def test_near_ties_give_the_float64_argmin_where_float32_alone_does_not(d, scale, offset):
    rng = np.random.default_rng(d)
    X, C = near_ties(rng, 5000, d, 4, scale, offset)
    expected = nearest_float64(X, C)
    labels, rechecked = run(X, C, 4)
    np.testing.assert_array_equal(labels, expected)
    assert (plain_float32(X, C) != expected[:, 0]).sum() > 100  # the data can catch a slip
    assert rechecked > 0


def test_exact_ties_go_to_the_lowest_index():
    rng = np.random.default_rng(1)
    # dyadic values: every distance exact in float32 and float64
    C = rng.integers(-8, 9, (3, 6)) / 8.0
    # centre 3 copies centre 1; centre 4 is centre 0 with its first two coordinates swapped
    C = np.vstack([C, C[[1]], C[[0]][:, [1, 0, 2, 3, 4, 5]]])
    X = rng.integers(0, 2, (400, 6)).astype(float)
    X[:200, 1] = X[:200, 0]  # equidistant from centres 0 and 4
    labels, rechecked = run(X, C, 5)
    expected = nearest_float64(X, C)
    np.testing.assert_array_equal(labels, expected)
    assert not np.any(labels == 3)  # 3 duplicates 1: ties with 1, never chosen
    assert np.any(labels[:200, 0] == 0) and rechecked > 0


def test_several_solutions_at_once_each_get_their_argmin():
    rng = np.random.default_rng(2)
    X, C = near_ties(rng, 3000, 12, 12)
    labels, _ = run(X, C, 3)  # four solutions of three centres
    assert labels.shape == (3000, 4)
    np.testing.assert_array_equal(labels, nearest_float64(X, C, 3))


@pytest.mark.parametrize("case", ["nan", "inf", "huge", "int"])
def test_rows_float32_cannot_hold_are_computed_in_float64(case):
    rng = np.random.default_rng(3)
    X, C = near_ties(rng, 500, 10, 3)
    if case == "nan":
        X[7, 2] = np.nan
    elif case == "inf":
        X[7, 2] = np.inf
    elif case == "huge":
        X, C = X * 1e30, C * 1e30
    else:
        X = rng.integers(0, 3, (500, 10))
    labels, rechecked = run(X, C, 3)
    np.testing.assert_array_equal(labels, nearest_float64(X, C))
    assert rechecked == 500


def test_few_rows_are_rechecked_on_realistic_answers():
    data = groups_data(30_000, seed=5)
    X = np.unique(data.matrix, axis=0)
    rng = np.random.default_rng(5)
    for k in (2, 5, 10):
        C = X[rng.choice(X.shape[0], k, replace=False)] * 0.5 + X.mean(axis=0) * 0.5
        labels, rechecked = run(X, C, k)
        np.testing.assert_array_equal(labels, nearest_float64(X, C))
        assert rechecked <= 0.01 * X.shape[0]


def test_tf32_products_widen_the_bound(monkeypatch):
    fake_cupy = types.SimpleNamespace()
    centres = prepare_centres(np.eye(3), np)
    l1 = np.ones(2)
    monkeypatch.setenv("CUPY_TF32", "0")
    full = nearest_mod._error_bound(l1, centres, 3, fake_cupy)
    monkeypatch.setenv("CUPY_TF32", "1")
    tf32 = nearest_mod._error_bound(l1, centres, 3, fake_cupy)
    assert np.all(tf32 > 2**12 * full)
    assert np.all(nearest_mod._error_bound(l1, centres, 3, np) == full)  # NumPy: no TF32


# --------------------------------------------------------------------------- in the grouping


def float64_nearest(rows, start, stop, centres, k, xp):
    """The float64 computation the code ran before float32 products (the reference)."""
    x = rows.x[start:stop]
    dist = centres.c2[None, :] - 2.0 * (x @ centres.c.T)
    return xp.argmin(dist.reshape(x.shape[0], -1, k), axis=2), x.shape[0]


def test_lloyd_assigns_near_ties_as_float64_does():
    rng = np.random.default_rng(4)
    X, C = near_ties(rng, 4000, 20, 5)
    labels = _lloyd(X, np.ones(4000), C[None], 1, 0.0, np)[1]
    np.testing.assert_array_equal(labels, nearest_float64(X, C))
    np.testing.assert_array_equal(nearest_centre(X, C, np), nearest_float64(X, C)[:, 0])


def _same_groups(a, b) -> None:
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        elif hasattr(x, "equals"):
            assert x.equals(y), field.name
        else:
            assert x == y or (x != x and y != y), field.name


@pytest.mark.parametrize("case", ["example", "preclusters"])
def test_groups_are_those_of_the_float64_computation(case, monkeypatch):
    if case == "example":
        survey, questions, kwargs = load_example("espri2020"), ["ml_méthodes", "ml_usages"], {}
    else:
        data = groups_data(20_000, seed=3)
        survey, questions = data.survey, data.questions
        kwargs = {"k": data.k, "tree_max": 500, "n_preclusters": 60, "n_bootstrap": 3}
    ours = groups(survey, questions, backend="cpu", seed=0, **kwargs)
    monkeypatch.setattr(consolidation, "nearest", float64_nearest)
    monkeypatch.setattr(patterns, "nearest", float64_nearest)
    before = groups(survey, questions, backend="cpu", seed=0, **kwargs)
    assert (ours.tree_leaves == "pre-clusters") == (case == "preclusters")
    _same_groups(ours, before)

