"""Tests for espri_gpu.backend (choosing cpu / gpu) and espri_gpu.info (the `info` report).

No GPU is needed: installed RAPIDS libraries and CUDA devices are simulated by replacing the
seam ``espri_gpu.backend._import_module`` with fake modules. Tests about *this* machine (no
RAPIDS installed) skip where cupy is importable.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import espri_gpu
from espri_gpu import backend as backend_mod
from espri_gpu import info as info_mod
from espri_gpu.backend import (
    ENV_VAR,
    GPU_INSTALL_HINT,
    GPU_MODULES,
    GPU_POOL_FRACTION,
    Backend,
    configure_gpu_memory,
    cpu_backend,
    probe_gpu,
    requested_backend,
    resolve_backend,
)
from espri_gpu.errors import BackendUnavailableError, SurveyInputError
from espri_gpu.info import info_text

ROOT = Path(__file__).resolve().parents[1]
STUBBED = tuple(m for m in GPU_MODULES if "." not in m)  # GPU libraries a stub can stand for
CHOICES = "auto, cpu, cuda, device, gpu, host, numpy"
RAPIDS_INSTALLED = importlib.util.find_spec("cupy") is not None
needs_no_rapids = pytest.mark.skipif(
    RAPIDS_INSTALLED, reason="checks behaviour on a machine without RAPIDS (cupy is installed)"
)


# --------------------------------------------------------------------------- fakes, fixtures


@pytest.fixture(autouse=True)
def _clean_state(monkeypatch):
    """Each test starts without $ESPRI_GPU_BACKEND and with an empty probe cache."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    probe_gpu.cache_clear()
    configure_gpu_memory.cache_clear()
    yield
    probe_gpu.cache_clear()
    configure_gpu_memory.cache_clear()


class FakeRuntime:
    """Stands in for ``cupy.cuda.runtime``."""

    def __init__(self, count=1, driver=12040, runtime=12020, major=7, minor=5,
                 name=b"NVIDIA GeForce RTX 2080 Ti", count_error=None,
                 free=10 * 2**30 + 12345):
        self.count, self.driver, self.runtime = count, driver, runtime
        self.props = {"name": name, "major": major, "minor": minor,
                      "totalGlobalMem": 11 * 2**30}
        self.count_error = count_error
        self.free = free

    def memGetInfo(self):  # noqa: N802
        return self.free, self.props["totalGlobalMem"]

    def getDeviceCount(self):  # noqa: N802 - the CUDA runtime's name
        if self.count_error is not None:
            raise self.count_error
        return self.count

    def driverGetVersion(self):  # noqa: N802
        return self.driver

    def runtimeGetVersion(self):  # noqa: N802
        return self.runtime

    def getDeviceProperties(self, index):  # noqa: N802
        assert 0 <= index < self.count
        return dict(self.props)


class FakeStream:
    def __init__(self):
        self.synchronized = 0

    def synchronize(self):
        self.synchronized += 1


def fake_cupy(runtime: FakeRuntime) -> SimpleNamespace:
    stream = FakeStream()
    allocators = []
    cuda = SimpleNamespace(runtime=runtime, get_current_stream=lambda: stream,
                           set_allocator=allocators.append)
    return SimpleNamespace(__name__="cupy", __version__="13.3.0", cuda=cuda,
                           asarray=np.asarray, stream=stream, allocators=allocators)


class FakeCudaMemoryResource:
    """``rmm.mr.CudaMemoryResource``: RMM's default, one cudaMalloc per allocation."""


class FakePoolMemoryResource:
    def __init__(self, upstream_mr, initial_pool_size=None, maximum_pool_size=None):
        self.upstream_mr = upstream_mr
        self.initial_pool_size, self.maximum_pool_size = initial_pool_size, maximum_pool_size


def fake_rmm() -> tuple[SimpleNamespace, SimpleNamespace]:
    """``rmm`` and ``rmm.mr`` as a fresh process sees them (a plain cudaMalloc resource);
    ``rmm.calls`` records the keywords of each ``rmm.reinitialize``, which sets a resource as
    the real one does."""
    mr = SimpleNamespace(current=FakeCudaMemoryResource(),
                         CudaMemoryResource=FakeCudaMemoryResource)
    mr.get_current_device_resource = lambda: mr.current
    calls = []

    def reinitialize(pool_allocator=False, managed_memory=False, initial_pool_size=None,
                     maximum_pool_size=None, devices=0, logging=False, log_file_name=None):
        calls.append({k: v for k, v in locals().items() if k != "calls"})
        mr.current = (FakePoolMemoryResource(FakeCudaMemoryResource(), initial_pool_size,
                                             maximum_pool_size)
                      if pool_allocator else FakeCudaMemoryResource())

    return SimpleNamespace(__name__="rmm", reinitialize=reinitialize, calls=calls), mr


@pytest.fixture
def fake_gpu(monkeypatch):
    """Install fake RAPIDS modules: ``fake_gpu(**FakeRuntime kwargs, missing=(...),
    nvjitlink=(major, minor))``.

    Returns the dict of fake modules; names in ``missing`` raise ModuleNotFoundError, as does
    any name not faked.
    """

    def install(missing=(), nvjitlink=(12, 9), **runtime_kwargs):
        rmm, rmm_mr = fake_rmm()
        modules = {
            "cupy": fake_cupy(FakeRuntime(**runtime_kwargs)),
            "cudf": SimpleNamespace(__name__="cudf", __version__="26.2.0"),
            "cuml": SimpleNamespace(__name__="cuml", __version__="26.2.0"),
            "rmm": rmm,
            "rmm.mr": rmm_mr,
            "rmm.allocators.cupy": SimpleNamespace(rmm_cupy_allocator="rmm_cupy_allocator"),
            "cuda.bindings.nvjitlink": SimpleNamespace(version=lambda: nvjitlink),
        }
        calls = []

        def fake_import(name):
            calls.append(name)
            if name in modules and name not in missing:
                return modules[name]
            raise ModuleNotFoundError(f"No module named {name!r}")

        monkeypatch.setattr(backend_mod, "_import_module", fake_import)
        probe_gpu.cache_clear()
        configure_gpu_memory.cache_clear()
        return SimpleNamespace(calls=calls, rmm_mr=rmm_mr, **{
            k: v for k, v in modules.items() if "." not in k})

    return install


# --------------------------------------------------------------------------- resolution order


def test_argument_beats_environment_variable(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "gpu")  # would raise here (or pick the GPU) if it were read
    assert resolve_backend("cpu").name == "cpu"
    assert requested_backend("cpu") == "cpu"


def test_environment_variable_beats_default(monkeypatch, fake_gpu):
    fake_gpu()  # the default "auto" would pick the (fake) GPU
    assert resolve_backend().name == "gpu"
    monkeypatch.setenv(ENV_VAR, "cpu")
    assert requested_backend() == "cpu"
    assert resolve_backend().name == "cpu"
    assert resolve_backend(None).reason == "requested"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_default_is_auto(monkeypatch, value):
    if value is not None:
        monkeypatch.setenv(ENV_VAR, value)
    assert requested_backend() == "auto"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("auto", "auto"),
        ("cpu", "cpu"),
        ("host", "cpu"),
        ("numpy", "cpu"),
        ("gpu", "gpu"),
        ("device", "gpu"),
        ("cuda", "gpu"),
        ("  CPU ", "cpu"),
        ("Host", "cpu"),
        ("GPU\n", "gpu"),
        ("\tCuda", "gpu"),
        ("AUTO", "auto"),
    ],
)
def test_aliases_case_and_whitespace(monkeypatch, name, expected):
    assert requested_backend(name) == expected
    monkeypatch.setenv(ENV_VAR, name)
    assert requested_backend() == expected


@pytest.mark.parametrize("name", ["host", "numpy", " NumPy "])
def test_cpu_aliases_resolve_to_numpy_backend(name):
    b = resolve_backend(name)
    assert b.name == "cpu" and not b.is_gpu
    assert b.xp is np and b.xdf is pd


def test_unknown_argument_names_backend_value_and_choices():
    with pytest.raises(SurveyInputError, match=re.escape(
            f"`backend` is 'tpu'; expected one of: {CHOICES}")):
        resolve_backend("tpu")


def test_unknown_environment_variable_names_the_variable(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "opencl")
    with pytest.raises(SurveyInputError, match=re.escape(
            f"$ESPRI_GPU_BACKEND is 'opencl'; expected one of: {CHOICES}")):
        resolve_backend()


def test_unknown_name_is_a_value_error():
    with pytest.raises(ValueError, match=r"`backend` is 'gpu0'"):
        requested_backend("gpu0")


def test_backend_instance_passes_through(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "not-a-backend")  # not even read
    b = cpu_backend("mine")
    assert resolve_backend(b) is b
    fake = Backend("gpu", np, pd, "pretend")
    assert resolve_backend(fake) is fake


# --------------------------------------------------------------------------- this machine


@needs_no_rapids
def test_auto_without_rapids_is_cpu_and_logs_why(caplog):
    with caplog.at_level(logging.INFO, logger="espri_gpu.backend"):
        b = resolve_backend("auto")
    assert b.name == "cpu" and b.xp is np
    assert b.reason.startswith("auto: RAPIDS libraries not importable")
    assert "cupy-cuda12x" in b.reason
    records = [r for r in caplog.records if r.name == "espri_gpu.backend"]
    assert [r.levelno for r in records] == [logging.INFO]
    assert "backend auto -> cpu: RAPIDS libraries not importable" in records[0].getMessage()
    assert "cupy-cuda12x, cudf-cu12, cuml-cu12" in records[0].getMessage()


@needs_no_rapids
def test_gpu_without_rapids_raises_with_packages_and_install_command():
    with pytest.raises(BackendUnavailableError,
                       match=r"cupy-cuda12x, cudf-cu12, cuml-cu12") as info:
        resolve_backend("gpu")
    message = str(info.value)
    assert ".[gpu]" in message
    assert GPU_INSTALL_HINT in message
    assert "--backend cpu" in message


@needs_no_rapids
def test_probe_without_rapids():
    probe = probe_gpu()
    assert not probe.usable
    assert set(probe.import_errors) == {"cupy", "cudf", "cuml"}
    assert probe.import_errors["cupy"].startswith("ModuleNotFoundError: No module named 'cupy'")
    assert probe.devices == () and probe.versions == {}


def test_probe_is_cached(fake_gpu):
    fakes = fake_gpu()
    assert probe_gpu() is probe_gpu()
    assert fakes.calls == ["cupy", "cudf", "cuml"]  # imported once per process


# --------------------------------------------------------------------------- simulated installs


def test_fake_gpu_is_picked_by_auto(fake_gpu, caplog):
    fakes = fake_gpu()
    probe = probe_gpu()
    assert probe.usable and probe.problem is None
    assert probe.versions == {"cupy": "13.3.0", "cudf": "26.2.0", "cuml": "26.2.0"}
    assert probe.driver_cuda_version == 12040 and probe.runtime_cuda_version == 12020
    (device,) = probe.devices
    assert device.name == "NVIDIA GeForce RTX 2080 Ti"
    assert device.compute_capability == (7, 5)
    assert device.total_memory_bytes == 11 * 2**30
    with caplog.at_level(logging.INFO, logger="espri_gpu.backend"):
        b = resolve_backend("auto")
    assert b.name == "gpu" and b.is_gpu
    assert b.xp is fakes.cupy and b.xdf is fakes.cudf
    assert "NVIDIA GeForce RTX 2080 Ti" in b.reason and b.reason.startswith("auto")
    assert [r.getMessage().split(",")[0] for r in caplog.records
            if r.name == "espri_gpu.backend"] == ["GPU memory: RMM pool"]  # no fallback


@pytest.mark.parametrize("name", ["gpu", "device", "CUDA"])
def test_fake_gpu_requested(fake_gpu, name):
    fakes = fake_gpu()
    b = resolve_backend(name)
    assert b.name == "gpu" and b.xp is fakes.cupy
    assert b.reason == "requested (NVIDIA GeForce RTX 2080 Ti)"


def test_gpu_backend_synchronize_uses_current_stream(fake_gpu):
    fakes = fake_gpu()
    resolve_backend("gpu").synchronize()
    assert fakes.cupy.stream.synchronized == 1
    cpu_backend().synchronize()  # a no-op, nothing to wait for


# --------------------------------------------------------------------------- GPU memory


def test_gpu_backend_sets_an_rmm_pool_sized_from_free_memory(fake_gpu, caplog):
    """cuDF's import leaves RMM on plain cudaMalloc: the first GPU backend sets a pool."""
    fakes = fake_gpu(free=8 * 2**30 + 1100)
    probe_gpu()
    assert fakes.rmm.calls == []  # the probe alone allocates nothing
    with caplog.at_level(logging.INFO, logger="espri_gpu.backend"):
        resolve_backend("gpu")
    expected = int((8 * 2**30 + 1100) * GPU_POOL_FRACTION) // 256 * 256
    assert expected == 2 * 2**30 + 256
    (call,) = fakes.rmm.calls
    assert call["pool_allocator"] is True and call["managed_memory"] is False
    assert call["initial_pool_size"] == expected
    assert call["maximum_pool_size"] is None  # grows on demand
    pool = fakes.rmm_mr.get_current_device_resource()
    assert isinstance(pool, FakePoolMemoryResource) and pool.initial_pool_size == expected
    assert fakes.cupy.allocators == ["rmm_cupy_allocator"]  # CuPy allocates from the pool
    assert any(r.getMessage().startswith("GPU memory: RMM pool, 2.0 GiB to start")
               for r in caplog.records)
    resolve_backend("auto")
    resolve_backend("gpu")
    assert len(fakes.rmm.calls) == 1  # once per process


def test_gpu_backend_keeps_a_pool_set_before(fake_gpu):
    """A dask-cuda worker's pool (or a user's) is not replaced."""
    fakes = fake_gpu()
    theirs = FakePoolMemoryResource(FakeCudaMemoryResource(), initial_pool_size=5 * 2**30)
    fakes.rmm_mr.current = theirs
    resolve_backend("gpu")
    assert fakes.rmm.calls == [] and fakes.cupy.allocators == []
    assert fakes.rmm_mr.get_current_device_resource() is theirs
    assert configure_gpu_memory() == "kept the RMM resource already set (FakePoolMemoryResource)"


def test_gpu_backend_without_rmm_or_memory_runs_on(fake_gpu):
    fake_gpu(missing=("rmm",))
    assert resolve_backend("gpu").is_gpu
    assert configure_gpu_memory().startswith("CuPy's own memory pool (rmm does not import")
    configure_gpu_memory.cache_clear()
    fakes = fake_gpu()

    def no_memory():
        raise RuntimeError("cudaErrorMemoryAllocation: out of memory")

    fakes.cupy.cuda.runtime.memGetInfo = no_memory
    assert resolve_backend("gpu").is_gpu
    assert configure_gpu_memory().startswith("no pool, one cudaMalloc per array")
    assert fakes.rmm.calls == [] and fakes.cupy.allocators == []


def test_no_driver_falls_back_to_cpu(fake_gpu, caplog):
    fake_gpu(count_error=RuntimeError("cudaErrorInsufficientDriver: CUDA driver is too old"))
    with caplog.at_level(logging.INFO, logger="espri_gpu.backend"):
        b = resolve_backend("auto")
    assert b.name == "cpu"
    assert "no usable CUDA device or driver (RuntimeError: cudaErrorInsufficientDriver" in b.reason
    assert any("no usable CUDA device or driver" in r.getMessage() for r in caplog.records)
    with pytest.raises(BackendUnavailableError, match=r"no usable CUDA device or driver"):
        resolve_backend("gpu")


def test_zero_devices_falls_back_to_cpu(fake_gpu):
    fake_gpu(count=0)
    probe = probe_gpu()
    assert probe.devices == () and not probe.usable
    assert resolve_backend("auto").reason == (
        "auto: the CUDA runtime counts no GPU on this machine")
    with pytest.raises(BackendUnavailableError, match=r"counts no GPU"):
        resolve_backend("gpu")


def test_old_driver_is_diagnosed(fake_gpu):
    fake_gpu(driver=11080)
    probe = probe_gpu()
    assert not probe.usable
    assert "CUDA 11.8" in probe.problem and "535" in probe.problem
    assert resolve_backend("auto").name == "cpu"
    with pytest.raises(BackendUnavailableError, match=r"driver >= 535"):
        resolve_backend("gpu")


@pytest.mark.parametrize(("driver", "usable"), [(12000, False), (12010, False), (12020, True)])
def test_driver_below_cuda_12_2_is_diagnosed(fake_gpu, monkeypatch, driver, usable):
    """The RAPIDS 26.x CUDA 12 wheels need CUDA 12.2 (driver 535): 12.0 and 12.1 are refused."""
    fake_gpu(driver=driver)
    probe = probe_gpu()
    assert probe.usable is usable
    assert probe.driver_cuda_version == driver
    if usable:
        return
    minor = (driver % 1000) // 10
    assert probe.problem.startswith(f"the NVIDIA driver supports CUDA 12.{minor} only "
                                    f"(driver < 535, cudaDriverGetVersion {driver})")
    assert "need CUDA >= 12.2 (driver >= 535): ask the admins" in probe.problem
    assert "\n" not in probe.problem
    with pytest.raises(BackendUnavailableError, match=r"driver < 535"):
        resolve_backend("gpu")
    monkeypatch.setattr(info_mod, "nvidia_smi_summary", lambda: [])
    assert f"backend auto -> cpu: the NVIDIA driver supports CUDA 12.{minor} only" in info_text()


def test_old_driver_is_named_when_it_stops_the_device_count(fake_gpu, monkeypatch):
    """cudaDriverGetVersion answers even when the device count fails on the old driver."""
    fake_gpu(driver=12000, count_error=RuntimeError(
        "cudaErrorInsufficientDriver: CUDA driver version is insufficient"))
    probe = probe_gpu()
    assert not probe.usable and probe.devices == ()
    assert probe.driver_cuda_version == 12000
    assert probe.problem.startswith("the NVIDIA driver supports CUDA 12.0 only (driver < 535")
    assert probe.problem.endswith("(RuntimeError: cudaErrorInsufficientDriver: CUDA driver "
                                  "version is insufficient)")
    monkeypatch.setattr(info_mod, "nvidia_smi_summary", lambda: [])
    text = info_text()
    assert "backend auto -> cpu: the NVIDIA driver supports CUDA 12.0 only" in text
    assert "CUDA driver supports 12.0, runtime 12.2" in text


def test_no_driver_loaded_is_named(fake_gpu):
    fake_gpu(driver=0, count_error=RuntimeError("cudaErrorNoDevice: no CUDA-capable device"))
    assert probe_gpu().problem.startswith("no NVIDIA driver is loaded here")
    assert "no CUDA driver loaded, runtime 12.2" in info_text().splitlines()


def test_old_compute_capability_is_diagnosed(fake_gpu):
    fake_gpu(major=6, minor=1, name=b"NVIDIA GeForce GTX 1080")
    probe = probe_gpu()
    assert not probe.usable
    assert "compute capability 6.1" in probe.problem and "7.0" in probe.problem
    assert "GTX 1080" in probe.problem
    assert resolve_backend("auto").name == "cpu"
    with pytest.raises(BackendUnavailableError, match=r"RAPIDS needs 7\.0 or newer"):
        resolve_backend("gpu")


def test_cupy_imports_but_cudf_does_not(fake_gpu):
    fake_gpu(missing=("cudf",))
    probe = probe_gpu()
    assert not probe.usable
    assert set(probe.versions) == {"cupy", "cuml"} and set(probe.import_errors) == {"cudf"}
    assert "cudf-cu12" in probe.problem and "cupy-cuda12x" not in probe.problem
    assert "No module named 'cudf'" in probe.problem
    assert resolve_backend("auto").name == "cpu"
    with pytest.raises(BackendUnavailableError, match=r"cudf-cu12"):
        resolve_backend("gpu")


class DeviceArray:
    """A CuPy-like array: ``.get()`` copies it to the host; NumPy may not convert it."""

    def __init__(self, values):
        self.values = np.asarray(values)

    def get(self):
        return self.values.copy()

    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed")


def test_without_cuml_the_gpu_backend_runs_and_kmeans_goes_to_the_host(fake_gpu, monkeypatch,
                                                                         caplog):
    """cuML serves k-means only: its absence must not switch the whole GPU path off."""
    import importlib

    from sklearn.cluster import KMeans

    fakes = fake_gpu(missing=("cuml",))
    fake_import = backend_mod._import_module
    monkeypatch.setattr(backend_mod, "_import_module", lambda name: (
        importlib.import_module(name) if name.startswith("sklearn") else fake_import(name)))
    backend_mod._ml_namespace.cache_clear()
    monkeypatch.setattr(info_mod, "nvidia_smi_summary", lambda: [])
    probe = probe_gpu()
    assert probe.usable and not probe.has_cuml
    assert set(probe.import_errors) == {"cuml"}
    b = resolve_backend("auto")
    assert b.is_gpu and b.xp is fakes.cupy
    lines = info_text().splitlines()
    assert "backend auto -> gpu" in lines
    assert ("  cuML missing: k-means runs on the host (scikit-learn), the rest on the GPU; "
            "for GPU k-means: pip install cuml-cu12") in lines
    try:
        with caplog.at_level(logging.WARNING, logger="espri_gpu.backend"):
            ml = b.ml()
            assert b.ml() is ml
        notices = [r.getMessage() for r in caplog.records if r.name == "espri_gpu.backend"]
        assert len(notices) == 1 and "\n" not in notices[0]
        assert notices[0].startswith("cuML does not import (ModuleNotFoundError: No module "
                                     "named 'cuml.cluster'): k-means runs on the host")
        assert ml.name == "sklearn (host)"
        rng = np.random.default_rng(0)
        X = np.concatenate([rng.normal(0, 1, (30, 3)), rng.normal(6, 1, (30, 3))])
        w = rng.integers(1, 4, 60).astype(float)
        init = X[[0, 59]]
        model = ml.KMeans(n_clusters=2, init=DeviceArray(init), n_init=1, random_state=0)
        model.fit(DeviceArray(X), sample_weight=DeviceArray(w))
        expected = KMeans(n_clusters=2, init=init, n_init=1, random_state=0).fit(
            X, sample_weight=w)
        np.testing.assert_array_equal(model.labels_, expected.labels_)
        np.testing.assert_array_equal(model.cluster_centers_, expected.cluster_centers_)
        pca = ml.PCA(n_components=2).fit(DeviceArray(X))
        assert pca.transform(DeviceArray(X)).shape == (60, 2)
    finally:
        backend_mod._ml_namespace.cache_clear()


def test_cupy_missing_is_reported_even_with_fakes(fake_gpu):
    fake_gpu(missing=("cupy", "cudf", "cuml"))
    probe = probe_gpu()
    assert probe.problem == "RAPIDS libraries not importable (cupy-cuda12x, cudf-cu12, cuml-cu12)"
    with pytest.raises(BackendUnavailableError, match=re.escape(".[gpu]")):
        resolve_backend("gpu")


def test_device_properties_error_falls_back_to_cpu(fake_gpu):
    fakes = fake_gpu()

    def broken(index):
        raise RuntimeError("cudaErrorDevicesUnavailable: CUDA-capable device(s) is/are busy")

    fakes.cupy.cuda.runtime.getDeviceProperties = broken
    assert resolve_backend("auto").name == "cpu"


# --------------------------------------------------------------------------- subprocesses


def _python(code: str, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "NUMBA_ENABLE_CUDASIM")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(env_vars)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


SIMULATOR_CODE = """\
import json
import numba.cuda
import espri_gpu.backend as b
out = {"numba": numba.cuda.is_available(), "auto": b.resolve_backend("auto").name}
try:
    b.resolve_backend("gpu")
except b.BackendUnavailableError as exc:
    out["gpu"] = "BackendUnavailableError: " + str(exc)
else:
    out["gpu"] = "no error"
print(json.dumps(out))
"""


@needs_no_rapids
def test_cuda_simulator_is_not_mistaken_for_a_gpu():
    result = _python(SIMULATOR_CODE, NUMBA_ENABLE_CUDASIM="1")
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["numba"] is True  # the simulator answers "available"...
    assert out["auto"] == "cpu"  # ...but the backend does not believe it
    assert out["gpu"].startswith("BackendUnavailableError: the GPU backend was requested")


@pytest.mark.parametrize("stubs", [False, True], ids=["as-installed", "with-stub-libraries"])
def test_import_espri_gpu_imports_no_gpu_library(tmp_path, stubs):
    # With importable stubs, an eager (even try/except-guarded) import would show up here too.
    extra = {}
    if stubs:
        for name in STUBBED:
            (tmp_path / f"{name}.py").write_text("__version__ = 'stub'\n", encoding="utf-8")
        extra["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])
    code = (
        "import sys, json\n"
        "import espri_gpu\n"
        f"gpu = {STUBBED!r}\n"
        "after_import = [m for m in gpu if m in sys.modules]\n"
        "espri_gpu.resolve_backend('cpu')\n"
        "after_cpu = [m for m in gpu if m in sys.modules]\n"
        "print(json.dumps([after_import, after_cpu]))\n"
    )
    result = _python(code, **extra)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [[], []]


# --------------------------------------------------------------------------- info


@needs_no_rapids
def test_info_text_here():
    text = info_text()
    assert "backend auto -> cpu: RAPIDS libraries not importable " \
           "(cupy-cuda12x, cudf-cu12, cuml-cu12)" in text
    assert "  cupy: ModuleNotFoundError: No module named 'cupy'" in text
    assert f"to use a GPU: {GPU_INSTALL_HINT}" in text
    assert "  numpy" in text and np.__version__ in text


def test_info_text_shows_environment_variable(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "cpu")
    assert "$ESPRI_GPU_BACKEND = 'cpu'" in info_text()


def test_info_text_with_fake_gpu(fake_gpu, monkeypatch):
    fake_gpu()
    monkeypatch.setattr(info_mod, "nvidia_smi_summary", lambda: [])
    lines = info_text().splitlines()
    assert "backend auto -> gpu" in lines
    assert "CUDA driver supports 12.4, runtime 12.2" in lines
    assert "GPU 0: NVIDIA GeForce RTX 2080 Ti, compute capability 7.5, 11.0 GiB" in lines
    assert not any(line.startswith("to use a GPU") for line in lines)
    assert not any(line.startswith("no NVIDIA GPU visible") for line in lines)


def test_info_says_that_one_process_uses_gpu_0_only(fake_gpu, monkeypatch):
    """HAL's nodes have 2 GPUs: without Dask the second one idles, and info says so."""
    monkeypatch.setattr(info_mod, "nvidia_smi_summary", lambda: [])
    fake_gpu(count=2)
    lines = info_text().splitlines()
    assert "GPU 1: NVIDIA GeForce RTX 2080 Ti, compute capability 7.5, 11.0 GiB" in lines
    assert ("2 GPUs visible but one process uses GPU 0 only: --cluster local runs one Dask "
            "worker per GPU (pip install -e '.[gpu,dask]')") in lines
    fake_gpu(count=1)
    assert not any("GPU 0 only" in line for line in info_text().splitlines())


NVJITLINK_FIX = ("the CUDA kernels (PTX ISA 8.8) will load only on a driver >= 575; pip "
                 "install 'nvidia-nvjitlink-cu12>=12.3' (numba-cuda[cu12] of the gpu extra "
                 "brings it)")


@pytest.mark.parametrize(("nvjitlink", "missing", "expected"), [
    ((12, 9), (), "nvJitLink 12.9: Numba links the CUDA kernels (PTX ISA 8.8) itself, for any "
                  "driver >= 535"),
    ((12, 2), (), f"nvJitLink missing (version 12.2): {NVJITLINK_FIX}"),
    (None, ("cuda.bindings.nvjitlink",),
     "nvJitLink missing (ModuleNotFoundError: No module named 'cuda.bindings.nvjitlink'): "
     f"{NVJITLINK_FIX}"),
])
def test_info_reports_nvjitlink(fake_gpu, monkeypatch, nvjitlink, missing, expected):
    """The kernels' PTX (ISA 8.8) loads on a 535 driver only through nvJitLink."""
    monkeypatch.setattr(info_mod, "nvidia_smi_summary", lambda: [])
    fake_gpu(nvjitlink=nvjitlink, missing=missing)
    lines = info_text().splitlines()
    assert expected in lines
    assert sum(line.startswith("nvJitLink") for line in lines) == 1


def test_info_text_with_old_gpu_gives_reason(fake_gpu, monkeypatch):
    fake_gpu(major=6, minor=1, name=b"Tesla P100")
    monkeypatch.setattr(info_mod, "nvidia_smi_summary", lambda: ["0, Tesla P100, 535.1, 16 GiB"])
    text = info_text()
    assert "backend auto -> cpu: Tesla P100 has compute capability 6.1" in text
    assert "GPU 0: Tesla P100, compute capability 6.1" in text
    assert "  0, Tesla P100, 535.1, 16 GiB" in text


SMI_TWO_GPUS = ("0, GPU-1f2e3d4c-0000-1111-2222-333344445555, NVIDIA GeForce RTX 2080 Ti, "
                "535.104.05, 11264 MiB, 7.5\n"
                "1, GPU-9a8b7c6d-6666-7777-8888-999900001111, NVIDIA GeForce RTX 2080 Ti, "
                "535.104.05, 11264 MiB, 7.5\n")


def _fake_nvidia_smi(tmp_path, monkeypatch, output: str) -> None:
    """A `nvidia-smi` first on PATH that prints ``output`` for the query ``info`` makes."""
    (tmp_path / "smi.txt").write_text(output, encoding="utf-8")
    exe = tmp_path / "nvidia-smi"
    exe.write_text(f"#!/bin/sh\ncase \"$1\" in --query-gpu=index,uuid,*) "
                   f"cat {tmp_path / 'smi.txt'};; *) exit 9;; esac\n", encoding="utf-8")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.parametrize(("visible", "indices"), [
    (None, ["0", "1"]),                   # no Slurm job: every GPU
    ("1", ["1"]),                         # Slurm gave GPU 1 of the node
    ("0", ["0"]),
    ("1,0", ["1", "0"]),                  # CUDA's order
    ("GPU-9a8b7c6d", ["1"]),              # a UUID prefix
    ("GPU-1f2e3d4c-0000-1111-2222-333344445555", ["0"]),
    ("", []),                             # none allocated
    ("NoDevFiles", []),                   # Slurm's value for no GPU
    ("1,junk,0", ["1"]),                  # CUDA stops at the first bad entry
])
def test_nvidia_smi_lines_are_those_of_the_visible_gpus(tmp_path, monkeypatch, visible,
                                                          indices):
    _fake_nvidia_smi(tmp_path, monkeypatch, SMI_TWO_GPUS)
    if visible is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    else:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    lines = backend_mod.nvidia_smi_summary()
    assert [line.split(",")[0] for line in lines] == indices
    assert all(line.endswith(", NVIDIA GeForce RTX 2080 Ti, 535.104.05, 11264 MiB, 7.5")
               for line in lines)
    assert not any("GPU-" in line for line in lines)


def test_nvidia_smi_in_a_device_cgroup_keeps_the_jobs_gpu(tmp_path, monkeypatch):
    """Slurm's device cgroup: nvidia-smi sees the job's GPU only, CUDA numbers it 0."""
    _fake_nvidia_smi(tmp_path, monkeypatch, SMI_TWO_GPUS.splitlines()[1] + "\n")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    assert [line.split(",")[0] for line in backend_mod.nvidia_smi_summary()] == ["1"]


def test_info_lists_only_the_jobs_gpu(fake_gpu, tmp_path, monkeypatch):
    fake_gpu()
    _fake_nvidia_smi(tmp_path, monkeypatch, SMI_TWO_GPUS)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    lines = info_text().splitlines()
    smi = [line for line in lines if "535.104.05" in line]
    assert smi == ["  1, NVIDIA GeForce RTX 2080 Ti, 535.104.05, 11264 MiB, 7.5"]


# --------------------------------------------------------------------------- Backend helpers


def test_asnumpy_returns_numpy_input_unchanged():
    b = cpu_backend()
    a = np.arange(5)
    assert b.asnumpy(a) is a
    assert isinstance(b.asnumpy([1, 2, 3]), np.ndarray)


def test_asnumpy_calls_get_on_device_arrays():
    class FakeDeviceArray:
        def __init__(self, values):
            self.values, self.gets = values, 0

        def get(self):
            self.gets += 1
            return np.array(self.values)

    arr = FakeDeviceArray([1.0, 2.0])
    out = Backend("gpu", np, pd).asnumpy(arr)
    assert isinstance(out, np.ndarray) and out.tolist() == [1.0, 2.0]
    assert arr.gets == 1


def test_asnumpy_does_not_call_series_get():
    s = pd.Series([3, 4], index=["a", "b"])
    out = cpu_backend().asnumpy(s)
    assert isinstance(out, np.ndarray) and out.tolist() == [3, 4]


def test_asarray_on_cpu_does_not_copy():
    a = np.arange(3, dtype=np.int64)
    assert cpu_backend().asarray(a) is a
    assert cpu_backend().asarray([1, 2], dtype=np.float32).dtype == np.float32


def test_public_api_exports_backend():
    assert espri_gpu.resolve_backend is resolve_backend
    assert espri_gpu.Backend is Backend
    assert espri_gpu.BackendUnavailableError is BackendUnavailableError
