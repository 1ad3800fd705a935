"""``python -m espri_gpu info``: versions, the backend ``auto`` would choose and why, GPUs."""

from __future__ import annotations

import importlib.metadata
import platform
import sys

from .backend import (
    ENV_VAR,
    GPU_INSTALL_HINT,
    GPU_LIBRARIES,
    MIN_NVJITLINK,
    cuda_version_text,
    nvidia_smi_summary,
    nvjitlink_version,
    probe_gpu,
)

__all__ = ["CORE", "OPTIONAL", "info_text", "version_of"]

CORE = ("espri_gpu", "numpy", "pandas", "pyarrow", "scipy", "scikit-learn", "numba",
        "matplotlib")
OPTIONAL = (*GPU_LIBRARIES.values(), "dask-cuda", "numba-cuda", "dask", "distributed")


def version_of(dist: str) -> str | None:
    """The installed version of the distribution ``dist`` (a PyPI name), or None.

    Examples
    --------
    >>> version_of("numpy") is not None, version_of("no-such-distribution")
    (True, None)
    """
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _nvjitlink_line(version: tuple[int, int] | str) -> str:
    if isinstance(version, tuple) and version >= MIN_NVJITLINK:
        return (f"nvJitLink {version[0]}.{version[1]}: Numba links the CUDA kernels (PTX ISA "
                "8.8) itself, for any driver >= 535")
    why = version if isinstance(version, str) else f"version {version[0]}.{version[1]}"
    need = ".".join(map(str, MIN_NVJITLINK))
    return (f"nvJitLink missing ({why}): the CUDA kernels (PTX ISA 8.8) will load only on a "
            f"driver >= 575; pip install 'nvidia-nvjitlink-cu12>={need}' (numba-cuda[cu12] of "
            "the gpu extra brings it)")


def info_text() -> str:
    """The report printed by ``python -m espri_gpu info``.

    Examples
    --------
    >>> "backend auto ->" in info_text()
    True
    """
    import os

    lines = [f"python {sys.version.split()[0]} on {platform.node()} ({platform.machine()}, "
             f"{os.cpu_count()} CPUs)"]
    lines += [f"  {d:<14} {version_of(d) or 'not installed'}" for d in CORE]
    lines += [f"  {d:<14} {v}" for d in OPTIONAL if (v := version_of(d))]
    probe = probe_gpu()
    env = os.environ.get(ENV_VAR)
    if env:
        lines.append(f"${ENV_VAR} = {env!r}")
    if probe.usable:
        lines.append("backend auto -> gpu")
        if not probe.has_cuml:
            lines.append("  cuML missing: k-means runs on the host (scikit-learn), the rest on "
                         "the GPU; for GPU k-means: pip install cuml-cu12")
    else:
        lines.append(f"backend auto -> cpu: {probe.problem}")
    for name, error in probe.import_errors.items():
        lines.append(f"  {name}: {error}")
    if probe.driver_cuda_version == 0:
        lines.append("no CUDA driver loaded, runtime "
                     f"{cuda_version_text(probe.runtime_cuda_version)}")
    elif probe.driver_cuda_version is not None:
        lines.append(f"CUDA driver supports {cuda_version_text(probe.driver_cuda_version)}, "
                     f"runtime {cuda_version_text(probe.runtime_cuda_version)}")
    if probe.versions:
        lines.append(_nvjitlink_line(nvjitlink_version()))
    for d in probe.devices:
        cc = ".".join(map(str, d.compute_capability))
        lines.append(f"GPU {d.index}: {d.name}, compute capability {cc}, "
                     f"{d.total_memory_bytes / 2**30:.1f} GiB")
    if len(probe.devices) > 1:
        lines.append(f"{len(probe.devices)} GPUs visible but one process uses GPU 0 only: "
                     "--cluster local runs one Dask worker per GPU (pip install -e "
                     "'.[gpu,dask]')")
    smi = nvidia_smi_summary()
    if smi:
        lines.append("nvidia-smi (index, name, driver, memory, compute capability):")
        lines += [f"  {line}" for line in smi]
    elif not probe.devices:
        lines.append("no NVIDIA GPU visible (none in $CUDA_VISIBLE_DEVICES, or no nvidia-smi; "
                     "on HAL run inside `srun --gres=gpu:1`)")
    if not probe.usable and not probe.versions:
        lines.append(f"to use a GPU: {GPU_INSTALL_HINT}")
    return "\n".join(lines)
