"""Benchmark workloads: espri_gpu and the well-known alternative, on the same data.

One registry (:data:`WORKLOADS`) feeds both the benchmarks (``benchmarks/``) and the tests
that check each pair computes the same thing, so a benchmark never times two different
computations.

Why one module of ~700 lines: each workload's data maker, its espri_gpu side and its
alternative are kept next to each other, because a benchmark's fairness is judged by reading
the two sides together (is the alternative the fastest reasonable pandas/NumPy/SciPy code?).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .answers import Level, LoadReport
from .backend import Backend
from .codebook import Codebook, Column, Option, Question, load_codebook
from .counting import indicator_gram
from .encoding import encode, one_hot
from .example import example_path, load_example
from .grouping import Groups, groups
from .responses import parse_choice_column, read_survey
from .stats.multiple import mmi_statistics, spmi_statistics
from .stats.patterns import PatternTable
from .stats.resampling import pattern_exceedances, table_exceedances
from .survey import Answers, Survey
from .synthetic import synthetic_survey

__all__ = ["WORKLOADS", "GroupsData", "Workload", "encode_espri", "encode_get_dummies",
           "encode_pandas", "encoding_data", "get_dummies_by_cell", "groups_data",
           "groups_data_worst", "groups_espri", "groups_sklearn"]


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
    alternative: Callable[[Any], Any] | None
    alternative_name: str
    #: Heavy end-to-end workloads are timed once, without warm-up run or memory tracing.
    single_run: bool = False


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
    """The textbook pandas way: ``Series.str.get_dummies(sep=", ")`` per column.

    It splits every cell again (1.0 s at 10^5 respondents where :func:`encode_pandas` takes
    0.04 s) and breaks options whose text holds ", " into pieces.
    """
    return pd.concat([values.str.get_dummies(sep=", ").add_prefix(f"{keyword}:")
                      for keyword, values in data.columns.items()], axis=1)


def get_dummies_by_cell(values: pd.Series, prefix: str, sep: str = ", ") -> pd.DataFrame:
    """``values.str.get_dummies(sep)`` computed once per distinct cell: ``pd.factorize``,
    ``str.get_dummies`` of the distinct cells, a NumPy gather of uint8 rows.

    The fastest pandas/NumPy one-hot of multiple-choice text we found (answers repeat, so
    there are far fewer distinct cells than respondents); like ``str.get_dummies``, it
    breaks options whose text holds ``sep``. Missing cells give rows of zeros.

    Examples
    --------
    >>> get_dummies_by_cell(pd.Series(["a, b", None, "b", "a, b"]), "q").to_numpy().tolist()
    [[1, 1], [0, 0], [0, 1], [1, 1]]
    """
    codes, distinct = pd.factorize(values)
    dummies = pd.Series(distinct).str.get_dummies(sep=sep)
    rows = np.vstack([dummies.to_numpy(np.uint8), np.zeros((1, dummies.shape[1]), np.uint8)])
    return pd.DataFrame(rows[codes], index=values.index,
                        columns=[f"{prefix}:{option}" for option in dummies.columns])


def encode_pandas(data: EncodingData) -> pd.DataFrame:
    """pandas + NumPy: :func:`get_dummies_by_cell` per column, the fastest alternative found.

    At 10^5 respondents (2-core VM): 0.04 s; ``str.get_dummies(sep=", ")`` 1.0 s;
    ``str.split(", ").explode()`` + ``pd.factorize`` + a NumPy scatter 1.2 s, + ``pd.get_dummies``
    and ``groupby(level=0).max()`` 1.4 s, + ``pd.crosstab`` 7.9 s; ``astype("category")``
    before ``str.get_dummies`` 7.6 s.
    """
    return pd.concat([get_dummies_by_cell(values, keyword)
                      for keyword, values in data.columns.items()], axis=1)


# --- reading from the file --------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ReadData:
    """A synthetic Google Forms export written to a CSV file, and its codebook."""

    path: str
    codebook: Codebook
    choice_headers: dict[str, str]      # keyword -> header of each choice column


_READ_FILES: dict[tuple[int, int], str] = {}


def read_data(n: int, seed: int = 0, codebook: Codebook | None = None) -> ReadData:
    """A synthetic export of ``n`` respondents (bundled codebook) as a CSV file on disk.

    The file is written once per (n, seed) and process, into a temporary folder removed
    at exit; it has what real exports have: timestamps, quoted cells, line breaks in free
    answers, e-mail addresses, skipped questions, typed "other" answers.

    Examples
    --------
    >>> data = read_data(10)
    >>> sum(1 for _ in open(data.path, encoding="utf-8")) > 10
    True
    """
    if codebook is None:

        codebook = load_codebook(example_path("espri2020", "codebook.toml"))
    path = _READ_FILES.get((n, seed))
    if path is None:
        import atexit
        import os
        import shutil
        import tempfile

        folder = tempfile.mkdtemp(prefix="espri_gpu-bench-read-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = os.path.join(folder, f"export_{n}_{seed}.csv")
        synthetic_survey(codebook, n, seed=seed).to_csv(path)
        _READ_FILES[(n, seed)] = path
    headers = {c.keyword: c.header for c in codebook.columns if c.kind in ("single", "multiple")}
    return ReadData(path, codebook, headers)


def read_espri(data: ReadData, backend: Backend) -> Any:
    """espri_gpu: ``read_survey`` (the whole export) and ``one_hot`` of every choice column."""

    survey = read_survey(data.path, data.codebook, backend=backend)
    return one_hot(survey, list(data.choice_headers), backend=backend).matrix


def read_pandas(data: ReadData) -> pd.DataFrame:
    """``pandas.read_csv(engine="pyarrow")`` and :func:`get_dummies_by_cell` per column.

    The fastest reader pandas has and the fastest one-hot found (as in the ``encode``
    workload); it reads strings only (no dates parsed, no check of the answers against the
    codebook), and ``get_dummies`` splits options holding ", ".
    """
    frame = pd.read_csv(data.path, engine="pyarrow", dtype=str, keep_default_na=False)
    return pd.concat([get_dummies_by_cell(frame[header], keyword)
                      for keyword, header in data.choice_headers.items()], axis=1)


def read_pandas_textbook(data: ReadData) -> pd.DataFrame:
    """``pandas.read_csv(engine="pyarrow")`` and ``str.get_dummies(sep=", ")`` per column:
    the alternative issue "never silently wrong" set its goal against (the textbook way)."""
    frame = pd.read_csv(data.path, engine="pyarrow", dtype=str, keep_default_na=False)
    return pd.concat([frame[header].str.get_dummies(sep=", ").add_prefix(f"{keyword}:")
                      for keyword, header in data.choice_headers.items()], axis=1)


# --- all-pairs contingency ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ContingencyData:
    """20 questions × 10 options (10 single, 10 multiple): compressed answers and the same
    answers in long form (respondent, question, option) for pandas."""

    answers: list
    long: dict[str, pd.DataFrame]


def contingency_data(n: int, seed: int = 0) -> ContingencyData:
    """Synthetic answers of ``n`` respondents to 20 questions with 10 options each."""

    rng = np.random.default_rng(seed)
    answers, long = [], {}
    profile = rng.integers(0, 3, size=n)
    for q in range(20):
        multiple = q >= 10
        keyword = f"q{q:02d}"
        options = tuple(Option(f"o{j}", f"option {j}") for j in range(10))
        question = Question(keyword, keyword, multiple, options, False, keyword)
        if multiple:
            p = rng.beta(0.6, 2.0, size=(3, 10))
            matrix = (rng.random((n, 10)) < p[profile]).astype(np.uint8)
        else:
            weights = rng.dirichlet(np.full(10, 0.7), size=3).cumsum(axis=1)[profile]
            choice = (rng.random((n, 1)) > weights).sum(axis=1).clip(0, 9)
            matrix = np.zeros((n, 10), dtype=np.uint8)
            matrix[np.arange(n), choice] = 1
        skipped = rng.random(n) < 0.1
        matrix[skipped] = 0
        cells, codes = np.unique(matrix, axis=0, return_inverse=True)
        codes = codes.ravel().astype(np.int32)
        codes[~matrix.any(axis=1)] = -1
        levels = tuple(Level(o.keyword, o.text) for o in options)
        answers.append(Answers(question, codes, cells.astype(np.uint8), levels))
        rows, cols = np.nonzero(matrix)
        long[keyword] = pd.DataFrame({"respondent": rows, "option": cols})
    return ContingencyData(answers, long)


def contingency_espri(data: ContingencyData, backend: Backend) -> Any:
    """espri_gpu: one Gram matrix XᵀX of all indicators, in exact float32 chunks."""

    return indicator_gram(data.answers, backend)[0]


def contingency_numpy(data: ContingencyData, chunk: int = 1 << 17) -> np.ndarray:
    """NumPy: the 0/1 indicator matrix of all questions from the long answers, and XᵀX in
    float32 matrix products over blocks of ``chunk`` respondents (every partial sum is an
    integer below 2^24, so exact), summed as integers.

    The fastest alternative found: at 10^4 respondents about 60x faster than ``merge`` +
    ``pd.crosstab`` per pair of questions (190 pairs); a ``scipy.sparse`` XᵀX was no faster
    at 10^4 to 10^6 respondents (3x slower at 10^6) on the 2-core VM.
    """
    n = len(data.answers[0].codes)
    indicators = np.zeros((n, 10 * len(data.long)), dtype=np.uint8)
    for q, long in enumerate(data.long.values()):
        indicators[long["respondent"].to_numpy(), 10 * q + long["option"].to_numpy()] = 1
    gram = np.zeros((indicators.shape[1],) * 2, dtype=np.int64)
    for start in range(0, n, chunk):
        block = indicators[start:start + chunk].astype(np.float32)
        gram += (block.T @ block).astype(np.int64)
    return gram


# --- Monte-Carlo χ² -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MonteCarloData:
    """A 10 × 15 table with total ≈ 4·10^6 and the number of random tables B."""

    rows: np.ndarray
    cols: np.ndarray
    observed: float
    n_resamples: int


def montecarlo_data(n_resamples: int, seed: int = 0, total: int = 4_000_000) -> MonteCarloData:
    """Margins of a 10 × 15 table (seeded) with ``total`` respondents; B = ``n_resamples``."""
    rng = np.random.default_rng(seed)
    rows = rng.multinomial(total - 10, rng.dirichlet(np.full(10, 3.0))) + 1
    cols = rng.multinomial(total - 15, rng.dirichlet(np.full(15, 3.0))) + 1
    expected = np.outer(rows, cols) / total
    table = rng.poisson(expected)
    observed = float(((table - expected) ** 2 / expected).sum())
    return MonteCarloData(rows, cols, observed, n_resamples)


def montecarlo_espri(data: MonteCarloData, backend: Backend) -> int:
    """espri_gpu: O(1) conditional hypergeometric tables, a counter-based RNG per replicate."""

    return table_exceedances(data.rows, data.cols, data.observed, "pearson", data.n_resamples,
                             1, backend)


def montecarlo_scipy(data: MonteCarloData) -> int:
    """``scipy.stats.random_table(...).rvs(method="patefield")`` + vectorised Pearson X²."""
    from scipy import stats

    expected = np.outer(data.rows, data.cols) / data.rows.sum()
    law = stats.random_table(data.rows, data.cols, seed=1)
    hits = 0
    for start in range(0, data.n_resamples, 1000):
        tables = law.rvs(min(1000, data.n_resamples - start), method="patefield")
        hits += int((((tables - expected) ** 2 / expected).sum(axis=(1, 2))
                     >= data.observed).sum())
    return hits


# --- MMI resampling -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MMIData:
    """A single-choice question (10 levels) × a multiple-choice one (15 items), B resamples."""

    levels: np.ndarray      # level of each respondent
    items: np.ndarray       # respondents × items, 0/1
    n_resamples: int


def mmi_data(n: int, seed: int = 0, n_resamples: int = 1000) -> MMIData:
    """``n`` respondents, realistic repetition of answer vectors (3 latent profiles)."""
    rng = np.random.default_rng(seed)
    profile = rng.integers(0, 3, size=n)
    items = (rng.random((n, 15)) < rng.beta(0.6, 2.0, size=(3, 15))[profile]).astype(np.uint8)
    levels = rng.integers(0, 10, size=n)
    return MMIData(levels, items, n_resamples)


def _mmi_from_ticks(ticks: np.ndarray, levels: np.ndarray, items: np.ndarray,
                   n: int) -> np.ndarray:
    """MMI of tick tables ``ticks[..., level, item]`` with respondents per level ``levels``
    and per item ``items`` (both margins fixed under permutation); vectorised over ``...``."""
    ra, cb = levels[:, None].astype(float), items[None, :].astype(float)
    e1, e0 = ra * cb / n, ra * (n - cb) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        x2 = np.where(e1 > 0, (ticks - e1) ** 2 / e1, 0) + \
            np.where(e0 > 0, (ra - ticks - e0) ** 2 / e0, 0)
    return x2.sum(axis=(-2, -1))


def _mmi_statistic(onehot: np.ndarray, items: np.ndarray) -> float:
    """MMI from the respondents' one-hot levels and 0/1 items (NumPy, respondent level)."""
    onehot, items = onehot.astype(float), items.astype(float)
    return float(_mmi_from_ticks(onehot.T @ items, onehot.sum(axis=0), items.sum(axis=0),
                                 items.shape[0]))


def _distinct_rows(items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct answer vectors, index of each respondent's vector among them)."""
    rows, codes = np.unique(items, axis=0, return_inverse=True)
    return rows, codes.ravel()


def _pattern_exceedances(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
                         kind: str, n_resamples: int, backend: Backend) -> int:
    """espri_gpu's permutation test of MMI / SPMI on the table of distinct answer patterns;
    ``a`` and ``b`` are (pattern indicator rows, pattern of each respondent)."""

    (pa, ia), (pb, ib) = a, b
    joint = np.zeros((pa.shape[0], pb.shape[0]), dtype=np.int64)
    np.add.at(joint, (ia, ib), 1)
    table = PatternTable(joint, pa.astype(float), pb.astype(float), (), (), int(joint.sum()))
    statistic = mmi_statistics if kind == "mmi" else spmi_statistics
    return pattern_exceedances(table.row_counts, table.col_counts, table.a, table.b, kind,
                               "permutation", statistic(table).statistic, n_resamples, 1,
                               backend)


def _permutation_hits(statistic: Callable[[np.ndarray], np.ndarray], fixed: np.ndarray,
                      codes: np.ndarray, patterns: np.ndarray, n_resamples: int) -> int:
    """The fastest plain-NumPy permutation test we could write: shuffle the respondents'
    answers to one question B times and count the ticks with one ``np.bincount``.

    ``fixed`` (respondents × items, 0/1) stays in place; the other question is given as
    ``patterns[codes]`` (its distinct answer rows and each respondent's row), so shuffling
    the ``n`` integer codes in place permutes its answers, and the tick table ``fixedᵀ @
    patterns[codes]`` is a bincount over the ticks of ``fixed`` times the small pattern
    matrix. Counted with the kernels' tie tolerance, as espri_gpu counts.
    """
    from .kernels.cpu import EXCEEDANCE_RTOL

    rng = np.random.default_rng(1)
    codes = codes.astype(np.intp)                  # a copy: shuffled in place below
    n_patterns = patterns.shape[0]
    patterns = patterns.astype(np.float64)
    rows, cols = np.nonzero(fixed)
    keys = cols.astype(np.intp) * n_patterns
    size = fixed.shape[1] * n_patterns

    def ticks() -> np.ndarray:                     # items of `fixed` × items of `patterns`
        counts = np.bincount(keys + codes[rows], minlength=size)
        return counts.reshape(-1, n_patterns) @ patterns

    threshold = float(statistic(ticks())) * (1.0 - EXCEEDANCE_RTOL)
    hits = 0
    for _ in range(n_resamples):
        rng.shuffle(codes)
        hits += int(statistic(ticks()) >= threshold)
    return hits


def mmi_espri(data: MMIData, backend: Backend) -> int:
    """espri_gpu: permutation on the table of distinct answer patterns (Numba kernel)."""
    return _pattern_exceedances((np.eye(10), data.levels), _distinct_rows(data.items), "mmi",
                                data.n_resamples, backend)


def mmi_numpy(data: MMIData) -> int:
    """NumPy: shuffle the respondents' levels B times, ticks per level and item by
    ``np.bincount`` (see ``_permutation_hits``), MMI vectorised."""
    n = data.items.shape[0]
    levels = np.bincount(data.levels, minlength=10)
    items = data.items.sum(axis=0)

    def statistic(ticks: np.ndarray) -> np.ndarray:   # items × levels
        return _mmi_from_ticks(ticks.T, levels, items, n)

    return _permutation_hits(statistic, data.items, data.levels, np.eye(10), data.n_resamples)


# --- SPMI resampling ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SPMIData:
    """Two multiple-choice questions (10 items each), B resamples."""

    a_items: np.ndarray     # respondents × items of the first question, 0/1
    b_items: np.ndarray     # respondents × items of the second
    n_resamples: int


def spmi_data(n: int, seed: int = 0, n_resamples: int = 200) -> SPMIData:
    """``n`` respondents, answers from 3 latent profiles (realistic repetition of patterns)."""
    rng = np.random.default_rng(seed)
    profile = rng.integers(0, 3, size=n)

    def question() -> np.ndarray:
        p = rng.beta(0.6, 2.0, size=(3, 10))
        return (rng.random((n, 10)) < p[profile]).astype(np.uint8)

    return SPMIData(question(), question(), n_resamples)


def _spmi_from_ticks(n11: np.ndarray, a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """SPMI of tick tables ``n11[..., i, k]`` (respondents ticking item i of one question and
    item k of the other) with respondents per item ``a`` and ``b``; vectorised over ``...``."""
    r1, c1 = a[:, None].astype(float), b[None, :].astype(float)
    r0, c0 = n - r1, n - c1
    det = n11 * (n - r1 - c1 + n11) - (r1 - n11) * (c1 - n11)
    denominator = r1 * r0 * c1 * c0
    with np.errstate(divide="ignore", invalid="ignore"):
        x2 = np.where(denominator > 0, n * det**2 / denominator, 0.0)
    return x2.sum(axis=(-2, -1))


def _spmi_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """SPMI from the respondents' 0/1 items of both questions (NumPy, respondent level)."""
    a, b = a.astype(float), b.astype(float)
    return float(_spmi_from_ticks(a.T @ b, a.sum(axis=0), b.sum(axis=0), a.shape[0]))


def spmi_espri(data: SPMIData, backend: Backend) -> int:
    """espri_gpu: permutation on the table of distinct answer-pattern pairs (Numba kernel)."""
    return _pattern_exceedances(_distinct_rows(data.a_items), _distinct_rows(data.b_items),
                                "spmi", data.n_resamples, backend)


def spmi_numpy(data: SPMIData) -> int:
    """NumPy: shuffle the respondents' answer rows to the second question B times (as
    integer codes of its distinct rows), ticks by ``np.bincount``, SPMI vectorised."""
    patterns, codes = np.unique(data.b_items, axis=0, return_inverse=True)
    n = data.a_items.shape[0]
    a, b = data.a_items.sum(axis=0), data.b_items.sum(axis=0)

    def statistic(n11: np.ndarray) -> np.ndarray:
        return _spmi_from_ticks(n11, a, b, n)

    return _permutation_hits(statistic, data.a_items, codes.ravel(), patterns,
                             data.n_resamples)


# --- respondent groups: espri_gpu's groups vs scikit-learn on the raw rows ----------------


@dataclass(frozen=True, eq=False)
class GroupsData:
    """A synthetic survey for the grouping benchmark, and the same rows for scikit-learn.

    ``survey`` stores the answers as espri_gpu does (codes + distinct cells);
    ``matrix`` holds the respondents' indicator rows as float64 for scikit-learn.
    """

    survey: Survey
    questions: tuple[str, ...]
    matrix: np.ndarray
    k: int


def groups_data(n: int, seed: int = 0, *, sizes: tuple[int, ...] = (16, 14),
                n_profiles: int = 5) -> GroupsData:
    """Realistic answers: ``n`` respondents, two multiple-choice questions (30 options).

    Each respondent belongs to one of ``n_profiles`` latent profiles (Dirichlet shares);
    a profile ticks 3 "core" options of each question with probability 0.45–0.85 and the
    others with probability 0.04 (2–3 ticks per question on average, correlated options,
    so answer patterns repeat: ~125,000 distinct among 10^6). NumPy PCG64 seeded by
    ``seed``.

    Examples
    --------
    >>> data = groups_data(1000, seed=1)
    >>> data.matrix.shape, data.survey.n_respondents
    ((1000, 30), 1000)
    """
    rng = np.random.default_rng(seed)
    width = sum(sizes)
    shares = rng.dirichlet(np.full(n_profiles, 4.0))
    profile = rng.choice(n_profiles, size=n, p=shares)
    probs = np.full((n_profiles, width), 0.04)
    start = 0
    for size in sizes:
        for g in range(n_profiles):
            core = start + rng.choice(size, size=3, replace=False)
            probs[g, core] = rng.uniform(0.45, 0.85, size=3)
        start += size
    ticks = rng.random((n, width)) < probs[profile]
    return _synthetic(ticks, sizes, n_profiles)


def groups_data_worst(n: int, seed: int = 0, *, sizes: tuple[int, ...] = (13, 13),
                      p: float = 0.22) -> GroupsData:
    """Worst case for patterns: independent ticks (26 options, p = 0.22 each).

    About 530,000 distinct answer patterns among 10^6 respondents. NumPy PCG64 seeded by
    ``seed``.

    Examples
    --------
    >>> groups_data_worst(100).matrix.shape
    (100, 26)
    """
    rng = np.random.default_rng(seed)
    ticks = rng.random((n, sum(sizes))) < p
    return _synthetic(ticks, sizes, 5)


def _synthetic(ticks: np.ndarray, sizes: tuple[int, ...], k: int) -> GroupsData:

    n = ticks.shape[0]
    columns, questions, answers = [], [], {}
    start = 0
    for q, size in enumerate(sizes):
        keyword = f"q{q + 1}"
        options = tuple(Option(f"{keyword}_o{j + 1}", f"Option {j + 1}") for j in range(size))
        question = Question(keyword, keyword, True, options, False, keyword)
        block = ticks[:, start:start + size]
        start += size
        key = block.astype(np.int64) @ (np.int64(1) << np.arange(size, dtype=np.int64))
        distinct, codes = np.unique(key, return_inverse=True)
        cells = ((distinct[:, None] >> np.arange(size)) & 1).astype(np.uint8)
        levels = tuple(Level(o.keyword, o.text) for o in options)
        answers[keyword] = Answers(question, codes.ravel().astype(np.int32), cells, levels)
        columns.append(Column(keyword, f"Question {q + 1}", "multiple", keyword))
        questions.append(question)
    codebook = Codebook("synthetic", "synthetic", tuple(columns), tuple(questions))
    report = LoadReport("synthetic", "synthetic", None, None, n, n)
    survey = Survey(codebook, answers, np.arange(1, n + 1, dtype=np.int64), report)
    return GroupsData(survey, tuple(answers), ticks.astype(np.float64), k)


def groups_espri(data: GroupsData, backend: Backend) -> Groups:
    """espri_gpu: :func:`groups` at the data's k (tree, k-means, PCA; no bootstrap)."""
    return groups(data.survey, data.questions, k=data.k, n_bootstrap=0, seed=0,
                  backend=backend)


def groups_sklearn(data: GroupsData) -> tuple[Any, np.ndarray]:
    """The usual way: scikit-learn ``KMeans(n_init=10)`` and ``PCA(2)`` on the raw rows."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    model = KMeans(n_clusters=data.k, n_init=10, random_state=0).fit(data.matrix)
    return model, PCA(n_components=2).fit_transform(data.matrix)


# --- end to end -------------------------------------------------------------------------------


def report_data(n: int, seed: int = 0) -> dict:
    """Options of a report on the bundled example crossing its first ``n`` questions."""

    questions = list(load_example("espri2020").questions)[:n]
    groups = "" if n < 6 else ("ml_méthodes:ml_usages" if n < 15 else None)
    return {"pairs": ",".join(questions), "groups": groups, "seed": seed}


def report_espri(data: dict, backend: Backend) -> Any:
    """``python -m espri_gpu report`` on the bundled example, in a new process (what a user
    waits for: start-up, imports and kernels loaded from Numba's on-disk cache included),
    default number of resamples, into a temporary folder."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "espri_gpu", "report", "--out", out, "--backend",
                   backend.name, "--seed", str(data["seed"]), "--pairs", data["pairs"]]
        if data["groups"] is not None:
            command += ["--groups", data["groups"]]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"report failed: {done.stderr.strip().splitlines()[-1:]}")
        return done.stdout


WORKLOADS: dict[str, Workload] = {
    "encode": Workload(
        name="encode",
        description="one-hot of every single- and multiple-choice text column",
        unit="respondents",
        sizes={"tiny": 2_000, "small": 100_000, "medium": 1_000_000, "large": 10_000_000},
        make_data=encoding_data,
        espri=encode_espri,
        alternative=encode_pandas,
        alternative_name="pandas factorize + str.get_dummies of distinct cells",
    ),
    "read": Workload(
        name="read",
        description="read a Google Forms CSV export from the file and one-hot every "
                    "single- and multiple-choice column",
        unit="respondents",
        sizes={"tiny": 2_000, "small": 100_000, "medium": 1_000_000, "large": 5_000_000},
        make_data=read_data,
        espri=read_espri,
        alternative=read_pandas,
        alternative_name="pandas read_csv(engine='pyarrow') + get_dummies of distinct cells",
    ),
    "contingency": Workload(
        name="contingency",
        description="all-pairs cross tables, 20 questions × 10 options (190 pairs)",
        unit="respondents",
        sizes={"tiny": 1_000, "small": 10_000, "medium": 1_000_000, "large": 10_000_000},
        make_data=contingency_data,
        espri=contingency_espri,
        alternative=contingency_numpy,
        alternative_name="NumPy indicator matrix + float32 XᵀX",
    ),
    "montecarlo": Workload(
        name="montecarlo",
        description="Monte-Carlo χ² p-value, 10 × 15 table, total 4·10^6",
        unit="random tables",
        sizes={"tiny": 100, "small": 2_000, "medium": 100_000, "large": 1_000_000},
        make_data=montecarlo_data,
        espri=montecarlo_espri,
        alternative=montecarlo_scipy,
        alternative_name="scipy random_table(patefield) + NumPy X²",
    ),
    "mmi": Workload(
        name="mmi",
        description="MMI permutation test (10 levels × 15 items), B = 1000",
        unit="respondents",
        sizes={"tiny": 1_000, "small": 20_000, "medium": 100_000, "large": 1_000_000},
        make_data=mmi_data,
        espri=mmi_espri,
        alternative=mmi_numpy,
        alternative_name="NumPy respondent-level permutation loop",
    ),
    "spmi": Workload(
        name="spmi",
        description="SPMI permutation test (10 × 10 items), B = 200",
        unit="respondents",
        sizes={"tiny": 1_000, "small": 20_000, "medium": 100_000, "large": 1_000_000},
        make_data=spmi_data,
        espri=spmi_espri,
        alternative=spmi_numpy,
        alternative_name="NumPy respondent-level permutation loop",
    ),
    "report": Workload(
        name="report",
        description="`python -m espri_gpu report` on the bundled example (a new process): "
                    "every pair of its first n questions (B = 4999), groups from n = 6, "
                    "all groupings at n = 15 (the defaults)",
        unit="questions",
        sizes={"tiny": 3, "small": 6, "medium": 15, "large": 15},
        make_data=report_data,
        espri=report_espri,
        alternative=None,
        alternative_name="(none: a one-off pandas/seaborn script)",
        single_run=True,
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
