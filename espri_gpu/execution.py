"""Where the tasks of one call run: in this process, or on the workers of a Dask cluster.

espri_gpu cuts two kinds of work into independent, pure tasks: the replicates of Monte-Carlo
and resampling tests (chunks ``(start, count)`` of replicates, :mod:`espri_gpu.stats.resampling`)
and the Gram matrix behind all cross tables (partitions of respondents,
:func:`espri_gpu.counting.indicator_gram`); the partitioned reader
(:mod:`espri_gpu.responses_partitioned`) reads byte ranges of a CSV file the same way. Those
modules decide *what* the tasks are; an **executor** decides *where* they run:

* :class:`LocalExecutor` (the default, :data:`LOCAL`): one task, in this process, with the
  whole work (the compiled kernels use the cores themselves);
* :class:`DaskExecutor`: several tasks per worker thread of a ``distributed.Client``, results
  gathered in order.

The executor travels inside the :class:`~espri_gpu.backend.Backend` of the call
(``resolve_backend(backend, client=client)``, :meth:`~espri_gpu.backend.Backend.on`): one
object says where the arrays live and where the tasks run, chosen at the public call and
passed down, never read from a global. Workers resolve their own backend by name, with the
local executor. ``import espri_gpu`` never imports Dask: :class:`DaskExecutor` imports
``distributed`` when it first waits for results.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, TypeVar

from .errors import BackendUnavailableError, one_line

__all__ = [
    "DASK_INSTALL_HINT",
    "LOCAL",
    "NO_WORKER_TIMEOUT_S",
    "TASKS_PER_THREAD",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "executor_for",
    "import_distributed",
]

T = TypeVar("T")
R = TypeVar("R")

#: Tasks per worker thread of a Dask cluster (load balance; a lost worker costs one task).
TASKS_PER_THREAD = 4
#: Seconds a Dask computation waits while its cluster has no worker at all before failing.
NO_WORKER_TIMEOUT_S = 30.0
DASK_INSTALL_HINT = "pip install -e '.[dask]'"
_POLL_S = 0.5


def import_distributed() -> ModuleType:
    """``dask.distributed``, or a :class:`BackendUnavailableError` saying how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise BackendUnavailableError(
            f"running on a Dask cluster needs dask.distributed, which does not import "
            f"({type(exc).__name__}: {exc}); install it with {DASK_INSTALL_HINT}, or run "
            "without --cluster / --scheduler-file") from None
    return distributed


@dataclass(frozen=True)
class LocalExecutor:
    """Runs the tasks of a call in this process, one after the other.

    Examples
    --------
    >>> from espri_gpu.execution import LOCAL
    >>> LOCAL.n_tasks(10**6, 1000), LOCAL.map(abs, [-1, 2, -3], what="absolute values")
    (1, [1, 2, 3])
    """

    #: Tasks run here, so they get the Backend itself (see :meth:`portable`).
    in_process: ClassVar[bool] = True

    @property
    def client(self) -> None:
        """No Dask client."""
        return None

    def n_tasks(self, n_items: int, min_per_task: int) -> int:
        """How many tasks to cut ``n_items`` into: one (the kernels use the cores)."""
        return 1

    def portable(self, backend: T) -> T:
        """The backend as a task receives it: the Backend itself."""
        return backend

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, what: str,
            scatter: bool = False) -> list[R]:
        """``[fn(item) for item in items]``; ``what`` and ``scatter`` serve Dask only."""
        return [fn(item) for item in items]


@dataclass(frozen=True, eq=False)
class DaskExecutor:
    """Sends the tasks of a call to the workers of a ``distributed.Client``.

    Tasks are submitted as impure (computed anew by every call) and gathered in order. A
    worker that dies has its tasks re-run on the others by the scheduler (results are
    unchanged: tasks are pure); a task that keeps killing workers, a scheduler that went away
    or a cluster left without workers for :data:`NO_WORKER_TIMEOUT_S` seconds raise a
    one-line :class:`~espri_gpu.errors.BackendUnavailableError`, never a hang.

    Attributes
    ----------
    client : distributed.Client
    """

    client: Any
    #: Tasks run on other processes, so they get the backend's name (see :meth:`portable`).
    in_process: ClassVar[bool] = False

    @property
    def threads(self) -> int:
        """Worker threads of the cluster now (at least 1)."""
        return max(1, int(sum(self.client.nthreads().values())))

    def n_tasks(self, n_items: int, min_per_task: int) -> int:
        """:data:`TASKS_PER_THREAD` tasks per worker thread, each of ``min_per_task`` items
        at least (fewer tasks for small work; at least one)."""
        return max(1, min(TASKS_PER_THREAD * self.threads, math.ceil(n_items / min_per_task)))

    def portable(self, backend: Any) -> str:
        """The backend as a task receives it: its name, which each worker resolves itself."""
        return backend.name

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, what: str,
            scatter: bool = False) -> list[R]:
        """``fn`` of each item on the workers, results in order.

        ``scatter`` sends the items to the workers first (large data, such as partitions of
        respondents), instead of inside the task graph; ``what`` names the work in errors.
        """
        items = list(items)
        if scatter:
            items = self.client.scatter(items)
        futures = self.client.map(fn, items, pure=False)
        return self.gather(futures, what)

    def gather(self, futures: list[Any], what: str) -> list[Any]:
        """Results of ``futures``; a clear error (not a hang) when the cluster cannot finish."""
        distributed = import_distributed()
        client = self.client
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
                    f"lost the Dask scheduler while computing {what} ({one_line(exc)}); "
                    "run again, or without --cluster / --scheduler-file") from None
            if workers:
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > NO_WORKER_TIMEOUT_S:
                client.cancel(futures)
                raise BackendUnavailableError(
                    f"the Dask cluster has had no worker for {NO_WORKER_TIMEOUT_S:g} s while "
                    f"computing {what}; restart the workers, or run without --cluster / "
                    "--scheduler-file")
        try:
            return client.gather(futures)
        except distributed.KilledWorker as exc:
            raise BackendUnavailableError(
                f"Dask workers kept dying while computing {what} ({one_line(exc)}); check "
                "their logs (memory?), or run without --cluster / --scheduler-file") from None


#: Either executor.
Executor = LocalExecutor | DaskExecutor

#: The executor of every backend that was not given a Dask client.
LOCAL = LocalExecutor()


def executor_for(client: Any) -> Executor:
    """:data:`LOCAL` for None, else a :class:`DaskExecutor` on ``client``.

    Examples
    --------
    >>> from espri_gpu.execution import LOCAL, executor_for
    >>> executor_for(None) is LOCAL
    True
    """
    return LOCAL if client is None else DaskExecutor(client)
