"""Splitting a multiple-choice cell back into the options a respondent ticked.

Google Forms joins the chosen options of a multiple-choice question with ``", "`` and
appends the respondent's own "Autre" text last. Option texts may themselves contain
``", "`` ("Méthodes factorielles (EOF, ACP, AFC, ACM, AFDM, AFM, etc.)"), so a naive split
is wrong. :class:`OptionMatcher` cuts the cell at ``", "`` and re-assembles the pieces by
dynamic programming: the parse that leaves the fewest characters unmatched wins (an option
beats free text on a tie, a longer option beats a shorter one), and runs of unmatched pieces
are joined back into one free answer.

Pieces are compared after :func:`~espri_gpu.codebook.normalize_text` (case, accents, quotes
and spacing ignored); options are indexed by their first piece, so a cell costs a few
dictionary look-ups per piece whatever the number of options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .codebook import normalize_text

__all__ = ["OptionMatcher", "SplitCell"]

SEPARATOR = ", "
_CACHE_LIMIT = 1 << 16


@dataclass(frozen=True)
class SplitCell:
    """The options (indices into the matcher's texts) and free texts found in one cell."""

    options: tuple[int, ...]
    free: tuple[str, ...]


class OptionMatcher:
    """Match cells of one question against its option texts.

    Parameters
    ----------
    texts : sequence of str
        The option texts, as the form shows them.

    Examples
    --------
    >>> m = OptionMatcher(["Kmeans", "Méthodes factorielles (EOF, ACP, etc.)", "SOM"])
    >>> m.split("Kmeans, Méthodes factorielles (EOF, ACP, etc.), processus gaussiens, krigeage")
    SplitCell(options=(0, 1), free=('processus gaussiens, krigeage',))
    >>> m.match("  som ")
    2
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self._folded: dict[str, str] = {}
        # first folded piece -> [(folded pieces, option index)], longest option first
        self._by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for index, text in enumerate(texts):
            pieces = tuple(self._fold(p) for p in text.split(SEPARATOR))
            self._by_first.setdefault(pieces[0], []).append((pieces, index))
        for candidates in self._by_first.values():
            candidates.sort(key=lambda c: -len(c[0]))

    def _fold(self, piece: str) -> str:
        folded = self._folded.get(piece)
        if folded is None:
            folded = normalize_text(piece)
            if len(self._folded) < _CACHE_LIMIT:
                self._folded[piece] = folded
        return folded

    def _options_at(self, folded: list[str], i: int) -> list[tuple[int, int]]:
        """(end piece, option) for every option whose pieces start at piece i."""
        found = []
        for pieces, option in self._by_first.get(folded[i], ()):
            end = i + len(pieces)
            if end <= len(folded) and tuple(folded[i:end]) == pieces:
                found.append((end, option))
        return found

    def match(self, text: str) -> int | None:
        """Index of the option whose text is ``text`` (leniently compared), or None."""
        folded = [self._fold(p) for p in text.split(SEPARATOR)]
        for end, option in self._options_at(folded, 0):
            if end == len(folded):
                return option
        return None

    def split(self, cell: str) -> SplitCell:
        """Split a multiple-choice cell into option indices and free texts."""
        pieces = cell.split(SEPARATOR)
        folded = [self._fold(p) for p in pieces]
        n = len(pieces)
        # cost[i]: fewest unmatched characters needed to parse pieces[i:]; choice[i]: how.
        cost = [0] * (n + 1)
        choice: list[tuple[int, int | None]] = [(0, None)] * n
        for i in range(n - 1, -1, -1):
            best, how = len(pieces[i].strip()) + cost[i + 1], (i + 1, None)
            for end, option in self._options_at(folded, i):  # longest first
                if cost[end] < best or (how[1] is None and cost[end] == best):
                    best, how = cost[end], (end, option)
            cost[i], choice[i] = best, how
        options: list[int] = []
        free: list[str] = []
        run: list[str] = []
        i = 0
        while i < n:
            nxt, option = choice[i]
            if option is None:
                run.append(pieces[i])
            else:
                self._flush(run, free)
                if option not in options:
                    options.append(option)
            i = nxt
        self._flush(run, free)
        return SplitCell(tuple(sorted(options)), tuple(free))

    @staticmethod
    def _flush(run: list[str], free: list[str]) -> None:
        text = SEPARATOR.join(run).strip().strip(",").strip()
        if text and text not in free:
            free.append(text)
        run.clear()
