"""Splitting a multiple-choice cell back into the options a respondent ticked.

Google Forms joins the chosen options of a multiple-choice question with ``", "``, in the
form's order, and appends the respondent's own "Autre" text last. Option texts may
themselves contain ``", "`` ("Méthodes factorielles (EOF, ACP, AFC, ACM, AFDM, AFM,
etc.)"), so a naive split is wrong. :class:`OptionMatcher` cuts the cell at ``", "`` and
re-assembles the pieces in one of two ways (:meth:`OptionMatcher.read` gives both):

* **Google Forms order** ("Autre" last, the default of :meth:`OptionMatcher.split`): the
  ticked options are the longest run of leading pieces that option texts cover in codebook
  order; everything after it is one "Autre" text, even where it contains option texts. With
  options "Jupyter Notebook" and "Spyder", ``"Jupyter Notebook, Emacs, Spyder"`` is Jupyter
  Notebook plus the "Autre" text ``"Emacs, Spyder"``.
* **Anywhere** (``autre_last=False``), for exports whose options are not in form order
  (re-sorted by a spreadsheet, written by another tool): dynamic programming finds the parse
  that leaves the fewest characters unmatched (an option beats free text on a tie, a longer
  option beats a shorter one), and each run of unmatched pieces is joined back into one free
  answer.

Both readings agree on every cell Google Forms writes, unless the "Autre" text holds an
option text after a ``", "`` (then only the first reading is right) or the options stand
out of codebook order (then the export is not in form order). :class:`CellReadings` flags
both cases, so that a reader can choose per column (see :mod:`espri_gpu.responses`).

Pieces are compared after :func:`~espri_gpu.codebook.normalize_text` (case, accents, quotes
and spacing ignored); options are indexed by their first piece, so a cell costs a few
dictionary look-ups per piece whatever the number of options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .codebook import normalize_text

__all__ = ["CellReadings", "OptionMatcher", "SplitCell"]

SEPARATOR = ", "
_CACHE_LIMIT = 1 << 16


@dataclass(frozen=True)
class SplitCell:
    """The options (indices into the matcher's texts) and free texts found in one cell."""

    options: tuple[int, ...]
    free: tuple[str, ...]


@dataclass(frozen=True)
class CellReadings:
    """Both readings of one cell, and what they tell about the order of the export.

    ``forms`` reads the cell in Google Forms order (options, then the "Autre" text);
    ``anywhere`` matches option texts wherever they stand. ``out_of_order``: two option texts
    stand next to each other in another order than the codebook's, which Google Forms only
    writes when an "Autre" text starts with an option text. ``option_after_free``: an option
    text stands after unmatched text, so ``forms`` puts it in the "Autre" text and the two
    readings differ.
    """

    forms: SplitCell
    anywhere: SplitCell
    out_of_order: bool
    option_after_free: bool


class OptionMatcher:
    """Match cells of one question against its option texts.

    Parameters
    ----------
    texts : sequence of str
        The option texts, as the form shows them.
    separator : str
        What joins the ticked options in a cell (``", "``: Google Forms).

    Examples
    --------
    >>> m = OptionMatcher(["Kmeans", "Méthodes factorielles (EOF, ACP, etc.)", "SOM"])
    >>> m.split("Kmeans, Méthodes factorielles (EOF, ACP, etc.), processus gaussiens, krigeage")
    SplitCell(options=(0, 1), free=('processus gaussiens, krigeage',))
    >>> m.match("  som ")
    2

    An option text after the "Autre" text belongs to it, unless ``autre_last=False``:

    >>> m.split("Kmeans, réseaux de Kohonen, SOM")
    SplitCell(options=(0,), free=('réseaux de Kohonen, SOM',))
    >>> m.split("Kmeans, réseaux de Kohonen, SOM", autre_last=False)
    SplitCell(options=(0, 2), free=('réseaux de Kohonen',))
    """

    def __init__(self, texts: Sequence[str], separator: str = SEPARATOR) -> None:
        self._separator = separator
        self._folded: dict[str, str] = {}
        # first folded piece -> [(folded pieces, option index)], longest option first
        self._by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for index, text in enumerate(texts):
            pieces = tuple(self._fold(p) for p in text.split(separator))
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
        folded = [self._fold(p) for p in text.split(self._separator)]
        for end, option in self._options_at(folded, 0):
            if end == len(folded):
                return option
        return None

    def split(self, cell: str, *, autre_last: bool = True) -> SplitCell:
        """Split a multiple-choice cell into option indices and free texts.

        Parameters
        ----------
        cell : str
            The cell as exported (options joined by ``", "``).
        autre_last : bool
            True: Google Forms order, the options first and one "Autre" text last. False:
            option texts are matched wherever they stand (see the module docstring).

        Returns
        -------
        SplitCell
        """
        if autre_last:  # via read(), so that a tie between two covers is broken alike
            return self.read(cell).forms
        pieces = cell.split(self._separator)
        folded = [self._fold(p) for p in pieces]
        return self._assemble(pieces, self._cheapest_steps(pieces, folded))

    def read(self, cell: str) -> CellReadings:
        """Both readings of ``cell`` (Google Forms order and anywhere), each parsed once.

        Examples
        --------
        >>> r = OptionMatcher(["Jupyter Notebook", "Spyder"]).read("Spyder, Jupyter Notebook")
        >>> r.out_of_order, r.anywhere.options
        (True, (0, 1))
        """
        pieces = cell.split(self._separator)
        folded = [self._fold(p) for p in pieces]
        steps = self._cheapest_steps(pieces, folded)
        anywhere = self._assemble(pieces, steps)
        out_of_order = option_after_free = seen_free = unsorted = False
        previous: int | None = None  # option of the previous step, None after free text
        highest = -1
        for start, end, option in steps:
            if option is None:
                seen_free = seen_free or any(p.strip() for p in pieces[start:end])
                previous = None
                continue
            option_after_free = option_after_free or seen_free
            out_of_order = out_of_order or (previous is not None and option < previous)
            unsorted = unsorted or option < highest
            previous, highest = option, max(highest, option)
        if option_after_free or unsorted:
            forms = self._assemble(pieces, self._forms_steps(pieces, folded))
        else:  # options first, in codebook order: both readings are the same parse
            forms = anywhere
        return CellReadings(forms, anywhere, out_of_order, option_after_free)

    def _cheapest_steps(self, pieces: list[str], folded: list[str]
                        ) -> list[tuple[int, int, int | None]]:
        """(start, end, option or None) covering the pieces, fewest unmatched characters."""
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
        steps = []
        i = 0
        while i < n:
            end, option = choice[i]
            steps.append((i, end, option))
            i = end
        return steps

    def _forms_steps(self, pieces: list[str], folded: list[str]
                     ) -> list[tuple[int, int, int | None]]:
        """Steps of the Google Forms reading: the longest prefix of pieces that options cover
        in codebook order (blank pieces skipped), then the rest as one free step."""
        n = len(pieces)
        # last[j]: smallest last option of a cover of pieces[:j] (it leaves the most options
        # free to follow); back[j]: the step that reached it.
        last: list[int | None] = [None] * (n + 1)
        back: list[tuple[int, int | None]] = [(0, None)] * (n + 1)
        last[0] = -1
        for i in range(n):
            here = last[i]
            if here is None:
                continue
            if not pieces[i].strip() and (last[i + 1] is None or here < last[i + 1]):
                last[i + 1], back[i + 1] = here, (i, None)
            for end, option in self._options_at(folded, i):
                if option >= here and (last[end] is None or option < last[end]):
                    last[end], back[end] = option, (i, option)
        covered = max(j for j in range(n + 1) if last[j] is not None)
        steps: list[tuple[int, int, int | None]] = [(covered, n, None)] if covered < n else []
        j = covered
        while j > 0:
            start, option = back[j]
            steps.append((start, j, option))
            j = start
        steps.reverse()
        return steps

    def _assemble(self, pieces: list[str], steps: list[tuple[int, int, int | None]]
                  ) -> SplitCell:
        options: list[int] = []
        free: list[str] = []
        run: list[str] = []
        for start, end, option in steps:
            if option is None:
                run += pieces[start:end]
            else:
                if run:
                    self._flush(run, free)
                if option not in options:
                    options.append(option)
        self._flush(run, free)
        return SplitCell(tuple(sorted(options)), tuple(free))

    def _flush(self, run: list[str], free: list[str]) -> None:
        text = self._separator.join(run).strip().strip(self._separator.strip() or ",").strip()
        if text and text not in free:
            free.append(text)
        run.clear()
