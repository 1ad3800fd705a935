"""Figures of the report: drawn in worker processes, each file saved atomically.

A figure job is a picklable tuple ``(kind, payload, out, stem, formats)``; :class:`FigurePool`
draws a list of them in worker processes (started as soon as the input has been read, so
that their imports overlap the statistics) or in-process on one core. Workers ignore SIGTERM:
``scancel`` signals the whole process group, the main process stops the pool and each worker
finishes the file it is writing, so no temporary file is left behind.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from . import plotting
from .html_report import palette_png
from .machine import usable_cores
from .outputs import atomic_file
from .progress import Progress

__all__ = ["FigurePool", "save_figure"]


def save_figure(fig: plt.Figure, out: Path, relative_stem: str,
                formats: Sequence[str]) -> list[Path]:
    """Save ``fig`` as PNG and every other format, each atomically; close it."""
    saved = []
    try:
        for fmt in dict.fromkeys(("png", *formats)):
            path = out / f"{relative_stem}.{fmt}"
            with atomic_file(path) as tmp:
                if fmt == "png":  # palette PNG: the page embeds it, a third of the size
                    fig.set_dpi(100)
                    fig.canvas.draw()
                    Path(tmp).write_bytes(palette_png(np.asarray(fig.canvas.buffer_rgba())))
                else:
                    fig.savefig(tmp, format=fmt, dpi=100)
            saved.append(path)
    finally:
        plt.close(fig)
    return saved


def _render(job: tuple) -> list[Path]:
    """Worker: draw and save one figure (may run in a separate process).

    ``job`` is ``(kind, (data, options), out, stem, formats)``; ``options`` are keyword
    arguments of the plotting function. Kinds: ``bars`` (data: Counts), ``heatmap`` (a cross
    table), ``tree``, ``cut``, ``pca``, ``centroids`` (a Groups result).
    """
    kind, (data, options), out, stem, formats = job
    if kind == "bars":
        ax = plotting.bar_chart(data, **options)
    elif kind == "heatmap":
        ax = plotting.heatmap(data, color="residual", **options)
    elif kind in ("tree", "cut"):
        ax = plotting.dendrogram(data, cut=kind == "cut", **options)
    elif kind == "pca":
        ax = plotting.pca_scatter(data, **options)
    else:
        ax = plotting.centroid_heatmap(data, **options)
    return save_figure(ax.figure, out, stem, formats)


def _ignore_sigterm() -> None:
    """Figure workers leave SIGTERM to the main process (``scancel`` signals the whole process
    group): it stops the pool, which lets each worker finish the file it is writing."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _warm_up() -> int:
    """Worker start-up: importing this module (to run this task) imports the plotting stack
    before the first figure is needed."""
    return 0


class FigurePool:
    """Worker processes for figures, started once the input is read so that their start-up
    (imports) overlaps the statistics; in-process when one core is available."""

    def __init__(self) -> None:
        self.workers = min(usable_cores(), 8)
        self.pool = None

    def start(self) -> None:
        """Start the workers (once the input has been read and checked)."""
        if self.workers >= 2 and self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_ignore_sigterm)
            for _ in range(self.workers):
                self.pool.submit(_warm_up)

    def render(self, jobs: list[tuple], progress: Progress, what: str) -> list[list[Path]]:
        """Render figure jobs (in order)."""
        return self.collect(self.submit(jobs), progress, what)

    def submit(self, jobs: list[tuple]) -> list:
        """Start rendering ``jobs`` in the workers (in-process, at once, without workers)."""
        if self.pool is None or len(jobs) < 4:
            return [functools.partial(_render, job) for job in jobs]
        return [self.pool.submit(_render, job) for job in jobs]

    def collect(self, handles: list, progress: Progress, what: str) -> list[list[Path]]:
        """Wait for submitted jobs (in order); the files of each."""
        return [h.result() if isinstance(h, Future) else h()
                for h in progress.track(handles, what)]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
