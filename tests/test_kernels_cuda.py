"""CUDA drivers against the CPU drivers, through Numba's CUDA simulator.

Numba reads ``NUMBA_ENABLE_CUDASIM`` when it is imported, so the CUDA side runs in a
subprocess with the variable set: it calls the drivers of ``espri_gpu.kernels.cuda`` on tiny
inputs and prints the results as JSON (floats as ``float.hex``); this process calls the
drivers of ``espri_gpu.kernels.cpu`` with the same arguments and requires bit-identical
tables, draws and statistics and identical exceedance counts. The cases reach every sampler
branch: inversion, HRUA with its log-concavity bracket and its Stirling and table paths,
BINV and BRUA.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from espri_gpu.kernels import cpu

ROOT = Path(__file__).resolve().parents[1]
PATTERN_A = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
PATTERN_B = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
PATTERN_A6 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0],
              [1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
PATTERN_B8 = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0],
              [0.0, 0.0, 0.0, 1.0], [1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0],
              [1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]]
PATTERN_WIDE = [[float((q + k) % 3 == 0) for k in range(17)] for q in range(3)]

CASES = [
    ("uniform_draws", [2**64 - 3, 5, 3, 6]),
    ("hypergeometric_draws", [5, 7, 4, 1, 0, 3]),
    ("hypergeometric_draws", [20, 30, 25, 2, 0, 3]),
    ("hypergeometric_draws", [10**6, 10**7, 50, 3, 0, 2]),
    ("hypergeometric_draws", [100, 200, 150, 4, 0, 3]),
    ("hypergeometric_draws", [45, 10**6, 10**5, 5, 0, 3]),
    ("hypergeometric_draws", [2 * 10**6, 3 * 10**6, 10**6, 6, 7, 3]),
    ("hypergeometric_draws", [10**9, 10**9, 10**9 - 5, 7, 0, 2]),
    ("multinomial_draws", [7, [1.0, 2.0, 3.0, 4.0], 8, 0, 3]),
    ("multinomial_draws", [1000, [3.0, 1.0, 6.0], 9, 0, 3]),
    ("multinomial_draws", [10**6, [0.3, 0.7], 10, 0, 2]),
    ("random_tables", [[3, 2, 2], [4, 3], 11, 0, 4]),
    ("random_tables", [[3000, 5000, 2000], [4000, 1000, 5000], 12, 2, 2]),
    # columns drawn, then the small ones ball by ball (table_fill.ball_columns)
    ("random_tables", [[60, 50, 44], [70, 8, 12, 64], 18, 0, 3]),
    ("table_statistics", [[60, 50, 44], [70, 8, 12, 64], 0, 19, 0, 3]),
    ("table_statistics", [[30, 20, 50], [10, 40, 25, 25], 0, 13, 0, 4]),
    ("table_statistics", [[30, 20, 50], [10, 40, 25, 25], 1, 13, 0, 4]),
    ("table_exceedances", [[30, 20, 50], [10, 40, 25, 25], 5.0, 0, 14, 0, 6]),
    ("table_exceedances", [[30, 20, 50], [10, 40, 25, 25], 5.0, 1, 14, 0, 6]),
    ("pattern_statistics", [[4, 3, 5], [3, 3, 4, 2], PATTERN_A, PATTERN_B, 1, 0, 15, 0, 2]),
    ("pattern_statistics", [[4, 3, 5], [3, 3, 4, 2], PATTERN_A, PATTERN_B, 1, 1, 15, 0, 2]),
    ("pattern_statistics", [[6, 6], [3, 3, 4, 2], [[1.0, 0.0], [0.0, 1.0]], PATTERN_B, 0, 1,
                            16, 3, 2]),
    ("pattern_exceedances", [[4, 3, 5], [3, 3, 4, 2], PATTERN_A, PATTERN_B, 1, 0, 3.0, 17, 0,
                             3]),
    # issue 18: the shared-memory table kernel (blocks of several threads), its global
    # fallback (a warp's 20 x 20 tables exceed a block's shared memory), pattern replicates
    # (MMI, SPMI, bootstrap, indicators that are not 0/1), and launches of one replicate each
    ("table_statistics", [[5, 9, 6], [4, 6, 3, 7], 0, 21, 0, 300]),   # ball fill: global
    ("table_statistics", [[5, 9, 6], [4, 6, 3, 7], 1, 22, 5, 150]),
    ("table_statistics", [[200, 300, 250], [180, 220, 160, 190], 0, 26, 0, 300]),  # shared
    ("table_statistics", [[200, 300, 250], [180, 220, 160, 190], 1, 27, 5, 150]),
    ("table_statistics", [[3] * 20, [3] * 20, 0, 23, 0, 2]),
    # issue 15: HRUA from the run's log-factorial table (global memory) in the shared-memory
    # kernel and in the global one, and a total beyond the table (the sampler of before)
    ("table_statistics", [[3000, 5000, 2000], [4000, 1000, 5000], 0, 28, 0, 40]),
    ("table_statistics", [[3000, 5000, 2000], [4000, 1000, 4960, 40], 1, 29, 0, 3]),
    ("random_tables", [[100_000, 50_000], [90_000, 60_000], 30, 0, 3]),
    ("pattern_statistics", [[4, 3, 5], [3, 3, 4, 2], np.eye(3).tolist(), PATTERN_B, 0, 0, 18, 0,
                            3]),
    ("pattern_statistics", [[9, 5, 8, 6, 7, 5], [6, 4, 5, 7, 3, 5, 6, 4], PATTERN_A6, PATTERN_B8,
                            1, 0, 24, 0, 3]),
    ("pattern_statistics", [[9, 5, 8, 6, 7, 5], [6, 4, 5, 7, 3, 5, 6, 4], PATTERN_A6, PATTERN_B8,
                            1, 1, 25, 2, 2]),
    ("pattern_statistics", [[4, 3, 5], [3, 3, 4, 2], [[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
                            PATTERN_B, 1, 0, 19, 0, 2]),
    ("one_each:pattern_statistics", [[4, 3, 5], [3, 3, 4, 2], PATTERN_A, PATTERN_B, 1, 1, 20, 4,
                                     5]),
    # a column drawn, the others ball by ball; 17 items (two packed groups)
    ("pattern_statistics", [[30, 21], [40, 5, 6], [[1.0, 0.0], [0.0, 1.0]], PATTERN_WIDE, 0, 0,
                            20, 0, 3]),
    ("pattern_statistics", [[30, 21], [40, 5, 6], [[1.0, 0.0], [0.0, 1.0]], PATTERN_WIDE, 0, 1,
                            20, 0, 3]),
    # observed statistics (issue 15: computed by the replicates' own device functions)
    ("table_statistic", [[[10, 1], [12, 1]], 1]),
    ("table_statistic", [[[30, 2, 9], [0, 11, 4]], 0]),
    ("g_statistic", [[[3, 0, 7], [5, 6, 0], [2, 2, 2]]]),
    ("pattern_item_statistics", [[[2, 1, 0, 1], [0, 3, 1, 1], [1, 0, 2, 0]], PATTERN_A,
                                 PATTERN_B, 1]),
    ("pattern_item_statistics", [[[2, 1, 3, 1], [0, 3, 1, 1]], [[1.0, 0.0], [0.0, 1.0]],
                                 PATTERN_B, 0]),
]

SCRIPT = r"""
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore", RuntimeWarning)  # the simulator's uint64 scalars wrap around
import espri_gpu.kernels.cuda as kernels

def encode(value):
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    value = np.asarray(value)
    if value.dtype.kind == "f":
        return [float(v).hex() for v in value.ravel()] + [list(value.shape)]
    return value.tolist()

used = set()
kernel = kernels._kernel
kernels._kernel = lambda name: used.add(name) or kernel(name)

def run(name, args):
    budget = kernels.SCRATCH_BYTES
    if name.startswith("one_each:"):  # room for one replicate: one launch per replicate
        kernels.SCRATCH_BYTES = 1
    try:
        return encode(getattr(kernels, name.partition(":")[2] or name)(*args))
    finally:
        kernels.SCRATCH_BYTES = budget

cases = json.load(sys.stdin)
print(json.dumps({"results": [run(name, args) for name, args in cases], "used": sorted(used)}))
print("numba.cuda imported lazily:", "numba.cuda" in sys.modules, file=sys.stderr)
"""


def encode(value):
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    value = np.asarray(value)
    if value.dtype.kind == "f":
        return [float(v).hex() for v in value.ravel()] + [list(value.shape)]
    return value.tolist()


@pytest.fixture(scope="module")
def simulated():
    if importlib.util.find_spec("numba.cuda") is None:
        pytest.skip("numba.cuda is not available")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT], input=json.dumps(CASES), text=True,
                          capture_output=True, cwd=ROOT, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("index", range(len(CASES)),
                         ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES)])
def test_cuda_simulator_matches_cpu_bit_for_bit(simulated, index):
    name, args = CASES[index]
    expected = encode(getattr(cpu, name.partition(":")[2] or name)(*args))
    assert simulated["results"][index] == expected


def test_the_cases_run_every_replicate_kernel_shape(simulated):
    """Issue 18: the shared-memory table kernel and its fallback, and the pattern kernel, are
    among the kernels the cases above compared with the CPU."""
    assert {"table_statistics_shared", "table_statistics",
            "pattern_statistics"} <= set(simulated["used"])


def test_one_each_case_really_launches_one_replicate_at_a_time():
    from espri_gpu.kernels import cuda

    shape = cuda.pattern_statistics_shape(7, 3, 4, 2, 3, 5, budget=1)
    assert shape.launches == 5 and shape.blocks == 1


def test_cases_are_not_trivial():
    """The comparison would pass vacuously if the drivers returned constants."""
    tables = cpu.random_tables([3000, 5000, 2000], [4000, 1000, 5000], 12, 2, 2)
    assert not np.array_equal(tables[0], tables[1])
    stats = cpu.table_statistics([30, 20, 50], [10, 40, 25, 25], 1, 13, 0, 4)
    assert len(set(stats.tolist())) > 1
    assert 0 < cpu.table_exceedances([30, 20, 50], [10, 40, 25, 25], 5.0, 0, 14, 0, 6) < 6


def test_importing_the_cuda_module_does_not_import_numba_cuda():
    code = "import sys, espri_gpu.kernels.cuda; print('numba.cuda' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=env, check=True)
    assert done.stdout.strip() == "False"


def test_cpu_and_cuda_modules_define_every_driver_with_one_signature():
    """Each target module defines (does not re-export) every driver of the registry, with the
    CPU's parameters: a driver missing on one target, or taking other arguments, fails."""
    import inspect

    from espri_gpu.kernels import cuda, registry

    for name in registry.DRIVERS:
        on_cpu, on_cuda = getattr(cpu, name), getattr(cuda, name)
        assert on_cpu.__module__ == cpu.__name__, name
        assert on_cuda.__module__ == cuda.__name__, name
        assert inspect.signature(on_cuda) == inspect.signature(on_cpu), name
        assert name in cpu.__all__ and name in cuda.__all__


def test_both_kernel_modules_define_every_registry_kernel():
    """One ``<name>_kernel`` per registry entry on each of its targets, with as many
    parameters as its signature has arguments, named alike on both targets."""
    import inspect

    from numba.core.sigutils import normalize_signature

    from espri_gpu.kernels import cpu_kernels, cuda_kernels, registry

    modules = {"cpu": cpu_kernels, "cuda": cuda_kernels}
    for target, module in modules.items():
        defined = {n.removesuffix("_kernel") for n in vars(module) if n.endswith("_kernel")}
        assert defined == {n for n, k in registry.KERNELS.items() if target in k.targets}, \
            module.__name__
    for name, kernel in registry.KERNELS.items():
        args, _ = normalize_signature(kernel.signature)
        params = [list(inspect.signature(getattr(modules[t], f"{name}_kernel")).parameters)
                  for t in kernel.targets]
        assert all(p == params[0] for p in params) and len(params[0]) == len(args), name


def test_cuda_only_kernels_are_refused_on_the_cpu():
    from espri_gpu.kernels import targets

    with pytest.raises(ValueError, match="'table_statistics_shared' exists for"):
        targets.kernel("cpu", "table_statistics_shared")
