"""Factorizing on the backend: GPU order differences must not change any result."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from espri_gpu import counts, crosstab, one_hot, read_survey
from espri_gpu.backend import Backend
from espri_gpu.factorize import factorize, first_appearance_order


@pytest.mark.parametrize("seed", range(5))
def test_first_appearance_order_matches_pandas(seed) -> None:
    rng = np.random.default_rng(seed)
    values = pd.Series(rng.choice(list("abcdefg"), size=200)).where(rng.random(200) > 0.1)
    expected_codes, expected_uniques = pd.factorize(values)
    # scramble the code numbering, as a hash-based GPU factorize may
    perm = rng.permutation(len(expected_uniques))
    scrambled = np.where(expected_codes >= 0, perm[np.maximum(expected_codes, 0)], -1)
    rank = first_appearance_order(scrambled, len(perm), np)
    restored = np.where(scrambled >= 0, rank[np.maximum(scrambled, 0)], -1)
    np.testing.assert_array_equal(restored, expected_codes)


class _ScrambledSeries:
    """Stands in for a cudf.Series: factorizes with an arbitrary (reversed) code order."""

    def __init__(self, values: pd.Series) -> None:
        self.values = values

    def factorize(self, use_na_sentinel: bool = True):
        codes, uniques = pd.factorize(self.values, use_na_sentinel=use_na_sentinel)
        n = len(uniques)
        codes = np.where(codes >= 0, n - 1 - codes, -1)
        index = pd.Index(list(uniques)[::-1])
        return codes, types.SimpleNamespace(to_pandas=lambda: index)


EMULATED_GPU = Backend("gpu", np, types.SimpleNamespace(from_pandas=_ScrambledSeries),
                       "GPU code path on NumPy (test)")


def test_factorize_gpu_path_restores_first_appearance() -> None:
    values = pd.Series(["x", "", "y", "x", "z", "y"])
    assert factorize(values, EMULATED_GPU)[1] == ["x", "", "y", "z"]
    np.testing.assert_array_equal(factorize(values, EMULATED_GPU)[0], [0, 1, 2, 0, 3, 2])


def test_gpu_code_path_gives_cpu_results(export, codebook_path) -> None:
    """The whole GPU path (factorize, renumber, gather, counts, crosstab) with NumPy."""
    cpu = read_survey(export(), codebook_path, backend="cpu")
    gpu = read_survey(export(), codebook_path, backend=EMULATED_GPU)
    assert [u.text for u in gpu.report.unmatched] == [u.text for u in cpu.report.unmatched]
    for q in cpu.questions:
        assert gpu.answers_to(q).keywords == cpu.answers_to(q).keywords
        pd.testing.assert_frame_equal(counts(gpu, q, backend=EMULATED_GPU).table,
                                      counts(cpu, q, backend="cpu").table)
    np.testing.assert_array_equal(one_hot(gpu, cpu.questions, backend=EMULATED_GPU).matrix,
                                  one_hot(cpu, cpu.questions, backend="cpu").matrix)
    pd.testing.assert_frame_equal(crosstab(gpu, "lab", "méthodes", backend=EMULATED_GPU),
                                  crosstab(cpu, "lab", "méthodes", backend="cpu"))
