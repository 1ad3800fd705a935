"""``python -m espri_gpu bench``: espri_gpu against the well-known alternative, in one process.

Timing protocol: each workload's data are made first (not timed); one warm-up run on tiny
data absorbs imports, Numba compilation and CUDA context creation (reported as
``warmup_s``); then the median of ``repeat`` runs is taken for espri_gpu on each backend
(GPU work synchronised before the clock stops) and for the alternative. Peak memory is the
peak of Python/NumPy allocations seen by :mod:`tracemalloc` during one run (Arrow and GPU
allocations are not included). Compare ratios from one run, not absolute times across runs.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .backend import Backend, probe_gpu, resolve_backend
from .errors import SurveyInputError
from .info import CORE, OPTIONAL, version_of
from .outputs import write_text
from .workloads import WORKLOADS, Workload

__all__ = ["BenchResult", "machine_info", "plot_results", "run_bench"]

SIZES = ("tiny", "small", "medium", "large")


@dataclass(frozen=True)
class BenchResult:
    """One workload at one size: seconds per backend, the alternative, ratios."""

    workload: str
    size: str
    n: int
    unit: str
    espri_s: dict[str, float]
    warmup_s: dict[str, float]
    alternative: str
    alternative_s: float | None
    ratio: dict[str, float | None]
    peak_mib: dict[str, float]


def machine_info() -> dict[str, Any]:
    """CPU model, cores, GPUs (name, driver/CUDA, compute capability) and library versions."""

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    probe = probe_gpu()
    return {
        "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(),
        "gpus": [{"name": d.name, "compute_capability": ".".join(map(str, d.compute_capability)),
                  "memory_gib": round(d.total_memory_bytes / 2**30, 1)} for d in probe.devices],
        "cuda_driver": probe.driver_cuda_version, "cuda_runtime": probe.runtime_cuda_version,
        "versions": {d: v for d in CORE + OPTIONAL if (v := version_of(d))},
    }


def _time(fn: Callable[[], Any], repeat: int, sync: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak_mib(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _backends(which: str) -> list[Backend]:
    if which == "all":
        found = [resolve_backend("cpu")]
        if probe_gpu().usable:
            found.append(resolve_backend("gpu"))
        return found
    return [resolve_backend(which)]


def run_workload(workload: Workload, size: str, backends: Sequence[Backend], *, repeat: int = 3,
                 seed: int = 0) -> BenchResult:
    """Time one workload at one size on each backend and its alternative."""
    n = workload.sizes[size]
    data = workload.make_data(n, seed)
    tiny = None if workload.single_run else workload.make_data(workload.sizes["tiny"], seed)
    espri_s, warmup_s, peak = {}, {}, {}
    runs = 1 if workload.single_run else repeat
    for b in backends:
        if not workload.single_run:
            start = time.perf_counter()
            workload.espri(tiny, b)
            b.synchronize()
            warmup_s[b.name] = time.perf_counter() - start
        espri_s[b.name] = _time(lambda b=b: workload.espri(data, b), runs, b.synchronize)
        if not b.is_gpu and not workload.single_run:
            peak[b.name] = _peak_mib(lambda b=b: workload.espri(data, b))
    alternative_s: float | None = None
    if workload.alternative is not None:
        workload.alternative(tiny)
        alternative_s = _time(lambda: workload.alternative(data), repeat, lambda: None)
        peak["alternative"] = _peak_mib(lambda: workload.alternative(data))
    ratio = {k: (alternative_s / v if alternative_s else None) for k, v in espri_s.items()}
    return BenchResult(workload.name, size, n, workload.unit, espri_s, warmup_s,
                       workload.alternative_name, alternative_s, ratio, peak)


def run_bench(*, size: str = "small", only: Sequence[str] | None = None, backend: str = "cpu",
              repeat: int = 3, seed: int = 0,
              progress: Callable[[str], None] = lambda line: None) -> list[BenchResult]:
    """Run the benchmark registry.

    Parameters
    ----------
    size : {"tiny", "small", "medium", "large"}
        ``small`` runs in about a minute on a 2-core laptop; ``large`` is meant for a GPU node.
    only : sequence of str, optional
        Workload names (default: all).
    backend : {"cpu", "gpu", "all"}
        ``all`` times every available backend side by side.
    repeat : int
        Timed runs per measurement (median reported).
    seed : int
        Seed of the synthetic data.

    Returns
    -------
    list of BenchResult

    Examples
    --------
    >>> results = run_bench(size="tiny", repeat=1, only=["encode"])
    >>> results[0].ratio["cpu"] > 0
    True
    """
    if size not in SIZES:
        raise SurveyInputError(f"`size` is {size!r}; expected one of {', '.join(SIZES)}")
    names = list(only or WORKLOADS)
    unknown = [name for name in names if name not in WORKLOADS]
    if unknown:
        raise SurveyInputError(f"unknown workload(s) {', '.join(unknown)}; available: "
                               f"{', '.join(WORKLOADS)}")
    if repeat < 1:
        raise SurveyInputError(f"`repeat` is {repeat}; expected at least 1")
    backends = _backends(backend)
    results = []
    for i, name in enumerate(names, start=1):
        workload = WORKLOADS[name]
        progress(f"[{i}/{len(names)}] {name} ({size}: {workload.sizes[size]:,} "
                 f"{workload.unit}) on {', '.join(b.name for b in backends)}")
        results.append(run_workload(workload, size, backends, repeat=repeat, seed=seed))
    return results


def format_table(results: Sequence[BenchResult]) -> str:
    """The results as a plain-text table."""
    lines = [f"{'workload':<12} {'size':<7} {'n':>12}  {'backend':<7} {'espri_gpu':>10} "
             f"{'alternative':>12} {'ratio':>8} {'peak MiB':>9}  alternative"]
    for r in results:
        for name, seconds in r.espri_s.items():
            alt = f"{r.alternative_s:>11.3f}s" if r.alternative_s else f"{'—':>12}"
            ratio = f"{r.ratio[name]:>7.1f}x" if r.ratio[name] else f"{'—':>8}"
            lines.append(
                f"{r.workload:<12} {r.size:<7} {r.n:>12,}  {name:<7} {seconds:>9.3f}s "
                f"{alt} {ratio} {r.peak_mib.get(name, float('nan')):>9.1f}  {r.alternative}")
    return "\n".join(lines)


def results_json(results: Sequence[BenchResult], *, command: str) -> dict[str, Any]:
    """The JSON document written by ``--json``."""
    return {"command": command, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": machine_info(), "results": [asdict(r) for r in results]}


def write_json(path: str, document: dict[str, Any]) -> None:
    """Write the results document (atomically)."""
    write_text(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def plot_results(results: Sequence[BenchResult], path: str) -> None:
    """Time vs n (log-log), one panel per workload, one line per backend and the alternative.

    Examples
    --------
    >>> import tempfile, os
    >>> r = [BenchResult("encode", s, n, "respondents", {"cpu": t}, {}, "pandas", 3 * t,
    ...                  {"cpu": 3.0}, {}) for s, n, t in (("tiny", 10, 0.1), ("small", 100, 1))]
    >>> out = os.path.join(tempfile.mkdtemp(), "bench.png")
    >>> plot_results(r, out)
    >>> os.path.getsize(out) > 0
    True
    """
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r.workload for r in results))
    cols = min(3, len(names)) or 1
    rows = (len(names) + cols - 1) // cols or 1
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False,
                             layout="constrained")
    for ax, name in zip(axes.ravel(), names, strict=False):
        mine = sorted((r for r in results if r.workload == name), key=lambda r: r.n)
        for backend in dict.fromkeys(k for r in mine for k in r.espri_s):
            points = [(r.n, r.espri_s[backend]) for r in mine if backend in r.espri_s]
            ax.plot(*zip(*points, strict=True), marker="o", label=f"espri_gpu {backend}")
        alt = [(r.n, r.alternative_s) for r in mine if r.alternative_s]
        if alt:
            ax.plot(*zip(*alt, strict=True), marker="s", linestyle="--",
                    label=mine[0].alternative[:40])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(mine[0].unit, fontsize=8)
        ax.set_ylabel("seconds", fontsize=8)
        ax.legend(fontsize=6)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.savefig(path)
    plt.close(fig)
