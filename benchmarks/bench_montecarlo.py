"""Monte-Carlo chi-square test benchmark: espri_gpu CPU kernels vs SciPy's Patefield sampler.

    python benchmarks/bench_montecarlo.py                      # B = 10**5, three totals
    python benchmarks/bench_montecarlo.py --resamples 20000 --threading-layer workqueue

Three 10 x 15 tables with margins drawn from a seeded generator, totals 258, 41,000 and
4,100,000 (the totals of the speed goal: >= 5x SciPy at each). For each, the Monte-Carlo
p-value of Pearson's X^2 with B resamples is computed by

* espri_gpu: ``espri_gpu.kernels.cpu.table_exceedances`` (Numba, parallel over replicates),
  timed after a warm-up call whose duration (mostly compilation) is reported separately,
  with all Numba threads and with one;
* SciPy: ``scipy.stats.random_table(row, col).rvs(b, method="patefield")`` plus a vectorised
  NumPy X^2, in batches of 10**4 tables. With ``--scipy-resamples`` below B it is timed on
  fewer tables and scaled linearly (said in the output).

Reported: seconds (fastest of ``--repeat``), microseconds per table, ratios SciPy / espri_gpu
and both p-values (they agree within Monte-Carlo error; the streams differ). Compare ratios
from one run; on a shared machine use ``--repeat 3`` or more.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

TOTALS = (258, 41_000, 4_100_000)
SHAPE = (10, 15)
BATCH = 10_000


def make_margins(total: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column sums of a 10 x 15 table with the given total, no zero margin."""
    rng = np.random.default_rng(seed)
    while True:
        rows = rng.multinomial(total, rng.dirichlet(np.full(SHAPE[0], 3.0)))
        cols = rng.multinomial(total, rng.dirichlet(np.full(SHAPE[1], 3.0)))
        if rows.min() > 0 and cols.min() > 0:
            return rows, cols


def scipy_exceedances(rows, cols, observed: float, count: int, seed: int,
                      rtol: float) -> tuple[int, float]:
    """Exceedance count and seconds for SciPy Patefield tables + vectorised NumPy X^2."""
    from scipy import stats

    n = rows.sum()
    expected = np.outer(rows, cols) / n
    law = stats.random_table(rows, cols, seed=seed)
    threshold = observed * (1.0 - rtol)
    start = time.perf_counter()
    hits = 0
    for lo in range(0, count, BATCH):
        tables = law.rvs(min(BATCH, count - lo), method="patefield")
        x2 = (((tables - expected) ** 2) / expected).sum(axis=(1, 2))
        hits += int(np.count_nonzero(x2 >= threshold))
    return hits, time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=100_000, help="B (default 10**5)")
    parser.add_argument("--scipy-resamples", type=int, default=None,
                        help="tables SciPy is timed on (default B; fewer are scaled to B)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1,
                        help="time each side this many times and keep the fastest (default 1)")
    parser.add_argument("--threading-layer", default=None,
                        help="Numba threading layer (omp, tbb, workqueue); default Numba's")
    parser.add_argument("--json", help="write the results as JSON to this file")
    args = parser.parse_args(argv)
    if args.threading_layer:
        os.environ["NUMBA_THREADING_LAYER"] = args.threading_layer

    import numba

    from espri_gpu.bench import machine_info, write_json
    from espri_gpu.kernels import cpu

    b = args.resamples
    b_scipy = min(b, args.scipy_resamples or b)
    results = {"resamples": b, "repeat": args.repeat,
               "machine": machine_info(), "numba_threads": numba.get_num_threads(),
               "cases": []}
    from scipy import stats

    threads = numba.get_num_threads()
    for total in TOTALS:
        rows, cols = make_margins(total, args.seed + total)
        observed_table = stats.random_table(rows, cols, seed=args.seed).rvs(1)[0]
        start = time.perf_counter()  # the first call compiles (once per process)
        observed = cpu.pearson_statistic(observed_table) * 1.02  # p away from 0 and 1
        cpu.table_exceedances(rows, cols, observed, 0, args.seed, 0, 100)
        warm_up = time.perf_counter() - start

        def ours_timed(n_threads: int, rows=rows, cols=cols, observed=observed):
            numba.set_num_threads(n_threads)
            start = time.perf_counter()
            hits = cpu.table_exceedances(rows, cols, observed, 0, args.seed, 0, b)
            return hits, time.perf_counter() - start

        runs = [ours_timed(threads) for _ in range(args.repeat)]
        runs_one = [ours_timed(1) for _ in range(args.repeat)]
        numba.set_num_threads(threads)
        hits, ours = runs[0][0], min(t for _, t in runs)
        ours_one = min(t for _, t in runs_one)
        assert {h for h, _ in runs + runs_one} == {hits}, "thread count changed the result"
        scipy_runs = [scipy_exceedances(rows, cols, observed, b_scipy, args.seed,
                                        cpu.EXCEEDANCE_RTOL) for _ in range(args.repeat)]
        scipy_hits, theirs = scipy_runs[0][0], min(t for _, t in scipy_runs)
        theirs_b = theirs * b / b_scipy
        case = {
            "total": int(rows.sum()), "shape": list(SHAPE), "warm_up_s": round(warm_up, 3),
            "espri_gpu_s": round(ours, 4), "espri_gpu_1_thread_s": round(ours_one, 4),
            "scipy_s": round(theirs_b, 4), "scipy_tables_timed": b_scipy,
            "ratio": round(theirs_b / ours, 1), "ratio_1_thread": round(theirs_b / ours_one, 1),
            "espri_gpu_us_per_table": round(1e6 * ours / b, 2),
            "scipy_us_per_table": round(1e6 * theirs_b / b, 2),
            "pvalue_espri_gpu": (1 + hits) / (b + 1),
            "pvalue_scipy": (1 + scipy_hits) / (b_scipy + 1),
        }
        results["cases"].append(case)
        scaled = "" if b_scipy == b else f" (timed on {b_scipy:,} tables, scaled to B)"
        print(f"total {case['total']:>9,}  B={b:,}  warm-up call {warm_up:.2f}s"
              + (" (includes compilation)" if total == TOTALS[0] else ""))
        print(f"  espri_gpu {ours:8.3f}s ({threads} threads, {case['espri_gpu_us_per_table']} "
              f"us/table)   1 thread {ours_one:8.3f}s")
        print(f"  scipy     {theirs_b:8.3f}s ({case['scipy_us_per_table']} us/table){scaled}")
        print(f"  ratio scipy/espri_gpu: {case['ratio']}x ({threads} threads), "
              f"{case['ratio_1_thread']}x (1 thread)   p = {case['pvalue_espri_gpu']:.4f} vs "
              f"{case['pvalue_scipy']:.4f}")
    results["threading_layer"] = numba.threading_layer()
    print(f"Numba threading layer: {results['threading_layer']}, {threads} threads, "
          f"{os.cpu_count()} CPUs")
    if args.json:
        write_json(args.json, results)
    return results


if __name__ == "__main__":
    main()
