"""Figures that read well at A4 width: bar charts and heat maps of survey answers.

Every function takes ``ax=None`` (a new figure is made) and returns the Axes, so it fits a
notebook cell or a report. Long French labels are wrapped, never overlapped; the same
option gets the same colour in every figure (:func:`option_color`).
"""

from __future__ import annotations

import textwrap
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg", force=False)  # headless by default (Slurm nodes, CI); notebooks keep theirs
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .i18n import Words, describe_test  # noqa: E402
from .stats.residuals import standardized_residuals as residuals  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .counting import Counts
    from .grouping import Groups
    from .stats import Chi2Result, IndependenceResult

__all__ = ["bar_chart", "centroid_heatmap", "dendrogram", "group_color", "heatmap",
           "option_color", "pca_scatter", "residuals", "wrap_label"]

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


def bar_chart(counts: Counts, *, ax: Axes | None = None, title: str | None = None,
              words: Words | None = None, top: int = 20) -> Axes:
    """Horizontal bars of the answers to one question, most frequent first.

    Bars are labelled with the options' texts (their codebook ``label`` when set), wrapped;
    each is annotated with its count and its share of the respondents who answered; the
    title says how many answered (``n = 44 respondents``). A scale (``ordered``) keeps its
    order; otherwise only the ``top - 1`` most frequent answers get a bar of their own when
    there are more than ``top``, the rest one bar "n other answers" (their mentions).

    Parameters
    ----------
    counts : Counts
        From :func:`espri_gpu.counts`.
    ax : matplotlib Axes, optional
    title : str, optional
        Default: the question's label.
    words : Words, optional
        Language of the axis texts (default English).
    top : int
        Most bars drawn for an unordered question.

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
    >>> ax = bar_chart(counts(load_example("espri2020"), "ml_méthodes"), top=4)
    >>> ax.get_yticklabels()[0].get_text()  # bottom bar: the rest
    '13 other answers'
    """
    words = words or Words("en")
    # bars are drawn bottom-up: a scale in its order from the top, else the largest on top
    table = counts.table.iloc[::-1] if counts.ordered else counts.table.sort_values(
        "count", ascending=True, kind="stable")
    labels = [counts.labels.get(k, k) for k in table.index]
    colors = [option_color(counts.question, k) for k in table.index]
    values, shares = table["count"].tolist(), table["pct_of_respondents"].tolist()
    if not counts.ordered and len(table) > top:
        rest = len(table) - (top - 1)
        labels = [words("others", n=rest)] + labels[rest:]
        colors = [(0.6, 0.6, 0.6)] + colors[rest:]
        values = [int(sum(values[:rest]))] + values[rest:]
        shares = [float("nan")] + shares[rest:]
    ax = _axes(ax, max(2.0, 0.32 * len(values) + 1.2))
    y = np.arange(len(values))
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, [wrap_label(label, 34, 2) for label in labels], fontsize=8)
    ax.set_xlabel(words("respondents" if counts.n_mentions == counts.n_answered
                        else "mentions"))
    highest = max(1, int(max(values, default=0)))
    ax.set_xlim(0, highest * 1.28)
    for yi, (count, pct) in enumerate(zip(values, shares, strict=True)):
        note = f"{count}" if pct != pct else f"{count} ({words.number(pct, 0)} %)"
        ax.text(count + highest * 0.01, yi, note, va="center", fontsize=7)
    heading = title or counts.title or counts.question
    ax.set_title(wrap_label(f"{heading} — {words('n_respondents', n=counts.n_answered)}", 80,
                            2), fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def heatmap(table: pd.DataFrame, *, ax: Axes | None = None, color: str = "count",
            result: IndependenceResult | Chi2Result | None = None, title: str | None = None,
            words: Words | None = None) -> Axes:
    """Heat map of a cross table with every cell annotated with its count.

    Rows and columns are labelled with the options' texts and the axes with the questions'
    labels (from the table's ``attrs``, as :func:`espri_gpu.crosstab` sets them).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`espri_gpu.crosstab` (all-zero rows and columns are left out).
    ax : matplotlib Axes, optional
    color : {"count", "residual"}
        Colour by count, or by the cell's adjusted standardized residual (blue below, red
        above independence; ~N(0, 1) under independence:
        :func:`~espri_gpu.stats.residuals.standardized_residuals`, as ``chi2_test``).
    result : IndependenceResult or Chi2Result, optional
        Its test and p-value are written as the title (unless ``title`` is given). A
        :class:`~espri_gpu.stats.Chi2Result` of this table (``chi2_test(table)``) also
        gives the residuals the cells are coloured by.
    title : str, optional
    words : Words, optional
        Language of the axis texts (default English).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from espri_gpu import crosstab, load_example
    >>> from espri_gpu.plotting import heatmap
    >>> ax = heatmap(crosstab(load_example("espri2020"), "compétence", "maturité_projet"))
    >>> len(ax.texts)  # one per non-empty cell
    10
    >>> ax.get_ylabel()
    'Compétences en ML'

    Coloured by the residuals of a χ² test of the same table:

    >>> from espri_gpu import chi2_test
    >>> t = crosstab(load_example("espri2020"), "compétence", "maturité_projet")
    >>> r = chi2_test(t, method="montecarlo", n_resamples=99, seed=1)
    >>> ax = heatmap(t, color="residual", result=r)
    >>> bool((ax.images[0].get_array() == r.residuals.to_numpy()).all())
    True
    """
    if color not in ("count", "residual"):
        raise ValueError(f"`color` is {color!r}; expected 'count' or 'residual'")
    words = words or Words("en")
    row_labels = dict(zip(table.index, table.attrs.get("row_labels") or table.index,
                          strict=True))
    column_labels = dict(zip(table.columns, table.attrs.get("column_labels") or table.columns,
                             strict=True))
    data = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    values = data.to_numpy(dtype=float)
    rows, cols = data.shape
    ax = _axes(ax, max(2.4, 0.38 * rows + 2.2))
    if color == "residual" and values.sum() > 0:
        shade = _residuals_of(data, result)
        limit = max(2.0, float(np.abs(shade).max()))
        image = ax.imshow(shade, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        label = wrap_label(words("residual"), 30, 2)
        dark = np.abs(shade) > 0.6 * limit
    else:
        image = ax.imshow(values, cmap="Blues", aspect="auto")
        label = words("respondents")
        dark = values > 0.6 * (values.max() if values.size else 0)
    for i, j in zip(*np.nonzero(values), strict=True):  # empty cells stay blank: easier to read
        ax.text(j, i, f"{int(values[i, j])}", ha="center", va="center", fontsize=7,
                color="white" if dark[i, j] else "black")
    ax.set_xticks(range(cols), [wrap_label(column_labels[c], 22, 2) for c in data.columns],
                  fontsize=7, rotation=60, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(rows), [wrap_label(row_labels[r], 30, 2) for r in data.index],
                  fontsize=7)
    ax.set_xlabel(wrap_label(str(table.attrs.get("column_title") or data.columns.name or ""),
                             70, 2), fontsize=9)
    ax.set_ylabel(wrap_label(str(table.attrs.get("row_title") or data.index.name or ""), 40, 2),
                  fontsize=9)
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=label)
    if title is None and result is not None:
        test = getattr(result, "test", None)
        title = (f"{describe_test(test or f'chi2-{result.method}', words.lang)}: "
                 f"p = {words.p(result.pvalue)}")
        if test is not None:  # an IndependenceResult counts respondents, a table's n may not
            title += f" ({words('n_respondents', n=result.n)})"
    if title:
        ax.set_title(wrap_label(title, 90, 3), fontsize=9)
    return ax


def _residuals_of(data: pd.DataFrame, result: object) -> np.ndarray:
    """The residuals a heat map of ``data`` (empty rows and columns left out) is coloured by:
    those of ``result`` when it is a χ² test of this table, else computed from ``data``."""
    given = getattr(result, "residuals", None)
    if given is None:
        return residuals(data.to_numpy(dtype=float))
    by_position = isinstance(given.index, pd.RangeIndex) and isinstance(given.columns,
                                                                       pd.RangeIndex)
    if given.shape != data.shape or not (by_position or (
            given.index.equals(data.index) and given.columns.equals(data.columns))):
        raise ValueError(f"`result` holds the residuals of a {given.shape[0]} × "
                         f"{given.shape[1]} table, not of this {data.shape[0]} × "
                         f"{data.shape[1]} one; pass chi2_test(table) of the table drawn")
    return given.to_numpy(dtype=float)


def group_color(group: int) -> tuple[float, float, float]:
    """The colour of group ``group`` in every group figure."""
    return plt.get_cmap("tab10").colors[group % 10]


def dendrogram(result: Groups, *, ax: Axes | None = None, cut: bool = False,
               words: Words | None = None, title: str | None = None) -> Axes:
    """The Ward tree of a grouping, whole or cut at the chosen number of groups.

    Parameters
    ----------
    result : Groups
        From :func:`espri_gpu.groups`.
    ax : matplotlib Axes, optional
    cut : bool
        Show only the top of the tree: one leaf per group of the cut at ``result.k``
        (the original report's "coupé au niveau k"), with the cut height drawn.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from espri_gpu import groups, load_example
    >>> from espri_gpu.plotting import dendrogram
    >>> g = groups(load_example("espri2020"), ["ml_méthodes", "ml_usages"], k=3,
    ...            n_bootstrap=0)
    >>> dendrogram(g, cut=True).get_ylabel()
    'Ward distance'
    """
    from scipy.cluster import hierarchy

    words = words or Words("en")
    ax = _axes(ax, 3.6)
    z = result.linkage
    if z.shape[0] == 0:
        ax.text(0.5, 0.5, "a single leaf: no tree", ha="center", transform=ax.transAxes)
        return ax
    kwargs: dict[str, Any] = {"ax": ax, "color_threshold": 0, "above_threshold_color": "#555"}
    if cut:
        kwargs.update(truncate_mode="lastp", p=result.k, show_leaf_counts=False)
        k = min(result.k, z.shape[0] + 1)
        if k <= 1:
            height = z[-1, 2] * 1.05
        elif k > z.shape[0]:  # every leaf its own group: cut below the lowest merge
            height = z[0, 2] / 2
        else:
            height = (z[-k, 2] + z[-k + 1, 2]) / 2
    else:
        kwargs.update(no_labels=z.shape[0] > 60)
    drawn = hierarchy.dendrogram(z, **kwargs)
    if cut:
        ax.axhline(height, color="#c53030", linestyle="--", linewidth=1)
        ax.set_xticks([])
        ax.set_xlabel(words("cut_below", k=len(drawn["leaves"])), fontsize=8)
    ax.set_ylabel(words("ward_distance"))
    what = title or " × ".join(result.questions)
    leaves = words("patterns" if result.tree_leaves == "patterns" else "preclusters")
    heading = (words("cut_at", what=what, k=result.k) if cut
               else words("tree_of", what=what, leaves=leaves))
    ax.set_title(wrap_label(heading, 90, 2), fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def pca_scatter(result: Groups, *, ax: Axes | None = None, words: Words | None = None,
                title: str | None = None) -> Axes:
    """Respondents on the first two principal components, coloured by group; centroids marked.

    Many respondents share an answer pattern (and so a point): points are jittered a little
    so that their number stays visible; the axis labels give the explained variance.

    Examples
    --------
    >>> from espri_gpu import groups, load_example
    >>> from espri_gpu.plotting import pca_scatter
    >>> g = groups(load_example("espri2020"), ["ml_méthodes", "ml_usages"], k=3,
    ...            n_bootstrap=0)
    >>> pca_scatter(g).get_xlabel().startswith("PC1")
    True
    """
    words = words or Words("en")
    ax = _axes(ax, 4.6)
    used = result.labels >= 0
    coords = result.pca_coordinates[used]
    labels = result.labels[used]
    if coords.shape[1] < 2:
        coords = np.column_stack([coords, np.zeros(len(coords))])
    rng = np.random.default_rng(result.seed)
    spread = np.nanstd(coords, axis=0) * 0.03 + 1e-9
    shown = coords[:, :2] + rng.normal(0.0, spread[:2], size=(len(coords), 2))
    limit = 20_000
    if len(shown) > limit:  # draw a fixed sample of a huge survey
        keep = rng.choice(len(shown), limit, replace=False)
        shown, labels = shown[keep], labels[keep]
    for g in range(result.k):
        mask = labels == g
        ax.scatter(shown[mask, 0], shown[mask, 1], s=12, alpha=0.6, color=group_color(g),
                   label=words("group", g=g, n=int(result.sizes[g])), linewidths=0)
    centres = result.pca_centroids
    if centres.shape[1] >= 2:
        ax.scatter(centres[:, 0], centres[:, 1], marker="X", s=120, c=[group_color(g) for g in
                   range(result.k)], edgecolors="black", linewidths=1, label=words("centroids"))
    ratio = result.explained_variance_ratio
    for axis, name in enumerate(("PC1", "PC2")):
        text = (words("component", name=name, pct=words.number(100 * ratio[axis], 0))
                if len(ratio) > axis else name)
        (ax.set_xlabel if axis == 0 else ax.set_ylabel)(text)
    what = title or " × ".join(result.questions)
    ax.set_title(wrap_label(words("pca_title", what=what, k=result.k, n=result.n_used,
                                  s=words.number(result.stability, 2)), 90, 2), fontsize=9)
    ax.legend(fontsize=7, loc="best", frameon=False)
    return ax


def centroid_heatmap(result: Groups, *, ax: Axes | None = None, words: Words | None = None,
                     labels: Mapping[tuple[str, str], str] | None = None,
                     titles: Mapping[str, str] | None = None) -> Axes:
    """Share of each group ticking each option (the centroid table) as a heat map.

    ``labels`` maps ``(question, option keyword)`` to what the columns show (default: the
    keyword), ``titles`` a question to its label.

    Examples
    --------
    >>> from espri_gpu import groups, load_example
    >>> from espri_gpu.plotting import centroid_heatmap
    >>> g = groups(load_example("espri2020"), ["ml_méthodes", "ml_usages"], k=3,
    ...            n_bootstrap=0)
    >>> len(centroid_heatmap(g).get_yticklabels())
    3
    """
    words, labels, titles = words or Words("en"), labels or {}, titles or {}
    values = 100 * result.centroids
    ax = _axes(ax, max(2.6, 0.4 * result.k + 2.8))
    image = ax.imshow(values, cmap="Greens", vmin=0, vmax=100, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, f"{values[i, j]:.0f}", ha="center", va="center", fontsize=6,
                    color="white" if values[i, j] > 60 else "black")
    names = [wrap_label(labels.get((q, kw), kw), 30, 1) for q, kw in result.columns]
    ax.set_xticks(range(len(names)), names, fontsize=6, rotation=90)
    ax.set_yticks(range(result.k), [words("group", g=g, n=int(result.sizes[g]))
                                    for g in range(result.k)], fontsize=7)
    questions = list(dict.fromkeys(q for q, _ in result.columns))
    start = 0
    for q in questions[:-1]:  # separate the questions' options
        start += sum(1 for qq, _ in result.columns if qq == q)
        ax.axvline(start - 0.5, color="black", linewidth=1)
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=wrap_label(words("group_share"), 24, 2))
    ax.set_title(wrap_label(" | ".join(titles.get(q, q) for q in questions), 90, 2), fontsize=9)
    return ax
