"""Command line: ``python -m espri_gpu {report,codebook,bench,info} …``.

User errors (a bad file, an unknown option, a GPU asked for and absent) print one line,
``espri_gpu: error: …``, and exit with code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from .defaults import DEFAULT_RESAMPLES
from .errors import BackendUnavailableError, SurveyInputError

__all__ = ["main", "parse_args"]

log = logging.getLogger("espri_gpu")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line (see ``python -m espri_gpu --help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m espri_gpu",
        description="GPU-accelerated analytics of categorical survey data.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    report = sub.add_parser("report", help="analyse a survey export (default: bundled example)")
    report.add_argument("responses", nargs="?", metavar="RESPONSES",
                        help="responses file (.csv, .xlsx, .ods); default: bundled espri2020")
    report.add_argument("--codebook", metavar="FILE",
                        help="codebook TOML of RESPONSES (default: draft one into "
                             "OUT/codebook.toml and use it)")
    report.add_argument("--interpretations", metavar="FILE",
                        help="keywords given to free-text answers (respondent,question,keyword)")
    report.add_argument("--out", metavar="DIR", default="espri_gpu_out",
                        help="output directory (default: %(default)s)")
    report.add_argument("--backend", default=None, metavar="{auto,cpu,gpu}",
                        help="where to compute (default: $ESPRI_GPU_BACKEND or auto)")
    report.add_argument("--skip-bad-rows", action="store_true",
                        help="skip and list rows with bad cells instead of stopping")
    report.add_argument("--seed", type=int, default=0,
                        help="seed of every random draw (default: %(default)s)")
    report.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES, metavar="B",
                        help="random tables / resamples per test (default: %(default)s)")
    report.add_argument("--pairs", metavar="SPEC",
                        help="pairs to cross and test: 'a,b,c' (every pair among them) or "
                             "'a:b,a:c'; default: every pair of questions")
    report.add_argument("--groups", metavar="SPEC",
                        help="pairs of multiple-choice questions to group respondents on "
                             "(same syntax; '' for none); default: every pair of "
                             "multiple-choice columns")
    report.add_argument("--where", metavar="SPEC",
                        help="report on a subgroup: 'lab=LMD,LSCE' (any of these answers), "
                             "several conditions joined by ';' (all of them)")
    report.add_argument("--lang", choices=("fr", "en"),
                        help="language of the page and figures (default: the codebook's "
                             "`language`, French for the bundled example)")
    report.add_argument("--figures", choices=("related", "all"), default="related",
                        help="heat maps and group figures for the related pairs and the "
                             "groups found (default), or for every pair and grouping")
    report.add_argument("--keep-rare-answers", action="store_true",
                        help="keep free answers given by fewer than 5 respondents apart in "
                             "figures and page tables (default: pooled into one)")
    report.add_argument("--formats", default="png", metavar="png,svg,pdf",
                        help="figure formats (default: %(default)s)")
    report.add_argument("--verbose", action="store_true",
                        help="also show the Dask cluster's INFO log lines (scheduler, workers, "
                             "connections)")
    dask = report.add_mutually_exclusive_group()
    dask.add_argument("--cluster", metavar="{local,ADDRESS}",
                      help="run on Dask: 'local' (a worker per core, or per GPU with the GPU "
                           "backend) or a scheduler address such as tcp://node1:8786 "
                           "(default: one process)")
    dask.add_argument("--scheduler-file", metavar="PATH",
                      help="run on the Dask cluster whose scheduler wrote PATH (multi-node "
                           "Slurm jobs: slurm/dask-multinode.sbatch)")

    draft = sub.add_parser("codebook", help="draft a codebook for an export, to check and edit")
    draft.add_argument("responses", metavar="EXPORT",
                       help="responses file (.csv, .xlsx, .ods)")
    draft.add_argument("-o", "--output", default="codebook.toml", metavar="FILE",
                       help="where to write it ('-': print it; default: %(default)s)")
    draft.add_argument("--force", action="store_true",
                       help="overwrite FILE if it exists (default: keep it and stop)")

    bench = sub.add_parser("bench", help="time espri_gpu against the usual alternatives")
    bench.add_argument("--size", default="small", metavar="tiny|small|medium|large[,…]",
                       help="problem size, or several separated by commas (default: "
                            "%(default)s, about 1.5 minutes on 2 cores)")
    bench.add_argument("--only", nargs="+", metavar="NAME", help="run only these workloads")
    bench.add_argument("--backend", default="cpu", choices=("cpu", "gpu", "all"),
                       help="espri_gpu backend(s) to time (default: %(default)s)")
    bench.add_argument("--repeat", type=int, default=3, help="timed runs, median reported")
    bench.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    bench.add_argument("--json", metavar="FILE", help="write machine, versions and timings")
    bench.add_argument("--plot", metavar="FILE",
                       help="draw time vs n (log-log) per workload and backend (PNG/SVG/PDF)")

    sub.add_parser("info", help="versions, backend choice and visible GPUs")
    return parser.parse_args(argv)


def _run_bench(args: argparse.Namespace) -> int:
    from .bench import format_table, results_json, run_bench, write_json

    results = []
    for size in [s.strip() for s in args.size.split(",") if s.strip()]:
        results += run_bench(size=size, only=args.only, backend=args.backend,
                             repeat=args.repeat, seed=args.seed,
                             progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(format_table(results))
    if args.plot:
        from .bench import plot_results

        plot_results(results, args.plot)
        print(f"wrote {args.plot}")
    if args.json:
        command = "python -m espri_gpu " + " ".join(sys.argv[1:] if sys.argv else [])
        write_json(args.json, results_json(results, command=command))
        print(f"wrote {args.json}")
    return 0


def _run_codebook(args: argparse.Namespace) -> int:
    import shlex
    import tomllib
    from pathlib import Path

    from .drafting import draft_codebook_toml
    from .outputs import write_text

    output = Path(args.output)
    if args.output != "-" and output.exists() and not args.force:
        raise SurveyInputError(f"{output} already exists; pass --force to replace it, or "
                               "-o ANOTHER.toml")
    text = draft_codebook_toml(args.responses, output=args.output)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    write_text(output, text)
    kinds: dict[str, int] = {}
    for column in tomllib.loads(text)["columns"]:
        kinds[column["kind"]] = kinds.get(column["kind"], 0) + 1
    summary = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    print(f"drafted {output} ({summary}; {text.count('CHECK:')} guesses marked CHECK): "
          "check and edit it, then run: python -m espri_gpu report "
          f"{shlex.quote(args.responses)} --codebook {shlex.quote(args.output)}")
    return 0


def _quiet_dask(verbose: bool) -> None:
    """Keep Dask's INFO lines (scheduler, nanny, connections) out of the terminal unless
    ``--verbose``: its loggers, and those of the worker processes it starts, say warnings
    and errors only."""
    level = logging.INFO if verbose else logging.WARNING
    if not verbose:
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # worker processes
    try:
        import distributed  # noqa: F401  (configures its loggers on import)
    except ImportError:
        return
    logging.getLogger("distributed").setLevel(level)
    logging.getLogger("espri_gpu.distributed").setLevel(level)
    logging.getLogger("espri_gpu.responses_partitioned").setLevel(level)


def _check_inputs(args: argparse.Namespace) -> None:
    """The input files exist and can be opened: said in a fraction of a second, before the
    analysis libraries are loaded (the readers check everything else)."""
    from pathlib import Path

    if args.responses is None:  # the bundled example; run_report says what else is wrong
        return
    for path, what in ((args.responses, "the responses file"),
                       (args.codebook, "the codebook (--codebook)"),
                       (args.interpretations, "the interpretations file (--interpretations)")):
        if path is None:
            continue
        if not Path(path).exists():
            raise SurveyInputError(f"{path} does not exist; check the path of {what}")
        if Path(path).is_dir():
            raise SurveyInputError(f"{path} is a folder; expected {what}")
        if not os.access(path, os.R_OK):
            raise SurveyInputError(f"{path} cannot be read (permissions); check the access "
                                   f"rights of {what}")


def _run_report(args: argparse.Namespace) -> int:
    _check_inputs(args)
    from .progress import Progress
    from .report import run_report

    if args.cluster or args.scheduler_file:
        _quiet_dask(args.verbose)
    progress = Progress(sys.stderr)
    formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    result = run_report(args.responses, codebook=args.codebook,
                        interpretations=args.interpretations, out=args.out,
                        backend=args.backend, seed=args.seed, n_resamples=args.resamples,
                        pairs=args.pairs, groups=args.groups, formats=formats,
                        skip_bad_rows=args.skip_bad_rows, progress=progress,
                        cluster=args.cluster, scheduler_file=args.scheduler_file,
                        where=args.where, lang=args.lang, figures=args.figures,
                        keep_rare_answers=args.keep_rare_answers)
    print(f"wrote {len(result.files)} files to {result.out_dir.resolve()} "
          f"({result.n_respondents} respondents, {result.n_skipped} rows skipped; backend "
          f"{result.backend}); {progress.summary()}")
    print(f"open {(result.out_dir / 'report.html').resolve()}")
    if result.drafted_codebook is not None:
        import shlex

        path = shlex.quote(str(result.drafted_codebook))
        print(f"no --codebook given: drafted and used {result.drafted_codebook}; check and edit "
              "it (kinds, options, lines marked CHECK), then re-run: python -m espri_gpu report "
              f"{shlex.quote(str(args.responses))} --codebook {path}"
              + (f" --out {shlex.quote(args.out)}" if args.out != "espri_gpu_out" else "")
              + (f" --where {shlex.quote(args.where)}" if args.where else ""))
    return 0


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (Slurm's scancel, a time limit) unwinds like Ctrl-C: no partial files."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 2 user error)."""
    args = parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    try:
        if args.command == "info":
            from .info import info_text

            print(info_text())
            return 0
        if args.command == "bench":
            return _run_bench(args)
        if args.command == "codebook":
            return _run_codebook(args)
        return _run_report(args)
    except (SurveyInputError, BackendUnavailableError) as exc:
        print(f"espri_gpu: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. --out on a read-only or full disk
        where = f" {exc.filename}" if exc.filename else ""
        print(f"espri_gpu: error: cannot write{where}: {exc.strerror or exc}; "
              "choose another --out directory", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("espri_gpu: interrupted", file=sys.stderr)
        return 130
