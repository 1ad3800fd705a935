"""Splitting multiple-choice cells: hand-picked traps, a brute-force oracle, a property test."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from espri_gpu.splitting import OptionMatcher, SplitCell

from ._reference import naive_split

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


def test_free_text_between_options_is_kept_apart() -> None:
    split = OptionMatcher(OPTIONS).split(f"SOM, mon idée, {OPTIONS[3]}")
    assert split == SplitCell((3, 7), ("mon idée",))


def test_matches_bruteforce_on_random_cells() -> None:
    rng = random.Random(1)
    matcher = OptionMatcher(OPTIONS)
    vocabulary = [*OPTIONS, "autre chose", "EOF", "Kmeans et variantes", "x, y"]
    for _ in range(300):
        cell = ", ".join(rng.sample(vocabulary, rng.randint(1, 4)))
        expected_options, expected_free = naive_split(cell, OPTIONS)
        got = matcher.split(cell)
        assert set(got.options) == expected_options, cell
        assert "".join(got.free).replace(", ", "") == "".join(expected_free).replace(", ", ""), cell


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
    split = OptionMatcher(OPTIONS).split(", ".join(parts))
    assert set(split.options) == chosen
    assert split.free == ((other.strip(),) if other else ())
