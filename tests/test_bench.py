"""The benchmark runner and its registry, at tiny sizes (timings are never asserted)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from espri_gpu import SurveyInputError, one_hot, read_survey
from espri_gpu.backend import cpu_backend
from espri_gpu.bench import run_bench
from espri_gpu.cli import main
from espri_gpu.responses import parse_choice_column
from espri_gpu.workloads import WORKLOADS, read_pandas_textbook


def test_every_workload_has_all_sizes() -> None:
    for workload in WORKLOADS.values():
        assert set(workload.sizes) == {"tiny", "small", "medium", "large"}
        assert workload.sizes["tiny"] < workload.sizes["small"] <= workload.sizes["medium"]


def test_encode_workload_agrees_with_get_dummies_where_get_dummies_is_right() -> None:
    workload = WORKLOADS["encode"]
    data = workload.make_data(500, 1)
    ours = workload.espri(data, cpu_backend())
    theirs = workload.alternative(data)
    # options without ", " in their text are split correctly by get_dummies too
    assert ours.shape[0] == theirs.shape[0] == 500
    question = data.codebook.question("outillages")
    answers = parse_choice_column(data.columns["outillages"], question)
    for j, level in enumerate(answers.levels):
        if ", " not in level.text:
            column = f"outillages:{level.text}"
            mine = answers.cells[np.maximum(answers.codes, 0), j] * (answers.codes >= 0)
            np.testing.assert_array_equal(theirs[column].to_numpy(), mine)


def test_encode_baseline_equals_str_get_dummies() -> None:
    """The fast pandas baseline (one get_dummies per distinct cell) gives exactly what the
    textbook ``str.get_dummies(sep=", ")`` gives, skipped answers included."""
    from espri_gpu.workloads import EncodingData, encode_get_dummies, encode_pandas

    data = WORKLOADS["encode"].make_data(600, 7)
    columns = dict(data.columns)
    assert (columns["ml_méthodes"] == "").any()            # skipped: empty cells
    columns["ml_méthodes"] = columns["ml_méthodes"].where(np.arange(600) % 7 > 0)  # and NA
    data = EncodingData(data.codebook, columns)
    fast, textbook = encode_pandas(data), encode_get_dummies(data)
    assert list(fast.columns) == list(textbook.columns)
    np.testing.assert_array_equal(fast.to_numpy(), textbook.to_numpy())


def test_read_workload_reads_what_pandas_reads_where_get_dummies_is_right() -> None:
    workload = WORKLOADS["read"]
    data = workload.make_data(700, 2)
    ours = workload.espri(data, cpu_backend())
    theirs = workload.alternative(data)
    textbook = read_pandas_textbook(data)
    assert ours.shape[0] == theirs.shape[0] == 700
    assert sorted(textbook.columns) == sorted(theirs.columns)
    np.testing.assert_array_equal(textbook[theirs.columns].to_numpy(), theirs.to_numpy())
    survey = read_survey(data.path, data.codebook, backend="cpu")
    for keyword in ("lab", "outillages"):
        answers = survey.answers_to(keyword)
        for j, level in enumerate(answers.levels):
            if ", " not in level.text and not level.is_other:
                column = f"{keyword}:{level.text}"
                mine = answers.cells[np.maximum(answers.codes, 0), j] * (answers.codes >= 0)
                np.testing.assert_array_equal(theirs[column].to_numpy(), mine)
    assert ours.sum() == sum(int(one_hot(survey, k, backend="cpu").matrix.sum())
                             for k in data.choice_headers)


def test_contingency_baseline_counts_what_espri_gpu_counts() -> None:
    """The NumPy XᵀX (in blocks) equals espri_gpu's Gram matrix and a per-pair crosstab."""
    import pandas as pd

    from espri_gpu.workloads import contingency_numpy

    workload = WORKLOADS["contingency"]
    data = workload.make_data(900, 8)
    ours = np.asarray(workload.espri(data, cpu_backend()))
    theirs = contingency_numpy(data, chunk=100)      # several blocks
    np.testing.assert_array_equal(theirs, ours)
    a, b = data.long["q03"], data.long["q15"]
    joined = a.merge(b, on="respondent")
    crosstab = pd.crosstab(joined["option_x"], joined["option_y"])
    block = theirs[30:40, 150:160][np.ix_(crosstab.index, crosstab.columns)]
    np.testing.assert_array_equal(block, crosstab.to_numpy())


def test_bench_json_schema(tmp_path, capsys) -> None:
    out = tmp_path / "bench.json"
    assert main(["bench", "--size", "tiny", "--repeat", "1", "--json", str(out)]) == 0
    assert "encode" in capsys.readouterr().out
    document = json.loads(out.read_text(encoding="utf-8"))
    assert {"command", "date", "machine", "results"} <= set(document)
    assert {"cpu", "cores", "gpus", "versions"} <= set(document["machine"])
    assert {r["workload"] for r in document["results"]} == set(WORKLOADS)
    for r in document["results"]:
        assert r["espri_s"]["cpu"] > 0
        if r["workload"] != "report":  # the only workload without an alternative
            assert r["ratio"]["cpu"] > 0 and r["alternative_s"] > 0


def test_bench_rejects_unknown_workload() -> None:
    with pytest.raises(SurveyInputError, match="unknown workload.*available: encode"):
        run_bench(size="tiny", only=["nope"])


def test_bench_several_sizes_and_plot(tmp_path, capsys) -> None:
    plot = tmp_path / "bench.png"
    assert main(["bench", "--size", "tiny,tiny", "--only", "encode", "mmi", "--repeat", "1",
                 "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert out.count("encode ") == 2 and plot.stat().st_size > 1000


BENCHMARK_SCRIPTS = {
    "bench_montecarlo.py": ["--resamples", "300", "--scipy-resamples", "100"],
    "bench_mmi.py": ["--n", "3000", "--resamples", "300", "--numpy-resamples", "50"],
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(BENCHMARK_SCRIPTS))
def test_benchmark_script_runs_and_both_sides_agree(script, tmp_path) -> None:
    """The scripts quoted in the README run, write their JSON, and time the same test on
    both sides (p-values within Monte-Carlo error of each other)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "result.json"
    subprocess.run([sys.executable, str(root / "benchmarks" / script),
                    *BENCHMARK_SCRIPTS[script], "--json", str(out)],
                   check=True, cwd=root, capture_output=True, text=True, timeout=600)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["machine"]["cores"] >= 1
    cases = document.get("cases", [document])
    for case in cases:
        ours = case["pvalue_espri_gpu"]
        theirs = case.get("pvalue_scipy", case.get("pvalue_numpy"))
        assert 0 < ours <= 1 and 0 < theirs <= 1
        assert abs(ours - theirs) < 0.2  # B = 300 vs 50-100: a loose but failing bound
        assert case["ratio"] > 0


def _pattern_table(a: np.ndarray, b: np.ndarray):
    from espri_gpu.stats.patterns import PatternTable

    pa, ia = np.unique(a, axis=0, return_inverse=True)
    pb, ib = np.unique(b, axis=0, return_inverse=True)
    joint = np.zeros((len(pa), len(pb)), dtype=np.int64)
    np.add.at(joint, (ia.ravel(), ib.ravel()), 1)
    return PatternTable(joint, pa.astype(float), pb.astype(float), (), (), a.shape[0])


def test_spmi_workload_times_the_same_test_on_both_sides() -> None:
    """The pattern-table SPMI equals the respondent-level one, and both sides' permutation
    p-values agree within Monte-Carlo error."""
    from espri_gpu.stats.multiple import spmi_statistics
    from espri_gpu.workloads import _spmi_statistic

    workload = WORKLOADS["spmi"]
    data = workload.make_data(800, 3)
    table = _pattern_table(data.a_items, data.b_items)
    respondents = _spmi_statistic(data.a_items, data.b_items)
    assert spmi_statistics(table).statistic == pytest.approx(respondents, rel=1e-10)
    ours = (1 + workload.espri(data, cpu_backend())) / (data.n_resamples + 1)
    theirs = (1 + workload.alternative(data)) / (data.n_resamples + 1)
    assert abs(ours - theirs) < 0.15  # B = 200 each: about 4 standard errors at p = 1/2


def test_mmi_workload_times_the_same_test_on_both_sides() -> None:
    """espri_gpu's MMI (pattern table) equals the NumPy baseline's (respondent level), and
    both permutation p-values agree within Monte-Carlo error."""
    from espri_gpu.stats.multiple import mmi_statistics
    from espri_gpu.workloads import _mmi_statistic

    workload = WORKLOADS["mmi"]
    data = workload.make_data(1500, 4)
    onehot = np.eye(10, dtype=np.uint8)[data.levels]
    table = _pattern_table(onehot, data.items)
    assert mmi_statistics(table).statistic == pytest.approx(
        _mmi_statistic(onehot, data.items), rel=1e-10)
    ours = (1 + workload.espri(data, cpu_backend())) / (data.n_resamples + 1)
    theirs = (1 + workload.alternative(data)) / (data.n_resamples + 1)
    assert 0.02 < theirs < 0.98  # the data are drawn under independence
    assert abs(ours - theirs) < 0.07  # B = 1000 each: about 4 standard errors at p = 1/2


@pytest.mark.parametrize("kind", ["mmi", "spmi"])
def test_permutation_baseline_counts_ticks_exactly(kind) -> None:
    """The bincount baseline replays, permutation by permutation, a brute-force loop that
    permutes the whole answer matrix and recomputes the statistic from it."""
    from espri_gpu.kernels.cpu import EXCEEDANCE_RTOL
    from espri_gpu.workloads import _mmi_statistic, _spmi_statistic

    workload = WORKLOADS[kind]
    data = workload.make_data(300, 5)
    data = type(data)(**{**data.__dict__, "n_resamples": 60})
    if kind == "spmi":  # independent questions, so that some permutations exceed
        b_items = data.b_items[np.random.default_rng(9).permutation(300)]
        data = type(data)(data.a_items, b_items, 60)
    if kind == "mmi":
        fixed, codes, patterns = data.items, data.levels, np.eye(10)

        def brute(permuted: np.ndarray) -> float:
            return _mmi_statistic(permuted, fixed)
    else:
        fixed = data.a_items
        patterns, codes = np.unique(data.b_items, axis=0, return_inverse=True)
        codes = codes.ravel()

        def brute(permuted: np.ndarray) -> float:
            return _spmi_statistic(fixed, permuted)

    rng = np.random.default_rng(1)          # the baseline's stream
    shuffled = codes.astype(np.intp)
    threshold = brute(patterns[shuffled]) * (1.0 - EXCEEDANCE_RTOL)
    hits = 0
    for _ in range(data.n_resamples):
        rng.shuffle(shuffled)
        hits += brute(patterns[shuffled]) >= threshold
    assert workload.alternative(data) == hits
    assert 0 < hits < data.n_resamples
