"""The GPU API contract against the installed RAPIDS packages (no GPU needed).

Runs where CuPy, cuDF and cuML import (the ``gpu`` extra; CI: ``.ci/gpu-contract.sh``) and
skips elsewhere, unless ``ESPRI_GPU_REQUIRE_RAPIDS=1`` turns the skip into a failure. Checks:

* every entry of :data:`espri_gpu.gpu_contract.CONTRACT` exists, with its keywords named in
  the installed signature;
* every GPU call the source scan finds binds to that signature (positional count too);
* what espri_gpu assumes cuML's ``KMeans`` does with ``tol``, ``init`` and ``n_init``
  (:data:`~espri_gpu.gpu_contract.KEYWORD_SEMANTICS`) is still what its documentation says;
* every CUDA kernel of :mod:`espri_gpu.kernels.cuda_kernels` compiles to PTX for compute
  capability 7.5 (HAL's RTX 2080 Ti) with the real numba-cuda and NVVM, and ptxas assembles
  it: the simulator runs kernels as Python and would not notice code the CUDA target cannot
  compile.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import types
from pathlib import Path

import pytest

from espri_gpu import gpu_contract as data

from .checker import check_call, check_entry, check_semantics, scan_package


def _rapids_problem() -> str | None:
    for name in ("cupy", "cudf", "cuml"):
        try:
            importlib.import_module(name)
        except Exception as exc:  # ImportError, or a CUDA error raised at import time
            return f"{name} does not import ({type(exc).__name__}: {exc}); " \
                   "install the gpu extra: pip install -e '.[gpu,dev]'"
    return None


_PROBLEM = _rapids_problem()
if _PROBLEM is not None:
    if os.environ.get("ESPRI_GPU_REQUIRE_RAPIDS") == "1":
        raise RuntimeError(f"ESPRI_GPU_REQUIRE_RAPIDS=1 but {_PROBLEM}")
    pytest.skip(f"GPU contract: {_PROBLEM}", allow_module_level=True)

SIMULATED = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"


def _needs_real_numba_cuda(owner: str) -> bool:
    return owner.startswith("numba.cuda")


@pytest.mark.parametrize("entry", data.CONTRACT, ids=lambda e: f"{e[0]}.{e[1]}")
def test_contract_entry_holds(entry) -> None:
    if SIMULATED and _needs_real_numba_cuda(entry[0]):
        pytest.skip("NUMBA_ENABLE_CUDASIM=1 replaces numba.cuda by the simulator")
    assert check_entry(entry) is None, check_entry(entry)


def test_every_scanned_call_binds_to_the_installed_signature() -> None:
    uses = [u for u in scan_package() if not (SIMULATED and _needs_real_numba_cuda(u.owner))]
    problems = [p for p in map(check_call, uses) if p]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("entry", data.KEYWORD_SEMANTICS, ids=lambda e: f"{e[0]}.{e[1]}")
def test_assumed_keyword_semantics_are_still_documented(entry) -> None:
    """cuML's ``tol`` (absolute), ``init`` (arrays; its own starts unweighted), ``n_init``."""
    problem = check_semantics(entry)
    assert problem is None, problem


def test_the_other_gpu_packages_import() -> None:
    for name in ("dask_cuda", "rmm", "numba.cuda"):
        importlib.import_module(name)


# ---------------------------------------------------------------- kernels: PTX for sm_75
HAL_CC = (7, 5)


@pytest.fixture(scope="module")
def ptx() -> dict[str, str]:
    """PTX of every CUDA kernel, compiled for :data:`HAL_CC` without a GPU."""
    if SIMULATED:
        pytest.skip("NUMBA_ENABLE_CUDASIM=1 replaces numba.cuda by the simulator")
    from numba import cuda
    from numba.cuda import dispatcher

    from espri_gpu.kernels import registry, targets

    # Device functions take the compute capability from the current device; there is none.
    assert hasattr(dispatcher, "get_current_device"), \
        "numba-cuda moved get_current_device: update this fixture"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dispatcher, "get_current_device",
                   lambda: types.SimpleNamespace(compute_capability=HAL_CC))
        out = {}
        for name, kernel in registry.KERNELS.items():
            fn = targets.kernel_function("cuda", name)
            out[name], _ = cuda.compile_ptx(fn, kernel.signature, cc=HAL_CC)
    return out


def test_every_kernel_compiles_to_ptx_for_hal(ptx) -> None:
    from espri_gpu.kernels import registry

    assert set(ptx) == set(registry.KERNELS)
    for name, text in ptx.items():
        assert f".target sm_{HAL_CC[0]}{HAL_CC[1]}" in text, name
        assert ".entry" in text, name


def _ptxas() -> str | None:
    try:
        import nvidia.cuda_nvcc as nvcc  # the CUDA 12 wheel that ships NVVM and ptxas
    except ImportError:
        return shutil.which("ptxas")
    for root in getattr(nvcc, "__path__", []):
        candidate = Path(root) / "bin" / "ptxas"
        if candidate.is_file():
            return str(candidate)
    return shutil.which("ptxas")


def test_ptxas_assembles_every_kernel_for_hal(ptx, tmp_path) -> None:
    ptxas = _ptxas()
    if ptxas is None:
        pytest.skip("no ptxas (nvidia-cuda-nvcc-cu12) in this environment")
    for name, text in ptx.items():
        source = tmp_path / f"{name}.ptx"
        source.write_text(text)
        done = subprocess.run([ptxas, f"-arch=sm_{HAL_CC[0]}{HAL_CC[1]}", str(source),
                               "-o", str(tmp_path / f"{name}.cubin")],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{name}: {done.stderr[-2000:]}"


def test_every_kernel_holds_at_most_one_log_factorial_table(ptx) -> None:
    """Issue 18: Numba gives each compiled function that reads a global array its own
    constant copy; every sampler reads the 8 KiB log-factorial table through one device
    function (``logfactorials.logfactorial``), so a kernel carries it once, not twice."""
    import re

    for name, text in ptx.items():
        tables = re.findall(r"\.const \.align 8 \.b8 \S+\[8192\]", text)
        assert len(tables) <= 1, f"{name}: {len(tables)} copies of the log-factorial table"
    assert any(".b8" in t and "[8192]" in t for t in ptx.values())  # the pattern still matches
