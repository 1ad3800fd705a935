"""The report's page (``report.html``): a short summary first, the rest behind it.

Order of the page: what was read and how it was computed; **the summary** (each pair of
questions related after adjustment, with its heat map and a one-sentence reading, then the
groups of respondents found); every test in one table; the answers per question (bar charts,
tables folded); the other pairs' heat maps when drawn; every grouping; how the file was
read. Texts are in the page's language (:class:`espri_gpu.i18n.Words`); option texts (or
their codebook labels) and question labels are shown, never keywords alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .counting import Counts
from .html_report import HtmlReport
from .i18n import Words, describe_test
from .plotting import residuals
from .rare_answers import MIN_COUNT
from .survey import Survey

__all__ = ["Grouping", "PageContent", "grouping_verdict", "reading", "write_page"]

#: Groups holding fewer respondents than this are "too small to conclude", never "stable".
MIN_GROUP_SIZE = 5


@dataclass(frozen=True)
class Grouping:
    """One grouping of respondents as the page shows it."""

    a: str
    b: str
    result: object  # espri_gpu Groups
    notes: tuple[str, ...]
    found: bool               # reported as groups (stable, more than the patterns, not tiny)
    verdict: str
    figures: Mapping[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class PageContent:
    """Everything the page shows, computed by the pipeline (:mod:`espri_gpu.report`)."""

    survey: Survey
    words: Words
    backend: str
    seed: int
    n_resamples: int
    bars: Sequence[tuple[Counts, Path]]
    results: pd.DataFrame  # the tests: ScreenResult.to_frame()
    tables: Mapping[tuple[str, str], pd.DataFrame]  # as shown, the drawn (so related) pairs
    heatmaps: Mapping[tuple[str, str], Path]
    groupings: Sequence[Grouping]
    pooled: bool
    all_figures: bool


def grouping_verdict(g: object, words: Words) -> tuple[bool, str]:
    """Whether a grouping is reported as groups, and why in words.

    Groups that are only the distinct answer patterns, or that hold fewer than
    :data:`MIN_GROUP_SIZE` respondents, are said to be so — never "stable".
    """
    stability = words.number(float(g.stability), 2)
    if g.k >= g.n_patterns:
        return False, words("only_patterns", k=g.k)
    if int(np.min(g.sizes)) < MIN_GROUP_SIZE:
        return False, words("too_small", min_size=MIN_GROUP_SIZE)
    if g.stable:
        return True, words("stable", s=stability)
    return False, words("unstable", s=stability)


def reading(table: pd.DataFrame, row: object, words: Words) -> str:
    """One sentence reading a related pair: verdict, strength and the cell most above
    independence (at least 3 respondents in it).

    Examples
    --------
    >>> from espri_gpu import crosstab, load_example
    >>> from types import SimpleNamespace
    >>> t = crosstab(load_example("espri2020"), "compétence", "maturité_projet")
    >>> r = SimpleNamespace(p_bh=0.002, cramers_v=0.41, test="chi2-montecarlo")
    >>> reading(t, r, Words("en")).startswith("“Compétences en ML” and")
    True
    """
    a, b = table.attrs.get("row_title", table.index.name), table.attrs.get(
        "column_title", table.columns.name)
    fields = {"a": a, "b": b, "strength": words.strength(float(row.cramers_v)),
              "v": words.number(float(row.cramers_v), 2), "p": words.p(float(row.p_bh)),
              "test": describe_test(str(row.test), words.lang)}
    values = table.to_numpy(dtype=float)
    if values.sum() > 0:
        shade = np.where(values >= 3, residuals(values), -np.inf)
        i, j = np.unravel_index(int(np.argmax(shade)), shade.shape)
        if np.isfinite(shade[i, j]) and shade[i, j] > 0:
            expected = values.sum(axis=1)[i] * values.sum(axis=0)[j] / values.sum()
            rows = table.attrs.get("row_labels") or list(table.index)
            cols = table.attrs.get("column_labels") or list(table.columns)
            return words("reading", row=rows[i], col=cols[j], observed=int(values[i, j]),
                         expected=words.number(expected, 1), **fields)
    return words("reading_short", **fields)


def _title(survey: Survey, keyword: str) -> str:
    return survey.codebook.question(keyword).label


def _counts_table(c: Counts, words: Words) -> pd.DataFrame:
    t = c.table
    return pd.DataFrame({
        words("answer"): [c.labels.get(k, k) for k in t.index],
        words("count"): t["count"].to_numpy(),
        words("pct_respondents"): [words.number(v, 1) for v in t["pct_of_respondents"]],
        words("pct_mentions"): [words.number(v, 1) for v in t["pct_of_mentions"]],
        words("own_answer"): ["✓" if o else "" for o in t["other"]],
    })


def _tests_table(content: PageContent) -> pd.DataFrame:
    words, survey = content.words, content.survey
    rows = []
    for r in content.results.sort_values("p_bh", na_position="last").itertuples():
        rows.append({words("pair"): f"{_title(survey, r.a)} × {_title(survey, r.b)}",
                     "n": r.n, words("test"): describe_test(str(r.test), words.lang),
                     words("p"): words.p(float(r.pvalue)),
                     words("p_adjusted"): words.p(float(r.p_bh)),
                     "V": words.number(float(r.cramers_v), 2),
                     words("verdict"): words.verdict(float(r.p_bh))[1]})
    return pd.DataFrame(rows)


def write_page(content: PageContent) -> str:
    """The whole page as HTML text."""
    words, survey = content.words, content.survey
    rep = survey.report
    page = HtmlReport(f"{survey.codebook.title} — {words('report')}", lang=words.lang)
    related = content.results[content.results["p_bh"] < 0.05].sort_values(
        ["p_bh", "cramers_v"], ascending=[True, False])
    subgroup = (words("subgroup", filter=rep.filter, n=rep.n_before_filter)
                if rep.filter else "")
    page.paragraph(words("read_line", n=survey.n_respondents, file=Path(rep.source).name,
                         skipped=len(rep.skipped), subgroup=subgroup,
                         pairs=len(content.results), related=len(related)))
    page.paragraph(words("run_line", backend=content.backend, seed=content.seed,
                         resamples=content.n_resamples, version=__version__), "note")

    page.heading(words("summary"), anchor="summary")
    page.heading(words("related_pairs"), level=3)
    if related.empty:
        page.paragraph(words("none_related"))
    for r in related.itertuples():
        page.paragraph(reading(content.tables[(r.a, r.b)], r, words), "reading")
        if (r.a, r.b) in content.heatmaps:
            page.image(content.heatmaps[(r.a, r.b)], f"{r.a} × {r.b}")
    if content.groupings:
        page.heading(words("groups_found"), level=3)
        found = [g for g in content.groupings if g.found]
        if not found:
            page.paragraph(words("no_groups"))
        for g in sorted(found, key=lambda g: -float(g.result.stability)):
            _grouping(page, g, survey, words, open_=True)
        if any(not g.figures for g in found):
            page.paragraph(words("more_group_figures",
                                 n=sum(1 for g in found if g.figures)), "note")

    page.heading(words("tests"), anchor="tests")
    page.paragraph(words("tests_note", min_count=MIN_COUNT), "note")
    page.open_details(f"{words('other_pairs')} ({len(content.results)})")
    page.table(_tests_table(content), index=False)
    page.close_details()

    page.heading(words("counts"), anchor="counts")
    page.paragraph(words("percent_note"), "note")
    if content.pooled:
        page.paragraph(words("pooled_note", min_count=MIN_COUNT, pooled=words("pooled")),
                       "note")
    for c, png in content.bars:
        page.image(png, c.title or c.question)
        page.open_details(words("answered", q=c.title or c.question, n=c.n_answered,
                                m=c.n_mentions))
        page.table(_counts_table(c, words), index=False)
        page.close_details()

    shown_first = set(zip(related["a"], related["b"], strict=True))
    others = [pair for pair in content.heatmaps if pair not in shown_first]
    if others or not content.all_figures:
        page.heading(words("pairs"), anchor="pairs")
        if not content.all_figures:
            page.paragraph(words("more_figures"), "note")
        by_pair = {(r.a, r.b): r for r in content.results.itertuples()}
        for a, b in others:
            page.open_details(f"{_title(survey, a)} × {_title(survey, b)} — "
                              f"{words.verdict(float(by_pair[(a, b)].p_bh))[1]}")
            page.image(content.heatmaps[(a, b)], f"{a} × {b}")
            page.close_details()

    if content.groupings:
        page.heading(words("groups"), anchor="groups")
        page.paragraph(words("groups_note"), "note")
        for g in content.groupings:
            _grouping(page, g, survey, words, open_=False)

    page.heading(words("load"), anchor="load")
    _load_report(page, survey, words)
    return page.render()


def _grouping(page: HtmlReport, g: Grouping, survey: Survey, words: Words, *,
              open_: bool) -> None:
    line = words("groups_line", a=_title(survey, g.a), b=_title(survey, g.b), k=g.result.k,
                 n=g.result.n_used, verdict=g.verdict)
    if open_:
        page.paragraph(line, "reading")
        page.bullets(group_lines(g.result, survey, words))
        for kind in ("pca", "centroids"):
            if kind in g.figures:
                page.image(g.figures[kind], f"{g.a} × {g.b}: {kind}")
        return
    page.open_details(line)
    page.bullets(group_lines(g.result, survey, words) + list(g.notes))
    for kind in ("pca", "centroids", "cut", "tree"):
        if kind in g.figures:
            page.image(g.figures[kind], f"{g.a} × {g.b}: {kind}")
    page.table(centroid_table(g.result, survey, words), index=False)
    page.close_details()


def group_lines(g: object, survey: Survey, words: Words, top: int = 4) -> list[str]:
    """One line per group: its size, the answers over- and under-represented in it
    (hypergeometric p < 0.05, by absolute v-test), in the page's language."""
    def show(rows: pd.DataFrame) -> str:
        return ", ".join(
            f"{words.quote(survey.codebook.question(r.question).shown(r.option))} "
            f"{words.number(r.pct_group, 0)} % ({words('vs_all', pct=words.number(r.pct_all, 0))})"
            for r in rows.itertuples()) or "–"

    lines = []
    for k in range(g.k):
        rows = g.profiles[(g.profiles["group"] == k) & (g.profiles["pvalue"] < 0.05)]
        lines.append(words("group_line", g=k, n=int(g.sizes[k]),
                           over=show(rows[rows["v_test"] > 0].nlargest(top, "v_test")),
                           under=show(rows[rows["v_test"] < 0].nsmallest(top, "v_test"))))
    return lines


def centroid_table(g: object, survey: Survey, words: Words) -> pd.DataFrame:
    """The centroid table as people read it: an option per row, a group per column (% of
    the group ticking it), options by their texts."""
    frame = pd.DataFrame({
        words("question"): [survey.codebook.question(q).label for q, _ in g.columns],
        words("answer"): [survey.codebook.question(q).shown(kw) for q, kw in g.columns]})
    for k in range(g.k):
        frame[words("group", g=k, n=int(g.sizes[k]))] = [
            words.number(100 * v, 0) for v in g.centroids[k]]
    return frame


def _load_report(page: HtmlReport, survey: Survey, words: Words) -> None:
    rep = survey.report
    page.paragraph(words("source_line", file=Path(rep.source).name,
                         format=rep.file_format + (f", {rep.encoding}" if rep.encoding else ""),
                         rows=rep.n_rows, kept=rep.n_respondents, skipped=len(rep.skipped)))
    if rep.skipped:
        page.paragraph(words("skipped"))
        page.table(pd.DataFrame([{words("row"): s.row, words("reason"): s.reason}
                                 for s in rep.skipped]), index=False)
    if rep.personal_columns_dropped:
        page.paragraph(words("personal_dropped",
                             columns=", ".join(rep.personal_columns_dropped)))
    if rep.personal_data_redacted:
        page.paragraph(words("personal_redacted", where=", ".join(
            f"{keyword} ({n})" for keyword, n in rep.personal_data_redacted)))
    if rep.unmatched:
        page.open_details(f"{words('free_answers')} {len(rep.unmatched)}")
        page.table(pd.DataFrame([{words("question"): u.question, words("answer"): u.text,
                                  words("count"): u.count} for u in rep.unmatched]),
                   index=False)
        page.close_details()
    if rep.warnings:
        page.paragraph(words("warnings"))
        page.bullets(list(rep.warnings))
