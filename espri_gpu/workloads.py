"""Benchmark workloads: espri_gpu and the well-known alternative, on the same data.

One registry (:data:`WORKLOADS`) feeds both the benchmarks (``benchmarks/``) and the tests
that check each pair computes the same thing, so a benchmark never times two different
computations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .backend import Backend
from .clustering import groups_data, groups_data_worst, groups_espri, groups_sklearn
from .codebook import Codebook
from .encoding import encode
from .responses import parse_choice_column
from .synthetic import synthetic_survey

__all__ = ["WORKLOADS", "Workload", "encode_espri", "encode_get_dummies", "encoding_data"]


@dataclass(frozen=True)
class Workload:
    """A benchmark: how to make its data, the espri_gpu way, and the alternative.

    ``sizes`` maps ``small`` / ``medium`` / ``large`` to the problem size ``n`` (what ``n``
    counts is said in ``unit``).
    """

    name: str
    description: str
    unit: str
    sizes: dict[str, int]
    make_data: Callable[[int, int], Any]
    espri: Callable[[Any, Backend], Any]
    alternative: Callable[[Any], Any]
    alternative_name: str


@dataclass(frozen=True, eq=False)
class EncodingData:
    """The choice columns of a synthetic export, as pyarrow-backed strings."""

    codebook: Codebook
    columns: dict[str, pd.Series]


def encoding_data(n: int, seed: int = 0, codebook: Codebook | None = None) -> EncodingData:
    """Synthetic choice columns of ``n`` respondents, as ``string[pyarrow]`` Series.

    The codebook defaults to the bundled espri2020 one (3 single- and 6 multiple-choice
    questions, several option texts with commas).

    Examples
    --------
    >>> data = encoding_data(10)
    >>> len(data.columns["ml_méthodes"])
    10
    """
    if codebook is None:
        from .codebook import load_codebook
        from .example import example_path

        codebook = load_codebook(example_path("espri2020", "codebook.toml"))
    frame = synthetic_survey(codebook, n, seed=seed).frame
    columns = {}
    for column in codebook.columns:
        if column.kind in ("single", "multiple"):
            columns[column.keyword] = frame[column.header].astype(pd.StringDtype("pyarrow"))
    return EncodingData(codebook, columns)


def encode_espri(data: EncodingData, backend: Backend) -> Any:
    """espri_gpu: factorize each column, parse each distinct cell once, gather."""
    answers = [parse_choice_column(values, data.codebook.question(keyword), backend)
               for keyword, values in data.columns.items()]
    matrix, _ = encode(answers, backend)
    return matrix


def encode_get_dummies(data: EncodingData) -> pd.DataFrame:
    """The usual pandas way: ``Series.str.get_dummies(sep=", ")`` per column.

    It splits every cell again and breaks options whose text holds ", " into pieces.
    """
    return pd.concat([values.str.get_dummies(sep=", ").add_prefix(f"{keyword}:")
                      for keyword, values in data.columns.items()], axis=1)


WORKLOADS: dict[str, Workload] = {
    "encode": Workload(
        name="encode",
        description="one-hot of every single- and multiple-choice text column",
        unit="respondents",
        sizes={"tiny": 2_000, "small": 100_000, "medium": 1_000_000, "large": 10_000_000},
        make_data=encoding_data,
        espri=encode_espri,
        alternative=encode_get_dummies,
        alternative_name="pandas str.get_dummies (pyarrow strings)",
    ),
    "groups": Workload(
        name="groups",
        description="respondent groups (Ward tree, k-means k=5, PCA) on realistic answers, "
                    "30 options",
        unit="respondents",
        sizes={"tiny": 2_000, "small": 100_000, "medium": 1_000_000, "large": 5_000_000},
        make_data=groups_data,
        espri=groups_espri,
        alternative=groups_sklearn,
        alternative_name="scikit-learn KMeans(n_init=10) + PCA(2) on the raw rows",
    ),
    "groups-worst": Workload(
        name="groups-worst",
        description="respondent groups, worst case: 26 independent options",
        unit="respondents",
        sizes={"tiny": 2_000, "small": 100_000, "medium": 1_000_000, "large": 5_000_000},
        make_data=groups_data_worst,
        espri=groups_espri,
        alternative=groups_sklearn,
        alternative_name="scikit-learn KMeans(n_init=10) + PCA(2) on the raw rows",
    ),
}


def column_sums(result: Any, backend: Backend) -> np.ndarray:
    """Total of an encoded matrix (for checks that both sides did the work)."""
    return backend.asnumpy(result.sum(axis=0))
