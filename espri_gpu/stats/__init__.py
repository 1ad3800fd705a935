"""Statistics: χ² tests with effect sizes, Monte-Carlo and resampling tests, screening.

Public entry points: :func:`chi2_test` (a table), :func:`independence_test` (a pair of
questions, the right test for its kind), :func:`screen` (every pair, adjusted p-values).
"""

from .._lazy import lazy_names

#: Where each public name lives: imported on first use (PEP 562), so that a light module of
#: the package (:mod:`espri_gpu.stats.residuals`, which the plotting layer imports) loads
#: without SciPy or the resampling kernels.
_PUBLIC = {
    "Chi2Result": "chi2",
    "IndependenceResult": "independence",
    "ScreenResult": "independence",
    "UntestedPair": "independence",
    "chi2_test": "chi2",
    "cramers_v": "chi2",
    "cramers_v_corrected": "chi2",
    "independence_test": "independence",
    "pair_seed": "independence",
    "screen": "independence",
}

__all__ = ["Chi2Result", "IndependenceResult", "ScreenResult", "UntestedPair", "chi2_test",
           "cramers_v", "cramers_v_corrected", "independence_test", "pair_seed", "screen"]

__getattr__, __dir__ = lazy_names(globals(), _PUBLIC)
