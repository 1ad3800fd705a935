"""The one place that knows about GPU libraries.

espri_gpu writes its array code once, against a *namespace*: NumPy and pandas on the CPU,
CuPy and cuDF on the GPU. This module decides which one a call uses and is the only module
of the package that imports ``cupy``, ``cudf``, ``cuml`` or ``dask_cuda`` (lazily, so that
``import espri_gpu`` works on a machine without any of them).

The choice, in order: the call's ``backend=`` argument, else the ``ESPRI_GPU_BACKEND``
environment variable, else ``"auto"``. ``"auto"`` takes the GPU only when the RAPIDS
libraries import *and* a CUDA device answers; otherwise it takes the CPU and logs why at
INFO level. ``"gpu"`` without a usable GPU raises :class:`BackendUnavailableError` naming
what is missing and how to install it. cuML is optional: without it the GPU backend runs
everything but k-means on the GPU, and k-means on the host with scikit-learn
(:meth:`Backend.ml`, one warning per process).

GPU memory: importing cuDF (which the probe does) routes CuPy's and Numba's allocations
through RMM, whose default resource is a plain ``cudaMalloc``/``cudaFree`` per array, each of
them synchronising the device. So the first GPU backend of a process
(:func:`configure_gpu_memory`, called by :func:`resolve_backend`) gives RMM a pool whose
initial size is :data:`GPU_POOL_FRACTION` of the device's free memory and which grows on
demand; CuPy, cuDF, cuML and Numba temporaries are then carved from it. A resource someone
else set first (dask-cuda's worker pool, a user's own) is kept.

Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) makes ``numba.cuda.is_available()``
answer True on a CPU-only machine, so it is deliberately not consulted here: a device is
only believed when the CUDA runtime (through CuPy) counts one.

Why this module stays one file of about 530 lines: every part left here imports a GPU
library, or reaches one through the same :func:`_import_module` seam that tests replace (the
probe, :class:`Backend`, the ML namespace, the memory pool, the choice), and
``tests/test_import_boundary.py`` lets no other module import them. What needs no GPU library
(``nvidia-smi`` lines, CUDA version text, the driver check, pool sizes) is in
:mod:`espri_gpu.gpu_host`, and importable from here.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any, Literal

import numpy as np
import pandas as pd

from .errors import BackendUnavailableError, SurveyInputError, one_line
from .execution import LOCAL, Executor, executor_for

# `name as name`: not used here, imported so that it stays importable from here
from .gpu_host import MIN_DRIVER_CUDA as MIN_DRIVER_CUDA
from .gpu_host import MIN_DRIVER_VERSION as MIN_DRIVER_VERSION
from .gpu_host import cuda_version_text, driver_problem_text, pool_bytes
from .gpu_host import nvidia_smi_summary as nvidia_smi_summary
from .gpu_host import visible_smi_rows as visible_smi_rows

__all__ = [
    "ENV_VAR",
    "GPU_INSTALL_HINT",
    "Backend",
    "GpuDevice",
    "GpuProbe",
    "MLNamespace",
    "configure_gpu_memory",
    "cpu_backend",
    "cuda_version_text",
    "probe_gpu",
    "resolve_backend",
]

log = logging.getLogger(__name__)

ENV_VAR = "ESPRI_GPU_BACKEND"
GPU_INSTALL_HINT = "pip install -e '.[gpu]' (CUDA 12 wheels of cupy, cudf, cuml, dask-cuda)"
#: Libraries the GPU backend needs, by import name and PyPI name.
GPU_LIBRARIES = {"cupy": "cupy-cuda12x", "cudf": "cudf-cu12", "cuml": "cuml-cu12"}
#: Those without which the GPU backend cannot run (cuML only serves k-means: see ml()).
REQUIRED_GPU_LIBRARIES = ("cupy", "cudf")
#: Import names of the GPU libraries and (dotted) of the GPU parts of others: the names
#: whose calls make the GPU contract (``espri_gpu/gpu_contract.py``); the undotted ones are
#: imported only by the backend layer (``tests/test_import_boundary.py``).
GPU_MODULES = ("cupy", "cupyx", "cudf", "cuml", "dask_cuda", "dask_cudf", "rmm", "numba.cuda",
               "cuda.bindings")
#: numba-cuda links the CUDA kernels with nvJitLink (``cuda.bindings.nvjitlink``) from this
#: version on; without it the driver's own linker gets PTX ISA 8.8 (CUDA 12.9's NVVM), which
#: a driver older than 575 (CUDA 12.9) refuses.
MIN_NVJITLINK = (12, 3)
#: Initial RMM pool of a process on the GPU backend, as a fraction of the device's free memory
#: (the pool grows on demand). A quarter leaves room, on an 11 GB card, for the pool of a Dask
#: worker on the same GPU (``--cluster local``: half the card) and for CUDA contexts, cuBLAS
#: and Numba scratch outside the pool.
GPU_POOL_FRACTION = 0.25
#: RAPIDS supports Volta (compute capability 7.0) and newer; HAL's RTX 2080 Ti is 7.5.
MIN_COMPUTE_CAPABILITY = (7, 0)

_ALIASES = {
    "auto": "auto",
    "cpu": "cpu",
    "host": "cpu",
    "numpy": "cpu",
    "gpu": "gpu",
    "device": "gpu",
    "cuda": "gpu",
}


@dataclass(frozen=True)
class GpuDevice:
    """One CUDA device as the runtime reports it."""

    index: int
    name: str
    compute_capability: tuple[int, int]
    total_memory_bytes: int


@dataclass(frozen=True)
class GpuProbe:
    """What this machine offers for the GPU backend, and why it is or is not usable.

    Attributes
    ----------
    versions : dict
        Import name -> version string for each GPU library that imported.
    import_errors : dict
        Import name -> one-line error for each GPU library that did not import.
    devices : tuple of GpuDevice
        CUDA devices counted by the runtime (empty without a driver or a device).
    driver_cuda_version, runtime_cuda_version : int or None
        As ``cudaDriverGetVersion`` / ``cudaRuntimeGetVersion`` report them (12040 = 12.4).
    problem : str or None
        Why the GPU backend cannot run here; None when it can.
    """

    versions: dict[str, str] = field(default_factory=dict)
    import_errors: dict[str, str] = field(default_factory=dict)
    devices: tuple[GpuDevice, ...] = ()
    driver_cuda_version: int | None = None
    runtime_cuda_version: int | None = None
    problem: str | None = None

    @property
    def usable(self) -> bool:
        """True when the GPU backend can run on this machine."""
        return self.problem is None

    @property
    def has_cuml(self) -> bool:
        """True when cuML imports (GPU k-means); without it k-means runs on the host."""
        return "cuml" in self.versions


@dataclass(frozen=True)
class Backend:
    """An array namespace and a dataframe namespace to run one computation on.

    Attributes
    ----------
    name : {"cpu", "gpu"}
        Which device the arrays live on.
    xp : module
        ``numpy`` or ``cupy``.
    xdf : module
        ``pandas`` or ``cudf``.
    reason : str
        Why this backend was chosen (shown by ``python -m espri_gpu info`` and in reports).
    executor : LocalExecutor or DaskExecutor
        Where the tasks of a call run (:mod:`espri_gpu.execution`): in this process
        (:data:`~espri_gpu.execution.LOCAL`, the default) or on the workers of a Dask client
        (:meth:`on`).

    Examples
    --------
    >>> from espri_gpu.backend import resolve_backend
    >>> b = resolve_backend("cpu")
    >>> b.name, b.xp.__name__, b.executor.client is None
    ('cpu', 'numpy', True)
    >>> b.asnumpy(b.xp.arange(3)).tolist()
    [0, 1, 2]
    """

    name: Literal["cpu", "gpu"]
    xp: ModuleType
    xdf: ModuleType
    reason: str = ""
    executor: Executor = LOCAL

    def on(self, client: Any) -> Backend:
        """This backend with the tasks of its calls sent to the workers of ``client`` (a
        ``distributed.Client``; None: in this process).

        Examples
        --------
        >>> from espri_gpu.backend import cpu_backend
        >>> b = cpu_backend().on(None)
        >>> b.name, b.executor.in_process
        ('cpu', True)
        """
        return replace(self, executor=executor_for(client))

    @property
    def is_gpu(self) -> bool:
        """True when arrays live on a CUDA device."""
        return self.name == "gpu"

    def asarray(self, values: Any, dtype: Any = None) -> Any:
        """Move host data to this backend's device (no copy on the CPU backend)."""
        return self.xp.asarray(values, dtype=dtype)

    def asnumpy(self, values: Any) -> np.ndarray:
        """Bring an array of this backend back to a NumPy array on the host."""
        if isinstance(values, np.ndarray):
            return values
        get = getattr(values, "get", None)  # cupy.ndarray.get() copies device -> host
        if callable(get) and not isinstance(values, (pd.Series, pd.DataFrame)):
            return np.asarray(get())
        return np.asarray(values)

    def series(self, values: pd.Series) -> Any:
        """A host pandas Series as a Series of this backend (copied to the GPU by cuDF)."""
        if not self.is_gpu:
            return values
        return self.xdf.from_pandas(values)

    def synchronize(self) -> None:
        """Wait for queued device work to finish (for honest timings); no-op on the CPU."""
        if self.is_gpu:
            self.xp.cuda.get_current_stream().synchronize()

    def ml(self) -> MLNamespace:
        """The machine-learning estimators of this backend, imported on first use.

        scikit-learn's ``KMeans`` and ``PCA`` on the CPU, cuML's on the GPU (same
        constructor arguments and ``fit(X, sample_weight=...)`` for what espri_gpu uses).
        On the GPU backend without cuML, scikit-learn's, fed with copies of the device
        arrays on the host (``name`` ``"sklearn (host)"``; one warning per process says so).

        Examples
        --------
        >>> from espri_gpu.backend import cpu_backend
        >>> cpu_backend().ml().KMeans.__module__
        'sklearn.cluster._kmeans'
        """
        return _ml_namespace(self.name)


@dataclass(frozen=True)
class MLNamespace:
    """Estimator classes of one backend (see :meth:`Backend.ml`)."""

    name: str
    KMeans: type
    PCA: type


@functools.lru_cache(maxsize=2)
def _ml_namespace(name: str) -> MLNamespace:
    if name == "gpu":
        try:
            cluster = _import_module("cuml.cluster")
            decomposition = _import_module("cuml.decomposition")
        except Exception as exc:
            log.warning("cuML does not import (%s): k-means runs on the host with "
                        "scikit-learn, the rest on the GPU; for GPU k-means: pip install "
                        "cuml-cu12", one_line(exc))
            return _host_ml_namespace()
        return MLNamespace("cuml", cluster.KMeans, decomposition.PCA)
    cluster = _import_module("sklearn.cluster")
    decomposition = _import_module("sklearn.decomposition")
    return MLNamespace("sklearn", cluster.KMeans, decomposition.PCA)


def _to_host(value: Any) -> Any:
    """A device array as a NumPy array; anything else (None, a string, host data) as is."""
    if value is None or isinstance(value, str):
        return value
    return Backend("gpu", np, pd).asnumpy(value)


def _host_ml_namespace() -> MLNamespace:
    """scikit-learn's estimators taking device arrays (copied to the host) for the GPU
    backend without cuML; their results are NumPy arrays, which ``xp.asarray`` moves back."""
    cluster = _import_module("sklearn.cluster")
    decomposition = _import_module("sklearn.decomposition")

    class KMeans(cluster.KMeans):
        def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> Any:
            self.init = _to_host(self.init)
            return super().fit(_to_host(X), y, sample_weight=_to_host(sample_weight))

    class PCA(decomposition.PCA):
        def fit(self, X: Any, y: Any = None) -> Any:
            return super().fit(_to_host(X), y)

        def fit_transform(self, X: Any, y: Any = None) -> Any:
            return super().fit_transform(_to_host(X), y)

        def transform(self, X: Any) -> Any:
            return super().transform(_to_host(X))

    return MLNamespace("sklearn (host)", KMeans, PCA)


def cpu_backend(reason: str = "requested") -> Backend:
    """The NumPy/pandas backend, always available."""
    return Backend("cpu", np, pd, reason)


def _import_module(name: str) -> ModuleType:
    """Import ``name``; a seam that tests replace to simulate installed or missing libraries."""
    return importlib.import_module(name)


@functools.lru_cache(maxsize=1)
def probe_gpu() -> GpuProbe:
    """Find out, once per process, whether the GPU backend can run here.

    Returns
    -------
    GpuProbe
        Library versions, import errors, CUDA devices and the reason the GPU backend is
        unusable (``problem``), if any.

    Examples
    --------
    >>> from espri_gpu.backend import probe_gpu
    >>> probe = probe_gpu()
    >>> probe.usable == (probe.problem is None)
    True
    """
    versions: dict[str, str] = {}
    errors: dict[str, str] = {}
    modules: dict[str, ModuleType] = {}
    for name in GPU_LIBRARIES:
        try:
            module = _import_module(name)
        except Exception as exc:  # ImportError, or a CUDA error raised at import time
            errors[name] = one_line(exc)
        else:
            modules[name] = module
            versions[name] = str(getattr(module, "__version__", "unknown"))
    if "cupy" not in modules:
        missing = ", ".join(GPU_LIBRARIES[n] for n in errors)
        return GpuProbe(versions, errors, problem=f"RAPIDS libraries not importable ({missing})")
    runtime = modules["cupy"].cuda.runtime
    # cudaDriverGetVersion answers without a usable driver (0: none loaded), so an old
    # driver is named even when counting the devices fails because of it.
    driver = _safe_call(runtime.driverGetVersion)
    rt_version = _safe_call(runtime.runtimeGetVersion)
    try:
        count = int(runtime.getDeviceCount())
        devices = tuple(_describe_device(runtime, i) for i in range(count))
    except Exception as exc:
        problem = driver_problem_text(driver)
        problem = (f"{problem} ({one_line(exc)})" if problem else
                   f"no usable CUDA device or driver ({one_line(exc)})")
        return GpuProbe(versions, errors, (), driver, rt_version, problem)
    problem = _diagnose(errors, devices, driver)
    return GpuProbe(versions, errors, devices, driver, rt_version, problem)


def _safe_call(fn: Any) -> int | None:
    try:
        return int(fn())
    except Exception:
        return None


def _describe_device(runtime: Any, index: int) -> GpuDevice:
    props = runtime.getDeviceProperties(index)
    name = props.get("name", b"?")
    name = name.decode() if isinstance(name, bytes) else str(name)
    return GpuDevice(
        index=index,
        name=name,
        compute_capability=(int(props.get("major", 0)), int(props.get("minor", 0))),
        total_memory_bytes=int(props.get("totalGlobalMem", 0)),
    )


def _diagnose(errors: dict[str, str], devices: tuple[GpuDevice, ...],
              driver: int | None) -> str | None:
    if not devices:
        return "the CUDA runtime counts no GPU on this machine"
    problems = []
    required = {n: msg for n, msg in errors.items() if n in REQUIRED_GPU_LIBRARIES}
    if required:
        missing = ", ".join(f"{GPU_LIBRARIES[n]} ({msg})" for n, msg in required.items())
        problems.append(f"a GPU is present but RAPIDS libraries do not import: {missing}")
    if (driver_problem := driver_problem_text(driver)) is not None:
        problems.append(driver_problem)
    old = [d for d in devices if d.compute_capability < MIN_COMPUTE_CAPABILITY]
    if len(old) == len(devices):
        cc = ".".join(map(str, old[0].compute_capability))
        problems.append(f"{old[0].name} has compute capability {cc}; RAPIDS needs 7.0 or newer")
    return "; ".join(problems) or None


def nvjitlink_version() -> tuple[int, int] | str:
    """nvJitLink's version as numba-cuda finds it (``cuda.bindings.nvjitlink``), or why not.

    Needs no GPU. With nvJitLink >= :data:`MIN_NVJITLINK`, numba-cuda turns the kernels'
    PTX into device code itself, so that they load on any driver >= 535.
    """
    try:
        nvjitlink = _import_module("cuda.bindings.nvjitlink")
        major, minor = tuple(nvjitlink.version())[:2]
    except Exception as exc:  # not installed, or the library does not load
        return one_line(exc)
    return int(major), int(minor)


@functools.lru_cache(maxsize=1)
def configure_gpu_memory() -> str:
    """Give this process's GPU allocations a memory pool, once; return what was done.

    An RMM pool on the current device (GPU 0 of those visible), initially
    :data:`GPU_POOL_FRACTION` of its free memory, growing on demand, made RMM's current
    resource; CuPy's allocator is set to RMM (cuDF's import already sends Numba's there).
    Nothing is replaced when RMM's resource is not the default plain ``cudaMalloc`` one
    (dask-cuda workers have their own pool); without RMM, CuPy keeps its own memory pool.

    Returns
    -------
    str
        One line for logs, e.g. ``"RMM pool, 2.6 GiB to start (0.25 of free memory), growing
        on demand"``.
    """
    try:
        rmm = _import_module("rmm")
        mr = _import_module("rmm.mr")
        rmm_cupy = _import_module("rmm.allocators.cupy")
    except Exception as exc:
        done = f"CuPy's own memory pool (rmm does not import: {one_line(exc)})"
        log.info("GPU memory: %s", done)
        return done
    current = mr.get_current_device_resource()
    if type(current) is not mr.CudaMemoryResource:
        done = f"kept the RMM resource already set ({type(current).__name__})"
        log.info("GPU memory: %s", done)
        return done
    cupy = _import_module("cupy")
    try:
        free, _total = cupy.cuda.runtime.memGetInfo()
        size = pool_bytes(int(free), GPU_POOL_FRACTION)
        # A PoolMemoryResource over cudaMalloc, made the current device's resource.
        rmm.reinitialize(pool_allocator=True, initial_pool_size=size)
    except Exception as exc:  # e.g. out of memory: run on, without a pool
        done = f"no pool, one cudaMalloc per array ({one_line(exc)})"
        log.warning("GPU memory: %s", done)
        return done
    cupy.cuda.set_allocator(rmm_cupy.rmm_cupy_allocator)
    done = (f"RMM pool, {size / 2**30:.1f} GiB to start ({GPU_POOL_FRACTION:g} of free "
            "memory), growing on demand")
    log.info("GPU memory: %s", done)
    return done


def requested_backend(backend: str | None = None) -> str:
    """The normalised backend request: the argument, else ``$ESPRI_GPU_BACKEND``, else auto.

    Raises
    ------
    SurveyInputError
        If the name is not one of auto, cpu (host, numpy), gpu (device, cuda).
    """
    source = "`backend`"
    if backend is None:
        backend = os.environ.get(ENV_VAR, "").strip() or "auto"
        source = f"${ENV_VAR}"
    key = str(backend).strip().lower()
    if key not in _ALIASES:
        choices = ", ".join(sorted(_ALIASES))
        raise SurveyInputError(f"{source} is {backend!r}; expected one of: {choices}")
    return _ALIASES[key]


def resolve_backend(backend: str | Backend | None = None, *, client: Any = None) -> Backend:
    """Choose the backend for one call.

    Parameters
    ----------
    backend : {"auto", "cpu", "gpu"} or Backend, optional
        ``None`` reads ``$ESPRI_GPU_BACKEND`` and falls back to ``"auto"``. Aliases:
        ``"host"``/``"numpy"`` for cpu, ``"device"``/``"cuda"`` for gpu. A
        :class:`Backend` is returned unchanged (but for ``client``).
    client : distributed.Client, optional
        Run the tasks of the calls given this backend on the workers of ``client``
        (:meth:`Backend.on`): Monte-Carlo and resampling replicates, the Gram matrix of
        :func:`~espri_gpu.all_crosstabs`. None keeps the backend's executor (a new
        backend runs in this process).

    Returns
    -------
    Backend

    Raises
    ------
    SurveyInputError
        For an unknown name (a ValueError).
    BackendUnavailableError
        When ``"gpu"`` is asked for and the GPU or the RAPIDS libraries are missing.

    Examples
    --------
    >>> from espri_gpu.backend import resolve_backend
    >>> resolve_backend("host").name
    'cpu'
    """
    b = backend if isinstance(backend, Backend) else _choose(backend)
    return b if client is None else b.on(client)


def _choose(backend: str | None) -> Backend:
    choice = requested_backend(backend)
    if choice == "cpu":
        return cpu_backend("requested")
    probe = probe_gpu()
    if probe.usable:
        cupy, cudf = _import_module("cupy"), _import_module("cudf")
        configure_gpu_memory()
        names = ", ".join(d.name for d in probe.devices)
        how = "requested" if choice == "gpu" else "auto: RAPIDS imports and a CUDA device answers"
        return Backend("gpu", cupy, cudf, f"{how} ({names})")
    if choice == "gpu":
        raise BackendUnavailableError(
            f"the GPU backend was requested but {probe.problem}; run "
            f"`python -m espri_gpu info` on a GPU node, install with {GPU_INSTALL_HINT}, "
            "or use --backend cpu"
        )
    log.info("backend auto -> cpu: %s", probe.problem)
    return cpu_backend(f"auto: {probe.problem}")
