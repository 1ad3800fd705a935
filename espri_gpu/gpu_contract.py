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
``tests/gpu_contract/checker.py``; the modules whose names are GPU names (and their
submodules) are :data:`espri_gpu.backend.GPU_MODULES`.
"""

from __future__ import annotations

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

#: What espri_gpu assumes a GPU estimator does with a keyword where it is NOT what
#: scikit-learn does, and acts on (``espri_gpu/grouping/kmeans_device.py``): entries
#: ``(owner, keyword, assumption, mentioned, not_mentioned)``. The contract run checks the
#: installed class: ``keyword`` is a parameter, and its paragraph of the class docstring
#: mentions every word of ``mentioned`` and none of ``not_mentioned`` (case-insensitive). New
#: wording fails the run on purpose: read cuML's new documentation and source, then update
#: the device k-means and the entry.
KEYWORD_SEMANTICS: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("cuml.cluster.KMeans", "tol",
     "an absolute bound on the total squared shift of the centres (cuVS compares "
     "sqrdNormError < tol), not scikit-learn's tol x mean variance of X: espri_gpu passes "
     "tol x the mean weighted variance of the rows",
     ("centroid",), ("relative", "variance", "scaled")),
    ("cuml.cluster.KMeans", "init",
     "an array gives the starting centres; cuML's own starts ('scalable-k-means++', "
     "'k-means||', 'random') ignore sample_weight, so espri_gpu draws weighted k-means++ / "
     "random starts itself (scikit-learn's algorithm and seeds) and passes each as an array",
     ("ndarray",), ("weight",)),
    ("cuml.cluster.KMeans", "n_init",
     "'auto' (the default) runs 10 fits for an array init: espri_gpu passes n_init=1 with "
     "every array",
     ("auto",), ()),
)

#: Callables that pass their ``**kwargs`` on to another: a keyword they do not name must be
#: a named parameter of the target (checked by the contract run).
FORWARDS = {("dask_cuda", "LocalCUDACluster"): "distributed.LocalCluster"}

_DEVICE_ARRAY = "numba.cuda.cudadrv.devicearray.DeviceNDArray"

CONTRACT: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # --- CuPy: array namespace (``xp`` / ``b.xp`` / ``back.xp`` / ``self.xp``)
    ("cupy", "abs", ()),
    ("cupy", "all", ()),
    ("cupy", "any", ("axis",)),
    ("cupy", "arange", ("dtype",)),
    ("cupy", "argmax", ("axis",)),
    ("cupy", "argmin", ("axis",)),
    ("cupy", "argsort", ()),
    ("cupy", "asarray", ("dtype",)),
    ("cupy", "bincount", ("minlength", "weights")),
    ("cupy", "concatenate", ("axis",)),
    ("cupy", "cumsum", ()),
    ("cupy", "einsum", ()),
    ("cupy", "empty", ("dtype",)),
    ("cupy", "float32", ()),
    ("cupy", "float64", ()),
    ("cupy", "flatnonzero", ()),
    ("cupy", "full", ("dtype",)),
    ("cupy", "full_like", ()),
    ("cupy", "inf", ()),
    ("cupy", "int64", ()),
    ("cupy", "isfinite", ()),
    ("cupy", "maximum", ()),
    ("cupy", "mean", ("axis",)),
    ("cupy", "max", ()),
    ("cupy", "minimum", ()),
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
    ("cupy.ndarray", "astype", ("copy",)),
    ("cupy.ndarray", "copy", ()),
    ("cupy.ndarray", "get", ()),  # Backend.asnumpy: getattr(values, "get")
    ("cupy.ndarray", "max", ()),
    ("cupy.ndarray", "ravel", ()),
    ("cupy.ndarray", "reshape", ()),
    ("cupy.ndarray", "sum", ()),
    ("cupy.ndarray", "tolist", ()),
    # --- CuPy: device, stream, allocator (backend.probe_gpu, Backend.synchronize,
    #     backend.configure_gpu_memory)
    ("cupy.cuda", "get_current_stream", ()),
    ("cupy.cuda", "runtime", ()),
    ("cupy.cuda", "set_allocator", ()),
    ("cupy.cuda.Stream", "synchronize", ()),
    ("cupy.cuda.runtime", "driverGetVersion", ()),
    ("cupy.cuda.runtime", "getDeviceCount", ()),
    ("cupy.cuda.runtime", "getDeviceProperties", ()),
    ("cupy.cuda.runtime", "memGetInfo", ()),
    ("cupy.cuda.runtime", "runtimeGetVersion", ()),
    # --- RMM: the process's memory pool (backend.configure_gpu_memory)
    ("rmm", "reinitialize", ("initial_pool_size", "pool_allocator")),
    ("rmm.mr", "CudaMemoryResource", ()),
    ("rmm.mr", "get_current_device_resource", ()),
    ("rmm.allocators.cupy", "rmm_cupy_allocator", ()),
    # --- cuda-bindings: nvJitLink, numba-cuda's linker (backend.nvjitlink_version, info)
    ("cuda.bindings.nvjitlink", "version", ()),
    # --- cuDF (``xdf``): Backend.series and factorize
    ("cudf", "from_pandas", ()),
    ("cudf", "__version__", ()),
    ("cudf.Series", "factorize", ("use_na_sentinel",)),
    ("cudf.Index", "to_pandas", ()),  # factorize: getattr(uniques, "to_pandas")
    # --- cuML (``Backend.ml()``): groups/ (what cuML means: KEYWORD_SEMANTICS)
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
    ("numba.cuda", "current_context", ()),
    ("numba.cuda", "device_array", ("dtype",)),
    ("numba.cuda", "get_current_device", ()),
    ("numba.cuda", "grid", ()),
    ("numba.cuda", "jit", ("cache", "device")),
    ("numba.cuda", "to_device", ()),
    ("numba.cuda.blockDim", "x", ()),
    ("numba.cuda.shared", "array", ()),
    ("numba.cuda.threadIdx", "x", ()),
    (_DEVICE_ARRAY, "copy_to_host", ()),
)
