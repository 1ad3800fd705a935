"""Splitting multiple-choice cells: hand-picked traps, a brute-force oracle, a property test."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from espri_gpu.splitting import CellReadings, OptionMatcher, SplitCell

from ._reference import naive_forms_split, naive_split

OPTIONS = [
    "K-Nearest Neighbour, Kmeans et variantes",
    "Classification Ascendante/Descendante Hiérarchique (CAH et CDH)",
    "Méthodes factorielles (EOF, ACP, AFC, ACM, AFDM, AFM, etc.)",
    "Perceptron Multi Couches (MLP)",
    "Deep Learning (CNN, Auto-encodeurs, etc.)",
    "Cloud privé (Amazon AWS, Microsoft Azure, Google Cloud, IBM Cloud, etc.)",
    "Kmeans",  # also a prefix of a longer option's piece: longest must win
    "SOM",
]


@pytest.mark.parametrize(
    ("cell", "options", "free"),
    [
        ("SOM", (7,), ()),
        ("K-Nearest Neighbour, Kmeans et variantes", (0,), ()),
        ("K-Nearest Neighbour, Kmeans et variantes, Kmeans", (0, 6), ()),
        (f"{OPTIONS[2]}, {OPTIONS[3]}, processus gaussiens, krigeage", (2, 3),
         ("processus gaussiens, krigeage",)),
        (f"{OPTIONS[5]}, SOM", (5, 7), ()),
        ("Gaussian Mixture Model", (), ("Gaussian Mixture Model",)),
        ("  som ", (7,), ()),  # lenient: case and spaces
        ("méthodes factorielles (eof, acp, afc, acm, afdm, afm, etc.)", (2,), ()),
        ("SOM, SOM", (7,), ()),
    ],
)
def test_split_known_cells(cell: str, options: tuple[int, ...], free: tuple[str, ...]) -> None:
    assert OptionMatcher(OPTIONS).split(cell) == SplitCell(options, free)


def test_free_text_between_options_is_kept_apart_when_matched_anywhere() -> None:
    split = OptionMatcher(OPTIONS).split(f"SOM, mon idée, {OPTIONS[3]}", autre_last=False)
    assert split == SplitCell((3, 7), ("mon idée",))


# --- issue #14: Google Forms writes the ticked options in form order, the "Autre" text last --


@pytest.mark.parametrize(
    ("cell", "options", "free"),
    [
        # an option text after the free text belongs to the "Autre" answer
        ("Jupyter Notebook, Emacs, Spyder", (0,), ("Emacs, Spyder",)),
        ("Emacs, Spyder", (), ("Emacs, Spyder",)),
        # an "Autre" text that is exactly an option text, at the end, reads as ticked
        ("Jupyter Notebook, Spyder", (0, 1), ()),
        # option texts with ", " before and inside the free text
        ("Editeurs (Atom, Emacs, Vim, etc.), nano, micro, Editeurs (Atom, Emacs, Vim, etc.)",
         (2,), ("nano, micro, Editeurs (Atom, Emacs, Vim, etc.)",)),
        ("Spyder, Editeurs (Atom, Emacs, Vim, etc.), R; Julia", (1, 2), ("R; Julia",)),
        # options out of form order: the later one cannot be ticked, it is free text
        ("Spyder, Jupyter Notebook", (1,), ("Jupyter Notebook",)),
    ],
)
def test_autre_comes_last(cell: str, options: tuple[int, ...], free: tuple[str, ...]) -> None:
    matcher = OptionMatcher(["Jupyter Notebook", "Spyder", "Editeurs (Atom, Emacs, Vim, etc.)"])
    assert matcher.split(cell) == SplitCell(options, free)
    assert matcher.read(cell).forms == SplitCell(options, free)


def test_free_text_between_options_is_autre_in_forms_order() -> None:
    split = OptionMatcher(OPTIONS).split(f"{OPTIONS[3]}, mon idée, {OPTIONS[2]}, SOM")
    assert split == SplitCell((3,), (f"mon idée, {OPTIONS[2]}, SOM",))


@pytest.mark.parametrize(
    ("cell", "anywhere", "out_of_order", "option_after_free"),
    [
        ("Jupyter Notebook, Spyder, Emacs", ((0, 1), ("Emacs",)), False, False),
        ("Jupyter Notebook, Emacs, Spyder", ((0, 1), ("Emacs",)), False, True),
        ("Spyder, Jupyter Notebook", ((0, 1), ()), True, False),
        ("Emacs, Spyder, Jupyter Notebook", ((0, 1), ("Emacs",)), True, True),
        ("Spyder, Emacs, Jupyter Notebook", ((0, 1), ("Emacs",)), False, True),
        ("Spyder, Spyder", ((1,), ()), False, False),
    ],
)
def test_read_flags_cells_not_in_forms_order(cell, anywhere, out_of_order,
                                             option_after_free) -> None:
    matcher = OptionMatcher(["Jupyter Notebook", "Spyder"])
    readings = matcher.read(cell)
    assert readings == CellReadings(matcher.split(cell), SplitCell(*anywhere), out_of_order,
                                    option_after_free)
    assert readings.anywhere == matcher.split(cell, autre_last=False)


def test_matches_bruteforce_on_random_cells() -> None:
    rng = random.Random(1)
    matcher = OptionMatcher(OPTIONS)
    vocabulary = [*OPTIONS, "autre chose", "EOF", "Kmeans et variantes", "x, y"]
    for _ in range(300):
        cell = ", ".join(rng.sample(vocabulary, rng.randint(1, 4)))
        expected_options, expected_free = naive_split(cell, OPTIONS)
        got = matcher.split(cell, autre_last=False)
        assert set(got.options) == expected_options, cell
        assert "".join(got.free).replace(", ", "") == "".join(expected_free).replace(", ", ""), cell
        assert matcher.read(cell).anywhere == got, cell
        expected_options, expected_free = naive_forms_split(cell, OPTIONS)
        got = matcher.split(cell)
        assert (set(got.options), got.free) == (expected_options, expected_free), cell
        assert matcher.read(cell).forms == got, cell


free_texts = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzéèàçô ,()-"), min_size=1, max_size=30
).map(lambda s: " ".join(s.split())).filter(
    lambda s: s and not s.startswith(",") and not s.endswith(",")
    and all(piece.strip() and OptionMatcher(OPTIONS).match(piece) is None
            for piece in s.split(", ")))


@settings(max_examples=300, deadline=None)
@given(chosen=st.sets(st.integers(0, len(OPTIONS) - 1)), other=st.none() | free_texts)
def test_google_forms_join_round_trips(chosen: set[int], other: str | None) -> None:
    """Options joined in form order with ", ", the "Autre" text last, split back exactly."""
    parts = [OPTIONS[i] for i in sorted(chosen)] + ([other] if other else [])
    if not parts:
        return
    cell = ", ".join(parts)
    split = OptionMatcher(OPTIONS).split(cell)
    assert set(split.options) == chosen
    assert split.free == ((other.strip(),) if other else ())
    readings = OptionMatcher(OPTIONS).read(cell)
    assert readings.forms == readings.anywhere == split
    assert not readings.out_of_order and not readings.option_after_free
