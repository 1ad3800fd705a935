"""Dask execution: a client for the run, replicate-parallel tests, partitioned reading.

espri_gpu scales out on Dask (``dask.distributed``; ``dask_cuda`` for one worker per GPU),
never on a scheduler of its own. Three kinds of work go to the workers:

* **Replicates** of Monte-Carlo and resampling tests. Replicate ``r`` of a run seeded ``s``
  draws from its own counter-based stream (:mod:`espri_gpu.kernels.rng`), so the replicates
  are cut into chunks ``(start, count)``, each computed by a worker with the same kernel, and
  the exceedance counts are summed: the p-value is bit-identical for 1, 2 or N workers and
  equal to the single-process one.
* **Row partitions of the responses file** (:func:`read_survey_distributed`): each worker
  reads a byte range of the CSV, factorizes its choice columns (cuDF on the GPU) and sends
  back codes and the *distinct* cell strings; the client parses each distinct cell once
  and returns the very :class:`~espri_gpu.survey.Survey` that
  :func:`~espri_gpu.responses.read_survey` returns.
* **The Gram matrix XᵀX** behind all cross tables (:func:`indicator_gram`): a sum of
  per-partition Gram matrices, exact in int64; no worker holds the whole indicator matrix.

:func:`connect` opens the client (a ``LocalCluster``/``LocalCUDACluster``, a scheduler
address or a scheduler file) and, while its ``with`` block runs, makes it the *current
client* (:func:`use_client`): the drivers of :mod:`espri_gpu.stats.resampling` and
:func:`espri_gpu.counting.indicator_gram` then dispatch here. Without a current client
nothing changes, and ``import espri_gpu`` never imports Dask.

Failures: a worker that dies mid-run has its tasks re-run on the others by the scheduler
(results are unchanged: tasks are pure); a task that keeps killing workers, a scheduler
that cannot be reached or a cluster left without workers stop the run with a one-line
:class:`~espri_gpu.errors.BackendUnavailableError` after a bounded time, never a hang.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import json
import logging
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .backend import Backend, GpuDevice, _one_line, pool_bytes, probe_gpu, resolve_backend
from .errors import BackendUnavailableError, SurveyInputError
from .machine import usable_cores

if TYPE_CHECKING:
    from .codebook import Codebook
    from .survey import Answers, Survey

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DEFAULT_BLOCKSIZE",
    "RMM_POOL_FRACTION",
    "cluster_summary",
    "connect",
    "current_client",
    "exceedances",
    "indicator_gram",
    "read_survey_distributed",
    "use_client",
    "worker_pool_size",
]

log = logging.getLogger(__name__)

#: Seconds to wait for a scheduler (or its scheduler file, or a first worker) before failing,
#: and for a cluster left without any worker during a computation.
CONNECT_TIMEOUT_S = 30.0
#: RMM pool of each GPU worker (``--cluster local``; ``slurm/dask-multinode.sbatch`` gives the
#: same fraction to ``dask cuda worker --rmm-pool-size``), as a fraction of its GPU's total
#: memory: 5.5 GB of an 11 GB RTX 2080 Ti, leaving the rest to the CUDA context, to Numba and
#: cuBLAS scratch outside the pool and, on GPU 0, to the client's own pool
#: (:data:`espri_gpu.backend.GPU_POOL_FRACTION` of the free memory).
RMM_POOL_FRACTION = 0.5
#: Bytes of the responses file per partition.
DEFAULT_BLOCKSIZE = "64MiB"
#: Replicate chunks per worker thread (load balance; a lost worker costs one chunk).
TASKS_PER_THREAD = 4
#: Fewest replicates per chunk (below, the task overhead would dominate).
MIN_REPLICATES_PER_TASK = 1000
#: Fewest respondents per Gram partition; smaller surveys are crossed on the client.
MIN_GRAM_ROWS = 1 << 16
DASK_INSTALL_HINT = "pip install -e '.[dask]'"
#: Bytes read on the client to find the encoding, delimiter and header of a CSV file.
_SAMPLE_BYTES = 1 << 20
_POLL_S = 0.5

_CLIENT: contextvars.ContextVar[Any] = contextvars.ContextVar("espri_gpu_client", default=None)


# --------------------------------------------------------------------- the current client
def current_client() -> Any:
    """The ``distributed.Client`` computations dispatch to, or None (one process).

    Examples
    --------
    >>> from espri_gpu.distributed import current_client
    >>> current_client() is None
    True
    """
    return _CLIENT.get()


@contextlib.contextmanager
def use_client(client: Any) -> Iterator[Any]:
    """Make ``client`` the current client inside the block (``None``: run in this process).

    Examples
    --------
    >>> from espri_gpu.distributed import current_client, use_client
    >>> with use_client(None):
    ...     current_client() is None
    True
    """
    token = _CLIENT.set(client)
    try:
        yield client
    finally:
        _CLIENT.reset(token)


def _import_distributed() -> ModuleType:
    try:
        import distributed
    except ImportError as exc:
        raise BackendUnavailableError(
            f"running on a Dask cluster needs dask.distributed, which does not import "
            f"({type(exc).__name__}: {exc}); install it with {DASK_INSTALL_HINT}, or run "
            "without --cluster / --scheduler-file") from None
    return distributed


# --------------------------------------------------------------------- connecting
@contextlib.contextmanager
def connect(cluster: str | None = None, scheduler_file: str | Path | None = None, *,
            backend: str | Backend | None = None, n_workers: int | None = None,
            timeout: float | None = None) -> Iterator[Any]:
    """Open a Dask client for a run and make it the current client; close it at the end.

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
    distributed = _import_distributed()
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
        stack.enter_context(use_client(client))
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
                    f"scheduler file {path} is not a Dask scheduler file ({_one_line(exc)}); "
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
            f"({_one_line(exc)}); start it, check the address and the network, or run "
            "without --cluster / --scheduler-file") from None
    except ValueError as exc:
        raise SurveyInputError(f"`cluster` is {address!r}, not a usable scheduler address "
                               f"({_one_line(exc)}); expected e.g. tcp://node1:8786") from None
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


def _threads(client: Any) -> int:
    return max(1, int(sum(client.nthreads().values())))


def _gather(client: Any, futures: list[Any], what: str) -> list[Any]:
    """Results of ``futures``; a clear error (not a hang) when the cluster cannot finish.

    A worker that dies has its tasks re-run elsewhere by the scheduler. Here: a task that
    killed ``distributed.scheduler.allowed-failures`` + 1 workers, a scheduler that went
    away, or no worker at all for ``timeout`` seconds raise BackendUnavailableError.
    """
    distributed = _import_distributed()
    timeout = CONNECT_TIMEOUT_S
    alone_since = None
    while True:
        try:
            with client.as_current():
                distributed.wait(futures, timeout=_POLL_S)
            break
        except TimeoutError:
            pass
        try:
            workers = len(client.nthreads())
        except (OSError, TimeoutError) as exc:
            raise BackendUnavailableError(
                f"lost the Dask scheduler while computing {what} ({_one_line(exc)}); "
                "run again, or without --cluster / --scheduler-file") from None
        if workers:
            alone_since = None
        elif alone_since is None:
            alone_since = time.monotonic()
        elif time.monotonic() - alone_since > timeout:
            client.cancel(futures)
            raise BackendUnavailableError(
                f"the Dask cluster has had no worker for {timeout:g} s while computing {what}; "
                "restart the workers, or run without --cluster / --scheduler-file")
    try:
        return client.gather(futures)
    except distributed.KilledWorker as exc:
        raise BackendUnavailableError(
            f"Dask workers kept dying while computing {what} ({_one_line(exc)}); check "
            "their logs (memory?), or run without --cluster / --scheduler-file") from None


# --------------------------------------------------------------------- replicates
def exceedances(client: Any, driver: str, args: tuple, n_resamples: int, seed: int,
                backend: str | Backend | None = None) -> int:
    """``kernels.<driver>(*args, seed, start, count)`` over chunks of replicates, summed.

    The replicate-parallel twin of the drivers of :mod:`espri_gpu.stats.resampling`
    (which call it when a client is current): ``driver`` is ``"table_exceedances"`` or
    ``"pattern_exceedances"``, ``args`` their leading arguments as the kernels take them.
    Chunk ``(start, count)`` draws replicates ``start .. start + count - 1`` from their own
    streams, so the total is the single-process total, whatever the number of workers. Tasks
    are submitted as impure (computed anew by every call, never taken from an earlier one).

    Examples
    --------
    Why the chunks add up to the single-process count (here without a cluster):

    >>> import numpy as np
    >>> from espri_gpu.kernels.cpu import table_exceedances
    >>> from espri_gpu.stats.resampling import chunks
    >>> args = (np.array([12, 5]), np.array([3, 10]), 4.0, 0)  # margins, X^2 >= 4, Pearson
    >>> whole = table_exceedances(*args, np.uint64(7), 0, 1000)
    >>> whole == sum(table_exceedances(*args, np.uint64(7), start, count)
    ...              for start, count in chunks(1000, 300))
    True
    """
    from .stats.resampling import chunks

    b = resolve_backend(backend)
    n = int(n_resamples)
    if n <= 0:
        return 0
    tasks = max(1, min(TASKS_PER_THREAD * _threads(client),
                       math.ceil(n / MIN_REPLICATES_PER_TASK)))
    futures = [client.submit(_exceedance_chunk, driver, b.name, args, int(seed), start, count,
                             pure=False) for start, count in chunks(n, math.ceil(n / tasks))]
    return int(sum(_gather(client, futures, f"{driver} ({n} replicates, seed {seed})")))


def _exceedance_chunk(driver: str, backend: str, args: tuple, seed: int, start: int,
                      count: int) -> int:
    """Worker: the exceedances among replicates ``start .. start + count - 1``."""
    from .stats.resampling import kernels_for

    return int(getattr(kernels_for(backend), driver)(*args, np.uint64(seed), start, count))


# --------------------------------------------------------------------- Gram matrix
def indicator_gram(answers: Sequence[Answers], back: Backend,
                   client: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """XᵀX and the respondents answering each pair, summed over partitions of respondents.

    Same result as :func:`espri_gpu.counting.indicator_gram` (exact int64). Each worker gets
    the codes of one partition (4 bytes per respondent and question) and the small
    distinct-cell tables, builds that partition's indicator rows and returns its Gram
    matrix. Partitions hold at least :data:`MIN_GRAM_ROWS` respondents: smaller surveys are
    crossed on the client.
    """
    from .counting import indicator_gram as local_gram
    from .survey import Answers

    client = client if client is not None else current_client()
    n = int(answers[0].codes.shape[0])
    tasks = 1 if client is None else min(_threads(client) * TASKS_PER_THREAD,
                                         math.ceil(n / MIN_GRAM_ROWS))
    if tasks <= 1:
        with use_client(None):
            return local_gram(answers, back)
    size = math.ceil(n / tasks)
    blocks = [[Answers(a.question, a.codes[start:start + size], a.cells, a.levels)
               for a in answers] for start in range(0, n, size)]
    futures = client.map(_gram_block, client.scatter(blocks), backend=back.name, pure=False)
    results = _gather(client, futures, f"the Gram matrix of {len(answers)} questions")
    gram = np.sum([g for g, _ in results], axis=0, dtype=np.int64)
    used = np.sum([u for _, u in results], axis=0, dtype=np.int64)
    return gram, used


def _gram_block(answers: list[Answers], backend: str) -> tuple[np.ndarray, np.ndarray]:
    """Worker: the Gram matrix of one partition of respondents."""
    from .counting import indicator_gram as local_gram

    with use_client(None):
        return local_gram(answers, resolve_backend(backend))


# --------------------------------------------------------------------- partitioned reading
@dataclass(frozen=True)
class _PartSpec:
    """What a worker needs to read one byte range of the responses file."""

    path: str
    encoding: str
    delimiter: str
    header_text: str                # the header record, prepended to every block but the first
    columns: tuple[str, ...]        # header of the file (cleaned, as read_table gives it)
    kept: tuple[str, ...]           # headers of the non-personal columns
    keywords: tuple[str, ...]       # their codebook keywords
    choice: tuple[str, ...]         # keywords of the choice columns (factorized)
    side: tuple[str, ...]           # keywords of the other kept columns (sent back as text)
    backend: str


@dataclass
class _Part:
    """What a worker sends back for one byte range."""

    quotes: int                                  # '"' bytes in the range (CSV quoting parity)
    n_rows: int = 0
    blank: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    codes: dict[str, np.ndarray] = field(default_factory=dict)
    uniques: dict[str, list[str]] = field(default_factory=dict)
    side: pd.DataFrame | None = None
    error: str | None = None                     # unreadable as CSV (may be a bad boundary)
    fatal: str | None = None                     # a SurveyInputError to raise as is
    recode: tuple[str, tuple[str, ...]] | None = None  # not UTF-8: (encoding, warnings)


def read_survey_distributed(path: str | Path, codebook: str | Path | Codebook, client: Any, *,
                            interpretations: str | Path | None = None,
                            errors: str = "raise", blocksize: int | str = DEFAULT_BLOCKSIZE,
                            backend: str | Backend | None = None) -> Survey:
    """:func:`~espri_gpu.responses.read_survey`, with the CSV read in row partitions on Dask.

    The file is cut into byte ranges of about ``blocksize`` at line ends (``fsspec``'s
    ``read_block``, as ``dask.dataframe.read_csv`` does); a range that would start inside a
    quoted cell holding a line break is merged with the one before it, so Google Forms
    exports with multi-line answers are read correctly. Each worker parses its range as
    strings (pandas' CSV parser, the personal columns dropped at once), factorizes every
    choice column (cuDF on the GPU backend) and sends back the codes, the distinct cell
    strings and the timestamp and free-text columns. The client numbers the distinct cells
    of all partitions in order of first appearance (a *global* codebook of cells: every
    partition sees the same column layout), parses each distinct cell once and assembles
    the :class:`~espri_gpu.survey.Survey` exactly as ``read_survey`` does: same answers,
    codes, levels, respondents and load report.

    Spreadsheets (``.xlsx``, ``.ods``) cannot be cut into byte ranges and are read in one
    process; so is everything when ``client`` is None.

    Parameters
    ----------
    path, codebook, interpretations, errors, backend
        As in :func:`~espri_gpu.responses.read_survey`.
    client : distributed.Client or None
    blocksize : int or str
        Bytes per partition (``"64MiB"``, ``2**20``).

    Returns
    -------
    Survey

    Raises
    ------
    SurveyInputError
        As :func:`~espri_gpu.responses.read_survey`.

    Examples
    --------
    >>> from espri_gpu.distributed import connect, read_survey_distributed
    >>> with connect("local", backend="cpu") as client:  # doctest: +SKIP
    ...     survey = read_survey_distributed("export.csv", "codebook.toml", client)
    """
    from .codebook import Codebook, load_codebook
    from .responses import _assemble, _ParsedColumn, read_survey
    from .tables import SPREADSHEETS, RawTable

    if errors not in ("raise", "skip"):
        raise ValueError(f"`errors` is {errors!r}; expected 'raise' or 'skip'")
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    b = resolve_backend(backend)
    path = Path(path)
    layouts = codebook.header_rows != 1 or any(
        c.kind in ("ignore", "option", "option_other") for c in codebook.columns)
    if client is None or path.suffix.lower() in SPREADSHEETS or layouts:
        if client is not None:
            log.info("%s: spreadsheets, two header rows, ignored columns and one column per "
                     "option are read in one process, not in partitions", path)
        return read_survey(path, codebook, interpretations=interpretations, errors=errors,
                           backend=b)
    spec, layout, personal = _plan(path, codebook, b)
    ranges = _byte_ranges(layout, blocksize)
    parts = _read_all(client, spec, ranges)
    recode = next((p.recode for p in parts if p.recode is not None), None)
    if recode is not None:  # UTF-8 at the start, not further on: all of it as read_table would
        spec, layout, personal = _plan(path, codebook, b, recode)
        parts = _read_all(client, spec, ranges)
    parts = _merge_quoted(client, spec, ranges, parts)

    blank = np.concatenate([p.blank for p in parts]).astype(bool)
    if blank.size == 0:
        raise SurveyInputError(f"{path} has a header but no respondent rows")
    side = pd.concat([p.side for p in parts], ignore_index=True)
    parsed = {}
    for keyword in spec.choice:
        codes, raw = _global_codes(parts, keyword)
        parsed[keyword] = _ParsedColumn.from_codes(codebook.question(keyword), codes, raw)
    table = RawTable(side, str(path), "csv", spec.encoding, spec.delimiter, layout.warnings)
    return _assemble(table, codebook, side, blank, parsed, personal,
                     interpretations=interpretations, errors=errors)


@dataclass(frozen=True)
class _CsvLayout:
    size: int
    encoding: str
    delimiter: str
    header_text: str
    columns: tuple[str, ...]
    warnings: tuple[str, ...]
    splittable: bool


def _plan(path: Path, codebook: Codebook, b: Backend,
          recode: tuple[str, tuple[str, ...]] | None = None
          ) -> tuple[_PartSpec, _CsvLayout, tuple[str, ...]]:
    """Layout of the file, its columns matched to the codebook, and the workers' spec."""
    from .responses import _match_header
    from .tables import RawTable

    layout = _sniff_csv(path, tuple(c.header for c in codebook.columns), recode)
    header_table = RawTable(pd.DataFrame(columns=list(layout.columns)), str(path), "csv")
    by_keyword = _match_header(header_table, codebook)
    personal = tuple(c.keyword for c in codebook.columns if c.kind == "personal")
    personal_headers = {by_keyword.pop(k) for k in personal}
    kept = tuple(h for h in layout.columns if h not in personal_headers)
    keyword_of = {name: keyword for keyword, name in by_keyword.items()}
    keywords = tuple(keyword_of[h] for h in kept)
    choice = tuple(c.keyword for c in codebook.columns if c.kind in ("single", "multiple"))
    spec = _PartSpec(str(path), layout.encoding, layout.delimiter, layout.header_text,
                     layout.columns, kept, keywords, choice,
                     tuple(k for k in keywords if k not in choice), b.name)
    return spec, layout, personal


def _sniff_csv(path: Path, expected_headers: tuple[str, ...],
               recode: tuple[str, tuple[str, ...]] | None = None) -> _CsvLayout:
    """Encoding, delimiter and header of a CSV file, decided as ``read_table`` decides them,
    from its first bytes (the workers check the encoding on every partition; ``recode`` is
    the encoding and warnings to use when they found the file is not UTF-8 after all)."""
    from .tables import _check_header, _clean, _decode, _header_cells, _pick_delimiter

    if not path.exists():
        raise SurveyInputError(f"{path} does not exist; check the path of the responses file")
    if path.is_dir():
        raise SurveyInputError(f"{path} is a directory; give the responses file itself")
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            sample = handle.read(_SAMPLE_BYTES)
            utf16 = sample.startswith((b"\xff\xfe", b"\xfe\xff"))
            if utf16:  # 2-byte line ends: not cut at b"\n"; read in one partition
                sample += handle.read()
    except OSError as exc:
        raise SurveyInputError(f"{path} cannot be read: {exc.strerror}") from None
    whole = len(sample) >= size
    if whole and not sample.strip():
        raise SurveyInputError(f"{path} is empty; export the responses again from Google Forms")
    if not whole:
        sample = sample[:sample.rfind(b"\n") + 1]
    if recode is None:
        text, encoding, warnings = _decode(sample, path)
    else:
        encoding, warnings = recode
        text = sample.removeprefix(b"\xef\xbb\xbf").decode(encoding)
    delimiter = _pick_delimiter(text, expected_headers)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            na_filter=False, skip_blank_lines=False, engine="c", nrows=0)
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise SurveyInputError(f"{path} is not a readable CSV file ({first}); "
                               "export it again as CSV") from None
    _check_header(frame, path, _header_cells(text, delimiter))
    columns = tuple(_clean(frame).columns)
    return _CsvLayout(size, encoding, delimiter, _header_record(text), columns,
                      tuple(warnings), not utf16)


def _header_record(text: str) -> str:
    """The first CSV record of ``text`` with its line end (line breaks in quotes skipped)."""
    end = -1
    while True:
        end = text.find("\n", end + 1)
        if end < 0:
            return text + "\n"
        if text.count('"', 0, end) % 2 == 0:
            return text[:end + 1]


def _byte_ranges(layout: _CsvLayout, blocksize: int | str) -> list[tuple[int, int | None]]:
    from dask.utils import parse_bytes

    size = parse_bytes(blocksize) if isinstance(blocksize, str) else int(blocksize)
    if size <= 0:
        raise SurveyInputError(f"`blocksize` is {blocksize!r}; expected a positive size")
    if not layout.splittable or layout.size <= size:
        return [(0, None)]
    return [(offset, size) for offset in range(0, layout.size, size)]


def _read_all(client: Any, spec: _PartSpec, ranges: list[tuple[int, int | None]]) -> list[_Part]:
    futures = [client.submit(_read_part, spec, offset, length, pure=False)
               for offset, length in ranges]
    return _gather(client, futures, f"the partitions of {spec.path}")


def _merge_quoted(client: Any, spec: _PartSpec, ranges: list[tuple[int, int | None]],
                  parts: list[_Part]) -> list[_Part]:
    """Re-read as one partition each run of ranges cut inside a quoted cell; check them all.

    A range ends inside a quoted cell (a multi-line answer) when an odd number of ``"``
    precede its end in the file (RFC 4180 quoting).
    """
    odd = np.cumsum([p.quotes for p in parts]) % 2 == 1
    groups, start = [], 0
    for i in range(len(parts)):
        if not odd[i] or i == len(parts) - 1:
            groups.append((start, i))
            start = i + 1
    merged = {i: client.submit(_read_part, spec, ranges[i][0],
                               ranges[j][0] + ranges[j][1] - ranges[i][0], pure=False)
              for i, j in groups if j > i}
    if merged:
        log.info("%s: %d partition boundaries fell inside quoted cells; merged", spec.path,
                 sum(j - i for i, j in groups))
        redone = _gather(client, list(merged.values()), f"the partitions of {spec.path}")
        redone_by_start = dict(zip(merged, redone, strict=True))
        parts = [redone_by_start.get(i, parts[i]) for i, _ in groups]
    for part in parts:
        if part.fatal:
            raise SurveyInputError(part.fatal)
        if part.error:
            raise SurveyInputError(f"{spec.path} is not a readable CSV file ({part.error}); "
                                   "export it again as CSV")
    return parts


def _read_part(spec: _PartSpec, offset: int, length: int | None) -> _Part:
    """Worker: read, parse and factorize the byte range starting at line end ``offset``."""
    from fsspec.utils import read_block

    from .factorize import factorize
    from .tables import _clean, _decode

    with open(spec.path, "rb") as handle:
        data = handle.read() if length is None else read_block(handle, offset, length, b"\n")
    part = _Part(quotes=data.count(b'"'))
    try:
        text = data.decode(spec.encoding)
    except UnicodeDecodeError:
        try:  # what read_table does with such a file: Windows-1252, with a warning
            _, encoding, warnings = _decode(data.removeprefix(b"\xef\xbb\xbf"), Path(spec.path))
        except SurveyInputError as exc:
            part.fatal = str(exc)
        else:
            part.recode = (encoding, tuple(warnings))
        return part
    if offset > 0:
        text = spec.header_text + text
    try:
        frame = pd.read_csv(io.StringIO(text), sep=spec.delimiter, dtype=str,
                            keep_default_na=False, na_filter=False, skip_blank_lines=False,
                            engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        part.error = str(exc).strip().splitlines()[0]
        return part
    if frame.shape[1] != len(spec.columns):
        part.error = (f"{frame.shape[1]} columns from byte {offset} on, "
                      f"{len(spec.columns)} in the header")
        return part
    frame.columns = list(spec.columns)
    frame = _clean(frame)[list(spec.kept)]
    frame.columns = list(spec.keywords)
    part.n_rows = len(frame)
    part.blank = np.logical_and.reduce(
        [frame[k].str.strip().eq("").to_numpy(dtype=bool) for k in frame.columns])
    b = resolve_backend(spec.backend)
    for keyword in spec.choice:
        part.codes[keyword], part.uniques[keyword] = factorize(frame[keyword], b)
    part.side = frame[list(spec.side)].reset_index(drop=True)
    return part


def _global_codes(parts: list[_Part], keyword: str) -> tuple[np.ndarray, list[str]]:
    """Codes into the distinct cells of all partitions, numbered by first appearance."""
    index: dict[str, int] = {}
    pieces = []
    for part in parts:
        local = part.uniques[keyword]
        remap = np.array([index.setdefault(u, len(index)) for u in local] + [-1],
                         dtype=np.int32)
        pieces.append(remap[part.codes[keyword]])  # local -1 (missing) -> the last slot, -1
    return np.concatenate(pieces).astype(np.int32), list(index)
