"""On a real GPU (``pytest -m gpu``): the suite's key results with ``backend="gpu"`` vs the CPU.

Needs a CUDA device and the ``gpu`` extra; skipped, with :func:`espri_gpu.backend.probe_gpu`'s
reason, anywhere else. ``slurm/test-gpu.sbatch`` runs this on a HAL GPU and writes a verdict.
What must hold, on the bundled example:

* reading (cuDF factorize), one-hot encoding, counts, every cross table and the all-pairs Gram
  matrix: equal to the CPU;
* χ² and the Monte-Carlo / permutation / bootstrap p-values for one seed: bit-identical (the
  CUDA kernels draw the CPU kernels' random streams); the kernel drivers on the cases of
  ``tests/test_kernels_cuda.py``: identical (floats from ``log`` within 1e-13, see
  :mod:`espri_gpu.kernels.cuda`);
* groups (cuML k-means): the CPU's groups up to the numbering of the groups; nearest centres
  from float32 products (:mod:`espri_gpu.grouping.nearest`): the float64 argmin on near ties;
* the report end to end, its ``summary.json`` saying backend ``gpu``, its tables the CPU's.
"""

from __future__ import annotations

import io
import itertools
import json

import numpy as np
import pandas as pd
import pytest

from espri_gpu.backend import probe_gpu

pytestmark = pytest.mark.gpu

_PROBE = probe_gpu()
if not _PROBE.usable:
    pytest.skip(f"no usable GPU: {_PROBE.problem}", allow_module_level=True)

from espri_gpu import (  # noqa: E402  (after the skip: nothing to import without a GPU)
    all_crosstabs,
    counts,
    crosstab,
    example_path,
    groups,
    independence_test,
    one_hot,
    read_survey,
    resolve_backend,
    screen,
)
from espri_gpu.grouping import weighted_kmeans  # noqa: E402
from espri_gpu.kernels import cpu as cpu_kernels  # noqa: E402
from espri_gpu.kernels import cuda as cuda_kernels  # noqa: E402

from ..test_kernels_cuda import CASES, encode  # noqa: E402

SEED = 11
N_RESAMPLES = 999
SCREENED = ["lab", "compétence", "maturité_projet", "ml_méthodes", "ml_usages",
            "exec_plateformes"]
REPORT_PAIRS = "lab,compétence,maturité_projet,ml_méthodes,ml_usages"
REPORT_GROUPS = "ml_méthodes:ml_usages"


@pytest.fixture(scope="module")
def gpu():
    b = resolve_backend("gpu")
    assert b.is_gpu and b.xp.__name__ == "cupy" and b.xdf.__name__ == "cudf"
    return b


def _read(backend):
    return read_survey(example_path("espri2020", "responses.csv"),
                       example_path("espri2020", "codebook.toml"),
                       interpretations=example_path("espri2020", "interpretations.csv"),
                       backend=backend)


@pytest.fixture(scope="module")
def surveys(gpu):
    return _read("cpu"), _read(gpu)


def test_backend_round_trip(gpu) -> None:
    x = gpu.asarray(np.arange(5))
    assert type(x).__module__.startswith("cupy")
    np.testing.assert_array_equal(gpu.asnumpy(x * 2), np.arange(5) * 2)
    gpu.synchronize()
    assert resolve_backend("auto").is_gpu
    assert gpu.ml().KMeans.__module__.startswith("cuml")


def test_gpu_memory_is_an_rmm_pool(gpu) -> None:
    """One RMM pool serves CuPy (backend.configure_gpu_memory), not a cudaMalloc per array."""
    import cupy
    import rmm
    from rmm.allocators.cupy import rmm_cupy_allocator

    resource = rmm.mr.get_current_device_resource()
    assert isinstance(resource, rmm.mr.PoolMemoryResource), type(resource).__name__
    assert cupy.cuda.get_allocator() is rmm_cupy_allocator
    size = resource.pool_size()
    x = cupy.ones(1 << 20)
    del x
    assert resource.pool_size() == size > 0  # carved from the pool, which did not grow


def test_reading_and_encoding(surveys, gpu) -> None:
    cpu_s, gpu_s = surveys
    assert gpu_s.report.to_frame().equals(cpu_s.report.to_frame())
    questions = list(cpu_s.questions)
    for q in questions:
        a, b = cpu_s.answers_to(q), gpu_s.answers_to(q)
        np.testing.assert_array_equal(b.codes, a.codes)
        np.testing.assert_array_equal(b.cells, a.cells)
        assert b.levels == a.levels
        pd.testing.assert_frame_equal(counts(gpu_s, q, backend=gpu).table,
                                      counts(cpu_s, q, backend="cpu").table, check_exact=True)
    a, b = one_hot(cpu_s, questions, backend="cpu"), one_hot(gpu_s, questions, backend=gpu)
    np.testing.assert_array_equal(b.matrix, a.matrix)
    np.testing.assert_array_equal(b.answered, a.answered)
    assert b.backend == "gpu"


def test_cross_tables(surveys, gpu) -> None:
    cpu_s, gpu_s = surveys
    for a, b in itertools.combinations(cpu_s.questions, 2):
        expected = crosstab(cpu_s, a, b, backend="cpu")
        got = crosstab(gpu_s, a, b, backend=gpu)
        pd.testing.assert_frame_equal(got, expected)
        assert got.attrs == expected.attrs
    expected = all_crosstabs(cpu_s, backend="cpu")
    got = all_crosstabs(gpu_s, backend=gpu)
    for key in expected:
        pd.testing.assert_frame_equal(got[key], expected[key])


def test_chi2_and_resampling_p_values_are_bit_identical(surveys, gpu) -> None:
    cpu_s, gpu_s = surveys
    expected = screen(cpu_s, SCREENED, n_resamples=N_RESAMPLES, seed=SEED,
                      backend="cpu").to_frame()
    got = screen(gpu_s, SCREENED, n_resamples=N_RESAMPLES, seed=SEED, backend=gpu).to_frame()
    assert set(expected["test"]) >= {"chi2-montecarlo", "mmi-permutation", "spmi-permutation"}
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    for a, b, method in [("lab", "compétence", "asymptotic"),
                         ("ml_méthodes", "ml_usages", "bootstrap")]:
        e = independence_test(cpu_s, a, b, method=method, n_resamples=N_RESAMPLES, seed=SEED,
                              backend="cpu")
        g = independence_test(gpu_s, a, b, method=method, n_resamples=N_RESAMPLES, seed=SEED,
                              backend=gpu)
        pd.testing.assert_frame_equal(g.to_frame(), e.to_frame(), check_exact=True)


@pytest.mark.parametrize("index", range(len(CASES)),
                         ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES)])
def test_cuda_kernels_match_cpu_kernels(index) -> None:
    """The simulator cases of tests/test_kernels_cuda.py, compiled for the real device."""
    name, args = CASES[index]
    expected = getattr(cpu_kernels, name)(*args)
    got = getattr(cuda_kernels, name)(*args)
    g_case = ((name == "table_statistics" and args[2] == 1) or name == "g_statistic"
              or (name == "table_statistic" and args[1] == 1))
    if g_case:  # G statistics: log on the device
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    else:
        assert encode(got) == encode(expected)


def test_observed_g_on_the_device_ties_with_its_replicates() -> None:
    """Issue 15 on the device: a table drawn as replicate r, scored as an observed table by
    the GPU driver, gets exactly the G replicate r got on the GPU."""
    rows, cols = [7, 3, 9], [4, 6, 2, 7]
    tables = cuda_kernels.random_tables(rows, cols, 8, 0, 100)
    scored = cuda_kernels.table_statistics(rows, cols, 1, 8, 0, 100)
    assert all(cuda_kernels.table_statistic(t, 1) == s for t, s in zip(tables, scored,
                                                                         strict=True))


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_groups_equal_up_to_label_permutation(surveys, gpu) -> None:
    cpu_s, gpu_s = surveys
    questions = ["ml_méthodes", "ml_usages"]
    expected = groups(cpu_s, questions, seed=SEED, backend="cpu")
    got = groups(gpu_s, questions, seed=SEED, backend=gpu)
    assert got.backend == "gpu" and got.k == expected.k
    assert _same_partition(got.labels, expected.labels)
    np.testing.assert_array_equal(np.sort(got.sizes), np.sort(expected.sizes))
    assert got.inertia == pytest.approx(expected.inertia, rel=1e-9)
    np.testing.assert_allclose(got.explained_variance, expected.explained_variance, rtol=1e-9)
    rows = np.random.default_rng(0).random((60, 5)) < 0.4
    init = rows[[0, 20, 40]].astype(float)
    a = weighted_kmeans(rows.astype(float), 3, init=init, n_init=1, backend="cpu")
    b = weighted_kmeans(rows.astype(float), 3, init=init, n_init=1, backend=gpu)
    assert _same_partition(np.asarray(gpu.asnumpy(b.labels)), np.asarray(a.labels))


def test_nearest_centres_from_float32_products_are_the_float64_argmin(gpu) -> None:
    from espri_gpu.grouping.nearest import nearest, prepare_centres, prepare_rows

    from ..test_nearest import near_ties

    xp = gpu.xp
    for d, scale in ((2, 1.0), (30, 1.0), (30, 1000.0)):
        X, C = near_ties(np.random.default_rng(d), 20_000, d, 4, scale, 0.5)
        Xd, Cd = xp.asarray(X), xp.asarray(C)
        labels, rechecked = nearest(prepare_rows(Xd, xp), 0, X.shape[0],
                                    prepare_centres(Cd, xp), 4, xp)
        dist = xp.sum(Cd * Cd, axis=1)[None, :] - 2.0 * (Xd @ Cd.T)  # float64, on the device
        np.testing.assert_array_equal(gpu.asnumpy(labels)[:, 0],
                                      gpu.asnumpy(xp.argmin(dist, axis=1)))
        assert 0 < rechecked


def test_report_end_to_end(gpu, tmp_path) -> None:
    from espri_gpu.progress import Progress
    from espri_gpu.report import run_report

    runs = {}
    for name, backend in (("cpu", "cpu"), ("gpu", gpu)):
        runs[name] = run_report(out=tmp_path / name, backend=backend, seed=SEED,
                                n_resamples=N_RESAMPLES, pairs=REPORT_PAIRS,
                                groups=REPORT_GROUPS, progress=Progress(io.StringIO()))
    summary = json.loads((runs["gpu"].out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["backend"] == "gpu" and runs["gpu"].backend == "gpu"
    names = {name: sorted(p.relative_to(r.out_dir).as_posix() for p in r.out_dir.rglob("*")
                          if p.is_file()) for name, r in runs.items()}
    assert names["gpu"] == names["cpu"]
    for name in names["cpu"]:
        if not name.endswith(".csv") or name.startswith("groups/") or "kmeans_centres" in name:
            continue  # figures, HTML; groups are numbered by size, checked above
        expected = pd.read_csv(runs["cpu"].out_dir / name, dtype=str, keep_default_na=False)
        got = pd.read_csv(runs["gpu"].out_dir / name, dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(got, expected, obj=name)
