"""Statistics: χ² tests with effect sizes, Monte-Carlo and resampling tests, screening.

Public entry points: :func:`chi2_test` (a table), :func:`independence_test` (a pair of
questions, the right test for its kind), :func:`screen` (every pair, adjusted p-values).
"""

from .chi2 import Chi2Result, chi2_test, cramers_v, cramers_v_corrected
from .independence import (
    IndependenceResult,
    ScreenResult,
    UntestedPair,
    independence_test,
    pair_seed,
    screen,
)

__all__ = ["Chi2Result", "IndependenceResult", "ScreenResult", "UntestedPair", "chi2_test",
           "cramers_v", "cramers_v_corrected", "independence_test", "pair_seed", "screen"]
