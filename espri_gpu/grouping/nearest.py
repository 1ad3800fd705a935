"""Nearest centres with float32 products and float64 answers: FP64 only where exactness needs it.

The costly step of k-means is the n × d × k product behind the squared distances
``c2 - 2 X Cᵀ`` (``c2`` the centres' squared norms; ``‖x‖²`` is the same for every centre of
a row and is left out). GPUs of the RTX class run float64 at 1/32 of float32, and CPUs run
SGEMM about twice as fast as DGEMM, so :func:`nearest` computes that product in float32 and
still returns exactly the argmin of the float64 computation (lowest index on ties):

1. ``G = c2₃₂ + (-2 C₃₂) X₃₂ᵀ`` in float32 (the rows cast once per fit,
   :func:`prepare_rows`; the centres once per step, :func:`prepare_centres`; scaling by -2
   is exact), and its best and second-best centre per row.
2. A rigorous bound ``err`` per row on ``|G_j - F_j|``, ``F_j`` the float64 distance. Both
   are within reach of the exact ``E_j = c2_j - 2 x·c_j``. For a dot product of length d in
   any summation order (BLAS blocking, FMA, split-K included) with its inputs rounded to
   float32, ``|ŝ - x·c| ≤ ((1 + u)^(d+2) - 1) Σ|x_i||c_i|`` (Higham, *Accuracy and
   Stability*, §3.1), u = 2⁻²⁴; the rounding of ``c2`` to float32 and of the subtraction add
   ``u c2 + u |c2 - 2ŝ|``, so ``|G_j - E_j| ≤ 2 ρ A + γ₂ c2_max`` with ρ = (1 + u)^(d+4) - 1
   and ``A = ‖x‖₁ max|c| ≥ Σ|x_i||c_i|`` (max over all centres); the float64 computation
   adds the same kind of term with u = 2⁻⁵³, and underflow (even flushed to zero) an
   absolute ``2⁻¹²⁰ (‖x‖₁ + d (1 + max|c|) + 1)``.
3. Where the float32 gap between the best and the second-best centre exceeds ``2 err`` (×
   :data:`MARGIN`, for the rounding of the gap and of the bound themselves),
   ``F_best ≤ G_best + err < G_j - err ≤ F_j`` for every other centre j: the float32 argmin
   *is* the float64 argmin. The other rows (ties, near ties) are recomputed in float64 with
   the float64 formula, so on every input the labels are those of the float64 computation.
   (Where two float64 distances lie within float64 rounding of each other, that computation
   itself depends on the BLAS's summation order; the recheck uses the same formula.)

Rows that are not floating point, not finite or so large that float32 could overflow, and
centres likewise, fall back to float64 for the whole block. CuPy's TF32 mode
(``CUPY_TF32=1``) rounds the inputs of float32 products to 10 bits: the bound then takes
2⁻¹⁰ for that rounding and 2u for the tensor cores' accumulation (more rows are rechecked,
the labels stay exact).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Unit roundoff of float32 and float64.
_U32, _U64 = 2.0**-24, 2.0**-53
#: Relative error of an input of a TF32 product (truncation allowed: 2⁻¹⁰); the tensor
#: cores' float32 accumulation is given 2u (it may truncate).
_U_TF32 = 2.0**-10
#: Absolute error of one float32 operation that underflows (flush to zero included), with
#: room for the few such errors of a distance.
_TINY = 2.0**-120
#: Beyond this magnitude (of rows, products or squared norms) float32 could overflow.
_HUGE = 2.0**100
#: Factor on the bound: covers the float32 rounding of the gap and the float64 rounding
#: of the bound itself (both relative errors far below 1/16).
MARGIN = 1.0625


@dataclass(frozen=True, eq=False)
class Rows:
    """Rows prepared once for :func:`nearest`: float64 and float32 copies, L1 norms.

    ``x32`` is ``None`` where float32 must not be used (rows not floating point, not
    finite, or beyond float32's safe range); ``l1max`` is the largest row L1 norm.
    """

    x: Any
    x32: Any | None
    l1: Any
    l1max: float


@dataclass(frozen=True, eq=False)
class Centres:
    """Centres prepared once per step for :func:`nearest` (shape (M, d), float64).

    ``c2`` holds the float64 squared norms (the float64 computation's); ``minus2c32`` and
    ``c2_32`` are the float32 roundings of ``-2 c`` (exactly -2 × the rounding of c) and of
    ``c2``, ``None`` where the centres are not finite or too large.
    """

    c: Any
    c2: Any
    minus2c32: Any | None
    c2_32: Any | None
    cmax: float
    c2max: float


def prepare_rows(X: Any, xp: Any) -> Rows:
    """Cast the rows to float32 once (per fit) and compute their L1 norms."""
    if X.dtype.kind != "f" or X.size == 0:
        return Rows(X, None, None, 0.0)
    l1 = xp.sum(xp.abs(X), axis=1)
    top = float(xp.max(l1))  # NaN or inf when some row is not finite
    if not top < _HUGE:
        return Rows(X, None, l1, top)
    return Rows(X, X.astype(xp.float32), l1, top)


def prepare_centres(C: Any, xp: Any) -> Centres:
    """Float64 squared norms of the centres, their float32 copies and their magnitudes."""
    C = C.astype(xp.float64, copy=False)
    c2 = xp.sum(C * C, axis=1)
    if C.size == 0:
        return Centres(C, c2, None, None, 0.0, 0.0)
    cmax, c2max = xp.stack([xp.max(xp.abs(C)), xp.max(c2)]).tolist()  # one transfer
    if not (cmax < _HUGE and c2max < _HUGE):  # NaN, inf or too large
        return Centres(C, c2, None, None, cmax, c2max)
    return Centres(C, c2, -2.0 * C.astype(xp.float32), c2.astype(xp.float32), cmax, c2max)


def nearest(rows: Rows, start: int, stop: int, centres: Centres, k: int,
            xp: Any) -> tuple[Any, int]:
    """Index of the nearest of each group of ``k`` centres for rows ``start:stop``.

    The centres are m = M / k solutions of k centres each (consecutive). Returns the labels,
    shape (rows, m), each in 0..k-1 and equal to the argmin of the float64 distances
    ``c2 - 2 x·c`` (lowest index on ties), and the number of rows recomputed in float64
    (all of them when float32 cannot be used). See the module docstring for the argument.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    >>> C = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> labels, rechecked = nearest(prepare_rows(X, np), 0, 3, prepare_centres(C, np), 2, np)
    >>> labels.ravel().tolist(), rechecked   # the last row is a tie: rechecked, lowest index
    ([0, 1, 0], 1)
    """
    x = rows.x[start:stop]
    n = x.shape[0]
    M, d = centres.c.shape
    m = M // k
    if rows.x32 is None or centres.c2_32 is None or not rows.l1max * centres.cmax < _HUGE:
        return _float64_argmin(x, centres, k, xp), n
    # centres × rows: each centre's distances to the block are one contiguous row, so the
    # best and second-best centre come from k elementwise passes over (m, rows) slices
    g = centres.minus2c32 @ rows.x32[start:stop].T
    g += centres.c2_32[:, None]
    g = g.reshape(m, k, n)
    best, labels = g[:, 0].copy(), xp.zeros((m, n), dtype=xp.int64)
    second = xp.full_like(best, xp.inf)
    for j in range(1, k):
        labels = xp.where(g[:, j] < best, j, labels)  # strict: the lowest index on ties
        second = xp.minimum(second, xp.maximum(best, g[:, j]))
        best = xp.minimum(best, g[:, j])
    labels = labels.T
    threshold = 2.0 * MARGIN * _error_bound(rows.l1[start:stop], centres, d, xp)
    recheck = xp.flatnonzero(xp.any(second - best <= threshold[None, :], axis=0))
    if recheck.size:
        labels[recheck] = _float64_argmin(x[recheck], centres, k, xp)
    return labels, int(recheck.size)


def _float64_argmin(x: Any, centres: Centres, k: int, xp: Any) -> Any:
    """The float64 computation: argmin of ``c2 - 2 x·c`` per solution, shape (rows, m)."""
    dist = centres.c2[None, :] - 2.0 * (x @ centres.c.T)
    return xp.argmin(dist.reshape(x.shape[0], -1, k), axis=2)


def _error_bound(l1: Any, centres: Centres, d: int, xp: Any) -> Any:
    """Bound per row on |float32 distance - float64 distance| (see the module docstring)."""
    tf32 = _tf32(xp)
    u_in, u_acc = (_U_TF32, 2 * _U32) if tf32 else (0.0, _U32)
    rho32 = math.expm1((d + 4) * math.log1p(u_acc) + 2 * math.log1p(u_in))
    rho64 = math.expm1((d + 2) * math.log1p(_U64))
    gamma2 = 2 * _U32 / (1 - 2 * _U32)
    return (2.0 * (rho32 + rho64) * centres.cmax * l1 + (gamma2 + _U64) * centres.c2max
            + _TINY * (l1 + d * (1.0 + centres.cmax) + 1.0))


def _tf32(xp: Any) -> bool:
    """Whether CuPy computes float32 products with TF32 inputs (``CUPY_TF32``)."""
    if xp is np:
        return False
    try:
        return int(os.environ.get("CUPY_TF32", "0")) > 0
    except ValueError:
        return True  # an unreadable setting: assume the less precise mode
