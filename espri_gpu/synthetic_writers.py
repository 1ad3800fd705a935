"""The survey tools' layouts of :mod:`espri_gpu.synthetic_layouts`: one writer per tool.

Each writer takes the answers drawn (:func:`~espri_gpu.synthetic_answers.draw_answers`), writes
the export's bytes as the tool does (what each layout mimics is described in
:mod:`espri_gpu.synthetic_layouts`) and the codebook a person would write for it, and returns
the :class:`~espri_gpu.synthetic_answers.SyntheticExport`; :data:`WRITERS` gives the writer of
each layout.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from .synthetic_answers import (
    EMAIL,
    GRID,
    GRID_ROWS,
    LABO,
    NIVEAU,
    OUTILS,
    PROJET,
    SCALE,
    TIMESTAMP,
    USAGES,
    Draw,
    QuestionTruth,
    SyntheticExport,
    question_truth,
    spec_options,
)

__all__ = ["WRITERS", "forms_export", "kaggle_export", "limesurvey_export", "typeform_export"]

# The layouts. Each returns the export from columns: (header row 1, header row 2, cells).

def forms_export(draw: Draw, layout: str, rng: np.random.Generator) -> SyntheticExport:
    """The Google Forms layouts: ``"forms"``, ``"forms-semicolon"``, ``"forms-grid"`` and
    ``"r-resaved"`` (the Forms export re-saved by R)."""
    sep = ";" if layout == "forms-semicolon" else ", "
    columns = [(TIMESTAMP, "", [_french(t) for t in draw.stamps.tolist()]),
               (EMAIL, "", draw.emails)]
    entries: list[dict[str, Any]] = [
        {"keyword": "date", "header": TIMESTAMP, "kind": "timestamp"},
        {"keyword": "email", "header": EMAIL, "kind": "personal"}]
    truth: dict[str, QuestionTruth] = {}
    _add_single_choice(draw, columns, entries, truth)
    for spec in (OUTILS, USAGES):
        keyword, header, _ = spec
        truth[keyword] = question_truth(draw, keyword, *spec_options(spec))
        texts = spec_options(spec)[1]
        others = draw.others if keyword == "outils" else [""] * draw.n
        cells = [sep.join([t for t, on in zip(texts, row, strict=True) if on] + ([o] if o else []))
                 for row, o in zip(draw.ticks[keyword], others, strict=True)]
        columns.append((header, "", cells))
        entries.append(_choice_entry(spec, "multiple"))
    columns.append((PROJET[1], "", draw.projects))
    entries.append({"keyword": "projet", "header": PROJET[1], "kind": "free"})
    if layout == "forms-grid":
        keywords, texts = zip(*SCALE, strict=True)
        for row, row_text in GRID_ROWS:
            truth[f"satisf.{row}"] = question_truth(draw, f"satisf.{row}", keywords, texts)
            columns.append((f"{GRID[1]} [{row_text}]", "",
                            _single_cells(draw.single[f"satisf.{row}"], texts)))
        entries.append(_grid_entry())
    top: dict[str, Any] = {"separator": sep} if sep != ", " else {}
    stamps = {"date": draw.stamps}
    free = {"projet": np.array(draw.projects, dtype=object)}
    if layout == "r-resaved":
        columns.insert(0, ("", "", [str(i) for i in range(1, draw.n + 1)]))
        entries.insert(0, {"header": "", "kind": "ignore"})
        data = _csv(columns, 1, quoting=csv.QUOTE_ALL, lineterminator="\n")
    else:
        data = _csv(columns, 1, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    toml = _toml(f"synthetic-{layout}", top, entries)
    return SyntheticExport(layout, {"responses.csv": data}, toml, truth, stamps, free)


def typeform_export(draw: Draw, layout: str, rng: np.random.Generator) -> SyntheticExport:
    """The ``"typeform"`` layout: two header rows, one column per option."""
    n = draw.n
    columns = [("#", "", [rng.bytes(16).hex() for _ in range(n)]),
               (EMAIL, "", draw.emails)]
    entries: list[dict[str, Any]] = [{"keyword": "token", "header": "#", "kind": "ignore"},
                                     {"keyword": "email", "header": EMAIL, "kind": "personal"}]
    truth: dict[str, QuestionTruth] = {}
    _add_single_choice(draw, columns, entries, truth)
    for spec in (OUTILS, USAGES):
        keyword, header, options = spec
        truth[keyword] = question_truth(draw, keyword, *spec_options(spec))
        for (_, text), ticked in zip(options, draw.ticks[keyword].T, strict=True):
            columns.append((header, text, [text if t else "" for t in ticked]))
        other = "Other" if keyword == "outils" else None
        if other:
            columns.append((header, other, draw.others))
        entries.append(_columns_entry(spec, [text for _, text in options], other))
    columns.append((PROJET[1], "", draw.projects))
    entries.append({"keyword": "projet", "header": PROJET[1], "kind": "free"})
    started = draw.stamps - rng.integers(30, 900, size=n).astype("timedelta64[s]")
    columns += [("Start Date (UTC)", "", [_iso(t) for t in started.tolist()]),
                ("Submit Date (UTC)", "", [_iso(t) for t in draw.stamps.tolist()]),
                ("Network ID", "", [rng.bytes(5).hex() for _ in range(n)])]
    entries += [{"keyword": "début", "header": "Start Date (UTC)", "kind": "ignore"},
                {"keyword": "date", "header": "Submit Date (UTC)", "kind": "timestamp"},
                {"keyword": "réseau", "header": "Network ID", "kind": "ignore"}]
    data = _csv(columns, 2, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    toml = _toml("synthetic-typeform", {"header_rows": 2}, entries)
    return SyntheticExport(layout, {"responses.csv": data}, toml, truth, {"date": draw.stamps},
                           {"projet": np.array(draw.projects, dtype=object)})


def limesurvey_export(draw: Draw, layout: str, rng: np.random.Generator) -> SyntheticExport:
    """The ``"limesurvey"`` and ``"limesurvey-01"`` layouts: answer codes, one column per
    subquestion."""
    n = draw.n
    on, off = ("1", "0") if layout == "limesurvey-01" else ("Y", "")
    columns = [("id", "", [str(i) for i in range(1, n + 1)]),
               ("submitdate", "", [_iso(t) for t in draw.stamps.tolist()]),
               ("lastpage", "", ["3"] * n), ("startlanguage", "", ["fr"] * n),
               ("seed", "", [str(s) for s in rng.integers(10**8, 10**9, size=n)]),
               ("Q1", "", draw.emails)]
    entries: list[dict[str, Any]] = [
        {"keyword": "id", "header": "id", "kind": "ignore"},
        {"keyword": "date", "header": "submitdate", "kind": "timestamp"},
        {"keyword": "lastpage", "header": "lastpage", "kind": "ignore"},
        {"keyword": "langue", "header": "startlanguage", "kind": "ignore"},
        {"keyword": "seed", "header": "seed", "kind": "ignore"},
        {"keyword": "email", "header": "Q1", "kind": "personal"}]
    truth: dict[str, QuestionTruth] = {}
    for code, spec in (("Q2", LABO), ("Q3", NIVEAU)):
        keywords, _ = spec_options(spec)
        codes = tuple(f"A{i}" for i in range(1, len(keywords) + 1))
        truth[spec[0]] = question_truth(draw, spec[0], keywords, codes)
        columns.append((code, "", _single_cells(draw.single[spec[0]], codes)))
        entries.append(_choice_entry((spec[0], code, tuple(zip(keywords, codes, strict=True))),
                                     "single", label=spec[1]))
    for code, spec in (("Q4", OUTILS), ("Q5", USAGES)):
        keyword, _, options = spec
        truth[keyword] = question_truth(draw, keyword, *spec_options(spec))
        shown = truth[keyword].answered
        names = [f"{code}[SQ{i:03d}]" for i in range(1, len(options) + 1)]
        for name, ticked in zip(names, draw.ticks[keyword].T, strict=True):
            columns.append((name, "", [on if t else (off if s else "")
                                       for t, s in zip(ticked, shown, strict=True)]))
        other = f"{code}[other]" if keyword == "outils" else None
        if other:
            columns.append((other, "", draw.others))
        entries.append(_columns_entry(spec, names, other, label=spec[1]))
    columns.append(("Q6", "", draw.projects))
    entries.append({"keyword": "projet", "header": "Q6", "kind": "free", "label": PROJET[1]})
    keywords, _ = zip(*SCALE, strict=True)
    codes = tuple(f"A{i}" for i in range(1, len(SCALE) + 1))
    for i, (row, _) in enumerate(GRID_ROWS, start=1):
        truth[f"satisf.{row}"] = question_truth(draw, f"satisf.{row}", keywords, codes)
        columns.append((f"Q7[SQ{i:03d}]", "", _single_cells(draw.single[f"satisf.{row}"], codes)))
    entries.append(_grid_entry(header="Q7", scale=tuple(zip(keywords, codes, strict=True)),
                               columns=[f"Q7[SQ{i:03d}]" for i in range(1, len(GRID_ROWS) + 1)]))
    data = _csv(columns, 1, quoting=csv.QUOTE_ALL, lineterminator="\r\n", bom=True)
    toml = _toml(f"synthetic-{layout}", {}, entries)
    return SyntheticExport(layout, {"results-survey123456.csv": data}, toml, truth,
                           {"date": draw.stamps}, {"projet": np.array(draw.projects, dtype=object)})


def kaggle_export(draw: Draw, layout: str, rng: np.random.Generator) -> SyntheticExport:
    """The ``"kaggle"`` layout: question codes over question texts, one column per option."""
    duration = "Time from Start to Finish (seconds)"
    columns = [(duration, "Duration (in seconds)",
                [str(s) for s in rng.integers(120, 3600, size=draw.n)])]
    entries: list[dict[str, Any]] = [{"keyword": "durée", "header": duration, "kind": "ignore"}]
    truth: dict[str, QuestionTruth] = {}
    for code, spec in (("Q1", LABO), ("Q2", NIVEAU)):
        keyword, header, _ = spec
        truth[keyword] = question_truth(draw, keyword, *spec_options(spec))
        columns.append((code, header, _single_cells(draw.single[keyword], spec_options(spec)[1])))
        entries.append(_choice_entry((keyword, code, spec[2]), "single", label=header))
    for code, spec in (("Q3", OUTILS), ("Q4", USAGES)):
        keyword, header, options = spec
        truth[keyword] = question_truth(draw, keyword, *spec_options(spec))
        names = [f"{code}_Part_{i}" for i in range(1, len(options) + 1)]
        for name, (_, text), ticked in zip(names, options, draw.ticks[keyword].T, strict=True):
            columns.append((name, f"{header} (Plusieurs choix possibles) - Selected Choice - "
                            f"{text}", [text if t else "" for t in ticked]))
        other = f"{code}_OTHER" if keyword == "outils" else None
        if other:
            columns.append((other, f"{header} (Plusieurs choix possibles) - Selected Choice - "
                            "Other - Text", draw.others))
        entries.append(_columns_entry(spec, names, other, label=header))
    columns.append(("Q5", PROJET[1], draw.projects))
    entries.append({"keyword": "projet", "header": "Q5", "kind": "free", "label": PROJET[1]})
    data = _csv(columns, 2, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    toml = _toml("synthetic-kaggle", {"header_rows": 2}, entries)
    return SyntheticExport(layout, {"kaggle_survey_responses.csv": data}, toml, truth, {},
                           {"projet": np.array(draw.projects, dtype=object)})


def _add_single_choice(draw: Draw, columns: list, entries: list[dict[str, Any]],
                       truth: dict[str, QuestionTruth]) -> None:
    """The single-choice questions as the Forms and Typeform layouts write them (one column
    each, the option text per cell): their columns, codebook entries and truth."""
    for spec in (LABO, NIVEAU):
        keyword, header, _ = spec
        truth[keyword] = question_truth(draw, keyword, *spec_options(spec))
        columns.append((header, "", _single_cells(draw.single[keyword], spec_options(spec)[1])))
        entries.append(_choice_entry(spec, "single"))


def _single_cells(index: np.ndarray, texts: tuple[str, ...]) -> list[str]:
    return [texts[i] if i >= 0 else "" for i in index.tolist()]


def _french(t) -> str:
    return t.strftime("%d/%m/%Y %H:%M:%S")


def _iso(t) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _csv(columns: list[tuple[str, str, list[str]]], header_rows: int, *, quoting: int,
         lineterminator: str, bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=quoting, lineterminator=lineterminator)
    names, subs, cells = zip(*columns, strict=True)
    writer.writerow(names)
    if header_rows == 2:
        writer.writerow(subs)
    writer.writerows(zip(*cells, strict=True))
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


# ---------------------------------------------------------------------------------------------
# Codebook entries and their TOML text

def _choice_entry(spec: tuple, kind: str, label: str | None = None) -> dict[str, Any]:
    keyword, header, options = spec
    entry: dict[str, Any] = {"keyword": keyword, "header": header, "kind": kind}
    if label:
        entry["label"] = label
    if keyword == "labo":
        entry["required"] = True
    if keyword == "niveau":
        entry["ordered"] = True
    if kind == "multiple" or keyword == "labo":
        entry["other"] = keyword == "outils"
    entry["options"] = [{"keyword": k, "text": t} for k, t in options]
    return entry


def _columns_entry(spec: tuple, names: list[str], other: str | None,
                   label: str | None = None) -> dict[str, Any]:
    keyword, header, options = spec
    entry: dict[str, Any] = {"keyword": keyword, "kind": "multiple", "layout": "columns",
                             "label": label or header, "other": other is not None}
    entry["options"] = [{"keyword": k, "text": t, "column": name} | ({"none": True}
                                                                     if k == "aucun" else {})
                        for (k, t), name in zip(options, names, strict=True)]
    if other:
        entry["other_column"] = other
    return entry


def _grid_entry(header: str = GRID[1], scale: tuple = SCALE,
                columns: list[str] | None = None) -> dict[str, Any]:
    rows = [{"keyword": k, "text": t} for k, t in GRID_ROWS]
    for row, column in zip(rows, columns or [], strict=False):
        row["column"] = column
    entry: dict[str, Any] = {"keyword": GRID[0], "kind": "grid", "header": header}
    if header != GRID[1]:
        entry["label"] = GRID[1]
    entry |= {"ordered": True, "options": [{"keyword": k, "text": t} for k, t in scale],
              "rows": rows}
    return entry


def _toml(name: str, top: dict[str, Any], entries: list[dict[str, Any]]) -> str:
    lines = [f"# Codebook of a synthetic export ({name}), written by "
             "espri_gpu.synthetic_layouts.", "",
             f"name = {_value(name)}", f"title = {_value('Synthetic survey: ' + name)}"]
    lines += [f"{key} = {_value(value)}" for key, value in top.items()]
    for entry in entries:
        lines += ["", "[[columns]]"]
        for key, value in entry.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                lines.append(f"{key} = [")
                lines += [f"    {_value(item)}," for item in value]
                lines.append("]")
            else:
                lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    return "[" + ", ".join(_value(v) for v in value) + "]"


#: Layout -> its writer: ``writer(draw, layout, rng)`` gives the export.
WRITERS: dict[str, Callable[[Draw, str, np.random.Generator], SyntheticExport]] = {
    "forms": forms_export, "forms-semicolon": forms_export, "forms-grid": forms_export,
    "r-resaved": forms_export, "typeform": typeform_export, "limesurvey": limesurvey_export,
    "limesurvey-01": limesurvey_export, "kaggle": kaggle_export}
