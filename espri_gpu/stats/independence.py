"""The right test of independence for each kind of pair of questions, and all-pairs screening."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..backend import Backend, resolve_backend
from ..counting import cross_counts
from ..display import FrameRepr
from ..errors import SurveyInputError
from ..survey import Survey
from .adjust import benjamini_hochberg, holm
from .chi2 import chi2_test, cramers_v, cramers_v_corrected
from .multiple import bonferroni, mmi_statistics, spmi_statistics
from .patterns import PatternTable, pattern_table
from .pooling import MIN_COUNT, pool_rare_items
from .rao_scott import rao_scott
from .resampling import (
    DEFAULT_RESAMPLES,
    make_seed,
    observed_table_statistic,
    pattern_exceedances,
)
from .residuals import expected_counts

__all__ = ["IndependenceResult", "ScreenResult", "UntestedPair", "independence_test", "pair_seed",
           "screen"]

Method = Literal["auto", "asymptotic", "montecarlo", "permutation", "bootstrap", "rao-scott",
                 "bonferroni"]
SINGLE_METHODS = ("auto", "asymptotic", "montecarlo")
MULTIPLE_METHODS = ("auto", "permutation", "bootstrap", "rao-scott", "bonferroni")


@dataclass(frozen=True)
class IndependenceResult(FrameRepr):
    """Which test ran on a pair of questions, why, and what it found.

    Attributes
    ----------
    a, b : str
        Question keywords.
    kind_a, kind_b : str
        ``single`` or ``multiple``.
    test : str
        ``chi2-asymptotic``, ``chi2-montecarlo``, ``mmi-permutation``, ``spmi-bootstrap``,
        ``mmi-rao-scott``, ``spmi-bonferroni``, …
    reason : str
        Why this test (plain words, for a report reader).
    statistic, pvalue : float
    dof : float or None
        None for resampling tests of multiple-response statistics.
    n : int
        Respondents who answered both questions.
    n_excluded : int
        Respondents who skipped either question.
    cramers_v, cramers_v_corrected, min_expected : float
        Of the tick table (descriptive only when a question is multiple-choice).
    n_resamples, seed : int or None
    warnings : tuple of str
    """

    a: str
    b: str
    kind_a: str
    kind_b: str
    test: str
    reason: str
    statistic: float
    pvalue: float
    dof: float | None
    n: int
    n_excluded: int
    cramers_v: float
    cramers_v_corrected: float
    min_expected: float
    n_resamples: int | None = None
    seed: int | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row."""
        row = asdict(self)
        row["warnings"] = "; ".join(self.warnings)
        return pd.DataFrame([row])


def pair_seed(seed: int, a: str, b: str) -> int:
    """A seed for one pair, derived from the run's seed and the two keywords (stable).

    Examples
    --------
    >>> pair_seed(0, "lab", "ml_méthodes") == pair_seed(0, "lab", "ml_méthodes")
    True
    >>> pair_seed(0, "lab", "ml_usages") != pair_seed(0, "lab", "ml_méthodes")
    True
    """
    digest = hashlib.blake2b(f"{seed}\x1f{a}\x1f{b}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def _tick_table(survey: Survey, a: str, b: str, backend: Backend) -> tuple[np.ndarray, int]:
    return cross_counts(survey.answers_to(a), survey.answers_to(b), backend)


def independence_test(survey: Survey, a: str, b: str, *, method: Method = "auto",
                      n_resamples: int = DEFAULT_RESAMPLES, seed: int | None = None,
                      backend: str | Backend | None = None) -> IndependenceResult:
    """Test whether the answers to two questions are independent, with the right test.

    Parameters
    ----------
    survey : Survey
    a, b : str
        Question keywords.
    method : str
        ``auto`` picks: for two single-choice questions the asymptotic χ² when every
        expected count is at least 5, else the Monte-Carlo χ² (both margins fixed); when a
        multiple-choice question is involved, MMI (single × multiple) or SPMI
        (multiple × multiple) with a respondent-level permutation test. Explicit choices:
        ``asymptotic``, ``montecarlo`` (single × single); ``permutation``, ``bootstrap``
        (Bilder & Loughin's, degenerate resamples drawn again), ``rao-scott`` (their
        second-order correction, covariance from the observed answer patterns:
        :mod:`espri_gpu.stats.rao_scott`), ``bonferroni`` (multiple response). For every
        multiple-response method, options ticked by fewer than 5 respondents are pooled into
        one ``other (pooled)`` item for testing (:mod:`espri_gpu.stats.pooling`).
    n_resamples : int
        Random tables / resamples for Monte-Carlo and resampling tests (default
        :data:`~espri_gpu.stats.resampling.DEFAULT_RESAMPLES`, as in :func:`screen` and
        ``report``).
    seed : int, optional
        None draws a seed at random and records it in the result.
    backend : {"auto", "cpu", "gpu"}, optional

    Returns
    -------
    IndependenceResult

    Examples
    --------
    >>> from espri_gpu import independence_test, load_example
    >>> s = load_example("espri2020")
    >>> r = independence_test(s, "compétence", "maturité_projet", seed=1, n_resamples=999)
    >>> r.test, r.pvalue <= 0.001  # no random table as extreme: p = 1 / (B + 1)
    ('chi2-montecarlo', True)
    >>> independence_test(s, "lab", "ml_méthodes", seed=1, n_resamples=199).test
    'mmi-permutation'
    """
    qa, qb = survey.codebook.question(a), survey.codebook.question(b)
    if qa.keyword == qb.keyword:
        raise SurveyInputError(f"`a` and `b` are both `{qa.keyword}`; give two different "
                               "questions")
    back = resolve_backend(backend)
    ticks, n = _tick_table(survey, qa.keyword, qb.keyword, back)
    n_excluded = survey.n_respondents - n
    if n == 0:
        raise SurveyInputError(f"no respondent answered both `{qa.keyword}` and "
                               f"`{qb.keyword}`; nothing to test")
    multiple = qa.multiple or qb.multiple
    valid = MULTIPLE_METHODS if multiple else SINGLE_METHODS
    if method not in valid:
        kinds = f"{qa.kind} × {qb.kind}"
        raise SurveyInputError(f"`method` is {method!r}; for a {kinds} pair expected one of "
                               f"{', '.join(valid)}")
    tick_stats = _tick_effect_sizes(ticks)
    common = dict(a=qa.keyword, b=qb.keyword, kind_a=qa.kind, kind_b=qb.kind, n=n,
                  n_excluded=n_excluded, **tick_stats)
    if not multiple:
        return _single_pair(ticks, method, n_resamples, seed, back, common)
    table = pattern_table(survey.answers_to(qa.keyword), survey.answers_to(qb.keyword))
    table, pool_a, pool_b = pool_rare_items(table, qa.multiple, qb.multiple)
    pooling = "; ".join(p for p in (pool_a.describe(qa.keyword), pool_b.describe(qb.keyword))
                        if p)
    return _multiple_pair(table, qa.multiple, qb.multiple, method, n_resamples, seed, back,
                          common, pooling)


def _tick_effect_sizes(ticks: np.ndarray) -> dict[str, float]:
    rows, cols = ticks.sum(axis=1) > 0, ticks.sum(axis=0) > 0
    obs = ticks[np.ix_(rows, cols)].astype(float)
    total = obs.sum()
    if obs.shape[0] < 2 or obs.shape[1] < 2 or total == 0:
        nan = float("nan")
        return {"cramers_v": nan, "cramers_v_corrected": nan, "min_expected": nan}
    expected = expected_counts(obs)
    x2 = observed_table_statistic(obs.astype(np.int64), "pearson", "cpu")
    return {"cramers_v": cramers_v(x2, int(total), obs.shape),
            "cramers_v_corrected": cramers_v_corrected(x2, int(total), obs.shape),
            "min_expected": float(expected.min())}


def _single_pair(ticks: np.ndarray, method: str, n_resamples: int, seed: int | None,
                 back: Backend, common: dict) -> IndependenceResult:
    min_expected = common["min_expected"]
    if method == "auto":
        if min_expected >= 5:
            method, reason = "asymptotic", "every expected count is at least 5"
        else:
            method = "montecarlo"
            reason = (f"the smallest expected count is {min_expected:.2g} (< 5): p-value "
                      "from random tables with the observed margins")
    else:
        reason = "requested"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = chi2_test(ticks, method=method, n_resamples=n_resamples, seed=seed,
                           backend=back)
    return IndependenceResult(
        test=f"chi2-{method}", reason=reason, statistic=result.statistic,
        pvalue=result.pvalue, dof=result.dof, n_resamples=result.n_resamples,
        seed=result.seed, warnings=tuple(str(w.message) for w in caught), **common)


def _multiple_pair(table: PatternTable, multiple_a: bool, multiple_b: bool, method: str,
                   n_resamples: int, seed: int | None, back: Backend,
                   common: dict, pooling: str = "") -> IndependenceResult:
    if method == "auto":
        method = "permutation"
    # the observed statistic comes from the kernels that draw the resamples (exact ties);
    # tests without resampling compute it on the CPU
    where = back if method in ("permutation", "bootstrap") else "cpu"
    if not multiple_a:                     # MMI: the single-choice question in the rows
        kind, stats = "mmi", mmi_statistics(table, where)
    elif not multiple_b:
        swapped = PatternTable(table.joint.T.copy(), table.b, table.a, table.levels_b,
                               table.levels_a, table.n)
        table, kind, stats = swapped, "mmi", mmi_statistics(swapped, where)
    else:
        kind, stats = "spmi", spmi_statistics(table, where)
    what = ("single × multiple: MMI, the sum of the item-level χ²" if kind == "mmi"
            else "multiple × multiple: SPMI, the sum of the item-pair χ²")
    dof: float | None = None
    resamples = used_seed = None
    if method in ("permutation", "bootstrap"):
        used_seed = make_seed(seed)
        hits = pattern_exceedances(table.row_counts, table.col_counts, table.a, table.b, kind,
                                   method, stats.statistic, n_resamples, used_seed, back)
        pvalue, resamples = (1 + hits) / (n_resamples + 1), n_resamples
        reason = (f"{what}; p-value by {method} of respondents' answer vectors (a respondent "
                  "ticking several options is one observation, not several)")
        if method == "bootstrap":
            reason += ("; resamples in which an option that varies in the data does not vary "
                       "are discarded and drawn again (Bilder & Loughin 2004)")
        statistic = stats.statistic
    elif method == "rao-scott":
        corrected = rao_scott(table, kind, stats.statistic)
        statistic, dof, pvalue = corrected.statistic, corrected.dof, corrected.pvalue
        reason = (f"{what}; second-order Rao–Scott correction of its χ² approximation "
                  "(Bilder & Loughin 2004, covariance from the observed answer patterns)")
    else:
        statistic, pvalue = stats.statistic, bonferroni(stats)
        reason = (f"{what}; Bonferroni bound over the {stats.item_statistics.size} "
                  "item-level tests of options that vary")
    if pooling:
        reason += (f"; for testing, options ticked by fewer than {MIN_COUNT} respondents are "
                   f"pooled ({pooling})")
    return IndependenceResult(test=f"{kind}-{method}", reason=reason, statistic=statistic,
                              pvalue=pvalue, dof=dof, n_resamples=resamples, seed=used_seed,
                              **common)


@dataclass(frozen=True)
class UntestedPair:
    """A pair of questions :func:`screen` could not test, and why.

    Attributes
    ----------
    a, b : str
        Question keywords.
    kind_a, kind_b : str
        ``single`` or ``multiple``.
    reason : str
        Why no test ran (e.g. nobody answered both questions).
    """

    a: str
    b: str
    kind_a: str
    kind_b: str
    reason: str

    @property
    def test(self) -> str:
        """``"none"``: no test ran."""
        return "none"

    @property
    def pvalue(self) -> float:
        """NaN: no test ran."""
        return float("nan")


#: Columns of :meth:`ScreenResult.to_frame`, in order.
SCREEN_COLUMNS = ("a", "b", "kind_a", "kind_b", "n", "n_excluded", "test", "statistic", "dof",
                  "pvalue", "p_holm", "p_bh", "cramers_v", "cramers_v_corrected",
                  "min_expected", "n_resamples", "seed", "reason", "warnings")


@dataclass(frozen=True, eq=False)
class ScreenResult(FrameRepr):
    """Every pair :func:`screen` tested, in order, with p-values adjusted over all of them.

    Iterating gives the pairs' results; ``len`` is the number of pairs; ``result[a, b]`` (or
    :meth:`pair`) looks a pair up, in either order, ``result[i]`` the i-th pair;
    :meth:`to_frame` is the tidy table (one row per pair), which Jupyter shows.

    Attributes
    ----------
    results : tuple of IndependenceResult or UntestedPair
        One per pair, in the order screened; a pair that could not be tested is an
        :class:`UntestedPair` holding the reason (its ``test`` is ``"none"``, its p NaN).
    p_holm, p_bh : tuple of float
        Holm and Benjamini–Hochberg adjusted p-values, one per pair, over the pairs tested
        (NaN for the others).

    Examples
    --------
    >>> from espri_gpu import load_example, screen
    >>> result = screen(load_example("espri2020"), ["lab", "compétence", "big_data"],
    ...                 n_resamples=199)
    >>> len(result), result["lab", "compétence"].test
    (3, 'chi2-montecarlo')
    >>> result.pair("compétence", "lab") is result["lab", "compétence"]
    True
    >>> list(result.to_frame().columns[:4])
    ['a', 'b', 'kind_a', 'kind_b']
    """

    results: tuple[IndependenceResult | UntestedPair, ...]
    p_holm: tuple[float, ...]
    p_bh: tuple[float, ...]
    _where: dict[tuple[str, str], int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not len(self.results) == len(self.p_holm) == len(self.p_bh):
            raise ValueError(f"`results`, `p_holm` and `p_bh` have {len(self.results)}, "
                             f"{len(self.p_holm)} and {len(self.p_bh)} entries; expected "
                             "one per pair in each")
        where: dict[tuple[str, str], int] = {}
        for i, r in enumerate(self.results):
            where.setdefault((r.a, r.b), i)
        for i, r in enumerate(self.results):  # the order screened wins over the reverse
            where.setdefault((r.b, r.a), i)
        object.__setattr__(self, "_where", where)

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[IndependenceResult | UntestedPair]:
        return iter(self.results)

    def __getitem__(self, key: tuple[str, str] | int) -> IndependenceResult | UntestedPair:
        if isinstance(key, int):
            return self.results[key]
        return self.results[self._index(*key)]

    def __repr__(self) -> str:
        tested = sum(isinstance(r, IndependenceResult) for r in self.results)
        related = int(np.sum(np.asarray(self.p_bh, dtype=float) < 0.05))
        return (f"ScreenResult({len(self)} pair{'s' * (len(self) != 1)}, {tested} tested, "
                f"{len(self) - tested} not testable; {related} with p_bh < 0.05)")

    def _index(self, a: str, b: str) -> int:
        try:
            return self._where[(a, b)]
        except KeyError:
            raise KeyError(f"the pair ({a!r}, {b!r}) was not screened") from None

    def pair(self, a: str, b: str) -> IndependenceResult | UntestedPair:
        """The result of the pair ``a`` × ``b`` (either order)."""
        return self[a, b]

    def adjusted_pvalue(self, a: str, b: str, method: str = "bh") -> float:
        """The adjusted p-value of the pair ``a`` × ``b``: ``"bh"`` (Benjamini–Hochberg) or
        ``"holm"``."""
        if method not in ("bh", "holm"):
            raise ValueError(f"`method` is {method!r}; expected 'bh' or 'holm'")
        i = self._index(a, b)
        return self.p_bh[i] if method == "bh" else self.p_holm[i]

    @property
    def untested(self) -> tuple[UntestedPair, ...]:
        """The pairs that could not be tested, with their reasons."""
        return tuple(r for r in self.results if isinstance(r, UntestedPair))

    def to_frame(self) -> pd.DataFrame:
        """One tidy row per pair, in the order screened.

        Columns: a, b, kind_a, kind_b, n, n_excluded, test, statistic, dof, pvalue, p_holm,
        p_bh, cramers_v, cramers_v_corrected, min_expected, n_resamples, seed, reason,
        warnings. ``n_resamples`` and ``seed`` are nullable integers (``Int64``; NA for
        asymptotic tests); a pair that could not be tested has test ``none``, NaN p and its
        reason.
        """
        rows = []
        for r in self.results:
            if isinstance(r, IndependenceResult):
                rows.append(asdict(r) | {"warnings": "; ".join(r.warnings)})
            else:
                rows.append({"a": r.a, "b": r.b, "kind_a": r.kind_a, "kind_b": r.kind_b,
                             "test": r.test, "reason": r.reason, "pvalue": r.pvalue})
        frame = pd.DataFrame(rows).reindex(columns=list(SCREEN_COLUMNS))
        for column in ("n_resamples", "seed"):  # exact integers (seeds reach 2**63), NA if none
            frame[column] = pd.array([row.get(column) for row in rows], dtype="Int64")
        frame["p_holm"] = np.asarray(self.p_holm, dtype=float)
        frame["p_bh"] = np.asarray(self.p_bh, dtype=float)
        return frame


def screen(survey: Survey, questions: Sequence[str] | None = None, *, method: str = "auto",
           n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
           backend: str | Backend | None = None, progress: Callable[[str], None] | None = None,
           pairs: Sequence[tuple[str, str]] | None = None) -> ScreenResult:
    """Test every pair of questions; adjust the p-values over all of them.

    Parameters
    ----------
    survey : Survey
    questions : sequence of str, optional
        Default: every question of the survey that has answers.
    method : str
        As in :func:`independence_test` (``auto`` picks per pair).
    n_resamples : int
        Default :data:`~espri_gpu.stats.resampling.DEFAULT_RESAMPLES`.
    seed : int
        Run seed; each pair gets :func:`pair_seed`, recorded in its result (and in the
        ``seed`` column of the table as an exact integer): ``independence_test(survey, a, b,
        method=<test's method>, n_resamples=<n_resamples>, seed=<seed>)`` reproduces the
        pair's p.
    backend : {"auto", "cpu", "gpu"}, optional
    progress : callable, optional
        Receives a line per pair.
    pairs : sequence of (str, str), optional
        Test exactly these pairs instead of every pair of ``questions``.

    Returns
    -------
    ScreenResult
        The pairs' :class:`IndependenceResult` (an :class:`UntestedPair` with its reason for a
        pair nobody answered together), Holm and Benjamini–Hochberg adjusted p-values;
        ``.to_frame()`` gives the tidy table (one row per pair, written as ``tests.csv`` by
        the report).

    Examples
    --------
    >>> from espri_gpu import load_example, screen
    >>> table = screen(load_example("espri2020"), ["lab", "compétence", "big_data"],
    ...                n_resamples=199).to_frame()
    >>> table[["a", "b", "test"]].values.tolist()[0]
    ['lab', 'compétence', 'chi2-montecarlo']
    """
    if pairs is None:
        keywords = list(questions) if questions is not None else list(survey.questions)
        pairs = survey.codebook.default_pairs(keywords)
    else:
        keywords = list(dict.fromkeys(k for pair in pairs for k in pair))
    for k in keywords:
        survey.answers_to(k)
    back = resolve_backend(backend)
    results: list[IndependenceResult | UntestedPair] = []
    for i, (a, b) in enumerate(pairs, start=1):
        if progress:
            progress(f"test {i}/{len(pairs)}: {a} × {b}")
        pair_method = method
        if method != "auto":
            multiple = survey.codebook.question(a).multiple or survey.codebook.question(b).multiple
            allowed = MULTIPLE_METHODS if multiple else SINGLE_METHODS
            pair_method = method if method in allowed else "auto"
        try:
            results.append(independence_test(survey, a, b, method=pair_method,
                                             n_resamples=n_resamples,
                                             seed=pair_seed(seed, a, b), backend=back))
        except SurveyInputError as exc:
            qa, qb = survey.codebook.question(a), survey.codebook.question(b)
            results.append(UntestedPair(a, b, qa.kind, qb.kind, str(exc)))
    p = np.array([r.pvalue for r in results], dtype=float)
    return ScreenResult(tuple(results), tuple(holm(p).tolist()),
                        tuple(benjamini_hochberg(p).tolist()))
