"""Replicate-parallel Monte-Carlo test on Dask: 1 vs 2 local workers (and one process).

    python benchmarks/bench_distributed.py                    # B = 2 * 10**5, 10 x 15 table
    python benchmarks/bench_distributed.py --resamples 500000 --workers 1 2 4 --repeat 3

The workload is the Monte-Carlo p-value of Pearson's X^2 for a 10 x 15 table (margins drawn
from a seeded generator, total 2000; observed X^2 = 126, its dof) with B random tables,
computed through the public driver ``espri_gpu.stats.resampling.table_exceedances``:

* in one process (Numba over all cores, then over one core), the reference;
* on a ``distributed.LocalCluster(n_workers=k, threads_per_worker=1)`` for each k of
  ``--workers``, every worker's Numba limited to one thread (``NUMBA_NUM_THREADS=1``), the
  driver dispatching chunks of replicates to the workers (a backend carrying the client:
  ``resolve_backend("cpu", client=client)``, :mod:`espri_gpu.execution`).

Kernels are compiled on every worker before timing (``client.run``); each measure is the
fastest of ``--repeat``. The p-value must be the same, bit for bit, everywhere (checked).
Reported: seconds, speed-up over 1 worker, and the machine's load average before the run (on
a shared machine other jobs steal cores: compare ratios from one run).
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import time

import numpy as np
from bench_montecarlo import SHAPE, make_margins  # (this folder is on sys.path)


def best_of(repeat: int, fn) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=200_000, help="B (default 2 * 10**5)")
    parser.add_argument("--total", type=int, default=2000, help="table total (default 2000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="local worker counts to time (default: 1 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3,
                        help="time each setting this many times, keep the fastest (default 3)")
    parser.add_argument("--json", help="write the results as JSON to this file")
    args = parser.parse_args(argv)

    import distributed
    import numba

    from espri_gpu.backend import resolve_backend
    from espri_gpu.bench import write_json
    from espri_gpu.kernels import cpu
    from espri_gpu.stats.resampling import STATISTIC_CODES, table_exceedances

    rows, cols = make_margins(args.total, args.seed)
    observed = float((SHAPE[0] - 1) * (SHAPE[1] - 1))  # X^2 at its null mean (p near 0.5)
    b, seed = args.resamples, args.seed + 1

    def run(backend: object = "cpu") -> int:
        return table_exceedances(rows, cols, observed, "pearson", b, seed, backend)

    load = os.getloadavg()
    results: dict = {"workload": f"Monte-Carlo X^2, {SHAPE[0]} x {SHAPE[1]} table, total "
                                 f"{int(rows.sum())}, B = {b}",
                     "machine": f"{platform.processor() or platform.machine()}, "
                                f"{os.cpu_count()} CPUs", "load_average_before": load,
                     "python": platform.python_version(), "distributed": distributed.__version__,
                     "repeat": args.repeat, "seconds": {}, "hits": {}}
    start = time.perf_counter()
    run()  # compile
    results["compile_seconds"] = time.perf_counter() - start
    threads = numba.get_num_threads()
    for label, n in ((f"1 process, {threads} Numba threads", threads),
                     ("1 process, 1 Numba thread", 1)):
        numba.set_num_threads(n)
        results["seconds"][label], results["hits"][label] = best_of(args.repeat, run)
        print(f"{label:>40}: {results['seconds'][label]:7.2f} s", flush=True)
    numba.set_num_threads(threads)

    for k in args.workers:
        label = f"{k} Dask worker{'s' if k > 1 else ''} x 1 thread"
        with distributed.LocalCluster(n_workers=k, threads_per_worker=1, processes=True,
                                      dashboard_address=":0", silence_logs=40,
                                      env={"NUMBA_NUM_THREADS": "1"}) as cluster, \
                distributed.Client(cluster, set_as_default=False) as client:
            client.wait_for_workers(k)
            client.run(cpu.table_exceedances, rows, cols, observed,
                       STATISTIC_CODES["pearson"], np.uint64(seed), 0, 10)  # compile
            on_dask = resolve_backend("cpu", client=client)
            results["seconds"][label], results["hits"][label] = best_of(
                args.repeat, functools.partial(run, on_dask))
        print(f"{label:>40}: {results['seconds'][label]:7.2f} s", flush=True)

    hits = set(results["hits"].values())
    assert len(hits) == 1, f"p-values differ: {results['hits']}"
    results["pvalue"] = (1 + hits.pop()) / (b + 1)
    one = results["seconds"]["1 Dask worker x 1 thread"] if 1 in args.workers else None
    if one is not None:
        results["speedup_vs_1_worker"] = {
            label: one / s for label, s in results["seconds"].items() if "Dask" in label}
        for label, ratio in results["speedup_vs_1_worker"].items():
            print(f"{label:>40}: {ratio:5.2f}x over 1 worker")
    print(f"p-value {results['pvalue']!r}, identical in every setting; load average before "
          f"the run {load[0]:.2f}")
    if args.json:
        write_json(args.json, results)
    return results


if __name__ == "__main__":
    main()
