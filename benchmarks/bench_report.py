"""How long a user waits for ``python -m espri_gpu report`` (issue #16, item 4).

Two surveys, each reported by a new process with the default options (what a user types):

* the bundled example (62 respondents, 17 columns: 105 pairs, 15 groupings);
* a synthetic 35-respondent, 27-column export (the bundled codebook plus 10 more choice
  columns, typed "other" answers and skipped questions from :func:`synthetic_survey`).

Each is run ``--repeat`` times after one run that fills Numba's on-disk kernel cache (the
first report on a machine compiles the kernels; later ones load them). Printed: the wall time
of each run and the seconds per step that the report records in ``summary.json``.

    python benchmarks/bench_report.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from espri_gpu.codebook import load_codebook, load_codebook_text
from espri_gpu.example import example_path
from espri_gpu.synthetic import synthetic_survey

_EXTRA = ("compétence", "maturité_projet", "ml_usages", "big_data", "gpu_projets")


def survey_27_columns(folder: Path, n: int = 35, seed: int = 0) -> tuple[Path, Path]:
    """A synthetic export of ``n`` respondents with 27 columns, and its codebook."""
    bundled = load_codebook(example_path("espri2020", "codebook.toml"))
    text = bundled.to_toml()
    for copy in (2, 3):
        for keyword in _EXTRA:
            q = bundled.question(keyword)
            column = next(c for c in bundled.columns if c.keyword == keyword)
            options = ", ".join(f'{{ keyword = "{o.keyword}", text = {json.dumps(o.text)} }}'
                                for o in q.options)
            text += (f'\n[[columns]]\nkeyword = "{keyword}_{copy}"\n'
                     f"header = {json.dumps(column.header + f' ({copy})')}\n"
                     f'kind = "{column.kind}"\nlabel = {json.dumps(q.label + f" ({copy})")}\n'
                     f"other = {'true' if q.other else 'false'}\noptions = [{options}]\n")
    codebook = load_codebook_text(text)
    assert len(codebook.columns) == 27, len(codebook.columns)
    responses = folder / "survey27.csv"
    synthetic_survey(codebook, n, seed=seed).frame.to_csv(responses, index=False)
    path = folder / "survey27.toml"
    path.write_text(text, encoding="utf-8")
    return responses, path


def run_report(args: list[str], out: Path) -> tuple[float, dict]:
    """Wall seconds of one ``python -m espri_gpu report`` and its recorded step times."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "espri_gpu", "report", *args, "--out", str(out),
                    "--backend", "cpu"], check=True, capture_output=True)
    wall = time.perf_counter() - start
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return wall, summary["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        responses, codebook = survey_27_columns(folder)
        cases = {"bundled example (62 x 17)": [],
                 "synthetic 35 x 27": [str(responses), "--codebook", str(codebook)]}
        for name, args in cases.items():
            run_report(args, folder / "warm")  # fills the kernel cache if empty
            walls, steps = [], []
            for i in range(options.repeat):
                wall, seconds = run_report(args, folder / f"out{i}")
                walls.append(wall)
                steps.append(seconds)
            best = steps[walls.index(min(walls))]
            print(f"{name}: median {statistics.median(walls):.1f} s wall over "
                  f"{options.repeat} runs (min {min(walls):.1f} s); steps of the fastest: "
                  + ", ".join(f"{k} {v:.1f}s" for k, v in best.items()))


if __name__ == "__main__":
    main()
