"""MMI permutation test benchmark: espri_gpu pattern kernel vs the fastest plain NumPy loop.

    python benchmarks/bench_mmi.py                          # n = 10**5, B = 10**4
    python benchmarks/bench_mmi.py --numpy-resamples 1000   # NumPy timed on 1000, scaled to B

A single-choice question (10 levels) x a multiple-choice one (15 items), ``n`` synthetic
respondents with realistically repeated answer vectors (``espri_gpu.workloads.mmi_data``).
The permutation p-value of the MMI statistic with B resamples is computed by

* espri_gpu: ``pattern_exceedances`` (distinct answer patterns with counts, random pattern
  tables with both margins fixed, Numba kernel parallel over replicates), timed after a
  warm-up call whose duration (mostly compilation) is reported separately;
* NumPy: the fastest plain-NumPy permutation test we could write
  (``espri_gpu.workloads.mmi_numpy``): the respondents' levels (n integers) are shuffled in
  place B times, the ticks per level and item counted with one ``np.bincount`` over the
  ticks of the item matrix, the MMI of each replicate vectorised. It never copies the item
  matrix; it runs on one core (NumPy's shuffle and bincount are single-threaded), so
  espri_gpu is also timed on one Numba thread.

Both are the same test (permuting one question's answer vectors among respondents), so the
p-values agree within Monte-Carlo error (the random streams differ). Reported: seconds
(fastest of ``--repeat``), ratios NumPy / espri_gpu (all threads and one), both p-values.
"""

from __future__ import annotations

import argparse
import dataclasses
import time


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="respondents (default 10**5)")
    parser.add_argument("--resamples", type=int, default=10_000, help="B (default 10**4)")
    parser.add_argument("--numpy-resamples", type=int, default=None,
                        help="permutations NumPy is timed on (default B; fewer are scaled)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time espri_gpu this many times and keep the fastest (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    parser.add_argument("--json", help="write the results as JSON to this file")
    args = parser.parse_args(argv)

    import numba

    from espri_gpu.backend import resolve_backend
    from espri_gpu.bench import machine_info, write_json
    from espri_gpu.workloads import mmi_data, mmi_espri, mmi_numpy

    backend = resolve_backend("cpu")
    b = args.resamples
    b_numpy = min(b, args.numpy_resamples or b)
    data = mmi_data(args.n, seed=args.seed, n_resamples=b)

    start = time.perf_counter()
    mmi_espri(dataclasses.replace(data, n_resamples=100), backend)  # compiles the kernel
    warm_up = time.perf_counter() - start
    runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        hits = mmi_espri(data, backend)
        runs.append((hits, time.perf_counter() - start))
    hits, ours = runs[0][0], min(t for _, t in runs)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    runs_one = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        runs_one.append((mmi_espri(data, backend), time.perf_counter() - start))
    numba.set_num_threads(threads)
    ours_one = min(t for _, t in runs_one)
    assert {h for h, _ in runs + runs_one} == {hits}, "a rerun changed the result"

    start = time.perf_counter()
    numpy_hits = mmi_numpy(dataclasses.replace(data, n_resamples=b_numpy))
    theirs = (time.perf_counter() - start) * b / b_numpy

    results = {
        "n": args.n, "resamples": b, "numpy_resamples_timed": b_numpy, "repeat": args.repeat,
        "machine": machine_info(), "numba_threads": numba.get_num_threads(),
        "warm_up_s": round(warm_up, 3),
        "espri_gpu_s": round(ours, 3), "espri_gpu_1_thread_s": round(ours_one, 3),
        "numpy_s": round(theirs, 3), "ratio": round(theirs / ours, 1),
        "ratio_1_thread": round(theirs / ours_one, 1),
        "pvalue_espri_gpu": (1 + hits) / (b + 1),
        "pvalue_numpy": (1 + int(numpy_hits)) / (b_numpy + 1),
    }
    scaled = "" if b_numpy == b else f" (timed on {b_numpy:,} permutations, scaled to B)"
    print(f"MMI permutation test, n = {args.n:,} respondents, 10 levels x 15 items, B = {b:,}")
    print(f"  espri_gpu {ours:9.3f}s  ({threads} threads; warm-up call "
          f"{warm_up:.2f}s, includes compilation)   1 thread {ours_one:9.3f}s")
    print(f"  numpy     {theirs:9.3f}s{scaled}")
    print(f"  ratio numpy/espri_gpu: {results['ratio']}x ({threads} threads), "
          f"{results['ratio_1_thread']}x (1 thread)   p = "
          f"{results['pvalue_espri_gpu']:.4f} vs {results['pvalue_numpy']:.4f}")
    if args.json:
        write_json(args.json, results)
    return results


if __name__ == "__main__":
    main()
