"""Resampling kernels on the CPU, against independent references.

References: a pure-Python SplitMix64 (integers mod 2**64), SciPy's distributions and
contingency statistics, brute-force enumeration of all tables with given margins, and
respondent-by-respondent loops for the multiple-response statistics. Statistical checks use
fixed seeds (deterministic) and fail on a chi-square goodness of fit at level 1e-3.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import stats

from espri_gpu.kernels import cpu, samplers, targets
from espri_gpu.kernels.registry import (
    LOGFACTORIAL_TABLE_MAX,
    ball_limit,
    logfactorial_table,
    pack_items,
    pattern_labels,
    pattern_limit,
    table_scratch,
)

from ._reference import pearson_of_nonempty, table_probability, tables_with_margins

ROOT = Path(__file__).resolve().parents[1]
ALPHA = 1e-3
MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


# --------------------------------------------------------------------------- references
def ref_mix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def ref_uniforms(seed: int, replicate: int, size: int) -> list[float]:
    """SplitMix64 as documented in espri_gpu.kernels.rng, with Python integers."""
    state0 = ref_mix64(seed ^ ref_mix64((replicate + GOLDEN) & MASK))
    return [(ref_mix64((state0 + (k + 1) * GOLDEN) & MASK) >> 11) / 2.0**53
            for k in range(size)]


def pooled_chisquare(observed, expected) -> float:
    """Chi-square p-value after pooling adjacent bins until each expects >= 5."""
    obs_bins, exp_bins, o, e = [], [], 0.0, 0.0
    for ob, ex in zip(observed, expected, strict=True):
        o, e = o + ob, e + ex
        if e >= 5:
            obs_bins.append(o)
            exp_bins.append(e)
            o, e = 0.0, 0.0
    if not exp_bins:
        return 1.0
    obs_bins[-1] += o
    exp_bins[-1] += e
    if len(exp_bins) < 2:
        return 1.0
    exp_arr = np.array(exp_bins) * (sum(obs_bins) / sum(exp_bins))
    return float(stats.chisquare(obs_bins, exp_arr).pvalue)


def gof_pmf(codes: np.ndarray, pmf: np.ndarray) -> float:
    """Goodness of fit of category codes 0..k-1 to the probabilities ``pmf``."""
    observed = np.bincount(codes, minlength=len(pmf))
    assert len(observed) == len(pmf), "a code outside the categories"
    return pooled_chisquare(observed, len(codes) * np.asarray(pmf) / np.sum(pmf))


def gof_law(samples: np.ndarray, law, lo: int, hi: int, max_bins: int = 400) -> float:
    """Goodness of fit of integer ``samples`` to a frozen SciPy law with support lo..hi.

    Every draw must lie in the support. Narrow supports are binned by value, wide ones by
    about ``max_bins`` quantiles of ``law``; the tails beyond the extreme bins are included.
    """
    samples = np.asarray(samples)
    assert samples.min() >= lo and samples.max() <= hi, "a draw outside the support"
    if hi - lo + 1 <= max_bins:
        edges = np.arange(lo, hi + 1)
    else:
        inner = law.ppf(np.linspace(0, 1, max_bins + 1)[1:-1])
        edges = np.unique(np.concatenate([[lo], np.clip(inner, lo, hi).astype(np.int64)]))
    observed = np.bincount(np.searchsorted(edges, samples, side="right") - 1,
                           minlength=len(edges))
    upper = law.cdf(np.append(edges[1:] - 1, hi))
    expected = samples.size * np.diff(np.concatenate([[law.cdf(lo - 1)], upper]))
    return pooled_chisquare(observed, expected)


def scipy_pearson(t) -> float:
    return float(stats.chi2_contingency(t, correction=False).statistic)


# --------------------------------------------------------------------------- RNG
def test_uniforms_match_the_documented_splitmix64_streams():
    got = cpu.uniform_draws(seed=2**63 + 12345, start=7, count=3, size=5)
    for i in range(3):
        assert got[i].tolist() == ref_uniforms(2**63 + 12345, 7 + i, 5)


def test_uniforms_are_in_range_deterministic_and_distinct_per_replicate():
    u = cpu.uniform_draws(seed=1, start=0, count=200, size=50)
    assert ((u >= 0.0) & (u < 1.0)).all()
    assert np.array_equal(u, cpu.uniform_draws(1, 0, 200, 50))
    assert len({row.tobytes() for row in u}) == 200
    assert not np.array_equal(u, cpu.uniform_draws(2, 0, 200, 50))
    assert np.array_equal(cpu.uniform_draws(1, 150, 50, 50), u[150:])


def test_uniforms_pass_a_chi_square_test():
    u = cpu.uniform_draws(seed=20240601, start=0, count=1000, size=100).ravel()
    counts = np.bincount((u * 20).astype(int), minlength=20)
    assert stats.chisquare(counts).pvalue > ALPHA


def test_draws_do_not_depend_on_the_number_of_threads():
    def run():
        return (cpu.uniform_draws(9, 0, 37, 4),
                cpu.random_tables([300, 200, 500], [100, 400, 500], 9, 0, 37))

    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run()
    finally:
        numba.set_num_threads(before)
    for single, many in zip(one, run(), strict=True):
        assert np.array_equal(single, many)


def test_cpu_module_does_not_import_numba_cuda():
    code = ("import sys, espri_gpu.kernels.cpu as c; c.pearson_statistic([[1, 2], [3, 4]]); "
            "print('numba.cuda' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- disk cache
CACHE_PROBE = """
import json
from espri_gpu.kernels import cpu
draws = cpu.uniform_draws(3, 0, 2, 2)
stats = cpu._kernel("uniform").stats
print(json.dumps({"file": cpu.__file__, "hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values()),
                  "draws": [float(x).hex() for x in draws.ravel()]}))
"""


def cache_probe(root: Path, cache_dir: Path) -> dict:
    """Run the uniform kernel in a fresh process importing espri_gpu from ``root``, with
    Numba's cache in ``cache_dir``; its cache hits and misses and its draws."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir), PYTHONPATH=str(root))
    done = subprocess.run([sys.executable, "-c", CACHE_PROBE], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert Path(found["file"]).is_relative_to(root)
    return found


def test_a_second_process_loads_the_compiled_kernel_from_the_disk_cache(tmp_path):
    """Every process used to compile every kernel again (about 10 s of a report): the first
    process now compiles and saves the kernel, the next one loads it (a hit, no miss) and
    draws the same numbers."""
    first = cache_probe(ROOT, tmp_path)
    second = cache_probe(ROOT, tmp_path)
    assert (first["hits"], first["misses"]) == (0, 1)
    assert (second["hits"], second["misses"]) == (1, 0)
    assert list(tmp_path.rglob("*.nbc"))
    expected = [float(x).hex() for x in cpu.uniform_draws(3, 0, 2, 2).ravel()]
    assert first["draws"] == second["draws"] == expected


def test_editing_a_device_function_recompiles_the_kernels_that_call_it(tmp_path):
    """Numba checks only the cached kernel's own file (cpu_kernels.py) for changes; the
    device functions compiled into it live in other files. Halving the uniforms in rng.py
    must give halved uniforms in the next process, not the stale cached kernel."""
    package = tmp_path / "src" / "espri_gpu"
    shutil.copytree(ROOT / "espri_gpu", package, ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp_path / "cache"
    before = cache_probe(package.parent, cache)
    assert cache_probe(package.parent, cache)["hits"] == 1
    rng = package / "kernels" / "rng.py"
    source = rng.read_text(encoding="utf-8")
    assert source.count("_TWO_M53 = 2.0**-53") == 1
    rng.write_text(source.replace("_TWO_M53 = 2.0**-53", "_TWO_M53 = 2.0**-54"),
                   encoding="utf-8")
    after = cache_probe(package.parent, cache)
    assert (after["hits"], after["misses"]) == (0, 1)
    assert after["draws"] == [(float.fromhex(x) / 2).hex() for x in before["draws"]]


@pytest.mark.skipif(not hasattr(numba.config, "CACHE_LOCATOR_CLASSES"),
                    reason="NUMBA_CACHE_LOCATOR_CLASSES needs Numba >= 0.62")
def test_without_a_writable_cache_the_kernels_still_run(tmp_path):
    """Numba raises 'no locator available' for cache=True when no cache directory is
    writable (read-only install and home): the kernels then compile for the process, with a
    warning naming NUMBA_CACHE_DIR. Here only the IPython locator is allowed, so none fits."""
    env = dict(os.environ, NUMBA_CACHE_LOCATOR_CLASSES="IPythonCacheLocator",
               NUMBA_CACHE_DIR=str(tmp_path))
    code = ("from espri_gpu.kernels import cpu; "
            "print([float(x).hex() for x in cpu.uniform_draws(3, 0, 2, 2).ravel()])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "set NUMBA_CACHE_DIR to a writable directory" in done.stderr
    expected = [float(x).hex() for x in cpu.uniform_draws(3, 0, 2, 2).ravel()]
    assert done.stdout.strip() == str(expected)
    assert not list(tmp_path.rglob("*.nbi"))


# --------------------------------------------------------------------------- samplers
def test_logfactorial_and_its_stable_differences():
    dev = targets.device_functions("cpu")
    for k in [0, 1, 5, 127, 128, 129, 1000, 10**6, 10**12]:
        assert dev.logfactorial(k) == pytest.approx(math.lgamma(k + 1), rel=1e-14, abs=1e-14)
    for a, b in [(200, 130), (10**6 + 37, 10**6), (10**9, 10**9 - 1234), (5, 300)]:
        exact = math.lgamma(a + 1) - math.lgamma(b + 1)
        assert dev.logfactorial_ratio(a, b) == pytest.approx(exact, rel=1e-9)


HYPERGEOMETRIC_CASES = [
    (5, 7, 4),  # tiny
    (20, 30, 25),  # inversion, both margins moderate
    (3, 1000, 500),  # skewed
    (1000, 3, 998),  # skewed, complemented sample
    (100, 200, 150),  # HRUA
    (45, 10**6, 10**5),  # HRUA with a mean of 4.5
    (10**6, 10**7, 50),  # inversion in a huge population
    (2 * 10**6, 3 * 10**6, 10**6),  # HRUA, huge
    (3 * 10**6, 2 * 10**6, 4 * 10**6 + 7),  # HRUA after swapping and complementing
]


@pytest.mark.parametrize(("ngood", "nbad", "nsample"), HYPERGEOMETRIC_CASES)
def test_hypergeometric_matches_scipy(ngood, nbad, nsample):
    x = cpu.hypergeometric_draws(ngood, nbad, nsample, seed=ngood + 3 * nsample, start=0,
                                 count=30_000)
    law = stats.hypergeom(ngood + nbad, ngood, nsample)
    assert gof_law(x, law, max(0, nsample - nbad), min(ngood, nsample)) > ALPHA


def test_hypergeometric_in_a_population_of_two_billion_has_the_right_moments():
    """SciPy's hypergeometric pmf is too slow (and inexact to ~1e-7) at this size: check the
    support, mean and variance against their exact values instead."""
    ngood, nbad, nsample = 10**9, 10**9, 10**9 - 5
    x = cpu.hypergeometric_draws(ngood, nbad, nsample, seed=1, start=0, count=100_000)
    assert x.min() >= 0 and x.max() <= nsample
    total = ngood + nbad
    mean = nsample * ngood / total
    var = mean * nbad / total * (total - nsample) / (total - 1)
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / x.size)
    assert abs(x.var() / var - 1) < 5 * math.sqrt(2 / x.size)
    z = (x - mean) / math.sqrt(var)  # nearly normal at this size
    assert stats.kstest(z, "norm").pvalue > ALPHA


@pytest.mark.parametrize(("m", "total", "s"), [(100, 400, 150), (45, 10**6, 10**5),
                                               (5000, 25_000, 8000), (27000, 4 * 10**6, 405000),
                                               (2 * 10**6, 7 * 10**6, 10**6),
                                               (600, 41_000, 1000), (300, 40_300, 2000),
                                               (40, 100_000, 2000)])
def test_hrua_log_density_ratio_and_its_bracket_are_exact(m, total, s):
    """T(k) = log f(k) - log f(mode) against sums of log f(i+1)/f(i) (exact ratios), and the
    log-concavity bracket used to skip computing T."""
    dev = targets.device_functions("cpu")
    st = dev.hrua_setup(m, total, s)
    mode, w, rest = st[3], st[4], total - m - s
    law = stats.hypergeom(total, m, s)
    assert law.pmf(mode) >= max(law.pmf(mode - 1), law.pmf(mode + 1))
    c = math.sqrt(law.var())
    ks = np.unique(np.clip(np.r_[np.arange(mode - w - 3, mode + w + 4),
                                 np.round(mode + c * np.linspace(-20, 20, 41)), 0, min(m, s)],
                           0, min(m, s)).astype(np.int64))
    i = np.arange(ks.min(), ks.max())
    log_rho = np.log(((m - i) * (s - i)).astype(float) / ((i + 1) * (rest + i + 1)).astype(float))
    cum = np.r_[0.0, np.cumsum(log_rho)]  # cum[k - k0] = log f(k) - log f(k0)
    exact = cum[ks - ks.min()] - cum[mode - ks.min()]
    got = np.array([dev.hrua_log_ratio(st, int(k)) for k in ks])
    assert np.allclose(got, exact, rtol=1e-10, atol=1e-9)
    if w > 0:
        assert st[13] == pytest.approx(log_rho[mode - ks.min()], rel=1e-12, abs=1e-15)
        inside = 0
        for k, t in zip(ks, exact, strict=True):
            if abs(k - mode) <= w:
                inside += 1
                lower, upper = dev.hrua_bracket(st, int(k))
                assert lower <= t + 1e-9 and t - 1e-9 <= upper
                if st[5] and abs(k - mode) <= 3 * c:  # where most draws fall, at the
                    # Stirling sizes: a narrow bracket (below them a wide one still decides
                    # most trials, and T is cheaper)
                    assert upper - lower <= 0.02 * (1.0 + abs(t))
        assert inside > 0


def ref_plain_hrua(m: int, total: int, s: int, seed: int, replicate: int) -> int:
    """Stadlober's HRUA without squeezes: accept iff 2 log u <= T(k), with T(k) summed from
    exact ratios f(i + 1) / f(i) (one log each, ~1e-14 accurate), uniforms from the reference
    SplitMix64; hat constants and mode from the kernel's setup (the bracket is not used)."""
    st = targets.device_functions("cpu").hrua_setup(m, total, s)
    mode, a, h, upper = st[3], st[6], st[7], st[8]
    rest = total - m - s
    state0 = ref_mix64(seed ^ ref_mix64((replicate + GOLDEN) & MASK))
    position = 0

    def word():
        nonlocal position
        position += 1
        return ref_mix64((state0 + position * GOLDEN) & MASK)

    def log_rho(i):
        return math.log((m - i) * (s - i) / ((i + 1) * (rest + i + 1)))

    while True:
        u = ((word() >> 12) + 0.5) * 2.0**-52
        x = a + h * ((word() >> 11) * 2.0**-53 - 0.5) / u
        if x < 0.0 or x >= upper:
            continue
        k = int(x)
        if k >= mode:
            t = math.fsum(log_rho(i) for i in range(mode, k))
        else:
            t = -math.fsum(log_rho(i) for i in range(k, mode))
        if 2.0 * math.log(u) <= t:
            return k


@pytest.mark.parametrize(("m", "total", "s"), [(27_000, 4 * 10**6, 405_000),
                                               (400_000, 4 * 10**6, 267_000),
                                               (5_000, 40_000, 9_000),
                                               # modes below the Stirling size (14, 15, 5)
                                               (600, 41_000, 1000), (300, 40_300, 2000),
                                               (100, 4000, 200)])
def test_hrua_with_brackets_draws_exactly_what_plain_hrua_draws(m, total, s):
    """The brackets (Taylor bound of T, series bounds of log u) only skip work: every draw,
    the number of uniforms included, is the one plain HRUA makes from the same stream."""
    count = 3000
    got = cpu.hypergeometric_draws(m, total - m, s, seed=11, start=0, count=count)
    expected = [ref_plain_hrua(m, total, s, 11, r) for r in range(count)]
    assert got.tolist() == expected


def test_hrua_mode_is_the_exact_integer_mode():
    """mode = floor((s + 1)(m + 1) / (N + 2)), computed with one shared division."""
    dev = targets.device_functions("cpu")
    rng = np.random.default_rng(8)
    for _ in range(3000):
        total = int(10 ** rng.uniform(2.5, 9.2))
        m, s = (int(x) for x in rng.integers(33, total // 2, size=2))
        assert dev.hrua_setup(m, total, s)[3] == (s + 1) * (m + 1) // (total + 2)


def test_log_u_bounds_bracket_the_logarithm():
    dev = targets.device_functions("cpu")
    u = np.r_[np.linspace(1e-6, 1 - 1e-9, 20_001), 0.5 ** np.arange(1, 52),
              1 - 0.5 ** np.arange(1, 52)]
    for value in u:
        upper, lower = dev.log_u_bounds(float(value))
        exact = 2.0 * math.log(value)
        assert lower <= exact <= upper
        if value > 0.5:  # where the bracket is used: tight
            assert upper - lower <= 4e-3 * abs(exact) + 1e-15


def test_log1p_series_is_accurate_on_its_range():
    dev = targets.device_functions("cpu")
    for y in np.linspace(-1 / 32, 1 / 32, 4001):
        assert abs(dev.log1p_series(float(y)) - math.log1p(y)) < 4e-15


@pytest.mark.parametrize(("n", "p"), [(300, 0.2), (1000, 0.3), (10**6, 0.01), (10**7, 0.5)])
def test_brua_log_density_ratio_is_exact(n, p):
    dev = targets.device_functions("cpu")
    st = dev.brua_setup(n, p)
    mode = st[1]
    c = math.sqrt(n * p * (1 - p))
    ks = np.unique(np.clip(np.round(mode + c * np.linspace(-20, 20, 201)), 0, n).astype(int))
    i = np.arange(ks.min(), ks.max())
    log_rho = np.log((n - i) * p) - np.log((i + 1) * (1 - p))
    cum = np.r_[0.0, np.cumsum(log_rho)]
    exact = cum[ks - ks.min()] - cum[mode - ks.min()]
    got = np.array([dev.brua_log_ratio(st, int(k)) for k in ks])
    assert np.allclose(got, exact, rtol=1e-10, atol=1e-9)


BINOMIAL_CASES = [(10, 0.3), (1000, 0.01), (50, 0.9), (1000, 0.5), (10**6, 0.3),
                  (10**7, 1e-6), (200, 0.8)]


@pytest.mark.parametrize(("n", "p"), BINOMIAL_CASES)
def test_binomial_through_two_category_multinomial_matches_scipy(n, p):
    x = cpu.multinomial_draws(n, [p, 1.0 - p], seed=n, start=0, count=30_000)
    assert (x.sum(axis=1) == n).all()
    assert gof_law(x[:, 0], stats.binom(n, p), 0, n) > ALPHA


def test_multinomial_vectors_match_scipy():
    n, weights = 6, np.array([1.0, 2.0, 3.0, 4.0])
    x = cpu.multinomial_draws(n, weights, seed=4, start=0, count=30_000)
    outcomes = [v for v in itertools.product(range(n + 1), repeat=3) if sum(v) <= n]
    outcomes = [(*v, n - sum(v)) for v in outcomes]
    index = {v: i for i, v in enumerate(outcomes)}
    codes = np.array([index[tuple(row)] for row in x.tolist()])
    pmf = stats.multinomial(n, weights / weights.sum()).pmf(outcomes)
    assert gof_pmf(codes, pmf) > ALPHA


def test_multinomial_with_large_counts_keeps_marginal_laws():
    weights = np.array([300_000.0, 0.0, 1.0, 699_999.0])
    x = cpu.multinomial_draws(10**6, weights, seed=8, start=0, count=20_000)
    assert (x.sum(axis=1) == 10**6).all() and (x[:, 1] == 0).all()
    for j in (0, 2):
        law = stats.binom(10**6, weights[j] / weights.sum())
        assert gof_law(x[:, j], law, 0, 10**6) > ALPHA


def test_ratio_of_uniforms_hat_dominates_the_densities():
    """Stadlober's table mountain covers sqrt(f(floor x) / f(mode)) for both laws."""
    d1, d2 = samplers._D1, samplers._D2
    cases = [(stats.binom(n, p), n * p, n * p * (1 - p), int((n + 1) * p))
             for n, p in [(60, 0.5), (1000, 0.03), (10**5, 0.4)]]
    for big, m, s in [(300, 100, 150), (10**6, 45, 10**5), (5000, 2500, 2500)]:
        mean = s * m / big
        var = mean * (big - m) / big * (big - s) / (big - 1)
        cases.append((stats.hypergeom(big, m, s), mean, var, (s + 1) * (m + 1) // (big + 2)))
    for law, mean, var, mode in cases:
        a, h = mean + 0.5, d1 * math.sqrt(var + 0.5) + d2
        k = np.arange(max(0, int(a - 40 * h)), int(a + 40 * h))
        ratio = np.sqrt(np.exp(law.logpmf(k) - law.logpmf(mode)))
        far = np.maximum(np.abs(k - a), np.abs(k + 1 - a))
        assert (ratio <= np.minimum(1.0, h / (2 * far)) * (1 + 1e-9)).all()


# --------------------------------------------------------------------------- random tables
def test_random_tables_keep_both_margins_exactly():
    rng = np.random.default_rng(0)
    for case in range(40):
        r, c = rng.integers(1, 7, size=2)
        total = int(rng.choice([0, 1, 7, 60, 1000, 10**6]))
        rows = rng.multinomial(total, rng.dirichlet(np.ones(r)))
        cols = rng.multinomial(total, rng.dirichlet(np.ones(c)))
        t = cpu.random_tables(rows, cols, seed=case, start=0, count=300)
        assert (t >= 0).all()
        assert (t.sum(axis=2) == rows).all() and (t.sum(axis=1) == cols).all()


@pytest.mark.parametrize(("rows", "cols"), [((3, 2, 2), (4, 3)), ((2, 3, 1), (2, 2, 2)),
                                            ((4, 4), (1, 2, 5)),
                                            # a column drawn, the others ball by ball
                                            ((30, 21), (40, 5, 6)), ((30, 25, 15), (64, 3, 3))])
def test_random_tables_follow_the_exact_law(rows, cols):
    tables = tables_with_margins(rows, cols)
    pmf = np.array([table_probability(t) for t in tables])
    assert pmf.sum() == pytest.approx(1.0)
    index = {t.tobytes(): i for i, t in enumerate(tables)}
    draws = cpu.random_tables(rows, cols, seed=sum(rows) * 10 + len(cols), start=0,
                              count=30_000)
    codes = np.array([index[t.tobytes()] for t in draws])
    assert gof_pmf(codes, pmf) > ALPHA


def ref_random_table(rows, cols, seed: int, replicate: int, table: bool = True) -> np.ndarray:
    """The fill documented in espri_gpu.kernels.table_fill, orchestrated here from the
    compiled samplers on the replicate's stream: columns reaching ball_limit in order by
    conditional hypergeometric draws (the last column by subtraction when all do), then the
    others ball by ball, each row but the (first) fullest drawing its remaining sum from the
    urn of their balls (two per 64-bit draw, the last ball taking the drawn one's place),
    the fullest taking the rest. The draws are hypergeometric_table's with the run's
    log-factorial table (``table``), else hypergeometric's (the fill before #15)."""
    dev = targets.device_functions("cpu")
    lf = logfactorial_table(sum(rows))
    draw = ((lambda g, b, n, st: dev.hypergeometric_table(g, b, n, lf, st)) if table
            else dev.hypergeometric)
    state = np.array([dev.stream_start(np.uint64(seed), replicate)], dtype=np.uint64)
    nr, nc, limit = len(rows), len(cols), ball_limit(len(rows))
    table, rowrem, total = np.zeros((nr, nc), dtype=np.int64), list(rows), sum(rows)
    small = [j for j in range(nc) if cols[j] < limit]
    for j in (j for j in range(nc) if cols[j] >= limit):
        if not small and j == nc - 1:
            table[:, j] = rowrem
            break
        need, rest, last = cols[j], total, nr - 1
        for i in range(nr - 1):
            if need == 0:
                last = i
                break
            rest -= rowrem[i]
            x = draw(rowrem[i], rest, need, state)
            table[i, j], rowrem[i], need = x, rowrem[i] - x, need - x
        table[last, j] += need
        rowrem[last] -= need
        total -= cols[j]
    if not small:
        return table
    urn = [j for j in small for _ in range(cols[j])]
    fullest = int(np.argmax(rowrem))

    def take(t):
        j = urn[t]
        urn[t] = urn[-1]
        urn.pop()
        return j

    for i in range(nr):
        if i != fullest:
            for _ in range(rowrem[i] // 2):  # two balls per 64-bit draw
                t, u = dev.below2(len(urn), state)
                table[i, take(t)] += 1
                table[i, take(u)] += 1
            if rowrem[i] % 2:
                table[i, take(dev.below(len(urn), state))] += 1
    for j in urn:
        table[fullest, j] += 1
    return table


@pytest.mark.parametrize(("rows", "cols"), [((3000, 5000, 2000), (4000, 1000, 5000)),
                                            ((60, 50, 44), (70, 8, 12, 64)),
                                            ((3, 0, 7, 5), (4, 6, 1, 4)),
                                            ((0, 9), (0, 4, 5))])
def test_random_tables_are_the_documented_fill(rows, cols):
    """Which columns are drawn and which filled ball by ball, in which order, and which row
    takes the rest: the tables are those of the documented recipe, to the last ball (and
    tables whose columns are all drawn are the conditional-hypergeometric fill of before)."""
    got = cpu.random_tables(rows, cols, seed=4, start=0, count=20)
    for r in range(20):
        assert np.array_equal(got[r], ref_random_table(rows, cols, 4, r))


@pytest.mark.parametrize(("rows", "cols"), [((100_000, 31_073), (70_000, 61_073)),
                                            ((90_000, 50_000, 60_000), (120_000, 80_000))])
def test_random_tables_beyond_the_logfactorial_table_draw_what_they_drew(rows, cols):
    """Totals above LOGFACTORIAL_TABLE_MAX get no table: their draws are those of
    hypergeometric, the fill of before #15 (and a total of 2**17 + 1 is not covered)."""
    assert sum(rows) > LOGFACTORIAL_TABLE_MAX and logfactorial_table(sum(rows)).size == 1
    got = cpu.random_tables(rows, cols, seed=6, start=0, count=10)
    for r in range(10):
        assert np.array_equal(got[r], ref_random_table(rows, cols, 6, r, table=False))


def test_table_hrua_makes_the_decisions_of_hrua():
    """hypergeometric_table consumes the uniforms of hypergeometric and decides as it does
    (T within 1e-8): on these seeds a 10 x 15 table at total 41,000 (every column drawn,
    126 HRUA draws) is the table hypergeometric gives, to the last cell."""
    rng = np.random.default_rng(41)
    rows = rng.multinomial(41_000, rng.dirichlet(np.full(10, 3.0)))
    cols = rng.multinomial(41_000, rng.dirichlet(np.full(15, 3.0)))
    assert min(cols) >= ball_limit(10) and logfactorial_table(41_000).size == 41_001
    got = cpu.random_tables(rows, cols, seed=7, start=0, count=20)
    for r in range(20):
        assert np.array_equal(got[r], ref_random_table(rows, cols, 7, r, table=False))


def test_logfactorial_table_is_log_factorial():
    lf = logfactorial_table(LOGFACTORIAL_TABLE_MAX)
    assert lf.shape == (LOGFACTORIAL_TABLE_MAX + 1,)
    k = np.r_[0:2000, np.linspace(2000, LOGFACTORIAL_TABLE_MAX, 3000).astype(int)]
    exact = np.array([math.lgamma(x + 1.0) for x in k])
    assert np.abs(lf[k] - exact).max() <= 4 * np.spacing(np.maximum(exact, 1.0)).max()
    assert np.allclose(np.diff(lf[k[:2000]]), np.log(np.arange(1, 2000)), rtol=0, atol=1e-11)
    assert np.array_equal(logfactorial_table(5), lf[:6])


@pytest.mark.parametrize(("rows", "cols"), [
    ((700, 1300), (900, 1100)),             # HRUA from the table, no flip
    ((1500, 500), (1300, 700)),             # both symmetries of the law used
    ((50_000, 81_072), (70_000, 61_072)),   # total 2**17: the largest table
    ((40, 2000), (1000, 1040))])            # inversion (min(m, s) <= 32) beside the table
def test_table_hypergeometric_follows_the_law(rows, cols):
    """A 2 x 2 table's first cell is one hypergeometric_table draw: Hypergeometric(total,
    rows[0], cols[0]), checked against SciPy's pmf and its mean (a log-density off by one
    factorial index tilts the law by ~1/600 per unit: a 0.02 sd shift of the mean)."""
    count = 200_000
    x = cpu.random_tables(rows, cols, seed=sum(rows), start=0, count=count)[:, 0, 0]
    law = stats.hypergeom(sum(rows), rows[0], cols[0])
    assert gof_law(x, law, 0, min(rows[0], cols[0])) > ALPHA
    assert abs(x.mean() - law.mean()) < 4.0 * law.std() / math.sqrt(count)


def test_random_table_scratch_is_exactly_what_the_fill_uses():
    """The pure-Python fill (IndexError out of bounds) runs in a scratch row of exactly
    ``table_scratch`` entries, which the drivers of both targets allocate."""
    fill = targets.module("python", "table_fill").random_table
    dev = targets.device_functions("cpu")
    for rows, cols in [((60, 50, 44), (70, 8, 12, 64)), ((5, 6), (3, 8)), ((9,), (4, 5)),
                       ((3000, 2000), (4000, 1000))]:
        scratch = np.zeros(table_scratch(rows, cols), dtype=np.int64)
        table = np.zeros((len(rows), len(cols)), dtype=np.int64)
        state = np.array([dev.stream_start(np.uint64(2), 0)], dtype=np.uint64)
        with np.errstate(over="ignore"):
            fill(np.array(rows), np.array(cols), table, scratch, logfactorial_table(sum(rows)),
                 state)
        assert (table.sum(axis=1) == rows).all() and (table.sum(axis=0) == cols).all()


def test_random_table_cells_are_hypergeometric_with_large_margins():
    rows, cols = np.array([3000, 5000, 2000]), np.array([4000, 1000, 5000])
    t = cpu.random_tables(rows, cols, seed=99, start=0, count=20_000)
    for i, j in [(0, 0), (1, 1), (2, 2), (1, 0)]:
        law = stats.hypergeom(rows.sum(), rows[i], cols[j])
        assert gof_law(t[:, i, j], law, 0, min(rows[i], cols[j])) > ALPHA


def test_random_tables_are_chunk_invariant():
    rows, cols = [30, 20, 50], [10, 40, 25, 25]
    whole = cpu.random_tables(rows, cols, seed=5, start=0, count=64)
    assert np.array_equal(np.concatenate([cpu.random_tables(rows, cols, 5, 0, 20),
                                          cpu.random_tables(rows, cols, 5, 20, 44)]), whole)


@pytest.mark.parametrize("statistic", [0, 1])
def test_paired_replicates_are_the_single_ones(statistic):
    """The CPU's Monte-Carlo kernel draws replicates two at a time (fills interleaved):
    every statistic equals that of the replicate's own table drawn alone (random_tables),
    for odd and even counts, starts and block cuts, tables drawn by columns, ball by ball,
    with one row, and with a zero margin."""
    cases = [([3, 2, 2], [4, 3]), ([60, 50, 44], [70, 8, 12, 64]), ([25], [5, 9, 11]),
             ([30, 0, 50], [10, 40, 0, 30]), ([4100, 3900, 4000], [2000, 3000, 4000, 3000]),
             ([300] * 10, [200] * 15)]
    for (rows, cols), count, start in itertools.product(cases, [1, 2, 5, 33], [0, 7]):
        paired = cpu.table_statistics(rows, cols, statistic, 9, start, count)
        alone = [cpu.table_statistic(t, statistic)
                 for t in cpu.random_tables(rows, cols, 9, start, count)]
        assert paired.tolist() == alone, (rows, cols, count, start)


# --------------------------------------------------------------------------- statistics
def test_pearson_and_g_match_scipy():
    rng = np.random.default_rng(3)
    shapes = [(2, 2), (3, 4), (5, 2), (6, 7)]
    for (r, c), scale in itertools.product(shapes, [3, 50, 10**6]):
        t = rng.poisson(scale * rng.uniform(0.5, 1.5, size=(r, c)))
        t[0, 0] = 0  # a structural-looking zero: O = 0 terms
        t[:, 1] += 1  # no zero margins
        t[1, :] += 1
        assert cpu.pearson_statistic(t) == pytest.approx(scipy_pearson(t), rel=1e-10)
        g = stats.chi2_contingency(t, correction=False, lambda_="log-likelihood").statistic
        assert cpu.g_statistic(t) == pytest.approx(g, rel=1e-9, abs=1e-12)


def test_g_is_accurate_near_independence_with_huge_counts():
    t = np.array([[10**7, 10**7 + 3], [10**7 + 1, 10**7]])
    r, c, n = t.sum(1), t.sum(0), t.sum()
    exact = 0.0
    for i, j in itertools.product(range(2), range(2)):  # 2 sum O ln(O/E), careful version
        e = Fraction(int(r[i]) * int(c[j]), int(n))
        exact += 2 * int(t[i, j]) * math.log1p(float((t[i, j] - e) / e))
    assert cpu.g_statistic(t) == pytest.approx(exact, rel=1e-6)
    assert cpu.g_statistic(t) == pytest.approx(cpu.pearson_statistic(t), rel=1e-5)


def test_pearson_is_exact_to_rounding_near_independence():
    """Below n = 2**26 the terms come from the exact integers n O - r c: X^2 within a few
    ulps of the exact rational value even when O - E is tiny next to E (the textbook
    ``O - E`` with a rounded E loses ~7 digits here)."""
    rng = np.random.default_rng(11)
    for shape in [(2, 2), (3, 5), (10, 15)]:
        base = rng.integers(10**4, 10**5, size=shape[1])
        t = np.outer(rng.integers(1, 10, size=shape[0]), base) + rng.integers(0, 3, size=shape)
        assert t.sum() < 2**26
        r, c, n = t.sum(1), t.sum(0), int(t.sum())
        exact = sum(Fraction((int(t[i, j]) * n - int(r[i]) * int(c[j])) ** 2,
                             int(r[i]) * int(c[j]) * n)
                    for i, j in itertools.product(range(shape[0]), range(shape[1])))
        assert cpu.pearson_statistic(t) == pytest.approx(float(exact), rel=1e-13, abs=0)


def test_zero_margins_are_skipped():
    t = np.array([[5, 0, 3], [0, 0, 0], [2, 0, 7]])
    reduced = t[[0, 2]][:, [0, 2]]
    assert cpu.pearson_statistic(t) == pytest.approx(scipy_pearson(reduced), rel=1e-12)
    assert cpu.g_statistic(t) == pytest.approx(
        stats.chi2_contingency(reduced, correction=False, lambda_="log-likelihood").statistic,
        rel=1e-12)
    assert cpu.pearson_statistic([[4, 0], [6, 0]]) == 0.0


def respondent_data(seed: int, n: int, a_multiple: bool):
    """Random answers of ``n`` respondents: A (3 options), B multiple (4 options)."""
    rng = np.random.default_rng(seed)
    if a_multiple:
        a = rng.random((n, 3)) < [0.5, 0.3, 0.0]  # option 2: never chosen
    else:
        a = np.eye(3, dtype=bool)[rng.choice(3, size=n, p=[0.5, 0.3, 0.2])]
    b = rng.random((n, 4)) < [0.6, 0.2, 0.4, 0.5]
    b[a[:, 0], 1] |= rng.random(int(a[:, 0].sum())) < 0.5  # dependence
    return a, b


def patterns(a: np.ndarray, b: np.ndarray):
    """Pattern indicator matrices and the joint pattern table of the respondents."""
    pa, ia = np.unique(a, axis=0, return_inverse=True)
    pb, ib = np.unique(b, axis=0, return_inverse=True)
    joint = np.zeros((len(pa), len(pb)), dtype=np.int64)
    np.add.at(joint, (ia.ravel(), ib.ravel()), 1)
    return joint, pa.astype(float), pb.astype(float)


def brute_mmi(a, b) -> float:
    total = 0.0
    for k in range(b.shape[1]):
        table = [[0, 0] for _ in range(a.shape[1])]
        for person in range(a.shape[0]):
            for i in range(a.shape[1]):
                if a[person, i]:
                    table[i][0 if b[person, k] else 1] += 1
        total += pearson_of_nonempty(table)
    return total


def brute_spmi(a, b) -> float:
    total = 0.0
    for i in range(a.shape[1]):
        for k in range(b.shape[1]):
            table = [[0, 0], [0, 0]]
            for person in range(a.shape[0]):
                table[0 if a[person, i] else 1][0 if b[person, k] else 1] += 1
            total += pearson_of_nonempty(table)
    return total


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mmi_and_spmi_match_respondent_level_loops(seed):
    a, b = respondent_data(seed, 60, a_multiple=False)
    joint, pa, pb = patterns(a, b)
    assert cpu.mmi_statistic(joint, pa, pb) == pytest.approx(brute_mmi(a, b), rel=1e-10)
    a, b = respondent_data(seed, 60, a_multiple=True)
    joint, pa, pb = patterns(a, b)
    assert cpu.spmi_statistic(joint, pa, pb) == pytest.approx(brute_spmi(a, b), rel=1e-10)


@pytest.mark.parametrize("size", [40, 400, 3000])
def test_pattern_permutation_replicates_are_permutations_of_respondents(size):
    """Mode 0 keeps both pattern margins; a replicate's statistic equals the statistic of
    the respondents' data with one question's answers shuffled accordingly (40 respondents:
    every column filled ball by ball; 3000: some columns drawn)."""
    a, b = respondent_data(4, size, a_multiple=True)
    joint, pa, pb = patterns(a, b)
    rows, cols = joint.sum(1), joint.sum(0)
    got = cpu.pattern_statistics(rows, cols, pa, pb, 1, 0, seed=3, start=0, count=5)
    for s, t in zip(got, pattern_tables(rows, cols, 3, 0, 5), strict=True):
        assert s == pytest.approx(brute_spmi(*people(t, pa, pb)), rel=1e-10)
    limit = pattern_limit(len(rows))
    assert (cols.max() >= limit) == (size == 3000) and (cols.min() < limit)


def ref_below(words, bound: int, half: int | None = None) -> int:
    """Lemire's exact bounded integer from the 32-bit ``half`` (default: the top half of the
    next word), then from the top halves of the next words while rejected."""
    m = ((next(words) >> 32) if half is None else half) * bound
    if (m & 0xFFFFFFFF) < bound:
        threshold = (2**32 - bound) % bound
        while (m & 0xFFFFFFFF) < threshold:
            m = (next(words) >> 32) * bound
    return m >> 32


def ref_words(seed: int, replicate: int):
    state0 = ref_mix64(seed ^ ref_mix64((replicate + GOLDEN) & MASK))
    k = 0
    while True:
        k += 1
        yield ref_mix64((state0 + k * GOLDEN) & MASK)


def ref_pattern_table(rows, cols, seed: int, replicate: int) -> np.ndarray:
    """The pattern fill documented in espri_gpu.kernels.table_fill.pattern_ticks, orchestrated
    here: columns reaching pattern_limit in order by conditional hypergeometric draws (the
    compiled sampler on the replicate's stream; the last of them takes the remaining row
    counts when no column is small), then the urn of the small columns' balls: each row but
    the (first) fullest draws its remaining count, two balls per 64-bit word (reference
    SplitMix64 and Lemire), each drawn ball swapped to the end of the urn; the fullest row
    takes the rest."""
    dev = targets.device_functions("cpu")
    state = np.array([dev.stream_start(np.uint64(seed), replicate)], dtype=np.uint64)
    nr, nc, limit = len(rows), len(cols), pattern_limit(len(rows))
    table, rowrem, total = np.zeros((nr, nc), dtype=np.int64), [int(r) for r in rows], sum(rows)
    small = sum(c for c in cols if c < limit)
    big = [q for q in range(nc) if cols[q] >= limit and cols[q] > 0]
    for q in big:
        if not small and q == big[-1]:
            table[:, q] = rowrem
            return table
        need, rest = int(cols[q]), total
        for p in range(nr - 1):
            if need == 0:
                break
            rest -= rowrem[p]
            x = dev.hypergeometric(rowrem[p], rest, need, state)
            table[p, q], rowrem[p], need = x, rowrem[p] - x, need - x
        table[nr - 1, q] += need
        rowrem[nr - 1] -= need
        total -= int(cols[q])
    if not small:
        return table
    words = ref_words_from(state)
    urn = [q for q in range(nc) if cols[q] < limit for _ in range(int(cols[q]))]
    left = len(urn)
    fullest = int(np.argmax(rowrem))

    def take(t):
        nonlocal left
        left -= 1
        urn[t], urn[left] = urn[left], urn[t]
        return urn[left]

    for p in range(nr):
        if p == fullest:
            continue
        for _ in range(rowrem[p] // 2):
            word = next(words)
            t = ref_below(words, left, word >> 32)
            table[p, take(t)] += 1
            u = ref_below(words, left, word & 0xFFFFFFFF)
            table[p, take(u)] += 1
        if rowrem[p] % 2:
            table[p, take(ref_below(words, left))] += 1
    for q in urn[:left]:
        table[fullest, q] += 1
    return table


def ref_words_from(state):
    """The reference SplitMix64 words that follow ``state`` (the state is not advanced)."""
    s = int(state[0])
    while True:
        s = (s + GOLDEN) & MASK
        yield ref_mix64(s)


def pattern_table(rows, cols, state) -> np.ndarray:
    """The pattern table ``pattern_ticks`` draws from ``state``: with identity indicators B,
    ticks = J B is the table J itself (the draws do not depend on B)."""
    dev = targets.device_functions("cpu")
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    eye = np.eye(cols.size)
    table = np.zeros((rows.size, cols.size), dtype=np.int64)
    labels = np.zeros(pattern_labels(rows, cols, 0), np.int32)
    n = dev.pattern_ticks(rows, cols, eye, pack_items(eye), table, np.zeros(rows.size, np.int64),
                          labels, state)
    assert n == rows.sum()
    return table


def pattern_tables(rows, cols, seed: int, start: int, count: int) -> np.ndarray:
    """Tables of the compiled pattern fill, replicates start .. start + count - 1."""
    dev = targets.device_functions("cpu")
    state = np.zeros(1, np.uint64)
    out = []
    for r in range(start, start + count):
        state[0] = dev.stream_start(np.uint64(seed), r)
        out.append(pattern_table(rows, cols, state))
    return np.array(out)


@pytest.mark.parametrize(("rows", "cols"), [((3, 0, 7, 5), (4, 6, 1, 4)),
                                            ((30, 21), (40, 5, 6)),
                                            ((300, 200, 100), (80, 170, 350)),
                                            ((40, 30, 20), (70, 8, 12))])
def test_pattern_tables_are_the_documented_fill(rows, cols):
    got = pattern_tables(rows, cols, seed=21, start=0, count=30)
    for r in range(30):
        assert np.array_equal(got[r], ref_pattern_table(rows, cols, 21, r))
        assert (got[r].sum(1) == rows).all() and (got[r].sum(0) == cols).all()


def test_pattern_ticks_are_the_products_of_the_drawn_table():
    """ticks = J B for the J the same stream draws (read with identity indicators), exactly:
    B with 20 items (two groups of 16 packed items), columns drawn and columns filled ball
    by ball."""
    dev = targets.device_functions("cpu")
    rng = np.random.default_rng(5)
    b = (rng.random((500, 20)) < 0.3).astype(float)
    cols = rng.integers(1, 40, size=500)
    cols[:3] = [5000, 300, 2000]
    n = int(cols.sum())
    rows = np.array([n - 9000, 5000, 4000])
    assert cols[3:].max() < pattern_limit(3) <= cols[:3].min()
    labels = np.zeros(pattern_labels(rows, cols, 0), np.int32)
    for r in range(3):
        state = np.array([dev.stream_start(np.uint64(9), r)], dtype=np.uint64)
        table = pattern_table(rows, cols, state)
        state = np.array([dev.stream_start(np.uint64(9), r)], dtype=np.uint64)
        ticks = np.zeros((3, 20), np.int64)
        dev.pattern_ticks(rows, cols, b, pack_items(b), ticks, np.zeros(3, np.int64), labels,
                          state)
        assert np.array_equal(ticks, table @ b.astype(np.int64))


def test_pattern_ticks_count_past_their_8_bit_fields():
    """Rows drawing thousands of balls (packed 8-bit counts emptied every 255 balls), and a
    fullest row taking thousands: every ball ticks all 20 items, so every count is the
    row's total."""
    dev = targets.device_functions("cpu")
    cols = np.random.default_rng(6).integers(20, 40, size=600)
    n = int(cols.sum())
    rows = np.array([n // 2 - 2000, n - n // 2 - 2000, 4000])
    assert min(rows) > 10 * 255 and cols.max() < pattern_limit(3)
    b = np.ones((cols.size, 20))
    ticks = np.zeros((3, 20), np.int64)
    state = np.array([dev.stream_start(np.uint64(1), 0)], dtype=np.uint64)
    dev.pattern_ticks(rows, cols, b, pack_items(b), ticks, np.zeros(3, np.int64),
                      np.zeros(pattern_labels(rows, cols, 0), np.int32), state)
    assert (ticks == rows[:, None]).all()


def test_pattern_replicates_stay_in_their_scratch():
    """The pure-Python replicate (IndexError out of bounds) in scratch shaped as the CPU
    driver's: count rows padded past the patterns, an urn of ``pattern_labels`` balls."""
    replicate = targets.module("python", "replicates").pattern_replicate
    a, b = respondent_data(5, 80, a_multiple=False)
    joint, pa, pb = patterns(a, b)
    rows, cols = joint.sum(1), joint.sum(0)
    npa, npb, ni, nk = len(rows), len(cols), pa.shape[1], pb.shape[1]
    for mode in (0, 1):
        for r in range(20):
            state = np.zeros(8, np.uint64)
            with np.errstate(over="ignore"):
                s = replicate(rows, cols, rows.astype(float), cols.astype(float), pa, pb,
                              pack_items(pb), 0, mode, np.uint64(21), r,
                              np.zeros((npa, nk), np.int64), np.zeros(npa + 8, np.int64),
                              np.zeros(pattern_labels(rows, cols, mode), np.int32),
                              np.zeros(npa + 8, np.int64), np.zeros(npb + 8, np.int64),
                              np.zeros((ni, nk)), np.zeros(ni + 8), np.zeros(nk + 8), state)
            assert s == cpu.pattern_statistics(rows, cols, pa, pb, 0, mode, 21, r, 1)[0]


def test_pattern_replicates_score_their_tables_products():
    """pattern_statistics: the MMI / SPMI of the products of each replicate's table."""
    a, b = respondent_data(2, 300, a_multiple=True)
    joint, pa, pb = patterns(a, b)
    rows, cols = joint.sum(1), joint.sum(0)
    for kind in (0, 1):
        got = cpu.pattern_statistics(rows, cols, pa, pb, kind, 0, seed=8, start=4, count=6)
        tables = pattern_tables(rows, cols, 8, 4, 6)
        want = [cpu.pattern_item_statistics(t, pa, pb, kind)[0] for t in tables]
        assert got.tolist() == want


def test_pack_items_takes_indicators_only():
    with pytest.raises(ValueError, match="other than 0 and 1"):
        pack_items([[1.0, 2.0]])


@pytest.mark.parametrize(("rows", "cols"), [((3, 2, 2), (4, 3)), ((2, 3, 1), (2, 2, 2)),
                                            ((4, 4), (1, 2, 5)), ((30, 21), (40, 5, 6))])
def test_pattern_tables_follow_the_exact_law(rows, cols):
    tables = tables_with_margins(rows, cols)
    pmf = np.array([table_probability(t) for t in tables])
    index = {t.tobytes(): i for i, t in enumerate(tables)}
    draws = pattern_tables(rows, cols, seed=sum(rows) * 7 + len(cols), start=0, count=20_000)
    codes = np.array([index[t.tobytes()] for t in draws])
    assert gof_pmf(codes, pmf) > ALPHA


def test_bounded_integers_are_uniform_and_exact():
    dev = targets.device_functions("cpu")
    state = np.zeros(1, np.uint64)
    state[0] = dev.stream_start(np.uint64(5), 0)
    words = ref_words(5, 0)
    for bound in (1, 2, 3, 7, 1000, 2**31 - 1, 2**32 - 1):
        for _ in range(50):
            assert dev.below(bound, state) == ref_below(words, bound)
    for bound in (2, 3, 1000, 2**31 - 1, 2**32 - 1):  # rejections happen near 2**32
        for _ in range(50):
            word = next(words)
            expected = ref_below(words, bound, word >> 32)
            assert dev.below2(bound, state) == (expected,
                                                ref_below(words, bound - 1, word & 0xFFFFFFFF))
    x = np.array([dev.below(6, state) for _ in range(60_000)])
    assert stats.chisquare(np.bincount(x, minlength=6)).pvalue > ALPHA
    pairs = np.array([dev.below2(4, state) for _ in range(30_000)])
    assert stats.chisquare(np.bincount(4 * pairs[:, 0] + pairs[:, 1], minlength=16)[
        np.arange(16) % 4 < 3]).pvalue > ALPHA


def people(table: np.ndarray, pa: np.ndarray, pb: np.ndarray):
    """Respondent-level answers (bool) of a pattern table."""
    people_a = np.repeat(pa, table.sum(axis=1), axis=0)
    people_b = np.concatenate([np.repeat(pb, table[p], axis=0) for p in range(len(pa))])
    return people_a.astype(bool), people_b.astype(bool)


def test_pattern_bootstrap_replicates_follow_the_documented_recipe():
    """Mode 1: margins ~ Multinomial(n, counts / n) each, drawn again while an item that
    varies in the data does not vary in the resample, then a random table, from the
    replicate's stream in that order (replayed here with the device functions)."""
    a, b = respondent_data(6, 50, a_multiple=True)
    joint, pa, pb = patterns(a, b)
    rows, cols = joint.sum(1), joint.sum(0)
    got = cpu.pattern_statistics(rows, cols, pa, pb, 1, 1, seed=7, start=10, count=4)
    dev = targets.device_functions("cpu")
    for r, s in enumerate(got):
        state = np.array([dev.stream_start(np.uint64(7), 10 + r)], dtype=np.uint64)
        a_counts, b_counts = np.zeros(len(rows), np.int64), np.zeros(len(cols), np.int64)

        def varying(counts, ind):
            totals = counts @ ind
            return int(((totals > 0) & (totals < counts.sum())).sum())

        while True:
            dev.multinomial(int(rows.sum()), rows.astype(float), a_counts, state)
            dev.multinomial(int(rows.sum()), cols.astype(float), b_counts, state)
            if (varying(a_counts, pa) == varying(rows, pa)
                    and varying(b_counts, pb) == varying(cols, pb)):
                break
        table = pattern_table(a_counts, b_counts, state)
        assert (table.sum(axis=1) == a_counts).all() and (table.sum(axis=0) == b_counts).all()
        assert s == pytest.approx(brute_spmi(*people(table, pa, pb)), rel=1e-10)


# --------------------------------------------------------------------------- Monte-Carlo p
def exact_pearson_pvalue(rows, cols, observed: float) -> float:
    """P(X2* >= X2_obs) under the exact law of tables with these margins."""
    threshold = observed * (1 - cpu.EXCEEDANCE_RTOL)
    return sum(table_probability(t) for t in tables_with_margins(rows, cols)
               if scipy_pearson(t) >= threshold)


@pytest.mark.parametrize("table", [[[12, 5], [3, 10]], [[2, 7], [8, 2]], [[20, 15], [18, 19]],
                                   [[3, 1, 2], [0, 4, 5], [4, 1, 0]]])
def test_monte_carlo_p_is_within_error_of_the_exact_p(table):
    t = np.array(table)
    observed = cpu.pearson_statistic(t)
    exact = exact_pearson_pvalue(t.sum(1).tolist(), t.sum(0).tolist(), observed)
    b = 20_000
    k = cpu.table_exceedances(t.sum(1), t.sum(0), observed, 0, seed=11, start=0, count=b)
    assert abs(k / b - exact) < 4.5 * math.sqrt(exact * (1 - exact) / b) + 1 / b


def test_exact_pearson_p_agrees_with_fisher_where_the_orderings_agree():
    t = np.array([[12, 5], [3, 10]])
    exact = exact_pearson_pvalue(t.sum(1).tolist(), t.sum(0).tolist(), cpu.pearson_statistic(t))
    assert exact == pytest.approx(stats.fisher_exact(t).pvalue, rel=1e-9)


def test_table_exceedances_are_chunk_invariant():
    rows, cols = [30, 20, 50], [10, 40, 25, 25]
    for statistic in (0, 1):
        observed = np.median(cpu.table_statistics(rows, cols, statistic, 0, 0, 101))
        whole = cpu.table_exceedances(rows, cols, observed, statistic, 8, 0, 1000)
        halves = (cpu.table_exceedances(rows, cols, observed, statistic, 8, 0, 500)
                  + cpu.table_exceedances(rows, cols, observed, statistic, 8, 500, 500))
        assert whole == halves
        assert 0 < whole < 1000


@pytest.mark.parametrize(("kind", "mode"), [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_pattern_exceedances_are_chunk_invariant(kind, mode):
    a, b = respondent_data(5, 80, a_multiple=bool(kind))
    joint, pa, pb = patterns(a, b)
    stat = cpu.mmi_statistic if kind == 0 else cpu.spmi_statistic
    observed = stat(joint, pa, pb)
    args = (joint.sum(1), joint.sum(0), pa, pb, kind, mode, observed, 21)
    whole = cpu.pattern_exceedances(*args, 0, 400)
    assert whole == cpu.pattern_exceedances(*args, 0, 150) + cpu.pattern_exceedances(*args,
                                                                                       150, 250)
    everything = cpu.pattern_exceedances(*args[:6], 0.0, 21, 0, 400)
    assert everything == 400


def test_observed_table_ties_are_counted():
    """A 2 x 2 table with margins (1, 1) x (1, 1): both tables tie with the observed one."""
    observed = cpu.pearson_statistic([[1, 0], [0, 1]])
    assert cpu.table_exceedances([1, 1], [1, 1], observed, 0, 0, 0, 50) == 50
    assert cpu.table_exceedances([1, 1], [1, 1], cpu.g_statistic([[1, 0], [0, 1]]), 1,
                                 0, 0, 50) == 50


@pytest.mark.slow
def test_monte_carlo_p_for_a_larger_table_with_many_replicates():
    t = np.array([[3, 1, 2], [0, 4, 5], [4, 1, 0]])
    observed = cpu.g_statistic(t)
    threshold = observed * (1 - cpu.EXCEEDANCE_RTOL)
    exact = sum(table_probability(x) for x in tables_with_margins(t.sum(1).tolist(),
                                                                   t.sum(0).tolist())
                if cpu.g_statistic(x) >= threshold)
    b = 400_000
    k = cpu.table_exceedances(t.sum(1), t.sum(0), observed, 1, seed=12, start=0, count=b)
    assert abs(k / b - exact) < 4.5 * math.sqrt(exact * (1 - exact) / b)


@pytest.mark.slow
@pytest.mark.parametrize(("ngood", "nbad", "nsample"),
                         [(33, 40, 35), (10**4, 10**4, 10**4), (50, 10**8, 10**7)])
def test_hypergeometric_many_draws(ngood, nbad, nsample):
    x = cpu.hypergeometric_draws(ngood, nbad, nsample, seed=17, start=0, count=400_000)
    law = stats.hypergeom(ngood + nbad, ngood, nsample)
    assert gof_law(x, law, max(0, nsample - nbad), min(ngood, nsample)) > ALPHA
