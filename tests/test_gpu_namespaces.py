"""The GPU code path, run on the CPU with its namespaces substituted, gives the CPU results.

:data:`tests._gpu_emulation.EMULATED_GPU` is a backend named ``"gpu"`` on NumPy, a cuDF
stand-in (scrambled factorize order) and scikit-learn: every ``is_gpu`` branch of the package
takes its GPU side, so this tests the GPU path's logic line by line on the bundled example
(``tests/gpu_contract`` checks its calls against the real RAPIDS packages). Resampling on the
GPU backend runs the CUDA kernels of :mod:`espri_gpu.kernels.cuda`: those tests run in a
subprocess under Numba's CUDA simulator, on few resamples.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from espri_gpu import (
    all_crosstabs,
    counts,
    crosstab,
    example_path,
    groups,
    independence_test,
    one_hot,
    read_survey,
    screen,
)
from espri_gpu.grouping import weighted_kmeans, weighted_pca

from ._gpu_emulation import EMULATED_GPU, FakeCumlKMeans

ROOT = Path(__file__).resolve().parents[1]
SEED = 11
N_RESAMPLES = 39
#: Every kind of pair: single × single, single × multiple, multiple × multiple.
SCREENED = ["lab", "compétence", "maturité_projet", "ml_méthodes", "ml_usages"]
REPORT_PAIRS = "lab,compétence,ml_méthodes"
REPORT_GROUPS = "ml_méthodes:ml_usages"
#: Python-scalar uint64 arithmetic in the simulator warns where CUDA wraps silently.
SIMULATOR_NOISE = "overflow encountered in scalar"


def _read(backend):
    return read_survey(example_path("espri2020", "responses.csv"),
                       example_path("espri2020", "codebook.toml"),
                       interpretations=example_path("espri2020", "interpretations.csv"),
                       backend=backend)


@pytest.fixture(scope="module")
def surveys():
    return _read("cpu"), _read(EMULATED_GPU)


def test_the_emulated_backend_takes_the_gpu_branches() -> None:
    assert EMULATED_GPU.is_gpu and EMULATED_GPU.xp is np
    assert EMULATED_GPU.ml().name == "cuml"  # groups take their cuML branch


def test_reading_the_example_gives_the_same_survey(surveys) -> None:
    cpu, gpu = surveys
    assert gpu.n_respondents == cpu.n_respondents == 62
    assert list(gpu.questions) == list(cpu.questions)
    assert gpu.report.to_frame().equals(cpu.report.to_frame())
    for q in cpu.questions:
        a, b = cpu.answers_to(q), gpu.answers_to(q)
        np.testing.assert_array_equal(b.codes, a.codes)
        np.testing.assert_array_equal(b.cells, a.cells)
        assert b.levels == a.levels


def test_one_hot_and_counts(surveys) -> None:
    cpu, gpu = surveys
    questions = list(cpu.questions)
    a, b = one_hot(cpu, questions, backend="cpu"), one_hot(gpu, questions, backend=EMULATED_GPU)
    np.testing.assert_array_equal(b.matrix, a.matrix)
    np.testing.assert_array_equal(b.answered, a.answered)
    assert b.columns.equals(a.columns) and b.backend == "gpu"
    for q in questions:
        pd.testing.assert_frame_equal(counts(gpu, q, backend=EMULATED_GPU).table,
                                      counts(cpu, q, backend="cpu").table, check_exact=True)


def test_crosstab_of_every_pair(surveys) -> None:
    cpu, gpu = surveys
    for a, b in itertools.combinations(cpu.questions, 2):
        expected = crosstab(cpu, a, b, backend="cpu")
        got = crosstab(gpu, a, b, backend=EMULATED_GPU)
        pd.testing.assert_frame_equal(got, expected)
        assert got.attrs == expected.attrs, (a, b)
    for percent in ("row", "column", "total"):
        pd.testing.assert_frame_equal(
            crosstab(gpu, "lab", "ml_méthodes", percent=percent, backend=EMULATED_GPU),
            crosstab(cpu, "lab", "ml_méthodes", percent=percent, backend="cpu"),
            check_exact=True)


def test_all_crosstabs_from_the_float32_gram_matrix(surveys) -> None:
    cpu, gpu = surveys
    expected = all_crosstabs(cpu, backend="cpu")
    got = all_crosstabs(gpu, backend=EMULATED_GPU)
    assert list(got) == list(expected)
    for key in expected:
        pd.testing.assert_frame_equal(got[key], expected[key])
        assert got[key].attrs == expected[key].attrs, key


def test_asymptotic_and_rao_scott_tests(surveys) -> None:
    """The tests without resampling (no kernel): same statistics, same p-values."""
    cpu, gpu = surveys
    for a, b, method in [("lab", "compétence", "asymptotic"),
                         ("lab", "ml_méthodes", "rao-scott"),
                         ("ml_méthodes", "ml_usages", "bonferroni")]:
        expected = independence_test(cpu, a, b, method=method, backend="cpu")
        got = independence_test(gpu, a, b, method=method, backend=EMULATED_GPU)
        pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame(), check_exact=True)


def _assert_same_groups(got, expected) -> None:
    assert got.backend == "gpu" and expected.backend == "cpu"
    for f in dataclasses.fields(expected):
        a, b = getattr(got, f.name), getattr(expected, f.name)
        if f.name == "backend":
            continue
        if isinstance(b, (pd.DataFrame, pd.Series, pd.Index)):
            assert a.equals(b), f.name
        elif isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f.name)
        elif isinstance(b, float) and np.isnan(b):
            assert np.isnan(a), f.name
        else:
            assert a == b, f.name


@pytest.mark.parametrize("tree_max", [200, 8], ids=["patterns", "pre-clusters"])
def test_groups(surveys, tree_max) -> None:
    """Exact tree on the patterns, and k-means pre-clusters + batched Lloyd steps."""
    cpu, gpu = surveys
    questions = ["ml_méthodes", "ml_usages"]
    expected = groups(cpu, questions, seed=SEED, tree_max=tree_max, n_bootstrap=5,
                      backend="cpu")
    got = groups(gpu, questions, seed=SEED, tree_max=tree_max, n_bootstrap=5,
                 backend=EMULATED_GPU)
    assert expected.tree_leaves == ("patterns" if tree_max == 200 else "pre-clusters")
    _assert_same_groups(got, expected)


def test_weighted_kmeans_and_pca() -> None:
    rng = np.random.default_rng(3)
    X = (rng.random((40, 6)) < 0.4).astype(float)
    w = rng.integers(1, 5, size=40)
    for init in ("k-means++", "random", X[:3]):
        a = weighted_kmeans(X, 3, sample_weight=w, init=init, n_init=1, seed=2, backend="cpu")
        b = weighted_kmeans(X, 3, sample_weight=w, init=init, n_init=1, seed=2,
                            backend=EMULATED_GPU)
        np.testing.assert_array_equal(b.labels, a.labels)
        np.testing.assert_array_equal(b.centers, a.centers)
        assert b.inertia == a.inertia
    a, b = weighted_pca(X, w, backend="cpu"), weighted_pca(X, w, backend=EMULATED_GPU)
    for f in dataclasses.fields(a):
        np.testing.assert_array_equal(getattr(b, f.name), getattr(a, f.name))


def _weighted_rows(seed=3, n=40, d=6):
    rng = np.random.default_rng(seed)
    X = (rng.random((n, d)) < 0.4).astype(float)
    return X, rng.integers(1, 60, size=n).astype(float) ** 2  # very unequal pattern counts


def _weighted_mean_variance(X, w):
    mean = w @ X / w.sum()
    return float(np.mean(w @ (X - mean) ** 2 / w.sum()))


def test_cuml_gets_the_absolute_tol_that_scikit_learn_would_use() -> None:
    """cuML (cuVS) compares ``tol`` itself with the squared centre shift: it must be given
    scikit-learn's threshold, 1e-4 × the mean weighted variance, not the relative 1e-4."""
    X, w = _weighted_rows()
    expected = 1e-4 * _weighted_mean_variance(X, w)
    for init, n_init in (("k-means++", 3), ("random", 2), (X[[0, 5, 9]], 1)):
        FakeCumlKMeans.calls.clear()
        weighted_kmeans(X, 3, sample_weight=w, init=init, n_init=n_init, seed=4,
                        backend=EMULATED_GPU)
        assert FakeCumlKMeans.calls
        for call in FakeCumlKMeans.calls:
            assert call["tol"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_cuml_gets_scikit_learns_weighted_starts(init) -> None:
    """cuML's own starts ignore ``sample_weight``: espri_gpu draws weighted starts as
    scikit-learn does (same ``RandomState(seed)`` stream, one start after the other) and
    gives each to cuML as an ``init`` array with ``n_init=1``."""
    from sklearn.cluster import kmeans_plusplus

    X, w = _weighted_rows(seed=8)
    FakeCumlKMeans.calls.clear()
    weighted_kmeans(X, 3, sample_weight=w, init=init, n_init=4, seed=7, backend=EMULATED_GPU)
    rng = np.random.RandomState(7)
    centred = X - X.mean(axis=0)  # scikit-learn's KMeans draws on centred rows
    expected = []
    for _ in range(4):
        if init == "k-means++":
            _, rows = kmeans_plusplus(centred, 3, sample_weight=w, random_state=rng)
        else:
            rows = rng.choice(X.shape[0], size=3, replace=False, p=w / w.sum())
        expected.append(X[rows])
    assert [c["n_init"] for c in FakeCumlKMeans.calls] == [1, 1, 1, 1]
    got = [c["init"] for c in FakeCumlKMeans.calls]
    assert all(isinstance(g, np.ndarray) for g in got), got
    np.testing.assert_array_equal(np.stack(got), np.stack(expected))


# ------------------------------------------------ resampling and the report: CUDA simulator
SIMULATED = r"""
import io, pickle, sys
from tests._gpu_emulation import EMULATED_GPU
from tests.test_gpu_namespaces import (N_RESAMPLES, REPORT_GROUPS, REPORT_PAIRS, SCREENED,
                                       SEED, _read)
from espri_gpu import independence_test, screen
from espri_gpu.progress import Progress
from espri_gpu.report import run_report

survey = _read(EMULATED_GPU)
result = {
    "screen": screen(survey, SCREENED, n_resamples=N_RESAMPLES, seed=SEED,
                     backend=EMULATED_GPU).to_frame(),
    "bootstrap": independence_test(survey, "ml_méthodes", "ml_usages", method="bootstrap",
                                   n_resamples=N_RESAMPLES, seed=SEED,
                                   backend=EMULATED_GPU).to_frame(),
}
run_report(out=sys.argv[2], backend=EMULATED_GPU, seed=SEED, n_resamples=N_RESAMPLES,
           pairs=REPORT_PAIRS, groups=REPORT_GROUPS, progress=Progress(io.StringIO()))
with open(sys.argv[1], "wb") as f:
    pickle.dump(result, f)
"""


def _without_simulator_noise(frame: pd.DataFrame) -> pd.DataFrame:
    def clean(text):
        if not isinstance(text, str):
            return text
        return "; ".join(p for p in text.split("; ") if not p.startswith(SIMULATOR_NOISE))

    frame = frame.copy()
    if "warnings" in frame:
        frame["warnings"] = frame["warnings"].map(clean)
    return frame


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    import importlib.util

    if importlib.util.find_spec("numba.cuda") is None:
        pytest.skip("numba.cuda is not available")
    tmp = tmp_path_factory.mktemp("gpu_path")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", ESPRI_GPU_BACKEND="cpu")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", SIMULATED, str(tmp / "result.pkl"),
                           str(tmp / "report")], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    with open(tmp / "result.pkl", "rb") as f:
        return pickle.load(f), tmp / "report"


@pytest.mark.slow
def test_screen_p_values_are_bit_identical(surveys, simulated) -> None:
    """Monte-Carlo χ², MMI and SPMI permutation p-values, CUDA kernels vs CPU kernels."""
    cpu, _ = surveys
    expected = screen(cpu, SCREENED, n_resamples=N_RESAMPLES, seed=SEED,
                      backend="cpu").to_frame()
    got = _without_simulator_noise(simulated[0]["screen"])
    assert set(expected["test"]) >= {"chi2-montecarlo", "mmi-permutation", "spmi-permutation"}
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.slow
def test_bootstrap_p_value_is_bit_identical(surveys, simulated) -> None:
    cpu, _ = surveys
    expected = independence_test(cpu, "ml_méthodes", "ml_usages", method="bootstrap",
                                 n_resamples=N_RESAMPLES, seed=SEED, backend="cpu").to_frame()
    pd.testing.assert_frame_equal(simulated[0]["bootstrap"], expected, check_exact=True)


@pytest.mark.slow
def test_report_end_to_end(simulated, tmp_path) -> None:
    """The report on the GPU path writes the CPU report's tables, and says backend gpu."""
    import io

    from espri_gpu.progress import Progress
    from espri_gpu.report import run_report

    gpu_dir = simulated[1]
    cpu = run_report(out=tmp_path, backend="cpu", seed=SEED, n_resamples=N_RESAMPLES,
                     pairs=REPORT_PAIRS, groups=REPORT_GROUPS, progress=Progress(io.StringIO()))
    summary = json.loads((gpu_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["backend"] == "gpu"
    assert summary["backend_reason"] == EMULATED_GPU.reason
    expected_summary = json.loads((cpu.out_dir / "summary.json").read_text(encoding="utf-8"))
    for key in ("backend", "backend_reason", "seconds"):
        summary.pop(key), expected_summary.pop(key)
    assert summary == expected_summary
    names = sorted(p.relative_to(cpu.out_dir).as_posix() for p in cpu.out_dir.rglob("*")
                   if p.is_file())
    assert names == sorted(p.relative_to(gpu_dir).as_posix() for p in gpu_dir.rglob("*")
                           if p.is_file())
    tables = [n for n in names if n.endswith(".csv")]
    assert "tests.csv" in tables and any(n.startswith("groups/") for n in tables)
    for name in tables:
        expected = pd.read_csv(cpu.out_dir / name, dtype=str, keep_default_na=False)
        got = pd.read_csv(gpu_dir / name, dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(_without_simulator_noise(got), expected, obj=name)
