"""Dask scale-out on a local cluster of two worker processes: :mod:`espri_gpu.distributed`
(connecting), :mod:`espri_gpu.execution` (the executor seam), the replicate chunks of
:mod:`espri_gpu.stats.resampling`, the Gram partitions of :mod:`espri_gpu.counting` and the
partitioned reader :mod:`espri_gpu.responses_partitioned`.

The acceptance of the scale-out issue, on the CPU: with ``LocalCluster(n_workers=2,
threads_per_worker=1)``, cross tables, counts and p-values are identical to the
single-process run for the same seed; a CSV larger than one partition is read into the same
survey; killing a worker mid-test still gives the right answer (or a clear error); an
unreachable scheduler gives a clear error within a bounded time.

One cluster serves the module; the tests that kill workers run last. Numba compiles the
kernels once in each worker process (the first tests take most of the time).
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed not installed (pip install -e '.[dask]')")

from espri_gpu import (  # noqa: E402
    all_crosstabs,
    chi2_test,
    counting,
    counts,
    execution,
    independence_test,
    screen,
)
from espri_gpu import distributed as edist  # noqa: E402
from espri_gpu import responses_partitioned as partitioned  # noqa: E402
from espri_gpu.backend import resolve_backend  # noqa: E402
from espri_gpu.cli import main  # noqa: E402
from espri_gpu.errors import BackendUnavailableError, SurveyInputError  # noqa: E402
from espri_gpu.example import example_path  # noqa: E402
from espri_gpu.kernels import cpu  # noqa: E402
from espri_gpu.machine import usable_cores  # noqa: E402
from espri_gpu.responses import read_survey  # noqa: E402
from espri_gpu.stats import resampling  # noqa: E402

from .conftest import DEB, FAC, KMEANS, MINI_ROWS, MLP, csv_text  # noqa: E402

#: Small counts (Monte-Carlo territory) and a 10 x 15 table of the benchmark's size.
SMALL_TABLE = np.array([[3, 1, 0, 2], [1, 4, 2, 0], [0, 2, 5, 1]])


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster, set_as_default=False) as c:
            c.wait_for_workers(2, timeout=60)
            # Numba compiles the kernels in each worker while this process compiles its own.
            a = np.eye(2)
            warm_up = [c.submit(cpu.table_exceedances, [2, 2], [2, 2], 0.0, 0, 0, 0, 1,
                                workers=[w], pure=False) for w in c.nthreads()]
            warm_up += [c.submit(cpu.pattern_exceedances, [2, 2], [2, 2], a, a, 1, 0, 0.0, 0,
                                 0, 1, workers=[w], pure=False) for w in c.nthreads()]
            yield c
            del warm_up


@pytest.fixture(scope="module")
def example():
    return (example_path("espri2020", "responses.csv"), example_path("espri2020", "codebook.toml"),
            example_path("espri2020", "interpretations.csv"))


def assert_same_survey(one, other) -> None:
    """Every field of two surveys is equal (codes, distinct cells, levels, report, text)."""
    assert one.report == other.report
    assert list(one.answers) == list(other.answers)
    for keyword, a in one.answers.items():
        b = other.answers[keyword]
        assert a.levels == b.levels, keyword
        np.testing.assert_array_equal(a.codes, b.codes, err_msg=keyword)
        np.testing.assert_array_equal(a.cells, b.cells, err_msg=keyword)
        assert a.codes.dtype == b.codes.dtype and a.cells.dtype == b.cells.dtype
    np.testing.assert_array_equal(one.respondents, other.respondents)
    pd.testing.assert_frame_equal(one.free_text, other.free_text)
    if one.timestamps is None:
        assert other.timestamps is None
    else:
        pd.testing.assert_series_equal(one.timestamps, other.timestamps)


# --- p-values: replicate chunks on the workers ----------------------------------------


@pytest.mark.parametrize("tasks_per_thread, min_chunk", [(1, 10**9), (1, 1), (7, 1)])
def test_montecarlo_pvalue_is_bit_identical_to_single_process(client, monkeypatch,
                                                             tasks_per_thread, min_chunk):
    # 1 chunk (one worker), 2 chunks (one per worker), 14 chunks: the same counts.
    monkeypatch.setattr(execution, "TASKS_PER_THREAD", tasks_per_thread)
    monkeypatch.setattr(resampling, "MIN_REPLICATES_PER_TASK", min_chunk)
    single = chi2_test(SMALL_TABLE, method="montecarlo", n_resamples=4000, seed=11,
                       backend="cpu")
    spread = chi2_test(SMALL_TABLE, method="montecarlo", n_resamples=4000, seed=11,
                       backend=resolve_backend("cpu", client=client))
    assert spread.pvalue == single.pvalue and spread.statistic == single.statistic
    assert 0 < single.pvalue < 1


def test_permutation_pvalues_are_bit_identical_to_single_process(client, example):
    survey = read_survey(*example[:2], backend="cpu")
    for a, b in [("lab", "ml_méthodes"), ("ml_méthodes", "ml_usages")]:  # MMI, SPMI
        single = independence_test(survey, a, b, n_resamples=2500, seed=5, backend="cpu")
        spread = independence_test(survey, a, b, n_resamples=2500, seed=5,
                                   backend=resolve_backend("cpu", client=client))
        assert spread.test == single.test and spread.test.endswith("-permutation")
        assert spread.pvalue == single.pvalue and spread.statistic == single.statistic


def test_tasks_run_where_the_backend_says(client, monkeypatch):
    """The executor travels in the Backend given to the public call: nothing else (no
    global) sends work to a cluster, and a worker resolves its backend with the local one."""
    sent = []
    monkeypatch.setattr(execution.DaskExecutor, "gather",
                        lambda self, futures, what: sent.append(what) or self.client.gather(
                            futures))
    local = resolve_backend("cpu")
    assert local.executor is execution.LOCAL and resolve_backend(local) is local
    chi2_test(SMALL_TABLE, method="montecarlo", n_resamples=3000, seed=2, backend=local)
    assert sent == []
    on_dask = resolve_backend(local, client=client)
    assert on_dask.executor.client is client and on_dask.on(None).executor is execution.LOCAL
    chi2_test(SMALL_TABLE, method="montecarlo", n_resamples=3000, seed=2, backend=on_dask)
    assert sent == ["table_exceedances (3000 replicates, seed 2)"]
    executors = client.run(lambda: type(resolve_backend("cpu").executor).__name__)
    assert set(executors.values()) == {"LocalExecutor"}


# --- reading in partitions --------------------------------------------------------------


def test_partitioned_read_of_the_example_is_the_single_process_survey(client, example):
    single = read_survey(*example[:2], interpretations=example[2], backend="cpu")
    spread = partitioned.read_survey_distributed(*example[:2], client, interpretations=example[2],
                                           blocksize=1500, backend="cpu")
    assert_same_survey(single, spread)


def _big_rows(n: int) -> list[list[str]]:
    """n rows cycling through the mini export, with multi-line cells, "other" answers, an
    empty row and rows with bad cells spread over the file."""
    rows = []
    for i in range(n):
        row = list(MINI_ROWS[i % len(MINI_ROWS)])
        row[0] = f"{1 + i % 28:02d}/05/2020 {i % 24:02d}:00:00"
        if i % 7 == 3:
            row[3] = f"{KMEANS}, {MLP}, réseau de neurones n°{i % 5}"  # free "other" answers
        if i % 11 == 5:
            row[5] = f"Ligne 1 de {i}\nligne 2, \"citée\"\n\nligne 4"  # quoted line breaks
        if i % 13 == 6:
            row[2] = DEB if i % 2 else "Expert"
        rows.append(row)
    rows[n // 3] = [""] * 6                                     # an empty row
    rows[2 * n // 3][1] = "LATMOS, LMD"                         # two options, single choice
    rows[n - 5][3] = f"{FAC}, SOM"
    return rows


@pytest.mark.parametrize("encoding, delimiter, lineterminator",
                         [("utf-8", ",", "\n"), ("utf-8-sig", ";", "\r\n"), ("cp1252", ",", "\n")])
def test_csv_larger_than_one_partition(client, tmp_path, codebook_path, encoding, delimiter,
                                       lineterminator, caplog):
    path = tmp_path / "big.csv"
    path.write_bytes(csv_text(_big_rows(400), delimiter=delimiter,
                              lineterminator=lineterminator).encode(encoding))
    single = read_survey(path, codebook_path, errors="skip", backend="cpu")
    layout = partitioned._sniff_csv(path, ())
    assert len(partitioned._byte_ranges(layout, 2048)) > 20  # many partitions
    with caplog.at_level(logging.INFO, logger="espri_gpu.responses_partitioned"):
        spread = partitioned.read_survey_distributed(path, codebook_path, client, errors="skip",
                                               blocksize=2048, backend="cpu")
    assert "partition boundaries fell inside quoted cells; merged" in caplog.text
    assert_same_survey(single, spread)
    assert spread.n_respondents == 398 and len(spread.report.skipped) == 2
    assert spread.report.unmatched  # the free "other" answers, as in one process


def test_errors_name_the_same_row_as_single_process(client, tmp_path, codebook_path):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text(_big_rows(300)), encoding="utf-8")
    with pytest.raises(SurveyInputError, match=r"row 202, column `lab`: .* two options") as one:
        read_survey(path, codebook_path, backend="cpu")
    with pytest.raises(SurveyInputError) as spread:
        partitioned.read_survey_distributed(path, codebook_path, client, blocksize=1024,
                                      backend="cpu")
    assert str(spread.value) == str(one.value)


def test_personal_data_in_answers_is_replaced_as_in_one_process(client, tmp_path,
                                                                codebook_path):
    rows = _big_rows(200)
    for i in range(0, 200, 9):
        rows[i][3] = f"{KMEANS}, écrivez à user{i % 4}.secret@example.org"
        rows[i + 1][5] = f"tél. 06 12 34 56 {i % 3:02d}"
    path = tmp_path / "personal.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    single = read_survey(path, codebook_path, errors="skip", backend="cpu")
    spread = partitioned.read_survey_distributed(path, codebook_path, client, errors="skip",
                                           blocksize=1024, backend="cpu")
    assert_same_survey(single, spread)
    assert dict(spread.report.personal_data_redacted) == {"méthodes": 23, "remarques": 23}
    assert "secret" not in spread.report.to_text()


ASCII_CODEBOOK = """\
name = "ascii"
title = "ASCII headers"

[[columns]]
keyword = "lab"
header = "Lab"
kind = "single"
options = ["LATMOS", "LMD"]
other = true

[[columns]]
keyword = "methods"
header = "Methods"
kind = "multiple"
options = ["kmeans", "SOM"]

[[columns]]
keyword = "comment"
header = "Comment"
kind = "free"
"""


def test_file_not_utf8_after_the_first_bytes_is_read_as_windows_1252(client, tmp_path,
                                                                    monkeypatch):
    codebook = tmp_path / "ascii.toml"
    codebook.write_text(ASCII_CODEBOOK, encoding="utf-8")
    rows = [["LATMOS", "kmeans, SOM", f"ok {i}"] for i in range(400)]
    rows += [["Météo-France", "kmeans, réseaux", "été\n2020"] for _ in range(100)]
    path = tmp_path / "excel.csv"
    path.write_bytes(csv_text(rows, header=["Lab", "Methods", "Comment"]).encode("cp1252"))
    single = read_survey(path, codebook, backend="cpu")
    assert single.report.encoding == "cp1252" and single.report.warnings
    monkeypatch.setattr(partitioned, "_SAMPLE_BYTES", 4096)  # the client sees UTF-8 at first
    assert partitioned._sniff_csv(path, ()).encoding == "utf-8"
    spread = partitioned.read_survey_distributed(path, codebook, client, blocksize=2048,
                                           backend="cpu")
    assert_same_survey(single, spread)
    assert "Météo-France" in spread.answers_to("lab").keywords


# --- cross tables and counts: Gram matrices summed over partitions ----------------------


def test_crosstabs_and_counts_are_identical(client, example, monkeypatch):
    monkeypatch.setattr(counting, "MIN_GRAM_ROWS", 5)  # 62 respondents in 8 partitions
    single = read_survey(*example[:2], interpretations=example[2], backend="cpu")
    spread = partitioned.read_survey_distributed(*example[:2], client, interpretations=example[2],
                                           blocksize=4096, backend="cpu")
    tables = all_crosstabs(single, backend="cpu")
    on_dask = resolve_backend("cpu", client=client)
    spread_tables = all_crosstabs(spread, backend=on_dask)
    assert on_dask.executor.n_tasks(spread.n_respondents, counting.MIN_GRAM_ROWS) > 1
    spread_counts = {q: counts(spread, q, backend=on_dask).table for q in spread.questions}
    assert list(tables) == list(spread_tables) and len(tables) > 20
    for pair, table in tables.items():
        pd.testing.assert_frame_equal(spread_tables[pair], table)
        assert spread_tables[pair].attrs == table.attrs
    for q, table in spread_counts.items():
        pd.testing.assert_frame_equal(table, counts(single, q, backend="cpu").table)


# --- connecting --------------------------------------------------------------------------


def test_connect_to_an_address_or_a_scheduler_file(client, tmp_path):
    address = client.scheduler.address
    with edist.connect(address) as c:
        assert edist.cluster_summary(c) == {"scheduler": address, "workers": 2, "threads": 2}
    assert c.status == "closed"
    scheduler_file = tmp_path / "scheduler.json"
    scheduler_file.write_text(json.dumps({"address": address}), encoding="utf-8")
    with edist.connect(scheduler_file=scheduler_file) as c:
        assert edist.cluster_summary(c)["workers"] == 2


def test_connect_local_starts_and_stops_a_cluster():
    with edist.connect("local", backend="cpu", n_workers=1) as c:
        assert edist.cluster_summary(c)["workers"] == 1
        env = c.run(lambda: os.environ.get("NUMBA_NUM_THREADS"))
        assert list(env.values()) == [str(max(1, usable_cores()))]
    assert c.status == "closed"


def test_gpu_workers_pool_is_a_fraction_of_the_device_memory(monkeypatch):
    """Each GPU worker's RMM pool: half of its GPU's memory (computed from the device), not a
    constant: 5.5 GiB on an 11 GiB RTX 2080 Ti (was 9 GB), 8 GiB on the smaller of 16/24."""
    import types

    from espri_gpu import backend as backend_mod

    made = []
    fake_dask_cuda = types.SimpleNamespace(LocalCUDACluster=lambda **kw: made.append(kw) or kw)
    monkeypatch.setitem(sys.modules, "dask_cuda", fake_dask_cuda)
    gpu = backend_mod.Backend("gpu", np, pd, "test")
    for memories, expected in [([11 * 2**30], 11 * 2**29), ([16 * 2**30, 24 * 2**30], 2**33),
                               ([11 * 2**30 + 1000], 11 * 2**29 + 256)]:
        devices = tuple(backend_mod.GpuDevice(i, "GPU", (7, 5), m)
                        for i, m in enumerate(memories))
        monkeypatch.setattr(edist, "probe_gpu", lambda d=devices: backend_mod.GpuProbe(devices=d))
        edist._local_cluster(distributed, gpu, None)
        assert made[-1]["rmm_pool_size"] == expected
        assert expected == int(min(memories) * edist.RMM_POOL_FRACTION) // 256 * 256
    assert 0.5 <= edist.RMM_POOL_FRACTION <= 0.6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_is_a_clear_error_within_the_timeout():
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.monotonic()
    with pytest.raises(BackendUnavailableError, match=rf"no Dask scheduler answered at "
                                                      rf"{address} \(from --cluster\) within 2 s"):
        with edist.connect(address, timeout=2):
            pass
    assert time.monotonic() - start < 15


def test_missing_scheduler_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(BackendUnavailableError, match=rf"scheduler file {missing} did not "
                                                      r"appear within 1 s"):
        with edist.connect(scheduler_file=missing, timeout=1):
            pass


@pytest.mark.parametrize("kwargs, message", [
    ({"cluster": "locl"}, r"`cluster` is 'locl'; expected 'local' or a scheduler address"),
    ({"cluster": "local", "scheduler_file": "s.json"}, r"give one of them, not both"),
    ({"cluster": "local", "n_workers": 0}, r"`n_workers` is 0; expected a positive integer"),
])
def test_bad_cluster_arguments(kwargs, message):
    with pytest.raises(SurveyInputError, match=message):
        with edist.connect(**kwargs):
            pass


def test_cli_unreachable_scheduler_exits_2_with_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(edist, "CONNECT_TIMEOUT_S", 1)
    address = f"tcp://127.0.0.1:{_free_port()}"
    code = main(["report", "--cluster", address, "--out", str(tmp_path), "--backend", "cpu"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith(f"espri_gpu: error: no Dask scheduler answered at {address}")


def test_cli_report_on_the_cluster_matches_one_process(client, example, tmp_path, capsys):
    out = tmp_path / "dask"
    assert main(["report", "--out", str(out), "--cluster", client.scheduler.address,
                 "--backend", "cpu", "--pairs", "lab,compétence,maturité_projet,ml_méthodes",
                 "--groups", "", "--resamples", "1999", "--seed", "3"]) == 0
    assert "Dask: 2 workers" in capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["cluster"] == edist.cluster_summary(client)
    survey = read_survey(*example[:2], interpretations=example[2], backend="cpu")
    tests = pd.read_csv(out / "tests.csv")
    assert set(tests["test"]) >= {"chi2-montecarlo", "mmi-permutation"}
    for row in tests.itertuples():
        single = screen(survey, [row.a, row.b], n_resamples=1999, seed=3, backend="cpu")
        assert single[row.a, row.b].pvalue == row.pvalue, (row.a, row.b)
    crosstab = pd.read_csv(out / "crosstabs" / "lab__ml_méthodes.csv", index_col=0)
    np.testing.assert_array_equal(crosstab.to_numpy(),
                                  all_crosstabs(survey, ["lab", "ml_méthodes"],
                                                backend="cpu")[("lab", "ml_méthodes")])


def test_import_espri_gpu_does_not_import_dask():
    code = ("import sys, espri_gpu, espri_gpu.distributed, espri_gpu.execution, "
            "espri_gpu.responses_partitioned, espri_gpu.report; "
            "assert not {'dask', 'distributed'} & set(sys.modules), 'dask imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# --- resilience (last: these tests kill workers) ------------------------------------------


def test_killing_a_worker_mid_test_still_gives_the_right_answer(client):
    rows, cols = np.arange(1, 11) * 30, np.full(15, 110)  # 10 x 15, n = 1650 ...
    n, seed, observed = 60_000, 21, 126.0                  # ... X^2 near its dof
    expected = resampling.table_exceedances(rows, cols, observed, "pearson", n, seed, "cpu")
    assert 0 < expected < n
    on_dask = resolve_backend("cpu", client=client)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        job = pool.submit(resampling.table_exceedances, rows, cols, observed, "pearson", n, seed,
                          on_dask)
        deadline = time.monotonic() + 60
        while len([w for w, tasks in client.processing().items() if tasks]) < 2:
            assert time.monotonic() < deadline and not job.done()
            time.sleep(0.02)
        nanny = next(iter(client.cluster.workers.values()))
        nanny.close_gracefully(reason="test: its node goes away")  # no restart
        os.kill(nanny.pid, signal.SIGKILL)  # a worker process of this test's cluster
        assert not job.done()
        assert job.result(timeout=120) == expected  # its chunks re-ran on the other worker
    assert len(client.nthreads()) == 1


def test_a_task_that_keeps_killing_workers_is_a_clear_error(client):
    future = client.submit(os._exit, 1, pure=False)
    with pytest.raises(BackendUnavailableError, match=r"Dask workers kept dying while "
                                                      r"computing the killer task"):
        execution.DaskExecutor(client).gather([future], "the killer task")
