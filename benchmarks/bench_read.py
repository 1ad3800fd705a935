"""Reading benchmark: ``read_survey`` + ``one_hot`` from the file vs pandas, in one process.

    python benchmarks/bench_read.py                       # 10**5 and 10**6 respondents
    python benchmarks/bench_read.py --n 100000 --repeat 5 --json out.json

Both sides start from the same synthetic Google Forms export on disk (the espri2020
codebook: 3 single- and 6 multiple-choice questions, timestamps, quoted free answers with
line breaks, e-mail addresses) and end with an indicator matrix of every choice column:

- espri_gpu: ``read_survey(path, codebook)`` (decoding, header check, every choice cell
  checked against the codebook, timestamps parsed, personal columns dropped) and
  ``one_hot`` of the 9 choice questions;
- pandas: ``pd.read_csv(path, engine="pyarrow", dtype=str)`` and ``str.get_dummies(sep=", ")``
  of each choice column's distinct cells, gathered with NumPy
  (``espri_gpu.workloads.get_dummies_by_cell``: no dates, no checks, options holding ", "
  split apart); and, as a second alternative, the textbook ``str.get_dummies(sep=", ")``
  per column after the same ``read_csv`` (``--no-textbook`` skips it).

Time: median of ``--repeat`` runs after one warm-up run on 2,000 respondents. Peak memory:
the peak resident set (``VmHWM``) of a fresh process running one side once, minus that
process's resident set after its imports; the goal compares it with the CSV size plus the
indicator matrix. Compare ratios from one run, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from espri_gpu import resolve_backend
from espri_gpu.bench import machine_info, write_json
from espri_gpu.workloads import WORKLOADS, read_pandas_textbook

_PEAK_SCRIPT = """
import json, sys
from espri_gpu import resolve_backend
from espri_gpu.codebook import load_codebook
from espri_gpu.example import example_path
from espri_gpu.workloads import ReadData, read_espri, read_pandas

def vm(key):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key)) / 1024

side, path = sys.argv[1], sys.argv[2]
codebook = load_codebook(example_path("espri2020", "codebook.toml"))
headers = {c.keyword: c.header for c in codebook.columns if c.kind in ("single", "multiple")}
data = ReadData(path, codebook, headers)
backend = resolve_backend("cpu")
base = vm("VmRSS:")
result = read_espri(data, backend) if side == "espri" else read_pandas(data)
nbytes = int(result.nbytes) if side == "espri" else int(result.memory_usage(deep=True).sum())
print(json.dumps({"base_mib": base, "peak_mib": vm("VmHWM:") - base,
                  "result_mib": nbytes / 2**20}))
"""


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak(side: str, path: str) -> dict | None:
    """Peak resident memory of one run in a fresh process (Linux only)."""
    if not os.path.exists("/proc/self/status"):
        return None
    done = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, side, path], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(n: int, repeat: int, seed: int = 0, memory: bool = True,
            textbook: bool = True) -> dict:
    """Time both sides on an export of ``n`` respondents (and their peak memory)."""
    backend = resolve_backend("cpu")
    workload = WORKLOADS["read"]
    data = workload.make_data(n, seed)
    warm = workload.make_data(2000, seed)
    workload.espri(warm, backend)
    workload.alternative(warm)
    ours = _median_seconds(lambda: workload.espri(data, backend), repeat)
    theirs = _median_seconds(lambda: workload.alternative(data), repeat)
    if textbook:
        read_pandas_textbook(warm)
        textbook_s = _median_seconds(lambda: read_pandas_textbook(data), repeat)
    csv_mib = os.path.getsize(data.path) / 2**20
    result = {
        "workload": workload.name, "n": n, "repeat": repeat, "backend": backend.name,
        "csv_mib": round(csv_mib, 1), "espri_gpu_s": round(ours, 3),
        "alternative": workload.alternative_name, "alternative_s": round(theirs, 3),
        "ratio": round(theirs / ours, 2),
    }
    if textbook:
        result.update(textbook_alternative="pandas read_csv(engine='pyarrow') + "
                      "str.get_dummies per column", textbook_s=round(textbook_s, 3),
                      textbook_ratio=round(textbook_s / ours, 2))
    if memory:
        for side in ("espri", "pandas"):
            peak = _peak(side, data.path)
            if peak is not None:
                result[f"{side}_peak_mib"] = round(peak["peak_mib"], 1)
                result[f"{side}_result_mib"] = round(peak["result_mib"], 1)
        if "espri_peak_mib" in result:
            budget = 2 * csv_mib + result["espri_result_mib"]
            result["memory_goal_mib"] = round(budget, 1)
            result["memory_goal_met"] = result["espri_peak_mib"] <= budget
    print(f"read: n={n:,}  espri_gpu {ours:.2f}s  {workload.alternative_name} {theirs:.2f}s  "
          f"ratio {theirs / ours:.2f}x"
          + (f"; textbook get_dummies {textbook_s:.2f}s, ratio {textbook_s / ours:.2f}x"
             if textbook else "")
          + f"  (CSV {csv_mib:.0f} MiB"
          + (f", peak {result['espri_peak_mib']:.0f} MiB vs pandas "
             f"{result['pandas_peak_mib']:.0f} MiB" if "espri_peak_mib" in result else "")
          + ")", flush=True)
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="respondents (default 10**5 and 10**6)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--no-textbook", action="store_true",
                        help="skip the textbook str.get_dummies alternative")
    parser.add_argument("--json", help="write the results as JSON to this file")
    args = parser.parse_args(argv)
    results = [measure(n, args.repeat, args.seed, not args.no_memory, not args.no_textbook)
               for n in args.n]
    document = {"command": "python benchmarks/bench_read.py " + " ".join(argv or sys.argv[1:]),
                "date": time.strftime("%Y-%m-%d"), "machine": machine_info(),
                "python": platform.python_version(), "results": results}
    if args.json:
        write_json(args.json, document)
    return document


if __name__ == "__main__":
    main()
