"""Issue #16 (1-3): a report a person reads — words people recognise, in their language,
where the figures say something."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from espri_gpu import counts, crosstab, load_example
from espri_gpu.codebook import load_codebook_text
from espri_gpu.i18n import ALPHA, Words
from espri_gpu.plotting import bar_chart, heatmap
from espri_gpu.progress import Progress
from espri_gpu.rare_answers import POOLED_KEY, pool_counts, pool_table
from espri_gpu.report import run_report
from espri_gpu.report_page import MIN_GROUP_SIZE, grouping_verdict

PAIRS = "lab,compétence,ml_méthodes,gpu_projets"


@pytest.fixture(scope="module")
def example():
    return load_example("espri2020")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The bundled example reported in French (default) and in English, every figure."""
    made = {}
    for lang in ("fr", "en"):
        out = tmp_path_factory.mktemp(f"report_{lang}")
        run_report(out=out, backend="cpu", pairs=PAIRS, groups="ml_méthodes:ml_usages",
                   n_resamples=199, seed=3, lang=None if lang == "fr" else "en",
                   progress=Progress(io.StringIO()))
        made[lang] = out
    return made


def _ticks(ax, axis: str = "y") -> list[str]:
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text().replace("\n", " ") for t in labels]


# --------------------------------------------------------------------------- 1. words


def test_bars_and_heat_maps_show_option_texts_not_keywords(example) -> None:
    ticks = " ".join(_ticks(bar_chart(counts(example, "compétence"))))
    assert "Je n'ai pas de compétence" in ticks and "interet" not in ticks
    ax = heatmap(crosstab(example, "compétence", "maturité_projet"))
    assert not {"interet", "autonome", "non_autonome"} & set(_ticks(ax))
    assert ax.get_ylabel() == "Compétences en ML"          # the question's label
    assert ax.get_xlabel() == "Maturité des projets ML"


def test_an_option_label_in_the_codebook_is_what_figures_show() -> None:
    cb = load_codebook_text('''
[[columns]]
keyword = "niveau"
header = "Votre niveau ?"
kind = "single"
label = "Niveau"
options = [
  { keyword = "deb", text = "Débutant·e, je découvre le domaine", label = "Débutant·e" },
  { keyword = "exp", text = "Expert·e" },
]
''')
    q = cb.question("niveau")
    assert [q.shown("deb"), q.shown("exp"), q.shown("Autre chose")] == [
        "Débutant·e", "Expert·e", "Autre chose"]
    assert load_codebook_text(cb.to_toml()).question("niveau").options[0].label == "Débutant·e"


def test_a_label_must_be_text() -> None:
    from espri_gpu.codebook import CodebookError

    with pytest.raises(CodebookError, match="`label` must be a short non-empty text"):
        load_codebook_text('[[columns]]\nkeyword = "a"\nheader = "A"\nkind = "single"\n'
                           'options = [{ keyword = "x", text = "X", label = 3 }]\n')


def test_drafted_codebooks_fill_short_labels_for_long_option_texts(tmp_path) -> None:
    from espri_gpu.drafting import draft_codebook_toml

    long = "J'ai des compétences suffisantes pour réaliser des projets en ML"
    rows = [[f"2020/0{1 + i % 9}/01 10:00:00", long if i % 2 else "Non"] for i in range(12)]
    path = tmp_path / "export.csv"
    pd.DataFrame(rows, columns=["Horodateur", "Votre niveau ?"]).to_csv(path, index=False)
    cb = load_codebook_text(draft_codebook_toml(path))
    option = next(o for o in cb.question(cb.questions[0].keyword).options if o.text == long)
    assert option.label is not None and len(option.label) <= 40 and option.label.endswith("…")
    assert long.startswith(option.label[:-1])


def test_ordered_scales_keep_their_order_in_bars(example) -> None:
    import dataclasses

    c = counts(example, "maturité_projet")
    by_count = list(c.table.sort_values("count", ascending=False, kind="stable").index)
    assert by_count != list(c.table.index)  # the test can tell the two orders apart
    shown = _ticks(bar_chart(dataclasses.replace(c, ordered=True)))[::-1]  # top to bottom
    expected = [c.labels[k] for k in c.table.index]
    assert all(e.startswith(s[:20]) for s, e in zip(shown, expected, strict=True)), shown


def test_a_question_with_many_answers_shows_the_top_ones_and_the_rest_as_one_bar(example):
    c = counts(example, "ml_méthodes")
    ax = bar_chart(c, top=6, words=Words("fr"))
    ticks = _ticks(ax)
    assert len(ticks) == 6 and ticks[0] == f"{len(c.table) - 5} autres réponses"
    widths = [p.get_width() for p in ax.patches]
    assert widths[0] == c.table["count"].sort_values().iloc[:len(c.table) - 5].sum()


def test_page_tables_have_no_index_column_nor_true_false_cells(reports) -> None:
    for out in reports.values():
        page = (out / "report.html").read_text(encoding="utf-8")
        assert ">True<" not in page and ">False<" not in page
        assert not re.search(r"<th>0</th>", page)
        assert "<td>interet</td>" not in page


# --------------------------------------------------------------------------- 2. FR/EN


def test_the_page_is_in_the_codebooks_language_or_the_one_asked_for(reports) -> None:
    fr = (reports["fr"] / "report.html").read_text(encoding="utf-8")
    en = (reports["en"] / "report.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in fr and '<html lang="en">' in en
    assert "En bref" in fr and "Quelles réponses sont liées" in fr and "Summary" not in fr
    assert "Summary" in en and "Which answers are related" in en and "En bref" not in en
    # numbers: decimal comma in French only
    assert re.search(r"p ajusté = \d,\d", fr) and not re.search(r"adjusted p = \d,\d", en)


def test_p_values_are_never_rounded_across_the_threshold() -> None:
    rng = np.random.default_rng(0)
    ps = np.concatenate([ALPHA + rng.uniform(-1e-3, 1e-3, 2000),
                         ALPHA + rng.uniform(-1e-6, 1e-6, 2000), [0.0499, 0.04999, 0.05]])
    for lang in ("fr", "en"):
        words = Words(lang)
        for p in ps:
            text = words.p(float(p))
            assert (float(text.replace(",", ".")) < ALPHA) == (p < ALPHA), (p, text)


def test_verdicts_and_figures_in_french() -> None:
    words = Words("fr")
    assert words.verdict(0.002) == ("related", "liées (p ajusté = 0,002)")
    assert words.verdict(0.41)[1] == "pas de lien établi (p ajusté = 0,41)"
    ax = bar_chart(counts(load_example("espri2020"), "lab"), words=words)
    assert "répondants" in ax.get_title() and ax.get_xlabel() == "répondants"


def test_an_unknown_language_is_a_one_line_error(tmp_path) -> None:
    from espri_gpu.errors import SurveyInputError

    with pytest.raises(SurveyInputError, match="`lang` .*'de'.*fr, en"):
        run_report(out=tmp_path, lang="de")


# --------------------------------------------------------------------------- 3. what to show


def test_the_page_opens_with_the_related_pairs_each_with_its_heat_map(reports) -> None:
    out = reports["fr"]
    tests = pd.read_csv(out / "tests.csv")
    related = tests[tests["p_bh"] < 0.05]
    assert len(related) >= 1
    page = (out / "report.html").read_text(encoding="utf-8")
    summary = page[page.index("En bref"):page.index("Quelles réponses sont liées")]
    assert summary.count("<img") >= len(related)
    assert summary.count("sont liées (") == len(related)
    drawn = {p.stem for p in (out / "figures" / "heatmaps").glob("*.png")}
    assert drawn == {f"{r.a}__{r.b}" for r in related.itertuples()}  # related pairs only


def test_every_pair_is_drawn_with_figures_all(tmp_path) -> None:
    run_report(out=tmp_path, backend="cpu", pairs="lab,compétence,gpu_projets", groups="",
               n_resamples=99, figures="all", progress=Progress(io.StringIO()))
    assert len(list((tmp_path / "figures" / "heatmaps").glob("*.png"))) == 3


def test_rare_free_answers_are_pooled_exactly(example) -> None:
    c = counts(example, "ml_méthodes")
    pooled = pool_counts(c, "autres")
    rare = c.table[c.table["other"] & (c.table["count"] < 5)]
    assert POOLED_KEY in pooled.table.index and len(rare) >= 2
    assert int(pooled.table.loc[POOLED_KEY, "count"]) == int(rare["count"].sum())
    assert int(pooled.table["count"].sum()) == int(c.table["count"].sum())
    assert not (pooled.table.index.isin(rare.index)).any()
    # codebook options are never pooled, however rare
    options = c.table[~c.table["other"]].index
    assert set(options) <= set(pooled.table.index)
    t = crosstab(example, "lab", "ml_méthodes")
    pt = pool_table(t, "autres")
    assert int(pt.to_numpy().sum()) == int(t.to_numpy().sum())
    assert pt.attrs["column_labels"][-1] == "autres" and pt.shape[1] == len(pt.attrs[
        "column_labels"])


def test_five_thousand_distinct_free_answers_make_one_small_figure(tmp_path) -> None:
    """Issue #16 (5): a question with 5,000 distinct free answers: one pooled bar."""
    from espri_gpu import Survey

    n = 5200
    answers = ["Oui" if i < 200 else f"réponse libre numéro {i}" for i in range(n)]
    cb = load_codebook_text('[[columns]]\nkeyword = "q"\nheader = "Q"\nkind = "single"\n'
                            'other = true\noptions = ["Oui", "Non"]\n')
    survey = Survey.from_frame(pd.DataFrame({"Q": answers}), cb)
    c = pool_counts(counts(survey, "q"), "autres")
    assert len(c.table) == 3 and int(c.table.loc[POOLED_KEY, "count"]) == 5000
    ax = bar_chart(c)
    assert len(ax.patches) == 3
    png = tmp_path / "q.png"
    ax.figure.savefig(png)
    assert png.stat().st_size < 100_000


@pytest.mark.parametrize(("k", "patterns", "sizes", "stable", "found", "says"), [
    (3, 3, [20, 20, 20], True, False, "distinct answer patterns"),
    (2, 9, [40, MIN_GROUP_SIZE - 1], True, False, "too small"),
    (2, 9, [30, 30], False, False, "unstable"),
    (2, 9, [30, 30], True, True, "stable"),
])
def test_groups_are_called_stable_only_when_they_are_groups(k, patterns, sizes, stable, found,
                                                             says) -> None:
    g = SimpleNamespace(k=k, n_patterns=patterns, sizes=np.array(sizes), stable=stable,
                        stability=0.9 if stable else 0.3)
    is_found, text = grouping_verdict(g, Words("en"))
    assert is_found == found and says in text
    assert (text.startswith("stable")) == found


def test_groups_found_are_in_the_summary_with_their_figures(reports) -> None:
    page = (reports["en"] / "report.html").read_text(encoding="utf-8")
    summary = page[page.index("Summary"):page.index("Which answers are related")]
    assert "Groups found" in summary
    assert ("groups of" in summary and "stable (adjusted Rand index" in summary) or \
        "No stable grouping." in summary


@pytest.mark.skipif(__import__("shutil").which("chromium") is None,
                    reason="Debian's chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_page_renders_in_headless_chromium_in_both_languages(reports, lang,
                                                                 tmp_path) -> None:
    """The browser parses the page: its summary and every figure are in the DOM, and the
    screenshot at A4-like width (800 px) is not blank."""
    import os
    import subprocess

    page = (reports[lang] / "report.html").resolve().as_uri()
    common = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync",
              f"--user-data-dir={tmp_path / 'profile'}"]
    env = {**os.environ, "HOME": str(tmp_path)}
    dom = subprocess.run([*common, "--dump-dom", page], check=True, capture_output=True,
                         text=True, timeout=120, env=env).stdout
    heading = {"fr": "En bref", "en": "Summary"}[lang]
    assert f'<h2 id="summary">{heading}</h2>' in dom
    source = (reports[lang] / "report.html").read_text(encoding="utf-8")
    assert dom.count("<img") == source.count("<img") > 0
    shot = tmp_path / "page.png"
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=800,3000", page],
                   check=True, capture_output=True, timeout=120, env=env)
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[1] == 800 and pixels.std() > 0.05


def test_thousands_of_distinct_free_answers_stay_small_and_complete(tmp_path) -> None:
    """Issue #16 (5): a question with ~1,000 distinct free answers crossed with one of ~200:
    the report pools them in figures, writes the huge cross table as its non-empty cells
    (every count kept), and its page stays small."""
    from espri_gpu import read_survey

    rng = np.random.default_rng(5)
    n = 1400
    tools = np.where(rng.random(n) < 0.25, rng.choice(["Python", "R"], n),
                     [f"outil maison numéro {i % 1000}" for i in range(n)])
    editors = [", ".join(x for x, p in (("Jupyter", 0.5), ("Spyder", 0.3)) if rng.random() < p)
               or f"autre chose {i % 200}" for i in range(n)]
    responses = tmp_path / "r.csv"
    pd.DataFrame({"Outil ?": tools, "Éditeurs ?": editors}).to_csv(responses, index=False)
    codebook = tmp_path / "cb.toml"
    codebook.write_text('[[columns]]\nkeyword = "outil"\nheader = "Outil ?"\nkind = "single"\n'
                        'other = true\noptions = ["Python", "R"]\n[[columns]]\n'
                        'keyword = "edit"\nheader = "Éditeurs ?"\nkind = "multiple"\n'
                        'options = ["Jupyter", "Spyder"]\n', encoding="utf-8")
    out = tmp_path / "out"
    run_report(responses, codebook=codebook, out=out, backend="cpu", n_resamples=99,
               figures="all", progress=Progress(io.StringIO()))
    table = crosstab(read_survey(responses, codebook), "outil", "edit")
    assert table.size > 100_000
    written = pd.read_csv(out / "crosstabs" / "outil__edit.csv")
    assert list(written.columns) == ["outil", "edit", "count"]
    assert written["count"].sum() == table.to_numpy().sum() and (written["count"] > 0).all()
    assert len(written) == int((table.to_numpy() > 0).sum())
    assert (out / "report.html").stat().st_size < 1_500_000
    heat = (out / "figures" / "heatmaps" / "outil__edit.png").stat().st_size
    assert heat < 150_000


@pytest.mark.slow
def test_the_bundled_example_with_the_defaults_makes_a_small_page(tmp_path) -> None:
    """Issue #16 (3, 4): defaults on the bundled example: the page is under 3 MB, only the
    related pairs get a heat map, and the seconds per step are recorded."""
    import json

    run_report(out=tmp_path, backend="cpu", progress=Progress(io.StringIO()))
    assert (tmp_path / "report.html").stat().st_size < 3_000_000
    tests = pd.read_csv(tmp_path / "tests.csv")
    heatmaps = list((tmp_path / "figures" / "heatmaps").glob("*.png"))
    assert len(heatmaps) == int((tests["p_bh"] < 0.05).sum()) < len(tests)
    seconds = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))["seconds"]
    assert {"read", "counts", "cross tables", "tests", "groups", "figures"} <= set(seconds)


def test_figures_are_drawn_for_the_most_stable_groupings_found_only(tmp_path,
                                                                    monkeypatch) -> None:
    from espri_gpu import report

    monkeypatch.setattr(report, "MAX_GROUPINGS_DRAWN", 1)
    run_report(out=tmp_path, backend="cpu", pairs="lab,compétence", n_resamples=49,
               groups="ml_méthodes,ml_usages,big_data,exec_plateformes", lang="en",
               progress=Progress(io.StringIO()))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    summary = page[page.index("Groups found"):page.index("Which answers are related")]
    found = summary.count("groups of")
    drawn = {p.name.rsplit("_", 1)[0] for p in (tmp_path / "figures" / "groups").glob("*.png")}
    assert found >= 2 and len(drawn) == 1
    assert "Figures are drawn for the 1 most stable groupings" in summary


def test_a_drafted_codebook_of_an_english_export_reports_in_english(tmp_path) -> None:
    from espri_gpu.drafting import draft_codebook_toml

    rows = [[f"2020/05/0{1 + i % 9} 10:00:00", ["Python", "R", "Julia"][i % 3],
             ["Yes", "No"][i % 2]] for i in range(30)]
    path = tmp_path / "export.csv"
    pd.DataFrame(rows, columns=["Timestamp", "Which language do you use?",
                                "Do you have a GPU for your work?"]).to_csv(path, index=False)
    assert load_codebook_text(draft_codebook_toml(path)).language == "en"
    path_fr = tmp_path / "export_fr.csv"
    pd.DataFrame(rows, columns=["Horodateur", "Quel langage utilisez-vous ?",
                                "Avez-vous un GPU pour votre travail ?"]).to_csv(path_fr,
                                                                                index=False)
    assert load_codebook_text(draft_codebook_toml(path_fr)).language == "fr"
