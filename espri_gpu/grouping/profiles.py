"""Group profiles: which options are over- or under-represented in each group.

:func:`group_profiles` gives, per group and option, the share ticking it in the group and
overall, Lebart's test value (v-test) and the exact hypergeometric p-value (the table behind
:attr:`Groups.profiles <espri_gpu.grouping.result.Groups>` and the report's
``groups/<a>__<b>.csv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps


def group_profiles(counts: np.ndarray, sizes: np.ndarray, columns: pd.MultiIndex) -> pd.DataFrame:
    """Over/under-represented options per group: Lebart's v-test and a hypergeometric p.

    For a group of n_k respondents among n, an option ticked by n_j of them and by n_kj in
    the group: under random groups n_kj is hypergeometric with mean n_k n_j / n and
    variance n_k (n - n_k)/(n - 1) (n_j/n)(1 - n_j/n); the v-test is the standardised
    difference, the p-value doubles the smaller exact tail (at most 1).
    """
    n = int(sizes.sum())
    k, width = counts.shape
    n_j = counts.sum(axis=0)
    g = np.repeat(np.arange(k), width)
    nk = sizes[g].astype(np.float64)
    nkj = counts.ravel()
    nj = np.tile(n_j, k)
    expected = nk * nj / n
    var = nk * (n - nk) / max(n - 1, 1) * (nj / n) * (1.0 - nj / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(var > 0, (nkj - expected) / np.sqrt(var), 0.0)
    dist = sps.hypergeom(n, nj, nk)
    pvalue = np.minimum(1.0, 2.0 * np.minimum(dist.sf(nkj - 1), dist.cdf(nkj)))
    with np.errstate(invalid="ignore", divide="ignore"):
        frame = pd.DataFrame({
            "group": g,
            "size": nk.astype(np.int64),
            "question": np.tile(columns.get_level_values(0).to_numpy(), k),
            "option": np.tile(columns.get_level_values(1).to_numpy(), k),
            "count": nkj.astype(np.int64),
            "pct_group": 100.0 * nkj / nk,
            "pct_all": 100.0 * nj / n,
            "pct_of_option": np.where(nj > 0, 100.0 * nkj / np.maximum(nj, 1), np.nan),
            "v_test": v,
            "pvalue": pvalue,
        })
    frame = frame.sort_values(["group", "v_test"], ascending=[True, False], kind="stable")
    return frame.reset_index(drop=True)
