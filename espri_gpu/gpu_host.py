"""What a machine says about its GPUs without importing a GPU library.

The parts of :mod:`espri_gpu.backend` that need neither CuPy nor a device: the lines of
``nvidia-smi`` for the GPUs this process may use (``info`` shows them even where RAPIDS is
not installed), CUDA version numbers as text, the driver the RAPIDS CUDA 12 wheels need, and
the size of an RMM pool. Everything here is importable from :mod:`espri_gpu.backend` too.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from .errors import one_line

__all__ = ["MIN_DRIVER_CUDA", "MIN_DRIVER_VERSION", "cuda_version_text", "driver_problem_text",
           "nvidia_smi_summary", "pool_bytes", "visible_smi_rows"]

#: Oldest CUDA version the driver must support (``cudaDriverGetVersion``): the RAPIDS 26.x
#: CUDA 12 wheels need CUDA 12.2, i.e. an NVIDIA driver >= 535 on Linux.
MIN_DRIVER_CUDA = 12020
#: The driver that provides :data:`MIN_DRIVER_CUDA`, for messages.
MIN_DRIVER_VERSION = 535
#: RMM pools are carved in multiples of this many bytes.
_POOL_ALIGNMENT = 256


def driver_problem_text(driver: int | None) -> str | None:
    """One line on a driver too old for the CUDA 12 wheels (None: new enough or unknown).

    ``driver`` is what ``cudaDriverGetVersion`` gives (0: no driver loaded).

    Examples
    --------
    >>> driver_problem_text(12040) is None, driver_problem_text(None) is None
    (True, True)
    >>> driver_problem_text(11040)[:46]
    'the NVIDIA driver supports CUDA 11.4 only (dri'
    """
    if driver is None or driver >= MIN_DRIVER_CUDA:
        return None
    if driver <= 0:
        return ("no NVIDIA driver is loaded here (cudaDriverGetVersion gives 0): run on a "
                "GPU node (on HAL inside `srun --gres=gpu:1`)")
    return (f"the NVIDIA driver supports CUDA {cuda_version_text(driver)} only (driver < "
            f"{MIN_DRIVER_VERSION}, cudaDriverGetVersion {driver}) but the RAPIDS CUDA 12 "
            f"wheels need CUDA >= {cuda_version_text(MIN_DRIVER_CUDA)} (driver >= "
            f"{MIN_DRIVER_VERSION}): ask the admins for a driver >= {MIN_DRIVER_VERSION} or "
            "run on a node that has one (`module load cuda` does not change the driver)")


def cuda_version_text(version: int | None) -> str:
    """A CUDA version as ``cudaDriverGetVersion`` gives it (12040), as text ("12.4").

    Examples
    --------
    >>> cuda_version_text(12040), cuda_version_text(None)
    ('12.4', 'unknown')
    """
    if version is None:
        return "unknown"
    return f"{version // 1000}.{(version % 1000) // 10}"


def nvidia_smi_summary() -> list[str]:
    """GPU name, driver and memory lines from ``nvidia-smi`` (empty when absent).

    Used by ``info`` to describe a GPU even when the RAPIDS libraries are not installed.
    Only the GPUs of ``$CUDA_VISIBLE_DEVICES`` (Slurm's, for a job) are listed: see
    :func:`visible_smi_rows`.
    """
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    query = "--query-gpu=index,uuid,name,driver_version,memory.total,compute_cap"
    try:
        out = subprocess.run(
            [exe, query, "--format=csv,noheader"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return [f"nvidia-smi failed: {one_line(exc)}"]
    rows = [[f.strip() for f in line.split(",")] for line in out.stdout.splitlines()
            if line.strip()]
    rows = visible_smi_rows(rows, os.environ.get("CUDA_VISIBLE_DEVICES"))
    return [", ".join([row[0], *row[2:]]) for row in rows]  # the UUID is only for matching


def visible_smi_rows(rows: list[list[str]], visible: str | None) -> list[list[str]]:
    """The ``nvidia-smi`` rows ``[index, uuid, ...]`` of the GPUs this process may use.

    ``visible`` is ``$CUDA_VISIBLE_DEVICES``: None (unset) keeps every row; else its entries,
    in order, are indices or (prefixes of) GPU UUIDs, read up to the first one that is
    neither, as CUDA does. Where an entry matches nothing and ``nvidia-smi`` lists no more
    GPUs than there are entries, it already sees only the job's GPUs (Slurm's device cgroup
    numbers them from 0 for CUDA): all are kept.

    Examples
    --------
    >>> rows = [["0", "GPU-aa11", "RTX"], ["1", "GPU-bb22", "RTX"]]
    >>> visible_smi_rows(rows, "1") == visible_smi_rows(rows, "GPU-b") == [rows[1]]
    True
    >>> [r[0] for r in visible_smi_rows(rows, None)], visible_smi_rows(rows, "")
    (['0', '1'], [])
    """
    if visible is None:
        return rows
    entries = []
    for entry in visible.split(","):
        entry = entry.strip()
        if not (entry.isdigit() or entry.startswith("GPU-")):
            break
        entries.append(entry)
    picked: list[list[str]] = []
    unmatched = 0
    for entry in entries:
        found = [row for row in rows
                 if ((row + ["", ""])[1].startswith(entry) if entry.startswith("GPU-")
                     else row[0] == entry)]
        unmatched += not found
        picked += [row for row in found if row not in picked]
    if unmatched and len(rows) <= len(entries):
        return rows  # a device cgroup: nvidia-smi sees the job's GPUs only
    return picked


def pool_bytes(memory_bytes: int, fraction: float) -> int:
    """``fraction`` of ``memory_bytes``, rounded down to RMM's 256-byte pool granularity.

    Examples
    --------
    >>> pool_bytes(11 * 2**30, 0.25)
    2952790016
    """
    return int(memory_bytes * fraction) // _POOL_ALIGNMENT * _POOL_ALIGNMENT
