"""Splitting a multiple-choice cell back into the options a respondent ticked.

Google Forms joins the chosen options of a multiple-choice question with ``", "`` and
appends the respondent's own "Autre" text last. Option texts may themselves contain
``", "`` ("Méthodes factorielles (EOF, ACP, AFC, ACM, AFDM, AFM, etc.)"), so a naive split
is wrong. :class:`OptionMatcher` cuts the cell at ``", "`` and re-assembles the pieces by
dynamic programming: the parse that leaves the fewest characters unmatched wins, options
are matched exactly first and then case-, accent- and spacing-insensitively, and runs of
unmatched pieces are joined back into one free answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .codebook import normalize_text

__all__ = ["OptionMatcher", "SplitCell"]

SEPARATOR = ", "


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
        self._exact = {t.strip(): i for i, t in enumerate(texts)}
        self._folded = {normalize_text(t): i for i, t in enumerate(texts)}
        self._max_pieces = max((t.count(SEPARATOR) + 1 for t in texts), default=1)
        self._seen: dict[str, int | None] = {}  # the same pieces recur across distinct cells

    def match(self, text: str) -> int | None:
        """Index of the option whose text is ``text`` (exactly, else leniently), or None."""
        try:
            return self._seen[text]
        except KeyError:
            pass
        stripped = text.strip()
        found = self._exact.get(stripped)
        if found is None:
            found = self._folded.get(normalize_text(stripped))
        if len(self._seen) < 1 << 16:
            self._seen[text] = found
        return found

    def split(self, cell: str) -> SplitCell:
        """Split a multiple-choice cell into option indices and free texts."""
        pieces = cell.split(SEPARATOR)
        n = len(pieces)
        quick = self._split_exact(pieces)
        if quick is not None:
            return quick
        # cost[i]: fewest unmatched characters needed to parse pieces[i:]; choice[i]: how.
        cost = [0] * (n + 1)
        choice: list[tuple[int, int | None]] = [(0, None)] * n
        for i in range(n - 1, -1, -1):
            best, how = len(pieces[i].strip()) + cost[i + 1], (i + 1, None)
            for j in range(min(n, i + self._max_pieces), i, -1):  # longest first
                option = self.match(SEPARATOR.join(pieces[i:j]))
                # an option beats free text on a tie; a longer option beats a shorter one
                if option is not None and (cost[j] < best or (how[1] is None and cost[j] == best)):
                    best, how = cost[j], (j, option)
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

    def _split_exact(self, pieces: list[str]) -> SplitCell | None:
        """The common case, fast: the cell is a join of exact option texts (else None)."""
        options: set[int] = set()
        i, n = 0, len(pieces)
        while i < n:
            for j in range(min(n, i + self._max_pieces), i, -1):
                option = self._exact.get(SEPARATOR.join(pieces[i:j]) if j > i + 1 else pieces[i])
                if option is not None:
                    options.add(option)
                    i = j
                    break
            else:
                return None
        return SplitCell(tuple(sorted(options)), ())

    @staticmethod
    def _flush(run: list[str], free: list[str]) -> None:
        text = SEPARATOR.join(run).strip().strip(",").strip()
        if text and text not in free:
            free.append(text)
        run.clear()
