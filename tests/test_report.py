"""The full report: every output present and consistent, hostile inputs neutralised,
interrupted runs leave no partial file, the HTML page renders in a real browser."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from espri_gpu import crosstab, load_example, read_survey, screen
from espri_gpu.progress import Progress
from espri_gpu.report import run_report

from .conftest import HEADER, MINI_CODEBOOK, MINI_ROWS, csv_text

PAIRS = "lab,compétence,ml_méthodes,ml_usages"


@pytest.fixture(scope="module")
def example_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = run_report(out=out, backend="cpu", pairs=PAIRS, groups="", n_resamples=199,
                        seed=7, formats=("png", "svg"), progress=Progress(io.StringIO()))
    return out, result


def test_every_output_is_written(example_report) -> None:
    out, result = example_report
    for relative in ("load_report.txt", "load_report.csv", "tests.csv", "summary.json",
                     "report.html", "counts/ml_méthodes.csv", "figures/bars/lab.png",
                     "figures/bars/lab.svg", "crosstabs/lab__ml_méthodes.csv",
                     "figures/heatmaps/compétence__ml_usages.png"):
        assert (out / relative).is_file(), relative
    assert all(p.is_file() for p in result.files)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["backend"] == "cpu" and summary["seed"] == 7
    assert len(summary["pairs"]) == 6


def test_crosstab_csvs_equal_crosstab(example_report) -> None:
    out, _ = example_report
    survey = load_example("espri2020")
    for a, b in [("lab", "ml_méthodes"), ("compétence", "ml_usages")]:
        written = pd.read_csv(out / "crosstabs" / f"{a}__{b}.csv", index_col=0)
        expected = crosstab(survey, a, b, backend="cpu")
        np.testing.assert_array_equal(written.to_numpy(), expected.to_numpy())
        assert list(written.columns) == list(expected.columns)


def test_tests_csv_equals_screen(example_report) -> None:
    out, _ = example_report
    written = pd.read_csv(out / "tests.csv")
    expected = screen(load_example("espri2020"), PAIRS.split(","), n_resamples=199, seed=7,
                      backend="cpu").to_frame()
    assert written[["a", "b", "test"]].values.tolist() == \
        expected[["a", "b", "test"]].values.tolist()
    np.testing.assert_allclose(written["pvalue"], expected["pvalue"])
    np.testing.assert_allclose(written["p_bh"], expected["p_bh"])


def test_rerun_removes_stale_files(tmp_path) -> None:
    quiet = Progress(io.StringIO())
    run_report(out=tmp_path, backend="cpu", pairs="lab,compétence,gpu_projets", groups="",
               n_resamples=49, progress=quiet)
    assert (tmp_path / "crosstabs" / "lab__gpu_projets.csv").is_file()
    run_report(out=tmp_path, backend="cpu", pairs="lab,compétence", groups="", n_resamples=49,
               progress=quiet)
    assert not (tmp_path / "crosstabs" / "lab__gpu_projets.csv").exists()
    assert (tmp_path / "crosstabs" / "lab__compétence.csv").is_file()
    assert not list(tmp_path.rglob("*.tmp"))


def _hostile_survey(tmp_path: Path) -> tuple[Path, Path]:
    codebook = MINI_CODEBOOK.replace('keyword = "méthodes"', 'keyword = "../../mé/thodes"')
    (tmp_path / "cb.toml").write_text(codebook, encoding="utf-8")
    rows = [list(r) for r in MINI_ROWS]
    rows[0][3] = "<script>alert(1)</script>"
    rows[2][3] = "=cmd|' /C calc'!A0"
    responses = tmp_path / "hostile.csv"
    responses.write_text(csv_text(rows, header=HEADER), encoding="utf-8")
    return responses, tmp_path / "cb.toml"


def test_hostile_answers_and_keywords_are_neutralised(tmp_path) -> None:
    responses, codebook = _hostile_survey(tmp_path)
    out = tmp_path / "out"
    run_report(responses, codebook=codebook, out=out, backend="cpu", groups="",
               n_resamples=49, progress=Progress(io.StringIO()))
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(out in p.parents for p in written if p.name not in
               ("cb.toml", "hostile.csv")), written
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    counts_csv = next((out / "counts").glob("*thodes-*.csv")).read_text(encoding="utf-8")
    assert "'=cmd|" in counts_csv and "\n=cmd" not in counts_csv
    for path in out.rglob("*"):
        if path.suffix in (".csv", ".txt", ".html", ".json"):
            assert "secret@example.org" not in path.read_text(encoding="utf-8"), path


def test_personal_data_typed_in_answers_reaches_no_output(tmp_path, codebook_path) -> None:
    """Issue #14 (6): e-mails and phone numbers in "Autre" and free answers are replaced."""
    rows = [list(r) for r in MINI_ROWS]
    rows[0][3] = f"{MINI_ROWS[0][3]}, écrire à carol.private@example.org"
    rows[1][5] = "joignable au 06 12 34 56 78"
    responses = tmp_path / "responses.csv"
    responses.write_text(csv_text(rows, header=HEADER), encoding="utf-8")
    out = tmp_path / "out"
    run_report(responses, codebook=codebook_path, out=out, backend="cpu", groups="",
               n_resamples=49, progress=Progress(io.StringIO()))
    for path in out.rglob("*"):
        if path.suffix in (".csv", ".txt", ".html", ".json"):
            text = path.read_text(encoding="utf-8")
            assert "carol.private" not in text and "12 34 56" not in text, path
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "remplacés par [e-mail] / [téléphone] : méthodes (1), remarques (1)." in page
    assert "écrire à [e-mail]" in (out / "load_report.txt").read_text(encoding="utf-8")


def test_sigterm_to_the_process_group_while_heat_maps_are_drawn_leaves_no_temporary(
        tmp_path) -> None:
    """Issue #16 (5): ``scancel`` signals every process of the job (the figure workers too)."""
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "espri_gpu", "report", "--out", str(out), "--backend", "cpu",
         "--groups", "", "--resamples", "199"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    heatmaps = out / "figures" / "heatmaps"
    deadline = time.time() + 120
    while time.time() < deadline and not (heatmaps.is_dir() and
                                          len(list(heatmaps.iterdir())) >= 3):
        time.sleep(0.02)
    assert process.poll() is None, "the report ended before its heat maps were drawn"
    os.killpg(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143 and "Traceback" not in err, err
    deadline = time.time() + 10
    while time.time() < deadline:  # the figure workers end too
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("processes of the report are still running")
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert not (out / ".espri_gpu.lock").exists()
    for path in out.rglob("*.csv"):
        pd.read_csv(path)  # every file under its final name is complete
    assert not (out / "report.html").exists()


def test_issue_16_a_rerun_removes_stray_temporaries(tmp_path) -> None:
    out = tmp_path / "out"
    (out / "figures" / "heatmaps").mkdir(parents=True)
    stray = [out / ".tests.csv.k2j3h4_z.tmp",
             out / "figures" / "heatmaps" / ".a__b.png.x1y2z3w4.tmp"]
    for path in stray:
        path.write_bytes(b"half a file")
    mine = out / "notes.tmp"  # not a temporary of espri_gpu: kept
    mine.write_text("keep")
    lines = io.StringIO()
    run_report(out=out, backend="cpu", pairs="lab,compétence", groups="", n_resamples=49,
               progress=Progress(lines))
    assert not any(p.exists() for p in stray) and mine.read_text() == "keep"
    assert "removed 2 temporary files left by an earlier run" in lines.getvalue()


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(example_report, tmp_path) -> None:
    out, _ = example_report
    shot = tmp_path / "report.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         f"--screenshot={shot}", "--window-size=1200,2400",
         (out / "report.html").resolve().as_uri()],
        check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[0] >= 2000 and pixels.std() > 0.05  # not a blank page


def test_issue_15_every_p_in_tests_csv_is_reproduced_by_one_call(tmp_path) -> None:
    """A survey with an asymptotic pair (no seed: a blank) and resampling pairs: every seed is
    written as an exact integer, and the call shown in the README reproduces each row's p."""
    from espri_gpu import independence_test, load_codebook
    from espri_gpu.synthetic import synthetic_survey

    (tmp_path / "cb.toml").write_text(MINI_CODEBOOK, encoding="utf-8")
    codebook = load_codebook(tmp_path / "cb.toml")
    synthetic_survey(codebook, 600, seed=1).to_csv(tmp_path / "r.csv")
    survey = read_survey(tmp_path / "r.csv", codebook)
    out = tmp_path / "out"
    run_report(survey, out=out, backend="cpu", pairs="lab,niveau,méthodes", groups="",
               n_resamples=99, seed=5, progress=Progress(io.StringIO()))
    raw = pd.read_csv(out / "tests.csv", dtype=str, keep_default_na=False)
    assert "chi2-asymptotic" in set(raw["test"])        # a blank in the seed column
    seeds = raw.loc[raw["seed"] != "", "seed"]
    assert len(seeds) >= 2 and seeds.str.fullmatch(r"\d+").all(), seeds.tolist()
    written = pd.read_csv(out / "tests.csv", dtype={"seed": "Int64", "n_resamples": "Int64"})
    for row in written.itertuples():
        method = row.test.split("-", 1)[1]
        seed = None if pd.isna(row.seed) else int(row.seed)
        b = 99 if pd.isna(row.n_resamples) else int(row.n_resamples)
        again = independence_test(survey, row.a, row.b, method=method, n_resamples=b,
                                  seed=seed, backend="cpu")
        assert again.pvalue == row.pvalue, (row.a, row.b, row.test)


def test_issue_15_one_default_number_of_resamples() -> None:
    import inspect

    from espri_gpu import chi2_test, independence_test
    from espri_gpu.cli import parse_args
    from espri_gpu.stats.resampling import DEFAULT_RESAMPLES

    for function in (chi2_test, independence_test, screen, run_report):
        default = inspect.signature(function).parameters["n_resamples"].default
        assert default == DEFAULT_RESAMPLES, function.__name__
    assert parse_args(["report"]).resamples == DEFAULT_RESAMPLES


@pytest.mark.parametrize(("umask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755),
                                                              (0o027, 0o640, 0o750)])
def test_outputs_follow_the_umask(tmp_path, umask, file_mode, dir_mode) -> None:
    """Issue #16 (5): colleagues can read the outputs (no 0600 from temporary files)."""
    out = tmp_path / "out"
    old = os.umask(umask)
    try:
        run_report(out=out, backend="cpu", pairs="lab,compétence,ml_méthodes", groups="",
                   n_resamples=49, formats=("png", "svg"), progress=Progress(io.StringIO()))
    finally:
        os.umask(old)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 10 and any(p.suffix == ".png" for p in files)
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(file_mode)}
    dirs = [out, *(p for p in out.rglob("*") if p.is_dir())]
    assert {oct(p.stat().st_mode & 0o777) for p in dirs} == {oct(dir_mode)}


def test_issue_16_file_names_stay_distinct_and_avoid_windows_reserved_names() -> None:
    from espri_gpu.outputs import safe_name

    keywords = ["a/b", "a_b", "a b", "a:b", "a__b", "a", "b__c", "a__b__c", "_con", "con",
                "CON", "nul", "aux", "prn", "com1", "lpt9", "con.txt", "x" * 300, "x" * 301]
    names = [safe_name(k) for k in keywords]
    assert len(set(names)) == len(names), names
    pairs = {f"{safe_name(a)}__{safe_name(b)}" for a in keywords for b in keywords if a != b}
    assert len(pairs) == len(keywords) * (len(keywords) - 1)
    reserved = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                *(f"lpt{i}" for i in range(1, 10))}
    assert not [n for n in names if n.split(".")[0].lower() in reserved]
    assert all(len(n.encode("utf-8")) <= 130 and "/" not in n for n in names)
    assert safe_name("ml_méthodes") == "ml_méthodes" and safe_name("a_b") == "a_b"


def test_issue_16_keywords_differing_by_unsafe_characters_get_their_own_files(tmp_path) -> None:
    codebook = MINI_CODEBOOK.replace('keyword = "méthodes"', 'keyword = "a/b"').replace(
        'keyword = "lab"', 'keyword = "a_b"')
    (tmp_path / "cb.toml").write_text(codebook, encoding="utf-8")
    responses = tmp_path / "r.csv"
    responses.write_text(csv_text(MINI_ROWS, header=HEADER), encoding="utf-8")
    out = tmp_path / "out"
    run_report(responses, codebook=tmp_path / "cb.toml", out=out, backend="cpu", groups="",
               n_resamples=49, progress=Progress(io.StringIO()))
    counts = sorted(p.name for p in (out / "counts").glob("a_b*.csv"))
    assert len(counts) == 2, counts
    assert len(list((out / "figures" / "bars").glob("a_b*.png"))) == 2


def test_issue_16_load_report_lists_free_text_and_timestamp_columns(tmp_path) -> None:
    from espri_gpu import Survey, load_codebook

    plain = MINI_CODEBOOK[:MINI_CODEBOOK.index("[[interpretations]]")]
    for name, text in (("plain.toml", plain), ("interpreted.toml", MINI_CODEBOOK)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    responses = tmp_path / "r.csv"
    responses.write_text(csv_text(MINI_ROWS, header=HEADER), encoding="utf-8")
    survey = read_survey(responses, tmp_path / "plain.toml")
    text = survey.report.to_text().splitlines()
    assert "free-text columns (read and kept, not counted or tested): remarques" in text
    assert "timestamp columns (read as dates, not counted or tested): date" in text
    assert "personal columns dropped unread: email" in text
    assert dict(survey.report.set_aside) == {"date": "timestamp", "remarques": "free"}
    from_frame = Survey.from_frame(pd.read_csv(responses, dtype=str),
                                   load_codebook(tmp_path / "plain.toml"))
    assert from_frame.report.set_aside == survey.report.set_aside
    interpreted = read_survey(responses, tmp_path / "interpreted.toml").report.to_text()
    assert ("free-text columns (read and kept; the keywords of their interpretations counted "
            "and tested): remarques") in interpreted.splitlines()
