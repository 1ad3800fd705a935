"""Second-order Rao–Scott correction of MMI / SPMI, as Bilder & Loughin (2004) define it.

Used as a specification only (Bilder & Loughin 2004, Biometrics 60, Appendix A; the formulas
of R's MRCV ``MI.test(type = "rs2")``). Write the statistic as a quadratic form in the
item-level deviations:

* **SPMI**: ``d_ij = π̂_ij − π̂_i· π̂_·j`` (respondents ticking item i of ``a`` and item j of
  ``b``), ``X²_S = n Σ_ij d_ij² / D_ij`` with ``D_ij = π̂_i·(1 − π̂_i·) π̂_·j(1 − π̂_·j)``.
  By the delta method over the multinomial of the *observed joint answer patterns* τ̂,
  ``√n d`` has covariance ``Σ̂ = F (diag τ̂ − τ̂ τ̂ᵀ) Fᵀ``, F the Jacobian of ``d`` in τ:
  the covariance over respondents of ``(a_i − π̂_i·)(b_j − π̂_·j)``.
* **MMI**: ``e_ij = π̂_{j|i} − π̂_·j`` (share of level i ticking item j, minus the overall
  share), ``X²_M = n Σ_ij e_ij² / D_ij`` with ``D_ij = π̂_·j(1 − π̂_·j) / a_i``, ``a_i`` the
  share of level i. The level counts are fixed (product multinomial): within level i the
  answer patterns of ``b`` have covariance ``C_i`` (observed), ``Σ̂ = H diag(C_i / a_i) Hᵀ``
  with ``H = I − (1 aᵀ) ⊗ I``.

With ``λ`` the eigenvalues of ``D⁻¹ Σ̂`` and ``t = I J`` (SPMI) or ``(r − 1) c`` (MMI) their
sum under independence, the corrected statistic ``t X² / Σλ²`` is referred to χ² with
``t² / Σλ²`` degrees of freedom (the sum of the λ is taken at its null value ``t``, as
Bilder & Loughin do). ``Σλ² = tr((D⁻¹ Σ̂)²)``, computed without an eigen-decomposition.

It differs from :func:`espri_gpu.stats.multiple.rao_scott_independence`, which estimates
Σ under *full* independence of the two questions' answer patterns (``R_a ⊗ R_b``, from each
question's own patterns): the two agree exactly when the joint pattern table is the product
of its margins, and differ otherwise — under an alternative the published estimate takes
the observed dependence into account. Items that do not vary are left out (the rare ones
are pooled first: :mod:`espri_gpu.stats.pooling`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from .patterns import PatternTable

__all__ = ["RaoScott", "rao_scott", "sum_squared_eigenvalues"]

_CHUNK = 4096


@dataclass(frozen=True)
class RaoScott:
    """A second-order Rao–Scott corrected statistic.

    Attributes
    ----------
    statistic : float
        ``t X² / Σλ²``.
    dof : float
        ``t² / Σλ²``.
    pvalue : float
    sum_l2 : float
        ``Σλ²``, the sum of the squared eigenvalues of ``D⁻¹ Σ̂``.
    t : int
        Number of item-level degrees of freedom under independence.
    """

    statistic: float
    dof: float
    pvalue: float
    sum_l2: float
    t: int


def _spmi_matrix(table: PatternTable) -> tuple[np.ndarray, int]:
    """``D^-1/2 Σ̂ D^-1/2`` of SPMI (items that vary only) and ``t = I J``."""
    n = float(table.n)
    pa = table.row_counts @ table.a / n
    pb = table.col_counts @ table.b / n
    ka, kb = (pa > 0) & (pa < 1), (pb > 0) & (pb < 1)
    u = table.a[:, ka] - pa[ka]
    v = table.b[:, kb] - pb[kb]
    ni, nj = u.shape[1], v.shape[1]
    p, q = np.nonzero(table.joint)
    w = table.joint[p, q] / n
    second = np.zeros((ni * nj, ni * nj))
    mean = np.zeros(ni * nj)
    for lo in range(0, p.size, _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        psi = (u[p[sl]][:, :, None] * v[q[sl]][:, None, :]).reshape(-1, ni * nj)
        second += (psi * w[sl, None]).T @ psi
        mean += w[sl] @ psi
    sigma = second - np.outer(mean, mean)
    scale = 1.0 / np.sqrt(np.outer(pa[ka] * (1 - pa[ka]), pb[kb] * (1 - pb[kb])).ravel())
    return sigma * scale[:, None] * scale[None, :], ni * nj


def _mmi_matrix(table: PatternTable) -> tuple[np.ndarray, int]:
    """``D^-1 Σ̂`` of MMI (levels chosen and items that vary only) and ``t = (r - 1) c``."""
    by_level = table.a.T @ table.joint                      # levels × patterns of b
    counts = by_level.sum(axis=1)
    by_level = by_level[counts > 0]
    counts = counts[counts > 0]
    n = counts.sum()
    share = counts / n                                      # a_i
    tau = by_level / counts[:, None]                        # pattern law within each level
    pbar = share @ (tau @ table.b)
    keep = (pbar > 0) & (pbar < 1)
    b = table.b[:, keep]
    r, c = counts.size, b.shape[1]
    mu = tau @ b                                            # r × c, π̂_{j|i}
    blocks = np.zeros((r * c, r * c))
    for i in range(r):
        cov = (b * tau[i][:, None]).T @ b - np.outer(mu[i], mu[i])
        blocks[i * c:(i + 1) * c, i * c:(i + 1) * c] = cov / share[i]
    h = np.eye(r * c) - np.kron(np.outer(np.ones(r), share), np.eye(c))
    sigma = h @ blocks @ h.T
    d = np.kron(1.0 / share, pbar[keep] * (1 - pbar[keep]))
    return sigma / d[:, None], (r - 1) * c


def sum_squared_eigenvalues(table: PatternTable, kind: str) -> tuple[float, int]:
    """``(Σλ², t)`` of ``D⁻¹ Σ̂`` for ``kind`` ``"mmi"`` (``a`` single-choice) or ``"spmi"``.

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.stats.patterns import PatternTable
    >>> one = np.array([[1.], [0.]])                   # one item: ticked or not
    >>> t = PatternTable(np.array([[10, 10], [10, 10]]), one, one, ("i",), ("j",), 40)
    >>> sum_squared_eigenvalues(t, "spmi")              # independent 2 × 2: λ = 1
    (1.0, 1)
    """
    if kind == "spmi":
        m, t = _spmi_matrix(table)
        return float((m * m).sum()), t
    m, t = _mmi_matrix(table)
    return float((m * m.T).sum()), t


def rao_scott(table: PatternTable, kind: str, statistic: float) -> RaoScott:
    """Bilder & Loughin's second-order Rao–Scott test of MMI (``kind="mmi"``, ``a`` the
    single-choice question) or SPMI (``"spmi"``), given the observed ``statistic``.

    Parameters
    ----------
    table : PatternTable
        The tested table (rare items already pooled).
    kind : {"mmi", "spmi"}
    statistic : float
        The observed MMI / SPMI of ``table``.

    Returns
    -------
    RaoScott
        NaN fields when nothing varies (fewer than two levels, or no item that varies).

    Examples
    --------
    >>> import numpy as np
    >>> from espri_gpu.stats.patterns import PatternTable
    >>> one = np.array([[1.], [0.]])
    >>> t = PatternTable(np.array([[10, 10], [10, 10]]), one, one, ("i",), ("j",), 40)
    >>> r = rao_scott(t, "spmi", 0.0)
    >>> r.dof, r.pvalue
    (1.0, 1.0)
    """
    sum_l2, t = sum_squared_eigenvalues(table, kind)
    if t <= 0 or not sum_l2 > 0:
        nan = float("nan")
        return RaoScott(nan, nan, nan, nan, t)
    corrected = t * float(statistic) / sum_l2
    dof = t * t / sum_l2
    return RaoScott(float(corrected), float(dof), float(sps.chi2.sf(corrected, dof)),
                    float(sum_l2), t)
