"""The pipeline behind ``python -m espri_gpu report``: everything seed 000 contains, for any
survey with a codebook.

Output layout (under ``--out``)::

    load_report.txt, load_report.csv   how the file was read; skipped rows; "other" answers
    counts/<question>.csv              count, % of respondents, % of mentions
    crosstabs/<a>__<b>.csv             cross counts of each pair
    tests.csv                          the all-pairs screening table (test used, p, adjusted p, V)
    kmeans_centres_<a>_<b>.csv         group centroids and sizes (as the original analysis)
    groups/<a>__<b>.csv                group profiles (over/under-represented options)
    figures/bars/<question>.png        bar chart per question
    figures/heatmaps/<a>__<b>.png      heat map per pair (counts annotated, test in the title)
    figures/groups/<a>__<b>_*.png      dendrograms, PCA projection, centroid heat map
    summary.json                       inputs (SHA-256), seed, backend, versions, timings
    report.html                        one self-contained page, opens offline
    codebook.toml                      the drafted codebook, when none was given

Every file is written atomically; a re-run into the same directory replaces its files and
removes those of the previous run that this run no longer produces (never ``codebook.toml``:
once drafted it is the user's to edit).

This module stays one file of about 560 lines: it is one pipeline (:func:`run_report`) and the
few helpers only it calls, in the order the steps run; the steps themselves live in the
modules it imports (counting, stats, grouping, figures, the page, outputs).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import logging
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import __version__
from .backend import Backend, resolve_backend
from .counting import Counts, all_crosstabs, counts, transposed
from .distributed import cluster_summary, connect
from .drafting import draft_codebook_toml
from .errors import SurveyInputError
from .example import example_path
from .grouping import groups as group_respondents
from .i18n import LANGUAGES, Words, describe_test
from .info import CORE, version_of
from .outputs import (
    OutputLock,
    remove_temporaries,
    safe_name,
    write_centres,
    write_csv,
    write_json,
    write_text,
)
from .progress import Progress
from .rare_answers import pool_counts, pool_table
from .report_figures import FigurePool, save_figure
from .report_page import Grouping, PageContent, grouping_verdict, write_page
from .responses import read_survey
from .responses_partitioned import read_survey_distributed
from .stats import ScreenResult, screen
from .stats.resampling import DEFAULT_RESAMPLES
from .survey import Survey

__all__ = ["ReportResult", "parse_pairs", "run_report"]

log = logging.getLogger(__name__)
MANIFEST = ".espri_gpu_manifest.json"
FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class ReportResult:
    """Where the report went and what it holds."""

    out_dir: Path
    files: tuple[Path, ...]
    n_respondents: int
    n_skipped: int
    backend: str
    seconds: dict[str, float] = field(default_factory=dict)
    #: The codebook drafted for a run given none (``out/codebook.toml``), else None.
    drafted_codebook: Path | None = None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_pairs(spec: str | Sequence[str] | None, survey: Survey,
                default: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs of questions from a ``--pairs``/``--groups`` spec.

    ``None`` means every pair of ``default``; ``"a,b,c"`` every pair among a, b, c;
    ``"a:b,a:c"`` exactly those pairs (both forms may be mixed). Keywords are checked.

    Examples
    --------
    >>> from espri_gpu import load_example
    >>> s = load_example("espri2020")
    >>> parse_pairs("lab:ml_méthodes,compétence,maturité_projet", s, [])
    [('lab', 'ml_méthodes'), ('compétence', 'maturité_projet')]
    """
    if spec is None:  # rows of one grid are not crossed with each other unless asked for
        keywords = [survey.codebook.question(k).keyword for k in default]
        return survey.codebook.default_pairs(keywords)
    items = [i.strip() for i in (spec.split(",") if isinstance(spec, str) else spec)]
    items = [i for i in items if i]
    pairs: list[tuple[str, str]] = []
    singles: list[str] = []
    for item in items:
        if ":" in item:
            a, _, b = item.partition(":")
            pair = (survey.codebook.question(a.strip()).keyword,
                    survey.codebook.question(b.strip()).keyword)
            if pair[0] == pair[1]:
                raise SurveyInputError(f"pair {item!r} names the same question twice")
            pairs.append(pair)
        else:
            singles.append(survey.codebook.question(item).keyword)
    pairs += list(itertools.combinations(dict.fromkeys(singles), 2))
    for a, b in pairs:
        survey.answers_to(a), survey.answers_to(b)
    return list(dict.fromkeys(pairs))


class _Writer:
    """Writes files under ``out`` and remembers them (for the manifest)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.files: list[Path] = []

    def csv(self, relative: str, frame: pd.DataFrame, *, index: bool = True) -> Path:
        path = write_csv(self.out / relative, frame, index=index)
        self.files.append(path)
        return path

    def text(self, relative: str, text: str) -> Path:
        path = write_text(self.out / relative, text)
        self.files.append(path)
        return path

    def json(self, relative: str, data: object) -> Path:
        path = write_json(self.out / relative, data)
        self.files.append(path)
        return path

    def figure(self, relative_stem: str, fig: plt.Figure, formats: Sequence[str]) -> Path:
        """Save a figure in every format (atomically); return the PNG path."""
        saved = save_figure(fig, self.out, relative_stem, formats)
        self.add(saved, formats)
        return saved[0]

    def add(self, saved: Sequence[Path], formats: Sequence[str]) -> None:
        """Record figure files saved elsewhere (PNG first; PNG kept only if asked for)."""
        self.files += [p for p in saved if p.suffix.lstrip(".") in formats]

    def finish(self) -> None:
        """Remove files of the previous run that this run did not write; save the manifest."""
        manifest = self.out / MANIFEST
        current = {str(p.relative_to(self.out)) for p in self.files}
        try:
            previous = set(json.loads(manifest.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            previous = set()
        for stale in sorted(previous - current):
            target = (self.out / stale).resolve()
            if self.out.resolve() in target.parents:
                target.unlink(missing_ok=True)
        write_json(manifest, sorted(current))


def run_report(responses: str | Path | Survey | None = None, *,
               codebook: str | Path | None = None,
               interpretations: str | Path | None = None, out: str | Path = "espri_gpu_out",
               backend: str | Backend | None = None, seed: int = 0,
               n_resamples: int = DEFAULT_RESAMPLES,
               pairs: str | None = None, groups: str | None = None,
               formats: Sequence[str] = ("png",), skip_bad_rows: bool = False,
               progress: Progress | None = None, cluster: str | None = None,
               scheduler_file: str | Path | None = None,
               where: str | Mapping[str, object] | None = None, lang: str | None = None,
               figures: str = "related", keep_rare_answers: bool = False) -> ReportResult:
    """Analyse a survey and write every table, figure and the HTML report under ``out``.

    Parameters
    ----------
    responses : str, Path or Survey, optional
        The export; None runs on the bundled ``espri2020`` example. A :class:`Survey`
        already read (e.g. by :meth:`Survey.from_frame`) is reported as it is (no
        ``codebook`` or ``interpretations`` then).
    codebook : str or Path, optional
        The codebook of ``responses``. Without one, a codebook is drafted
        (:func:`espri_gpu.drafting.draft_codebook_toml`), written to ``out/codebook.toml``
        (unless a different file is already there: an error then) and used; the result's
        ``drafted_codebook`` is its path.
    interpretations : str or Path, optional
    out : str or Path
        Output directory. While the run writes there it holds ``out/.espri_gpu.lock`` (pid,
        host): a second run into it stops with an error; a lock left by a run that died is
        reported and replaced.
    backend : {"auto", "cpu", "gpu"}, optional
    seed : int
        Seed of every random draw (tests, groups); recorded in ``summary.json``.
    n_resamples : int
        Random tables / resamples per test.
    pairs : str, optional
        Pairs to cross and test (see :func:`parse_pairs`); default: every pair of questions.
    groups : str, optional
        Pairs of multiple-choice questions to group respondents on; default: every pair of
        multiple-choice columns; ``""`` for none.
    formats : sequence of {"png", "svg", "pdf"}
        Figure formats written (PNG is always made for the HTML page).
    skip_bad_rows : bool
        Skip (and list) rows with bad cells instead of stopping.
    progress : Progress, optional
    cluster : {None, "local"} or str
        Run on Dask (see :func:`espri_gpu.distributed.connect`): ``"local"`` starts a local
        cluster (one worker per core, or per GPU on the GPU backend), anything else is a
        scheduler address such as ``tcp://node1:8786``. The responses are read in row
        partitions, cross tables and test replicates are computed on the workers; results
        are identical to a run in one process. Default: one process.
    scheduler_file : str or Path, optional
        Run on the Dask cluster whose scheduler wrote this file (Slurm multi-node jobs).
    where : str or mapping, optional
        Report on a subgroup only (:meth:`Survey.where`), e.g. ``"lab=LMD,LSCE"``; the load
        report and ``summary.json`` (``filter``, ``respondents_before_filter``) say so.
    lang : {"fr", "en"}, optional
        Language of the page and the figures; default: the codebook's ``language`` (French
        for the bundled example and drafted codebooks of French exports).
    figures : {"related", "all"}
        Heat maps and group figures drawn: for the pairs related after adjustment and the
        groupings found (default), or for every pair and grouping.
    keep_rare_answers : bool
        Keep every free "other" answer as its own bar / row / column in figures and page
        tables; by default those given by fewer than 5 respondents are pooled
        (:mod:`espri_gpu.rare_answers`; CSV files always keep them apart).

    Returns
    -------
    ReportResult

    Examples
    --------
    >>> import io, tempfile
    >>> from espri_gpu.progress import Progress
    >>> r = run_report(out=tempfile.mkdtemp(), backend="cpu", pairs="lab,compétence",
    ...                groups="", n_resamples=99, progress=Progress(io.StringIO()))
    >>> r.n_respondents, (r.out_dir / "report.html").is_file()
    (62, True)
    """
    if lang is not None and lang not in LANGUAGES:
        raise SurveyInputError(f"`lang` (--lang) is {lang!r}; expected one of "
                               f"{', '.join(LANGUAGES)}")
    if figures not in ("related", "all"):
        raise SurveyInputError(f"`figures` (--figures) is {figures!r}; expected 'related' or "
                               "'all'")
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise SurveyInputError(f"`formats` has {', '.join(bad)}; expected some of "
                               f"{', '.join(FORMATS)}")
    import numbers

    if (isinstance(n_resamples, bool) or not isinstance(n_resamples, numbers.Integral)
            or n_resamples < 1):
        raise SurveyInputError(f"`n_resamples` (--resamples) is {n_resamples!r}; expected a "
                               "whole number of at least 1, e.g. 9999")
    if responses is None and (codebook is not None or interpretations is not None):
        raise SurveyInputError("a codebook or interpretations file was given without "
                               "RESPONSES; name the responses file it describes first")
    if isinstance(responses, Survey):
        if codebook is not None or interpretations is not None:
            raise SurveyInputError("a Survey already holds its codebook and interpretations; "
                                   "pass no `codebook` or `interpretations` with it")
    elif responses is None:
        responses = example_path("espri2020", "responses.csv")
        codebook = codebook or example_path("espri2020", "codebook.toml")
        if interpretations is None:
            interpretations = example_path("espri2020", "interpretations.csv")
    progress = progress or Progress()
    b = resolve_backend(backend)
    with OutputLock(out) as lock:
        if lock.stale is not None:
            progress.line(f"replaced the lock left in {out} by a run that ended early "
                          f"({lock.stale})")
        strays = remove_temporaries(out)
        if strays:
            progress.line(f"removed {strays} temporary files left by an earlier run in {out}")
        drafted = None
        if codebook is None and not isinstance(responses, Survey):
            codebook = drafted = _draft_codebook(responses, Path(out))
        with connect(cluster, scheduler_file, backend=b) as client:
            pool = FigurePool()
            try:  # b.on(client): tests and cross tables cut into tasks for the cluster
                result = _run(responses, codebook, interpretations, Path(out), b.on(client),
                              seed, n_resamples, pairs, groups, formats, skip_bad_rows, progress,
                              pool, client, where, drafted is not None, lang, figures,
                              keep_rare_answers)
            except SurveyInputError as exc:
                if drafted is None:
                    raise
                raise SurveyInputError(f"{exc} (with the codebook drafted in {drafted}: edit "
                                       f"it, then pass --codebook {drafted})") from None
            finally:
                pool.close()
        return dataclasses.replace(result, drafted_codebook=drafted)


def _draft_codebook(responses: str | Path, out: Path) -> Path:
    """Draft a codebook for ``responses`` into ``out/codebook.toml``; never overwrite another."""
    path = out / "codebook.toml"
    text = draft_codebook_toml(responses, output=str(path))
    try:
        existing = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = None
    except (OSError, UnicodeDecodeError):
        existing = ""
    if existing is not None and existing != text:
        raise SurveyInputError(f"{path} already exists and differs from a new draft (edited?); "
                               f"pass --codebook {path} to use it, or delete it to draft "
                               "another")
    if existing is None:
        write_text(path, text)
    return path


def _run(responses: str | Path | Survey, codebook: str | Path | None,
         interpretations: str | Path | None, out: Path, b: Backend, seed: int,
         n_resamples: int, pairs: str | None, groups: str | None, formats: Sequence[str],
         skip_bad_rows: bool, progress: Progress, figures: FigurePool, client: object = None,
         where: str | Mapping[str, object] | None = None, drafted: bool = False,
         lang: str | None = None, figures_shown: str = "related",
         keep_rare_answers: bool = False) -> ReportResult:
    writer = _Writer(out)

    with progress.step("read"):
        source = (responses.report.source if isinstance(responses, Survey) else responses)
        progress.line(f"  {source} (backend {b.name}: {b.reason})")
        cluster = cluster_summary(client)
        if cluster is not None:
            progress.line(f"  Dask: {cluster['workers']} workers ({cluster['threads']} threads) "
                          f"at {cluster['scheduler']}")
        read = read_survey if client is None else functools.partial(
            read_survey_distributed, client=client)
        survey = responses if isinstance(responses, Survey) else read(
            responses, codebook, interpretations=interpretations,
            errors="skip" if skip_bad_rows else "raise", backend=b)
        if where is not None:
            survey = survey.where(where)
            progress.line(f"  filter {survey.report.filter}: {survey.n_respondents} of "
                          f"{survey.report.n_before_filter} respondents")
        rep = survey.report
        progress.line(f"  {rep.n_respondents} respondents kept, {len(rep.skipped)} rows "
                      f"skipped, {len(rep.unmatched)} free 'other' answers")
        writer.text("load_report.txt", rep.to_text() + "\n")
        writer.csv("load_report.csv", rep.to_frame(), index=False)
    figures.start()  # after reading: a user error answers before any worker starts
    words = Words(lang or survey.codebook.language)

    questions = [q for q in survey.questions if survey.answers_to(q).n_answered > 0]
    pair_list = parse_pairs(pairs, survey, questions)
    multiple_columns = [q.keyword for q in survey.codebook.questions
                        if q.multiple and not q.interpreted and q.keyword in questions]
    group_list = [] if groups == "" else parse_pairs(groups, survey, multiple_columns)
    pooled = words("pooled")

    def shown(item):  # what figures and the page show of a Counts or a cross table
        if keep_rare_answers:
            return item
        return (pool_counts(item, pooled) if isinstance(item, Counts)
                else pool_table(item, pooled))

    with progress.step("counts"):
        all_counts = []
        for q in progress.track(questions, "questions"):
            c = counts(survey, q, backend=b)
            table = c.table.assign(label=[c.labels.get(k, k) for k in c.table.index])
            writer.csv(f"counts/{safe_name(q)}.csv", table)
            all_counts.append(shown(c))
        bar_jobs = figures.submit([("bars", (c, {"words": words}), out,
                                    f"figures/bars/{safe_name(c.question)}", tuple(formats))
                                   for c in all_counts])  # collected with the heat maps

    with progress.step("cross tables"):
        involved = list(dict.fromkeys(k for pair in pair_list for k in pair))
        tables = all_crosstabs(survey, involved, backend=b) if involved else {}
        crosstabs = {}
        for a, bq in pair_list:
            table = tables.get((a, bq))
            crosstabs[(a, bq)] = transposed(tables[(bq, a)]) if table is None else table
            _write_crosstab(writer, f"crosstabs/{safe_name(a)}__{safe_name(bq)}.csv",
                            crosstabs[(a, bq)])

    with progress.step("tests"):
        screened = _screen_pairs(survey, pair_list, n_resamples, seed, b, progress)
        results = screened.to_frame()
        writer.csv("tests.csv", results, index=False)

    # figures are drawn by the workers while the groups are computed
    drawn = [(a, bq) for a, bq in pair_list if crosstabs[(a, bq)].to_numpy().sum() > 0
             and (figures_shown == "all" or screened.adjusted_pvalue(a, bq) < 0.05)]
    drawn_tables = {pair: shown(crosstabs[pair]) for pair in drawn}  # related ones included
    heatmap_jobs = figures.submit([
        ("heatmap", (drawn_tables[(a, bq)],
                     {"words": words, "title": _heatmap_title(screened, a, bq, survey, words)}),
         out, f"figures/heatmaps/{safe_name(a)}__{safe_name(bq)}", tuple(formats))
        for a, bq in drawn])
    grouped: _Grouped | None = None
    if group_list:
        with progress.step("groups"):
            grouped = _groups(survey, group_list, seed, b, writer, formats, progress, figures,
                              words, figures_shown == "all")

    with progress.step("figures"):
        bars = list(zip(all_counts, [saved[0] for saved in _collect(
            figures, bar_jobs, writer, formats, progress, "bar charts")], strict=True))
        heatmaps = dict(zip(drawn, [saved[0] for saved in _collect(
            figures, heatmap_jobs, writer, formats, progress, "heat maps")], strict=True))
        groupings = [] if grouped is None else grouped.collect(figures, writer, formats,
                                                                progress)

    with progress.step("summary"):
        content = PageContent(survey, words, b.name, seed, n_resamples, bars, results,
                              drawn_tables, heatmaps, groupings, not keep_rare_answers,
                              figures_shown == "all")
        inputs = {str(p): _sha256(Path(p)) for p in (responses, codebook, interpretations)
                  if p is not None and not isinstance(p, Survey)}
        summary = {
            "espri_gpu": __version__, "python": platform.python_version(),
            "versions": {d: version_of(d) for d in CORE},
            "backend": b.name, "backend_reason": b.reason, "seed": seed,
            "n_resamples": n_resamples, "inputs_sha256": inputs, "codebook_drafted": drafted,
            "respondents": survey.n_respondents, "rows_skipped": len(rep.skipped),
            "filter": rep.filter, "respondents_before_filter": rep.n_before_filter,
            "questions": questions, "pairs": [list(p) for p in pair_list],
            "groups": [list(g) for g in group_list], "cluster": cluster,
            "language": words.lang, "figures": figures_shown,
            "rare_answers_pooled": not keep_rare_answers,
            "seconds": {k: round(v, 3) for k, v in progress.seconds.items()},
        }
        writer.json("summary.json", summary)
        writer.text("report.html", write_page(content))
        writer.finish()
    return ReportResult(out, tuple(writer.files), survey.n_respondents, len(rep.skipped),
                        b.name, dict(progress.seconds))


def _collect(figures: FigurePool, handles: list, writer: _Writer, formats: Sequence[str],
             progress: Progress, what: str) -> list[list[Path]]:
    """Wait for submitted figure jobs; record their files."""
    rendered = figures.collect(handles, progress, what)
    for saved in rendered:
        writer.add(saved, formats)
    return rendered


#: Groupings found whose figures are drawn by default (the most stable first); the others
#: are listed in words (``--figures all`` draws every grouping).
MAX_GROUPINGS_DRAWN = 12

#: Cross tables with more cells than this (thousands of distinct free answers) are written
#: as one line per non-empty cell (``a, b, count``) instead of a mostly-empty grid.
LONG_CROSSTAB_CELLS = 100_000


def _write_crosstab(writer: _Writer, relative: str, table: pd.DataFrame) -> None:
    """Write a cross table to ``crosstabs/``: the grid, or its non-empty cells."""
    if table.size <= LONG_CROSSTAB_CELLS:
        writer.csv(relative, table)
        return
    values = table.to_numpy()
    rows, cols = np.nonzero(values)
    writer.csv(relative, pd.DataFrame({table.index.name: table.index[rows],
                                       table.columns.name: table.columns[cols],
                                       "count": values[rows, cols]}), index=False)


def _heatmap_title(screened: ScreenResult, a: str, b: str, survey: Survey,
                   words: Words) -> str:
    """'Question A × Question B — related (adjusted p = 0.002)', in the page's language."""
    result = screened[a, b]
    title = f"{survey.codebook.question(a).label} × {survey.codebook.question(b).label}"
    if result.test == "none":
        return title
    return (f"{title} — {words.verdict(screened.adjusted_pvalue(a, b))[1]}; "
            f"{describe_test(result.test, words.lang)}, {words('n_respondents', n=result.n)}")


def _screen_pairs(survey: Survey, pairs: list[tuple[str, str]], n_resamples: int, seed: int,
                  b: Backend, progress: Progress) -> ScreenResult:
    steps = iter(progress.track(pairs, "tests"))  # advanced once per pair by screen()
    screened = screen(survey, pairs=pairs, n_resamples=n_resamples, seed=seed, backend=b,
                      progress=lambda line: next(steps, None))
    for _ in steps:  # let the tracker report the last pair
        pass
    return screened


@dataclass
class _Grouped:
    """Groupings computed, their figures submitted to the workers."""

    results: dict
    verdicts: dict
    keys: list
    handles: list

    def collect(self, figures: FigurePool, writer: _Writer, formats: Sequence[str],
                progress: Progress) -> list[Grouping]:
        rendered = dict(zip(self.keys, _collect(figures, self.handles, writer, formats,
                                                progress, "group figures"), strict=True))
        return [Grouping(a, bq, g, notes, *self.verdicts[(a, bq)],
                         {kind: saved[0] for (ka, kb, kind), saved in rendered.items()
                          if (ka, kb) == (a, bq)})
                for (a, bq), (g, notes) in self.results.items()]


def _groups(survey: Survey, group_list: list[tuple[str, str]], seed: int, b: Backend,
            writer: _Writer, formats: Sequence[str], progress: Progress, figures: FigurePool,
            words: Words, draw_all: bool) -> _Grouped:
    """Group respondents on each pair; submit the figures of the groupings the page shows
    (those found, or every one with ``draw_all``)."""
    import warnings

    results = {}
    for a, bq in progress.track(group_list, "groupings"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results[(a, bq)] = (group_respondents(survey, [a, bq], seed=seed, backend=b),
                                tuple(str(w.message) for w in caught))
    jobs, keys = [], []
    verdicts = {pair: grouping_verdict(g, words) for pair, (g, _) in results.items()}
    found = sorted((pair for pair in results if verdicts[pair][0]),
                   key=lambda pair: -results[pair][0].stability)
    drawn = set(results) if draw_all else set(found[:MAX_GROUPINGS_DRAWN])
    for (a, bq), (g, _) in results.items():
        writer.files.append(write_centres(g, writer.out))
        writer.csv(f"groups/{safe_name(a)}__{safe_name(bq)}.csv", g.profiles, index=False)
        if (a, bq) not in drawn:
            continue
        what = " × ".join(survey.codebook.question(q).label for q in (a, bq))
        labels = {(q, k): survey.codebook.question(q).shown(k) for q, k in g.columns}
        titles = {q: survey.codebook.question(q).label for q in (a, bq)}
        options = {"tree": {"words": words, "title": what}, "cut": {"words": words,
                                                                    "title": what},
                   "pca": {"words": words, "title": what},
                   "centroids": {"words": words, "labels": labels, "titles": titles}}
        stem = f"figures/groups/{safe_name(a)}__{safe_name(bq)}"
        for kind in ("tree", "cut", "pca", "centroids") if draw_all else ("pca", "centroids"):
            jobs.append((kind, (g, options[kind]), writer.out, f"{stem}_{kind}",
                         tuple(formats)))
            keys.append((a, bq, kind))
    return _Grouped(results, verdicts, keys, figures.submit(jobs))
