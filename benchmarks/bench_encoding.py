"""Encoding benchmark: espri_gpu one-hot vs the fastest pandas one-hot found, in one process.

    python benchmarks/bench_encoding.py                 # 10**6 respondents, CPU
    python benchmarks/bench_encoding.py --n 100000 --repeat 5 --backend gpu

Both sides start from the same in-memory ``string[pyarrow]`` columns of a synthetic export
(the espri2020 codebook: 3 single-choice + 6 multiple-choice questions) and produce an
indicator matrix. The pandas side is ``espri_gpu.workloads.encode_pandas``: ``pd.factorize``
each column, ``str.get_dummies(sep=", ")`` of its distinct cells, a NumPy gather (exactly
``str.get_dummies``' result, 3x to 25x faster than it). Reported: median wall time of
``--repeat`` runs after one warm-up run, and the ratio alternative / espri_gpu. Compare
ratios from one run, not absolute times across machines or runs.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from espri_gpu import resolve_backend
from espri_gpu.bench import write_json
from espri_gpu.workloads import WORKLOADS


def _median_seconds(fn, repeat: int, sync=lambda: None) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="respondents (default 10**6)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default="cpu")
    parser.add_argument("--json", help="write the result as JSON to this file")
    args = parser.parse_args(argv)

    backend = resolve_backend(args.backend)
    workload = WORKLOADS["encode"]
    data = workload.make_data(args.n, args.seed)
    warm = workload.make_data(1000, args.seed)
    workload.espri(warm, backend)  # warm-up: imports, first-call costs
    workload.alternative(warm)
    ours = _median_seconds(lambda: workload.espri(data, backend), args.repeat,
                           backend.synchronize)
    theirs = _median_seconds(lambda: workload.alternative(data), args.repeat)
    result = {
        "workload": workload.name, "n": args.n, "repeat": args.repeat,
        "backend": backend.name, "espri_gpu_s": round(ours, 4),
        "alternative": workload.alternative_name, "alternative_s": round(theirs, 4),
        "ratio": round(theirs / ours, 1), "machine": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }
    print(f"{workload.name}: n={args.n:,} backend={backend.name}  espri_gpu {ours:.3f}s  "
          f"{workload.alternative_name} {theirs:.3f}s  ratio {theirs / ours:.1f}x")
    if args.json:
        write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
