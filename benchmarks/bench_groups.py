"""Grouping benchmark: espri_gpu ``groups`` vs scikit-learn ``KMeans(n_init=10)`` + ``PCA``.

    python benchmarks/bench_groups.py                       # 10**6 respondents, CPU, both sets
    python benchmarks/bench_groups.py --n 100000 --repeat 5 --data realistic --backend gpu

Two synthetic data sets (:func:`espri_gpu.workloads.groups_data` and
:func:`~espri_gpu.workloads.groups_data_worst`): *realistic* answers (5 latent profiles,
two multiple-choice questions, 30 options, correlated ticks, 2–3 per question, so answer
patterns repeat) and the *worst case* for patterns (26 independent options). Both sides
start from in-memory data: espri_gpu from the survey as it stores it (codes + distinct
cells), scikit-learn from the float64 indicator matrix of the same respondents; both fit
k-means at the same k and project the respondents on two principal components. espri_gpu
also builds its Ward tree (choice-of-k criterion, dendrogram) but runs no bootstrap here
(``n_bootstrap=0``); ``--full`` also times the default call (``k="auto"``, 20 resamples).

Runs alternate (espri_gpu, scikit-learn, espri_gpu, ...) after one warm-up run of each on
2,000 respondents; reported: median wall time, the ratio scikit-learn / espri_gpu, and the
gap between the two inertias (both computed the same way: within-group sum of squares
around the group means of the final labels). Compare ratios from one run, not absolute
times across machines; the load average is printed because other processes skew timings.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

from espri_gpu import resolve_backend
from espri_gpu.grouping import groups
from espri_gpu.workloads import groups_data, groups_data_worst, groups_espri, groups_sklearn

DATA = {"realistic": groups_data, "worst": groups_data_worst}


def _within(matrix: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Within-group sum of squares around the group means (the same rule for both sides)."""
    total = 0.0
    for g in range(k):
        rows = matrix[labels == g]
        if rows.size:
            total += float(((rows - rows.mean(axis=0)) ** 2).sum())
    return total


def _timed(fn, sync=lambda: None):
    start = time.perf_counter()
    out = fn()
    sync()
    return time.perf_counter() - start, out


def run_one(name: str, n: int, repeat: int, seed: int, backend, full: bool) -> dict:
    make = DATA[name]
    data = make(n, seed)
    warm = make(2000, seed)
    groups_espri(warm, backend)
    groups_sklearn(warm)
    ours_s, theirs_s = [], []
    ours = theirs = None
    load_before = os.getloadavg()[0]
    for _ in range(repeat):
        t, ours = _timed(lambda: groups_espri(data, backend), backend.synchronize)
        ours_s.append(t)
        t, theirs = _timed(lambda: groups_sklearn(data))
        theirs_s.append(t)
    model, _ = theirs
    ours_inertia = ours.inertia
    theirs_inertia = _within(data.matrix, model.labels_, data.k)
    result = {
        "data": name, "n": n, "options": int(data.matrix.shape[1]), "k": data.k,
        "distinct_patterns": ours.n_patterns, "tree_leaves": ours.tree_leaves,
        "backend": backend.name, "repeat": repeat,
        "espri_gpu_s": round(statistics.median(ours_s), 3),
        "sklearn_s": round(statistics.median(theirs_s), 3),
        "ratio": round(statistics.median(theirs_s) / statistics.median(ours_s), 2),
        "espri_gpu_inertia": round(ours_inertia, 3),
        "sklearn_inertia": round(theirs_inertia, 3),
        "sklearn_inertia_attr": round(float(model.inertia_), 3),
        "inertia_gap_pct": round(100.0 * (ours_inertia - theirs_inertia) / theirs_inertia, 4),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    print(f"{name}: n={n:,} options={result['options']} k={data.k} patterns="
          f"{ours.n_patterns:,} ({ours.tree_leaves})  espri_gpu {result['espri_gpu_s']:.2f}s  "
          f"sklearn KMeans(n_init=10)+PCA {result['sklearn_s']:.2f}s  "
          f"ratio {result['ratio']:.1f}x  inertia gap {result['inertia_gap_pct']:+.4f}%  "
          f"(load {load_before:.1f})", flush=True)
    if full:
        t, g = _timed(lambda: groups(data.survey, data.questions, backend=backend, seed=0),
                      backend.synchronize)
        result["full_call_s"] = round(t, 3)
        result["full_call_k"] = g.k
        result["full_call_stability"] = round(g.stability, 3)
        print(f"  full call (k='auto', 20 bootstrap resamples): {t:.2f}s, k={g.k}, "
              f"stability {g.stability:.2f}", flush=True)
    return result


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="respondents (default 10**6)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default="cpu")
    parser.add_argument("--data", choices=["realistic", "worst", "both"], default="both")
    parser.add_argument("--full", action="store_true",
                        help="also time the default call (k='auto', 20 bootstrap resamples)")
    parser.add_argument("--json", help="write the results as JSON to this file")
    args = parser.parse_args(argv)

    backend = resolve_backend(args.backend)
    names = list(DATA) if args.data == "both" else [args.data]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, backend {backend.name}", flush=True)
    results = [run_one(name, args.n, args.repeat, args.seed, backend, args.full)
               for name in names]
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": platform.processor() or platform.machine(),
                       "cores": os.cpu_count(), "results": results}, handle, indent=2)
    return results


if __name__ == "__main__":
    main()
