"""The command line: real work on the example, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from espri_gpu.cli import main

from .conftest import MINI_ROWS

#: Options that keep a report on the bundled example quick in tests.
QUICK = ["--pairs", "lab,compétence,ml_méthodes", "--groups", "", "--resamples", "99"]


def test_report_on_bundled_example(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["report", "--out", str(out), "--backend", "cpu", *QUICK]) == 0
    captured = capsys.readouterr()
    assert f"to {out.resolve()}" in captured.out and "62 respondents" in captured.out
    assert "read…" in captured.err and "cross tables…" in captured.err
    assert "total" in captured.out and "report.html" in captured.out
    methods = pd.read_csv(out / "counts" / "ml_méthodes.csv", index_col=0)
    assert methods.loc["régressions", "count"] == 31
    table = pd.read_csv(out / "crosstabs" / "lab__ml_méthodes.csv", index_col=0)
    assert table.loc["LATMOS", "kmeans"] == 8
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["backend"] == "cpu" and summary["respondents"] == 62
    assert all(len(h) == 64 for h in summary["inputs_sha256"].values())
    assert "free 'other' answers" in (out / "load_report.txt").read_text(encoding="utf-8")


def test_no_personal_data_in_any_output(tmp_path) -> None:
    out = tmp_path / "out"
    assert main(["report", "--out", str(out), "--backend", "cpu", *QUICK]) == 0
    from espri_gpu.example import example_path

    raw = pd.read_csv(example_path("espri2020", "responses.csv"), dtype=str)
    personal = [v for col in (raw.columns[8], raw.columns[-1])
                for v in raw[col].dropna() if v.strip()]
    assert personal and any("@example.org" in v for v in personal)
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [v for v in personal if v.encode("utf-8") in data], path
            assert b"@example.org" not in data, path


def test_rerun_replaces_outputs_and_leaves_no_temporary_files(tmp_path) -> None:
    out = tmp_path / "out"
    assert main(["report", "--out", str(out), "--backend", "cpu", *QUICK]) == 0
    first = sorted(p.relative_to(out) for p in out.rglob("*.csv"))
    assert main(["report", "--out", str(out), "--backend", "cpu", *QUICK]) == 0
    assert sorted(p.relative_to(out) for p in out.rglob("*.csv")) == first
    assert not list(out.rglob("*.tmp"))


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "espri_gpu", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("make_args", "message"), [
    (lambda d, cb, exp: ["report", str(d / "missing.csv"), "--codebook", str(cb)],
     "missing.csv does not exist"),
    (lambda d, cb, exp: ["report", str(exp()), "--codebook", str(d / "nope.toml")],
     "nope.toml does not exist"),
    # no --codebook: one is drafted into OUT/codebook.toml, never over an edited one
    (lambda d, cb, exp: [(d / "o").mkdir(), (d / "o" / "codebook.toml").write_text("# mine\n"),
                         ["report", str(exp())]][-1], "already exists and differs"),
    (lambda d, cb, exp: ["report", str(exp([[*MINI_ROWS[0][:1], "LATMOS, LMD",
                                             *MINI_ROWS[0][2:]]])), "--codebook", str(cb)],
     "row 2, column `lab`"),
    (lambda d, cb, exp: ["report", "--backend", "gpu"], "GPU backend was requested"),
    (lambda d, cb, exp: ["report", "--backend", "tpu"], "`backend` is 'tpu'"),
])
def test_user_errors_exit_2_with_one_line(tmp_path, codebook_path, export, make_args,
                                          message) -> None:
    result = _run(*make_args(tmp_path, codebook_path, export), "--out", str(tmp_path / "o"))
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    error_lines = [line for line in lines if line.startswith("espri_gpu: error:")]
    assert len(error_lines) == 1 and message in error_lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_bad_rows_skipped_on_request(tmp_path, codebook_path, export) -> None:
    rows = [list(r) for r in MINI_ROWS]
    rows[1][1] = "LATMOS, LMD"
    result = _run("report", str(export(rows)), "--codebook", str(codebook_path),
                  "--skip-bad-rows", "--out", str(tmp_path / "o"), "--backend", "cpu",
                  "--resamples", "99")
    assert result.returncode == 0, result.stderr
    assert "3 respondents, 1 rows skipped" in result.stdout
    report = (tmp_path / "o" / "load_report.txt").read_text(encoding="utf-8")
    assert "skipped row 3: column `lab`" in report


def test_unwritable_output_directory(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = _run("report", "--out", str(blocker / "sub"), "--backend", "cpu", *QUICK)
    assert result.returncode == 2 and "cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_info_runs() -> None:
    result = _run("info")
    assert result.returncode == 0
    assert "backend auto ->" in result.stdout and "numpy" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["report", "--resamples", "0"], "`n_resamples` (--resamples) is 0"),
    (["report", "--resamples", "-5"], "`n_resamples` (--resamples) is -5"),
    (["report", "--codebook", "cb.toml"], "given without RESPONSES"),
])
def test_issue_16_bad_resamples_and_codebook_alone_are_one_line_errors(
        tmp_path, capsys, args, message) -> None:
    assert main([*args, "--out", str(tmp_path / "o"), "--backend", "cpu"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("espri_gpu: error:"), err
    assert message in lines[0]
    assert not (tmp_path / "o").exists()


def _lock(out, pid: int, since: float) -> None:
    import socket

    out.mkdir(parents=True, exist_ok=True)
    (out / ".espri_gpu.lock").write_text(json.dumps(
        {"pid": pid, "host": socket.gethostname(), "since": since}), encoding="utf-8")


def test_issue_16_a_second_run_into_a_folder_being_written_stops(tmp_path, capsys) -> None:
    import time

    out = tmp_path / "out"
    other = subprocess.Popen(["sleep", "60"])
    try:
        _lock(out, other.pid, time.time())
        assert main(["report", "--out", str(out), "--backend", "cpu", *QUICK]) == 2
    finally:
        other.kill()
        other.wait()
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "being written by another run" in lines[0], err
    assert f"pid {other.pid}" in lines[0]
    assert [p.name for p in out.iterdir()] == [".espri_gpu.lock"]  # nothing written


@pytest.mark.parametrize("case", ["dead pid", "pid reused"])
def test_issue_16_a_stale_lock_is_reported_and_replaced(tmp_path, capsys, case) -> None:
    import time

    out = tmp_path / "out"
    other = subprocess.Popen(["sleep", "60" if case == "pid reused" else "0"])
    if case == "dead pid":
        other.wait()
        _lock(out, other.pid, time.time())
    else:  # a live process that started after the lock was taken: not the lock's run
        _lock(out, other.pid, time.time() - 3600)
    try:
        assert main(["report", "--out", str(out), "--backend", "cpu", *QUICK]) == 0
    finally:
        other.kill()
        other.wait()
    err = capsys.readouterr().err
    assert f"replaced the lock left in {out} by a run that ended early (pid {other.pid}" in err
    assert (out / "report.html").is_file() and not (out / ".espri_gpu.lock").exists()


@pytest.mark.parametrize("code", ["ENOSPC", "EDQUOT"])
def test_issue_16_a_full_disk_names_the_path(tmp_path, capsys, monkeypatch, code) -> None:
    import errno
    import os

    from espri_gpu import outputs

    class FullDisk:
        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def fdopen(fd, *args, **kwargs):
            handle = os.fdopen(fd, *args, **kwargs)

            def write(text, real=handle.write):
                if text.startswith('{"pid"'):  # the lock file: written, the next file fails
                    return real(text)
                raise OSError(getattr(errno, code), os.strerror(getattr(errno, code)))

            handle.write = write
            return handle

    monkeypatch.setattr(outputs, "os", FullDisk())
    out = tmp_path / "out"
    assert main(["report", "--out", str(out), "--backend", "cpu", *QUICK]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("espri_gpu: error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert f"cannot write {out / 'load_report.txt'}: the disk" in lines[0], lines[0]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_issue_16_a_full_disk_while_saving_a_figure_names_the_path(tmp_path, monkeypatch,
                                                                   fmt) -> None:
    import errno
    import pathlib

    import matplotlib.pyplot as plt

    from espri_gpu.errors import SurveyInputError
    from espri_gpu.report import save_figure

    fig = plt.figure()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    fig.savefig = full                                     # SVG / PDF are saved by matplotlib
    if fmt == "png":                                       # the palette PNG is written by us
        monkeypatch.setattr(pathlib.Path, "write_bytes", full)
    with pytest.raises(SurveyInputError,
                       match=rf"cannot write .*heatmaps/a__b\.{fmt}: the disk"):
        save_figure(fig, tmp_path, "figures/heatmaps/a__b", (fmt,))
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".png"
                or p.name.endswith(".tmp")]


@pytest.mark.parametrize("verbose", [False, True])
def test_issue_16_dask_info_lines_only_with_verbose(tmp_path, verbose) -> None:
    pytest.importorskip("distributed")
    result = _run("report", "--out", str(tmp_path / "o"), "--backend", "cpu", "--pairs",
                  "lab,compétence", "--groups", "", "--resamples", "49", "--cluster", "local",
                  *(["--verbose"] if verbose else []))
    assert result.returncode == 0, result.stderr
    assert "  Dask: " in result.stderr  # the progress line says where it runs
    info = [line for line in result.stderr.splitlines() if "INFO" in line]
    if verbose:
        assert any("distributed.scheduler" in line for line in info), result.stderr
    else:
        assert not info, info


def test_issue_16_a_missing_input_is_answered_before_the_analysis_libraries_load(
        tmp_path) -> None:
    """User errors answer at once: a missing RESPONSES or codebook is said before pandas,
    SciPy, Numba or matplotlib are imported (no timing assertion: what was loaded)."""
    code = ("import sys; from espri_gpu.cli import main\n"
            f"rc = main(['report', {str(tmp_path / 'missing.csv')!r}, '--codebook', "
            f"{str(tmp_path / 'cb.toml')!r}, '--out', {str(tmp_path / 'o')!r}])\n"
            "heavy = sorted(m for m in ('pandas', 'scipy', 'numba', 'matplotlib', 'numpy') "
            "if m in sys.modules)\n"
            "print(rc, heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.stdout.strip() == "2 []", (result.stdout, result.stderr)
    assert "missing.csv does not exist; check the path of the responses file" in result.stderr
