"""Static GPU resource table of the CUDA kernels for HAL's RTX 2080 Ti (sm_75), without a GPU.

    python benchmarks/gpu_static.py                 # writes benchmarks/results/gpu-static.json
    python benchmarks/gpu_static.py --json FILE

Needs the ``gpu`` extra (numba-cuda with NVVM, ``nvidia-cuda-nvcc-cu12`` for ``ptxas``,
``nvidia-cuda-nvdisasm`` for ``nvdisasm``); CI runs it in ``.ci/gpu-contract.sh``.

Per kernel of :data:`espri_gpu.kernels.registry.KERNELS` (compiled to PTX by numba-cuda for
compute capability 7.5, assembled by ``ptxas -v``, disassembled by ``nvdisasm``): registers
per thread, spill stores/loads and stack frame, constant memory (bank 3 holds the module's
``.const`` arrays: the log-factorial table), SASS instructions in the cubin, and FP64 ones by
opcode (``DADD DMUL DFMA DSETP DMNMX``, the FP64 conversions ``F2F/I2F/F2I .F64`` and the
FP64 ``MUFU`` seeds counted apart). Counts are *static* (instructions in the code, not
executed ones).

Launch shapes of the benchmark workloads at the default B (``DEFAULT_RESAMPLES``): MMI at
10**5 respondents (``workloads.mmi_data``), SPMI at 10**6 (``workloads.spmi_data``; permutation
urns of the balls of their small columns, ``registry.pattern_labels``), the 10 x
15 Monte-Carlo table at total 4 * 10**6 (``bench_montecarlo.make_margins``): blocks,
threads, shared memory, blocks resident per SM, SMs with work, from the drivers' pure launch
functions (:mod:`espri_gpu.kernels.cuda`, with the registers measured here), and the
shapes the drivers used before (one thread per replicate, 128-thread blocks, 256 MiB of
scratch per launch). The goals of issue #18 are checked and written as booleans with the
numbers behind them. A ``before`` section already in the output file is kept (the same
table for the kernels before the GPU shaping, measured once with this script).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JSON = ROOT / "benchmarks" / "results" / "gpu-static.json"
CC = (7, 5)
FP64_OPCODES = ("DADD", "DMUL", "DFMA", "DSETP", "DMNMX")
_OPCODE = re.compile(r"/\*[0-9a-f]{4,}\*/\s+(?:@!?U?P[T0-9]+\s+)?"
                     r"([A-Z][A-Z0-9_]*)((?:\.[A-Z0-9_]+)*)")


def _tool(name: str, packages: tuple[str, ...]) -> str | None:
    """``name`` from the CUDA wheels (``nvidia/<package>/bin``), else from PATH."""
    try:
        import nvidia
    except ImportError:
        return shutil.which(name)
    for root in getattr(nvidia, "__path__", []):
        for package in packages:
            candidate = Path(root) / package / "bin" / name
            if candidate.is_file():
                return str(candidate)
    return shutil.which(name)


def _ptx(name: str, signature: str) -> str:
    from numba import cuda
    from numba.cuda import dispatcher

    from espri_gpu.kernels import targets

    # Device functions take the compute capability from the current device; there is none.
    saved = dispatcher.get_current_device
    dispatcher.get_current_device = lambda: types.SimpleNamespace(compute_capability=CC)
    try:
        text, _ = cuda.compile_ptx(targets.kernel_function("cuda", name), signature, cc=CC)
    finally:
        dispatcher.get_current_device = saved
    return text


def _ptxas_info(stderr: str) -> dict:
    def number(pattern: str) -> int:
        match = re.search(pattern, stderr)
        return int(match.group(1)) if match else 0

    cmem = {int(b): int(n) for n, b in re.findall(r"(\d+) bytes cmem\[(\d+)\]", stderr)}
    return {"registers": number(r"Used (\d+) registers"),
            "spill_stores_bytes": number(r"(\d+) bytes spill stores"),
            "spill_loads_bytes": number(r"(\d+) bytes spill loads"),
            "stack_frame_bytes": number(r"(\d+) bytes stack frame"),
            "constant_bank3_bytes": cmem.get(3, 0),
            "static_shared_bytes": number(r"(\d+) bytes smem")}


def _sass_counts(sass: str) -> dict:
    ops: collections.Counter = collections.Counter()
    fp64_conv = fp64_mufu = total = 0
    for line in sass.splitlines():
        match = _OPCODE.search(line)
        if not match:
            continue
        op, mods = match.group(1), match.group(2)
        total += 1
        if op in FP64_OPCODES:
            ops[op] += 1
        elif op in ("F2F", "I2F", "F2I") and "64" in mods and ("F64" in mods):
            fp64_conv += 1
        elif op == "MUFU" and "64" in mods:
            fp64_mufu += 1
    return {"sass_instructions": total, "fp64_instructions": sum(ops.values()),
            "fp64_by_opcode": dict(sorted(ops.items())), "fp64_conversions": fp64_conv,
            "fp64_mufu": fp64_mufu}


def kernel_table(ptxas: str, nvdisasm: str | None) -> dict:
    """Registers, spills, constant memory and SASS counts of every CUDA kernel."""
    from espri_gpu.kernels import registry

    table = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, kernel in registry.KERNELS.items():
            if "cuda" not in getattr(kernel, "targets", ("cuda",)):
                continue
            ptx = Path(tmp) / f"{name}.ptx"
            cubin = Path(tmp) / f"{name}.cubin"
            ptx.write_text(_ptx(name, kernel.signature))
            done = subprocess.run([ptxas, f"-arch=sm_{CC[0]}{CC[1]}", "-v", str(ptx), "-o",
                                   str(cubin)], capture_output=True, text=True, check=True)
            row = _ptxas_info(done.stderr)
            row["log_factorial_tables"] = len(re.findall(r"\.const .align 8 .b8 \S+\[8192\]",
                                                         ptx.read_text()))
            if nvdisasm:
                sass = subprocess.run([nvdisasm, "-c", str(cubin)], capture_output=True,
                                      text=True, check=True).stdout
                row.update(_sass_counts(sass))
            table[name] = row
    return table


def _workloads() -> dict:
    """Sizes of the benchmark workloads (distinct answer patterns of the synthetic data)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import numpy as np
    from bench_montecarlo import SHAPE, TOTALS, make_margins

    from espri_gpu.kernels.registry import PERMUTATION, pattern_labels
    from espri_gpu.workloads import _distinct_rows, mmi_data, spmi_data

    def counts(rows):
        return np.bincount(_distinct_rows(rows)[1])

    mmi = mmi_data(10**5)
    spmi = spmi_data(10**6)
    levels = np.bincount(np.unique(np.asarray(mmi.levels), return_inverse=True)[1])
    mmi_cols, spmi_rows, spmi_cols = counts(mmi.items), counts(spmi.a_items), counts(spmi.b_items)
    rows, cols = make_margins(TOTALS[-1], 0)
    return {
        "mmi": {"n": 10**5, "npa": len(levels), "npb": len(mmi_cols), "ni": len(levels),
                "nk": mmi.items.shape[1],
                "n_labels": pattern_labels(levels, mmi_cols, PERMUTATION)},
        "spmi": {"n": 10**6, "npa": len(spmi_rows), "npb": len(spmi_cols),
                 "ni": spmi.a_items.shape[1], "nk": spmi.b_items.shape[1],
                 "n_labels": pattern_labels(spmi_rows, spmi_cols, PERMUTATION)},
        "montecarlo": {"rows": SHAPE[0], "cols": SHAPE[1], "total": int(rows.sum()),
                       "nonzero_margins": bool(rows.min() > 0 and cols.min() > 0)},
    }


def _old_shape(kernel: str, count: int, per_replicate: int, sms: int) -> dict:
    """The launches of the drivers before the GPU shaping: one thread per replicate, blocks
    of 128, chunks whose per-thread scratch stays under 256 MiB."""
    per_launch = max(1, min(count, 2**20, 256 * 2**20 // per_replicate))
    threads = min(128, per_launch)
    blocks = -(-per_launch // threads)
    return {"kernel": kernel, "path": "global", "launches": -(-count // per_launch),
            "blocks": blocks, "threads": threads, "shared_bytes": 0,
            "scratch_bytes": per_launch * per_replicate, "sms_filled": min(blocks, sms)}


def launch_table(kernels: dict, sizes: dict, count: int) -> dict:
    """Launch shapes before and after for the benchmark workloads at ``count`` replicates."""
    from espri_gpu.kernels import cuda
    device = cuda.RTX_2080_TI
    out = {}
    for kind in ("mmi", "spmi"):
        s = sizes[kind]
        n, npa, npb, ni, nk = s["n"], s["npa"], s["npb"], s["ni"], s["nk"]
        shape = cuda.pattern_statistics_shape(
            s["n_labels"], npa, npb, ni, nk, count,
            registers=kernels["pattern_statistics"]["registers"])
        per = 8 * (1 + 2 * npa + npb + ni * nk + ni + nk + 2) + 4 * n  # the whole urn before
        out[kind] = {"sizes": s, "after": shape.as_dict(),
                     "before": _old_shape("pattern_statistics", count, per, device.sms)}
    s = sizes["montecarlo"]
    r, c = s["rows"], s["cols"]
    shape = cuda.table_statistics_shape(
        r, c, s["total"], count, registers=kernels["table_statistics_shared"]["registers"])
    out["montecarlo"] = {"sizes": s, "after": shape.as_dict(),
                         "before": _old_shape("table_statistics", count,
                                              8 * (r * c + r + 2), device.sms)}
    return out


def goals(kernels: dict, launches: dict, before: dict | None) -> dict:
    """The goals of issue #18 (items 2-4), each with the numbers it is judged on."""
    from espri_gpu.kernels import cuda

    sms = cuda.RTX_2080_TI.sms
    filled = {k: v["after"]["sms_filled"] for k, v in launches.items()}
    spills = {k: v["spill_stores_bytes"] + v["spill_loads_bytes"] for k, v in kernels.items()}
    registers_ok = {k: kernels[k]["registers"] <= bound
                    for k, bound in cuda.KERNEL_REGISTERS.items()}
    result = {
        "every_resampling_launch_fills_all_sms": {
            "met": all(v == sms for v in filled.values()), "sms": sms, "sms_filled": filled},
        "no_spills": {"met": not any(spills.values()),
                      "spilling": {k: v for k, v in spills.items() if v}},
        "one_log_factorial_table": {
            "met": all(v["log_factorial_tables"] <= 1 for v in kernels.values()),
            "tables": {k: v["log_factorial_tables"] for k, v in kernels.items()}},
        "assumed_registers_hold": {"met": all(registers_ok.values()),
                                   "assumed": cuda.KERNEL_REGISTERS},
    }
    mc_after = kernels["table_statistics_shared"].get("fp64_instructions")
    mc_before = ((before or {}).get("kernels", {}).get("table_statistics", {})
                 .get("fp64_instructions"))
    if mc_after is not None and mc_before:
        result["fp64_per_montecarlo_table_3x_fewer"] = {
            "met": mc_after * 3 <= mc_before, "static_fp64_before": mc_before,
            "static_fp64_after": mc_after,
            "why": "the draws must stay bit-identical with the CPU: every FP64 operation of "
                   "the samplers (HRUA's hat, squeezes and log-density brackets, the "
                   "inversion's pmf recurrence) decides which value is drawn, so none can "
                   "be done in FP32 without changing draws; the statistic's terms are FP64 "
                   "for the same reason (exact ties with the observed statistic)"}
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=str(DEFAULT_JSON), help="output file")
    parser.add_argument("--kernels-only", action="store_true",
                        help="only the kernel table (e.g. to measure an older checkout)")
    args = parser.parse_args(argv)

    import numba

    ptxas = _tool("ptxas", ("cuda_nvcc",))
    if ptxas is None:
        raise SystemExit("gpu_static: no ptxas: install the gpu extra (nvidia-cuda-nvcc-cu12)")
    nvdisasm = _tool("nvdisasm", ("cu13", "cuda_nvdisasm", "cuda_nvcc"))
    kernels = kernel_table(ptxas, nvdisasm)
    result: dict = {"target": f"sm_{CC[0]}{CC[1]} (RTX 2080 Ti)",
                    "numba": numba.__version__,
                    "ptxas": subprocess.run([ptxas, "--version"], capture_output=True,
                                            text=True).stdout.strip().splitlines()[-1],
                    "nvdisasm": nvdisasm is not None,
                    "kernels": kernels}
    path = Path(args.json)
    old = json.loads(path.read_text()) if path.is_file() else {}
    if not args.kernels_only:
        from espri_gpu.defaults import DEFAULT_RESAMPLES

        result["resamples"] = DEFAULT_RESAMPLES
        result["launches"] = launch_table(kernels, _workloads(), DEFAULT_RESAMPLES)
        if "before" in old:
            result["before"] = old["before"]
        result["goals"] = goals(kernels, result["launches"], result.get("before"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result.get("goals", {}), indent=1))
    return result


if __name__ == "__main__":
    main()
