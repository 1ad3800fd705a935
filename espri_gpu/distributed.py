"""Connecting to a Dask cluster for a run: :func:`connect`, :func:`cluster_summary`.

espri_gpu scales out on Dask (``dask.distributed``; ``dask_cuda`` for one worker per GPU),
never on a scheduler of its own. This module only opens and closes the client: a
``LocalCluster``/``LocalCUDACluster`` (one single-threaded worker per core, or per GPU with an
RMM pool of :data:`RMM_POOL_FRACTION` of its memory), a scheduler address or a scheduler file.
What runs on the workers is decided by the code that cuts the work into tasks, through the
executor of the call's backend (:mod:`espri_gpu.execution`)::

    with connect("local", backend="cpu") as client:
        survey = read_survey_distributed(path, codebook, client)  # byte ranges on the workers
        b = resolve_backend("cpu", client=client)  # the tasks of the calls given b: on Dask
        table = screen(survey, backend=b)           # chunks of replicates
        tables = all_crosstabs(survey, backend=b)   # Gram matrices of partitions

Without a client nothing changes, and ``import espri_gpu`` never imports Dask. A scheduler
that cannot be reached, or no worker joining it, stops the run with a one-line
:class:`~espri_gpu.errors.BackendUnavailableError` after a bounded time, never a hang.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from .backend import Backend, GpuDevice, pool_bytes, probe_gpu, resolve_backend
from .errors import BackendUnavailableError, SurveyInputError, one_line
from .execution import import_distributed
from .machine import usable_cores

__all__ = [
    "CONNECT_TIMEOUT_S",
    "RMM_POOL_FRACTION",
    "cluster_summary",
    "connect",
    "worker_pool_size",
]

log = logging.getLogger(__name__)

#: Seconds to wait for a scheduler (or its scheduler file, or a first worker) before failing
#: (a computation waits :data:`espri_gpu.execution.NO_WORKER_TIMEOUT_S` for a worker).
CONNECT_TIMEOUT_S = 30.0
#: RMM pool of each GPU worker (``--cluster local``; ``slurm/dask-multinode.sbatch`` gives the
#: same fraction to ``dask cuda worker --rmm-pool-size``), as a fraction of its GPU's total
#: memory: 5.5 GB of an 11 GB RTX 2080 Ti, leaving the rest to the CUDA context, to Numba and
#: cuBLAS scratch outside the pool and, on GPU 0, to the client's own pool
#: (:data:`espri_gpu.backend.GPU_POOL_FRACTION` of the free memory).
RMM_POOL_FRACTION = 0.5
_POLL_S = 0.5


# --------------------------------------------------------------------- connecting
@contextlib.contextmanager
def connect(cluster: str | None = None, scheduler_file: str | Path | None = None, *,
            backend: str | Backend | None = None, n_workers: int | None = None,
            timeout: float | None = None) -> Iterator[Any]:
    """Open a Dask client for a run; close it (and a local cluster) at the end.

    Give the client to the calls of the run: ``resolve_backend(backend, client=client)``
    (:meth:`~espri_gpu.backend.Backend.on`) for the tests and cross tables,
    :func:`~espri_gpu.responses_partitioned.read_survey_distributed` for the responses.

    Parameters
    ----------
    cluster : {None, "local"} or str
        None (with no ``scheduler_file``): no Dask, yields None. ``"local"``: a
        ``distributed.LocalCluster`` of one single-threaded worker process per core on the
        CPU backend, a ``dask_cuda.LocalCUDACluster`` of one worker per visible GPU (RMM pool
        :func:`worker_pool_size`) on the GPU backend; both are shut down at the end. Anything
        else is a scheduler address such as ``tcp://node1:8786``.
    scheduler_file : str or Path, optional
        The JSON file written by ``dask scheduler --scheduler-file PATH`` (Slurm jobs: see
        ``slurm/dask-multinode.sbatch``); waited for up to ``timeout`` seconds.
    backend : {"auto", "cpu", "gpu"} or Backend, optional
        Chooses the kind of local cluster.
    n_workers : int, optional
        Workers of a local cluster (default: one per core, or per GPU); for a remote
        cluster, the workers to wait for before starting (default 1).
    timeout : float, optional
        Seconds to wait for the scheduler and for the first worker(s) (default
        :data:`CONNECT_TIMEOUT_S`).

    Yields
    ------
    distributed.Client or None

    Raises
    ------
    SurveyInputError
        Both ``cluster`` and ``scheduler_file``, or a ``cluster`` that is neither ``"local"``
        nor an address.
    BackendUnavailableError
        dask.distributed (or dask-cuda) missing, a scheduler that does not answer within
        ``timeout``, or no worker joining it.

    Examples
    --------
    >>> from espri_gpu.distributed import connect
    >>> with connect(None) as client:
    ...     client is None
    True
    """
    if cluster is None and scheduler_file is None:
        yield None
        return
    if cluster is not None and scheduler_file is not None:
        raise SurveyInputError(f"`cluster` is {cluster!r} and `scheduler_file` is "
                               f"{str(scheduler_file)!r}; give one of them, not both")
    if n_workers is not None and (isinstance(n_workers, bool) or int(n_workers) < 1):
        raise SurveyInputError(f"`n_workers` is {n_workers!r}; expected a positive integer")
    timeout = CONNECT_TIMEOUT_S if timeout is None else float(timeout)
    distributed = import_distributed()
    b = resolve_backend(backend)
    with contextlib.ExitStack() as stack:
        if cluster is not None and str(cluster).strip().lower() == "local":
            local = stack.enter_context(_local_cluster(distributed, b, n_workers))
            client = stack.enter_context(distributed.Client(local, timeout=timeout,
                                                            set_as_default=False))
            where = f"a local {'CUDA ' if b.is_gpu else ''}cluster"
        else:
            if scheduler_file is not None:
                address = _address_from_file(Path(scheduler_file), timeout)
                source = f"scheduler file {scheduler_file}"
            else:
                address = _check_address(str(cluster))
                source = "--cluster"
            client = stack.enter_context(_remote_client(distributed, address, source, timeout))
            _wait_for_workers(client, n_workers or 1, address, source, timeout)
            where = f"the scheduler at {address}"
        summary = cluster_summary(client)
        log.info("Dask: %s, %d worker(s), %d thread(s)", where, summary["workers"],
                 summary["threads"])
        yield client


def _local_cluster(distributed: ModuleType, b: Backend, n_workers: int | None) -> Any:
    if b.is_gpu:
        try:
            import dask_cuda
        except ImportError as exc:
            raise BackendUnavailableError(
                f"--cluster local on the GPU backend needs dask-cuda, which does not import "
                f"({type(exc).__name__}: {exc}); install it with pip install -e '.[gpu,dask]' "
                "or use --backend cpu") from None
        return dask_cuda.LocalCUDACluster(
            n_workers=n_workers, threads_per_worker=1,
            rmm_pool_size=worker_pool_size(probe_gpu().devices),
            rmm_allocator_external_lib_list=["cupy"], dashboard_address=":0")
    cores = usable_cores()
    n = int(n_workers or cores)
    # One task at a time per worker; the CPU kernels' Numba threads share the cores.
    threads = max(1, cores // n)
    return distributed.LocalCluster(
        n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
        env={"NUMBA_NUM_THREADS": str(threads)})


def worker_pool_size(devices: Sequence[GpuDevice]) -> int | float:
    """Bytes of each GPU worker's RMM pool: :data:`RMM_POOL_FRACTION` of the smallest GPU.

    Without a known device, the fraction itself (dask-cuda applies it to each worker's GPU).

    Examples
    --------
    >>> from espri_gpu.backend import GpuDevice
    >>> worker_pool_size([GpuDevice(0, "NVIDIA GeForce RTX 2080 Ti", (7, 5), 11 * 2**30)])
    5905580032
    >>> worker_pool_size([])
    0.5
    """
    if not devices:
        return RMM_POOL_FRACTION
    return pool_bytes(min(d.total_memory_bytes for d in devices), RMM_POOL_FRACTION)


def _check_address(address: str) -> str:
    text = address.strip()
    if "://" not in text and ":" not in text:
        raise SurveyInputError(
            f"`cluster` is {address!r}; expected 'local' or a scheduler address such as "
            "tcp://node1:8786 (or give --scheduler-file PATH)")
    return text


def _address_from_file(path: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            address = json.loads(path.read_text(encoding="utf-8"))["address"]
            if isinstance(address, str) and address:
                return address
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if time.monotonic() >= deadline:
                raise BackendUnavailableError(
                    f"scheduler file {path} is not a Dask scheduler file ({one_line(exc)}); "
                    "give the file written by `dask scheduler --scheduler-file PATH`") from None
        if time.monotonic() >= deadline:
            raise BackendUnavailableError(
                f"scheduler file {path} did not appear within {timeout:g} s; start the "
                f"scheduler first (dask scheduler --scheduler-file {path}) or check the path")
        time.sleep(_POLL_S)


@contextlib.contextmanager
def _remote_client(distributed: ModuleType, address: str, source: str,
                   timeout: float) -> Iterator[Any]:
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise BackendUnavailableError(
            f"no Dask scheduler answered at {address} (from {source}) within {timeout:g} s "
            f"({one_line(exc)}); start it, check the address and the network, or run "
            "without --cluster / --scheduler-file") from None
    except ValueError as exc:
        raise SurveyInputError(f"`cluster` is {address!r}, not a usable scheduler address "
                               f"({one_line(exc)}); expected e.g. tcp://node1:8786") from None
    with client:
        yield client


def _wait_for_workers(client: Any, n: int, address: str, source: str, timeout: float) -> None:
    try:
        client.wait_for_workers(n, timeout=timeout)
    except (TimeoutError, OSError):
        have = len(client.nthreads())
        raise BackendUnavailableError(
            f"the Dask scheduler at {address} (from {source}) has {have} worker(s) after "
            f"{timeout:g} s, {n} expected; start workers (`dask worker` / `dask cuda worker` "
            f"{address})") from None


def cluster_summary(client: Any) -> dict[str, Any] | None:
    """Scheduler address, workers and threads of ``client`` (None without a client).

    This is what ``summary.json`` records as ``cluster``.
    """
    if client is None:
        return None
    nthreads = client.nthreads()
    return {"scheduler": str(client.scheduler.address), "workers": len(nthreads),
            "threads": int(sum(nthreads.values()))}
