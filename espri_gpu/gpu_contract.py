"""Every GPU-library name espri_gpu's GPU path uses, with the keywords it passes: the contract.

Plain data, no imports. Each entry of :data:`CONTRACT` is ``(owner, name, keywords)``:
``owner`` is a dotted path (a module, a class, or ``cupy.ndarray`` for array methods),
``name`` an attribute of it (``"__init__"`` for a constructor call) and ``keywords`` the
keyword arguments espri_gpu passes to it anywhere. Two tests hold the list true:

* ``tests/test_gpu_contract.py`` (every environment, no GPU library needed) reads the
  package's source with :mod:`ast` and fails when a GPU call (``xp.bincount(...,
  minlength=...)``, ``b.series(v).factorize(use_na_sentinel=True)``, ``ml.KMeans(...)``,
  ``cuda.device_array(...)``, ...) or one of its keywords has no entry here, or when an
  entry is no longer used. Add the entry with the call.
* ``tests/gpu_contract/test_contract.py`` (in the environment of the ``gpu`` extra; CI runs
  it through ``.ci/gpu-contract.sh``) resolves each entry in the installed CuPy, cuDF, cuML
  and numba-cuda and checks every keyword against :func:`inspect.signature`.

Names called on ``xp`` exist in NumPy too (the CPU path); the contract run checks that they
exist in CuPy. The scan's rules, the tables below, are documented in
``tests/gpu_contract/checker.py``.
"""

from __future__ import annotations

#: Module names (and their submodules) whose names are GPU names.
GPU_MODULES = ("cupy", "cupyx", "cudf", "cuml", "dask_cuda", "dask_cudf", "rmm", "numba.cuda")

#: ``Backend.ml()`` attribute -> the cuML class it is on the GPU backend.
ML_CLASSES = {"KMeans": "cuml.cluster.KMeans", "PCA": "cuml.decomposition.PCA"}

#: Owners that are classes: calling them is a constructor call (entry name ``"__init__"``).
CLASSES = frozenset(ML_CLASSES.values())

#: What a GPU call returns, where espri_gpu calls a method of the result.
RETURNS = {
    "cupy.cuda.get_current_stream": "cupy.cuda.Stream",
    "cudf.from_pandas": "cudf.Series",  # also Backend.series(...)
}

#: Methods recognised by name whatever the receiver (objects the scan cannot follow).
METHOD_OWNERS = {"copy_to_host": "numba.cuda.cudadrv.devicearray.DeviceNDArray"}

#: Calls whose result is a host object (array methods on it are not GPU calls).
HOST_RESULTS = frozenset({"asnumpy"})

#: String values espri_gpu passes that the GPU library must document (checked in the
#: class docstring by the contract run): cuML's default ``init`` is not scikit-learn's.
DOCUMENTED_VALUES = {("cuml.cluster.KMeans", "init"): ("k-means++", "random")}

#: Callables that pass their ``**kwargs`` on to another: a keyword they do not name must be
#: a named parameter of the target (checked by the contract run).
FORWARDS = {("dask_cuda", "LocalCUDACluster"): "distributed.LocalCluster"}

_DEVICE_ARRAY = "numba.cuda.cudadrv.devicearray.DeviceNDArray"

CONTRACT: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # --- CuPy: array namespace (``xp`` / ``b.xp`` / ``back.xp`` / ``self.xp``)
    ("cupy", "abs", ()),
    ("cupy", "all", ()),
    ("cupy", "any", ()),
    ("cupy", "arange", ("dtype",)),
    ("cupy", "argmax", ("axis",)),
    ("cupy", "argmin", ("axis",)),
    ("cupy", "argsort", ()),
    ("cupy", "asarray", ("dtype",)),
    ("cupy", "bincount", ("minlength", "weights")),
    ("cupy", "concatenate", ("axis",)),
    ("cupy", "empty", ("dtype",)),
    ("cupy", "float32", ()),
    ("cupy", "float64", ()),
    ("cupy", "full", ("dtype",)),
    ("cupy", "int64", ()),
    ("cupy", "isfinite", ()),
    ("cupy", "maximum", ()),
    ("cupy", "mean", ()),
    ("cupy", "ones", ()),
    ("cupy", "outer", ()),
    ("cupy", "searchsorted", ()),
    ("cupy", "sign", ()),
    ("cupy", "sort", ()),
    ("cupy", "sqrt", ()),
    ("cupy", "stack", ()),
    ("cupy", "sum", ("axis",)),
    ("cupy", "uint8", ()),
    ("cupy", "unique", ("return_counts", "return_index", "return_inverse")),
    ("cupy", "var", ("axis",)),
    ("cupy", "where", ()),
    ("cupy", "zeros", ("dtype",)),
    ("cupy", "zeros_like", ()),
    ("cupy", "__version__", ()),
    ("cupy.linalg", "eigh", ()),
    # --- CuPy: array methods (over-approximated: host arrays of GPU-path functions count)
    ("cupy.ndarray", "astype", ()),
    ("cupy.ndarray", "copy", ()),
    ("cupy.ndarray", "get", ()),  # Backend.asnumpy: getattr(values, "get")
    ("cupy.ndarray", "max", ()),
    ("cupy.ndarray", "ravel", ()),
    ("cupy.ndarray", "reshape", ()),
    ("cupy.ndarray", "sum", ()),
    # --- CuPy: device and stream (backend.probe_gpu, Backend.synchronize)
    ("cupy.cuda", "get_current_stream", ()),
    ("cupy.cuda", "runtime", ()),
    ("cupy.cuda.Stream", "synchronize", ()),
    ("cupy.cuda.runtime", "driverGetVersion", ()),
    ("cupy.cuda.runtime", "getDeviceCount", ()),
    ("cupy.cuda.runtime", "getDeviceProperties", ()),
    ("cupy.cuda.runtime", "runtimeGetVersion", ()),
    # --- cuDF (``xdf``): Backend.series and factorize
    ("cudf", "from_pandas", ()),
    ("cudf", "__version__", ()),
    ("cudf.Series", "factorize", ("use_na_sentinel",)),
    ("cudf.Index", "to_pandas", ()),  # factorize: getattr(uniques, "to_pandas")
    # --- cuML (``Backend.ml()``): clustering.py
    ("cuml", "__version__", ()),
    ("cuml.cluster", "KMeans", ()),
    ("cuml.cluster.KMeans", "__init__",
     ("init", "max_iter", "n_clusters", "n_init", "random_state", "tol")),
    ("cuml.cluster.KMeans", "fit", ("sample_weight",)),
    ("cuml.cluster.KMeans", "labels_", ()),
    ("cuml.cluster.KMeans", "cluster_centers_", ()),
    ("cuml.decomposition", "PCA", ()),
    # --- dask-cuda: distributed.py (one worker per GPU, RMM pool)
    ("dask_cuda", "LocalCUDACluster",
     ("dashboard_address", "n_workers", "rmm_allocator_external_lib_list", "rmm_pool_size",
      "threads_per_worker")),
    # --- numba-cuda: kernels/cuda.py, cuda_kernels.py, targets.py
    ("numba.cuda", "device_array", ("dtype",)),
    ("numba.cuda", "grid", ()),
    ("numba.cuda", "jit", ("cache", "device")),
    ("numba.cuda", "to_device", ()),
    (_DEVICE_ARRAY, "copy_to_host", ()),
)
