"""The pipeline behind ``python -m espri_gpu report``.

So far it writes what the foundation can compute: the load report, counts per question and
the cross table of every pair of questions. Output layout (under ``--out``)::

    load_report.txt       how the file was read; skipped rows; free "other" answers
    load_report.csv       the same as a table
    counts/<question>.csv
    crosstabs/<a>__<b>.csv
    summary.json          inputs (with SHA-256), backend, versions, seconds per step
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .backend import Backend, resolve_backend
from .counting import counts, crosstab
from .example import example_path
from .outputs import safe_name, write_csv, write_json, write_text
from .responses import read_survey

__all__ = ["ReportResult", "run_report"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportResult:
    """Where the report went and what it holds."""

    out_dir: Path
    files: tuple[Path, ...]
    n_respondents: int
    n_skipped: int
    backend: str
    seconds: dict[str, float] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_report(responses: str | Path | None = None, *, codebook: str | Path | None = None,
               interpretations: str | Path | None = None, out: str | Path = "espri_gpu_out",
               backend: str | Backend | None = None, skip_bad_rows: bool = False,
               progress: Callable[[str], None] = log.info) -> ReportResult:
    """Read a survey and write its load report, counts and cross tables under ``out``.

    Parameters
    ----------
    responses : str or Path, optional
        The export; None runs on the bundled ``espri2020`` example.
    codebook : str or Path
        Required with ``responses``.
    interpretations : str or Path, optional
    out : str or Path
        Output directory (created; files from an earlier run are replaced).
    backend : {"auto", "cpu", "gpu"}, optional
    skip_bad_rows : bool
        Skip (and list) rows with bad cells instead of stopping.
    progress : callable
        Receives one line per step.

    Returns
    -------
    ReportResult

    Examples
    --------
    >>> import tempfile
    >>> r = run_report(out=tempfile.mkdtemp(), backend="cpu", progress=lambda s: None)
    >>> r.n_respondents, (r.out_dir / "summary.json").is_file()
    (62, True)
    """
    from .errors import SurveyInputError

    if responses is None:
        responses = example_path("espri2020", "responses.csv")
        codebook = codebook or example_path("espri2020", "codebook.toml")
        if interpretations is None:
            interpretations = example_path("espri2020", "interpretations.csv")
    elif codebook is None:
        raise SurveyInputError(f"no codebook given for {responses}; pass --codebook FILE")
    b = resolve_backend(backend)
    out = Path(out)
    seconds: dict[str, float] = {}
    files: list[Path] = []
    steps = 4

    t0 = time.perf_counter()
    progress(f"[1/{steps}] reading {responses} (backend {b.name}: {b.reason})")
    survey = read_survey(responses, codebook, interpretations=interpretations,
                         errors="skip" if skip_bad_rows else "raise", backend=b)
    rep = survey.report
    progress(f"      {rep.n_respondents} respondents kept, {len(rep.skipped)} rows skipped, "
             f"{len(rep.unmatched)} free 'other' answers")
    files.append(write_text(out / "load_report.txt", rep.to_text() + "\n"))
    files.append(write_csv(out / "load_report.csv", rep.to_frame(), index=False))
    seconds["read"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    questions = survey.questions
    progress(f"[2/{steps}] counting answers to {len(questions)} questions")
    for q in questions:
        files.append(write_csv(out / "counts" / f"{safe_name(q)}.csv", counts(survey, q,
                                                                             backend=b).table))
    seconds["counts"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    pairs = list(itertools.combinations(questions, 2))
    progress(f"[3/{steps}] cross tables of {len(pairs)} pairs of questions")
    for qa, qb in pairs:
        table = crosstab(survey, qa, qb, backend=b)
        files.append(write_csv(out / "crosstabs" / f"{safe_name(qa)}__{safe_name(qb)}.csv", table))
    seconds["crosstabs"] = time.perf_counter() - t0

    progress(f"[4/{steps}] writing summary.json")
    inputs = {str(p): _sha256(Path(p)) for p in (responses, codebook, interpretations) if p}
    summary = {
        "espri_gpu": __version__, "python": platform.python_version(),
        "backend": b.name, "backend_reason": b.reason, "inputs_sha256": inputs,
        "respondents": survey.n_respondents, "rows_skipped": len(rep.skipped),
        "questions": list(questions), "seconds": {k: round(v, 4) for k, v in seconds.items()},
    }
    files.append(write_json(out / "summary.json", summary))
    return ReportResult(out, tuple(files), survey.n_respondents, len(rep.skipped), b.name, seconds)
