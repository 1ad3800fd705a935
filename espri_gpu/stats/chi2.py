"""χ² (or G) test of independence of a two-way table, with effect sizes and diagnostics."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..backend import Backend
from ..display import FrameRepr
from ..errors import SurveyInputError
from .resampling import (
    DEFAULT_RESAMPLES,
    make_seed,
    observed_table_statistic,
    table_exceedances,
)
from .residuals import expected_counts, standardized_residuals

__all__ = ["Chi2Result", "chi2_test", "cramers_v", "cramers_v_corrected"]

Method = Literal["asymptotic", "montecarlo"]
Statistic = Literal["pearson", "g"]
@dataclass(frozen=True, eq=False)
class Chi2Result(FrameRepr):
    """Result of :func:`chi2_test` (host data; SciPy's field names).

    Attributes
    ----------
    statistic : float
        Pearson's X² or the G statistic (``statistic_name``) on the non-empty table.
    pvalue : float
        Asymptotic (χ² distribution) or Monte-Carlo p-value (``method``).
    dof : int
    method : str
        ``"asymptotic"`` or ``"montecarlo"``.
    statistic_name : str
        ``"pearson"`` or ``"g"``.
    n : int
        Table total.
    observed, expected : pandas.DataFrame
        The non-empty table and its expected counts under independence.
    residuals : pandas.DataFrame
        Adjusted standardized residuals (Agresti): ~N(0, 1) under independence
        (:func:`~espri_gpu.stats.residuals.standardized_residuals`; the heat maps of
        :func:`espri_gpu.plotting.heatmap` are coloured by them).
    cramers_v, cramers_v_corrected : float
        Cramér's V and its bias-corrected version (Bergsma 2013).
    min_expected : float
    share_expected_below_5 : float
        Share of cells with expected count < 5.
    fisher_pvalue : float or None
        Fisher's exact two-sided p for 2×2 tables.
    n_resamples : int or None
        Monte-Carlo tables drawn.
    seed : int or None
        Seed of the Monte-Carlo draws (recorded even when drawn at random).
    dropped_rows, dropped_columns : tuple
        Labels of all-zero rows/columns removed before testing.
    warnings : tuple of str
        Caveats about the asymptotic approximation.
    """

    statistic: float
    pvalue: float
    dof: int
    method: str
    statistic_name: str
    n: int
    observed: pd.DataFrame
    expected: pd.DataFrame
    residuals: pd.DataFrame
    cramers_v: float
    cramers_v_corrected: float
    min_expected: float
    share_expected_below_5: float
    fisher_pvalue: float | None = None
    n_resamples: int | None = None
    seed: int | None = None
    dropped_rows: tuple = ()
    dropped_columns: tuple = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with the scalar results."""
        return pd.DataFrame([{
            "statistic": self.statistic, "statistic_name": self.statistic_name,
            "dof": self.dof, "pvalue": self.pvalue, "method": self.method, "n": self.n,
            "cramers_v": self.cramers_v, "cramers_v_corrected": self.cramers_v_corrected,
            "min_expected": self.min_expected,
            "share_expected_below_5": self.share_expected_below_5,
            "fisher_pvalue": self.fisher_pvalue, "n_resamples": self.n_resamples,
            "seed": self.seed}])


def cramers_v(chi2: float, n: int, shape: tuple[int, int]) -> float:
    """Cramér's V = sqrt(χ² / (n (min(r, c) − 1))).

    Examples
    --------
    >>> round(cramers_v(10.0, 100, (3, 4)), 4)
    0.2236
    """
    k = min(shape) - 1
    return float(np.sqrt(chi2 / (n * k))) if n > 0 and k > 0 else float("nan")


def cramers_v_corrected(chi2: float, n: int, shape: tuple[int, int]) -> float:
    """Bias-corrected Cramér's V (Bergsma 2013, J. Korean Stat. Soc. 42: 323–328).

    Examples
    --------
    >>> round(cramers_v_corrected(10.0, 100, (3, 4)), 4)
    0.1418
    >>> round(cramers_v_corrected(2.0, 100, (3, 4)), 4)  # bias exceeds the signal: 0
    0.0
    """
    r, c = shape
    if n <= 1:
        return float("nan")
    phi2 = max(0.0, chi2 / n - (r - 1) * (c - 1) / (n - 1))
    r_corr = r - (r - 1) ** 2 / (n - 1)
    c_corr = c - (c - 1) ** 2 / (n - 1)
    k = min(r_corr, c_corr) - 1
    return float(np.sqrt(phi2 / k)) if k > 0 else float("nan")


def _as_table(table: Any) -> pd.DataFrame:
    frame = table.copy() if isinstance(table, pd.DataFrame) else pd.DataFrame(np.asarray(table))
    values = frame.to_numpy()
    if values.ndim != 2 or values.size == 0:
        raise SurveyInputError(f"`table` must be a non-empty 2-D table of counts, got shape "
                               f"{values.shape}")
    try:
        numeric = values.astype(float)
    except (TypeError, ValueError):
        raise SurveyInputError("`table` must hold counts (numbers)") from None
    if not np.all(np.isfinite(numeric)) or (numeric < 0).any() or \
            not np.array_equal(numeric, np.round(numeric)):
        raise SurveyInputError("`table` must hold non-negative whole counts")
    return pd.DataFrame(numeric.astype(np.int64), index=frame.index, columns=frame.columns)


def chi2_test(table: Any, *, method: Method = "asymptotic", statistic: Statistic = "pearson",
              n_resamples: int = DEFAULT_RESAMPLES, seed: int | None = None,
              backend: str | Backend | None = None) -> Chi2Result:
    """Test the independence of the rows and columns of a table of counts.

    Parameters
    ----------
    table : pandas.DataFrame or array-like
        Counts (e.g. from :func:`espri_gpu.crosstab`). All-zero rows and columns are
        dropped and listed in the result.
    method : {"asymptotic", "montecarlo"}
        ``asymptotic``: the χ² distribution. ``montecarlo``: tables with both margins of the
        observed one drawn at random (Patefield-equivalent sampler, as R's
        ``chisq.test(simulate.p.value = TRUE)``); p = (1 + #{T* ≥ T_obs}) / (B + 1).
    statistic : {"pearson", "g"}
        Pearson's X² or the likelihood-ratio G, computed by the compiled function that scores
        the random tables (on ``backend`` for ``montecarlo``, else on the CPU), so a random
        table equal to the observed one ties with it exactly.
    n_resamples : int
        B, the number of random tables (Monte-Carlo only; default
        :data:`~espri_gpu.stats.resampling.DEFAULT_RESAMPLES`).
    seed : int, optional
        Seed of the counter-based generator; the same seed gives the same p on every
        backend. None draws one at random (and records it in the result).
    backend : {"auto", "cpu", "gpu"} or Backend, optional
        Where the Monte-Carlo tables are drawn; a backend with a Dask client
        (``resolve_backend("cpu", client=client)``) draws them in chunks on its workers, with
        the same p-value.

    Returns
    -------
    Chi2Result

    Raises
    ------
    SurveyInputError
        A table that is not made of counts, or with fewer than two non-empty rows or
        columns.

    Warns
    -----
    UserWarning
        When the asymptotic approximation is doubtful (expected counts < 5 in more than 20 %
        of cells, or any below 1): use ``method="montecarlo"``.

    Examples
    --------
    >>> from espri_gpu.stats import chi2_test
    >>> r = chi2_test([[12, 5], [3, 10]])
    >>> round(r.statistic, 3), r.dof, round(r.pvalue, 4), round(r.fisher_pvalue, 4)
    (6.652, 1, 0.0099, 0.0253)
    >>> chi2_test([[12, 5], [3, 10]], method="montecarlo", n_resamples=999, seed=1).pvalue < 0.05
    True
    """
    if method not in ("asymptotic", "montecarlo"):
        raise SurveyInputError(f"`method` is {method!r}; expected 'asymptotic' or 'montecarlo'")
    if statistic not in ("pearson", "g"):
        raise SurveyInputError(f"`statistic` is {statistic!r}; expected 'pearson' or 'g'")
    if method == "montecarlo" and n_resamples < 1:
        raise SurveyInputError(f"`n_resamples` is {n_resamples}; expected at least 1")
    full = _as_table(table)
    rows = full.sum(axis=1) > 0
    cols = full.sum(axis=0) > 0
    observed = full.loc[rows, cols]
    dropped_rows = tuple(full.index[~rows.to_numpy()])
    dropped_columns = tuple(full.columns[~cols.to_numpy()])
    if observed.shape[0] < 2 or observed.shape[1] < 2:
        raise SurveyInputError(
            f"the table has {observed.shape[0]} non-empty row(s) and {observed.shape[1]} "
            "non-empty column(s); a test of independence needs at least 2 of each")
    obs = observed.to_numpy()
    n = int(obs.sum())
    r_sums, c_sums = obs.sum(axis=1), obs.sum(axis=0)
    expected = expected_counts(obs)
    where = backend if method == "montecarlo" else "cpu"
    value = observed_table_statistic(obs, statistic, where)
    x2 = value if statistic == "pearson" else observed_table_statistic(obs, "pearson", where)
    dof = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    notes = _caveats(expected, method)
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    if method == "asymptotic":
        pvalue, used_seed, b = float(sps.chi2.sf(value, dof)), None, None
    else:
        used_seed = make_seed(seed)
        hits = table_exceedances(r_sums, c_sums, value, statistic, n_resamples,
                                 used_seed, backend)
        pvalue, b = (1 + hits) / (n_resamples + 1), n_resamples
    residuals = standardized_residuals(obs)
    fisher = float(sps.fisher_exact(obs).pvalue) if obs.shape == (2, 2) else None
    like = lambda values: pd.DataFrame(values, index=observed.index,  # noqa: E731
                                       columns=observed.columns)
    return Chi2Result(
        statistic=value, pvalue=pvalue, dof=dof, method=method, statistic_name=statistic,
        n=n, observed=observed, expected=like(expected), residuals=like(residuals),
        cramers_v=cramers_v(x2, n, obs.shape),
        cramers_v_corrected=cramers_v_corrected(x2, n, obs.shape),
        min_expected=float(expected.min()),
        share_expected_below_5=float((expected < 5).mean()), fisher_pvalue=fisher,
        n_resamples=b, seed=used_seed, dropped_rows=dropped_rows,
        dropped_columns=dropped_columns, warnings=tuple(notes))


def _caveats(expected: np.ndarray, method: str) -> list[str]:
    if method != "asymptotic":
        return []
    share = float((expected < 5).mean())
    low = float(expected.min())
    if share > 0.2 or low < 1:
        return [f"{share:.0%} of expected counts are below 5 (smallest {low:.2g}): the χ² "
                "approximation is doubtful; use method='montecarlo'"]
    return []
