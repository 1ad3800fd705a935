"""Figures that read well at A4 width: bar charts and heat maps of survey answers.

Every function takes ``ax=None`` (a new figure is made) and returns the Axes, so it fits a
notebook cell or a report. Long French labels are wrapped, never overlapped; the same
option gets the same colour in every figure (:func:`option_color`).
"""

from __future__ import annotations

import textwrap
import zlib
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg", force=False)  # headless by default (Slurm nodes, CI); notebooks keep theirs
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .counting import Counts
    from .stats import IndependenceResult

__all__ = ["bar_chart", "heatmap", "option_color", "wrap_label"]

#: A4 width minus margins, in inches.
A4_WIDTH = 7.5
_PALETTE = plt.get_cmap("tab20").colors


def wrap_label(text: str, width: int = 28, max_lines: int = 3) -> str:
    """Wrap a long label on word boundaries; shorten it with "…" beyond ``max_lines``.

    Examples
    --------
    >>> wrap_label("Réduction de dimension - Analyse d'espaces latents", 20)
    "Réduction de\\ndimension - Analyse\\nd'espaces latents"
    """
    lines = textwrap.wrap(str(text), width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, width - 1)] + "…"
    return "\n".join(lines)


def option_color(question: str, keyword: str) -> tuple[float, float, float]:
    """A colour for one option, the same in every figure and every run.

    Examples
    --------
    >>> option_color("ml_méthodes", "kmeans") == option_color("ml_méthodes", "kmeans")
    True
    """
    return _PALETTE[zlib.crc32(f"{question}\x1f{keyword}".encode()) % len(_PALETTE)]


def _axes(ax: Axes | None, height: float) -> Axes:
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=(A4_WIDTH, height), layout="constrained")
    return ax


def bar_chart(counts: Counts, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Horizontal bars of the answers to one question, most frequent first.

    Each bar is annotated with its count and its share of the respondents who answered;
    the title says how many answered (``n = 44 respondents``).

    Parameters
    ----------
    counts : Counts
        From :func:`espri_gpu.counts`.
    ax : matplotlib Axes, optional
    title : str, optional
        Default: the question keyword.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from espri_gpu import counts, load_example
    >>> from espri_gpu.plotting import bar_chart
    >>> ax = bar_chart(counts(load_example("espri2020"), "ml_méthodes"))
    >>> "n = 44 respondents" in ax.get_title()
    True
    """
    table = counts.table.sort_values("count", ascending=True)
    ax = _axes(ax, max(2.0, 0.32 * len(table) + 1.2))
    labels = [wrap_label(k, 34, 2) for k in table.index]
    colors = [option_color(counts.question, k) for k in table.index]
    y = np.arange(len(table))
    ax.barh(y, table["count"], color=colors)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("respondents" if counts.n_mentions == counts.n_answered else "mentions")
    top = max(1, int(table["count"].max()))
    ax.set_xlim(0, top * 1.28)
    for yi, (count, pct) in enumerate(zip(table["count"], table["pct_of_respondents"],
                                          strict=True)):
        ax.text(count + top * 0.01, yi, f"{count} ({pct:.0f} %)", va="center", fontsize=7)
    ax.set_title(f"{title or counts.question} — n = {counts.n_answered} respondents",
                 fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def heatmap(table: pd.DataFrame, *, ax: Axes | None = None, color: str = "count",
            result: IndependenceResult | Any | None = None) -> Axes:
    """Heat map of a cross table with every cell annotated with its count.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`espri_gpu.crosstab` (all-zero rows and columns are left out).
    ax : matplotlib Axes, optional
    color : {"count", "residual"}
        Colour by count, or by the cell's standardized residual (count − expected) /
        √expected (blue below, red above independence).
    result : IndependenceResult, optional
        Its test and p-value are written under the figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from espri_gpu import crosstab, load_example
    >>> from espri_gpu.plotting import heatmap
    >>> ax = heatmap(crosstab(load_example("espri2020"), "compétence", "maturité_projet"))
    >>> len(ax.texts)
    15
    """
    if color not in ("count", "residual"):
        raise ValueError(f"`color` is {color!r}; expected 'count' or 'residual'")
    data = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    values = data.to_numpy(dtype=float)
    rows, cols = data.shape
    ax = _axes(ax, max(2.4, 0.38 * rows + 2.2))
    if color == "residual" and values.sum() > 0:
        expected = np.outer(values.sum(axis=1), values.sum(axis=0)) / values.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            shade = np.where(expected > 0, (values - expected) / np.sqrt(expected), 0.0)
        limit = max(2.0, float(np.abs(shade).max()))
        image = ax.imshow(shade, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        label = "standardized residual"
        dark = np.abs(shade) > 0.6 * limit
    else:
        image = ax.imshow(values, cmap="Blues", aspect="auto")
        label = "respondents"
        dark = values > 0.6 * (values.max() if values.size else 0)
    for i in range(rows):
        for j in range(cols):
            ax.text(j, i, f"{int(values[i, j])}", ha="center", va="center", fontsize=7,
                    color="white" if dark[i, j] else "black")
    ax.set_xticks(range(cols), [wrap_label(c, 20, 2) for c in data.columns], fontsize=7,
                  rotation=60, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(rows), [wrap_label(r, 22, 2) for r in data.index], fontsize=7)
    ax.set_xlabel(str(data.columns.name or ""), fontsize=9)
    ax.set_ylabel(str(data.index.name or ""), fontsize=9)
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=label)
    if result is not None:
        ax.set_title(f"{result.test}: p = {_p(result.pvalue)} (n = {result.n} respondents)",
                     fontsize=9)
    return ax


def _p(p: float) -> str:
    if p != p:  # NaN
        return "n/a"
    return f"{p:.2g}" if p >= 1e-4 else "< 0.0001"
